//! History and undo (spec section 9): what receipts record, `log`, `undo`
//! and its refusals, and `preview --diff`.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use serde_json::{json, Value};
use tempfile::TempDir;

use crate::support::*;

const APAC: &str = "2026 APAC Growth Summit";
const NEWSLETTER: &str = "2026-07 Monthly Newsletter";

fn import_id(out: &Outcome) -> String {
    out.json()["import_id"]
        .as_str()
        .expect("a landed run has an import id")
        .to_string()
}

fn undo(target: &Path, id: &str) -> Outcome {
    run(&["undo", id, "--to", p(target), "--yes", "--json"])
}

fn log_json(target: &Path) -> Value {
    let out = run(&["log", "--to", p(target), "--json"]);
    out.expect_code(0);
    out.json().clone()
}

fn receipt(target: &Path, id: &str) -> Value {
    read_json(
        &target
            .join(STATE)
            .join("imports")
            .join(format!("{id}.json")),
    )
}

/// Every file below `.mkimport/` but the lock, with its bytes.
fn state_files(target: &Path) -> BTreeMap<String, Vec<u8>> {
    all_files(&target.join(STATE))
        .into_iter()
        .filter(|f| f != "lock")
        .map(|f| {
            let bytes = fs::read(target.join(STATE).join(&f)).expect("read");
            (f, bytes)
        })
        .collect()
}

fn is_rfc3339_utc(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 20
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b'T',
            13 | 16 => *c == b':',
            19 => *c == b'Z',
            _ => c.is_ascii_digit(),
        })
}

// ---------------------------------------------------------------------
// Receipts

/// A receipt records when, who, which version, and every file written
/// with its SHA-256; what an import replaces is kept as a pre-image; the
/// report on standard output is the receipt.
#[test]
fn receipts_record_time_user_version_and_files() {
    let (_guard, target) = copy_fixture("production");
    let newsletter = target.join("design-studio/email-templates/newsletter.json");
    let old_newsletter = fs::read(&newsletter).expect("read");
    let old_subscription = fs::read(target.join("subscription.json")).expect("read");
    let out = run_sandbox(&target, &["--rule", "email-template=overwrite"]);
    out.expect_code(4);
    let report = out.json();
    let id = import_id(&out);
    assert_eq!(receipt(&target, &id), *report, "stdout is the receipt");

    assert!(
        report["started_at"].as_str().is_some_and(is_rfc3339_utc),
        "started_at: {}",
        report["started_at"]
    );
    assert_eq!(report["user"], OPS);
    assert_eq!(report["mkimport_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(report["sequence"], 1);

    let files: BTreeMap<String, Value> = report["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| (f["path"].as_str().expect("path").to_string(), f.clone()))
        .collect();
    // Every file written is listed, with the SHA-256 of what is on disk.
    for (path, file) in &files {
        let bytes = fs::read(target.join(path)).expect("a listed file exists");
        assert_eq!(
            file["sha256"].as_str(),
            Some(sha256(&bytes).as_str()),
            "{path}"
        );
    }
    let replaced: Vec<&str> = files
        .iter()
        .filter(|(_, f)| f["action"] == "replace")
        .map(|(p, _)| p.as_str())
        .collect();
    assert_eq!(
        replaced,
        vec![
            "design-studio/email-templates/newsletter.json",
            "subscription.json"
        ]
    );
    for name in [APAC, NEWSLETTER, WEBINAR] {
        let (rel, _) = program_named(&target, name);
        assert_eq!(files[&rel]["action"], "create", "{rel}");
    }
    assert!(files
        .values()
        .all(|f| { f["action"] == "create" || f["action"] == "replace" }));
    // The pre-images: the bytes replaced, with their digests.
    let before = target.join(STATE).join("imports").join(&id).join("before");
    assert_eq!(
        fs::read(before.join("design-studio/email-templates/newsletter.json")).expect("read"),
        old_newsletter
    );
    assert_eq!(
        fs::read(before.join("subscription.json")).expect("read"),
        old_subscription
    );
    assert_eq!(
        files["subscription.json"]["before_sha256"].as_str(),
        Some(sha256(&old_subscription).as_str())
    );
    // Each program's directory is one the import created.
    let dirs = report["created_dirs"].as_array().expect("created_dirs");
    assert_eq!(dirs.len(), 3, "{dirs:?}");
    assert!(report["target_state"]["before"].is_string());
}

fn sha256(bytes: &[u8]) -> String {
    mkimport::digest::sha256_hex(bytes)
}

// ---------------------------------------------------------------------
// Undo restores the target, byte for byte

/// Undo after each rule: creations (programs, templates, images), a
/// renamed asset and a renamed program, overwrites of every kind, and tags
/// added to `subscription.json`. The target comes back byte for byte,
/// with its file modes; the undo's report is its receipt, and its
/// `target_state.after` is the import's `before`.
#[test]
fn undo_after_each_rule_restores_the_target_byte_for_byte() {
    let cases: [(&str, &[&str]); 3] = [
        // Creations, "Standard Template 1" (rename), tag "Region: APAC"
        // added to subscription.json.
        ("defaults", &[]),
        // "2025 Customer Roundtable 1".
        ("program rename", &["--rule", "program=rename"]),
        (
            "overwrites",
            &[
                "--rule",
                "email-template=overwrite",
                "--rule",
                "landing-page-template=overwrite",
                "--rule",
                "image=overwrite",
                "--rule",
                "form=overwrite",
            ],
        ),
    ];
    for (what, flags) in cases {
        let (_guard, target) = copy_fixture("production");
        // Files kept private must come back private.
        for (rel, mode) in [
            ("subscription.json", 0o600),
            ("design-studio/email-templates/newsletter.json", 0o640),
            ("design-studio/images/hero-webinar.png", 0o604),
        ] {
            fs::set_permissions(target.join(rel), fs::Permissions::from_mode(mode)).expect("chmod");
        }
        let before = snapshot(&target);
        let out = run_sandbox(&target, flags);
        out.expect_code(4);
        let imported = out.json();
        let id = import_id(&out);
        assert_ne!(
            snapshot(&target),
            before,
            "{what}: the import changed nothing"
        );
        let actions: Vec<&str> = imported["files"]
            .as_array()
            .expect("files")
            .iter()
            .filter_map(|f| f["action"].as_str())
            .collect();
        assert!(actions.contains(&"replace"), "{what}: {actions:?}");

        let out = undo(&target, &id[..8]);
        out.expect_code(0);
        assert_same_tree(&before, &snapshot(&target), what);
        let report = out.json();
        assert_eq!(report["mode"], "undo", "{what}");
        assert_eq!(report["status"], "undone", "{what}");
        assert_eq!(report["undoes"], id.as_str(), "{what}");
        let undo_id = report["import_id"].as_str().expect("undo id");
        assert_eq!(
            receipt(&target, undo_id),
            *report,
            "{what}: stdout is the receipt"
        );
        assert_eq!(
            report["target_state"]["after"], imported["target_state"]["before"],
            "{what}"
        );
        assert_eq!(
            report["summary"]["programs"], imported["summary"]["ok"],
            "{what}"
        );
        // The import's receipt and pre-images stay, for the record.
        assert!(receipt(&target, &id)["files"].is_array());
        assert!(target.join(STATE).join("imports").join(&id).is_dir());
        assert!(!target.join(STATE).join("staging").exists());
        assert!(!target.join(STATE).join("journal.json").exists());
    }
}

/// An import into a target without design-studio directories creates
/// them; its undo removes them again.
#[test]
fn undo_removes_the_directories_the_import_created() {
    let src = TempDir::new().expect("temp dir");
    generate_bundles(src.path(), 2);
    let dir = TempDir::new().expect("temp dir");
    let target = dir.path().join("target");
    minimal_target(&target);
    let before = snapshot(&target);
    let out = run(&[
        "run",
        "--from",
        p(src.path()),
        "--to",
        p(&target),
        "--yes",
        "--json",
    ]);
    out.expect_code(0);
    let id = import_id(&out);
    let dirs = out.json()["created_dirs"].clone();
    assert!(
        dirs.as_array()
            .is_some_and(|d| d.contains(&json!("design-studio"))
                && d.contains(&json!("design-studio/images"))),
        "{dirs}"
    );
    undo(&target, &id).expect_code(0);
    assert_same_tree(&before, &snapshot(&target), "after the undo");
    assert!(!target.join("design-studio").exists());
}

// ---------------------------------------------------------------------
// Refusals

/// A file the import wrote that changed, one that is gone, and a file
/// added to a program's directory: the undo is refused (exit 3,
/// `stale-undo`), every cause listed, nothing written.
#[test]
fn undo_refuses_when_what_the_import_wrote_changed() {
    let (_guard, target) = copy_fixture("production");
    let out = run_sandbox(&target, &[]);
    out.expect_code(4);
    let id = import_id(&out);
    let (apac, _) = program_named(&target, APAC);
    let apac_dir = apac.trim_end_matches("/program.json").to_string();
    let changed = "design-studio/landing-page-templates/Standard Template 1.json";
    let gone = "design-studio/images/apac-summit-banner.png";
    fs::write(
        target.join(changed),
        b"{\"name\": \"Standard Template 1\"}\n",
    )
    .expect("write");
    fs::remove_file(target.join(gone)).expect("remove");
    write_file(&target, &format!("{apac_dir}/notes.txt"), "mine");
    let tree = snapshot(&target);
    let kept = state_files(&target);

    let out = undo(&target, &id);
    out.expect_code(3);
    let report = out.json();
    assert_eq!(report["status"], "refused");
    assert!(report["import_id"].is_null());
    let messages: Vec<String> = report["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .map(|p| {
            assert_eq!(p["code"], "stale-undo");
            assert_eq!(p["severity"], "error");
            p["message"].as_str().expect("message").to_string()
        })
        .collect();
    for needle in [changed, gone, &format!("{apac_dir}/notes.txt")] {
        assert!(
            messages.iter().any(|m| m.contains(needle)),
            "no problem names {needle}: {messages:?}"
        );
        assert!(out.stderr.contains(needle), "stderr: {}", out.stderr);
    }
    assert!(out.stderr.contains("stale-undo"), "{}", out.stderr);
    assert_same_tree(&tree, &snapshot(&target), "a refused undo");
    assert_eq!(kept, state_files(&target), "a refused undo wrote state");

    // Without --json: the same exit, the same causes on stderr.
    let out = run(&["undo", &id, "--to", p(&target), "--yes"]);
    out.expect_code(3);
    assert!(out.stderr.contains(gone), "{}", out.stderr);
}

/// A later import (not undone) that reused a template this import
/// created holds it: undoing the earlier one is refused naming the later
/// one. Undoing the later one first, then the earlier one, brings the
/// target back.
#[test]
fn undo_refuses_while_a_later_import_reuses_what_it_created() {
    let src = TempDir::new().expect("temp dir");
    generate_bundles(src.path(), 2);
    let dir = TempDir::new().expect("temp dir");
    let target = dir.path().join("target");
    minimal_target(&target);
    let before = snapshot(&target);
    let one = |n: usize| {
        let out = run(&[
            "run",
            "--from",
            p(src.path()),
            "--to",
            p(&target),
            "--program",
            &generated_name(n),
            "--yes",
            "--json",
        ]);
        out.expect_code(0);
        out
    };
    let first = one(0);
    let first_id = import_id(&first);
    let second = one(1);
    let second_id = import_id(&second);
    let reused = second.json()["programs"][0]["assets"]
        .as_array()
        .expect("assets")
        .iter()
        .any(|a| a["name"] == SHARED_TEMPLATE && a["action"] == "reuse");
    assert!(reused, "the second import reuses the shared template");
    let kept = state_files(&target);

    let out = undo(&target, &first_id);
    out.expect_code(3);
    let problems = out.json()["problems"].clone();
    let text = problems.to_string();
    assert!(text.contains(&second_id), "{text}");
    assert!(text.contains(SHARED_TEMPLATE), "{text}");
    assert!(out.stderr.contains(&second_id), "{}", out.stderr);
    assert_eq!(kept, state_files(&target));

    undo(&target, &second_id).expect_code(0);
    // The later import is undone: it no longer holds the template.
    undo(&target, &first_id).expect_code(0);
    assert_same_tree(&before, &snapshot(&target), "both undone, newest first");
}

/// Without a terminal and without --yes, undo refuses (exit 2) and changes
/// nothing.
#[test]
fn undo_without_yes_and_without_terminal_refuses() {
    let (_guard, target) = copy_fixture("production");
    let out = run_sandbox(&target, &[]);
    out.expect_code(4);
    let id = import_id(&out);
    let tree = snapshot(&target);
    let kept = state_files(&target);
    for json in [false, true] {
        let mut args = vec!["undo", id.as_str(), "--to", p(&target)];
        if json {
            args.push("--json");
        }
        let out = run(&args);
        out.expect_code(2);
        assert!(out.stderr.contains("--yes"), "{}", out.stderr);
        assert!(out.stdout.is_empty(), "{}", out.stdout);
    }
    assert_same_tree(&tree, &snapshot(&target), "undo without --yes");
    assert_eq!(kept, state_files(&target));
}

// ---------------------------------------------------------------------
// Ids

/// An id prefix of 8 characters or more names an import; a shorter one,
/// an unknown one and an ambiguous one are usage errors (exit 2) that
/// say why and name the ids there are.
#[test]
fn import_ids_and_their_prefixes() {
    let (_guard, target) = copy_fixture("production");
    // Nothing imported yet: undo says so, and leaves no .mkimport behind.
    let out = run(&["undo", "0123456789", "--to", p(&target), "--yes"]);
    out.expect_code(2);
    assert!(out.stderr.contains("no imports yet"), "{}", out.stderr);
    assert!(!target.join(STATE).exists());

    let out = run_sandbox(&target, &[]);
    out.expect_code(4);
    let id = import_id(&out);
    assert_eq!(id.len(), 20);
    let tree = snapshot(&target);

    let out = undo(&target, &id[..7]);
    out.expect_code(2);
    assert!(
        out.stderr.contains("at least its first 8"),
        "{}",
        out.stderr
    );

    // Unknown: the nearest ids are named.
    let unknown: String = id
        .chars()
        .take(8)
        .map(|c| if c == 'f' { 'e' } else { 'f' })
        .collect();
    let out = undo(&target, &unknown);
    out.expect_code(2);
    assert!(out.stderr.contains(&unknown), "{}", out.stderr);
    assert!(out.stderr.contains(&id), "the nearest id: {}", out.stderr);

    // Ambiguous: another receipt whose id starts with the same ten
    // characters.
    let twin = format!("{}{}", &id[..10], "0".repeat(10));
    write_json(
        &target,
        &format!("{STATE}/imports/{twin}.json"),
        &json!({"import_id": twin, "mode": "run", "sequence": 0, "programs": [], "files": []}),
    );
    let out = undo(&target, &id[..10]);
    out.expect_code(2);
    assert!(
        out.stderr.contains(&id) && out.stderr.contains(&twin),
        "{}",
        out.stderr
    );
    assert_same_tree(&tree, &snapshot(&target), "no undo happened");

    // Upper case and the whole id work too.
    let out = undo(&target, &id[..12].to_uppercase());
    out.expect_code(0);
}

// ---------------------------------------------------------------------
// Undo twice, import again

/// Undoing an undone import changes nothing (exit 0); importing the same
/// content again lands under the same id, which is current again and can
/// be undone again.
#[test]
fn undo_twice_then_import_again_and_undo_again() {
    let (_guard, target) = copy_fixture("production");
    let before = snapshot(&target);
    let out = run_sandbox(&target, &[]);
    out.expect_code(4);
    let id = import_id(&out);
    let after_import = snapshot(&target);

    let first_undo = undo(&target, &id);
    first_undo.expect_code(0);
    let undo_id = first_undo.json()["import_id"]
        .as_str()
        .expect("undo id")
        .to_string();
    assert_same_tree(&before, &snapshot(&target), "undone");
    let kept = state_files(&target);

    let again = undo(&target, &id);
    again.expect_code(0);
    let report = again.json();
    assert_eq!(report["status"], "already-undone");
    assert_eq!(report["undone_by"], undo_id.as_str());
    assert!(report["import_id"].is_null());
    assert_eq!(kept, state_files(&target), "a second undo wrote something");
    let human = run(&["undo", &id, "--to", p(&target), "--yes"]);
    human.expect_code(0);
    assert!(human.stdout.contains("already undone"), "{}", human.stdout);

    // The same import again: the same id, and it is current.
    let out = run_sandbox(&target, &[]);
    out.expect_code(4);
    assert_eq!(import_id(&out), id);
    assert_same_tree(&after_import, &snapshot(&target), "imported again");
    let log = log_json(&target);
    let entry = &log["imports"][0];
    assert_eq!(entry["import_id"], id.as_str());
    assert_eq!(entry["undone"], false);

    // And it can be undone again (the same state: the same undo id).
    let out = undo(&target, &id);
    out.expect_code(0);
    assert_eq!(out.json()["status"], "undone");
    assert_eq!(out.json()["import_id"], undo_id.as_str());
    assert_same_tree(&before, &snapshot(&target), "undone again");
    let log = log_json(&target);
    let ids: Vec<&str> = log["imports"]
        .as_array()
        .expect("imports")
        .iter()
        .map(|e| e["import_id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids, vec![undo_id.as_str(), id.as_str()]);
    assert_eq!(log["imports"][1]["undone"], true);
}

// ---------------------------------------------------------------------
// log

/// `log` lists imports and undos newest first, with their time, user,
/// source, programs and counts; undone imports are marked.
#[test]
fn log_lists_imports_newest_first() {
    let (_guard, target) = copy_fixture("production");
    // No imports yet: said clearly, an empty list in JSON, nothing
    // written.
    let out = run(&["log", "--to", p(&target)]);
    out.expect_code(0);
    assert!(out.stdout.contains("No imports yet"), "{}", out.stdout);
    assert_eq!(log_json(&target), json!({"imports": []}));
    assert!(!target.join(STATE).exists());

    let one = |name: &str, user: &str| {
        let out = run_with(
            &[
                "run",
                "--from",
                &sandbox(),
                "--to",
                p(&target),
                "--program",
                name,
                "--yes",
                "--json",
            ],
            &[("MKIMPORT_USER", user)],
        );
        out.expect_code(0);
        import_id(&out)
    };
    let first = one(APAC, OPS);
    let second = one(NEWSLETTER, OPS);
    let out = run_with(
        &["undo", &first, "--to", p(&target), "--yes", "--json"],
        &[("MKIMPORT_USER", "auditor@acme.example")],
    );
    out.expect_code(0);
    let undo_id = out.json()["import_id"].as_str().expect("id").to_string();

    let log = log_json(&target);
    let imports = log["imports"].as_array().expect("imports");
    let ids: Vec<&str> = imports
        .iter()
        .map(|e| e["import_id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids, vec![undo_id.as_str(), second.as_str(), first.as_str()]);
    for entry in imports {
        for key in [
            "import_id",
            "mode",
            "started_at",
            "user",
            "source",
            "programs",
            "summary",
            "undone",
        ] {
            assert!(entry.get(key).is_some(), "no {key} in {entry}");
        }
        assert!(
            entry["started_at"].as_str().is_some_and(is_rfc3339_utc),
            "{entry}"
        );
        assert_eq!(entry["source"], sandbox().as_str());
    }
    let (undo_entry, second_entry, first_entry) = (&imports[0], &imports[1], &imports[2]);
    assert_eq!(undo_entry["mode"], "undo");
    assert_eq!(undo_entry["undoes"], first.as_str());
    assert_eq!(undo_entry["user"], "auditor@acme.example");
    assert_eq!(undo_entry["undone"], false);
    assert_eq!(undo_entry["programs"], json!([APAC]));
    assert_eq!(second_entry["mode"], "run");
    assert_eq!(second_entry["user"], OPS);
    assert_eq!(second_entry["programs"], json!([NEWSLETTER]));
    assert_eq!(second_entry["summary"]["ok"], 1);
    assert_eq!(second_entry["undone"], false);
    assert_eq!(first_entry["programs"], json!([APAC]));
    assert_eq!(first_entry["undone"], true);
    assert_eq!(first_entry["undone_by"], undo_id.as_str());

    // The table fits the terminal.
    for columns in ["80", "100"] {
        let narrow = run_with(&["log", "--to", p(&target)], &[("COLUMNS", columns)]);
        narrow.expect_code(0);
        assert!(
            widest(&narrow.stdout) <= columns.parse().unwrap(),
            "COLUMNS={columns}:\n{}",
            narrow.stdout
        );
    }

    // The table: the same order, the undone import marked.
    let out = run_with(&["log", "--to", p(&target)], &[("COLUMNS", "300")]);
    out.expect_code(0);
    // Where the row of an id starts (an undo's row names its import too).
    let at = |id: &str| {
        out.stdout
            .find(&format!("│ {id}"))
            .unwrap_or_else(|| panic!("no row {id} in {}", out.stdout))
    };
    assert!(
        at(&undo_id) < at(&second) && at(&second) < at(&first),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains(&format!("UNDONE by {undo_id}")),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains(APAC) && out.stdout.contains(NEWSLETTER));
}

// ---------------------------------------------------------------------
// Damage

/// A damaged receipt stops `log` and `undo` (exit 1, naming it); a
/// damaged or missing pre-image stops `undo` (exit 1, naming it). Nothing
/// is written.
#[test]
fn damaged_receipts_and_pre_images_are_errors() {
    let (_guard, target) = copy_fixture("production");
    let out = run_sandbox(&target, &["--rule", "email-template=overwrite"]);
    out.expect_code(4);
    let id = import_id(&out);
    let tree = snapshot(&target);
    let pre_image =
        format!("{STATE}/imports/{id}/before/design-studio/email-templates/newsletter.json");
    let good = fs::read(target.join(&pre_image)).expect("pre-image");

    fs::write(target.join(&pre_image), b"{\"name\": \"Newsletter\"}\n").expect("write");
    let kept = state_files(&target);
    let out = undo(&target, &id);
    out.expect_code(1);
    assert!(out.stderr.contains(&pre_image), "{}", out.stderr);
    assert_same_tree(&tree, &snapshot(&target), "a damaged pre-image");
    assert_eq!(kept, state_files(&target));

    fs::remove_file(target.join(&pre_image)).expect("remove");
    let out = undo(&target, &id);
    out.expect_code(1);
    assert!(
        out.stderr.contains(&pre_image) && out.stderr.contains("missing"),
        "{}",
        out.stderr
    );
    assert_same_tree(&tree, &snapshot(&target), "a missing pre-image");
    fs::write(target.join(&pre_image), &good).expect("restore");

    let receipt_rel = format!("{STATE}/imports/{id}.json");
    let text = fs::read_to_string(target.join(&receipt_rel)).expect("receipt");
    fs::write(target.join(&receipt_rel), &text[..text.len() / 2]).expect("truncate");
    let kept = state_files(&target);
    for args in [
        vec!["log", "--to", p(&target)],
        vec!["undo", &id, "--to", p(&target), "--yes"],
    ] {
        let out = run(&args);
        out.expect_code(1);
        assert!(
            out.stderr.contains(&receipt_rel),
            "{args:?}: {}",
            out.stderr
        );
        assert!(out.stderr.contains("damaged"), "{args:?}: {}", out.stderr);
    }
    assert_same_tree(&tree, &snapshot(&target), "a damaged receipt");
    assert_eq!(kept, state_files(&target));

    // A damaged receipt does not stop an import.
    let out = run(&[
        "run",
        "--from",
        &sandbox(),
        "--to",
        p(&target),
        "--user",
        OPS,
        "--program",
        ROUNDTABLE,
        "--rule",
        "program=rename",
        "--yes",
        "--json",
    ]);
    out.expect_code(0);

    // Repaired, the history reads again.
    fs::write(target.join(&receipt_rel), &text).expect("repair");
    assert_eq!(
        log_json(&target)["imports"].as_array().map(Vec::len),
        Some(2)
    );
}

// ---------------------------------------------------------------------
// preview --diff

/// `preview --diff` shows a unified diff for every overwrite: the
/// target's template against the incoming one, line by line; an image is
/// said to be binary. No colour when standard output is not a terminal.
#[test]
fn preview_diff_shows_what_an_overwrite_changes() {
    let (_guard, target) = copy_fixture("production");
    let tree = snapshot(&target);
    let out = run(&[
        "preview",
        "--from",
        &sandbox(),
        "--to",
        p(&target),
        "--user",
        OPS,
        "--rule",
        "email-template=overwrite",
        "--rule",
        "image=overwrite",
        "--diff",
    ]);
    out.expect_code(3); // three programs are blocked, as always
    let text = &out.stdout;
    let path = "design-studio/email-templates/newsletter.json";
    let title = format!("{NEWSLETTER}: email template \"Newsletter\" is overwritten ({path})");
    let old_header = format!("--- {path} (target)");
    let new_header = format!("+++ {path} (incoming)");
    for needle in [
        title.as_str(),
        old_header.as_str(),
        new_header.as_str(),
        "-    <style>.masthead{background:#14213d;",
        "+    <style>.masthead{background:#0b5fff;",
        "-          <tr><td class=\"masthead\" style=\"padding:24px 32px;\"><h1 style=\"margin:0;\">The Acme Monthly</h1></td></tr>",
        "design-studio/images/hero-webinar.png: binary image, no text diff",
    ] {
        assert!(text.contains(needle), "no {needle:?} in:\n{text}");
    }
    assert!(text.contains("\n@@ -"), "no hunk header:\n{text}");
    assert!(!text.contains('\x1b'), "colour without a terminal");
    assert_same_tree(&tree, &snapshot(&target), "preview --diff");

    // No overwrite: said so.
    let out = run(&[
        "preview",
        "--from",
        &sandbox(),
        "--to",
        p(&target),
        "--user",
        OPS,
        "--diff",
    ]);
    assert!(
        out.stdout.contains("No asset is overwritten."),
        "{}",
        out.stdout
    );

    // Not with machine output.
    let out = run(&[
        "preview",
        "--from",
        &sandbox(),
        "--to",
        p(&target),
        "--diff",
        "--json",
    ]);
    out.expect_code(2);
    assert!(out.stdout.is_empty());
}

/// A receipt that names a file of the tool's own state (edited by hand)
/// is damaged: undo refuses it (exit 1) and removes nothing.
#[test]
fn a_receipt_naming_the_state_directory_is_damaged() {
    let (_guard, target) = copy_fixture("production");
    let out = run_sandbox(&target, &[]);
    out.expect_code(4);
    let id = import_id(&out);
    let rel = format!("{STATE}/imports/{id}.json");
    let mut receipt = read_json(&target.join(&rel));
    let lock = fs::read(target.join(STATE).join("lock")).expect("lock");
    receipt["files"]
        .as_array_mut()
        .expect("files")
        .push(json!({"action": "create", "path": ".mkimport/lock", "sha256": sha256(&lock)}));
    write_json(&target, &rel, &receipt);
    let tree = snapshot(&target);
    let kept = state_files(&target);
    let out = undo(&target, &id);
    out.expect_code(1);
    assert!(
        out.stderr.contains(&rel) && out.stderr.contains(".mkimport/lock"),
        "{}",
        out.stderr
    );
    assert_same_tree(&tree, &snapshot(&target), "a damaged receipt");
    assert_eq!(kept, state_files(&target));
    assert!(target.join(STATE).join("lock").is_file());
}

/// A link the import replaced (a target's image that was a link to a file
/// outside) is kept as a link and put back as a link; the file it points
/// to is never written.
#[test]
fn a_replaced_link_comes_back_as_a_link() {
    let (guard, target) = copy_fixture("production");
    let outside = guard.path().join("outside.txt");
    fs::write(&outside, "secret").expect("write");
    let image = target.join("design-studio/images/hero-webinar.png");
    fs::remove_file(&image).expect("remove");
    std::os::unix::fs::symlink(&outside, &image).expect("link");
    let out = run_sandbox(&target, &["--program", WEBINAR]);
    out.expect_code(0);
    assert!(fs::symlink_metadata(&image).expect("meta").is_file());
    undo(&target, &import_id(&out)).expect_code(0);
    assert_eq!(fs::read_link(&image).expect("a link again"), outside);
    assert_eq!(fs::read_to_string(&outside).expect("read"), "secret");
}
