//! A subscription directory as the target (spec section 2): its state is
//! read from disk, and a run writes files in one crash-safe transaction
//! (see [`crate::apply`]).

use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _, Result};

use super::{ReceiptWriter, RunInfo, Target, UndoReceiptWriter};
use crate::apply::{self, Applied, Landed, TargetLock};
use crate::error::show;
use crate::history::{History, Receipt, UndoPlan};
use crate::load::subscription::Subscription;
use crate::plan::Plan;

pub struct DirectoryTarget {
    root: PathBuf,
    label: String,
}

impl DirectoryTarget {
    /// A directory holding `subscription.json`.
    /// A `--to` that does not exist or holds no `subscription.json` is a
    /// usage error.
    pub fn open(root: &Path) -> Result<DirectoryTarget> {
        Subscription::check_dir("--to", root)?;
        Ok(DirectoryTarget {
            root: root.to_path_buf(),
            label: show(root),
        })
    }
}

impl Target for DirectoryTarget {
    fn label(&self) -> &str {
        &self.label
    }

    fn lock(&self) -> Result<TargetLock> {
        TargetLock::acquire(&self.root)
    }

    fn try_lock(&self) -> Result<Option<TargetLock>> {
        TargetLock::try_acquire(&self.root)
    }

    fn interrupted(&self) -> bool {
        apply::interrupted(&self.root)
    }

    fn recover(&self) -> Result<bool> {
        apply::recover(&self.root)
    }

    fn load(&self) -> Result<Subscription> {
        Subscription::load(&self.root).context("cannot read the target subscription")
    }

    fn landed_state(&self, import_id: &str) -> Option<String> {
        apply::landed_state(&self.root, import_id)
    }

    fn receipt_path(&self, import_id: &str) -> String {
        format!("{}/{}", self.label, apply::receipt::receipt_path(import_id))
    }

    fn apply(
        &self,
        state: &Subscription,
        plan: &Plan,
        run: &RunInfo,
        receipt: ReceiptWriter,
        tick: &mut dyn FnMut(super::Progress),
    ) -> Result<Applied> {
        let mut applied = apply::apply(
            state,
            plan,
            run,
            &|w, landed| receipt(w, plan, landed),
            tick,
        )?;
        applied.receipt = self.receipt_path(run.import_id);
        Ok(applied)
    }

    fn rewrite_receipt(
        &self,
        import_id: &str,
        plan: &Plan,
        receipt: ReceiptWriter,
        landing: &Landed,
    ) -> Result<()> {
        apply::rewrite_receipt(&self.root, import_id, |w| receipt(w, plan, landing))
    }

    fn next_sequence(&self) -> Result<u64> {
        apply::receipt::next_sequence(&self.root)
    }

    fn history(&self) -> Result<History> {
        let (receipts, damaged) = apply::receipt::read_all(&self.root)?;
        if let Some(first) = damaged.first() {
            let others: Vec<&str> = damaged[1..].iter().map(|d| d.file.as_str()).collect();
            let more = if others.is_empty() {
                String::new()
            } else {
                format!(" (so are {})", others.join(", "))
            };
            bail!(
                "the receipt {}/{} is damaged: {}{more}; repair it, or move it out of {}/.mkimport/imports/",
                self.label,
                first.file,
                first.reason,
                self.label
            );
        }
        Ok(History::new(receipts))
    }

    fn plan_undo(&self, import: &Receipt) -> Result<UndoPlan> {
        apply::undo::plan(&self.load()?, import)
    }

    fn undo(&self, plan: &UndoPlan, undo_id: &str, receipt: UndoReceiptWriter) -> Result<Applied> {
        let mut applied = apply::undo::apply(&self.root, plan, undo_id, receipt)?;
        applied.receipt = self.receipt_path(undo_id);
        Ok(applied)
    }
}
