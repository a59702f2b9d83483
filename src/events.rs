//! `--events`: an NDJSON stream on standard output for long runs: one
//! event per program and per asset action, one per file written (in
//! `run`), then the summary. Each line is a JSON object with an `event`
//! key; keys are sorted.

use std::io::Write;

use serde_json::{json, Value};

use crate::plan::Plan;

/// Print one event as a line, flushed at once so a pipe sees it.
pub fn emit(event: &Value) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{event}");
    let _ = out.flush();
}

/// The program and asset events of a plan, in plan order.
pub fn emit_plan(plan: &Plan, report: &Value) {
    let programs = report["programs"].as_array().cloned().unwrap_or_default();
    for (program, value) in plan.programs.iter().zip(programs) {
        let mut event = value.clone();
        if let Value::Object(map) = &mut event {
            map.remove("assets");
            map.insert("event".into(), json!("program"));
        }
        emit(&event);
        for asset in &program.assets {
            let mut event = serde_json::to_value(asset).expect("an asset action serialises");
            if let Value::Object(map) = &mut event {
                map.insert("event".into(), json!("asset"));
                map.insert("program".into(), json!(program.name));
            }
            emit(&event);
        }
    }
}

/// A file moved into place by `run`.
pub fn emit_write(owner: &str, path: &str) {
    emit(&json!({"event": "write", "program": owner, "path": path}));
}

/// The closing summary, with the import id (null in a preview).
pub fn emit_summary(report: &Value) {
    let mut event = report["summary"].clone();
    if let Value::Object(map) = &mut event {
        map.insert("event".into(), json!("summary"));
        map.insert("import_id".into(), report["import_id"].clone());
        map.insert("mode".into(), report["mode"].clone());
        if let Some(problems) = report.get("problems") {
            map.insert("problems".into(), problems.clone());
        }
    }
    emit(&event);
}
