//! `mkimport undo`: take back an import, as one crash-safe transaction
//! under the target's lock.
//!
//! Refused (exit 3, problem code `stale-undo`, nothing written) when a
//! file the import wrote changed since or is gone, when a program's
//! directory holds files the import did not write, or when a later import
//! that is not undone reused (action `reuse`) an asset or tag this import
//! created, renamed or overwrote.

use anyhow::{Context as _, Result};

use super::Exit;
use crate::cli::{OutputFormat, UndoArgs};
use crate::error::usage;
use crate::history::{self, Dependent, History, Lookup, Receipt, Stamp, MIN_PREFIX};
use crate::output::history::{undo_plan_text, undo_report, undone_line, UndoStatus, UndoView};
use crate::output::{console, report};
use crate::plan::{Code, Problem};

pub fn undo(args: &UndoArgs) -> Result<Exit> {
    let started_at = history::now_rfc3339();
    let terminal = console::Terminal::detect();
    let format = if args.json {
        OutputFormat::Json
    } else {
        OutputFormat::Table
    };
    super::announce_retries(terminal, format);
    let ask = !args.yes;
    if ask && !terminal.can_ask(format) {
        return Err(usage(
            "undo needs --yes when it cannot ask for confirmation (no terminal, or --json); nothing was changed",
        ));
    }
    let target = crate::targets::open(&args.to)?;
    let mut lock = target.lock()?;
    if target.recover()? {
        crate::errln!(
            "note: finished an interrupted run or undo on {}",
            target.label()
        );
    }
    let history = target.history()?;
    let import = resolve(&history, &args.id, target.label())?;
    if import.is_undo() {
        return Err(usage(format!(
            "{} is the receipt of an undo (of {}); to bring that import back, run it again",
            import.import_id,
            import.undoes.as_deref().unwrap_or("?")
        )));
    }
    let label = target.label().to_string();
    let mut view = UndoView {
        status: UndoStatus::AlreadyUndone,
        import,
        plan: None,
        undo_id: None,
        stamp: None,
        undone_by: None,
        target: &label,
        problems: &[],
    };

    if let Some(earlier) = history.undone_by(import) {
        view.undone_by = Some(earlier);
        if args.json {
            print_json(&view)?;
        } else {
            console::print(&format!(
                "Import {} was already undone (by {}{}); nothing to do.\n",
                import.import_id,
                earlier.import_id,
                earlier
                    .started_at
                    .as_deref()
                    .map(|t| format!(" at {t}"))
                    .unwrap_or_default()
            ))?;
        }
        return Ok(Exit::Ok);
    }

    let mut plan = target.plan_undo(import)?;
    plan.stale
        .extend(dependent_reasons(&history.dependents(import)));
    if !plan.stale.is_empty() {
        let problems: Vec<Problem> = plan
            .stale
            .iter()
            .map(|reason| Problem::error(Code::StaleUndo, reason.clone()))
            .collect();
        for problem in &problems {
            crate::errln!("error[{}]: {}", Code::StaleUndo, problem.message);
        }
        crate::errln!(
            "error: cannot undo {}: the target changed since (see above); nothing was changed",
            import.import_id
        );
        // A live instance holds assets, not files.
        let what = if import.instance_assets.is_some() {
            "assets"
        } else {
            "files"
        };
        crate::errln!(
            "hint: undo the later imports first, newest first (`mkimport log --to {label}`), or put back the {what} as the import left them"
        );
        if args.json {
            view.status = UndoStatus::Refused;
            view.plan = Some(&plan);
            view.problems = &problems;
            print_json(&view)?;
        }
        return Ok(Exit::Blocked);
    }

    if !args.json {
        console::print(&undo_plan_text(import, &plan, terminal.width))?;
    }
    if ask && !confirm(import, &label)? {
        crate::errln!("Nothing was undone.");
        return Ok(Exit::Error);
    }

    lock.writing = true;
    let undo_id = history::undo_id(&import.import_id, &plan.target_state.before);
    let stamp = Stamp {
        started_at,
        ..Stamp::now(acting_user().as_deref(), history.next_sequence())
    };
    let view = UndoView {
        status: UndoStatus::Undone,
        plan: Some(&plan),
        undo_id: Some(&undo_id),
        stamp: Some(&stamp),
        ..view
    };
    let receipt = report::to_json_text(&undo_report(&view));
    if let crate::cli::TargetSpec::Marketo(_) = &args.to {
        crate::interrupt::install(
            format!(
                "Stopping after the step in progress: the next `mkimport undo`, `run` or `log` on {label} finishes this undo. Ctrl-C again to stop at once."
            ),
            format!(
                "Stopped at once: the next `mkimport undo`, `run` or `log` on {label} finishes this undo."
            ),
        );
    }
    let undone = target.undo(&plan, &undo_id, &|w, _landing| {
        w.write_all(receipt.as_bytes())
    });
    if undone.is_err() && crate::interrupt::requested() {
        crate::errln!(
            "Stopped: the undo of {} is half-done; the next `mkimport undo`, `run` or `log` on {label} finishes it.",
            import.import_id
        );
        return Ok(Exit::Interrupted);
    }
    undone?;

    let receipt_path = target.receipt_path(&undo_id);
    let printed = if args.json {
        console::print(&receipt)
    } else {
        console::print(&undone_line(&view, &receipt_path, terminal.width))
    };
    printed.with_context(|| {
        format!(
            "import {} was undone (receipt {receipt_path}), but its report could not be printed",
            import.import_id
        )
    })?;
    Ok(Exit::Ok)
}

fn print_json(view: &UndoView) -> Result<()> {
    console::print(&report::to_json_text(&undo_report(view)))
}

/// `MKIMPORT_USER`, when set: recorded as the undo's user (else the
/// account running mkimport).
fn acting_user() -> Option<String> {
    std::env::var("MKIMPORT_USER")
        .ok()
        .filter(|u| !u.trim().is_empty())
}

/// "Undo import … in TARGET?", default no.
fn confirm(import: &Receipt, target: &str) -> Result<bool> {
    dialoguer::Confirm::new()
        .with_prompt(format!("Undo import {} in {target}?", import.import_id))
        .default(false)
        .interact()
        .context("cannot read the confirmation")
}

/// The receipt `given` names, or a usage error that says why not and
/// names the nearest ids.
fn resolve<'a>(history: &'a History, given: &str, target: &str) -> Result<&'a Receipt> {
    if history.is_empty() {
        return Err(usage(format!(
            "no imports yet into {target}: there is nothing to undo"
        )));
    }
    history.resolve(given).map_err(|lookup| match lookup {
        Lookup::TooShort => usage(format!(
            "{given:?} is too short: give an import id, or at least its first {MIN_PREFIX} characters (see `mkimport log --to {target}`)"
        )),
        Lookup::Unknown(nearest) => usage(format!(
            "no import {given} in {target}; the nearest: {} (see `mkimport log --to {target}`)",
            nearest.join(", ")
        )),
        Lookup::Ambiguous(ids) => usage(format!(
            "{given} names more than one import ({}); give more characters",
            ids.join(", ")
        )),
    })
}

/// One reason per later import that relies on what this one wrote.
fn dependent_reasons(dependents: &[Dependent]) -> Vec<String> {
    let mut ids: Vec<&str> = dependents.iter().map(|d| d.import_id.as_str()).collect();
    ids.dedup();
    ids.into_iter()
        .map(|id| {
            let uses: Vec<String> = dependents
                .iter()
                .filter(|d| d.import_id == id)
                .map(|d| format!("{} \"{}\" (program \"{}\")", d.kind, d.name, d.program))
                .collect();
            format!(
                "the later import {id} reuses what this import wrote: {}; undo {id} first",
                uses.join(", ")
            )
        })
        .collect()
}
