//! Replays the inputs kept from fuzzing (fuzz/regressions/<target>/): the
//! crashes found and fixed, and a sample of the corpus that reached new
//! code. Each must be read (or refused) and planned without a panic.

use std::path::PathBuf;

fn inputs(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/regressions")
        .join(target);
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            let path = entry.unwrap().path();
            let bytes = std::fs::read(&path).unwrap();
            (path.display().to_string(), bytes)
        })
        .collect();
    out.sort();
    out
}

#[test]
fn bundle_zip_regressions_do_not_panic() {
    let inputs = inputs("bundle_zip");
    assert!(!inputs.is_empty());
    for (name, bytes) in inputs {
        let result = std::panic::catch_unwind(|| mkimport::fuzzing::read_zip_bytes(&bytes));
        assert!(result.is_ok(), "{name} panicked");
    }
}

#[test]
fn program_json_regressions_do_not_panic() {
    let inputs = inputs("program_json");
    assert!(!inputs.is_empty());
    for (name, bytes) in inputs {
        let result = std::panic::catch_unwind(|| mkimport::fuzzing::plan_program_bytes(&bytes));
        assert!(result.is_ok(), "{name} panicked");
    }
}
