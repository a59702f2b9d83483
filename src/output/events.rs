//! `--events`: an NDJSON stream on standard output for long runs: one
//! event per program and per asset action, one per file written (in
//! `run`), then the summary. Each line is a JSON object with an `event`
//! key; keys are sorted.

use std::io::Write;

use serde_json::{json, Value};

use super::report::{ProgramView, ReportView};
use crate::plan::Plan;

/// Print one event as a line, flushed at once so a pipe sees it.
pub fn emit(event: &Value) -> anyhow::Result<()> {
    let mut out = super::console::Stdout;
    writeln!(out, "{event}")
        .and_then(|()| out.flush())
        .map_err(super::console::stdout_error)
}

/// The program and asset events of a plan, in plan order.
pub fn emit_plan(plan: &Plan) -> anyhow::Result<()> {
    for program in &plan.programs {
        let mut event = serde_json::to_value(ProgramView(program)).expect("a program serialises");
        if let Value::Object(map) = &mut event {
            map.remove("assets");
            map.insert("event".into(), json!("program"));
        }
        emit(&event)?;
        for asset in &program.assets {
            let mut event = serde_json::to_value(asset).expect("an asset action serialises");
            if let Value::Object(map) = &mut event {
                map.insert("event".into(), json!("asset"));
                map.insert("program".into(), json!(program.name));
            }
            emit(&event)?;
        }
    }
    Ok(())
}

/// A file moved into place by `run`.
pub fn emit_write(owner: &str, path: &str) -> anyhow::Result<()> {
    emit(&json!({"event": "write", "program": owner, "path": path}))
}

/// The closing summary, with the import id (null in a preview) and the
/// problems of the whole run, if any.
pub fn emit_summary(view: &ReportView) -> anyhow::Result<()> {
    let mut event = json!({
        "event": "summary",
        "import_id": view.context.import_id,
        "mode": view.context.mode,
    });
    let summary =
        serde_json::to_value(super::report::summary(view.plan, view.problems, view.calls))
            .expect("a summary serialises");
    if let (Value::Object(map), Value::Object(counts)) = (&mut event, summary) {
        map.extend(counts);
        if !view.problems.is_empty() {
            map.insert("problems".into(), json!(view.problems));
        }
    }
    emit(&event)
}
