//! Rendering the history of a target: `mkimport log` (a table, or
//! `{"imports": [...]}`) and the report of `mkimport undo` (which is also
//! the undo's receipt).

use std::fmt::Write as _;

use serde_json::{json, Map, Value};

use super::report::{stamp_keys, REPORT_VERSION};
use super::text::{clean, fitted_table, wrap, Fit};
use crate::history::{
    FileAction, History, Receipt, RemoteAction, RemoteKind, Stamp, UndoPlan, UNDO,
};
use crate::plan::Problem;

/// Names of the programs shown per import in the table; the others are
/// counted.
const SHOWN_PROGRAMS: usize = 3;

/// One import of `log --json`.
fn entry(history: &History, receipt: &Receipt) -> Value {
    let programs: Vec<&str> = receipt
        .written_programs()
        .map(|p| p.target_name())
        .collect();
    let mut map = Map::new();
    map.insert("import_id".into(), json!(receipt.import_id));
    map.insert("mode".into(), json!(receipt.mode));
    map.insert("started_at".into(), json!(receipt.started_at));
    map.insert("user".into(), json!(receipt.user));
    map.insert("source".into(), json!(receipt.source));
    map.insert("programs".into(), json!(programs));
    map.insert("summary".into(), receipt.summary.clone());
    map.insert("sequence".into(), json!(receipt.sequence));
    let undone_by = history.undone_by(receipt);
    map.insert("undone".into(), json!(undone_by.is_some()));
    if let Some(undo) = undone_by {
        map.insert("undone_by".into(), json!(undo.import_id));
    }
    if let Some(undoes) = &receipt.undoes {
        map.insert("undoes".into(), json!(undoes));
    }
    let manual = receipt.manual();
    if !manual.is_empty() {
        // A live instance: what is left to do by hand.
        let rows: Vec<Value> = manual
            .iter()
            .map(|(program, kind, name, reason)| {
                json!({"program": program, "kind": kind, "name": name, "reason": reason})
            })
            .collect();
        map.insert("manual".into(), Value::Array(rows));
    }
    Value::Object(map)
}

/// `log --json`: `{"imports": [...]}`, newest first.
pub fn log_json(history: &History) -> Value {
    let imports: Vec<Value> = history
        .receipts
        .iter()
        .rev()
        .map(|r| entry(history, r))
        .collect();
    json!({ "imports": imports })
}

/// The counts of a run's summary that are not zero ("3 ok, 1 blocked"),
/// or what an undo took back.
fn counts(receipt: &Receipt) -> String {
    let number = |key: &str| receipt.summary[key].as_u64().unwrap_or(0);
    if receipt.mode == UNDO {
        let programs = number("programs");
        return format!(
            "{programs} program{} removed, {} file{} removed, {} restored",
            plural(programs),
            number("removed"),
            plural(number("removed")),
            number("restored"),
        );
    }
    let mut parts: Vec<String> = ["ok", "blocked", "unchanged", "skipped", "failed"]
        .iter()
        .filter(|k| number(k) > 0)
        .map(|k| format!("{} {k}", number(k)))
        .collect();
    let manual = receipt.manual().len();
    if manual > 0 {
        parts.push(format!("{manual} to do by hand (`log --json`)"));
    }
    if parts.is_empty() {
        "nothing imported".to_string()
    } else {
        parts.join(", ")
    }
}

fn plural(n: u64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// The human `log`: one row per import or undo, newest first. In a
/// pipe ([`Fit::Records`]) one line per entry, with every program's
/// name; on a terminal a table, or blocks when it is narrow.
pub fn log_table(history: &History, target: &str, fit: Fit) -> String {
    if history.is_empty() {
        return format!("No imports yet into {target}.\n");
    }
    let mut rows = vec![[
        "import",
        "time (UTC)",
        "user",
        "source",
        "result",
        "programs",
    ]
    .map(String::from)
    .to_vec()];
    for receipt in history.receipts.iter().rev() {
        let names: Vec<&str> = receipt
            .written_programs()
            .map(|p| p.target_name())
            .collect();
        let programs = match fit {
            // Every name, to grep.
            Fit::Records => names.join(", "),
            Fit::Columns(_) => {
                let mut shown = names
                    .iter()
                    .take(SHOWN_PROGRAMS)
                    .copied()
                    .collect::<Vec<_>>()
                    .join("\n");
                if names.len() > SHOWN_PROGRAMS {
                    let _ = write!(shown, "\n… and {} more", names.len() - SHOWN_PROGRAMS);
                }
                shown
            }
        };
        let mut result = counts(receipt);
        if let Some(undoes) = &receipt.undoes {
            result = format!("undo of {undoes}\n{result}");
        }
        if let Some(undo) = history.undone_by(receipt) {
            let _ = write!(result, "\nUNDONE by {}", undo.import_id);
        }
        rows.push(vec![
            receipt.import_id.clone(),
            receipt
                .started_at
                .as_deref()
                .map(|t| t.replace('T', " ").trim_end_matches('Z').to_string())
                .unwrap_or_else(|| "-".into()),
            receipt.user.clone().unwrap_or_else(|| "-".into()),
            receipt.source.clone().unwrap_or_else(|| "-".into()),
            result,
            // Last: in a pipe the longest value, and it pushes nothing.
            programs,
        ]);
    }
    let table = fitted_table(&rows, fit);
    if fit == Fit::Records {
        return format!("{table}\n");
    }
    let n = history.receipts.len();
    let trailer = format!(
        "{n} entr{} in {target}, newest first; take an import back with `mkimport undo ID --to {target}`.",
        if n == 1 { "y" } else { "ies" }
    );
    format!("{table}\n{}\n", fit.lines(&clean(&trailer)).join("\n"))
}

/// What an undo ends as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UndoStatus {
    /// Done: the target is as before the import.
    Undone,
    /// Nothing to do: the latest word on the import is an undo.
    AlreadyUndone,
    /// Stale: nothing was written.
    Refused,
}

impl UndoStatus {
    fn as_str(self) -> &'static str {
        match self {
            UndoStatus::Undone => "undone",
            UndoStatus::AlreadyUndone => "already-undone",
            UndoStatus::Refused => "refused",
        }
    }
}

/// Everything the report of one undo shows.
pub struct UndoView<'a> {
    pub status: UndoStatus,
    /// The import taken back.
    pub import: &'a Receipt,
    /// What the undo does (did, or would have done).
    pub plan: Option<&'a UndoPlan>,
    /// The undo's id, when it landed.
    pub undo_id: Option<&'a str>,
    /// When it landed.
    pub stamp: Option<&'a Stamp>,
    /// The earlier undo, when there is nothing to do.
    pub undone_by: Option<&'a Receipt>,
    pub target: &'a str,
    pub problems: &'a [Problem],
}

/// The report of an undo; when it landed, this is its receipt.
pub fn undo_report(view: &UndoView) -> Value {
    let import = view.import;
    let mut map = Map::new();
    map.insert("mkimport".into(), json!(REPORT_VERSION));
    map.insert("mode".into(), json!(UNDO));
    map.insert("import_id".into(), json!(view.undo_id));
    map.insert("undoes".into(), json!(import.import_id));
    map.insert("status".into(), json!(view.status.as_str()));
    map.insert("source".into(), json!(import.source));
    map.insert("target".into(), json!(view.target));
    let programs: Vec<Value> = import
        .written_programs()
        .map(|p| json!({"name": p.name, "imported_as": p.target_name()}))
        .collect();
    let empty = UndoPlan::default();
    let plan = view.plan.unwrap_or(&empty);
    let (removed_programs, removed, restored) = taken_back(plan);
    map.insert("programs".into(), json!(programs));
    map.insert("files".into(), json!(plan.files));
    map.insert("removed_dirs".into(), json!(plan.removed_dirs));
    if import.instance_assets.is_some() {
        map.insert("instance_assets".into(), json!(plan.remote));
    }
    let mut summary = json!({
        "programs": removed_programs,
        "removed": removed,
        "restored": restored,
    });
    if import.instance_assets.is_some() {
        // Files a live instance keeps: its API cannot delete them.
        summary["kept"] = json!(kept(plan));
    }
    map.insert("summary".into(), summary);
    if !view.problems.is_empty() {
        map.insert("problems".into(), json!(view.problems));
    }
    if let Some(earlier) = view.undone_by {
        map.insert("undone_by".into(), json!(earlier.import_id));
    }
    if let (Some(stamp), Some(plan)) = (view.stamp, view.plan) {
        for (key, value) in stamp_keys(stamp) {
            map.insert(key.into(), value);
        }
        map.insert("target_state".into(), json!(plan.target_state));
    }
    Value::Object(map)
}

/// What an undo takes back: (programs removed, files or assets removed,
/// restored).
fn taken_back(plan: &UndoPlan) -> (usize, usize, usize) {
    let programs = plan
        .files
        .iter()
        .filter(|f| f.action == FileAction::Remove && f.path.ends_with("/program.json"))
        .count()
        + plan
            .remote
            .iter()
            .filter(|r| r.kind == RemoteKind::Program && r.action == RemoteAction::Remove)
            .count();
    let remote = |action| {
        plan.remote
            .iter()
            .filter(|r| r.action == action && r.kind.deletable())
            .count()
    };
    (
        programs,
        plan.count(FileAction::Remove) + remote(RemoteAction::Remove),
        plan.count(FileAction::Restore) + remote(RemoteAction::Restore),
    )
}

/// The assets of a live instance an undo cannot delete (files: the API
/// has no call for it).
fn kept(plan: &UndoPlan) -> usize {
    plan.remote
        .iter()
        .filter(|r| r.action == RemoteAction::Remove && !r.kind.deletable())
        .count()
}

/// What an undo will do, for a person, before asking.
pub fn undo_plan_text(import: &Receipt, plan: &UndoPlan, width: usize) -> String {
    let mut out = String::new();
    let when = import.started_at.as_deref().unwrap_or("at an unknown time");
    let who = import
        .user
        .as_deref()
        .map(|u| format!(" by {u}"))
        .unwrap_or_default();
    let from = import
        .source
        .as_deref()
        .map(|s| format!(", from {s}"))
        .unwrap_or_default();
    let heading = format!("Undo import {} ({when}{who}{from}):", import.import_id);
    for line in wrap(&clean(&heading), width) {
        let _ = writeln!(out, "{line}");
    }
    let mut shown_dirs = Vec::new();
    for file in &plan.files {
        if let Some(dir) = plan
            .removed_dirs
            .iter()
            .find(|d| file.path.starts_with(&format!("{d}/")))
        {
            if !shown_dirs.contains(&dir) {
                shown_dirs.push(dir);
                let _ = writeln!(out, "  remove   {dir}/");
            }
            continue;
        }
        let verb = match file.action {
            FileAction::Restore => "restore",
            _ => "remove ",
        };
        let _ = writeln!(out, "  {verb}  {}", file.path);
    }
    for record in &plan.remote {
        let (verb, why) = match record.action {
            RemoteAction::Restore => ("restore", ""),
            _ if !record.kind.deletable() => ("keep   ", ": Marketo's API cannot delete files"),
            _ => ("delete ", ""),
        };
        let _ = writeln!(out, "  {verb}  {record}{why}");
    }
    if plan.files.is_empty() && plan.remote.is_empty() {
        let _ = writeln!(
            out,
            "  (the import wrote nothing; only its undo is recorded)"
        );
    }
    out
}

/// The one-line outcome of an undo that landed.
pub fn undone_line(view: &UndoView, receipt_path: &str, width: usize) -> String {
    let empty = UndoPlan::default();
    let plan = view.plan.unwrap_or(&empty);
    let (programs, removed, restored) = taken_back(plan);
    let what = if plan.remote.is_empty() {
        "file"
    } else {
        "asset"
    };
    let kept = match kept(plan) {
        0 => String::new(),
        n => format!(", {n} file{} kept", plural(n as u64)),
    };
    let done = format!(
        "Undid import {} in {}: {programs} program{} removed, {removed} {what}{} removed, {restored} restored{kept}.",
        view.import.import_id,
        view.target,
        plural(programs as u64),
        plural(removed as u64),
    );
    // The receipt's path on a line of its own, whole (to copy).
    format!(
        "{}\nreceipt {receipt_path}\n",
        wrap(&clean(&done), width).join("\n")
    )
}
