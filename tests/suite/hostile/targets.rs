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
        run_into(&bundle, &s.target(), &[]),
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

    let out = run_into(&bundle, &s.target(), &[]);
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
    // The program landed beside the link, in a directory of its own
    // (named after the program, with a digest of its name, since the
    // link holds the plain name).
    let inbox = s.target().join("marketing-activities/Inbox");
    let landed: Vec<_> = std::fs::read_dir(&inbox)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("program.json").is_file() && !p.is_symlink())
        .collect();
    assert_eq!(landed.len(), 1, "{:?}", snapshot(&s.target()).keys());
    let name = landed[0]
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    assert!(name.starts_with("Linked Program~"), "{name}");
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
    let out = run_into(&bundle, &s.target(), &["--folder", "Linked"]);
    out.expect_code(3);
    let report = out.json();
    assert!(codes(&report["programs"][0]).contains(&"missing-folder".to_string()));
    frozen.assert_unchanged(&s);
}

/// JSON text whose `"deep"` key holds arrays nested `depth` levels deep,
/// after `head` (the object's other keys, one per line).
fn deeply_nested(head: &str, depth: usize) -> String {
    format!(
        "{{\n{head},\n  \"deep\": {}{}\n}}\n",
        "[".repeat(depth),
        "]".repeat(depth)
    )
}

/// Where serde_json stops reading a nested text (its recursion limit is
/// 128 levels): the line and column the message must give.
fn nesting_position(text: &str) -> String {
    let err = serde_json::from_str::<serde_json::Value>(text).expect_err("too deep");
    assert!(err.to_string().contains("recursion limit"), "{err}");
    format!("{}:{}", err.line(), err.column())
}

#[test]
fn deeply_nested_subscription_json_says_so_with_line_and_column() {
    // A key 200 levels deep is valid JSON that mkimport does not read: the
    // message says what is wrong and where, not "is not a JSON object".
    let s = Scratch::new();
    let text = deeply_nested("  \"format\": 1,\n  \"name\": \"Deep\"", 200);
    s.target_file("subscription.json", &text);
    let at = nesting_position(&text);
    assert!(at.starts_with("4:"), "{at}");
    damaged(
        &s,
        &[
            &format!("subscription.json:{at}: "),
            "nested more than 128 levels deep",
        ],
    );
}

#[test]
fn deeply_nested_json_anywhere_says_so_with_line_and_column() {
    // The siblings of subscription.json: a target's design-studio file and
    // stored program, a bundle's program.json and external asset, a rules
    // file and a plan file.
    let deep_doc = |head: &str| deeply_nested(head, 200);
    let template = deep_doc("  \"name\": \"Deep Template\"");
    let s = Scratch::new();
    s.target_file("design-studio/email-templates/deep.json", &template);
    damaged(
        &s,
        &[
            &format!(
                "design-studio/email-templates/deep.json:{}: ",
                nesting_position(&template)
            ),
            "nested more than 128 levels deep",
        ],
    );

    let s = Scratch::new();
    let stored = deep_doc("  \"format\": 1,\n  \"program\": {\"name\": \"Stored\"}");
    s.target_file("marketing-activities/Inbox/Stored/program.json", &stored);
    damaged(
        &s,
        &[
            &format!(
                "marketing-activities/Inbox/Stored/program.json:{}: ",
                nesting_position(&stored)
            ),
            "nested more than 128 levels deep",
        ],
    );

    let s = Scratch::new();
    let program =
        deep_doc("  \"format\": 1,\n  \"program\": {\"name\": \"Deep\", \"folder\": \"Inbox\"}");
    let bundle = Files::program("Deep")
        .with("program.json", &program)
        .write_zip(&s.src().join("deep-program.zip"));
    refused(
        &s,
        &bundle,
        &[
            &format!("program.json:{}: ", nesting_position(&program)),
            "nested more than 128 levels deep",
        ],
        &[],
    );
    let bundle = Files::program("Deep")
        .with("external/email-templates/hero-email.json", &template)
        .write_zip(&s.src().join("deep-template.zip"));
    refused(
        &s,
        &bundle,
        &[
            &format!(
                "external/email-templates/hero-email.json:{}: ",
                nesting_position(&template)
            ),
            "nested more than 128 levels deep",
        ],
        &[],
    );

    // Files given on the command line.
    let s = Scratch::new();
    let bundle = Files::program("Fine").write_zip(&s.src().join("fine.zip"));
    let rules = s.root().join("rules.json");
    let text = deep_doc("  \"image\": \"reuse\"");
    std::fs::write(&rules, &text).unwrap();
    let out = preview(
        &bundle,
        &s.target(),
        &["--conflict", rules.to_str().unwrap()],
    );
    // A mistake in a rules file is a usage mistake (exit 2).
    out.expect_code(2).stderr_has(&[
        &format!("rules.json:{}: ", nesting_position(&text)),
        "nested more than 128 levels deep",
    ]);
    let plan = s.root().join("plan.json");
    preview(&bundle, &s.target(), &["--out", plan.to_str().unwrap()]).expect_code(0);
    let saved = std::fs::read_to_string(&plan).unwrap();
    let text = saved.replacen(
        "{\n",
        &format!("{{\n  \"deep\": {}{},\n", "[".repeat(200), "]".repeat(200)),
        1,
    );
    std::fs::write(&plan, &text).unwrap();
    let out = run(&["run", "--plan", plan.to_str().unwrap(), "--yes", "--json"]);
    out.expect_code(1).stderr_has(&[
        &format!("plan.json:{}: ", nesting_position(&text)),
        "nested more than 128 levels deep",
    ]);
}
