//! `mkimport pull` (spec section 10): write a subscription directory that
//! describes a live instance.
//!
//! 1. **Lists** (every page, 200 records a page, all lists at once): the
//!    Marketing Activities folders, programs (with their tags through
//!    `program/byTag`), emails, landing pages, forms, smart campaigns,
//!    email and landing-page templates, snippets, files, channels, tag
//!    types, segmentations, lead fields, custom objects and custom
//!    activity types.
//! 2. **Content**, one call per asset that a list cannot carry, skipped
//!    when the earlier snapshot holds that asset's content at the same
//!    `updatedAt`: folder and program tokens, email and landing-page
//!    sections, form fields, campaign smart lists, template and snippet
//!    HTML; files are downloaded from their public URLs (not API calls).
//! 3. **Write** the snapshot beside DIR and put it in place
//!    ([`super::write`]).
//!
//! docs/marketo.md has the mapping field by field and the call counts.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use anyhow::{anyhow, bail, Result};
use serde::Serialize;
use serde_json::{json, Map, Value};

use super::api::{self, Asset, FolderKind, FolderRef, Listed};
use super::client::{ApiError, Client};
use super::content::{self, Lookup, Schema};
use super::index::{self, Index, IndexedAsset, IndexedProgram};
use super::snapshot::{
    self, sorted_names, Effective, Entry, FieldInfo, FileEntry, FolderCache, ProgramCache, State,
    StudioCache, CACHE_FORMAT,
};
use super::tree::{Owner, Tree};
use super::write::{self, OutDir, Writer, OWN_STATE};
use crate::error::{show, usage};
use crate::model::{to_canonical_json, DesignKind, FORMAT};
use crate::names;

/// What a pull needs besides the client.
#[derive(Debug, Clone)]
pub struct PullOptions {
    pub out: PathBuf,
    pub programs: Vec<String>,
    pub name: Option<String>,
    pub refetch: bool,
    /// Show a progress bar on standard error.
    pub progress: bool,
    /// Only what a plan reads of a target: the schema, the folders and
    /// their tokens, the design studio, and each program as its list
    /// gives it (name, type, channel, description, folder), without its
    /// tags, tokens, emails, pages, forms and campaigns. What `preview`
    /// and `run` against an instance pull.
    pub shallow: bool,
}

/// The summary `--json` prints.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub mkimport: u64,
    pub mode: &'static str,
    pub instance: String,
    pub out: String,
    pub name: String,
    /// `pulled_from.at` of the snapshot now in DIR.
    pub at: String,
    /// Did DIR change (false: the instance was unchanged, nothing written)?
    pub changed: bool,
    pub programs: usize,
    pub folders: usize,
    pub design_studio: BTreeMap<&'static str, usize>,
    /// Every API call sent (token calls and retries included).
    pub calls: u64,
    pub token_calls: u64,
    pub list_calls: u64,
    pub content_calls: u64,
    pub retries: u64,
    /// Contents taken from the earlier snapshot instead of fetched.
    pub reused: u64,
    /// Files downloaded from their public URLs (not API calls).
    pub downloads: u64,
    /// What the API cannot read, left undeclared in subscription.json.
    pub undeclared: Vec<&'static str>,
    pub warnings: Vec<String>,
}

/// Keys of subscription.json the API cannot fill (spec section 10).
const UNDECLARED: [&str; 7] = [
    "connected",
    "crm",
    "lists",
    "roles",
    "services",
    "users",
    "webhooks",
];

/// Files larger than this are not downloaded (an error names them).
const MAX_FILE_BYTES: u64 = 256 << 20;

// ---------------------------------------------------------------------
// The earlier snapshot.

/// What an earlier pull into DIR left that this one can reuse.
#[derive(Debug, Default)]
struct Old {
    dir: Option<PathBuf>,
    /// The earlier snapshot is of this instance (else nothing is reused).
    reuse: bool,
    state: Option<State>,
    name: Option<String>,
    studio: StudioCache,
    folders: FolderCache,
}

impl Old {
    fn load(dir: Option<PathBuf>, instance: &str, refetch: bool) -> Old {
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

    fn program(&self, id: u64) -> ProgramCache {
        let Some(dir) = self.dir.as_ref().filter(|_| self.reuse) else {
            return ProgramCache::default();
        };
        std::fs::read(dir.join(program_cache_rel(id)))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }
}

fn program_cache_rel(id: u64) -> String {
    format!("{OWN_STATE}/cache/programs/{id}.json")
}

// ---------------------------------------------------------------------
// Lists.

#[derive(Debug, Default)]
struct Lists {
    root: Option<FolderRef>,
    folders: Vec<api::Folder>,
    programs: Vec<api::Program>,
    /// Program id → tag type → value.
    tags_of: HashMap<u64, BTreeMap<String, String>>,
    emails: Vec<api::Email>,
    landing_pages: Vec<api::LandingPage>,
    forms: Vec<Asset>,
    campaigns: Vec<api::SmartCampaign>,
    email_templates: Vec<Asset>,
    landing_page_templates: Vec<Asset>,
    snippets: Vec<Asset>,
    files: Vec<api::File>,
    channels: Option<Vec<api::Channel>>,
    tag_types: Option<Vec<(String, Vec<String>)>>,
    segmentations: Option<Vec<Asset>>,
    fields: Option<Vec<api::LeadField>>,
    custom_objects: Option<Vec<api::CustomObject>>,
    custom_activities: Option<Vec<api::CustomActivityType>>,
    pages: u64,
    warnings: Vec<String>,
}

fn join<T>(handle: std::thread::ScopedJoinHandle<'_, T>) -> Result<T> {
    handle
        .join()
        .map_err(|_| anyhow!("internal error: a worker thread stopped unexpectedly"))
}

/// What reading the lists adds up: their pages, and warnings about
/// records left out or lists the API user may not read.
#[derive(Default)]
struct Tally {
    pages: u64,
    warnings: Vec<String>,
}

impl Tally {
    /// A list's records (counting its pages and the records that did not
    /// parse).
    fn take<T>(&mut self, what: &str, listed: Result<Listed<T>, ApiError>) -> Result<Vec<T>> {
        let listed = listed?;
        self.pages += listed.pages as u64;
        if listed.skipped > 0 {
            self.warnings.push(format!(
                "{} {what} records could not be read and were left out",
                listed.skipped
            ));
        }
        Ok(listed.items)
    }

    /// Like [`Tally::take`], but a 603 (the API user may not read it)
    /// leaves the key undeclared with a warning instead of failing the
    /// pull.
    fn optional<T>(
        &mut self,
        what: &str,
        key: &str,
        listed: Result<Listed<T>, ApiError>,
    ) -> Result<Option<Vec<T>>> {
        match listed {
            Err(e) if api::is_access_denied(&e) => {
                self.pages += 1;
                self.warnings.push(format!(
                    "the API user may not read {what} ({e}); \"{key}\" is left undeclared"
                ));
                Ok(None)
            }
            other => self.take(what, other).map(Some),
        }
    }
}

/// Keep one record per id, the approved version when there are two.
fn dedupe<T>(items: Vec<T>, id: impl Fn(&T) -> u64, status: impl Fn(&T) -> &str) -> Vec<T> {
    let mut by_id: BTreeMap<u64, T> = BTreeMap::new();
    for item in items {
        let key = id(&item);
        let better = match by_id.get(&key) {
            None => true,
            Some(existing) => {
                !status(existing).eq_ignore_ascii_case("approved")
                    && status(&item).eq_ignore_ascii_case("approved")
            }
        };
        if better {
            by_id.insert(key, item);
        }
    }
    by_id.into_values().collect()
}

fn fetch_lists(client: &Client, stop: &AtomicBool, shallow: bool) -> Result<Lists> {
    let c = client;
    // A shallow pull reads no program contents: no email, page or
    // campaign lists, and no program tags.
    fn unless<T>(
        shallow: bool,
        c: &Client,
        listed: fn(&Client) -> Result<Listed<T>, ApiError>,
    ) -> Result<Listed<T>, ApiError> {
        if shallow {
            Ok(Listed {
                items: Vec::new(),
                pages: 0,
                skipped: 0,
            })
        } else {
            listed(c)
        }
    }
    std::thread::scope(|s| -> Result<Lists> {
        let root = s.spawn(|| -> Result<(Option<FolderRef>, Vec<api::Folder>, u64)> {
            let roots = api::folders_by_name(c, "Marketing Activities")?;
            let root = roots
                .items
                .iter()
                .filter(|f| f.parent.is_none() || f.folder_type.eq_ignore_ascii_case("zone"))
                .min_by_key(|f| (f.parent.is_some(), f.id))
                .map(api::Folder::as_ref);
            let Some(root) = root else {
                return Ok((None, Vec::new(), 1));
            };
            let listed = api::folders(c, root, 100)?;
            Ok((Some(root), listed.items, 1 + listed.pages as u64))
        });
        let programs = s.spawn(|| api::programs(c));
        let emails = s.spawn(|| unless(shallow, c, api::emails));
        let pages = s.spawn(|| unless(shallow, c, api::landing_pages));
        let forms = s.spawn(|| api::forms(c));
        let campaigns = s.spawn(|| unless(shallow, c, api::smart_campaigns));
        let email_templates = s.spawn(|| api::email_templates(c));
        let page_templates = s.spawn(|| api::landing_page_templates(c));
        let snippets = s.spawn(|| api::snippets(c));
        let files = s.spawn(|| api::files(c));
        let channels = s.spawn(|| api::channels(c));
        let segmentations = s.spawn(|| api::segmentations(c));
        let fields = s.spawn(|| api::lead_fields(c));
        let custom_objects = s.spawn(|| api::custom_objects(c));
        let custom_activities = s.spawn(|| api::custom_activity_types(c));
        let tags = s.spawn(|| fetch_tags(c, stop, shallow));

        let mut lists = Lists::default();
        let mut tally = Tally::default();
        let (root, folders, root_pages) = join(root)??;
        tally.pages += root_pages;
        lists.root = root;
        lists.folders = folders;
        lists.programs = tally.take("program", join(programs)?)?;
        lists.emails = tally.take("email", join(emails)?)?;
        lists.landing_pages = tally.take("landing page", join(pages)?)?;
        lists.forms = tally.take("form", join(forms)?)?;
        lists.campaigns = tally.take("smart campaign", join(campaigns)?)?;
        lists.email_templates = tally.take("email template", join(email_templates)?)?;
        lists.landing_page_templates =
            tally.take("landing page template", join(page_templates)?)?;
        lists.snippets = tally.take("snippet", join(snippets)?)?;
        lists.files = tally.take("file", join(files)?)?;
        lists.channels = tally.optional("channels", "channels", join(channels)?)?;
        lists.segmentations =
            tally.optional("segmentations", "segmentations", join(segmentations)?)?;
        lists.fields = tally.optional("lead fields", "fields", join(fields)?)?;
        lists.custom_objects =
            tally.optional("custom objects", "custom_objects", join(custom_objects)?)?;
        lists.custom_activities = tally.optional(
            "custom activity types",
            "custom_activities",
            join(custom_activities)?,
        )?;
        let (tag_types, tags_of, tag_pages) = join(tags)??;
        tally.pages += tag_pages;
        lists.tag_types = Some(tag_types);
        lists.tags_of = tags_of;
        lists.pages = tally.pages;
        lists.warnings = tally.warnings;
        Ok(lists)
    })
}

type TagLists = (
    Vec<(String, Vec<String>)>,
    HashMap<u64, BTreeMap<String, String>>,
    u64,
);

/// Tag types, their values (by name: the list does not carry them), and
/// the programs carrying each value (the program list does not carry tags;
/// not asked when `shallow`).
fn fetch_tags(client: &Client, stop: &AtomicBool, shallow: bool) -> Result<TagLists> {
    let types = api::tag_types(client)?;
    let mut pages = types.pages as u64;
    let names: Vec<String> = types.items.into_iter().map(|t| t.tag_type).collect();
    let threads = client.limits().concurrency;
    let with_values = pool(&names, threads, stop, |name| {
        let t = api::tag_type_by_name(client, name)?;
        Ok((name.clone(), t.map(|t| t.values()).unwrap_or_default()))
    })?;
    pages += names.len() as u64;
    if shallow {
        return Ok((with_values, HashMap::new(), pages));
    }
    let pairs: Vec<(String, String)> = with_values
        .iter()
        .flat_map(|(t, values)| values.iter().map(move |v| (t.clone(), v.clone())))
        .collect();
    let tagged = pool(&pairs, threads, stop, |(t, v)| {
        Ok(api::programs_by_tag(client, t, v)?)
    })?;
    let mut tags_of: HashMap<u64, BTreeMap<String, String>> = HashMap::new();
    for ((tag_type, value), listed) in pairs.iter().zip(tagged) {
        pages += listed.pages as u64;
        for program in listed.items {
            // A program's own tag list (when the answer carries it) is the
            // authority on which value of this type it holds.
            let holds = program.tags.is_empty()
                || program.tags.iter().any(|t| {
                    names::same(&t.tag_type, tag_type) && names::same(&t.tag_value, value)
                });
            if holds {
                tags_of
                    .entry(program.id)
                    .or_default()
                    .insert(tag_type.clone(), value.clone());
            }
        }
    }
    Ok((with_values, tags_of, pages))
}

/// Run `f` over `items` on up to `threads` threads; the first error stops
/// the others (they finish the item in hand) and is returned.
fn pool<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    stop: &AtomicBool,
    f: impl Fn(&T) -> Result<R> + Sync,
) -> Result<Vec<R>> {
    let n = items.len();
    let slots: Vec<Mutex<Option<R>>> = (0..n).map(|_| Mutex::new(None)).collect();
    let first_error: Mutex<Option<anyhow::Error>> = Mutex::new(None);
    let next = AtomicUsize::new(0);
    let threads = threads.clamp(1, n.max(1));
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| loop {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    break;
                }
                match f(&items[i]) {
                    Ok(r) => *slots[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(r),
                    Err(e) => {
                        stop.store(true, Ordering::Relaxed);
                        let mut first = first_error.lock().unwrap_or_else(|e| e.into_inner());
                        if first.is_none() {
                            *first = Some(e);
                        }
                        break;
                    }
                }
            });
        }
    });
    if let Some(e) = first_error.into_inner().unwrap_or_else(|e| e.into_inner()) {
        return Err(e);
    }
    if stop.load(Ordering::Relaxed) {
        bail!("the pull was stopped");
    }
    slots
        .into_iter()
        .map(|m| {
            m.into_inner()
                .unwrap_or_else(|e| e.into_inner())
                .ok_or_else(|| anyhow!("internal error: a job left no result"))
        })
        .collect()
}

// ---------------------------------------------------------------------
// The pull.

/// Everything the content jobs share.
struct Ctx<'a> {
    client: &'a Client,
    old: &'a Old,
    writer: &'a Writer,
    tree: Tree,
    lookup: Lookup,
    schema: Schema,
    /// Lead fields by API name (lower-cased) and by display-name key.
    fields_by_api: HashMap<String, FieldInfo>,
    fields_by_name: HashMap<String, FieldInfo>,
    email_templates: HashMap<u64, String>,
    page_templates: HashMap<u64, String>,
    /// Assets of each program.
    of_program: HashMap<u64, ProgramAssets>,
    /// Effective tokens below each campaign folder.
    effective: HashMap<FolderRef, Effective>,
    fetched: AtomicU64,
    reused: AtomicU64,
    warnings: Mutex<Vec<String>>,
    stop: &'a AtomicBool,
    /// See [`PullOptions::shallow`].
    shallow: bool,
}

#[derive(Debug, Default)]
struct ProgramAssets {
    emails: Vec<api::Email>,
    landing_pages: Vec<api::LandingPage>,
    forms: Vec<Asset>,
    campaigns: Vec<api::SmartCampaign>,
}

impl Ctx<'_> {
    fn warn(&self, text: String) {
        self.warnings
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(text);
    }

    /// A warning for each asset an email's or page's content refers to
    /// that the instance's lists did not hold.
    fn warn_unknown(&self, subject: &str, unknown: &[String]) {
        for unknown in unknown {
            self.warn(format!(
                "{subject} refers to {unknown}, which the instance did not list"
            ));
        }
    }

    /// The content of an asset: the earlier snapshot's when it is fresh,
    /// else fetched. `Ok(None)` when the instance will not give it (709: a
    /// business rule, 610: gone since it was listed), with a warning.
    fn content(
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
            })),
            Err(e) if matches!(e.code(), Some("709" | "610")) => {
                self.warn(format!("{}: not readable, left out ({e})", what()));
                Ok(None)
            }
            Err(e) => Err(anyhow!(e).context(format!("cannot read {}", what()))),
        }
    }

    fn field_names(&self, ids: &[api::FormField]) -> (Vec<String>, Vec<FieldInfo>) {
        let mut names_out = Vec::new();
        let mut infos = Vec::new();
        for f in ids {
            match self.fields_by_api.get(&f.id.to_lowercase()) {
                Some(info) => {
                    names_out.push(info.display.clone());
                    infos.push(info.clone());
                }
                None if !f.id.is_empty() => {
                    names_out.push(f.id.clone());
                    infos.push(FieldInfo {
                        display: f.id.clone(),
                        api: String::new(),
                        kind: String::new(),
                    });
                }
                None => {}
            }
        }
        (names_out, infos)
    }
}

/// Pull the instance of `client` into `options.out`.
pub fn pull(client: &Arc<Client>, options: &PullOptions) -> Result<Summary> {
    pull_indexed(client, options).map(|(summary, _)| summary)
}

/// Pull, and say where the snapshot's things are in the instance.
pub fn pull_indexed(client: &Arc<Client>, options: &PullOptions) -> Result<(Summary, Index)> {
    let out_dir = write::check_out(&options.out)?;
    let old_dir = (out_dir == OutDir::Snapshot).then(|| options.out.clone());
    let lock = match &old_dir {
        Some(dir) => {
            if crate::apply::interrupted(dir) {
                bail!(
                    "{} holds an interrupted `mkimport run` (its journal is pending); finish it with `mkimport run` before pulling into it",
                    show(dir)
                );
            }
            Some(crate::apply::TargetLock::acquire(dir)?)
        }
        None => None,
    };
    write::remove_stale_temporaries(&options.out, lock.is_some());
    let label = client.instance().label().to_string();
    let old = Old::load(old_dir.clone(), &label, options.refetch);
    let stop = AtomicBool::new(false);
    let progress = Progress::start(Arc::clone(client), options.progress);

    let mut lists = fetch_lists(client, &stop, options.shallow)?;
    let root = lists.root.ok_or_else(|| {
        anyhow!("the instance has no \"Marketing Activities\" folder (asked /rest/asset/v1/folder/byName.json)")
    })?;
    lists.programs = dedupe(
        std::mem::take(&mut lists.programs),
        |p| p.id,
        |_| "approved",
    );
    lists.emails = dedupe(
        std::mem::take(&mut lists.emails),
        |e| e.asset.id,
        |e| &e.asset.status,
    );
    lists.landing_pages = dedupe(
        std::mem::take(&mut lists.landing_pages),
        |e| e.asset.id,
        |e| &e.asset.status,
    );
    lists.forms = dedupe(std::mem::take(&mut lists.forms), |e| e.id, |e| &e.status);
    lists.campaigns = dedupe(
        std::mem::take(&mut lists.campaigns),
        |e| e.id,
        |_| "approved",
    );
    lists.email_templates = dedupe(
        std::mem::take(&mut lists.email_templates),
        |e| e.id,
        |e| &e.status,
    );
    lists.landing_page_templates = dedupe(
        std::mem::take(&mut lists.landing_page_templates),
        |e| e.id,
        |e| &e.status,
    );
    lists.snippets = dedupe(std::mem::take(&mut lists.snippets), |e| e.id, |e| &e.status);
    lists.files = dedupe(std::mem::take(&mut lists.files), |e| e.id, |_| "approved");
    let list_calls = lists.pages;
    let mut warnings = std::mem::take(&mut lists.warnings);

    let tree = Tree::build(root, &lists.folders, &lists.programs);

    // The selection.
    let selected: Vec<&api::Program> = if options.programs.is_empty() {
        lists.programs.iter().collect()
    } else {
        let mut out = Vec::new();
        for wanted in &options.programs {
            let found: Vec<&api::Program> = lists
                .programs
                .iter()
                .filter(|p| names::same(&p.name, wanted))
                .collect();
            if found.is_empty() {
                return Err(usage(unknown_program(wanted, &lists.programs)));
            }
            for p in found {
                if !out.iter().any(|o: &&api::Program| o.id == p.id) {
                    out.push(p);
                }
            }
        }
        out
    };

    let writer = Writer::new(&options.out, old_dir.as_deref())?;
    if old_dir.is_some() {
        writer.carry_state()?;
    } else {
        // So a later pull or run can lock it without creating a file.
        writer.put(".mkimport/lock", b"")?;
    }

    let mut ctx = Ctx {
        client,
        old: &old,
        writer: &writer,
        tree,
        lookup: Lookup::default(),
        schema: Schema::default(),
        fields_by_api: HashMap::new(),
        fields_by_name: HashMap::new(),
        email_templates: HashMap::new(),
        page_templates: HashMap::new(),
        of_program: HashMap::new(),
        effective: HashMap::new(),
        fetched: AtomicU64::new(0),
        reused: AtomicU64::new(0),
        warnings: Mutex::new(Vec::new()),
        stop: &stop,
        shallow: options.shallow,
    };

    // Schema lookups.
    if let Some(fields) = &lists.fields {
        for f in fields {
            let display = if f.display_name.is_empty() {
                f.name.clone()
            } else {
                f.display_name.clone()
            };
            let info = FieldInfo {
                display: display.clone(),
                api: f.name.clone(),
                kind: f.data_type.clone(),
            };
            ctx.fields_by_api
                .insert(f.name.to_lowercase(), info.clone());
            ctx.fields_by_name
                .entry(names::key(&display))
                .or_insert(info);
            ctx.schema.fields.insert(names::key(&display), display);
        }
    }
    if let Some(objects) = &lists.custom_objects {
        ctx.schema.custom_objects = objects
            .iter()
            .map(|o| {
                if o.display_name.is_empty() {
                    o.api_name.clone()
                } else {
                    o.display_name.clone()
                }
            })
            .collect();
    }
    if let Some(activities) = &lists.custom_activities {
        ctx.schema.custom_activities = activities
            .iter()
            .map(|a| {
                (
                    a.trigger_name.clone(),
                    a.filter_name.clone(),
                    a.name.clone(),
                )
            })
            .collect();
    }
    if let Some(segmentations) = &lists.segmentations {
        for s in segmentations {
            ctx.lookup.segmentations.insert(s.id, s.name.clone());
        }
    }
    for f in &lists.forms {
        ctx.lookup.forms.insert(f.id, f.name.clone());
    }

    // Design-studio names: unique (Marketo allows two assets of a name in
    // different folders; the format identifies assets by name).
    let email_templates = unique_names(&lists.email_templates, "email template", &mut warnings);
    let page_templates = unique_names(
        &lists.landing_page_templates,
        "landing page template",
        &mut warnings,
    );
    let snippet_names = unique_names(&lists.snippets, "snippet", &mut warnings);
    let global_forms: Vec<&Asset> = lists
        .forms
        .iter()
        .filter(|f| ctx.tree.owner(f.folder) == Owner::DesignStudio)
        .collect();
    let form_names = unique_names_of(&global_forms, "form", &mut warnings);
    for (a, name) in lists.email_templates.iter().zip(&email_templates) {
        ctx.email_templates.insert(a.id, name.clone());
    }
    for (a, name) in lists.landing_page_templates.iter().zip(&page_templates) {
        ctx.page_templates.insert(a.id, name.clone());
    }
    for (a, name) in lists.snippets.iter().zip(&snippet_names) {
        ctx.lookup.snippets.insert(a.id, name.clone());
    }
    let file_names = file_names(&lists.files, &mut warnings);
    for (f, name) in lists.files.iter().zip(&file_names) {
        if !f.url.is_empty() {
            ctx.lookup.file_urls.insert(f.url.clone(), name.clone());
        }
        ctx.lookup.file_names.insert(names::key(name), name.clone());
        if names::key(&f.name) != names::key(name) {
            ctx.lookup
                .file_names
                .entry(names::key(&f.name))
                .or_insert_with(|| name.clone());
        }
    }

    let index = build_index(
        &ctx,
        root,
        &lists,
        &[
            (
                DesignKind::EmailTemplate,
                &lists.email_templates,
                &email_templates,
            ),
            (
                DesignKind::LandingPageTemplate,
                &lists.landing_page_templates,
                &page_templates,
            ),
            (DesignKind::Snippet, &lists.snippets, &snippet_names),
        ],
        (&global_forms, &form_names),
        &file_names,
    );

    // Assets by program.
    for e in std::mem::take(&mut lists.emails) {
        if let Owner::Program(p) = ctx.tree.owner(e.asset.folder) {
            ctx.of_program.entry(p).or_default().emails.push(e);
        }
    }
    for e in std::mem::take(&mut lists.landing_pages) {
        if let Owner::Program(p) = ctx.tree.owner(e.asset.folder) {
            ctx.of_program.entry(p).or_default().landing_pages.push(e);
        }
    }
    for f in &lists.forms {
        if let Owner::Program(p) = ctx.tree.owner(f.folder) {
            ctx.of_program.entry(p).or_default().forms.push(f.clone());
        }
    }
    for c in std::mem::take(&mut lists.campaigns) {
        let owner = match ctx.tree.owner(c.folder) {
            Owner::Program(p) => Some(p),
            _ => c.parent_program_id,
        };
        if let Some(p) = owner {
            ctx.of_program.entry(p).or_default().campaigns.push(c);
        }
    }

    if options.progress {
        progress.set_estimate(client.counts().calls + estimate(&ctx, &selected, &lists));
    }

    // Folder tokens first: programs need what their folders pass down.
    let folder_refs: Vec<(FolderRef, String)> = ctx
        .tree
        .folders
        .iter()
        .map(|f| (f.id, f.updated_at.clone()))
        .collect();
    let folder_entries = pool(
        &folder_refs,
        client.limits().concurrency,
        &stop,
        |(r, at)| {
            let old_entry = old.folders.tokens.get(&r.id.to_string());
            ctx.content(
                old_entry,
                at,
                "",
                &|| format!("the tokens of folder {}", r.id),
                || api::tokens(client, *r),
            )
        },
    )?;
    let mut folder_cache = FolderCache {
        format: CACHE_FORMAT,
        ..FolderCache::default()
    };
    let mut folder_tokens: HashMap<FolderRef, Vec<api::Token>> = HashMap::new();
    for ((r, _), entry) in folder_refs.iter().zip(folder_entries) {
        if let Some(entry) = entry {
            folder_tokens.insert(*r, api::parse_tokens(&entry.result));
            folder_cache.tokens.insert(r.id.to_string(), entry);
        }
    }
    // Parents come before children in path order.
    let folders_in_order = ctx.tree.folders.clone();
    for f in &folders_in_order {
        let parent = f
            .parent
            .and_then(|p| ctx.effective.get(&p).cloned())
            .unwrap_or_default();
        let tokens = folder_tokens.get(&f.id).cloned().unwrap_or_default();
        let local: Vec<Value> = snapshot::local_tokens(&parent, &tokens)
            .into_iter()
            .map(snapshot::token_json)
            .collect();
        ctx.effective
            .insert(f.id, snapshot::effective_below(&parent, &tokens));
        let mut local = local;
        local.sort_by(token_order);
        writer.put(
            &format!("marketing-activities/{}/folder.json", f.rel),
            &to_canonical_json(&json!({ "tokens": local })),
        )?;
    }

    // Programs and the design studio, on the same pool.
    let mut jobs: Vec<Job> = selected
        .iter()
        .map(|p| Job::Program((*p).clone()))
        .collect();
    jobs.extend(
        lists
            .email_templates
            .iter()
            .zip(&email_templates)
            .map(|(a, n)| Job::EmailTemplate(a.clone(), n.clone())),
    );
    jobs.extend(
        lists
            .landing_page_templates
            .iter()
            .zip(&page_templates)
            .map(|(a, n)| Job::PageTemplate(a.clone(), n.clone())),
    );
    jobs.extend(
        lists
            .snippets
            .iter()
            .zip(&snippet_names)
            .map(|(a, n)| Job::Snippet(a.clone(), n.clone())),
    );
    jobs.extend(
        global_forms
            .iter()
            .zip(&form_names)
            .map(|(a, n)| Job::Form((*a).clone(), n.clone())),
    );
    jobs.extend(
        lists
            .files
            .iter()
            .zip(&file_names)
            .map(|(f, n)| Job::File(f.clone(), n.clone())),
    );
    let ctx = ctx;
    let done = pool(&jobs, client.limits().concurrency, &stop, |job| {
        run_job(&ctx, &lists, job)
    })?;
    let mut studio = StudioCache {
        format: CACHE_FORMAT,
        ..StudioCache::default()
    };
    let mut design_counts: BTreeMap<&'static str, usize> = BTreeMap::new();
    for d in done {
        match d {
            Done::Program => {}
            Done::Studio(kind, id, entry) => {
                *design_counts.entry(kind).or_default() += 1;
                if let Some(entry) = entry {
                    let map = match kind {
                        "email_templates" => &mut studio.email_templates,
                        "landing_page_templates" => &mut studio.landing_page_templates,
                        "snippets" => &mut studio.snippets,
                        _ => &mut studio.forms,
                    };
                    map.insert(id.to_string(), entry);
                }
            }
            Done::File(id, entry) => {
                *design_counts.entry("images").or_default() += 1;
                studio.files.insert(id.to_string(), entry);
            }
        }
    }
    for kind in [
        "email_templates",
        "landing_page_templates",
        "snippets",
        "forms",
        "images",
    ] {
        design_counts.entry(kind).or_default();
    }
    writer.put(
        &format!("{OWN_STATE}/cache/design-studio.json"),
        &to_canonical_json(&studio),
    )?;
    writer.put(
        &format!("{OWN_STATE}/cache/folders.json"),
        &to_canonical_json(&folder_cache),
    )?;
    warnings.extend(
        ctx.warnings
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain(..),
    );

    // subscription.json last: its `at` moves only when something visible
    // changed.
    let name = options
        .name
        .clone()
        .or_else(|| old.name.clone())
        .unwrap_or_else(|| client.instance().display_name());
    let old_at = old.state.as_ref().map(|s| s.at.clone());
    let sub_rel = "subscription.json";
    let mut at = old_at.clone().unwrap_or_else(now_rfc3339);
    let mut sub = to_canonical_json(&subscription_json(
        &name,
        &label,
        &at,
        &lists,
        &ctx.fields_by_api,
    ));
    let unchanged = old_at.is_some()
        && !writer.visible_changed(&[sub_rel])?
        && writer.old_bytes(sub_rel).as_deref() == Some(sub.as_slice());
    if !unchanged && old_at.is_some() {
        at = now_rfc3339();
        sub = to_canonical_json(&subscription_json(
            &name,
            &label,
            &at,
            &lists,
            &ctx.fields_by_api,
        ));
    }
    writer.put(sub_rel, &sub)?;
    let state = State {
        format: CACHE_FORMAT,
        instance: label.clone(),
        at: at.clone(),
    };
    writer.put(
        &format!("{OWN_STATE}/state.json"),
        &to_canonical_json(&state),
    )?;
    let folders_n = ctx.tree.folders.len();
    let fetched = ctx.fetched.load(Ordering::Relaxed);
    let reused = ctx.reused.load(Ordering::Relaxed);
    drop(ctx);
    let finished = writer.finish()?;
    progress.finish();

    let counts = client.counts();
    warnings.sort();
    warnings.dedup();
    let summary = Summary {
        mkimport: 1,
        mode: "pull",
        instance: label,
        out: show(&options.out),
        name,
        at,
        changed: finished.replaced,
        programs: selected.len(),
        folders: folders_n,
        design_studio: design_counts,
        calls: counts.calls,
        token_calls: counts.token_calls,
        list_calls,
        content_calls: fetched,
        retries: counts.retries,
        reused,
        downloads: counts.downloads,
        undeclared: UNDECLARED.to_vec(),
        warnings,
    };
    Ok((summary, index))
}

/// Where the snapshot's folders, programs and design-studio assets are in
/// the instance.
fn build_index(
    ctx: &Ctx,
    root: FolderRef,
    lists: &Lists,
    designs: &[(DesignKind, &Vec<Asset>, &Vec<String>)],
    forms: (&[&Asset], &[String]),
    file_names: &[String],
) -> Index {
    let mut index = Index {
        root: Some(root),
        forms_listed: lists.forms.len(),
        ..Index::default()
    };
    for f in &ctx.tree.folders {
        index.folders.insert(index::path_key(&f.rel), f.id);
    }
    for p in &lists.programs {
        index
            .programs
            .entry(names::key(&p.name))
            .or_insert(IndexedProgram {
                id: p.id,
                name: p.name.clone(),
                updated_at: p.updated_at.clone(),
            });
    }
    let mut add = |kind: DesignKind, id: u64, name: &str, marketo: &str, at: &str, folder| {
        index.assets.insert(
            (kind, names::key(name)),
            IndexedAsset {
                id,
                name: name.to_string(),
                marketo_name: marketo.to_string(),
                updated_at: at.to_string(),
                folder,
            },
        );
    };
    for (kind, assets, names_of) in designs {
        for (a, name) in assets.iter().zip(names_of.iter()) {
            add(*kind, a.id, name, &a.name, &a.updated_at, a.folder);
        }
    }
    for (a, name) in forms.0.iter().zip(forms.1) {
        add(
            DesignKind::Form,
            a.id,
            name,
            &a.name,
            &a.updated_at,
            a.folder,
        );
    }
    for (f, name) in lists.files.iter().zip(file_names) {
        add(
            DesignKind::Image,
            f.id,
            name,
            &f.name,
            &f.updated_at,
            f.folder,
        );
    }
    for (kind, asset) in &index.assets {
        if let Some(folder) = asset.folder {
            index.design_folders.entry(kind.0).or_insert(folder);
        }
    }
    index
}

/// A program as its list gives it (a shallow pull): name, type, channel,
/// description and folder.
fn listed_program(ctx: &Ctx, p: &api::Program) -> Result<()> {
    let place = ctx
        .tree
        .places
        .get(&p.id)
        .cloned()
        .ok_or_else(|| anyhow!("internal error: program {} has no place", p.id))?;
    let mut info = Map::new();
    let name = if names::key(&p.name).is_empty() {
        format!("Program {}", p.id)
    } else {
        p.name.clone()
    };
    info.insert("name".into(), json!(name));
    info.insert("type".into(), json!(snapshot::program_type(&p.kind)));
    if !p.channel.is_empty() {
        info.insert("channel".into(), json!(p.channel));
    }
    if !p.description.is_empty() {
        info.insert("description".into(), json!(p.description));
    }
    if !place.folder.is_empty() {
        info.insert("folder".into(), json!(place.folder));
    }
    let program = json!({"format": FORMAT, "program": Value::Object(info)});
    ctx.writer.put(
        &format!("{}/program.json", place.rel_dir),
        &to_canonical_json(&program),
    )
}

fn token_order(a: &Value, b: &Value) -> std::cmp::Ordering {
    let k = |v: &Value| names::key(v["name"].as_str().unwrap_or(""));
    k(a).cmp(&k(b))
}

/// A usage message for a `--program` the instance lacks, with the nearest
/// names.
fn unknown_program(wanted: &str, programs: &[api::Program]) -> String {
    let key = names::key(wanted);
    let mut near: Vec<(usize, &str)> = programs
        .iter()
        .map(|p| (distance(&key, &names::key(&p.name)), p.name.as_str()))
        .collect();
    near.sort();
    let near: Vec<String> = near
        .iter()
        .filter(|(d, _)| *d <= key.chars().count().max(3) / 2 + 1)
        .take(3)
        .map(|(_, n)| format!("\"{n}\""))
        .collect();
    if near.is_empty() {
        format!("the instance has no program named \"{wanted}\"")
    } else {
        format!(
            "the instance has no program named \"{wanted}\"; did you mean {}?",
            near.join(" or ")
        )
    }
}

/// Levenshtein distance over characters.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// Names made unique by name key: the first (lowest id) keeps its name,
/// the others get their Marketo id appended, with a warning.
fn unique_names(assets: &[Asset], noun: &str, warnings: &mut Vec<String>) -> Vec<String> {
    let refs: Vec<&Asset> = assets.iter().collect();
    unique_names_of(&refs, noun, warnings)
}

fn unique_names_of(assets: &[&Asset], noun: &str, warnings: &mut Vec<String>) -> Vec<String> {
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut out = Vec::with_capacity(assets.len());
    for a in assets {
        let name = if names::key(&a.name).is_empty() {
            format!("{noun} {}", a.id)
        } else {
            a.name.clone()
        };
        if seen.insert(names::key(&name)) {
            out.push(name);
        } else {
            let renamed = format!("{} (id {})", name.trim(), a.id);
            warnings.push(format!(
                "two {noun}s are named \"{name}\"; the one with id {} is written as \"{renamed}\"",
                a.id
            ));
            seen.insert(names::key(&renamed));
            out.push(renamed);
        }
    }
    out
}

/// File names of the files under `design-studio/images/`: safe, and unique
/// (case-insensitively).
fn file_names(files: &[api::File], warnings: &mut Vec<String>) -> Vec<String> {
    let mut used: BTreeSet<String> = BTreeSet::new();
    let mut out = Vec::with_capacity(files.len());
    for f in files {
        let safe = names::safe_file_name(&f.name);
        let (stem, ext) = match safe.rfind('.') {
            Some(dot) if dot > 0 => (safe[..dot].to_string(), safe[dot..].to_string()),
            _ => (safe.clone(), String::new()),
        };
        let name = names::unique_file_name(&stem, &ext, |n| used.contains(n));
        used.insert(name.to_lowercase());
        if name != f.name {
            warnings.push(format!(
                "file \"{}\" (id {}) is written as \"{name}\"",
                f.name, f.id
            ));
        }
        out.push(name);
    }
    out
}

/// How many content calls the pull still needs (for the progress bar):
/// the contents the earlier snapshot does not hold fresh.
fn estimate(ctx: &Ctx, selected: &[&api::Program], lists: &Lists) -> u64 {
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

enum Job {
    Program(api::Program),
    EmailTemplate(Asset, String),
    PageTemplate(Asset, String),
    Snippet(Asset, String),
    Form(Asset, String),
    File(api::File, String),
}

enum Done {
    Program,
    Studio(&'static str, u64, Option<Entry>),
    File(u64, FileEntry),
}

/// The two kinds of template a pull reads the HTML of.
#[derive(Clone, Copy)]
enum TemplateJob {
    Email,
    LandingPage,
}

/// A template's HTML (fetched again only when it changed), written as a
/// design-studio document.
fn template_job(ctx: &Ctx, a: &Asset, name: &str, kind: TemplateJob) -> Result<Done> {
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

fn run_job(ctx: &Ctx, lists: &Lists, job: &Job) -> Result<Done> {
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
            let html = entry.as_ref().map(|e| snippet_html(&e.result));
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
                let fields: Vec<api::FormField> = api::parse_list(&e.result);
                let (names_out, _) = ctx.field_names(&fields);
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
            let bytes = c
                .download(&f.url, MAX_FILE_BYTES)
                .map_err(|e| anyhow!(e).context(format!("cannot download file \"{}\"", f.name)))?;
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

/// `<safe name>.json`; names are unique by key, so are their safe forms
/// unless two differ only in unsafe characters: a digest keeps those apart.
fn doc_file_name(name: &str) -> String {
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
fn design_doc(ctx: &Ctx, dir: &str, name: &str, html: Option<String>, key: &str) -> Result<()> {
    let mut doc = Map::new();
    doc.insert("name".into(), json!(name));
    if let Some(html) = html {
        doc.insert(key.into(), json!(html));
    }
    let file = format!("design-studio/{dir}/{}", doc_file_name(name));
    ctx.writer
        .put(&file, &to_canonical_json(&Value::Object(doc)))
}

/// A snippet's HTML: its HTML section (or a dynamic section's default).
fn snippet_html(raw: &Value) -> String {
    let sections: Vec<api::SnippetSection> = api::parse_list(raw);
    let pick = |kind: &str| {
        sections
            .iter()
            .find(|s| s.kind.eq_ignore_ascii_case(kind))
            .and_then(|s| match &s.content {
                Value::String(t) => Some(t.clone()),
                Value::Object(m) => m
                    .get("default")
                    .or_else(|| m.get("content"))
                    .and_then(Value::as_str)
                    .map(str::to_string),
                _ => None,
            })
    };
    pick("HTML")
        .or_else(|| pick("DynamicContent"))
        .unwrap_or_default()
}

fn program_job(ctx: &Ctx, lists: &Lists, p: &api::Program) -> Result<()> {
    let c = ctx.client;
    let old = ctx.old.program(p.id);
    let mut cache = ProgramCache {
        format: CACHE_FORMAT,
        ..ProgramCache::default()
    };
    let place = ctx
        .tree
        .places
        .get(&p.id)
        .cloned()
        .ok_or_else(|| anyhow!("internal error: program {} has no place", p.id))?;
    let empty = ProgramAssets::default();
    let assets = ctx.of_program.get(&p.id).unwrap_or(&empty);
    let what = |kind: &str, name: &str| format!("{kind} \"{name}\" of program \"{}\"", p.name);

    // Tokens (the program's own).
    let program_ref = FolderRef {
        id: p.id,
        kind: FolderKind::Program,
    };
    let entry = ctx.content(
        old.tokens.as_ref(),
        &p.updated_at,
        "",
        &|| format!("the tokens of program \"{}\"", p.name),
        || api::tokens(c, program_ref),
    )?;
    let parent = place
        .parent
        .and_then(|f| ctx.effective.get(&f).cloned())
        .unwrap_or_default();
    let tokens = match &entry {
        Some(e) => {
            let all = api::parse_tokens(&e.result);
            let mut local: Vec<Value> = snapshot::local_tokens(&parent, &all)
                .into_iter()
                .map(snapshot::token_json)
                .collect();
            local.sort_by(token_order);
            Some(local)
        }
        None => None,
    };
    cache.tokens = entry;

    let mut fields_used: BTreeMap<String, FieldInfo> = BTreeMap::new();

    // Emails.
    let mut emails = Vec::new();
    for e in &assets.emails {
        let a = &e.asset;
        let entry = ctx.content(
            old.emails.get(&a.id.to_string()),
            &a.updated_at,
            &a.status,
            &|| what("email", &a.name),
            || api::email_content(c, a.id, &a.status),
        )?;
        let template = e
            .template
            .and_then(|t| ctx.email_templates.get(&t))
            .map(String::as_str);
        let (subject, dynamic_subject) = match &e.subject {
            Some(h) if h.kind.eq_ignore_ascii_case("DynamicContent") => (None, true),
            Some(h) => (h.value.as_str().map(str::to_string), false),
            None => (None, false),
        };
        let json = match &entry {
            Some(entry) => {
                let sections: Vec<api::EmailSection> = api::parse_list(&entry.result);
                let mut d = content::email(&sections, &ctx.lookup);
                if dynamic_subject {
                    d.dynamic_content = true;
                }
                ctx.warn_unknown(&what("email", &a.name), &d.unknown);
                snapshot::email_json(&a.name, template, subject.as_deref(), &d)
            }
            None => partial_json(&a.name, template, subject.as_deref()),
        };
        if let Some(entry) = entry {
            cache.emails.insert(a.id.to_string(), entry);
        }
        emails.push(json);
    }

    // Landing pages.
    let mut pages = Vec::new();
    for e in &assets.landing_pages {
        let a = &e.asset;
        let entry = ctx.content(
            old.landing_pages.get(&a.id.to_string()),
            &a.updated_at,
            &a.status,
            &|| what("landing page", &a.name),
            || api::landing_page_content(c, a.id, &a.status),
        )?;
        let template = e
            .template
            .and_then(|t| ctx.page_templates.get(&t))
            .map(String::as_str);
        let json = match &entry {
            Some(entry) => {
                let sections: Vec<api::PageSection> = api::parse_list(&entry.result);
                let d = content::landing_page(&sections, &ctx.lookup);
                ctx.warn_unknown(&what("landing page", &a.name), &d.unknown);
                snapshot::landing_page_json(&a.name, template, &d)
            }
            None => partial_json(&a.name, template, None),
        };
        if let Some(entry) = entry {
            cache.landing_pages.insert(a.id.to_string(), entry);
        }
        pages.push(json);
    }

    // Local forms.
    let mut forms = Vec::new();
    for f in &assets.forms {
        let entry = ctx.content(
            old.forms.get(&f.id.to_string()),
            &f.updated_at,
            &f.status,
            &|| what("form", &f.name),
            || api::form_fields(c, f.id, &f.status),
        )?;
        let mut doc = Map::new();
        doc.insert("name".into(), json!(f.name));
        if let Some(entry) = &entry {
            let fields: Vec<api::FormField> = api::parse_list(&entry.result);
            let (names_out, infos) = ctx.field_names(&fields);
            for info in infos {
                fields_used.entry(names::key(&info.display)).or_insert(info);
            }
            doc.insert("fields".into(), json!(names_out));
        }
        if let Some(entry) = entry {
            cache.forms.insert(f.id.to_string(), entry);
        }
        forms.push(Value::Object(doc));
    }

    // Smart campaigns.
    let mut campaigns = Vec::new();
    for sc in &assets.campaigns {
        let entry = ctx.content(
            old.campaigns.get(&sc.id.to_string()),
            &sc.updated_at,
            "",
            &|| what("smart campaign", &sc.name),
            || api::campaign_smart_list(c, sc.id),
        )?;
        let schedule = sc
            .recurrence
            .as_ref()
            .map(|r| r.start_at.as_str())
            .filter(|s| !s.is_empty() && !sc.kind.eq_ignore_ascii_case("trigger"));
        let mut json = match &entry {
            Some(entry) => {
                let list: api::SmartList = api::parse_list::<api::SmartList>(&entry.result)
                    .into_iter()
                    .next()
                    .unwrap_or_default();
                let rules = content::campaign(&list, &ctx.schema);
                for field in &rules.fields {
                    if let Some(info) = ctx.fields_by_name.get(&names::key(field)) {
                        fields_used.entry(names::key(field)).or_insert(info.clone());
                    }
                }
                snapshot::campaign_json(&sc.name, &sc.kind, sc.is_active, schedule, &rules)
            }
            None => {
                let mut v = snapshot::campaign_json(
                    &sc.name,
                    &sc.kind,
                    sc.is_active,
                    schedule,
                    &content::CampaignRules::default(),
                );
                if let Value::Object(m) = &mut v {
                    for k in [
                        "triggers",
                        "filters",
                        "fields",
                        "custom_objects",
                        "custom_activities",
                    ] {
                        m.remove(k);
                    }
                }
                v
            }
        };
        if let Value::Object(m) = &mut json {
            m.retain(|_, v| !v.is_null());
        }
        if let Some(entry) = entry {
            cache.campaigns.insert(sc.id.to_string(), entry);
        }
        campaigns.push(json);
    }

    let by_name = |a: &Value, b: &Value| {
        let k = |v: &Value| names::key(v["name"].as_str().unwrap_or(""));
        k(a).cmp(&k(b))
            .then_with(|| a["name"].as_str().cmp(&b["name"].as_str()))
    };
    emails.sort_by(by_name);
    pages.sort_by(by_name);
    forms.sort_by(by_name);
    campaigns.sort_by(by_name);

    let mut info = Map::new();
    let name = if names::key(&p.name).is_empty() {
        // The format requires a name; Marketo does too, but be safe.
        let named = format!("Program {}", p.id);
        ctx.warn(format!(
            "program {} has no name; it is written as \"{named}\"",
            p.id
        ));
        named
    } else {
        p.name.clone()
    };
    info.insert("name".into(), json!(name));
    info.insert("type".into(), json!(snapshot::program_type(&p.kind)));
    if !p.channel.is_empty() {
        info.insert("channel".into(), json!(p.channel));
    }
    if !p.description.is_empty() {
        info.insert("description".into(), json!(p.description));
    }
    if !place.folder.is_empty() {
        info.insert("folder".into(), json!(place.folder));
    }
    let tags = lists.tags_of.get(&p.id).cloned().unwrap_or_default();
    info.insert("tags".into(), json!(tags));

    let mut program = Map::new();
    program.insert("format".into(), json!(FORMAT));
    program.insert("program".into(), Value::Object(info));
    if let Some(tokens) = tokens {
        program.insert("tokens".into(), json!(tokens));
    }
    program.insert("emails".into(), json!(emails));
    program.insert("landing_pages".into(), json!(pages));
    program.insert("forms".into(), json!(forms));
    program.insert("smart_campaigns".into(), json!(campaigns));
    let required: Vec<Value> = fields_used.values().map(FieldInfo::json).collect();
    program.insert("requires".into(), json!({ "fields": required }));

    ctx.writer.put(
        &format!("{}/program.json", place.rel_dir),
        &to_canonical_json(&Value::Object(program)),
    )?;
    ctx.writer
        .put(&program_cache_rel(p.id), &to_canonical_json(&cache))?;
    Ok(())
}

/// An email or page whose content could not be read: what the list says.
fn partial_json(name: &str, template: Option<&str>, subject: Option<&str>) -> Value {
    let mut m = Map::new();
    m.insert("name".into(), json!(name));
    if let Some(t) = template {
        m.insert("template".into(), json!(t));
    }
    if let Some(s) = subject {
        m.insert("subject".into(), json!(s));
    }
    Value::Object(m)
}

fn subscription_json(
    name: &str,
    instance: &str,
    at: &str,
    lists: &Lists,
    fields_by_api: &HashMap<String, FieldInfo>,
) -> Value {
    let mut m = Map::new();
    m.insert("format".into(), json!(FORMAT));
    m.insert("name".into(), json!(name));
    m.insert(
        "pulled_from".into(),
        json!({ "instance": instance, "at": at }),
    );
    if lists.fields.is_some() {
        let mut fields: Vec<&FieldInfo> = fields_by_api.values().collect();
        fields.sort_by(|a, b| {
            names::key(&a.display)
                .cmp(&names::key(&b.display))
                .then(a.api.cmp(&b.api))
        });
        m.insert(
            "fields".into(),
            Value::Array(fields.iter().map(|f| f.json()).collect()),
        );
    }
    if let Some(s) = &lists.segmentations {
        m.insert(
            "segmentations".into(),
            json!(sorted_names(s.iter().map(|s| s.name.clone()))),
        );
    }
    if let Some(objects) = &lists.custom_objects {
        m.insert(
            "custom_objects".into(),
            json!(sorted_names(objects.iter().map(|o| {
                if o.display_name.is_empty() {
                    o.api_name.clone()
                } else {
                    o.display_name.clone()
                }
            }))),
        );
    }
    if let Some(activities) = &lists.custom_activities {
        m.insert(
            "custom_activities".into(),
            json!(sorted_names(activities.iter().map(|a| a.name.clone()))),
        );
    }
    if let Some(channels) = &lists.channels {
        let mut list: Vec<Value> = channels
            .iter()
            .map(|c| {
                let mut statuses = c.progression_statuses.clone();
                statuses.sort_by_key(|s| s.step.unwrap_or(i64::MAX));
                json!({
                    "name": c.name,
                    "statuses": statuses.iter().map(|s| s.name.clone()).collect::<Vec<_>>(),
                })
            })
            .collect();
        list.sort_by(|a, b| {
            names::key(a["name"].as_str().unwrap_or(""))
                .cmp(&names::key(b["name"].as_str().unwrap_or("")))
        });
        m.insert("channels".into(), Value::Array(list));
    }
    if let Some(tags) = &lists.tag_types {
        let mut out = Map::new();
        for (t, values) in tags {
            out.insert(t.clone(), json!(sorted_names(values.iter().cloned())));
        }
        m.insert("tags".into(), Value::Object(out));
    }
    Value::Object(m)
}

/// Now, as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn now_rfc3339() -> String {
    let secs = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    rfc3339(secs)
}

/// Seconds since 1970 as `YYYY-MM-DDTHH:MM:SSZ` (UTC).
pub fn rfc3339(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

// ---------------------------------------------------------------------
// Progress on standard error.

struct Progress {
    bar: Option<indicatif::ProgressBar>,
    estimate: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    ticker: Option<std::thread::JoinHandle<()>>,
}

impl Progress {
    fn start(client: Arc<Client>, enabled: bool) -> Progress {
        let estimate = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        if !enabled {
            return Progress {
                bar: None,
                estimate,
                stop,
                ticker: None,
            };
        }
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} pulling: {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        );
        let ticker = {
            let (bar, estimate, stop) = (bar.clone(), Arc::clone(&estimate), Arc::clone(&stop));
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let calls = client.counts().calls;
                    let total = estimate.load(Ordering::Relaxed);
                    let msg = if total == 0 {
                        format!("{calls} calls, reading the lists")
                    } else {
                        let left = total.saturating_sub(calls);
                        let eta = client.limits().eta(left as usize);
                        format!(
                            "{calls} of about {total} calls, about {} left at the rate limit",
                            short_duration(eta)
                        )
                    };
                    bar.set_message(msg);
                    bar.tick();
                    std::thread::sleep(Duration::from_millis(200));
                }
            })
        };
        Progress {
            bar: Some(bar),
            estimate,
            stop,
            ticker: Some(ticker),
        }
    }

    fn set_estimate(&self, total: u64) {
        self.estimate.store(total.max(1), Ordering::Relaxed);
    }

    fn finish(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.ticker.take() {
            let _ = t.join();
        }
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

fn short_duration(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 3600 {
        format!("{}h{:02}m", s / 3600, s % 3600 / 60)
    } else if s >= 60 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{s}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_790_000_000), "2026-09-21T14:13:20Z");
    }

    #[test]
    fn nearest_program_names() {
        assert_eq!(distance("kitten", "sitting"), 3);
        let programs: Vec<api::Program> = ["2026 Q3 Webinar", "Newsletter"]
            .iter()
            .map(|n| serde_json::from_value(json!({"id": 1, "name": n})).unwrap())
            .collect();
        let msg = unknown_program("2026 Q3 Webinr", &programs);
        assert!(msg.contains("did you mean \"2026 Q3 Webinar\""), "{msg}");
    }

    #[test]
    fn duplicates_are_kept_apart() {
        let assets: Vec<Asset> = [(1, "Std"), (2, "std "), (3, "Other")]
            .iter()
            .map(|(id, n)| serde_json::from_value(json!({"id": id, "name": n})).unwrap())
            .collect();
        let mut warnings = Vec::new();
        let names_out = unique_names(&assets, "snippet", &mut warnings);
        assert_eq!(names_out, ["Std", "std (id 2)", "Other"]);
        assert_eq!(warnings.len(), 1);
    }
}
