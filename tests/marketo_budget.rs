//! Migrations at the API's pace (spec 13), against the simulator: the
//! call estimate a preview and a run report, and `run --max-calls`.

mod marketo_support;

use std::path::{Path, PathBuf};

use serde_json::Value;

use marketo_support::*;

/// `mkimport generate`: N bundles (folder "Imports") and a small target;
/// the target served by a simulator.
fn generated(tmp: &Path, bundles: usize) -> (Sim, String) {
    let out = tmp.join("gen");
    mkimport(&[
        "generate",
        "--bundles",
        &bundles.to_string(),
        "--target-assets",
        "10",
        "--out",
        out.to_str().unwrap(),
    ])
    .expect(0);
    let instance = Instance::from_subscription(&out.join("target"), "600-GEN-006").unwrap();
    let source = out.join("source").to_string_lossy().into_owned();
    (start(instance), source)
}

fn statuses(report: &Value) -> Vec<(String, String)> {
    report["programs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_string(),
                p["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn the_estimate_is_never_below_the_calls_a_run_makes() {
    let tmp = tempfile::tempdir().unwrap();
    let (sim, source) = generated(tmp.path(), 8);
    let state = tmp.path().join("state");
    let target = live_target(&sim);
    let preview = live(
        &sim,
        &state,
        &["preview", "--from", &source, "--to", &target, "--json"],
    );
    preview.expect(0);
    let planned = preview.json();
    let estimate = planned["summary"]["calls_estimate"].as_u64().unwrap();
    // Each program says what it takes.
    for p in planned["programs"].as_array().unwrap() {
        assert!(p["calls_estimate"].as_u64().unwrap() > 20, "{p}");
    }
    sim.reset_counters();
    let run = live(
        &sim,
        &state,
        &["run", "--from", &source, "--to", &target, "--json", "--yes"],
    );
    run.expect(0);
    let report = run.json();
    let calls = report["summary"]["calls"].as_u64().unwrap();
    let stats = sim.stats();
    assert_eq!(calls, stats.calls + stats.token_calls, "{stats:?}");
    let at_run = report["summary"]["calls_estimate"].as_u64().unwrap();
    for e in [estimate, at_run] {
        assert!(calls <= e, "{calls} calls made, {e} estimated");
        assert!(e * 2 <= calls * 3, "{e} estimated is far above {calls}");
    }
    // The receipt keeps it too.
    let receipts: Vec<PathBuf> = walkdir::WalkDir::new(&state)
        .into_iter()
        .filter_map(Result::ok)
        .map(|e| e.path().to_path_buf())
        .filter(|p| {
            p.extension().is_some_and(|x| x == "json") && p.to_string_lossy().contains("imports")
        })
        .collect();
    assert_eq!(receipts.len(), 1, "{receipts:?}");
    assert_eq!(read_json(&receipts[0])["summary"]["calls_estimate"], at_run);
}

#[test]
fn a_preview_says_the_calls_and_the_time_at_the_limit() {
    let tmp = tempfile::tempdir().unwrap();
    let (sim, source) = generated(tmp.path(), 3);
    sim.configure(|c| c.used_today = 1234);
    let state = tmp.path().join("state");
    let target = live_target(&sim);
    let mut cmd = live_command(
        &sim,
        &state,
        &["preview", "--from", &source, "--to", &target],
    );
    cmd.env("COLUMNS", "200");
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    let json = live(
        &sim,
        &tmp.path().join("state2"),
        &["preview", "--from", &source, "--to", &target, "--json"],
    );
    let summary = &json.json()["summary"];
    let estimate = summary["calls_estimate"].as_u64().unwrap();
    // The instance counted the calls of other integrations, and ours.
    assert!(
        summary["calls_used_today"].as_u64().unwrap() >= 1234,
        "{summary}"
    );
    let line = stdout
        .lines()
        .find(|l| l.starts_with("About "))
        .unwrap_or_else(|| panic!("no estimate line:\n{stdout}"));
    assert!(
        line.contains("API calls") && line.contains("at Marketo's limit"),
        "{line}"
    );
    assert!(line.contains("used today on the instance"), "{line}");
    // Within the few calls two previews' readings differ by.
    let said: u64 = line
        .trim_start_matches("About ")
        .split(' ')
        .next()
        .unwrap()
        .replace(',', "")
        .parse()
        .unwrap();
    assert!(said.abs_diff(estimate) <= 40, "{said} vs {estimate}");
}

#[test]
fn a_call_budget_stops_between_programs_and_the_next_run_goes_on() {
    let tmp = tempfile::tempdir().unwrap();
    let (sim, source) = generated(tmp.path(), 6);
    let state = tmp.path().join("state");
    let target = live_target(&sim);
    let planned = live(
        &sim,
        &tmp.path().join("preview-state"),
        &["preview", "--from", &source, "--to", &target, "--json"],
    );
    let per_program = planned.json()["programs"][0]["calls_estimate"]
        .as_u64()
        .unwrap();
    sim.reset_counters();
    // Room for about two programs and a half, reading included.
    let budget = 60 + per_program * 5 / 2;
    let run = live(
        &sim,
        &state,
        &[
            "run",
            "--from",
            &source,
            "--to",
            &target,
            "--json",
            "--yes",
            "--max-calls",
            &budget.to_string(),
        ],
    );
    run.expect(4);
    let report = run.json();
    let calls = report["summary"]["calls"].as_u64().unwrap();
    let stats = sim.stats();
    assert!(calls <= budget, "{calls} calls within --max-calls {budget}");
    assert!(stats.calls + stats.token_calls <= budget, "{stats:?}");
    let first = statuses(&report);
    let ok: Vec<_> = first.iter().filter(|(_, s)| s == "ok").collect();
    assert!(!ok.is_empty() && ok.len() < 6, "{first:?}");
    // In the plan's order: those that fit, then those left for later.
    let k = ok.len();
    assert!(first[..k].iter().all(|(_, s)| s == "ok"), "{first:?}");
    for p in &report["programs"].as_array().unwrap()[k..] {
        assert_eq!(p["status"], "skipped");
        assert!(
            p["problems"]
                .as_array()
                .unwrap()
                .iter()
                .any(|q| q["code"] == "call-budget" && q["severity"] == "warning"),
            "{p}"
        );
    }
    assert!(run.stderr.contains("--max-calls"), "{}", run.stderr);

    // The next run goes on from there.
    let again = live(
        &sim,
        &state,
        &["run", "--from", &source, "--to", &target, "--json", "--yes"],
    );
    again.expect(0);
    let second = statuses(&again.json());
    for (i, (name, status)) in second.iter().enumerate() {
        let expected = if i < k { "unchanged" } else { "ok" };
        assert_eq!(status, expected, "{name}: {second:?}");
    }
}

#[test]
fn a_budget_too_small_for_any_program_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let (sim, source) = generated(tmp.path(), 2);
    let state = tmp.path().join("state");
    let target = live_target(&sim);
    // A preview reads the instance (its contents are then cached): the
    // run's reading takes a few list calls, and no program fits.
    live(
        &sim,
        &state,
        &["preview", "--from", &source, "--to", &target, "--json"],
    )
    .expect(0);
    let run = live(
        &sim,
        &state,
        &[
            "run",
            "--from",
            &source,
            "--to",
            &target,
            "--json",
            "--yes",
            "--max-calls",
            "40",
        ],
    );
    run.expect(3);
    let report = run.json();
    assert!(report["summary"]["calls"].as_u64().unwrap() <= 40);
    assert!(statuses(&report).iter().all(|(_, s)| s == "skipped"));
    assert!(writes(&sim).is_empty(), "{:?}", writes(&sim));
}

#[test]
fn a_budget_is_for_live_instances() {
    let run = mkimport(&[
        "run",
        "--from",
        root().join("fixtures/sandbox").to_str().unwrap(),
        "--to",
        root().join("fixtures/production").to_str().unwrap(),
        "--yes",
        "--max-calls",
        "100",
    ]);
    // Refused before anything is read or written.
    run.expect(2);
    assert!(run.stderr.contains("--max-calls"), "{}", run.stderr);
}

/// A design-studio asset several programs use is written before them: when
/// Marketo refuses it, the programs that use it fail, the others land (with
/// --skip-blocked) or are not started, and none is reported imported that
/// was not.
#[test]
fn a_refused_shared_asset_fails_the_programs_that_use_it() {
    for skip in [true, false] {
        let tmp = tempfile::tempdir().unwrap();
        let (sim, source) = generated(tmp.path(), 20);
        let state = tmp.path().join("state");
        let target = live_target(&sim);
        let planned = live(
            &sim,
            &tmp.path().join("preview"),
            &["preview", "--from", &source, "--to", &target, "--json"],
        );
        // An email template the run creates, used by several programs.
        let programs = planned.json()["programs"].as_array().unwrap().clone();
        let rows = |p: &Value| p["assets"].as_array().unwrap().clone();
        let template = programs
            .iter()
            .flat_map(rows)
            .filter(|a| a["kind"] == "email-template" && a["action"] == "create")
            .map(|a| a["result_name"].as_str().unwrap().to_string())
            .find(|t| {
                programs
                    .iter()
                    .filter(|p| {
                        rows(p).iter().any(|a| {
                            a["kind"] == "email-template" && a["result_name"] == t.as_str()
                        })
                    })
                    .count()
                    > 1
            })
            .expect("a new template several programs use");
        sim.inject(
            Fault::code("709")
                .on("/rest/asset/v1/emailTemplates.json")
                .with("name", &template),
        );
        let mut args = vec!["run", "--from", &source, "--to", &target, "--json", "--yes"];
        if skip {
            args.push("--skip-blocked");
        }
        let run = live(&sim, &state, &args);
        run.expect(1);
        let report = run.json();
        let uses = |p: &Value| {
            p["assets"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a["kind"] == "email-template" && a["result_name"] == template.as_str())
        };
        let programs = report["programs"].as_array().unwrap();
        for p in programs {
            let status = p["status"].as_str().unwrap();
            if uses(p) {
                assert_eq!(status, "failed", "{p}");
                assert!(
                    p["problems"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|q| q["message"]
                            .as_str()
                            .unwrap()
                            .contains("could not be written")),
                    "{p}"
                );
            } else if skip {
                assert_eq!(status, "ok", "{p}");
            } else {
                assert_eq!(status, "skipped", "{p}");
            }
        }
        // What the report says is what the instance holds.
        let imported = programs.iter().filter(|p| p["status"] == "ok").count();
        let held = sim.with_instance(|i| {
            i.programs
                .values()
                .filter(|p| p.name.starts_with("Bench Program"))
                .count()
        });
        assert_eq!(held, imported, "skip {skip}");
    }
}

/// Killed after the shared assets and while programs are in flight, then
/// run again: the instance is as a clean run leaves it.
#[test]
fn a_run_killed_after_its_shared_assets_is_finished_by_the_next() {
    let tmp = tempfile::tempdir().unwrap();
    let (clean, source) = generated(tmp.path(), 12);
    let run_args = |target: &str| -> Vec<String> {
        ["run", "--from", &source, "--to", target, "--json", "--yes"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    };
    let args = run_args(&live_target(&clean));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    live(&clean, &tmp.path().join("clean"), &refs).expect(0);
    let expected = dump(&clean);

    let instance =
        Instance::from_subscription(&tmp.path().join("gen/target"), "600-GEN-006").unwrap();
    let sim = start(instance);
    sim.configure(|c| c.latency = std::time::Duration::from_millis(5));
    let state = tmp.path().join("killed");
    let args = run_args(&live_target(&sim));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("mkimport"))
        .args(&refs)
        .env("MARKETO_CLIENT_ID", CLIENT_ID)
        .env("MARKETO_CLIENT_SECRET", CLIENT_SECRET)
        .env("MKIMPORT_MARKETO_LIMITS", knob(&sim.config()))
        .env("XDG_STATE_HOME", &state)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let start_at = std::time::Instant::now();
    while writes(&sim).len() < 60 && start_at.elapsed() < std::time::Duration::from_secs(60) {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    child.kill().ok();
    child.wait().unwrap();
    sim.configure(|c| c.latency = std::time::Duration::ZERO);
    // The journal names shared assets (users) and programs in flight.
    let journal: String = walkdir::WalkDir::new(&state)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_name() == "journal.ndjson")
        .map(|e| std::fs::read_to_string(e.path()).unwrap())
        .collect();
    assert!(
        journal.contains("\"users\""),
        "shared assets were written first"
    );
    let again = live(&sim, &state, &refs);
    assert!(
        again.stderr.contains("finished an interrupted run"),
        "{}",
        again.stderr
    );
    assert_eq!(dump(&sim), expected);
}
