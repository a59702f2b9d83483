//! `--format markdown`: a summary of a plan for pull-request comments and
//! CI job summaries (spec 5a): the counts, then per program its status,
//! the blocking problems, and the assets that are not plain creations.
//!
//! GitHub-flavoured: pipe tables of few columns (narrow enough for a
//! comment), warnings folded in `<details>`. Names are escaped, so a
//! program called `*|<b>` shows as written. Long listings are collapsed
//! as in the table; `--verbose` lists everything (mind GitHub's limit of
//! 65,536 characters per comment).

use std::fmt::Write as _;

use super::overview::{self, is_plain, kind_counts, thousands, Overview};
use super::report::{Mode, ReportView};
use super::table::summary_line;
use crate::cli::Verbosity;
use crate::plan::{Problem, ProgramPlan, Severity, Status};

/// Programs listed in the status table before the rest are counted
/// (`--verbose`: all).
const PROGRAMS_LISTED: usize = 50;
/// Programs detailed (their rows and warnings) before the rest are
/// counted: a comment stays well within GitHub's limit.
const PROGRAMS_SHOWN: usize = 20;
/// Names listed for a problem many programs share.
const FEW_NAMES: usize = 3;

/// `text` as literal Markdown text: no emphasis, links, HTML or table
/// cells break out of it.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | '#' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn status_cell(status: Status) -> &'static str {
    match status {
        Status::Blocked => "⛔ **blocked**",
        Status::Ok => "✅ ok",
        Status::Unchanged => "unchanged",
        Status::Skipped => "skipped",
        Status::Failed => "❌ **failed**",
    }
}

fn problem_text(problem: &Problem) -> String {
    format!("`{}`: {}", problem.code, escape(&problem.message))
}

fn counted(n: usize, what: &str) -> String {
    format!("{} {what}{}", thousands(n), if n == 1 { "" } else { "s" })
}

/// The title: what happened, in one line.
fn title(view: &ReportView) -> String {
    let plan = view.plan;
    let n = plan.programs.len();
    let blocked = plan.count(Status::Blocked);
    let ok = plan.count(Status::Ok);
    let target = escape(&view.context.target);
    match (view.context.mode, &view.context.import_id) {
        (Mode::Run, Some(_)) => format!(
            "mkimport run: {} imported into {target}",
            counted(ok, "program")
        ),
        (Mode::Run, None) if blocked == 0 => format!(
            "mkimport run: nothing to import into {target} ({} already imported or left out); nothing was written",
            counted(n, "program")
        ),
        (Mode::Run, None) => format!(
            "mkimport run: nothing was written to {target} ({} of {} blocked)",
            thousands(blocked),
            counted(n, "program")
        ),
        (Mode::Preview, _) if blocked > 0 => format!(
            "mkimport preview: {} of {} blocked",
            thousands(blocked),
            counted(n, "program")
        ),
        (Mode::Preview, _) => format!(
            "mkimport preview: {} to import into {target}",
            counted(ok, "program")
        ),
    }
}

/// The Markdown summary of a report.
pub fn markdown(view: &ReportView, verbosity: Verbosity) -> String {
    let plan = view.plan;
    let verbose = verbosity == Verbosity::Verbose;
    let overview = Overview::new(plan);
    let mut out = String::new();
    let _ = writeln!(out, "## {}\n", title(view));
    if let Some(id) = &view.context.import_id {
        let _ = writeln!(out, "Import `{id}`.\n");
    }
    let _ = writeln!(out, "{}  ", escape(&summary_line(plan)));
    let _ = writeln!(out, "{}\n", escape(&overview::plan_line(plan)));

    if !view.problems.is_empty() {
        let _ = writeln!(out, "### Problems of the run\n");
        for problem in view.problems {
            let _ = writeln!(
                out,
                "- {} {}",
                problem.severity.as_str(),
                problem_text(problem)
            );
        }
        out.push('\n');
    }

    // The status of every program, blocked ones first.
    let mut order: Vec<&ProgramPlan> = plan.programs.iter().collect();
    order.sort_by_key(|p| p.status != Status::Blocked);
    if !order.is_empty() {
        let _ = writeln!(out, "| program | status | problems |\n|---|---|---|");
        let shown = if verbose {
            order.len()
        } else {
            PROGRAMS_LISTED
        };
        for program in order.iter().take(shown) {
            let mut problems = Vec::new();
            if program.errors() > 0 {
                problems.push(counted(program.errors(), "error"));
            }
            if program.warnings() > 0 {
                problems.push(counted(program.warnings(), "warning"));
            }
            let _ = writeln!(
                out,
                "| {} | {} | {} |",
                escape(&program.name),
                status_cell(program.status),
                problems.join(", ")
            );
        }
        if order.len() > shown {
            let _ = writeln!(
                out,
                "| … and {} more | | |",
                counted(order.len() - shown, "program")
            );
        }
        out.push('\n');
    }

    // What blocks: shared causes once, then each program's own.
    if plan.count(Status::Blocked) > 0 {
        let _ = writeln!(out, "### Blocking problems\n");
        for shared in overview.shared_of(Severity::Error) {
            shared_item(&mut out, shared, verbose);
        }
        let blocked = plan.programs.iter().filter(|p| p.status == Status::Blocked);
        let mut listed = 0;
        let mut more = 0;
        for program in blocked {
            let own: Vec<&Problem> = overview.own(program, Severity::Error).collect();
            if own.is_empty() {
                continue;
            }
            if listed >= PROGRAMS_SHOWN && !verbose {
                more += 1;
                continue;
            }
            listed += 1;
            let _ = writeln!(out, "- **{}**", escape(&program.name));
            for problem in own {
                let _ = writeln!(out, "  - {}", problem_text(problem));
            }
        }
        if more > 0 {
            let _ = writeln!(out, "- … and {} more", counted(more, "blocked program"));
        }
        out.push('\n');
    }

    // Each program that is imported: the assets that are not plain
    // creations, and its warnings.
    let ok: Vec<&ProgramPlan> = plan
        .programs
        .iter()
        .filter(|p| p.status == Status::Ok)
        .collect();
    let shown = if verbose { ok.len() } else { PROGRAMS_SHOWN };
    for program in ok.iter().take(shown) {
        program_section(&mut out, program, &overview, verbose);
    }
    if ok.len() > shown {
        let _ = writeln!(
            out,
            "… and {} more to import (`--verbose` lists them).\n",
            counted(ok.len() - shown, "program")
        );
    }

    let shared: Vec<_> = overview.shared_of(Severity::Warning).collect();
    if !shared.is_empty() {
        let _ = writeln!(out, "### Warnings of several programs\n");
        for shared in shared {
            shared_item(&mut out, shared, verbose);
        }
        out.push('\n');
    }
    out
}

fn program_section(out: &mut String, program: &ProgramPlan, overview: &Overview, verbose: bool) {
    let mut heading = escape(&program.name);
    if let Some(folder) = overview::folder_of(program) {
        let _ = write!(heading, " → {}", escape(&folder));
    }
    if let Some(imported_as) = &program.imported_as {
        if imported_as != &program.name {
            let _ = write!(heading, " (as \"{}\")", escape(imported_as));
        }
    }
    let _ = writeln!(out, "### {heading}\n");
    let rows = overview::rows(program, |a| verbose || !is_plain(a), !verbose);
    if !rows.is_empty() {
        let _ = writeln!(out, "| action | kind | name | reason |\n|---|---|---|---|");
        for row in rows {
            let name = row.names(escape);
            let _ = writeln!(
                out,
                "| {} | {} | {name} | {} |",
                row.action,
                row.kind,
                escape(row.reason)
            );
        }
        out.push('\n');
    }
    let (plain, kinds) = kind_counts(program, is_plain);
    if plain > 0 && !verbose {
        let _ = writeln!(out, "{} to create: {kinds}.\n", thousands(plain));
    }
    let warnings: Vec<&Problem> = overview.own(program, Severity::Warning).collect();
    if !warnings.is_empty() {
        let _ = writeln!(
            out,
            "<details><summary>{}</summary>\n",
            counted(warnings.len(), "warning")
        );
        for problem in warnings {
            let _ = writeln!(out, "- {}", problem_text(problem));
        }
        let _ = writeln!(out, "\n</details>\n");
    }
}

/// One problem that several programs share, as a list item: the problem,
/// how many programs, a few of their names.
fn shared_item(out: &mut String, shared: &overview::Shared, verbose: bool) {
    let names: Vec<String> = shared.programs.iter().map(|n| escape(n)).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let _ = writeln!(
        out,
        "- {}: **{}**: {}",
        problem_text(shared.problem),
        counted(shared.programs.len(), "program"),
        overview::some_names(&names, FEW_NAMES, verbose)
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_cannot_break_out() {
        assert_eq!(escape("a|b"), "a\\|b");
        assert_eq!(escape("*x* <b>&"), "\\*x\\* &lt;b&gt;&amp;");
        assert_eq!(escape("line\nbreak"), "line break");
    }
}
