//! Rendering a plan: the JSON report of spec section 5, and the table a
//! person reads.

use std::fmt::Write as _;

use serde_json::{json, Value};
use tabled::builder::Builder;
use tabled::settings::object::Columns;
use tabled::settings::{Style, Width};

/// Width of the reason column in the table.
const REASON_WIDTH: usize = 44;

use crate::plan::{Plan, ProgramPlan, Severity, Status};

/// Version of the report format.
pub const REPORT_VERSION: u64 = 1;

/// Where the plan came from and what it is for.
#[derive(Debug, Clone)]
pub struct Context {
    /// "preview" or "run".
    pub mode: &'static str,
    pub import_id: Option<String>,
    pub source: String,
    pub target: String,
}

pub fn status_str(status: Status) -> &'static str {
    match status {
        Status::Ok => "ok",
        Status::Blocked => "blocked",
        Status::Unchanged => "unchanged",
        Status::Skipped => "skipped",
    }
}

fn program_value(program: &ProgramPlan) -> Value {
    json!({
        "name": program.name,
        "bundle": program.bundle,
        "status": status_str(program.status),
        "imported_as": program.imported_as,
        "assets": program.assets,
        "problems": program.problems,
    })
}

/// The JSON report. Maps are sorted (serde_json's default map), so the
/// output is deterministic.
pub fn report(plan: &Plan, context: &Context) -> Value {
    let errors: usize = plan.programs.iter().map(ProgramPlan::errors).sum();
    let warnings: usize = plan.programs.iter().map(ProgramPlan::warnings).sum();
    json!({
        "mkimport": REPORT_VERSION,
        "mode": context.mode,
        "import_id": context.import_id,
        "source": context.source,
        "target": context.target,
        "folder": plan.folder,
        "rules": plan.rules.to_map(),
        "programs": plan.programs.iter().map(program_value).collect::<Vec<_>>(),
        "summary": {
            "programs": plan.programs.len(),
            "ok": plan.count(Status::Ok),
            "blocked": plan.count(Status::Blocked),
            "unchanged": plan.count(Status::Unchanged),
            "skipped": plan.count(Status::Skipped),
            "errors": errors,
            "warnings": warnings,
        },
    })
}

/// Pretty JSON with a final newline.
pub fn to_json_text(value: &Value) -> String {
    let mut text = serde_json::to_string_pretty(value).expect("a Value always serialises");
    text.push('\n');
    text
}

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
                asset.kind,
                asset.name.as_str(),
                asset.action.as_str(),
                asset.result_name.as_str(),
                asset.reason.as_str(),
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
