//! Helpers for the `preview` integration tests: build target subscriptions
//! and bundles (directories or zips) in temporary directories, run the real
//! binary, and read its JSON report.
//!
//! Every `preview` run through [`preview`] also checks that the target tree
//! is byte-for-byte the same afterwards: preview never writes into it.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::{json, Value};
use tempfile::TempDir;

/// The acting user of the standard target (an Admin).
pub const OPS: &str = "ops@acme.example";

// ---------------------------------------------------------------------
// Files

/// Write `bytes` to `root/rel`, creating the directories above it.
/// Copy a directory tree (a fixture into a scratch target, say).
pub fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let dest = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(entry.path(), &dest).unwrap();
        }
    }
}

pub fn write_file(root: &Path, rel: &str, bytes: impl AsRef<[u8]>) {
    let path = root.join(rel);
    fs::create_dir_all(path.parent().expect("a relative path has a parent"))
        .expect("create directories");
    fs::write(&path, bytes).expect("write file");
}

pub fn pretty(value: &Value) -> Vec<u8> {
    let mut out = serde_json::to_vec_pretty(value).expect("serialise");
    out.push(b'\n');
    out
}

/// A file-name stem for an asset name (file names carry no identity).
pub fn slug(name: &str) -> String {
    let s: String = name
        .trim()
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    if s.is_empty() {
        "asset".to_string()
    } else {
        s
    }
}

/// Every file and directory below `root`, with file contents (`None` for a
/// directory). Used to prove that preview writes nothing.
pub fn snapshot(root: &Path) -> BTreeMap<PathBuf, Option<Vec<u8>>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Option<Vec<u8>>>) {
        let mut entries: Vec<_> = fs::read_dir(dir)
            .expect("read dir")
            .map(|e| e.expect("dir entry").path())
            .collect();
        entries.sort();
        for path in entries {
            let rel = path.strip_prefix(root).expect("below root").to_path_buf();
            let meta = fs::symlink_metadata(&path).expect("metadata");
            if meta.is_dir() {
                out.insert(rel, None);
                walk(root, &path, out);
            } else {
                out.insert(rel, Some(fs::read(&path).expect("read file")));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

/// Some image bytes: a tiny PNG-like blob, distinct per `seed`.
pub fn image_bytes(seed: &str) -> Vec<u8> {
    let mut bytes = vec![0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n'];
    bytes.extend_from_slice(seed.as_bytes());
    bytes.extend_from_slice(&[0, 1, 2, 3, 0xff, 0xfe]);
    bytes
}

// ---------------------------------------------------------------------
// Target subscriptions

/// A fully declared `subscription.json` (no `users`, so no permission
/// check unless a test adds them).
pub fn target_meta() -> Value {
    json!({
        "format": 1,
        "name": "Acme Production",
        "kind": "production",
        "connected": ["Acme Sandbox"],
        "fields": [
            {"name": "Email Address", "type": "email"},
            {"name": "First Name", "type": "string"},
            {"name": "Demographic Score", "type": "score"}
        ],
        "segmentations": ["Industry"],
        "webhooks": ["Notify Slack"],
        "custom_objects": ["Subscription"],
        "channels": [{"name": "Webinar", "statuses": ["Invited", "Registered", "Attended"]}],
        "tags": {"Region": ["EMEA", "AMER"]}
    })
}

/// A target subscription directory in a temporary directory.
pub struct Sub {
    dir: TempDir,
}

impl Sub {
    /// A subscription with this `subscription.json` and the campaign folder
    /// `Webinars` (where [`program`] puts programs).
    pub fn new(meta: Value) -> Sub {
        let sub = Sub::bare(meta);
        sub.folder("Webinars");
        sub
    }

    /// A subscription with only `subscription.json`.
    pub fn bare(meta: Value) -> Sub {
        let dir = tempfile::Builder::new()
            .prefix("mkimport-target-")
            .tempdir()
            .expect("tempdir");
        write_file(dir.path(), "subscription.json", pretty(&meta));
        Sub { dir }
    }

    /// The standard, fully declared target.
    pub fn standard() -> Sub {
        Sub::new(target_meta())
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, rel: &str, bytes: impl AsRef<[u8]>) -> &Self {
        write_file(self.path(), rel, bytes);
        self
    }

    fn doc(&self, dir: &str, doc: Value) -> &Self {
        let name = doc["name"].as_str().expect("a doc has a name").to_string();
        let mut file = format!("{}.json", slug(&name));
        let mut n = 2;
        while self
            .path()
            .join("design-studio")
            .join(dir)
            .join(&file)
            .exists()
        {
            file = format!("{}-{n}.json", slug(&name));
            n += 1;
        }
        self.write(&format!("design-studio/{dir}/{file}"), pretty(&doc))
    }

    pub fn email_template(&self, name: &str, html: &str) -> &Self {
        self.doc("email-templates", json!({"name": name, "html": html}))
    }

    pub fn lp_template(&self, name: &str, html: &str) -> &Self {
        self.doc(
            "landing-page-templates",
            json!({"name": name, "html": html}),
        )
    }

    pub fn form(&self, name: &str, fields: &[&str]) -> &Self {
        self.doc("forms", json!({"name": name, "fields": fields}))
    }

    pub fn snippet(&self, name: &str, html: &str) -> &Self {
        self.doc("snippets", json!({"name": name, "html": html}))
    }

    pub fn image(&self, file: &str, bytes: &[u8]) -> &Self {
        self.write(&format!("design-studio/images/{file}"), bytes)
    }

    /// A campaign folder (holding an empty `folder.json`, as git needs).
    pub fn folder(&self, path: &str) -> &Self {
        self.write(
            &format!("marketing-activities/{path}/folder.json"),
            pretty(&json!({"tokens": []})),
        )
    }

    /// A campaign folder with folder-level My Tokens.
    pub fn folder_tokens(&self, path: &str, tokens: Value) -> &Self {
        self.write(
            &format!("marketing-activities/{path}/folder.json"),
            pretty(&json!({ "tokens": tokens })),
        )
    }

    /// A program stored in the subscription, in `folder/<dir>/program.json`.
    pub fn stored_program(&self, folder: &str, program: &Value) -> &Self {
        let name = program["program"]["name"].as_str().expect("program name");
        self.write(
            &format!("marketing-activities/{folder}/{name}/program.json"),
            pretty(program),
        )
    }
}

// ---------------------------------------------------------------------
// Bundles

/// A minimal `program.json`: exported from "Acme Sandbox", going to the
/// folder "Webinars", with nothing in it.
pub fn program(name: &str) -> Value {
    json!({
        "format": 1,
        "exported_from": "Acme Sandbox",
        "program": {"name": name, "type": "default", "folder": "Webinars"},
        "tokens": [],
        "emails": [],
        "landing_pages": [],
        "forms": [],
        "smart_campaigns": []
    })
}

/// An email using `template` (and the given images), no dynamic content.
pub fn email(name: &str, template: &str, images: &[&str]) -> Value {
    json!({
        "name": name, "template": template, "subject": name,
        "html": "<p>hello</p>", "dynamic_content": false,
        "images": images, "snippets": [], "segmentations": []
    })
}

/// A landing page using `template` and the given forms.
pub fn landing_page(name: &str, template: &str, forms: &[&str]) -> Value {
    json!({
        "name": name, "template": template, "html": "<p>page</p>",
        "forms": forms, "images": [], "dynamic_content": false,
        "snippets": [], "segmentations": []
    })
}

/// A bundle: its `program.json` plus the files under `external/`.
#[derive(Clone)]
pub struct BundleSpec {
    pub program: Value,
    pub files: Vec<(String, Vec<u8>)>,
}

impl BundleSpec {
    pub fn new(program: Value) -> BundleSpec {
        BundleSpec {
            program,
            files: Vec::new(),
        }
    }

    pub fn file(mut self, rel: &str, bytes: impl AsRef<[u8]>) -> Self {
        self.files.push((rel.to_string(), bytes.as_ref().to_vec()));
        self
    }

    fn doc(self, dir: &str, doc: Value) -> Self {
        let name = doc["name"].as_str().expect("a doc has a name").to_string();
        let mut file = format!("{}.json", slug(&name));
        let mut n = 2;
        while self
            .files
            .iter()
            .any(|(rel, _)| *rel == format!("external/{dir}/{file}"))
        {
            file = format!("{}-{n}.json", slug(&name));
            n += 1;
        }
        self.file(&format!("external/{dir}/{file}"), pretty(&doc))
    }

    pub fn email_template(self, name: &str, html: &str) -> Self {
        self.doc("email-templates", json!({"name": name, "html": html}))
    }

    pub fn lp_template(self, name: &str, html: &str) -> Self {
        self.doc(
            "landing-page-templates",
            json!({"name": name, "html": html}),
        )
    }

    pub fn form(self, name: &str, fields: &[&str]) -> Self {
        self.doc("forms", json!({"name": name, "fields": fields}))
    }

    pub fn image(self, file: &str, bytes: &[u8]) -> Self {
        self.file(&format!("external/images/{file}"), bytes)
    }

    /// Every entry, relative to the bundle root, `program.json` first.
    pub fn entries(&self) -> Vec<(String, Vec<u8>)> {
        let mut out = vec![("program.json".to_string(), pretty(&self.program))];
        out.extend(self.files.iter().cloned());
        out
    }

    /// Write the bundle as a directory at `dir`.
    pub fn write_dir(&self, dir: &Path) {
        for (rel, bytes) in self.entries() {
            write_file(dir, &rel, bytes);
        }
    }

    /// Write the bundle as a zip at `path`, its entries below `prefix`
    /// (`""` or `"folder/"`).
    pub fn write_zip(&self, path: &Path, prefix: &str) {
        let entries: Vec<(String, Vec<u8>)> = self
            .entries()
            .into_iter()
            .map(|(rel, bytes)| (format!("{prefix}{rel}"), bytes))
            .collect();
        write_zip(path, &entries);
    }
}

/// Write a zip holding exactly these entries (names verbatim).
pub fn write_zip(path: &Path, entries: &[(String, Vec<u8>)]) {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).expect("create directories");
    }
    let file = fs::File::create(path).expect("create zip");
    let mut zip = zip::ZipWriter::new(file);
    let options = zip::write::SimpleFileOptions::default();
    for (name, bytes) in entries {
        zip.start_file(name.as_str(), options).expect("start entry");
        zip.write_all(bytes).expect("write entry");
    }
    zip.finish().expect("finish zip");
}

/// A temporary directory for sources (bundles, rules files, plans).
pub fn workdir() -> TempDir {
    tempfile::Builder::new()
        .prefix("mkimport-src-")
        .tempdir()
        .expect("tempdir")
}

/// Write `spec` as a directory bundle in a fresh temporary directory and
/// return (the temp dir, the bundle's path).
pub fn dir_bundle(spec: &BundleSpec) -> (TempDir, PathBuf) {
    let work = workdir();
    let path = work.path().join("bundle");
    spec.write_dir(&path);
    (work, path)
}

/// Write `spec` as a zip in a fresh temporary directory.
pub fn zip_bundle(spec: &BundleSpec) -> (TempDir, PathBuf) {
    let work = workdir();
    let path = work.path().join("bundle.zip");
    spec.write_zip(&path, "");
    (work, path)
}

// ---------------------------------------------------------------------
// Running the binary

/// What a run of the binary left behind.
#[derive(Debug)]
pub struct Outcome {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    /// The parsed standard output (`Null` when it is not JSON).
    pub json: Value,
}

impl Outcome {
    pub fn programs(&self) -> &Vec<Value> {
        self.json["programs"]
            .as_array()
            .unwrap_or_else(|| panic!("no programs in the report: {self:#?}"))
    }

    /// The report entry of the program with this name.
    pub fn program(&self, name: &str) -> &Value {
        self.programs()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("no program {name:?} in the report: {}", self.stdout))
    }

    /// The one program of the report.
    pub fn only(&self) -> &Value {
        let programs = self.programs();
        assert_eq!(programs.len(), 1, "expected one program: {}", self.stdout);
        &programs[0]
    }

    pub fn status(&self, name: &str) -> String {
        self.program(name)["status"]
            .as_str()
            .expect("status")
            .to_string()
    }
}

/// The asset row of `program` with this kind and name.
pub fn asset<'a>(program: &'a Value, kind: &str, name: &str) -> &'a Value {
    program["assets"]
        .as_array()
        .expect("assets")
        .iter()
        .find(|a| a["kind"] == kind && a["name"] == name)
        .unwrap_or_else(|| {
            panic!(
                "no {kind} asset {name:?} in {}",
                serde_json::to_string_pretty(program).unwrap()
            )
        })
}

/// The asset rows of `program` with this kind.
pub fn assets_of<'a>(program: &'a Value, kind: &str) -> Vec<&'a Value> {
    program["assets"]
        .as_array()
        .expect("assets")
        .iter()
        .filter(|a| a["kind"] == kind)
        .collect()
}

/// (action, result_name, reason) of an asset row.
pub fn outcome_of(program: &Value, kind: &str, name: &str) -> (String, String, String) {
    let a = asset(program, kind, name);
    (
        a["action"].as_str().expect("action").to_string(),
        a["result_name"].as_str().expect("result_name").to_string(),
        a["reason"].as_str().expect("reason").to_string(),
    )
}

/// The problem codes of `program`, in report order.
pub fn codes(program: &Value) -> Vec<String> {
    program["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .map(|p| p["code"].as_str().expect("code").to_string())
        .collect()
}

/// The problems of `program` with this code.
pub fn problems<'a>(program: &'a Value, code: &str) -> Vec<&'a Value> {
    program["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .filter(|p| p["code"] == code)
        .collect()
}

/// The error codes (severity "error") of `program`.
pub fn errors(program: &Value) -> Vec<String> {
    program["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .filter(|p| p["severity"] == "error")
        .map(|p| p["code"].as_str().expect("code").to_string())
        .collect()
}

/// The warning codes (severity "warning") of `program`.
pub fn warnings(program: &Value) -> Vec<String> {
    program["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .filter(|p| p["severity"] == "warning")
        .map(|p| p["code"].as_str().expect("code").to_string())
        .collect()
}

/// The binary, with a clean environment for what mkimport reads.
pub fn mkimport() -> Command {
    let mut cmd = Command::cargo_bin("mkimport").expect("the mkimport binary");
    cmd.env_remove("MKIMPORT_USER")
        .env_remove("MKIMPORT_SENDMAIL")
        .env("NO_COLOR", "1");
    cmd
}

/// Run a prepared command and collect what it did.
pub fn finish(cmd: &mut Command) -> Outcome {
    let output = cmd.output().expect("run mkimport");
    let stdout = String::from_utf8(output.stdout).expect("stdout is UTF-8");
    let stderr = String::from_utf8(output.stderr).expect("stderr is UTF-8");
    let json = serde_json::from_str(&stdout).unwrap_or(Value::Null);
    Outcome {
        code: output.status.code().expect("exited with a code"),
        stdout,
        stderr,
        json,
    }
}

/// `mkimport ARGS...` as given.
pub fn run(args: &[&str]) -> Outcome {
    finish(mkimport().args(args))
}

/// `mkimport preview --from FROM --to TO --json EXTRA...`, checking that the
/// standard output is one JSON document and that the target is unchanged.
pub fn preview(from: &Path, to: &Path, extra: &[&str]) -> Outcome {
    preview_with(from, to, extra, |_| {})
}

/// As [`preview`], letting the caller adjust the command (env, stdin).
pub fn preview_with(
    from: &Path,
    to: &Path,
    extra: &[&str],
    adjust: impl FnOnce(&mut Command),
) -> Outcome {
    let before = snapshot(to);
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
    assert_eq!(
        snapshot(to),
        before,
        "preview changed the target {}",
        to.display()
    );
    if out.code != 2 {
        assert!(
            out.json.is_object(),
            "stdout is not one JSON document (exit {}):\n{}\nstderr:\n{}",
            out.code,
            out.stdout,
            out.stderr
        );
    }
    out
}

/// Preview one bundle (written as a directory) into `target`.
pub fn preview_bundle(spec: &BundleSpec, target: &Sub, extra: &[&str]) -> Outcome {
    let (_work, path) = dir_bundle(spec);
    preview(&path, target.path(), extra)
}

/// The repository's fixtures directory.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// Does `text` name this JSON line and column ("L:C", or "line L ... column C")?
pub fn names_position(text: &str, line: usize, column: usize) -> bool {
    if text.contains(&format!(":{line}:{column}")) {
        return true;
    }
    let lower = text.to_lowercase();
    lower
        .find(&format!("line {line}"))
        .is_some_and(|at| lower[at..].contains(&format!("column {column}")))
}
