//! The commands: parse options, load, plan, then render or apply.

use std::io::{BufRead, IsTerminal};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use serde_json::{json, Value};

use crate::bundle::{Limits, SourceItem};
use crate::cli::{ImportArgs, PreviewArgs};
use crate::error::{show, usage, InputError};
use crate::plan::{Plan, PlanOptions, Problem, Status};
use crate::report::{self, Context};
use crate::rules::Rules;
use crate::source;
use crate::subscription::Subscription;

/// Per-conflict answers of `--conflict ask`.
pub type Overrides =
    std::collections::BTreeMap<(crate::rules::RuleKind, String), crate::rules::Rule>;

/// Exit codes (spec section 5).
pub const EXIT_OK: i32 = 0;
pub const EXIT_ERROR: i32 = 1;
pub const EXIT_BLOCKED: i32 = 3;

/// Everything loaded and planned for one command.
pub struct Prepared {
    pub source_label: String,
    /// The limits bundles were read with.
    pub limits: Limits,
    pub target: Subscription,
    pub options: PlanOptions,
    /// The names selected with --program (after reading `-`).
    pub selection: Vec<String>,
    pub items: Vec<SourceItem>,
    pub plan: Plan,
}

impl Prepared {
    pub fn context(&self, mode: &'static str, import_id: Option<String>) -> Context {
        Context {
            mode,
            import_id,
            source: self.source_label.clone(),
            target: self.target.label.clone(),
        }
    }
}

/// The rules from `--conflict` and `--rule`.
pub fn build_rules(args: &ImportArgs) -> Result<Rules> {
    let mut rules = Rules::default();
    match args.conflict.as_str() {
        "default" => {}
        "ask" => {
            if args.machine() || !std::io::stdin().is_terminal() {
                return Err(usage(
                    "--conflict ask needs a terminal (and no --json); use --conflict default, a rules file, or --rule KIND=RULE",
                ));
            }
        }
        file => {
            let path = Path::new(file);
            let text = std::fs::read_to_string(path).map_err(|e| {
                usage(format!(
                    "--conflict takes `default`, `ask` or a rules file; cannot read {}: {e}",
                    show(path)
                ))
            })?;
            let value: Value = serde_json::from_str(&text)
                .map_err(|e| InputError::json("rules file", &show(path), &e))?;
            let Value::Object(object) = value else {
                return Err(usage(format!(
                    "rules file {} must hold a JSON object {{\"kind\": \"rule\", ...}}",
                    show(path)
                )));
            };
            rules.apply_object(&object)?;
        }
    }
    for flag in &args.rules {
        rules.apply_flag(flag)?;
    }
    Ok(rules)
}

/// `--program` names, with `-` read from standard input.
pub fn program_names(args: &ImportArgs) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for name in &args.programs {
        if name == "-" {
            for line in std::io::stdin().lock().lines() {
                let line = line.context("cannot read program names from standard input")?;
                let line = line.trim();
                if !line.is_empty() {
                    out.push(line.to_string());
                }
            }
        } else {
            out.push(name.clone());
        }
    }
    if !args.programs.is_empty() && out.is_empty() {
        // `--program -` with nothing on standard input selects nothing: it
        // must never fall back to "every program".
        return Err(usage(
            "--program - read no program name from standard input; nothing to import",
        ));
    }
    Ok(out)
}

pub fn acting_user(args: &ImportArgs) -> Option<String> {
    args.user
        .clone()
        .or_else(|| std::env::var("MKIMPORT_USER").ok())
        .filter(|u| !u.trim().is_empty())
}

pub fn limits(args: &ImportArgs) -> Limits {
    Limits {
        max_entry_bytes: args.max_entry_bytes,
        max_bundle_bytes: args.max_bundle_bytes,
        max_ratio: args.max_ratio,
    }
}

fn required<'a, T>(value: &'a Option<T>, flag: &str) -> Result<&'a T> {
    value
        .as_ref()
        .ok_or_else(|| usage(format!("missing {flag}; see --help")))
}

/// Load the source and the target, select, and plan.
pub fn prepare(
    args: &ImportArgs,
    selection: Option<Vec<String>>,
    overrides: Overrides,
) -> Result<Prepared> {
    let from = required(&args.from, "--from SRC")?.clone();
    let to: PathBuf = required(&args.to, "--to TARGET")?.clone();
    let mut options = PlanOptions {
        rules: build_rules(args)?,
        folder: args.folder.clone(),
        user: acting_user(args),
        overrides,
    };
    if options
        .folder
        .as_deref()
        .is_some_and(|f| f.trim().is_empty())
    {
        options.folder = None;
    }
    let selection = match selection {
        Some(names) => names,
        None => program_names(args)?,
    };
    if !Subscription::is_subscription(&to) {
        anyhow::bail!(
            "target {} is not a subscription directory (it has no subscription.json)",
            show(&to)
        );
    }
    let target = Subscription::load(&to).context("cannot read the target subscription")?;
    let items = source::load(&from, &limits(args))?;
    let items = source::select(items, &selection)?;
    if args.conflict == "ask" {
        crate::wizard::ask_conflicts(&items, &target, &mut options)?;
    }
    let mut items = items;
    let plan = crate::plan::plan_releasing(&mut items, &target, &options);
    Ok(Prepared {
        source_label: from,
        limits: limits(args),
        target,
        options,
        selection,
        items,
        plan,
    })
}

/// Tell standard error about bundles that could not be read.
pub fn report_bad_input(prepared: &Prepared) {
    for item in &prepared.items {
        if let Err(err) = &item.bundle {
            crate::errln!("error: {err}");
        }
    }
}

/// The exit code a plan earns in `preview`.
pub fn preview_exit(plan: &Plan) -> i32 {
    if plan.has_bad_input() {
        EXIT_ERROR
    } else if plan.count(Status::Blocked) > 0 {
        EXIT_BLOCKED
    } else {
        EXIT_OK
    }
}

/// What a saved plan records besides the report: what it was computed
/// from (the `plan` key of a plan file).
pub fn plan_inputs(prepared: &Prepared) -> Value {
    let bundles: Vec<Value> = prepared
        .plan
        .programs
        .iter()
        .map(|p| json!({"bundle": p.bundle, "digest": p.bundle_digest}))
        .collect();
    // Absolute paths, so the plan can be run from another directory.
    let absolute = |p: &str| {
        std::path::Path::new(p)
            .canonicalize()
            .map(|c| show(&c))
            .unwrap_or_else(|_| p.to_string())
    };
    let from = if prepared.source_label == crate::library::SOURCE
        && !std::path::Path::new(crate::library::SOURCE).exists()
    {
        prepared.source_label.clone()
    } else {
        absolute(&prepared.source_label)
    };
    json!({
        "from": from,
        "to": absolute(&prepared.target.label),
        "folder": prepared.options.folder,
        "user": prepared.options.user,
        "programs": prepared.selection,
        "rules": prepared.options.rules.to_map(),
        "overrides": prepared
            .options
            .overrides
            .iter()
            .map(|((kind, subject), rule)| json!({"kind": kind.as_str(), "subject": subject, "rule": rule.as_str()}))
            .collect::<Vec<_>>(),
        "target_digest": prepared.plan.target_digest,
        "import_id": import_id(&prepared.plan),
        "bundles": bundles,
        "limits": {
            "max_entry_bytes": prepared.limits.max_entry_bytes,
            "max_bundle_bytes": prepared.limits.max_bundle_bytes,
            "max_ratio": prepared.limits.max_ratio,
        },
    })
}

/// Print a plan the way the flags ask: events, JSON, or the table.
fn show_plan(
    args: &ImportArgs,
    plan: &Plan,
    context: &report::Context,
    problems: &[Problem],
) -> Result<()> {
    let view = report::ReportView {
        problems,
        ..report::ReportView::new(plan, context)
    };
    if args.events {
        crate::events::emit_plan(plan)?;
        crate::events::emit_summary(&view)?;
    } else if args.json {
        report::print_report(&view)?;
    } else {
        crate::console::print(&report::table(plan))?;
        for problem in problems {
            crate::errln!(
                "{}[{}]: {}",
                severity_word(problem),
                problem.code,
                problem.message
            );
        }
    }
    Ok(())
}

fn severity_word(problem: &Problem) -> &'static str {
    match problem.severity {
        crate::plan::Severity::Error => "error",
        crate::plan::Severity::Warning => "warning",
    }
}

/// `mkimport preview`.
pub fn preview(args: &PreviewArgs) -> Result<i32> {
    let mut import = args.import.clone();
    if crate::wizard::wanted(&import) {
        crate::wizard::fill_missing(&mut import)?;
    }
    let prepared = prepare(&import, None, Overrides::default())?;
    report_bad_input(&prepared);
    if crate::apply::interrupted(&prepared.target.root) {
        crate::errln!(
            "warning: an interrupted run left {}/.mkimport/journal.json; the next `mkimport run` on this target finishes it first, so this preview may differ from what that run does",
            show(&prepared.target.root)
        );
    }
    let context = prepared.context("preview", None);
    if let Some(out) = &args.out {
        let inputs = plan_inputs(&prepared);
        let view = report::ReportView {
            inputs: Some(&inputs),
            ..report::ReportView::new(&prepared.plan, &context)
        };
        crate::fsutil::write_atomic_with(out, |w| report::write_report(w, &view))
            .with_context(|| format!("cannot write the plan file {}", show(out)))?;
    }
    show_plan(&import, &prepared.plan, &context, &[])?;
    Ok(preview_exit(&prepared.plan))
}

/// The import id: a digest of the plan's report and of the target state
/// it was computed from. Where the plan came from (the source, the target
/// and the bundles' paths) is left out, so the same import into identical
/// targets gets the same id however the paths were spelled.
pub fn import_id(plan: &Plan) -> String {
    let context = Context {
        mode: "run",
        import_id: None,
        source: String::new(),
        target: String::new(),
    };
    let view = report::ReportView {
        anonymous: true,
        ..report::ReportView::new(plan, &context)
    };
    let mut hasher = crate::digest::HashWriter::default();
    // Writing to a hasher cannot fail.
    let _ = report::write_report(&mut hasher, &view);
    hasher.update(plan.target_digest.as_bytes());
    hasher.finish()[..20].to_string()
}

/// The source as a stored program's `imported.source` records it when its
/// bundle names no `exported_from`: the source's canonical path, so that
/// `src`, `./src/` and `/abs/src` write the same files.
pub fn source_identity(label: &str) -> String {
    if label == crate::library::SOURCE && !Path::new(label).exists() {
        return label.to_string();
    }
    Path::new(label)
        .canonicalize()
        .map(|c| show(&c))
        .unwrap_or_else(|_| label.to_string())
}

/// A receipt's `target_state`: the digest of the target before the import
/// and after it, by which `run --plan` knows a plan that already landed.
pub fn target_state(plan: &Plan, after: &str) -> std::collections::BTreeMap<&'static str, Value> {
    let mut extra = std::collections::BTreeMap::new();
    extra.insert(
        "target_state",
        json!({"before": plan.target_digest, "after": after}),
    );
    extra
}

fn interactive(json: bool) -> bool {
    crate::wizard::can_ask(json)
}

/// `mkimport run`.
pub fn run(args: &crate::cli::RunArgs) -> Result<i32> {
    let json = args.import.json;
    let events = args.import.events;
    let machine = args.import.machine();
    let ask = !args.yes;
    let mut wizard_args = args.import.clone();
    if args.plan.is_none() && crate::wizard::wanted(&wizard_args) {
        crate::wizard::fill_missing(&mut wizard_args)?;
    }
    if ask && !interactive(machine) {
        return Err(usage(
            "run needs --yes when it cannot ask for confirmation (no terminal, or --json/--events); nothing was written",
        ));
    }
    let (import_args, saved) = match &args.plan {
        Some(path) => {
            let saved = crate::saved::SavedPlan::read(path)?;
            (saved.import_args(&args.import)?, Some(saved))
        }
        None => (wizard_args, None),
    };
    let to = required(&import_args.to, "--to TARGET")?.clone();
    if !Subscription::is_subscription(&to) {
        anyhow::bail!(
            "target {} is not a subscription directory (it has no subscription.json)",
            show(&to)
        );
    }
    let mut lock = crate::apply::TargetLock::acquire(&to)?;
    if crate::apply::recover(&to)? {
        crate::errln!("note: finished an interrupted run on {}", show(&to));
    }
    let selection = saved.as_ref().map(|s| s.programs.clone());
    let overrides = saved
        .as_ref()
        .map(|s| s.overrides())
        .transpose()?
        .unwrap_or_default();
    let prepared = prepare(&import_args, selection, overrides)?;
    report_bad_input(&prepared);

    if let Some(saved) = &saved {
        let stale = saved.stale_reasons(&prepared);
        if !stale.is_empty() {
            let problems: Vec<Problem> = stale
                .into_iter()
                .map(|r| Problem::error(crate::saved::STALE_PLAN, r))
                .collect();
            if import_args.machine() {
                for problem in &problems {
                    crate::errln!("error[{}]: {}", problem.code, problem.message);
                }
            }
            show_plan(
                &import_args,
                &prepared.plan,
                &prepared.context("run", None),
                &problems,
            )?;
            return Ok(EXIT_BLOCKED);
        }
    }

    let plan = &prepared.plan;
    let blocked = plan.count(Status::Blocked);
    let refuse = plan.has_bad_input() || (blocked > 0 && !args.skip_blocked);
    if refuse || !machine {
        // Show what would happen (and why it is refused).
        show_plan(&import_args, plan, &prepared.context("run", None), &[])?;
    }
    if plan.has_bad_input() {
        crate::errln!("error: some bundles could not be read; nothing was written");
        return Ok(EXIT_ERROR);
    }
    if blocked > 0 && !args.skip_blocked {
        crate::errln!(
            "error: {blocked} program{} blocked; nothing was written (fix the problems, or pass --skip-blocked to import the others)",
            if blocked == 1 { " is" } else { "s are" }
        );
        return Ok(EXIT_BLOCKED);
    }
    let to_import = plan.count(Status::Ok);
    if ask {
        let question = format!(
            "Import {to_import} program{} into {}?",
            if to_import == 1 { "" } else { "s" },
            prepared.target.meta.name
        );
        let yes = dialoguer::Confirm::new()
            .with_prompt(question)
            .default(false)
            .interact()
            .context("cannot read the confirmation")?;
        if !yes {
            crate::errln!("Nothing was imported.");
            return Ok(EXIT_ERROR);
        }
    }

    lock.writing = true;
    let id = import_id(&prepared.plan);
    let context = prepared.context("run", Some(id.clone()));
    let started = std::time::Instant::now();
    if events {
        crate::events::emit_plan(plan)?;
    }
    // A write to standard output that fails during the apply must not cut
    // it half-way: the first failure is kept and reported at the end.
    let mut output_failure: Option<anyhow::Error> = None;
    let bar = progress_bar(machine, plan);
    let receipt = |w: &mut dyn std::io::Write, after: &str| {
        let view = report::ReportView {
            extra: target_state(plan, after),
            ..report::ReportView::new(plan, &context)
        };
        report::write_report(w, &view)
    };
    let applied = crate::apply::apply(
        &prepared.target,
        plan,
        &prepared.items,
        &limits(&import_args),
        &id,
        &source_identity(&prepared.source_label),
        &receipt,
        |owner: &str, path: &str| {
            if let Some(bar) = &bar {
                bar.set_message(owner.to_string());
                bar.inc(1);
            }
            if events && output_failure.is_none() {
                output_failure = crate::events::emit_write(owner, path).err();
            }
        },
    )?;
    if let Some(bar) = &bar {
        bar.finish_and_clear();
        crate::errln!(
            "Imported {} program{} ({} files) in {:.1?}",
            applied.programs,
            if applied.programs == 1 { "" } else { "s" },
            applied.files,
            started.elapsed()
        );
    }

    let mut problems = Vec::new();
    if let Some(address) = &args.notify {
        let message = crate::notify::message(address, plan, &prepared.target.meta.name, &id);
        if let Err(warning) = crate::notify::send(&message) {
            crate::errln!("warning[{}]: {warning}", crate::notify::NOTIFY_FAILED);
            problems.push(Problem::warning(crate::notify::NOTIFY_FAILED, warning));
            let view = report::ReportView {
                problems: &problems,
                extra: target_state(plan, &applied.target_after),
                ..report::ReportView::new(plan, &context)
            };
            crate::apply::rewrite_receipt(&prepared.target.root, &id, |w| {
                report::write_report(w, &view)
            })?;
        }
    }
    let view = report::ReportView {
        problems: &problems,
        extra: target_state(plan, &applied.target_after),
        ..report::ReportView::new(plan, &context)
    };
    let printed = if let Some(failure) = output_failure {
        Err(failure)
    } else if events {
        crate::events::emit_summary(&view)
    } else if json {
        report::print_report(&view)
    } else {
        crate::console::print(&format!(
            "Import {id}: {} program{} imported into {}; receipt {}/{}/{}/{id}.json\n",
            applied.programs,
            if applied.programs == 1 { "" } else { "s" },
            show(&prepared.target.root),
            show(&prepared.target.root),
            crate::subscription::STATE_DIR,
            crate::apply::IMPORTS,
        ))
    };
    printed.with_context(|| {
        format!(
            "import {id} landed in {} (receipt .mkimport/{}/{id}.json), but its report could not be printed",
            show(&prepared.target.root),
            crate::apply::IMPORTS
        )
    })?;
    Ok(EXIT_OK)
}

fn progress_bar(json: bool, plan: &Plan) -> Option<indicatif::ProgressBar> {
    if json || !std::io::stderr().is_terminal() {
        return None;
    }
    let files: usize = plan
        .programs
        .iter()
        .filter_map(|p| p.writes.as_ref())
        .map(|w| w.assets.len() + 1)
        .sum::<usize>()
        + 2;
    let bar = indicatif::ProgressBar::new(files as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {wide_msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    Some(bar)
}
