//! Conflict rules (spec section 4): every default and every alternative,
//! chosen with `--rule KIND=RULE`, with `--conflict FILE`, and with both.

use crate::support::*;
use serde_json::{json, Value};

const TARGET_HTML: &str = "<html>target</html>";
const BUNDLE_HTML: &str = "<html>bundle</html>";

/// A target holding, under the same names as the bundle's, different
/// content: email template "Standard Email", landing page template
/// "Standard Template", image "hero.png" and form "Webinar Form".
fn clashing_target() -> Sub {
    let target = Sub::standard();
    target
        .email_template("Standard Email", TARGET_HTML)
        .lp_template("Standard Template", TARGET_HTML)
        .image("hero.png", &image_bytes("target hero"))
        .form("Webinar Form", &["Email Address"]);
    target
}

/// A bundle carrying the four clashing assets, each used by the program.
fn clashing_bundle() -> BundleSpec {
    let mut p = program("Clash Program");
    p["emails"] = json!([email("Invite", "Standard Email", &["hero.png"])]);
    p["landing_pages"] = json!([landing_page(
        "Registration",
        "Standard Template",
        &["Webinar Form"]
    )]);
    BundleSpec::new(p)
        .email_template("Standard Email", BUNDLE_HTML)
        .lp_template("Standard Template", BUNDLE_HTML)
        .image("hero.png", &image_bytes("bundle hero"))
        .form("Webinar Form", &["Email Address", "First Name"])
}

/// Preview the clashing bundle into the clashing target with these flags.
fn clash(extra: &[&str]) -> (Outcome, Value) {
    let target = clashing_target();
    let out = preview_bundle(&clashing_bundle(), &target, extra);
    let program = out.only().clone();
    assert_eq!(program["status"], "ok", "{}", out.stdout);
    assert_eq!(out.code, 0, "{}", out.stderr);
    (out, program)
}

// ---------------------------------------------------------------------
// Defaults

#[test]
fn defaults_do_what_marketo_does() {
    let (out, program) = clash(&[]);
    assert_eq!(
        out.json()["rules"],
        json!({
            "program": "fail",
            "email-template": "reuse",
            "landing-page-template": "rename",
            "image": "reuse",
            "form": "reuse",
            "tag": "create",
            "image-token": "drop-all",
            "rename-style": "space"
        })
    );
    assert_eq!(
        action_result(&program, "email-template", "Standard Email"),
        pair("reuse", "Standard Email")
    );
    assert_eq!(
        action_result(&program, "landing-page-template", "Standard Template"),
        pair("rename", "Standard Template 1")
    );
    assert_eq!(
        action_result(&program, "image", "hero.png"),
        pair("reuse", "hero.png")
    );
    assert_eq!(
        action_result(&program, "external-form", "Webinar Form"),
        pair("reuse", "Webinar Form")
    );
}

#[test]
fn conflict_default_is_the_defaults() {
    let (plain, _) = clash(&[]);
    let (explicit, _) = clash(&["--conflict", "default"]);
    assert_eq!(plain.json()["rules"], explicit.json()["rules"]);
    assert_eq!(
        plain.json()["programs"][0]["assets"],
        explicit.json()["programs"][0]["assets"]
    );
}

// ---------------------------------------------------------------------
// Email templates

#[test]
fn email_template_rename() {
    let (out, program) = clash(&["--rule", "email-template=rename"]);
    assert_eq!(out.json()["rules"]["email-template"], "rename");
    assert_eq!(
        action_result(&program, "email-template", "Standard Email"),
        pair("rename", "Standard Email 1")
    );
}

#[test]
fn email_template_overwrite() {
    let (_, program) = clash(&["--rule", "email-template=overwrite"]);
    assert_eq!(
        action_result(&program, "email-template", "Standard Email"),
        pair("overwrite", "Standard Email")
    );
}

#[test]
fn email_template_reuse_explicit() {
    let (_, program) = clash(&["--rule", "email-template=reuse"]);
    assert_eq!(
        action_result(&program, "email-template", "Standard Email"),
        pair("reuse", "Standard Email")
    );
}

// ---------------------------------------------------------------------
// Landing page templates

#[test]
fn landing_page_template_rename_takes_first_free_suffix() {
    let target = clashing_target();
    target.lp_template("Standard Template 1", "<html>another</html>");
    let out = preview_bundle(&clashing_bundle(), &target, &[]);
    let program = out.only();
    assert_eq!(
        action_result(program, "landing-page-template", "Standard Template"),
        pair("rename", "Standard Template 2")
    );
}

#[test]
fn landing_page_template_rename_explicit() {
    let (_, program) = clash(&["--rule", "landing-page-template=rename"]);
    assert_eq!(
        action_result(&program, "landing-page-template", "Standard Template"),
        pair("rename", "Standard Template 1")
    );
}

#[test]
fn landing_page_template_reuse() {
    let (out, program) = clash(&["--rule", "landing-page-template=reuse"]);
    assert_eq!(out.json()["rules"]["landing-page-template"], "reuse");
    assert_eq!(
        action_result(&program, "landing-page-template", "Standard Template"),
        pair("reuse", "Standard Template")
    );
}

#[test]
fn landing_page_template_overwrite() {
    let (_, program) = clash(&["--rule", "landing-page-template=overwrite"]);
    assert_eq!(
        action_result(&program, "landing-page-template", "Standard Template"),
        pair("overwrite", "Standard Template")
    );
}

// ---------------------------------------------------------------------
// Images

#[test]
fn image_rename_puts_the_number_before_the_extension() {
    let (_, program) = clash(&["--rule", "image=rename"]);
    assert_eq!(
        action_result(&program, "image", "hero.png"),
        pair("rename", "hero 1.png")
    );
}

#[test]
fn image_rename_skips_taken_suffixes() {
    let target = clashing_target();
    target.image("hero 1.png", &image_bytes("yet another hero"));
    let out = preview_bundle(&clashing_bundle(), &target, &["--rule", "image=rename"]);
    assert_eq!(
        action_result(out.only(), "image", "hero.png"),
        pair("rename", "hero 2.png")
    );
}

#[test]
fn image_overwrite() {
    let (_, program) = clash(&["--rule", "image=overwrite"]);
    assert_eq!(
        action_result(&program, "image", "hero.png"),
        pair("overwrite", "hero.png")
    );
}

// ---------------------------------------------------------------------
// Forms

#[test]
fn form_rename() {
    let (_, program) = clash(&["--rule", "form=rename"]);
    assert_eq!(
        action_result(&program, "external-form", "Webinar Form"),
        pair("rename", "Webinar Form 1")
    );
}

#[test]
fn form_overwrite() {
    let (_, program) = clash(&["--rule", "form=overwrite"]);
    assert_eq!(
        action_result(&program, "external-form", "Webinar Form"),
        pair("overwrite", "Webinar Form")
    );
}

// ---------------------------------------------------------------------
// Programs

/// A target that already holds a program named "Existing Program".
fn target_with_program() -> Sub {
    let target = Sub::standard();
    target.stored_program("Webinars", &program("Existing Program"));
    target
}

#[test]
fn program_exists_fails_by_default() {
    let target = target_with_program();
    let out = preview_bundle(&BundleSpec::new(program("Existing Program")), &target, &[]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    let p = out.only();
    assert_eq!(p["status"], "blocked");
    assert_eq!(errors(p), vec!["program-exists"]);
    assert_eq!(out.json()["summary"]["blocked"], 1);
}

#[test]
fn program_exists_compares_names_trimmed_and_lowercased() {
    let target = target_with_program();
    let out = preview_bundle(
        &BundleSpec::new(program("  existing PROGRAM ")),
        &target,
        &[],
    );
    assert_eq!(out.code, 3);
    assert_eq!(errors(out.only()), vec!["program-exists"]);
}

#[test]
fn program_rename() {
    let target = target_with_program();
    let out = preview_bundle(
        &BundleSpec::new(program("Existing Program")),
        &target,
        &["--rule", "program=rename"],
    );
    assert_eq!(out.code, 0, "{}", out.stdout);
    let p = out.only();
    assert_eq!(p["status"], "ok");
    assert_eq!(p["imported_as"], "Existing Program 1");
    assert_eq!(
        action_result(p, "program", "Existing Program"),
        pair("rename", "Existing Program 1")
    );
}

#[test]
fn program_rename_takes_the_first_free_suffix() {
    let target = target_with_program();
    target.stored_program("Webinars", &program("Existing Program 1"));
    let out = preview_bundle(
        &BundleSpec::new(program("Existing Program")),
        &target,
        &["--rule", "program=rename"],
    );
    assert_eq!(out.only()["imported_as"], "Existing Program 2");
}

#[test]
fn program_skip() {
    let target = target_with_program();
    let out = preview_bundle(
        &BundleSpec::new(program("Existing Program")),
        &target,
        &["--rule", "program=skip"],
    );
    assert_eq!(out.code, 0, "{}", out.stdout);
    let p = out.only();
    assert_eq!(p["status"], "skipped");
    assert!(errors(p).is_empty(), "{p}");
    assert_eq!(out.json()["summary"]["skipped"], 1);
    assert_eq!(out.json()["summary"]["blocked"], 0);
}

// ---------------------------------------------------------------------
// Tags

fn tagged_bundle() -> BundleSpec {
    let mut p = program("Tagged Program");
    p["program"]["tags"] = json!({"Region": "APAC", "Business Unit": "SMB"});
    BundleSpec::new(p)
}

#[test]
fn tag_create_is_the_default() {
    let out = preview_bundle(&tagged_bundle(), &Sub::standard(), &[]);
    let p = out.only();
    assert_eq!(p["status"], "ok");
    assert_eq!(action_result(p, "tag", "Region: APAC").0, "create");
    assert_eq!(action_result(p, "tag", "Business Unit: SMB").0, "create");
}

#[test]
fn tag_ignore_drops_the_tag() {
    let out = preview_bundle(
        &tagged_bundle(),
        &Sub::standard(),
        &["--rule", "tag=ignore"],
    );
    let p = out.only();
    assert_eq!(p["status"], "ok");
    assert_eq!(out.json()["rules"]["tag"], "ignore");
    assert_eq!(action_result(p, "tag", "Region: APAC").0, "ignore");
    assert_eq!(action_result(p, "tag", "Business Unit: SMB").0, "ignore");
}

#[test]
fn existing_tag_value_is_not_created() {
    let mut p = program("Tagged Program");
    p["program"]["tags"] = json!({"region": "emea"});
    let out = preview_bundle(&BundleSpec::new(p), &Sub::standard(), &[]);
    let (act, result) = action_result(out.only(), "tag", "region: emea");
    assert_eq!(act, "reuse");
    assert_eq!(result, "Region: EMEA", "the target's spelling");
}

// ---------------------------------------------------------------------
// Image tokens

fn image_token_bundle() -> BundleSpec {
    let mut p = program("Token Program");
    p["tokens"] = json!([
        {"name": "my.Title", "type": "text", "value": "Hello"},
        {"name": "my.Hero", "type": "image", "value": "hero.png"}
    ]);
    let mut e = email("Invite", "Standard Email", &[]);
    e["html"] = json!("<h1>{{my.Title}}</h1>");
    p["emails"] = json!([e]);
    BundleSpec::new(p)
}

fn image_token_target() -> Sub {
    let target = Sub::standard();
    target.email_template("Standard Email", TARGET_HTML);
    target
}

#[test]
fn image_token_drop_all_drops_every_token() {
    let out = preview_bundle(&image_token_bundle(), &image_token_target(), &[]);
    let p = out.only();
    assert_eq!(p["status"], "ok");
    assert_eq!(problems(p, "image-token").len(), 1, "{p}");
    assert_eq!(problems(p, "image-token")[0]["severity"], "warning");
    for token in assets_of(p, "token") {
        assert_eq!(token["action"], "drop", "{token}");
    }
    assert_eq!(assets_of(p, "token").len(), 2);
    // So {{my.Title}} is no longer satisfied.
    assert_eq!(problems(p, "unresolved-token").len(), 1, "{p}");
}

#[test]
fn image_token_drop_image_drops_only_image_tokens() {
    let out = preview_bundle(
        &image_token_bundle(),
        &image_token_target(),
        &["--rule", "image-token=drop-image"],
    );
    let p = out.only();
    assert_eq!(out.json()["rules"]["image-token"], "drop-image");
    assert_eq!(action_result(p, "token", "my.Hero").0, "drop");
    assert_eq!(
        action_result(p, "token", "my.Title"),
        pair("create", "my.Title")
    );
    assert!(problems(p, "unresolved-token").is_empty(), "{p}");
}

#[test]
fn no_image_token_means_no_warning() {
    let mut p = program("Token Program");
    p["tokens"] = json!([{"name": "my.Title", "type": "text", "value": "Hello"}]);
    let out = preview_bundle(&BundleSpec::new(p), &Sub::standard(), &[]);
    let p = out.only();
    assert!(problems(p, "image-token").is_empty());
    assert_eq!(action_result(p, "token", "my.Title").0, "create");
}

// ---------------------------------------------------------------------
// Rules files and --rule

fn rules_file(work: &tempfile::TempDir, rules: &Value) -> String {
    let path = work.path().join("rules.json");
    std::fs::write(&path, serde_json::to_vec(rules).unwrap()).unwrap();
    path.to_string_lossy().into_owned()
}

#[test]
fn conflict_file_applies_over_the_defaults() {
    let work = workdir();
    let file = rules_file(
        &work,
        &json!({"landing-page-template": "reuse", "image": "rename", "form": "overwrite"}),
    );
    let (out, program) = clash(&["--conflict", &file]);
    assert_eq!(out.json()["rules"]["landing-page-template"], "reuse");
    assert_eq!(out.json()["rules"]["image"], "rename");
    assert_eq!(out.json()["rules"]["form"], "overwrite");
    // Kinds the file does not name keep their defaults.
    assert_eq!(out.json()["rules"]["email-template"], "reuse");
    assert_eq!(out.json()["rules"]["program"], "fail");
    assert_eq!(
        action_result(&program, "landing-page-template", "Standard Template"),
        pair("reuse", "Standard Template")
    );
    assert_eq!(
        action_result(&program, "image", "hero.png"),
        pair("rename", "hero 1.png")
    );
    assert_eq!(
        action_result(&program, "external-form", "Webinar Form"),
        pair("overwrite", "Webinar Form")
    );
}

#[test]
fn rule_flag_overrides_the_conflict_file() {
    let work = workdir();
    let file = rules_file(
        &work,
        &json!({"landing-page-template": "reuse", "email-template": "rename"}),
    );
    let (out, program) = clash(&[
        "--conflict",
        &file,
        "--rule",
        "landing-page-template=overwrite",
    ]);
    assert_eq!(out.json()["rules"]["landing-page-template"], "overwrite");
    assert_eq!(out.json()["rules"]["email-template"], "rename");
    assert_eq!(
        action_result(&program, "landing-page-template", "Standard Template"),
        pair("overwrite", "Standard Template")
    );
    assert_eq!(
        action_result(&program, "email-template", "Standard Email"),
        pair("rename", "Standard Email 1")
    );
}

#[test]
fn conflict_file_program_rule() {
    let work = workdir();
    let file = rules_file(&work, &json!({"program": "rename"}));
    let target = target_with_program();
    let out = preview_bundle(
        &BundleSpec::new(program("Existing Program")),
        &target,
        &["--conflict", &file],
    );
    assert_eq!(out.code, 0);
    assert_eq!(out.only()["imported_as"], "Existing Program 1");
}

#[test]
fn last_rule_flag_wins() {
    let (out, program) = clash(&["--rule", "image=rename", "--rule", "image=overwrite"]);
    assert_eq!(out.json()["rules"]["image"], "overwrite");
    assert_eq!(action_result(&program, "image", "hero.png").0, "overwrite");
}
