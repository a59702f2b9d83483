//! `mkimport export`: a stored program as a self-contained bundle, and the
//! round trip export → import → export.

use crate::support::*;

use std::path::Path;

use serde_json::Value;

fn program_of(zip_path: &Path) -> Value {
    let (_, bytes) = read_zip(zip_path)
        .into_iter()
        .find(|(name, _)| name == "program.json")
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

/// What an import changes on purpose: tokens become local, trigger
/// campaigns inactive, batch campaigns unscheduled. Apply it to a program
/// so two generations can be compared.
fn as_imported(mut program: Value) -> Value {
    for token in program["tokens"].as_array_mut().unwrap() {
        token.as_object_mut().unwrap().remove("inherited_from");
    }
    for campaign in program["smart_campaigns"].as_array_mut().unwrap() {
        if campaign["type"] == "trigger" {
            campaign["active"] = Value::Bool(false);
        }
        if campaign["type"] == "batch" {
            campaign["schedule"] = Value::Null;
        }
    }
    program.as_object_mut().unwrap().remove("exported_from");
    program
}

const PROGRAM: &str = "2026-07 Monthly Newsletter";

#[test]
fn export_is_deterministic_and_self_contained() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.zip");
    let b = dir.path().join("b.zip");
    for out in [&a, &b] {
        mkimport()
            .args([
                "export",
                "--from",
                "fixtures/sandbox",
                "--program",
                PROGRAM,
                "--out",
            ])
            .arg(out)
            .assert()
            .success();
    }
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    let program = program_of(&a);
    assert_eq!(program["exported_from"], "Acme Sandbox");
    assert_eq!(program["program"]["folder"], "Newsletters/2026");
    let names: Vec<String> = read_zip(&a).into_iter().map(|(n, _)| n).collect();
    assert!(
        names
            .iter()
            .any(|n| n.starts_with("external/email-templates/")),
        "{names:?}"
    );
    assert!(
        names.iter().any(|n| n.starts_with("external/images/")),
        "{names:?}"
    );
}

#[test]
fn unknown_program_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    mkimport()
        .args([
            "export",
            "--from",
            "fixtures/sandbox",
            "--program",
            "Nope",
            "--out",
        ])
        .arg(dir.path().join("x.zip"))
        .assert()
        .code(2);
    assert!(!dir.path().join("x.zip").exists());
}

#[test]
fn round_trip_keeps_the_program_content() {
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("first.zip");
    let second = dir.path().join("second.zip");
    mkimport()
        .args([
            "export",
            "--from",
            "fixtures/sandbox",
            "--program",
            PROGRAM,
            "--out",
        ])
        .arg(&first)
        .assert()
        .success();

    // Import it into a fresh target with the same folders and no clashes.
    let target = dir.path().join("target");
    std::fs::create_dir_all(target.join("marketing-activities/Newsletters/2026")).unwrap();
    let production: Value = serde_json::from_slice(
        &std::fs::read(repo().join("fixtures/production/subscription.json")).unwrap(),
    )
    .unwrap();
    let mut subscription = production.clone();
    subscription["name"] = Value::from("Fresh Target");
    std::fs::write(target.join("subscription.json"), subscription.to_string()).unwrap();
    // The target's snippets, so nothing is skipped for a missing snippet.
    copy_dir(
        &repo().join("fixtures/production/design-studio/snippets"),
        &target.join("design-studio/snippets"),
    );
    mkimport()
        .args([
            "run",
            "--yes",
            "--json",
            "--user",
            "ops@acme.example",
            "--from",
        ])
        .arg(&first)
        .arg("--to")
        .arg(&target)
        .assert()
        .success();
    mkimport()
        .args(["export", "--program", PROGRAM, "--from"])
        .arg(&target)
        .arg("--out")
        .arg(&second)
        .assert()
        .success();

    let a = as_imported(program_of(&first));
    let b = as_imported(program_of(&second));
    // The dynamic-content email is skipped on import by design; the
    // campaign that sent it stays.
    let mut expected = a.clone();
    expected["emails"]
        .as_array_mut()
        .unwrap()
        .retain(|e| e["dynamic_content"] != Value::Bool(true));
    assert_eq!(b, expected);
    // The external assets travel unchanged.
    let externals = |path: &Path| -> Vec<(String, Vec<u8>)> {
        read_zip(path)
            .into_iter()
            .filter(|(n, _)| n.starts_with("external/"))
            .collect()
    };
    assert_eq!(externals(&first), externals(&second));
}

#[test]
fn images_keep_their_names_in_the_exported_bundle() {
    // A source subscription may hold images whose names are no safe file
    // names (put there by hand): `logo:dark.png` next to `logo_dark.png`.
    // The exported zip carries each under its own name, so the program's
    // references still name them, and the two never become one entry.
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("source");
    let write = |rel: &str, bytes: &[u8]| {
        let path = source.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    };
    write(
        "subscription.json",
        br#"{"format": 1, "name": "Hand Made"}"#,
    );
    write(
        "marketing-activities/Inbox/Pictures/program.json",
        br#"{"format": 1, "program": {"name": "Pictures"},
            "emails": [{"name": "Invite", "images": ["logo:dark.png", "logo_dark.png"]}]}"#,
    );
    write("design-studio/images/logo:dark.png", b"colon");
    write("design-studio/images/logo_dark.png", b"underscore");
    let zip = dir.path().join("pictures.zip");
    mkimport()
        .args(["export", "--from"])
        .arg(&source)
        .args(["--program", "Pictures", "--out"])
        .arg(&zip)
        .assert()
        .success();
    let images: Vec<(String, Vec<u8>)> = read_zip(&zip)
        .into_iter()
        .filter(|(name, _)| name.starts_with("external/images/"))
        .collect();
    assert_eq!(
        images,
        vec![
            (
                "external/images/logo:dark.png".to_string(),
                b"colon".to_vec()
            ),
            (
                "external/images/logo_dark.png".to_string(),
                b"underscore".to_vec()
            ),
        ]
    );
    // Imported, each image is its own asset; none is missing.
    let target = dir.path().join("target");
    std::fs::create_dir_all(target.join("marketing-activities/Inbox")).unwrap();
    std::fs::write(
        target.join("subscription.json"),
        br#"{"format": 1, "name": "Fresh"}"#,
    )
    .unwrap();
    let out = mkimport()
        .args(["preview", "--json", "--folder", "Inbox", "--from"])
        .arg(&zip)
        .arg("--to")
        .arg(&target)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let program = &report["programs"][0];
    assert_eq!(program["status"], "ok", "{report:#}");
    let images: Vec<(&str, &str)> = program["assets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["kind"] == "image")
        .map(|a| (a["name"].as_str().unwrap(), a["action"].as_str().unwrap()))
        .collect();
    assert_eq!(
        images,
        vec![("logo:dark.png", "create"), ("logo_dark.png", "create")]
    );
}

/// `--out -` writes the zip to standard output, byte for byte the file
/// `--out FILE` writes, and creates no file named `-`.
#[test]
fn out_dash_writes_the_zip_to_standard_output() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("summit.zip");
    let program = "2026 APAC Growth Summit";
    mkimport()
        .args([
            "export",
            "--from",
            "fixtures/sandbox",
            "--program",
            program,
            "--out",
        ])
        .arg(&file)
        .assert()
        .success();
    let output = mkimport()
        .current_dir(dir.path())
        .args(["export", "--from"])
        .arg(repo().join("fixtures/sandbox"))
        .args(["--program", program, "--out", "-"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(output.stdout.starts_with(b"PK"), "a zip on stdout");
    assert_eq!(output.stdout, std::fs::read(&file).unwrap());
    assert!(!dir.path().join("-").exists(), "no file named -");
}
