//! Killing a command at a chosen moment, for the crash-safety tests of
//! `run` and `undo`.

use std::fs;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

use super::*;

/// Where the crash tests keep their trees: a tmpfs when there is one. A
/// SIGKILL does not lose the page cache, so what a killed command leaves
/// does not depend on fsync, and a tmpfs keeps the many runs of hundreds
/// of bundles fast and their timing steady.
pub fn crash_dir() -> TempDir {
    let shm = Path::new("/dev/shm");
    if shm.is_dir() {
        if let Ok(dir) = tempfile::Builder::new()
            .prefix("mkimport-crash-")
            .tempdir_in(shm)
        {
            return dir;
        }
    }
    TempDir::new().expect("temp dir")
}

/// How many program directories the folder `Imports` of `target` holds
/// (where [`generate_bundles`] puts its programs).
pub fn import_dirs(target: &Path) -> usize {
    fs::read_dir(target.join("marketing-activities/Imports"))
        .map(|d| {
            d.filter(|e| e.as_ref().is_ok_and(|e| e.path().is_dir()))
                .count()
        })
        .unwrap_or(0)
}

/// When to kill a command working on a target.
#[derive(Debug, Clone, Copy)]
pub enum KillAt {
    /// After a fixed delay.
    After(Duration),
    /// As soon as its staging area exists (files are being staged).
    Staging,
    /// As soon as its journal exists (the moves are starting).
    Journal,
    /// As soon as at least this many program directories are visible.
    Programs(usize),
    /// As soon as at most this many program directories are left.
    ProgramsLeft(usize),
}

/// Start `mkimport ARGS` in the background, its output thrown away.
pub fn start(args: &[&str]) -> Child {
    command()
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn mkimport")
}

/// Start `mkimport ARGS`, working on `target`, and SIGKILL it at `when`.
/// Returns whether it was still running when killed.
pub fn kill_at(args: &[&str], target: &Path, when: KillAt) -> bool {
    let state = target.join(STATE);
    let reached = || match when {
        KillAt::After(_) => true,
        KillAt::Staging => state.join("staging").exists(),
        KillAt::Journal => state.join("journal.json").exists(),
        KillAt::Programs(n) => import_dirs(target) >= n,
        KillAt::ProgramsLeft(n) => import_dirs(target) <= n,
    };
    let mut child = start(args);
    let started = Instant::now();
    if let KillAt::After(delay) = when {
        std::thread::sleep(delay);
    }
    while !reached() && started.elapsed() < Duration::from_secs(60) {
        if child.try_wait().expect("try_wait").is_some() {
            break;
        }
        std::thread::sleep(Duration::from_micros(50));
    }
    let running = child.try_wait().expect("try_wait").is_none();
    child.kill().ok(); // SIGKILL on Unix
    child.wait().expect("wait for the killed command");
    running
}

/// Every JSON file of `target` outside the staging area is whole: what a
/// killed command may leave.
#[track_caller]
pub fn assert_whole_json(target: &Path, ctx: &str) {
    for rel in all_files(target) {
        if rel.ends_with(".json") && !rel.starts_with(&format!("{STATE}/staging/")) {
            let bytes = fs::read(target.join(&rel)).expect("read");
            assert!(
                serde_json::from_slice::<serde_json::Value>(&bytes).is_ok(),
                "{ctx}: {rel} is not whole JSON"
            );
        }
    }
}
