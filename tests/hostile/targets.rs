//! Damaged targets: the target is trusted, but may be damaged. Every
//! damage found while loading it is an error (exit 1) naming the target's
//! file (and the JSON line and column where there is one), and nothing is
//! written.

use std::path::Path;

use serde_json::json;

use crate::support::*;

/// Preview and run against the damaged target: both exit 1, standard error
/// names every one of `needles`, and nothing is written (outside
/// `.mkimport/`).
#[track_caller]
fn damaged(s: &Scratch, needles: &[&str]) {
    let bundle = Files::program("Innocent Program").write_zip(&s.src().join("innocent.zip"));
    let frozen = s.freeze();
    let target = shown(&s.target());
    let mut all = vec![target.as_str()];
    all.extend_from_slice(needles);
    for out in [
        preview(&bundle, &s.target(), &[]),
        run(&bundle, &s.target(), &[]),
    ] {
        out.expect_code(1).stderr_has(&all);
        assert!(
            out.stdout.trim().is_empty(),
            "a report for a damaged target:\n{}",
            out.stdout
        );
        frozen.assert_unchanged(s);
    }
    assert!(
        !s.target().join(".mkimport/imports").exists()
            || std::fs::read_dir(s.target().join(".mkimport/imports"))
                .unwrap()
                .next()
                .is_none()
    );
}

/// The `line:column` serde_json reports for this invalid JSON.
/// Where serde_json finds the error, as mkimport shows it: 1-based
/// columns (serde_json says column 0 at the start of a line).
fn position(text: &str) -> String {
    let err = serde_json::from_str::<serde_json::Value>(text).expect_err("invalid JSON");
    format!("{}:{}", err.line(), err.column().max(1))
}

#[test]
fn invalid_subscription_json_names_the_file_line_and_column() {
    let s = Scratch::new();
    let text = "{\n  \"format\": 1,\n  \"name\": \"Broken\",,\n  \"kind\": \"production\"\n}\n";
    s.target_file("subscription.json", text);
    let at = position(text);
    assert!(at.starts_with("3:"), "{at}");
    damaged(&s, &[&format!("subscription.json:{at}")]);
}

#[test]
fn truncated_subscription_json_names_the_file_line_and_column() {
    let s = Scratch::new();
    let text = "{\n  \"format\": 1,\n  \"name\": \"Trunc";
    s.target_file("subscription.json", text);
    damaged(&s, &[&format!("subscription.json:{}", position(text))]);
}

#[test]
fn subscription_json_of_the_wrong_shape_names_the_file() {
    let s = Scratch::new();
    s.target_file("subscription.json", "[1, 2, 3]\n");
    damaged(&s, &["subscription.json"]);
    s.target_file("subscription.json", pretty(&json!({"format": 1})));
    damaged(&s, &["subscription.json", "name"]);
    s.target_file(
        "subscription.json",
        pretty(&json!({"format": 99, "name": "Future"})),
    );
    damaged(&s, &["subscription.json", "format"]);
}

#[test]
fn invalid_design_studio_json_names_the_file_line_and_column() {
    let s = Scratch::new();
    let text = "{\"name\": \"Broken\",\n \"html\": <p>}\n";
    s.target_file("design-studio/landing-page-templates/broken.json", text);
    damaged(
        &s,
        &[&format!(
            "design-studio/landing-page-templates/broken.json:{}",
            position(text)
        )],
    );
}

#[test]
fn design_studio_json_without_name_names_the_file() {
    let s = Scratch::new();
    s.target_file(
        "design-studio/email-templates/nameless.json",
        pretty(&json!({"html": "<p>who am I</p>"})),
    );
    damaged(&s, &["design-studio/email-templates/nameless.json", "name"]);
}

#[test]
fn design_studio_json_with_empty_or_non_string_name_names_the_file() {
    let s = Scratch::new();
    s.target_file(
        "design-studio/forms/blank.json",
        pretty(&json!({"name": "   ", "fields": []})),
    );
    damaged(&s, &["design-studio/forms/blank.json", "name"]);
    std::fs::remove_file(s.target().join("design-studio/forms/blank.json")).unwrap();
    s.target_file(
        "design-studio/snippets/number.json",
        pretty(&json!({"name": 42, "html": ""})),
    );
    damaged(&s, &["design-studio/snippets/number.json", "name"]);
}

#[test]
fn two_email_templates_named_equal_but_for_case_name_both_files() {
    let s = Scratch::new();
    s.target_file(
        "design-studio/email-templates/hero-a.json",
        pretty(&json!({"name": "Hero", "html": "<p>a</p>"})),
    );
    s.target_file(
        "design-studio/email-templates/hero-b.json",
        pretty(&json!({"name": "hero", "html": "<p>b</p>"})),
    );
    damaged(
        &s,
        &[
            "design-studio/email-templates/hero-a.json",
            "design-studio/email-templates/hero-b.json",
        ],
    );
}

#[test]
fn two_forms_named_equal_but_for_spaces_name_both_files() {
    let s = Scratch::new();
    s.target_file(
        "design-studio/forms/one.json",
        pretty(&json!({"name": "Contact Us", "fields": []})),
    );
    s.target_file(
        "design-studio/forms/two.json",
        pretty(&json!({"name": "  CONTACT US ", "fields": ["Email Address"]})),
    );
    damaged(
        &s,
        &[
            "design-studio/forms/one.json",
            "design-studio/forms/two.json",
        ],
    );
}

#[test]
fn two_images_named_equal_but_for_case_name_both_files() {
    let s = Scratch::new();
    s.target_file("design-studio/images/Banner.png", image_bytes("one"));
    s.target_file("design-studio/images/banner.PNG", image_bytes("two"));
    damaged(
        &s,
        &[
            "design-studio/images/Banner.png",
            "design-studio/images/banner.PNG",
        ],
    );
}

#[test]
fn invalid_stored_program_names_the_file() {
    let s = Scratch::new();
    let text = "{\"format\": 1, \"program\": {\"name\": \"Half\"}\n";
    s.target_file("marketing-activities/Inbox/Half/program.json", text);
    damaged(
        &s,
        &[&format!(
            "marketing-activities/Inbox/Half/program.json:{}",
            position(text)
        )],
    );
}

#[test]
fn invalid_folder_json_names_the_file() {
    let s = Scratch::new();
    let text = "{\"tokens\": [\n  {\"name\": \"my.X\"}\n]}\n";
    s.target_file("marketing-activities/Inbox/folder.json", text);
    damaged(&s, &["marketing-activities/Inbox/folder.json"]);
}

#[test]
fn damaged_target_is_not_repaired_by_a_run() {
    // Nothing under design-studio/ or marketing-activities/ is touched, and
    // the damaged file keeps its bytes.
    let s = Scratch::new();
    let text = "{\"name\": \"Broken\",\n \"html\": <p>}\n";
    s.target_file("design-studio/email-templates/broken.json", text);
    damaged(&s, &["design-studio/email-templates/broken.json"]);
    assert_eq!(
        std::fs::read_to_string(s.target().join("design-studio/email-templates/broken.json"))
            .unwrap(),
        text
    );
    assert!(!Path::new(
        &s.target()
            .join("marketing-activities/Inbox/Innocent Program")
    )
    .exists());
}

#[test]
fn linked_files_in_the_target_are_replaced_never_written_through() {
    // The target's design-studio/images/hero.png is a link to a file
    // outside, and its Inbox holds a link named like the program to a
    // directory outside. Importing writes inside the target only.
    let s = Scratch::new();
    std::fs::create_dir_all(s.target().join("design-studio/images")).unwrap();
    std::os::unix::fs::symlink(
        s.outside().join("secret.txt"),
        s.target().join("design-studio/images/hero.png"),
    )
    .unwrap();
    std::fs::create_dir_all(s.outside().join("program-dir")).unwrap();
    std::os::unix::fs::symlink(
        s.outside().join("program-dir"),
        s.target().join("marketing-activities/Inbox/Linked Program"),
    )
    .unwrap();
    let bundle = Files::program("Linked Program").write_zip(&s.src().join("linked.zip"));
    let frozen = s.freeze();

    let out = run(&bundle, &s.target(), &[]);
    out.expect_code(0);
    frozen.assert_outside_unchanged(&s);
    assert_eq!(
        std::fs::read_to_string(s.outside().join("secret.txt")).unwrap(),
        SECRET
    );
    assert!(std::fs::read_dir(s.outside().join("program-dir"))
        .unwrap()
        .next()
        .is_none());
    // The program landed beside the link, in a directory of its own.
    let landed = s
        .target()
        .join("marketing-activities/Inbox/Linked Program (2)/program.json");
    assert!(landed.is_file(), "{:?}", all_paths(&s.target()));
}

#[test]
fn linked_campaign_folder_in_the_target_is_not_a_folder() {
    // marketing-activities/Linked is a link to a directory outside: not a
    // campaign folder of the target, so --folder Linked is missing-folder.
    let s = Scratch::new();
    std::fs::create_dir_all(s.outside().join("folder")).unwrap();
    std::os::unix::fs::symlink(
        s.outside().join("folder"),
        s.target().join("marketing-activities/Linked"),
    )
    .unwrap();
    let bundle = Files::program("Into The Link").write_zip(&s.src().join("p.zip"));
    let frozen = s.freeze();
    let out = run(&bundle, &s.target(), &["--folder", "Linked"]);
    out.expect_code(3);
    let report = out.json();
    assert!(codes(&report["programs"][0]).contains(&"missing-folder".to_string()));
    frozen.assert_unchanged(&s);
}
