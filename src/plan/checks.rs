//! The checks that can block a program or warn about it: access,
//! channel, fields, webhooks, custom objects, tokens.

use std::collections::{BTreeMap, BTreeSet};

use super::program::{quote_list, Planner};
use super::*;
use crate::model::{AssetContent, DesignKind, PROGRAM_LIBRARY};
use crate::names::{self, key};

impl Planner<'_> {
    /// Permission and connection.
    pub(super) fn check_access(&mut self, user: Option<&str>) {
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

    pub(super) fn check_channel(&mut self) {
        let Some(channel) = self.program().program.channel.clone() else {
            return;
        };
        match &self.world.declared.channels {
            None => {
                self.unchecked.insert("channels");
            }
            Some(channels) => {
                if !channels.contains(&key(&channel)) {
                    self.error(
                        "missing-channel",
                        format!("channel \"{channel}\" does not exist in the target"),
                    );
                }
            }
        }
    }

    /// Fields, webhooks, custom objects, and what `requires` adds.
    pub(super) fn check_references(
        &mut self,
        campaigns: &[crate::model::Campaign],
        forms: &[crate::model::Form],
    ) {
        let program = self.program();

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
        let planned: BTreeSet<(DesignKind, &str)> = self
            .pending
            .planned
            .iter()
            .map(|((kind, k, _), _)| (*kind, k.as_str()))
            .collect();
        for asset in &self.bundle.external {
            let written = planned.contains(&(asset.kind, key(&asset.name).as_str()));
            if let (DesignKind::Form, AssetContent::Doc(doc), true) =
                (asset.kind, &asset.content, written)
            {
                fields.extend(doc.fields().into_iter().map(|f| (f, None)));
            }
        }
        if !fields.is_empty() {
            match &self.world.declared.fields {
                None => {
                    self.unchecked.insert("fields");
                }
                Some(known) => {
                    let mut reported = BTreeSet::new();
                    for (name, wanted) in &fields {
                        match known.get(&key(name)) {
                            None => {
                                if reported.insert(key(name)) {
                                    self.error(
                                        "missing-field",
                                        format!("field \"{name}\" does not exist in the target"),
                                    );
                                }
                            }
                            Some(kind) => {
                                if let (Some(want), Some(have)) = (wanted, kind) {
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
            self.world.declared.webhooks.as_ref(),
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
            self.world.declared.custom_objects.as_ref(),
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
            match &self.world.declared.segmentations {
                None => {
                    self.unchecked.insert("segmentations");
                }
                Some(known) => {
                    if !known.contains(&key(segmentation)) {
                        self.warning(
                            "missing-segmentation",
                            format!("the program requires segmentation \"{segmentation}\", which the target lacks"),
                        );
                    }
                }
            }
        }
    }

    pub(super) fn check_declared(
        &mut self,
        wanted: Vec<String>,
        declared: Option<&BTreeSet<String>>,
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
            if !known.contains(&key(&name)) && reported.insert(key(&name)) {
                self.error(
                    code,
                    format!("{noun} \"{name}\" does not exist in the target"),
                );
            }
        }
    }

    /// `{{my.X}}` references that no imported token satisfies.
    pub(super) fn check_tokens(
        &mut self,
        tokens: &[crate::model::Token],
        emails: &[crate::model::Email],
        pages: &[crate::model::LandingPage],
    ) {
        let defined: BTreeSet<String> = tokens.iter().map(|t| key(&t.name)).collect();
        // Token key → (its spelling, the places using it in order, and the
        // same places as a set, so a token used in many places is listed
        // in linear time).
        type Places = (String, Vec<String>, BTreeSet<String>);
        let mut missing: BTreeMap<String, Places> = BTreeMap::new();
        let mut scan = |text: &str, place: String| {
            for token in token_references(text) {
                if !defined.contains(&key(&token)) {
                    let entry = missing
                        .entry(key(&token))
                        .or_insert_with(|| (token.clone(), Vec::new(), BTreeSet::new()));
                    if entry.2.insert(place.clone()) {
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
        for (_, (token, places, _)) in missing {
            self.warning(
                "unresolved-token",
                format!(
                    "{{{{{token}}}}} is used by {} but no imported token defines it",
                    places.join(", ")
                ),
            );
        }
    }

    pub(super) fn flush_unchecked(&mut self) {
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
