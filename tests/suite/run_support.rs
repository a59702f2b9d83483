//! Helpers for the `run` integration tests: copy the fixtures into
//! temporary directories, run the real binary, read its JSON report, and
//! compare directory trees.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::{json, Value};
use tempfile::TempDir;

/// The acting user of the production fixture (an Admin).
pub const OPS: &str = "ops@acme.example";

/// The state directory the tool keeps inside a target.
pub const STATE: &str = ".mkimport";

/// The three sandbox programs that import cleanly into production.
pub const OK_PROGRAMS: [&str; 3] = [
    "2026 Q3 Webinar - Scaling Marketing Ops",
    "2026 APAC Growth Summit",
    "2026-07 Monthly Newsletter",
];

pub const WEBINAR: &str = "2026 Q3 Webinar - Scaling Marketing Ops";
pub const ROUNDTABLE: &str = "2025 Customer Roundtable";

// ---------------------------------------------------------------------
// Paths and copies

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// The sandbox fixture, as a string for `--from`.
pub fn sandbox() -> String {
    fixtures().join("sandbox").to_string_lossy().into_owned()
}

/// Copy a directory tree (files and directories only).
pub fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("create directory");
    let mut entries: Vec<_> = fs::read_dir(from)
        .expect("read dir")
        .map(|e| e.expect("dir entry"))
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let kind = entry.file_type().expect("file type");
        let dest = to.join(entry.file_name());
        if kind.is_dir() {
            copy_dir(&entry.path(), &dest);
        } else if kind.is_file() {
            fs::copy(entry.path(), &dest).expect("copy file");
        }
    }
}

/// A fresh copy of a fixture subscription (`production` or `sandbox`) in a
/// temporary directory: (guard, path of the copy).
pub fn copy_fixture(name: &str) -> (TempDir, PathBuf) {
    let dir = TempDir::new().expect("temp dir");
    let path = dir.path().join(name);
    copy_dir(&fixtures().join(name), &path);
    (dir, path)
}

/// Write `bytes` to `root/rel`, creating the directories above it.
pub fn write_file(root: &Path, rel: &str, bytes: impl AsRef<[u8]>) {
    let path = root.join(rel);
    fs::create_dir_all(path.parent().expect("a relative path has a parent"))
        .expect("create directories");
    fs::write(&path, bytes).expect("write file");
}

pub fn write_json(root: &Path, rel: &str, value: &Value) {
    let mut bytes = serde_json::to_vec_pretty(value).expect("serialise");
    bytes.push(b'\n');
    write_file(root, rel, bytes);
}

pub fn read_json(path: &Path) -> Value {
    let bytes = fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_json::from_slice(&bytes)
        .unwrap_or_else(|e| panic!("{} is not valid JSON: {e}", path.display()))
}

// ---------------------------------------------------------------------
// Trees

/// One entry of a tree snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    Dir,
    File(Vec<u8>),
}

/// Every file and directory below `root` except the state directory
/// `.mkimport/`: relative path (with `/`) → contents.
pub fn snapshot(root: &Path) -> BTreeMap<String, Entry> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Entry>) {
        for entry in fs::read_dir(dir).expect("read dir") {
            let path = entry.expect("dir entry").path();
            let rel = path
                .strip_prefix(root)
                .expect("below root")
                .to_string_lossy()
                .replace('\\', "/");
            if rel == STATE {
                continue;
            }
            let meta = fs::symlink_metadata(&path).expect("metadata");
            if meta.is_dir() {
                out.insert(rel, Entry::Dir);
                walk(root, &path, out);
            } else {
                out.insert(rel, Entry::File(fs::read(&path).expect("read file")));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

/// The paths that differ between two snapshots (added, removed, changed).
pub fn tree_diff(a: &BTreeMap<String, Entry>, b: &BTreeMap<String, Entry>) -> Vec<String> {
    let mut out = Vec::new();
    for (path, entry) in a {
        match b.get(path) {
            None => out.push(format!("only before: {path}")),
            Some(other) if other != entry => out.push(format!("changed: {path}")),
            _ => {}
        }
    }
    for path in b.keys() {
        if !a.contains_key(path) {
            out.push(format!("only after: {path}"));
        }
    }
    out
}

#[track_caller]
pub fn assert_same_tree(a: &BTreeMap<String, Entry>, b: &BTreeMap<String, Entry>, what: &str) {
    let diff = tree_diff(a, b);
    assert!(
        diff.is_empty(),
        "{what}: trees differ:\n{}",
        diff.join("\n")
    );
}

/// Every file below `root` (any depth, including `.mkimport`), relative.
pub fn all_files(root: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for entry in entries {
            let path = entry.expect("dir entry").path();
            let meta = fs::symlink_metadata(&path).expect("metadata");
            if meta.is_dir() {
                walk(root, &path, out);
            } else {
                out.push(
                    path.strip_prefix(root)
                        .expect("below root")
                        .to_string_lossy()
                        .replace('\\', "/"),
                );
            }
        }
    }
    let mut out = Vec::new();
    walk(root, root, &mut out);
    out.sort();
    out
}

/// Every stored program below `marketing-activities/`: relative path of its
/// `program.json` → parsed content.
pub fn programs(root: &Path) -> BTreeMap<String, Value> {
    all_files(&root.join("marketing-activities"))
        .into_iter()
        .filter(|rel| rel == "program.json" || rel.ends_with("/program.json"))
        .map(|rel| {
            let value = read_json(&root.join("marketing-activities").join(&rel));
            (format!("marketing-activities/{rel}"), value)
        })
        .collect()
}

/// The stored program named `name`: (relative path of program.json, JSON).
#[track_caller]
pub fn program_named(root: &Path, name: &str) -> (String, Value) {
    let found: Vec<_> = programs(root)
        .into_iter()
        .filter(|(_, v)| v["program"]["name"] == name)
        .collect();
    assert_eq!(
        found.len(),
        1,
        "expected exactly one stored program named {name:?}, found {:?}",
        found.iter().map(|(p, _)| p).collect::<Vec<_>>()
    );
    found.into_iter().next().expect("one")
}

/// The design-studio documents of one kind (`email-templates`, ...): file
/// name → parsed JSON.
pub fn design_docs(root: &Path, kind: &str) -> BTreeMap<String, Value> {
    let dir = root.join("design-studio").join(kind);
    let mut out = BTreeMap::new();
    let Ok(entries) = fs::read_dir(&dir) else {
        return out;
    };
    for entry in entries {
        let path = entry.expect("dir entry").path();
        if path.is_file() {
            let name = path
                .file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned();
            out.insert(name, read_json(&path));
        }
    }
    out
}

/// The `name`s of the design-studio documents of one kind.
pub fn design_names(root: &Path, kind: &str) -> Vec<String> {
    let mut names: Vec<String> = design_docs(root, kind)
        .values()
        .map(|v| {
            v["name"]
                .as_str()
                .expect("a design doc has a name")
                .to_string()
        })
        .collect();
    names.sort();
    names
}

// ---------------------------------------------------------------------
// Running the binary

pub fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("mkimport")
}

pub fn mkimport() -> Command {
    let mut cmd = Command::new(bin());
    cmd.env_remove("MKIMPORT_USER")
        .env_remove("MKIMPORT_SENDMAIL")
        .timeout(std::time::Duration::from_secs(120));
    cmd
}

/// What one run of the binary did.
#[derive(Debug)]
pub struct Outcome {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Outcome {
    /// Standard output parsed as the JSON report.
    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not one JSON document ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }

    #[track_caller]
    pub fn expect_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code, code,
            "unexpected exit code\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

/// Run the binary with `args` (and optional extra environment).
pub fn run_with(args: &[&str], env: &[(&str, &str)]) -> Outcome {
    let mut cmd = mkimport();
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let output = cmd.output().expect("run mkimport");
    Outcome {
        code: output.status.code().expect("exited with a code"),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

pub fn run(args: &[&str]) -> Outcome {
    run_with(args, &[])
}

pub fn p(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

/// `run --yes --json` of the whole sandbox into `target`, skipping the
/// blocked programs.
pub fn run_sandbox(target: &Path) -> Outcome {
    run(&[
        "run",
        "--from",
        &sandbox(),
        "--to",
        p(target),
        "--user",
        OPS,
        "--skip-blocked",
        "--yes",
        "--json",
    ])
}

/// The report's program entry named `name`.
#[track_caller]
pub fn report_program<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["programs"]
        .as_array()
        .expect("programs array")
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("no program {name:?} in the report"))
}

/// Program name → status, from a report.
pub fn statuses(report: &Value) -> BTreeMap<String, String> {
    report["programs"]
        .as_array()
        .expect("programs array")
        .iter()
        .map(|p| {
            (
                p["name"].as_str().expect("name").to_string(),
                p["status"].as_str().expect("status").to_string(),
            )
        })
        .collect()
}

/// Every problem anywhere in a report (top level or per program).
pub fn all_problems(report: &Value) -> Vec<Value> {
    fn walk(value: &Value, out: &mut Vec<Value>) {
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    if k == "problems" {
                        if let Value::Array(list) = v {
                            out.extend(list.iter().cloned());
                        }
                    }
                    walk(v, out);
                }
            }
            Value::Array(list) => list.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(report, &mut out);
    out
}

pub fn has_problem(report: &Value, code: &str) -> bool {
    all_problems(report).iter().any(|p| p["code"] == code)
}

// ---------------------------------------------------------------------
// Generated sources

/// A minimal target subscription with one campaign folder `Imports`.
pub fn minimal_target(root: &Path) {
    write_json(
        root,
        "subscription.json",
        &json!({"format": 1, "name": "Crash Target"}),
    );
    write_json(
        root,
        "marketing-activities/Imports/folder.json",
        &json!({"tokens": []}),
    );
}

/// The external email template every generated bundle shares.
pub const SHARED_TEMPLATE: &str = "Shared Email Template";

pub fn generated_name(i: usize) -> String {
    format!("Generated Program {i:03}")
}

/// Write `count` small directory bundles below `root`: each a distinct
/// program in folder `Imports` with one or two emails, the shared external
/// email template (identical in every bundle), its own landing page
/// template and its own image.
pub fn generate_bundles(root: &Path, count: usize) {
    let shared = json!({"name": SHARED_TEMPLATE, "html": "<html><body>{{content}}</body></html>"});
    for i in 0..count {
        let dir = root.join(format!("bundle-{i:03}"));
        let lp_template = format!("Landing Template {i:03}");
        let image = format!("image-{i:03}.png");
        let mut emails = vec![json!({
            "name": "Invite",
            "template": SHARED_TEMPLATE,
            "subject": format!("Invite {i}"),
            "html": format!("<p>Invite number {i}</p>"),
            "images": [image],
        })];
        if i % 2 == 0 {
            emails.push(json!({
                "name": "Reminder",
                "template": SHARED_TEMPLATE,
                "subject": format!("Reminder {i}"),
                "html": format!("<p>Reminder number {i}</p>"),
            }));
        }
        let program = json!({
            "format": 1,
            "exported_from": "Crash Sandbox",
            "program": {
                "name": generated_name(i),
                "type": "default",
                "folder": "Imports",
            },
            "tokens": [{"name": "my.Number", "type": "number", "value": i}],
            "emails": emails,
            "landing_pages": [{
                "name": "Page",
                "template": lp_template,
                "html": format!("<p>Page {i} {{{{my.Number}}}}</p>"),
                "images": [image],
            }],
            "smart_campaigns": [{
                "name": "Send Invite", "type": "batch", "active": false,
                "schedule": "2026-08-01T09:00:00Z", "emails": ["Invite"],
            }],
        });
        write_json(&dir, "program.json", &program);
        write_json(&dir, "external/email-templates/shared.json", &shared);
        write_json(
            &dir,
            "external/landing-page-templates/landing.json",
            &json!({"name": lp_template, "html": format!("<html>template {i}</html>")}),
        );
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        png.extend_from_slice(format!("image {i}").as_bytes());
        write_file(&dir, &format!("external/images/{image}"), png);
    }
}
