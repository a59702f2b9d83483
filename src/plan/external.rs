//! External assets: templates, global forms and images a program uses,
//! created, reused, renamed or overwritten in the target.

use std::collections::{BTreeMap, BTreeSet};

use super::program::Planner;
use super::world::{Known, Names};
use super::*;
use crate::load::bundle::ExternalAsset;
use crate::model::{AssetContent, DesignKind};
use crate::names::{self, key};
use crate::rules::Rule;

/// How external references are rewritten, and what must be written.
#[derive(Default)]
pub(super) struct Renames {
    pub(super) names: BTreeMap<(DesignKind, String), String>,
    /// (kind, name key) → the name as the bundle spells it.
    pub(super) spelled: BTreeMap<(DesignKind, String), String>,
    pub(super) writes: Vec<AssetWrite>,
}

impl Renames {
    /// Renamed images: (the name in the bundle, the name in the target).
    pub(super) fn image_renames(&self) -> Vec<(String, String)> {
        self.names
            .iter()
            .filter(|((kind, old_key), new)| *kind == DesignKind::Image && key(new) != *old_key)
            .map(|((kind, old_key), new)| {
                let old = self
                    .spelled
                    .get(&(*kind, old_key.clone()))
                    .cloned()
                    .unwrap_or_else(|| old_key.clone());
                (old, new.clone())
            })
            .collect()
    }
}

impl Planner<'_> {
    /// Look an asset up in what this program planned, then in the world.
    pub(super) fn lookup(&self, kind: DesignKind, k: &str) -> Option<Known> {
        self.pending
            .find(kind, k)
            .or_else(|| self.world.assets.get(&(kind, k.to_string())))
            .cloned()
    }

    /// An asset the bundle does not carry, by the name a reference gives:
    /// that name in the target or planned; for an image also the file
    /// name the bundle would have given it ([`names::image_file_name`]),
    /// under which an earlier import of that name landed.
    fn lookup_referenced(&self, kind: DesignKind, name: &str) -> Option<Known> {
        self.lookup(kind, &key(name)).or_else(|| {
            (kind == DesignKind::Image)
                .then(|| self.lookup(kind, &key(&names::image_file_name(name))))
                .flatten()
        })
    }

    /// The asset of the target (or planned in this run) that one the
    /// bundle carries meets, under the name `wanted` it would have there:
    /// `Ok(None)` for none, `Err(other)` when `wanted` is already the name
    /// of another asset of this same bundle (two image names whose safe
    /// file names collide, see [`Planner::plan_carried`]).
    fn same_named(&self, asset: &ExternalAsset, wanted: &str) -> Result<Option<Known>, String> {
        let kind = asset.kind;
        let source = key(&asset.name);
        if key(wanted) != source {
            // An image whose name is no safe file name: the target may
            // still hold a file of exactly that name (put there by hand).
            if let Some(known) = self.world.assets.get(&(kind, source.clone())) {
                if known.origin.is_none() {
                    return Ok(Some(known.clone()));
                }
            }
        }
        let k = key(wanted);
        if let Some(mine) = self.pending.find(kind, &k) {
            return match &mine.origin {
                Some(origin) if key(origin) != source => Err(origin.clone()),
                _ => Ok(Some(mine.clone())),
            };
        }
        Ok(self.world.assets.get(&(kind, k)).cloned())
    }

    pub(super) fn file_taken(&self, kind: DesignKind, file_lower: &str) -> bool {
        let file = (kind, file_lower.to_string());
        self.world.files.contains(&file) || self.pending.files.contains(&file)
    }

    /// External assets the imported emails and landing pages use.
    pub(super) fn plan_external(
        &mut self,
        emails: &[crate::model::Email],
        pages: &[crate::model::LandingPage],
    ) -> Renames {
        let referenced = crate::model::external_references(emails, pages, &self.program().forms);
        let mut seen = BTreeSet::new();
        let mut renames = Renames::default();
        for (kind, name) in referenced {
            if key(&name).is_empty() || !seen.insert((kind, key(&name))) {
                continue;
            }
            let result = match self.carried.get(kind, &name) {
                Some(asset) => self.plan_carried(asset, &mut renames),
                None => match self.lookup_referenced(kind, &name) {
                    Some(known) => {
                        self.row(
                            kind.into(),
                            &name,
                            Action::Reuse,
                            &known.name,
                            "not in the bundle; the target has it",
                        );
                        known.name
                    }
                    None => {
                        self.row(
                            kind.into(),
                            &name,
                            Action::Skip,
                            "",
                            "neither the bundle nor the target has it",
                        );
                        self.error(
                            Code::MissingAsset,
                            format!(
                                "{} \"{name}\" is neither in the bundle nor in the target",
                                kind.noun()
                            ),
                        );
                        name.clone()
                    }
                },
            };
            renames.spelled.insert((kind, key(&name)), name.clone());
            renames.names.insert((kind, key(&name)), result);
        }
        renames
    }

    /// An external asset the bundle carries: create, reuse, rename or
    /// overwrite. Returns its name in the target.
    ///
    /// A template or form goes by its name. An image goes by its file name
    /// ([`names::image_file_name`]): its own name when that is a safe file
    /// name, else the safe name with a digest of the name, so two images of
    /// different names never take one file. Should a bundle still bring two
    /// images that want one file name (one is literally named like the
    /// other's digested file name), the second takes the next free name:
    /// it is never merged with the first.
    pub(super) fn plan_carried(&mut self, asset: &ExternalAsset, renames: &mut Renames) -> String {
        let kind = asset.kind;
        let is_image = kind == DesignKind::Image;
        let source_name = if is_image {
            names::image_file_name(&asset.name)
        } else {
            asset.name.clone()
        };
        let source_key = key(&asset.name);
        let identity = asset.content.identity();
        let report_kind = kind.into();
        let (existing, sibling) = match self.same_named(asset, &source_name) {
            Ok(existing) => (existing, None),
            Err(other) => (None, Some(other)),
        };
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
        if let Some(planned) = self
            .world
            .planned
            .get(&(kind, source_key.clone(), identity.clone()))
        {
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
        let Some(rule_kind) = kind.rule_kind() else {
            // Never reached: a bundle carries no snippets (EXTERNAL_KINDS).
            self.row(
                report_kind,
                &asset.name,
                Action::Skip,
                "",
                "snippets are not imported; the program uses the target's",
            );
            return asset.name.clone();
        };
        let clash = existing.as_ref().map(|known| known.name.clone());
        let (action, result, file, reason) = match existing {
            None if sibling.is_some() => {
                let renamed = self.free_name(kind, &source_name);
                let file = self.new_file(kind, &renamed);
                let reason = format!(
                    "its file name \"{source_name}\" is taken by another {} of this bundle, \"{}\"",
                    kind.noun(),
                    sibling.unwrap_or_default()
                );
                (Action::Rename, renamed, file, reason)
            }
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
                        let renamed = self.free_name(kind, &source_name);
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
            origin: Some(asset.name.clone()),
        };
        self.pending.add(kind, key(&result), known);
        self.pending
            .planned
            .push(((kind, source_key, identity), result.clone()));
        renames.writes.push(AssetWrite {
            kind,
            name: result.clone(),
            source: asset.name.clone(),
            path: format!("design-studio/{}/{}", kind.dir(), file),
            content,
        });
        result
    }

    /// The first free "`<name> <n>`" (spelled as rule `rename-style` says)
    /// for a renamed asset: not taken in the
    /// target, by this run, or by a name this bundle carries itself (those
    /// come next).
    fn free_name(&self, kind: DesignKind, name: &str) -> String {
        self.world.first_free(
            Names::Asset(kind),
            name,
            kind == DesignKind::Image,
            self.options.rules.spelling(),
            |c| self.world.assets.contains_key(&(kind, c.to_string())),
            |c| {
                self.pending.find(kind, c).is_some()
                    || self.carried_names.contains(&(kind, c.to_string()))
            },
        )
    }

    /// A new, unused file name for an asset in its design-studio directory.
    pub(super) fn new_file(&self, kind: DesignKind, name: &str) -> String {
        if kind == DesignKind::Image {
            // An image's file name is its name, already made safe (and, for
            // a renamed one, suffixed after that).
            return name.to_string();
        }
        names::unique_file_name(name, ".json", |f| self.file_taken(kind, f))
    }
}
