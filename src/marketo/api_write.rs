//! Write endpoints of the Asset API, one function each, over
//! [`Client::post`]: create, update content, approve, delete. Bodies are
//! form-encoded, or multipart where the Swagger file says
//! `multipart/form-data` (templates' and files' content). A folder
//! parameter is `{"id": N, "type": "Folder"|"Program"}`.
//!
//! What these calls answer on failure is Marketo's: 709 (a name already in
//! use, an asset still in use), 710 (no such folder), 711 (a folder of the
//! wrong kind), 702 (no such asset), 1003 (a value refused).

use serde_json::Value;

use super::api::{id_of, FolderRef};
use super::client::{ApiError, Body, Client, ErrorKind, Part};

/// What a create answers: the new asset's id and time stamp.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Created {
    pub id: u64,
    pub updated_at: String,
}

/// The record a create or approve answers with.
fn created(path: &str, result: &[Value]) -> Result<Created, ApiError> {
    let first = result.first();
    let id = first.and_then(|r| r.get("id")).and_then(id_of);
    match id {
        Some(id) => Ok(Created {
            id,
            updated_at: first
                .and_then(|r| r.get("updatedAt"))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
        }),
        None => Err(ApiError {
            endpoint: path.to_string(),
            kind: ErrorKind::NotJson {
                detail: "the answer names no id".into(),
            },
            uncertain: false,
        }),
    }
}

fn post_form(client: &Client, path: &str, fields: &[(&str, String)]) -> Result<Created, ApiError> {
    let envelope = client.post(path, Body::Form(fields))?;
    created(path, &envelope.result)
}

fn post_empty(client: &Client, path: &str) -> Result<(), ApiError> {
    client.post(path, Body::Form(&[])).map(|_| ())
}

/// `POST /rest/asset/v1/programs.json`.
pub fn create_program(
    client: &Client,
    name: &str,
    folder: FolderRef,
    kind: &str,
    channel: &str,
    description: &str,
    tags: &[(String, String)],
) -> Result<Created, ApiError> {
    let tags: Vec<Value> = tags
        .iter()
        .map(|(t, v)| serde_json::json!({"tagType": t, "tagValue": v}))
        .collect();
    let mut fields = vec![
        ("name", name.to_string()),
        ("folder", folder.param()),
        ("type", kind.to_string()),
        ("channel", channel.to_string()),
    ];
    if !description.is_empty() {
        fields.push(("description", description.to_string()));
    }
    if !tags.is_empty() {
        fields.push(("tags", Value::Array(tags).to_string()));
    }
    post_form(client, "/rest/asset/v1/programs.json", &fields)
}

/// `POST /rest/asset/v1/program/{id}/delete.json`: the program and what
/// it holds.
pub fn delete_program(client: &Client, id: u64) -> Result<(), ApiError> {
    post_empty(client, &format!("/rest/asset/v1/program/{id}/delete.json"))
}

/// `POST /rest/asset/v1/folder/{id}/tokens.json`: add (or change) a My
/// Token of a program or folder. `kind` is Marketo's type name ("text",
/// "rich text", "date", "number", "score").
pub fn create_token(
    client: &Client,
    at: FolderRef,
    name: &str,
    kind: &str,
    value: &str,
) -> Result<(), ApiError> {
    let fields = [
        ("folderType", at.kind.as_str().to_string()),
        ("name", name.to_string()),
        ("type", kind.to_string()),
        ("value", value.to_string()),
    ];
    let path = format!("/rest/asset/v1/folder/{}/tokens.json", at.id);
    client.post(&path, Body::Form(&fields)).map(|_| ())
}

/// `POST /rest/asset/v1/folder/{id}/tokens/delete.json`.
pub fn delete_token(
    client: &Client,
    at: FolderRef,
    name: &str,
    kind: &str,
) -> Result<(), ApiError> {
    let fields = [
        ("folderType", at.kind.as_str().to_string()),
        ("name", name.to_string()),
        ("type", kind.to_string()),
    ];
    let path = format!("/rest/asset/v1/folder/{}/tokens/delete.json", at.id);
    client.post(&path, Body::Form(&fields)).map(|_| ())
}

/// What an email is created with besides its name, folder and template.
/// Each setting left `None` is left out of the call, so the instance's
/// defaults apply (Adobe's Create Email page: they are optional; the
/// Swagger file's "required" is wrong there).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EmailSettings {
    pub subject: Option<String>,
    pub from_name: Option<String>,
    pub from_email: Option<String>,
    pub reply_email: Option<String>,
    pub operational: Option<bool>,
}

/// `POST /rest/asset/v1/emails.json`: an email on a template.
pub fn create_email(
    client: &Client,
    name: &str,
    folder: FolderRef,
    template: u64,
    settings: &EmailSettings,
) -> Result<Created, ApiError> {
    let mut fields = vec![
        ("name", name.to_string()),
        ("folder", folder.param()),
        ("template", template.to_string()),
    ];
    let texts = [
        ("subject", &settings.subject),
        ("fromName", &settings.from_name),
        ("fromEmail", &settings.from_email),
        ("replyEmail", &settings.reply_email),
    ];
    for (key, value) in texts {
        if let Some(value) = value {
            fields.push((key, value.clone()));
        }
    }
    if let Some(operational) = settings.operational {
        fields.push(("operational", operational.to_string()));
    }
    post_form(client, "/rest/asset/v1/emails.json", &fields)
}

/// `POST /rest/asset/v1/email/{id}/content/{htmlId}.json`: one editable
/// section (`kind` "Text", "Snippet", ...).
pub fn update_email_section(
    client: &Client,
    id: u64,
    html_id: &str,
    kind: &str,
    value: &str,
) -> Result<(), ApiError> {
    let fields = [("type", kind.to_string()), ("value", value.to_string())];
    let path = format!(
        "/rest/asset/v1/email/{id}/content/{}.json",
        path_segment(html_id)
    );
    client.post(&path, Body::Form(&fields)).map(|_| ())
}

/// `POST /rest/asset/v1/email/{id}/delete.json`.
pub fn delete_email(client: &Client, id: u64) -> Result<(), ApiError> {
    post_empty(client, &format!("/rest/asset/v1/email/{id}/delete.json"))
}

/// `POST /rest/asset/v1/landingPages.json`: an empty page on a template.
pub fn create_landing_page(
    client: &Client,
    name: &str,
    folder: FolderRef,
    template: u64,
) -> Result<Created, ApiError> {
    let fields = [
        ("name", name.to_string()),
        ("folder", folder.param()),
        ("template", template.to_string()),
    ];
    post_form(client, "/rest/asset/v1/landingPages.json", &fields)
}

/// `POST /rest/asset/v1/landingPage/{id}/content.json`: add a section
/// (`kind` "HTML", "Form", "Snippet", ...).
pub fn add_landing_page_section(
    client: &Client,
    id: u64,
    content_id: &str,
    kind: &str,
    value: &str,
) -> Result<(), ApiError> {
    let fields = [
        ("contentId", content_id.to_string()),
        ("type", kind.to_string()),
        ("value", value.to_string()),
    ];
    let path = format!("/rest/asset/v1/landingPage/{id}/content.json");
    client.post(&path, Body::Form(&fields)).map(|_| ())
}

/// `POST /rest/asset/v1/landingPage/{id}/delete.json`.
pub fn delete_landing_page(client: &Client, id: u64) -> Result<(), ApiError> {
    post_empty(
        client,
        &format!("/rest/asset/v1/landingPage/{id}/delete.json"),
    )
}

/// `POST /rest/asset/v1/forms.json`: an empty form, in a program (local)
/// or a design-studio folder (global).
pub fn create_form(client: &Client, name: &str, folder: FolderRef) -> Result<Created, ApiError> {
    let fields = [("name", name.to_string()), ("folder", folder.param())];
    post_form(client, "/rest/asset/v1/forms.json", &fields)
}

/// The fields a form created through the API starts with (Adobe's Forms
/// page: "A new form includes three default fields: First Name, Last
/// Name, and Email"), by API name, in their order.
pub const DEFAULT_FORM_FIELDS: [&str; 3] = ["FirstName", "LastName", "Email"];

/// `POST /rest/asset/v1/form/{id}/fields.json`: add a lead field, by its
/// API name.
pub fn add_form_field(client: &Client, id: u64, field_id: &str) -> Result<(), ApiError> {
    let fields = [("fieldId", field_id.to_string())];
    let path = format!("/rest/asset/v1/form/{id}/fields.json");
    client.post(&path, Body::Form(&fields)).map(|_| ())
}

/// `POST /rest/asset/v1/form/{id}/field/{fieldId}/delete.json`.
pub fn remove_form_field(client: &Client, id: u64, field_id: &str) -> Result<(), ApiError> {
    post_empty(
        client,
        &format!(
            "/rest/asset/v1/form/{id}/field/{}/delete.json",
            path_segment(field_id)
        ),
    )
}

/// `POST /rest/asset/v1/form/{id}/reArrange.json`: every field of the
/// form in this order, one a row (Marketo's grid has three columns and
/// ten rows; a longer form keeps going down the first column).
pub fn rearrange_form_fields(client: &Client, id: u64, fields: &[String]) -> Result<(), ApiError> {
    let positions: Vec<Value> = fields
        .iter()
        .enumerate()
        .map(|(row, field)| serde_json::json!({"columnNumber": 0, "rowNumber": row, "fieldName": field}))
        .collect();
    let body = [("positions", Value::Array(positions).to_string())];
    let path = format!("/rest/asset/v1/form/{id}/reArrange.json");
    client.post(&path, Body::Form(&body)).map(|_| ())
}

/// `POST /rest/asset/v1/form/{id}/delete.json`.
pub fn delete_form(client: &Client, id: u64) -> Result<(), ApiError> {
    post_empty(client, &format!("/rest/asset/v1/form/{id}/delete.json"))
}

/// `POST /rest/asset/v1/smartCampaigns.json`: an inactive campaign with
/// an empty smart list and flow.
pub fn create_smart_campaign(
    client: &Client,
    name: &str,
    folder: FolderRef,
) -> Result<Created, ApiError> {
    let fields = [("name", name.to_string()), ("folder", folder.param())];
    post_form(client, "/rest/asset/v1/smartCampaigns.json", &fields)
}

/// `POST /rest/asset/v1/smartCampaign/{id}/delete.json`.
pub fn delete_smart_campaign(client: &Client, id: u64) -> Result<(), ApiError> {
    post_empty(
        client,
        &format!("/rest/asset/v1/smartCampaign/{id}/delete.json"),
    )
}

/// The two kinds of template, whose endpoints differ only in their names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemplateKind {
    Email,
    LandingPage,
}

impl TemplateKind {
    fn segment(self) -> &'static str {
        match self {
            TemplateKind::Email => "emailTemplate",
            TemplateKind::LandingPage => "landingPageTemplate",
        }
    }
}

/// `POST /rest/asset/v1/emailTemplates.json` (multipart, with its
/// content) or `POST /rest/asset/v1/landingPageTemplates.json` (then its
/// content with [`update_template_content`]).
pub fn create_template(
    client: &Client,
    kind: TemplateKind,
    name: &str,
    folder: FolderRef,
    html: &str,
) -> Result<Created, ApiError> {
    let folder = folder.param();
    match kind {
        TemplateKind::Email => {
            let path = "/rest/asset/v1/emailTemplates.json";
            let parts = [
                Part::Text("name", name),
                Part::Text("folder", &folder),
                Part::File {
                    name: "content",
                    file_name: "template.html",
                    content_type: "text/html",
                    bytes: html.as_bytes(),
                },
            ];
            let envelope = client.post(path, Body::Multipart(&parts))?;
            created(path, &envelope.result)
        }
        TemplateKind::LandingPage => post_form(
            client,
            "/rest/asset/v1/landingPageTemplates.json",
            &[
                ("name", name.to_string()),
                ("folder", folder),
                ("templateType", "freeForm".to_string()),
            ],
        ),
    }
}

/// `POST /rest/asset/v1/{emailTemplate|landingPageTemplate}/{id}/content.json`.
pub fn update_template_content(
    client: &Client,
    kind: TemplateKind,
    id: u64,
    html: &str,
) -> Result<(), ApiError> {
    let path = format!("/rest/asset/v1/{}/{id}/content.json", kind.segment());
    let parts = [Part::File {
        name: "content",
        file_name: "template.html",
        content_type: "text/html",
        bytes: html.as_bytes(),
    }];
    client.post(&path, Body::Multipart(&parts)).map(|_| ())
}

/// `POST /rest/asset/v1/{emailTemplate|landingPageTemplate}/{id}/delete.json`.
pub fn delete_template(client: &Client, kind: TemplateKind, id: u64) -> Result<(), ApiError> {
    post_empty(
        client,
        &format!("/rest/asset/v1/{}/{id}/delete.json", kind.segment()),
    )
}

/// The assets with Marketo's draft and approved versions, whose approval
/// endpoints differ only in their names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lifecycle {
    Email,
    LandingPage,
    Form,
    EmailTemplate,
    LandingPageTemplate,
}

impl Lifecycle {
    fn segment(self) -> &'static str {
        match self {
            Lifecycle::Email => "email",
            Lifecycle::LandingPage => "landingPage",
            Lifecycle::Form => "form",
            Lifecycle::EmailTemplate => TemplateKind::Email.segment(),
            Lifecycle::LandingPageTemplate => TemplateKind::LandingPage.segment(),
        }
    }
}

impl From<TemplateKind> for Lifecycle {
    fn from(kind: TemplateKind) -> Lifecycle {
        match kind {
            TemplateKind::Email => Lifecycle::EmailTemplate,
            TemplateKind::LandingPage => Lifecycle::LandingPageTemplate,
        }
    }
}

/// `POST /rest/asset/v1/{kind}/{id}/approveDraft.json`: the draft becomes
/// the approved version (Marketo checks it first: an email needs a
/// subject and a sender).
pub fn approve(client: &Client, kind: Lifecycle, id: u64) -> Result<Created, ApiError> {
    let path = format!("/rest/asset/v1/{}/{id}/approveDraft.json", kind.segment());
    post_form(client, &path, &[])
}

/// `POST /rest/asset/v1/{kind}/{id}/unapprove.json`: the approved version
/// becomes a draft. Marketo refuses to delete an approved landing page,
/// landing page template or form ("ensure that it is not approved").
pub fn unapprove(client: &Client, kind: Lifecycle, id: u64) -> Result<(), ApiError> {
    post_empty(
        client,
        &format!("/rest/asset/v1/{}/{id}/unapprove.json", kind.segment()),
    )
}

/// `POST /rest/asset/v1/files.json` (multipart): a file in a
/// design-studio folder. (The API has no call that deletes a file.)
pub fn create_file(
    client: &Client,
    name: &str,
    folder: FolderRef,
    bytes: &[u8],
) -> Result<Created, ApiError> {
    let path = "/rest/asset/v1/files.json";
    let folder = folder.param();
    let parts = [
        Part::Text("name", name),
        Part::Text("folder", &folder),
        Part::Text("insertOnly", "true"),
        Part::File {
            name: "file",
            file_name: name,
            content_type: mime_type(name),
            bytes,
        },
    ];
    let envelope = client.post(path, Body::Multipart(&parts))?;
    created(path, &envelope.result)
}

/// `POST /rest/asset/v1/file/{id}/content.json` (multipart): replace a
/// file's bytes.
pub fn update_file_content(
    client: &Client,
    id: u64,
    name: &str,
    bytes: &[u8],
) -> Result<Created, ApiError> {
    let path = format!("/rest/asset/v1/file/{id}/content.json");
    let parts = [Part::File {
        name: "file",
        file_name: name,
        content_type: mime_type(name),
        bytes,
    }];
    let envelope = client.post(&path, Body::Multipart(&parts))?;
    created(&path, &envelope.result)
}

/// The MIME type Marketo would give a file of this name.
fn mime_type(name: &str) -> &'static str {
    let lower = name.to_ascii_lowercase();
    let ext = lower.rsplit('.').next().unwrap_or("");
    match ext {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "svg" => "image/svg+xml",
        "webp" => "image/webp",
        "pdf" => "application/pdf",
        "css" => "text/css",
        "js" => "application/javascript",
        _ => "application/octet-stream",
    }
}

/// A path segment: every byte outside the unreserved set escaped.
fn path_segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_reads_id_and_time() {
        let answer = vec![serde_json::json!({"id": 12, "updatedAt": "2026-01-01T00:00:00Z+0000"})];
        assert_eq!(
            created("/x", &answer).unwrap(),
            Created {
                id: 12,
                updated_at: "2026-01-01T00:00:00Z+0000".into()
            }
        );
        assert!(created("/x", &[]).is_err());
    }

    #[test]
    fn section_ids_are_escaped_in_paths() {
        assert_eq!(path_segment("a b/c"), "a%20b%2Fc");
        assert_eq!(mime_type("Hero 1.PNG"), "image/png");
    }
}
