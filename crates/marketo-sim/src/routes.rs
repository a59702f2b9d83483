//! The endpoints: Marketo's paths, parameters, envelopes and record shapes
//! (the Swagger files beside this crate, and the documented examples where
//! they say more). [`ROUTES`] lists them; a test in mkimport checks each
//! against the Swagger files.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use crate::config::{SimConfig, State};
use crate::edit::{DesignKind, Refusal};
use crate::http::{request_id, Part, Reply};
use crate::model::{Campaign, Design, Folder, Id, Instance, Parent, Program, Section, Token};

/// Every endpoint served, as (method, Swagger path template).
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", "/identity/oauth/token"),
    ("POST", "/identity/oauth/token"),
    ("GET", "/rest/asset/v1/folder/byName.json"),
    ("GET", "/rest/asset/v1/folder/{id}.json"),
    ("GET", "/rest/asset/v1/folders.json"),
    ("GET", "/rest/asset/v1/folder/{id}/tokens.json"),
    ("GET", "/rest/asset/v1/programs.json"),
    ("GET", "/rest/asset/v1/program/byName.json"),
    ("GET", "/rest/asset/v1/program/byTag.json"),
    ("GET", "/rest/asset/v1/program/{id}.json"),
    ("GET", "/rest/asset/v1/tagTypes.json"),
    ("GET", "/rest/asset/v1/tagType/byName.json"),
    ("GET", "/rest/asset/v1/channels.json"),
    ("GET", "/rest/asset/v1/segmentation.json"),
    ("GET", "/rest/asset/v1/segmentation/{id}/segments.json"),
    ("GET", "/rest/asset/v1/emails.json"),
    ("GET", "/rest/asset/v1/email/{id}.json"),
    ("GET", "/rest/asset/v1/email/{id}/content.json"),
    ("GET", "/rest/asset/v1/landingPages.json"),
    ("GET", "/rest/asset/v1/landingPage/{id}/content.json"),
    ("GET", "/rest/asset/v1/forms.json"),
    ("GET", "/rest/asset/v1/form/{id}/fields.json"),
    ("GET", "/rest/asset/v1/smartCampaigns.json"),
    ("GET", "/rest/asset/v1/smartCampaign/{id}/smartList.json"),
    ("GET", "/rest/asset/v1/emailTemplates.json"),
    ("GET", "/rest/asset/v1/emailTemplate/{id}/content"),
    ("GET", "/rest/asset/v1/landingPageTemplates.json"),
    (
        "GET",
        "/rest/asset/v1/landingPageTemplate/{id}/content.json",
    ),
    ("GET", "/rest/asset/v1/snippets.json"),
    ("GET", "/rest/asset/v1/snippet/{id}/content.json"),
    ("GET", "/rest/asset/v1/files.json"),
    ("GET", "/rest/v1/leads/describe2.json"),
    ("GET", "/rest/v1/customobjects.json"),
    ("GET", "/rest/v1/activities/external/types.json"),
    // Writes (see `crate::edit`).
    ("POST", "/rest/asset/v1/programs.json"),
    ("POST", "/rest/asset/v1/program/{id}/delete.json"),
    ("POST", "/rest/asset/v1/folder/{id}/tokens.json"),
    ("POST", "/rest/asset/v1/folder/{id}/tokens/delete.json"),
    ("POST", "/rest/asset/v1/emails.json"),
    ("POST", "/rest/asset/v1/email/{id}/content/{htmlId}.json"),
    ("POST", "/rest/asset/v1/email/{id}/delete.json"),
    ("POST", "/rest/asset/v1/landingPages.json"),
    ("POST", "/rest/asset/v1/landingPage/{id}/content.json"),
    ("POST", "/rest/asset/v1/landingPage/{id}/delete.json"),
    ("POST", "/rest/asset/v1/forms.json"),
    ("POST", "/rest/asset/v1/form/{id}/fields.json"),
    (
        "POST",
        "/rest/asset/v1/form/{id}/field/{fieldId}/delete.json",
    ),
    ("POST", "/rest/asset/v1/form/{id}/approveDraft.json"),
    ("POST", "/rest/asset/v1/form/{id}/delete.json"),
    ("POST", "/rest/asset/v1/smartCampaigns.json"),
    ("POST", "/rest/asset/v1/smartCampaign/{id}/delete.json"),
    ("POST", "/rest/asset/v1/emailTemplates.json"),
    ("POST", "/rest/asset/v1/emailTemplate/{id}/content.json"),
    (
        "POST",
        "/rest/asset/v1/emailTemplate/{id}/approveDraft.json",
    ),
    ("POST", "/rest/asset/v1/emailTemplate/{id}/delete.json"),
    ("POST", "/rest/asset/v1/landingPageTemplates.json"),
    (
        "POST",
        "/rest/asset/v1/landingPageTemplate/{id}/content.json",
    ),
    (
        "POST",
        "/rest/asset/v1/landingPageTemplate/{id}/approveDraft.json",
    ),
    (
        "POST",
        "/rest/asset/v1/landingPageTemplate/{id}/delete.json",
    ),
    ("POST", "/rest/asset/v1/files.json"),
    ("POST", "/rest/asset/v1/file/{id}/content.json"),
];

/// Match a path against a template; the `{...}` parts, in order.
pub fn matches(template: &str, path: &str) -> Option<Vec<String>> {
    let t: Vec<&str> = template.split('/').collect();
    let p: Vec<&str> = path.split('/').collect();
    if t.len() != p.len() {
        return None;
    }
    let mut params = Vec::new();
    for (a, b) in t.iter().zip(&p) {
        if let (Some(start), Some(end)) = (a.find('{'), a.find('}')) {
            let (prefix, suffix) = (&a[..start], &a[end + 1..]);
            let inner = b.strip_prefix(prefix)?.strip_suffix(suffix)?;
            if inner.is_empty() {
                return None;
            }
            params.push(inner.to_string());
        } else if a != b {
            return None;
        }
    }
    Some(params)
}

fn param<'a>(query: &'a [(String, String)], name: &str) -> Option<&'a str> {
    query
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn envelope(result: Vec<Value>) -> Reply {
    if result.is_empty() {
        return Reply::json(&json!({
            "requestId": request_id(),
            "success": true,
            "errors": [],
            "warnings": ["No assets found for the given search criteria."],
        }));
    }
    Reply::json(&json!({
        "requestId": request_id(),
        "success": true,
        "errors": [],
        "warnings": [],
        "result": result,
    }))
}

/// Page `items` by `offset` and `maxReturn` (default 20, at most 200).
fn paged(items: Vec<Value>, query: &[(String, String)]) -> Reply {
    paged_by(items.into_iter(), query, |v| v)
}

/// Page lazily: only the records of the page are built.
fn paged_by<T>(
    items: impl Iterator<Item = T>,
    query: &[(String, String)],
    build: impl Fn(T) -> Value,
) -> Reply {
    let offset = match param(query, "offset").map(str::parse::<usize>) {
        None => 0,
        Some(Ok(n)) => n,
        Some(Err(_)) => return Reply::error("1003"),
    };
    let max = match param(query, "maxReturn").map(str::parse::<usize>) {
        None => 20,
        Some(Ok(n)) if (1..=200).contains(&n) => n,
        Some(_) => return Reply::error("1003"),
    };
    envelope(items.skip(offset).take(max).map(build).collect())
}

/// Only what is directly in the folder asked for (`folder={"id", "type"}`),
/// when asked.
fn in_folder(query: &[(String, String)], parent: Parent) -> bool {
    let Some(text) = param(query, "folder") else {
        return true;
    };
    let Ok(v) = serde_json::from_str::<Value>(text) else {
        return false;
    };
    let id = v["id"].as_u64().or_else(|| v["value"].as_u64());
    let wanted = match v["type"].as_str() {
        Some(t) if t.eq_ignore_ascii_case("program") => id.map(Parent::Program),
        _ => id.map(Parent::Folder),
    };
    wanted == Some(parent)
}

/// Only the version asked for (`status=approved|draft`), when asked.
fn status_ok(query: &[(String, String)], status: &str) -> bool {
    param(query, "status").is_none_or(|s| s.eq_ignore_ascii_case(status))
}

fn id_param(params: &[String]) -> Option<Id> {
    params.first().and_then(|s| s.parse().ok())
}

/// Answer one REST call.
pub(crate) fn route(
    state: &mut State,
    config: &SimConfig,
    method: &str,
    path: &str,
    query: &[(String, String)],
    form: &[Part],
) -> Reply {
    if method == "POST" {
        return post(state, path, form);
    }
    let i = &state.instance;
    let base = state.base.clone();
    for (m, template) in ROUTES {
        if *m != method {
            continue;
        }
        let Some(params) = matches(template, path) else {
            continue;
        };
        return match *template {
            "/rest/asset/v1/folder/byName.json" => {
                let Some(name) = param(query, "name") else {
                    return Reply::error("701");
                };
                let found: Vec<Value> = i
                    .folders
                    .values()
                    .filter(|f| f.name == name)
                    .map(|f| folder_record(i, f))
                    .collect();
                envelope(found)
            }
            "/rest/asset/v1/folder/{id}.json" => {
                let Some(id) = id_param(&params) else {
                    return Reply::error("1003");
                };
                let record = match param(query, "type").unwrap_or("Folder") {
                    t if t.eq_ignore_ascii_case("program") => {
                        i.programs.get(&id).map(|p| program_as_folder(i, p))
                    }
                    _ => i.folders.get(&id).map(|f| folder_record(i, f)),
                };
                match record {
                    Some(r) => envelope(vec![r]),
                    None => Reply::error("702"),
                }
            }
            "/rest/asset/v1/folders.json" => folders(i, query),
            "/rest/asset/v1/folder/{id}/tokens.json" => {
                let Some(id) = id_param(&params) else {
                    return Reply::error("1003");
                };
                let parent = match param(query, "folderType") {
                    Some(t) if t.eq_ignore_ascii_case("program") => Parent::Program(id),
                    _ => Parent::Folder(id),
                };
                match tokens_of(i, parent, config.tokens_include_inherited) {
                    Some(tokens) => envelope(vec![json!({
                        "folder": {"type": parent.kind(), "value": id},
                        "tokens": tokens.iter().map(|t| json!({
                            "name": t.name, "type": t.kind, "value": t.value,
                            "computedUrl": format!("https://app-sim.marketo.com/#ME{id}C3"),
                        })).collect::<Vec<_>>(),
                    })]),
                    None => Reply::error("702"),
                }
            }
            "/rest/asset/v1/programs.json" => {
                paged_by(i.programs.values(), query, |p| program_record(i, p, false))
            }
            "/rest/asset/v1/program/{id}.json" => {
                match id_param(&params).and_then(|id| i.programs.get(&id)) {
                    Some(p) => envelope(vec![program_record(i, p, true)]),
                    None => Reply::error("702"),
                }
            }
            "/rest/asset/v1/program/byName.json" => {
                let Some(name) = param(query, "name") else {
                    return Reply::error("701");
                };
                let tags = param(query, "includeTags") == Some("true");
                envelope(
                    i.programs
                        .values()
                        .filter(|p| p.name == name)
                        .map(|p| program_record(i, p, tags))
                        .collect(),
                )
            }
            "/rest/asset/v1/program/byTag.json" => {
                let (Some(t), Some(v)) = (param(query, "tagType"), param(query, "tagValue")) else {
                    return Reply::error("701");
                };
                let found: Vec<Value> = i
                    .programs
                    .values()
                    .filter(|p| {
                        p.tags.iter().any(|(pt, pv)| {
                            pt.eq_ignore_ascii_case(t) && pv.eq_ignore_ascii_case(v)
                        })
                    })
                    .map(|p| program_record(i, p, true))
                    .collect();
                // This endpoint says "no data" with a 702.
                let reply = paged(found, query);
                if reply.code.is_none() && reply_is_empty(&reply) {
                    Reply::error("702")
                } else {
                    reply
                }
            }
            "/rest/asset/v1/tagTypes.json" => paged(
                i.tag_types
                    .iter()
                    .map(|t| {
                        json!({
                            "tagType": t.name,
                            "applicableProgramTypes": "[program,email_batch,nurture,event,webinar]",
                            "required": t.required,
                        })
                    })
                    .collect(),
                query,
            ),
            "/rest/asset/v1/tagType/byName.json" => {
                let Some(name) = param(query, "name") else {
                    return Reply::error("701");
                };
                match i.tag_types.iter().find(|t| t.name == name) {
                    Some(t) => envelope(vec![json!({
                        "tagType": t.name,
                        "applicableProgramTypes": "[program,email_batch,nurture,event,webinar]",
                        "required": t.required,
                        "allowableValues": format!("[{}]", t.values.join(", ")),
                    })]),
                    None => Reply::error("702"),
                }
            }
            "/rest/asset/v1/channels.json" => paged_by(i.channels.values(), query, |c| {
                json!({
                    "id": c.id,
                    "name": c.name,
                    "applicableProgramType": c.program_type,
                    "progressionStatuses": c.statuses.iter().enumerate().map(|(n, s)| json!({
                        "name": s, "step": (n as i64 + 1) * 10, "description": null,
                        "hidden": false, "success": n + 1 == c.statuses.len(),
                    })).collect::<Vec<_>>(),
                    "createdAt": c.updated_at, "updatedAt": c.updated_at,
                })
            }),
            "/rest/asset/v1/segmentation.json" => envelope(
                i.segmentations
                    .values()
                    .filter(|_| status_ok(query, "approved"))
                    .map(|s| {
                        json!({
                            "id": s.id, "name": s.name, "description": "",
                            "createdAt": s.updated_at, "updatedAt": s.updated_at,
                            "url": format!("https://app-sim.marketo.com/#SG{}A1", s.id),
                            "folder": folder_ref(i, Parent::Folder(i.ds_root)),
                            "status": "approved", "workspace": "Default",
                        })
                    })
                    .collect(),
            ),
            "/rest/asset/v1/segmentation/{id}/segments.json" => {
                match id_param(&params).and_then(|id| i.segmentations.get(&id)) {
                    Some(s) => paged(
                        s.segments
                            .iter()
                            .enumerate()
                            .map(|(n, name)| {
                                json!({
                                    "id": s.id * 100 + n as u64, "name": name, "description": null,
                                    "createdAt": s.updated_at, "updatedAt": s.updated_at,
                                    "url": null, "segmentationId": s.id,
                                })
                            })
                            .collect(),
                        query,
                    ),
                    None => Reply::error("702"),
                }
            }
            "/rest/asset/v1/emails.json" => paged_by(
                i.emails
                    .values()
                    .filter(|e| status_ok(query, &e.status) && in_folder(query, e.parent)),
                query,
                |e| email_record(i, e),
            ),
            "/rest/asset/v1/email/{id}.json" => {
                match id_param(&params).and_then(|id| i.emails.get(&id)) {
                    Some(e) => envelope(vec![email_record(i, e)]),
                    None => Reply::error("702"),
                }
            }
            "/rest/asset/v1/email/{id}/content.json" => {
                match id_param(&params).and_then(|id| i.emails.get(&id)) {
                    Some(e) => envelope(
                        e.sections
                            .iter()
                            .enumerate()
                            .map(|(n, s)| email_section(s, n))
                            .collect(),
                    ),
                    None => Reply::error("702"),
                }
            }
            "/rest/asset/v1/landingPages.json" => paged_by(
                i.landing_pages
                    .values()
                    .filter(|p| status_ok(query, &p.status) && in_folder(query, p.parent)),
                query,
                |p| landing_page_record(i, p),
            ),
            "/rest/asset/v1/landingPage/{id}/content.json" => {
                match id_param(&params).and_then(|id| i.landing_pages.get(&id)) {
                    Some(p) => envelope(
                        p.sections
                            .iter()
                            .enumerate()
                            .map(|(n, s)| {
                                json!({
                                    "id": s.id, "type": s.kind, "index": n + 1,
                                    "content": s.value, "formattingOptions": null,
                                })
                            })
                            .collect(),
                    ),
                    None => Reply::error("702"),
                }
            }
            "/rest/asset/v1/forms.json" => paged_by(
                i.forms
                    .values()
                    .filter(|f| status_ok(query, &f.status) && in_folder(query, f.parent)),
                query,
                |f| form_record(i, f),
            ),
            "/rest/asset/v1/form/{id}/fields.json" => {
                match id_param(&params).and_then(|id| i.forms.get(&id)) {
                    Some(f) => envelope(f.fields.iter().map(form_field_record).collect()),
                    None => Reply::error("702"),
                }
            }
            "/rest/asset/v1/smartCampaigns.json" => paged_by(
                i.campaigns
                    .values()
                    .filter(|c| param(query, "isActive").is_none_or(|a| (a == "true") == c.active))
                    .filter(|c| in_folder(query, c.parent)),
                query,
                |c| campaign_record(i, c),
            ),
            "/rest/asset/v1/smartCampaign/{id}/smartList.json" => {
                match id_param(&params).and_then(|id| i.campaigns.get(&id)) {
                    Some(c) => {
                        let rules = param(query, "includeRules") == Some("true");
                        envelope(vec![smart_list(i, c, rules)])
                    }
                    None => Reply::error("702"),
                }
            }
            "/rest/asset/v1/emailTemplates.json" => paged(
                designs(
                    i,
                    &i.email_templates,
                    query,
                    |d| json!({"version": 2, "id": d.id}),
                ),
                query,
            ),
            "/rest/asset/v1/emailTemplate/{id}/content" => {
                match id_param(&params).and_then(|id| i.email_templates.get(&id)) {
                    Some(d) => envelope(vec![
                        json!({"id": d.id, "content": d.html, "status": d.status}),
                    ]),
                    None => Reply::error("702"),
                }
            }
            "/rest/asset/v1/landingPageTemplates.json" => paged(
                designs(
                    i,
                    &i.landing_page_templates,
                    query,
                    |d| json!({"enableMunchkin": true, "templateType": "freeForm", "id": d.id}),
                ),
                query,
            ),
            "/rest/asset/v1/landingPageTemplate/{id}/content.json" => {
                match id_param(&params).and_then(|id| i.landing_page_templates.get(&id)) {
                    Some(d) => envelope(vec![json!({
                        "id": d.id, "content": d.html, "status": d.status,
                        "enableMunchkin": true, "templateType": "freeForm",
                    })]),
                    None => Reply::error("702"),
                }
            }
            "/rest/asset/v1/snippets.json" => paged(
                designs(i, &i.snippets, query, |d| json!({"id": d.id})),
                query,
            ),
            "/rest/asset/v1/snippet/{id}/content.json" => {
                match id_param(&params).and_then(|id| i.snippets.get(&id)) {
                    Some(d) => envelope(vec![
                        json!({"type": "HTML", "content": d.html}),
                        json!({"type": "Text", "content": strip_tags(&d.html)}),
                    ]),
                    None => Reply::error("702"),
                }
            }
            "/rest/asset/v1/files.json" => paged_by(
                i.files.values().filter(|f| in_folder(query, f.parent)),
                query,
                |f| file_record(i, &base, f),
            ),
            "/rest/v1/leads/describe2.json" => Reply::json(&json!({
                "requestId": request_id(),
                "success": true,
                "errors": [],
                "warnings": [],
                "result": [{
                    "name": "API Lead",
                    "searchableFields": [["email"], ["id"]],
                    "fields": i.fields.iter().map(|f| json!({
                        "name": f.api_name, "displayName": f.display_name, "dataType": f.data_type,
                        "length": if f.data_type == "string" || f.data_type == "email" { json!(255) } else { Value::Null },
                        "updateable": true, "crmManaged": false,
                    })).collect::<Vec<_>>(),
                }],
            })),
            "/rest/v1/customobjects.json" => Reply::json(&json!({
                "requestId": request_id(),
                "success": true,
                "errors": [],
                "warnings": [],
                "result": i.custom_objects.iter().map(|o| json!({
                    "apiName": o.api_name, "displayName": o.display_name,
                    "pluralName": format!("{}s", o.display_name), "description": "",
                    "createdAt": "2026-01-01T00:00:00Z", "updatedAt": "2026-01-01T00:00:00Z",
                    "idField": "marketoGUID", "dedupeFields": ["marketoGUID"],
                    "searchableFields": [["marketoGUID"]], "relationships": [],
                    "fields": [{"name": "marketoGUID", "displayName": "Marketo GUID", "dataType": "string",
                                "length": 36, "updateable": false, "crmManaged": false}],
                    "state": "approved", "status": "approved", "version": "approved",
                })).collect::<Vec<_>>(),
            })),
            "/rest/v1/activities/external/types.json" => Reply::json(&json!({
                "requestId": request_id(),
                "success": true,
                "errors": [],
                "warnings": [],
                "result": i.custom_activities.iter().map(|a| json!({
                    "id": a.id, "apiName": a.api_name, "name": a.name, "description": "",
                    "triggerName": a.trigger_name, "filterName": a.filter_name,
                    "primaryAttribute": {"apiName": "name", "name": "Name", "dataType": "string"},
                    "attributes": [], "status": "approved",
                    "createdAt": "2026-01-01T00:00:00Z", "updatedAt": "2026-01-01T00:00:00Z",
                })).collect::<Vec<_>>(),
            })),
            _ => Reply::error("610"),
        };
    }
    Reply::error("610")
}

/// A text field of a POST body.
fn field(form: &[Part], name: &str) -> Option<String> {
    form.iter().find(|p| p.name == name).map(Part::text)
}

/// A required text field (701 when missing).
fn required(form: &[Part], name: &str) -> Result<String, Reply> {
    match field(form, name) {
        Some(v) if !v.trim().is_empty() => Ok(v),
        _ => Err(Reply::refusal("701", &format!("{name} cannot be blank"))),
    }
}

/// `folder={"id": N, "type": "Folder"|"Program"}`.
fn folder_field(form: &[Part]) -> Result<Parent, Reply> {
    let text = required(form, "folder")?;
    let v: Value =
        serde_json::from_str(&text).map_err(|_| Reply::refusal("1003", "Invalid folder"))?;
    let id = v["id"]
        .as_u64()
        .or_else(|| v["value"].as_u64())
        .ok_or_else(|| Reply::refusal("1003", "Invalid folder"))?;
    Ok(match v["type"].as_str() {
        Some(t) if t.eq_ignore_ascii_case("program") => Parent::Program(id),
        _ => Parent::Folder(id),
    })
}

fn refused(r: Refusal) -> Reply {
    Reply::refusal(r.code, &r.message)
}

fn id_result(id: Id) -> Reply {
    envelope(vec![json!({"id": id})])
}

/// Answer a write. Each arm reads its fields, changes the instance (see
/// `crate::edit`) and answers with the record, as Marketo does.
fn post(state: &mut State, path: &str, form: &[Part]) -> Reply {
    let base = state.base.clone();
    for (m, template) in ROUTES {
        if *m != "POST" {
            continue;
        }
        let Some(params) = matches(template, path) else {
            continue;
        };
        let answer = post_route(&mut state.instance, &base, template, &params, form);
        return answer.unwrap_or_else(|reply| reply);
    }
    Reply::error("610")
}

fn post_route(
    i: &mut Instance,
    base: &str,
    template: &str,
    params: &[String],
    form: &[Part],
) -> Result<Reply, Reply> {
    let id = || id_param(params).ok_or_else(|| Reply::error("1003"));
    let design = |t: &str| match t {
        t if t.contains("emailTemplate") => DesignKind::EmailTemplate,
        _ => DesignKind::LandingPageTemplate,
    };
    Ok(match template {
        "/rest/asset/v1/programs.json" => {
            let name = required(form, "name")?;
            let folder = folder_field(form)?;
            let kind = required(form, "type")?;
            let channel = field(form, "channel").unwrap_or_default();
            let description = field(form, "description").unwrap_or_default();
            let tags = match field(form, "tags") {
                None => Vec::new(),
                Some(text) => {
                    let v: Value = serde_json::from_str(&text)
                        .map_err(|_| Reply::refusal("1003", "Invalid tags"))?;
                    array(&v)
                        .iter()
                        .map(|t| (text_of(&t["tagType"]), text_of(&t["tagValue"])))
                        .collect()
                }
            };
            let id = i
                .create_program(&name, folder, &kind, &channel, &description, tags)
                .map_err(refused)?;
            envelope(vec![program_record(i, &i.programs[&id], true)])
        }
        "/rest/asset/v1/program/{id}/delete.json" => {
            let id = id()?;
            i.delete_program(id).map_err(refused)?;
            id_result(id)
        }
        "/rest/asset/v1/folder/{id}/tokens.json" => {
            let parent = token_parent(id()?, form);
            let name = required(form, "name")?;
            let kind = required(form, "type")?;
            let value = field(form, "value").unwrap_or_default();
            i.set_token(parent, &name, &kind, &value).map_err(refused)?;
            token_answer(i, parent)
        }
        "/rest/asset/v1/folder/{id}/tokens/delete.json" => {
            let parent = token_parent(id()?, form);
            let name = required(form, "name")?;
            i.delete_token(parent, &name).map_err(refused)?;
            id_result(parent.id())
        }
        "/rest/asset/v1/emails.json" => {
            let name = required(form, "name")?;
            let folder = folder_field(form)?;
            let template: Id = required(form, "template")?
                .trim()
                .parse()
                .map_err(|_| Reply::refusal("1003", "Invalid template"))?;
            let subject = field(form, "subject").unwrap_or_default();
            let id = i
                .create_email(&name, folder, template, &subject)
                .map_err(refused)?;
            envelope(vec![email_record(i, &i.emails[&id])])
        }
        "/rest/asset/v1/email/{id}/content/{htmlId}.json" => {
            let id = id()?;
            let html_id = params.get(1).cloned().unwrap_or_default();
            let kind = required(form, "type")?;
            let value = field(form, "value").unwrap_or_default();
            i.set_email_section(id, &html_id, &kind, &value)
                .map_err(refused)?;
            id_result(id)
        }
        "/rest/asset/v1/email/{id}/delete.json" => {
            let id = id()?;
            i.delete_email(id).map_err(refused)?;
            id_result(id)
        }
        "/rest/asset/v1/landingPages.json" => {
            let name = required(form, "name")?;
            let folder = folder_field(form)?;
            let template: Id = required(form, "template")?
                .trim()
                .parse()
                .map_err(|_| Reply::refusal("1003", "Invalid template"))?;
            let id = i
                .create_landing_page(&name, folder, template)
                .map_err(refused)?;
            envelope(vec![landing_page_record(i, &i.landing_pages[&id])])
        }
        "/rest/asset/v1/landingPage/{id}/content.json" => {
            let id = id()?;
            let content_id = required(form, "contentId")?;
            let kind = required(form, "type")?;
            let value = field(form, "value").unwrap_or_default();
            i.add_page_section(id, &content_id, &kind, &value)
                .map_err(refused)?;
            id_result(id)
        }
        "/rest/asset/v1/landingPage/{id}/delete.json" => {
            let id = id()?;
            i.delete_landing_page(id).map_err(refused)?;
            id_result(id)
        }
        "/rest/asset/v1/forms.json" => {
            let name = required(form, "name")?;
            let folder = folder_field(form)?;
            let id = i.create_form(&name, folder).map_err(refused)?;
            envelope(vec![form_record(i, &i.forms[&id])])
        }
        "/rest/asset/v1/form/{id}/fields.json" => {
            let id = id()?;
            let field_id = required(form, "fieldId")?;
            let f = i.add_form_field(id, &field_id).map_err(refused)?;
            envelope(vec![form_field_record(&f)])
        }
        "/rest/asset/v1/form/{id}/field/{fieldId}/delete.json" => {
            let id = id()?;
            let field_id = params.get(1).cloned().unwrap_or_default();
            i.remove_form_field(id, &field_id).map_err(refused)?;
            id_result(id)
        }
        "/rest/asset/v1/form/{id}/approveDraft.json" => {
            let id = id()?;
            i.approve_form(id).map_err(refused)?;
            envelope(vec![form_record(i, &i.forms[&id])])
        }
        "/rest/asset/v1/form/{id}/delete.json" => {
            let id = id()?;
            i.delete_form(id).map_err(refused)?;
            id_result(id)
        }
        "/rest/asset/v1/smartCampaigns.json" => {
            let name = required(form, "name")?;
            let folder = folder_field(form)?;
            let id = i.create_campaign(&name, folder).map_err(refused)?;
            envelope(vec![campaign_record(i, &i.campaigns[&id])])
        }
        "/rest/asset/v1/smartCampaign/{id}/delete.json" => {
            let id = id()?;
            i.delete_campaign(id).map_err(refused)?;
            id_result(id)
        }
        "/rest/asset/v1/emailTemplates.json" | "/rest/asset/v1/landingPageTemplates.json" => {
            let kind = design(template);
            let name = required(form, "name")?;
            let folder = folder_field(form)?;
            let html = match kind {
                // An email template's content comes with it, as a file.
                DesignKind::EmailTemplate => form
                    .iter()
                    .find(|p| p.name == "content")
                    .map(Part::text)
                    .ok_or_else(|| Reply::refusal("701", "content cannot be blank"))?,
                _ => String::new(),
            };
            let id = i
                .create_design(kind, &name, folder, &html)
                .map_err(refused)?;
            envelope(vec![design_record(i, kind, id)])
        }
        "/rest/asset/v1/emailTemplate/{id}/content.json"
        | "/rest/asset/v1/landingPageTemplate/{id}/content.json" => {
            let id = id()?;
            let html = form
                .iter()
                .find(|p| p.name == "content")
                .map(Part::text)
                .ok_or_else(|| Reply::refusal("701", "content cannot be blank"))?;
            i.set_design_content(design(template), id, &html)
                .map_err(refused)?;
            id_result(id)
        }
        "/rest/asset/v1/emailTemplate/{id}/approveDraft.json"
        | "/rest/asset/v1/landingPageTemplate/{id}/approveDraft.json" => {
            let id = id()?;
            let kind = design(template);
            i.approve_design(kind, id).map_err(refused)?;
            envelope(vec![design_record(i, kind, id)])
        }
        "/rest/asset/v1/emailTemplate/{id}/delete.json"
        | "/rest/asset/v1/landingPageTemplate/{id}/delete.json" => {
            let id = id()?;
            i.delete_design(design(template), id).map_err(refused)?;
            id_result(id)
        }
        "/rest/asset/v1/files.json" => {
            let name = required(form, "name")?;
            let folder = folder_field(form)?;
            let bytes = form
                .iter()
                .find(|p| p.name == "file")
                .map(|p| p.bytes.clone())
                .ok_or_else(|| Reply::refusal("701", "file cannot be blank"))?;
            let id = i.create_file(&name, folder, bytes).map_err(refused)?;
            envelope(vec![file_record(i, base, &i.files[&id])])
        }
        "/rest/asset/v1/file/{id}/content.json" => {
            let id = id()?;
            let bytes = form
                .iter()
                .find(|p| p.name == "file")
                .map(|p| p.bytes.clone())
                .ok_or_else(|| Reply::refusal("701", "file cannot be blank"))?;
            i.set_file_content(id, bytes).map_err(refused)?;
            envelope(vec![file_record(i, base, &i.files[&id])])
        }
        _ => Reply::error("610"),
    })
}

fn token_parent(id: Id, form: &[Part]) -> Parent {
    match field(form, "folderType") {
        Some(t) if t.eq_ignore_ascii_case("program") => Parent::Program(id),
        _ => Parent::Folder(id),
    }
}

fn token_answer(i: &Instance, parent: Parent) -> Reply {
    let tokens = match parent {
        Parent::Folder(id) => i.folders.get(&id).map(|f| f.tokens.clone()),
        Parent::Program(id) => i.programs.get(&id).map(|p| p.tokens.clone()),
    }
    .unwrap_or_default();
    envelope(vec![json!({
        "folder": {"type": parent.kind(), "value": parent.id()},
        "tokens": tokens.iter().map(|t| json!({
            "name": t.name, "type": t.kind, "value": t.value,
            "computedUrl": format!("https://app-sim.marketo.com/#ME{}C3", parent.id()),
        })).collect::<Vec<_>>(),
    })])
}

fn array(v: &Value) -> &[Value] {
    v.as_array().map(Vec::as_slice).unwrap_or(&[])
}

fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn reply_is_empty(reply: &Reply) -> bool {
    serde_json::from_slice::<Value>(&reply.body)
        .ok()
        .is_some_and(|v| v.get("result").is_none())
}

/// A served file: `GET /rs/<munchkin>/images/<name>`.
pub(crate) fn file(state: &State, path: &str) -> Reply {
    let i = &state.instance;
    let prefix = format!("/rs/{}/images/", i.munchkin);
    let Some(name) = path.strip_prefix(&prefix) else {
        return Reply::raw(404, "text/plain", b"not found".to_vec());
    };
    match i.files.values().find(|f| f.name == name) {
        Some(f) => Reply::raw(200, "application/octet-stream", f.bytes.clone()),
        None => Reply::raw(404, "text/plain", b"not found".to_vec()),
    }
}

/// The public URL of a file.
pub fn file_url(base: &str, munchkin: &str, name: &str) -> String {
    format!("{base}/rs/{munchkin}/images/{}", encode_segment(name))
}

fn encode_segment(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn strip_tags(html: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for c in html.chars() {
        match c {
            '<' => inside = true,
            '>' => inside = false,
            c if !inside => out.push(c),
            _ => {}
        }
    }
    out.trim().to_string()
}

/// `{"id", "value", "type", "folderName"}`: the Swagger files name the id
/// `id`, the documented answers `value`; both are given.
fn folder_ref(i: &Instance, parent: Parent) -> Value {
    let name = match parent {
        Parent::Folder(id) => i.folders.get(&id).map(|f| f.name.clone()),
        Parent::Program(id) => i.programs.get(&id).map(|p| p.name.clone()),
    };
    json!({"id": parent.id(), "value": parent.id(), "type": parent.kind(), "folderName": name})
}

fn parent_ref(parent: Option<Parent>) -> Value {
    match parent {
        Some(p) => json!({"id": p.id(), "type": p.kind()}),
        None => Value::Null,
    }
}

fn folder_record(i: &Instance, f: &Folder) -> Value {
    json!({
        "id": f.id,
        "name": f.name,
        "description": null,
        "createdAt": f.updated_at,
        "updatedAt": f.updated_at,
        "url": if f.folder_type == "Zone" { Value::Null } else { json!(format!("https://app-sim.marketo.com/#MF{}A1", f.id)) },
        "folderId": {"id": f.id, "type": "Folder"},
        "folderType": f.folder_type,
        "parent": parent_ref(f.parent),
        "path": i.path_of(Parent::Folder(f.id)),
        "isArchive": false,
        "isSystem": f.folder_type == "Zone",
        "accessZoneId": 1,
        "workspace": "Default",
    })
}

fn program_folder_type(kind: &str) -> &'static str {
    match kind.to_lowercase().as_str() {
        "event" | "event with webinar" => "Marketing Event",
        "engagement" => "Nurture Program",
        "email" => "Email Batch Program",
        _ => "Marketing Program",
    }
}

fn program_as_folder(i: &Instance, p: &Program) -> Value {
    json!({
        "id": p.id,
        "name": p.name,
        "description": p.description,
        "createdAt": p.updated_at,
        "updatedAt": p.updated_at,
        "url": format!("https://app-sim.marketo.com/#PG{}A1", p.id),
        "folderId": {"id": p.id, "type": "Program"},
        "folderType": program_folder_type(&p.kind),
        "parent": parent_ref(Some(p.parent)),
        "path": i.path_of(Parent::Program(p.id)),
        "isArchive": false,
        "isSystem": false,
        "accessZoneId": 1,
        "workspace": "Default",
    })
}

/// A program; the browse list does not carry tags or costs.
fn program_record(i: &Instance, p: &Program, tags: bool) -> Value {
    let mut v = json!({
        "id": p.id,
        "name": p.name,
        "description": p.description,
        "createdAt": p.updated_at,
        "updatedAt": p.updated_at,
        "url": format!("https://app-sim.marketo.com/#PG{}A1", p.id),
        "type": p.kind,
        "channel": p.channel,
        "folder": folder_ref(i, p.parent),
        "status": "",
        "workspace": "Default",
        "headStart": false,
    });
    if tags {
        v["tags"] = Value::Array(
            p.tags
                .iter()
                .map(|(t, val)| json!({"tagType": t, "tagValue": val}))
                .collect(),
        );
        v["costs"] = Value::Null;
    }
    v
}

/// The folders below `root` (default: the Marketing Activities root), to
/// `maxDepth` levels (default 2), programs included.
fn folders(i: &Instance, query: &[(String, String)]) -> Reply {
    let root = match param(query, "root") {
        None => Parent::Folder(i.ma_root),
        Some(text) => {
            let v: Value = match serde_json::from_str(text) {
                Ok(v) => v,
                Err(_) => return Reply::error("1003"),
            };
            let Some(id) = v["id"].as_u64() else {
                return Reply::error("1003");
            };
            match v["type"].as_str() {
                Some(t) if t.eq_ignore_ascii_case("program") => Parent::Program(id),
                _ => Parent::Folder(id),
            }
        }
    };
    let exists = match root {
        Parent::Folder(id) => i.folders.contains_key(&id),
        Parent::Program(id) => i.programs.contains_key(&id),
    };
    if !exists {
        return Reply::error("710");
    }
    let max_depth: u32 = match param(query, "maxDepth").map(str::parse) {
        None => 2,
        Some(Ok(n)) => n,
        Some(Err(_)) => return Reply::error("1003"),
    };
    let mut items: Vec<Parent> = Vec::new();
    for f in i.folders.values() {
        if i.depth_below(Parent::Folder(f.id), root)
            .is_some_and(|d| d <= max_depth)
        {
            items.push(Parent::Folder(f.id));
        }
    }
    for p in i.programs.values() {
        if i.depth_below(Parent::Program(p.id), root)
            .is_some_and(|d| d <= max_depth)
        {
            items.push(Parent::Program(p.id));
        }
    }
    items.sort_by_key(|p| p.id());
    paged_by(items.into_iter(), query, |p| match p {
        Parent::Folder(id) => folder_record(i, &i.folders[&id]),
        Parent::Program(id) => program_as_folder(i, &i.programs[&id]),
    })
}

/// The tokens a folder or program sees: its own, then (when configured)
/// the ones it inherits that it does not override, nearest first.
fn tokens_of(i: &Instance, at: Parent, inherited: bool) -> Option<Vec<Token>> {
    let own = match at {
        Parent::Folder(id) => i.folders.get(&id)?.tokens.clone(),
        Parent::Program(id) => i.programs.get(&id)?.tokens.clone(),
    };
    let mut out = own;
    if !inherited {
        return Some(out);
    }
    let mut names: BTreeSet<String> = out.iter().map(|t| t.name.to_lowercase()).collect();
    let mut next = match at {
        Parent::Folder(id) => i.folders.get(&id).and_then(|f| f.parent),
        Parent::Program(id) => i.programs.get(&id).map(|p| p.parent),
    };
    let mut guard = 0;
    while let Some(p) = next {
        guard += 1;
        if guard > 1000 {
            break;
        }
        let (tokens, parent) = match p {
            Parent::Folder(id) => match i.folders.get(&id) {
                Some(f) => (f.tokens.clone(), f.parent),
                None => break,
            },
            Parent::Program(id) => match i.programs.get(&id) {
                Some(pr) => (pr.tokens.clone(), Some(pr.parent)),
                None => break,
            },
        };
        for t in tokens {
            if names.insert(t.name.to_lowercase()) {
                out.push(t);
            }
        }
        next = parent;
    }
    Some(out)
}

fn landing_page_record(i: &Instance, p: &crate::model::LandingPage) -> Value {
    json!({
        "id": p.id, "name": p.name, "description": "",
        "createdAt": p.updated_at, "updatedAt": p.updated_at,
        "URL": format!("https://go.sim.example/lp/{}.html", p.id),
        "computedUrl": format!("https://app-sim.marketo.com/#LP{}A1", p.id),
        "folder": folder_ref(i, p.parent),
        "status": p.status, "template": p.template,
        "title": p.name, "keywords": "", "robots": "index, nofollow",
        "customHeadHTML": null, "facebookOgTags": null,
        "formPrefill": false, "mobileEnabled": false, "workspace": "Default",
    })
}

fn form_record(i: &Instance, f: &crate::model::Form) -> Value {
    json!({
        "id": f.id, "name": f.name, "description": "",
        "createdAt": f.updated_at, "updatedAt": f.updated_at,
        "url": format!("https://app-sim.marketo.com/#FO{}A1", f.id),
        "status": f.status, "folder": folder_ref(i, f.parent),
        "theme": "simple", "language": "English", "locale": "en_US",
        "progressiveProfiling": false, "labelPosition": "left",
        "fontFamily": "Helvetica", "fontSize": "13px",
        "knownVisitor": {"type": "form", "template": null},
        "thankYouList": [{"default": true, "followupType": "none", "followupValue": null,
                           "operator": null, "subjectField": null, "values": null}],
        "buttonLocation": 120, "buttonLabel": "Submit", "waitingLabel": "Please Wait",
    })
}

fn form_field_record(x: &crate::model::FormField) -> Value {
    json!({
        "id": x.api_name, "label": x.label, "dataType": x.data_type,
        "validationMessage": "This field is required.",
        "rowNumber": 0, "columnNumber": 0, "required": false,
        "formPrefill": true, "fieldWidth": 150, "labelWidth": 100,
        "maxLength": 255, "visibilityRules": {"ruleType": "alwaysShow"},
    })
}

fn file_record(i: &Instance, base: &str, f: &crate::model::File) -> Value {
    let folder = i.folders.get(&f.parent.id());
    json!({
        "id": f.id, "name": f.name, "description": null,
        "createdAt": f.updated_at, "updatedAt": f.updated_at,
        "folder": {"id": f.parent.id(), "name": folder.map(|x| x.name.clone()), "type": "Folder"},
        "mimeType": f.mime_type, "size": f.bytes.len(),
        "url": file_url(base, &i.munchkin, &f.name),
    })
}

/// A template's record, as its list gives it.
fn design_record(i: &Instance, kind: DesignKind, id: Id) -> Value {
    let (map, extra) = match kind {
        DesignKind::EmailTemplate => (&i.email_templates, json!({"version": 2})),
        DesignKind::LandingPageTemplate => (
            &i.landing_page_templates,
            json!({"enableMunchkin": true, "templateType": "freeForm"}),
        ),
        DesignKind::Snippet => (&i.snippets, json!({})),
    };
    let Some(d) = map.get(&id) else {
        return Value::Null;
    };
    let mut v = json!({
        "id": d.id,
        "name": d.name,
        "description": "",
        "createdAt": d.updated_at,
        "updatedAt": d.updated_at,
        "url": format!("https://app-sim.marketo.com/#DS{}A1", d.id),
        "folder": folder_ref(i, d.parent),
        "status": d.status,
        "workspace": "Default",
    });
    if let (Value::Object(m), Value::Object(e)) = (&mut v, extra) {
        m.extend(e);
    }
    v
}

fn email_record(i: &Instance, e: &crate::model::Email) -> Value {
    let text = |v: &str| json!({"type": "Text", "value": v});
    json!({
        "id": e.id,
        "name": e.name,
        "description": "",
        "createdAt": e.updated_at,
        "updatedAt": e.updated_at,
        "url": format!("https://app-sim.marketo.com/#EM{}A1", e.id),
        "subject": text(&e.subject),
        "fromName": text("Acme"),
        "fromEmail": text("news@acme.example"),
        "replyEmail": text("news@acme.example"),
        "folder": folder_ref(i, e.parent),
        "operational": false,
        "textOnly": false,
        "publishToMSI": false,
        "webView": false,
        "status": e.status,
        "template": e.template,
        "workspace": "Default",
        "isOpenTrackingDisabled": false,
        "version": 2,
        "autoCopyToText": true,
        "preHeader": "",
        "ccFields": [],
    })
}

fn email_section(s: &Section, n: usize) -> Value {
    json!({
        "htmlId": s.id,
        "value": s.value,
        "contentType": s.kind,
        "parentHtmlId": null,
        "index": n + 1,
        "isLocked": false,
    })
}

fn campaign_record(i: &Instance, c: &Campaign) -> Value {
    let recurrence = match &c.schedule {
        Some(start) if c.kind == "batch" => json!({
            "startAt": start, "endAt": null, "intervalType": null, "interval": null,
            "weekdayOnly": false, "weekdayMask": [], "dayOfMonth": null,
            "dayOfWeek": null, "weekOfMonth": null,
        }),
        _ => Value::Null,
    };
    let program = match c.parent {
        Parent::Program(id) => Some(id),
        Parent::Folder(_) => None,
    };
    json!({
        "id": c.id,
        "name": c.name,
        "description": "",
        "type": c.kind,
        "isSystem": false,
        "isActive": c.active,
        "isRequestable": false,
        "recurrence": recurrence,
        "qualificationRuleType": "once",
        "qualificationRuleInterval": null,
        "qualificationRuleUnit": null,
        "maxMembers": null,
        "isCommunicationLimitEnabled": false,
        "smartListId": c.smart_list_id,
        "flowId": c.smart_list_id + 1_000_000,
        "parentProgramId": program,
        "folder": folder_ref(i, c.parent),
        "createdAt": c.updated_at,
        "updatedAt": c.updated_at,
        "workspace": "Default",
        "computedUrl": format!("https://app-sim.marketo.com/#SC{}A1", c.id),
        "status": if c.active { "Active" } else if c.schedule.is_some() { "Single Run" } else { "Inactive" },
    })
}

fn smart_list(i: &Instance, c: &Campaign, rules: bool) -> Value {
    let rule = |n: usize, r: &crate::model::Rule| {
        json!({
            "id": c.smart_list_id * 100 + n as u64,
            "name": r.name,
            "ruleTypeId": 1000 + n as u64,
            "ruleType": r.rule_type,
            "operator": "is",
            "conditions": [],
        })
    };
    let mut v = json!({
        "id": c.smart_list_id,
        "name": c.name,
        "description": "",
        "createdAt": c.updated_at,
        "updatedAt": c.updated_at,
        "url": format!("https://app-sim.marketo.com/#SL{}A1", c.smart_list_id),
        "folder": folder_ref(i, c.parent),
        "workspace": "Default",
    });
    if rules {
        v["rules"] = json!({
            "filterMatchType": "All",
            // The Swagger file types triggers as their names.
            "triggers": c.triggers.iter().map(|r| json!(r.name)).collect::<Vec<_>>(),
            "filters": c.filters.iter().enumerate().map(|(n, r)| rule(n + c.triggers.len(), r)).collect::<Vec<_>>(),
        });
    }
    v
}

fn designs(
    i: &Instance,
    map: &std::collections::BTreeMap<Id, Design>,
    query: &[(String, String)],
    extra: impl Fn(&Design) -> Value,
) -> Vec<Value> {
    map.values()
        .filter(|d| status_ok(query, &d.status))
        .map(|d| {
            let mut v = json!({
                "id": d.id,
                "name": d.name,
                "description": "",
                "createdAt": d.updated_at,
                "updatedAt": d.updated_at,
                "url": format!("https://app-sim.marketo.com/#DS{}A1", d.id),
                "folder": folder_ref(i, d.parent),
                "status": d.status,
                "workspace": "Default",
            });
            if let (Value::Object(m), Value::Object(e)) = (&mut v, extra(d)) {
                m.extend(e);
            }
            v
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_match_paths() {
        assert_eq!(
            matches(
                "/rest/asset/v1/email/{id}/content.json",
                "/rest/asset/v1/email/12/content.json"
            ),
            Some(vec!["12".to_string()])
        );
        assert_eq!(
            matches(
                "/rest/asset/v1/folder/{id}.json",
                "/rest/asset/v1/folder/7.json"
            ),
            Some(vec!["7".to_string()])
        );
        assert!(matches(
            "/rest/asset/v1/folder/{id}.json",
            "/rest/asset/v1/folders.json"
        )
        .is_none());
        assert!(matches(
            "/rest/asset/v1/emailTemplate/{id}/content",
            "/rest/asset/v1/emailTemplate/3/content.json"
        )
        .is_none());
    }
}
