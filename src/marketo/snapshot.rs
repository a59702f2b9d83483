//! From API records to the subscription format (spec sections 2 and 3),
//! and the cache of fetched content kept under `.mkimport/marketo/`.
//!
//! The cache holds, per asset, the `updatedAt` and status the content was
//! fetched at and the raw `result` of the content call (and, for a dynamic
//! section of an email or a page, of the call that gives its
//! segmentation). It lives in the
//! snapshot's `.mkimport/` and never in the asset files themselves:
//! design-studio JSON is compared for identity by the planner, so an extra
//! key there would make identical templates of two instances differ.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::api::Token;
use super::content::{CampaignRules, Derived, EmailSettings};
use crate::model::Approval;
use crate::names;

/// The cache format this build writes.
pub const CACHE_FORMAT: u64 = 1;

/// A content call's result, with what it was fetched at.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Entry {
    #[serde(rename = "updatedAt")]
    pub updated_at: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub status: String,
    pub result: Value,
    /// For an email or a landing page: the raw `result` of Get Email (or
    /// Landing Page) Dynamic Content for each dynamic section whose
    /// content answer gives only its content id, by that id. Fetched with
    /// the content and as fresh as it: a section missing here (an answer
    /// Marketo refused, a cache written before these were kept) is asked
    /// again.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub dynamic: BTreeMap<String, Value>,
}

impl Entry {
    /// Is this the content of the asset as listed now?
    pub fn fresh(&self, updated_at: &str, status: &str) -> bool {
        !updated_at.is_empty() && self.updated_at == updated_at && self.status == status
    }
}

/// `.mkimport/marketo/cache/programs/<id>.json`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ProgramCache {
    pub format: u64,
    #[serde(default)]
    pub tokens: Option<Entry>,
    #[serde(default)]
    pub emails: BTreeMap<String, Entry>,
    #[serde(default)]
    pub landing_pages: BTreeMap<String, Entry>,
    #[serde(default)]
    pub forms: BTreeMap<String, Entry>,
    #[serde(default)]
    pub campaigns: BTreeMap<String, Entry>,
}

/// `.mkimport/marketo/cache/design-studio.json`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct StudioCache {
    pub format: u64,
    #[serde(default)]
    pub email_templates: BTreeMap<String, Entry>,
    #[serde(default)]
    pub landing_page_templates: BTreeMap<String, Entry>,
    #[serde(default)]
    pub snippets: BTreeMap<String, Entry>,
    #[serde(default)]
    pub forms: BTreeMap<String, Entry>,
    #[serde(default)]
    pub files: BTreeMap<String, FileEntry>,
}

/// A downloaded file: where its bytes are in the snapshot.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct FileEntry {
    #[serde(rename = "updatedAt")]
    pub updated_at: String,
    /// Its file name under `design-studio/images/`.
    pub file: String,
    pub sha256: String,
}

/// `.mkimport/marketo/cache/folders.json`: folder tokens by folder id.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct FolderCache {
    pub format: u64,
    #[serde(default)]
    pub tokens: BTreeMap<String, Entry>,
}

/// `.mkimport/marketo/state.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct State {
    pub format: u64,
    /// `pulled_from.instance` of the snapshot.
    pub instance: String,
    /// `pulled_from.at`.
    pub at: String,
}

/// The program types of the format, from Marketo's (the documented
/// examples say "Default", "Event with Webinar", "Engagement"; the Swagger
/// enums "program", "webinar", "nurture").
pub fn program_type(marketo: &str) -> &'static str {
    match marketo.trim().to_ascii_lowercase().as_str() {
        "event" | "event with webinar" | "webinar" => "event",
        "engagement" | "nurture" => "engagement",
        "email" | "email_batch" | "email batch program" => "email",
        _ => "default",
    }
}

/// Token types of the format from Marketo's names.
pub fn token_type(marketo: &str) -> String {
    let t = marketo.trim().to_lowercase();
    match t.as_str() {
        "rich text" | "richtext" | "rich-text" => "rich-text".into(),
        "icalendar" | "calendar" | "ical" => "calendar".into(),
        "script block" | "email script" | "script" => "script".into(),
        _ => t,
    }
}

/// A My Token as the format spells it: `my.` + Marketo's name.
pub fn token_json(token: &Token) -> Value {
    let name = if token.name.starts_with("my.") {
        token.name.clone()
    } else {
        format!("my.{}", token.name)
    };
    json!({
        "name": name,
        "type": token_type(&token.kind),
        "value": token.value.clone(),
    })
}

/// Tokens by name key → (type, value), the way a folder's children see
/// them.
pub type Effective = BTreeMap<String, (String, Value)>;

/// The effective tokens below a folder whose own answer is `tokens`.
pub fn effective_below(parent: &Effective, tokens: &[Token]) -> Effective {
    let mut out = parent.clone();
    for t in tokens {
        out.insert(names::key(&t.name), (token_type(&t.kind), t.value.clone()));
    }
    out
}

/// The tokens a folder or program defines itself: Marketo may also return
/// the ones it inherits; those equal (name, type, value) to what the parent
/// passes down are not its own.
pub fn local_tokens<'a>(parent: &Effective, tokens: &'a [Token]) -> Vec<&'a Token> {
    let mut seen = BTreeSet::new();
    tokens
        .iter()
        .filter(|t| seen.insert(names::key(&t.name)))
        .filter(|t| {
            parent
                .get(&names::key(&t.name))
                .is_none_or(|(kind, value)| *kind != token_type(&t.kind) || *value != t.value)
        })
        .collect()
}

/// Sorted, by name key then spelling.
pub fn sorted_names(names_in: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut v: Vec<String> = names_in.into_iter().collect();
    v.sort_by(|a, b| names::key(a).cmp(&names::key(b)).then(a.cmp(b)));
    v.dedup();
    v
}

/// What an email's list record says (its content is [`Derived`]).
#[derive(Debug, Clone)]
pub struct EmailHead<'a> {
    pub name: &'a str,
    pub template: Option<&'a str>,
    /// A plain subject (a dynamic one is not a value).
    pub subject: Option<&'a str>,
    pub settings: &'a EmailSettings,
    pub status: Approval,
}

/// An email of a program. Without `content` (the instance would not give
/// it) only what the list says is written; with it, `html` is left out
/// when it is not known ([`Derived::html_known`]).
pub fn email_json(head: &EmailHead, content: Option<&Derived>) -> Value {
    let mut m = Map::new();
    m.insert("name".into(), json!(head.name));
    if let Some(t) = head.template {
        m.insert("template".into(), json!(t));
    }
    if let Some(s) = head.subject {
        m.insert("subject".into(), json!(s));
    }
    let s = head.settings;
    for (key, value) in [
        ("from_name", &s.from_name),
        ("from_email", &s.from_email),
        ("reply_email", &s.reply_email),
    ] {
        if let Some(v) = value {
            m.insert(key.into(), json!(v));
        }
    }
    if let Some(operational) = s.operational {
        m.insert("operational".into(), json!(operational));
    }
    m.insert("status".into(), json!(head.status.as_str()));
    if let Some(d) = content {
        content_keys(&mut m, d);
    }
    Value::Object(m)
}

/// The keys an email and a page derive from their content.
fn content_keys(m: &mut Map<String, Value>, d: &Derived) {
    if d.html_known() {
        m.insert("html".into(), json!(d.html));
    }
    m.insert("dynamic_content".into(), json!(d.dynamic_content));
    m.insert(
        "images".into(),
        json!(sorted_names(d.images.iter().cloned())),
    );
    m.insert(
        "snippets".into(),
        json!(sorted_names(d.snippets.iter().cloned())),
    );
    m.insert(
        "segmentations".into(),
        json!(sorted_names(d.segmentations.iter().cloned())),
    );
}

/// A landing page of a program (without `content`: what the list says).
pub fn landing_page_json(
    name: &str,
    template: Option<&str>,
    status: Approval,
    content: Option<&Derived>,
) -> Value {
    let mut m = Map::new();
    m.insert("name".into(), json!(name));
    if let Some(t) = template {
        m.insert("template".into(), json!(t));
    }
    m.insert("status".into(), json!(status.as_str()));
    if let Some(d) = content {
        content_keys(&mut m, d);
        m.insert("forms".into(), json!(sorted_names(d.forms.iter().cloned())));
    }
    Value::Object(m)
}

/// A smart campaign. Its flow cannot be read through the API, so the keys
/// that come from flow steps (`emails`, `webhooks`, `flow_steps`,
/// `services`) are left out rather than given empty.
pub fn campaign_json(
    name: &str,
    kind: &str,
    active: bool,
    schedule: Option<&str>,
    rules: &CampaignRules,
) -> Value {
    let kind = match kind.trim().to_ascii_lowercase().as_str() {
        "trigger" => "trigger",
        _ => "batch",
    };
    let mut m = Map::new();
    m.insert("name".into(), json!(name));
    m.insert("type".into(), json!(kind));
    m.insert("active".into(), json!(active));
    if let Some(s) = schedule.filter(|s| !s.is_empty()) {
        m.insert("schedule".into(), json!(s));
    }
    m.insert("triggers".into(), json!(rules.triggers));
    m.insert("filters".into(), json!(rules.filters));
    m.insert(
        "fields".into(),
        json!(sorted_names(rules.fields.iter().cloned())),
    );
    m.insert(
        "custom_objects".into(),
        json!(sorted_names(rules.custom_objects.iter().cloned())),
    );
    m.insert(
        "custom_activities".into(),
        json!(sorted_names(rules.custom_activities.iter().cloned())),
    );
    Value::Object(m)
}

/// A lead field as the format declares it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct FieldInfo {
    pub display: String,
    pub api: String,
    pub kind: String,
}

impl FieldInfo {
    pub fn json(&self) -> Value {
        let mut m = Map::new();
        m.insert("name".into(), json!(self.display));
        if !self.api.is_empty() {
            m.insert("api_name".into(), json!(self.api));
        }
        if !self.kind.is_empty() {
            m.insert("type".into(), json!(self.kind));
        }
        Value::Object(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(name: &str, kind: &str, value: &str) -> Token {
        serde_json::from_value(json!({"name": name, "type": kind, "value": value})).unwrap()
    }

    #[test]
    fn inherited_tokens_are_not_local() {
        let parent = effective_below(
            &Effective::new(),
            &[
                token("Footer", "rich text", "<p>a</p>"),
                token("Company", "text", "Acme"),
            ],
        );
        let answer = [
            token("Footer", "rich text", "<p>a</p>"),
            token("Company", "text", "Acme GmbH"),
            token("Title", "text", "T"),
        ];
        let local: Vec<&str> = local_tokens(&parent, &answer)
            .iter()
            .map(|t| t.name.as_str())
            .collect();
        assert_eq!(local, ["Company", "Title"]);
        assert_eq!(
            token_json(&answer[0]),
            json!({"name": "my.Footer", "type": "rich-text", "value": "<p>a</p>"})
        );
    }

    #[test]
    fn types_map_to_the_format() {
        assert_eq!(program_type("Event with Webinar"), "event");
        assert_eq!(program_type("Engagement"), "engagement");
        assert_eq!(program_type("nurture"), "engagement");
        assert_eq!(program_type("Default"), "default");
        assert_eq!(program_type("Email"), "email");
        assert_eq!(token_type("iCalendar"), "calendar");
        assert_eq!(token_type("Script Block"), "script");
        assert_eq!(token_type("score"), "score");
    }

    #[test]
    fn campaigns_leave_the_flow_undeclared() {
        let v = campaign_json("C", "trigger", true, None, &CampaignRules::default());
        assert!(v.get("emails").is_none() && v.get("webhooks").is_none());
        assert_eq!(v["type"], "trigger");
    }
}
