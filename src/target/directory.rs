//! A subscription directory as the target (spec section 2): its state is
//! read from disk, and a run writes files in one crash-safe transaction
//! (see [`crate::apply`]).

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};

use super::{ReceiptWriter, RunInfo, Target};
use crate::apply::{self, Applied, TargetLock};
use crate::bundle::SourceItem;
use crate::error::{show, usage};
use crate::plan::Plan;
use crate::subscription::Subscription;

pub struct DirectoryTarget {
    root: PathBuf,
    label: String,
}

impl DirectoryTarget {
    /// A directory holding `subscription.json`.
    /// A `--to` that does not exist or holds no `subscription.json` is a
    /// usage error.
    pub fn open(root: &Path) -> Result<DirectoryTarget> {
        if !root.exists() {
            return Err(usage(format!(
                "--to {} does not exist{}",
                show(root),
                crate::suggest::path_hint(root)
            )));
        }
        if !Subscription::is_subscription(root) {
            return Err(usage(format!(
                "--to {} is not a subscription directory (it has no subscription.json)",
                show(root)
            )));
        }
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

    fn apply(
        &self,
        state: &Subscription,
        plan: &Plan,
        items: &[SourceItem],
        run: &RunInfo,
        receipt: ReceiptWriter,
        tick: &mut dyn FnMut(&str, &str),
    ) -> Result<Applied> {
        apply::apply(state, plan, items, run, receipt, tick)
    }

    fn rewrite_receipt(&self, import_id: &str, receipt: ReceiptWriter, after: &str) -> Result<()> {
        apply::rewrite_receipt(&self.root, import_id, |w| receipt(w, after))
    }
}
