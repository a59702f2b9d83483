//! Typed read endpoints of the Asset and lead-database APIs, one function
//! each, over [`Client`]. The write endpoints (create, update, delete) are
//! in [`super::api_write`].
//!
//! Records are parsed leniently: Marketo sends `null` for many keys, ids as
//! numbers or strings, and folder references as `{"id", "type"}` (the
//! Swagger files) or `{"value", "type"}` (the documented examples); both are
//! read.

use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::client::{ApiError, Client, ErrorKind};

/// A folder or a program, as a parent of something.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FolderRef {
    pub id: u64,
    pub kind: FolderKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FolderKind {
    Folder,
    Program,
}

impl FolderKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FolderKind::Folder => "Folder",
            FolderKind::Program => "Program",
        }
    }
}

impl FolderRef {
    /// The JSON Marketo takes as a `folder` or `root` parameter.
    pub fn param(&self) -> String {
        format!("{{\"id\":{},\"type\":\"{}\"}}", self.id, self.kind.as_str())
    }
}

impl<'de> Deserialize<'de> for FolderRef {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        folder_ref(&v).ok_or_else(|| serde::de::Error::custom("not a folder reference"))
    }
}

/// `{"id"|"value": N, "type": "Folder"|"Program"}` (also as a JSON string).
pub fn folder_ref(v: &Value) -> Option<FolderRef> {
    if let Value::String(s) = v {
        return folder_ref(&serde_json::from_str(s).ok()?);
    }
    let id = id_of(v.get("id").or_else(|| v.get("value"))?)?;
    let kind = match v.get("type").and_then(Value::as_str) {
        Some(t) if t.eq_ignore_ascii_case("program") => FolderKind::Program,
        _ => FolderKind::Folder,
    };
    Some(FolderRef { id, kind })
}

/// An id sent as a number or as a string of digits.
pub fn id_of(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A scalar read leniently, without building a `Value` (lists hold tens of
/// thousands of records).
#[derive(Debug)]
enum Scalar {
    Text(String),
    Unsigned(u64),
    Signed(i64),
    Float(f64),
    Bool(bool),
    /// `null`, an object or an array.
    Other,
}

struct ScalarVisitor;

impl<'de> serde::de::Visitor<'de> for ScalarVisitor {
    type Value = Scalar;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_str<E>(self, v: &str) -> Result<Scalar, E> {
        Ok(Scalar::Text(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Scalar, E> {
        Ok(Scalar::Text(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Scalar, E> {
        Ok(Scalar::Unsigned(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Scalar, E> {
        Ok(Scalar::Signed(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Scalar, E> {
        Ok(Scalar::Float(v))
    }
    fn visit_bool<E>(self, v: bool) -> Result<Scalar, E> {
        Ok(Scalar::Bool(v))
    }
    fn visit_unit<E>(self) -> Result<Scalar, E> {
        Ok(Scalar::Other)
    }
    fn visit_none<E>(self) -> Result<Scalar, E> {
        Ok(Scalar::Other)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Scalar, D::Error> {
        d.deserialize_any(ScalarVisitor)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Scalar, A::Error> {
        while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
        Ok(Scalar::Other)
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Scalar, A::Error> {
        while map
            .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
            .is_some()
        {}
        Ok(Scalar::Other)
    }
}

fn scalar<'de, D: Deserializer<'de>>(d: D) -> Result<Scalar, D::Error> {
    d.deserialize_any(ScalarVisitor)
}

fn scalar_id(s: &Scalar) -> Option<u64> {
    match s {
        Scalar::Unsigned(n) => Some(*n),
        Scalar::Signed(n) => u64::try_from(*n).ok(),
        Scalar::Text(t) => t.trim().parse().ok(),
        _ => None,
    }
}

fn de_id<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    let s = scalar(d)?;
    scalar_id(&s).ok_or_else(|| serde::de::Error::custom(format!("not an id: {s:?}")))
}

fn de_opt_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    Ok(scalar_id(&scalar(d)?))
}

/// A string, or nothing for `null` and other types.
fn de_text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(match scalar(d)? {
        Scalar::Text(s) => s,
        Scalar::Unsigned(n) => n.to_string(),
        Scalar::Signed(n) => n.to_string(),
        Scalar::Float(n) => n.to_string(),
        Scalar::Bool(b) => b.to_string(),
        Scalar::Other => String::new(),
    })
}

fn de_bool<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(match scalar(d)? {
        Scalar::Bool(b) => b,
        Scalar::Text(s) => s.eq_ignore_ascii_case("true"),
        _ => false,
    })
}

fn de_folder<'de, D: Deserializer<'de>>(d: D) -> Result<Option<FolderRef>, D::Error> {
    Ok(folder_ref(&Value::deserialize(d)?))
}

fn de_vec<'de, D: Deserializer<'de>, T: serde::de::DeserializeOwned>(
    d: D,
) -> Result<Vec<T>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Array(items) => items
            .into_iter()
            .filter_map(|v| serde_json::from_value(v).ok())
            .collect(),
        _ => Vec::new(),
    })
}

/// Parse records, skipping (and counting) those that do not parse.
pub fn parse_all<T: serde::de::DeserializeOwned>(items: Vec<Value>) -> (Vec<T>, usize) {
    let mut out = Vec::with_capacity(items.len());
    let mut skipped = 0;
    for item in items {
        match serde_json::from_value(item) {
            Ok(t) => out.push(t),
            Err(_) => skipped += 1,
        }
    }
    (out, skipped)
}

/// A folder of the tree (a program appears as a folder too).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Folder {
    #[serde(deserialize_with = "de_id")]
    pub id: u64,
    #[serde(default, deserialize_with = "de_text")]
    pub name: String,
    #[serde(default, deserialize_with = "de_folder")]
    pub folder_id: Option<FolderRef>,
    #[serde(default, deserialize_with = "de_text")]
    pub folder_type: String,
    #[serde(default, deserialize_with = "de_folder")]
    pub parent: Option<FolderRef>,
    #[serde(default, deserialize_with = "de_text")]
    pub path: String,
    #[serde(default, deserialize_with = "de_text")]
    pub updated_at: String,
    #[serde(default, deserialize_with = "de_bool")]
    pub is_archive: bool,
    #[serde(default, deserialize_with = "de_text")]
    pub workspace: String,
}

impl Folder {
    /// This folder as a parent reference.
    pub fn as_ref(&self) -> FolderRef {
        self.folder_id.unwrap_or(FolderRef {
            id: self.id,
            kind: FolderKind::Folder,
        })
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Program {
    #[serde(deserialize_with = "de_id")]
    pub id: u64,
    #[serde(deserialize_with = "de_text")]
    pub name: String,
    #[serde(default, deserialize_with = "de_text")]
    pub description: String,
    #[serde(default, rename = "type", deserialize_with = "de_text")]
    pub kind: String,
    #[serde(default, deserialize_with = "de_text")]
    pub channel: String,
    #[serde(default, deserialize_with = "de_folder")]
    pub folder: Option<FolderRef>,
    #[serde(default, deserialize_with = "de_text")]
    pub updated_at: String,
    #[serde(default, deserialize_with = "de_vec")]
    pub tags: Vec<ProgramTag>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProgramTag {
    #[serde(deserialize_with = "de_text")]
    pub tag_type: String,
    #[serde(deserialize_with = "de_text")]
    pub tag_value: String,
}

/// What asset lists share: id, name, parent, version and time stamp.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Asset {
    #[serde(deserialize_with = "de_id")]
    pub id: u64,
    #[serde(deserialize_with = "de_text")]
    pub name: String,
    #[serde(default, deserialize_with = "de_folder")]
    pub folder: Option<FolderRef>,
    #[serde(default, deserialize_with = "de_text")]
    pub status: String,
    #[serde(default, deserialize_with = "de_text")]
    pub updated_at: String,
}

/// `{"type": "Text"|"DynamicContent", "value": ...}` (email headers).
#[derive(Debug, Clone, Deserialize)]
pub struct HeaderField {
    #[serde(default, rename = "type", deserialize_with = "de_text")]
    pub kind: String,
    #[serde(default)]
    pub value: Value,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Email {
    #[serde(flatten)]
    pub asset: Asset,
    #[serde(default, deserialize_with = "de_opt_id")]
    pub template: Option<u64>,
    #[serde(default)]
    pub subject: Option<HeaderField>,
    #[serde(default)]
    pub from_name: Option<HeaderField>,
    #[serde(default)]
    pub from_email: Option<HeaderField>,
    #[serde(default)]
    pub reply_email: Option<HeaderField>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LandingPage {
    #[serde(flatten)]
    pub asset: Asset,
    #[serde(default, deserialize_with = "de_opt_id")]
    pub template: Option<u64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct File {
    #[serde(deserialize_with = "de_id")]
    pub id: u64,
    #[serde(deserialize_with = "de_text")]
    pub name: String,
    #[serde(default, deserialize_with = "de_folder")]
    pub folder: Option<FolderRef>,
    #[serde(default, deserialize_with = "de_text")]
    pub url: String,
    #[serde(default)]
    pub size: Option<u64>,
    #[serde(default, deserialize_with = "de_text")]
    pub updated_at: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SmartCampaign {
    #[serde(deserialize_with = "de_id")]
    pub id: u64,
    #[serde(deserialize_with = "de_text")]
    pub name: String,
    #[serde(default, rename = "type", deserialize_with = "de_text")]
    pub kind: String,
    #[serde(default, deserialize_with = "de_bool")]
    pub is_active: bool,
    #[serde(default, deserialize_with = "de_folder")]
    pub folder: Option<FolderRef>,
    #[serde(default, deserialize_with = "de_opt_id")]
    pub parent_program_id: Option<u64>,
    #[serde(default)]
    pub recurrence: Option<Recurrence>,
    #[serde(default, deserialize_with = "de_text")]
    pub updated_at: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Recurrence {
    #[serde(default, deserialize_with = "de_text")]
    pub start_at: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Channel {
    #[serde(deserialize_with = "de_text")]
    pub name: String,
    #[serde(default, deserialize_with = "de_vec")]
    pub progression_statuses: Vec<ChannelStatus>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ChannelStatus {
    #[serde(deserialize_with = "de_text")]
    pub name: String,
    #[serde(default)]
    pub step: Option<i64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TagType {
    #[serde(deserialize_with = "de_text")]
    pub tag_type: String,
    #[serde(default)]
    pub allowable_values: Value,
}

impl TagType {
    /// `"[EMEA, AMER]"` (what Marketo sends) or a JSON array.
    pub fn values(&self) -> Vec<String> {
        match &self.allowable_values {
            Value::Array(items) => items
                .iter()
                .filter_map(|v| v.as_str().map(|s| s.trim().to_string()))
                .filter(|s| !s.is_empty())
                .collect(),
            Value::String(s) => {
                let inner = s.trim();
                let inner = inner.strip_prefix('[').unwrap_or(inner);
                let inner = inner.strip_suffix(']').unwrap_or(inner);
                inner
                    .split(',')
                    .map(|v| v.trim().to_string())
                    .filter(|v| !v.is_empty())
                    .collect()
            }
            _ => Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LeadField {
    /// The REST API name.
    #[serde(deserialize_with = "de_text")]
    pub name: String,
    #[serde(default, deserialize_with = "de_text")]
    pub display_name: String,
    #[serde(default, deserialize_with = "de_text")]
    pub data_type: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomObject {
    #[serde(default, deserialize_with = "de_text")]
    pub api_name: String,
    #[serde(default, deserialize_with = "de_text")]
    pub display_name: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomActivityType {
    #[serde(default, deserialize_with = "de_text")]
    pub api_name: String,
    #[serde(default, deserialize_with = "de_text")]
    pub name: String,
    #[serde(default, deserialize_with = "de_text")]
    pub trigger_name: String,
    #[serde(default, deserialize_with = "de_text")]
    pub filter_name: String,
}

/// A My Token.
#[derive(Debug, Clone, Deserialize)]
pub struct Token {
    #[serde(deserialize_with = "de_text")]
    pub name: String,
    #[serde(default, rename = "type", deserialize_with = "de_text")]
    pub kind: String,
    #[serde(default)]
    pub value: Value,
}

/// A section of an email (`GET /email/{id}/content.json`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EmailSection {
    #[serde(default, deserialize_with = "de_text")]
    pub html_id: String,
    #[serde(default, deserialize_with = "de_text")]
    pub content_type: String,
    #[serde(default)]
    pub value: Value,
    #[serde(default)]
    pub index: Option<i64>,
}

/// A section of a landing page (`GET /landingPage/{id}/content.json`).
#[derive(Debug, Clone, Deserialize)]
pub struct PageSection {
    #[serde(default)]
    pub id: Value,
    #[serde(default, rename = "type", deserialize_with = "de_text")]
    pub kind: String,
    #[serde(default)]
    pub content: Value,
    #[serde(default)]
    pub index: Option<i64>,
}

/// A field of a form (`GET /form/{id}/fields.json`): `id` is the lead
/// field's API name.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FormField {
    #[serde(deserialize_with = "de_text")]
    pub id: String,
    #[serde(default, deserialize_with = "de_text")]
    pub label: String,
    #[serde(default, deserialize_with = "de_text")]
    pub data_type: String,
}

/// A campaign's smart list with its rules.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SmartList {
    #[serde(default)]
    pub rules: Option<Rules>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Rules {
    #[serde(default, deserialize_with = "de_rules")]
    pub triggers: Vec<Rule>,
    #[serde(default, deserialize_with = "de_rules")]
    pub filters: Vec<Rule>,
}

/// Rules as objects (`{"name", "ruleType", ...}`) or, as the Swagger file
/// types smart-list triggers, as their names.
fn de_rules<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Rule>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Array(items) => items
            .into_iter()
            .filter_map(|v| match v {
                Value::String(name) => Some(Rule {
                    rule_type: name.clone(),
                    name,
                    conditions: Vec::new(),
                }),
                other => serde_json::from_value(other).ok(),
            })
            .collect(),
        _ => Vec::new(),
    })
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Rule {
    #[serde(default, deserialize_with = "de_text")]
    pub name: String,
    #[serde(default, deserialize_with = "de_text")]
    pub rule_type: String,
    #[serde(default, deserialize_with = "de_vec")]
    pub conditions: Vec<Condition>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Condition {
    #[serde(default, deserialize_with = "de_text")]
    pub activity_attribute_name: String,
    #[serde(default)]
    pub values: Value,
}

/// A snippet's content section (`HTML`, `Text` or `DynamicContent`).
#[derive(Debug, Clone, Deserialize)]
pub struct SnippetSection {
    #[serde(default, rename = "type", deserialize_with = "de_text")]
    pub kind: String,
    #[serde(default)]
    pub content: Value,
}

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

/// One email of the instance, if it has any (who emails come from).
pub fn any_email(client: &Client) -> Result<Option<Email>, ApiError> {
    let mut listed: Listed<Email> = one_call(
        client,
        "/rest/asset/v1/emails.json",
        &[("maxReturn", "1".to_string())],
    )?;
    Ok(listed.items.pop())
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
    let fields: Vec<Value> = envelope
        .result
        .into_iter()
        .flat_map(|r| match r.get("fields") {
            Some(Value::Array(f)) => f.clone(),
            _ => Vec::new(),
        })
        .collect();
    let (items, skipped) = parse_all(fields);
    Ok(Listed {
        items,
        pages: 1,
        skipped,
    })
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
