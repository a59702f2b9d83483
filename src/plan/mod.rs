//! The planner: a pure function from source bundles, the target
//! subscription and the rules to a [`Plan`] listing every action and every
//! problem. It does no I/O; `preview` renders the plan and `run` applies it.
//!
//! Programs are planned in order, each against the target as the programs
//! before it leave it ("what would happen if they were imported one after
//! the other"): an asset planned for an earlier program counts as existing
//! for the later ones. A blocked program leaves nothing behind.
//!
//! - this module: the plan's types and the entry points;
//! - `world`: the target as the plan goes;
//! - `program`: planning one program: the program, tokens, tags, content,
//!   campaigns, and what to write;
//! - `external`: the external assets it uses (the conflict rules);
//! - `checks`: what blocks it or warns (access, channel, tokens ...);
//! - `fields`: field identity (by API name, else by name);
//! - `flows`: smart lists and flows (services, custom activities, CRM
//!   flow steps, lists and programs outside the program);
//! - `hydrate`: completing a planned program for `run`.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::error::InputError;
use crate::load::bundle::{Origin, SourceItem};
use crate::load::subscription::Subscription;
use crate::model::{AssetContent, DesignKind};
use crate::names::key;
use crate::rules::{Rule, RuleKind, Rules, ServiceMap};

mod checks;
mod external;
mod fields;
mod flows;
mod hydrate;
mod problem;
mod program;
mod text;
mod world;

pub use crate::model::token_references;
pub use hydrate::{hydrate, land, rewrite_file_references};
pub use problem::{Code, Problem, Severity, Undeclared};
use program::plan_program;
pub use text::{Text, Texts};
use world::World;

/// The permission a role needs to import programs.
pub const IMPORT_PERMISSION: &str = "import_program";
/// A trigger that cannot be imported.
pub const CUSTOM_OBJECT_TRIGGER: &str = "Custom Object is Updated";

/// What the user chose besides the sources and the target.
#[derive(Debug, Clone, Default)]
pub struct PlanOptions {
    pub rules: Rules,
    /// How self-service flow steps map to the target's (`--map-service`,
    /// a rules file's `services`).
    pub services: ServiceMap,
    /// `--folder`: where every program goes; else each goes to its own.
    pub folder: Option<String>,
    /// `--user` or `MKIMPORT_USER`.
    pub user: Option<String>,
    /// Per-conflict choices (`--conflict ask`): (kind, subject key) → rule,
    /// over `rules`.
    pub overrides: BTreeMap<(RuleKind, String), Rule>,
}

impl PlanOptions {
    /// The rule for one conflict: its override, else the kind's rule.
    pub fn rule_for(&self, kind: RuleKind, subject: &str) -> Rule {
        self.overrides
            .get(&(kind, key(subject)))
            .copied()
            .unwrap_or_else(|| self.rules.get(kind))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    Create,
    Reuse,
    Rename,
    Overwrite,
    Skip,
    Ignore,
    Localize,
    Deactivate,
    Unschedule,
    Drop,
    /// A self-service flow step mapped to one of the target (spec 8).
    Remap,
    /// What a live instance's API cannot write (smart-list rules and flow
    /// steps, tokens of some types, tag values): to do by hand (spec 11).
    Manual,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Reuse => "reuse",
            Action::Rename => "rename",
            Action::Overwrite => "overwrite",
            Action::Skip => "skip",
            Action::Ignore => "ignore",
            Action::Localize => "localize",
            Action::Deactivate => "deactivate",
            Action::Unschedule => "unschedule",
            Action::Drop => "drop",
            Action::Remap => "remap",
            Action::Manual => "manual",
        }
    }
}

/// What a row of the plan is about, as the report spells it (spec
/// section 5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AssetKind {
    Program,
    Email,
    LandingPage,
    Form,
    SmartCampaign,
    Token,
    Tag,
    EmailTemplate,
    LandingPageTemplate,
    Image,
    ExternalForm,
    Snippet,
    /// A self-service flow step, "Provider/Step" (spec 8).
    Service,
}

impl AssetKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AssetKind::Program => "program",
            AssetKind::Email => "email",
            AssetKind::LandingPage => "landing-page",
            AssetKind::Form => "form",
            AssetKind::SmartCampaign => "smart-campaign",
            AssetKind::Token => "token",
            AssetKind::Tag => "tag",
            AssetKind::EmailTemplate => "email-template",
            AssetKind::LandingPageTemplate => "landing-page-template",
            AssetKind::Image => "image",
            AssetKind::ExternalForm => "external-form",
            AssetKind::Snippet => "snippet",
            AssetKind::Service => "service",
        }
    }
}

impl std::fmt::Display for AssetKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<DesignKind> for AssetKind {
    fn from(kind: DesignKind) -> AssetKind {
        match kind {
            DesignKind::EmailTemplate => AssetKind::EmailTemplate,
            DesignKind::LandingPageTemplate => AssetKind::LandingPageTemplate,
            DesignKind::Form => AssetKind::ExternalForm,
            DesignKind::Snippet => AssetKind::Snippet,
            DesignKind::Image => AssetKind::Image,
        }
    }
}

impl AssetKind {
    /// The design-studio kind of a row's asset (the inverse of
    /// `From<DesignKind>`); None for what lives in a program.
    pub fn design_kind(self) -> Option<DesignKind> {
        match self {
            AssetKind::EmailTemplate => Some(DesignKind::EmailTemplate),
            AssetKind::LandingPageTemplate => Some(DesignKind::LandingPageTemplate),
            AssetKind::ExternalForm => Some(DesignKind::Form),
            AssetKind::Snippet => Some(DesignKind::Snippet),
            AssetKind::Image => Some(DesignKind::Image),
            AssetKind::Program
            | AssetKind::Email
            | AssetKind::LandingPage
            | AssetKind::Form
            | AssetKind::SmartCampaign
            | AssetKind::Token
            | AssetKind::Tag
            | AssetKind::Service => None,
        }
    }
}

/// One row of the plan: what happens to one asset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AssetAction {
    // Fields in alphabetical order: they serialise in this order, and the
    // report's keys are sorted.
    pub action: Action,
    pub kind: AssetKind,
    pub name: Text,
    /// Why.
    pub reason: Text,
    pub result_name: Text,
}

/// A decision a conflict rule made, so `--conflict ask` can ask about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// The row of the program it decided (its position in `assets`).
    pub row: usize,
    pub kind: RuleKind,
    /// What the rule was applied to (a program, asset or tag name).
    pub subject: String,
    /// The clashing name in the target, or a short description.
    pub existing: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Blocked,
    Unchanged,
    Skipped,
    /// A live instance refused a write half-way; what the run had created
    /// for the program was removed again (spec 11).
    Failed,
}

/// A design-studio file that `run` writes.
#[derive(Debug, Clone, PartialEq)]
pub struct AssetWrite {
    pub kind: DesignKind,
    /// The asset's name in the target.
    pub name: String,
    /// Its name in the bundle.
    pub source: String,
    /// Path relative to the target root.
    pub path: String,
    pub content: AssetContent,
}

/// Everything `run` writes for one program.
#[derive(Debug, Clone, PartialEq)]
pub struct ProgramWrites {
    /// Where the bundle is read again from, to write it.
    pub origin: Origin,
    /// The program's directory, relative to the target root.
    pub dir: String,
    /// How the program lands; `run` builds the file it writes from it and
    /// the bundle, read again (see [`hydrate`]).
    pub landing: Landing,
    pub assets: Vec<AssetWrite>,
    /// Tag values to add to the target's `subscription.json`: (type, value).
    pub tags: Vec<(String, String)>,
    /// Images renamed: (name in the bundle, name in the target); their file
    /// names in the HTML are rewritten when the program is written.
    pub image_renames: Vec<(String, String)>,
}

/// What the planner decided about each part of a program, and only that:
/// a plan of thousands of programs keeps no copy of them (see
/// [`hydrate::land`], which builds the landed `program.json` from this and
/// the bundle's program).
#[derive(Debug, Clone, PartialEq)]
pub struct Landing {
    /// The name it is imported as.
    pub name: String,
    /// The target folder, `/`-separated.
    pub folder: String,
    pub tags: BTreeMap<String, String>,
    /// Positions, in the bundle's program, of the tokens, emails and
    /// landing pages that are imported (the others are dropped or skipped).
    pub tokens: Vec<u32>,
    pub emails: Vec<u32>,
    pub pages: Vec<u32>,
    /// Every external reference: (kind, name key) → its name in the target.
    pub references: BTreeMap<(DesignKind, String), String>,
    /// Field, service, list and program names the import rewrites.
    pub rewrites: hydrate::Rewrites,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ProgramPlan {
    pub name: String,
    pub bundle: String,
    pub status: Status,
    pub imported_as: Option<String>,
    pub assets: Vec<AssetAction>,
    pub problems: Vec<Problem>,
    /// The rows a conflict rule decided (see [`PlanOptions::rule_for`]).
    pub conflicts: Vec<Conflict>,
    /// The digest of the bundle (none when it could not be read).
    pub bundle_digest: Option<String>,
    /// What `run` writes; present when the status is `ok`.
    pub writes: Option<ProgramWrites>,
    /// The API calls writing it takes (a live instance, spec 13).
    pub calls: Option<u64>,
}

impl ProgramPlan {
    pub fn errors(&self) -> usize {
        self.problems
            .iter()
            .filter(|p| p.severity == Severity::Error)
            .count()
    }
    pub fn warnings(&self) -> usize {
        self.problems.len() - self.errors()
    }
    pub fn is_bad_input(&self) -> bool {
        self.problems.iter().any(|p| p.code == Code::BadInput)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub rules: Rules,
    pub folder: Option<String>,
    pub programs: Vec<ProgramPlan>,
    /// Digest of the target state the plan was computed from.
    pub target_digest: String,
}

impl Plan {
    pub fn count(&self, status: Status) -> usize {
        self.programs.iter().filter(|p| p.status == status).count()
    }
    pub fn has_bad_input(&self) -> bool {
        self.programs.iter().any(ProgramPlan::is_bad_input)
    }
}

// ---------------------------------------------------------------------
// Planning

/// Plan the import of every item, in order, into `target`.
pub fn plan(items: &[SourceItem], target: &Subscription, options: &PlanOptions) -> Plan {
    let mut planning = Planning::new(target, options);
    for item in items {
        planning.add(item);
    }
    planning.finish()
}

/// A plan being made one program at a time, in order: each program is
/// planned against the target as the programs before it leave it. The
/// caller may drop a bundle's content as soon as it was added (see
/// [`Bundle::release`](crate::load::bundle::Bundle::release)), so a source of
/// thousands of bundles is never held in memory at once.
pub struct Planning<'a> {
    target: &'a Subscription,
    options: &'a PlanOptions,
    world: World,
    texts: Texts,
    programs: Vec<ProgramPlan>,
}

impl<'a> Planning<'a> {
    pub fn new(target: &'a Subscription, options: &'a PlanOptions) -> Planning<'a> {
        Planning {
            target,
            options,
            world: World::new(target),
            texts: Texts::default(),
            programs: Vec::new(),
        }
    }

    /// Room for `programs` programs at once, when their number is known:
    /// the plan then never holds two copies while it grows.
    pub fn reserve(&mut self, programs: usize) {
        self.programs.reserve_exact(programs);
    }

    /// Plan the next program; its plan, for the caller to look at.
    pub fn add(&mut self, item: &SourceItem) -> &mut ProgramPlan {
        let planned = plan_item(
            item,
            self.target,
            self.options,
            &mut self.world,
            &mut self.texts,
        );
        self.programs.push(planned);
        self.programs.last_mut().expect("a program was just added")
    }

    pub fn finish(self) -> Plan {
        finish(self.programs, self.target, self.options)
    }
}

fn plan_item(
    item: &SourceItem,
    target: &Subscription,
    options: &PlanOptions,
    world: &mut World,
    texts: &mut Texts,
) -> ProgramPlan {
    let mut planned = match &item.bundle {
        Ok(bundle) => plan_program(bundle, target, options, world, texts),
        Err(err) => bad_input(&item.label, err),
    };
    planned.assets.shrink_to_fit();
    planned
}

fn finish(programs: Vec<ProgramPlan>, target: &Subscription, options: &PlanOptions) -> Plan {
    Plan {
        rules: options.rules.clone(),
        folder: options.folder.clone(),
        programs,
        target_digest: target.digest.clone(),
    }
}

fn bad_input(label: &str, err: &InputError) -> ProgramPlan {
    ProgramPlan {
        name: label.to_string(),
        bundle: label.to_string(),
        status: Status::Blocked,
        imported_as: None,
        assets: Vec::new(),
        problems: vec![Problem::error(Code::BadInput, err.to_string())],
        conflicts: Vec::new(),
        bundle_digest: None,
        writes: None,
        calls: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_references_are_rewritten_only_as_whole_names() {
        let html = r#"<img src="https://x/images/hero.png"><img src="superhero.png"><a href='hero.png?v=1'>"#;
        assert_eq!(
            rewrite_file_references(html, "hero.png", "hero%201.png"),
            r#"<img src="https://x/images/hero%201.png"><img src="superhero.png"><a href='hero%201.png?v=1'>"#
        );
    }

    #[test]
    fn file_references_are_rewritten_at_once_never_in_a_chain() {
        // "a:b.png" lands as "a_b~x.png" while a second image literally
        // named "a_b~x.png" is renamed: each reference goes to its own.
        let pairs = vec![
            ("a:b.png".to_string(), "a_b~x.png".to_string()),
            ("a_b~x.png".to_string(), "a_b~x%201.png".to_string()),
        ];
        let renames = hydrate::FileRenames::new(&pairs);
        assert_eq!(
            renames.rewrite(r#"<img src="a:b.png"><img src='/i/a_b~x.png?v=2'>"#),
            r#"<img src="a_b~x.png"><img src='/i/a_b~x%201.png?v=2'>"#
        );
        // The longest name wins where two match.
        let pairs = vec![
            ("my hero.png".to_string(), "new%20hero.png".to_string()),
            ("my".to_string(), "your".to_string()),
        ];
        assert_eq!(
            hydrate::FileRenames::new(&pairs).rewrite(r#"src="my hero.png" alt="my""#),
            r#"src="new%20hero.png" alt="your""#
        );
        assert_eq!(
            rewrite_file_references("é/héro.png", "héro.png", "x.png"),
            "é/x.png"
        );
    }
}
