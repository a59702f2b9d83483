//! Planning one program against the target as the programs before it
//! left it: the rules, the checks, and what `run` will write.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashSet};

use super::hydrate::{land_campaign, landed_token, picked, Rewrites};
use super::world::{folder_key, Names, Pending, World};
use super::*;
use crate::load::bundle::{Bundle, ExternalIndex};
use crate::load::subscription::{split_folder, Subscription};
use crate::model::{CampaignType, DesignKind, Email, LandingPage, ProgramFile, Token, TokenType};
use crate::names::{self, key};
use crate::rules::{Rule, RuleKind};

/// The plan of one program, built step by step.
pub(super) struct Planner<'a> {
    pub(super) bundle: &'a Bundle,
    /// The bundle's external assets by (kind, name key).
    pub(super) carried: ExternalIndex<'a>,
    /// (kind, name key) of the names its external assets want in the
    /// target (for an image, its file name), which a rename must not take.
    pub(super) carried_names: HashSet<(DesignKind, String)>,
    pub(super) target: &'a Subscription,
    pub(super) options: &'a PlanOptions,
    pub(super) world: &'a World,
    pub(super) pending: Pending,
    pub(super) assets: Vec<AssetAction>,
    pub(super) problems: Vec<Problem>,
    pub(super) unchecked: BTreeSet<Undeclared>,
    pub(super) texts: &'a mut Texts,
    pub(super) conflicts: Vec<Conflict>,
}

pub(super) fn plan_program(
    bundle: &Bundle,
    target: &Subscription,
    options: &PlanOptions,
    world: &mut World,
    texts: &mut Texts,
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
        conflicts: Vec::new(),
        bundle_digest: Some(bundle.digest.clone()),
        writes: None,
        calls: None,
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
            kind: AssetKind::Program,
            name: texts.get(&name),
            action: Action::Skip,
            result_name: texts.get(existing),
            reason: texts.get(reason),
        });
        return result;
    }

    let mut planner = Planner {
        bundle,
        carried: bundle.external_index(),
        carried_names: bundle
            .external
            .iter()
            .map(|a| {
                let wanted = if a.kind == DesignKind::Image {
                    names::image_file_name(&a.name)
                } else {
                    a.name.clone()
                };
                (a.kind, key(&wanted))
            })
            .collect(),
        target,
        options,
        world,
        pending: Pending::default(),
        assets: Vec::new(),
        problems: Vec::new(),
        unchecked: BTreeSet::new(),
        texts,
        conflicts: Vec::new(),
    };
    planner.check_access(options.user.as_deref());

    // The program itself.
    let imported_as = match world.programs.get(&key(&name)) {
        None => {
            planner.row(
                AssetKind::Program,
                &name,
                Action::Create,
                &name,
                "new program",
            );
            name.clone()
        }
        Some(existing) => match options.rule_for(RuleKind::Program, &name) {
            Rule::Skip => {
                result.status = Status::Skipped;
                result.imported_as = None;
                result.assets.push(AssetAction {
                    kind: AssetKind::Program,
                    name: texts.get(&name),
                    action: Action::Skip,
                    result_name: texts.get(existing),
                    reason: texts.get(&format!(
                        "program \"{existing}\" exists in the target (rule program=skip)"
                    )),
                });
                result.conflicts.push(Conflict {
                    row: result.assets.len() - 1,
                    kind: RuleKind::Program,
                    subject: name.clone(),
                    existing: existing.clone(),
                });
                return result;
            }
            Rule::Rename => {
                let renamed = world.first_free(
                    Names::Program,
                    &name,
                    false,
                    options.rules.spelling(),
                    |k| world.programs.contains_key(k),
                    |_| false,
                );
                planner.row(
                    AssetKind::Program,
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
                    AssetKind::Program,
                    &name,
                    Action::Create,
                    &name,
                    "a program of this name exists in the target: blocked (rule program=fail)",
                );
                planner.decided(RuleKind::Program, &name, existing);
                planner.problems.push(Problem::error(
                    Code::ProgramExists,
                    format!("a program named \"{existing}\" already exists in the target (rule program=fail; use --rule program=rename or program=skip)"),
                ));
                name.clone()
            }
        },
    };

    let folder = planner.resolve_folder(options.folder.as_deref());
    let folder_tokens = folder
        .as_deref()
        .map(|f| planner.target_folder_tokens(f))
        .unwrap_or_default();
    planner.check_channel();
    let token_at = planner.plan_tokens();
    let tokens: Vec<Token> = picked(&source.tokens, &token_at)
        .map(landed_token)
        .collect();
    let tags = planner.plan_tags();
    let (email_at, page_at) = planner.plan_content();
    let emails: Vec<Email> = picked(&source.emails, &email_at).cloned().collect();
    let pages: Vec<LandingPage> = picked(&source.landing_pages, &page_at).cloned().collect();
    let forms = &source.forms;
    for form in forms {
        planner.row(
            AssetKind::Form,
            &form.name,
            Action::Create,
            &form.name,
            "local form",
        );
    }
    let mut campaigns = planner.plan_campaigns(&emails);
    planner.plan_flows(&mut campaigns, &imported_as);
    let mut renames = planner.plan_external(&emails, &pages);
    let field_renames = planner.check_fields(&campaigns, forms);
    planner.check_references(&campaigns);
    planner.check_tokens(&tokens, &folder_tokens, &emails, &pages);
    planner.flush_unchecked();
    field_renames.apply_to_writes(&mut renames.writes);
    let rewrites = Rewrites::between(
        &source.smart_campaigns,
        &campaigns,
        field_renames.into_names(),
    );

    let blocked = planner
        .problems
        .iter()
        .any(|p| p.severity == Severity::Error);
    let Planner {
        pending,
        assets,
        problems,
        conflicts,
        ..
    } = planner;
    result.assets = assets;
    result.problems = problems;
    result.conflicts = conflicts;
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
    let image_renames = renames.image_renames();
    let landing = Landing {
        name: imported_as.clone(),
        folder: folder.join("/"),
        tags,
        tokens: token_at,
        emails: email_at,
        pages: page_at,
        references: renames.names,
        rewrites,
    };

    // Commit what this program adds, so later programs see it.
    let mut asset_writes = Vec::new();
    world.files.extend(pending.files);
    for (k, known) in pending.assets {
        world.assets.insert(k, known);
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
        origin: bundle.origin.clone(),
        dir: dir_parts.join("/"),
        landing,
        assets: asset_writes,
        tags: pending.tags,
        image_renames,
    });
    result
}

impl<'a> Planner<'a> {
    pub(super) fn program(&self) -> &'a ProgramFile {
        &self.bundle.program
    }

    pub(super) fn row(
        &mut self,
        kind: AssetKind,
        name: &str,
        action: Action,
        result: &str,
        reason: impl Into<Cow<'static, str>>,
    ) {
        let reason = reason.into();
        self.assets.push(AssetAction {
            kind,
            name: self.texts.get(name),
            action,
            result_name: self.texts.get(result),
            reason: self.texts.get(&reason),
        });
    }

    /// Mark the last row as decided by a conflict rule.
    pub(super) fn decided(&mut self, kind: RuleKind, subject: &str, existing: &str) {
        if let Some(row) = self.assets.len().checked_sub(1) {
            self.conflicts.push(Conflict {
                row,
                kind,
                subject: subject.to_string(),
                existing: existing.to_string(),
            });
        }
    }

    pub(super) fn error(&mut self, code: Code, message: String) {
        self.problems.push(Problem::error(code, message));
    }

    pub(super) fn warning(&mut self, code: Code, message: String) {
        self.problems.push(Problem::warning(code, message));
    }

    pub(super) fn resolve_folder(&mut self, chosen: Option<&str>) -> Option<Vec<String>> {
        let wanted = chosen
            .map(str::to_string)
            .or_else(|| self.program().program.folder.clone())
            .unwrap_or_default();
        if split_folder(&wanted).is_empty() {
            self.error(
                Code::MissingFolder,
                "the program names no campaign folder; choose one with --folder PATH".to_string(),
            );
            return None;
        }
        let wanted_key = split_folder(&wanted)
            .iter()
            .map(|s| key(s))
            .collect::<Vec<_>>()
            .join("/");
        match self.world.folders.get(&wanted_key) {
            Some(&i) => Some(self.target.folders[i].path.clone()),
            None => {
                let hint = self.world.folder_hint(&wanted_key, &wanted, self.target);
                self.error(
                    Code::MissingFolder,
                    format!("campaign folder \"{wanted}\" does not exist in the target{hint}"),
                );
                None
            }
        }
    }

    /// The tokens, a row each; the positions of those that are imported.
    pub(super) fn plan_tokens(&mut self) -> Vec<u32> {
        let tokens = &self.program().tokens;
        let image_tokens: Vec<&str> = tokens
            .iter()
            .filter(|t| t.kind == TokenType::Image)
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
            self.warning(Code::ImageToken, message);
        }
        let locals: BTreeSet<String> = tokens
            .iter()
            .filter(|t| t.inherited_from.is_none())
            .map(|t| key(&t.name))
            .collect();
        let mut kept_keys = BTreeSet::new();
        let mut kept = Vec::new();
        for (at, token) in (0u32..).zip(tokens) {
            let k = key(&token.name);
            let (action, reason): (Action, Cow<'static, str>) =
                if !image_tokens.is_empty() && rule == Rule::DropAll {
                    (
                        Action::Drop,
                        "the program has an image token (rule image-token=drop-all)".into(),
                    )
                } else if rule == Rule::DropImage && token.kind == TokenType::Image {
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
            self.row(AssetKind::Token, &token.name, action, result, reason);
            if token.kind == TokenType::Image && image_tokens.first() == Some(&token.name.as_str())
            {
                let program = self.program().program.name.clone();
                self.decided(RuleKind::ImageToken, &program, &token.name);
            }
            if action != Action::Drop {
                kept_keys.insert(k);
                kept.push(at);
            }
        }
        kept
    }

    pub(super) fn plan_tags(&mut self) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();

        for (tag, value) in &self.program().program.tags {
            let shown = format!("{tag}: {value}");
            let Some(tags) = &self.world.tags else {
                self.unchecked.insert(Undeclared::Tags);
                out.insert(tag.clone(), value.clone());
                continue;
            };
            let known_type = tags.get(&key(tag));
            let known_value = known_type.and_then(|(_, values)| values.get(&key(value)));
            let pending = self.pending.tag_keys.contains(&(key(tag), key(value)));
            match (known_type, known_value) {
                (Some((t, _)), Some(v)) => {
                    let result = format!("{t}: {v}");
                    self.row(
                        AssetKind::Tag,
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
                            AssetKind::Tag,
                            &shown,
                            Action::Ignore,
                            "",
                            format!("{why}; the tag is dropped (rule tag=ignore)"),
                        );
                        self.decided(RuleKind::Tag, &shown, &why);
                    } else {
                        let result = format!("{t}: {value}");
                        self.row(
                            AssetKind::Tag,
                            &shown,
                            Action::Create,
                            &result,
                            format!("{why}; created"),
                        );
                        self.decided(RuleKind::Tag, &shown, &why);
                        self.pending.tag_keys.insert((key(&t), key(value)));
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
    pub(super) fn plan_content(&mut self) -> (Vec<u32>, Vec<u32>) {
        let program = self.program();
        let emails = self.plan_pieces(AssetKind::Email, "email", &program.emails);
        let pages = self.plan_pieces(
            AssetKind::LandingPage,
            "landing page",
            &program.landing_pages,
        );
        (emails, pages)
    }

    /// The pieces of one kind, a row each; the positions of those that can
    /// be imported.
    pub(super) fn plan_pieces<T: crate::model::Content>(
        &mut self,
        kind: AssetKind,
        noun: &str,
        pieces: &[T],
    ) -> Vec<u32> {
        let mut kept = Vec::new();
        for (at, piece) in (0u32..).zip(pieces) {
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
                kept.push(at);
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

    pub(super) fn content_ok(
        &mut self,
        what: &str,
        dynamic: bool,
        snippets: &[String],
        segmentations: &[String],
    ) -> bool {
        let mut ok = true;
        if dynamic {
            self.warning(
                Code::DynamicContent,
                format!("{what} uses dynamic content and is skipped"),
            );
            ok = false;
        }
        for snippet in snippets {
            if !self.has_snippet(snippet) {
                self.warning(
                    Code::MissingSnippet,
                    format!(
                        "{what} uses snippet \"{snippet}\", which the target lacks; it is skipped"
                    ),
                );
                ok = false;
            }
        }
        for segmentation in segmentations {
            if self.lacks_segmentation(segmentation) {
                self.warning(
                    Code::MissingSegmentation,
                    format!("{what} uses segmentation \"{segmentation}\", which the target lacks; it is skipped"),
                );
                ok = false;
            }
        }
        ok
    }

    /// Does the target lack this segmentation? Not when it declares no
    /// segmentations at all: that is noted as unchecked instead.
    pub(super) fn lacks_segmentation(&mut self, name: &str) -> bool {
        match &self.world.declared.segmentations {
            None => {
                self.unchecked.insert(Undeclared::Segmentations);
                false
            }
            Some(known) => !known.contains(&key(name)),
        }
    }

    pub(super) fn has_snippet(&self, name: &str) -> bool {
        self.world
            .assets
            .contains_key(&(DesignKind::Snippet, key(name)))
    }

    pub(super) fn plan_campaigns(
        &mut self,
        emails: &[crate::model::Email],
    ) -> Vec<crate::model::Campaign> {
        let mut out = Vec::new();
        let kept: BTreeSet<String> = emails.iter().map(|e| key(&e.name)).collect();
        let all: BTreeSet<String> = self.program().emails.iter().map(|e| key(&e.name)).collect();
        for campaign in &self.program().smart_campaigns {
            let landed = land_campaign(campaign);
            let (action, reason): (Action, Cow<'static, str>) = match &campaign.kind {
                CampaignType::Trigger => (
                    Action::Deactivate,
                    "trigger campaigns are imported inactive: review, then activate".into(),
                ),
                CampaignType::Batch => {
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
                CampaignType::Other(_) => (Action::Create, "program asset".into()),
            };
            self.row(
                AssetKind::SmartCampaign,
                &campaign.name,
                action,
                &campaign.name,
                reason,
            );
            for email in &campaign.emails {
                if !kept.contains(&key(email)) {
                    let why = if all.contains(&key(email)) {
                        "which is skipped"
                    } else {
                        "which the program does not have"
                    };
                    self.warning(
                        Code::DanglingReference,
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
}

pub(super) fn quote_list<S: AsRef<str>>(items: &[S]) -> String {
    items
        .iter()
        .map(|s| format!("\"{}\"", s.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}
