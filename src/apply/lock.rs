//! The lock that keeps two runs on one target from interleaving.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context as _, Result};
use fs_err as fs;

use crate::error::show;
use crate::load::subscription::STATE_DIR;

/// The lock file, in the state directory.
pub const LOCK: &str = "lock";

/// The lock on a target. It is an
/// OS file lock: it goes away with the process, so a killed run leaves no
/// stale lock.
pub struct TargetLock {
    _file: std::fs::File,
    /// `.mkimport/`, when this run created it (the target had none).
    created: Option<PathBuf>,
    /// Set once the run starts writing; until then, a run that stops
    /// (refused, declined) removes the state directory it created, so it
    /// leaves the target exactly as it found it.
    pub writing: bool,
}

impl Drop for TargetLock {
    fn drop(&mut self) {
        if let (Some(state), false) = (&self.created, self.writing) {
            let _ = fs::remove_file(state.join(LOCK));
            let _ = fs::remove_dir(state);
        }
    }
}

impl TargetLock {
    /// Take the lock, or fail at once when another run holds it.
    pub fn acquire(target: &Path) -> Result<TargetLock> {
        TargetLock::acquire_in(&target.join(STATE_DIR))
    }

    /// Take the lock; None when another run holds it.
    pub fn try_acquire(target: &Path) -> Result<Option<TargetLock>> {
        TargetLock::try_acquire_in(&target.join(STATE_DIR))
    }

    /// Take the lock of a state directory (`.mkimport/` of a subscription,
    /// or the local state of a live instance), or fail at once when
    /// another run holds it.
    pub fn acquire_in(state: &Path) -> Result<TargetLock> {
        match TargetLock::try_acquire_in(state)? {
            Some(lock) => Ok(lock),
            None => bail!(
                "another mkimport (a run or an undo) holds the lock {} on this target; wait for it to finish",
                show(&state.join(LOCK))
            ),
        }
    }

    /// Take the lock of a state directory; None when another run holds it.
    pub fn try_acquire_in(state: &Path) -> Result<Option<TargetLock>> {
        let state = state.to_path_buf();
        let created = (!state.exists()).then(|| state.clone());
        fs::create_dir_all(&state).with_context(|| format!("cannot create {}", show(&state)))?;
        let path = state.join(LOCK);
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .with_context(|| format!("cannot open the lock {}", show(&path)))?;
        match file.try_lock() {
            Ok(()) => Ok(Some(TargetLock {
                _file: file,
                created,
                writing: false,
            })),
            Err(std::fs::TryLockError::WouldBlock) => Ok(None),
            Err(std::fs::TryLockError::Error(e)) => {
                Err(anyhow!(e).context(format!("cannot lock {}", show(&path))))
            }
        }
    }
}
