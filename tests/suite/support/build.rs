//! Target subscriptions and bundles to import: the standard target
//! ([`Sub`]), copies of the fixtures, bundles built from a program
//! ([`BundleSpec`]) or as a list of files ([`Files`]), generated sources;
//! and reading what a target holds.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use tempfile::TempDir;
use zip::CompressionMethod;

use super::*;

/// The acting user of the standard target and of the production fixture
/// (an Admin).
pub const OPS: &str = "ops@acme.example";

/// The three sandbox programs that import cleanly into production.
pub const OK_PROGRAMS: [&str; 3] = [
    "2026 Q3 Webinar - Scaling Marketing Ops",
    "2026 APAC Growth Summit",
    "2026-07 Monthly Newsletter",
];

pub const WEBINAR: &str = "2026 Q3 Webinar - Scaling Marketing Ops";
pub const ROUNDTABLE: &str = "2025 Customer Roundtable";

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

/// A smart campaign of this type (`batch` or `trigger`), inactive, using
/// nothing.
pub fn campaign(name: &str, kind: &str) -> Value {
    json!({"name": name, "type": kind, "active": false, "emails": [],
           "fields": [], "webhooks": [], "triggers": [], "custom_objects": []})
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
        write_files(dir, &self.entries());
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

/// A program.json with one email using the external email template
/// "Hero Email" and the image "hero.png", going to the folder `Inbox`.
pub fn program_doc(name: &str) -> Value {
    json!({
        "format": 1,
        "exported_from": "Hostile Sandbox",
        "program": {"name": name, "type": "default", "folder": "Inbox"},
        "emails": [{
            "name": "Invite",
            "template": "Hero Email",
            "subject": "You're invited",
            "html": "<p>Hello</p>",
            "images": ["hero.png"]
        }]
    })
}

/// The files of a bundle, relative to its root, in order.
#[derive(Debug, Clone)]
pub struct Files(pub Vec<(String, Vec<u8>)>);

impl Files {
    /// A well-formed bundle for a program of this name: `program.json`,
    /// its email template and its image.
    pub fn program(name: &str) -> Files {
        Files::from_doc(&program_doc(name))
    }

    /// `program.json` from this document, plus the standard external
    /// assets: the email template "Hero Email" and the image "hero.png".
    pub fn from_doc(doc: &Value) -> Files {
        Files(
            BundleSpec::new(doc.clone())
                .email_template("Hero Email", "<h1>hero</h1>")
                .image("hero.png", &image_bytes("hero"))
                .entries(),
        )
    }

    pub fn with(mut self, rel: &str, bytes: impl AsRef<[u8]>) -> Files {
        self.0.retain(|(r, _)| r != rel);
        self.0.push((rel.to_string(), bytes.as_ref().to_vec()));
        self
    }

    pub fn without(mut self, rel: &str) -> Files {
        self.0.retain(|(r, _)| r != rel);
        self
    }

    /// Write as a directory.
    pub fn write_dir(&self, dir: &Path) -> PathBuf {
        write_files(dir, &self.0)
    }

    /// Write as a deflated zip.
    pub fn write_zip(&self, path: &Path) -> PathBuf {
        write_zip(path, &self.0)
    }

    /// Write as a zip, every entry compressed with `method`.
    pub fn write_zip_with(&self, path: &Path, method: CompressionMethod) -> PathBuf {
        write_zip_with(path, &self.0, method)
    }

    /// As raw entries (stored), for [`RawZip`].
    pub fn raw(&self) -> RawZip {
        let mut raw = RawZip::default();
        for (rel, bytes) in &self.0 {
            raw = raw.entry(RawEntry::stored(rel.as_bytes(), bytes));
        }
        raw
    }
}

// ---------------------------------------------------------------------
// Copies of the fixtures

/// A fresh copy of a fixture subscription (`production` or `sandbox`) in a
/// temporary directory: (guard, path of the copy).
pub fn copy_fixture(name: &str) -> (TempDir, PathBuf) {
    let dir = TempDir::new().expect("temp dir");
    let path = dir.path().join(name);
    copy_dir(&fixtures().join(name), &path);
    (dir, path)
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

// ---------------------------------------------------------------------
// What a target holds

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

/// Has an import left a receipt in `target/.mkimport/imports/`?
pub fn has_receipts(target: &Path) -> bool {
    fs::read_dir(target.join(STATE).join("imports"))
        .is_ok_and(|mut entries| entries.next().is_some())
}
