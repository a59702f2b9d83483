//! Receipts: the report of each run (and of each undo), kept in
//! `.mkimport/imports/<id>.json`, and the pre-images of the files an import
//! replaced, kept in `.mkimport/imports/<id>/before/<path>`.

use std::io::Write;
use std::path::Path;

use anyhow::{Context as _, Result};
use serde::Deserialize;
use serde_json::Value;

use super::journal::inside;
use crate::error::show;
use crate::history::{FileRecord, Receipt};
use crate::load::subscription::STATE_DIR;

/// Where receipts go, below the state directory.
pub const IMPORTS: &str = "imports";

/// What a transaction lands, as its receipt records it.
#[derive(Debug, Clone, Default)]
pub struct Landed {
    /// The digest of the target after it (see
    /// [`crate::load::subscription::Subscription::files`]).
    pub target_after: String,
    /// Every file written (an import) or taken away (an undo), by path.
    pub files: Vec<FileRecord>,
    /// The directories an import created, parents first.
    pub created_dirs: Vec<String>,
    /// A live instance: what the import created and replaced there (or
    /// the undo took away and put back).
    pub remote: Option<Vec<crate::history::RemoteRecord>>,
    /// A live instance: the API calls the transaction made.
    pub calls: Option<u64>,
}

/// The receipt of `import_id`, relative to the target.
pub fn receipt_path(import_id: &str) -> String {
    format!("{STATE_DIR}/{IMPORTS}/{import_id}.json")
}

/// The receipt of `import_id`, relative to a state directory (one that
/// holds `imports/`).
pub fn receipt_path_in_state(import_id: &str) -> String {
    format!("{IMPORTS}/{import_id}.json")
}

/// Where the import `import_id` keeps the previous bytes of `rel`,
/// relative to the target.
pub fn pre_image_path(import_id: &str, rel: &str) -> String {
    format!("{STATE_DIR}/{IMPORTS}/{import_id}/before/{rel}")
}

/// The digest of the target after the import `import_id` landed, as its
/// receipt records it (none for receipts written before it was recorded).
pub fn landed_state(target: &Path, import_id: &str) -> Option<String> {
    landed_state_in(&target.join(STATE_DIR), import_id)
}

/// [`landed_state`], given the state directory.
pub fn landed_state_in(state: &Path, import_id: &str) -> Option<String> {
    let path = inside(state, &receipt_path_in_state(import_id)).ok()?;
    let text = std::fs::read_to_string(path).ok()?;
    let receipt: Value = serde_json::from_str(&text).ok()?;
    receipt["target_state"]["after"]
        .as_str()
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// Rewrite the receipt (after a late warning, such as a failed mail).
pub fn rewrite_receipt(
    target: &Path,
    import_id: &str,
    receipt: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    let path = inside(target, &receipt_path(import_id))?;
    crate::fsutil::write_atomic_with(&path, receipt)?;
    Ok(())
}

/// The receipt files in the target: (relative path, absolute path), by
/// name. Temporary files (`.mkimport-tmp-…`) and the pre-image
/// directories are not receipts.
fn receipt_files(state: &Path) -> Result<Vec<(String, std::path::PathBuf)>> {
    let dir = state.join(IMPORTS);
    let shown = state
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|n| n == STATE_DIR);
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(anyhow::Error::new(e).context(format!("cannot read {}", show(&dir)))),
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry.with_context(|| format!("cannot read {}", show(&dir)))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || !name.ends_with(".json") {
            continue;
        }
        if !entry.file_type().is_ok_and(|t| t.is_file()) {
            continue;
        }
        let rel = match &shown {
            Some(state) => format!("{state}/{IMPORTS}/{name}"),
            None => format!("{IMPORTS}/{name}"),
        };
        out.push((rel, entry.path()));
    }
    out.sort();
    Ok(out)
}

/// A receipt that cannot be read.
#[derive(Debug, Clone)]
pub struct Damaged {
    /// Relative to the target.
    pub file: String,
    pub reason: String,
}

impl std::fmt::Display for Damaged {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the receipt {} is damaged: {}", self.file, self.reason)
    }
}

/// Every receipt of the target, in no particular order, and those that
/// could not be read. A receipt is damaged when it is not JSON, lacks
/// `import_id` or `mode`, or is named after another id.
pub fn read_all(target: &Path) -> Result<(Vec<Receipt>, Vec<Damaged>)> {
    read_all_in(&target.join(STATE_DIR))
}

/// [`read_all`], given the state directory (the one holding `imports/`).
pub fn read_all_in(state: &Path) -> Result<(Vec<Receipt>, Vec<Damaged>)> {
    let mut receipts = Vec::new();
    let mut damaged = Vec::new();
    for (rel, path) in receipt_files(state)? {
        let bytes = std::fs::read(&path).with_context(|| format!("cannot read {}", show(&path)))?;
        match serde_json::from_slice::<Receipt>(&bytes) {
            Ok(mut receipt) => {
                let expected = format!("{}.json", receipt.import_id);
                if !rel.ends_with(&format!("/{expected}")) {
                    damaged.push(Damaged {
                        file: rel,
                        reason: format!(
                            "it records the import {}, which belongs in {expected}",
                            receipt.import_id
                        ),
                    });
                    continue;
                }
                receipt.file = rel;
                receipts.push(receipt);
            }
            Err(e) => damaged.push(Damaged {
                file: rel,
                reason: if e.is_data() {
                    format!("unexpected content: {e}")
                } else {
                    format!("invalid JSON: {e}")
                },
            }),
        }
    }
    Ok((receipts, damaged))
}

/// The sequence number of the next receipt: one more than the highest
/// any readable receipt records. Damaged receipts are skipped: they stop
/// `log` and `undo`, not an import.
pub fn next_sequence(target: &Path) -> Result<u64> {
    next_sequence_in(&target.join(STATE_DIR))
}

/// [`next_sequence`], given the state directory.
pub fn next_sequence_in(state: &Path) -> Result<u64> {
    #[derive(Deserialize)]
    struct Sequence {
        #[serde(default)]
        sequence: u64,
    }
    let mut sequences = Vec::new();
    for (_, path) in receipt_files(state)? {
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        if let Ok(found) = serde_json::from_slice::<Sequence>(&bytes) {
            sequences.push(found.sequence);
        }
    }
    Ok(crate::history::next_sequence(sequences.into_iter()))
}
