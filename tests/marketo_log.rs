//! What a person reads about a live instance besides the plan (issue 21):
//! `log --verbose` and `log --format markdown` show what an import left to
//! do by hand in Marketo (the receipt's `manual` rows, per program), and
//! a mistyped `--folder` names the instance's nearest folders.

mod marketo_support;

use std::path::Path;

use serde_json::Value;

use marketo_support::*;

const WEBINAR: &str = "2026 Q3 Webinar - Scaling Marketing Ops";

fn sandbox() -> String {
    root()
        .join("fixtures/sandbox")
        .to_string_lossy()
        .into_owned()
}

/// `mkimport ARGS` against the simulator, standard output piped and no
/// COLUMNS (one line per entry).
fn piped(sim: &Sim, state: &Path, args: &[&str]) -> Run {
    let mut cmd = live_command(sim, state, args);
    cmd.env_remove("COLUMNS");
    let out = cmd.output().expect("mkimport runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The `manual` rows `log --json` gives for the newest import:
/// (program, kind, name, reason).
fn manual_rows(log: &Value) -> Vec<(String, String, String, String)> {
    let text = |v: &Value| v.as_str().expect("a string").to_string();
    log["imports"][0]["manual"]
        .as_array()
        .expect("the import left something to do by hand")
        .iter()
        .map(|m| {
            (
                text(&m["program"]),
                text(&m["kind"]),
                text(&m["name"]),
                text(&m["reason"]),
            )
        })
        .collect()
}

#[test]
fn log_verbose_and_markdown_list_what_is_left_to_do_by_hand() {
    let sim = fixture_sim("production", "412-PRD-101");
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    let target = live_target(&sim);
    let run = live(
        &sim,
        &state,
        &[
            "run",
            "--from",
            &sandbox(),
            "--to",
            &target,
            "--program",
            WEBINAR,
            "--yes",
            "--json",
        ],
    );
    run.expect(0);
    let id = run.json()["import_id"].as_str().unwrap().to_string();
    let log = live(&sim, &state, &["log", "--to", &target, "--json"]);
    log.expect(0);
    let rows = manual_rows(&log.json());
    assert!(
        rows.iter()
            .any(|(_, kind, _, reason)| kind == "smart-campaign"
                && reason.contains("smart-list trigger \"Fills Out Form\"")),
        "{rows:?}"
    );

    // The plain list counts them and says where to see them.
    let plain = piped(&sim, &state, &["log", "--to", &target]);
    plain.expect(0);
    let line = plain
        .stdout
        .lines()
        .find(|l| l.starts_with(&id))
        .expect("the import's line");
    assert!(
        line.contains(&format!("{} to do by hand", rows.len())),
        "{line}"
    );
    assert!(line.contains("log --verbose"), "{line}");
    assert!(!plain.stdout.contains("Fills Out Form"), "{}", plain.stdout);

    // --verbose: per program, every row, one line each in a pipe.
    let verbose = piped(&sim, &state, &["log", "--to", &target, "--verbose"]);
    verbose.expect(0);
    let text = &verbose.stdout;
    assert!(
        text.contains(&format!("\n{id}  {WEBINAR} ({} to do)\n", rows.len())),
        "{text}"
    );
    for (program, kind, name, reason) in &rows {
        assert_eq!(program, WEBINAR);
        let item = format!("  - {kind} \"{name}\": {reason}");
        assert!(text.lines().any(|l| l == item), "{item}\nnot in\n{text}");
    }
    let items = text.lines().filter(|l| l.starts_with("  - ")).count();
    assert_eq!(items, rows.len(), "{text}");
    // -v is the same.
    let short = piped(&sim, &state, &["log", "--to", &target, "-v"]);
    assert_eq!(short.stdout, verbose.stdout);

    // Markdown: the entries, then a checklist per program.
    let md = piped(
        &sim,
        &state,
        &["log", "--to", &target, "--format", "markdown"],
    );
    md.expect(0);
    let md = &md.stdout;
    assert!(md.contains(&format!("| `{id}` |")), "{md}");
    assert!(md.contains("#### To do by hand in Marketo"), "{md}");
    assert!(
        md.contains(&format!("**{WEBINAR}** (import `{id}`")),
        "{md}"
    );
    let boxes: Vec<&str> = md.lines().filter(|l| l.starts_with("- [ ] ")).collect();
    assert_eq!(boxes.len(), rows.len(), "{md}");
    assert!(
        boxes
            .iter()
            .any(|b| b.contains("smart-list trigger \"Fills Out Form\"")),
        "{md}"
    );

    // Once undone, nothing is left to do; the undo counts Marketo
    // assets, not files.
    let undo = live(
        &sim,
        &state,
        &["undo", &id, "--to", &target, "--yes", "--json"],
    );
    undo.expect(0);
    let undo_id = undo.json()["import_id"].as_str().unwrap().to_string();
    let verbose = piped(&sim, &state, &["log", "--to", &target, "--verbose"]);
    verbose.expect(0);
    let line = verbose
        .stdout
        .lines()
        .find(|l| l.starts_with(&undo_id))
        .expect("the undo's line");
    assert!(line.contains(" assets removed"), "{line}");
    assert!(!line.contains(" files removed"), "{line}");
    assert!(
        verbose.stdout.contains("Nothing is left to do by hand."),
        "{}",
        verbose.stdout
    );
    assert!(
        !verbose.stdout.contains("  - smart-campaign"),
        "{}",
        verbose.stdout
    );
    let md = piped(
        &sim,
        &state,
        &["log", "--to", &target, "--format", "markdown"],
    );
    assert!(!md.stdout.contains("- [ ] "), "{}", md.stdout);
}

#[test]
fn a_mistyped_folder_names_the_instances_nearest_folders() {
    let sim = fixture_sim("production", "412-PRD-102");
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    let target = live_target(&sim);
    let preview = live(
        &sim,
        &state,
        &[
            "preview",
            "--from",
            &sandbox(),
            "--to",
            &target,
            "--folder",
            "Webinar/2026",
            "--json",
        ],
    );
    preview.expect(3);
    let report = preview.json();
    for program in report["programs"].as_array().unwrap() {
        assert_eq!(program["status"], "blocked", "{program}");
        let folder = program["problems"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["code"] == "missing-folder")
            .unwrap_or_else(|| panic!("no missing-folder in {program}"));
        assert!(
            folder["message"]
                .as_str()
                .unwrap()
                .contains("(did you mean \"Webinars/2026\""),
            "{folder}"
        );
    }
    assert!(writes(&sim).is_empty(), "a preview writes nothing");
}

/// A run into an instance that has everything already imports nothing
/// and writes nothing: no call that writes, no receipt, so `log` lists
/// only the import that did something.
#[test]
fn a_run_of_nothing_leaves_no_receipt_in_the_log() {
    let sim = fixture_sim("production", "412-PRD-103");
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    let target = live_target(&sim);
    let args = [
        "run",
        "--from",
        &sandbox(),
        "--to",
        &target,
        "--program",
        WEBINAR,
        "--yes",
        "--json",
    ];
    let first = live(&sim, &state, &args);
    first.expect(0);
    sim.reset_counters();
    let again = live(&sim, &state, &args);
    again.expect(0);
    assert_eq!(again.json()["summary"]["unchanged"], 1);
    assert_eq!(again.json()["import_id"], Value::Null);
    assert!(
        again.stderr.contains("Nothing to import"),
        "{}",
        again.stderr
    );
    assert!(writes(&sim).is_empty());
    let log = live(&sim, &state, &["log", "--to", &target, "--json"]);
    let imports = log.json()["imports"].as_array().unwrap().clone();
    assert_eq!(imports.len(), 1, "{imports:?}");
    assert_eq!(imports[0]["import_id"], first.json()["import_id"]);
}
