//! `--events`: NDJSON on standard output, one object per line.

use crate::support::*;

use std::path::Path;

use serde_json::Value;

fn events(args: &[&str], target: &Path) -> (i32, Vec<Value>) {
    let output = mkimport()
        .args(args)
        .arg("--to")
        .arg(target)
        .output()
        .unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    let lines = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect();
    (output.status.code().unwrap(), lines)
}

#[test]
fn preview_streams_programs_assets_then_the_summary() {
    let (code, lines) = events(
        &[
            "preview",
            "--from",
            "fixtures/sandbox",
            "--user",
            "ops@acme.example",
            "--events",
        ],
        &repo().join("fixtures/production"),
    );
    assert_eq!(code, 3);
    let kinds: Vec<&str> = lines.iter().map(|l| l["event"].as_str().unwrap()).collect();
    assert_eq!(kinds.iter().filter(|k| **k == "program").count(), 6);
    assert!(kinds.iter().filter(|k| **k == "asset").count() > 50);
    assert_eq!(*kinds.last().unwrap(), "summary");
    assert_eq!(kinds[0], "program");
    let summary = lines.last().unwrap();
    assert_eq!(summary["ok"], 3);
    assert_eq!(summary["blocked"], 3);
    assert!(summary["import_id"].is_null());
    // Every asset event names its program, which came just before.
    let mut current = None;
    for line in &lines {
        match line["event"].as_str().unwrap() {
            "program" => current = Some(line["name"].clone()),
            "asset" => assert_eq!(Some(line["program"].clone()), current),
            _ => {}
        }
    }
}

#[test]
fn run_streams_every_file_written() {
    let (_dir, target) = copy_fixture("production");
    let (code, lines) = events(
        &[
            "run",
            "--from",
            "fixtures/sandbox",
            "--user",
            "ops@acme.example",
            "--events",
            "--yes",
            "--skip-blocked",
        ],
        &target,
    );
    // Three imported, three blocked: a partial run (spec 5a).
    assert_eq!(code, 4);
    let writes: Vec<&str> = lines
        .iter()
        .filter(|l| l["event"] == "write")
        .map(|l| l["path"].as_str().unwrap())
        .collect();
    assert!(writes
        .iter()
        .any(|p| p.ends_with("2026 APAC Growth Summit")));
    for path in &writes {
        assert!(
            target.join(path).exists(),
            "{path} was announced but not written"
        );
    }
    let summary = lines.last().unwrap();
    assert_eq!(summary["event"], "summary");
    assert_eq!(summary["ok"], 3);
    let id = summary["import_id"].as_str().unwrap();
    assert!(target
        .join(format!(".mkimport/imports/{id}.json"))
        .is_file());
}

#[test]
fn events_and_json_do_not_mix() {
    let (code, _) = events(
        &[
            "preview",
            "--from",
            "fixtures/sandbox",
            "--events",
            "--json",
        ],
        &repo().join("fixtures/production"),
    );
    assert_eq!(code, 2);
}
