//! The endpoints: Marketo's paths, parameters, envelopes and record shapes
//! (the real answers of `shared/marketo-real` first, then Adobe's pages,
//! then the Swagger files beside this crate; see `records.rs`).
//! [`ROUTES`] lists them; a test in mkimport checks each against the
//! Swagger files, another compares the answers with the real ones.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use crate::config::{SimConfig, State};
use crate::edit::DesignKind;
use crate::http::{envelope, request_id, Part, Reply};
use crate::model::{Instance, Parent, Status, Token};
use crate::paths::id_param;
pub use crate::paths::{matches, ROUTES};
use crate::records::{
    campaign_record, design_record, dynamic_content_id, email_dynamic_content, email_record,
    email_section, email_template_content, file_record, folder_record, form_record, form_row,
    landing_page_record, page_dynamic_content, page_section, program_as_folder, program_record,
    smart_list, strip_tags, token_record, ProgramDetail, Version,
};

pub(crate) fn param<'a>(query: &'a [(String, String)], name: &str) -> Option<&'a str> {
    query
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// The lead database's envelope: no `errors` nor `warnings` (Describe
/// Lead, Get Custom Objects, Get Usage as documented and recorded).
fn lead_envelope(result: Vec<Value>) -> Reply {
    Reply::json(&json!({
        "requestId": request_id(),
        "success": true,
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

/// The record asked for by id or name; none found is the empty search's
/// answer, not a 702 (Emails page: Get Email by Id "indicates success but
/// includes the warning `No assets found for the given search
/// criteria.`"; Error Codes page: "Many failed search operations return
/// `success = true` ... and set a warnings informational string").
fn one(record: Option<Value>) -> Reply {
    envelope(record.into_iter().collect())
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
        return crate::writes::post(state, path, form);
    }
    for (m, template) in ROUTES {
        if *m != method {
            continue;
        }
        let Some(params) = matches(template, path) else {
            continue;
        };
        if template.starts_with("/rest/v1/") {
            return lead_database(state, config, template, &params);
        }
        return assets(state, config, template, &params, query);
    }
    Reply::error("610")
}

/// The Asset API's reads.
fn assets(
    state: &State,
    config: &SimConfig,
    template: &str,
    params: &[String],
    query: &[(String, String)],
) -> Reply {
    let i = &state.instance;
    let files = state.files_base.as_str();
    let version = Version::of(query);
    match template {
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
            let Some(id) = id_param(params) else {
                return Reply::error("1003");
            };
            one(match param(query, "type").unwrap_or("Folder") {
                t if t.eq_ignore_ascii_case("program") => {
                    i.programs.get(&id).map(|p| program_as_folder(i, p))
                }
                _ => i.folders.get(&id).map(|f| folder_record(i, f)),
            })
        }
        "/rest/asset/v1/folders.json" => folders(i, query),
        "/rest/asset/v1/folder/{id}/tokens.json" => {
            let Some(id) = id_param(params) else {
                return Reply::error("1003");
            };
            let parent = match param(query, "folderType") {
                Some(t) if t.eq_ignore_ascii_case("program") => Parent::Program(id),
                _ => Parent::Folder(id),
            };
            match tokens_of(i, parent, config.tokens_include_inherited) {
                Some(tokens) => envelope(vec![token_record(parent, &tokens)]),
                None => Reply::error("702"),
            }
        }
        "/rest/asset/v1/programs.json" => paged_by(i.programs.values(), query, |p| {
            program_record(i, p, ProgramDetail::Browse)
        }),
        "/rest/asset/v1/program/{id}.json" => one(id_param(params)
            .and_then(|id| i.programs.get(&id))
            .map(|p| program_record(i, p, ProgramDetail::Full))),
        "/rest/asset/v1/program/byName.json" => {
            let Some(name) = param(query, "name") else {
                return Reply::error("701");
            };
            let detail = if param(query, "includeTags") == Some("true") {
                ProgramDetail::Full
            } else {
                ProgramDetail::Browse
            };
            envelope(
                i.programs
                    .values()
                    .filter(|p| p.name == name)
                    .map(|p| program_record(i, p, detail))
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
                    p.tags
                        .iter()
                        .any(|(pt, pv)| pt.eq_ignore_ascii_case(t) && pv.eq_ignore_ascii_case(v))
                })
                .map(|p| program_record(i, p, ProgramDetail::Full))
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
            one(i.tag_types.iter().find(|t| t.name == name).map(|t| {
                json!({
                    "tagType": t.name,
                    "applicableProgramTypes": "[program,email_batch,nurture,event,webinar]",
                    "required": t.required,
                    "allowableValues": format!("[{}]", t.values.join(", ")),
                })
            }))
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
                .filter(|_| version.has(Status::Approved))
                .map(|s| {
                    json!({
                        "id": s.id, "name": s.name, "description": "",
                        "createdAt": s.updated_at, "updatedAt": s.updated_at,
                        "url": format!("https://app-sim.marketo.com/#SG{}A1", s.id),
                        "folder": crate::records::folder_ref(i, Parent::Folder(i.ds_root)),
                        "status": "approved", "workspace": "Default",
                    })
                })
                .collect(),
        ),
        "/rest/asset/v1/segmentation/{id}/segments.json" => {
            match id_param(params).and_then(|id| i.segmentations.get(&id)) {
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
                .filter(|e| version.has(e.status) && in_folder(query, e.parent)),
            query,
            |e| email_record(i, e, version),
        ),
        "/rest/asset/v1/email/byName.json" => {
            let Some(name) = param(query, "name") else {
                return Reply::error("701");
            };
            envelope(
                i.emails
                    .values()
                    .filter(|e| e.name == name && version.has(e.status))
                    .filter(|e| in_folder(query, e.parent))
                    .map(|e| email_record(i, e, version))
                    .collect(),
            )
        }
        "/rest/asset/v1/email/{id}.json" => one(id_param(params)
            .and_then(|id| i.emails.get(&id))
            .filter(|e| version.has(e.status))
            .map(|e| email_record(i, e, version))),
        "/rest/asset/v1/email/{id}/content.json" => {
            match id_param(params).and_then(|id| i.emails.get(&id)) {
                Some(e) if version.has(e.status) => envelope(
                    e.sections
                        .iter()
                        .enumerate()
                        .map(|(n, s)| email_section(e.id, s, n))
                        .collect(),
                ),
                _ => Reply::error("702"),
            }
        }
        "/rest/asset/v1/email/{id}/dynamicContent/{contentId}.json" => {
            let email = id_param(params).and_then(|id| i.emails.get(&id));
            let content_id = params.get(1).map(String::as_str).unwrap_or("");
            one(email.and_then(|e| {
                let (n, s) = e.sections.iter().enumerate().find(|(n, s)| {
                    s.kind.eq_ignore_ascii_case("dynamiccontent")
                        && dynamic_content_id(e.id, *n) == content_id
                })?;
                Some(email_dynamic_content(i, e.id, n, s, &e.updated_at))
            }))
        }
        "/rest/asset/v1/landingPages.json" => paged_by(
            i.landing_pages
                .values()
                .filter(|p| version.has(p.status) && in_folder(query, p.parent)),
            query,
            |p| landing_page_record(i, p, version),
        ),
        "/rest/asset/v1/landingPage/{id}/content.json" => {
            match id_param(params).and_then(|id| i.landing_pages.get(&id)) {
                Some(p) if version.has(p.status) => envelope(
                    p.sections
                        .iter()
                        .enumerate()
                        .map(|(n, s)| page_section(i, files, p.id, s, n))
                        .collect(),
                ),
                _ => Reply::error("702"),
            }
        }
        "/rest/asset/v1/landingPage/{id}/dynamicContent/{contentId}.json" => {
            let page = id_param(params).and_then(|id| i.landing_pages.get(&id));
            let content_id = params.get(1).map(String::as_str).unwrap_or("");
            one(page.and_then(|p| {
                let (_, s) = p.sections.iter().enumerate().find(|(n, s)| {
                    s.kind.eq_ignore_ascii_case("dynamiccontent")
                        && dynamic_content_id(p.id, *n) == content_id
                })?;
                Some(page_dynamic_content(i, s, &p.updated_at))
            }))
        }
        "/rest/asset/v1/forms.json" => paged_by(
            i.forms
                .values()
                .filter(|f| version.has(f.status) && in_folder(query, f.parent)),
            query,
            |f| form_record(i, f, version),
        ),
        "/rest/asset/v1/form/{id}.json" => one(id_param(params)
            .and_then(|id| i.forms.get(&id))
            .filter(|f| version.has(f.status))
            .map(|f| form_record(i, f, version))),
        "/rest/asset/v1/form/{id}/fields.json" => {
            match id_param(params).and_then(|id| i.forms.get(&id)) {
                Some(f) if version.has(f.status) => envelope(
                    f.fields
                        .iter()
                        .enumerate()
                        .map(|(n, x)| form_row(x, n))
                        .collect(),
                ),
                _ => Reply::error("702"),
            }
        }
        "/rest/asset/v1/smartCampaigns.json" => paged_by(
            i.campaigns
                .values()
                .filter(|c| param(query, "isActive").is_none_or(|a| (a == "true") == c.active))
                .filter(|c| in_folder(query, c.parent)),
            query,
            campaign_record,
        ),
        "/rest/asset/v1/smartCampaign/byName.json" => {
            let Some(name) = param(query, "name") else {
                return Reply::error("701");
            };
            envelope(
                i.campaigns
                    .values()
                    .filter(|c| c.name == name)
                    .map(campaign_record)
                    .collect(),
            )
        }
        "/rest/asset/v1/smartCampaign/{id}.json" => one(id_param(params)
            .and_then(|id| i.campaigns.get(&id))
            .map(campaign_record)),
        "/rest/asset/v1/smartCampaign/{id}/smartList.json" => {
            let rules = param(query, "includeRules") == Some("true");
            one(id_param(params)
                .and_then(|id| i.campaigns.get(&id))
                .map(|c| smart_list(c, rules)))
        }
        "/rest/asset/v1/smartList/{id}.json" => {
            let rules = param(query, "includeRules") == Some("true");
            let id = id_param(params);
            one(i
                .campaigns
                .values()
                .find(|c| Some(c.smart_list_id) == id)
                .map(|c| smart_list(c, rules)))
        }
        "/rest/asset/v1/emailTemplates.json" => designs(i, DesignKind::EmailTemplate, query),
        "/rest/asset/v1/emailTemplate/{id}/content" => one(id_param(params)
            .and_then(|id| i.email_templates.get(&id))
            .filter(|d| version.has(d.status))
            .map(|d| email_template_content(d, version))),
        "/rest/asset/v1/landingPageTemplates.json" => {
            designs(i, DesignKind::LandingPageTemplate, query)
        }
        "/rest/asset/v1/landingPageTemplate/{id}/content.json" => one(id_param(params)
            .and_then(|id| i.landing_page_templates.get(&id))
            .filter(|d| version.has(d.status))
            .map(|d| {
                json!({
                    "id": d.id, "content": d.html, "status": version.shown(d.status),
                    "enableMunchkin": true, "templateType": "freeForm",
                })
            })),
        "/rest/asset/v1/snippets.json" => designs(i, DesignKind::Snippet, query),
        "/rest/asset/v1/snippet/{id}/content.json" => {
            match id_param(params).and_then(|id| i.snippets.get(&id)) {
                Some(d) if version.has(d.status) => envelope(vec![
                    json!({"type": "HTML", "content": d.html}),
                    json!({"type": "Text", "content": strip_tags(&d.html)}),
                ]),
                _ => Reply::error("702"),
            }
        }
        "/rest/asset/v1/files.json" => paged_by(
            i.files.values().filter(|f| in_folder(query, f.parent)),
            query,
            |f| file_record(i, files, f),
        ),
        _ => Reply::error("610"),
    }
}

/// A design-studio list (templates, snippets), by version.
fn designs(i: &Instance, kind: DesignKind, query: &[(String, String)]) -> Reply {
    let version = Version::of(query);
    paged_by(
        i.designs(kind).values().filter(|d| version.has(d.status)),
        query,
        |d| design_record(i, kind, d, version),
    )
}

/// The lead database's reads (`/rest/v1/...`), and the API's usage.
fn lead_database(state: &State, config: &SimConfig, template: &str, params: &[String]) -> Reply {
    let i = &state.instance;
    match template {
        // Describe Lead, as documented and recorded.
        "/rest/v1/leads/describe.json" => lead_envelope(
            i.fields
                .iter()
                .map(|f| {
                    let mut v = json!({
                        "id": f.id, "displayName": f.display_name, "dataType": f.data_type,
                        "rest": {"name": f.api_name, "readOnly": false},
                        "soap": {"name": f.soap_name, "readOnly": false},
                    });
                    if matches!(f.data_type.as_str(), "string" | "email" | "phone" | "url") {
                        v["length"] = json!(255);
                    }
                    v
                })
                .collect(),
        ),
        "/rest/v1/leads/describe2.json" => lead_envelope(vec![json!({
            "name": "API Lead",
            "searchableFields": [["email"], ["id"]],
            "fields": i.fields.iter().map(|f| json!({
                "name": f.api_name, "displayName": f.display_name, "dataType": f.data_type,
                "length": if f.data_type == "string" || f.data_type == "email" { json!(255) } else { Value::Null },
                "updateable": true, "crmManaged": false,
            })).collect::<Vec<_>>(),
        })]),
        // As Get Custom Objects documents it: `name` is the API name.
        "/rest/v1/customobjects.json" => lead_envelope(
            i.custom_objects
                .iter()
                .map(|o| {
                    json!({
                        "name": o.api_name, "displayName": o.display_name,
                        "description": "",
                        "createdAt": "2026-01-01T00:00:00Z", "updatedAt": "2026-01-01T00:00:00Z",
                        "idField": "marketoGUID", "dedupeFields": ["marketoGUID"],
                        "searchableFields": [["marketoGUID"]], "relationships": [],
                    })
                })
                .collect(),
        ),
        "/rest/v1/activities/external/types.json" => lead_envelope(
            i.custom_activities
                .iter()
                .map(|a| {
                    json!({
                        "id": a.id, "apiName": a.api_name, "name": a.name, "description": "",
                        "triggerName": a.trigger_name, "filterName": a.filter_name,
                        "createdAt": "2026-01-01T00:00:00Z", "updatedAt": "2026-01-01T00:00:00Z",
                        "status": "approved",
                    })
                })
                .collect(),
        ),
        "/rest/v1/activities/external/type/{apiName}/describe.json" => {
            let name = params.first().map(String::as_str).unwrap_or("");
            match i.custom_activities.iter().find(|a| a.api_name == name) {
                Some(a) => lead_envelope(vec![json!({
                    "id": a.id, "apiName": a.api_name, "name": a.name, "description": "",
                    "triggerName": a.trigger_name, "filterName": a.filter_name,
                    "createdAt": "2026-01-01T00:00:00Z", "updatedAt": "2026-01-01T00:00:00Z",
                    "status": "approved",
                    "primaryAttribute": {"apiName": "name", "name": "Name", "description": "",
                                         "dataType": "string"},
                    "attributes": [],
                })]),
                None => Reply::error("702"),
            }
        }
        // Today's calls by API user (one: the simulator's), those
        // already used before it started included.
        "/rest/v1/stats/usage.json" => {
            let count = config.used_today + state.today;
            lead_envelope(vec![json!({
                "date": crate::model::marketo_date(crate::config::now_secs()),
                "total": count,
                "users": [{"userId": crate::config::API_USER, "count": count}],
            })])
        }
        _ => Reply::error("610"),
    }
}

fn reply_is_empty(reply: &Reply) -> bool {
    serde_json::from_slice::<Value>(&reply.body)
        .ok()
        .is_some_and(|v| v.get("result").is_none())
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
