//! The benchmark generator is seeded and deterministic, and what it makes
//! imports cleanly.

use std::collections::BTreeMap;
use std::path::Path;

use assert_cmd::Command;

fn tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(root)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e.path().strip_prefix(root).unwrap().display().to_string();
            (rel, std::fs::read(e.path()).unwrap())
        })
        .collect()
}

fn generate(out: &Path, seed: &str) {
    Command::cargo_bin("mkimport")
        .unwrap()
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
    let tree_a = tree(a.path());
    assert_eq!(tree_a, tree(b.path()));
    assert_eq!(tree_a.keys().filter(|k| k.ends_with(".zip")).count(), 6);

    let c = tempfile::tempdir().unwrap();
    generate(c.path(), "8");
    assert_ne!(tree_a, tree(c.path()));

    // Conflicts occur and are resolved: shared page templates clash with
    // the target's and are renamed once, then reused as identical.
    let output = Command::cargo_bin("mkimport")
        .unwrap()
        .args(["run", "--yes", "--json", "--from"])
        .arg(a.path().join("source"))
        .arg("--to")
        .arg(a.path().join("target"))
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
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
