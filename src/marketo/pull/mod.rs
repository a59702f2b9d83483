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
//!    sections (and the segmentation of each dynamic section that gives
//!    only its content id), form fields, campaign smart lists, template
//!    and snippet HTML; files are downloaded from their public URLs (not
//!    API calls).
//! 3. **Write** the snapshot beside DIR and put it in place
//!    ([`super::write`]).
//!
//! One file per stage: `lists.rs` (1), `contents.rs` (2: the jobs and the
//! earlier snapshot's cache), `program.rs` (what a program is made of),
//! `describe.rs` (`subscription.json` and the index of the instance),
//! `naming.rs` (unique and safe names), `progress.rs` (the progress line);
//! this file runs them in order.
//!
//! docs/marketo.md has the mapping field by field and the call counts.

mod contents;
mod describe;
mod lists;
mod naming;
mod program;
mod progress;
mod studio;
mod subset;

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use anyhow::{anyhow, bail, Result};
use serde::Serialize;
use serde_json::{json, Value};

use super::api::{self, Asset, FolderRef};
use super::client::Client;
use super::content::{Lookup, Schema};
use super::index::Index;
use super::snapshot::{self, FieldInfo, FolderCache, State, StudioCache, CACHE_FORMAT};
use super::tree::{Owner, Tree};
use super::write::{self, OutDir, Writer, OWN_STATE};
use crate::error::show;
use crate::model::{to_canonical_json, DesignKind};
use crate::names;
use contents::{estimate, Ctx, Old};
use describe::{build_index, subscription_json};
use lists::{dedupe, fetch_lists};
use naming::{file_names, unique_names, unique_names_of};
use program::token_order;
use progress::Progress;
use studio::{run_job, Done, Job};
use subset::{carry, select};

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
    /// Programs pulled.
    pub programs: usize,
    /// Programs of the earlier pull into DIR kept as they were (a pull of
    /// some programs, `--program`, keeps the others).
    pub kept_programs: Vec<String>,
    /// Programs of the earlier pull gone from the instance, so from DIR.
    pub removed_programs: Vec<String>,
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

/// Files larger than this are not downloaded (a warning names them).
const MAX_FILE_BYTES: u64 = 256 << 20;

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
    let selected = select(&lists.programs, &options.programs)?;

    let writer = Writer::new(&options.out, old_dir.as_deref())?;
    if old_dir.is_some() {
        writer.carry_state()?;
    } else {
        // So a later pull or run can lock it without creating a file.
        writer.put(".mkimport/lock", b"")?;
    }
    // The earlier pull's programs this one does not write.
    let earlier = old.state.is_some().then_some(old_dir.as_deref()).flatten();
    let carried = carry(
        &writer,
        earlier,
        &tree,
        &lists.programs,
        &selected,
        !options.programs.is_empty(),
        &mut warnings,
    )?;

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
        estimate: Arc::clone(&progress.estimate),
        warnings: Mutex::new(Vec::new()),
        dead_hosts: Mutex::new(Default::default()),
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
        ctx.lookup.file_ids.insert(f.id, name.clone());
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
            Done::FileLeftOut => {}
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
        kept_programs: carried.kept,
        removed_programs: carried.removed,
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
    crate::parallel::each(threads, n, |i| {
        if stop.load(Ordering::Relaxed) || crate::interrupt::requested() {
            stop.store(true, Ordering::Relaxed);
            return false;
        }
        match f(&items[i]) {
            Ok(r) => {
                *slots[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(r);
                true
            }
            Err(e) => {
                stop.store(true, Ordering::Relaxed);
                let mut first = first_error.lock().unwrap_or_else(|e| e.into_inner());
                if first.is_none() {
                    *first = Some(e);
                }
                false
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_790_000_000), "2026-09-21T14:13:20Z");
    }
}
