//! The human view of a plan: a table of asset actions, the problems
//! grouped by program, and a summary line.

use std::fmt::Write as _;

use tabled::builder::Builder;
use tabled::settings::object::Columns;
use tabled::settings::{Style, Width};

use super::report::status_str;
use crate::plan::{Plan, ProgramPlan, Severity, Status};

/// Width of the reason column in the table.
const REASON_WIDTH: usize = 44;

/// The human view: one row per asset action, the problems grouped by
/// program, and a summary line.
pub fn table(plan: &Plan) -> String {
    let mut out = String::new();
    let mut builder = Builder::new();
    builder.push_record(["program", "kind", "name", "action", "result name", "reason"]);
    let mut rows = 0;
    for program in &plan.programs {
        for asset in &program.assets {
            builder.push_record([
                program.name.as_str(),
                asset.kind.as_str(),
                asset.name.as_str(),
                asset.action.as_str(),
                asset.result_name.as_str(),
                asset.reason.as_ref(),
            ]);
            rows += 1;
        }
    }
    if rows > 0 {
        let mut table = builder.build();
        table.with(Style::sharp());
        // Keep long reasons from pushing the table off a normal terminal.
        table.modify(Columns::one(5), Width::wrap(REASON_WIDTH).keep_words(true));
        let _ = writeln!(out, "{table}");
    }
    for program in &plan.programs {
        if program.problems.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "\n{} [{}] ({})",
            program.name,
            status_str(program.status),
            program.bundle
        );
        for problem in &program.problems {
            let tag = match problem.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            };
            let _ = writeln!(out, "  {tag}[{}]: {}", problem.code, problem.message);
        }
    }
    let _ = writeln!(out, "\n{}", summary_line(plan));
    out
}

/// "3 programs: 1 ok, 1 blocked, 0 unchanged, 1 skipped; 2 errors, 5 warnings"
pub fn summary_line(plan: &Plan) -> String {
    let errors: usize = plan.programs.iter().map(ProgramPlan::errors).sum();
    let warnings: usize = plan.programs.iter().map(ProgramPlan::warnings).sum();
    format!(
        "{} program{}: {} ok, {} blocked, {} unchanged, {} skipped; {} error{}, {} warning{}",
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
