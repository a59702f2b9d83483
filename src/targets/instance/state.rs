//! The local state of a live instance, under
//! `$XDG_STATE_HOME/mkimport/<instance>/` (default
//! `~/.local/state/mkimport/<instance>/`):
//!
//! ```text
//! lock                     the OS lock (as a directory target's)
//! journal.ndjson           the run or undo in progress (see Journal)
//! journal-receipt.json     the receipt a run in progress will write
//! programs.json            the programs mkimport imported (Ledger)
//! imports/<id>.json        receipts
//! imports/<id>/before/     previous contents of what an import replaced
//! snapshot/                the instance as a plan reads it (a shallow pull)
//! ```

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context as _, Result};
use serde::{Deserialize, Serialize};

use crate::error::show;
use crate::history::RemoteRecord;
use crate::marketo::Instance;

pub const JOURNAL: &str = "journal.ndjson";
pub const JOURNAL_RECEIPT: &str = "journal-receipt.json";
pub const LEDGER: &str = "programs.json";
pub const SNAPSHOT: &str = "snapshot";

/// `$XDG_STATE_HOME/mkimport` (when it is an absolute path), else
/// `$HOME/.local/state/mkimport`.
pub fn state_home() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
    {
        return Ok(dir.join("mkimport"));
    }
    match std::env::var_os("HOME").map(PathBuf::from) {
        Some(home) if home.is_absolute() => Ok(home.join(".local/state/mkimport")),
        _ => Err(anyhow!(
            "cannot tell where to keep the state of a Marketo instance: set XDG_STATE_HOME (or HOME)"
        )),
    }
}

/// The directory of one instance: its Munchkin id, or for a URL its host
/// (and port) with a digest of the whole URL (two URLs never share one).
pub fn instance_dir(instance: &Instance) -> String {
    let label = instance.label();
    if !label.contains("://") {
        return crate::names::safe_file_name(label);
    }
    let host = crate::names::safe_file_name(&instance.host().replace(':', "_"));
    let digest = crate::digest::sha256_hex(label.as_bytes());
    format!("{host}-{}", &digest[..8])
}

// ---------------------------------------------------------------------
// The journal.

/// One line of the journal: what a run or undo did, written (and synced)
/// as it goes, so the next run, undo or log can finish or take back what
/// a killed one left.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// A run (or undo) starts.
    Begin { import_id: String, mode: String },
    /// The program at this position of the plan starts (several may be
    /// in flight at once).
    Program { index: usize, name: String },
    /// A create is about to be sent: if the process dies before its
    /// answer is journaled, recovery looks for it by name.
    Intent {
        record: RemoteRecord,
        /// Where it is created (the program, or a design-studio folder).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        parent: Option<u64>,
        /// The program (its place in the plan) it is written for; none
        /// for a design-studio asset several programs share, written
        /// before them.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        program: Option<usize>,
        /// For a shared asset: the programs that use it (it stays when
        /// one of them landed).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        users: Vec<usize>,
    },
    /// Created, or its content replaced (its previous content kept).
    Done {
        record: RemoteRecord,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        program: Option<usize>,
        /// For a shared asset: the programs that use it (as its intent
        /// says; a replace has no intent).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        users: Vec<usize>,
    },
    /// The program landed whole.
    Landed {
        index: usize,
        program_id: u64,
        name: String,
        bundle_digest: String,
        source: String,
    },
    /// The program failed; what it created is being removed.
    Failed {
        index: usize,
        code: Option<String>,
        message: String,
    },
    /// Its removal is done.
    RolledBack { index: usize },
    /// One asset taken away or put back (a rollback's or an undo's step).
    Removed { record: RemoteRecord },
}

/// The journal file, appended to and synced line by line.
pub struct Journal {
    path: PathBuf,
    file: std::fs::File,
}

impl Journal {
    /// Start a journal (none may be pending: recover first).
    pub fn begin(state: &Path, import_id: &str, mode: &str) -> Result<Journal> {
        let path = state.join(JOURNAL);
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(true)
            .write(true)
            .open(&path)
            .with_context(|| format!("cannot write the journal {}", show(&path)))?;
        let mut journal = Journal { path, file };
        journal.write(&Event::Begin {
            import_id: import_id.to_string(),
            mode: mode.to_string(),
        })?;
        crate::fsutil::sync_dir(state).ok();
        Ok(journal)
    }

    /// Go on with a pending journal (recovery), appending to it.
    pub fn resume(state: &Path) -> Result<Journal> {
        let path = state.join(JOURNAL);
        let file = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .with_context(|| format!("cannot write the journal {}", show(&path)))?;
        Ok(Journal { path, file })
    }

    pub fn write(&mut self, event: &Event) -> Result<()> {
        let mut line = serde_json::to_vec(event).context("cannot encode a journal line")?;
        line.push(b'\n');
        self.file
            .write_all(&line)
            .and_then(|()| self.file.sync_data())
            .with_context(|| format!("cannot write the journal {}", show(&self.path)))
    }

    /// The transaction is over: remove the journal.
    pub fn finish(self, state: &Path) -> Result<()> {
        drop(self.file);
        std::fs::remove_file(&self.path)
            .with_context(|| format!("cannot remove the journal {}", show(&self.path)))?;
        let _ = std::fs::remove_file(state.join(JOURNAL_RECEIPT));
        crate::fsutil::sync_dir(state).ok();
        Ok(())
    }
}

/// The receipt a transaction would leave if it were cut short, written
/// before its journal begins (the next run, undo or log completes it).
pub fn write_journal_receipt(state: &Path, bytes: &[u8]) -> Result<()> {
    let path = state.join(JOURNAL_RECEIPT);
    crate::fsutil::write_atomic(&path, bytes)
        .with_context(|| format!("cannot write {}", show(&path)))
}

/// The events of a pending journal (a torn last line, from a process
/// killed while writing it, is left out).
pub fn read_journal(state: &Path) -> Result<Option<Vec<Event>>> {
    let path = state.join(JOURNAL);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(anyhow!(e).context(format!("cannot read {}", show(&path)))),
    };
    let mut events = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    for (n, line) in lines.iter().enumerate() {
        match serde_json::from_str::<Event>(line) {
            Ok(event) => events.push(event),
            Err(_) if n + 1 == lines.len() => {}
            Err(e) => {
                return Err(anyhow!(
                    "the journal {} is damaged at line {}: {e}",
                    show(&path),
                    n + 1
                ))
            }
        }
    }
    Ok(Some(events))
}

// ---------------------------------------------------------------------
// The ledger of imported programs.

/// A program mkimport imported into the instance: what a directory
/// target keeps as `imported` in `program.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerEntry {
    pub name: String,
    pub source: String,
    pub import_id: String,
    pub bundle_digest: String,
}

/// `programs.json`: program id → what it was imported from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ledger {
    pub format: u64,
    #[serde(default)]
    pub programs: BTreeMap<u64, LedgerEntry>,
}

impl Ledger {
    pub fn read(state: &Path) -> Result<Ledger> {
        let path = state.join(LEDGER);
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .with_context(|| format!("{} is damaged", show(&path))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Ledger {
                format: 1,
                ..Ledger::default()
            }),
            Err(e) => Err(anyhow!(e).context(format!("cannot read {}", show(&path)))),
        }
    }

    pub fn write(&self, state: &Path) -> Result<()> {
        let path = state.join(LEDGER);
        crate::fsutil::write_atomic(&path, &crate::model::to_canonical_json(self))
            .with_context(|| format!("cannot write {}", show(&path)))
    }

    /// Record (or forget, with `None`) one program, at once on disk.
    pub fn update(state: &Path, id: u64, entry: Option<LedgerEntry>) -> Result<()> {
        let mut ledger = Ledger::read(state)?;
        ledger.format = 1;
        match entry {
            Some(entry) => ledger.programs.insert(id, entry),
            None => ledger.programs.remove(&id),
        };
        ledger.write(state)
    }
}

/// Where the previous content of a replaced asset is kept, relative to
/// the state directory.
pub fn pre_image_rel(import_id: &str, record: &RemoteRecord) -> String {
    format!(
        "{}/{import_id}/before/{}-{}",
        crate::apply::IMPORTS,
        record.kind,
        record.id
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{RemoteAction, RemoteKind};

    #[test]
    fn instance_directories_are_safe_and_distinct() {
        let munchkin = Instance::parse("123-abc-456").unwrap();
        assert_eq!(instance_dir(&munchkin), "123-ABC-456");
        let a = Instance::parse("http://127.0.0.1:8080").unwrap();
        let b = Instance::parse("https://127.0.0.1:8080").unwrap();
        assert!(instance_dir(&a).starts_with("127.0.0.1_8080-"));
        assert_ne!(instance_dir(&a), instance_dir(&b));
    }

    #[test]
    fn a_torn_last_line_is_left_out() {
        let dir = tempfile::tempdir().unwrap();
        let mut journal = Journal::begin(dir.path(), "abc", "run").unwrap();
        journal
            .write(&Event::Done {
                program: Some(0),
                users: Vec::new(),
                record: RemoteRecord {
                    action: RemoteAction::Create,
                    id: 7,
                    kind: RemoteKind::EmailTemplate,
                    name: "T".into(),
                    program: "P".into(),
                    updated_at: String::new(),
                    before: None,
                    token_type: None,
                },
            })
            .unwrap();
        drop(journal);
        let path = dir.path().join(JOURNAL);
        let mut text = std::fs::read_to_string(&path).unwrap();
        text.push_str("{\"event\": \"do");
        std::fs::write(&path, text).unwrap();
        let events = read_journal(dir.path()).unwrap().unwrap();
        assert_eq!(events.len(), 2);
        assert!(read_journal(&dir.path().join("none")).unwrap().is_none());
    }
}
