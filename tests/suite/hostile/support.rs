//! Helpers for the hostile-input suite: a scratch area holding a target
//! subscription, bundles and "outside" files; bundles written as
//! directories, as zips (`zip::ZipWriter`) or byte by byte (for entries no
//! sane archiver writes); running the real binary; and snapshots proving
//! that nothing was written.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;
use serde_json::{json, Value};
use tempfile::TempDir;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

// ---------------------------------------------------------------------
// Files and snapshots

/// Write `bytes` to `root/rel`, creating the directories above it.
pub fn write_file(root: &Path, rel: &str, bytes: impl AsRef<[u8]>) {
    let path = root.join(rel);
    fs::create_dir_all(path.parent().expect("a relative path has a parent")).expect("mkdir");
    fs::write(&path, bytes).expect("write file");
}

/// Pretty JSON with a final newline.
pub fn pretty(value: &Value) -> Vec<u8> {
    let mut out = serde_json::to_vec_pretty(value).expect("serialise");
    out.push(b'\n');
    out
}

/// What a path holds, as far as a snapshot cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    Dir,
    File(Vec<u8>),
    /// A file too big to read whole (a sparse one, say): length and time
    /// of last change.
    Large(u64, Option<std::time::SystemTime>),
    Link(PathBuf),
}

/// Files over this size are recorded as [`Node::Large`].
const LARGE: u64 = 64 << 20;

/// Every path below `root` (relative, as raw OS strings so non-UTF-8 names
/// are kept), except anything inside a `.mkimport` directory. Links are
/// recorded, never followed.
pub type Snapshot = BTreeMap<PathBuf, Node>;

pub fn snapshot(root: &Path) -> Snapshot {
    fn walk(root: &Path, dir: &Path, out: &mut Snapshot) {
        let Ok(read) = fs::read_dir(dir) else {
            // An unreadable directory (chmod 000 as a non-root user): record
            // it as such, its content cannot change under us anyway.
            return;
        };
        let mut paths: Vec<PathBuf> = read.map(|e| e.expect("dir entry").path()).collect();
        paths.sort();
        for path in paths {
            if path.file_name() == Some(OsStr::new(".mkimport")) {
                continue;
            }
            let rel = path.strip_prefix(root).expect("below root").to_path_buf();
            let meta = fs::symlink_metadata(&path).expect("metadata");
            if meta.file_type().is_symlink() {
                out.insert(rel, Node::Link(fs::read_link(&path).expect("readlink")));
            } else if meta.is_dir() {
                out.insert(rel, Node::Dir);
                walk(root, &path, out);
            } else if meta.len() > LARGE {
                out.insert(rel, Node::Large(meta.len(), meta.modified().ok()));
            } else {
                // An unreadable file is recorded by its size only.
                let bytes = fs::read(&path).unwrap_or_else(|_| vec![0; meta.len() as usize]);
                out.insert(rel, Node::File(bytes));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

/// Assert two snapshots are equal, listing the paths that differ.
#[track_caller]
pub fn assert_same(before: &Snapshot, after: &Snapshot, what: &str) {
    if before == after {
        return;
    }
    let mut diffs = Vec::new();
    for (path, node) in after {
        match before.get(path) {
            None => diffs.push(format!("  added    {}", path.display())),
            Some(old) if old != node => diffs.push(format!("  changed  {}", path.display())),
            _ => {}
        }
    }
    for path in before.keys() {
        if !after.contains_key(path) {
            diffs.push(format!("  removed  {}", path.display()));
        }
    }
    panic!("{what} changed:\n{}", diffs.join("\n"));
}

/// Some image bytes, distinct per `seed`.
pub fn image_bytes(seed: &str) -> Vec<u8> {
    let mut bytes = vec![0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n'];
    bytes.extend_from_slice(seed.as_bytes());
    bytes.extend_from_slice(&[0, 1, 2, 3, 0xff, 0xfe]);
    bytes
}

/// Is the test process root (for whom chmod 000 does not stop reading)?
pub fn can_read_anything(probe: &Path) -> bool {
    fs::read(probe).is_ok()
}

// ---------------------------------------------------------------------
// The scratch area

/// A temporary directory holding `target/` (a subscription), `src/` (where
/// bundles go) and `outside/` (files a hostile bundle might aim at).
pub struct Scratch {
    dir: TempDir,
}

impl Scratch {
    /// A target with `subscription.json` (only the required keys), the
    /// campaign folder `Inbox`, one email template and one image.
    pub fn new() -> Scratch {
        let dir = tempfile::Builder::new()
            .prefix("mkimport-hostile-")
            .tempdir()
            .expect("tempdir");
        let s = Scratch { dir };
        s.target_file(
            "subscription.json",
            pretty(&json!({"format": 1, "name": "Hostile Target"})),
        );
        s.target_file(
            "marketing-activities/Inbox/folder.json",
            pretty(&json!({"tokens": []})),
        );
        s.target_file(
            "design-studio/email-templates/standard-email.json",
            pretty(&json!({"name": "Standard Email", "html": "<p>standard</p>"})),
        );
        s.target_file("design-studio/images/logo.png", image_bytes("logo"));
        fs::create_dir_all(s.src()).expect("mkdir src");
        write_file(&s.outside(), "secret.txt", SECRET);
        s
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }
    pub fn target(&self) -> PathBuf {
        self.root().join("target")
    }
    pub fn src(&self) -> PathBuf {
        self.root().join("src")
    }
    pub fn outside(&self) -> PathBuf {
        self.root().join("outside")
    }

    pub fn target_file(&self, rel: &str, bytes: impl AsRef<[u8]>) {
        write_file(&self.target(), rel, bytes);
    }

    /// The target's tree (without `.mkimport/`).
    pub fn target_snapshot(&self) -> Snapshot {
        snapshot(&self.target())
    }

    /// Everything in the scratch area but the target: what must never be
    /// written.
    pub fn outside_snapshot(&self) -> Snapshot {
        let mut all = snapshot(self.root());
        all.retain(|path, _| !path.starts_with("target"));
        all
    }

    /// Both snapshots, to compare after a command that must write nothing.
    pub fn freeze(&self) -> Frozen {
        Frozen {
            target: self.target_snapshot(),
            rest: self.outside_snapshot(),
        }
    }
}

/// Content planted outside the target, which must never show up inside it.
pub const SECRET: &str = "TOP-SECRET-CONTENT: root:x:0:0:root:/root:/bin/bash\n";

/// Does any file of the target (outside `.mkimport/`) contain the secret?
pub fn target_holds_secret(target: &Path) -> bool {
    snapshot(target).values().any(|node| match node {
        Node::File(bytes) => bytes.windows(SECRET.len()).any(|w| w == SECRET.as_bytes()),
        _ => false,
    })
}

pub struct Frozen {
    target: Snapshot,
    rest: Snapshot,
}

impl Frozen {
    /// Nothing changed: not the target (outside `.mkimport/`), not the rest.
    #[track_caller]
    pub fn assert_unchanged(&self, scratch: &Scratch) {
        assert_same(&self.target, &scratch.target_snapshot(), "the target");
        assert_same(&self.rest, &scratch.outside_snapshot(), "the scratch area");
    }

    /// Nothing changed outside the target.
    #[track_caller]
    pub fn assert_outside_unchanged(&self, scratch: &Scratch) {
        assert_same(&self.rest, &scratch.outside_snapshot(), "the scratch area");
    }
}

// ---------------------------------------------------------------------
// Bundles

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

    /// `program.json` from this document, plus the standard external assets.
    pub fn from_doc(doc: &Value) -> Files {
        Files(vec![
            ("program.json".into(), pretty(doc)),
            (
                "external/email-templates/hero-email.json".into(),
                pretty(&json!({"name": "Hero Email", "html": "<h1>hero</h1>"})),
            ),
            ("external/images/hero.png".into(), image_bytes("hero")),
        ])
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
        for (rel, bytes) in &self.0 {
            write_file(dir, rel, bytes);
        }
        dir.to_path_buf()
    }

    /// Write as a deflated zip with `zip::ZipWriter`.
    pub fn write_zip(&self, path: &Path) -> PathBuf {
        self.write_zip_with(path, CompressionMethod::Deflated)
    }

    /// Write as a zip with `zip::ZipWriter`, every entry compressed with
    /// `method`.
    pub fn write_zip_with(&self, path: &Path, method: CompressionMethod) -> PathBuf {
        fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        let mut zip = ZipWriter::new(fs::File::create(path).expect("create zip"));
        let options = SimpleFileOptions::default().compression_method(method);
        for (rel, bytes) in &self.0 {
            zip.start_file(rel.as_str(), options).expect("start file");
            zip.write_all(bytes).expect("write entry");
        }
        zip.finish().expect("finish zip");
        path.to_path_buf()
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
// A minimal zip writer, byte by byte

/// One entry as it will sit in the archive: the name bytes, the flags, the
/// method and the attributes are written as given, nothing is checked.
#[derive(Debug, Clone)]
pub struct RawEntry {
    pub name: Vec<u8>,
    /// The bytes stored in the archive (already compressed if `method` says
    /// so).
    pub data: Vec<u8>,
    /// The uncompressed size declared in the headers.
    pub size: u32,
    pub crc: u32,
    pub method: u16,
    pub flags: u16,
    /// Unix mode (file type and permissions), 0 for none.
    pub unix_mode: u32,
}

impl RawEntry {
    /// A stored (uncompressed) entry.
    pub fn stored(name: &[u8], data: &[u8]) -> RawEntry {
        RawEntry {
            name: name.to_vec(),
            data: data.to_vec(),
            size: data.len() as u32,
            crc: crc32(data),
            method: 0,
            flags: if std::str::from_utf8(name).is_ok_and(|s| !s.is_ascii()) {
                0x0800
            } else {
                0
            },
            unix_mode: 0o100644,
        }
    }

    pub fn flags(mut self, flags: u16) -> RawEntry {
        self.flags |= flags;
        self
    }

    pub fn method(mut self, method: u16) -> RawEntry {
        self.method = method;
        self
    }

    pub fn mode(mut self, unix_mode: u32) -> RawEntry {
        self.unix_mode = unix_mode;
        self
    }
}

/// A zip archive written by hand: local headers, data, central directory,
/// end record. No zip64, no data descriptors.
#[derive(Debug, Clone, Default)]
pub struct RawZip {
    pub entries: Vec<RawEntry>,
}

impl RawZip {
    pub fn entry(mut self, entry: RawEntry) -> RawZip {
        self.entries.push(entry);
        self
    }

    pub fn bytes(&self) -> Vec<u8> {
        fn u16le(out: &mut Vec<u8>, v: u16) {
            out.extend_from_slice(&v.to_le_bytes());
        }
        fn u32le(out: &mut Vec<u8>, v: u32) {
            out.extend_from_slice(&v.to_le_bytes());
        }
        let (time, date) = (0u16, (2026 - 1980) << 9 | 1 << 5 | 1);
        let mut out = Vec::new();
        let mut central = Vec::new();
        for e in &self.entries {
            let offset = out.len() as u32;
            u32le(&mut out, 0x0403_4b50);
            u16le(&mut out, 20);
            u16le(&mut out, e.flags);
            u16le(&mut out, e.method);
            u16le(&mut out, time);
            u16le(&mut out, date);
            u32le(&mut out, e.crc);
            u32le(&mut out, e.data.len() as u32);
            u32le(&mut out, e.size);
            u16le(&mut out, e.name.len() as u16);
            u16le(&mut out, 0);
            out.extend_from_slice(&e.name);
            out.extend_from_slice(&e.data);

            u32le(&mut central, 0x0201_4b50);
            u16le(&mut central, 3 << 8 | 20); // made by: Unix
            u16le(&mut central, 20);
            u16le(&mut central, e.flags);
            u16le(&mut central, e.method);
            u16le(&mut central, time);
            u16le(&mut central, date);
            u32le(&mut central, e.crc);
            u32le(&mut central, e.data.len() as u32);
            u32le(&mut central, e.size);
            u16le(&mut central, e.name.len() as u16);
            u16le(&mut central, 0); // extra
            u16le(&mut central, 0); // comment
            u16le(&mut central, 0); // disk
            u16le(&mut central, 0); // internal attributes
            u32le(&mut central, e.unix_mode << 16);
            u32le(&mut central, offset);
            central.extend_from_slice(&e.name);
        }
        let cd_offset = out.len() as u32;
        let cd_size = central.len() as u32;
        out.extend_from_slice(&central);
        u32le(&mut out, 0x0605_4b50);
        u16le(&mut out, 0);
        u16le(&mut out, 0);
        u16le(&mut out, self.entries.len() as u16);
        u16le(&mut out, self.entries.len() as u16);
        u32le(&mut out, cd_size);
        u32le(&mut out, cd_offset);
        u16le(&mut out, 0);
        out
    }

    pub fn write(&self, path: &Path) -> PathBuf {
        fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        fs::write(path, self.bytes()).expect("write zip");
        path.to_path_buf()
    }
}

/// CRC-32 (IEEE), bitwise: only used on small entries.
pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

// ---------------------------------------------------------------------
// Running mkimport

/// What a run of the binary gave.
#[derive(Debug)]
pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Out {
    /// The JSON report on standard output.
    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
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
}

/// Run `mkimport` with these arguments (no terminal, no MKIMPORT_USER).
pub fn mkimport<I, S>(args: I) -> Out
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let output = Command::cargo_bin("mkimport")
        .expect("the mkimport binary")
        .args(args)
        .env_remove("MKIMPORT_USER")
        .env("MKIMPORT_SENDMAIL", "/bin/false")
        .write_stdin("")
        .timeout(Duration::from_secs(120))
        .output()
        .expect("run mkimport");
    Out {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// `mkimport preview --from SRC --to TARGET --json [extra...]`.
pub fn preview(from: &Path, to: &Path, extra: &[&str]) -> Out {
    let mut args: Vec<&OsStr> = vec![
        OsStr::new("preview"),
        OsStr::new("--from"),
        from.as_os_str(),
        OsStr::new("--to"),
        to.as_os_str(),
        OsStr::new("--json"),
    ];
    args.extend(extra.iter().map(OsStr::new));
    mkimport(args)
}

/// `mkimport run --from SRC --to TARGET --yes --json [extra...]`.
pub fn run(from: &Path, to: &Path, extra: &[&str]) -> Out {
    let mut args: Vec<&OsStr> = vec![
        OsStr::new("run"),
        OsStr::new("--from"),
        from.as_os_str(),
        OsStr::new("--to"),
        to.as_os_str(),
        OsStr::new("--yes"),
        OsStr::new("--json"),
    ];
    args.extend(extra.iter().map(OsStr::new));
    mkimport(args)
}

/// The path as mkimport shows it in messages (the label of a bundle).
pub fn shown(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

/// The report's entry for the program read from this bundle.
#[track_caller]
pub fn program_in<'a>(report: &'a Value, bundle: &Path) -> &'a Value {
    let label = shown(bundle);
    report["programs"]
        .as_array()
        .expect("programs")
        .iter()
        .find(|p| p["bundle"] == label.as_str())
        .unwrap_or_else(|| panic!("no program from {label} in the report:\n{report:#}"))
}

/// The problem codes of a program in the report.
pub fn codes(program: &Value) -> Vec<String> {
    program["problems"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|p| p["code"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// A bad-input bundle, as the report shows it: blocked, with a `bad-input`
/// error whose message names the bundle and every `needles`.
#[track_caller]
pub fn assert_bad_input(report: &Value, bundle: &Path, needles: &[&str]) {
    let program = program_in(report, bundle);
    assert_eq!(program["status"], "blocked", "{program:#}");
    let problem = program["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .find(|p| p["code"] == "bad-input")
        .unwrap_or_else(|| panic!("no bad-input problem: {program:#}"));
    assert_eq!(problem["severity"], "error");
    let message = problem["message"].as_str().expect("message");
    assert!(message.contains(&shown(bundle)), "{message}");
    for needle in needles {
        assert!(message.contains(needle), "{message:?} lacks {needle:?}");
    }
}

/// Preview and run a hostile source: both exit 1 (bad input), both name the
/// bundle and every `needles` on standard error, and nothing is written.
/// Returns the preview's report.
#[track_caller]
pub fn refused(scratch: &Scratch, bundle: &Path, needles: &[&str], extra: &[&str]) -> Value {
    let frozen = scratch.freeze();
    let label = shown(bundle);
    let mut all = vec![label.as_str()];
    all.extend_from_slice(needles);

    let out = preview(bundle, &scratch.target(), extra);
    out.expect_code(1).stderr_has(&all);
    let report = out.json();
    assert_bad_input(&report, bundle, needles);
    frozen.assert_unchanged(scratch);

    let out = run(bundle, &scratch.target(), extra);
    out.expect_code(1).stderr_has(&all);
    assert_bad_input(&out.json(), bundle, needles);
    frozen.assert_unchanged(scratch);
    assert!(
        !scratch.target().join(".mkimport/imports").exists()
            || fs::read_dir(scratch.target().join(".mkimport/imports"))
                .expect("read imports")
                .next()
                .is_none(),
        "a receipt was written for a refused run"
    );
    report
}

/// All names (files and directories) below `root`, relative, without
/// `.mkimport/`.
pub fn all_paths(root: &Path) -> Vec<PathBuf> {
    snapshot(root).into_keys().collect()
}
