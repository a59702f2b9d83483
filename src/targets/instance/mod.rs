//! A live Marketo instance as the target (spec section 11): `--to
//! marketo:INSTANCE`.
//!
//! - **What a plan reads** ([`InstanceTarget::load`]): a shallow pull
//!   ([`crate::marketo::pull`]) into the instance's local state: the
//!   schema, the folder tree with its tokens, the design studio with its
//!   contents, and each program as its list gives it. Contents are cached
//!   by `updatedAt`, so a preview of an unchanged instance costs its list
//!   pages only. The programs mkimport imported carry their `imported`
//!   record from the local ledger. The plan is then made exactly as
//!   against a directory (the same mapping as `pull`).
//! - **What a run writes** ([`land`]): per program, in the order of spec
//!   11, through the API; first the assets the plan reuses, renames or
//!   overwrites are checked again ([`recheck`]): changed since, the run is
//!   stale and writes nothing. A program whose write is refused for good
//!   is taken back (newest first) and reported `failed`.
//! - **Its journal** ([`state`]): every create is journaled before and
//!   after it is sent; a killed run is finished by the next run, undo or
//!   log: the program in progress is taken back, those that landed stay
//!   (and get their receipt). Receipts and the ledger live in the same
//!   local state directory, under the same OS lock as a directory target.
//! - **What the API cannot write** (`Target::annotate`): smart-list rules
//!   and flow steps, tokens of some types, tag values: rows with action
//!   `manual`, in the preview as in the run's report and receipt.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::{bail, Context as _, Result};

use super::{ReceiptWriter, RunInfo, Target, UndoReceiptWriter};
use crate::apply::{Applied, Landed, TargetLock};
use crate::error::{show, usage};
use crate::history::{History, Receipt, UndoPlan};
use crate::load::bundle::Bundle;
use crate::load::subscription::Subscription;
use crate::marketo::index::Index;
use crate::marketo::pull::{pull_indexed, PullOptions};
use crate::marketo::{Client, Credentials, Instance, Limits};
use crate::model::{Imported, TokenType};
use crate::plan::{Action, AssetAction, AssetKind, Code, Plan, Problem, ProgramPlan, Status, Text};

mod apply;
mod estimate;
mod find;
mod land;
mod recheck;
mod recover;
pub mod state;
mod takeback;
mod undo;

use state::{Event, Ledger, JOURNAL_RECEIPT, SNAPSHOT};

/// What reading the instance found that writing it needs: where the
/// snapshot's things are in the instance, and what the call estimate
/// counts with.
struct Read {
    index: Index,
    basis: estimate::Basis,
}

/// A live instance, and its local state.
pub struct InstanceTarget {
    instance: Instance,
    /// `marketo:` and the instance's name.
    label: String,
    /// `$XDG_STATE_HOME/mkimport/<instance>/`.
    state: PathBuf,
    client: Mutex<Option<Arc<Client>>>,
    /// What the last reading of the instance found.
    read: Mutex<Option<Arc<Read>>>,
    /// The most API calls this command may send (`--max-calls`).
    cap: Mutex<Option<u64>>,
    /// Show a progress line while the instance is read.
    progress: std::sync::atomic::AtomicBool,
}

impl InstanceTarget {
    /// `text` is what follows `marketo:`: a Munchkin id or a base URL.
    pub fn open(text: &str) -> Result<InstanceTarget> {
        if text.trim().is_empty() {
            return Err(usage(
                "--to marketo: names no instance; give a Munchkin id (marketo:123-ABC-456) or a base URL (marketo:https://123-ABC-456.mktorest.com)",
            ));
        }
        let instance = Instance::parse(text).map_err(|e| {
            usage(format!(
                "--to marketo:{text}: {}",
                e.to_string().replace("--instance ", "")
            ))
        })?;
        let state = state::state_home()?.join(state::instance_dir(&instance));
        Ok(InstanceTarget {
            label: format!("marketo:{}", instance.label()),
            instance,
            state,
            client: Mutex::new(None),
            read: Mutex::new(None),
            cap: Mutex::new(None),
            progress: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// The instance's local state directory.
    pub fn state_dir(&self) -> &Path {
        &self.state
    }

    /// The client, made on first use (the credentials are read then: a
    /// log needs none).
    fn client(&self) -> Result<Arc<Client>> {
        let mut slot = self.client.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(client) = slot.as_ref() {
            return Ok(Arc::clone(client));
        }
        let client = Client::new(
            self.instance.clone(),
            Credentials::for_instance(&self.instance)?,
            Limits::from_env()?,
        );
        client.set_call_cap(*self.cap.lock().unwrap_or_else(|e| e.into_inner()));
        *slot = Some(Arc::clone(&client));
        Ok(client)
    }

    /// What the last reading found (none before [`Target::load`]).
    fn read(&self) -> Option<Arc<Read>> {
        self.read.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn create_state(&self) -> Result<()> {
        std::fs::create_dir_all(&self.state)
            .with_context(|| format!("cannot create {}", show(&self.state)))
    }

    fn receipt_file(&self, import_id: &str) -> PathBuf {
        self.state
            .join(crate::apply::receipt::receipt_path_in_state(import_id))
    }

    fn write_receipt_file(&self, import_id: &str, bytes: &[u8]) -> Result<()> {
        let path = self.receipt_file(import_id);
        crate::fsutil::write_atomic_in_new_dir(&path, bytes)
            .with_context(|| format!("cannot write the receipt {}", show(&path)))
    }
}

/// Pull `marketo:INSTANCE` as a source: a whole snapshot (programs with
/// their contents) in the instance's local state, cached by `updatedAt`
/// like `pull`. Its directory, to read like any subscription.
pub fn pull_source(text: &str, progress: bool) -> Result<PathBuf> {
    let source = InstanceTarget::open(text)
        .map_err(|e| usage(e.to_string().replace("--to marketo:", "--from marketo:")))?;
    source.create_state()?;
    let lock = TargetLock::acquire_in(&source.state)?;
    let out = source.state.join("source");
    let options = PullOptions {
        out: out.clone(),
        programs: Vec::new(),
        name: None,
        refetch: false,
        progress,
        shallow: false,
    };
    let client = source.client()?;
    let (summary, _) = pull_indexed(&client, &options)
        .with_context(|| format!("cannot read the source {}", source.label))?;
    drop(lock);
    for warning in &summary.warnings {
        crate::errln!("warning: {}: {warning}", source.label);
    }
    Ok(out)
}

impl Target for InstanceTarget {
    fn label(&self) -> &str {
        &self.label
    }

    fn lock(&self) -> Result<TargetLock> {
        self.create_state()?;
        TargetLock::acquire_in(&self.state)
    }

    fn try_lock(&self) -> Result<Option<TargetLock>> {
        self.create_state()?;
        TargetLock::try_acquire_in(&self.state)
    }

    fn interrupted(&self) -> bool {
        self.state.join(state::JOURNAL).is_file()
    }

    fn recover(&self) -> Result<bool> {
        let Some(events) = state::read_journal(&self.state)? else {
            return Ok(false);
        };
        let client = self.client()?;
        match events.first() {
            Some(Event::Begin { mode, import_id }) if mode == crate::history::UNDO => {
                undo::finish(&client, &self.state, import_id, &events)?
            }
            Some(Event::Begin { import_id, .. }) => self.finish_run(&client, import_id, &events)?,
            _ => {}
        }
        let _ = std::fs::remove_file(self.state.join(state::JOURNAL));
        let _ = std::fs::remove_file(self.state.join(JOURNAL_RECEIPT));
        Ok(true)
    }

    fn load(&self) -> Result<Subscription> {
        self.create_state()?;
        let client = self.client()?;
        let options = PullOptions {
            out: self.state.join(SNAPSHOT),
            programs: Vec::new(),
            name: None,
            refetch: false,
            progress: self.progress.load(std::sync::atomic::Ordering::Relaxed),
            shallow: true,
        };
        let (summary, index) = pull_indexed(&client, &options)
            .with_context(|| format!("cannot read the target {}", self.label))?;
        for warning in &summary.warnings {
            crate::errln!("warning: {}: {warning}", self.label);
        }
        let mut sub = Subscription::load(&options.out)
            .with_context(|| format!("cannot read the snapshot of {}", self.label))?;
        sub.label = self.label.clone();
        // What mkimport imported carries its `imported` record, as in a
        // directory.
        let ledger = Ledger::read(&self.state)?;
        for program in &mut sub.programs {
            let found = index
                .program(&program.file.program.name)
                .and_then(|p| ledger.programs.get(&p.id));
            if let Some(entry) = found {
                program.file.imported = Some(Imported {
                    source: entry.source.clone(),
                    import_id: entry.import_id.clone(),
                    bundle_digest: entry.bundle_digest.clone(),
                    extra: BTreeMap::new(),
                });
            }
        }
        if !ledger.programs.is_empty() {
            // The ledger is part of the state a plan is made against.
            sub.files
                .add("programs.json", &crate::model::to_canonical_json(&ledger));
            sub.digest = sub.files.finish();
        }
        let basis = estimate::Basis::new(&sub);
        *self.read.lock().unwrap_or_else(|e| e.into_inner()) =
            Some(Arc::new(Read { index, basis }));
        Ok(sub)
    }

    fn landed_state(&self, import_id: &str) -> Option<String> {
        crate::apply::receipt::landed_state_in(&self.state, import_id)
    }

    fn annotate(&self, bundle: &Bundle, program: &mut ProgramPlan) {
        annotate(bundle, program);
        if let (Some(read), Some(writes), Status::Ok) =
            (self.read(), &program.writes, program.status)
        {
            let landed = crate::plan::land(&bundle.program, &writes.landing);
            program.calls = Some(estimate::program_calls(
                &read.basis,
                &read.index,
                &landed,
                &writes.assets,
            ));
        }
    }

    fn calls(&self) -> Option<u64> {
        let slot = self.client.lock().unwrap_or_else(|e| e.into_inner());
        slot.as_ref().map(|c| c.counts().calls)
    }

    fn show_progress(&self, on: bool) {
        self.progress
            .store(on, std::sync::atomic::Ordering::Relaxed);
    }

    fn cap_calls(&self, max: u64) -> Result<()> {
        *self.cap.lock().unwrap_or_else(|e| e.into_inner()) = Some(max);
        if let Some(client) = self
            .client
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
        {
            client.set_call_cap(Some(max));
        }
        Ok(())
    }

    fn calls_used_today(&self) -> Option<u64> {
        // A user without the permission, an instance that does not say:
        // nothing to tell.
        crate::marketo::api::usage_today(self.client().ok()?.as_ref())
            .ok()
            .flatten()
    }

    fn calls_estimate(&self, plan: &Plan) -> Option<u64> {
        let made = self.calls()?;
        let read = self.read()?;
        let ok = plan.programs.iter().filter(|p| p.status == Status::Ok);
        Some(made + estimate::writing_calls(&read.index, ok))
    }

    fn receipt_path(&self, import_id: &str) -> String {
        show(&self.receipt_file(import_id))
    }

    fn apply(
        &self,
        state: &Subscription,
        plan: &Plan,
        run: &RunInfo,
        receipt: ReceiptWriter,
        tick: &mut dyn FnMut(super::Progress),
    ) -> Result<Applied> {
        self.apply_plan(state, plan, run, receipt, tick)
    }

    fn rewrite_receipt(
        &self,
        import_id: &str,
        plan: &Plan,
        receipt: ReceiptWriter,
        landing: &Landed,
    ) -> Result<()> {
        let mut bytes = Vec::new();
        receipt(&mut bytes, plan, landing)?;
        self.write_receipt_file(import_id, &bytes)
    }

    fn next_sequence(&self) -> Result<u64> {
        crate::apply::receipt::next_sequence_in(&self.state)
    }

    fn history(&self) -> Result<History> {
        let (receipts, damaged) = crate::apply::receipt::read_all_in(&self.state)?;
        if let Some(first) = damaged.first() {
            bail!(
                "the receipt {}/{} is damaged: {}; repair it, or move it out of {}/{}/",
                show(&self.state),
                first.file,
                first.reason,
                show(&self.state),
                crate::apply::IMPORTS
            );
        }
        Ok(History::new(receipts))
    }

    fn plan_undo(&self, import: &Receipt) -> Result<UndoPlan> {
        let client = self.client()?;
        undo::plan(&client, import)
    }

    fn undo(&self, plan: &UndoPlan, undo_id: &str, receipt: UndoReceiptWriter) -> Result<Applied> {
        let client = self.client()?;
        let mut applied = undo::apply(&client, &self.state, plan, undo_id, receipt)?;
        applied.receipt = self.receipt_path(undo_id);
        Ok(applied)
    }
}

/// The error of a program Marketo refused half-way, once taken back.
pub(super) fn rolled_back(message: &str) -> String {
    format!("{message}; what this run had created for the program was removed again")
}

/// Mark every `ok` program not in `reached` as `skipped`, with a
/// `run-stopped` warning saying why.
pub(super) fn mark_unreached(plan: &mut Plan, reached: &BTreeSet<usize>, why: &str) {
    for (i, program) in plan.programs.iter_mut().enumerate() {
        if program.status == Status::Ok && !reached.contains(&i) {
            program.status = Status::Skipped;
            program
                .problems
                .push(Problem::warning(Code::RunStopped, why.to_string()));
        }
    }
}

/// What the API cannot write, marked `manual` (spec 11): every smart-list
/// rule and flow step of the program's campaigns (a row each), tokens of
/// the types the API cannot create, and tag values the instance lacks.
fn annotate(bundle: &Bundle, program: &mut ProgramPlan) {
    if program.status != Status::Ok {
        return;
    }
    let Some(writes) = &program.writes else {
        return;
    };
    let landed = crate::plan::land(&bundle.program, &writes.landing);
    // Marketo approves an email only with a subject (Adobe's Emails page):
    // say it now rather than fail the program half-way.
    for email in landed.emails.iter().filter(|e| land::cannot_approve(e)) {
        program.problems.push(Problem::warning(
            Code::NotApprovable,
            format!(
                "email \"{}\" is approved in the source but has no subject, which Marketo needs to approve it: it lands as a draft",
                email.name
            ),
        ));
    }
    for row in program.assets.iter_mut() {
        match (row.kind, row.action) {
            (AssetKind::Token, Action::Create | Action::Localize) => {
                let kind = landed
                    .tokens
                    .iter()
                    .find(|t| *t.name == *row.name)
                    .map(|t| &t.kind);
                if let Some(kind) = kind.filter(|k| land::api_token_type(k).is_none()) {
                    row.action = Action::Manual;
                    row.reason = Text::from(format!(
                        "Marketo's API cannot create a {} token: add it to the program by hand",
                        token_word(kind)
                    ));
                }
            }
            (AssetKind::Tag, Action::Create) => {
                row.action = Action::Manual;
                row.reason = Text::from(format!(
                    "{}; Marketo's API cannot add tag values: add it under Admin > Tags, then set it on the program",
                    row.reason.trim_end_matches("; created")
                ));
            }
            _ => {}
        }
    }
    for campaign in &landed.smart_campaigns {
        let mut add = |what: String| {
            program.assets.push(AssetAction {
                action: Action::Manual,
                kind: AssetKind::SmartCampaign,
                name: Text::from(campaign.name.as_str()),
                reason: Text::from(format!(
                    "{what}: Marketo's API cannot write smart lists and flows; add it by hand"
                )),
                result_name: Text::from(campaign.name.as_str()),
            });
        };
        for t in &campaign.triggers {
            add(format!("smart-list trigger \"{t}\""));
        }
        for f in campaign.filters() {
            add(format!("smart-list filter \"{f}\""));
        }
        for f in &campaign.fields {
            add(format!("smart-list filter on field \"{f}\""));
        }
        for o in &campaign.custom_objects {
            add(format!("smart-list filter on custom object \"{o}\""));
        }
        for a in campaign.custom_activities() {
            add(format!("smart-list rule on custom activity \"{a}\""));
        }
        for l in campaign.lists() {
            add(format!("smart-list filter on list \"{l}\""));
        }
        for p in campaign.programs() {
            add(format!("smart-list filter on program \"{p}\""));
        }
        for e in &campaign.emails {
            add(format!("flow step sending email \"{e}\""));
        }
        for w in &campaign.webhooks {
            add(format!("flow step calling webhook \"{w}\""));
        }
        for s in campaign.flow_steps() {
            add(format!("flow step \"{s}\""));
        }
        for s in campaign.services() {
            add(format!("flow step \"{s}\""));
        }
    }
}

fn token_word(kind: &TokenType) -> &str {
    match kind {
        TokenType::Script => "script (Email Script)",
        TokenType::Calendar => "calendar (iCalendar)",
        other => other.as_str(),
    }
}
