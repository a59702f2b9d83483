//! The benchmark generator is seeded and deterministic, and what it makes
//! imports cleanly.

use std::path::Path;

use crate::support::*;

fn generate(out: &Path, seed: &str) {
    mkimport()
        .args([
            "generate",
            "--bundles",
            "6",
            "--target-assets",
            "40",
            "--seed",
            seed,
            "--out",
        ])
        .arg(out)
        .assert()
        .success();
}

#[test]
fn same_seed_same_bytes_and_it_imports() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    generate(a.path(), "7");
    generate(b.path(), "7");
    let tree_a = snapshot_all(a.path());
    assert_eq!(tree_a, snapshot_all(b.path()));
    assert_eq!(
        tree_a
            .keys()
            .filter(|k| k.to_string_lossy().ends_with(".zip"))
            .count(),
        6
    );

    let c = tempfile::tempdir().unwrap();
    generate(c.path(), "8");
    assert_ne!(tree_a, snapshot_all(c.path()));

    // Conflicts occur and are resolved: shared page templates clash with
    // the target's and are renamed once, then reused as identical.
    let out = run_into(&a.path().join("source"), &a.path().join("target"), &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let report = out.json();
    assert_eq!(report["summary"]["ok"], 6);
    let actions: Vec<&str> = report["programs"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["assets"].as_array().unwrap())
        .filter(|a| a["kind"] == "landing-page-template")
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    assert!(actions.contains(&"rename"), "{actions:?}");
}
