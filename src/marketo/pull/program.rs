//! What a program is made of: its tokens, emails, landing pages, local
//! forms and smart campaigns, read from their content and written as its
//! `program.json`.

use std::collections::BTreeMap;

use anyhow::{anyhow, Result};
use serde_json::{json, Map, Value};

use super::contents::{program_cache_rel, Ctx, ProgramAssets};
use super::lists::Lists;
use crate::marketo::api::{self, FolderKind, FolderRef};
use crate::marketo::content;
use crate::marketo::snapshot::{self, FieldInfo, ProgramCache, CACHE_FORMAT};
use crate::model::{to_canonical_json, FORMAT};
use crate::names;

/// A program as its list gives it (a shallow pull): name, type, channel,
/// description and folder.
pub(super) fn listed_program(ctx: &Ctx, p: &api::Program) -> Result<()> {
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

pub(super) fn token_order(a: &Value, b: &Value) -> std::cmp::Ordering {
    let k = |v: &Value| names::key(v["name"].as_str().unwrap_or(""));
    k(a).cmp(&k(b))
}

pub(super) fn program_job(ctx: &Ctx, lists: &Lists, p: &api::Program) -> Result<()> {
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
        let mut entry = ctx.content(
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
        let subject = e.subject.as_ref().and_then(|h| h.text());
        let dynamic_subject = e.subject.as_ref().is_some_and(|h| h.is_dynamic());
        let settings = content::email_settings(e);
        let subject_of = what("email", &a.name);
        for key in &settings.dynamic {
            ctx.warn(format!(
                "{subject_of}: its {key} is dynamic content (a value per segment), not one value; it is left out and the email is marked dynamic_content"
            ));
        }
        let head = snapshot::EmailHead {
            name: &a.name,
            template,
            subject,
            settings: &settings,
            status: a.approval(),
        };
        let derived = match entry.as_mut() {
            Some(entry) => {
                let sections: Vec<api::EmailSection> = api::parse_list(&entry.result);
                let mut d = content::email(&sections, &ctx.lookup);
                ctx.dynamic_segmentations(&subject_of, entry, &mut d, |content_id| {
                    api::email_dynamic_content(c, a.id, content_id, &a.status)
                })?;
                if dynamic_subject || !settings.dynamic.is_empty() {
                    d.dynamic_content = true;
                }
                ctx.warn_unknown(&subject_of, &d.unknown);
                ctx.warn_unreadable(&subject_of, &d);
                Some(d)
            }
            None => None,
        };
        let json = snapshot::email_json(&head, derived.as_ref());
        if let Some(entry) = entry {
            cache.emails.insert(a.id.to_string(), entry);
        }
        emails.push(json);
    }

    // Landing pages.
    let mut pages = Vec::new();
    for e in &assets.landing_pages {
        let a = &e.asset;
        let mut entry = ctx.content(
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
        let subject_of = what("landing page", &a.name);
        let derived = match entry.as_mut() {
            Some(entry) => {
                let sections: Vec<api::PageSection> = api::parse_list(&entry.result);
                let mut d = content::landing_page(&sections, &ctx.lookup);
                ctx.dynamic_segmentations(&subject_of, entry, &mut d, |content_id| {
                    api::landing_page_dynamic_content(c, a.id, content_id)
                })?;
                ctx.warn_unknown(&subject_of, &d.unknown);
                ctx.warn_unreadable(&subject_of, &d);
                Some(d)
            }
            None => None,
        };
        let json = snapshot::landing_page_json(&a.name, template, a.approval(), derived.as_ref());
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
        doc.insert("status".into(), json!(f.approval().as_str()));
        if let Some(entry) = &entry {
            let (names_out, infos) = ctx.form_fields(&what("form", &f.name), &entry.result);
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
