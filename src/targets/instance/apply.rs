//! A run into a live instance (spec sections 11 and 13): the `ok`
//! programs of a plan written through the API, several at once.
//!
//! 1. **Shared assets first.** A design-studio asset the run writes
//!    (created, renamed or overwritten) that more than one program of the
//!    run uses is written before any program, by itself: each such asset
//!    (in the plan's order, the writes of one asset one after the other)
//!    on the pool of writers. It belongs to no single program, so a
//!    program that fails later does not take it back; it is taken back at
//!    the end only when none of the programs that use it landed.
//! 2. **Programs at once.** Then the programs, in the plan's order, up to
//!    the limiter's calls in flight (one writer a program; a program's own
//!    calls follow one another). Each lands whole or is taken back alone.
//!    After a failure, without `--skip-blocked` no new program starts; the
//!    ones in flight finish (or are taken back).
//! 3. **In order.** What is shown as it is written, the receipt and its
//!    rows follow the plan's order, whatever order the writers finished
//!    in: a program's lines are shown once those before it are done.
//!
//! The journal records every program in flight (`Program`, then each
//! `Intent` and `Done` tagged with its place in the plan), so a run killed
//! with several programs in flight is finished by the next run, undo or
//! log ([`super::recover`]): each of them taken back, the shared assets
//! kept when a program using them landed.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Mutex};

use anyhow::{anyhow, bail, Result};

use super::estimate;
use super::land::{Lane, Session, Stop, Writer};
use super::state::{Event, Journal, Ledger, LedgerEntry};
use super::takeback::take_back_all;
use super::{mark_unreached, rolled_back, InstanceTarget};
use crate::apply::{Applied, Landed};
use crate::history::RemoteRecord;
use crate::load::bundle::Bundle;
use crate::load::reread::Rereader;
use crate::load::subscription::Subscription;
use crate::model::DesignKind;
use crate::names::key;
use crate::plan::{hydrate, AssetWrite, Code, Plan, Problem, Status};
use crate::targets::{Progress, ReceiptWriter, RunInfo, Stale, Target};

/// A design-studio asset (kind, name key in the instance).
type AssetKey = (DesignKind, String);

/// One write of a shared asset, by the program that brings it.
struct SharedWrite {
    owner: usize,
    asset: AssetWrite,
}

/// One shared asset: its writes (in the plan's order) and the programs
/// that use it.
struct SharedAsset {
    key: AssetKey,
    writes: Vec<SharedWrite>,
    users: Vec<usize>,
}

/// What became of a program of the run.
enum Outcome {
    Landed {
        records: Vec<RemoteRecord>,
    },
    Failed {
        problems: Vec<Problem>,
    },
    /// Stopped half-way when the run had to end at once: the journal
    /// keeps it, the next run takes it back.
    Aborted,
}

/// What a writer tells the thread that shows progress.
enum Message {
    Wrote {
        lane: Lane,
        program: String,
        what: String,
    },
    Finished(usize),
    /// Every program started is done with.
    AllDone,
}

/// The design-studio assets of the run that several of its programs use,
/// in the plan's order.
fn shared_assets(plan: &Plan, order: &[usize]) -> Vec<SharedAsset> {
    let mut users: BTreeMap<AssetKey, BTreeSet<usize>> = BTreeMap::new();
    for &i in order {
        let Some(writes) = &plan.programs[i].writes else {
            continue;
        };
        for ((kind, _), name) in &writes.landing.references {
            users.entry((*kind, key(name))).or_default().insert(i);
        }
        for asset in &writes.assets {
            users
                .entry((asset.kind, key(&asset.name)))
                .or_default()
                .insert(i);
        }
    }
    let mut out: Vec<SharedAsset> = Vec::new();
    for &i in order {
        let Some(writes) = &plan.programs[i].writes else {
            continue;
        };
        for asset in &writes.assets {
            let k = (asset.kind, key(&asset.name));
            let Some(used_by) = users.get(&k).filter(|u| u.len() > 1) else {
                continue;
            };
            let write = SharedWrite {
                owner: i,
                asset: asset.clone(),
            };
            match out.iter_mut().find(|s| s.key == k) {
                Some(shared) => shared.writes.push(write),
                None => out.push(SharedAsset {
                    key: k,
                    writes: vec![write],
                    users: used_by.iter().copied().collect(),
                }),
            }
        }
    }
    out
}

/// Shows what was written in the plan's order: the lines of the program
/// at the head are shown as they come, the others once every program
/// before them is done; each program's end is told in that order too.
struct InOrder<'n> {
    order: Vec<usize>,
    names: &'n [String],
    next: usize,
    buffered: BTreeMap<usize, Vec<String>>,
    finished: BTreeSet<usize>,
}

impl<'n> InOrder<'n> {
    fn new(order: Vec<usize>, names: &'n [String]) -> InOrder<'n> {
        InOrder {
            order,
            names,
            next: 0,
            buffered: BTreeMap::new(),
            finished: BTreeSet::new(),
        }
    }

    fn head(&self) -> Option<usize> {
        self.order.get(self.next).copied()
    }

    fn wrote(&mut self, slot: usize, what: String, calls: u64, show: &mut dyn FnMut(Progress)) {
        if self.head() == Some(slot) {
            show(Progress::Wrote {
                program: &self.names[slot],
                what: &what,
                calls: Some(calls),
            });
        } else {
            self.buffered.entry(slot).or_default().push(what);
        }
    }

    fn finished(&mut self, slot: usize, calls: u64, show: &mut dyn FnMut(Progress)) {
        self.finished.insert(slot);
        while let Some(head) = self.head() {
            for what in self.buffered.remove(&head).unwrap_or_default() {
                show(Progress::Wrote {
                    program: &self.names[head],
                    what: &what,
                    calls: Some(calls),
                });
            }
            if !self.finished.contains(&head) {
                break;
            }
            show(Progress::Finished {
                program: &self.names[head],
                calls: Some(calls),
            });
            self.next += 1;
        }
    }
}

impl InstanceTarget {
    /// Apply the `ok` programs of `plan` (see the module docs).
    pub(super) fn apply_plan(
        &self,
        state: &Subscription,
        plan: &Plan,
        run: &RunInfo,
        receipt: ReceiptWriter,
        show: &mut dyn FnMut(Progress),
    ) -> Result<Applied> {
        let client = self.client()?;
        let read = self
            .read()
            .ok_or_else(|| anyhow!("internal error: the instance was not read before writing"))?;
        let (client, index) = (client.as_ref(), &read.index);
        let import_id = run.import_id;
        let mut order: Vec<usize> = (0..plan.programs.len())
            .filter(|&i| plan.programs[i].status == Status::Ok)
            .collect();
        // A call budget: the programs, in the plan's order, whose calls
        // (and the run's own) fit; the others wait for the next run.
        let mut over_budget: Vec<usize> = Vec::new();
        if let Some(max) = run.max_calls {
            let made = client.counts().calls;
            let fits = |k: usize| {
                made + estimate::writing_calls(index, order[..k].iter().map(|&i| &plan.programs[i]))
                    <= max
            };
            let mut k = 0;
            while k < order.len() && fits(k + 1) {
                k += 1;
            }
            over_budget = order.split_off(k);
        }
        if !order.is_empty() {
            let stale = super::recheck::stale(client, index, plan)?;
            if !stale.is_empty() {
                return Err(Stale(stale).into());
            }
        }
        for &i in &order {
            if plan.programs[i].writes.is_none() {
                bail!(
                    "internal error: program \"{}\" is ok but has nothing to write",
                    plan.programs[i].name
                );
            }
        }

        // The receipt a crash would leave: every program not reached.
        let mut interrupted = plan.clone();
        mark_unreached(
            &mut interrupted,
            &BTreeSet::new(),
            "the run was interrupted before this program landed; run the import again to import it",
        );
        let empty = Landed {
            remote: Some(Vec::new()),
            calls: Some(client.counts().calls),
            ..Landed::default()
        };
        let mut base = Vec::new();
        receipt(&mut base, &interrupted, &empty)?;
        super::state::write_journal_receipt(&self.state, &base)?;

        let journal = Journal::begin(&self.state, import_id, crate::history::RUN)?;
        let (sender, messages) = mpsc::channel::<Message>();
        let tick_sender = sender.clone();
        let tick = move |lane: Lane, program: &str, what: &str| {
            // The receiving end lives as long as the run.
            let _ = tick_sender.send(Message::Wrote {
                lane,
                program: program.to_string(),
                what: what.to_string(),
            });
        };
        let session = Session::new(client, index, state, &self.state, import_id, journal, &tick);
        let rereader = Rereader::new(run.limits);
        let threads = client.limits().concurrency;
        let shared = shared_assets(plan, &order);
        let shared_keys: BTreeSet<AssetKey> = shared.iter().map(|s| s.key.clone()).collect();
        // A failure (without --skip-blocked): start nothing new.
        let stopped = AtomicBool::new(false);

        // 1. Shared assets, each written by one writer.
        let shared_done: Vec<Mutex<(Vec<RemoteRecord>, Option<String>)>> = shared
            .iter()
            .map(|_| Mutex::new((Vec::new(), None)))
            .collect();
        crate::parallel::each(threads, shared.len(), |g| {
            let asset = &shared[g];
            let mut slot = shared_done[g].lock().unwrap_or_else(|e| e.into_inner());
            for write in &asset.writes {
                if session.aborted() || crate::interrupt::requested() {
                    return false;
                }
                let owner = &plan.programs[write.owner];
                let name = owner
                    .writes
                    .as_ref()
                    .map_or(owner.name.as_str(), |w| w.landing.name.as_str());
                let hydrated = match self.hydrated(&rereader, plan, write) {
                    Ok(a) => a,
                    Err(e) => {
                        session.fail(e);
                        return false;
                    }
                };
                let mut writer = Writer::for_shared(&session, g, asset.users.clone(), name);
                let outcome = writer.shared_asset(&hydrated);
                slot.0.append(&mut writer.done);
                match outcome {
                    Ok(()) => {}
                    Err(Stop::Refused { message, .. }) => {
                        slot.1 = Some(message);
                        if !run.keep_going {
                            stopped.store(true, Ordering::Relaxed);
                        }
                        break;
                    }
                    Err(Stop::Local(e)) => {
                        session.fail(e.context(format!(
                            "the run stopped while writing the design-studio assets its programs share; the next `mkimport run`, `undo` or `log` on {} takes them back",
                            self.label
                        )));
                        return false;
                    }
                    Err(Stop::Aborted) => return false,
                }
            }
            true
        });
        let mut shared_records: Vec<Vec<RemoteRecord>> = Vec::new();
        let mut refused_assets: BTreeMap<usize, Vec<String>> = BTreeMap::new();
        for (g, done) in shared_done.into_iter().enumerate() {
            let (records, refused) = done.into_inner().unwrap_or_else(|e| e.into_inner());
            if let Some(message) = refused {
                for &user in &shared[g].users {
                    refused_assets
                        .entry(user)
                        .or_default()
                        .push(message.clone());
                }
            }
            shared_records.push(records);
        }
        // Shown in the plan's order of the shared assets (a stable sort
        // keeps each asset's lines in the order they were written).
        let mut early: Vec<(usize, String, String)> = messages
            .try_iter()
            .filter_map(|m| match m {
                Message::Wrote {
                    lane: Lane::Shared(g),
                    program,
                    what,
                } => Some((g, program, what)),
                _ => None,
            })
            .collect();
        early.sort_by_key(|(g, _, _)| *g);
        for (_, program, what) in early {
            show(Progress::Wrote {
                program: &program,
                what: &what,
                calls: Some(client.counts().calls),
            });
        }
        if let Some(e) = session.take_error() {
            return Err(e);
        }

        // 2. The programs.
        let names: Vec<String> = plan
            .programs
            .iter()
            .map(|p| {
                p.writes
                    .as_ref()
                    .map_or_else(|| p.name.clone(), |w| w.landing.name.clone())
            })
            .collect();
        let outcomes: Vec<Mutex<Option<Outcome>>> =
            plan.programs.iter().map(|_| Mutex::new(None)).collect();
        std::thread::scope(|s| {
            let sender = sender.clone();
            let (order, outcomes, session, rereader) = (&order, &outcomes, &session, &rereader);
            let (refused_assets, shared_keys, stopped) = (&refused_assets, &shared_keys, &stopped);
            // The writers; this thread shows what they write.
            s.spawn(move || {
                crate::parallel::each(threads, order.len(), |k| {
                    if stopped.load(Ordering::Relaxed)
                        || session.aborted()
                        || crate::interrupt::requested()
                    {
                        return false;
                    }
                    let i = order[k];
                    let outcome = match refused_assets.get(&i) {
                        Some(refusals) => refused_shared(refusals),
                        None => self.write_program(session, rereader, plan, run, i, shared_keys),
                    };
                    if matches!(outcome, Outcome::Failed { .. }) && !run.keep_going {
                        stopped.store(true, Ordering::Relaxed);
                    }
                    *outcomes[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(outcome);
                    let _ = sender.send(Message::Finished(i));
                    true
                });
                let _ = sender.send(Message::AllDone);
            });
            // Show what is written, in the plan's order.
            let mut in_order = InOrder::new(order.clone(), &names);
            let calls = || client.counts().calls;
            loop {
                match messages.recv() {
                    Ok(Message::Wrote {
                        lane: Lane::Program(slot),
                        what,
                        ..
                    }) => in_order.wrote(slot, what, calls(), show),
                    Ok(Message::Wrote { .. }) => {}
                    Ok(Message::Finished(slot)) => in_order.finished(slot, calls(), show),
                    Ok(Message::AllDone) | Err(_) => break,
                }
            }
            // Programs never started are done with too.
            for &slot in order.iter() {
                in_order.finished(slot, calls(), show);
            }
        });
        let outcomes: Vec<Option<Outcome>> = outcomes
            .into_iter()
            .map(|m| m.into_inner().unwrap_or_else(|e| e.into_inner()))
            .collect();
        if let Some(e) = session.take_error() {
            return Err(e);
        }

        // 3. Shared assets none of whose programs landed are taken back.
        let landed: BTreeSet<usize> = order
            .iter()
            .copied()
            .filter(|&i| matches!(outcomes[i], Some(Outcome::Landed { .. })))
            .collect();
        let used = |g: usize| shared[g].users.iter().any(|u| landed.contains(u));
        let mut late_problems: BTreeMap<usize, Vec<Problem>> = BTreeMap::new();
        for (g, records) in shared_records.iter().enumerate().rev() {
            if used(g) {
                continue;
            }
            let warnings = take_back_all(client, &self.state, records, |record| {
                session.journal(&Event::Removed {
                    record: record.clone(),
                })
            })
            .map_err(|e| {
                e.context(format!(
                    "the run stopped while taking back what no program that landed uses; the next `mkimport run`, `undo` or `log` on {} finishes it",
                    self.label
                ))
            })?;
            late_problems
                .entry(shared[g].writes[0].owner)
                .or_default()
                .extend(
                    warnings
                        .into_iter()
                        .map(|w| Problem::warning(Code::ApiError, w)),
                );
        }
        let kept_shared: Vec<RemoteRecord> = shared_records
            .iter()
            .enumerate()
            .filter(|(g, _)| used(*g))
            .flat_map(|(_, records)| records.iter().cloned())
            .collect();

        // The plan as it landed.
        let mut outcome_plan = plan.clone();
        let mut records: Vec<RemoteRecord> = kept_shared;
        let mut stopped_by: Option<String> = None;
        let mut reached: BTreeSet<usize> = BTreeSet::new();
        for &i in &order {
            // A program whose shared asset Marketo refused failed with it,
            // started or not.
            let unstarted = match (&outcomes[i], refused_assets.get(&i)) {
                (None, Some(refusals)) => Some(refused_shared(refusals)),
                _ => None,
            };
            match outcomes[i].as_ref().or(unstarted.as_ref()) {
                Some(Outcome::Landed { records: r }) => {
                    reached.insert(i);
                    records.extend(r.iter().cloned());
                }
                Some(Outcome::Failed { problems }) => {
                    reached.insert(i);
                    let failed = &mut outcome_plan.programs[i];
                    failed.status = Status::Failed;
                    failed.problems.extend(problems.iter().cloned());
                    if stopped_by.is_none() && !run.keep_going {
                        stopped_by = Some(plan.programs[i].name.clone());
                    }
                }
                Some(Outcome::Aborted) | None => {}
            }
        }
        for (i, problems) in late_problems {
            outcome_plan.programs[i].problems.extend(problems);
        }
        for &i in &over_budget {
            let program = &mut outcome_plan.programs[i];
            program.status = Status::Skipped;
            program.problems.push(Problem::warning(
                Code::CallBudget,
                format!(
                    "not imported: its {} API calls would go past --max-calls {}; run the import again (tomorrow, after a 607) to go on from here",
                    program.calls.unwrap_or(0),
                    run.max_calls.unwrap_or(0)
                ),
            ));
        }
        if let Some(failed) = &stopped_by {
            mark_unreached(
                &mut outcome_plan,
                &reached,
                &format!(
                    "not imported: program \"{failed}\" failed first (--skip-blocked goes on after a failure)"
                ),
            );
        } else if crate::interrupt::requested() {
            mark_unreached(
                &mut outcome_plan,
                &reached,
                "not imported: the run was stopped (Ctrl-C) before this program started; run the import again to import it",
            );
        } else {
            // Nothing else stops a run that returns: every program is
            // reached; should one not be, it is not reported imported.
            mark_unreached(
                &mut outcome_plan,
                &reached,
                "not imported: the run stopped before this program started; run the import again to import it",
            );
        }
        let landing = Landed {
            target_after: String::new(),
            files: Vec::new(),
            created_dirs: Vec::new(),
            remote: Some(records),
            calls: Some(client.counts().calls),
        };
        let mut bytes = Vec::new();
        receipt(&mut bytes, &outcome_plan, &landing)?;
        self.write_receipt_file(import_id, &bytes)?;
        session.into_journal().finish(&self.state)?;
        let changed = outcome_plan != *plan;
        Ok(Applied {
            programs: landed.len(),
            files: landing.remote.as_ref().map_or(0, Vec::len),
            landing,
            outcome: changed.then_some(outcome_plan),
            receipt: self.receipt_path(import_id),
        })
    }

    /// A shared asset's write with its content as the bundle holds it (an
    /// image's bytes are read again).
    fn hydrated(
        &self,
        rereader: &Rereader,
        plan: &Plan,
        write: &SharedWrite,
    ) -> Result<AssetWrite> {
        if !matches!(
            write.asset.content,
            crate::model::AssetContent::Image { .. }
        ) {
            return Ok(write.asset.clone());
        }
        let program = &plan.programs[write.owner];
        let writes = program
            .writes
            .as_ref()
            .ok_or_else(|| anyhow!("internal error: no writes"))?;
        let full = reread(rereader, plan, write.owner)?;
        let (_, assets) = hydrate(writes, &full);
        assets
            .into_iter()
            .find(|a| a.kind == write.asset.kind && key(&a.name) == key(&write.asset.name))
            .ok_or_else(|| {
                anyhow!(
                    "internal error: {} \"{}\" is not in the bundle any more",
                    write.asset.kind.noun(),
                    write.asset.name
                )
            })
    }

    /// Write one program; take it back when Marketo refuses a write.
    fn write_program(
        &self,
        session: &Session,
        rereader: &Rereader,
        plan: &Plan,
        run: &RunInfo,
        i: usize,
        shared: &BTreeSet<AssetKey>,
    ) -> Outcome {
        match self.try_program(session, rereader, plan, run, i, shared) {
            Ok(outcome) => outcome,
            Err(e) => {
                session.fail(e);
                Outcome::Aborted
            }
        }
    }

    fn try_program(
        &self,
        session: &Session,
        rereader: &Rereader,
        plan: &Plan,
        run: &RunInfo,
        i: usize,
        shared: &BTreeSet<AssetKey>,
    ) -> Result<Outcome> {
        let program = &plan.programs[i];
        let writes = program
            .writes
            .as_ref()
            .ok_or_else(|| anyhow!("internal error: no writes"))?;
        let full = reread(rereader, plan, i)?;
        session.journal(&Event::Program {
            index: i,
            name: program.name.clone(),
        })?;
        let mut writer = Writer::for_program(session, i, &writes.landing.name);
        match writer.program(writes, &full, shared) {
            Ok(program_id) => {
                let entry = LedgerEntry {
                    name: writes.landing.name.clone(),
                    source: full
                        .program
                        .exported_from
                        .clone()
                        .unwrap_or_else(|| run.source.to_string()),
                    import_id: run.import_id.to_string(),
                    bundle_digest: program.bundle_digest.clone().unwrap_or_default(),
                };
                {
                    // The ledger is read, changed and written whole: one
                    // writer at a time (the journal's lock).
                    let mut journal = session.journal.lock().unwrap_or_else(|e| e.into_inner());
                    journal.write(&Event::Landed {
                        index: i,
                        program_id,
                        name: entry.name.clone(),
                        bundle_digest: entry.bundle_digest.clone(),
                        source: entry.source.clone(),
                    })?;
                    Ledger::update(&self.state, program_id, Some(entry))?;
                }
                Ok(Outcome::Landed {
                    records: std::mem::take(&mut writer.done),
                })
            }
            Err(Stop::Local(e)) => Err(e.context(format!(
                "the run stopped while writing program \"{}\"; the next `mkimport run`, `undo` or `log` on {} takes it back",
                program.name, self.label
            ))),
            Err(Stop::Aborted) => Ok(Outcome::Aborted),
            Err(Stop::Refused { code, message }) => {
                session.journal(&Event::Failed {
                    index: i,
                    code: code.clone(),
                    message: message.clone(),
                })?;
                let mut problems = vec![Problem::error(Code::ApiError, rolled_back(&message))];
                let warnings = take_back_all(session.client, &self.state, &writer.done, |record| {
                    session.journal(&Event::Removed {
                        record: record.clone(),
                    })
                })
                .map_err(|e| {
                    e.context(format!(
                        "the run stopped while taking back program \"{}\"; the next `mkimport run`, `undo` or `log` on {} finishes it",
                        program.name, self.label
                    ))
                })?;
                problems.extend(warnings.into_iter().map(|w| Problem::warning(Code::ApiError, w)));
                session.journal(&Event::RolledBack { index: i })?;
                Ok(Outcome::Failed { problems })
            }
        }
    }
}

/// A program whose shared design-studio asset Marketo refused: failed,
/// with Marketo's words.
fn refused_shared(refusals: &[String]) -> Outcome {
    Outcome::Failed {
        problems: refusals
            .iter()
            .map(|m| {
                Problem::error(
                    Code::ApiError,
                    format!("a design-studio asset it uses could not be written: {m}"),
                )
            })
            .collect(),
    }
}

/// The whole bundle of the program at `i`, read again.
fn reread(rereader: &Rereader, plan: &Plan, i: usize) -> Result<Bundle> {
    let program = &plan.programs[i];
    let writes = program
        .writes
        .as_ref()
        .ok_or_else(|| anyhow!("internal error: no writes"))?;
    let digest = program.bundle_digest.as_deref().unwrap_or_default();
    Ok(rereader.read(&writes.origin, &program.bundle, digest)?)
}
