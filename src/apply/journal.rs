//! The journal of a transaction: the moves (staged path → final path) that
//! make it land, written before the first move, so that the moves of a
//! killed process are finished by the next one (roll forward).

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Component, Path, PathBuf};

use anyhow::{anyhow, bail, Context as _, Result};
use fs_err::{self as fs, File};
use serde::{Deserialize, Serialize};

use crate::error::show;
use crate::fsutil::sync_dir;
use crate::load::subscription::STATE_DIR;

/// The journal file, in the state directory.
pub const JOURNAL: &str = "journal.json";
/// Where files are staged, in the state directory.
pub const STAGING: &str = "staging";

/// One rename of a transaction, paths relative to the target root.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Move {
    pub from: String,
    pub to: String,
}

// Fields in alphabetical order: written straight from the struct, the
// keys come out sorted.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Journal<M = Vec<Move>> {
    import_id: String,
    moves: M,
}

/// Make everything staged durable, then write the journal of `moves`
/// atomically: from here on, the transaction will land.
pub fn begin(root: &Path, import_id: &str, moves: &[Move]) -> Result<()> {
    flush(root)?;
    // Streamed from the moves it borrows: the journal of a large import
    // is never copied into a JSON value.
    let journal = Journal {
        import_id: import_id.to_string(),
        moves,
    };
    crate::fsutil::write_atomic_with(&root.join(STATE_DIR).join(JOURNAL), |w| {
        serde_json::to_writer_pretty(&mut *w, &journal)?;
        w.write_all(b"\n")
    })?;
    Ok(())
}

/// After the moves: make them durable, then remove the journal and the
/// staging area.
pub fn finish(root: &Path) -> Result<()> {
    flush(root)?;
    let state = root.join(STATE_DIR);
    fs::remove_file(state.join(JOURNAL))?;
    sync_dir(&state)?;
    fs::remove_dir_all(state.join(STAGING)).ok();
    Ok(())
}

/// Remove one transaction's staging directory (and the staging area when
/// it is then empty), after a failure before [`begin`] ended.
pub fn abandon(root: &Path, staging: &Path) {
    let _ = fs::remove_dir_all(staging);
    let _ = fs::remove_dir(root.join(STATE_DIR).join(STAGING));
}

/// Join a relative path below `root`, refusing anything that could leave it.
pub fn inside(root: &Path, rel: &str) -> Result<PathBuf> {
    let rel_path = Path::new(rel);
    let ok = !rel.is_empty()
        && rel_path
            .components()
            .all(|c| matches!(c, Component::Normal(_)));
    if !ok {
        bail!("refusing to write {rel:?}: it is not a plain path inside the target");
    }
    Ok(root.join(rel_path))
}

/// Did a run stop half-way through its moves on this target?
pub fn interrupted(target: &Path) -> bool {
    target.join(STATE_DIR).join(JOURNAL).is_file()
}

/// Finish (or clean up after) a run that was interrupted. Call with the
/// lock held. Returns true when an interrupted run (or undo) was
/// completed.
pub fn recover(target: &Path) -> Result<bool> {
    let state = target.join(STATE_DIR);
    let journal_path = state.join(JOURNAL);
    let mut finished = false;
    if journal_path.is_file() {
        let text = fs::read_to_string(&journal_path)
            .with_context(|| format!("cannot read {}", show(&journal_path)))?;
        let journal: Journal = serde_json::from_str(&text)
            .with_context(|| format!("the journal {} is damaged", show(&journal_path)))?;
        do_moves(target, &journal.moves, |_| {})?;
        fs::remove_file(&journal_path)?;
        sync_dir(&state)?;
        finished = true;
    }
    let staging = state.join(STAGING);
    if staging.exists() {
        fs::remove_dir_all(&staging).with_context(|| format!("cannot clean {}", show(&staging)))?;
    }
    Ok(finished)
}

pub fn do_moves(target: &Path, moves: &[Move], mut tick: impl FnMut(&Move)) -> Result<()> {
    let mut dirs: BTreeSet<PathBuf> = BTreeSet::new();
    for m in moves {
        let from = inside(target, &m.from)?;
        let to = inside(target, &m.to)?;
        // Not `exists()`: a staged link (a pre-image that was a link) may
        // point nowhere, and must still be moved.
        if std::fs::symlink_metadata(&from).is_ok() {
            let parent = to.parent().expect("a path inside the target has a parent");
            fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", show(parent)))?;
            // A file that replaces another keeps its permissions.
            crate::fsutil::keep_permissions(&to, &from)?;
            fs::rename(&from, &to)
                .with_context(|| format!("cannot move {} to {}", show(&from), show(&to)))?;
            dirs.insert(parent.to_path_buf());
        }
        tick(m);
    }
    for dir in dirs {
        sync_dir(&dir)?;
    }
    Ok(())
}

/// Write a staged file. It is not fsynced here: the whole staging area is
/// flushed at once by [`flush`] before the journal is written.
pub fn write_staged(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    let mut file = File::create(path)?;
    file.write_all(bytes)?;
    Ok(())
}

/// Make everything written so far on the target's file system durable:
/// one `syncfs` instead of an fsync per file (on Linux; elsewhere, every
/// file and directory below `dir` is fsynced).
fn flush(dir: &Path) -> Result<()> {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        let handle = File::open(dir)?;
        // SAFETY: syncfs only reads the descriptor, which `handle` keeps
        // open for the duration of the call.
        let status = unsafe { libc::syncfs(handle.as_raw_fd()) };
        if status != 0 {
            return Err(anyhow!(std::io::Error::last_os_error())
                .context(format!("cannot flush the file system of {}", show(dir))));
        }
        Ok(())
    }
    #[cfg(not(target_os = "linux"))]
    {
        for entry in walkdir::WalkDir::new(dir) {
            let entry = entry?;
            if entry.file_type().is_file() {
                File::open(entry.path())?.sync_all()?;
            } else if entry.file_type().is_dir() {
                sync_dir(entry.path())?;
            }
        }
        Ok(())
    }
}
