//! `mkimport run`: apply the plan to the target, crash-safe.

use anyhow::{Context as _, Result};

use super::{prepare, Exit, Prepared};
use crate::apply::Landed;
use crate::cli::RunArgs;
use crate::error::usage;
use crate::history::Stamp;
use crate::output::report::ReceiptKeys;
use crate::output::{notify, report, Mode, ReportView, Reporter};
use crate::plan::{Code, Plan, Problem, Status};
use crate::request::saved::SavedPlan;
use crate::request::{ImportRequest, Terminal};
use crate::targets::{RunInfo, Stale, Target};

pub fn run(args: &RunArgs) -> Result<Exit> {
    let started_at = crate::history::now_rfc3339();
    let terminal = Terminal::detect();
    let format = args.import.output_format();
    let ask = !args.yes;
    // Validate what was given before asking for what was not.
    let (request, saved) = match &args.plan {
        Some(path) => {
            let saved = SavedPlan::read(path)?;
            (saved.request(&args.import, terminal)?, Some(saved))
        }
        None => (ImportRequest::resolve(&args.import, terminal)?, None),
    };
    if ask && !terminal.can_ask(format) {
        return Err(usage(
            "run needs --yes when it cannot ask for confirmation (no terminal, or a machine format: json, events, markdown); nothing was written",
        ));
    }
    super::announce_retries(request.terminal, request.format);
    let mut reporter = crate::output::reporter(request.format, request.terminal, request.verbosity);
    let target = crate::targets::open(&request.to)?;
    if let Some(max) = args.max_calls {
        target.cap_calls(max)?;
    }
    let mut lock = target.lock()?;
    if target.recover()? {
        crate::errln!(
            "note: finished an interrupted run or undo on {}",
            target.label()
        );
    }
    let mut prepared = prepare(request, target.as_ref())?;
    // Planned: the target's documents are not needed any more.
    prepared.state.forget_docs();

    // The plan, with the calls made so far and the estimate.
    let context = prepared.context(Mode::Run, None);
    let calls = prepared.calls(target.as_ref());
    let view = || ReportView {
        calls,
        ..ReportView::new(&prepared.plan, &context)
    };
    if let Some(saved) = &saved {
        let landed = saved.import_id().and_then(|id| target.landed_state(id));
        let stale: Vec<Problem> = saved
            .stale_reasons(&prepared.plan, &context, landed.as_deref(), &prepared.state)
            .into_iter()
            .map(|reason| Problem::error(Code::StalePlan, reason))
            .collect();
        if !stale.is_empty() {
            reporter.plan(&ReportView {
                problems: &stale,
                ..view()
            })?;
            let (from, to) = saved.from_to();
            crate::errln!(
                "error: the plan {plan} is stale; nothing was written. Review the import again and save a new plan: mkimport preview --from {from} --to {to} [the same options] --out {plan}",
                plan = saved.path()
            );
            return Ok(Exit::Blocked);
        }
    }

    let plan = &prepared.plan;
    let blocked = plan.count(Status::Blocked);
    if plan.has_bad_input() || (blocked > 0 && !args.skip_blocked) {
        // Show what would happen, and why it is refused.
        reporter.plan(&view())?;
        if plan.has_bad_input() {
            crate::errln!("error: some bundles could not be read; nothing was written");
            return Ok(Exit::Error);
        }
        crate::errln!(
            "error: {blocked} program{} blocked; nothing was written (fix the problems, or pass --skip-blocked to import the others)",
            if blocked == 1 { " is" } else { "s are" }
        );
        return Ok(Exit::Blocked);
    }
    if blocked > 0 && plan.count(Status::Ok) == 0 {
        // --skip-blocked, and nothing else to import.
        reporter.plan(&view())?;
        crate::errln!(
            "error: {blocked} program{} blocked and nothing else to import; nothing was written",
            if blocked == 1 { " is" } else { "s are" }
        );
        return Ok(Exit::Blocked);
    }
    if plan.count(Status::Ok) == 0 {
        // Everything is already there (unchanged) or left out: a run that
        // changes nothing writes nothing, not even a receipt, so `log`
        // lists only imports that imported something.
        reporter.plan(&view())?;
        if let Some(address) = &args.notify {
            crate::errln!("note: nothing was imported, so no mail was sent to {address}");
        }
        crate::errln!(
            "Nothing to import into {}: nothing was written (no receipt).",
            target.label()
        );
        return Ok(Exit::Ok);
    }
    reporter.applying(&view())?;
    if ask && !confirm(&prepared)? {
        crate::errln!("Nothing was imported.");
        return Ok(Exit::Error);
    }
    if let crate::cli::TargetSpec::Marketo(_) = &prepared.request.to {
        crate::interrupt::install(
            format!(
                "Stopping: no new program starts; the programs being written into {} land or are taken back. Ctrl-C again to stop at once.",
                target.label()
            ),
            format!(
                "Stopped at once. The next `mkimport run`, `undo` or `log` on {} takes back what this run left half-written.",
                target.label()
            ),
        );
        crate::interrupt::bar(reporter.progress_bar());
    }

    lock.writing = true;
    let stamp = Stamp {
        started_at,
        ..Stamp::now(prepared.request.user.as_deref(), target.next_sequence()?)
    };
    land(args, &prepared, &stamp, target.as_ref(), reporter.as_mut())
}

/// "Import N programs into TARGET?", default no.
fn confirm(prepared: &Prepared) -> Result<bool> {
    let to_import = prepared.plan.count(Status::Ok);
    let question = format!(
        "Import {to_import} program{} into {}?",
        if to_import == 1 { "" } else { "s" },
        prepared.state.meta.name
    );
    dialoguer::Confirm::new()
        .with_prompt(question)
        .default(false)
        .interact()
        .context("cannot read the confirmation")
}

/// Apply the plan, send the mail, report.
fn land(
    args: &RunArgs,
    prepared: &Prepared,
    stamp: &Stamp,
    target: &dyn Target,
    reporter: &mut dyn Reporter,
) -> Result<Exit> {
    let planned = &prepared.plan;
    let id = report::import_id(planned);
    let context = prepared.context(Mode::Run, Some(id.clone()));
    // The estimate made before writing, kept with the calls the run made.
    let estimated = prepared.calls(target);
    let receipt = |w: &mut dyn std::io::Write, plan: &Plan, landing: &Landed| {
        let view = ReportView {
            calls: estimated,
            ..ReportView::new(plan, &context)
        };
        write_receipt(w, &view, stamp, landing)
    };
    let source = source_identity(&prepared.request.from);
    let run = RunInfo {
        import_id: &id,
        source: &source,
        limits: &prepared.request.limits,
        keep_going: args.skip_blocked,
        max_calls: args.max_calls,
    };
    let applied = match target.apply(&prepared.state, planned, &run, &receipt, &mut |progress| {
        reporter.progress(progress)
    }) {
        Ok(applied) => applied,
        Err(err) => {
            let Some(stale) = err.downcast_ref::<Stale>() else {
                return Err(err);
            };
            // Found just before writing: the target changed since the plan.
            let problems: Vec<Problem> = stale
                .0
                .iter()
                .map(|reason| Problem::error(Code::StalePlan, reason.clone()))
                .collect();
            reporter.plan(&ReportView {
                problems: &problems,
                calls: prepared.calls(target),
                ..ReportView::new(planned, &prepared.context(Mode::Run, None))
            })?;
            crate::errln!(
                "error: {} changed since the plan was made; nothing was written. Preview again and run the new plan",
                target.label()
            );
            return Ok(Exit::Blocked);
        }
    };
    // The plan as it landed (a live instance may have failed a program).
    let plan = applied.outcome.as_ref().unwrap_or(planned);

    let mut problems = Vec::new();
    let imported = plan.count(Status::Ok);
    if let (Some(address), 0) = (&args.notify, imported) {
        crate::errln!("note: nothing was imported, so no mail was sent to {address}");
    }
    if let (Some(address), 1..) = (&args.notify, imported) {
        let message = notify::message(address, plan, &prepared.state.meta.name, &id);
        if let Err(warning) = notify::send(&message) {
            problems.push(Problem::warning(Code::NotifyFailed, warning));
            let view = ReportView {
                problems: &problems,
                calls: estimated,
                ..ReportView::new(plan, &context)
            };
            target.rewrite_receipt(
                &id,
                plan,
                &|w, _plan, landing| write_receipt(w, &view, stamp, landing),
                &applied.landing,
            )?;
        }
    }
    // What standard output gets is the receipt.
    let view = ReportView {
        problems: &problems,
        receipt: Some(ReceiptKeys {
            before: &plan.target_digest,
            stamp,
            landed: &applied.landing,
        }),
        calls: applied.landing.calls.map(|made| report::Calls {
            made,
            ..prepared.calls(target).unwrap_or_default()
        }),
        ..ReportView::new(plan, &context)
    };
    reporter.landed(&view, &applied).with_context(|| {
        format!(
            "import {id} landed in {} (receipt {}), but its report could not be printed",
            target.label(),
            target.receipt_path(&id)
        )
    })?;
    if plan.count(Status::Failed) > 0 {
        crate::errln!(
            "error: {} program{} failed; what the run had created for {} was removed again (receipt {})",
            plan.count(Status::Failed),
            if plan.count(Status::Failed) == 1 { "" } else { "s" },
            if plan.count(Status::Failed) == 1 { "it" } else { "them" },
            target.receipt_path(&id)
        );
        return Ok(Exit::Error);
    }
    if crate::interrupt::requested() {
        crate::errln!(
            "Stopped: {imported} program{} imported; run the same command again to import the rest.",
            if imported == 1 { "" } else { "s" }
        );
        return Ok(Exit::Interrupted);
    }
    // Spec 13: programs left for the next run by the call budget.
    let waiting = plan
        .programs
        .iter()
        .filter(|p| p.problems.iter().any(|q| q.code == Code::CallBudget))
        .count();
    if waiting > 0 {
        crate::errln!(
            "note: {waiting} program{} left for the next run: within --max-calls {}, the run stopped before {}; run the same command again to go on from there",
            if waiting == 1 { " is" } else { "s are" },
            args.max_calls.unwrap_or_default(),
            if waiting == 1 { "it" } else { "them" },
        );
        return Ok(if imported > 0 {
            Exit::Partial
        } else {
            Exit::Blocked
        });
    }
    // Spec 5a: some imported and some blocked is a partial run.
    if plan.count(Status::Blocked) > 0 {
        Ok(Exit::Partial)
    } else {
        Ok(Exit::Ok)
    }
}

/// A receipt: the report of `view` with the keys of spec section 9 (see
/// [`ReceiptKeys`]).
fn write_receipt(
    w: &mut dyn std::io::Write,
    view: &ReportView,
    stamp: &Stamp,
    landing: &Landed,
) -> std::io::Result<()> {
    let view = ReportView {
        plan: view.plan,
        context: view.context,
        problems: view.problems,
        inputs: None,
        extra: Default::default(),
        receipt: Some(ReceiptKeys {
            before: &view.plan.target_digest,
            stamp,
            landed: landing,
        }),
        anonymous: false,
        calls: landing.calls.map(|made| report::Calls {
            made,
            ..view.calls.unwrap_or_default()
        }),
    };
    report::write_report(w, &view)
}

/// The source as a stored program's `imported.source` records it when its
/// bundle names no `exported_from`: the source's canonical path, so that
/// `src`, `./src/` and `/abs/src` write the same files.
fn source_identity(label: &str) -> String {
    let path = std::path::Path::new(label);
    if label == crate::load::library::SOURCE && !path.exists() {
        return label.to_string();
    }
    path.canonicalize()
        .map(|c| crate::error::show(&c))
        .unwrap_or_else(|_| label.to_string())
}
