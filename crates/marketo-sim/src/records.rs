//! The records the endpoints answer with, in the shapes of the real
//! answers in `shared/marketo-real` (Adobe's documented examples and
//! recordings of real instances), which `tests/marketo_sim_real.rs`
//! compares them with:
//!
//! - folder references as each endpoint spells them: `{"type", "value",
//!   "folderName"}` for programs, emails, pages, forms, templates,
//!   snippets and segmentations; `{"id", "type"}` for smart campaigns and
//!   smart lists; `{"type", "id", "name"}` for files (the type is the
//!   folder's);
//! - statuses as Marketo spells them (`approved`, `draft`, `approved
//!   with draft`; email templates capitalised: `Draft`, `Approved`);
//! - an email's text section as its variants, `[{"type": "HTML",
//!   "value"}, {"type": "Text", "value"}]`; a landing page's sections with
//!   string ids, dynamic ones as `RichText` sections whose content is
//!   `{"contentType": "DynamicContent", "content": <base64 id>}`; the
//!   segmentation of a dynamic section only from Get Email (or Landing
//!   Page) Dynamic Content, asked with that id (the page's answer as the
//!   Landing Pages page shows it, the email's as the Swagger file
//!   describes it);
//! - form field lists with rows that are no lead field (`Profiling`,
//!   `htmltext`);
//! - `null` for unset values; Asset API times `...Z+0000`.

use serde_json::{json, Map, Value};

use crate::edit::DesignKind;
use crate::http::{envelope, Reply};
use crate::model::{
    base64, Campaign, Design, Email, File, Folder, Form, FormField, Id, Instance, LandingPage,
    Parent, Program, Row, Section, Status, Token,
};

/// Which version of an asset a read asks for (`status=approved|draft`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Version {
    Any,
    Approved,
    Draft,
}

impl Version {
    pub(crate) fn of(query: &[(String, String)]) -> Version {
        match query
            .iter()
            .find(|(k, _)| k == "status")
            .map(|(_, v)| v.to_ascii_lowercase())
            .as_deref()
        {
            Some("approved") => Version::Approved,
            Some("draft") => Version::Draft,
            _ => Version::Any,
        }
    }

    /// Does an asset in this state have the version asked for?
    pub(crate) fn has(self, status: Status) -> bool {
        match self {
            Version::Any => true,
            Version::Approved => status.is_approved(),
            Version::Draft => status.has_draft(),
        }
    }

    /// The status a record of that version shows.
    pub(crate) fn shown(self, status: Status) -> &'static str {
        match self {
            Version::Any => status.as_str(),
            Version::Approved => Status::Approved.as_str(),
            Version::Draft => Status::Draft.as_str(),
        }
    }
}

/// An email template's status: capitalised, as every documented answer
/// spells it ("Draft", "Approved").
fn capitalised(status: &str) -> String {
    let mut chars = status.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A section's plain-text variant: the HTML without its tags.
pub(crate) fn strip_tags(html: &str) -> String {
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

/// `{"type", "value", "folderName"}`.
pub(crate) fn folder_ref(i: &Instance, parent: Parent) -> Value {
    let name = match parent {
        Parent::Folder(id) => i.folders.get(&id).map(|f| f.name.clone()),
        Parent::Program(id) => i.programs.get(&id).map(|p| p.name.clone()),
    };
    json!({"type": parent.kind(), "value": parent.id(), "folderName": name})
}

/// `{"id", "type"}` (smart campaigns, smart lists, a folder's parent).
pub(crate) fn id_ref(parent: Parent) -> Value {
    json!({"id": parent.id(), "type": parent.kind()})
}

pub(crate) fn folder_record(i: &Instance, f: &Folder) -> Value {
    json!({
        "id": f.id,
        "name": f.name,
        "description": "",
        "createdAt": f.updated_at,
        "updatedAt": f.updated_at,
        "url": if f.folder_type == "Zone" { Value::Null } else { json!(format!("https://app-sim.marketo.com/#MF{}A1", f.id)) },
        "folderId": {"id": f.id, "type": "Folder"},
        "folderType": f.folder_type,
        "parent": f.parent.map_or(Value::Null, id_ref),
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

pub(crate) fn program_as_folder(i: &Instance, p: &Program) -> Value {
    json!({
        "id": p.id,
        "name": p.name,
        "description": p.description,
        "createdAt": p.updated_at,
        "updatedAt": p.updated_at,
        "url": format!("https://app-sim.marketo.com/#PG{}A1", p.id),
        "folderId": {"id": p.id, "type": "Program"},
        "folderType": program_folder_type(&p.kind),
        "parent": id_ref(p.parent),
        "path": i.path_of(Parent::Program(p.id)),
        "isArchive": false,
        "isSystem": false,
        "accessZoneId": 1,
        "workspace": "Default",
    })
}

/// What a program record carries besides the browse list's keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ProgramDetail {
    /// Get Programs: no tags, no costs.
    Browse,
    /// By id, by name, by tag: tags and costs (`null`: no costs; the
    /// documented by-tag answer leaves `costs` out, the Swagger file
    /// requires it).
    Full,
}

pub(crate) fn program_record(i: &Instance, p: &Program, detail: ProgramDetail) -> Value {
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
    if detail == ProgramDetail::Full {
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

pub(crate) fn landing_page_record(i: &Instance, p: &LandingPage, version: Version) -> Value {
    json!({
        "id": p.id, "name": p.name, "description": "",
        "createdAt": p.updated_at, "updatedAt": p.updated_at,
        "folder": folder_ref(i, p.parent), "workspace": "Default",
        "status": version.shown(p.status), "template": p.template,
        "title": p.name, "keywords": "", "robots": "index, nofollow",
        "customHeadHTML": null, "facebookOgTags": null,
        "formPrefill": false, "mobileEnabled": false,
        "URL": format!("http://pages.sim.example/lp/{}/{}.html", i.munchkin, p.id),
        "computedUrl": format!("https://app-sim.marketo.com/#LP{}A1", p.id),
    })
}

/// The id of a dynamic-content section: base64 of `ES-<n>`, as Marketo
/// spells them (`RVMtMTY2Ng==`).
pub fn dynamic_content_id(asset: Id, index: usize) -> String {
    base64(format!("ES-{}", asset * 100 + index as u64).as_bytes())
}

/// Get Landing Page Dynamic Content: a dynamic section's segmentation
/// and its content by segment, in the shape of the Landing Pages page's
/// example ("Dynamic Content"): days for times, `segments` with each
/// segment's `segmentId`, `segmentName`, `type` (the section's base type,
/// `RichText`, which Marketo's dynamic sections inherit) and `content`
/// (here the section's default for every segment).
pub(crate) fn page_dynamic_content(i: &Instance, s: &Section, at: &str) -> Value {
    let segmentation = s.value["segmentation"].as_u64();
    let default = s.value["default"].as_str().unwrap_or("");
    let segments: Vec<Value> = segments_of(i, segmentation)
        .map(|(id, name)| {
            json!({"segmentId": id, "segmentName": name, "type": "RichText", "content": default})
        })
        .collect();
    let day = at.get(..10).unwrap_or(at);
    json!({
        "createdAt": day, "updatedAt": day,
        "segmentation": segmentation,
        "segments": segments,
    })
}

/// Get Email Dynamic Content: no documented or recorded answer exists, so
/// the Swagger file's `EmailDynamicContentResponse` (`id`, `segmentation`,
/// `createdAt`, `updatedAt`, `content`), each segment's content as an
/// email's text is, an `HTML` and a `Text` variant (`id`, `segmentId`,
/// `segmentName`, `type`, `content`, as the Snippets page's documented
/// dynamic content lists them; `id` and `segmentId` strings, as the
/// Swagger file's `EmailDynamicContentItem` types them); Asset API times.
pub(crate) fn email_dynamic_content(
    i: &Instance,
    email: Id,
    n: usize,
    s: &Section,
    at: &str,
) -> Value {
    let segmentation = s.value["segmentation"].as_u64();
    let html = s.value["default"].as_str().unwrap_or("");
    let content_id = dynamic_content_id(email, n);
    let content: Vec<Value> = segments_of(i, segmentation)
        .flat_map(|(id, name)| {
            [("HTML", html.to_string()), ("Text", strip_tags(html))].map(|(kind, text)| {
                json!({"id": content_id, "segmentId": id.to_string(), "segmentName": name,
                       "type": kind, "content": text})
            })
        })
        .collect();
    json!({
        "id": email * 100 + n as u64,
        "segmentation": segmentation,
        "createdAt": at, "updatedAt": at,
        "content": content,
    })
}

/// The segments of a segmentation: (id, name).
fn segments_of(i: &Instance, segmentation: Option<Id>) -> impl Iterator<Item = (Id, String)> + '_ {
    segmentation
        .and_then(|id| i.segmentations.get(&id))
        .into_iter()
        .flat_map(|seg| {
            seg.segments
                .iter()
                .enumerate()
                .map(move |(k, name)| (seg.id * 100 + k as u64, name.clone()))
        })
}

/// A landing page's section, as Get Landing Page Content gives it.
pub(crate) fn page_section(i: &Instance, files: &str, page: Id, s: &Section, n: usize) -> Value {
    // Where a free-form page places the element (the keys the recorded
    // answers show for each kind).
    let mut position = json!({
        "zIndex": 15, "left": "10px", "top": format!("{}px", 10 + 100 * n),
        "width": "600px", "height": "90px",
    });
    let id_of = |v: &Value| {
        v["content"]
            .as_str()
            .map(str::to_string)
            .or_else(|| v["content"].as_u64().map(|n| n.to_string()))
            .or_else(|| v.as_u64().map(|n| n.to_string()))
            .or_else(|| v.as_str().map(str::to_string))
            .unwrap_or_default()
    };
    let (kind, content) = match s.kind.to_ascii_lowercase().as_str() {
        "dynamiccontent" => {
            let content = json!({
                "contentType": "DynamicContent",
                "content": dynamic_content_id(page, n),
            });
            // Marketo shows no position for a dynamic section.
            return json!({"id": s.id, "type": "RichText", "index": n + 1, "content": content});
        }
        "form" => {
            let id = id_of(&s.value);
            let url = format!("https://app-sim.marketo.com/#FO{id}A1");
            (
                "Form",
                json!({"content": id, "contentType": "Form", "contentUrl": url}),
            )
        }
        "snippet" => (
            "Snippet",
            json!({"content": id_of(&s.value), "contentType": "Snippet"}),
        ),
        "image" => {
            let id = id_of(&s.value);
            let url = id
                .parse::<Id>()
                .ok()
                .and_then(|f| i.files.get(&f))
                .map(|f| crate::files::file_url(files, i, f));
            (
                "Image",
                json!({"content": id, "contentType": "File", "contentUrl": url}),
            )
        }
        "richtext" => ("RichText", s.value.clone()),
        "html" => ("HTML", s.value.clone()),
        _ => (s.kind.as_str(), s.value.clone()),
    };
    match kind {
        "HTML" => {
            position["minWidth"] = json!("50px");
            position["minHeight"] = json!("50px");
        }
        "Image" => position["imageOpenNewWindow"] = json!(false),
        _ => {}
    }
    json!({
        "id": s.id, "type": kind, "index": n + 1, "content": content,
        "formattingOptions": position,
    })
}

pub(crate) fn form_record(i: &Instance, f: &Form, version: Version) -> Value {
    json!({
        "id": f.id, "name": f.name, "description": "",
        "createdAt": f.updated_at, "updatedAt": f.updated_at,
        "url": format!("https://app-sim.marketo.com/#FO{}A1", f.id),
        "status": version.shown(f.status),
        "theme": "simple", "language": "English", "locale": "en_US",
        "progressiveProfiling": f.progressive_profiling(), "labelPosition": "left",
        "fontFamily": "Helvetica", "fontSize": "13px",
        "folder": folder_ref(i, f.parent),
        "knownVisitor": {"type": "form", "template": null},
        "thankYouList": [{"followupType": "none", "followupValue": null, "default": true}],
        "buttonLocation": 120, "buttonLabel": "Submit", "waitingLabel": "Please Wait",
    })
}

/// A row of a form's field list, at `row` (Get Fields for Form; Add
/// Field to Form and Add Rich Text Field answer with the row added).
pub(crate) fn form_row(x: &FormField, row: usize) -> Value {
    let mut v = match &x.row {
        Row::Profiling => {
            return json!({"id": x.api_name, "dataType": "profiling",
                          "rowNumber": row, "columnNumber": 0});
        }
        Row::RichText(html) => json!({
            "id": x.api_name, "labelWidth": 260, "dataType": "htmltext",
            "rowNumber": row, "columnNumber": 0,
            "visibilityRules": {"ruleType": "alwaysShow"}, "text": html,
        }),
        Row::Field => {
            let message = if x.data_type == "email" {
                "Must be valid email. <span class='mktoErrorDetail'>example@yourdomain.com</span>"
            } else {
                "This field is required."
            };
            let mut v = json!({
                "id": x.api_name, "label": x.label, "dataType": x.data_type,
                "validationMessage": message, "rowNumber": row, "columnNumber": 0,
                "required": false, "formPrefill": true,
                "visibilityRules": {"ruleType": "alwaysShow"},
            });
            if matches!(x.data_type.as_str(), "text" | "textarea") {
                v["maxLength"] = json!(255);
            }
            v
        }
    };
    if let Value::Object(m) = &mut v {
        m.extend(x.options.clone());
    }
    v
}

pub(crate) fn file_record(i: &Instance, files: &str, f: &File) -> Value {
    let folder = i.folders.get(&f.parent.id());
    json!({
        "id": f.id, "size": f.bytes.len(), "mimeType": f.mime_type,
        "url": crate::files::file_url(files, i, f),
        "folder": {
            "type": folder.map_or("Folder", |x| x.folder_type.as_str()),
            "id": f.parent.id(),
            "name": folder.map(|x| x.name.clone()),
        },
        "name": f.name, "description": "",
        "createdAt": f.updated_at, "updatedAt": f.updated_at,
    })
}

/// A design-studio asset's record (email and landing page templates,
/// snippets).
pub(crate) fn design_record(i: &Instance, kind: DesignKind, d: &Design, version: Version) -> Value {
    let status = version.shown(d.status);
    let mut v = json!({
        "id": d.id,
        "name": d.name,
        "description": "",
        "createdAt": d.updated_at,
        "updatedAt": d.updated_at,
        "url": format!("https://app-sim.marketo.com/#DS{}A1", d.id),
        "folder": folder_ref(i, d.parent),
        "status": status,
        "workspace": "Default",
    });
    match kind {
        DesignKind::EmailTemplate => {
            v["status"] = json!(capitalised(status));
            v["version"] = json!(2);
        }
        DesignKind::LandingPageTemplate => {
            v["templateType"] = json!("freeForm");
            v["enableMunchkin"] = json!(true);
        }
        DesignKind::Snippet => {}
    }
    v
}

/// An email template's content (Update Email Template Content answers
/// with it too).
pub(crate) fn email_template_content(d: &Design, version: Version) -> Value {
    json!({"id": d.id, "status": capitalised(version.shown(d.status)), "content": d.html})
}

pub(crate) fn email_record(i: &Instance, e: &Email, version: Version) -> Value {
    let text = |v: &Option<String>| match v {
        Some(v) => json!({"type": "Text", "value": v}),
        None => Value::Null,
    };
    json!({
        "id": e.id,
        "name": e.name,
        "description": "",
        "createdAt": e.updated_at,
        "updatedAt": e.updated_at,
        "url": format!("https://app-sim.marketo.com/#EM{}A1", e.id),
        "subject": json!({"type": "Text", "value": e.subject}),
        "fromName": text(&e.sender.from_name),
        "fromEmail": text(&e.sender.from_email),
        "replyEmail": text(&e.sender.reply_email),
        "folder": folder_ref(i, e.parent),
        "operational": e.operational,
        "textOnly": false,
        "publishToMSI": false,
        "webView": false,
        "status": version.shown(e.status),
        "template": e.template,
        "workspace": "Default",
        "isOpenTrackingDisabled": false,
        "version": 2,
        "autoCopyToText": true,
        "ccFields": [],
        "preHeader": "",
    })
}

/// An email's section, as Get Email Content gives it: a text section's
/// value as its HTML and text variants, a dynamic one as its content id.
pub(crate) fn email_section(email: Id, s: &Section, n: usize) -> Value {
    let value = match s.kind.to_ascii_lowercase().as_str() {
        "text" => {
            let html = s.value.as_str().unwrap_or_default();
            json!([
                {"type": "HTML", "value": html},
                {"type": "Text", "value": strip_tags(html)},
            ])
        }
        "dynamiccontent" => json!(dynamic_content_id(email, n)),
        _ => s.value.clone(),
    };
    json!({"htmlId": s.id, "value": value, "contentType": s.kind})
}

/// A smart campaign. The keys the documented answers leave out and the
/// Swagger file requires (`maxMembers`, the recurrence's schedule) are
/// `null`.
pub(crate) fn campaign_record(c: &Campaign) -> Value {
    let start = match (&c.schedule, c.kind.as_str()) {
        (Some(start), "batch") => json!(start),
        _ => Value::Null,
    };
    let recurrence = json!({
        "startAt": start, "endAt": null, "intervalType": null, "interval": null,
        "weekdayOnly": false, "weekdayMask": null, "dayOfMonth": null,
        "dayOfWeek": null, "weekOfMonth": null,
    });
    let status = if c.active {
        "Active"
    } else if c.kind == "trigger" {
        "Inactive"
    } else if c.schedule.is_some() {
        "Single Run"
    } else {
        "Never Run"
    };
    let program = match c.parent {
        Parent::Program(id) => Some(id),
        Parent::Folder(_) => None,
    };
    json!({
        "id": c.id,
        "name": c.name,
        "description": "",
        "createdAt": c.updated_at,
        "updatedAt": c.updated_at,
        "folder": id_ref(c.parent),
        "status": status,
        "type": c.kind,
        "isSystem": false,
        "isActive": c.active,
        "isRequestable": false,
        "isCommunicationLimitEnabled": false,
        "recurrence": recurrence,
        "qualificationRuleType": "once",
        "qualificationRuleInterval": null,
        "qualificationRuleUnit": null,
        "maxMembers": null,
        "workspace": "Default",
        "smartListId": c.smart_list_id,
        "flowId": c.smart_list_id + 1_000_000,
        "parentProgramId": program,
        "computedUrl": format!("https://app-sim.marketo.com/#SC{}A1", c.id),
    })
}

pub(crate) fn smart_list(c: &Campaign, rules: bool) -> Value {
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
        "description": null,
        "createdAt": c.updated_at,
        "updatedAt": c.updated_at,
        "url": format!("https://app-sim.marketo.com/#SL{}A1", c.smart_list_id),
        "folder": id_ref(c.parent),
        "workspace": "Default",
    });
    if rules {
        v["rules"] = json!({
            "filterMatchType": "all",
            // The Swagger file types triggers as their names.
            "triggers": c.triggers.iter().map(|r| json!(r.name)).collect::<Vec<_>>(),
            "filters": c.filters.iter().enumerate().map(|(n, r)| rule(n + c.triggers.len(), r)).collect::<Vec<_>>(),
        });
    }
    v
}

/// The options a form field row carries beyond its defaults, from Add
/// Field to Form's body (`label`, `required`, `fieldWidth`, ...), as
/// the documented answer echoes them.
pub(crate) fn field_options(form: &[crate::http::Part]) -> (Option<String>, Map<String, Value>) {
    let mut out = Map::new();
    let mut label = None;
    let mut meta = Map::new();
    for p in form {
        let text = p.text();
        let number = || {
            text.trim()
                .parse::<i64>()
                .map(Value::from)
                .unwrap_or(Value::Null)
        };
        match p.name.as_str() {
            "label" => label = Some(text.clone()),
            "required" => {
                out.insert("required".into(), json!(text.trim() == "true"));
            }
            "fieldWidth" | "labelWidth" | "maxLength" => {
                out.insert(p.name.clone(), number());
            }
            "defaultValue" | "hintText" | "validationMessage" | "instructions" => {
                out.insert(p.name.clone(), json!(text));
            }
            "minValue" | "maxValue" => {
                meta.insert(p.name.clone(), number());
            }
            _ => {}
        }
    }
    if !meta.is_empty() {
        for k in ["minValue", "maxValue"] {
            meta.entry(k).or_insert(Value::Null);
        }
        out.insert("fieldMetaData".into(), Value::Object(meta));
    }
    (label, out)
}

pub(crate) fn token_record(parent: Parent, tokens: &[Token]) -> Value {
    json!({
        "folder": {"type": parent.kind(), "value": parent.id()},
        "tokens": tokens.iter().map(|t| json!({
            "name": t.name, "type": t.kind, "value": t.value,
            "computedUrl": format!("https://app-sim.marketo.com/#ME{}C3", parent.id()),
        })).collect::<Vec<_>>(),
    })
}

pub(crate) fn token_answer(i: &Instance, parent: Parent) -> Reply {
    let tokens = match parent {
        Parent::Folder(id) => i.folders.get(&id).map(|f| f.tokens.clone()),
        Parent::Program(id) => i.programs.get(&id).map(|p| p.tokens.clone()),
    }
    .unwrap_or_default();
    envelope(vec![token_record(parent, &tokens)])
}
