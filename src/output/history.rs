//! Rendering an undo: what `mkimport undo` will do, its report (which is
//! also the undo's receipt) and its outcome. (`mkimport log` is
//! [`super::log`].)

use std::fmt::Write as _;

use serde_json::{json, Map, Value};

use super::report::{stamp_keys, REPORT_VERSION};
use super::text::{clean, wrap};
use crate::history::{FileAction, Receipt, RemoteAction, RemoteKind, Stamp, UndoPlan, UNDO};
use crate::plan::Problem;

fn plural(n: u64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
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
