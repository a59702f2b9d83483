//! Rendering a plan: the JSON report of spec section 5, and the table a
//! person reads.

use std::collections::BTreeMap;
use std::io::Write;

use crate::plan::{Plan, Problem, ProgramPlan, Severity, Status};
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
use serde_json::Value;

/// Version of the report format.
pub const REPORT_VERSION: u64 = 1;

/// What a report is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    Preview,
    Run,
}

/// Where the plan came from and what it is for.
#[derive(Debug, Clone)]
pub struct Context {
    pub mode: Mode,
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
        Status::Failed => "failed",
    }
}

/// The JSON report of a plan (spec section 5), serialised straight to a
/// writer with sorted keys: a report of thousands of programs is never
/// built as one big value in memory.
pub struct ReportView<'a> {
    pub plan: &'a Plan,
    pub context: &'a Context,
    /// Problems of the whole run (`stale-plan`, `notify-failed`); the key
    /// is left out when there are none.
    pub problems: &'a [Problem],
    /// The inputs a saved plan file records (`preview --out` only).
    pub inputs: Option<&'a Value>,
    /// More top-level keys, merged in sorted order.
    pub extra: BTreeMap<&'static str, Value>,
    /// A receipt's keys (see [`ReceiptKeys`]).
    pub receipt: Option<ReceiptKeys<'a>>,
    /// Leave out where the plan came from (the source, the target and each
    /// bundle's path): what the import id digests, so that it does not
    /// depend on how a path was spelled.
    pub anonymous: bool,
    /// The API calls of a live instance (spec 11, 13): `summary.calls`,
    /// `summary.calls_estimate`, `summary.calls_used_today`.
    pub calls: Option<Calls>,
}

/// The API calls of a command against a live instance.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Calls {
    /// Sent so far (for a run: every call it sent).
    pub made: u64,
    /// What the run takes in all, reading included (spec 13): never below
    /// what it then sends, unless the instance makes it retry.
    pub estimate: Option<u64>,
    /// Calls the instance counted today before this command, when it says
    /// (`GET /rest/v1/stats/usage.json`).
    pub used_today: Option<u64>,
}

impl<'a> ReportView<'a> {
    pub fn new(plan: &'a Plan, context: &'a Context) -> Self {
        ReportView {
            plan,
            context,
            problems: &[],
            inputs: None,
            extra: BTreeMap::new(),
            receipt: None,
            anonymous: false,
            calls: None,
        }
    }
}

/// The keys a receipt has beyond the report (spec section 9): the
/// target's digest before and after (`target_state`, by which `run --plan`
/// knows a plan that already landed), when, by whom and with which
/// mkimport (`started_at`, `user`, `mkimport_version`), its place in the
/// target's history (`sequence`), and every file written (`files`) and
/// directory created (`created_dirs`). Serialised from what they borrow:
/// the list of files of a large import is never copied into a value.
#[derive(Clone, Copy)]
pub struct ReceiptKeys<'a> {
    /// The target's digest before the import.
    pub before: &'a str,
    pub stamp: &'a crate::history::Stamp,
    pub landed: &'a crate::apply::Landed,
}

/// A top-level value of a report, owned or borrowed.
enum Entry<'a> {
    Owned(Value),
    Borrowed(&'a Value),
    Files(&'a [crate::history::FileRecord]),
    Remote(&'a [crate::history::RemoteRecord]),
    Texts(&'a [String]),
    Programs,
}

#[derive(Serialize)]
pub struct Summary {
    blocked: usize,
    /// API calls made, against a live instance only.
    #[serde(skip_serializing_if = "Option::is_none")]
    calls: Option<u64>,
    /// The calls a run takes in all (a live instance).
    #[serde(skip_serializing_if = "Option::is_none")]
    calls_estimate: Option<u64>,
    /// The calls the instance counted today before this command.
    #[serde(skip_serializing_if = "Option::is_none")]
    calls_used_today: Option<u64>,
    errors: usize,
    /// Only when some program failed (a live instance).
    #[serde(skip_serializing_if = "is_zero")]
    failed: usize,
    ok: usize,
    programs: usize,
    skipped: usize,
    unchanged: usize,
    warnings: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

pub fn summary(plan: &Plan, extra: &[Problem], calls: Option<Calls>) -> Summary {
    let errors: usize = plan.programs.iter().map(ProgramPlan::errors).sum();
    let warnings: usize = plan.programs.iter().map(ProgramPlan::warnings).sum();
    let extra_errors = extra
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .count();
    Summary {
        blocked: plan.count(Status::Blocked),
        calls: calls.map(|c| c.made),
        calls_estimate: calls.and_then(|c| c.estimate),
        calls_used_today: calls.and_then(|c| c.used_today),
        errors: errors + extra_errors,
        failed: plan.count(Status::Failed),
        ok: plan.count(Status::Ok),
        programs: plan.programs.len(),
        skipped: plan.count(Status::Skipped),
        unchanged: plan.count(Status::Unchanged),
        warnings: warnings + extra.len() - extra_errors,
    }
}

/// One program of the report, keys sorted.
pub struct ProgramView<'a>(pub &'a ProgramPlan);

impl Serialize for ProgramView<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.serialize_with(serializer, true)
    }
}

impl ProgramView<'_> {
    fn serialize_with<S: Serializer>(
        &self,
        serializer: S,
        bundle: bool,
    ) -> Result<S::Ok, S::Error> {
        let p = self.0;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("assets", &p.assets)?;
        if bundle {
            map.serialize_entry("bundle", &p.bundle)?;
            if let Some(calls) = p.calls {
                map.serialize_entry("calls_estimate", &calls)?;
            }
        } else {
            map.serialize_entry("bundle_digest", &p.bundle_digest)?;
        }
        map.serialize_entry("imported_as", &p.imported_as)?;
        map.serialize_entry("name", &p.name)?;
        map.serialize_entry("problems", &p.problems)?;
        map.serialize_entry("status", status_str(p.status))?;
        map.end()
    }
}

struct Programs<'a> {
    programs: &'a [ProgramPlan],
    anonymous: bool,
}

struct AnonymousProgram<'a>(&'a ProgramPlan);

impl Serialize for AnonymousProgram<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        ProgramView(self.0).serialize_with(serializer, false)
    }
}

impl Serialize for Programs<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.anonymous {
            serializer.collect_seq(self.programs.iter().map(AnonymousProgram))
        } else {
            serializer.collect_seq(self.programs.iter().map(ProgramView))
        }
    }
}

impl Serialize for ReportView<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // Every key, sorted; `programs` streams in its place.
        let mut keys: BTreeMap<&str, Entry> = self
            .extra
            .iter()
            .map(|(k, v)| (*k, Entry::Borrowed(v)))
            .collect();
        let mut put = |key: &'static str, value: Value| {
            keys.insert(key, Entry::Owned(value));
        };
        put("folder", to_value(&self.plan.folder));
        put("import_id", to_value(&self.context.import_id));
        put("mkimport", Value::from(REPORT_VERSION));
        put("mode", to_value(&self.context.mode));
        if !self.problems.is_empty() {
            put("problems", to_value(&self.problems));
        }
        put("rules", to_value(&self.plan.rules.to_map()));
        put(
            "summary",
            to_value(&summary(self.plan, self.problems, self.calls)),
        );
        if !self.anonymous {
            put("source", Value::from(self.context.source.as_str()));
            put("target", Value::from(self.context.target.as_str()));
        }
        if let Some(receipt) = &self.receipt {
            for (key, value) in stamp_keys(receipt.stamp) {
                put(key, value);
            }
            put(
                "target_state",
                serde_json::json!({"before": receipt.before, "after": receipt.landed.target_after}),
            );
            keys.insert("files", Entry::Files(&receipt.landed.files));
            keys.insert("created_dirs", Entry::Texts(&receipt.landed.created_dirs));
            if let Some(remote) = &receipt.landed.remote {
                keys.insert("instance_assets", Entry::Remote(remote));
            }
        }
        if let Some(inputs) = self.inputs {
            keys.insert("plan", Entry::Borrowed(inputs));
        }
        keys.insert("programs", Entry::Programs);
        let mut map = serializer.serialize_map(Some(keys.len()))?;
        for (key, value) in &keys {
            match value {
                Entry::Owned(value) => map.serialize_entry(key, value)?,
                Entry::Borrowed(value) => map.serialize_entry(key, value)?,
                Entry::Files(files) => map.serialize_entry(key, files)?,
                Entry::Remote(records) => map.serialize_entry(key, records)?,
                Entry::Texts(texts) => map.serialize_entry(key, texts)?,
                Entry::Programs => map.serialize_entry(
                    key,
                    &Programs {
                        programs: &self.plan.programs,
                        anonymous: self.anonymous,
                    },
                )?,
            }
        }
        map.end()
    }
}

/// One of the small parts of a report as a value.
fn to_value<T: Serialize + ?Sized>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// Write the report, pretty-printed with a final newline.
pub fn write_report(out: &mut dyn Write, view: &ReportView) -> std::io::Result<()> {
    let mut serializer =
        serde_json::Serializer::with_formatter(&mut *out, serde_json::ser::PrettyFormatter::new());
    view.serialize(&mut serializer)
        .map_err(std::io::Error::from)?;
    out.write_all(b"\n")
}

/// The report as a value, for callers that inspect or extend it (small
/// reports: events, saved-plan checks).
pub fn report(plan: &Plan, context: &Context) -> Value {
    serde_json::to_value(ReportView::new(plan, context)).expect("a report always serialises")
}

/// Print the report on standard output through a buffer.
pub fn print_report(view: &ReportView) -> anyhow::Result<()> {
    super::console::print_with(|out| write_report(out, view))
}

/// The import id: a digest of the plan's report and of the target state
/// it was computed from. Where the plan came from (the source, the target
/// and the bundles' paths) is left out, so the same import into identical
/// targets gets the same id however the paths were spelled.
pub fn import_id(plan: &Plan) -> String {
    let context = Context {
        mode: Mode::Run,
        import_id: None,
        source: String::new(),
        target: String::new(),
    };
    let view = ReportView {
        anonymous: true,
        ..ReportView::new(plan, &context)
    };
    let mut hasher = crate::digest::HashWriter::default();
    // Writing to a hasher cannot fail.
    let _ = write_report(&mut hasher, &view);
    hasher.update(plan.target_digest.as_bytes());
    hasher.finish()[..20].to_string()
}

/// `started_at`, `user`, `mkimport_version` and `sequence`.
pub fn stamp_keys(stamp: &crate::history::Stamp) -> BTreeMap<&'static str, Value> {
    let mut extra = BTreeMap::new();
    extra.insert("started_at", Value::from(stamp.started_at.as_str()));
    extra.insert("user", to_value(&stamp.user));
    extra.insert(
        "mkimport_version",
        Value::from(stamp.mkimport_version.as_str()),
    );
    extra.insert("sequence", Value::from(stamp.sequence));
    extra
}

/// Pretty JSON with a final newline.
pub fn to_json_text(value: &Value) -> String {
    let mut text = serde_json::to_string_pretty(value).expect("a Value always serialises");
    text.push('\n');
    text
}
