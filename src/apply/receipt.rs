//! Receipts: the report of each run, kept in `.mkimport/imports/`.

use std::io::Write;
use std::path::Path;

use anyhow::Result;
use serde_json::Value;

use super::journal::inside;
use crate::load::subscription::STATE_DIR;

/// Where receipts go, below the state directory.
pub const IMPORTS: &str = "imports";

/// The digest of the target after the import `import_id` landed, as its
/// receipt records it (none for receipts written before it was recorded).
pub fn landed_state(target: &Path, import_id: &str) -> Option<String> {
    let path = inside(target, &format!("{STATE_DIR}/{IMPORTS}/{import_id}.json")).ok()?;
    let text = std::fs::read_to_string(path).ok()?;
    let receipt: Value = serde_json::from_str(&text).ok()?;
    receipt["target_state"]["after"]
        .as_str()
        .map(str::to_string)
}

/// Rewrite the receipt (after a late warning, such as a failed mail).
pub fn rewrite_receipt(
    target: &Path,
    import_id: &str,
    receipt: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    let path = inside(target, &format!("{STATE_DIR}/{IMPORTS}/{import_id}.json"))?;
    crate::fsutil::write_atomic_with(&path, receipt)?;
    Ok(())
}
