//! Saved plans: `preview --out PLAN` writes one; `run --plan PLAN` applies
//! exactly that plan, and refuses when the target or a bundle changed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use serde::Deserialize;
use serde_json::Value;

use crate::app::Prepared;
use crate::cli::ImportArgs;
use crate::error::{show, usage, InputError};
use crate::report;

/// The problem code of a plan whose inputs changed.
pub const STALE_PLAN: &str = "stale-plan";

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
    pub programs: Vec<String>,
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
        let text = std::fs::read_to_string(path)
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
            programs: inputs.programs.clone(),
            inputs,
            report,
        })
    }

    /// The import options the plan was made with. `--from` and `--to` may
    /// be left out; given, they must match the plan's.
    pub fn import_args(&self, given: &ImportArgs) -> Result<ImportArgs> {
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
            || given.conflict != "default"
            || given.folder.is_some()
            || !given.programs.is_empty()
        {
            return Err(usage(
                "--plan fixes the selection, the folder and the rules; drop --program, --folder, --conflict and --rule",
            ));
        }
        let mut args = given.clone();
        // The plan's limits hold unless raised again on this command line.
        if let Some(limits) = &self.inputs.limits {
            let defaults = crate::bundle::Limits::default();
            if given.max_entry_bytes == defaults.max_entry_bytes {
                args.max_entry_bytes = limits.max_entry_bytes;
            }
            if given.max_bundle_bytes == defaults.max_bundle_bytes {
                args.max_bundle_bytes = limits.max_bundle_bytes;
            }
            if given.max_ratio == defaults.max_ratio {
                args.max_ratio = limits.max_ratio;
            }
        }
        args.from = Some(self.inputs.from.clone());
        args.to = Some(self.inputs.to.clone());
        args.folder = self.inputs.folder.clone();
        if args.user.is_none() && std::env::var("MKIMPORT_USER").is_err() {
            args.user = self.inputs.user.clone();
        }
        args.rules = self
            .inputs
            .rules
            .iter()
            .map(|(k, r)| format!("{k}={r}"))
            .collect();
        Ok(args)
    }

    /// True when this plan already landed and nothing else changed the
    /// target since: its receipt records the target's digest after it
    /// landed, and the target still has that digest. A plan that landed
    /// only in part, or a target changed by anything else since (another
    /// import, a file edited by hand), does not count.
    fn already_landed(&self, prepared: &Prepared) -> bool {
        let Some(id) = &self.inputs.import_id else {
            return false;
        };
        crate::apply::landed_state(&prepared.target.root, id)
            .is_some_and(|after| after == prepared.plan.target_digest)
    }

    /// The answers given to `--conflict ask` when the plan was made.
    pub fn overrides(&self) -> Result<crate::app::Overrides> {
        let mut out = crate::app::Overrides::new();
        for o in &self.inputs.overrides {
            let mut rules = crate::rules::Rules::default();
            rules.set_text(&o.kind, &o.rule)?;
            let kind = crate::rules::RuleKind::parse(&o.kind).expect("checked by set_text");
            out.insert((kind, o.subject.clone()), rules.get(kind));
        }
        Ok(out)
    }

    /// Why the plan no longer holds (empty when it does, or when it has
    /// already landed: running it again then changes nothing).
    pub fn stale_reasons(&self, prepared: &Prepared) -> Vec<String> {
        let mut reasons = Vec::new();
        let bundles_same = prepared.plan.programs.len() == self.inputs.bundles.len()
            && self
                .inputs
                .bundles
                .iter()
                .zip(&prepared.plan.programs)
                .all(|(was, is)| was.digest == is.bundle_digest);
        if bundles_same
            && prepared.plan.target_digest != self.inputs.target_digest
            && self.already_landed(prepared)
        {
            return reasons;
        }
        if prepared.plan.target_digest != self.inputs.target_digest {
            reasons.push(format!(
                "the target {} changed since the plan {} was made",
                prepared.target.label, self.path
            ));
        }
        let now = &prepared.plan.programs;
        if now.len() != self.inputs.bundles.len() {
            reasons.push(format!(
                "the source {} now holds {} selected bundles, the plan {}",
                prepared.source_label,
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
            let again = report::report(&prepared.plan, &prepared.context("preview", None));
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
