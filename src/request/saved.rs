//! Saved plans: `preview --out PLAN` writes one; `run --plan PLAN` applies
//! exactly that plan, and refuses when the target or a bundle changed.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context as _, Result};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{ImportRequest, Overrides, Terminal};
use crate::cli::{ConflictArg, ImportArgs, TargetSpec};
use crate::digest::TreeDigest;
use crate::error::{show, usage, InputError};
use crate::load::bundle::Limits;
use crate::load::subscription::Subscription;
use crate::output::report::{self, Context};
use crate::plan::Plan;
use crate::rules::{Preset, Rules, ServiceMap, ServiceMapping};

#[derive(Debug, Clone, Deserialize)]
struct Inputs {
    from: String,
    /// A directory (absolute) or `marketo:INSTANCE`.
    to: String,
    #[serde(default)]
    folder: Option<String>,
    #[serde(default)]
    user: Option<String>,
    #[serde(default)]
    programs: Vec<String>,
    rules: BTreeMap<String, String>,
    /// The service mappings, FROM → TO (absent in plans written before
    /// they existed).
    #[serde(default)]
    services: BTreeMap<String, String>,
    #[serde(default)]
    overrides: Vec<SavedOverride>,
    target_digest: String,
    /// The id a run of this plan gets (absent in plans written before it
    /// was recorded).
    #[serde(default)]
    import_id: Option<String>,
    bundles: Vec<SavedBundle>,
    #[serde(default)]
    limits: Option<SavedLimits>,
    /// The digest of each file of the target the plan was computed from
    /// (absent in plans written before it was recorded), so a stale plan
    /// can say which files changed.
    #[serde(default)]
    target_files: Option<BTreeMap<String, String>>,
}

/// The reading limits the plan was made with.
#[derive(Debug, Clone, Deserialize)]
struct SavedLimits {
    max_entry_bytes: u64,
    max_bundle_bytes: u64,
    max_ratio: u64,
}

impl From<&SavedLimits> for Limits {
    fn from(saved: &SavedLimits) -> Limits {
        Limits {
            max_entry_bytes: saved.max_entry_bytes,
            max_bundle_bytes: saved.max_bundle_bytes,
            max_ratio: saved.max_ratio,
        }
    }
}

/// One answer given to `--conflict ask`.
#[derive(Debug, Clone, Deserialize)]
struct SavedOverride {
    kind: String,
    subject: String,
    rule: String,
}

#[derive(Debug, Clone, Deserialize)]
struct SavedBundle {
    bundle: String,
    digest: Option<String>,
}

#[derive(Debug, Clone)]
pub struct SavedPlan {
    path: String,
    inputs: Inputs,
    report: Value,
}

fn same_path(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    match (Path::new(a).canonicalize(), Path::new(b).canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

impl SavedPlan {
    pub fn read(path: &Path) -> Result<SavedPlan> {
        let label = show(path);
        let text = fs_err::read_to_string(path)
            .with_context(|| format!("cannot read the plan file {label}"))?;
        let report: Value =
            serde_json::from_str(&text).map_err(|e| InputError::json("plan file", &label, &e))?;
        let inputs = report.get("plan").cloned().ok_or_else(|| {
            InputError::new(
                "plan file",
                "no \"plan\" section: write plan files with `mkimport preview --out PLAN`",
            )
            .in_file(&label)
        })?;
        let inputs: Inputs = serde_json::from_value(inputs).map_err(|e| {
            InputError::new(
                "plan file",
                format!("the \"plan\" section is not valid: {e}"),
            )
            .in_file(&label)
        })?;
        Ok(SavedPlan {
            path: label,
            inputs,
            report,
        })
    }

    /// The request the plan was made with. `--from` and `--to` may be left
    /// out; given, they must match the plan's. The plan's reading limits
    /// hold unless given again on this command line.
    pub fn request(&self, given: &ImportArgs, terminal: Terminal) -> Result<ImportRequest> {
        if let Some(from) = &given.from {
            if !same_path(from, &self.inputs.from) {
                return Err(usage(format!(
                    "--from {from} does not match the plan's source {} ({})",
                    self.inputs.from, self.path
                )));
            }
        }
        if let Some(to) = &given.to {
            if !same_path(&to.to_string(), &self.inputs.to) {
                return Err(usage(format!(
                    "--to {to} does not match the plan's target {} ({})",
                    self.inputs.to, self.path
                )));
            }
        }
        if !given.rules.is_empty()
            || !given.map_services.is_empty()
            || given.conflict != ConflictArg::Preset(Preset::Default)
            || given.folder.is_some()
            || !given.programs.is_empty()
        {
            return Err(usage(
                "--plan fixes the selection, the folder, the rules and the service mappings; drop --program, --folder, --conflict, --rule and --map-service",
            ));
        }
        let mut rules = Rules::default();
        for (kind, rule) in &self.inputs.rules {
            let (kind, rule) = crate::rules::parse_pair(kind, rule)
                .map_err(|e| InputError::new("plan file", e).in_file(&self.path))?;
            rules.set(kind, rule);
        }
        let mut services = ServiceMap::default();
        for (from, to) in &self.inputs.services {
            let mapping = ServiceMapping::new(from, to)
                .map_err(|e| InputError::new("plan file", e).in_file(&self.path))?;
            services.add(mapping);
        }
        let base = self
            .inputs
            .limits
            .as_ref()
            .map(Limits::from)
            .unwrap_or_default();
        Ok(ImportRequest {
            from: self.inputs.from.clone(),
            to: TargetSpec::parse(&self.inputs.to),
            selection: self.inputs.programs.clone(),
            folder: self.inputs.folder.clone(),
            user: super::acting_user(given).or_else(|| self.inputs.user.clone()),
            rules,
            services,
            overrides: self.overrides()?,
            ask_conflicts: false,
            limits: super::limits_over(given, base),
            format: given.output_format(),
            verbosity: given.verbosity(),
            terminal,
        })
    }

    /// Did this plan land already: every program it imports is now
    /// `unchanged` (in the target from the same bundle), every other one
    /// has the status it had?
    fn landed_as(&self, plan: &Plan) -> bool {
        let saved = self.report["programs"]
            .as_array()
            .map_or(&[][..], Vec::as_slice);
        if saved.len() != plan.programs.len() {
            return false;
        }
        let mut imported = 0;
        for (was, is) in saved.iter().zip(&plan.programs) {
            let status = crate::output::report::status_str(is.status);
            match was["status"].as_str() {
                Some("ok") if status == "unchanged" => imported += 1,
                Some(s) if s == status => {}
                _ => return false,
            }
        }
        imported > 0
    }

    /// The id a run of this plan gets, when the plan records it.
    pub fn import_id(&self) -> Option<&str> {
        self.inputs.import_id.as_deref()
    }

    /// The answers given to `--conflict ask` when the plan was made.
    fn overrides(&self) -> Result<Overrides> {
        let mut out = Overrides::new();
        for o in &self.inputs.overrides {
            let (kind, rule) = crate::rules::parse_pair(&o.kind, &o.rule)
                .map_err(|e| InputError::new("plan file", e).in_file(&self.path))?;
            out.insert((kind, o.subject.clone()), rule);
        }
        Ok(out)
    }

    /// Why the plan no longer holds; empty when it does, or when it has
    /// already landed whole and nothing else changed the target since:
    /// `landed` is the digest of the target right after this plan's import
    /// (from its receipt), when there is one. Running it again then
    /// changes nothing.
    pub fn stale_reasons(
        &self,
        plan: &Plan,
        context: &Context,
        landed: Option<&str>,
        now: &Subscription,
    ) -> Vec<String> {
        let files_now = &now.files;
        let mut reasons = Vec::new();
        let bundles_same = plan.programs.len() == self.inputs.bundles.len()
            && self
                .inputs
                .bundles
                .iter()
                .zip(&plan.programs)
                .all(|(was, is)| was.digest == is.bundle_digest);
        let target_changed = plan.target_digest != self.inputs.target_digest;
        if bundles_same && target_changed && landed == Some(plan.target_digest.as_str()) {
            return reasons;
        }
        // A live instance's receipt cannot record the state it left (that
        // would take reading the instance again): the plan landed when
        // every program it imports is now in the target from the same
        // bundle, and the others are as they were.
        let live = context.target.starts_with(crate::cli::TargetSpec::MARKETO);
        if bundles_same && target_changed && live && self.landed_as(plan) {
            return reasons;
        }
        if target_changed {
            // A live instance's files are its snapshot's, which the user
            // never sees: the programs and assets that changed say it.
            let what = match &self.inputs.target_files {
                Some(then) if live => changed_in_instance(then, now),
                Some(then) => changed_files(then, files_now.entries()),
                None => String::new(),
            };
            reasons.push(format!(
                "the target {} changed since the plan {} was made{what}",
                context.target, self.path
            ));
        }
        let now = &plan.programs;
        if now.len() != self.inputs.bundles.len() {
            reasons.push(format!(
                "the source {} now holds {} selected bundles, the plan {}",
                context.source,
                now.len(),
                self.inputs.bundles.len()
            ));
        } else {
            for (was, is) in self.inputs.bundles.iter().zip(now) {
                // Compared by content: a bundle's label follows how the
                // source path was spelled, which the plan may have made
                // absolute.
                if was.digest != is.bundle_digest {
                    reasons.push(format!(
                        "bundle {} changed since the plan was made",
                        was.bundle
                    ));
                }
            }
        }
        if reasons.is_empty() {
            let again = report::report(plan, context);
            let without_labels = |report: &Value| -> Vec<Value> {
                report
                    .get("programs")
                    .and_then(Value::as_array)
                    .map(|programs| {
                        programs
                            .iter()
                            .map(|p| {
                                let mut p = p.clone();
                                if let Value::Object(map) = &mut p {
                                    map.remove("bundle");
                                    // What writing it costs is not what it writes.
                                    map.remove("calls_estimate");
                                }
                                p
                            })
                            .collect()
                    })
                    .unwrap_or_default()
            };
            if without_labels(&again) != without_labels(&self.report) {
                reasons.push("the plan computed now differs from the saved one".to_string());
            }
        }
        if !reasons.is_empty() {
            // What the change does to the programs and their assets.
            let now = report::report(plan, context);
            reasons.extend(changed_programs(&self.report, &now));
        }
        reasons
    }

    /// The plan file, as named on the command line.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The source and target the plan was made from.
    pub fn from_to(&self) -> (&str, String) {
        (&self.inputs.from, self.inputs.to.clone())
    }
}

/// Files named in a stale-plan message before the rest are counted.
const FILES_NAMED: usize = 5;
/// Program and asset changes named before the rest are counted.
const CHANGES_NAMED: usize = 8;

/// ": 1 file changed (a.json), 2 added (b.json, c.json)", or nothing when
/// no file differs.
fn changed_files(then: &BTreeMap<String, String>, now: &BTreeMap<String, String>) -> String {
    let changed: Vec<&str> = then
        .iter()
        .filter(|(path, digest)| now.get(*path).is_some_and(|d| d != *digest))
        .map(|(path, _)| path.as_str())
        .collect();
    let added: Vec<&str> = now
        .keys()
        .filter(|path| !then.contains_key(*path))
        .map(String::as_str)
        .collect();
    let removed: Vec<&str> = then
        .keys()
        .filter(|path| !now.contains_key(*path))
        .map(String::as_str)
        .collect();
    let mut parts = Vec::new();
    for (paths, what) in [
        (&changed, "changed"),
        (&added, "added"),
        (&removed, "removed"),
    ] {
        if paths.is_empty() {
            continue;
        }
        let mut named = paths[..paths.len().min(FILES_NAMED)].join(", ");
        if paths.len() > FILES_NAMED {
            named.push_str(&format!(" and {} more", paths.len() - FILES_NAMED));
        }
        let files = if parts.is_empty() {
            if paths.len() == 1 {
                " file"
            } else {
                " files"
            }
        } else {
            ""
        };
        parts.push(format!("{}{files} {what} ({named})", paths.len()));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(": {}", parts.join(", "))
    }
}

/// What changed in a live instance, told from the files of mkimport's
/// snapshot of it (which the user never sees): ": email template
/// "standard-email" changed, program in Webinars/2026 added".
fn changed_in_instance(then: &BTreeMap<String, String>, state: &Subscription) -> String {
    let now = state.files.entries();
    let describe = |path: &str| -> String {
        let parts: Vec<&str> = path.split('/').collect();
        let stem = |file: &str| file.strip_suffix(".json").unwrap_or(file).to_string();
        match parts.as_slice() {
            ["subscription.json"] => "its fields, channels, tags or other settings".into(),
            ["programs.json"] => "the programs mkimport imported into it".into(),
            ["design-studio", dir, file] => {
                let kind = crate::model::DesignKind::ALL
                    .iter()
                    .find(|k| k.dir() == *dir)
                    .copied();
                let noun = kind.map_or("design-studio asset", |k| k.noun());
                // Its name in the instance, when it is still there.
                let name = state
                    .assets
                    .iter()
                    .find(|a| Some(a.kind) == kind && a.file == *file)
                    .map_or_else(|| stem(file), |a| a.name.clone());
                format!("{noun} \"{name}\"")
            }
            ["marketing-activities", rest @ .., "program.json"] => {
                format!(
                    "a program in {}",
                    rest[..rest.len().saturating_sub(1)].join("/")
                )
            }
            ["marketing-activities", rest @ .., "folder.json"] => {
                format!("the tokens of folder {}", rest.join("/"))
            }
            _ => "mkimport's record of it".into(),
        }
    };
    let mut parts: Vec<String> = Vec::new();
    for (path, digest) in then {
        match now.get(path) {
            Some(d) if d != digest => parts.push(format!("{} changed", describe(path))),
            None => parts.push(format!("{} removed", describe(path))),
            _ => {}
        }
    }
    for path in now.keys().filter(|p| !then.contains_key(*p)) {
        parts.push(format!("{} added", describe(path)));
    }
    // The snapshot's subscription.json records when it last changed: with
    // anything else changed, that is all its change says.
    let settings = format!("{} changed", describe("subscription.json"));
    if parts.len() > 1 {
        parts.retain(|p| *p != settings);
    }
    parts.dedup();
    if parts.len() > FILES_NAMED {
        let more = parts.len() - FILES_NAMED;
        parts.truncate(FILES_NAMED);
        parts.push(format!("and {more} more"));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(": {}", parts.join(", "))
    }
}

/// How the programs of the saved report and of the plan computed now
/// differ: a status, or an asset's action or name in the target.
fn changed_programs(saved: &Value, now: &Value) -> Vec<String> {
    let programs = |report: &Value| -> Vec<Value> {
        report
            .get("programs")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let (saved, now) = (programs(saved), programs(now));
    let text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).unwrap_or("").to_string();
    let outcome = |asset: &Value| {
        let (action, result) = (text(asset, "action"), text(asset, "result_name"));
        if result.is_empty() || result == text(asset, "name") {
            action
        } else {
            format!("{action} as \"{result}\"")
        }
    };
    let mut changes = Vec::new();
    for was in &saved {
        let name = text(was, "name");
        let Some(is) = now.iter().find(|p| text(p, "name") == name) else {
            changes.push(format!("program \"{name}\" is no longer in the source"));
            continue;
        };
        if text(was, "status") != text(is, "status") {
            changes.push(format!(
                "program \"{name}\" is now {} (the plan says {})",
                text(is, "status"),
                text(was, "status")
            ));
            continue;
        }
        let assets = |p: &Value| {
            p.get("assets")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        };
        let (before, after) = (assets(was), assets(is));
        for asset in &after {
            let key = (text(asset, "kind"), text(asset, "name"));
            let same_key = |a: &&Value| (text(a, "kind"), text(a, "name")) == key;
            // An asset may have several rows (a campaign unscheduled, and
            // what of it is left by hand): a row is unchanged when the
            // plan has the same one.
            if before
                .iter()
                .filter(same_key)
                .any(|old| outcome(old) == outcome(asset))
            {
                continue;
            }
            match before.iter().find(same_key) {
                Some(old) => changes.push(format!(
                    "program \"{name}\": {} \"{}\" would now {} (the plan says {})",
                    key.0,
                    key.1,
                    outcome(asset),
                    outcome(old)
                )),
                None => changes.push(format!(
                    "program \"{name}\": {} \"{}\" is new ({})",
                    key.0,
                    key.1,
                    outcome(asset)
                )),
            }
        }
    }
    for is in &now {
        let name = text(is, "name");
        if !saved.iter().any(|p| text(p, "name") == name) {
            changes.push(format!("program \"{name}\" is new in the source"));
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    changes.retain(|c| seen.insert(c.clone()));
    if changes.len() > CHANGES_NAMED {
        let more = changes.len() - CHANGES_NAMED;
        changes.truncate(CHANGES_NAMED);
        changes.push(format!("and {more} more changes"));
    }
    changes
}

/// What a saved plan records besides the report: what it was computed
/// from (the `plan` key of a plan file), with the digest of every file of
/// the target (`files`) so a stale plan can say what changed.
pub fn inputs(request: &ImportRequest, plan: &Plan, files: &TreeDigest) -> Value {
    let bundles: Vec<Value> = plan
        .programs
        .iter()
        .map(|p| json!({"bundle": p.bundle, "digest": p.bundle_digest}))
        .collect();
    // Absolute paths, so the plan can be run from another directory.
    let absolute = |p: &str| {
        Path::new(p)
            .canonicalize()
            .map(|c| show(&c))
            .unwrap_or_else(|_| p.to_string())
    };
    let from = if request.from == crate::load::library::SOURCE
        && !Path::new(crate::load::library::SOURCE).exists()
    {
        request.from.clone()
    } else {
        absolute(&request.from)
    };
    json!({
        "from": from,
        "to": match &request.to {
            TargetSpec::Directory(dir) => absolute(&show(dir)),
            marketo => marketo.to_string(),
        },
        "folder": request.folder,
        "user": request.user,
        "programs": request.selection,
        "rules": request.rules.to_map(),
        "services": request.services.to_map(),
        "overrides": request
            .overrides
            .iter()
            .map(|((kind, subject), rule)| json!({"kind": kind.as_str(), "subject": subject, "rule": rule.as_str()}))
            .collect::<Vec<_>>(),
        "target_digest": plan.target_digest,
        "import_id": crate::output::report::import_id(plan),
        "bundles": bundles,
        "limits": {
            "max_entry_bytes": request.limits.max_entry_bytes,
            "max_bundle_bytes": request.limits.max_bundle_bytes,
            "max_ratio": request.limits.max_ratio,
        },
        "target_files": files.entries(),
    })
}
