//! `mkimport preview`: what an import would do, without writing into the
//! target.

use anyhow::{Context as _, Result};

use super::{prepare, preview_exit, Exit};
use crate::cli::PreviewArgs;
use crate::error::{show, usage};
use crate::output::{console, diff, report, Mode, ReportView};
use crate::request::{saved, ImportRequest, Terminal};

pub fn preview(args: &PreviewArgs) -> Result<Exit> {
    let terminal = Terminal::detect();
    if args.diff && args.import.output_format().is_machine() {
        return Err(usage(
            "--diff shows diffs for a person; it cannot go with --json or --events (standard output holds only the report there)",
        ));
    }
    let request = ImportRequest::resolve(&args.import, terminal)?;
    super::announce_retries(request.terminal, request.format);
    let mut reporter = crate::output::reporter(request.format, request.terminal, request.verbosity);
    let target = crate::targets::open(&request.to)?;
    let prepared = prepare(request, target.as_ref())?;
    if target.interrupted() {
        crate::errln!(
            "warning: an interrupted run or undo left its journal on {}; the next `mkimport run`, `undo` or `log` on this target finishes it first, so this preview may differ from what a run does",
            target.label()
        );
    }
    let context = prepared.context(Mode::Preview, None);
    if let Some(out) = &args.out {
        let inputs = saved::inputs(&prepared.request, &prepared.plan, &prepared.state.files);
        let view = ReportView {
            inputs: Some(&inputs),
            calls: prepared.calls(target.as_ref()),
            ..ReportView::new(&prepared.plan, &context)
        };
        crate::fsutil::write_atomic_with(out, |w| report::write_report(w, &view))
            .with_context(|| format!("cannot write the plan file {}", show(out)))?;
    }
    reporter.plan(&ReportView {
        calls: prepared.calls(target.as_ref()),
        ..ReportView::new(&prepared.plan, &context)
    })?;
    if args.diff {
        let colour = diff::use_colour(terminal.stdout);
        console::print(&diff::plan_diffs(&prepared.plan, &prepared.state, colour))?;
    }
    Ok(preview_exit(&prepared.plan))
}
