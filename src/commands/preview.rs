//! `mkimport preview`: what an import would do, without writing into the
//! target.

use anyhow::{Context as _, Result};

use super::{prepare, preview_exit, report_bad_input, Exit};
use crate::cli::PreviewArgs;
use crate::error::show;
use crate::output::{report, Mode, ReportView};
use crate::request::{saved, ImportRequest, Terminal};

pub fn preview(args: &PreviewArgs) -> Result<Exit> {
    let terminal = Terminal::detect();
    let request = ImportRequest::resolve(&args.import, terminal)?;
    let mut reporter = crate::output::reporter(request.format, request.terminal, request.verbosity);
    let target = crate::target::open(&request.to)?;
    let prepared = prepare(request, target.as_ref())?;
    report_bad_input(&prepared);
    if target.interrupted() {
        crate::errln!(
            "warning: an interrupted run left {}/.mkimport/journal.json; the next `mkimport run` on this target finishes it first, so this preview may differ from what that run does",
            target.label()
        );
    }
    let context = prepared.context(Mode::Preview, None);
    if let Some(out) = &args.out {
        let inputs = saved::inputs(&prepared.request, &prepared.plan, &prepared.state.files);
        let view = ReportView {
            inputs: Some(&inputs),
            ..ReportView::new(&prepared.plan, &context)
        };
        crate::fsutil::write_atomic_with(out, |w| report::write_report(w, &view))
            .with_context(|| format!("cannot write the plan file {}", show(out)))?;
    }
    reporter.plan(&ReportView::new(&prepared.plan, &context))?;
    Ok(preview_exit(&prepared.plan))
}
