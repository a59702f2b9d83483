//! The checks that can block a program or warn about it: access,
//! channel, fields, webhooks, custom objects, tokens.

use std::collections::{BTreeMap, BTreeSet};

use super::program::{quote_list, Planner};
use super::world::folder_key;
use super::*;
use crate::model::{Token, PROGRAM_LIBRARY};
use crate::names::{self, key};

impl<'a> Planner<'a> {
    /// Permission and connection.
    pub(super) fn check_access(&mut self, user: Option<&str>) {
        let meta = &self.target.meta;
        if let Some(users) = &meta.users {
            match user {
                None => self.error(
                    Code::PermissionDenied,
                    "the target declares its users, and no acting user was given (use --user EMAIL or set MKIMPORT_USER)".to_string(),
                ),
                Some(user) => match users.iter().find(|(u, _)| names::same(u, user)) {
                    None => self.error(
                        Code::PermissionDenied,
                        format!("user \"{user}\" is not a user of the target"),
                    ),
                    Some((_, role)) => {
                        let allowed = match &meta.roles {
                            // Users without roles: the permission cannot be
                            // checked, which is a warning, not a refusal.
                            None => {
                                self.unchecked.insert(Undeclared::Roles);
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
                                Code::PermissionDenied,
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
                    Code::NotConnected,
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
                self.unchecked.insert(Undeclared::Channels);
            }
            Some(channels) => {
                if !channels.contains(&key(&channel)) {
                    self.error(
                        Code::MissingChannel,
                        format!("channel \"{channel}\" does not exist in the target"),
                    );
                }
            }
        }
    }

    /// Webhooks, custom objects, the custom-object trigger, and the
    /// snippets and segmentations `requires` adds. (Fields: `fields.rs`.)
    pub(super) fn check_references(&mut self, campaigns: &[crate::model::Campaign]) {
        let program = self.program();
        let requires = &program.requires;
        let world = self.world;
        let declared = [
            (
                &requires.webhooks,
                campaigns
                    .iter()
                    .flat_map(|c| &c.webhooks)
                    .collect::<Vec<_>>(),
                world.declared.webhooks.as_ref(),
                Undeclared::Webhooks,
                Code::MissingWebhook,
                "webhook",
            ),
            (
                &requires.custom_objects,
                campaigns.iter().flat_map(|c| &c.custom_objects).collect(),
                world.declared.custom_objects.as_ref(),
                Undeclared::CustomObjects,
                Code::MissingCustomObject,
                "custom object",
            ),
        ];
        for (required, used, known, meta_key, code, noun) in declared {
            let wanted = required.iter().chain(used).cloned().collect();
            self.check_declared(wanted, known, meta_key, code, noun);
        }

        for campaign in campaigns {
            let is_it = |t: &String| names::same(t, CUSTOM_OBJECT_TRIGGER);
            let place = if campaign.triggers.iter().any(is_it) {
                "the trigger"
            } else if campaign.filters().iter().any(is_it) {
                "the smart-list entry"
            } else {
                continue;
            };
            self.error(
                Code::CustomObjectTrigger,
                format!("smart campaign \"{}\" uses {place} \"{CUSTOM_OBJECT_TRIGGER}\", which cannot be imported", campaign.name),
            );
        }

        for snippet in &program.requires.snippets {
            if !self.has_snippet(snippet) {
                self.warning(
                    Code::MissingSnippet,
                    format!("the program requires snippet \"{snippet}\", which the target lacks"),
                );
            }
        }
        for segmentation in &program.requires.segmentations {
            if self.lacks_segmentation(segmentation) {
                self.warning(
                    Code::MissingSegmentation,
                    format!("the program requires segmentation \"{segmentation}\", which the target lacks"),
                );
            }
        }
    }

    pub(super) fn check_declared(
        &mut self,
        wanted: Vec<String>,
        declared: Option<&BTreeSet<String>>,
        meta_key: Undeclared,
        code: Code,
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

    /// The My Tokens a program placed in `folder` of the target inherits
    /// there (spec section 8): those of the folder and of every folder
    /// above it, nearest first; a nearer folder's token hides a farther
    /// one's of the same name. Each with its folder's path.
    pub(super) fn target_folder_tokens(&self, folder: &[String]) -> Vec<(&'a Token, String)> {
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        for depth in (1..=folder.len()).rev() {
            let Some(&i) = self.world.folders.get(&folder_key(&folder[..depth])) else {
                continue;
            };
            let found = &self.target.folders[i];
            for token in &found.tokens {
                if seen.insert(key(&token.name)) {
                    out.push((token, found.path_string()));
                }
            }
        }
        out
    }

    /// `{{my.X}}` references that neither an imported token nor a token of
    /// the target folder chain (`inherited`) satisfies; imported tokens
    /// that hide a target folder token of another value.
    pub(super) fn check_tokens(
        &mut self,
        tokens: &[Token],
        inherited: &[(&Token, String)],
        emails: &[crate::model::Email],
        pages: &[crate::model::LandingPage],
    ) {
        let from_folders: BTreeMap<String, &(&Token, String)> =
            inherited.iter().map(|t| (key(&t.0.name), t)).collect();
        for token in tokens {
            if let Some((theirs, folder)) = from_folders.get(&key(&token.name)) {
                if theirs.value != token.value {
                    self.warning(
                        Code::TokenShadowsFolder,
                        format!(
                            "token \"{}\" of the program (value {}) hides the token \"{}\" of the target folder \"{folder}\" (value {}); the program's value wins",
                            token.name,
                            show_value(&token.value),
                            theirs.name,
                            show_value(&theirs.value)
                        ),
                    );
                }
            }
        }
        let defined: BTreeSet<String> = tokens
            .iter()
            .map(|t| key(&t.name))
            .chain(from_folders.keys().cloned())
            .collect();
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
                Code::UnresolvedToken,
                format!(
                    "{{{{{token}}}}} is used by {} but neither an imported token nor a token of the target folder defines it",
                    places.join(", ")
                ),
            );
        }
    }

    pub(super) fn flush_unchecked(&mut self) {
        for what in std::mem::take(&mut self.unchecked) {
            self.warning(Code::Unchecked, what.message());
        }
    }
}

/// A token's value in a message: a string in quotes, anything else as JSON.
fn show_value(value: &serde_json::Value) -> String {
    value.to_string()
}
