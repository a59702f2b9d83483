//! What happens whatever the rules (spec section 4, "Always"): creation of
//! absent assets, reuse of identical ones, suffix numbering across the run,
//! name equality, tokens, skipped content, campaigns and token references.

use crate::support::*;
use serde_json::{json, Value};

const HTML_A: &str = "<html>A</html>";
const HTML_B: &str = "<html>B</html>";
const HTML_C: &str = "<html>C</html>";

/// A program whose landing page uses `template`.
fn lp_program(name: &str, template: &str) -> Value {
    let mut p = program(name);
    p["landing_pages"] = json!([landing_page("Page", template, &[])]);
    p
}

/// Write several directory bundles into one source directory, named so
/// that they sort in the order given.
fn source_dir(specs: &[BundleSpec]) -> tempfile::TempDir {
    let work = workdir();
    for (i, spec) in specs.iter().enumerate() {
        spec.write_dir(&work.path().join(format!("{:02}-bundle", i + 1)));
    }
    work
}

// ---------------------------------------------------------------------
// Absent and identical assets

#[test]
fn absent_assets_are_created_under_their_own_name() {
    let mut p = program("New Assets");
    p["emails"] = json!([email("Invite", "Fresh Email", &["fresh.png"])]);
    p["landing_pages"] = json!([landing_page("Page", "Fresh Template", &["Fresh Form"])]);
    let spec = BundleSpec::new(p)
        .email_template("Fresh Email", HTML_A)
        .lp_template("Fresh Template", HTML_A)
        .form("Fresh Form", &["Email Address"])
        .image("fresh.png", &image_bytes("fresh"));
    // Even with every rule set away from its default.
    for extra in [
        &[][..],
        &[
            "--rule",
            "email-template=rename",
            "--rule",
            "landing-page-template=overwrite",
            "--rule",
            "image=rename",
            "--rule",
            "form=rename",
        ][..],
    ] {
        let out = preview_bundle(&spec, &Sub::standard(), extra);
        let p = out.only();
        assert_eq!(p["status"], "ok", "{}", out.stdout);
        for (kind, name) in [
            ("email-template", "Fresh Email"),
            ("landing-page-template", "Fresh Template"),
            ("external-form", "Fresh Form"),
            ("image", "fresh.png"),
        ] {
            let (act, result, _) = outcome_of(p, kind, name);
            assert_eq!((act.as_str(), result.as_str()), ("create", name), "{kind}");
        }
    }
}

#[test]
fn identical_content_is_reused_even_under_other_rules() {
    let target = Sub::standard();
    target
        .email_template("Standard Email", HTML_A)
        .lp_template("Standard Template", HTML_A)
        .form("Webinar Form", &["Email Address"])
        .image("hero.png", &image_bytes("same hero"));
    let mut p = program("Identical");
    p["emails"] = json!([email("Invite", "Standard Email", &["hero.png"])]);
    p["landing_pages"] = json!([landing_page("Page", "Standard Template", &["Webinar Form"])]);
    let spec = BundleSpec::new(p)
        .email_template("Standard Email", HTML_A)
        .lp_template("Standard Template", HTML_A)
        .form("Webinar Form", &["Email Address"])
        .image("hero.png", &image_bytes("same hero"));
    for extra in [
        &[][..],
        &[
            "--rule",
            "email-template=rename",
            "--rule",
            "image=overwrite",
            "--rule",
            "form=rename",
        ][..],
    ] {
        let out = preview_bundle(&spec, &target, extra);
        let p = out.only();
        for (kind, name) in [
            ("email-template", "Standard Email"),
            ("landing-page-template", "Standard Template"),
            ("external-form", "Webinar Form"),
            ("image", "hero.png"),
        ] {
            assert_eq!(
                outcome_of(p, kind, name),
                (
                    "reuse".to_string(),
                    name.to_string(),
                    "identical".to_string()
                ),
                "{kind} with {extra:?}"
            );
        }
    }
}

#[test]
fn identical_to_an_asset_planned_earlier_in_the_run() {
    let a = BundleSpec::new(lp_program("Program A", "Fresh Template"))
        .lp_template("Fresh Template", HTML_A);
    let b = BundleSpec::new(lp_program("Program B", "Fresh Template"))
        .lp_template("Fresh Template", HTML_A);
    let work = source_dir(&[a, b]);
    let out = preview(work.path(), Sub::standard().path(), &[]);
    assert_eq!(out.code, 0, "{}", out.stdout);
    let programs = out.programs();
    assert_eq!(programs.len(), 2);
    let first = outcome_of(&programs[0], "landing-page-template", "Fresh Template");
    let second = outcome_of(&programs[1], "landing-page-template", "Fresh Template");
    assert_eq!(
        (first.0.as_str(), first.1.as_str()),
        ("create", "Fresh Template")
    );
    assert_eq!(
        second,
        (
            "reuse".to_string(),
            "Fresh Template".to_string(),
            "identical".to_string()
        )
    );
}

#[test]
fn identical_to_an_asset_renamed_earlier_in_the_run() {
    let target = Sub::standard();
    target.lp_template("Standard Template", HTML_A);
    let a = BundleSpec::new(lp_program("Program A", "Standard Template"))
        .lp_template("Standard Template", HTML_B);
    let b = BundleSpec::new(lp_program("Program B", "Standard Template"))
        .lp_template("Standard Template", HTML_B);
    let work = source_dir(&[a, b]);
    let out = preview(work.path(), target.path(), &[]);
    let programs = out.programs();
    let first = outcome_of(&programs[0], "landing-page-template", "Standard Template");
    let second = outcome_of(&programs[1], "landing-page-template", "Standard Template");
    assert_eq!(
        (first.0.as_str(), first.1.as_str()),
        ("rename", "Standard Template 1")
    );
    assert_eq!(
        second,
        (
            "reuse".to_string(),
            "Standard Template 1".to_string(),
            "identical".to_string()
        ),
        "never duplicated"
    );
}

// ---------------------------------------------------------------------
// Suffix numbering

#[test]
fn suffix_numbering_counts_assets_planned_earlier_in_the_run() {
    let target = Sub::standard();
    target.lp_template("Standard Template", HTML_A);
    let a = BundleSpec::new(lp_program("Program A", "Standard Template"))
        .lp_template("Standard Template", HTML_B);
    let b = BundleSpec::new(lp_program("Program B", "Standard Template"))
        .lp_template("Standard Template", HTML_C);
    let work = source_dir(&[a, b]);
    let out = preview(work.path(), target.path(), &[]);
    assert_eq!(out.code, 0, "{}", out.stdout);
    let results: Vec<String> = out
        .programs()
        .iter()
        .map(|p| outcome_of(p, "landing-page-template", "Standard Template").1)
        .collect();
    assert_eq!(results, ["Standard Template 1", "Standard Template 2"]);
}

#[test]
fn image_suffix_numbering_counts_assets_planned_earlier_in_the_run() {
    let target = Sub::standard();
    target.image("hero.png", &image_bytes("target"));
    let bundle = |name: &str, seed: &str| {
        let mut p = program(name);
        p["emails"] = json!([email("Invite", "Standard Email", &["hero.png"])]);
        BundleSpec::new(p)
            .email_template("Standard Email", HTML_A)
            .image("hero.png", &image_bytes(seed))
    };
    let work = source_dir(&[bundle("Program A", "a"), bundle("Program B", "b")]);
    let out = preview(work.path(), target.path(), &["--rule", "image=rename"]);
    let results: Vec<String> = out
        .programs()
        .iter()
        .map(|p| outcome_of(p, "image", "hero.png").1)
        .collect();
    assert_eq!(results, ["hero 1.png", "hero 2.png"]);
}

#[test]
fn a_blocked_program_leaves_no_planned_asset_behind() {
    let target = Sub::standard();
    target.lp_template("Standard Template", HTML_A);
    let mut blocked = lp_program("Program A", "Standard Template");
    blocked["program"]["channel"] = json!("No Such Channel");
    let a = BundleSpec::new(blocked).lp_template("Standard Template", HTML_B);
    let b = BundleSpec::new(lp_program("Program B", "Standard Template"))
        .lp_template("Standard Template", HTML_C);
    let work = source_dir(&[a, b]);
    let out = preview(work.path(), target.path(), &[]);
    assert_eq!(out.code, 3);
    assert_eq!(out.status("Program A"), "blocked");
    let b = out.program("Program B");
    assert_eq!(
        outcome_of(b, "landing-page-template", "Standard Template").1,
        "Standard Template 1"
    );
}

#[test]
fn rename_does_not_take_a_name_the_bundle_itself_carries() {
    // The bundle carries both "Standard Template" (clashing with the
    // target) and "Standard Template 1" (absent from the target), used in
    // that order. The absent one must be created under its own name, so the
    // renamed one must take "Standard Template 2".
    let target = Sub::standard();
    target.lp_template("Standard Template", HTML_A);
    let mut p = program("Two Templates");
    p["landing_pages"] = json!([
        landing_page("Page 1", "Standard Template", &[]),
        landing_page("Page 2", "Standard Template 1", &[])
    ]);
    let spec = BundleSpec::new(p)
        .lp_template("Standard Template", HTML_B)
        .lp_template("Standard Template 1", HTML_C);
    let out = preview_bundle(&spec, &target, &[]);
    let p = out.only();
    let own = outcome_of(p, "landing-page-template", "Standard Template 1");
    assert_eq!(
        (own.0.as_str(), own.1.as_str()),
        ("create", "Standard Template 1"),
        "{p}"
    );
    let renamed = outcome_of(p, "landing-page-template", "Standard Template");
    assert_eq!(
        (renamed.0.as_str(), renamed.1.as_str()),
        ("rename", "Standard Template 2"),
        "{p}"
    );
}

// ---------------------------------------------------------------------
// Name equality

#[test]
fn names_clash_after_trimming_and_lowercasing() {
    let target = Sub::standard();
    target.lp_template("Standard Template", HTML_A);
    let spec = BundleSpec::new(lp_program("Spelling", "standard template "))
        .lp_template("standard template ", HTML_B);
    let out = preview_bundle(&spec, &target, &[]);
    let p = out.only();
    let (act, result, _) = outcome_of(p, "landing-page-template", "standard template ");
    assert_eq!(act, "rename", "{p}");
    assert_eq!(result.trim().to_lowercase(), "standard template 1");
}

#[test]
fn reuse_reports_the_target_spelling() {
    let target = Sub::standard();
    target
        .lp_template("Standard Template", HTML_A)
        .form("Webinar Registration form", &["Email Address"])
        .image("hero.png", &image_bytes("target"));
    let mut p = lp_program("Spelling", "standard template ");
    p["landing_pages"][0]["forms"] = json!(["Webinar Registration Form"]);
    p["emails"] = json!([email("Invite", "Fresh Email", &["HERO.png"])]);
    let spec = BundleSpec::new(p)
        .lp_template("standard template ", HTML_B)
        .form(
            "Webinar Registration Form",
            &["Email Address", "First Name"],
        )
        .email_template("Fresh Email", HTML_A)
        .image("HERO.png", &image_bytes("bundle"));
    let out = preview_bundle(&spec, &target, &["--rule", "landing-page-template=reuse"]);
    let p = out.only();
    assert_eq!(
        outcome_of(p, "landing-page-template", "standard template ").1,
        "Standard Template"
    );
    assert_eq!(
        outcome_of(p, "external-form", "Webinar Registration Form").1,
        "Webinar Registration form"
    );
    let (act, result, _) = outcome_of(p, "image", "HERO.png");
    assert_eq!((act.as_str(), result.as_str()), ("reuse", "hero.png"));
}

#[test]
fn identical_reuse_reports_the_target_spelling() {
    let target = Sub::standard();
    target.email_template("STANDARD Email", HTML_A);
    let mut p = program("Spelling");
    p["emails"] = json!([email("Invite", "Standard Email", &[])]);
    let spec = BundleSpec::new(p).email_template("Standard Email", HTML_A);
    let out = preview_bundle(&spec, &target, &["--rule", "email-template=rename"]);
    assert_eq!(
        outcome_of(out.only(), "email-template", "Standard Email"),
        (
            "reuse".to_string(),
            "STANDARD Email".to_string(),
            "identical".to_string()
        )
    );
}

#[test]
fn unicode_names_clash_after_lowercasing() {
    let target = Sub::standard();
    target.lp_template("Modèle Été", HTML_A);
    let spec =
        BundleSpec::new(lp_program("Unicode", "MODÈLE ÉTÉ")).lp_template("MODÈLE ÉTÉ", HTML_B);
    let out = preview_bundle(&spec, &target, &["--rule", "landing-page-template=reuse"]);
    let (act, result, _) = outcome_of(out.only(), "landing-page-template", "MODÈLE ÉTÉ");
    assert_eq!((act.as_str(), result.as_str()), ("reuse", "Modèle Été"));
}

#[test]
fn a_landing_page_form_resolves_to_a_local_form_first() {
    let mut p = lp_program("Local Form", "Fresh Template");
    p["landing_pages"][0]["forms"] = json!(["Signup", "Global Form"]);
    p["forms"] = json!([{"name": "signup", "fields": ["Email Address"]}]);
    let spec = BundleSpec::new(p)
        .lp_template("Fresh Template", HTML_A)
        .form("Signup", &["Email Address", "First Name"])
        .form("Global Form", &["Email Address"]);
    let out = preview_bundle(&spec, &Sub::standard(), &[]);
    let p = out.only();
    assert_eq!(p["status"], "ok");
    let external: Vec<&str> = assets_of(p, "external-form")
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(external, ["Global Form"], "{p}");
    assert_eq!(asset(p, "form", "signup")["action"], "create");
}

#[test]
fn an_asset_only_the_target_has_is_reused() {
    let target = Sub::standard();
    target.email_template("Standard Email", HTML_A);
    let mut p = program("Target Only");
    p["emails"] = json!([email("Invite", "standard email", &[])]);
    let out = preview_bundle(&BundleSpec::new(p), &target, &[]);
    let p = out.only();
    assert_eq!(p["status"], "ok");
    let (act, result, _) = outcome_of(p, "email-template", "standard email");
    assert_eq!((act.as_str(), result.as_str()), ("reuse", "Standard Email"));
}

// ---------------------------------------------------------------------
// Tokens

#[test]
fn inherited_tokens_are_localized_and_a_local_token_wins() {
    let mut p = program("Tokens");
    p["tokens"] = json!([
        {"name": "my.Company", "type": "text", "value": "inherited", "inherited_from": "Webinars"},
        {"name": "my.Footer", "type": "rich-text", "value": "<p>f</p>", "inherited_from": "Webinars"},
        {"name": "my.Company", "type": "text", "value": "local"}
    ]);
    let out = preview_bundle(&BundleSpec::new(p), &Sub::standard(), &[]);
    let p = out.only();
    assert_eq!(p["status"], "ok");
    let (act, result, _) = outcome_of(p, "token", "my.Footer");
    assert_eq!((act.as_str(), result.as_str()), ("localize", "my.Footer"));
    let company: Vec<&str> = assets_of(p, "token")
        .into_iter()
        .filter(|t| t["name"] == "my.Company")
        .map(|t| t["action"].as_str().unwrap())
        .collect();
    let mut sorted = company.clone();
    sorted.sort();
    assert_eq!(sorted, ["create", "drop"], "{p}");
}

#[test]
fn folder_tokens_of_a_source_subscription_are_localized() {
    let mut meta = target_meta();
    meta["name"] = json!("Acme Sandbox");
    meta["kind"] = json!("sandbox");
    let source = Sub::new(meta);
    source
        .folder_tokens(
            "Webinars",
            json!([
                {"name": "my.Footer", "type": "rich-text", "value": "<p>f</p>"},
                {"name": "my.Company", "type": "text", "value": "folder"}
            ]),
        )
        .email_template("Source Template", HTML_A);
    let mut stored = program("Stored Program");
    stored.as_object_mut().unwrap().remove("exported_from");
    stored["program"].as_object_mut().unwrap().remove("folder");
    stored["tokens"] = json!([{"name": "my.Company", "type": "text", "value": "local"}]);
    let mut e = email("Invite", "Source Template", &[]);
    e["html"] = json!("{{my.Footer}} {{my.Company}}");
    stored["emails"] = json!([e]);
    source.stored_program("Webinars", &stored);

    let out = preview(source.path(), Sub::standard().path(), &[]);
    assert_eq!(out.code, 0, "{}", out.stdout);
    let p = out.program("Stored Program");
    assert_eq!(p["status"], "ok");
    assert_eq!(outcome_of(p, "token", "my.Footer").0, "localize");
    // The local token wins: no inherited my.Company is localized.
    assert!(assets_of(p, "token")
        .iter()
        .filter(|t| t["name"] == "my.Company")
        .all(|t| t["action"] != "localize"));
    assert_eq!(outcome_of(p, "token", "my.Company").0, "create");
    // Its external assets come from the source's design studio.
    assert_eq!(
        outcome_of(p, "email-template", "Source Template").0,
        "create",
        "{p}"
    );
    assert!(problems(p, "unresolved-token").is_empty(), "{p}");
}

// ---------------------------------------------------------------------
// Skipped content and campaigns

/// A scheduled batch campaign sending `emails`.
fn batch(name: &str, emails: &[&str]) -> Value {
    let mut c = campaign(name, "batch");
    c["schedule"] = json!("2026-08-01T09:00:00Z");
    c["emails"] = json!(emails);
    c
}

/// An active trigger campaign listening to `triggers`.
fn trigger(name: &str, triggers: &[&str]) -> Value {
    let mut c = campaign(name, "trigger");
    c["active"] = json!(true);
    c["triggers"] = json!(triggers);
    c
}

/// A target with the template "Standard Email" and the snippet "Footer".
fn content_target() -> Sub {
    let target = Sub::standard();
    target
        .email_template("Standard Email", HTML_A)
        .lp_template("Standard Template", HTML_A)
        .snippet("Footer", "<p>footer</p>");
    target
}

#[test]
fn dynamic_content_is_skipped_with_a_warning() {
    let mut p = program("Dynamic");
    let mut dynamic = email("Localized", "Standard Email", &[]);
    dynamic["dynamic_content"] = json!(true);
    let mut page = landing_page("Dynamic Page", "Standard Template", &[]);
    page["dynamic_content"] = json!(true);
    p["emails"] = json!([email("Plain", "Standard Email", &[]), dynamic]);
    p["landing_pages"] = json!([page]);
    let out = preview_bundle(&BundleSpec::new(p), &content_target(), &[]);
    assert_eq!(out.code, 0);
    let p = out.only();
    assert_eq!(p["status"], "ok");
    assert_eq!(outcome_of(p, "email", "Localized").0, "skip");
    assert_eq!(outcome_of(p, "landing-page", "Dynamic Page").0, "skip");
    assert_eq!(outcome_of(p, "email", "Plain").0, "create");
    let dynamic = problems(p, "dynamic-content");
    assert_eq!(dynamic.len(), 2, "{p}");
    assert!(dynamic.iter().all(|w| w["severity"] == "warning"));
}

#[test]
fn missing_snippet_skips_the_email() {
    let mut p = program("Snippets");
    let mut with_missing = email("Japan", "Standard Email", &[]);
    with_missing["snippets"] = json!(["Privacy Notice"]);
    let mut with_present = email("English", "Standard Email", &[]);
    with_present["snippets"] = json!(["footer "]);
    p["emails"] = json!([with_missing, with_present]);
    let out = preview_bundle(&BundleSpec::new(p), &content_target(), &[]);
    let p = out.only();
    assert_eq!(p["status"], "ok");
    assert_eq!(outcome_of(p, "email", "Japan").0, "skip");
    assert_eq!(outcome_of(p, "email", "English").0, "create");
    assert_eq!(warnings(p), ["missing-snippet"], "{p}");
    let message = problems(p, "missing-snippet")[0]["message"]
        .as_str()
        .unwrap();
    assert!(message.contains("Privacy Notice"), "{message}");
}

#[test]
fn missing_segmentation_skips_the_landing_page() {
    let mut p = program("Segmentations");
    let mut missing = landing_page("By Region", "Standard Template", &[]);
    missing["segmentations"] = json!(["Region"]);
    let mut present = landing_page("By Industry", "Standard Template", &[]);
    present["segmentations"] = json!(["industry"]);
    p["landing_pages"] = json!([missing, present]);
    let out = preview_bundle(&BundleSpec::new(p), &content_target(), &[]);
    let p = out.only();
    assert_eq!(p["status"], "ok");
    assert_eq!(outcome_of(p, "landing-page", "By Region").0, "skip");
    assert_eq!(outcome_of(p, "landing-page", "By Industry").0, "create");
    assert_eq!(warnings(p), ["missing-segmentation"], "{p}");
}

#[test]
fn a_campaign_sending_a_skipped_email_dangles() {
    let mut p = program("Dangling");
    let mut dynamic = email("Localized", "Standard Email", &[]);
    dynamic["dynamic_content"] = json!(true);
    p["emails"] = json!([email("Plain", "Standard Email", &[]), dynamic]);
    p["smart_campaigns"] = json!([
        batch("Send Plain", &["Plain"]),
        batch("Send Localized", &["Localized"])
    ]);
    let out = preview_bundle(&BundleSpec::new(p), &content_target(), &[]);
    let p = out.only();
    assert_eq!(p["status"], "ok");
    let dangling = problems(p, "dangling-reference");
    assert_eq!(dangling.len(), 1, "{p}");
    assert_eq!(dangling[0]["severity"], "warning");
    let message = dangling[0]["message"].as_str().unwrap();
    assert!(
        message.contains("Send Localized") && message.contains("Localized"),
        "{message}"
    );
}

#[test]
fn triggers_are_deactivated_and_batches_unscheduled() {
    let mut p = program("Campaigns");
    p["emails"] = json!([email("Plain", "Standard Email", &[])]);
    p["smart_campaigns"] = json!([
        batch("Send Plain", &["Plain"]),
        trigger("Fills Out Form", &["Fills Out Form"])
    ]);
    let out = preview_bundle(&BundleSpec::new(p), &content_target(), &[]);
    assert_eq!(out.code, 0);
    let p = out.only();
    assert_eq!(p["status"], "ok");
    let (act, result, _) = outcome_of(p, "smart-campaign", "Send Plain");
    assert_eq!(
        (act.as_str(), result.as_str()),
        ("unschedule", "Send Plain")
    );
    let (act, result, _) = outcome_of(p, "smart-campaign", "Fills Out Form");
    assert_eq!(
        (act.as_str(), result.as_str()),
        ("deactivate", "Fills Out Form")
    );
}

#[test]
fn unresolved_token_references_are_warned() {
    let mut p = program("Token Refs");
    p["tokens"] = json!([{"name": "my.Known", "type": "text", "value": "k"}]);
    let mut e = email("Invite", "Standard Email", &[]);
    e["subject"] = json!("{{my.In Subject}}");
    e["html"] = json!("<p>{{my.Known}} {{my.Promo Code}} {{lead.First Name}}</p>");
    p["emails"] = json!([e]);
    let out = preview_bundle(&BundleSpec::new(p), &content_target(), &[]);
    assert_eq!(out.code, 0);
    let p = out.only();
    assert_eq!(p["status"], "ok");
    let unresolved: Vec<String> = problems(p, "unresolved-token")
        .iter()
        .map(|w| {
            assert_eq!(w["severity"], "warning");
            w["message"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(unresolved.len(), 2, "{unresolved:?}");
    assert!(unresolved.iter().any(|m| m.contains("my.Promo Code")));
    assert!(unresolved.iter().any(|m| m.contains("my.In Subject")));
    assert!(!unresolved.iter().any(|m| m.contains("my.Known")));
}

#[test]
fn tokens_used_only_by_skipped_content_are_not_warned() {
    let mut p = program("Token Refs");
    let mut dynamic = email("Localized", "Standard Email", &[]);
    dynamic["dynamic_content"] = json!(true);
    dynamic["html"] = json!("{{my.Only Here}}");
    p["emails"] = json!([dynamic]);
    let out = preview_bundle(&BundleSpec::new(p), &content_target(), &[]);
    assert!(problems(out.only(), "unresolved-token").is_empty());
}
