//! `mkimport run`: what lands in the target, and that re-running and
//! repeating an import are safe and deterministic.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

use serde_json::Value;

use crate::support::*;

/// Importing the sandbox into production with `--skip-blocked` writes the
/// three clean programs, their assets and tags, and a receipt.
#[test]
fn run_imports_the_ok_programs_with_rewritten_references() {
    let (_guard, target) = copy_fixture("production");
    let before = snapshot(&target);
    let original_sub = read_json(&target.join("subscription.json"));

    let out = run_sandbox(&target, &[]);
    out.expect_code(4); // partial: some imported, some blocked (spec 5a)
    let report = out.json();
    assert_eq!(report["mode"], "run");
    let import_id = report["import_id"]
        .as_str()
        .expect("a run report has an import_id")
        .to_string();
    assert!(!import_id.is_empty());
    let status = statuses(report);
    for name in OK_PROGRAMS {
        assert_eq!(status[name], "ok", "{name}");
    }
    assert_eq!(report["summary"]["ok"], 3);
    assert_eq!(report["summary"]["blocked"], 3);

    // Every ok program landed in its folder, whole and marked as imported.
    for name in OK_PROGRAMS {
        let (rel, program) = program_named(&target, name);
        let folder = program["program"]["folder"]
            .as_str()
            .expect("program.folder");
        let dir = rel
            .strip_prefix(&format!("marketing-activities/{folder}/"))
            .unwrap_or_else(|| panic!("{name} landed at {rel}, not in its folder {folder}"));
        assert!(
            dir.ends_with("/program.json") && dir.matches('/').count() == 1,
            "{name}: {rel} is not <folder>/<dir>/program.json"
        );
        assert!(
            !before.contains_key(Path::new(&rel)),
            "{rel} existed before the import"
        );

        let imported = &program["imported"];
        assert_eq!(imported["import_id"], import_id.as_str(), "{name}");
        assert!(
            imported["source"].as_str().is_some_and(|s| !s.is_empty()),
            "{name}: imported.source {:?}",
            imported["source"]
        );
        assert!(
            imported["bundle_digest"]
                .as_str()
                .is_some_and(|s| !s.is_empty()),
            "{name}: imported.bundle_digest {:?}",
            imported["bundle_digest"]
        );
        assert!(
            program.get("external").is_none(),
            "{name}: a stored program has no external/"
        );

        for token in program["tokens"].as_array().expect("tokens") {
            assert!(
                token.get("inherited_from").is_none(),
                "{name}: token {} is still inherited",
                token["name"]
            );
        }
        for campaign in program["smart_campaigns"].as_array().expect("campaigns") {
            match campaign["type"].as_str() {
                Some("trigger") => assert_eq!(
                    campaign["active"], false,
                    "{name}: trigger campaign {} is active",
                    campaign["name"]
                ),
                Some("batch") => assert!(
                    campaign["schedule"].is_null(),
                    "{name}: batch campaign {} keeps its schedule {}",
                    campaign["name"],
                    campaign["schedule"]
                ),
                other => panic!("{name}: unexpected campaign type {other:?}"),
            }
        }
    }

    // The webinar's references are rewritten to the names in the target.
    let (_, webinar) = program_named(&target, WEBINAR);
    let pages = webinar["landing_pages"].as_array().expect("landing pages");
    assert_eq!(pages.len(), 2);
    for page in pages {
        assert_eq!(
            page["template"], "Standard Template 1",
            "landing page {}",
            page["name"]
        );
    }
    let registration = pages
        .iter()
        .find(|p| p["name"] == "Registration")
        .expect("the Registration page");
    assert_eq!(
        registration["forms"],
        serde_json::json!(["Webinar Registration form"])
    );
    let tokens: BTreeSet<&str> = webinar["tokens"]
        .as_array()
        .expect("tokens")
        .iter()
        .map(|t| t["name"].as_str().expect("token name"))
        .collect();
    for localized in ["my.Footer", "my.Support Email", "my.Webinar Platform"] {
        assert!(tokens.contains(localized), "{localized} was not localized");
    }
    let company: Vec<&Value> = webinar["tokens"]
        .as_array()
        .expect("tokens")
        .iter()
        .filter(|t| t["name"] == "my.Company Name")
        .collect();
    assert_eq!(company.len(), 1, "one my.Company Name token");
    assert_eq!(
        company[0]["value"], "Acme Analytics GmbH",
        "the local one wins"
    );

    // The renamed landing page template is a new design-studio file.
    let new_templates: Vec<(String, Value)> = design_docs(&target, "landing-page-templates")
        .into_iter()
        .filter(|(file, _)| {
            !before.contains_key(Path::new(&format!(
                "design-studio/landing-page-templates/{file}"
            )))
        })
        .collect();
    assert!(
        new_templates
            .iter()
            .any(|(_, doc)| doc["name"] == "Standard Template 1"),
        "no new landing page template named \"Standard Template 1\": {new_templates:?}"
    );
    // The target's own design-studio files (its "Standard Template", the
    // reused images and templates) are untouched.
    let after = snapshot(&target);
    for (rel, entry) in &before {
        if rel.starts_with("design-studio/") {
            assert_eq!(after.get(rel), Some(entry), "{} was changed", rel.display());
        }
    }

    // subscription.json: only the new tag value, every other key kept.
    let sub = read_json(&target.join("subscription.json"));
    let region = sub["tags"]["Region"].as_array().expect("Region values");
    for value in ["EMEA", "AMER", "APAC"] {
        assert!(
            region.iter().any(|v| v == value),
            "Region lacks {value}: {region:?}"
        );
    }
    assert_eq!(region.len(), 3, "Region values: {region:?}");
    let mut without_tags = sub.clone();
    let mut original_without_tags = original_sub.clone();
    without_tags.as_object_mut().expect("object").remove("tags");
    original_without_tags
        .as_object_mut()
        .expect("object")
        .remove("tags");
    assert_eq!(without_tags, original_without_tags, "only the tags change");
    assert_eq!(
        sub["tags"]["Product Line"], original_sub["tags"]["Product Line"],
        "other tag types are unchanged"
    );

    // The receipt is the report.
    let receipt_path = target
        .join(STATE)
        .join("imports")
        .join(format!("{import_id}.json"));
    assert!(
        receipt_path.is_file(),
        "no receipt {}",
        receipt_path.display()
    );
    assert_eq!(read_json(&receipt_path), *report);

    // The blocked programs wrote nothing.
    let (_, roundtable) = program_named(&target, ROUNDTABLE);
    assert!(
        roundtable.get("imported").is_none(),
        "the target's own Roundtable is untouched"
    );
    for blocked in [
        "2026 State of Marketing Ops Report",
        "2026 Trial Conversion Nurture",
    ] {
        assert!(
            !programs(&target)
                .values()
                .any(|v| v["program"]["name"] == blocked),
            "blocked {blocked} was written"
        );
    }
    // No temporary files left behind anywhere.
    for file in all_files(&target) {
        assert!(
            !file
                .rsplit('/')
                .next()
                .unwrap_or("")
                .starts_with(".mkimport-tmp"),
            "temporary file left: {file}"
        );
    }
}

/// Running the same import twice changes nothing the second time.
#[test]
fn rerun_reports_unchanged_and_writes_nothing() {
    let (_guard, target) = copy_fixture("production");
    let first = run_sandbox(&target, &[]);
    first.expect_code(4); // partial: some imported, some blocked (spec 5a)
    let first = first.json();
    let after_first = snapshot(&target);

    let second = run_sandbox(&target, &[]);
    second.expect_code(3); // blocked, and nothing imported (spec 5a)
    let second = second.json();
    let status = statuses(second);
    for name in OK_PROGRAMS {
        assert_eq!(status[name], "unchanged", "{name} on the second run");
    }
    assert_eq!(second["summary"]["ok"], 0);
    assert_eq!(second["summary"]["unchanged"], 3);
    // The blocked ones are still blocked, for the same reasons.
    for (name, was) in statuses(first) {
        if was == "blocked" {
            assert_eq!(status[&name], "blocked", "{name}");
        }
    }
    assert_same_tree(&after_first, &snapshot(&target), "second run");
    assert_eq!(programs(&target).len(), 2 + 3, "no duplicate programs");
}

/// A run with nothing to import (every program already there, none
/// blocked) changes nothing at all: exit 0, no receipt, so `log` lists
/// no import of nothing; the report says so.
#[test]
fn a_run_with_nothing_to_import_writes_no_receipt() {
    let (_guard, target) = copy_fixture("production");
    let args = ["--program", "2026 APAC Growth Summit", "--user", OPS];
    let first = run_into(&fixtures().join("sandbox"), &target, &args);
    first.expect_code(0);
    let after_first = snapshot_all(&target);

    let again = run_into(&fixtures().join("sandbox"), &target, &args);
    again.expect_code(0);
    assert_eq!(again.json()["summary"]["unchanged"], 1);
    assert_eq!(again.json()["summary"]["ok"], 0);
    assert_eq!(again.json()["import_id"], Value::Null, "no import happened");
    assert!(
        again.stderr.contains("Nothing to import"),
        "{}",
        again.stderr
    );
    assert_same_tree(&after_first, &snapshot_all(&target), "a run of nothing");
    let log = run(&["log", "--to", p(&target), "--json"]);
    let imports = log.json()["imports"].as_array().unwrap().clone();
    assert_eq!(imports.len(), 1, "{imports:?}");
    assert_eq!(imports[0]["import_id"], first.json()["import_id"]);
    // The human table says the same, and exits 0.
    let human = run(&[
        "run",
        "--from",
        &sandbox(),
        "--to",
        p(&target),
        "--yes",
        "--program",
        "2026 APAC Growth Summit",
        "--user",
        OPS,
    ]);
    human.expect_code(0);
    assert!(
        human.stdout.contains("Unchanged (already imported)"),
        "{}",
        human.stdout
    );
    assert!(!human.stdout.contains("receipt "), "{}", human.stdout);
    let md = run(&[
        "run",
        "--from",
        &sandbox(),
        "--to",
        p(&target),
        "--yes",
        "--format",
        "markdown",
        "--program",
        "2026 APAC Growth Summit",
        "--user",
        OPS,
    ]);
    md.expect_code(0);
    assert!(
        md.stdout.contains("mkimport run: nothing to import into "),
        "{}",
        md.stdout
    );
    assert!(md.stdout.contains("nothing was written"), "{}", md.stdout);
    assert_same_tree(&after_first, &snapshot_all(&target), "a run of nothing");
}

/// The same import into two identical targets gives byte-identical files
/// and the same import id.
#[test]
fn same_import_into_identical_targets_is_byte_identical() {
    let (_a_guard, a) = copy_fixture("production");
    let (_b_guard, b) = copy_fixture("production");
    let out_a = run_sandbox(&a, &[]);
    out_a.expect_code(4); // partial: some imported, some blocked (spec 5a)
    let out_b = run_sandbox(&b, &[]);
    out_b.expect_code(4);
    let (ra, rb) = (out_a.json(), out_b.json());
    assert!(ra["import_id"].is_string());
    assert_eq!(ra["import_id"], rb["import_id"]);
    let (sa, sb) = (snapshot(&a), snapshot(&b));
    assert!(
        sa.len() > snapshot_len_of_fixture(),
        "something was written"
    );
    assert_same_tree(&sa, &sb, "two identical imports");
}

fn snapshot_len_of_fixture() -> usize {
    snapshot(&fixtures().join("production")).len()
}

/// `--rule program=rename` imports the Roundtable as "2025 Customer
/// Roundtable 1"; running it again recognises the bundle by its digest and
/// reports it `unchanged` (no "… 2").
#[test]
fn program_rename_then_rerun_is_unchanged() {
    let (_guard, target) = copy_fixture("production");
    let args = |t: &str| -> Vec<String> {
        [
            "run",
            "--from",
            &sandbox(),
            "--to",
            t,
            "--user",
            OPS,
            "--program",
            ROUNDTABLE,
            "--rule",
            "program=rename",
            "--yes",
            "--json",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    let args = args(p(&target));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();

    let first = run(&args);
    first.expect_code(0);
    let report = first.json();
    let entry = report_program(report, ROUNDTABLE);
    assert_eq!(entry["status"], "ok");
    assert_eq!(entry["imported_as"], "2025 Customer Roundtable 1");
    let (_, renamed) = program_named(&target, "2025 Customer Roundtable 1");
    assert_eq!(renamed["imported"]["import_id"], report["import_id"]);
    let (_, original) = program_named(&target, ROUNDTABLE);
    assert!(original.get("imported").is_none());
    let after_first = snapshot(&target);

    let second = run(&args);
    second.expect_code(0);
    let report = second.json();
    let entry = report_program(report, ROUNDTABLE);
    assert_eq!(entry["status"], "unchanged");
    assert_eq!(entry["imported_as"], "2025 Customer Roundtable 1");
    assert_same_tree(&after_first, &snapshot(&target), "second rename run");
    let names: BTreeMap<String, usize> =
        programs(&target)
            .values()
            .fold(BTreeMap::new(), |mut m, v| {
                *m.entry(v["program"]["name"].as_str().unwrap_or("").to_string())
                    .or_default() += 1;
                m
            });
    assert!(
        !names.contains_key("2025 Customer Roundtable 2"),
        "imported a second time: {names:?}"
    );
    assert!(names.values().all(|&n| n == 1), "{names:?}");
}

/// Importing into a target whose state directory already holds receipts
/// and a lock file does not disturb them.
#[test]
fn receipts_of_earlier_runs_are_kept() {
    let (_guard, target) = copy_fixture("production");
    let first = run(&[
        "run",
        "--from",
        &sandbox(),
        "--to",
        p(&target),
        "--user",
        OPS,
        "--program",
        "2026 APAC Growth Summit",
        "--yes",
        "--json",
    ]);
    first.expect_code(0);
    let first_id = first.json()["import_id"].as_str().expect("id").to_string();
    let second = run_sandbox(&target, &[]);
    second.expect_code(4); // partial: some imported, some blocked (spec 5a)
    let second_id = second.json()["import_id"].as_str().expect("id").to_string();
    assert_ne!(first_id, second_id);
    let imports = target.join(STATE).join("imports");
    // Receipts are the JSON files; the directories beside them hold the
    // pre-images of what an import replaced (the first one added a tag to
    // subscription.json).
    let mut receipts: Vec<String> = fs::read_dir(&imports)
        .expect("imports dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".json"))
        .collect();
    receipts.sort();
    let mut expected = vec![format!("{first_id}.json"), format!("{second_id}.json")];
    expected.sort();
    assert_eq!(receipts, expected);
    let report = second.json();
    assert_eq!(
        report_program(report, "2026 APAC Growth Summit")["status"],
        "unchanged"
    );
}

/// Without --json the run prints a human summary, not JSON, and writes
/// exactly what a --json run writes.
#[test]
fn human_output_run_writes_the_same_files() {
    let (_a_guard, a) = copy_fixture("production");
    let (_b_guard, b) = copy_fixture("production");
    let human = run(&[
        "run",
        "--from",
        &sandbox(),
        "--to",
        p(&a),
        "--user",
        OPS,
        "--skip-blocked",
        "--yes",
    ]);
    human.expect_code(4); // partial: some imported, some blocked (spec 5a)
    assert!(
        serde_json::from_str::<Value>(&human.stdout).is_err(),
        "without --json stdout is for people: {}",
        human.stdout
    );
    let json = run_sandbox(&b, &[]);
    json.expect_code(4);
    let id = json.json()["import_id"].as_str().expect("id").to_string();
    assert!(
        human.stdout.contains(&id),
        "the summary names the import id {id}: {}",
        human.stdout
    );
    assert_same_tree(&snapshot(&a), &snapshot(&b), "human vs --json run");
    assert!(a
        .join(STATE)
        .join("imports")
        .join(format!("{id}.json"))
        .is_file());
}

#[test]
fn a_refused_run_leaves_the_target_exactly_as_it_was() {
    // Blocked programs and no --skip-blocked: exit 3, and not even the
    // tool's state directory (with its lock file) is left behind.
    let (_dir, target) = copy_fixture("production");
    assert!(!target.join(".mkimport").exists());
    let out = run(&[
        "run",
        "--from",
        &sandbox(),
        "--to",
        p(&target),
        "--yes",
        "--json",
    ]);
    out.expect_code(3);
    assert!(!target.join(".mkimport").exists());
}

#[test]
fn keys_the_tool_does_not_know_survive_the_import() {
    // program.json and subscription.json may carry keys from a newer
    // exporter; an import keeps them where they were.
    let dir = tempfile::TempDir::new().unwrap();
    let target = dir.path().join("target");
    minimal_target(&target);
    let mut meta = read_json(&target.join("subscription.json"));
    meta["tags"] = serde_json::json!({"Region": ["EMEA"]});
    meta["x_vendor"] = serde_json::json!({"sync": true});
    write_json(&target, "subscription.json", &meta);
    let bundle = dir.path().join("bundle");
    write_json(
        &bundle,
        "program.json",
        &serde_json::json!({
            "format": 1,
            "x_exporter": "mkexport 2.0",
            "program": {"name": "Keys", "folder": "Imports", "tags": {"Region": "APAC"}, "x_color": "blue"},
            "emails": [{"name": "E", "html": "<p>hi</p>", "x_preheader": "Hello"}],
            "smart_campaigns": [{"name": "C", "type": "batch", "x_quota": 5}],
            "tokens": [{"name": "my.T", "type": "text", "value": "v", "x_note": "n"}],
        }),
    );
    run(&[
        "run",
        "--from",
        p(&bundle),
        "--to",
        p(&target),
        "--yes",
        "--json",
    ])
    .expect_code(0);
    let (_, program) = program_named(&target, "Keys");
    assert_eq!(program["x_exporter"], "mkexport 2.0");
    assert_eq!(program["program"]["x_color"], "blue");
    assert_eq!(program["emails"][0]["x_preheader"], "Hello");
    assert_eq!(program["smart_campaigns"][0]["x_quota"], 5);
    assert_eq!(program["tokens"][0]["x_note"], "n");
    // subscription.json was rewritten (a new tag value) and keeps its key.
    let meta = read_json(&target.join("subscription.json"));
    assert_eq!(meta["x_vendor"]["sync"], true);
    assert_eq!(meta["tags"]["Region"], serde_json::json!(["EMEA", "APAC"]));
}
