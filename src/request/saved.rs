//! Saved plans: `preview --out PLAN` writes one; `run --plan PLAN` applies
//! exactly that plan, and refuses when the target or a bundle changed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{ImportRequest, Overrides, Terminal};
use crate::cli::{ConflictArg, ImportArgs};
use crate::error::{show, usage, InputError};
use crate::load::bundle::Limits;
use crate::output::report::{self, Context};
use crate::plan::Plan;
use crate::rules::{Preset, Rules, ServiceMap, ServiceMapping};

#[derive(Debug, Clone, Deserialize)]
struct Inputs {
    from: String,
    to: PathBuf,
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
            if !same_path(&show(to), &show(&self.inputs.to)) {
                return Err(usage(format!(
                    "--to {} does not match the plan's target {} ({})",
                    show(to),
                    show(&self.inputs.to),
                    self.path
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
            to: self.inputs.to.clone(),
            selection: self.inputs.programs.clone(),
            folder: self.inputs.folder.clone(),
            user: super::acting_user(given).or_else(|| self.inputs.user.clone()),
            rules,
            services,
            overrides: self.overrides()?,
            ask_conflicts: false,
            limits: super::limits_over(given, base),
            format: given.output_format(),
            terminal,
        })
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
    ) -> Vec<String> {
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
        if target_changed {
            reasons.push(format!(
                "the target {} changed since the plan {} was made",
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
        reasons
    }
}

/// What a saved plan records besides the report: what it was computed
/// from (the `plan` key of a plan file).
pub fn inputs(request: &ImportRequest, plan: &Plan) -> Value {
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
        "to": absolute(&show(&request.to)),
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
    })
}
