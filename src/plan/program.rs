//! Planning one program against the target as the programs before it
//! left it: the rules, the checks, and what `run` will write.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use super::world::{folder_key, Known, Pending, World};
use super::*;
use crate::bundle::{Bundle, ExternalAsset};
use crate::model::{AssetContent, DesignKind, ProgramFile, PROGRAM_LIBRARY};
use crate::names::{self, key};
use crate::rules::{Rule, RuleKind};
use crate::subscription::{split_folder, Subscription};

/// The plan of one program, built step by step.
struct Planner<'a> {
    bundle: &'a Bundle,
    target: &'a Subscription,
    options: &'a PlanOptions,
    world: &'a World,
    pending: Pending,
    assets: Vec<AssetAction>,
    problems: Vec<Problem>,
    unchecked: BTreeSet<&'static str>,
}

pub(super) fn plan_program(
    bundle: &Bundle,
    target: &Subscription,
    options: &PlanOptions,
    world: &mut World,
) -> ProgramPlan {
    let source = &bundle.program;
    let name = source.program.name.clone();
    let mut result = ProgramPlan {
        name: name.clone(),
        bundle: bundle.label.clone(),
        status: Status::Ok,
        imported_as: Some(name.clone()),
        assets: Vec::new(),
        problems: Vec::new(),
        bundle_digest: Some(bundle.digest.clone()),
        writes: None,
    };

    if let Some((existing, planned)) = world.imported.get(&bundle.digest) {
        result.status = Status::Unchanged;
        result.imported_as = Some(existing.clone());
        let reason = if *planned {
            "the same bundle is imported earlier in this run"
        } else {
            "already imported from this same bundle"
        };
        result.assets.push(AssetAction {
            kind: "program",
            name: name.clone(),
            action: Action::Skip,
            result_name: existing.clone(),
            reason: reason.into(),
            conflict: None,
        });
        return result;
    }

    let mut planner = Planner {
        bundle,
        target,
        options,
        world,
        pending: Pending::default(),
        assets: Vec::new(),
        problems: Vec::new(),
        unchecked: BTreeSet::new(),
    };
    planner.check_access(options.user.as_deref());

    // The program itself.
    let imported_as = match world.programs.get(&key(&name)) {
        None => {
            planner.row("program", &name, Action::Create, &name, "new program");
            name.clone()
        }
        Some(existing) => match options.rule_for(RuleKind::Program, &name) {
            Rule::Skip => {
                result.status = Status::Skipped;
                result.imported_as = None;
                result.assets.push(AssetAction {
                    kind: "program",
                    name: name.clone(),
                    action: Action::Skip,
                    result_name: existing.clone(),
                    reason: format!(
                        "program \"{existing}\" exists in the target (rule program=skip)"
                    )
                    .into(),
                    conflict: Some(Box::new(Conflict {
                        kind: RuleKind::Program,
                        subject: name.clone(),
                        existing: existing.clone(),
                    })),
                });
                return result;
            }
            Rule::Rename => {
                let renamed = names::first_free(&name, false, |k| world.programs.contains_key(k));
                planner.row(
                    "program",
                    &name,
                    Action::Rename,
                    &renamed,
                    format!("program \"{existing}\" exists in the target"),
                );
                planner.decided(RuleKind::Program, &name, existing);
                renamed
            }
            _ => {
                planner.row(
                    "program",
                    &name,
                    Action::Create,
                    &name,
                    "a program of this name exists in the target: blocked (rule program=fail)",
                );
                planner.decided(RuleKind::Program, &name, existing);
                planner.problems.push(Problem::error(
                    "program-exists",
                    format!("a program named \"{existing}\" already exists in the target (rule program=fail; use --rule program=rename or program=skip)"),
                ));
                name.clone()
            }
        },
    };

    let folder = planner.resolve_folder(options.folder.as_deref());
    planner.check_channel();
    let tokens = planner.plan_tokens();
    let tags = planner.plan_tags();
    let (emails, pages) = planner.plan_content();
    let forms = source.forms.clone();
    for form in &forms {
        planner.row("form", &form.name, Action::Create, &form.name, "local form");
    }
    let campaigns = planner.plan_campaigns(&emails);
    let renames = planner.plan_external(&emails, &pages);
    planner.check_references(&campaigns, &forms);
    planner.check_tokens(&tokens, &emails, &pages);
    planner.flush_unchecked();

    let blocked = planner
        .problems
        .iter()
        .any(|p| p.severity == Severity::Error);
    let Planner {
        pending,
        assets,
        problems,
        ..
    } = planner;
    result.assets = assets;
    result.problems = problems;
    result.imported_as = Some(imported_as.clone());
    if blocked {
        result.status = Status::Blocked;
        return result;
    }
    let folder = folder.expect("a program without a folder is blocked");

    // Where the program lands: a directory named safely after it, unique in
    // its folder (case-insensitively).
    let folder_k = folder_key(&folder);
    let siblings = world.children.get(&folder_k);
    let dir_name = names::unique_file_name(&imported_as, "", |n| {
        siblings.is_some_and(|s| s.contains(n))
    });
    let mut program = source.clone();
    program.program.name = imported_as.clone();
    program.program.folder = Some(folder.join("/"));
    program.program.tags = tags;
    program.tokens = tokens;
    program.emails = emails.into_iter().map(|e| renames.email(e)).collect();
    program.landing_pages = pages.into_iter().map(|p| renames.page(p, &forms)).collect();
    program.smart_campaigns = campaigns;
    program.imported = None;
    let image_renames = renames.image_renames();

    // Commit what this program adds, so later programs see it.
    let mut asset_writes = Vec::new();
    for ((kind, k), known) in pending.assets {
        world.files.insert((kind, known.file.to_lowercase()));
        world.assets.insert((kind, k), known);
    }
    for write in renames.writes {
        asset_writes.push(write);
    }
    world.planned.extend(pending.planned);
    if let Some(tags) = world.tags.as_mut() {
        for (t, v) in &pending.tags {
            let entry = tags
                .entry(key(t))
                .or_insert_with(|| (t.clone(), BTreeMap::new()));
            entry.1.entry(key(v)).or_insert_with(|| v.clone());
        }
    }
    world
        .programs
        .insert(key(&imported_as), imported_as.clone());
    world
        .imported
        .insert(bundle.digest.clone(), (imported_as.clone(), true));
    world
        .children
        .entry(folder_k)
        .or_default()
        .insert(dir_name.to_lowercase());

    let mut dir_parts = vec!["marketing-activities".to_string()];
    dir_parts.extend(folder.iter().cloned());
    dir_parts.push(dir_name);
    result.writes = Some(ProgramWrites {
        dir: dir_parts.join("/"),
        program,
        assets: asset_writes,
        tags: pending.tags,
        image_renames,
    });
    result
}

/// How external references are rewritten, and what must be written.
#[derive(Default)]
struct Renames {
    names: BTreeMap<(DesignKind, String), String>,
    /// Name key → the name as the bundle spells it.
    spelled: BTreeMap<String, String>,
    writes: Vec<AssetWrite>,
}

impl Renames {
    fn get(&self, kind: DesignKind, name: &str) -> String {
        self.names
            .get(&(kind, key(name)))
            .cloned()
            .unwrap_or_else(|| name.to_string())
    }

    fn email(&self, mut email: crate::model::Email) -> crate::model::Email {
        email.template = email
            .template
            .map(|t| self.get(DesignKind::EmailTemplate, &t));
        email.images = email
            .images
            .iter()
            .map(|i| self.get(DesignKind::Image, i))
            .collect();
        email
    }

    /// Renamed images: (the name in the bundle, the name in the target).
    fn image_renames(&self) -> Vec<(String, String)> {
        self.names
            .iter()
            .filter(|((kind, old_key), new)| *kind == DesignKind::Image && key(new) != *old_key)
            .map(|((_, old_key), new)| {
                let old = self
                    .spelled
                    .get(old_key)
                    .cloned()
                    .unwrap_or_else(|| old_key.clone());
                (old, new.clone())
            })
            .collect()
    }

    fn page(
        &self,
        mut page: crate::model::LandingPage,
        forms: &[crate::model::Form],
    ) -> crate::model::LandingPage {
        page.template = page
            .template
            .map(|t| self.get(DesignKind::LandingPageTemplate, &t));
        page.images = page
            .images
            .iter()
            .map(|i| self.get(DesignKind::Image, i))
            .collect();
        page.forms = page
            .forms
            .iter()
            .map(|f| {
                if forms.iter().any(|local| names::same(&local.name, f)) {
                    f.clone()
                } else {
                    self.get(DesignKind::Form, f)
                }
            })
            .collect();
        page
    }
}

impl<'a> Planner<'a> {
    fn program(&self) -> &'a ProgramFile {
        &self.bundle.program
    }

    fn row(
        &mut self,
        kind: &'static str,
        name: &str,
        action: Action,
        result: &str,
        reason: impl Into<Cow<'static, str>>,
    ) {
        self.assets.push(AssetAction {
            kind,
            name: name.to_string(),
            action,
            result_name: result.to_string(),
            reason: reason.into(),
            conflict: None,
        });
    }

    /// Mark the last row as decided by a conflict rule.
    fn decided(&mut self, kind: RuleKind, subject: &str, existing: &str) {
        if let Some(row) = self.assets.last_mut() {
            row.conflict = Some(Box::new(Conflict {
                kind,
                subject: subject.to_string(),
                existing: existing.to_string(),
            }));
        }
    }

    fn error(&mut self, code: &'static str, message: String) {
        self.problems.push(Problem::error(code, message));
    }

    fn warning(&mut self, code: &'static str, message: String) {
        self.problems.push(Problem::warning(code, message));
    }

    /// Permission and connection.
    fn check_access(&mut self, user: Option<&str>) {
        let meta = &self.target.meta;
        if let Some(users) = &meta.users {
            match user {
                None => self.error(
                    "permission-denied",
                    "the target declares its users, and no acting user was given (use --user EMAIL or set MKIMPORT_USER)".to_string(),
                ),
                Some(user) => match users.iter().find(|(u, _)| names::same(u, user)) {
                    None => self.error(
                        "permission-denied",
                        format!("user \"{user}\" is not a user of the target"),
                    ),
                    Some((_, role)) => {
                        let allowed = match &meta.roles {
                            // Users without roles: the permission cannot be
                            // checked, which is a warning, not a refusal.
                            None => {
                                self.unchecked.insert("roles");
                                true
                            }
                            Some(roles) => roles
                                .iter()
                                .find(|(r, _)| names::same(r, role))
                                .is_some_and(|(_, perms)| {
                                    perms.iter().any(|p| names::same(p, IMPORT_PERMISSION))
                                }),
                        };
                        if !allowed {
                            self.error(
                                "permission-denied",
                                format!("user \"{user}\" has role \"{role}\", which lacks the permission \"{IMPORT_PERMISSION}\""),
                            );
                        }
                    }
                },
            }
        }
        if let Some(connected) = &meta.connected {
            let from = self.program().exported_from.clone().unwrap_or_default();
            let ok = names::same(&from, PROGRAM_LIBRARY)
                || connected.iter().any(|c| names::same(c, &from));
            if !ok {
                let shown = if from.is_empty() {
                    "(none)".to_string()
                } else {
                    format!("\"{from}\"")
                };
                self.error(
                    "not-connected",
                    format!("the bundle was exported from {shown}, which is not connected to the target (connected: {})", quote_list(connected)),
                );
            }
        }
    }

    fn resolve_folder(&mut self, chosen: Option<&str>) -> Option<Vec<String>> {
        let wanted = chosen
            .map(str::to_string)
            .or_else(|| self.program().program.folder.clone())
            .unwrap_or_default();
        if split_folder(&wanted).is_empty() {
            self.error(
                "missing-folder",
                "the program names no campaign folder; choose one with --folder PATH".to_string(),
            );
            return None;
        }
        match self.target.find_folder(&wanted) {
            Some(folder) => Some(folder.path.clone()),
            None => {
                self.error(
                    "missing-folder",
                    format!("campaign folder \"{wanted}\" does not exist in the target"),
                );
                None
            }
        }
    }

    fn check_channel(&mut self) {
        let Some(channel) = self.program().program.channel.clone() else {
            return;
        };
        match &self.target.meta.channels {
            None => {
                self.unchecked.insert("channels");
            }
            Some(channels) => {
                if !channels.iter().any(|c| names::same(&c.name, &channel)) {
                    self.error(
                        "missing-channel",
                        format!("channel \"{channel}\" does not exist in the target"),
                    );
                }
            }
        }
    }

    fn plan_tokens(&mut self) -> Vec<crate::model::Token> {
        let tokens = &self.program().tokens;
        let image_tokens: Vec<&str> = tokens
            .iter()
            .filter(|t| t.kind == "image")
            .map(|t| t.name.as_str())
            .collect();
        let rule = self
            .options
            .rule_for(RuleKind::ImageToken, &self.program().program.name);
        if !image_tokens.is_empty() {
            let names = quote_list(&image_tokens);
            let message = match rule {
                Rule::DropImage => format!("image token {names} is dropped (rule image-token=drop-image)"),
                _ => format!("image token {names} found: no token of this program is imported (rule image-token=drop-all); recreate them in the target"),
            };
            self.warning("image-token", message);
        }
        let locals: BTreeSet<String> = tokens
            .iter()
            .filter(|t| t.inherited_from.is_none())
            .map(|t| key(&t.name))
            .collect();
        let mut kept_keys = BTreeSet::new();
        let mut kept = Vec::new();
        for token in tokens {
            let k = key(&token.name);
            let (action, reason): (Action, Cow<'static, str>) =
                if !image_tokens.is_empty() && rule == Rule::DropAll {
                    (
                        Action::Drop,
                        "the program has an image token (rule image-token=drop-all)".into(),
                    )
                } else if rule == Rule::DropImage && token.kind == "image" {
                    (
                        Action::Drop,
                        "image token (rule image-token=drop-image)".into(),
                    )
                } else if token.inherited_from.is_some() && locals.contains(&k) {
                    (Action::Drop, "a local token of the same name wins".into())
                } else if kept_keys.contains(&k) {
                    (Action::Drop, "a token of the same name comes first".into())
                } else if let Some(from) = &token.inherited_from {
                    (
                        Action::Localize,
                        format!("inherited from folder \"{from}\"; becomes a local token").into(),
                    )
                } else {
                    (Action::Create, "local token".into())
                };
            let result = if action == Action::Drop {
                ""
            } else {
                token.name.as_str()
            };
            self.row("token", &token.name, action, result, reason);
            if token.kind == "image" && image_tokens.first() == Some(&token.name.as_str()) {
                let program = self.program().program.name.clone();
                self.decided(RuleKind::ImageToken, &program, &token.name);
            }
            if action != Action::Drop {
                kept_keys.insert(k);
                kept.push(crate::model::Token {
                    inherited_from: None,
                    ..token.clone()
                });
            }
        }
        kept
    }

    fn plan_tags(&mut self) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();

        for (tag, value) in &self.program().program.tags {
            let shown = format!("{tag}: {value}");
            let Some(tags) = &self.world.tags else {
                self.unchecked.insert("tags");
                out.insert(tag.clone(), value.clone());
                continue;
            };
            let known_type = tags.get(&key(tag));
            let known_value = known_type.and_then(|(_, values)| values.get(&key(value)));
            let pending = self
                .pending
                .tags
                .iter()
                .any(|(t, v)| names::same(t, tag) && names::same(v, value));
            match (known_type, known_value) {
                (Some((t, _)), Some(v)) => {
                    let result = format!("{t}: {v}");
                    self.row(
                        "tag",
                        &shown,
                        Action::Reuse,
                        &result,
                        "exists in the target",
                    );
                    out.insert(t.clone(), v.clone());
                }
                _ if pending => {
                    out.insert(tag.clone(), value.clone());
                }
                _ => {
                    let (t, why) = match known_type {
                        Some((t, _)) => (
                            t.clone(),
                            format!("tag \"{t}\" has no value \"{value}\" in the target"),
                        ),
                        None => (
                            tag.clone(),
                            format!("tag type \"{tag}\" does not exist in the target"),
                        ),
                    };
                    if self.options.rule_for(RuleKind::Tag, &shown) == Rule::Ignore {
                        self.row(
                            "tag",
                            &shown,
                            Action::Ignore,
                            "",
                            format!("{why}; the tag is dropped (rule tag=ignore)"),
                        );
                        self.decided(RuleKind::Tag, &shown, &why);
                    } else {
                        let result = format!("{t}: {value}");
                        self.row(
                            "tag",
                            &shown,
                            Action::Create,
                            &result,
                            format!("{why}; created"),
                        );
                        self.decided(RuleKind::Tag, &shown, &why);
                        self.pending.tags.push((t.clone(), value.clone()));
                        out.insert(t, value.clone());
                    }
                }
            }
        }
        out
    }

    /// Emails and landing pages: skipped when they use dynamic content, or
    /// a snippet or segmentation the target lacks.
    fn plan_content(&mut self) -> (Vec<crate::model::Email>, Vec<crate::model::LandingPage>) {
        let program = self.program();
        let emails = self.plan_pieces("email", "email", &program.emails);
        let pages = self.plan_pieces("landing-page", "landing page", &program.landing_pages);
        (emails, pages)
    }

    /// The pieces of one kind that can be imported, with a row for each.
    fn plan_pieces<T: crate::model::Content + Clone>(
        &mut self,
        kind: &'static str,
        noun: &str,
        pieces: &[T],
    ) -> Vec<T> {
        let mut kept = Vec::new();
        for piece in pieces {
            let what = format!("{noun} \"{}\"", piece.name());
            if self.content_ok(
                &what,
                piece.dynamic_content(),
                piece.snippets(),
                piece.segmentations(),
            ) {
                self.row(
                    kind,
                    piece.name(),
                    Action::Create,
                    piece.name(),
                    "program asset",
                );
                kept.push(piece.clone());
            } else {
                self.row(
                    kind,
                    piece.name(),
                    Action::Skip,
                    "",
                    "not importable (see warnings)",
                );
            }
        }
        kept
    }

    fn content_ok(
        &mut self,
        what: &str,
        dynamic: bool,
        snippets: &[String],
        segmentations: &[String],
    ) -> bool {
        let mut ok = true;
        if dynamic {
            self.warning(
                "dynamic-content",
                format!("{what} uses dynamic content and is skipped"),
            );
            ok = false;
        }
        for snippet in snippets {
            if !self.has_snippet(snippet) {
                self.warning(
                    "missing-snippet",
                    format!(
                        "{what} uses snippet \"{snippet}\", which the target lacks; it is skipped"
                    ),
                );
                ok = false;
            }
        }
        for segmentation in segmentations {
            match &self.target.meta.segmentations {
                None => {
                    self.unchecked.insert("segmentations");
                }
                Some(known) => {
                    if !known.iter().any(|s| names::same(s, segmentation)) {
                        self.warning(
                            "missing-segmentation",
                            format!("{what} uses segmentation \"{segmentation}\", which the target lacks; it is skipped"),
                        );
                        ok = false;
                    }
                }
            }
        }
        ok
    }

    fn has_snippet(&self, name: &str) -> bool {
        self.world
            .assets
            .contains_key(&(DesignKind::Snippet, key(name)))
    }

    fn plan_campaigns(&mut self, emails: &[crate::model::Email]) -> Vec<crate::model::Campaign> {
        let mut out = Vec::new();
        for campaign in &self.program().smart_campaigns {
            let mut landed = campaign.clone();
            let (action, reason): (Action, Cow<'static, str>) = match campaign.kind.as_str() {
                "trigger" => {
                    landed.active = false;
                    (
                        Action::Deactivate,
                        "trigger campaigns are imported inactive: review, then activate".into(),
                    )
                }
                "batch" => {
                    landed.schedule = None;
                    let was = campaign
                        .schedule
                        .as_deref()
                        .map(|s| format!(" (was {s})"))
                        .unwrap_or_default();
                    (
                        Action::Unschedule,
                        format!("batch campaigns are imported unscheduled{was}: schedule again")
                            .into(),
                    )
                }
                _ => (Action::Create, "program asset".into()),
            };
            self.row(
                "smart-campaign",
                &campaign.name,
                action,
                &campaign.name,
                reason,
            );
            for email in &campaign.emails {
                if !emails.iter().any(|e| names::same(&e.name, email)) {
                    let why = if self
                        .program()
                        .emails
                        .iter()
                        .any(|e| names::same(&e.name, email))
                    {
                        "which is skipped"
                    } else {
                        "which the program does not have"
                    };
                    self.warning(
                        "dangling-reference",
                        format!(
                            "smart campaign \"{}\" sends email \"{email}\", {why}",
                            campaign.name
                        ),
                    );
                }
            }
            out.push(landed);
        }
        out
    }

    /// Look an asset up in what this program planned, then in the world.
    fn lookup(&self, kind: DesignKind, k: &str) -> Option<Known> {
        self.pending
            .find(kind, k)
            .or_else(|| self.world.assets.get(&(kind, k.to_string())))
            .cloned()
    }

    fn name_taken(&self, kind: DesignKind, k: &str) -> bool {
        self.lookup(kind, k).is_some()
    }

    fn file_taken(&self, kind: DesignKind, file_lower: &str) -> bool {
        self.world.files.contains(&(kind, file_lower.to_string()))
            || self
                .pending
                .assets
                .iter()
                .any(|((kd, _), known)| *kd == kind && known.file.to_lowercase() == file_lower)
    }

    /// External assets the imported emails and landing pages use.
    fn plan_external(
        &mut self,
        emails: &[crate::model::Email],
        pages: &[crate::model::LandingPage],
    ) -> Renames {
        let mut referenced: Vec<(DesignKind, String)> = Vec::new();
        let local_forms = &self.program().forms;
        for email in emails {
            referenced.extend(
                email
                    .template
                    .iter()
                    .map(|t| (DesignKind::EmailTemplate, t.clone())),
            );
        }
        for page in pages {
            referenced.extend(
                page.template
                    .iter()
                    .map(|t| (DesignKind::LandingPageTemplate, t.clone())),
            );
        }
        for page in pages {
            for form in &page.forms {
                if !local_forms.iter().any(|f| names::same(&f.name, form)) {
                    referenced.push((DesignKind::Form, form.clone()));
                }
            }
        }
        for email in emails {
            referenced.extend(email.images.iter().map(|i| (DesignKind::Image, i.clone())));
        }
        for page in pages {
            referenced.extend(page.images.iter().map(|i| (DesignKind::Image, i.clone())));
        }
        let mut seen = BTreeSet::new();
        let mut renames = Renames::default();
        for (kind, name) in referenced {
            if key(&name).is_empty() || !seen.insert((kind, key(&name))) {
                continue;
            }
            let result = match self.bundle.find_external(kind, &name) {
                Some(asset) => self.plan_carried(asset, &mut renames),
                None => match self.lookup(kind, &key(&name)) {
                    Some(known) => {
                        self.row(
                            kind.report_kind(),
                            &name,
                            Action::Reuse,
                            &known.name,
                            "not in the bundle; the target has it",
                        );
                        known.name
                    }
                    None => {
                        self.row(
                            kind.report_kind(),
                            &name,
                            Action::Skip,
                            "",
                            "neither the bundle nor the target has it",
                        );
                        self.error(
                            "missing-asset",
                            format!(
                                "{} \"{name}\" is neither in the bundle nor in the target",
                                kind.noun()
                            ),
                        );
                        name.clone()
                    }
                },
            };
            renames.spelled.insert(key(&name), name.clone());
            renames.names.insert((kind, key(&name)), result);
        }
        renames
    }

    /// An external asset the bundle carries: create, reuse, rename or
    /// overwrite. Returns its name in the target.
    fn plan_carried(&mut self, asset: &ExternalAsset, renames: &mut Renames) -> String {
        let kind = asset.kind;
        let is_image = kind == DesignKind::Image;
        let source_name = if is_image {
            names::safe_file_name(&asset.name)
        } else {
            asset.name.clone()
        };
        let k = key(&source_name);
        let identity = asset.content.identity();
        let report_kind = kind.report_kind();
        let existing = self.lookup(kind, &k);
        if let Some(known) = &existing {
            if known.identity == identity {
                self.row(
                    report_kind,
                    &asset.name,
                    Action::Reuse,
                    &known.name,
                    "identical",
                );
                return known.name.clone();
            }
        }
        if let Some(planned) = self.world.planned.get(&(kind, k.clone(), identity.clone())) {
            let planned = planned.clone();
            self.row(
                report_kind,
                &asset.name,
                Action::Reuse,
                &planned,
                "identical",
            );
            return planned;
        }
        let rule_kind = match kind {
            DesignKind::EmailTemplate => RuleKind::EmailTemplate,
            DesignKind::LandingPageTemplate => RuleKind::LandingPageTemplate,
            DesignKind::Image => RuleKind::Image,
            _ => RuleKind::Form,
        };
        let clash = existing.as_ref().map(|known| known.name.clone());
        let (action, result, file, reason) = match existing {
            None => {
                let file = self.new_file(kind, &source_name);
                (Action::Create, source_name.clone(), file, "new".to_string())
            }
            Some(known) => {
                let why = format!("name exists in target as \"{}\"", known.name);
                match self.options.rule_for(rule_kind, &asset.name) {
                    Rule::Reuse => {
                        self.row(
                            report_kind,
                            &asset.name,
                            Action::Reuse,
                            &known.name,
                            format!("{why} (rule {rule_kind}=reuse)"),
                        );
                        self.decided(rule_kind, &asset.name, &known.name);
                        return known.name;
                    }
                    Rule::Overwrite => (
                        Action::Overwrite,
                        known.name.clone(),
                        known.file.clone(),
                        format!("{why}; its content is replaced (rule {rule_kind}=overwrite)"),
                    ),
                    _ => {
                        // Skip names taken in the target or by this run, and
                        // names this bundle carries itself (they come next).
                        let renamed = names::first_free(&source_name, is_image, |c| {
                            self.name_taken(kind, c) || self.bundle.find_external(kind, c).is_some()
                        });
                        let file = self.new_file(kind, &renamed);
                        (
                            Action::Rename,
                            renamed,
                            file,
                            format!("{why} (rule {rule_kind}=rename)"),
                        )
                    }
                }
            }
        };
        self.row(report_kind, &asset.name, action, &result, reason);
        if let Some(clash) = clash {
            self.decided(rule_kind, &asset.name, &clash);
        }
        let content = match &asset.content {
            AssetContent::Doc(doc) => {
                let mut doc = doc.clone();
                if let serde_json::Value::Object(map) = &mut doc.doc {
                    map.insert(
                        "name".to_string(),
                        serde_json::Value::String(result.clone()),
                    );
                }
                doc.name = result.clone();
                AssetContent::Doc(doc)
            }
            image => image.clone(),
        };
        let known = Known {
            name: result.clone(),
            identity: identity.clone(),
            file: file.clone(),
        };
        self.pending.assets.push(((kind, key(&result)), known));
        self.pending
            .planned
            .push(((kind, k, identity), result.clone()));
        renames.writes.push(AssetWrite {
            kind,
            name: result.clone(),
            source: asset.name.clone(),
            path: format!("design-studio/{}/{}", kind.dir(), file),
            content,
        });
        result
    }

    /// A new, unused file name for an asset in its design-studio directory.
    fn new_file(&self, kind: DesignKind, name: &str) -> String {
        if kind == DesignKind::Image {
            // An image's file name is its name, already made safe (and, for
            // a renamed one, suffixed after that).
            return name.to_string();
        }
        names::unique_file_name(name, ".json", |f| self.file_taken(kind, f))
    }

    /// Fields, webhooks, custom objects, and what `requires` adds.
    fn check_references(
        &mut self,
        campaigns: &[crate::model::Campaign],
        forms: &[crate::model::Form],
    ) {
        let program = self.program();
        let meta = &self.target.meta;

        // Fields: (name, required type).
        let mut fields: Vec<(String, Option<String>)> = Vec::new();
        for field in &program.requires.fields {
            fields.push((field.name.clone(), field.kind.clone()));
        }
        for campaign in campaigns {
            fields.extend(campaign.fields.iter().map(|f| (f.clone(), None)));
        }
        for form in forms {
            fields.extend(form.fields.iter().map(|f| (f.clone(), None)));
        }
        for asset in &self.bundle.external {
            let written = self
                .pending
                .planned
                .iter()
                .any(|((kd, k, _), _)| *kd == asset.kind && *k == key(&asset.name));
            if let (DesignKind::Form, AssetContent::Doc(doc), true) =
                (asset.kind, &asset.content, written)
            {
                fields.extend(doc.fields().into_iter().map(|f| (f, None)));
            }
        }
        if !fields.is_empty() {
            match &meta.fields {
                None => {
                    self.unchecked.insert("fields");
                }
                Some(known) => {
                    let mut reported = BTreeSet::new();
                    for (name, wanted) in &fields {
                        let found = known.iter().find(|f| names::same(&f.name, name));
                        match found {
                            None => {
                                if reported.insert(key(name)) {
                                    self.error(
                                        "missing-field",
                                        format!("field \"{name}\" does not exist in the target"),
                                    );
                                }
                            }
                            Some(def) => {
                                if let (Some(want), Some(have)) = (wanted, &def.kind) {
                                    if !names::same(want, have) && reported.insert(key(name)) {
                                        self.error(
                                            "field-type-mismatch",
                                            format!("field \"{name}\" has type \"{have}\" in the target; the program requires \"{want}\""),
                                        );
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }

        let webhooks = program
            .requires
            .webhooks
            .iter()
            .chain(campaigns.iter().flat_map(|c| c.webhooks.iter()));
        self.check_declared(
            webhooks.cloned().collect(),
            &meta.webhooks,
            "webhooks",
            "missing-webhook",
            "webhook",
        );
        let objects = program
            .requires
            .custom_objects
            .iter()
            .chain(campaigns.iter().flat_map(|c| c.custom_objects.iter()));
        self.check_declared(
            objects.cloned().collect(),
            &meta.custom_objects,
            "custom_objects",
            "missing-custom-object",
            "custom object",
        );

        for campaign in campaigns {
            if campaign
                .triggers
                .iter()
                .any(|t| names::same(t, CUSTOM_OBJECT_TRIGGER))
            {
                self.error(
                    "custom-object-trigger",
                    format!("smart campaign \"{}\" uses the trigger \"{CUSTOM_OBJECT_TRIGGER}\", which cannot be imported", campaign.name),
                );
            }
        }

        for snippet in &program.requires.snippets {
            if !self.has_snippet(snippet) {
                self.warning(
                    "missing-snippet",
                    format!("the program requires snippet \"{snippet}\", which the target lacks"),
                );
            }
        }
        for segmentation in &program.requires.segmentations {
            match &meta.segmentations {
                None => {
                    self.unchecked.insert("segmentations");
                }
                Some(known) => {
                    if !known.iter().any(|s| names::same(s, segmentation)) {
                        self.warning(
                            "missing-segmentation",
                            format!("the program requires segmentation \"{segmentation}\", which the target lacks"),
                        );
                    }
                }
            }
        }
    }

    fn check_declared(
        &mut self,
        wanted: Vec<String>,
        declared: &Option<Vec<String>>,
        meta_key: &'static str,
        code: &'static str,
        noun: &str,
    ) {
        if wanted.is_empty() {
            return;
        }
        let Some(known) = declared else {
            self.unchecked.insert(meta_key);
            return;
        };
        let mut reported = BTreeSet::new();
        for name in wanted {
            if !known.iter().any(|k| names::same(k, &name)) && reported.insert(key(&name)) {
                self.error(
                    code,
                    format!("{noun} \"{name}\" does not exist in the target"),
                );
            }
        }
    }

    /// `{{my.X}}` references that no imported token satisfies.
    fn check_tokens(
        &mut self,
        tokens: &[crate::model::Token],
        emails: &[crate::model::Email],
        pages: &[crate::model::LandingPage],
    ) {
        let defined: BTreeSet<String> = tokens.iter().map(|t| key(&t.name)).collect();
        let mut missing: BTreeMap<String, (String, Vec<String>)> = BTreeMap::new();
        let mut scan = |text: &str, place: String| {
            for token in token_references(text) {
                if !defined.contains(&key(&token)) {
                    let entry = missing
                        .entry(key(&token))
                        .or_insert_with(|| (token.clone(), Vec::new()));
                    if !entry.1.contains(&place) {
                        entry.1.push(place.clone());
                    }
                }
            }
        };
        for email in emails {
            let place = format!("email \"{}\"", email.name);
            if let Some(subject) = &email.subject {
                scan(subject, place.clone());
            }
            scan(&email.html, place);
        }
        for page in pages {
            scan(&page.html, format!("landing page \"{}\"", page.name));
        }
        // A rich-text token may itself use other tokens.
        for token in tokens {
            if let Some(value) = token.value.as_str() {
                scan(value, format!("token \"{}\"", token.name));
            }
        }
        for (_, (token, places)) in missing {
            self.warning(
                "unresolved-token",
                format!(
                    "{{{{{token}}}}} is used by {} but no imported token defines it",
                    places.join(", ")
                ),
            );
        }
    }

    fn flush_unchecked(&mut self) {
        for what in std::mem::take(&mut self.unchecked) {
            self.warning(
                "unchecked",
                if what == "roles" {
                    "the target declares users but no \"roles\", so the acting user's permission was not checked".to_string()
                } else {
                    format!(
                        "the target does not declare \"{what}\", so the program's {} were not checked",
                        what.replace('_', " ")
                    )
                },
            );
        }
    }
}

fn quote_list<S: AsRef<str>>(items: &[S]) -> String {
    items
        .iter()
        .map(|s| format!("\"{}\"", s.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}
