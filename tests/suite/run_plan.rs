//! `run --plan PLAN` (apply exactly a saved preview) and `run --notify`.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use tempfile::TempDir;

use crate::support::*;

/// `preview --out PLAN` of `source` into `target` as the Admin (with
/// `extra` arguments): the plan saved.
fn save_ops_plan(source: &Path, target: &Path, plan: &Path, extra: &[&str]) -> Value {
    let mut args = vec!["--user", OPS];
    args.extend_from_slice(extra);
    save_plan(source, target, plan, &args);
    read_json(plan)
}

fn select_ok_programs() -> Vec<&'static str> {
    OK_PROGRAMS
        .iter()
        .flat_map(|name| ["--program", *name])
        .collect()
}

/// `run --plan` (no --from/--to) imports exactly what a direct run does.
#[test]
fn run_plan_applies_the_saved_plan_like_a_direct_run() {
    let plans = TempDir::new().expect("temp dir");
    let plan = plans.path().join("plan.json");
    let (_a_guard, a) = copy_fixture("production");
    let (_b_guard, b) = copy_fixture("production");
    let selection = select_ok_programs();
    let saved = save_ops_plan(&fixtures().join("sandbox"), &a, &plan, &selection);
    let before = snapshot(&a);

    let out = run(&["run", "--plan", p(&plan), "--yes", "--json"]);
    out.expect_code(0);
    let planned = out.json();
    assert_eq!(planned["summary"]["ok"], 3);
    assert_ne!(snapshot(&a), before, "run --plan wrote nothing");

    let source = sandbox();
    let mut direct = vec![
        "run",
        "--from",
        &source,
        "--to",
        p(&b),
        "--user",
        OPS,
        "--yes",
        "--json",
    ];
    direct.extend_from_slice(&selection);
    let out = run(&direct);
    out.expect_code(0);
    let direct = out.json();

    assert_eq!(planned["import_id"], direct["import_id"]);
    assert_eq!(planned["programs"], direct["programs"]);
    assert_eq!(
        planned["programs"], saved["programs"],
        "the run did what the plan said"
    );
    assert_same_tree(&snapshot(&a), &snapshot(&b), "run --plan vs a direct run");

    // Each landed program records the digest of the bundle the plan saw.
    for entry in saved["plan"]["bundles"].as_array().expect("plan.bundles") {
        let digest = &entry["digest"];
        assert!(
            programs(&a)
                .values()
                .any(|p| &p["imported"]["bundle_digest"] == digest),
            "no program landed from bundle {}",
            entry["bundle"]
        );
    }
}

/// A plan with blocked programs is refused like a direct run (exit 3),
/// unless --skip-blocked; --from and --to, when given, must match.
#[test]
fn run_plan_checks_blocked_and_matching_paths() {
    let plans = TempDir::new().expect("temp dir");
    let plan = plans.path().join("plan.json");
    let (_guard, target) = copy_fixture("production");
    let (_other_guard, other) = copy_fixture("production");
    save_ops_plan(&fixtures().join("sandbox"), &target, &plan, &[]);
    let before = snapshot(&target);
    let other_before = snapshot(&other);

    let out = run(&["run", "--plan", p(&plan), "--yes", "--json"]);
    out.expect_code(3);
    assert_same_tree(&before, &snapshot(&target), "blocked plan");

    let out = run(&[
        "run",
        "--plan",
        p(&plan),
        "--to",
        p(&other),
        "--yes",
        "--json",
        "--skip-blocked",
    ]);
    out.expect_code(2);
    assert!(
        out.stderr.contains("--to"),
        "the usage error names --to: {}",
        out.stderr
    );
    let wrong_source = fixtures().join("production");
    let out = run(&[
        "run",
        "--plan",
        p(&plan),
        "--from",
        p(&wrong_source),
        "--yes",
        "--json",
        "--skip-blocked",
    ]);
    out.expect_code(2);
    assert_same_tree(&before, &snapshot(&target), "mismatching --to/--from");
    assert_same_tree(&other_before, &snapshot(&other), "the other target");

    // Given and matching (spelled differently): accepted.
    let same_target = target.join(".");
    let out = run(&[
        "run",
        "--plan",
        p(&plan),
        "--from",
        &sandbox(),
        "--to",
        p(&same_target),
        "--yes",
        "--json",
        "--skip-blocked",
    ]);
    out.expect_code(4); // partial: some imported, some blocked (spec 5a)
    let report = out.json();
    assert_eq!(report["summary"]["ok"], 3);
    assert_eq!(report["summary"]["blocked"], 3);
}

fn stale_problem(report: &Value) -> bool {
    all_problems(report)
        .iter()
        .any(|p| p["code"] == "stale-plan" && p["severity"] == "error")
}

/// A change in the target since the preview makes the plan stale: exit 3,
/// a `stale-plan` problem, nothing written.
#[test]
fn run_plan_refuses_when_the_target_changed() {
    let plans = TempDir::new().expect("temp dir");
    let plan = plans.path().join("plan.json");
    let (_guard, target) = copy_fixture("production");
    save_ops_plan(
        &fixtures().join("sandbox"),
        &target,
        &plan,
        &select_ok_programs(),
    );
    write_json(
        &target,
        "design-studio/email-templates/added-after-the-preview.json",
        &json!({"name": "Added After The Preview", "html": "<p>new</p>"}),
    );
    let before = snapshot(&target);

    let out = run(&["run", "--plan", p(&plan), "--yes", "--json"]);
    out.expect_code(3);
    let report = out.json();
    assert!(stale_problem(report), "no stale-plan problem: {report:#}");
    assert!(report["import_id"].is_null());
    assert!(
        out.stderr.contains("stale"),
        "stderr explains the refusal: {}",
        out.stderr
    );
    // What changed, and the fix.
    assert!(
        out.stderr
            .contains("1 file added (design-studio/email-templates/added-after-the-preview.json)"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("mkimport preview")
            && out.stderr.contains(&format!("--out {}", p(&plan))),
        "{}",
        out.stderr
    );
    assert_same_tree(&before, &snapshot(&target), "stale plan");
}

/// A stale plan says which programs and assets come out differently now.
#[test]
fn a_stale_plan_names_the_assets_that_changed() {
    let plans = TempDir::new().expect("temp dir");
    let plan = plans.path().join("plan.json");
    let (_guard, target) = copy_fixture("production");
    save_ops_plan(
        &fixtures().join("sandbox"),
        &target,
        &plan,
        &["--program", WEBINAR],
    );
    // Someone takes the name the plan renames the template to.
    write_json(
        &target,
        "design-studio/landing-page-templates/taken.json",
        &json!({"name": "Standard Template 1", "html": "<p>taken</p>"}),
    );
    edit_json(
        &target,
        "design-studio/email-templates/standard-email.json",
        |v| v["html"] = json!("<p>edited</p>"),
    );
    let out = run(&["run", "--plan", p(&plan), "--yes", "--json"]);
    out.expect_code(3);
    let messages: Vec<String> = all_problems(out.json())
        .iter()
        .filter(|p| p["code"] == "stale-plan")
        .map(|p| p["message"].as_str().unwrap().to_string())
        .collect();
    let all = messages.join("\n");
    assert!(
        all.contains("1 file changed (design-studio/email-templates/standard-email.json), 1 added (design-studio/landing-page-templates/taken.json)"),
        "{all}"
    );
    assert!(
        all.contains("landing-page-template \"Standard Template\" would now rename as \"Standard Template 2\" (the plan says rename as \"Standard Template 1\")"),
        "{all}"
    );
    assert!(all.contains(WEBINAR), "{all}");
}

/// Edit the JSON file `rel` below `root` in place.
fn edit_json(root: &Path, rel: &str, edit: impl FnOnce(&mut Value)) {
    let path = root.join(rel);
    let mut value = read_json(&path);
    edit(&mut value);
    fs::write(&path, serde_json::to_vec_pretty(&value).expect("serialise")).expect("edit");
}

/// A bundle that changed since the preview makes the plan stale: its
/// program.json, an external asset it carries (from the source's design
/// studio), or a token it inherits from a source folder.
#[test]
fn run_plan_refuses_when_a_bundle_changed() {
    let webinar_json = format!("marketing-activities/Webinars/2026/{WEBINAR}/program.json");
    type Edit<'a> = Box<dyn Fn(&Path) + 'a>;
    let edits: Vec<(&str, Edit)> = vec![
        (
            "program.json",
            Box::new(|src: &Path| {
                edit_json(src, &webinar_json, |v| {
                    v["program"]["description"] = json!("Edited after the preview.")
                })
            }),
        ),
        (
            "external email template",
            Box::new(|src: &Path| {
                edit_json(
                    src,
                    "design-studio/email-templates/event-reminder.json",
                    |v| v["html"] = json!("<p>Edited after the preview.</p>"),
                )
            }),
        ),
        (
            "inherited token",
            Box::new(|src: &Path| {
                edit_json(src, "marketing-activities/Webinars/folder.json", |v| {
                    for token in v["tokens"].as_array_mut().expect("tokens") {
                        if token["name"] == "my.Footer" {
                            token["value"] = json!("<p>Edited after the preview.</p>");
                        }
                    }
                })
            }),
        ),
    ];
    for (what, edit) in edits {
        let plans = TempDir::new().expect("temp dir");
        let plan = plans.path().join("plan.json");
        let (_src_guard, source) = copy_fixture("sandbox");
        let (_guard, target) = copy_fixture("production");
        save_ops_plan(&source, &target, &plan, &select_ok_programs());
        edit(&source);
        let before = snapshot(&target);

        let out = run(&["run", "--plan", p(&plan), "--yes", "--json"]);
        out.expect_code(3);
        let report = out.json();
        assert!(
            stale_problem(report),
            "{what}: no stale-plan problem: {report:#}"
        );
        assert_same_tree(&before, &snapshot(&target), what);
    }
}

/// A plan file that is not JSON, or not a plan, is bad input (exit 1)
/// named in the message; nothing is written.
#[test]
fn run_plan_rejects_a_bad_plan_file() {
    let plans = TempDir::new().expect("temp dir");
    let (_guard, target) = copy_fixture("production");
    let before = snapshot(&target);

    let broken = plans.path().join("broken-plan.json");
    fs::write(&broken, "{\n  \"mkimport\": 1,\n  oops\n}\n").expect("write");
    let out = run(&["run", "--plan", p(&broken), "--yes", "--json"]);
    out.expect_code(1);
    assert!(
        out.stderr.contains("broken-plan.json") && out.stderr.contains(":3:"),
        "the error names the file, line and column: {}",
        out.stderr
    );

    // A receipt is a report but not a plan.
    let ok = run_sandbox(&target, &[]);
    ok.expect_code(4); // partial: some imported, some blocked (spec 5a)
    let after_import = snapshot(&target);
    let id = ok.json()["import_id"].as_str().expect("id").to_string();
    let receipt = target
        .join(STATE)
        .join("imports")
        .join(format!("{id}.json"));
    let out = run(&["run", "--plan", p(&receipt), "--yes", "--json"]);
    out.expect_code(1);
    assert!(
        out.stderr.contains(&format!("{id}.json")),
        "the error names the file: {}",
        out.stderr
    );
    assert_same_tree(&after_import, &snapshot(&target), "a receipt as plan");
    assert_ne!(before, after_import);
}

// ---------------------------------------------------------------------
// --notify

/// A fake `sendmail` that records its arguments and the message, then
/// exits with `code`. Returns (script path, args file, message file).
fn fake_sendmail(dir: &Path, code: i32) -> (PathBuf, PathBuf, PathBuf) {
    let script = dir.join("fake-sendmail");
    let args = dir.join("args.txt");
    let message = dir.join("message.eml");
    let text = format!(
        "#!/bin/sh\nprintf '%s\\n' \"$@\" > '{}'\ncat > '{}'\nexit {code}\n",
        args.display(),
        message.display()
    );
    fs::write(&script, text).expect("write script");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&script, fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    (script, args, message)
}

fn notify_run(target: &Path, extra: &[&str], sendmail: &str) -> Outcome {
    let source = sandbox();
    let mut args = vec![
        "run",
        "--from",
        &source,
        "--to",
        p(target),
        "--user",
        OPS,
        "--yes",
        "--json",
    ];
    args.extend_from_slice(extra);
    run_with(&args, &[("MKIMPORT_SENDMAIL", sendmail)])
}

/// The campaigns the report says need attention, as (program, name, action).
fn attention(report: &Value) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for program in report["programs"].as_array().expect("programs") {
        if program["status"] != "ok" {
            continue;
        }
        for asset in program["assets"].as_array().expect("assets") {
            let action = asset["action"].as_str().unwrap_or("");
            if action == "deactivate" || action == "unschedule" {
                out.push((
                    program["imported_as"].as_str().unwrap_or("").to_string(),
                    asset["name"].as_str().unwrap_or("").to_string(),
                    action.to_string(),
                ));
            }
        }
    }
    out
}

/// One program: the mail goes to ADDR through `sendmail -t`, names the
/// program, and lists the campaigns to reactivate and reschedule.
#[test]
fn notify_mails_a_confirmation_for_one_program() {
    let mail = TempDir::new().expect("temp dir");
    let (script, args_file, message_file) = fake_sendmail(mail.path(), 0);
    let (_guard, target) = copy_fixture("production");
    let out = notify_run(
        &target,
        &["--program", WEBINAR, "--notify", "ops-lead@acme.example"],
        p(&script),
    );
    out.expect_code(0);
    let report = out.json();
    assert_eq!(report["summary"]["ok"], 1);
    assert!(
        !has_problem(report, "notify-failed"),
        "a sent mail is no problem"
    );

    let args = fs::read_to_string(&args_file).expect("the mail command ran");
    assert!(
        args.lines().any(|a| a == "-t"),
        "sendmail got no -t: {args:?}"
    );
    let message = fs::read_to_string(&message_file).expect("the message");
    let (headers, body) = message
        .split_once("\r\n\r\n")
        .or_else(|| message.split_once("\n\n"))
        .expect("headers and body");
    let header = |name: &str| {
        headers
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name}: ")))
            .map(|v| v.trim_end().to_string())
    };
    assert_eq!(header("To").as_deref(), Some("ops-lead@acme.example"));
    let subject = header("Subject").expect("a Subject header");
    assert!(subject.contains(WEBINAR), "subject: {subject}");

    let todo = attention(report);
    assert_eq!(
        todo.iter().filter(|t| t.2 == "deactivate").count(),
        2,
        "{todo:?}"
    );
    assert_eq!(
        todo.iter().filter(|t| t.2 == "unschedule").count(),
        3,
        "{todo:?}"
    );
    let lower = body.to_lowercase();
    assert!(lower.contains("reactivate"), "body: {body}");
    assert!(lower.contains("reschedule"), "body: {body}");
    for (_, campaign, action) in &todo {
        let verb = if action == "deactivate" {
            "reactivate"
        } else {
            "reschedule"
        };
        assert!(
            body.lines()
                .any(|l| l.contains(campaign.as_str()) && l.to_lowercase().contains(verb)),
            "the mail does not ask to {verb} {campaign:?}:\n{body}"
        );
    }
    let import_id = report["import_id"].as_str().expect("id");
    assert!(message.contains(import_id), "the mail names the import id");
}

/// Several programs: the subject gives the count.
#[test]
fn notify_subject_counts_several_programs() {
    let mail = TempDir::new().expect("temp dir");
    let (script, _args_file, message_file) = fake_sendmail(mail.path(), 0);
    let (_guard, target) = copy_fixture("production");
    let out = notify_run(
        &target,
        &["--skip-blocked", "--notify", "ops-lead@acme.example"],
        p(&script),
    );
    out.expect_code(4); // partial: some imported, some blocked (spec 5a)
    let message = fs::read_to_string(&message_file).expect("the message");
    let subject = message
        .lines()
        .find_map(|l| l.strip_prefix("Subject: "))
        .expect("a Subject header");
    assert!(subject.contains('3'), "subject: {subject}");
    for name in OK_PROGRAMS {
        assert!(message.contains(name), "the mail lists {name}");
    }
}

/// A mail that cannot be sent is a warning, never a failed import.
#[test]
fn notify_failure_is_a_warning() {
    let mail = TempDir::new().expect("temp dir");
    let (failing, _, _) = fake_sendmail(mail.path(), 1);
    for command in ["/nonexistent/command".to_string(), p(&failing).to_string()] {
        let (_guard, target) = copy_fixture("production");
        let out = notify_run(
            &target,
            &["--program", WEBINAR, "--notify", "ops-lead@acme.example"],
            &command,
        );
        out.expect_code(0);
        assert!(
            out.stderr.to_lowercase().contains("warning"),
            "{command}: stderr has no warning: {}",
            out.stderr
        );
        let report = out.json();
        let warnings: Vec<Value> = all_problems(report)
            .into_iter()
            .filter(|p| p["severity"] == "warning")
            .filter(|p| {
                // By its code or message; not a planner warning that
                // merely names a token like "my.Support Email".
                let text = format!("{} {}", p["code"], p["message"]).to_lowercase();
                (text.contains("notify") || text.contains("mail"))
                    && p["code"] != "token-shadows-folder"
            })
            .collect();
        assert_eq!(
            warnings.len(),
            1,
            "{command}: expected one mail warning: {report:#}"
        );
        // The import itself landed, and its receipt carries the warning.
        let (_, program) = program_named(&target, WEBINAR);
        assert_eq!(program["imported"]["import_id"], report["import_id"]);
        let receipt = target.join(STATE).join("imports").join(format!(
            "{}.json",
            report["import_id"].as_str().expect("id")
        ));
        assert_eq!(read_json(&receipt), *report, "{command}: receipt");
    }
}

#[test]
fn run_plan_again_after_it_landed_changes_nothing() {
    let (_dir, target) = copy_fixture("production");
    let plan_dir = TempDir::new().unwrap();
    let plan = plan_dir.path().join("plan.json");
    save_ops_plan(
        &fixtures().join("sandbox"),
        &target,
        &plan,
        &["--program", "2026 APAC Growth Summit"],
    );
    run(&["run", "--plan", p(&plan), "--yes", "--json"]).expect_code(0);
    let before = snapshot(&target);
    let again = run(&["run", "--plan", p(&plan), "--yes", "--json"]);
    again.expect_code(0);
    assert_eq!(
        statuses(again.json())["2026 APAC Growth Summit"],
        "unchanged"
    );
    assert_same_tree(&before, &snapshot(&target), "a plan applied twice");
}

#[test]
fn run_plan_works_from_another_directory() {
    let (_dir, target) = copy_fixture("production");
    let plan_dir = TempDir::new().unwrap();
    let plan = plan_dir.path().join("plan.json");
    save_ops_plan(
        &fixtures().join("sandbox"),
        &target,
        &plan,
        &["--program", "2026 APAC Growth Summit"],
    );
    let elsewhere = TempDir::new().unwrap();
    let output = mkimport()
        .current_dir(elsewhere.path())
        .args(["run", "--plan", p(&plan), "--yes", "--json"])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn run_plan_keeps_the_limits_the_plan_was_made_with() {
    let (_dir, target) = copy_fixture("production");
    let work = TempDir::new().unwrap();
    // A bundle whose landing page template expands far more than 200x.
    let bundle = work.path().join("wide.zip");
    let program = json!({
        "format": 1, "exported_from": "Acme Sandbox",
        "program": {"name": "Wide Program", "type": "default", "folder": "Webinars/2026"},
        "landing_pages": [{"name": "Wide", "template": "Wide Template", "html": "<p>hi</p>"}],
    });
    let template = json!({"name": "Wide Template", "html": " ".repeat(3 << 20)});
    write_zip(
        &bundle,
        &[
            ("program.json".into(), program.to_string().into_bytes()),
            (
                "external/landing-page-templates/wide.json".into(),
                template.to_string().into_bytes(),
            ),
        ],
    );

    let plan = work.path().join("plan.json");
    save_ops_plan(&bundle, &target, &plan, &["--max-ratio", "100000"]);
    // Without the flag, this bundle is refused as a zip bomb ...
    run(&[
        "preview",
        "--from",
        p(&bundle),
        "--to",
        p(&target),
        "--user",
        OPS,
        "--json",
    ])
    .expect_code(1);
    // ... but the plan remembers the limit it was made with.
    run(&["run", "--plan", p(&plan), "--yes", "--json"]).expect_code(0);
    assert!(target
        .join("design-studio/landing-page-templates/Wide Template.json")
        .is_file());
}

/// The headers of a mail message, unfolded: name → value.
fn headers(message: &str) -> Vec<(String, String)> {
    let head = message
        .split_once("\r\n\r\n")
        .map(|(h, _)| h)
        .expect("headers and body");
    let mut out: Vec<(String, String)> = Vec::new();
    for line in head.split("\r\n") {
        if line.starts_with([' ', '\t']) {
            if let Some(last) = out.last_mut() {
                last.1.push_str(line);
            }
        } else if let Some((name, value)) = line.split_once(':') {
            out.push((name.to_string(), value.trim().to_string()));
        }
    }
    out
}

/// The mail has Date and Message-ID, and a subject that is not ASCII is
/// encoded (RFC 2047); headers stay ASCII.
#[test]
fn notify_dates_and_identifies_the_mail_and_encodes_the_subject() {
    let mail = TempDir::new().expect("temp dir");
    let (script, _args, message_file) = fake_sendmail(mail.path(), 0);
    let (_guard, target) = copy_fixture("production");
    let bundle = mail.path().join("bundle");
    write_json(
        &bundle,
        "program.json",
        &json!({"format": 1, "exported_from": "Acme Sandbox",
                "program": {"name": "Café Münster Webinar", "folder": "Operational"}}),
    );
    let out = run_with(
        &[
            "run",
            "--from",
            p(&bundle),
            "--to",
            p(&target),
            "--user",
            OPS,
            "--yes",
            "--json",
            "--notify",
            "Ops Lead <ops-lead@acme.example>",
        ],
        &[("MKIMPORT_SENDMAIL", p(&script))],
    );
    out.expect_code(0);
    let message = fs::read_to_string(&message_file).expect("the message");
    let headers = headers(&message);
    let get = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("no {name} header:\n{message}"))
    };
    assert!(
        get("Date").contains(" +0000") || get("Date").contains("GMT"),
        "{}",
        get("Date")
    );
    assert!(get("Message-ID").starts_with('<') && get("Message-ID").contains('@'));
    let subject = get("Subject");
    assert!(subject.contains("=?utf-8?"), "RFC 2047: {subject}");
    assert!(get("To").contains("ops-lead@acme.example"));
    let head = message.split("\r\n\r\n").next().unwrap();
    assert!(head.is_ascii(), "headers are ASCII:\n{head}");
    assert!(
        message.contains("Café Münster Webinar"),
        "the body is UTF-8"
    );
}

/// `--notify` with something that is not an address is a usage error,
/// before anything is written.
#[test]
fn notify_refuses_what_is_not_an_address() {
    let (_guard, target) = copy_fixture("production");
    let before = snapshot(&target);
    let out = run(&[
        "run",
        "--from",
        &sandbox(),
        "--to",
        p(&target),
        "--user",
        OPS,
        "--program",
        WEBINAR,
        "--yes",
        "--notify",
        "not-an-address",
    ]);
    out.expect_code(2);
    assert!(out.stderr.contains("not-an-address"), "{}", out.stderr);
    assert_same_tree(&before, &snapshot(&target), "a refused --notify");
}

/// A run that changed nothing mails nothing.
#[test]
fn notify_sends_nothing_when_nothing_was_imported() {
    let mail = TempDir::new().expect("temp dir");
    let (script, _args, message_file) = fake_sendmail(mail.path(), 0);
    let (_guard, target) = copy_fixture("production");
    let first = notify_run(&target, &["--program", WEBINAR], p(&script));
    first.expect_code(0);
    let again = notify_run(
        &target,
        &["--program", WEBINAR, "--notify", "ops-lead@acme.example"],
        p(&script),
    );
    again.expect_code(0);
    assert_eq!(statuses(again.json())[WEBINAR], "unchanged");
    assert!(
        !message_file.exists(),
        "no mail for a run that changed nothing"
    );
    assert!(again.stderr.contains("no mail"), "{}", again.stderr);
}

/// MKIMPORT_SENDMAIL is split as a shell would: a quoted path with spaces
/// stays one word, and its own arguments come before `-t`.
#[test]
fn notify_command_with_a_quoted_path_and_arguments() {
    let mail = TempDir::new().expect("temp dir");
    let dir = mail.path().join("mail tools");
    fs::create_dir_all(&dir).unwrap();
    let (script, args_file, message_file) = fake_sendmail(&dir, 0);
    let (_guard, target) = copy_fixture("production");
    let command = format!("'{}' -i -f 'ops@acme.example'", p(&script));
    let out = notify_run(
        &target,
        &["--program", WEBINAR, "--notify", "ops-lead@acme.example"],
        &command,
    );
    out.expect_code(0);
    assert!(message_file.exists(), "{}", out.stderr);
    let args = fs::read_to_string(&args_file).unwrap();
    assert_eq!(
        args.lines().collect::<Vec<_>>(),
        ["-i", "-f", "ops@acme.example", "-t"]
    );
}
