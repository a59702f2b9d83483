//! Taking back an import into a live instance: delete what it created
//! (the programs, which takes what is in them, then the design-studio
//! assets, newest first) and put back the content of what it replaced.
//!
//! [`plan`] reads only. It refuses (`stale`) when anything the import
//! created is gone, when a design-studio asset it wrote changed since
//! (its `updatedAt`), when a program it created holds an asset it did not
//! create, or when an email or landing page it did not create uses a
//! template it created. [`apply`] is journaled like a run: an undo cut
//! short is finished by the next run, undo or log ([`finish`]).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::{bail, Context as _, Result};

use super::state::{Event, Journal, Ledger, JOURNAL_RECEIPT};
use super::takeback::take_back;
use crate::apply::{Applied, Landed};
use crate::error::show;
use crate::history::{Receipt, RemoteAction, RemoteKind, RemoteRecord, UndoPlan};
use crate::marketo::api::{self, FolderKind, FolderRef};
use crate::marketo::Client;
use crate::targets::UndoReceiptWriter;

/// Is this kind of asset inside a program (deleted with it)?
fn in_program(kind: RemoteKind) -> bool {
    matches!(
        kind,
        RemoteKind::Token
            | RemoteKind::Email
            | RemoteKind::LandingPage
            | RemoteKind::Form
            | RemoteKind::SmartCampaign
    )
}

/// How to take back `import`, checked against the instance now.
pub(super) fn plan(client: &Client, import: &Receipt) -> Result<UndoPlan> {
    let Some(records) = &import.instance_assets else {
        bail!(
            "the import {} cannot be undone here: its receipt {} lists no assets of a live instance",
            import.import_id,
            import.file
        );
    };
    let what = "cannot read the instance to plan the undo";
    let mut updated: BTreeMap<(RemoteKind, u64), String> = BTreeMap::new();
    for a in api::email_templates(client).context(what)?.items {
        updated.insert((RemoteKind::EmailTemplate, a.id), a.updated_at);
    }
    for a in api::landing_page_templates(client).context(what)?.items {
        updated.insert((RemoteKind::LandingPageTemplate, a.id), a.updated_at);
    }
    for a in api::forms(client).context(what)?.items {
        updated.insert((RemoteKind::ExternalForm, a.id), a.updated_at);
    }
    for f in api::files(client).context(what)?.items {
        updated.insert((RemoteKind::Image, f.id), f.updated_at);
    }
    let programs: BTreeSet<u64> = api::programs(client)
        .context(what)?
        .items
        .iter()
        .map(|p| p.id)
        .collect();
    let ours: BTreeSet<(RemoteKind, u64)> = records.iter().map(|r| (r.kind, r.id)).collect();
    let templates: BTreeSet<u64> = records
        .iter()
        .filter(|r| r.action == RemoteAction::Create)
        .filter(|r| {
            matches!(
                r.kind,
                RemoteKind::EmailTemplate | RemoteKind::LandingPageTemplate
            )
        })
        .map(|r| r.id)
        .collect();

    let mut stale = Vec::new();
    for r in records {
        let shown = r.to_string();
        match r.kind {
            RemoteKind::Program => {
                if !programs.contains(&r.id) {
                    stale.push(format!("{shown} is gone since the import"));
                    continue;
                }
                let at = FolderRef {
                    id: r.id,
                    kind: FolderKind::Program,
                };
                let mut foreign: Vec<String> = Vec::new();
                for e in api::emails_in(client, at).context(what)?.items {
                    if !ours.contains(&(RemoteKind::Email, e.asset.id)) {
                        foreign.push(format!("email \"{}\"", e.asset.name));
                    }
                }
                for p in api::landing_pages_in(client, at).context(what)?.items {
                    if !ours.contains(&(RemoteKind::LandingPage, p.asset.id)) {
                        foreign.push(format!("landing page \"{}\"", p.asset.name));
                    }
                }
                for f in api::forms_in(client, at).context(what)?.items {
                    if !ours.contains(&(RemoteKind::Form, f.id)) {
                        foreign.push(format!("form \"{}\"", f.name));
                    }
                }
                for c in api::smart_campaigns_in(client, at).context(what)?.items {
                    if !ours.contains(&(RemoteKind::SmartCampaign, c.id)) {
                        foreign.push(format!("smart campaign \"{}\"", c.name));
                    }
                }
                if !foreign.is_empty() {
                    stale.push(format!(
                        "{shown} holds what the import did not create: {}",
                        foreign.join(", ")
                    ));
                }
            }
            RemoteKind::EmailTemplate
            | RemoteKind::LandingPageTemplate
            | RemoteKind::ExternalForm
            | RemoteKind::Image => match updated.get(&(r.kind, r.id)) {
                None => stale.push(format!("{shown} is gone since the import")),
                Some(at) if !r.updated_at.is_empty() && *at != r.updated_at => {
                    stale.push(format!("{shown} changed since the import"))
                }
                Some(_) => {}
            },
            _ => {}
        }
    }
    if !templates.is_empty() {
        for e in api::emails(client).context(what)?.items {
            let used = e.template.is_some_and(|t| templates.contains(&t));
            if used && !ours.contains(&(RemoteKind::Email, e.asset.id)) {
                stale.push(format!(
                    "email \"{}\" (id {}), which the import did not create, uses an email template it created",
                    e.asset.name, e.asset.id
                ));
            }
        }
        for p in api::landing_pages(client).context(what)?.items {
            let used = p.template.is_some_and(|t| templates.contains(&t));
            if used && !ours.contains(&(RemoteKind::LandingPage, p.asset.id)) {
                stale.push(format!(
                    "landing page \"{}\" (id {}), which the import did not create, uses a landing page template it created",
                    p.asset.name, p.asset.id
                ));
            }
        }
    }

    // Newest first; what is in a program goes with it.
    let steps: Vec<RemoteRecord> = records
        .iter()
        .rev()
        .filter(|r| !in_program(r.kind))
        .map(|r| RemoteRecord {
            action: match r.action {
                RemoteAction::Replace => RemoteAction::Restore,
                _ => RemoteAction::Remove,
            },
            ..r.clone()
        })
        .collect();
    Ok(UndoPlan {
        undoes: import.import_id.clone(),
        files: Vec::new(),
        removed_dirs: Vec::new(),
        remote: steps,
        stale,
        target_state: Default::default(),
    })
}

/// Take back the import as `plan` says, journaled; then the receipt.
pub(super) fn apply(
    client: &Client,
    state: &Path,
    plan: &UndoPlan,
    undo_id: &str,
    receipt: UndoReceiptWriter,
) -> Result<Applied> {
    let landing = Landed {
        remote: Some(plan.remote.clone()),
        calls: Some(client.counts().calls),
        ..Landed::default()
    };
    let mut bytes = Vec::new();
    receipt(&mut bytes, &landing)?;
    super::state::write_journal_receipt(state, &bytes)?;
    let mut journal = Journal::begin(state, undo_id, crate::history::UNDO)?;
    for step in &plan.remote {
        journal.write(&Event::Intent {
            record: step.clone(),
            parent: None,
            program: None,
            users: Vec::new(),
        })?;
    }
    let kept = run_steps(client, state, &plan.remote, &[], &mut journal)?;
    for warning in &kept {
        crate::errln!("warning: {warning}");
    }
    finish_receipt(state, undo_id)?;
    journal.finish(state)?;
    Ok(Applied {
        programs: plan
            .remote
            .iter()
            .filter(|r| r.kind == RemoteKind::Program)
            .count(),
        files: plan.remote.len(),
        landing,
        outcome: None,
        receipt: String::new(),
    })
}

/// Do the steps not yet done; what stays, and why.
fn run_steps(
    client: &Client,
    state: &Path,
    steps: &[RemoteRecord],
    done: &[RemoteRecord],
    journal: &mut Journal,
) -> Result<Vec<String>> {
    let mut kept = Vec::new();
    for step in steps {
        if done.contains(step) {
            continue;
        }
        if crate::interrupt::requested() {
            // The journal keeps the steps not done.
            bail!(
                "the undo was stopped (Ctrl-C) before {step}; the next `mkimport undo`, `run` or `log` on the instance finishes it"
            );
        }
        match take_back(client, state, step) {
            Ok(taken) => kept.extend(taken.warning(step)),
            // The instance did not answer: the journal keeps what is left
            // for the next run, undo or log.
            Err(e) => bail!(
                "cannot take back {step}: {e}; the next `mkimport undo`, `run` or `log` on the instance goes on from there"
            ),
        }
        if step.kind == RemoteKind::Program && step.action == RemoteAction::Remove {
            Ledger::update(state, step.id, None)?;
        }
        journal.write(&Event::Removed {
            record: step.clone(),
        })?;
    }
    Ok(kept)
}

/// Put the undo's receipt in place.
fn finish_receipt(state: &Path, undo_id: &str) -> Result<()> {
    let from = state.join(JOURNAL_RECEIPT);
    let to = state.join(crate::apply::receipt::receipt_path_in_state(undo_id));
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", show(parent)))?;
    }
    if from.is_file() {
        std::fs::rename(&from, &to)
            .with_context(|| format!("cannot move {} to {}", show(&from), show(&to)))?;
    }
    Ok(())
}

/// Finish an undo a crash interrupted: the steps it had not done, then
/// its receipt.
pub(super) fn finish(client: &Client, state: &Path, undo_id: &str, events: &[Event]) -> Result<()> {
    let mut steps = Vec::new();
    let mut done = Vec::new();
    for event in events {
        match event {
            Event::Intent { record, .. } => steps.push(record.clone()),
            Event::Removed { record } => done.push(record.clone()),
            _ => {}
        }
    }
    let mut journal = Journal::resume(state)?;
    let kept = run_steps(client, state, &steps, &done, &mut journal)?;
    for warning in &kept {
        crate::errln!("warning: {warning}");
    }
    finish_receipt(state, undo_id)
}
