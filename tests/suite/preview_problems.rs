//! Blocking problems (spec section 4): every code, all reported at once;
//! permission, connection and folder checks; undeclared target keys.

use crate::support::*;
use serde_json::{json, Value};

/// The standard target plus users and roles.
fn guarded_meta() -> Value {
    let mut meta = target_meta();
    meta["roles"] = json!({"Admin": ["import_program"], "Analyst": []});
    meta["users"] = json!({"ops@acme.example": "Admin", "analyst@acme.example": "Analyst"});
    meta
}

/// Preview one program (a directory bundle) into `target`; expect it
/// blocked with exit code 3, and return its report entry.
fn blocked(program: Value, target: &Sub, extra: &[&str]) -> Value {
    preview_bundle(&BundleSpec::new(program), target, extra).expect_blocked()
}

/// Preview one program into `target`; expect it ok with exit code 0.
fn ok(program: Value, target: &Sub, extra: &[&str]) -> Value {
    preview_bundle(&BundleSpec::new(program), target, extra).expect_ok()
}

fn message(p: &Value, code: &str) -> String {
    let found = problems(p, code);
    assert!(!found.is_empty(), "no {code} in {p}");
    assert_eq!(found[0]["severity"], "error", "{p}");
    found[0]["message"].as_str().unwrap().to_string()
}

// ---------------------------------------------------------------------
// All at once

#[test]
fn every_blocking_cause_is_reported_at_once() {
    let target = Sub::new(guarded_meta());
    target.stored_program("Webinars", &program("Existing Program"));
    let mut p = program("Existing Program");
    p["exported_from"] = json!("Some Other Sandbox");
    p["program"]["folder"] = json!("Nowhere/At All");
    p["program"]["channel"] = json!("Podcast");
    p["emails"] = json!([email("Invite", "Ghost Template", &[])]);
    let mut uses_fields = campaign("Score", "batch");
    uses_fields["fields"] = json!(["Behavior Score"]);
    uses_fields["webhooks"] = json!(["Notify Teams"]);
    uses_fields["custom_objects"] = json!(["Invoice"]);
    let mut co_trigger = campaign("On Update", "trigger");
    co_trigger["triggers"] = json!(["Custom Object is Updated"]);
    p["smart_campaigns"] = json!([uses_fields, co_trigger]);
    p["requires"] = json!({"fields": [{"name": "Demographic Score", "type": "number"}]});

    let p = blocked(p, &target, &[]);
    let mut found = errors(&p);
    found.sort();
    found.dedup();
    let mut expected = vec![
        "custom-object-trigger",
        "field-type-mismatch",
        "missing-asset",
        "missing-channel",
        "missing-custom-object",
        "missing-field",
        "missing-folder",
        "missing-webhook",
        "not-connected",
        "permission-denied",
        "program-exists",
    ];
    expected.sort();
    assert_eq!(found, expected, "{p}");
}

// ---------------------------------------------------------------------
// One cause at a time

#[test]
fn missing_asset() {
    let mut p = program("Missing Asset");
    p["emails"] = json!([email("Invite", "Ghost Template", &["ghost.png"])]);
    let p = blocked(p, &Sub::standard(), &[]);
    let found = problems(&p, "missing-asset");
    assert_eq!(found.len(), 2, "{p}");
    let text = format!("{p}");
    assert!(text.contains("Ghost Template") && text.contains("ghost.png"));
}

#[test]
fn missing_channel() {
    let mut p = program("Channel");
    p["program"]["channel"] = json!("Podcast");
    let p = blocked(p, &Sub::standard(), &[]);
    assert_eq!(errors(&p), ["missing-channel"]);
    assert!(message(&p, "missing-channel").contains("Podcast"));
}

#[test]
fn existing_channel_passes() {
    let mut p = program("Channel");
    p["program"]["channel"] = json!(" webinar");
    ok(p, &Sub::standard(), &[]);
}

#[test]
fn missing_field_is_reported_once() {
    let mut p = program("Fields");
    let mut a = campaign("A", "batch");
    a["fields"] = json!(["Behavior Score"]);
    let mut b = campaign("B", "trigger");
    b["fields"] = json!(["behavior score"]);
    p["smart_campaigns"] = json!([a, b]);
    p["requires"] = json!({"fields": [{"name": "Behavior Score", "type": "score"}]});
    let p = blocked(p, &Sub::standard(), &[]);
    assert_eq!(errors(&p), ["missing-field"], "{p}");
    assert!(message(&p, "missing-field").contains("Behavior Score"));
}

#[test]
fn field_type_mismatch() {
    let mut p = program("Types");
    p["requires"] = json!({"fields": [{"name": "Demographic Score", "type": "number"}]});
    let p = blocked(p, &Sub::standard(), &[]);
    assert_eq!(errors(&p), ["field-type-mismatch"]);
    let text = message(&p, "field-type-mismatch");
    assert!(text.contains("Demographic Score"), "{text}");
}

#[test]
fn matching_field_type_passes() {
    let mut p = program("Types");
    p["requires"] = json!({"fields": [{"name": "Demographic Score", "type": "score"}]});
    let mut c = campaign("A", "batch");
    c["fields"] = json!(["First Name"]);
    p["smart_campaigns"] = json!([c]);
    ok(p, &Sub::standard(), &[]);
}

#[test]
fn missing_webhook() {
    let mut p = program("Webhooks");
    let mut c = campaign("A", "batch");
    c["webhooks"] = json!(["Notify Teams", "Notify Slack"]);
    p["smart_campaigns"] = json!([c]);
    let p = blocked(p, &Sub::standard(), &[]);
    assert_eq!(errors(&p), ["missing-webhook"]);
    assert!(message(&p, "missing-webhook").contains("Notify Teams"));
}

#[test]
fn missing_webhook_from_requires() {
    let mut p = program("Webhooks");
    p["requires"] = json!({"webhooks": ["Notify Teams"]});
    let p = blocked(p, &Sub::standard(), &[]);
    assert_eq!(errors(&p), ["missing-webhook"]);
}

#[test]
fn missing_custom_object() {
    let mut p = program("Objects");
    let mut c = campaign("A", "batch");
    c["custom_objects"] = json!(["Invoice", "Subscription"]);
    p["smart_campaigns"] = json!([c]);
    let p = blocked(p, &Sub::standard(), &[]);
    assert_eq!(errors(&p), ["missing-custom-object"]);
    assert!(message(&p, "missing-custom-object").contains("Invoice"));
}

#[test]
fn custom_object_trigger() {
    let mut p = program("Trigger");
    let mut c = campaign("On Update", "trigger");
    c["triggers"] = json!(["Custom Object is Updated"]);
    p["smart_campaigns"] = json!([c]);
    let p = blocked(p, &Sub::standard(), &[]);
    assert_eq!(errors(&p), ["custom-object-trigger"]);
    assert!(message(&p, "custom-object-trigger").contains("On Update"));
}

// ---------------------------------------------------------------------
// Permission

#[test]
fn permission_denied_without_a_user() {
    let p = blocked(program("Perm"), &Sub::new(guarded_meta()), &[]);
    assert_eq!(errors(&p), ["permission-denied"]);
}

#[test]
fn permission_denied_for_an_unknown_user() {
    let p = blocked(
        program("Perm"),
        &Sub::new(guarded_meta()),
        &["--user", "stranger@acme.example"],
    );
    assert_eq!(errors(&p), ["permission-denied"]);
    assert!(message(&p, "permission-denied").contains("stranger@acme.example"));
}

#[test]
fn permission_denied_for_a_role_without_import_program() {
    let p = blocked(
        program("Perm"),
        &Sub::new(guarded_meta()),
        &["--user", "analyst@acme.example"],
    );
    assert_eq!(errors(&p), ["permission-denied"]);
}

#[test]
fn permission_granted_to_an_admin() {
    ok(program("Perm"), &Sub::new(guarded_meta()), &["--user", OPS]);
}

#[test]
fn mkimport_user_names_the_acting_user() {
    let target = Sub::new(guarded_meta());
    let (_work, path) = dir_bundle(&BundleSpec::new(program("Perm")));
    let out = preview_with(&path, target.path(), &[], |cmd| {
        cmd.env("MKIMPORT_USER", OPS);
    });
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert_eq!(out.only()["status"], "ok");

    let out = preview_with(&path, target.path(), &[], |cmd| {
        cmd.env("MKIMPORT_USER", "analyst@acme.example");
    });
    assert_eq!(out.code, 3);
    assert_eq!(errors(out.only()), ["permission-denied"]);
}

#[test]
fn user_flag_wins_over_mkimport_user() {
    let target = Sub::new(guarded_meta());
    let (_work, path) = dir_bundle(&BundleSpec::new(program("Perm")));
    let out = preview_with(
        &path,
        target.path(),
        &["--user", "analyst@acme.example"],
        |cmd| {
            cmd.env("MKIMPORT_USER", OPS);
        },
    );
    assert_eq!(out.code, 3);
    assert_eq!(errors(out.only()), ["permission-denied"]);
}

#[test]
fn no_users_declared_means_no_permission_check() {
    ok(program("Perm"), &Sub::standard(), &[]);
}

// ---------------------------------------------------------------------
// Connection

#[test]
fn not_connected() {
    let mut p = program("Conn");
    p["exported_from"] = json!("Some Other Sandbox");
    let p = blocked(p, &Sub::standard(), &[]);
    assert_eq!(errors(&p), ["not-connected"]);
    assert!(message(&p, "not-connected").contains("Some Other Sandbox"));
}

#[test]
fn no_exported_from_is_not_connected() {
    let mut p = program("Conn");
    p.as_object_mut().unwrap().remove("exported_from");
    let p = blocked(p, &Sub::standard(), &[]);
    assert_eq!(errors(&p), ["not-connected"]);
}

#[test]
fn the_program_library_is_always_connected() {
    let mut p = program("Conn");
    p["exported_from"] = json!("Marketo Program Library");
    ok(p, &Sub::standard(), &[]);
}

#[test]
fn connected_names_compare_trimmed_and_lowercased() {
    let mut p = program("Conn");
    p["exported_from"] = json!("acme sandbox ");
    ok(p, &Sub::standard(), &[]);
}

// ---------------------------------------------------------------------
// Folders

#[test]
fn missing_folder() {
    let mut p = program("Folder");
    p["program"]["folder"] = json!("Nowhere");
    let p = blocked(p, &Sub::standard(), &[]);
    assert_eq!(errors(&p), ["missing-folder"]);
    assert!(message(&p, "missing-folder").contains("Nowhere"));
}

/// `--folder Webinar/2026` for `Webinars/2026`: every program is blocked,
/// and the problem names the nearest existing folders; the table shows it
/// once; a far-off name gets no guess.
#[test]
fn a_mistyped_folder_names_the_nearest_existing_one() {
    let production = fixtures().join("production");
    let out = preview(
        &fixtures().join("sandbox"),
        &production,
        &["--folder", "Webinar/2026", "--user", OPS],
    );
    out.expect_code(3);
    for program in out.programs() {
        assert_eq!(program["status"], "blocked");
        let said = message(program, "missing-folder");
        assert!(
            said.contains("campaign folder \"Webinar/2026\" does not exist in the target (did you mean \"Webinars/2026\""),
            "{said}"
        );
    }
    let table = run(&[
        "preview",
        "--from",
        &sandbox(),
        "--to",
        p(&production),
        "--folder",
        "Webinar/2026",
        "--user",
        OPS,
    ]);
    table.expect_code(3);
    assert_eq!(
        table.stdout.matches("did you mean").count(),
        1,
        "shown once for all programs:\n{}",
        table.stdout
    );
    let far = preview(
        &fixtures().join("sandbox"),
        &production,
        &["--folder", "Nowhere/Else", "--user", OPS],
    );
    far.expect_code(3);
    let said = message(&far.programs()[0], "missing-folder");
    assert!(!said.contains("did you mean"), "{said}");
}

#[test]
fn a_program_without_a_folder_needs_one() {
    let mut p = program("Folder");
    p["program"].as_object_mut().unwrap().remove("folder");
    let p = blocked(p, &Sub::standard(), &[]);
    assert_eq!(errors(&p), ["missing-folder"]);
}

#[test]
fn folder_flag_chooses_an_existing_folder() {
    let target = Sub::standard();
    target.folder("Events/2026");
    let mut p = program("Folder");
    p["program"]["folder"] = json!("Nowhere");
    let spec = BundleSpec::new(p);
    let out = preview_bundle(&spec, &target, &["--folder", "Events/2026"]);
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert_eq!(out.only()["status"], "ok");
    assert_eq!(out.json()["folder"], "Events/2026");

    let out = preview_bundle(&spec, &target, &["--folder", "Events/2027"]);
    assert_eq!(out.code, 3);
    assert_eq!(errors(out.only()), ["missing-folder"]);
}

#[test]
fn folder_paths_compare_trimmed_and_lowercased() {
    let target = Sub::standard();
    target.folder("Events/2026");
    let mut p = program("Folder");
    p["program"]["folder"] = json!("events/2026");
    ok(p, &target, &[]);
}

#[test]
fn a_program_directory_is_not_a_campaign_folder() {
    let target = Sub::standard();
    target.stored_program("Webinars", &program("Stored"));
    let p = blocked(program("Folder"), &target, &["--folder", "Webinars/Stored"]);
    assert_eq!(errors(&p), ["missing-folder"]);
}

// ---------------------------------------------------------------------
// Undeclared keys

#[test]
fn undeclared_keys_are_unchecked_warnings_not_errors() {
    let target = Sub::new(json!({"format": 1, "name": "Bare Target"}));
    target.email_template("Standard Email", "<p>t</p>");
    let mut p = program("Unchecked");
    p["program"]["channel"] = json!("Podcast");
    p["program"]["tags"] = json!({"Region": "APAC"});
    let mut e = email("Invite", "Standard Email", &[]);
    e["segmentations"] = json!(["Region"]);
    p["emails"] = json!([e]);
    let mut c = campaign("A", "batch");
    c["fields"] = json!(["Behavior Score"]);
    c["webhooks"] = json!(["Notify Teams"]);
    c["custom_objects"] = json!(["Invoice"]);
    p["smart_campaigns"] = json!([c]);
    p["requires"] = json!({"fields": [{"name": "Demographic Score", "type": "number"}],
                           "segmentations": ["Industry"]});
    let out = preview_bundle(&BundleSpec::new(p), &target, &[]);
    assert_eq!(out.code, 0, "{}", out.stdout);
    let p = out.only();
    assert_eq!(p["status"], "ok");
    assert!(errors(p).is_empty(), "{p}");
    let unchecked: Vec<String> = problems(p, "unchecked")
        .iter()
        .map(|w| {
            assert_eq!(w["severity"], "warning");
            w["message"].as_str().unwrap().to_string()
        })
        .collect();
    for key in [
        "channels",
        "fields",
        "webhooks",
        "custom_objects",
        "segmentations",
        "tags",
    ] {
        assert!(
            unchecked.iter().any(|m| m.contains(key)),
            "no unchecked warning for {key}: {unchecked:?}"
        );
    }
    // The email is not skipped for a segmentation nobody could check.
    assert_eq!(asset(p, "email", "Invite")["action"], "create");
    assert_eq!(
        out.json()["summary"]["warnings"].as_u64().unwrap() as usize,
        warnings(p).len()
    );
}

// ---------------------------------------------------------------------
// Exit codes and summary

#[test]
fn warnings_alone_exit_zero_and_one_blocked_program_exits_three() {
    let target = Sub::standard();
    target.email_template("Standard Email", "<p>t</p>");
    let mut warned = program("Warned");
    let mut e = email("Invite", "Standard Email", &[]);
    e["html"] = json!("{{my.Nope}}");
    warned["emails"] = json!([e]);
    let mut bad = program("Bad");
    bad["program"]["channel"] = json!("Podcast");

    let work = workdir();
    BundleSpec::new(warned.clone()).write_dir(&work.path().join("a"));
    let out = preview(work.path(), target.path(), &[]);
    assert_eq!(out.code, 0);
    assert_eq!(out.json()["summary"]["warnings"], 1);
    assert_eq!(out.json()["summary"]["errors"], 0);

    BundleSpec::new(bad).write_dir(&work.path().join("b"));
    let out = preview(work.path(), target.path(), &[]);
    assert_eq!(out.code, 3);
    assert_eq!(
        out.json()["summary"],
        json!({"programs": 2, "ok": 1, "blocked": 1, "unchanged": 0,
               "skipped": 0, "errors": 1, "warnings": 1})
    );
    assert_eq!(out.status("Warned"), "ok");
    assert_eq!(out.status("Bad"), "blocked");
}
