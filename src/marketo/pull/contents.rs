//! The second stage of a pull: the content of each asset (one call each,
//! or the earlier snapshot's cache when the asset has not changed since).
//! What the content jobs share ([`Ctx`]), the earlier snapshot ([`Old`])
//! and how many calls are left to make; the jobs are the programs'
//! ([`super::program`]) and the design studio's ([`super::studio`]).

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use anyhow::{anyhow, bail, Result};
use serde_json::Value;

use super::lists::Lists;
use crate::marketo::api::{self, Asset, FolderRef};
use crate::marketo::client::{ApiError, Client};
use crate::marketo::content::{self, Derived, Lookup, Schema};
use crate::marketo::snapshot::{
    Effective, Entry, FieldInfo, FolderCache, ProgramCache, State, StudioCache,
};
use crate::marketo::tree::Tree;
use crate::marketo::write::{Writer, OWN_STATE};

// ---------------------------------------------------------------------
// The earlier snapshot.

/// What an earlier pull into DIR left that this one can reuse.
#[derive(Debug, Default)]
pub(super) struct Old {
    pub(super) dir: Option<PathBuf>,
    /// The earlier snapshot is of this instance (else nothing is reused).
    pub(super) reuse: bool,
    pub(super) state: Option<State>,
    pub(super) name: Option<String>,
    pub(super) studio: StudioCache,
    pub(super) folders: FolderCache,
}

impl Old {
    pub(super) fn load(dir: Option<PathBuf>, instance: &str, refetch: bool) -> Old {
        let Some(dir) = dir else {
            return Old::default();
        };
        let read = |rel: &str| -> Option<Value> {
            let bytes = std::fs::read(dir.join(rel)).ok()?;
            serde_json::from_slice(&bytes).ok()
        };
        let state: Option<State> =
            read(&format!("{OWN_STATE}/state.json")).and_then(|v| serde_json::from_value(v).ok());
        let same = state.as_ref().is_some_and(|s| s.instance == instance);
        let name = same
            .then(|| read("subscription.json"))
            .flatten()
            .and_then(|v| v.get("name").and_then(Value::as_str).map(str::to_string));
        let reuse = same && !refetch;
        let cache = |rel: &str| read(&format!("{OWN_STATE}/cache/{rel}"));
        let studio = reuse
            .then(|| cache("design-studio.json"))
            .flatten()
            .and_then(|v| serde_json::from_value(v).ok())
            .unwrap_or_default();
        let folders = reuse
            .then(|| cache("folders.json"))
            .flatten()
            .and_then(|v| serde_json::from_value(v).ok())
            .unwrap_or_default();
        Old {
            dir: Some(dir),
            reuse,
            state: if same { state } else { None },
            name,
            studio,
            folders,
        }
    }

    pub(super) fn program(&self, id: u64) -> ProgramCache {
        let Some(dir) = self.dir.as_ref().filter(|_| self.reuse) else {
            return ProgramCache::default();
        };
        std::fs::read(dir.join(program_cache_rel(id)))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }
}

pub(super) fn program_cache_rel(id: u64) -> String {
    format!("{OWN_STATE}/cache/programs/{id}.json")
}

// ---------------------------------------------------------------------
// The jobs.

/// Everything the content jobs share.
pub(super) struct Ctx<'a> {
    pub(super) client: &'a Client,
    pub(super) old: &'a Old,
    pub(super) writer: &'a Writer,
    pub(super) tree: Tree,
    pub(super) lookup: Lookup,
    pub(super) schema: Schema,
    /// Lead fields by API name (lower-cased) and by display-name key.
    pub(super) fields_by_api: HashMap<String, FieldInfo>,
    pub(super) fields_by_name: HashMap<String, FieldInfo>,
    pub(super) email_templates: HashMap<u64, String>,
    pub(super) page_templates: HashMap<u64, String>,
    /// Assets of each program.
    pub(super) of_program: HashMap<u64, ProgramAssets>,
    /// Effective tokens below each campaign folder.
    pub(super) effective: HashMap<FolderRef, Effective>,
    pub(super) fetched: AtomicU64,
    pub(super) reused: AtomicU64,
    /// The progress line's estimate of the calls: the calls found needed
    /// while fetching (a dynamic section's segmentation) are added to it.
    pub(super) estimate: Arc<AtomicU64>,
    pub(super) warnings: Mutex<Vec<String>>,
    /// Hosts of files that could not be reached: their other files are
    /// not tried again in this pull.
    pub(super) dead_hosts: Mutex<BTreeSet<String>>,
    pub(super) stop: &'a AtomicBool,
    /// See [`PullOptions::shallow`].
    pub(super) shallow: bool,
}

#[derive(Debug, Default)]
pub(super) struct ProgramAssets {
    pub(super) emails: Vec<api::Email>,
    pub(super) landing_pages: Vec<api::LandingPage>,
    pub(super) forms: Vec<Asset>,
    pub(super) campaigns: Vec<api::SmartCampaign>,
}

impl Ctx<'_> {
    pub(super) fn warn(&self, text: String) {
        self.warnings
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(text);
    }

    /// A warning for each asset an email's or page's content refers to
    /// that the instance's lists did not hold.
    pub(super) fn warn_unknown(&self, subject: &str, unknown: &[String]) {
        for unknown in unknown {
            self.warn(format!(
                "{subject} refers to {unknown}, which the instance did not list"
            ));
        }
    }

    /// The content of an asset: the earlier snapshot's when it is fresh,
    /// else fetched. `Ok(None)` when the instance will not give it (709: a
    /// business rule, 610: gone since it was listed), with a warning.
    pub(super) fn content(
        &self,
        old: Option<&Entry>,
        updated_at: &str,
        status: &str,
        what: &dyn Fn() -> String,
        fetch: impl FnOnce() -> Result<Value, ApiError>,
    ) -> Result<Option<Entry>> {
        if let Some(entry) = old.filter(|e| self.old.reuse && e.fresh(updated_at, status)) {
            self.reused.fetch_add(1, Ordering::Relaxed);
            return Ok(Some(entry.clone()));
        }
        if self.stop.load(Ordering::Relaxed) {
            bail!("the pull was stopped");
        }
        self.fetched.fetch_add(1, Ordering::Relaxed);
        match fetch() {
            Ok(result) => Ok(Some(Entry {
                updated_at: updated_at.to_string(),
                status: status.to_string(),
                result,
                dynamic: Default::default(),
            })),
            Err(e) if matches!(e.code(), Some("709" | "610")) => {
                self.warn(format!("{}: not readable, left out ({e})", what()));
                Ok(None)
            }
            Err(e) => Err(anyhow!(e).context(format!("cannot read {}", what()))),
        }
    }

    /// The segmentations of the dynamic sections of an email or a page
    /// whose content answer gives only their content id (as real instances
    /// answer): one call each, `fetch` with the content id (Get Email or
    /// Landing Page Dynamic Content), counted in `content_calls` and added
    /// to the progress estimate. The answers are kept in the asset's cache
    /// `entry`, beside its content and as fresh as it, so an asset whose
    /// content comes from the cache costs no call. A call Marketo refuses
    /// (709, 610, 702) leaves the asset `dynamic_content` without that
    /// segmentation, with a warning naming the asset and the section (and
    /// is asked again by the next pull); so does an answer naming none.
    pub(super) fn dynamic_segmentations(
        &self,
        subject: &str,
        entry: &mut Entry,
        derived: &mut Derived,
        fetch: impl Fn(&str) -> Result<Value, ApiError>,
    ) -> Result<()> {
        for section in derived.dynamic_sections.clone() {
            let answer = match entry.dynamic.get(&section.content_id) {
                Some(answer) => {
                    self.reused.fetch_add(1, Ordering::Relaxed);
                    answer.clone()
                }
                None => {
                    if self.stop.load(Ordering::Relaxed) {
                        bail!("the pull was stopped");
                    }
                    self.estimate.fetch_add(1, Ordering::Relaxed);
                    self.fetched.fetch_add(1, Ordering::Relaxed);
                    match fetch(&section.content_id) {
                        Ok(answer) => {
                            entry
                                .dynamic
                                .insert(section.content_id.clone(), answer.clone());
                            answer
                        }
                        Err(e) if matches!(e.code(), Some("709" | "610" | "702")) => {
                            self.warn(format!(
                                "{subject}: dynamic section \"{}\": its segmentation could not be read ({e}); the asset is dynamic_content without it",
                                section.section
                            ));
                            continue;
                        }
                        Err(e) => {
                            return Err(anyhow!(e).context(format!(
                            "cannot read the segmentation of dynamic section \"{}\" of {subject}",
                            section.section
                        )))
                        }
                    }
                }
            };
            match content::dynamic_segmentation(&answer) {
                Some(id) => derived.add_segmentation(id, &self.lookup),
                None => self.warn(format!(
                    "{subject}: dynamic section \"{}\": Marketo's answer names no segmentation; the asset is dynamic_content without it",
                    section.section
                )),
            }
        }
        Ok(())
    }

    /// A warning for each section of an email or page that could not be
    /// read.
    pub(super) fn warn_unreadable(&self, subject: &str, d: &Derived) {
        for section in &d.unreadable {
            self.warn(format!("{subject}: {section}"));
        }
        if !d.html_known() {
            self.warn(format!(
                "{subject}: no section could be read, so its html is left out (not written as empty)"
            ));
        }
    }

    /// The lead fields of a form's field list (a `fields.json` result), by
    /// display name, with what the snapshot declares of each; a warning
    /// for each row left out that held something.
    pub(super) fn form_fields(&self, subject: &str, raw: &Value) -> (Vec<String>, Vec<FieldInfo>) {
        let rows: Vec<api::FormField> = api::parse_list(raw);
        let read = content::form(&rows);
        for left_out in &read.left_out {
            self.warn(format!("{subject}: {left_out}"));
        }
        let mut names_out = Vec::new();
        let mut infos = Vec::new();
        for id in &read.fields {
            match self.fields_by_api.get(&id.to_lowercase()) {
                Some(info) => {
                    names_out.push(info.display.clone());
                    infos.push(info.clone());
                }
                None => {
                    names_out.push(id.clone());
                    infos.push(FieldInfo {
                        display: id.clone(),
                        api: String::new(),
                        kind: String::new(),
                    });
                }
            }
        }
        (names_out, infos)
    }
}

/// How many content calls the pull still needs (for the progress bar):
/// the contents the earlier snapshot does not hold fresh. The calls for
/// dynamic sections' segmentations are added as the contents that need
/// them are read ([`Ctx::dynamic_segmentations`]): how many an asset has
/// is known only from its content.
pub(super) fn estimate(ctx: &Ctx, selected: &[&api::Program], lists: &Lists) -> u64 {
    let mut n = 0u64;
    let stale = |old: Option<&Entry>, at: &str, status: &str| {
        u64::from(!(ctx.old.reuse && old.is_some_and(|e| e.fresh(at, status))))
    };
    for f in &ctx.tree.folders {
        n += stale(
            ctx.old.folders.tokens.get(&f.id.id.to_string()),
            &f.updated_at,
            "",
        );
    }
    for p in selected {
        let cache = ctx.old.program(p.id);
        n += stale(cache.tokens.as_ref(), &p.updated_at, "");
        if let Some(a) = ctx.of_program.get(&p.id) {
            for e in &a.emails {
                n += stale(
                    cache.emails.get(&e.asset.id.to_string()),
                    &e.asset.updated_at,
                    &e.asset.status,
                );
            }
            for e in &a.landing_pages {
                n += stale(
                    cache.landing_pages.get(&e.asset.id.to_string()),
                    &e.asset.updated_at,
                    &e.asset.status,
                );
            }
            for e in &a.forms {
                n += stale(cache.forms.get(&e.id.to_string()), &e.updated_at, &e.status);
            }
            for e in &a.campaigns {
                n += stale(cache.campaigns.get(&e.id.to_string()), &e.updated_at, "");
            }
        }
    }
    let s = &ctx.old.studio;
    for a in &lists.email_templates {
        n += stale(
            s.email_templates.get(&a.id.to_string()),
            &a.updated_at,
            &a.status,
        );
    }
    for a in &lists.landing_page_templates {
        n += stale(
            s.landing_page_templates.get(&a.id.to_string()),
            &a.updated_at,
            &a.status,
        );
    }
    for a in &lists.snippets {
        n += stale(s.snippets.get(&a.id.to_string()), &a.updated_at, &a.status);
    }
    n
}
