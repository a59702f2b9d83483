//! Ctrl-C (SIGINT) during the commands that talk to a live instance
//! (issue 21): the first stops cleanly and says so (exit 130), a second
//! ends at once and the next command finishes what was left.

mod marketo_support;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use marketo_support::*;

const SANDBOX: &str = "fixtures/sandbox";

fn interrupt(child: &Child) {
    // SAFETY: a plain kill(2) of our own child.
    unsafe {
        libc::kill(child.id() as libc::pid_t, libc::SIGINT);
    }
}

/// Wait until `ready` holds (or the child ends), at most 60 s.
fn wait_for(child: &mut Child, mut ready: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ready() && start.elapsed() < Duration::from_secs(60) {
        if child.try_wait().unwrap().is_some() {
            return;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn spawn(sim: &Sim, state: &Path, args: &[&str]) -> Child {
    spawn_with(state, args, &knob(&sim.config()))
}

fn spawn_with(state: &Path, args: &[&str], limits: &str) -> Child {
    Command::new(assert_cmd::cargo::cargo_bin("mkimport"))
        .args(args)
        .current_dir(root())
        .env("MARKETO_CLIENT_ID", CLIENT_ID)
        .env("MARKETO_CLIENT_SECRET", CLIENT_SECRET)
        .env("MKIMPORT_MARKETO_LIMITS", limits)
        .env("XDG_STATE_HOME", state)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn journal_left(state: &Path) -> bool {
    walkdir::WalkDir::new(state)
        .into_iter()
        .filter_map(Result::ok)
        .any(|e| e.file_name() == "journal.ndjson")
}

#[test]
fn a_first_ctrl_c_lets_the_programs_in_flight_land_and_starts_no_other() {
    let tmp = tempfile::tempdir().unwrap();
    let sim = fixture_sim("production", "412-PRD-001");
    sim.configure(|c| c.latency = Duration::from_millis(15));
    let state = tmp.path().join("state");
    let target = live_target(&sim);
    // One program at a time: when the first is being written, the others
    // have not started.
    let mut child = spawn_with(
        &state,
        &[
            "run",
            "--from",
            SANDBOX,
            "--to",
            &target,
            "--yes",
            "--json",
            "--skip-blocked",
        ],
        &format!("{},concurrency=1", knob(&sim.config())),
    );
    wait_for(&mut child, || writes(&sim).len() >= 5);
    interrupt(&child);
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(
        stderr.contains("Stopping: no new program starts"),
        "{stderr}"
    );
    assert!(stderr.contains("Stopped:"), "{stderr}");
    // The run ended cleanly: no journal left, a receipt of what landed.
    assert!(!journal_left(&state), "the run finished its journal");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let landed = report["summary"]["ok"].as_u64().unwrap();
    assert_eq!(
        landed, 1,
        "the program in flight landed: {}",
        report["summary"]
    );
    let stopped: Vec<&Value> = report["programs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["status"] == "skipped")
        .collect();
    assert_eq!(stopped.len(), 2, "the others did not start");
    for p in stopped {
        assert!(
            p["problems"]
                .as_array()
                .unwrap()
                .iter()
                .any(|q| q["code"] == "run-stopped"
                    && q["message"].as_str().unwrap().contains("Ctrl-C")),
            "{p}"
        );
    }
    // Each program is whole in the instance or absent.
    let clean = fixture_sim("production", "412-PRD-001");
    let clean_state = tmp.path().join("clean");
    live(
        &clean,
        &clean_state,
        &[
            "run",
            "--from",
            SANDBOX,
            "--to",
            &live_target(&clean),
            "--yes",
            "--json",
            "--skip-blocked",
        ],
    )
    .expect(4);
    let whole = dump(&clean);
    let base = dump(&fixture_sim("production", "412-PRD-001"));
    let now = dump(&sim);
    let mut imported = 0;
    for (path, program) in now["programs"].as_object().unwrap() {
        if base["programs"].get(path).is_some() {
            continue;
        }
        // A program the run wrote is whole.
        assert_eq!(whole["programs"].get(path), Some(program), "{path}");
        imported += 1;
    }
    assert_eq!(imported, landed, "the programs that landed are whole");
    // The next run imports the rest.
    sim.configure(|c| c.latency = Duration::ZERO);
    live(
        &sim,
        &state,
        &[
            "run",
            "--from",
            SANDBOX,
            "--to",
            &target,
            "--yes",
            "--json",
            "--skip-blocked",
        ],
    )
    .expect(4);
    assert_eq!(dump(&sim), whole);
}

#[test]
fn a_second_ctrl_c_ends_at_once_and_the_next_run_takes_back_what_it_left() {
    let tmp = tempfile::tempdir().unwrap();
    let sim = fixture_sim("production", "412-PRD-001");
    sim.configure(|c| c.latency = Duration::from_millis(15));
    let state = tmp.path().join("state");
    let target = live_target(&sim);
    let args = [
        "run",
        "--from",
        SANDBOX,
        "--to",
        &target,
        "--yes",
        "--json",
        "--skip-blocked",
    ];
    let mut child = spawn(&sim, &state, &args);
    wait_for(&mut child, || writes(&sim).len() >= 5);
    interrupt(&child);
    std::thread::sleep(Duration::from_millis(30));
    interrupt(&child);
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("Stopped at once"), "{stderr}");
    assert!(journal_left(&state), "the journal says what to take back");
    sim.configure(|c| c.latency = Duration::ZERO);
    let again = live(&sim, &state, &args);
    assert!(
        again.stderr.contains("finished an interrupted run"),
        "{}",
        again.stderr
    );
    // The same instance as a clean run leaves.
    let clean = fixture_sim("production", "412-PRD-001");
    live(
        &clean,
        &tmp.path().join("clean"),
        &[
            "run",
            "--from",
            SANDBOX,
            "--to",
            &live_target(&clean),
            "--yes",
            "--json",
            "--skip-blocked",
        ],
    )
    .expect(4);
    assert_eq!(dump(&sim), dump(&clean));
}

#[test]
fn ctrl_c_during_a_pull_leaves_dir_as_it_was() {
    let tmp = tempfile::tempdir().unwrap();
    let sim = fixture_sim("sandbox", "412-ACM-981");
    let out_dir = tmp.path().join("snap");
    // An earlier pull.
    pull(&sim, &out_dir, &["--json"]).expect(0);
    let before = tree(&out_dir);
    // The instance changed; the next pull is slow and stopped half-way.
    sim.with_instance(|i| {
        let id = *i.email_templates.keys().next().unwrap();
        i.email_templates
            .get_mut(&id)
            .unwrap()
            .html
            .push_str("<!-- new -->");
        i.touch(id);
    });
    sim.configure(|c| c.latency = Duration::from_millis(30));
    sim.reset_counters();
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("mkimport"))
        .args(["pull", "--instance", &sim.url(), "--out"])
        .arg(&out_dir)
        .arg("--refetch")
        .env("MARKETO_CLIENT_ID", CLIENT_ID)
        .env("MARKETO_CLIENT_SECRET", CLIENT_SECRET)
        .env("MKIMPORT_MARKETO_LIMITS", knob(&sim.config()))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for(&mut child, || sim.stats().calls >= 25);
    interrupt(&child);
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("nothing was changed"), "{stderr}");
    assert_eq!(tree(&out_dir), before, "DIR as it was");
}

#[test]
fn ctrl_c_during_an_undo_stops_between_steps_and_the_next_log_finishes_it() {
    let tmp = tempfile::tempdir().unwrap();
    let sim = fixture_sim("production", "412-PRD-001");
    let state = tmp.path().join("state");
    let target = live_target(&sim);
    let run = live(
        &sim,
        &state,
        &[
            "run",
            "--from",
            SANDBOX,
            "--to",
            &target,
            "--yes",
            "--json",
            "--skip-blocked",
        ],
    );
    run.expect(4);
    let id = run.json()["import_id"].as_str().unwrap().to_string();
    let before = dump(&fixture_sim("production", "412-PRD-001"));
    sim.configure(|c| c.latency = Duration::from_millis(40));
    sim.reset_counters();
    let mut child = spawn(
        &sim,
        &state,
        &["undo", &id, "--to", &target, "--yes", "--json"],
    );
    wait_for(&mut child, || writes(&sim).len() >= 2);
    interrupt(&child);
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(
        stderr.contains("the next `mkimport undo`, `run` or `log`"),
        "{stderr}"
    );
    assert!(journal_left(&state), "the undo's journal stays");
    sim.configure(|c| c.latency = Duration::ZERO);
    // The next command on the instance finishes the undo.
    let log = live(&sim, &state, &["log", "--to", &target, "--json"]);
    log.expect(0);
    assert!(!journal_left(&state));
    let imports = log.json()["imports"].as_array().unwrap().clone();
    assert!(
        imports
            .iter()
            .any(|i| i["import_id"] == id.as_str() && i["undone"] == true),
        "{imports:?}"
    );
    // What the import created is gone (but the files the API cannot delete).
    let after = dump(&sim);
    assert_eq!(after["programs"], before["programs"]);
    assert_eq!(
        after["landing_page_templates"],
        before["landing_page_templates"]
    );
}

/// `mkimport ARGS` on a pseudo-terminal, as a person runs it: everything
/// the terminal showed.
fn on_a_terminal(sim: &Sim, state: &Path, args: &[&str]) -> String {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mkimport"));
    command
        .args(args)
        .current_dir(root())
        .env("MARKETO_CLIENT_ID", CLIENT_ID)
        .env("MARKETO_CLIENT_SECRET", CLIENT_SECRET)
        .env("MKIMPORT_MARKETO_LIMITS", knob(&sim.config()))
        .env("XDG_STATE_HOME", state)
        .env("TERM", "xterm")
        .env("COLUMNS", "160")
        .env_remove("NO_COLOR");
    let mut session = rexpect::session::spawn_command(command, Some(120_000)).unwrap();
    session.exp_eof().unwrap().replace('\r', "")
}

#[test]
fn a_live_run_shows_programs_calls_and_time_as_it_goes() {
    let tmp = tempfile::tempdir().unwrap();
    let sim = fixture_sim("production", "412-PRD-001");
    // Slow enough for the progress line to be drawn.
    sim.configure(|c| c.latency = Duration::from_millis(40));
    let state = tmp.path().join("state");
    let target = live_target(&sim);
    // A preview: the reading of the instance shows its progress.
    let shown = on_a_terminal(
        &sim,
        &state,
        &["preview", "--from", SANDBOX, "--to", &target],
    );
    assert!(shown.contains("calls"), "{shown:?}");
    assert!(shown.contains("About "), "the estimate: {shown:?}");
    let shown = on_a_terminal(
        &sim,
        &state,
        &[
            "run",
            "--from",
            SANDBOX,
            "--to",
            &target,
            "--yes",
            "--skip-blocked",
        ],
    );
    // Programs as the unit, with the calls of the estimate and the time
    // left at Marketo's limit.
    for said in [
        "/3 programs",
        " of ~",
        " calls, ~",
        " left at Marketo's limit",
    ] {
        assert!(shown.contains(said), "{said:?} in {shown:?}");
    }
    assert!(shown.contains("Imported 3 programs"), "{shown:?}");
}
