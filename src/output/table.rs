//! The human view of a plan, for a Marketo admin at a terminal:
//!
//! 1. the blocked programs and what blocks them (a cause several programs
//!    share is shown once, with the number of programs);
//! 2. each program that will be imported, under its name and folder, with
//!    its rows (action, kind, name, reason) and its warnings; plain
//!    creations are counted, not listed, unless `--verbose`, and past a
//!    screenful the remaining programs are summed up in one line;
//! 3. the warnings several programs share, the unchanged and skipped
//!    programs;
//! 4. the summary: the counts per status, then per action ("Plan: 12 to
//!    create, 3 to rename, …; 1 program blocked").
//!
//! Everything fits the width it is given; colour only when asked for.
//! `--quiet` leaves out the rows.

use super::overview::{
    self, handwork_line, is_handwork, is_plain, is_routine, kind_counts, some_names, thousands,
    Overview,
};
use super::text::{clean, pad, width, wrap, Paint, Tone};
use crate::cli::Verbosity;
use crate::plan::{Plan, Problem, ProgramPlan, Severity, Status};

/// How the table is drawn: decided from the request and the terminal.
#[derive(Debug, Clone, Copy)]
pub struct Layout {
    /// Columns to fit in.
    pub width: usize,
    pub colour: bool,
    pub verbosity: Verbosity,
}

impl Layout {
    /// Every row, no colour, at this width (tests, mail bodies).
    pub fn plain(width: usize) -> Layout {
        Layout {
            width,
            colour: false,
            verbosity: Verbosity::Verbose,
        }
    }
}

/// Below this, lines are allowed to overflow rather than be cut to
/// nothing.
const MIN_WIDTH: usize = 40;
/// Names listed for a problem many programs share (`--verbose`: all).
const FEW_NAMES: usize = 3;
/// Blocked programs listed one by one before the rest are counted.
const BLOCKED_SHOWN: usize = 20;
/// Lines of programs to import before the remaining ones are summed up.
const LINES_SHOWN: usize = 150;
const INDENT: usize = 2;
const GAP: usize = 2;
/// A reason column narrower than this goes under the name instead.
const NARROWEST_REASON: usize = 30;
/// The narrowest name column beside a reason column.
const NARROWEST_NAME: usize = 20;

/// The human view of `plan`.
pub fn table(plan: &Plan, layout: &Layout) -> String {
    let overview = Overview::new(plan);
    let mut out = Out {
        text: String::new(),
        paint: Paint { on: layout.colour },
        width: layout.width.max(MIN_WIDTH),
        verbosity: layout.verbosity,
        overview: &overview,
        collapsed: false,
        lines: 0,
    };
    out.blocked(plan);
    out.imported(plan);
    out.shared_warnings();
    out.others(plan);
    out.summary(plan);
    out.text
}

/// "3 programs: 1 ok, 1 blocked, 0 unchanged, 1 skipped; 2 errors, 5 warnings"
pub fn summary_line(plan: &Plan) -> String {
    let errors: usize = plan.programs.iter().map(ProgramPlan::errors).sum();
    let warnings: usize = plan.programs.iter().map(ProgramPlan::warnings).sum();
    let failed = match plan.count(Status::Failed) {
        0 => String::new(),
        n => format!(", {n} failed"),
    };
    format!(
        "{} program{}: {} ok, {} blocked, {} unchanged, {} skipped{failed}; {} error{}, {} warning{}",
        plan.programs.len(),
        plural(plan.programs.len()),
        plan.count(Status::Ok),
        plan.count(Status::Blocked),
        plan.count(Status::Unchanged),
        plan.count(Status::Skipped),
        errors,
        plural(errors),
        warnings,
        plural(warnings),
    )
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// The widths of the row columns.
#[derive(Debug, Clone, Copy)]
struct Columns {
    action: usize,
    kind: usize,
    name: usize,
    /// None: the reason goes on its own lines, under the kind.
    reason: Option<usize>,
}

/// One row as shown: several assets of one kind that share their action
/// and reason are one row (unless `--verbose`).
#[derive(Debug)]
struct Row {
    action: &'static str,
    kind: &'static str,
    /// The name, and the name in the target when that differs; or the
    /// names of the assets this row stands for.
    name: String,
    reason: String,
}

/// The rows of a program the table shows: every asset with `--verbose`;
/// else the ones that are not routine, merged.
fn rows(program: &ProgramPlan, verbose: bool) -> Vec<Row> {
    overview::rows(
        program,
        |a| verbose || !(is_routine(a) || is_handwork(a)),
        !verbose,
    )
    .into_iter()
    .map(|row| {
        let name = row.names(clean);
        Row {
            action: row.action,
            kind: row.kind,
            name,
            reason: clean(row.reason),
        }
    })
    .collect()
}

fn action_tone(action: &str) -> Option<Tone> {
    match action {
        "create" => Some(Tone::Green),
        "rename" | "overwrite" | "remap" => Some(Tone::Yellow),
        "deactivate" | "unschedule" | "manual" => Some(Tone::Cyan),
        "skip" | "drop" | "ignore" => Some(Tone::Red),
        _ => None,
    }
}

struct Out<'a> {
    text: String,
    paint: Paint,
    width: usize,
    verbosity: Verbosity,
    overview: &'a Overview<'a>,
    /// Was anything counted rather than listed (then a hint says how to
    /// see it all)?
    collapsed: bool,
    /// Lines written so far.
    lines: usize,
}

impl Out<'_> {
    fn verbose(&self) -> bool {
        self.verbosity == Verbosity::Verbose
    }

    fn quiet(&self) -> bool {
        self.verbosity == Verbosity::Quiet
    }

    fn line(&mut self, text: &str) {
        self.text.push_str(text.trim_end());
        self.text.push('\n');
        self.lines += 1;
    }

    fn blank(&mut self) {
        if !self.text.is_empty() && !self.text.ends_with("\n\n") {
            self.text.push('\n');
            self.lines += 1;
        }
    }

    /// `text` wrapped to the width: the first line at `indent` columns,
    /// the others at `hang`; `tone` colours it all. Returns the lines.
    fn para(&mut self, indent: usize, hang: usize, text: &str, tone: Option<Tone>) -> usize {
        let first = self.width.saturating_sub(indent).max(MIN_WIDTH / 2);
        let rest = self.width.saturating_sub(hang).max(MIN_WIDTH / 2);
        let lines = wrap_hanging(&clean(text), first, rest);
        for (i, line) in lines.iter().enumerate() {
            let at = if i == 0 { indent } else { hang };
            let line = match tone {
                Some(tone) => self.paint.tone(tone, line),
                None => line.clone(),
            };
            self.line(&format!("{}{line}", " ".repeat(at)));
        }
        lines.len()
    }

    /// "error[code]: message", wrapped, with the label coloured.
    fn problem(&mut self, indent: usize, problem: &Problem) -> usize {
        let (label, tone) = match problem.severity {
            Severity::Error => ("error", Tone::Alarm),
            Severity::Warning => ("warning", Tone::Yellow),
        };
        let head = format!("{label}[{}]:", problem.code);
        let text = format!("{head} {}", clean(&problem.message));
        let first = self.width.saturating_sub(indent).max(MIN_WIDTH / 2);
        let rest = self.width.saturating_sub(indent + 2).max(MIN_WIDTH / 2);
        let lines = wrap_hanging(&text, first, rest);
        for (i, line) in lines.iter().enumerate() {
            let line = if i == 0 && line.starts_with(&head) {
                format!("{}{}", self.paint.tone(tone, &head), &line[head.len()..])
            } else {
                line.clone()
            };
            let at = if i == 0 { indent } else { indent + 2 };
            self.line(&format!("{}{line}", " ".repeat(at)));
        }
        lines.len()
    }

    /// A problem several programs share, with how many and which.
    fn shared(&mut self, shared: &overview::Shared) {
        self.problem(INDENT, shared.problem);
        let names = some_names(&shared.programs, FEW_NAMES, self.verbose());
        let text = format!(
            "in {} {}: {names}",
            thousands(shared.programs.len()),
            overview::programs(shared.programs.len())
        );
        self.para(INDENT + 2, INDENT + 4, &text, Some(Tone::Dim));
        if shared.programs.len() > FEW_NAMES + 1 && !self.verbose() {
            self.collapsed = true;
        }
    }

    // ------------------------------------------------------------------
    // 1. Blocked programs first, with their causes.

    fn blocked(&mut self, plan: &Plan) {
        let blocked: Vec<&ProgramPlan> = plan
            .programs
            .iter()
            .filter(|p| p.status == Status::Blocked)
            .collect();
        if blocked.is_empty() {
            return;
        }
        let n = blocked.len();
        let heading = format!(
            "Blocked: {} {} ({})",
            thousands(n),
            overview::programs(n),
            if n == 1 {
                "it will not be imported"
            } else {
                "none of them will be imported"
            }
        );
        self.para(0, 2, &heading, Some(Tone::Alarm));
        let overview = self.overview;
        for shared in overview.shared_of(Severity::Error) {
            self.shared(shared);
        }
        let mut shown = 0;
        let mut hidden: Vec<&ProgramPlan> = Vec::new();
        for program in &blocked {
            let own: Vec<&Problem> = overview.own(program, Severity::Error).collect();
            if own.is_empty() {
                continue;
            }
            if shown >= BLOCKED_SHOWN && !self.verbose() {
                hidden.push(program);
                continue;
            }
            shown += 1;
            let name = self.paint.tone(Tone::Bold, &clean(&program.name));
            self.line(&format!("{}{name}", " ".repeat(INDENT)));
            for problem in own {
                self.problem(INDENT + 2, problem);
            }
            let warnings: Vec<&Problem> = overview.own(program, Severity::Warning).collect();
            if self.verbose() {
                for problem in warnings {
                    self.problem(INDENT + 2, problem);
                }
            } else if !warnings.is_empty() {
                self.collapsed = true;
                let text = format!("and {} warning{}", warnings.len(), plural(warnings.len()));
                self.para(INDENT + 2, INDENT + 2, &text, Some(Tone::Dim));
            }
        }
        if !hidden.is_empty() {
            self.collapsed = true;
            let codes = count_codes(hidden.iter().flat_map(|p| overview.own(p, Severity::Error)));
            let text = format!(
                "… and {} more blocked {}: {codes}",
                thousands(hidden.len()),
                overview::programs(hidden.len())
            );
            self.para(INDENT, INDENT + 2, &text, Some(Tone::Dim));
        }
        self.blank();
    }

    // ------------------------------------------------------------------
    // 2. The programs that will be imported.

    fn columns<'r>(&self, rows: impl Iterator<Item = &'r Row>) -> Columns {
        let (mut action, mut kind, mut name, mut reason) = (0, 0, 0, 0);
        for row in rows {
            action = action.max(width(row.action));
            kind = kind.max(width(row.kind));
            name = name.max(width(&row.name));
            reason = reason.max(width(&row.reason));
        }
        let mut room = self
            .width
            .saturating_sub(INDENT + action + GAP + kind + GAP);
        if room < NARROWEST_NAME {
            // Too narrow for a kind column: the kind goes before the name.
            room = self
                .width
                .saturating_sub(INDENT + action + GAP)
                .max(MIN_WIDTH / 2);
            return Columns {
                action,
                kind: 0,
                name: room,
                reason: None,
            };
        }
        if name + GAP + reason <= room {
            return Columns {
                action,
                kind,
                name,
                reason: Some(reason),
            };
        }
        let name_width = name.min((room * 2 / 5).max(NARROWEST_NAME));
        let reason_width = room.saturating_sub(name_width + GAP);
        if reason_width >= NARROWEST_REASON {
            Columns {
                action,
                kind,
                name: name_width,
                reason: Some(reason_width),
            }
        } else {
            Columns {
                action,
                kind,
                name: room,
                reason: None,
            }
        }
    }

    fn row(&mut self, row: &Row, columns: Columns) {
        let names = if columns.kind == 0 {
            wrap(&format!("{}: {}", row.kind, row.name), columns.name)
        } else {
            wrap(&row.name, columns.name)
        };
        let reasons = match columns.reason {
            Some(w) if !row.reason.is_empty() => wrap(&row.reason, w),
            _ => Vec::new(),
        };
        let lines = names.len().max(reasons.len());
        for i in 0..lines {
            let mut line = " ".repeat(INDENT);
            if i == 0 {
                let cell = pad(row.action, columns.action);
                line.push_str(&match action_tone(row.action) {
                    Some(tone) => self.paint.tone(tone, &cell),
                    None => cell,
                });
                if columns.kind > 0 {
                    line.push_str(&" ".repeat(GAP));
                    line.push_str(&pad(row.kind, columns.kind));
                }
            } else if columns.kind > 0 {
                line.push_str(&" ".repeat(columns.action + GAP + columns.kind));
            } else {
                line.push_str(&" ".repeat(columns.action));
            }
            line.push_str(&" ".repeat(GAP));
            let name = names.get(i).map(String::as_str).unwrap_or("");
            if let Some(reason) = reasons.get(i) {
                line.push_str(&pad(name, columns.name));
                line.push_str(&" ".repeat(GAP));
                line.push_str(&self.paint.tone(Tone::Dim, reason));
            } else {
                line.push_str(name);
            }
            self.line(&line);
        }
        if columns.reason.is_none() && !row.reason.is_empty() {
            // Under the kind: wider than under the name.
            let left = INDENT + columns.action + GAP;
            let room = self.width.saturating_sub(left).max(MIN_WIDTH / 2);
            for line in wrap(&row.reason, room) {
                let line = self.paint.tone(Tone::Dim, &line);
                self.line(&format!("{}{line}", " ".repeat(left)));
            }
        }
    }

    fn imported(&mut self, plan: &Plan) {
        let overview = self.overview;
        let verbose = self.verbose();
        let ok: Vec<&ProgramPlan> = plan
            .programs
            .iter()
            .filter(|p| p.status == Status::Ok)
            .collect();
        // Rows are built for the programs shown (a few screens), and the
        // columns fit them all.
        let mut shown: Vec<(&ProgramPlan, Vec<Row>)> = Vec::new();
        let mut budget = 0;
        for program in &ok {
            if budget >= LINES_SHOWN && !verbose {
                break;
            }
            let rows = if self.quiet() {
                Vec::new()
            } else {
                rows(program, verbose)
            };
            budget += 3 + rows.len() * 2 + overview.own(program, Severity::Warning).count() * 2;
            shown.push((program, rows));
        }
        let columns = self.columns(shown.iter().flat_map(|(_, rows)| rows.iter()));
        let start = self.lines;
        for (i, (program, rows)) in shown.iter().enumerate() {
            if self.lines - start >= LINES_SHOWN && !verbose {
                self.rest(&ok[i..]);
                return;
            }
            let warnings: Vec<&Problem> = overview.own(program, Severity::Warning).collect();
            if self.quiet() && warnings.is_empty() {
                continue;
            }
            self.heading(program);
            for row in rows {
                self.row(row, columns);
            }
            if !self.quiet() && !verbose {
                self.counts(program);
            }
            for problem in warnings {
                self.problem(INDENT, problem);
            }
            self.blank();
        }
        if shown.len() < ok.len() {
            self.rest(&ok[shown.len()..]);
        }
    }

    /// "+ 16 to create: 1 program, 7 tokens; 4 already in the target: …".
    fn counts(&mut self, program: &ProgramPlan) {
        let (created, kinds) = kind_counts(program, is_plain);
        let (kept, kept_kinds) = kind_counts(program, |a| is_routine(a) && !is_plain(a));
        let mut parts = Vec::new();
        if created > 0 {
            parts.push(format!("{} to create: {kinds}", thousands(created)));
        }
        if kept > 0 {
            parts.push(format!(
                "{} already in the target: {kept_kinds}",
                thousands(kept)
            ));
        }
        if let Some(handwork) = handwork_line(program) {
            parts.push(handwork);
        }
        if !parts.is_empty() {
            self.collapsed = true;
            let text = format!("+ {}", parts.join("; "));
            self.para(INDENT, INDENT + 2, &text, Some(Tone::Green));
        }
    }

    /// The programs to import past the first screens, in one line.
    fn rest(&mut self, rest: &[&ProgramPlan]) {
        self.collapsed = true;
        let overview = self.overview;
        let warnings = count_codes(rest.iter().flat_map(|p| overview.own(p, Severity::Warning)));
        let mut text = format!(
            "… and {} more {} to import",
            thousands(rest.len()),
            overview::programs(rest.len())
        );
        if !warnings.is_empty() {
            text.push_str(&format!(", with warnings: {warnings}"));
        }
        self.para(0, 2, &text, Some(Tone::Dim));
        self.blank();
    }

    /// "NAME → FOLDER (as "NEW NAME")".
    fn heading(&mut self, program: &ProgramPlan) {
        let mut text = clean(&program.name);
        if let Some(folder) = overview::folder_of(program) {
            text.push_str(" → ");
            text.push_str(&clean(&folder));
        }
        if let Some(imported_as) = &program.imported_as {
            if imported_as != &program.name {
                text.push_str(&format!(" (as \"{}\")", clean(imported_as)));
            }
        }
        self.para(0, 4, &text, Some(Tone::Bold));
    }

    // ------------------------------------------------------------------
    // 3. Shared warnings; unchanged and skipped programs.

    fn shared_warnings(&mut self) {
        let overview = self.overview;
        let mut any = false;
        for shared in overview.shared_of(Severity::Warning) {
            if !any {
                self.para(0, 2, "Warnings of several programs:", Some(Tone::Yellow));
                any = true;
            }
            self.shared(shared);
        }
        if any {
            self.blank();
        }
    }

    fn others(&mut self, plan: &Plan) {
        for (status, label) in [
            (
                Status::Failed,
                "Failed (what the run created was removed again)",
            ),
            (Status::Unchanged, "Unchanged (already imported)"),
            (Status::Skipped, "Skipped"),
        ] {
            let names: Vec<&str> = plan
                .programs
                .iter()
                .filter(|p| p.status == status)
                .map(|p| p.name.as_str())
                .collect();
            if names.is_empty() {
                continue;
            }
            if names.len() > FEW_NAMES + 1 && !self.verbose() {
                self.collapsed = true;
            }
            let text = format!("{label}: {}", some_names(&names, FEW_NAMES, self.verbose()));
            self.para(0, 2, &text, None);
            // Their problems: why a program failed, and the warnings.
            let overview = self.overview;
            for program in plan.programs.iter().filter(|p| p.status == status) {
                let errors = overview.own(program, Severity::Error);
                for problem in errors.chain(overview.own(program, Severity::Warning)) {
                    self.problem(INDENT, problem);
                }
            }
            self.blank();
        }
    }

    // ------------------------------------------------------------------
    // 4. The summary.

    fn summary(&mut self, plan: &Plan) {
        self.para(0, 2, &summary_line(plan), None);
        let line = overview::plan_line(plan);
        let lines = wrap_hanging(&line, self.width, self.width.saturating_sub(2));
        for (i, text) in lines.iter().enumerate() {
            let text = if i == 0 {
                match text.strip_prefix("Plan:") {
                    Some(rest) => format!("{}{rest}", self.paint.tone(Tone::Bold, "Plan:")),
                    None => text.clone(),
                }
            } else {
                format!("  {text}")
            };
            self.line(&text);
        }
        if self.collapsed {
            self.para(
                0,
                0,
                "Long listings are shortened: --verbose shows every row and name.",
                Some(Tone::Dim),
            );
        }
    }
}

/// Wrap with a first line of `first` columns and the others of `rest`.
fn wrap_hanging(text: &str, first: usize, rest: usize) -> Vec<String> {
    let mut lines = wrap(text, first);
    if lines.len() > 1 && rest != first {
        let head = lines.remove(0);
        let tail = lines.join(" ");
        lines = vec![head];
        lines.extend(wrap(&tail, rest));
    }
    lines
}

/// "780 program-exists, 3 missing-field": problems counted per code,
/// most frequent first.
fn count_codes<'a>(problems: impl Iterator<Item = &'a Problem>) -> String {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for problem in problems {
        match counts.iter_mut().find(|(c, _)| *c == problem.code.as_str()) {
            Some((_, n)) => *n += 1,
            None => counts.push((problem.code.as_str(), 1)),
        }
    }
    counts.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
    counts
        .iter()
        .map(|(code, n)| format!("{} {code}", thousands(*n)))
        .collect::<Vec<_>>()
        .join(", ")
}
