//! The records of the read endpoints, and how each is read leniently (see
//! the module above for the shapes real instances send).

use serde::{Deserialize, Deserializer};
use serde_json::Value;

use crate::model::Approval;

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

/// A boolean, or nothing for `null` and what is not one.
fn de_opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    Ok(match scalar(d)? {
        Scalar::Bool(b) => Some(b),
        Scalar::Text(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Scalar::Text(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
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
    /// As Marketo sent it (`false` reads as "false"), so that the cache
    /// compares what was sent; [`Asset::approval`] says what it means.
    #[serde(default, deserialize_with = "de_text")]
    pub status: String,
    #[serde(default, deserialize_with = "de_text")]
    pub updated_at: String,
}

impl Asset {
    /// Approved or a draft: see [`approval`].
    pub fn approval(&self) -> Approval {
        approval(&self.status)
    }
}

/// What an asset's `status` says: `approved` and `approved with draft`
/// (whose approved version a pull reads) are approved; anything else
/// (`draft`, `Draft`, `false`, nothing) is a draft.
pub fn approval(status: &str) -> Approval {
    let s = status.trim();
    if s.eq_ignore_ascii_case("approved") || s.eq_ignore_ascii_case("approved with draft") {
        Approval::Approved
    } else {
        Approval::Draft
    }
}

/// `{"type": "Text"|"DynamicContent", "value": ...}` (an email's subject
/// and sender). Marketo may also send a plain string (read as `Text`) or
/// `null` (absent).
#[derive(Debug, Clone, Deserialize)]
pub struct HeaderField {
    #[serde(default, rename = "type", deserialize_with = "de_text")]
    pub kind: String,
    #[serde(default)]
    pub value: Value,
}

impl HeaderField {
    /// The value is dynamic content (the value is a segmentation id).
    pub fn is_dynamic(&self) -> bool {
        self.kind.eq_ignore_ascii_case("DynamicContent")
    }

    /// The text of a plain (not dynamic) value.
    pub fn text(&self) -> Option<&str> {
        if self.is_dynamic() {
            return None;
        }
        self.value.as_str()
    }
}

fn de_header<'de, D: Deserializer<'de>>(d: D) -> Result<Option<HeaderField>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Null => None,
        Value::String(s) => Some(HeaderField {
            kind: "Text".into(),
            value: Value::String(s),
        }),
        other @ Value::Object(_) => serde_json::from_value(other).ok(),
        _ => None,
    })
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Email {
    #[serde(flatten)]
    pub asset: Asset,
    #[serde(default, deserialize_with = "de_opt_id")]
    pub template: Option<u64>,
    #[serde(default, deserialize_with = "de_header")]
    pub subject: Option<HeaderField>,
    #[serde(default, deserialize_with = "de_header")]
    pub from_name: Option<HeaderField>,
    #[serde(default, deserialize_with = "de_header")]
    pub from_email: Option<HeaderField>,
    #[serde(default, deserialize_with = "de_header")]
    pub reply_email: Option<HeaderField>,
    #[serde(default, deserialize_with = "de_opt_bool")]
    pub operational: Option<bool>,
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

/// A lead field: `{"name", "displayName", "dataType"}` (`describe2`), or
/// `{"displayName", "dataType", "rest": {"name"}}` (`describe`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", try_from = "RawLeadField")]
pub struct LeadField {
    /// The REST API name.
    pub name: String,
    pub display_name: String,
    pub data_type: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawLeadField {
    #[serde(default, deserialize_with = "de_text")]
    name: String,
    #[serde(default)]
    rest: Option<RestName>,
    #[serde(default, deserialize_with = "de_text")]
    display_name: String,
    #[serde(default, deserialize_with = "de_text")]
    data_type: String,
}

#[derive(Deserialize)]
struct RestName {
    #[serde(default, deserialize_with = "de_text")]
    name: String,
}

impl TryFrom<RawLeadField> for LeadField {
    type Error = &'static str;

    fn try_from(raw: RawLeadField) -> Result<LeadField, &'static str> {
        let name = if raw.name.is_empty() {
            raw.rest.map(|r| r.name).unwrap_or_default()
        } else {
            raw.name
        };
        if name.is_empty() {
            return Err("a lead field without a REST name");
        }
        Ok(LeadField {
            name,
            display_name: raw.display_name,
            data_type: raw.data_type,
        })
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomObject {
    /// The object's API name (`name` in Marketo's answer, `apiName` in
    /// the Swagger file's).
    #[serde(default, alias = "name", deserialize_with = "de_text")]
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

/// A row of a form's field list (`GET /form/{id}/fields.json`): for a
/// lead field, `id` is its API name. Some rows are not lead fields: the
/// `Profiling` fieldset (`dataType` `profiling`), other fieldsets (their
/// fields in `fields` or `fieldList`) and rich-text rows (`htmltext`);
/// [`super::content::form`] tells them apart.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FormField {
    #[serde(deserialize_with = "de_text")]
    pub id: String,
    #[serde(default, deserialize_with = "de_text")]
    pub label: String,
    #[serde(default, deserialize_with = "de_text")]
    pub data_type: String,
    /// The fields of a fieldset (their API names).
    #[serde(default, alias = "fieldList", deserialize_with = "de_children")]
    pub fields: Vec<String>,
    /// The HTML of a rich-text row.
    #[serde(default, deserialize_with = "de_text")]
    pub text: String,
}

/// A fieldset's fields: names, or `{"fieldName"|"id": name}` records.
fn de_children<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Array(items) => items
            .iter()
            .filter_map(|v| match v {
                Value::String(s) => Some(s.clone()),
                Value::Object(m) => ["fieldName", "id", "name"]
                    .iter()
                    .find_map(|k| m.get(*k).and_then(Value::as_str))
                    .map(str::to_string),
                _ => None,
            })
            .filter(|s| !s.trim().is_empty())
            .collect(),
        _ => Vec::new(),
    })
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn folder_references_in_every_spelling() {
        for (v, id, kind) in [
            (
                json!({"type": "Folder", "value": 239, "folderName": "Events"}),
                239,
                FolderKind::Folder,
            ),
            (
                json!({"type": "FOLDER", "id": 454}),
                454,
                FolderKind::Folder,
            ),
            (
                json!({"type": "folder", "value": "10421"}),
                10421,
                FolderKind::Folder,
            ),
            (
                json!({"type": "Program", "value": 396, "folderName": null}),
                396,
                FolderKind::Program,
            ),
            (
                json!({"id": 1041, "type": "program"}),
                1041,
                FolderKind::Program,
            ),
            (
                json!("{\"id\":7,\"type\":\"Program\"}"),
                7,
                FolderKind::Program,
            ),
        ] {
            assert_eq!(folder_ref(&v), Some(FolderRef { id, kind }), "{v}");
        }
        assert_eq!(folder_ref(&json!({"type": "Folder"})), None);
    }

    #[test]
    fn statuses_as_instances_spell_them() {
        for (status, approved) in [
            ("approved", true),
            ("Approved", true),
            ("approved with draft", true),
            ("draft", false),
            ("Draft", false),
            ("false", false),
            ("", false),
        ] {
            assert_eq!(
                approval(status) == Approval::Approved,
                approved,
                "{status:?}"
            );
        }
        let a: Asset = serde_json::from_value(
            json!({"id": "12", "name": "E", "status": false, "folder": null, "updatedAt": null}),
        )
        .unwrap();
        assert_eq!((a.id, a.status.as_str(), a.folder), (12, "false", None));
        assert_eq!(a.approval(), Approval::Draft);
    }
}
