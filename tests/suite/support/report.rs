//! Reading mkimport's JSON report: programs, their asset rows and their
//! problems.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use super::shown;

/// The report's program entry named `name`.
#[track_caller]
pub fn report_program<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["programs"]
        .as_array()
        .expect("programs array")
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("no program {name:?} in the report:\n{report:#}"))
}

/// The report's entry for the program read from this bundle.
#[track_caller]
pub fn program_in<'a>(report: &'a Value, bundle: &Path) -> &'a Value {
    let label = shown(bundle);
    report["programs"]
        .as_array()
        .expect("programs")
        .iter()
        .find(|p| p["bundle"] == label.as_str())
        .unwrap_or_else(|| panic!("no program from {label} in the report:\n{report:#}"))
}

/// Program name → status, from a report.
pub fn statuses(report: &Value) -> BTreeMap<String, String> {
    report["programs"]
        .as_array()
        .expect("programs array")
        .iter()
        .map(|p| {
            (
                p["name"].as_str().expect("name").to_string(),
                p["status"].as_str().expect("status").to_string(),
            )
        })
        .collect()
}

/// The asset row of `program` with this kind and name.
#[track_caller]
pub fn asset<'a>(program: &'a Value, kind: &str, name: &str) -> &'a Value {
    program["assets"]
        .as_array()
        .expect("assets")
        .iter()
        .find(|a| a["kind"] == kind && a["name"] == name)
        .unwrap_or_else(|| panic!("no {kind} {name:?} among the assets: {program:#}"))
}

/// The asset rows of `program` with this kind.
pub fn assets_of<'a>(program: &'a Value, kind: &str) -> Vec<&'a Value> {
    program["assets"]
        .as_array()
        .expect("assets")
        .iter()
        .filter(|a| a["kind"] == kind)
        .collect()
}

/// (action, result_name, reason) of an asset row.
#[track_caller]
pub fn outcome_of(program: &Value, kind: &str, name: &str) -> (String, String, String) {
    let a = asset(program, kind, name);
    (
        a["action"].as_str().expect("action").to_string(),
        a["result_name"].as_str().expect("result_name").to_string(),
        a["reason"].as_str().expect("reason").to_string(),
    )
}

/// (action, result_name) of an asset row.
#[track_caller]
pub fn action_result(program: &Value, kind: &str, name: &str) -> (String, String) {
    let (action, result, _) = outcome_of(program, kind, name);
    (action, result)
}

/// An (action, result_name) pair, to compare with [`action_result`].
pub fn pair(action: &str, result: &str) -> (String, String) {
    (action.to_string(), result.to_string())
}

/// The problems of `program`.
fn problems_of(program: &Value) -> &Vec<Value> {
    program["problems"].as_array().expect("problems")
}

/// The problem codes of `program`, in report order.
pub fn codes(program: &Value) -> Vec<String> {
    problems_of(program)
        .iter()
        .map(|p| p["code"].as_str().expect("code").to_string())
        .collect()
}

/// The problems of `program` with this code.
pub fn problems<'a>(program: &'a Value, code: &str) -> Vec<&'a Value> {
    problems_of(program)
        .iter()
        .filter(|p| p["code"] == code)
        .collect()
}

/// The codes of the problems of `program` with this severity.
fn codes_of(program: &Value, severity: &str) -> Vec<String> {
    problems_of(program)
        .iter()
        .filter(|p| p["severity"] == severity)
        .map(|p| p["code"].as_str().expect("code").to_string())
        .collect()
}

/// The error codes (severity "error") of `program`.
pub fn errors(program: &Value) -> Vec<String> {
    codes_of(program, "error")
}

/// The warning codes (severity "warning") of `program`.
pub fn warnings(program: &Value) -> Vec<String> {
    codes_of(program, "warning")
}

/// The messages of the problems of `program` with this code.
pub fn messages(program: &Value, code: &str) -> Vec<String> {
    problems(program, code)
        .iter()
        .map(|p| p["message"].as_str().expect("message").to_string())
        .collect()
}

/// Every problem anywhere in a report (top level or per program).
pub fn all_problems(report: &Value) -> Vec<Value> {
    fn walk(value: &Value, out: &mut Vec<Value>) {
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    if k == "problems" {
                        if let Value::Array(list) = v {
                            out.extend(list.iter().cloned());
                        }
                    }
                    walk(v, out);
                }
            }
            Value::Array(list) => list.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(report, &mut out);
    out
}

/// Is there a problem with this code anywhere in the report?
pub fn has_problem(report: &Value, code: &str) -> bool {
    all_problems(report).iter().any(|p| p["code"] == code)
}

/// A bad-input bundle, as the report shows it: blocked, with a `bad-input`
/// error whose message names the bundle and every `needles`.
#[track_caller]
pub fn assert_bad_input(report: &Value, bundle: &Path, needles: &[&str]) {
    let program = program_in(report, bundle);
    assert_eq!(program["status"], "blocked", "{program:#}");
    let problem = problems(program, "bad-input")
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("no bad-input problem: {program:#}"));
    assert_eq!(problem["severity"], "error");
    let message = problem["message"].as_str().expect("message");
    assert!(message.contains(&shown(bundle)), "{message}");
    for needle in needles {
        assert!(message.contains(needle), "{message:?} lacks {needle:?}");
    }
}

/// Does `text` name this JSON line and column ("L:C", or "line L ... column C")?
pub fn names_position(text: &str, line: usize, column: usize) -> bool {
    if text.contains(&format!(":{line}:{column}")) {
        return true;
    }
    let lower = text.to_lowercase();
    lower
        .find(&format!("line {line}"))
        .is_some_and(|at| lower[at..].contains(&format!("column {column}")))
}
