//! Rendering: what goes to standard output and standard error. One
//! [`Reporter`] is chosen per command from the output format; the table,
//! the JSON report, the NDJSON events and the Markdown summary are its
//! implementations, and a new format is one new implementation (and one
//! `OutputFormat` variant).

use anyhow::Result;

use crate::apply::{Applied, Progress};
use crate::cli::{OutputFormat, Verbosity};
use console::Terminal;

pub mod console;
pub mod diff;
pub mod events;
pub mod history;
pub mod log;
pub mod markdown;
pub mod notify;
pub mod overview;
pub mod report;
pub mod table;
pub mod text;

pub use report::{Context, Mode, ReportView};

/// What a command reports as it goes.
pub trait Reporter {
    /// A plan that will not be applied: a preview, or a run that is
    /// refused. The run-level problems of `view` also go to standard error.
    fn plan(&mut self, view: &ReportView) -> Result<()>;
    /// A run is about to apply the plan of `view` (before any question).
    fn applying(&mut self, view: &ReportView) -> Result<()>;
    /// What a run wrote (a file moved into place, an asset of a live
    /// instance), or a program it is done with. Never fails: the apply
    /// must not stop half-way, so a failure to report is kept for
    /// [`Reporter::landed`].
    fn progress(&mut self, progress: Progress);
    /// The run landed; `view` is its receipt.
    fn landed(&mut self, view: &ReportView, applied: &Applied) -> Result<()>;
    /// The progress bar it draws on standard error while a run writes.
    fn progress_bar(&self) -> Option<indicatif::ProgressBar> {
        None
    }
}

/// The reporter for a format, on this terminal: the table fits its width,
/// with colour when it may, and shows as much as `verbosity` says.
pub fn reporter(
    format: OutputFormat,
    terminal: Terminal,
    verbosity: Verbosity,
) -> Box<dyn Reporter> {
    match format {
        OutputFormat::Table => Box::new(TableReporter {
            layout: table::Layout {
                width: terminal.width,
                colour: terminal.colour,
                verbosity,
            },
            progress: terminal.stderr,
            bar: None,
            estimate: None,
            started: std::time::Instant::now(),
        }),
        OutputFormat::Json => Box::new(JsonReporter),
        OutputFormat::Events => Box::new(EventsReporter { failure: None }),
        OutputFormat::Markdown => Box::new(MarkdownReporter { verbosity }),
    }
}

/// Run-level problems (`stale-plan`, `notify-failed`) on standard error.
fn problems_to_stderr(view: &ReportView) {
    for problem in view.problems {
        crate::errln!(
            "{}[{}]: {}",
            problem.severity.as_str(),
            problem.code,
            problem.message
        );
    }
}

/// The human table; on a terminal, a progress bar while a run writes.
struct TableReporter {
    layout: table::Layout,
    /// Is standard error a terminal (for the progress bar)?
    progress: bool,
    bar: Option<indicatif::ProgressBar>,
    /// A live run: the calls it is estimated to take (the bar counts
    /// programs, and says the calls and the time left at the limit).
    estimate: Option<u64>,
    started: std::time::Instant,
}

impl TableReporter {
    /// The bar of a run: files moved into place for a directory, programs
    /// for a live instance.
    fn start_bar(&mut self, view: &ReportView) {
        let live = view.calls.and_then(|c| c.estimate);
        let (len, unit) = match live {
            Some(_) => (view.plan.count(crate::plan::Status::Ok), "programs"),
            None => (
                view.plan
                    .programs
                    .iter()
                    .filter_map(|p| p.writes.as_ref())
                    .map(|w| w.assets.len() + 1)
                    .sum::<usize>()
                    + 2,
                "files",
            ),
        };
        let bar = indicatif::ProgressBar::new(len as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template(&format!(
                "{{bar:20}} {{pos}}/{{len}} {unit} {{wide_msg}}"
            ))
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        self.estimate = live;
        self.bar = Some(bar);
    }

    /// "412 of ~2,450 calls, ~6 min left at Marketo's limit": short enough
    /// for a terminal of 80 columns; never past its own estimate.
    fn calls_message(&self, calls: u64) -> String {
        match self.estimate {
            Some(estimate) if calls <= estimate => {
                let left = crate::marketo::Limits::default().eta((estimate - calls) as usize);
                format!(
                    "{} of ~{} calls, ~{} left at Marketo's limit",
                    text::thousands(calls),
                    text::thousands(estimate),
                    text::duration(left)
                )
            }
            _ => format!("{} API calls", text::thousands(calls)),
        }
    }
}

/// What a run into a live instance costs, for a person: "About 2,400 API
/// calls, 8 min at Marketo's limit; 1,120 used today."
fn calls_line(view: &ReportView, width: usize) -> Option<String> {
    let calls = view.calls?;
    let estimate = calls.estimate?;
    let eta = crate::marketo::Limits::default().eta(estimate as usize);
    let mut line = format!(
        "About {} API call{}, {} at Marketo's limit of 100 calls in 20 s",
        text::thousands(estimate),
        if estimate == 1 { "" } else { "s" },
        text::duration(eta)
    );
    if let Some(used) = calls.used_today {
        line.push_str(&format!(
            "; {} used today on the instance so far",
            text::thousands(used)
        ));
        // What was used so far counts this command's calls already.
        let quota = crate::marketo::limits::DAILY_QUOTA;
        if used + estimate.saturating_sub(calls.made) > quota {
            line.push_str(&format!(
                " (with this run, more than the default daily quota of {}: split it with --max-calls)",
                text::thousands(quota)
            ));
        }
    }
    line.push('.');
    Some(text::wrap(&line, width).join("\n") + "\n")
}

/// What a person should know of the programs that did not land: each
/// failed one with Marketo's words and what became of it, those the run
/// did not get to and why, then what to do next.
fn run_outcome(view: &ReportView, width: usize) -> String {
    use crate::plan::{Code, Status};
    let mut out: Vec<String> = Vec::new();
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    let failed: Vec<_> = view
        .plan
        .programs
        .iter()
        .filter(|p| p.status == Status::Failed)
        .collect();
    for p in &failed {
        out.push(format!("Failed: {}", p.name));
        for problem in &p.problems {
            if problem.code == Code::ApiError {
                for line in text::wrap(&text::clean(&problem.message), width.saturating_sub(2)) {
                    out.push(format!("  {line}"));
                }
            }
        }
    }
    let skipped = |code: Code| -> Vec<&str> {
        view.plan
            .programs
            .iter()
            .filter(|p| p.status == Status::Skipped && p.problems.iter().any(|q| q.code == code))
            .map(|p| p.name.as_str())
            .collect()
    };
    for (code, why) in [
        (Code::RunStopped, "the run stopped before reaching"),
        (
            Code::CallBudget,
            "within --max-calls, the run stopped before",
        ),
    ] {
        let names = skipped(code);
        if names.is_empty() {
            continue;
        }
        let them = if names.len() == 1 { "it" } else { "them" };
        out.push(format!(
            "Not imported: {} program{} ({why} {them}):",
            names.len(),
            plural(names.len())
        ));
        for name in names {
            out.push(format!("  {name}"));
        }
    }
    if out.is_empty() {
        return String::new();
    }
    let next = if failed.is_empty() {
        "Next: run the same command again to import the rest; the programs imported are unchanged."
    } else {
        "Next: fix what Marketo refused (in the bundle or in the instance), then run the same command again: the programs imported are unchanged, the others are imported."
    };
    out.extend(text::wrap(next, width));
    out.join("\n") + "\n"
}

impl Reporter for TableReporter {
    fn plan(&mut self, view: &ReportView) -> Result<()> {
        console::print(&table::table(view.plan, &self.layout))?;
        if let Some(line) = calls_line(view, self.layout.width) {
            console::print(&line)?;
        }
        problems_to_stderr(view);
        Ok(())
    }

    fn applying(&mut self, view: &ReportView) -> Result<()> {
        console::print(&table::table(view.plan, &self.layout))?;
        if let Some(line) = calls_line(view, self.layout.width) {
            console::print(&line)?;
        }
        if self.progress {
            self.start_bar(view);
        }
        self.started = std::time::Instant::now();
        Ok(())
    }

    fn progress_bar(&self) -> Option<indicatif::ProgressBar> {
        self.bar.clone()
    }

    fn progress(&mut self, progress: Progress) {
        let Some(bar) = &self.bar else {
            return;
        };
        match progress {
            Progress::Wrote {
                program,
                calls: None,
                ..
            } => {
                bar.set_message(program.to_string());
                bar.inc(1);
            }
            Progress::Wrote {
                program,
                calls: Some(calls),
                ..
            } => bar.set_message(format!("{} · {program}", self.calls_message(calls))),
            Progress::Finished { calls, .. } => {
                bar.inc(1);
                if let Some(calls) = calls {
                    bar.set_message(self.calls_message(calls));
                }
            }
        }
    }

    fn landed(&mut self, view: &ReportView, applied: &Applied) -> Result<()> {
        let plural = |n: usize| if n == 1 { "" } else { "s" };
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
            let what = match self.estimate {
                Some(_) => String::new(),
                None => format!(" ({} files)", applied.files),
            };
            crate::errln!(
                "Imported {} program{}{what} in {:.1?}",
                applied.programs,
                plural(applied.programs),
                self.started.elapsed()
            );
        }
        problems_to_stderr(view);
        let id = view.context.import_id.as_deref().unwrap_or_default();
        let target = &view.context.target;
        let failed = match view.plan.count(crate::plan::Status::Failed) {
            0 => String::new(),
            n => format!(" ({n} failed)"),
        };
        let calls = match view.calls {
            Some(c) => format!(" in {} API call{}", c.made, plural(c.made as usize)),
            None => String::new(),
        };
        let done = format!(
            "Import {id}: {} program{} imported into {target}{calls}{failed}.",
            applied.programs,
            plural(applied.programs),
        );
        // The receipt's path on a line of its own, whole (to copy).
        console::print(&format!(
            "{}{}\nreceipt {}\n",
            run_outcome(view, self.layout.width),
            text::wrap(&text::clean(&done), self.layout.width).join("\n"),
            applied.receipt,
        ))
    }
}

/// The JSON report, and nothing else on standard output.
struct JsonReporter;

impl Reporter for JsonReporter {
    fn plan(&mut self, view: &ReportView) -> Result<()> {
        problems_to_stderr(view);
        report::print_report(view)
    }

    fn applying(&mut self, _view: &ReportView) -> Result<()> {
        Ok(())
    }

    fn progress(&mut self, _progress: Progress) {}

    fn landed(&mut self, view: &ReportView, _applied: &Applied) -> Result<()> {
        problems_to_stderr(view);
        report::print_report(view)
    }
}

/// The Markdown summary: of the plan, or of the run once it landed.
struct MarkdownReporter {
    verbosity: Verbosity,
}

impl Reporter for MarkdownReporter {
    fn plan(&mut self, view: &ReportView) -> Result<()> {
        problems_to_stderr(view);
        console::print(&markdown::markdown(view, self.verbosity))
    }

    fn applying(&mut self, _view: &ReportView) -> Result<()> {
        Ok(())
    }

    fn progress(&mut self, _progress: Progress) {}

    fn landed(&mut self, view: &ReportView, _applied: &Applied) -> Result<()> {
        problems_to_stderr(view);
        console::print(&markdown::markdown(view, self.verbosity))
    }
}

/// NDJSON events: the plan's, one per file written, then the summary.
struct EventsReporter {
    /// The first failure to print a `write` event.
    failure: Option<anyhow::Error>,
}

impl Reporter for EventsReporter {
    fn plan(&mut self, view: &ReportView) -> Result<()> {
        problems_to_stderr(view);
        events::emit_plan(view.plan)?;
        events::emit_summary(view)
    }

    fn applying(&mut self, view: &ReportView) -> Result<()> {
        events::emit_plan(view.plan)
    }

    fn progress(&mut self, progress: Progress) {
        if let (None, Progress::Wrote { program, what, .. }) = (&self.failure, progress) {
            self.failure = events::emit_write(program, what).err();
        }
    }

    fn landed(&mut self, view: &ReportView, _applied: &Applied) -> Result<()> {
        if let Some(failure) = self.failure.take() {
            return Err(failure);
        }
        problems_to_stderr(view);
        events::emit_summary(view)
    }
}
