//! The second stage of a pull: the content of each asset (one call each,
//! or the earlier snapshot's cache when the asset has not changed since),
//! as jobs on one pool: the programs ([`super::program`]) and the design
//! studio (templates, snippets, global forms, files).

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use anyhow::{anyhow, bail, Result};
use serde_json::{json, Map, Value};

use super::lists::Lists;
use super::program::{listed_program, program_job};
use super::MAX_FILE_BYTES;
use crate::marketo::api::{self, Asset, FolderRef};
use crate::marketo::client::{url_host, ApiError, Client, ErrorKind};
use crate::marketo::content::{self, Derived, Lookup, Schema};
use crate::marketo::snapshot::{
    Effective, Entry, FieldInfo, FileEntry, FolderCache, ProgramCache, State, StudioCache,
};
use crate::marketo::tree::Tree;
use crate::marketo::write::{Writer, OWN_STATE};
use crate::model::to_canonical_json;
use crate::names;

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

pub(super) enum Job {
    Program(api::Program),
    EmailTemplate(Asset, String),
    PageTemplate(Asset, String),
    Snippet(Asset, String),
    Form(Asset, String),
    File(api::File, String),
}

pub(super) enum Done {
    Program,
    Studio(&'static str, u64, Option<Entry>),
    File(u64, FileEntry),
    /// A file that could not be downloaded (warned about): not in the
    /// snapshot, not in the cache.
    FileLeftOut,
}

/// The two kinds of template a pull reads the HTML of.
#[derive(Clone, Copy)]
pub(super) enum TemplateJob {
    Email,
    LandingPage,
}

/// A template's HTML (fetched again only when it changed), written as a
/// design-studio document.
pub(super) fn template_job(ctx: &Ctx, a: &Asset, name: &str, kind: TemplateJob) -> Result<Done> {
    let c = ctx.client;
    let studio = &ctx.old.studio;
    let (cache, noun, dir, key) = match kind {
        TemplateJob::Email => (
            &studio.email_templates,
            "email template",
            "email-templates",
            "email_templates",
        ),
        TemplateJob::LandingPage => (
            &studio.landing_page_templates,
            "landing page template",
            "landing-page-templates",
            "landing_page_templates",
        ),
    };
    let entry = ctx.content(
        cache.get(&a.id.to_string()),
        &a.updated_at,
        &a.status,
        &|| format!("{noun} \"{}\"", a.name),
        || match kind {
            TemplateJob::Email => api::email_template_content(c, a.id, &a.status),
            TemplateJob::LandingPage => api::landing_page_template_content(c, a.id, &a.status),
        },
    )?;
    design_doc(
        ctx,
        dir,
        name,
        entry.as_ref().and_then(|e| api::parse_html(&e.result)),
        "html",
    )?;
    Ok(Done::Studio(key, a.id, entry))
}

pub(super) fn run_job(ctx: &Ctx, lists: &Lists, job: &Job) -> Result<Done> {
    let c = ctx.client;
    let studio = &ctx.old.studio;
    match job {
        Job::Program(p) if ctx.shallow => {
            listed_program(ctx, p)?;
            Ok(Done::Program)
        }
        Job::Program(p) => {
            program_job(ctx, lists, p)?;
            Ok(Done::Program)
        }
        Job::EmailTemplate(a, name) => template_job(ctx, a, name, TemplateJob::Email),
        Job::PageTemplate(a, name) => template_job(ctx, a, name, TemplateJob::LandingPage),
        Job::Snippet(a, name) => {
            let entry = ctx.content(
                studio.snippets.get(&a.id.to_string()),
                &a.updated_at,
                &a.status,
                &|| format!("snippet \"{}\"", a.name),
                || api::snippet_content(c, a.id, &a.status),
            )?;
            let html = entry.as_ref().and_then(|e| {
                let sections: Vec<api::SnippetSection> = api::parse_list(&e.result);
                let html = content::snippet(&sections);
                if html.is_none() {
                    ctx.warn(format!(
                        "snippet \"{}\": its content has no HTML section (nor a dynamic one with default HTML); its html is left out",
                        a.name
                    ));
                }
                html
            });
            design_doc(ctx, "snippets", name, html, "html")?;
            Ok(Done::Studio("snippets", a.id, entry))
        }
        Job::Form(a, name) => {
            let entry = ctx.content(
                studio.forms.get(&a.id.to_string()),
                &a.updated_at,
                &a.status,
                &|| format!("form \"{}\"", a.name),
                || api::form_fields(c, a.id, &a.status),
            )?;
            let mut doc = Map::new();
            doc.insert("name".into(), json!(name));
            if let Some(e) = &entry {
                let subject = format!("form \"{}\"", a.name);
                let (names_out, _) = ctx.form_fields(&subject, &e.result);
                doc.insert("fields".into(), json!(names_out));
            }
            let file = format!("design-studio/forms/{}", doc_file_name(name));
            ctx.writer
                .put(&file, &to_canonical_json(&Value::Object(doc)))?;
            Ok(Done::Studio("forms", a.id, entry))
        }
        Job::File(f, name) => {
            let rel = format!("design-studio/images/{name}");
            if let Some(entry) = studio.files.get(&f.id.to_string()).filter(|e| {
                ctx.old.reuse
                    && !f.updated_at.is_empty()
                    && e.updated_at == f.updated_at
                    && e.file == *name
            }) {
                if let Some(bytes) = ctx.writer.old_bytes(&rel) {
                    if crate::digest::sha256_hex(&bytes) == entry.sha256 {
                        ctx.writer.put(&rel, &bytes)?;
                        ctx.reused.fetch_add(1, Ordering::Relaxed);
                        return Ok(Done::File(f.id, entry.clone()));
                    }
                }
            }
            if ctx.stop.load(Ordering::Relaxed) {
                bail!("the pull was stopped");
            }
            let host = url_host(&f.url).to_string();
            let dead = |hosts: &BTreeSet<String>| hosts.contains(&host);
            if dead(&ctx.dead_hosts.lock().unwrap_or_else(|e| e.into_inner())) {
                ctx.warn(format!(
                    "file \"{}\" (id {}) is left out: {host} could not be reached earlier in this pull",
                    f.name, f.id
                ));
                return Ok(Done::FileLeftOut);
            }
            let bytes = match c.download(&f.url, MAX_FILE_BYTES) {
                Ok(bytes) => bytes,
                Err(e) => {
                    if matches!(e.kind, ErrorKind::Unreachable { .. }) {
                        ctx.dead_hosts
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .insert(host.clone());
                    }
                    ctx.warn(format!(
                        "file \"{}\" (id {}) is left out: {}; the next pull tries again",
                        f.name,
                        f.id,
                        download_problem(&e, &f.url)
                    ));
                    return Ok(Done::FileLeftOut);
                }
            };
            ctx.writer.put(&rel, &bytes)?;
            Ok(Done::File(
                f.id,
                FileEntry {
                    updated_at: f.updated_at.clone(),
                    file: name.clone(),
                    sha256: crate::digest::sha256_hex(&bytes),
                },
            ))
        }
    }
}

/// Why a file could not be downloaded, naming the host of its URL.
fn download_problem(e: &ApiError, url: &str) -> String {
    let host = url_host(url);
    match &e.kind {
        ErrorKind::Http { status } => format!("{host} answered HTTP status {status}"),
        // The detail names the host.
        ErrorKind::Unreachable { detail, attempts } => {
            format!("cannot reach {detail} (gave up after {attempts} attempts)")
        }
        ErrorKind::GaveUp { last, .. } => format!("downloading it from {host}: {last}"),
        ErrorKind::NotJson { detail } => format!("{detail} ({}, host {host})", e.endpoint),
        _ => format!("downloading it from {host}: {e}"),
    }
}

/// `<safe name>.json`; names are unique by key, so are their safe forms
/// unless two differ only in unsafe characters: a digest keeps those apart.
pub(super) fn doc_file_name(name: &str) -> String {
    let stem = names::safe_stem(name);
    if stem == name.trim() {
        format!("{stem}.json")
    } else {
        let digest = crate::digest::sha256_hex(name.as_bytes());
        format!("{stem} {}.json", &digest[..8])
    }
}

/// A template or snippet file: `{"name", "html"}`; the HTML is left out
/// when it could not be read.
pub(super) fn design_doc(
    ctx: &Ctx,
    dir: &str,
    name: &str,
    html: Option<String>,
    key: &str,
) -> Result<()> {
    let mut doc = Map::new();
    doc.insert("name".into(), json!(name));
    if let Some(html) = html {
        doc.insert(key.into(), json!(html));
    }
    let file = format!("design-studio/{dir}/{}", doc_file_name(name));
    ctx.writer
        .put(&file, &to_canonical_json(&Value::Object(doc)))
}
