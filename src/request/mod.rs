//! One import request, resolved once: from the command line, from a saved
//! plan (`run --plan`, see [`saved`]) or by asking (the [`wizard`]). The
//! commands then load, plan and render or apply what the request says;
//! nothing below this module reads a flag.

use std::collections::BTreeMap;
use std::io::BufRead;

use anyhow::{Context as _, Result};
use serde_json::Value;

use crate::cli::{ConflictArg, ImportArgs, OutputFormat, TargetSpec, Verbosity};
use crate::error::{show, usage, InputError};
use crate::load::bundle::Limits;
pub use crate::output::console::Terminal;
use crate::rules::{Preset, Rule, RuleKind, Rules, ServiceMap};

mod rules_file;
pub mod saved;
pub mod wizard;

/// Per-conflict answers of `--conflict ask`: (rule kind, subject key) →
/// rule, over the rules of the kind.
pub type Overrides = BTreeMap<(RuleKind, String), Rule>;

/// Everything one `preview` or `run` needs to know, typed.
#[derive(Debug, Clone)]
pub struct ImportRequest {
    /// `--from`, as given (a path, or `library`).
    pub from: String,
    /// `--to`.
    pub to: TargetSpec,
    /// The names selected with `--program` (after reading `-`); empty for
    /// every program.
    pub selection: Vec<String>,
    /// `--folder`: where every program goes; else each goes to its own.
    pub folder: Option<String>,
    /// `--user` or `MKIMPORT_USER`.
    pub user: Option<String>,
    pub rules: Rules,
    /// How self-service flow steps are mapped to the target's (a rules
    /// file's `services`, then `--map-service`).
    pub services: ServiceMap,
    /// Answers given to `--conflict ask` (kept in saved plans).
    pub overrides: Overrides,
    /// `--conflict ask`: ask once per conflict while planning.
    pub ask_conflicts: bool,
    /// The limits bundles are read with.
    pub limits: Limits,
    pub format: OutputFormat,
    /// `--quiet`, `--verbose`: how much the human formats show.
    pub verbosity: Verbosity,
    pub terminal: Terminal,
}

/// The limits the flags set, the defaults for the others.
pub fn limits(args: &ImportArgs) -> Limits {
    limits_over(args, Limits::default())
}

/// The limits the flags set, `base` for the others.
pub fn limits_over(args: &ImportArgs, base: Limits) -> Limits {
    Limits {
        max_entry_bytes: args.max_entry_bytes.unwrap_or(base.max_entry_bytes),
        max_bundle_bytes: args.max_bundle_bytes.unwrap_or(base.max_bundle_bytes),
        max_ratio: args.max_ratio.unwrap_or(base.max_ratio),
    }
}

/// `--user`, else `MKIMPORT_USER`.
pub fn acting_user(args: &ImportArgs) -> Option<String> {
    args.user
        .clone()
        .or_else(|| std::env::var("MKIMPORT_USER").ok())
        .filter(|u| !u.trim().is_empty())
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

/// The rules from `--conflict` and `--rule`, and the service mappings
/// from a rules file and `--map-service`.
pub fn rules(args: &ImportArgs, terminal: Terminal) -> Result<(Rules, ServiceMap)> {
    let (mut rules, mut services) = match &args.conflict {
        ConflictArg::Preset(preset) => (preset.rules(), ServiceMap::default()),
        ConflictArg::Ask => {
            if !terminal.can_ask(args.output_format()) {
                return Err(usage(
                    "--conflict ask needs a terminal (and no --json); use --conflict default or current, a rules file, or --rule KIND=RULE",
                ));
            }
            (Preset::Default.rules(), ServiceMap::default())
        }
        ConflictArg::File(path) => {
            let text = fs_err::read_to_string(path).map_err(|e| {
                usage(format!(
                    "--conflict takes `default`, `current`, `ask` or a rules file; cannot read {}: {e}",
                    show(path)
                ))
            })?;
            // A rules file is part of the command line: every mistake in
            // it is a usage error, naming the file and the position.
            let value: Value = serde_json::from_str(&text).map_err(|e| {
                let e = InputError::json("rules file", &show(path), &e);
                let (line, column) = e.position.unwrap_or((1, 1));
                usage(format!(
                    "rules file {}:{line}:{column}: {}",
                    show(path),
                    e.message
                ))
            })?;
            let Value::Object(object) = value else {
                return Err(usage(format!(
                    "rules file {}:1:1: must hold a JSON object {{\"kind\": \"rule\", ...}}",
                    show(path)
                )));
            };
            crate::rules::read_rules_object(&object).map_err(|e| {
                let (line, column) =
                    rules_file::entry_position(&text, &e.key, e.in_value).unwrap_or((1, 1));
                usage(format!(
                    "rules file {}:{line}:{column}: {}",
                    show(path),
                    e.message
                ))
            })?
        }
    };
    for (kind, rule) in &args.rules {
        rules.set(*kind, *rule);
    }
    for mapping in &args.map_services {
        services.add(mapping.clone());
    }
    Ok((rules, services))
}

fn required<'a, T>(value: &'a Option<T>, flag: &str) -> Result<&'a T> {
    value
        .as_ref()
        .ok_or_else(|| usage(format!("missing {flag}; see --help")))
}

impl ImportRequest {
    /// The request the flags make, once the wizard (if any) filled what
    /// was missing.
    pub fn from_flags(args: &ImportArgs, terminal: Terminal) -> Result<ImportRequest> {
        let from = required(&args.from, "--from SRC")?.clone();
        let to = required(&args.to, "--to TARGET")?.clone();
        let (rules, services) = rules(args, terminal)?;
        let selection = program_names(args)?;
        Ok(ImportRequest {
            from,
            to,
            selection,
            folder: args.folder.clone().filter(|f| !f.trim().is_empty()),
            user: acting_user(args),
            rules,
            services,
            overrides: Overrides::new(),
            ask_conflicts: args.conflict == ConflictArg::Ask,
            limits: limits(args),
            format: args.output_format(),
            verbosity: args.verbosity(),
            terminal,
        })
    }

    /// The request of `preview` or `run` without `--plan`: the flags, with
    /// the wizard asking for what is missing on a terminal.
    pub fn resolve(args: &ImportArgs, terminal: Terminal) -> Result<ImportRequest> {
        let mut args = args.clone();
        if wizard::wanted(&args, terminal) {
            // Check what was given before asking for what was not.
            if let Some(from) = &args.from {
                crate::load::source::check(from)?;
            }
            if let Some(to) = &args.to {
                crate::targets::open(to)?;
            }
            rules(&args, terminal)?;
            wizard::fill_missing(&mut args)?;
        }
        ImportRequest::from_flags(&args, terminal)
    }
}
