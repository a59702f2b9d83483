//! The seam between the commands and the kind of target an import goes
//! into: what the planner reads about a target, and what a run writes.
//!
//! Two kinds: a subscription directory ([`directory`]) and a live
//! Marketo instance ([`instance`], spec section 11). The planner never
//! sees the difference: it reads the state a target loads (a
//! [`Subscription`]) and returns a plan; `run` hands the plan back to the
//! target to apply.

use std::io::Write;

use anyhow::Result;

use crate::apply::{Applied, Landed, TargetLock};
pub use crate::apply::{Progress, RunInfo};
use crate::cli::TargetSpec;
use crate::history::{History, Receipt, UndoPlan};
use crate::load::bundle::Bundle;
use crate::load::subscription::Subscription;
use crate::plan::{Plan, ProgramPlan};

pub mod directory;
pub mod instance;

/// Writes a receipt, given the plan as it landed (a live instance may
/// report a program `failed`) and what the transaction lands (the digest
/// of the target after it, the files written or taken away).
pub type ReceiptWriter<'a> = &'a dyn Fn(&mut dyn Write, &Plan, &Landed) -> std::io::Result<()>;

/// Writes an undo's receipt, given what it takes away.
pub type UndoReceiptWriter<'a> = &'a dyn Fn(&mut dyn Write, &Landed) -> std::io::Result<()>;

/// The target changed since the plan was made, as found just before
/// writing: nothing was written. `run` reports each reason as a
/// `stale-plan` problem (exit 3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stale(pub Vec<String>);

impl std::fmt::Display for Stale {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the target changed since the plan: {}",
            self.0.join("; ")
        )
    }
}

impl std::error::Error for Stale {}

/// A target of an import.
pub trait Target {
    /// The target as the user named it, for messages and reports.
    fn label(&self) -> &str;
    /// Take the lock that keeps two runs on this target apart.
    fn lock(&self) -> Result<TargetLock>;
    /// Take the lock if no other run holds it (None when one does).
    fn try_lock(&self) -> Result<Option<TargetLock>>;
    /// Did a run stop half-way on this target (a preview warns)?
    fn interrupted(&self) -> bool;
    /// Finish a run that was interrupted; true when there was one. Call
    /// with the lock held, before [`Target::load`].
    fn recover(&self) -> Result<bool>;
    /// What the planner reads: the target's state now.
    fn load(&self) -> Result<Subscription>;
    /// The digest of the target right after the import `import_id`
    /// landed, as its receipt records it.
    fn landed_state(&self, import_id: &str) -> Option<String>;
    /// What this kind of target adds to a planned program, given its
    /// bundle: a live instance marks what its API cannot write (action
    /// `manual`). Nothing for a directory.
    fn annotate(&self, _bundle: &Bundle, _program: &mut ProgramPlan) {}
    /// The API calls made so far (a live instance); none for a directory.
    fn calls(&self) -> Option<u64> {
        None
    }
    /// Show a progress line on standard error while the target is read
    /// (a live instance; a directory is read at once).
    fn show_progress(&self, _on: bool) {}
    /// Send at most `max` API calls from now on (`run --max-calls`); a
    /// target without an API refuses the flag.
    fn cap_calls(&self, max: u64) -> Result<()> {
        let _ = max;
        Err(crate::error::usage(format!(
            "--max-calls limits the API calls of a live instance (--to marketo:...); {} is not one",
            self.label()
        )))
    }
    /// The API calls the instance counted today (a live instance that
    /// says, spec 13); none for a directory.
    fn calls_used_today(&self) -> Option<u64> {
        None
    }
    /// The API calls a run of `plan` takes in all, these made so far
    /// included (a live instance, spec 13); none for a directory.
    fn calls_estimate(&self, _plan: &Plan) -> Option<u64> {
        None
    }
    /// Where the receipt of `import_id` is, for messages.
    fn receipt_path(&self, import_id: &str) -> String;
    /// Apply the `ok` programs of `plan` (computed against `state`, from
    /// `items`), then write the receipt. `tick` is called once per file
    /// moved into place (per asset written, for an instance) with the
    /// program's name and what was written. A target that finds, before
    /// writing, that it changed since `state` returns [`Stale`].
    fn apply(
        &self,
        state: &Subscription,
        plan: &Plan,
        run: &RunInfo,
        receipt: ReceiptWriter,
        tick: &mut dyn FnMut(Progress),
    ) -> Result<Applied>;
    /// Write the receipt of `import_id` again (after a late warning).
    fn rewrite_receipt(
        &self,
        import_id: &str,
        plan: &Plan,
        receipt: ReceiptWriter,
        landing: &Landed,
    ) -> Result<()>;

    /// The sequence number the next receipt gets: one more than the
    /// highest of the readable receipts (a damaged one does not stop an
    /// import).
    fn next_sequence(&self) -> Result<u64>;
    /// Every receipt kept for this target (imports and undos), in the
    /// order they happened. A damaged receipt is an error naming it.
    fn history(&self) -> Result<History>;
    /// How to take back `import`, checked against the target as it is now
    /// (call with the lock held): what to remove and restore, or why it is
    /// stale. Writes nothing. A missing or damaged pre-image is an error
    /// naming it.
    fn plan_undo(&self, import: &Receipt) -> Result<UndoPlan>;
    /// Take back an import as `plan` says (a plan without stale reasons),
    /// as one crash-safe transaction, and write the undo's receipt under
    /// `undo_id`. Call with the lock held.
    fn undo(&self, plan: &UndoPlan, undo_id: &str, receipt: UndoReceiptWriter) -> Result<Applied>;
}

/// The target `--to` names.
pub fn open(to: &TargetSpec) -> Result<Box<dyn Target>> {
    match to {
        TargetSpec::Directory(dir) => Ok(Box::new(directory::DirectoryTarget::open(dir)?)),
        TargetSpec::Marketo(instance) => Ok(Box::new(instance::InstanceTarget::open(instance)?)),
    }
}
