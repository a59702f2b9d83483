//! Typed models of the on-disk formats (spec sections 2 and 3).
//!
//! Every struct keeps the keys it does not know in `extra`, so a file
//! rewritten by mkimport loses nothing. Serialisation goes through
//! `serde_json::Value` (see [`to_canonical_json`]), whose maps are sorted, so
//! every file we write has sorted keys and a stable layout.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The only format version this build reads and writes.
pub const FORMAT: u64 = 1;

/// `exported_from` of the built-in Program Library; always connected.
pub const PROGRAM_LIBRARY: &str = "Marketo Program Library";

type Extra = BTreeMap<String, Value>;

/// `program.json`, in a bundle or stored in a subscription.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ProgramFile {
    pub format: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exported_from: Option<String>,
    pub program: ProgramInfo,
    #[serde(default)]
    pub tokens: Vec<Token>,
    #[serde(default)]
    pub emails: Vec<Email>,
    #[serde(default)]
    pub landing_pages: Vec<LandingPage>,
    #[serde(default)]
    pub forms: Vec<Form>,
    #[serde(default)]
    pub smart_campaigns: Vec<Campaign>,
    #[serde(default)]
    pub requires: Requires,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub imported: Option<Imported>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ProgramInfo {
    pub name: String,
    #[serde(rename = "type", default = "default_program_type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub folder: Option<String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    #[serde(flatten)]
    pub extra: Extra,
}

fn default_program_type() -> String {
    "default".to_string()
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Token {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: TokenType,
    #[serde(default)]
    pub value: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inherited_from: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Email {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    #[serde(default)]
    pub html: String,
    #[serde(default)]
    pub dynamic_content: bool,
    #[serde(default)]
    pub images: Vec<String>,
    #[serde(default)]
    pub snippets: Vec<String>,
    #[serde(default)]
    pub segmentations: Vec<String>,
    /// v3 email settings (spec 12): absent means "the target's defaults".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operational: Option<bool>,
    /// Approved or draft in the source (absent: not declared).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Approval>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LandingPage {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
    #[serde(default)]
    pub html: String,
    #[serde(default)]
    pub forms: Vec<String>,
    #[serde(default)]
    pub images: Vec<String>,
    #[serde(default)]
    pub dynamic_content: bool,
    #[serde(default)]
    pub snippets: Vec<String>,
    #[serde(default)]
    pub segmentations: Vec<String>,
    /// Approved or draft in the source (absent: not declared).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Approval>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// What emails and landing pages share for the import rules.
pub trait Content {
    fn name(&self) -> &str;
    fn dynamic_content(&self) -> bool;
    fn snippets(&self) -> &[String];
    fn segmentations(&self) -> &[String];
}

macro_rules! content {
    ($t:ty) => {
        impl Content for $t {
            fn name(&self) -> &str {
                &self.name
            }
            fn dynamic_content(&self) -> bool {
                self.dynamic_content
            }
            fn snippets(&self) -> &[String] {
                &self.snippets
            }
            fn segmentations(&self) -> &[String] {
                &self.segmentations
            }
        }
    };
}

content!(Email);
content!(LandingPage);

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Form {
    pub name: String,
    #[serde(default)]
    pub fields: Vec<String>,
    /// Approved or draft in the source (absent: not declared).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Approval>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Campaign {
    pub name: String,
    #[serde(rename = "type", default)]
    pub kind: CampaignType,
    #[serde(default)]
    pub active: bool,
    #[serde(default)]
    pub schedule: Option<String>,
    #[serde(default)]
    pub emails: Vec<String>,
    #[serde(default)]
    pub fields: Vec<String>,
    #[serde(default)]
    pub webhooks: Vec<String>,
    #[serde(default)]
    pub triggers: Vec<String>,
    #[serde(default)]
    pub custom_objects: Vec<String>,
    // Spec section 8. Absent and empty are kept apart, so a file without
    // them is written back without them.
    /// Smart-list filters and triggers beyond `triggers`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filters: Option<Vec<String>>,
    /// Custom activities the smart list or flow uses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_activities: Option<Vec<String>>,
    /// Flow step names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flow_steps: Option<Vec<String>>,
    /// Self-service flow steps, "Provider/Step".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub services: Option<Vec<String>>,
    /// Static or smart lists outside the program.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lists: Option<Vec<String>>,
    /// Other programs ("Member of Program").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub programs: Option<Vec<String>>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl Campaign {
    pub fn filters(&self) -> &[String] {
        self.filters.as_deref().unwrap_or_default()
    }
    pub fn custom_activities(&self) -> &[String] {
        self.custom_activities.as_deref().unwrap_or_default()
    }
    pub fn flow_steps(&self) -> &[String] {
        self.flow_steps.as_deref().unwrap_or_default()
    }
    pub fn services(&self) -> &[String] {
        self.services.as_deref().unwrap_or_default()
    }
    pub fn lists(&self) -> &[String] {
        self.lists.as_deref().unwrap_or_default()
    }
    pub fn programs(&self) -> &[String] {
        self.programs.as_deref().unwrap_or_default()
    }
}

/// Defines a string-valued type of the format as an enum: the known
/// values by name, any other kept as written (so a file from a newer
/// Marketo survives a rewrite unchanged).
macro_rules! spelled {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(from = "String", into = "String")]
        pub enum $name {
            $($variant,)+
            /// A value this version does not know, as written.
            Other(String),
        }

        impl $name {
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $text,)+
                    $name::Other(text) => text,
                }
            }
        }

        impl From<String> for $name {
            fn from(text: String) -> $name {
                match text.as_str() {
                    $($text => $name::$variant,)+
                    _ => $name::Other(text),
                }
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                match value {
                    $name::Other(text) => text,
                    known => known.as_str().to_string(),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

spelled!(
    /// A My Token's `type`.
    TokenType {
        Text => "text",
        RichText => "rich-text",
        Number => "number",
        Date => "date",
        Score => "score",
        Script => "script",
        Calendar => "calendar",
        Image => "image",
    }
);

spelled!(
    /// An asset's `status` (v3): approved in the source, or a draft.
    /// Marketo's "approved with draft" is pulled as its approved version.
    Approval {
        Approved => "approved",
        Draft => "draft",
    }
);

spelled!(
    /// The CRM a subscription is synchronised with (`crm`).
    Crm {
        Salesforce => "salesforce",
        Dynamics => "dynamics",
    }
);

spelled!(
    /// A smart campaign's `type`.
    CampaignType {
        Batch => "batch",
        Trigger => "trigger",
    }
);

// Not derived: the `spelled!` macro cannot mark a variant `#[default]`.
#[allow(clippy::derivable_impls)]
impl Default for CampaignType {
    fn default() -> Self {
        CampaignType::Batch
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Requires {
    #[serde(default)]
    pub fields: Vec<FieldDef>,
    #[serde(default)]
    pub segmentations: Vec<String>,
    #[serde(default)]
    pub snippets: Vec<String>,
    #[serde(default)]
    pub webhooks: Vec<String>,
    #[serde(default)]
    pub custom_objects: Vec<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FieldDef {
    pub name: String,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The field's API name (spec section 8): its identity when both sides
    /// give one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// The record a stored program carries once mkimport imported it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Imported {
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub import_id: String,
    #[serde(default)]
    pub bundle_digest: String,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `subscription.json`. Absent optional keys mean "not declared".
#[derive(Debug, Clone, Deserialize)]
pub struct SubscriptionMeta {
    pub format: u64,
    pub name: String,
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub connected: Option<Vec<String>>,
    #[serde(default)]
    pub fields: Option<Vec<FieldDef>>,
    #[serde(default)]
    pub segmentations: Option<Vec<String>>,
    #[serde(default)]
    pub webhooks: Option<Vec<String>>,
    #[serde(default)]
    pub custom_objects: Option<Vec<String>>,
    #[serde(default)]
    pub channels: Option<Vec<Channel>>,
    #[serde(default)]
    pub tags: Option<BTreeMap<String, Vec<String>>>,
    #[serde(default)]
    pub roles: Option<BTreeMap<String, Vec<String>>>,
    #[serde(default)]
    pub users: Option<BTreeMap<String, String>>,
    // Spec section 8.
    #[serde(default)]
    pub custom_activities: Option<Vec<String>>,
    /// `None`: not declared; `Some(None)`: declared `null`, no CRM.
    #[serde(default, deserialize_with = "declared_or_null")]
    pub crm: Option<Option<Crm>>,
    /// Self-service flow steps, "Provider/Step".
    #[serde(default)]
    pub services: Option<Vec<String>>,
    /// Static and smart lists.
    #[serde(default)]
    pub lists: Option<Vec<String>>,
}

/// A key whose `null` is a value: present (even as `null`) is `Some`,
/// absent is `None` (through `#[serde(default)]`).
fn declared_or_null<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

#[derive(Debug, Clone, Deserialize)]
pub struct Channel {
    pub name: String,
    #[serde(default)]
    pub statuses: Vec<String>,
}

/// A folder's `folder.json`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct FolderFile {
    #[serde(default)]
    pub tokens: Vec<Token>,
}

/// A design-studio JSON asset (template, form, snippet): its name plus the
/// whole object, kept verbatim so nothing is lost on copy.
#[derive(Debug, Clone, PartialEq)]
pub struct DesignDoc {
    pub name: String,
    pub doc: Value,
}

impl DesignDoc {
    /// The content that decides "identical": a digest of the object without
    /// its name, in canonical form (sorted keys, no white space).
    pub fn content_key(&self) -> String {
        let mut doc = self.doc.clone();
        if let Value::Object(map) = &mut doc {
            map.remove("name");
        }
        crate::digest::sha256_hex(doc.to_string().as_bytes())
    }

    /// Field names of a form (empty for other kinds).
    pub fn fields(&self) -> Vec<String> {
        self.doc
            .get("fields")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Serialise with sorted keys, two-space indentation and a final newline.
pub fn to_canonical_json<T: Serialize>(value: &T) -> Vec<u8> {
    let value = serde_json::to_value(value).expect("our models always serialise");
    let mut out = serde_json::to_vec_pretty(&value).expect("a Value always serialises");
    out.push(b'\n');
    out
}

/// The kinds of asset a design studio holds, each in its own directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DesignKind {
    EmailTemplate,
    LandingPageTemplate,
    Form,
    Snippet,
    Image,
}

impl DesignKind {
    pub const ALL: [DesignKind; 5] = [
        DesignKind::EmailTemplate,
        DesignKind::LandingPageTemplate,
        DesignKind::Form,
        DesignKind::Snippet,
        DesignKind::Image,
    ];

    /// The directory under `design-studio/` (and under a bundle's `external/`).
    pub fn dir(self) -> &'static str {
        match self {
            DesignKind::EmailTemplate => "email-templates",
            DesignKind::LandingPageTemplate => "landing-page-templates",
            DesignKind::Form => "forms",
            DesignKind::Snippet => "snippets",
            DesignKind::Image => "images",
        }
    }

    pub fn from_dir(dir: &str) -> Option<DesignKind> {
        DesignKind::ALL.into_iter().find(|k| k.dir() == dir)
    }

    /// The conflict rule kind that decides a clash of this kind; none for
    /// snippets, which never travel in a bundle (a program uses the
    /// target's).
    pub fn rule_kind(self) -> Option<crate::rules::RuleKind> {
        use crate::rules::RuleKind;
        match self {
            DesignKind::EmailTemplate => Some(RuleKind::EmailTemplate),
            DesignKind::LandingPageTemplate => Some(RuleKind::LandingPageTemplate),
            DesignKind::Form => Some(RuleKind::Form),
            DesignKind::Image => Some(RuleKind::Image),
            DesignKind::Snippet => None,
        }
    }

    /// A human word for messages.
    pub fn noun(self) -> &'static str {
        match self {
            DesignKind::EmailTemplate => "email template",
            DesignKind::LandingPageTemplate => "landing page template",
            DesignKind::Form => "form",
            DesignKind::Snippet => "snippet",
            DesignKind::Image => "image",
        }
    }
}

/// An external asset's content: a JSON document or an image's bytes.
#[derive(Debug, Clone, PartialEq)]
pub enum AssetContent {
    Doc(DesignDoc),
    Image {
        digest: String,
        bytes: std::sync::Arc<Vec<u8>>,
    },
}

impl AssetContent {
    /// What decides "byte-identical": canonical JSON without the name, or
    /// the image's SHA-256.
    pub fn identity(&self) -> String {
        match self {
            AssetContent::Doc(doc) => doc.content_key(),
            AssetContent::Image { digest, .. } => digest.clone(),
        }
    }
}

/// Every external asset that emails and landing pages name, in the order
/// the planner reports them: email templates, landing page templates,
/// global forms, then images (each in the order first named; repeats
/// kept). A landing page's form is external only when `local_forms` has
/// none of that name.
pub fn external_references(
    emails: &[Email],
    pages: &[LandingPage],
    local_forms: &[Form],
) -> Vec<(DesignKind, String)> {
    let local: std::collections::HashSet<String> = local_forms
        .iter()
        .map(|f| crate::names::key(&f.name))
        .collect();
    let mut out = Vec::new();
    out.extend(
        emails
            .iter()
            .filter_map(|e| e.template.clone())
            .map(|t| (DesignKind::EmailTemplate, t)),
    );
    out.extend(
        pages
            .iter()
            .filter_map(|p| p.template.clone())
            .map(|t| (DesignKind::LandingPageTemplate, t)),
    );
    out.extend(
        pages
            .iter()
            .flat_map(|p| &p.forms)
            .filter(|f| !local.contains(&crate::names::key(f)))
            .map(|f| (DesignKind::Form, f.clone())),
    );
    out.extend(
        emails
            .iter()
            .flat_map(|e| &e.images)
            .chain(pages.iter().flat_map(|p| &p.images))
            .map(|i| (DesignKind::Image, i.clone())),
    );
    out
}

/// The `my.` token names referenced as `{{my.Name}}` (or
/// `{{my.Name:default=...}}`) in a text.
pub fn token_references(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        let inner = after[..end].trim();
        // Compare bytes: slicing the text could split a multi-byte
        // character (found by fuzzing).
        if inner.len() > 3 && inner.as_bytes()[..3].eq_ignore_ascii_case(b"my.") {
            let name = inner.split(':').next().unwrap_or(inner).trim();
            out.push(name.to_string());
        }
        rest = &after[end + 2..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_references_survive_multibyte_text() {
        assert!(token_references("{{é}} {{mé}} {{日本語}}").is_empty());
        assert_eq!(token_references("{{my.Café}}"), vec!["my.Café"]);
    }

    #[test]
    fn crm_absent_null_and_named_are_three_things() {
        let meta = |extra: &str| -> SubscriptionMeta {
            serde_json::from_str(&format!(r#"{{"format": 1, "name": "T"{extra}}}"#)).unwrap()
        };
        assert_eq!(meta("").crm, None);
        assert_eq!(meta(r#", "crm": null"#).crm, Some(None));
        assert_eq!(
            meta(r#", "crm": "salesforce""#).crm,
            Some(Some(Crm::Salesforce))
        );
    }

    #[test]
    fn new_campaign_keys_are_written_back_only_when_read() {
        let old: Campaign = serde_json::from_str(r#"{"name": "C"}"#).unwrap();
        let out = serde_json::to_value(&old).unwrap();
        assert!(out.get("flow_steps").is_none() && out.get("filters").is_none());
        let new: Campaign =
            serde_json::from_str(r#"{"name": "C", "flow_steps": [], "services": ["A/B"]}"#)
                .unwrap();
        let out = serde_json::to_value(&new).unwrap();
        assert_eq!(out["flow_steps"], serde_json::json!([]));
        assert_eq!(new.services(), ["A/B"]);
    }

    #[test]
    fn token_references_include_defaults() {
        assert_eq!(
            token_references("{{my.A}} {{ my.B:default=x }} {{lead.C}} {{my.}}"),
            vec!["my.A", "my.B"]
        );
    }
}
