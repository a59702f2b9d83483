//! `preview` and `run` against a live instance (spec section 11), through
//! the simulator: the same plan as against a pulled directory, what a run
//! writes and in which order, the conflict rules, a re-run that writes
//! nothing, a failure half-way, a killed run, a stale instance, the calls
//! of a 50-program run, `log` and `undo`.

mod marketo_support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;

use marketo_support::*;

const SANDBOX: &str = "fixtures/sandbox";
const WEBINAR: &str = "2026 Q3 Webinar - Scaling Marketing Ops";
const SUMMIT: &str = "2026 APAC Growth Summit";
const NEWSLETTER: &str = "2026-07 Monthly Newsletter";

fn sandbox() -> String {
    root().join(SANDBOX).to_string_lossy().into_owned()
}

fn production() -> Sim {
    fixture_sim("production", "412-PRD-001")
}

/// The reports' programs without what only a live target adds: the rows
/// a live target marks `manual` (in both reports), and the calls.
fn comparable(report: &Value, manual: &BTreeSet<(String, String, String)>) -> Value {
    let mut report = report.clone();
    let map = report.as_object_mut().expect("a report is an object");
    map.remove("target");
    if let Some(summary) = map.get_mut("summary").and_then(Value::as_object_mut) {
        summary.remove("calls");
        summary.remove("calls_estimate");
        summary.remove("calls_used_today");
    }
    for program in map
        .get_mut("programs")
        .and_then(Value::as_array_mut)
        .expect("programs")
    {
        if let Some(program) = program.as_object_mut() {
            program.remove("calls_estimate");
        }
        let name = program["name"].as_str().unwrap_or_default().to_string();
        if let Some(assets) = program.get_mut("assets").and_then(Value::as_array_mut) {
            assets.retain(|a| {
                let key = (
                    name.clone(),
                    a["kind"].as_str().unwrap_or_default().to_string(),
                    a["name"].as_str().unwrap_or_default().to_string(),
                );
                !manual.contains(&key)
            });
        }
    }
    report
}

fn manual_rows(report: &Value) -> BTreeSet<(String, String, String)> {
    let mut out = BTreeSet::new();
    for program in report["programs"].as_array().expect("programs") {
        for a in program["assets"].as_array().expect("assets") {
            if a["action"] == "manual" {
                out.insert((
                    program["name"].as_str().unwrap_or_default().to_string(),
                    a["kind"].as_str().unwrap_or_default().to_string(),
                    a["name"].as_str().unwrap_or_default().to_string(),
                ));
            }
        }
    }
    out
}

/// The calls that read an asset's content (not list pages).
fn content_calls(sim: &Sim) -> Vec<String> {
    sim.calls()
        .into_iter()
        .filter(|c| c.path.starts_with("/rest/"))
        .filter(|c| {
            c.path.contains("/content")
                || c.path.ends_with("/tokens.json")
                || c.path.ends_with("/fields.json")
                || c.path.ends_with("/smartList.json")
        })
        .map(|c| c.path)
        .collect()
}

#[test]
fn preview_against_an_instance_is_preview_against_its_pull() {
    let sim = production();
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    let target = live_target(&sim);
    let live_run = live(
        &sim,
        &state,
        &["preview", "--from", &sandbox(), "--to", &target, "--json"],
    );
    live_run.expect(3);
    let live_report = live_run.json();
    assert!(writes(&sim).is_empty(), "a preview writes nothing");

    pull(&sim, &tmp.path().join("pulled"), &["--json"]).expect(0);
    let pulled = tmp.path().join("pulled").to_string_lossy().into_owned();
    let dir_run = live(
        &sim,
        &state,
        &["preview", "--from", &sandbox(), "--to", &pulled, "--json"],
    );
    dir_run.expect(3);
    let dir_report = dir_run.json();

    let manual = manual_rows(&live_report);
    assert!(
        manual
            .iter()
            .any(|(p, k, _)| p == WEBINAR && k == "smart-campaign"),
        "{manual:?}"
    );
    assert_eq!(
        comparable(&live_report, &manual),
        comparable(&dir_report, &manual),
        "the same plan, but for what only a live target marks manual"
    );
    assert_eq!(live_report["target"], target.as_str());
    assert!(live_report["summary"]["calls"].as_u64().unwrap() > 0);
    assert!(dir_report["summary"].get("calls").is_none());

    // An unchanged instance again: list pages only, no content call.
    sim.reset_counters();
    live(
        &sim,
        &state,
        &["preview", "--from", &sandbox(), "--to", &target, "--json"],
    )
    .expect(3);
    assert_eq!(content_calls(&sim), Vec::<String>::new());
    assert!(writes(&sim).is_empty());
    // A plan reads no program's content, nor any email, page or campaign
    // list.
    assert!(
        !sim.calls().iter().any(|c| c.path.ends_with("/emails.json")
            || c.path.ends_with("/landingPages.json")
            || c.path.ends_with("/smartCampaigns.json")
            || c.path.ends_with("/program/byTag.json")),
        "{:?}",
        sim.calls().iter().map(|c| &c.path).collect::<Vec<_>>()
    );
}

/// A copy of a fixture, as a directory target.
fn fixture_copy(name: &str, to: &Path) -> String {
    let from = root().join("fixtures").join(name);
    for entry in walkdir::WalkDir::new(&from) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(&from).unwrap();
        let dest = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(entry.path(), &dest).unwrap();
        }
    }
    to.to_string_lossy().into_owned()
}

/// Keys of a program file the API writes and a pull reads back (lists
/// sorted: a pull sorts them), tokens aside.
fn written_part(program: &Value) -> Value {
    let sorted = |v: &Value| -> Value {
        let mut v = v.clone();
        for key in ["images", "snippets", "forms", "segmentations"] {
            if let Some(list) = v.get_mut(key).and_then(Value::as_array_mut) {
                list.sort_by_key(|x| x.as_str().unwrap_or_default().to_string());
            }
        }
        // An email without settings takes the instance's defaults
        // (compared on their own: see `settings_of`).
        if let Some(v) = v.as_object_mut() {
            for key in ["from_name", "from_email", "reply_email", "operational"] {
                v.remove(key);
            }
        }
        v
    };
    // Without a status, emails and pages land as drafts and local forms
    // approved (docs/format.md).
    let by_name = |list: &Value, default_status: &str| -> BTreeMap<String, Value> {
        list.as_array()
            .into_iter()
            .flatten()
            .map(|v| {
                let mut v = sorted(v);
                if let Some(o) = v.as_object_mut() {
                    o.entry("status").or_insert(Value::from(default_status));
                }
                (v["name"].as_str().unwrap_or_default().to_string(), v)
            })
            .collect()
    };
    let campaigns: BTreeMap<String, Value> = by_name(&program["smart_campaigns"], "")
        .into_iter()
        .map(|(n, c)| {
            (
                n,
                serde_json::json!({"active": c["active"], "schedule": c.get("schedule")}),
            )
        })
        .collect();
    let info = &program["program"];
    serde_json::json!({
        "name": info["name"], "type": info["type"], "channel": info["channel"],
        "description": info["description"], "folder": info["folder"],
        "emails": by_name(&program["emails"], "draft"),
        "landing_pages": by_name(&program["landing_pages"], "draft"),
        "forms": by_name(&program["forms"], "approved"),
        "smart_campaigns": campaigns,
    })
}

#[test]
fn a_full_import_lands_what_a_directory_import_lands() {
    let sim = production();
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
            "--json",
            "--yes",
            "--skip-blocked",
        ],
    );
    run.expect(4);
    let report = run.json();
    assert_eq!(report["summary"]["ok"], 3);
    assert_eq!(report["summary"]["blocked"], 3);
    assert!(report["summary"]["calls"].as_u64().unwrap() > 50);
    assert_limits_kept(&sim);

    // Smart lists and flows are manual; campaigns land inactive.
    let webinar = report["programs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == WEBINAR)
        .unwrap();
    let manual: Vec<&Value> = webinar["assets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["action"] == "manual" && a["kind"] == "smart-campaign")
        .collect();
    assert!(
        manual.iter().any(|a| a["reason"]
            .as_str()
            .unwrap()
            .contains("trigger \"Fills Out Form\"")),
        "{manual:?}"
    );
    // The receipt is in the instance's state, and lists what was created.
    let id = report["import_id"].as_str().unwrap();
    let receipts: Vec<_> = walkdir::WalkDir::new(&state)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy() == format!("{id}.json"))
        .collect();
    assert_eq!(receipts.len(), 1, "one receipt in {}", state.display());
    let receipt = read_json(receipts[0].path());
    assert_eq!(receipt["summary"]["ok"], 3);
    let created = receipt["instance_assets"].as_array().unwrap();
    assert!(created
        .iter()
        .any(|a| a["kind"] == "program" && a["name"] == WEBINAR));
    assert!(created
        .iter()
        .any(|a| a["kind"] == "landing-page-template" && a["name"] == "Standard Template 1"));

    // What landed is what a directory import lands, as a pull reads it.
    let dir = fixture_copy("production", &tmp.path().join("prod-dir"));
    live(
        &sim,
        &state,
        &[
            "run",
            "--from",
            &sandbox(),
            "--to",
            &dir,
            "--json",
            "--yes",
            "--skip-blocked",
        ],
    )
    .expect(4);
    pull(&sim, &tmp.path().join("pulled"), &["--json"]).expect(0);
    let pulled = programs(&tmp.path().join("pulled"));
    let landed = programs(Path::new(&dir));
    for name in [WEBINAR, SUMMIT, NEWSLETTER] {
        let (_, from_instance) = &pulled[name];
        let (_, from_dir) = &landed[name];
        assert_eq!(
            written_part(from_instance),
            written_part(from_dir),
            "program {name}"
        );
        // The tokens the API can write, as Marketo holds them.
        let writable = ["text", "rich-text", "number", "date", "score"];
        let expected: BTreeMap<String, (String, Value)> = from_dir["tokens"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| writable.contains(&t["type"].as_str().unwrap()))
            .map(|t| {
                let kind = t["type"]
                    .as_str()
                    .unwrap()
                    .replace("rich-text", "rich text");
                let bare = t["name"]
                    .as_str()
                    .unwrap()
                    .trim_start_matches("my.")
                    .to_string();
                (bare, (kind, t["value"].clone()))
            })
            .collect();
        let held: BTreeMap<String, (String, Value)> = sim.with_instance(|i| {
            let id = i.program_named(name).unwrap();
            i.programs[&id]
                .tokens
                .iter()
                .map(|t| (t.name.clone(), (t.kind.clone(), t.value.clone())))
                .collect()
        });
        assert_eq!(held, expected, "tokens of {name}");
    }
    let created_in_sim = sim.with_instance(|i| {
        let c = i.campaigns.values().filter(|c| c.active).count();
        let t = i
            .landing_page_template_named("Standard Template 1")
            .is_some();
        (c, t)
    });
    assert!(created_in_sim.1);
    // Only the production fixture's own campaigns are active.
    let before = Instance::from_subscription(&root().join("fixtures/production"), "x")
        .unwrap()
        .campaigns
        .values()
        .filter(|c| c.active)
        .count();
    assert_eq!(created_in_sim.0, before);
}

#[test]
fn running_again_changes_nothing_and_writes_nothing() {
    let sim = production();
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    let target = live_target(&sim);
    let args = [
        "run",
        "--from",
        &sandbox(),
        "--to",
        &target,
        "--json",
        "--yes",
        "--program",
        WEBINAR,
        "--program",
        SUMMIT,
    ];
    live(&sim, &state, &args).expect(0);
    let before = dump(&sim);
    sim.reset_counters();
    let again = live(&sim, &state, &args);
    again.expect(0);
    let report = again.json();
    assert_eq!(report["summary"]["unchanged"], 2, "{report}");
    assert_eq!(report["summary"]["ok"], 0);
    assert_eq!(writes(&sim), Vec::<String>::new());
    assert_eq!(dump(&sim), before);
    // A preview says the same.
    let preview = live(
        &sim,
        &state,
        &[
            "preview",
            "--from",
            &sandbox(),
            "--to",
            &target,
            "--json",
            "--program",
            WEBINAR,
        ],
    );
    preview.expect(0);
    assert_eq!(preview.json()["programs"][0]["status"], "unchanged");
}

fn asset_row<'a>(report: &'a Value, program: &str, kind: &str, name: &str) -> &'a Value {
    report["programs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == program)
        .and_then(|p| {
            p["assets"]
                .as_array()
                .unwrap()
                .iter()
                .find(|a| a["kind"] == kind && a["name"] == name)
        })
        .unwrap_or_else(|| panic!("no {kind} {name} in {program}"))
}

#[test]
fn conflict_rules_reuse_rename_and_overwrite_in_the_instance() {
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    let sandbox_html = |name: &str| {
        let i = Instance::from_subscription(&root().join(SANDBOX), "x").unwrap();
        let id = i.landing_page_template_named(name).unwrap();
        i.landing_page_templates[&id].html.clone()
    };

    // Default rules: reuse by name, rename a landing page template.
    let sim = production();
    let target = live_target(&sim);
    let run = live(
        &sim,
        &state.join("a"),
        &[
            "run",
            "--from",
            &sandbox(),
            "--to",
            &target,
            "--json",
            "--yes",
            "--program",
            WEBINAR,
        ],
    );
    run.expect(0);
    let report = run.json();
    assert_eq!(
        asset_row(
            &report,
            WEBINAR,
            "landing-page-template",
            "Standard Template"
        )["result_name"],
        "Standard Template 1"
    );
    assert_eq!(
        asset_row(
            &report,
            WEBINAR,
            "external-form",
            "Webinar Registration Form"
        )["action"],
        "reuse"
    );
    let (renamed, forms, reused_page) = sim.with_instance(|i| {
        let renamed = i.landing_page_template_named("Standard Template 1");
        let forms = i
            .forms
            .values()
            .filter(|f| f.name.eq_ignore_ascii_case("webinar registration form"))
            .count();
        // The program's page is on the renamed template.
        let page = i
            .landing_pages
            .values()
            .find(|p| matches!(p.parent, Parent::Program(pid) if i.programs[&pid].name == WEBINAR))
            .map(|p| p.template);
        (renamed, forms, page)
    });
    assert!(renamed.is_some());
    assert_eq!(forms, 1, "the form is reused, not created");
    assert_eq!(reused_page, Some(renamed));

    // Today's Marketo: renames spelled "<name> - <n>", forms renamed.
    let sim = production();
    let target = live_target(&sim);
    let run = live(
        &sim,
        &state.join("b"),
        &[
            "run",
            "--from",
            &sandbox(),
            "--to",
            &target,
            "--json",
            "--yes",
            "--program",
            WEBINAR,
            "--conflict",
            "current",
        ],
    );
    run.expect(0);
    let report = run.json();
    assert_eq!(
        asset_row(
            &report,
            WEBINAR,
            "landing-page-template",
            "Standard Template"
        )["result_name"],
        "Standard Template - 1"
    );
    assert_eq!(
        asset_row(
            &report,
            WEBINAR,
            "external-form",
            "Webinar Registration Form"
        )["result_name"],
        "Webinar Registration Form - 1"
    );
    sim.with_instance(|i| {
        assert!(i
            .landing_page_template_named("Standard Template - 1")
            .is_some());
        assert!(i
            .forms
            .values()
            .any(|f| f.name == "Webinar Registration Form - 1" && f.status == "approved"));
    });

    // Overwrite: the instance's template takes the incoming content.
    let sim = production();
    let target = live_target(&sim);
    let run = live(
        &sim,
        &state.join("c"),
        &[
            "run",
            "--from",
            &sandbox(),
            "--to",
            &target,
            "--json",
            "--yes",
            "--program",
            WEBINAR,
            "--rule",
            "landing-page-template=overwrite",
        ],
    );
    run.expect(0);
    let report = run.json();
    assert_eq!(
        asset_row(
            &report,
            WEBINAR,
            "landing-page-template",
            "Standard Template"
        )["action"],
        "overwrite"
    );
    let html = sim.with_instance(|i| {
        let id = i.landing_page_template_named("Standard Template").unwrap();
        assert!(i
            .landing_page_template_named("Standard Template 1")
            .is_none());
        i.landing_page_templates[&id].html.clone()
    });
    assert_eq!(html, sandbox_html("Standard Template"));
    // Its previous content is kept beside the receipt.
    let id = report["import_id"].as_str().unwrap();
    let kept: Vec<_> = walkdir::WalkDir::new(state.join("c"))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| {
            e.path()
                .to_string_lossy()
                .contains(&format!("{id}/before/"))
        })
        .collect();
    assert_eq!(kept.len(), 1, "one pre-image");
}

#[test]
fn a_program_refused_half_way_is_removed_and_failed() {
    let sim = production();
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    let target = live_target(&sim);
    let before = dump(&sim);
    // The webinar's landing page is refused for good: by then the run has
    // created a template, the program, its tokens, forms and emails. The
    // summit is written at the same time.
    sim.inject(
        Fault::code("709")
            .on("/rest/asset/v1/landingPages.json")
            .with("name", "Registration"),
    );
    let run = live(
        &sim,
        &state,
        &[
            "run",
            "--from",
            &sandbox(),
            "--to",
            &target,
            "--json",
            "--yes",
            "--program",
            WEBINAR,
            "--program",
            SUMMIT,
        ],
    );
    run.expect(1);
    let report = run.json();
    let statuses: Vec<(&str, &str)> = report["programs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["name"].as_str().unwrap(), p["status"].as_str().unwrap()))
        .collect();
    // The plan's order: the summit comes first in the sandbox.
    let webinar_at = statuses.iter().position(|(n, _)| *n == WEBINAR).unwrap();
    let summit_at = statuses.iter().position(|(n, _)| *n == SUMMIT).unwrap();
    assert_eq!(statuses[webinar_at].1, "failed", "{statuses:?}");
    let webinar = &report["programs"][webinar_at];
    let problem = webinar["problems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["code"] == "api-error" && p["severity"] == "error")
        .expect("the API's error");
    let message = problem["message"].as_str().unwrap();
    assert!(
        message.contains("709") && message.contains("landingPages.json"),
        "{message}"
    );
    assert_eq!(report["summary"]["failed"], 1);
    // What it had created is gone: the instance is as before, but for the
    // program that came before it (and images: the API cannot delete
    // files).
    let after = dump(&sim);
    let programs_after: BTreeSet<String> = after["programs"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert!(!programs_after.iter().any(|p| p.ends_with(WEBINAR)));
    assert_eq!(
        after["email_templates"].as_object().unwrap().len(),
        before["email_templates"].as_object().unwrap().len(),
        "the webinar's new email template was removed"
    );
    assert_eq!(
        after["landing_page_templates"], before["landing_page_templates"],
        "the renamed template was removed"
    );
    // The summit, written at the same time, landed whole.
    assert_eq!(statuses[summit_at].1, "ok", "{statuses:?}");
    let summit = after["programs"]
        .as_object()
        .unwrap()
        .iter()
        .find(|(path, _)| path.ends_with(SUMMIT))
        .map(|(_, p)| p.clone())
        .expect("the summit is in the instance");
    // Everything the plan writes for it (campaigns are rows of their own
    // actions: deactivate, unschedule, manual).
    let planned = |kind: &str| {
        report["programs"][summit_at]["assets"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["kind"] == kind && a["action"] != "skip")
            .map(|a| a["name"].as_str().unwrap())
            .collect::<BTreeSet<_>>()
            .len()
    };
    for (key, kind) in [
        ("emails", "email"),
        ("landing_pages", "landing-page"),
        ("forms", "form"),
        ("smart_campaigns", "smart-campaign"),
    ] {
        assert_eq!(
            summit[key].as_object().map_or(0, |m| m.len()),
            planned(kind),
            "the summit's {key}"
        );
    }

    // A run after the failure imports the webinar: nothing was left.
    live(
        &sim,
        &state,
        &[
            "run",
            "--from",
            &sandbox(),
            "--to",
            &target,
            "--json",
            "--yes",
            "--program",
            WEBINAR,
        ],
    )
    .expect(0);
}

#[test]
fn a_failure_stops_the_run_unless_skip_blocked() {
    let tmp = tempfile::tempdir().unwrap();
    let target_args = |sim: &Sim| live_target(sim);
    // The first program of the plan fails at its first email.
    for (skip, expect_next) in [(false, "skipped"), (true, "ok")] {
        let sim = production();
        let target = target_args(&sim);
        sim.inject(Fault::code("1003").on("/rest/asset/v1/emails.json"));
        let mut args = vec![
            "run",
            "--from",
            SANDBOX,
            "--to",
            &target,
            "--json",
            "--yes",
            "--program",
            SUMMIT,
            "--program",
            NEWSLETTER,
        ];
        if skip {
            args.push("--skip-blocked");
        }
        let mut cmd = live_command(&sim, &tmp.path().join(format!("s{skip}")), &args);
        // One program at a time: the second has not started when the first
        // fails (see the next test for programs in flight).
        cmd.env(
            "MKIMPORT_MARKETO_LIMITS",
            format!("{},concurrency=1", knob(&sim.config())),
        );
        cmd.current_dir(root());
        let out = cmd.output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        let programs = report["programs"].as_array().unwrap();
        assert_eq!(programs[0]["status"], "failed");
        assert_eq!(programs[1]["status"], expect_next, "--skip-blocked {skip}");
        if !skip {
            assert!(programs[1]["problems"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["code"] == "run-stopped"));
        }
    }
}

#[test]
fn a_failed_program_is_shown_where_the_person_looks() {
    let tmp = tempfile::tempdir().unwrap();
    let sim = production();
    let target = live_target(&sim);
    sim.inject(
        Fault::code("1003")
            .on("/rest/asset/v1/emails.json")
            .with("name", "Summit Invite"),
    );
    let args = [
        "run",
        "--from",
        SANDBOX,
        "--to",
        &target,
        "--yes",
        "--program",
        SUMMIT,
        "--program",
        NEWSLETTER,
    ];
    let mut cmd = live_command(&sim, &tmp.path().join("state"), &args);
    cmd.env(
        "MKIMPORT_MARKETO_LIMITS",
        format!("{},concurrency=1", knob(&sim.config())),
    );
    cmd.env("COLUMNS", "100");
    cmd.current_dir(root());
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    // The program, the step, Marketo's code and message, what became of
    // it; then the rest, and what to do next.
    let failed_at = stdout.find(&format!("Failed: {SUMMIT}")).expect(&stdout);
    let after = &stdout[failed_at..];
    assert!(
        after.contains("creating email \"Summit Invite\""),
        "{stdout}"
    );
    assert!(after.contains("1003"), "{stdout}");
    assert!(after.contains("removed again"), "{stdout}");
    assert!(after.contains("Not imported: 1 program"), "{stdout}");
    assert!(after.contains(NEWSLETTER), "{stdout}");
    assert!(after.contains("Next: fix what Marketo refused"), "{stdout}");
}

#[test]
fn a_failure_lets_the_programs_in_flight_finish_and_starts_no_new_one() {
    let tmp = tempfile::tempdir().unwrap();
    let sim = production();
    // Slow enough that the newsletter is still being written when the
    // summit, written beside it, fails at its first write.
    sim.configure(|c| c.latency = std::time::Duration::from_millis(20));
    let target = live_target(&sim);
    sim.inject(
        Fault::code("1003")
            .on("/rest/asset/v1/programs.json")
            .with("name", SUMMIT),
    );
    let args = [
        "run",
        "--from",
        SANDBOX,
        "--to",
        &target,
        "--json",
        "--yes",
        "--program",
        SUMMIT,
        "--program",
        NEWSLETTER,
        "--program",
        WEBINAR,
    ];
    let mut cmd = live_command(&sim, &tmp.path().join("state"), &args);
    // Two programs at once: the summit and the newsletter.
    cmd.env(
        "MKIMPORT_MARKETO_LIMITS",
        format!("{},concurrency=2", knob(&sim.config())),
    );
    cmd.current_dir(root());
    let out = cmd.output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let status = |name: &str| {
        report["programs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .map(|p| p["status"].as_str().unwrap().to_string())
            .unwrap()
    };
    // The plan's order: summit, newsletter, webinar.
    assert_eq!(status(SUMMIT), "failed");
    assert_eq!(status(NEWSLETTER), "ok", "in flight: it finished");
    assert_eq!(status(WEBINAR), "skipped", "not started after the failure");
    let names: Vec<&str> = report["programs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, [SUMMIT, NEWSLETTER, WEBINAR], "the plan's order");
    let after = dump(&sim);
    let has = |name: &str| {
        after["programs"]
            .as_object()
            .unwrap()
            .keys()
            .any(|p| p.ends_with(name))
    };
    assert!(has(NEWSLETTER) && !has(SUMMIT) && !has(WEBINAR));
}

#[test]
fn a_killed_run_is_finished_by_the_next_one() {
    let tmp = tempfile::tempdir().unwrap();
    let args = |target: &str| -> Vec<String> {
        [
            "run",
            "--from",
            SANDBOX,
            "--to",
            target,
            "--json",
            "--yes",
            "--skip-blocked",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    // A clean run.
    let clean = production();
    let target = live_target(&clean);
    let args_clean = args(&target);
    let refs: Vec<&str> = args_clean.iter().map(String::as_str).collect();
    let mut cmd = live_command(&clean, &tmp.path().join("clean"), &refs);
    cmd.current_dir(root());
    assert_eq!(cmd.output().unwrap().status.code(), Some(4));
    let expected = dump(&clean);

    // The same, killed after some writes, at several points.
    for kill_after in [3, 25, 60] {
        let sim = production();
        sim.configure(|c| c.latency = Duration::from_millis(5));
        let target = live_target(&sim);
        let state = tmp.path().join(format!("killed-{kill_after}"));
        let run_args = args(&target);
        let refs: Vec<&str> = run_args.iter().map(String::as_str).collect();
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("mkimport"));
        cmd.args(&refs)
            .current_dir(root())
            .env("MARKETO_CLIENT_ID", CLIENT_ID)
            .env("MARKETO_CLIENT_SECRET", CLIENT_SECRET)
            .env("MKIMPORT_MARKETO_LIMITS", knob(&sim.config()))
            .env("XDG_STATE_HOME", &state)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        let mut child = cmd.spawn().unwrap();
        let start = Instant::now();
        while writes(&sim).len() < kill_after && start.elapsed() < Duration::from_secs(60) {
            if child.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        child.kill().ok(); // SIGKILL
        child.wait().unwrap();
        sim.configure(|c| c.latency = Duration::ZERO);
        let journal = walkdir::WalkDir::new(&state)
            .into_iter()
            .filter_map(Result::ok)
            .any(|e| e.file_name() == "journal.ndjson");
        assert!(journal, "the killed run left its journal ({kill_after})");
        if kill_after == 25 {
            // Programs are written at once: several were in flight.
            let events: Vec<Value> = walkdir::WalkDir::new(&state)
                .into_iter()
                .filter_map(Result::ok)
                .filter(|e| e.file_name() == "journal.ndjson")
                .flat_map(|e| {
                    std::fs::read_to_string(e.path())
                        .unwrap()
                        .lines()
                        .filter_map(|l| serde_json::from_str(l).ok())
                        .collect::<Vec<Value>>()
                })
                .collect();
            let of = |kind: &str| -> BTreeSet<u64> {
                events
                    .iter()
                    .filter(|e| e["event"] == kind)
                    .filter_map(|e| e["index"].as_u64())
                    .collect()
            };
            let in_flight = of("program").difference(&of("landed")).count();
            assert!(
                in_flight >= 2,
                "{in_flight} program(s) in flight: {events:?}"
            );
        }
        assert_ne!(
            dump(&sim),
            expected,
            "the kill left work undone ({kill_after})"
        );
        // Run again: the program in progress is taken back, the rest done.
        let again = live_command(&sim, &state, &refs)
            .current_dir(root())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&again.stderr);
        assert!(matches!(again.status.code(), Some(4) | Some(3)), "{stderr}");
        assert!(stderr.contains("finished an interrupted run"), "{stderr}");
        assert_eq!(dump(&sim), expected, "killed after {kill_after} writes");
        // Nothing is pending; the log lists the import(s).
        let log = live(&sim, &state, &["log", "--to", &target, "--json"]);
        log.expect(0);
        let imported: BTreeSet<String> = log.json()["imports"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|i| i["programs"].as_array().unwrap().clone())
            .map(|p| p.as_str().unwrap().to_string())
            .collect();
        assert_eq!(
            imported,
            [WEBINAR, SUMMIT, NEWSLETTER]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            "every landed program has a receipt ({kill_after})"
        );
    }
}

#[test]
fn an_instance_changed_since_the_plan_is_stale() {
    let sim = production();
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    let target = live_target(&sim);
    let plan = tmp.path().join("plan.json").to_string_lossy().into_owned();
    live(
        &sim,
        &state,
        &[
            "preview",
            "--from",
            &sandbox(),
            "--to",
            &target,
            "--program",
            WEBINAR,
            "--out",
            &plan,
            "--json",
        ],
    )
    .expect(0);
    // Someone edits the template the plan reuses.
    sim.with_instance(|i| {
        let id = i.email_template_named("Standard Email").unwrap();
        i.email_templates
            .get_mut(&id)
            .unwrap()
            .html
            .push_str("<!-- edited -->");
        i.touch(id);
    });
    sim.reset_counters();
    let run = live(&sim, &state, &["run", "--plan", &plan, "--json", "--yes"]);
    run.expect(3);
    let report = run.json();
    let problems = report["problems"].as_array().expect("run problems");
    assert!(
        problems.iter().any(|p| p["code"] == "stale-plan"
            && p["message"].as_str().unwrap().contains("Standard Email")),
        "{problems:?}"
    );
    assert!(writes(&sim).is_empty(), "nothing written");
    // It names what changed in the instance, not the files of mkimport's
    // snapshot of it.
    for problem in problems {
        let message = problem["message"].as_str().unwrap();
        for internal in ["programs.json", "subscription.json", "design-studio/"] {
            assert!(!message.contains(internal), "{message}");
        }
    }
}

#[test]
fn a_saved_plan_applied_twice_has_already_landed() {
    let sim = production();
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    let target = live_target(&sim);
    let plan = tmp.path().join("plan.json").to_string_lossy().into_owned();
    live(
        &sim,
        &state,
        &[
            "preview",
            "--from",
            &sandbox(),
            "--to",
            &target,
            "--program",
            WEBINAR,
            "--out",
            &plan,
            "--json",
        ],
    )
    .expect(0);
    let first = live(&sim, &state, &["run", "--plan", &plan, "--json", "--yes"]);
    first.expect(0);
    assert_eq!(first.json()["summary"]["ok"], 1);
    sim.reset_counters();
    // Again: as for a directory, it landed already; nothing is written.
    let again = live(&sim, &state, &["run", "--plan", &plan, "--json", "--yes"]);
    again.expect(0);
    let report = again.json();
    assert_eq!(report["summary"]["unchanged"], 1, "{report}");
    assert!(report.get("problems").is_none(), "{report}");
    assert!(writes(&sim).is_empty(), "{:?}", writes(&sim));
    assert!(
        again.stderr.contains("Nothing to import"),
        "{}",
        again.stderr
    );
}

#[test]
fn what_changes_between_reading_and_writing_stops_the_run() {
    let sim = production();
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    let target = live_target(&sim);
    // The run lists the email templates twice: reading the instance, then
    // checking it again just before writing. Hold the second answer back
    // a moment, and meanwhile save the form the plan reuses.
    sim.inject(
        Fault::new(FaultKind::Latency(Duration::from_millis(400)))
            .on("/rest/asset/v1/emailTemplates.json")
            .after(1),
    );
    let mut child = live_command(
        &sim,
        &state,
        &[
            "run",
            "--from",
            &sandbox(),
            "--to",
            &target,
            "--json",
            "--yes",
            "--program",
            WEBINAR,
        ],
    );
    let handle = std::thread::spawn(move || child.output().unwrap());
    let start = Instant::now();
    while !sim.pending_faults().is_empty() && start.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(1));
    }
    sim.with_instance(|i| {
        let id = i.form_named(None, "Webinar Registration form").unwrap();
        i.touch(id);
    });
    let out = handle.join().unwrap();
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let problems = report["problems"].as_array().expect("run problems");
    assert!(
        problems.iter().any(|p| p["code"] == "stale-plan"
            && p["message"]
                .as_str()
                .unwrap()
                .contains("Webinar Registration form")),
        "{problems:?}"
    );
    assert!(writes(&sim).is_empty(), "nothing written");
    assert!(
        !walkdir::WalkDir::new(&state)
            .into_iter()
            .filter_map(Result::ok)
            .any(|e| e.file_name() == "journal.ndjson"),
        "no journal left"
    );
}

#[test]
fn fifty_programs_keep_to_the_limits_and_report_their_calls() {
    let tmp = tempfile::tempdir().unwrap();
    let generated = tmp.path().join("gen");
    mkimport(&[
        "generate",
        "--bundles",
        "50",
        "--target-assets",
        "20",
        "--out",
        generated.to_str().unwrap(),
    ])
    .expect(0);
    let instance = Instance::from_subscription(&generated.join("target"), "500-GEN-050").unwrap();
    // An instance without any email: new emails take the instance's
    // defaults, nothing is borrowed.
    assert!(instance.emails.is_empty());
    let sim = start(instance);
    let state = tmp.path().join("state");
    let target = live_target(&sim);
    let source = generated.join("source").to_string_lossy().into_owned();
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
            "--skip-blocked",
        ],
    );
    assert!(
        matches!(run.code, 0 | 4),
        "exit {}: {}",
        run.code,
        run.stderr
    );
    let report = run.json();
    let ok = report["summary"]["ok"].as_u64().unwrap();
    assert!(ok >= 40, "{}", report["summary"]);
    let calls = report["summary"]["calls"].as_u64().unwrap();
    let stats = sim.stats();
    assert_eq!(calls, stats.calls + stats.token_calls, "{stats:?}");
    // The estimate made before writing: never below, and close.
    let estimate = report["summary"]["calls_estimate"].as_u64().unwrap();
    assert!(
        calls <= estimate && estimate * 2 <= calls * 3,
        "{calls} calls, {estimate} estimated"
    );
    // Per program, one call per asset and per piece of content the API
    // takes apart; an email's sections are read once per template, not
    // once per email. Plus the reading of the instance.
    assert!(
        calls <= ok * 50 + 100,
        "{calls} calls for {ok} programs: {stats:?}"
    );
    assert_limits_kept(&sim);
    let codes = sim.stats().codes;
    assert!(
        !codes.contains_key("606") && !codes.contains_key("615"),
        "{codes:?}"
    );
}

#[test]
fn log_and_undo_of_an_instance_import() {
    let sim = production();
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    let target = live_target(&sim);
    let before = dump(&sim);
    let run = live(
        &sim,
        &state,
        &[
            "run",
            "--from",
            &sandbox(),
            "--to",
            &target,
            "--json",
            "--yes",
            "--program",
            WEBINAR,
            "--rule",
            "image=overwrite",
        ],
    );
    run.expect(0);
    let id = run.json()["import_id"].as_str().unwrap().to_string();

    let log = live(&sim, &state, &["log", "--to", &target, "--json"]);
    log.expect(0);
    let imports = log.json()["imports"].clone();
    assert_eq!(imports[0]["import_id"], id.as_str());
    assert_eq!(imports[0]["undone"], false);
    assert_eq!(imports[0]["programs"][0], WEBINAR);
    let manual = imports[0]["manual"]
        .as_array()
        .expect("what is left by hand");
    assert!(
        manual.iter().any(|m| m["kind"] == "smart-campaign"
            && m["reason"]
                .as_str()
                .unwrap()
                .contains("trigger \"Fills Out Form\"")),
        "{manual:?}"
    );

    // Someone adds an email to the imported program: the undo refuses.
    let (program, template) = sim.with_instance(|i| {
        (
            i.program_named(WEBINAR).unwrap(),
            i.email_template_named("Standard Email").unwrap(),
        )
    });
    let extra =
        sim.with_instance(|i| i.add_email(program, "Added by hand", Some(template), "s", vec![]));
    let refused = live(
        &sim,
        &state,
        &["undo", &id, "--to", &target, "--yes", "--json"],
    );
    refused.expect(3);
    assert!(
        refused.stderr.contains("stale-undo") && refused.stderr.contains("Added by hand"),
        "{}",
        refused.stderr
    );

    // Without it, the undo takes the import back.
    sim.with_instance(|i| {
        i.unapprove(marketo_sim::Approvable::Email, extra).unwrap();
        i.delete_email(extra).unwrap()
    });
    let undo = live(
        &sim,
        &state,
        &["undo", &id[..10], "--to", &target, "--yes", "--json"],
    );
    undo.expect(0);
    // Files the import uploaded stay (the API cannot delete them): counted
    // as kept, not removed.
    let report = undo.json();
    let uploaded = report["instance_assets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["kind"] == "image" && a["action"] == "remove")
        .count();
    let deleted = report["instance_assets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["kind"] != "image" && a["action"] == "remove")
        .count();
    assert_eq!(report["summary"]["kept"], uploaded, "{report:#}");
    assert_eq!(report["summary"]["removed"], deleted, "{report:#}");
    let after = dump(&sim);
    assert_eq!(after["programs"], before["programs"]);
    assert_eq!(after["email_templates"], before["email_templates"]);
    assert_eq!(
        after["landing_page_templates"],
        before["landing_page_templates"]
    );
    assert_eq!(after["forms"], before["forms"]);
    // The overwritten image has its bytes back.
    assert_eq!(
        after["files"]["hero-webinar.png"],
        before["files"]["hero-webinar.png"]
    );

    let log = live(&sim, &state, &["log", "--to", &target, "--json"]);
    let imports = log.json()["imports"].clone();
    let import = imports
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["import_id"] == id.as_str())
        .unwrap();
    assert_eq!(import["undone"], true);
    // Importing again lands it again, under the same id.
    let again = live(
        &sim,
        &state,
        &[
            "run",
            "--from",
            &sandbox(),
            "--to",
            &target,
            "--json",
            "--yes",
            "--program",
            WEBINAR,
            "--rule",
            "image=overwrite",
        ],
    );
    again.expect(0);
    assert_eq!(again.json()["import_id"], id.as_str());
}

#[test]
fn credentials_and_targets_are_checked() {
    let tmp = tempfile::tempdir().unwrap();
    let out = mkimport(&["preview", "--from", SANDBOX, "--to", "marketo:", "--json"]);
    out.expect(2);
    let out = mkimport(&[
        "preview",
        "--from",
        SANDBOX,
        "--to",
        "marketo:not a url",
        "--json",
    ]);
    out.expect(2);
    let mut cmd = assert_cmd::Command::cargo_bin("mkimport").unwrap();
    let out = cmd
        .args([
            "preview",
            "--from",
            SANDBOX,
            "--to",
            "marketo:123-ABC-456",
            "--json",
        ])
        .current_dir(root())
        .env_remove("MARKETO_CLIENT_ID")
        .env_remove("MARKETO_CLIENT_SECRET")
        .env("XDG_STATE_HOME", tmp.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("MARKETO_CLIENT_ID"));
}

#[test]
fn an_instance_as_the_source_is_pulled_first() {
    let source = fixture_sim("sandbox", "412-ACM-981");
    let sim = production();
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    let from = live_target(&source);
    let target = live_target(&sim);
    let run = live(
        &sim,
        &state,
        &[
            "run",
            "--from",
            &from,
            "--to",
            &target,
            "--json",
            "--yes",
            "--skip-blocked",
        ],
    );
    run.expect(4);
    let report = run.json();
    assert_eq!(report["source"], from.as_str());
    assert_eq!(report["summary"]["ok"], 3, "{}", report["summary"]);
    assert_eq!(report["summary"]["blocked"], 3);
    assert!(writes(&source).is_empty(), "the source is only read");
    sim.with_instance(|i| {
        for name in [WEBINAR, SUMMIT, NEWSLETTER] {
            assert!(i.program_named(name).is_some(), "{name}");
        }
    });
    // The source's snapshot is kept in its own state, and read again
    // with the list pages only.
    source.reset_counters();
    live(
        &sim,
        &state,
        &["preview", "--from", &from, "--to", &target, "--json"],
    );
    assert_eq!(content_calls(&source), Vec::<String>::new());
}

#[test]
fn each_instance_may_have_its_own_credentials() {
    let tmp = tempfile::tempdir().unwrap();
    let mut cmd = assert_cmd::Command::cargo_bin("mkimport").unwrap();
    let out = cmd
        .args([
            "preview",
            "--from",
            SANDBOX,
            "--to",
            "marketo:123-abc-456",
            "--json",
        ])
        .current_dir(root())
        .env("MARKETO_CLIENT_ID_123_ABC_456", "an-id")
        .env_remove("MARKETO_CLIENT_SECRET_123_ABC_456")
        .env("XDG_STATE_HOME", tmp.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("MARKETO_CLIENT_SECRET_123_ABC_456"),
        "{stderr}"
    );
    assert!(!stderr.contains("an-id"), "{stderr}");
}

#[test]
fn a_used_up_quota_stops_the_run_and_the_next_run_takes_back_its_program() {
    let tmp = tempfile::tempdir().unwrap();
    let args = |target: &str| -> Vec<String> {
        [
            "run",
            "--from",
            &sandbox(),
            "--to",
            target,
            "--json",
            "--yes",
            "--program",
            SUMMIT,
            "--program",
            WEBINAR,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    let clean = production();
    let target = live_target(&clean);
    let refs = args(&target);
    let refs: Vec<&str> = refs.iter().map(String::as_str).collect();
    live(&clean, &tmp.path().join("clean"), &refs).expect(0);

    let sim = production();
    let target = live_target(&sim);
    let state = tmp.path().join("state");
    let refs = args(&target);
    let refs: Vec<&str> = refs.iter().map(String::as_str).collect();
    // The quota runs out while the webinar's emails are written.
    sim.inject(Fault::code("607").on("/rest/asset/v1/emails.json").after(3));
    let run = live(&sim, &state, &refs);
    run.expect(1);
    assert!(run.stderr.contains("daily API quota"), "{}", run.stderr);
    assert_ne!(dump(&sim), dump(&clean), "the webinar is half-written");
    // The next day.
    let again = live(&sim, &state, &refs);
    again.expect(0);
    assert!(
        again.stderr.contains("finished an interrupted run"),
        "{}",
        again.stderr
    );
    let report = again.json();
    let status = |name: &str| {
        report["programs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .map(|p| p["status"].as_str().unwrap().to_string())
    };
    assert_eq!(status(SUMMIT).as_deref(), Some("unchanged"));
    assert_eq!(status(WEBINAR).as_deref(), Some("ok"));
    assert_eq!(dump(&sim), dump(&clean));
}

#[test]
fn the_table_counts_smart_lists_and_flows_to_do_by_hand() {
    let sim = production();
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    let target = live_target(&sim);
    let table = |extra: &[&str]| {
        let mut args = vec!["preview", "--from", SANDBOX, "--to", &target];
        args.extend_from_slice(extra);
        let mut cmd = live_command(&sim, &state, &args);
        cmd.current_dir(root()).env("COLUMNS", "400");
        let out = cmd.output().unwrap();
        assert_eq!(out.status.code(), Some(3));
        String::from_utf8(out.stdout).unwrap()
    };
    let short = table(&[]);
    // Counted per program, not listed; manual tokens and tags stay listed.
    assert!(
        short.contains("smart-list rules and flow steps of 5 campaigns to add by hand in Marketo"),
        "{short}"
    );
    assert!(
        !short.contains("Marketo's API cannot write smart lists"),
        "{short}"
    );
    assert!(
        short.contains("cannot create a calendar (iCalendar) token"),
        "{short}"
    );
    // The plan line counts every action as spec 5a spells it.
    assert!(short.contains(" to do by hand (manual)"), "{short}");
    // --verbose lists every one.
    let long = table(&["--verbose"]);
    assert!(
        long.contains("Marketo's API cannot write smart lists"),
        "{long}"
    );
    // Markdown lists every asset that is not a plain creation (spec 5a),
    // manual ones included: a checklist for whoever finishes in Marketo.
    let md = table(&["--format", "markdown"]);
    assert!(md.contains("| manual | smart-campaign |"), "{md}");
}

/// `run --from fixtures/sandbox --to <target> --skip-blocked --yes --json`.
fn import_sandbox(sim: &Sim, state: &Path, target: &str) -> Run {
    live(
        sim,
        state,
        &[
            "run",
            "--from",
            SANDBOX,
            "--to",
            target,
            "--skip-blocked",
            "--yes",
            "--json",
        ],
    )
}

#[test]
fn an_undo_keeps_the_files_the_api_cannot_delete_and_says_so() {
    let sim = production();
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    let target = live_target(&sim);
    let run = import_sandbox(&sim, &state, &target);
    run.expect(4);
    let id = run.json()["import_id"].as_str().unwrap().to_string();
    let uploaded: Vec<String> = run.json()["instance_assets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["kind"] == "image" && a["action"] == "create")
        .map(|a| a["name"].as_str().unwrap().to_string())
        .collect();
    assert!(!uploaded.is_empty(), "{}", run.stdout);

    let undo = live(
        &sim,
        &state,
        &["undo", &id, "--to", &target, "--yes", "--json"],
    );
    undo.expect(0);
    let report = undo.json();
    assert_eq!(report["summary"]["kept"], uploaded.len(), "{report:#}");
    let files = dump(&sim)["files"].clone();
    for name in &uploaded {
        assert!(files.get(name).is_some(), "{name} is still in the instance");
    }
    assert!(
        undo.stderr
            .contains("Marketo's API has no call that deletes a file"),
        "{}",
        undo.stderr
    );

    // The human line counts them apart (the same import into a fresh
    // instance).
    let sim = production();
    let state = tmp.path().join("state-2");
    let target = live_target(&sim);
    let run = import_sandbox(&sim, &state, &target);
    run.expect(4);
    let id = run.json()["import_id"].as_str().unwrap().to_string();
    let human = live(&sim, &state, &["undo", &id, "--to", &target, "--yes"]);
    human.expect(0);
    let kept = format!(", {} files kept.", uploaded.len());
    assert!(human.stdout.contains(&kept), "{}", human.stdout);
}

#[test]
fn a_refused_run_still_reports_its_calls() {
    let sim = production();
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    let target = live_target(&sim);
    // Blocked programs without --skip-blocked: refused, nothing written.
    let refused = live(
        &sim,
        &state,
        &["run", "--from", SANDBOX, "--to", &target, "--yes", "--json"],
    );
    refused.expect(3);
    assert!(refused.json()["summary"]["calls"].as_u64().unwrap() > 0);
    assert!(writes(&sim).is_empty());
    // Only blocked programs left to import: refused too, with its calls.
    let run = import_sandbox(&sim, &state, &target);
    run.expect(4);
    let again = import_sandbox(&sim, &state, &target);
    again.expect(3);
    let summary = &again.json()["summary"];
    assert_eq!(summary["unchanged"], 3, "{summary}");
    assert!(summary["calls"].as_u64().unwrap() > 0, "{summary}");
}

#[test]
fn without_xdg_state_home_the_state_is_under_home() {
    let sim = production();
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let target = live_target(&sim);
    let mut cmd = live_command(
        &sim,
        &tmp.path().join("unused"),
        &["preview", "--from", SANDBOX, "--to", &target, "--json"],
    );
    cmd.current_dir(root())
        .env_remove("XDG_STATE_HOME")
        .env("HOME", &home);
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    let instances: Vec<_> = std::fs::read_dir(home.join(".local/state/mkimport"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(instances.len(), 1, "{instances:?}");
    assert!(instances[0].join("snapshot/subscription.json").is_file());
    assert!(!tmp.path().join("unused").exists());
}

#[test]
fn a_held_lock_stops_a_second_run_on_the_instance() {
    let sim = production();
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    let target = live_target(&sim);
    // A preview makes the instance's state directory.
    live(
        &sim,
        &state,
        &["preview", "--from", SANDBOX, "--to", &target, "--json"],
    )
    .expect(3);
    let dirs: Vec<_> = std::fs::read_dir(state.join("mkimport"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dirs[0].join("lock"))
        .unwrap();
    lock.try_lock().unwrap();
    let run = import_sandbox(&sim, &state, &target);
    run.expect(1);
    assert!(run.stderr.contains("holds the lock"), "{}", run.stderr);
    assert!(writes(&sim).is_empty(), "nothing written while locked");
    lock.unlock().unwrap();
    drop(lock);
    import_sandbox(&sim, &state, &target).expect(4);
}

#[test]
fn statuses_and_email_settings_carry_over_and_defaults_are_the_instances() {
    let sim = production();
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    let target = live_target(&sim);
    // The sandbox with v3 keys on the webinar's assets.
    let source = fixture_copy("sandbox", &tmp.path().join("sandbox"));
    let file = Path::new(&source)
        .join("marketing-activities/Webinars/2026")
        .join(WEBINAR)
        .join("program.json");
    let mut program = read_json(&file);
    program["emails"][0]["status"] = "approved".into();
    program["emails"][0]["from_name"] = "Acme Events".into();
    program["emails"][0]["from_email"] = "events@acme.example".into();
    program["emails"][0]["reply_email"] = "replies@acme.example".into();
    program["emails"][0]["operational"] = true.into();
    program["emails"][1]["status"] = "draft".into();
    program["landing_pages"][0]["status"] = "approved".into();
    program["landing_pages"][1]["status"] = "draft".into();
    program["forms"][0]["status"] = "draft".into();
    std::fs::write(&file, serde_json::to_vec_pretty(&program).unwrap()).unwrap();
    live(
        &sim,
        &state,
        &[
            "run",
            "--from",
            &source,
            "--to",
            &target,
            "--program",
            WEBINAR,
            "--yes",
            "--json",
        ],
    )
    .expect(0);
    sim.with_instance(|i| {
        // The webinar's (the instance may hold others of those names).
        let program = Parent::Program(i.program_named(WEBINAR).unwrap());
        let email = |name: &str| {
            i.emails
                .values()
                .find(|e| e.name == name && e.parent == program)
                .unwrap()
                .clone()
        };
        let invite = email("Invite");
        assert!(invite.status.is_approved(), "{:?}", invite.status);
        assert_eq!(invite.sender.from_name.as_deref(), Some("Acme Events"));
        assert_eq!(
            invite.sender.from_email.as_deref(),
            Some("events@acme.example")
        );
        assert_eq!(
            invite.sender.reply_email.as_deref(),
            Some("replies@acme.example")
        );
        assert!(invite.operational);
        let reminder = email("Reminder - 1 Day");
        assert!(!reminder.status.is_approved(), "a draft stays a draft");
        // An email without settings takes the instance's defaults; none is
        // borrowed from another email.
        let defaults = i.email_defaults.clone();
        let follow_up = email("Follow-Up - Attended");
        assert_eq!(
            follow_up.sender.from_email.as_deref(),
            Some(defaults.from_email.as_str())
        );
        assert!(!follow_up.status.is_approved(), "no status: a draft");
        let page = |name: &str| {
            i.landing_pages
                .values()
                .find(|p| p.name == name && p.parent == program)
                .unwrap()
                .status
        };
        assert!(page("Registration").is_approved());
        assert!(!page("Thank You").is_approved());
        let form = i
            .forms
            .values()
            .find(|f| f.name == "Post-Event Survey" && f.parent == program)
            .unwrap();
        assert!(!form.status.is_approved(), "a draft form stays a draft");
    });
}

#[test]
fn a_local_forms_fields_are_exactly_the_bundles_in_order() {
    let sim = production();
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    let target = live_target(&sim);
    live(
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
            "--program",
            SUMMIT,
            "--yes",
            "--json",
        ],
    )
    .expect(0);
    let source = programs(Path::new(SANDBOX));
    let fields = read_json(&root().join("fixtures/production/subscription.json"))["fields"].clone();
    let api_name = |display: &str| -> String {
        fields
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == display)
            .and_then(|f| f["api_name"].as_str())
            .unwrap_or(display)
            .to_ascii_lowercase()
    };
    for name in [WEBINAR, SUMMIT] {
        let (_, bundle) = &source[name];
        for form in bundle["forms"].as_array().unwrap() {
            let wanted: Vec<String> = form["fields"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| api_name(f.as_str().unwrap()))
                .collect();
            let held: Vec<String> = sim.with_instance(|i| {
                i.forms
                    .values()
                    .find(|f| f.name == form["name"].as_str().unwrap())
                    .unwrap()
                    .fields
                    .iter()
                    .map(|f| f.api_name.to_ascii_lowercase())
                    .collect()
            });
            // No default field the bundle lacks, none twice, in order.
            assert_eq!(held, wanted, "{name}: form {}", form["name"]);
        }
    }
}

#[test]
fn a_rollback_unapproves_what_it_approved_and_leaves_nothing_behind() {
    let sim = production();
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    let target = live_target(&sim);
    let before = dump(&sim);
    // The webinar with its emails and pages approved in the source.
    let source = fixture_copy("sandbox", &tmp.path().join("sandbox"));
    let file = Path::new(&source)
        .join("marketing-activities/Webinars/2026")
        .join(WEBINAR)
        .join("program.json");
    let mut program = read_json(&file);
    for key in ["emails", "landing_pages", "forms"] {
        for asset in program[key].as_array_mut().unwrap() {
            asset["status"] = "approved".into();
        }
    }
    std::fs::write(&file, serde_json::to_vec_pretty(&program).unwrap()).unwrap();
    // Marketo refuses the last smart campaign: by then everything else
    // was written and approved.
    sim.inject(
        Fault::code("709")
            .on("/rest/asset/v1/smartCampaigns.json")
            .with("name", "05 Alert Sales on Recording Click"),
    );
    let run = live(
        &sim,
        &state,
        &[
            "run",
            "--from",
            &source,
            "--to",
            &target,
            "--program",
            WEBINAR,
            "--yes",
            "--json",
        ],
    );
    run.expect(1);
    let report = run.json();
    assert_eq!(report["programs"][0]["status"], "failed");
    // Nothing refused the rollback: no warning but the files the API
    // cannot delete.
    for p in report["programs"][0]["problems"].as_array().unwrap() {
        if p["severity"] == "warning" && p["code"] == "api-error" {
            assert!(
                p["message"]
                    .as_str()
                    .unwrap()
                    .contains("no call that deletes a file"),
                "{p}"
            );
        }
    }
    // Approved emails, pages and templates were unapproved, then deleted.
    let unapproved: Vec<String> = sim
        .calls()
        .into_iter()
        .filter(|c| c.path.ends_with("/unapprove.json") && c.code.is_none())
        .map(|c| c.path)
        .collect();
    assert!(
        unapproved.iter().any(|p| p.contains("/email/"))
            && unapproved.iter().any(|p| p.contains("/landingPage/"))
            && unapproved
                .iter()
                .any(|p| p.contains("/landingPageTemplate/")),
        "{unapproved:?}"
    );
    let after = dump(&sim);
    for key in [
        "programs",
        "email_templates",
        "landing_page_templates",
        "forms",
    ] {
        assert_eq!(after[key], before[key], "{key}: nothing left behind");
    }
}

#[test]
fn a_refusal_to_delete_is_a_warning_and_the_rollback_goes_on() {
    let sim = production();
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    let target = live_target(&sim);
    let before = dump(&sim);
    // The webinar's landing page is refused, then the first delete of its
    // rollback too (after the two default fields its form removed).
    sim.inject(
        Fault::code("709")
            .on("/rest/asset/v1/landingPages.json")
            .with("name", "Registration"),
    );
    sim.inject(Fault::code("709").on("/delete.json").after(2));
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
    run.expect(1);
    let report = run.json();
    let problems = report["programs"][0]["problems"].as_array().unwrap();
    let refused: Vec<&str> = problems
        .iter()
        .filter(|p| p["severity"] == "warning" && p["code"] == "api-error")
        .map(|p| p["message"].as_str().unwrap())
        .filter(|m| m.contains("could not be taken back"))
        .collect();
    assert_eq!(refused.len(), 1, "{problems:?}");
    assert!(
        refused[0].contains("709") && refused[0].contains("(id "),
        "{}",
        refused[0]
    );
    // The rollback went on: the program (and what it holds) and the new
    // templates are gone.
    let after = dump(&sim);
    assert_eq!(after["programs"], before["programs"]);
    assert_eq!(
        after["landing_page_templates"],
        before["landing_page_templates"]
    );
    assert!(!journal_pending(&state));
}

fn journal_pending(state: &Path) -> bool {
    walkdir::WalkDir::new(state)
        .into_iter()
        .filter_map(Result::ok)
        .any(|e| e.file_name() == "journal.ndjson")
}
