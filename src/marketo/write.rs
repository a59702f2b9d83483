//! Writing a snapshot atomically, and leaving unchanged files alone.
//!
//! The new snapshot is built in a temporary directory beside DIR
//! (`.<name>.pull-XXXXXX`). A file whose bytes equal DIR's file at the same
//! place is not written: DIR's file is hard-linked in (same inode, same
//! modification time), so re-pulling an unchanged instance rewrites
//! nothing. At the end:
//!
//! - nothing differs from DIR: the temporary directory is removed and DIR
//!   is left exactly as it was;
//! - something differs: the file system is synced, and the temporary
//!   directory and DIR are exchanged in one step (`renameat2` with
//!   `RENAME_EXCHANGE` on Linux; elsewhere, or where the file system cannot,
//!   DIR is renamed aside and the new tree renamed into its place), then
//!   the old tree is removed.
//!
//! A pull that fails or is killed before the exchange leaves DIR as it was
//! (a killed one may leave its temporary directory beside DIR, which the
//! next pull into DIR removes).

use std::collections::BTreeSet;
use std::fs;
use std::io::Write as _;
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

use anyhow::{anyhow, bail, Context as _, Result};

use crate::error::{show, usage};
use crate::load::subscription::STATE_DIR;

/// Our own state below `.mkimport/`.
pub const OWN_STATE: &str = ".mkimport/marketo";

/// What `--out` points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutDir {
    /// Nothing there yet.
    Missing,
    /// An empty directory.
    Empty,
    /// A snapshot written by an earlier pull.
    Snapshot,
}

/// Check `--out` before any call is made: it must be new, empty, or an
/// earlier pull's snapshot (pull replaces the whole directory, so anything
/// else would be lost).
pub fn check_out(dir: &Path) -> Result<OutDir> {
    let shown = show(dir);
    let meta = match fs::symlink_metadata(dir) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(OutDir::Missing),
        Err(e) => return Err(anyhow!(e).context(format!("cannot read --out {shown}"))),
    };
    if meta.file_type().is_symlink() {
        return Err(usage(format!(
            "--out {shown} is a symbolic link; give the directory it points to"
        )));
    }
    if !meta.is_dir() {
        return Err(usage(format!(
            "--out {shown} exists and is not a directory"
        )));
    }
    if dir.join(OWN_STATE).join("state.json").is_file() {
        return Ok(OutDir::Snapshot);
    }
    let mut entries = fs::read_dir(dir).with_context(|| format!("cannot read --out {shown}"))?;
    if entries.next().is_none() {
        return Ok(OutDir::Empty);
    }
    Err(usage(format!(
        "--out {shown} is not empty and was not written by `mkimport pull`; pull replaces the whole directory, so give a new or empty directory (or an earlier pull's)"
    )))
}

/// Remove temporary directories that killed pulls into `dir` left beside
/// it: all of them when the caller holds DIR's lock (no other pull into DIR
/// can be running), else those untouched for an hour.
pub fn remove_stale_temporaries(dir: &Path, locked: bool) {
    let (Some(parent), Some(name)) = (parent_of(dir), dir.file_name()) else {
        return;
    };
    let prefix = format!(".{}.pull-", name.to_string_lossy());
    let Ok(entries) = fs::read_dir(&parent) else {
        return;
    };
    for entry in entries.flatten() {
        let n = entry.file_name();
        let old_enough = || {
            entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age > std::time::Duration::from_secs(3600))
        };
        if n.to_string_lossy().starts_with(&prefix)
            && entry.file_type().is_ok_and(|t| t.is_dir())
            && (locked || old_enough())
        {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

fn parent_of(dir: &Path) -> Option<PathBuf> {
    match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => Some(p.to_path_buf()),
        _ => Some(PathBuf::from(".")),
    }
}

#[derive(Debug, Default)]
struct Written {
    files: BTreeSet<String>,
    /// A file outside `.mkimport/` is new or differs.
    visible_changed: bool,
    /// A file below `.mkimport/` is new or differs.
    state_changed: bool,
    new_files: usize,
}

/// A snapshot being built beside DIR.
#[derive(Debug)]
pub struct Writer {
    out: PathBuf,
    root: PathBuf,
    temp: Option<tempfile::TempDir>,
    /// DIR, when it holds an earlier snapshot to compare with.
    old: Option<PathBuf>,
    written: Mutex<Written>,
}

/// What [`Writer::finish`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Finished {
    /// DIR was replaced (false: nothing differed, DIR is untouched).
    pub replaced: bool,
    /// Files written anew (the others were DIR's, linked).
    pub new_files: usize,
}

impl Writer {
    pub fn new(out: &Path, old: Option<&Path>) -> Result<Writer> {
        let parent = parent_of(out).ok_or_else(|| anyhow!("--out has no parent directory"))?;
        fs::create_dir_all(&parent).with_context(|| format!("cannot create {}", show(&parent)))?;
        let name = out
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| usage(format!("--out {} names no directory", show(out))))?;
        let temp = tempfile::Builder::new()
            .prefix(&format!(".{name}.pull-"))
            .tempdir_in(&parent)
            .with_context(|| format!("cannot create a temporary directory in {}", show(&parent)))?;
        Ok(Writer {
            out: out.to_path_buf(),
            root: temp.path().to_path_buf(),
            temp: Some(temp),
            old: old.map(Path::to_path_buf),
            written: Mutex::new(Written::default()),
        })
    }

    /// Where the new snapshot is being built.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn record(&self, rel: &str, changed: bool) -> Result<()> {
        let mut w = self.written.lock().unwrap_or_else(|e| e.into_inner());
        if !w.files.insert(rel.to_string()) {
            bail!("internal error: {rel} written twice in one snapshot");
        }
        if changed {
            w.new_files += 1;
            if is_state(rel) {
                w.state_changed = true;
            } else {
                w.visible_changed = true;
            }
        }
        Ok(())
    }

    /// Write `bytes` at `rel` (a `/`-separated path made of safe names),
    /// or link DIR's identical file.
    pub fn put(&self, rel: &str, bytes: &[u8]) -> Result<()> {
        let dest = inside(&self.root, rel)?;
        if let Some(parent) = dest.parent() {
            fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", show(parent)))?;
        }
        if let Some(old) = &self.old {
            let old_file = inside(old, rel)?;
            if same_bytes(&old_file, bytes) && link_or_copy(&old_file, &dest).is_ok() {
                return self.record(rel, false);
            }
        }
        let mut file =
            fs::File::create(&dest).with_context(|| format!("cannot write {}", show(&dest)))?;
        file.write_all(bytes)
            .with_context(|| format!("cannot write {}", show(&dest)))?;
        self.record(rel, true)
    }

    /// The bytes of DIR's file at `rel`, when there is one.
    pub fn old_bytes(&self, rel: &str) -> Option<Vec<u8>> {
        let old = self.old.as_ref()?;
        let path = inside(old, rel).ok()?;
        let meta = fs::symlink_metadata(&path).ok()?;
        meta.is_file().then(|| fs::read(&path).ok()).flatten()
    }

    /// Carry everything of DIR's `.mkimport/` but our own state over (the
    /// lock, receipts of imports run into the snapshot), as links.
    pub fn carry_state(&self) -> Result<()> {
        let Some(old) = &self.old else {
            return Ok(());
        };
        let base = old.join(STATE_DIR);
        if !base.is_dir() {
            return Ok(());
        }
        for entry in walkdir::WalkDir::new(&base).follow_links(false) {
            let entry = entry.with_context(|| format!("cannot read {}", show(&base)))?;
            let rel = match entry.path().strip_prefix(old) {
                Ok(r) => r.to_string_lossy().replace('\\', "/"),
                Err(_) => continue,
            };
            if rel == OWN_STATE || rel.starts_with(&format!("{OWN_STATE}/")) {
                continue;
            }
            let dest = self.root.join(&rel);
            if entry.file_type().is_dir() {
                fs::create_dir_all(&dest)
                    .with_context(|| format!("cannot create {}", show(&dest)))?;
            } else if entry.file_type().is_file() {
                link_or_copy(entry.path(), &dest)
                    .with_context(|| format!("cannot copy {}", show(entry.path())))?;
                self.record(&rel, false)?;
            }
        }
        Ok(())
    }

    /// Did anything outside `.mkimport/` change so far (including files of
    /// DIR that the new snapshot lacks), not counting the files in
    /// `pending` (to be written next)?
    pub fn visible_changed(&self, pending: &[&str]) -> Result<bool> {
        let (visible, _) = self.changes(pending)?;
        Ok(visible)
    }

    /// (visible changed, state changed), counting DIR's files that are gone.
    fn changes(&self, pending: &[&str]) -> Result<(bool, bool)> {
        let w = self.written.lock().unwrap_or_else(|e| e.into_inner());
        let (mut visible, mut state) = (w.visible_changed, w.state_changed);
        if let Some(old) = &self.old {
            for entry in walkdir::WalkDir::new(old).follow_links(false) {
                let entry = entry.with_context(|| format!("cannot read {}", show(old)))?;
                if entry.file_type().is_dir() {
                    continue;
                }
                let rel = match entry.path().strip_prefix(old) {
                    Ok(r) => r.to_string_lossy().replace('\\', "/"),
                    Err(_) => continue,
                };
                if !w.files.contains(&rel) && !pending.contains(&rel.as_str()) {
                    if is_state(&rel) {
                        state = true;
                    } else {
                        visible = true;
                    }
                }
            }
        } else {
            visible = true;
        }
        Ok((visible, state))
    }

    /// Put the new snapshot in place of DIR (or leave DIR alone when
    /// nothing differs).
    pub fn finish(mut self) -> Result<Finished> {
        let (visible, state) = self.changes(&[])?;
        let new_files = self
            .written
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .new_files;
        if self.old.is_some() && !visible && !state {
            // Dropping the TempDir removes the new tree.
            return Ok(Finished {
                replaced: false,
                new_files: 0,
            });
        }
        sync_tree(&self.root)?;
        let temp = self.temp.take().expect("finish runs once");
        let out = self.out.clone();
        if fs::symlink_metadata(&out).is_ok() {
            if exchange(temp.path(), &out).is_ok() {
                // The temporary path now holds the old tree: dropping the
                // TempDir removes it.
                sync_parent(&out);
                drop(temp);
            } else {
                let aside = aside_name(&out)?;
                fs::rename(&out, &aside)
                    .with_context(|| format!("cannot move {} aside", show(&out)))?;
                let new_root = temp.keep();
                if let Err(e) = fs::rename(&new_root, &out) {
                    // Put DIR back; leave the new tree for inspection.
                    let _ = fs::rename(&aside, &out);
                    return Err(anyhow!(e)
                        .context(format!("cannot move the new snapshot to {}", show(&out))));
                }
                sync_parent(&out);
                let _ = fs::remove_dir_all(&aside);
            }
        } else {
            let new_root = temp.keep();
            fs::rename(&new_root, &out)
                .with_context(|| format!("cannot move the new snapshot to {}", show(&out)))?;
            sync_parent(&out);
        }
        Ok(Finished {
            replaced: true,
            new_files,
        })
    }
}

fn is_state(rel: &str) -> bool {
    rel == STATE_DIR || rel.starts_with(&format!("{STATE_DIR}/"))
}

/// Join a relative `/`-separated path below `root`, refusing anything that
/// could leave it (every part must be a plain name).
pub fn inside(root: &Path, rel: &str) -> Result<PathBuf> {
    let ok = !rel.is_empty()
        && !rel.contains('\\')
        && Path::new(rel)
            .components()
            .all(|c| matches!(c, Component::Normal(_)));
    if !ok {
        bail!("internal error: refusing to write {rel:?} (not a plain path inside the snapshot)");
    }
    Ok(root.join(rel))
}

fn same_bytes(path: &Path, bytes: &[u8]) -> bool {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.is_file() && meta.len() == bytes.len() as u64 => {
            fs::read(path).is_ok_and(|old| old == bytes)
        }
        _ => false,
    }
}

/// Hard-link `from` to `to`; where links are impossible, copy and keep the
/// modification time.
fn link_or_copy(from: &Path, to: &Path) -> std::io::Result<()> {
    if let Some(parent) = to.parent() {
        fs::create_dir_all(parent)?;
    }
    if fs::hard_link(from, to).is_ok() {
        return Ok(());
    }
    fs::copy(from, to)?;
    let modified = fs::metadata(from)?.modified()?;
    fs::File::options()
        .write(true)
        .open(to)?
        .set_modified(modified)
}

fn aside_name(out: &Path) -> Result<PathBuf> {
    let parent = parent_of(out).ok_or_else(|| anyhow!("--out has no parent"))?;
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    for n in 0..1000u32 {
        let candidate = parent.join(format!(".{name}.pull-old-{}-{n}", std::process::id()));
        if fs::symlink_metadata(&candidate).is_err() {
            return Ok(candidate);
        }
    }
    bail!("cannot find a free name beside {}", show(out))
}

/// Swap two directories in one step.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let a = CString::new(a.as_os_str().as_bytes())?;
    let b = CString::new(b.as_os_str().as_bytes())?;
    // SAFETY: both are valid NUL-terminated paths; renameat2 only reads them.
    let rc = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_a: &Path, _b: &Path) -> std::io::Result<()> {
    Err(std::io::Error::from(std::io::ErrorKind::Unsupported))
}

/// Make the new tree durable before it replaces DIR: one `syncfs` on Linux,
/// else an fsync per file and directory.
fn sync_tree(root: &Path) -> Result<()> {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        let dir = fs::File::open(root).with_context(|| format!("cannot open {}", show(root)))?;
        // SAFETY: the descriptor is open for the duration of the call.
        if unsafe { libc::syncfs(dir.as_raw_fd()) } == 0 {
            return Ok(());
        }
    }
    for entry in walkdir::WalkDir::new(root).follow_links(false) {
        let entry = entry.with_context(|| format!("cannot read {}", show(root)))?;
        if entry.file_type().is_file() || entry.file_type().is_dir() {
            if let Ok(f) = fs::File::open(entry.path()) {
                let _ = f.sync_all();
            }
        }
    }
    Ok(())
}

fn sync_parent(out: &Path) {
    if let Some(parent) = parent_of(out) {
        let _ = crate::fsutil::sync_dir(&parent);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_must_stay_inside() {
        let root = Path::new("/tmp/x");
        assert!(inside(root, "a/b.json").is_ok());
        for bad in ["", "../a", "a/../../b", "/etc/passwd", "a\\b", "./a"] {
            assert!(inside(root, bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn an_unchanged_tree_is_left_alone_and_a_changed_one_replaced() {
        let base = tempfile::tempdir().unwrap();
        let out = base.path().join("snap");
        let w = Writer::new(&out, None).unwrap();
        w.put("a/one.json", b"1").unwrap();
        w.put(".mkimport/marketo/state.json", b"{}").unwrap();
        assert!(w.finish().unwrap().replaced);
        let before = fs::metadata(out.join("a/one.json"))
            .unwrap()
            .modified()
            .unwrap();

        let w = Writer::new(&out, Some(&out)).unwrap();
        w.put("a/one.json", b"1").unwrap();
        w.put(".mkimport/marketo/state.json", b"{}").unwrap();
        assert!(!w.visible_changed(&[]).unwrap());
        let f = w.finish().unwrap();
        assert!(!f.replaced);
        let after = fs::metadata(out.join("a/one.json"))
            .unwrap()
            .modified()
            .unwrap();
        assert_eq!(before, after);

        // One file gone, one new: replaced; the unchanged one keeps its inode.
        fs::write(out.join("a/extra.json"), b"x").unwrap();
        let w = Writer::new(&out, Some(&out)).unwrap();
        w.put("a/one.json", b"1").unwrap();
        w.put("b.json", b"2").unwrap();
        w.put(".mkimport/marketo/state.json", b"{}").unwrap();
        assert!(w.visible_changed(&[]).unwrap());
        assert!(w.finish().unwrap().replaced);
        assert!(!out.join("a/extra.json").exists());
        assert_eq!(fs::read(out.join("b.json")).unwrap(), b"2");
        let after = fs::metadata(out.join("a/one.json"))
            .unwrap()
            .modified()
            .unwrap();
        assert_eq!(before, after);
        // No temporary directory is left beside it.
        let left: Vec<_> = fs::read_dir(base.path()).unwrap().flatten().collect();
        assert_eq!(left.len(), 1, "{left:?}");
    }

    #[test]
    fn out_must_be_new_empty_or_a_snapshot() {
        let base = tempfile::tempdir().unwrap();
        assert_eq!(
            check_out(&base.path().join("new")).unwrap(),
            OutDir::Missing
        );
        let empty = base.path().join("empty");
        fs::create_dir(&empty).unwrap();
        assert_eq!(check_out(&empty).unwrap(), OutDir::Empty);
        fs::write(empty.join("keep.txt"), b"mine").unwrap();
        assert!(check_out(&empty).is_err());
        fs::create_dir_all(empty.join(OWN_STATE)).unwrap();
        fs::write(empty.join(OWN_STATE).join("state.json"), b"{}").unwrap();
        assert_eq!(check_out(&empty).unwrap(), OutDir::Snapshot);
    }
}
