//! The interactive import wizard (dialoguer), used only on a terminal.
//!
//! When `preview` or `run` is started on a terminal with choices missing
//! (`--from` or `--to`), it walks through the steps of Marketo's import
//! dialog: the source, the programs, the campaign folder, the conflict
//! rules. `--conflict ask` asks once per actual conflict in the plan.
//! Without a terminal nothing here runs: a missing choice is a usage error
//! naming its flag.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anyhow::Result;
use dialoguer::{Confirm, FuzzySelect, Input, MultiSelect, Select};

use super::Terminal;
use crate::cli::{ConflictArg, ImportArgs};
use crate::error::usage;
use crate::load::bundle::SourceItem;
use crate::load::subscription::Subscription;
use crate::model::{AssetContent, DesignKind};
use crate::names::key;
use crate::output::diff::Side;
use crate::plan::{plan, Conflict, PlanOptions};
use crate::rules::{Preset, Rule, RuleKind};

/// Above this many programs, the wizard offers a fuzzy filter first.
const MANY_PROGRAMS: usize = 12;

/// Should the wizard run: on a terminal, with the source or target missing.
pub fn wanted(args: &ImportArgs, terminal: Terminal) -> bool {
    terminal.can_ask(args.output_format()) && (args.from.is_none() || args.to.is_none())
}

fn interrupted(e: dialoguer::Error) -> anyhow::Error {
    anyhow::anyhow!(e).context("the wizard was interrupted")
}

/// Fill in every missing choice by asking.
pub fn fill_missing(args: &mut ImportArgs) -> Result<()> {
    crate::errln!(
        "mkimport import wizard (Ctrl-C to stop; nothing is written until the last step)\n"
    );
    if args.from.is_none() {
        let kinds = [
            "A directory of bundles, a .zip, or a subscription",
            "The Program Library",
        ];
        let pick = Select::new()
            .with_prompt("Where do the programs come from?")
            .items(kinds)
            .default(0)
            .interact()
            .map_err(interrupted)?;
        args.from = Some(if pick == 1 {
            crate::load::library::SOURCE.to_string()
        } else {
            Input::<String>::new()
                .with_prompt("Source path")
                .validate_with(|p: &String| {
                    if Path::new(p.trim()).exists() {
                        Ok(())
                    } else {
                        Err("no such file or directory")
                    }
                })
                .interact_text()
                .map_err(interrupted)?
                .trim()
                .to_string()
        });
    }
    if args.to.is_none() {
        let to = Input::<String>::new()
            .with_prompt("Target subscription directory")
            .validate_with(|p: &String| {
                if Subscription::is_subscription(Path::new(p.trim())) {
                    Ok(())
                } else {
                    Err("not a subscription directory (no subscription.json)")
                }
            })
            .interact_text()
            .map_err(interrupted)?;
        args.to = Some(crate::cli::TargetSpec::Directory(PathBuf::from(to.trim())));
    }
    let from = args.from.clone().expect("filled above");
    let to = args.to.clone().expect("filled above");
    let target = crate::targets::open(&to)?.load()?;

    if args.programs.is_empty() {
        let items = crate::load::source::load(&from, &super::limits(args))?;
        let mut names: Vec<String> = items
            .iter()
            .filter_map(|i| i.bundle.as_ref().ok())
            .map(|b| b.program.program.name.clone())
            .collect();
        names.dedup();
        if names.is_empty() {
            return Err(usage(format!(
                "the source {from} holds no readable program"
            )));
        }
        let mut shown: Vec<String> = names.clone();
        if names.len() > MANY_PROGRAMS {
            // Many programs: a fuzzy search first narrows the list, best
            // matches first.
            let filter: String = Input::new()
                .with_prompt("Search programs (fuzzy; empty for all)")
                .allow_empty(true)
                .interact_text()
                .map_err(interrupted)?;
            shown = fuzzy_filter(&names, &filter);
            if shown.is_empty() {
                shown = names.clone();
            }
        }
        let picked = loop {
            let picked = MultiSelect::new()
                .with_prompt("Programs to import (space to select, enter to confirm)")
                .items(&shown)
                .interact()
                .map_err(interrupted)?;
            if !picked.is_empty() {
                break picked;
            }
            crate::errln!("Select at least one program.");
        };
        args.programs = picked.into_iter().map(|i| shown[i].clone()).collect();
    }

    if args.folder.is_none() {
        let mut folders: Vec<String> = target.folders.iter().map(|f| f.path_string()).collect();
        folders.sort();
        let mut choices = vec!["(each program's own folder)".to_string()];
        choices.extend(folders.iter().cloned());
        let pick = FuzzySelect::new()
            .with_prompt("Campaign folder (type to search)")
            .items(&choices)
            .default(0)
            .interact()
            .map_err(interrupted)?;
        if pick > 0 {
            args.folder = Some(choices[pick].clone());
        }
    }

    if args.conflict == ConflictArg::Preset(Preset::Default) && args.rules.is_empty() {
        let defaults = Confirm::new()
            .with_prompt("Use default conflict rules?")
            .default(true)
            .interact()
            .map_err(interrupted)?;
        if !defaults {
            for kind in RuleKind::ALL {
                let choices: Vec<&str> = kind.choices().iter().map(|r| r.as_str()).collect();
                let pick = Select::new()
                    .with_prompt(rule_prompt(kind))
                    .items(&choices)
                    .default(0)
                    .interact()
                    .map_err(interrupted)?;
                args.rules.push((kind, kind.choices()[pick]));
            }
        }
    }
    Ok(())
}

/// The question for one rule kind when the rules are chosen by hand.
fn rule_prompt(kind: RuleKind) -> String {
    match kind {
        RuleKind::RenameStyle => "How renamed names are spelled (rename-style)".to_string(),
        RuleKind::Program
        | RuleKind::EmailTemplate
        | RuleKind::LandingPageTemplate
        | RuleKind::Image
        | RuleKind::Form
        | RuleKind::Tag
        | RuleKind::ImageToken => format!("Rule for {kind} conflicts"),
    }
}

/// The names matching a fuzzy query, best first (all of them, in order,
/// for an empty query).
pub fn fuzzy_filter(names: &[String], query: &str) -> Vec<String> {
    use fuzzy_matcher::skim::SkimMatcherV2;
    use fuzzy_matcher::FuzzyMatcher;
    if query.trim().is_empty() {
        return names.to_vec();
    }
    let matcher = SkimMatcherV2::default().ignore_case();
    let mut scored: Vec<(i64, usize)> = names
        .iter()
        .enumerate()
        .filter_map(|(i, n)| matcher.fuzzy_match(n, query.trim()).map(|s| (s, i)))
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    scored.into_iter().map(|(_, i)| names[i].clone()).collect()
}

fn describe(rule: Rule) -> &'static str {
    match rule {
        Rule::Fail => "fail: block this program",
        Rule::Rename => "rename: import under the first free numbered name",
        Rule::Skip => "skip: leave this program out",
        Rule::Reuse => "reuse: use the target's asset",
        Rule::Overwrite => "overwrite: replace the target's asset with this one",
        Rule::Create => "create: add it to the target",
        Rule::Ignore => "ignore: drop the tag from the program",
        Rule::DropAll => "drop-all: import no token of this program",
        Rule::DropImage => "drop-image: drop only the image tokens",
        Rule::Space => "space: \"Standard Template 1\"",
        Rule::Dash => "dash: \"Standard Template - 1\" (today's Marketo)",
    }
}

/// `--conflict ask`: plan, find the first conflict not yet asked about,
/// ask, and plan again, until every conflict has an answer.
pub fn ask_conflicts(
    items: &[SourceItem],
    target: &Subscription,
    options: &mut PlanOptions,
) -> Result<()> {
    let mut asked: BTreeSet<(RuleKind, String)> = BTreeSet::new();
    loop {
        let current = plan(items, target, options);
        let next = current.programs.iter().enumerate().find_map(|(i, p)| {
            p.conflicts
                .iter()
                .find(|c| !asked.contains(&(c.kind, key(&c.subject))))
                .map(|c| (i, p.name.clone(), p.assets[c.row].kind, c.clone()))
        });
        let Some((index, program, asset_kind, conflict)) = next else {
            return Ok(());
        };
        asked.insert((conflict.kind, key(&conflict.subject)));
        if let Some(diff) = overwrite_diff(items.get(index), target, &conflict) {
            crate::errln!(
                "What overwrite would change in the target's {asset_kind} \"{}\":\n{}",
                conflict.existing,
                diff.trim_end()
            );
        }
        let question = match conflict.kind {
            RuleKind::Program => format!(
                "Program \"{}\" already exists in the target as \"{}\"",
                conflict.subject, conflict.existing
            ),
            RuleKind::Tag => format!("{program}: {}", conflict.existing),
            RuleKind::ImageToken => format!(
                "Program \"{program}\" has the image token \"{}\"",
                conflict.existing
            ),
            // No conflict is decided by rename-style; it spells the renames.
            RuleKind::EmailTemplate
            | RuleKind::LandingPageTemplate
            | RuleKind::Image
            | RuleKind::Form
            | RuleKind::RenameStyle => format!(
                "{program}: {asset_kind} \"{}\" exists in the target as \"{}\"",
                conflict.subject, conflict.existing
            ),
        };
        let choices = conflict.kind.choices();
        let labels: Vec<&str> = choices.iter().map(|r| describe(*r)).collect();
        let now = options.rule_for(conflict.kind, &conflict.subject);
        let default = choices.iter().position(|r| *r == now).unwrap_or(0);
        let pick = Select::new()
            .with_prompt(question)
            .items(&labels)
            .default(default)
            .interact()
            .map_err(interrupted)?;
        options
            .overrides
            .insert((conflict.kind, key(&conflict.subject)), choices[pick]);
    }
}

/// What overwriting the target's asset with the bundle's would change,
/// for a conflict where overwrite is one of the choices.
fn overwrite_diff(
    item: Option<&SourceItem>,
    target: &Subscription,
    conflict: &Conflict,
) -> Option<String> {
    let kind = match conflict.kind {
        RuleKind::EmailTemplate => DesignKind::EmailTemplate,
        RuleKind::LandingPageTemplate => DesignKind::LandingPageTemplate,
        RuleKind::Image => DesignKind::Image,
        RuleKind::Form => DesignKind::Form,
        RuleKind::Program | RuleKind::Tag | RuleKind::ImageToken | RuleKind::RenameStyle => {
            return None
        }
    };
    let bundle = item?.bundle.as_ref().ok()?;
    let incoming = bundle.find_external(kind, &conflict.subject)?;
    let existing = target.find_asset(kind, &conflict.existing)?;
    let path = format!("design-studio/{}/{}", kind.dir(), existing.file);
    // Overwriting keeps the target's name.
    let renamed;
    let new = match &incoming.content {
        AssetContent::Doc(doc) => {
            let mut value = doc.doc.clone();
            if let serde_json::Value::Object(map) = &mut value {
                map.insert("name".into(), existing.name.clone().into());
            }
            renamed = value;
            Side::Doc(&renamed)
        }
        image => Side::of_content(image),
    };
    Some(crate::output::diff::overwrite_diff(
        &path,
        Side::of_stored(existing),
        new,
        crate::output::diff::use_colour(true),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fuzzy_filter_ranks_matches() {
        let names: Vec<String> = [
            "Basic Drip Nurture",
            "Scoring - Spark Edition",
            "Sync New People to CRM",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(fuzzy_filter(&names, "spark")[0], "Scoring - Spark Edition");
        assert_eq!(
            fuzzy_filter(&names, "bdn"),
            vec!["Basic Drip Nurture".to_string()]
        );
        assert_eq!(fuzzy_filter(&names, "").len(), 3);
    }
}
