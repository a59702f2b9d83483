//! The design studio's jobs of a pull (templates, snippets, global forms,
//! files), and the dispatch of every job of the content stage: a program
//! ([`super::program`]) or a design-studio asset, on one pool.

use std::collections::BTreeSet;
use std::sync::atomic::Ordering;

use anyhow::{bail, Result};
use serde_json::{json, Map, Value};

use super::contents::Ctx;
use super::lists::Lists;
use super::program::{listed_program, program_job};
use super::MAX_FILE_BYTES;
use crate::marketo::api::{self, Asset};
use crate::marketo::client::{url_host, ApiError, ErrorKind};
use crate::marketo::content;
use crate::marketo::snapshot::{Entry, FileEntry};
use crate::model::to_canonical_json;
use crate::names;

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
