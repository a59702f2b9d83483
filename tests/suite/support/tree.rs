//! Files and trees: writing and reading files, copying a tree, listing it,
//! and snapshots that prove what a command wrote or did not write.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::fs;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde_json::Value;

/// The state directory mkimport keeps inside a target.
pub const STATE: &str = ".mkimport";

// ---------------------------------------------------------------------
// Files

/// Write `bytes` to `root/rel`, creating the directories above it.
pub fn write_file(root: &Path, rel: &str, bytes: impl AsRef<[u8]>) {
    let path = root.join(rel);
    fs::create_dir_all(path.parent().expect("a relative path has a parent"))
        .expect("create directories");
    fs::write(&path, bytes).expect("write file");
}

/// Write every (relative path, bytes) below `dir`; returns `dir`.
pub fn write_files(dir: &Path, files: &[(String, Vec<u8>)]) -> PathBuf {
    for (rel, bytes) in files {
        write_file(dir, rel, bytes);
    }
    dir.to_path_buf()
}

/// Pretty JSON with a final newline, as mkimport writes it.
pub fn pretty(value: &Value) -> Vec<u8> {
    let mut out = serde_json::to_vec_pretty(value).expect("serialise");
    out.push(b'\n');
    out
}

/// Write `value` as pretty JSON to `root/rel`.
pub fn write_json(root: &Path, rel: &str, value: &Value) {
    write_file(root, rel, pretty(value));
}

/// Read and parse a JSON file.
#[track_caller]
pub fn read_json(path: &Path) -> Value {
    let bytes = fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_json::from_slice(&bytes)
        .unwrap_or_else(|e| panic!("{} is not valid JSON: {e}", path.display()))
}

/// Some image bytes: a tiny PNG-like blob, distinct per `seed`.
pub fn image_bytes(seed: &str) -> Vec<u8> {
    let mut bytes = vec![0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n'];
    bytes.extend_from_slice(seed.as_bytes());
    bytes.extend_from_slice(&[0, 1, 2, 3, 0xff, 0xfe]);
    bytes
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

// ---------------------------------------------------------------------
// Walking a tree

/// Visit every path below `root` (sorted within each directory; links are
/// visited, never followed), leaving out the names directly below `root`
/// in `skip`. An unreadable directory is visited but not entered.
fn walk(root: &Path, skip: &[&str], visit: &mut dyn FnMut(PathBuf, &Path, &fs::Metadata)) {
    fn go(
        root: &Path,
        dir: &Path,
        skip: &[&str],
        visit: &mut dyn FnMut(PathBuf, &Path, &fs::Metadata),
    ) {
        let Ok(read) = fs::read_dir(dir) else {
            return;
        };
        let mut paths: Vec<PathBuf> = read.map(|e| e.expect("dir entry").path()).collect();
        paths.sort();
        for path in paths {
            let rel = path.strip_prefix(root).expect("below root").to_path_buf();
            if dir == root && skip.iter().any(|s| rel.as_os_str() == OsStr::new(s)) {
                continue;
            }
            let meta = fs::symlink_metadata(&path).expect("metadata");
            visit(rel, &path, &meta);
            if meta.is_dir() {
                go(root, &path, skip, visit);
            }
        }
    }
    go(root, root, skip, visit);
}

/// Every file (and link) below `root`, at any depth, `.mkimport/` too:
/// relative paths with `/`, sorted.
pub fn all_files(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    walk(root, &[], &mut |rel, _, meta| {
        if !meta.is_dir() {
            out.push(rel.to_string_lossy().replace('\\', "/"));
        }
    });
    out.sort();
    out
}

// ---------------------------------------------------------------------
// Snapshots

/// What a path holds, as far as a snapshot cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    Dir {
        mode: u32,
    },
    File {
        bytes: Vec<u8>,
        mode: u32,
    },
    /// A file too big to read whole (a sparse one, say): its length and
    /// time of last change.
    Large {
        len: u64,
        modified: Option<SystemTime>,
        mode: u32,
    },
    Link(PathBuf),
}

/// Files over this size are recorded as [`Node::Large`].
const LARGE: u64 = 64 << 20;

/// Every path below a root (relative, as raw OS strings so that names
/// that are not UTF-8 are kept) → what it holds, permission bits included.
pub type Snapshot = BTreeMap<PathBuf, Node>;

/// The tree below `root`, without the state directory `.mkimport/`
/// directly below it.
pub fn snapshot(root: &Path) -> Snapshot {
    snapshot_except(root, &[STATE])
}

/// The tree below `root`, the state directory too.
pub fn snapshot_all(root: &Path) -> Snapshot {
    snapshot_except(root, &[])
}

/// The tree below `root` but for the names directly below it in `skip`.
/// Links are recorded, never followed; an unreadable file is recorded by
/// its size, an unreadable directory without its content.
pub fn snapshot_except(root: &Path, skip: &[&str]) -> Snapshot {
    let mut out = Snapshot::new();
    walk(root, skip, &mut |rel, path, meta| {
        let mode = meta.permissions().mode() & 0o7777;
        let node = if meta.file_type().is_symlink() {
            Node::Link(fs::read_link(path).expect("readlink"))
        } else if meta.is_dir() {
            Node::Dir { mode }
        } else if meta.len() > LARGE {
            Node::Large {
                len: meta.len(),
                modified: meta.modified().ok(),
                mode,
            }
        } else {
            let bytes = fs::read(path).unwrap_or_else(|_| vec![0; meta.len() as usize]);
            Node::File { bytes, mode }
        };
        out.insert(rel, node);
    });
    out
}

/// Assert two snapshots are equal, listing the paths that differ.
#[track_caller]
pub fn assert_same_tree(before: &Snapshot, after: &Snapshot, what: &str) {
    if before == after {
        return;
    }
    let mut diffs = Vec::new();
    for (path, node) in after {
        match (before.get(path), node) {
            (None, _) => diffs.push(format!("  added    {}", path.display())),
            (Some(Node::File { bytes, mode }), Node::File { bytes: b, mode: m })
                if bytes == b && mode != m =>
            {
                diffs.push(format!("  mode     {} ({mode:o} → {m:o})", path.display()))
            }
            (Some(old), _) if old != node => diffs.push(format!("  changed  {}", path.display())),
            _ => {}
        }
    }
    for path in before.keys() {
        if !after.contains_key(path) {
            diffs.push(format!("  removed  {}", path.display()));
        }
    }
    panic!("{what}: the trees differ:\n{}", diffs.join("\n"));
}
