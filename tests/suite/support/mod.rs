//! What the tests share: running the real binary and reading what it did
//! (here), reading its reports (`report.rs`), files, trees and snapshots
//! (`tree.rs`), target subscriptions and bundles to import (`build.rs`),
//! zips written with the `zip` crate or byte by byte (`zips.rs`), the
//! scratch area of the hostile-input tests (`scratch.rs`), and killing a
//! command at a chosen moment (`kill.rs`).
//!
//! Every module of the suite starts with `use crate::support::*;`.

mod build;
mod kill;
mod report;
mod scratch;
mod tree;
mod zips;

pub use build::*;
pub use kill::*;
pub use report::*;
pub use scratch::*;
pub use tree::*;
pub use zips::*;

use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;
use serde_json::Value;

// ---------------------------------------------------------------------
// Paths

/// The repository (the package root).
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The repository's `fixtures/` directory.
pub fn fixtures() -> PathBuf {
    repo().join("fixtures")
}

/// The sandbox fixture, as a string for `--from`.
pub fn sandbox() -> String {
    fixtures().join("sandbox").to_string_lossy().into_owned()
}

/// The mkimport binary cargo built for these tests.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_mkimport"))
}

/// A path as an argument (the tests' paths are UTF-8).
pub fn p(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

/// The path as mkimport shows it in messages (the label of a bundle).
pub fn shown(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

/// The width of the widest line of `text`, in terminal columns.
pub fn widest(text: &str) -> usize {
    text.lines()
        .map(unicode_width::UnicodeWidthStr::width)
        .max()
        .unwrap_or(0)
}

// ---------------------------------------------------------------------
// Running the binary

/// The binary in the repository, with a clean environment for what
/// mkimport reads: no acting user, no sendmail command, no colour. For a
/// child the test spawns, kills or limits itself.
pub fn command() -> std::process::Command {
    let mut cmd = std::process::Command::new(bin());
    cmd.current_dir(repo())
        .env_remove("MKIMPORT_USER")
        .env_remove("MKIMPORT_SENDMAIL")
        .env("NO_COLOR", "1");
    cmd
}

/// [`command`] for [`finish`]: stops the binary after two minutes.
pub fn mkimport() -> Command {
    let mut cmd = Command::from_std(command());
    cmd.timeout(Duration::from_secs(120));
    cmd
}

/// What a run of the binary left behind.
#[derive(Debug)]
pub struct Outcome {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    /// Standard output parsed, when it is one JSON document.
    json: Option<Value>,
}

impl Outcome {
    /// The outcome of a finished process: it exited (no signal) and wrote
    /// UTF-8.
    pub fn of(output: std::process::Output) -> Outcome {
        let stdout = String::from_utf8(output.stdout).expect("stdout is UTF-8");
        let stderr = String::from_utf8(output.stderr).expect("stderr is UTF-8");
        let code = output
            .status
            .code()
            .unwrap_or_else(|| panic!("killed by a signal ({})\nstderr:\n{stderr}", output.status));
        Outcome {
            json: serde_json::from_str(&stdout).ok(),
            code,
            stdout,
            stderr,
        }
    }

    /// Is standard output one JSON document?
    pub fn is_json(&self) -> bool {
        self.json.is_some()
    }

    /// Standard output parsed as the JSON report.
    #[track_caller]
    pub fn json(&self) -> &Value {
        self.json.as_ref().unwrap_or_else(|| {
            panic!(
                "stdout is not one JSON document (exit {}):\n{}\nstderr:\n{}",
                self.code, self.stdout, self.stderr
            )
        })
    }

    #[track_caller]
    pub fn expect_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code, code,
            "exit code {} (expected {code})\nstdout:\n{}\nstderr:\n{}",
            self.code, self.stdout, self.stderr
        );
        self
    }

    /// Standard error mentions every one of these.
    #[track_caller]
    pub fn stderr_has(&self, needles: &[&str]) -> &Self {
        for needle in needles {
            assert!(
                self.stderr.contains(needle),
                "stderr does not mention {needle:?}:\n{}",
                self.stderr
            );
        }
        self
    }

    /// The programs of the report.
    #[track_caller]
    pub fn programs(&self) -> &Vec<Value> {
        self.json()["programs"]
            .as_array()
            .unwrap_or_else(|| panic!("no programs in the report: {self:#?}"))
    }

    /// The report entry of the program with this name.
    #[track_caller]
    pub fn program(&self, name: &str) -> &Value {
        report_program(self.json(), name)
    }

    /// The one program of the report.
    #[track_caller]
    pub fn only(&self) -> &Value {
        let programs = self.programs();
        assert_eq!(programs.len(), 1, "expected one program: {}", self.stdout);
        &programs[0]
    }

    /// The one program of a report that exited 0: ok, without errors.
    #[track_caller]
    pub fn expect_ok(&self) -> Value {
        assert_eq!(self.code, 0, "{}\n{}", self.stdout, self.stderr);
        let p = self.only().clone();
        assert_eq!(p["status"], "ok", "{p}");
        assert!(errors(&p).is_empty(), "{p}");
        p
    }

    /// The one program of a report that exited 3: blocked, and counted so.
    #[track_caller]
    pub fn expect_blocked(&self) -> Value {
        assert_eq!(self.code, 3, "{}\n{}", self.stdout, self.stderr);
        let p = self.only().clone();
        assert_eq!(p["status"], "blocked", "{p}");
        assert_eq!(self.json()["summary"]["blocked"], 1);
        assert_eq!(self.json()["summary"]["ok"], 0);
        p
    }

    /// The status of the program with this name.
    #[track_caller]
    pub fn status(&self, name: &str) -> String {
        self.program(name)["status"]
            .as_str()
            .expect("status")
            .to_string()
    }
}

/// Run a prepared command and collect what it did.
pub fn finish(cmd: &mut Command) -> Outcome {
    Outcome::of(cmd.output().expect("run mkimport"))
}

/// `mkimport ARGS...` as given.
pub fn run(args: &[&str]) -> Outcome {
    run_with(args, &[])
}

/// `mkimport ARGS...` with this environment on top.
pub fn run_with(args: &[&str], env: &[(&str, &str)]) -> Outcome {
    let mut cmd = mkimport();
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    finish(&mut cmd)
}

/// `mkimport preview --from FROM --to TO --json EXTRA...`, checking that
/// the target is unchanged (preview writes nothing, not even its state
/// directory) and that standard output is one JSON document unless there
/// is no report: a usage error (exit 2), or a target it could not read
/// (exit 1, nothing on standard output).
#[track_caller]
pub fn preview(from: &Path, to: &Path, extra: &[&str]) -> Outcome {
    preview_with(from, to, extra, |_| {})
}

/// As [`preview`], letting the caller adjust the command (env, stdin).
#[track_caller]
pub fn preview_with(
    from: &Path,
    to: &Path,
    extra: &[&str],
    adjust: impl FnOnce(&mut Command),
) -> Outcome {
    let before = snapshot_all(to);
    let mut cmd = mkimport();
    cmd.arg("preview")
        .arg("--from")
        .arg(from)
        .arg("--to")
        .arg(to)
        .arg("--json")
        .args(extra);
    adjust(&mut cmd);
    let out = finish(&mut cmd);
    assert_same_tree(
        &before,
        &snapshot_all(to),
        &format!("preview into {}", to.display()),
    );
    let no_report = out.code == 2 || (out.code == 1 && out.stdout.is_empty());
    if !no_report {
        assert!(
            out.json.as_ref().is_some_and(Value::is_object),
            "stdout is not one JSON document (exit {}):\n{}\nstderr:\n{}",
            out.code,
            out.stdout,
            out.stderr
        );
    }
    out
}

/// Preview one bundle (written as a directory) into `target`.
#[track_caller]
pub fn preview_bundle(spec: &BundleSpec, target: &Sub, extra: &[&str]) -> Outcome {
    let (_work, path) = dir_bundle(spec);
    preview(&path, target.path(), extra)
}

/// `mkimport preview --from FROM --to TO --json --out PLAN EXTRA...`: a
/// plan saved (exit 0, or 3 when a program is blocked), the file written.
#[track_caller]
pub fn save_plan(from: &Path, to: &Path, plan: &Path, extra: &[&str]) -> Outcome {
    let out = finish(
        mkimport()
            .arg("preview")
            .arg("--from")
            .arg(from)
            .arg("--to")
            .arg(to)
            .arg("--json")
            .arg("--out")
            .arg(plan)
            .args(extra),
    );
    assert!(
        out.code == 0 || out.code == 3,
        "preview failed ({}): {}",
        out.code,
        out.stderr
    );
    assert!(plan.is_file(), "preview --out wrote no plan file");
    out
}

/// `mkimport run --from FROM --to TO --yes --json EXTRA...`.
pub fn run_into(from: &Path, to: &Path, extra: &[&str]) -> Outcome {
    finish(
        mkimport()
            .arg("run")
            .arg("--from")
            .arg(from)
            .arg("--to")
            .arg(to)
            .args(["--yes", "--json"])
            .args(extra),
    )
}

/// `run --yes --json` of the whole sandbox into `target` as the Admin,
/// skipping the blocked programs (so a run importing the others exits 4),
/// with `extra` flags.
pub fn run_sandbox(target: &Path, extra: &[&str]) -> Outcome {
    let mut args = vec!["--user", OPS, "--skip-blocked"];
    args.extend_from_slice(extra);
    run_into(&fixtures().join("sandbox"), target, &args)
}
