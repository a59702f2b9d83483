//! Sources, selection, bad input, usage errors, and the report's shape
//! (spec sections 3, 5 and 7).

use std::path::Path;

use crate::support::*;
use serde_json::{json, Value};

const HTML: &str = "<html>t</html>";

/// A bundle whose program uses an email template and an image it carries,
/// both absent from the standard target (so both are `create`).
fn carrying(name: &str) -> BundleSpec {
    let mut p = program(name);
    p["emails"] = json!([email("Invite", "Carried Template", &["carried.png"])]);
    BundleSpec::new(p)
        .email_template("Carried Template", HTML)
        .image("carried.png", &image_bytes(name))
}

/// The carried assets were read: both are created, nothing is missing.
fn assert_carried(p: &Value) {
    assert_eq!(p["status"], "ok", "{p}");
    assert_eq!(
        asset(p, "email-template", "Carried Template")["action"],
        "create",
        "{p}"
    );
    assert_eq!(asset(p, "image", "carried.png")["action"], "create", "{p}");
}

fn names(out: &Outcome) -> Vec<String> {
    let mut names: Vec<String> = out
        .programs()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    names
}

fn s(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

// ---------------------------------------------------------------------
// Source kinds

#[test]
fn a_directory_bundle() {
    let (_work, path) = dir_bundle(&carrying("Dir Bundle"));
    let out = preview(&path, Sub::standard().path(), &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_carried(out.only());
}

#[test]
fn a_single_zip() {
    let (_work, path) = zip_bundle(&carrying("Zip Bundle"));
    let out = preview(&path, Sub::standard().path(), &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let p = out.only();
    assert_eq!(p["name"], "Zip Bundle");
    assert_carried(p);
}

#[test]
fn a_zip_wrapped_in_one_top_level_folder() {
    let work = workdir();
    let path = work.path().join("wrapped.zip");
    carrying("Wrapped").write_zip(&path, "Wrapped Export/");
    let out = preview(&path, Sub::standard().path(), &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_carried(out.only());

    // As archivers write it: with directory entries too.
    let mut entries = vec![
        ("Wrapped Export/".to_string(), Vec::new()),
        ("Wrapped Export/external/".to_string(), Vec::new()),
    ];
    entries.extend(
        carrying("Wrapped")
            .entries()
            .into_iter()
            .map(|(rel, bytes)| (format!("Wrapped Export/{rel}"), bytes)),
    );
    write_zip(&path, &entries);
    let out = preview(&path, Sub::standard().path(), &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_carried(out.only());
}

#[test]
fn a_directory_wrapping_one_bundle_folder() {
    let work = workdir();
    carrying("Wrapped Dir").write_dir(&work.path().join("outer").join("Inner Export"));
    let out = preview(&work.path().join("outer"), Sub::standard().path(), &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_carried(out.only());
}

#[test]
fn archiver_junk_is_ignored() {
    let work = workdir();
    let path = work.path().join("junk.zip");
    let garbage = b"\x00\x05\x16\x07 AppleDouble garbage, not JSON {".to_vec();
    let mut entries: Vec<(String, Vec<u8>)> = carrying("Junk")
        .entries()
        .into_iter()
        .map(|(rel, bytes)| (format!("Export/{rel}"), bytes))
        .collect();
    entries.extend([
        (
            "__MACOSX/Export/._program.json".to_string(),
            garbage.clone(),
        ),
        (
            "__MACOSX/Export/external/email-templates/._carried-template.json".to_string(),
            garbage.clone(),
        ),
        (".DS_Store".to_string(), garbage.clone()),
        ("Export/.DS_Store".to_string(), garbage.clone()),
        (
            "Export/external/email-templates/.DS_Store".to_string(),
            garbage.clone(),
        ),
        (
            "Export/external/email-templates/._carried-template.json".to_string(),
            garbage.clone(),
        ),
        ("Export/Thumbs.db".to_string(), garbage.clone()),
    ]);
    write_zip(&path, &entries);
    let out = preview(&path, Sub::standard().path(), &[]);
    assert_eq!(out.code, 0, "{}\n{}", out.stderr, out.stdout);
    assert_carried(out.only());
}

#[test]
fn backslash_separators_in_zip_entry_names_read_as_slashes() {
    let work = workdir();
    let flat = work.path().join("flat.zip");
    let entries: Vec<(String, Vec<u8>)> = carrying("Backslash")
        .entries()
        .into_iter()
        .map(|(rel, bytes)| (rel.replace('/', "\\"), bytes))
        .collect();
    assert!(entries.iter().any(|(n, _)| n.contains('\\')));
    write_zip(&flat, &entries);
    let out = preview(&flat, Sub::standard().path(), &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_carried(out.only());

    let wrapped = work.path().join("wrapped.zip");
    let entries: Vec<(String, Vec<u8>)> = carrying("Backslash Wrapped")
        .entries()
        .into_iter()
        .map(|(rel, bytes)| (format!("Export\\{}", rel.replace('/', "\\")), bytes))
        .collect();
    write_zip(&wrapped, &entries);
    let out = preview(&wrapped, Sub::standard().path(), &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_carried(out.only());
}

#[test]
fn a_directory_is_searched_recursively_for_zips_and_bundle_directories() {
    let work = workdir();
    let root = work.path();
    carrying("Top Zip").write_zip(&root.join("top.zip"), "");
    carrying("Deep Zip").write_zip(&root.join("nested/deeper/deep.ZIP"), "");
    carrying("Dir Bundle").write_dir(&root.join("nested/dir-bundle"));
    carrying("Wrapped Zip").write_zip(&root.join("nested/wrapped.zip"), "W/");
    write_file(root, "notes.txt", "not a bundle");
    write_file(root, "nested/.DS_Store", "junk");
    // What macOS leaves next to a zipped folder is not a bundle.
    write_file(root, "__MACOSX/._top.zip", "junk");
    let out = preview(root, Sub::standard().path(), &[]);
    assert_eq!(out.code, 0, "{}\n{}", out.stderr, out.stdout);
    assert_eq!(
        names(&out),
        ["Deep Zip", "Dir Bundle", "Top Zip", "Wrapped Zip"]
    );
    // Each carries the same template (identical, so reused after the
    // first) and its own image bytes: all were read, none is missing.
    for p in out.programs() {
        assert_eq!(p["status"], "ok", "{p}");
        assert!(problems(p, "missing-asset").is_empty(), "{p}");
    }
}

#[test]
fn a_subscription_directory_offers_its_stored_programs() {
    let mut meta = target_meta();
    meta["name"] = json!("Acme Sandbox");
    let source = Sub::new(meta);
    source
        .folder("Events/2026")
        .email_template("Carried Template", HTML)
        .image("carried.png", &image_bytes("source"));
    let mut a = program("Stored A");
    a["emails"] = json!([email("Invite", "Carried Template", &["carried.png"])]);
    a.as_object_mut().unwrap().remove("exported_from");
    source.stored_program("Webinars", &a);
    let mut b = program("Stored B");
    b.as_object_mut().unwrap().remove("exported_from");
    source.stored_program("Events/2026", &b);

    let target = Sub::standard();
    let out = preview(source.path(), target.path(), &[]);
    // "Stored B" goes to its own folder, Events/2026, which the target lacks.
    assert_eq!(out.code, 3, "{}", out.stdout);
    assert_eq!(names(&out), ["Stored A", "Stored B"]);
    assert_carried(out.program("Stored A"));
    assert_eq!(errors(out.program("Stored B")), ["missing-folder"]);

    target.folder("Events/2026");
    let out = preview(source.path(), target.path(), &[]);
    assert_eq!(out.code, 0, "{}", out.stdout);
}

// ---------------------------------------------------------------------
// Bad input: exit 1, the other bundles still previewed

/// A source directory with a good bundle ("Good") and a bad one.
fn with_a_good_bundle(work: &tempfile::TempDir) {
    carrying("Good").write_dir(&work.path().join("good"));
}

/// Exit 1, the good bundle previewed, the bad one reported as an error
/// naming it; returns the bad entry.
fn bad_input_outcome(work: &tempfile::TempDir, bad: &str) -> (Outcome, Value) {
    let out = preview(work.path(), Sub::standard().path(), &[]);
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stderr.contains(bad),
        "stderr names {bad}: {}",
        out.stderr
    );
    assert_eq!(out.programs().len(), 2, "{}", out.stdout);
    assert_carried(out.program("Good"));
    let bad_entry = out
        .programs()
        .iter()
        .find(|p| p["bundle"].as_str().unwrap().contains(bad))
        .unwrap_or_else(|| panic!("no entry for {bad}: {}", out.stdout))
        .clone();
    assert_ne!(bad_entry["status"], "ok");
    assert!(
        bad_entry["problems"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["severity"] == "error"),
        "{bad_entry}"
    );
    (out, bad_entry)
}

#[test]
fn a_corrupt_zip_is_bad_input() {
    let work = workdir();
    with_a_good_bundle(&work);
    write_file(
        work.path(),
        "broken.zip",
        "PK\x03\x04 this is not really a zip",
    );
    bad_input_outcome(&work, "broken.zip");
}

#[test]
fn invalid_json_names_the_file_line_and_column() {
    let work = workdir();
    with_a_good_bundle(&work);
    write_file(
        work.path(),
        "typo/program.json",
        "{\n  \"format\": 1,\n  \"program\": oops\n}\n",
    );
    let (out, _) = bad_input_outcome(&work, "typo");
    assert!(out.stderr.contains("program.json"), "{}", out.stderr);
    assert!(names_position(&out.stderr, 3, 14), "{}", out.stderr);
}

#[test]
fn invalid_json_inside_a_zip_names_the_entry() {
    let work = workdir();
    with_a_good_bundle(&work);
    let spec = carrying("Broken Template").file(
        "external/email-templates/broken.json",
        "{\"name\": \"Broken\",\n \"html\": }",
    );
    spec.write_zip(&work.path().join("broken-template.zip"), "");
    let (out, _) = bad_input_outcome(&work, "broken-template.zip");
    assert!(
        out.stderr.contains("external/email-templates/broken.json"),
        "{}",
        out.stderr
    );
    assert!(names_position(&out.stderr, 2, 10), "{}", out.stderr);
}

#[test]
fn a_zip_without_program_json_is_bad_input() {
    let work = workdir();
    with_a_good_bundle(&work);
    write_zip(
        &work.path().join("empty.zip"),
        &[(
            "external/images/lonely.png".to_string(),
            image_bytes("lonely"),
        )],
    );
    let (out, _) = bad_input_outcome(&work, "empty.zip");
    assert!(out.stderr.contains("program.json"), "{}", out.stderr);
}

#[test]
fn an_unknown_format_is_bad_input() {
    let work = workdir();
    with_a_good_bundle(&work);
    let mut p = program("Future");
    p["format"] = json!(2);
    BundleSpec::new(p).write_zip(&work.path().join("future.zip"), "");
    let (out, _) = bad_input_outcome(&work, "future.zip");
    assert!(out.stderr.contains("format"), "{}", out.stderr);
}

#[test]
fn an_unsafe_entry_name_is_bad_input() {
    let work = workdir();
    with_a_good_bundle(&work);
    let mut entries = carrying("Escape").entries();
    entries.push(("../../escape.txt".to_string(), b"x".to_vec()));
    write_zip(&work.path().join("escape.zip"), &entries);
    bad_input_outcome(&work, "escape.zip");
}

#[test]
fn an_over_compressed_entry_is_bad_input() {
    let work = workdir();
    with_a_good_bundle(&work);
    let mut p = program("Bomb");
    p["emails"] = json!([email("Invite", "Carried Template", &["bomb.png"])]);
    BundleSpec::new(p)
        .email_template("Carried Template", HTML)
        .image("bomb.png", &vec![0u8; 8 << 20])
        .write_zip(&work.path().join("bomb.zip"), "");
    let (out, _) = bad_input_outcome(&work, "bomb.zip");
    assert!(out.stderr.contains("bomb.png"), "{}", out.stderr);
}

#[test]
fn an_invalid_target_subscription_json_names_line_and_column() {
    let (_work, path) = dir_bundle(&carrying("Any"));
    let target = Sub::standard();
    target.write(
        "subscription.json",
        "{\n  \"format\": 1,\n  \"name\": \"T\",\n  \"fields\": [,]\n}\n",
    );
    let before = snapshot(target.path());
    let out = run(&[
        "preview",
        "--from",
        &s(&path),
        "--to",
        &s(target.path()),
        "--json",
    ]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("subscription.json"), "{}", out.stderr);
    assert!(names_position(&out.stderr, 4, 14), "{}", out.stderr);
    assert_eq!(snapshot(target.path()), before);
}

#[test]
fn a_single_bad_zip_exits_one() {
    let work = workdir();
    write_file(work.path(), "broken.zip", "garbage");
    let out = preview(&work.path().join("broken.zip"), Sub::standard().path(), &[]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("broken.zip"), "{}", out.stderr);
}

// ---------------------------------------------------------------------
// Usage: exit 2

fn usage(args: &[&str]) -> Outcome {
    let out = run(args);
    assert_eq!(
        out.code, 2,
        "expected a usage error for {args:?}: {}\n{}",
        out.stdout, out.stderr
    );
    assert!(!out.is_json(), "no report on a usage error");
    out
}

#[test]
fn an_unknown_rule_kind_lists_the_valid_kinds() {
    let (_work, path) = dir_bundle(&carrying("U"));
    let target = Sub::standard();
    let out = usage(&[
        "preview",
        "--from",
        &s(&path),
        "--to",
        &s(target.path()),
        "--json",
        "--rule",
        "widget=reuse",
    ]);
    for kind in [
        "program",
        "email-template",
        "landing-page-template",
        "image",
        "form",
        "tag",
        "image-token",
    ] {
        assert!(out.stderr.contains(kind), "{kind}: {}", out.stderr);
    }
}

#[test]
fn an_unknown_rule_lists_the_valid_rules() {
    let (_work, path) = dir_bundle(&carrying("U"));
    let target = Sub::standard();
    let out = usage(&[
        "preview",
        "--from",
        &s(&path),
        "--to",
        &s(target.path()),
        "--json",
        "--rule",
        "program=reuse",
    ]);
    for rule in ["fail", "rename", "skip"] {
        assert!(out.stderr.contains(rule), "{rule}: {}", out.stderr);
    }
    let out = usage(&[
        "preview",
        "--from",
        &s(&path),
        "--to",
        &s(target.path()),
        "--rule",
        "image-token=drop-some",
    ]);
    assert!(
        out.stderr.contains("drop-all") && out.stderr.contains("drop-image"),
        "{}",
        out.stderr
    );
}

#[test]
fn an_unknown_rule_in_a_rules_file_is_a_usage_error() {
    let (work, path) = dir_bundle(&carrying("U"));
    let rules = work.path().join("rules.json");
    std::fs::write(&rules, r#"{"tag": "maybe"}"#).unwrap();
    let target = Sub::standard();
    let out = usage(&[
        "preview",
        "--from",
        &s(&path),
        "--to",
        &s(target.path()),
        "--conflict",
        &s(&rules),
    ]);
    assert!(
        out.stderr.contains("create") && out.stderr.contains("ignore"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_rule_without_equals_is_a_usage_error() {
    let (_work, path) = dir_bundle(&carrying("U"));
    let target = Sub::standard();
    usage(&[
        "preview",
        "--from",
        &s(&path),
        "--to",
        &s(target.path()),
        "--rule",
        "image",
    ]);
}

#[test]
fn missing_to_or_from_is_a_usage_error() {
    let (_work, path) = dir_bundle(&carrying("U"));
    usage(&["preview", "--from", &s(&path), "--json"]);
    let target = Sub::standard();
    usage(&["preview", "--to", &s(target.path()), "--json"]);
}

#[test]
fn an_unknown_program_name_is_a_usage_error() {
    let (_work, path) = dir_bundle(&carrying("Known"));
    let target = Sub::standard();
    let out = usage(&[
        "preview",
        "--from",
        &s(&path),
        "--to",
        &s(target.path()),
        "--program",
        "Unknown",
    ]);
    assert!(out.stderr.contains("Unknown"), "{}", out.stderr);
}

// ---------------------------------------------------------------------
// Selection

fn three_bundles() -> tempfile::TempDir {
    let work = workdir();
    for name in ["Alpha", "Beta", "Gamma"] {
        carrying(name).write_zip(&work.path().join(format!("{name}.zip")), "");
    }
    work
}

#[test]
fn no_selection_means_every_program() {
    let work = three_bundles();
    let out = preview(work.path(), Sub::standard().path(), &[]);
    assert_eq!(names(&out), ["Alpha", "Beta", "Gamma"]);
    assert_eq!(out.json()["summary"]["programs"], 3);
}

#[test]
fn program_flag_selects_and_repeats() {
    let work = three_bundles();
    let target = Sub::standard();
    let out = preview(work.path(), target.path(), &["--program", "Gamma"]);
    assert_eq!(names(&out), ["Gamma"]);
    let out = preview(
        work.path(),
        target.path(),
        &["--program", "Beta", "--program", "Gamma"],
    );
    assert_eq!(names(&out), ["Beta", "Gamma"]);
    assert_eq!(out.json()["summary"]["programs"], 2);
}

#[test]
fn program_dash_reads_names_from_stdin() {
    let work = three_bundles();
    let out = preview_with(
        work.path(),
        Sub::standard().path(),
        &["--program", "-"],
        |cmd| {
            cmd.write_stdin("Alpha\n\ngamma\n");
        },
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(names(&out), ["Alpha", "Gamma"]);
}

#[test]
fn program_dash_with_no_names_does_not_select_everything() {
    let work = three_bundles();
    let target = Sub::standard();
    let before = snapshot(target.path());
    let mut cmd = mkimport();
    cmd.arg("preview")
        .arg("--from")
        .arg(work.path())
        .arg("--to")
        .arg(target.path())
        .args(["--json", "--program", "-"])
        .write_stdin("\n");
    let out = finish(&mut cmd);
    assert_eq!(snapshot(target.path()), before);
    // Either a usage error, or an empty selection; never all three.
    if out.code != 2 {
        assert_eq!(out.json()["summary"]["programs"], 0, "{}", out.stdout);
    }
}

// ---------------------------------------------------------------------
// The report and the plan file

#[test]
fn json_is_one_document_with_the_spec_keys() {
    let (_work, path) = dir_bundle(&carrying("Shape"));
    let target = Sub::standard();
    let out = preview(&path, target.path(), &[]);
    let docs: Vec<Value> = serde_json::Deserializer::from_str(&out.stdout)
        .into_iter::<Value>()
        .collect::<Result<_, _>>()
        .expect("stdout is JSON");
    assert_eq!(docs.len(), 1, "exactly one JSON document");
    let report = &docs[0];
    for key in [
        "mkimport",
        "mode",
        "import_id",
        "source",
        "target",
        "folder",
        "rules",
        "programs",
        "summary",
    ] {
        assert!(report.get(key).is_some(), "missing {key}: {report}");
    }
    assert_eq!(report["mkimport"], 1);
    assert_eq!(report["mode"], "preview");
    assert_eq!(report["import_id"], Value::Null);
    assert!(report["source"].is_string());
    assert!(report["target"].is_string());
    assert_eq!(report["folder"], Value::Null);
    // The seven kinds of section 4 and rename-style (section 8).
    assert_eq!(report["rules"].as_object().unwrap().len(), 8);
    for key in [
        "programs",
        "ok",
        "blocked",
        "unchanged",
        "skipped",
        "errors",
        "warnings",
    ] {
        assert!(
            report["summary"][key].is_u64(),
            "summary.{key}: {}",
            report["summary"]
        );
    }
    let p = &report["programs"][0];
    for key in [
        "name",
        "bundle",
        "status",
        "imported_as",
        "assets",
        "problems",
    ] {
        assert!(p.get(key).is_some(), "program entry lacks {key}: {p}");
    }
    for a in p["assets"].as_array().unwrap() {
        for key in ["kind", "name", "action", "result_name", "reason"] {
            assert!(a[key].is_string(), "asset lacks {key}: {a}");
        }
    }
    assert_eq!(p["imported_as"], "Shape");
    assert_eq!(asset(p, "program", "Shape")["action"], "create");
}

#[test]
fn out_writes_the_plan_outside_the_target() {
    let (work, path) = dir_bundle(&carrying("Planned"));
    let target = Sub::standard();
    let plan = work.path().join("plans").join("plan.json");
    std::fs::create_dir_all(plan.parent().unwrap()).unwrap();
    let out = preview(&path, target.path(), &["--out", &s(&plan)]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let saved: Value = serde_json::from_slice(&std::fs::read(&plan).expect("plan written"))
        .expect("the plan is JSON");
    assert_eq!(saved["mode"], "preview");
    assert_eq!(saved["programs"], out.json()["programs"]);
    assert_eq!(saved["summary"], out.json()["summary"]);
    assert_eq!(saved["rules"], out.json()["rules"]);
}

#[test]
fn out_without_json_still_writes_the_plan() {
    let (work, path) = dir_bundle(&carrying("Planned"));
    let target = Sub::standard();
    let before = snapshot(target.path());
    let plan = work.path().join("plan.json");
    let out = run(&[
        "preview",
        "--from",
        &s(&path),
        "--to",
        &s(target.path()),
        "--out",
        &s(&plan),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let saved: Value = serde_json::from_slice(&std::fs::read(&plan).unwrap()).unwrap();
    assert_eq!(saved["programs"][0]["name"], "Planned");
    assert_eq!(snapshot(target.path()), before);
}

#[test]
fn preview_writes_nothing_into_the_target() {
    // Everything a run would write: new assets, renames, overwrites, tags.
    let target = Sub::standard();
    target
        .lp_template("Standard Template", "<p>target</p>")
        .image("hero.png", &image_bytes("target"));
    let mut p = program("Writes Nothing");
    p["program"]["tags"] = json!({"Region": "APAC"});
    p["emails"] = json!([email("Invite", "Carried Template", &["hero.png"])]);
    p["landing_pages"] = json!([landing_page("Page", "Standard Template", &[])]);
    let spec = BundleSpec::new(p)
        .email_template("Carried Template", HTML)
        .lp_template("Standard Template", "<p>bundle</p>")
        .image("hero.png", &image_bytes("bundle"));
    let before = snapshot(target.path());
    // `preview` itself asserts the target is unchanged; check it once more
    // without --json, and that no state directory appeared.
    let out = preview_bundle(&spec, &target, &["--rule", "image=overwrite"]);
    assert_eq!(out.code, 0);
    let (_work, path) = dir_bundle(&spec);
    let plain = run(&["preview", "--from", &s(&path), "--to", &s(target.path())]);
    assert_eq!(plain.code, 0, "{}", plain.stderr);
    assert_eq!(snapshot(target.path()), before);
    assert!(!target.path().join(".mkimport").exists());
}
