//! The built-in Program Library: listing, showing, and importing it.

use crate::support::*;

use serde_json::Value;

const PROGRAMS: [&str; 16] = [
    "Basic Drip Nurture",
    "Data Management",
    "Email with Landing Page",
    "Email with Progression Statuses",
    "Interesting Moments",
    "Landing Page with Autoresponder",
    "Lifecycle 2",
    "Mobile Email Template",
    "Program Import Sweepstakes",
    "Sales Available Campaigns",
    "Scoring - Spark Edition",
    "Scoring - Standard & Select Editions",
    "Sync New People to CRM",
    "Webinar with Event Adapter",
    "Webinar without Event Adapter",
    "Sirius Decisions Scoring Program",
];

#[test]
fn list_json_has_the_sixteen_programs_with_their_counts() {
    let out = run(&["library", "list", "--json"]);
    assert_eq!(out.code, 0);
    let list = out.json();
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    for name in PROGRAMS {
        assert!(names.contains(&name), "{name} missing from {names:?}");
    }
    assert_eq!(names.len(), 16);
    for program in list.as_array().unwrap() {
        assert!(program["description"]
            .as_str()
            .is_some_and(|d| d.len() > 20));
        assert!(program["type"].is_string() && program["channel"].is_string());
        assert!(program["assets"]["smart_campaigns"].as_u64().unwrap() > 0);
        assert!(program["assets"]["emails"].is_u64());
    }
    let scoring: Vec<&Value> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["name"].as_str().unwrap().starts_with("Scoring - "))
        .collect();
    assert_eq!(scoring.len(), 2);
    for program in scoring {
        assert!(program["assets"]["smart_campaigns"].as_u64().unwrap() > 24);
    }
}

#[test]
fn list_fits_the_terminal() {
    for columns in [80, 200] {
        let out = run_with(&["library", "list"], &[("COLUMNS", &columns.to_string())]);
        out.expect_code(0);
        assert!(
            widest(&out.stdout) <= columns,
            "COLUMNS={columns}:\n{}",
            out.stdout
        );
        assert!(out.stdout.contains("Basic Drip"), "{}", out.stdout);
    }
    let show = run_with(&["library", "show", "Lifecycle 2"], &[("COLUMNS", "80")]);
    show.expect_code(0);
    assert!(widest(&show.stdout) <= 80, "{}", show.stdout);
    assert!(
        show.stdout.contains("MQL Alert to Lead Owner"),
        "{}",
        show.stdout
    );
    // With room, a name is on one line.
    let wide = run_with(&["library", "list"], &[("COLUMNS", "200")]);
    assert!(
        wide.stdout.contains("│ Basic Drip Nurture "),
        "{}",
        wide.stdout
    );
}

#[test]
fn show_names_what_a_program_requires() {
    let out = run(&["library", "show", "scoring - standard & select editions"]);
    assert_eq!(out.code, 0);
    let text = &out.stdout;
    assert!(
        text.contains("field \"Demographic Score\" (score)"),
        "{text}"
    );
    assert!(text.contains("field \"Behavior Score\" (score)"), "{text}");

    let out = run(&["library", "show", "No Such Program"]);
    assert_eq!(out.code, 2);
    // Nothing near it: no dump of the sixteen names, a pointer to the list.
    let stderr = &out.stderr;
    assert!(stderr.contains("library list"), "{stderr}");
    assert!(!stderr.contains("Basic Drip Nurture"), "{stderr}");
}

#[test]
fn every_library_program_previews_cleanly_into_a_ready_target() {
    // All sixteen at once (shared templates are planned once, then reused).
    let out = run(&[
        "preview",
        "--from",
        "library",
        "--to",
        "fixtures/agency-client",
        "--json",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let report = out.json();
    assert_eq!(report["summary"]["programs"], 16);
    assert_eq!(report["summary"]["ok"], 16);
    assert_eq!(report["summary"]["errors"], 0);
    // And each one alone.
    for name in PROGRAMS {
        let out = run(&[
            "preview",
            "--from",
            "library",
            "--to",
            "fixtures/agency-client",
            "--json",
            "--program",
            name,
            "--folder",
            "Campaigns/2026",
        ]);
        assert_eq!(out.code, 0, "{name}");
        let report = out.json();
        let program = &report["programs"][0];
        assert_eq!(program["name"], name);
        assert_eq!(program["status"], "ok", "{name}: {}", program["problems"]);
    }
}

#[test]
fn scoring_standard_without_its_fields_is_blocked_naming_both() {
    let target = tempfile::tempdir().unwrap();
    std::fs::write(
        target.path().join("subscription.json"),
        r#"{"format": 1, "name": "Bare", "fields": [{"name": "Email Address", "type": "email"}],
            "channels": [{"name": "Operational", "statuses": []}]}"#,
    )
    .unwrap();
    std::fs::create_dir_all(target.path().join("marketing-activities/Scoring")).unwrap();
    let out = finish(
        mkimport()
            .args([
                "preview", "--from", "library", "--json", "--folder", "Scoring",
            ])
            .args(["--program", "Scoring - Standard & Select Editions", "--to"])
            .arg(target.path()),
    );
    assert_eq!(out.code, 3);
    let report = out.json();
    let program = &report["programs"][0];
    assert_eq!(program["status"], "blocked");
    let missing: Vec<&str> = program["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["code"] == "missing-field")
        .map(|p| p["message"].as_str().unwrap())
        .collect();
    assert!(
        missing.iter().any(|m| m.contains("\"Demographic Score\"")),
        "{missing:?}"
    );
    assert!(
        missing.iter().any(|m| m.contains("\"Behavior Score\"")),
        "{missing:?}"
    );
}

#[test]
fn the_library_is_embedded_in_the_binary() {
    // From a directory with no fixtures at all.
    let elsewhere = tempfile::tempdir().unwrap();
    let out = finish(
        mkimport()
            .current_dir(elsewhere.path())
            .args(["library", "list", "--json"]),
    );
    assert_eq!(out.code, 0);
    assert_eq!(out.json().as_array().unwrap().len(), 16);
}

#[test]
fn run_from_the_library_imports_into_a_copy() {
    let (_target, target) = copy_fixture("agency-client");
    let out = finish(
        mkimport()
            .args([
                "run",
                "--from",
                "library",
                "--yes",
                "--json",
                "--program",
                "Email with Landing Page",
                "--to",
            ])
            .arg(&target),
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let program = read_json(
        &target.join("marketing-activities/Program Library/Email with Landing Page/program.json"),
    );
    assert_eq!(program["imported"]["source"], "Marketo Program Library");
    assert!(!program["landing_pages"].as_array().unwrap().is_empty());
}
