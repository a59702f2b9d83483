//! Typed read endpoints of the Asset and lead-database APIs, one function
//! each, over [`Client`]. The write endpoints (create, update, delete) are
//! in [`super::api_write`].
//!
//! Records are parsed leniently, the way real instances answer (the
//! recorded answers of `shared/marketo-real`, spec section 12): `null` for
//! many keys, ids as numbers or strings, folder references as
//! `{"id", "type", "name"}` or `{"value", "type", "folderName"}` with the
//! type in any case (`Folder`, `FOLDER`, `folder`), statuses such as
//! `"approved with draft"`, `"Draft"` or `false`, time stamps as
//! `...Z+0000` (Asset API) or `...Z` (lead database), kept as sent. A list
//! answer without `result` is an empty list ([`super::client`]).
//!
//! The record types are in `records.rs`, re-exported here.

mod records;

use serde_json::Value;

use super::client::{ApiError, Client, ErrorKind};
pub use records::*;

// ---------------------------------------------------------------------
// Endpoints. Lists return every page; `pages` says how many calls that
// took. Content endpoints return the raw `result` (kept in the pull's
// cache) and are parsed with the types above.

/// Records of a paged list and the number of pages read.
pub struct Listed<T> {
    pub items: Vec<T>,
    pub pages: usize,
    /// Records that did not parse (reported, never silently dropped).
    pub skipped: usize,
}

fn listed<T: serde::de::DeserializeOwned>(
    client: &Client,
    path: &str,
    query: &[(&str, String)],
) -> Result<Listed<T>, ApiError> {
    let (raw, pages) = client.get_all(path, query)?;
    let (items, skipped) = parse_all(raw);
    Ok(Listed {
        items,
        pages,
        skipped,
    })
}

fn one_call<T: serde::de::DeserializeOwned>(
    client: &Client,
    path: &str,
    query: &[(&str, String)],
) -> Result<Listed<T>, ApiError> {
    let envelope = client.get(path, query)?;
    let (items, skipped) = parse_all(envelope.result);
    Ok(Listed {
        items,
        pages: 1,
        skipped,
    })
}

/// `GET /rest/asset/v1/folder/byName.json?name=...`.
pub fn folders_by_name(client: &Client, name: &str) -> Result<Listed<Folder>, ApiError> {
    one_call(
        client,
        "/rest/asset/v1/folder/byName.json",
        &[("name", name.to_string())],
    )
}

/// `GET /rest/asset/v1/folders.json?root=...&maxDepth=...`: a folder and
/// everything below it, programs included.
pub fn folders(
    client: &Client,
    root: FolderRef,
    max_depth: u32,
) -> Result<Listed<Folder>, ApiError> {
    listed(
        client,
        "/rest/asset/v1/folders.json",
        &[("root", root.param()), ("maxDepth", max_depth.to_string())],
    )
}

pub fn programs(client: &Client) -> Result<Listed<Program>, ApiError> {
    listed(client, "/rest/asset/v1/programs.json", &[])
}

/// `GET /rest/asset/v1/program/byTag.json`: the programs carrying a tag
/// value (the browse list does not carry tags).
pub fn programs_by_tag(
    client: &Client,
    tag_type: &str,
    tag_value: &str,
) -> Result<Listed<Program>, ApiError> {
    listed(
        client,
        "/rest/asset/v1/program/byTag.json",
        &[
            ("tagType", tag_type.to_string()),
            ("tagValue", tag_value.to_string()),
        ],
    )
}

pub fn tag_types(client: &Client) -> Result<Listed<TagType>, ApiError> {
    listed(client, "/rest/asset/v1/tagTypes.json", &[])
}

/// `GET /rest/asset/v1/tagType/byName.json`: the only way to get a tag
/// type's allowed values.
pub fn tag_type_by_name(client: &Client, name: &str) -> Result<Option<TagType>, ApiError> {
    let mut listed: Listed<TagType> = one_call(
        client,
        "/rest/asset/v1/tagType/byName.json",
        &[("name", name.to_string())],
    )?;
    Ok(listed.items.pop())
}

pub fn channels(client: &Client) -> Result<Listed<Channel>, ApiError> {
    listed(client, "/rest/asset/v1/channels.json", &[])
}

pub fn segmentations(client: &Client) -> Result<Listed<Asset>, ApiError> {
    one_call(
        client,
        "/rest/asset/v1/segmentation.json",
        &[("status", "approved".to_string())],
    )
}

pub fn emails(client: &Client) -> Result<Listed<Email>, ApiError> {
    listed(client, "/rest/asset/v1/emails.json", &[])
}

pub fn landing_pages(client: &Client) -> Result<Listed<LandingPage>, ApiError> {
    listed(client, "/rest/asset/v1/landingPages.json", &[])
}

pub fn forms(client: &Client) -> Result<Listed<Asset>, ApiError> {
    listed(client, "/rest/asset/v1/forms.json", &[])
}

pub fn smart_campaigns(client: &Client) -> Result<Listed<SmartCampaign>, ApiError> {
    listed(client, "/rest/asset/v1/smartCampaigns.json", &[])
}

pub fn email_templates(client: &Client) -> Result<Listed<Asset>, ApiError> {
    listed(client, "/rest/asset/v1/emailTemplates.json", &[])
}

pub fn landing_page_templates(client: &Client) -> Result<Listed<Asset>, ApiError> {
    listed(client, "/rest/asset/v1/landingPageTemplates.json", &[])
}

pub fn snippets(client: &Client) -> Result<Listed<Asset>, ApiError> {
    listed(client, "/rest/asset/v1/snippets.json", &[])
}

pub fn files(client: &Client) -> Result<Listed<File>, ApiError> {
    listed(client, "/rest/asset/v1/files.json", &[])
}

/// The emails directly in a folder or program.
pub fn emails_in(client: &Client, folder: FolderRef) -> Result<Listed<Email>, ApiError> {
    listed(
        client,
        "/rest/asset/v1/emails.json",
        &[("folder", folder.param())],
    )
}

/// The landing pages directly in a folder or program.
pub fn landing_pages_in(
    client: &Client,
    folder: FolderRef,
) -> Result<Listed<LandingPage>, ApiError> {
    listed(
        client,
        "/rest/asset/v1/landingPages.json",
        &[("folder", folder.param())],
    )
}

/// The forms directly in a folder or program.
pub fn forms_in(client: &Client, folder: FolderRef) -> Result<Listed<Asset>, ApiError> {
    listed(
        client,
        "/rest/asset/v1/forms.json",
        &[("folder", folder.param())],
    )
}

/// The smart campaigns directly in a folder or program.
pub fn smart_campaigns_in(
    client: &Client,
    folder: FolderRef,
) -> Result<Listed<SmartCampaign>, ApiError> {
    listed(
        client,
        "/rest/asset/v1/smartCampaigns.json",
        &[("folder", folder.param())],
    )
}

/// `GET /rest/asset/v1/program/byName.json`.
pub fn program_by_name(client: &Client, name: &str) -> Result<Option<Program>, ApiError> {
    let mut listed: Listed<Program> = one_call(
        client,
        "/rest/asset/v1/program/byName.json",
        &[("name", name.to_string())],
    )?;
    Ok(listed.items.pop())
}

/// `GET /rest/v1/leads/describe2.json`: the lead fields.
pub fn lead_fields(client: &Client) -> Result<Listed<LeadField>, ApiError> {
    let envelope = client.get("/rest/v1/leads/describe2.json", &[])?;
    let (items, skipped) = parse_lead_fields(envelope.result);
    Ok(Listed {
        items,
        pages: 1,
        skipped,
    })
}

/// The lead fields of a describe answer's `result`: `describe2` gives
/// `[{"name": "API_Lead", "fields": [...]}]`, `describe` the fields
/// themselves. Returns the fields and how many did not parse.
pub fn parse_lead_fields(result: Vec<Value>) -> (Vec<LeadField>, usize) {
    let fields: Vec<Value> = result
        .into_iter()
        .flat_map(|r| match r.get("fields") {
            Some(Value::Array(f)) => f.clone(),
            _ if r.get("displayName").is_some() || r.get("rest").is_some() => vec![r],
            _ => Vec::new(),
        })
        .collect();
    parse_all(fields)
}

pub fn custom_objects(client: &Client) -> Result<Listed<CustomObject>, ApiError> {
    one_call(client, "/rest/v1/customobjects.json", &[])
}

pub fn custom_activity_types(client: &Client) -> Result<Listed<CustomActivityType>, ApiError> {
    one_call(client, "/rest/v1/activities/external/types.json", &[])
}

/// `GET /rest/v1/stats/usage.json`: the calls the instance counted today
/// (every integration's), when it says.
pub fn usage_today(client: &Client) -> Result<Option<u64>, ApiError> {
    let envelope = client.get("/rest/v1/stats/usage.json", &[])?;
    Ok(envelope
        .result
        .first()
        .and_then(|day| day.get("total"))
        .and_then(id_of))
}

/// The raw `result` of a content endpoint.
fn content(client: &Client, path: &str, query: &[(&str, String)]) -> Result<Value, ApiError> {
    Ok(Value::Array(client.get(path, query)?.result))
}

fn status_query(status: &str) -> Vec<(&'static str, String)> {
    match status.to_ascii_lowercase().as_str() {
        s @ ("approved" | "draft") => vec![("status", s.to_string())],
        _ => Vec::new(),
    }
}

/// `GET /rest/asset/v1/folder/{id}/tokens.json?folderType=...`.
pub fn tokens(client: &Client, folder: FolderRef) -> Result<Value, ApiError> {
    content(
        client,
        &format!("/rest/asset/v1/folder/{}/tokens.json", folder.id),
        &[("folderType", folder.kind.as_str().to_string())],
    )
}

pub fn email_content(client: &Client, id: u64, status: &str) -> Result<Value, ApiError> {
    content(
        client,
        &format!("/rest/asset/v1/email/{id}/content.json"),
        &status_query(status),
    )
}

pub fn landing_page_content(client: &Client, id: u64, status: &str) -> Result<Value, ApiError> {
    content(
        client,
        &format!("/rest/asset/v1/landingPage/{id}/content.json"),
        &status_query(status),
    )
}

/// `GET /rest/asset/v1/email/{id}/dynamicContent/{contentId}.json`: a
/// dynamic section's segmentation and its content per segment; the
/// content id is the one Get Email Content gives the section.
pub fn email_dynamic_content(
    client: &Client,
    id: u64,
    content_id: &str,
    status: &str,
) -> Result<Value, ApiError> {
    content(
        client,
        &format!(
            "/rest/asset/v1/email/{id}/dynamicContent/{}.json",
            path_segment(content_id)
        ),
        &status_query(status),
    )
}

/// `GET /rest/asset/v1/landingPage/{id}/dynamicContent/{contentId}.json`
/// (the Swagger file and the Landing Pages page give it no `status`).
pub fn landing_page_dynamic_content(
    client: &Client,
    id: u64,
    content_id: &str,
) -> Result<Value, ApiError> {
    content(
        client,
        &format!(
            "/rest/asset/v1/landingPage/{id}/dynamicContent/{}.json",
            path_segment(content_id)
        ),
        &[],
    )
}

/// Text as one segment of a URL path: what a path segment may hold as it
/// is (RFC 3986 `pchar`, so a content id's `=` stays as Adobe's example
/// writes it, `dynamicContent/RVMtNDg=.json`), the rest `%XX`.
fn path_segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub fn form_fields(client: &Client, id: u64, status: &str) -> Result<Value, ApiError> {
    content(
        client,
        &format!("/rest/asset/v1/form/{id}/fields.json"),
        &status_query(status),
    )
}

pub fn campaign_smart_list(client: &Client, id: u64) -> Result<Value, ApiError> {
    content(
        client,
        &format!("/rest/asset/v1/smartCampaign/{id}/smartList.json"),
        &[("includeRules", "true".to_string())],
    )
}

/// Note the path: the Swagger file has no `.json` on this one.
pub fn email_template_content(client: &Client, id: u64, status: &str) -> Result<Value, ApiError> {
    content(
        client,
        &format!("/rest/asset/v1/emailTemplate/{id}/content"),
        &status_query(status),
    )
}

pub fn landing_page_template_content(
    client: &Client,
    id: u64,
    status: &str,
) -> Result<Value, ApiError> {
    content(
        client,
        &format!("/rest/asset/v1/landingPageTemplate/{id}/content.json"),
        &status_query(status),
    )
}

pub fn snippet_content(client: &Client, id: u64, status: &str) -> Result<Value, ApiError> {
    content(
        client,
        &format!("/rest/asset/v1/snippet/{id}/content.json"),
        &status_query(status),
    )
}

// ---------------------------------------------------------------------
// Reading the raw content results.

/// The tokens of a `tokens.json` result.
pub fn parse_tokens(raw: &Value) -> Vec<Token> {
    raw.as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r.get("tokens"))
        .flat_map(|t| match t {
            Value::Array(items) => items.clone(),
            _ => Vec::new(),
        })
        .filter_map(|t| serde_json::from_value(t).ok())
        .collect()
}

pub fn parse_list<T: serde::de::DeserializeOwned>(raw: &Value) -> Vec<T> {
    raw.as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| serde_json::from_value(v.clone()).ok())
        .collect()
}

/// The HTML of a template content result (`content`).
pub fn parse_html(raw: &Value) -> Option<String> {
    raw.as_array()?
        .iter()
        .find_map(|r| r.get("content").and_then(Value::as_str))
        .map(str::to_string)
}

/// Is this error Marketo saying the API user may not read this (603)?
pub fn is_access_denied(err: &ApiError) -> bool {
    matches!(&err.kind, ErrorKind::Api { code, .. } if code == "603")
}

#[cfg(test)]
mod tests {
    use super::path_segment;

    #[test]
    fn a_content_id_is_one_path_segment() {
        // As Adobe's example writes it: `dynamicContent/RVMtNDg=.json`.
        assert_eq!(path_segment("RVMtNDg="), "RVMtNDg=");
        assert_eq!(path_segment("Nzk*+x"), "Nzk*+x");
        // What would end the segment or the path is escaped.
        assert_eq!(path_segment("a/b?c#d %"), "a%2Fb%3Fc%23d%20%25");
    }
}
