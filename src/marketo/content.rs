//! What an email, a landing page, a form or a smart list holds, read from
//! what the API returns, in the shapes real instances send (spec section
//! 12; the recorded answers of `shared/marketo-real`).
//!
//! An email's or a page's content is a list of sections (the editable
//! parts of its template), each of a type:
//!
//! - **text** (`Text`, `HTML`, `RichText`): HTML. An email section's
//!   `value` is a string, an object (`{"content"|"value"|"html": ...}`) or
//!   a list of variants `[{"type": "HTML", "value"}, {"type": "Text",
//!   "value"}]`, whose `HTML` one is the section's HTML; a page section's
//!   `content` is a string or such an object;
//! - **dynamic content**, wherever Marketo marks it: a section of type
//!   `DynamicContent`, or a value or content with `"type"` or
//!   `"contentType"` `DynamicContent` (a landing page's rich-text section
//!   whose content is `{"contentType": "DynamicContent", "content":
//!   "RVMtMTY2Ng=="}`). It makes the asset `dynamic_content`; its
//!   segmentation goes in `segmentations`: when the section names it (the
//!   shape a section is set in), else from Get Email / Landing Page
//!   Dynamic Content, asked with the section's content id
//!   ([`Derived::dynamic_sections`], [`dynamic_segmentation`]); its
//!   `default` HTML (when the section has one) goes in the HTML; its
//!   content id never does;
//! - **snippet**, **form** (pages), **image**: references by id (or, for
//!   images, by URL);
//! - **structure**: `Module` (an email module, a container of other
//!   sections, with no value of its own) and `Rectangle` (a page's
//!   decoration): not content;
//! - **media**: `Video`, `SocialButton`: the format has no place for them;
//!   one that holds something is reported.
//!
//! The snapshot's `html` is the HTML of the text sections and the default
//! content of dynamic ones, in the order the API gives them; the rest of
//! the page is its template, pulled into the design studio. A section that
//! cannot be read (a text section without a value or without an HTML
//! variant, a type mkimport does not know) is never taken as empty: it is
//! listed in [`Derived::unreadable`] for a warning naming it. Images are
//! the design-studio files whose URL (or file name) the HTML or an image
//! section refers to.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

use serde_json::Value;

use super::api::{
    id_of, Email, EmailSection, FormField, HeaderField, PageSection, SmartList, SnippetSection,
};
use crate::names;

/// Names by id and files by URL, for resolving references.
#[derive(Debug, Default)]
pub struct Lookup {
    pub snippets: HashMap<u64, String>,
    pub segmentations: HashMap<u64, String>,
    /// Forms by id (local and global).
    pub forms: HashMap<u64, String>,
    /// Design-studio files: by id, by exact URL, and by name key.
    pub file_ids: HashMap<u64, String>,
    pub file_urls: HashMap<String, String>,
    pub file_names: HashMap<String, String>,
}

/// A section of an email or a page that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    /// Its `htmlId` (emails) or `id` (pages).
    pub section: String,
    /// Its `contentType` (emails) or `type` (pages).
    pub kind: String,
    /// Why, as the end of a sentence ("has no value").
    pub why: String,
}

impl fmt::Display for Unreadable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = if self.kind.is_empty() {
            "no type"
        } else {
            &self.kind
        };
        write!(f, "section \"{}\" ({kind}) {}", self.section, self.why)
    }
}

/// What the snapshot records of an email or a landing page.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Derived {
    pub html: String,
    pub images: BTreeSet<String>,
    pub snippets: BTreeSet<String>,
    pub segmentations: BTreeSet<String>,
    pub dynamic_content: bool,
    pub forms: BTreeSet<String>,
    /// Dynamic sections whose answer gives only their content id, not
    /// their segmentation (one each, by content id, in the API's order).
    pub dynamic_sections: Vec<DynamicSection>,
    /// References to ids the instance did not list (for warnings).
    pub unknown: Vec<String>,
    /// Sections that could not be read (for warnings naming them).
    pub unreadable: Vec<Unreadable>,
}

impl Derived {
    /// Is `html` the content? Not when nothing could be read of sections
    /// that were there: then the HTML is unknown, not empty.
    pub fn html_known(&self) -> bool {
        !self.html.is_empty() || self.unreadable.is_empty()
    }

    fn add_html(&mut self, html: &str, lookup: &Lookup) {
        if html.is_empty() {
            return;
        }
        if !self.html.is_empty() {
            self.html.push('\n');
        }
        self.html.push_str(html);
        self.images.extend(images_in(html, lookup));
    }

    fn unreadable(&mut self, section: String, kind: &str, why: &str) {
        self.unreadable.push(Unreadable {
            section,
            kind: kind.to_string(),
            why: why.to_string(),
        });
    }

    fn add_snippet(&mut self, section: String, kind: &str, v: &Value, lookup: &Lookup) {
        match reference(v) {
            Some(id) => match lookup.snippets.get(&id) {
                Some(name) => {
                    self.snippets.insert(name.clone());
                }
                None => self.unknown.push(format!("snippet {id}")),
            },
            None => self.unreadable(section, kind, "names no snippet"),
        }
    }

    fn add_form(&mut self, section: String, kind: &str, v: &Value, lookup: &Lookup) {
        match reference(v) {
            Some(id) => match lookup.forms.get(&id) {
                Some(name) => {
                    self.forms.insert(name.clone());
                }
                None => self.unknown.push(format!("form {id}")),
            },
            None => self.unreadable(section, kind, "names no form"),
        }
    }

    /// A dynamic section: its segmentation and its default HTML, when its
    /// answer says them (never its content id). A section that gives only
    /// its content id (`RVMtMTY2Ng==`, what real instances send) is listed
    /// in [`Derived::dynamic_sections`]: its segmentation is another call's
    /// answer ([`dynamic_segmentation`]).
    fn add_dynamic(&mut self, section: String, v: &Value, lookup: &Lookup) {
        self.dynamic_content = true;
        match dynamic_reference(v) {
            Some(DynamicReference::Segmentation(id)) => self.add_segmentation(id, lookup),
            Some(DynamicReference::Content(content_id)) => {
                let known = self
                    .dynamic_sections
                    .iter()
                    .any(|d| d.content_id == content_id);
                if !known {
                    self.dynamic_sections.push(DynamicSection {
                        section,
                        content_id,
                    });
                }
            }
            None => {}
        }
        if let Some(default) = v.get("default").and_then(Value::as_str) {
            self.add_html(default, lookup);
        }
    }

    /// A segmentation a dynamic section uses, by id: its name, or an
    /// unknown reference when the instance did not list it.
    pub fn add_segmentation(&mut self, id: u64, lookup: &Lookup) {
        match lookup.segmentations.get(&id) {
            Some(name) => {
                self.segmentations.insert(name.clone());
            }
            None => {
                let unknown = format!("segmentation {id}");
                if !self.unknown.contains(&unknown) {
                    self.unknown.push(unknown);
                }
            }
        }
    }

    fn add_image(&mut self, v: &Value, lookup: &Lookup) {
        if let Value::Object(map) = v {
            let is_file = map
                .get("contentType")
                .and_then(Value::as_str)
                .is_some_and(|t| t.eq_ignore_ascii_case("file"));
            if let Some(name) = map
                .get("content")
                .filter(|_| is_file)
                .and_then(id_of)
                .and_then(|id| lookup.file_ids.get(&id))
            {
                self.images.insert(name.clone());
                return;
            }
        }
        let url = match v {
            Value::String(s) => Some(s.as_str()),
            Value::Object(map) => ["url", "src", "contentUrl", "content", "value"]
                .iter()
                .find_map(|k| map.get(*k).and_then(Value::as_str)),
            _ => None,
        };
        if let Some(name) = url.and_then(|u| file_for(u, lookup)) {
            self.images.insert(name);
        }
    }

    /// One section, whatever the asset: `value` is an email section's
    /// `value` or a page section's `content`.
    fn add_section(&mut self, section: String, kind: &str, v: &Value, lookup: &Lookup) {
        if is_dynamic(v) {
            self.add_dynamic(section, v, lookup);
            return;
        }
        match SectionKind::of(kind) {
            SectionKind::Text => match html_of(v) {
                Ok(html) => self.add_html(html, lookup),
                Err(why) => self.unreadable(section, kind, why),
            },
            SectionKind::Dynamic => self.add_dynamic(section, v, lookup),
            SectionKind::Snippet => self.add_snippet(section, kind, v, lookup),
            SectionKind::Form => self.add_form(section, kind, v, lookup),
            SectionKind::Image => self.add_image(v, lookup),
            SectionKind::Structure => {}
            SectionKind::Media => {
                if !is_empty(v) {
                    self.unreadable(section, kind, "has no place in the format (left out)");
                }
            }
            SectionKind::Unknown => {
                self.unreadable(section, kind, "is of a type mkimport does not read")
            }
        }
    }
}

/// The types of section, by what they hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SectionKind {
    /// HTML: `Text`, `HTML`, `RichText`.
    Text,
    Dynamic,
    Snippet,
    Form,
    Image,
    /// `Module` (an email module: a container of sections) and `Rectangle`
    /// (a page's decoration): not content.
    Structure,
    /// `Video`, `SocialButton`: no place in the format.
    Media,
    Unknown,
}

impl SectionKind {
    fn of(kind: &str) -> SectionKind {
        match kind.trim().to_ascii_lowercase().as_str() {
            "text" | "html" | "richtext" => SectionKind::Text,
            "dynamiccontent" => SectionKind::Dynamic,
            "snippet" => SectionKind::Snippet,
            "form" => SectionKind::Form,
            "image" => SectionKind::Image,
            "module" | "rectangle" => SectionKind::Structure,
            "video" | "socialbutton" => SectionKind::Media,
            _ => SectionKind::Unknown,
        }
    }
}

/// Marketo marks this value as dynamic content: `"type"` or
/// `"contentType"` `DynamicContent`, on it or on one of its variants.
fn is_dynamic(v: &Value) -> bool {
    match v {
        Value::Object(map) => ["type", "contentType"].iter().any(|k| {
            map.get(*k)
                .and_then(Value::as_str)
                .is_some_and(|t| t.eq_ignore_ascii_case("DynamicContent"))
        }),
        Value::Array(items) => items.iter().any(is_dynamic),
        _ => false,
    }
}

/// A dynamic section of an email or a page whose content answer names
/// only its content: Get Email Dynamic Content (`GET
/// /rest/asset/v1/email/{id}/dynamicContent/{contentId}.json`) or Get
/// Landing Page Dynamic Content gives its segmentation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DynamicSection {
    /// Its `htmlId` (emails) or `id` (pages).
    pub section: String,
    /// The id of its content, as the section gives it (`RVMtMTY2Ng==`).
    pub content_id: String,
}

/// What a dynamic section's value says of it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum DynamicReference {
    /// The segmentation, by id (how a section is set, Update Email Content
    /// Section: `{"type": "DynamicContent", "segmentation": 1001}` or
    /// `value=1001`).
    Segmentation(u64),
    /// Only the content id (what Get Email Content and Get Landing Page
    /// Content answer: `"RVMtMTY2Ng=="`, `{"contentType":
    /// "DynamicContent", "content": "RVMtMTY2Ng=="}`).
    Content(String),
}

/// A dynamic section's segmentation or content id: a number (or a string
/// of digits) is a segmentation's id, any other text a content id; in an
/// object, `segmentation` or `segmentationId`, else its `value` or
/// `content`; in a list of variants, the one marked `DynamicContent`.
fn dynamic_reference(v: &Value) -> Option<DynamicReference> {
    match v {
        Value::Object(map) => ["segmentation", "segmentationId"]
            .iter()
            .find_map(|k| map.get(*k).and_then(id_of))
            .map(DynamicReference::Segmentation)
            .or_else(|| {
                ["value", "content"]
                    .iter()
                    .filter_map(|k| map.get(*k))
                    .find_map(|v| match v {
                        Value::Object(_) | Value::Array(_) => None,
                        scalar => dynamic_reference(scalar),
                    })
            }),
        Value::Array(variants) => variants
            .iter()
            .filter(|variant| is_dynamic(variant))
            .find_map(dynamic_reference),
        Value::String(s) if s.trim().is_empty() => None,
        Value::String(s) => Some(match id_of(v) {
            Some(id) => DynamicReference::Segmentation(id),
            None => DynamicReference::Content(s.trim().to_string()),
        }),
        other => id_of(other).map(DynamicReference::Segmentation),
    }
}

/// The segmentation a Get Email Dynamic Content or Get Landing Page
/// Dynamic Content answer's `result` names: `[{"segmentation": 1007,
/// "segments"|"content": [...]}]` (Landing Pages page, "Dynamic Content";
/// the Swagger file's `EmailDynamicContentResponse`), an id as a number or
/// a string. `None` when it names none.
pub fn dynamic_segmentation(result: &Value) -> Option<u64> {
    let records: &[Value] = match result {
        Value::Array(items) => items,
        single => std::slice::from_ref(single),
    };
    records
        .iter()
        .find_map(|r| r.get("segmentation").and_then(id_of))
}

/// Nothing at all: `null`, `""`, `{}` or `[]`.
fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Object(m) => m.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

/// A text section's HTML, or why there is none.
fn html_of(v: &Value) -> Result<&str, &'static str> {
    match v {
        Value::String(s) => Ok(s),
        Value::Null => Err("has no value in Marketo's answer; nothing of it is in the HTML"),
        Value::Array(variants) => variants
            .iter()
            .find(|variant| {
                variant
                    .get("type")
                    .and_then(Value::as_str)
                    .is_some_and(|t| t.eq_ignore_ascii_case("HTML"))
            })
            .and_then(|variant| variant.get("value").and_then(Value::as_str))
            .ok_or("has no HTML variant in its value; nothing of it is in the HTML"),
        Value::Object(map) => ["content", "value", "html"]
            .iter()
            .find_map(|k| map.get(*k))
            .map_or(
                Err("holds no HTML in its value; nothing of it is in the HTML"),
                html_of,
            ),
        _ => Err("has a value that is not text; nothing of it is in the HTML"),
    }
}

/// An email's content sections.
pub fn email(sections: &[EmailSection], lookup: &Lookup) -> Derived {
    let mut out = Derived::default();
    for s in sections {
        out.add_section(s.html_id.clone(), &s.content_type, &s.value, lookup);
    }
    out
}

/// A landing page's content sections.
pub fn landing_page(sections: &[PageSection], lookup: &Lookup) -> Derived {
    let mut out = Derived::default();
    for s in sections {
        let id = match &s.id {
            Value::String(t) => t.clone(),
            Value::Null => String::new(),
            other => other.to_string(),
        };
        out.add_section(id, &s.kind, &s.content, lookup);
    }
    out
}

/// What a form's field list holds.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FormFields {
    /// The lead fields, by API name, in the list's order.
    pub fields: Vec<String>,
    /// Rows that are not lead fields and hold something the format cannot
    /// (a fieldset's fields, rich text), described for a warning.
    pub left_out: Vec<String>,
}

/// Tell a form's rows apart: lead fields are fields; the `Profiling`
/// fieldset (`dataType` `profiling`), other fieldsets (`fieldset`, or any
/// row listing `fields`) and rich-text rows (`htmltext`) are not, neither
/// in the form's `fields` nor in `requires.fields`. The format has no
/// fieldsets and no rich text in forms: one that holds something is
/// reported.
pub fn form(rows: &[FormField]) -> FormFields {
    let mut out = FormFields::default();
    for row in rows {
        let kind = row.data_type.trim().to_ascii_lowercase();
        let shown = if row.label.trim().is_empty() {
            &row.id
        } else {
            &row.label
        };
        if kind == "profiling" || kind == "fieldset" || !row.fields.is_empty() {
            if !row.fields.is_empty() {
                out.left_out.push(format!(
                    "fieldset \"{}\" ({}) is left out with its fields {}: the format has no fieldsets",
                    shown.trim(),
                    row.data_type,
                    row.fields.join(", ")
                ));
            }
        } else if kind == "htmltext" || kind == "richtext" {
            if !row.text.trim().is_empty() {
                out.left_out.push(format!(
                    "a rich-text row ({}) is left out: the format's forms hold fields only",
                    row.id
                ));
            }
        } else if !row.id.trim().is_empty() {
            out.fields.push(row.id.clone());
        }
    }
    out
}

/// An email's settings (spec 12): who it comes from, where replies go,
/// whether it is operational.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct EmailSettings {
    pub from_name: Option<String>,
    pub from_email: Option<String>,
    pub reply_email: Option<String>,
    pub operational: Option<bool>,
    /// The format's names of the settings that are dynamic content (a
    /// segmentation's values, not one value): left out.
    pub dynamic: Vec<&'static str>,
}

/// The settings of an email record: each of `fromName`, `fromEmail` and
/// `replyEmail` is `{"type": "Text", "value": ...}`, a plain string or
/// `null`; absent, `null` and empty ones are left out, and so are dynamic
/// ones (`{"type": "DynamicContent", "value": <segmentation>}`), which
/// [`EmailSettings::dynamic`] names.
pub fn email_settings(e: &Email) -> EmailSettings {
    let mut out = EmailSettings {
        operational: e.operational,
        ..EmailSettings::default()
    };
    let mut read = |key: &'static str, h: &Option<HeaderField>| -> Option<String> {
        let h = h.as_ref()?;
        if h.is_dynamic() {
            out.dynamic.push(key);
            return None;
        }
        h.text()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_string)
    };
    let from_name = read("from_name", &e.from_name);
    let from_email = read("from_email", &e.from_email);
    let reply_email = read("reply_email", &e.reply_email);
    out.from_name = from_name;
    out.from_email = from_email;
    out.reply_email = reply_email;
    out
}

/// A snippet's HTML: its `HTML` section's content, else a dynamic
/// section's `default` (never its content id); `None` when it has sections
/// but neither (an empty answer is an empty snippet). The `Text` section is
/// the plain-text version.
pub fn snippet(sections: &[SnippetSection]) -> Option<String> {
    if sections.is_empty() {
        return Some(String::new());
    }
    let html = sections
        .iter()
        .filter(|s| s.kind.eq_ignore_ascii_case("HTML"))
        .find_map(|s| match &s.content {
            Value::String(t) => Some(t.clone()),
            Value::Object(m) => m.get("content").and_then(Value::as_str).map(str::to_string),
            _ => None,
        });
    html.or_else(|| {
        sections
            .iter()
            .filter(|s| s.kind.eq_ignore_ascii_case("DynamicContent"))
            .find_map(|s| s.content.get("default").and_then(Value::as_str))
            .map(str::to_string)
    })
}

/// An id given as a number, a string, or `{"content"|"id"|"value": id}`.
fn reference(v: &Value) -> Option<u64> {
    match v {
        Value::Object(map) => ["content", "id", "value", "snippetId", "formId"]
            .iter()
            .find_map(|k| map.get(*k).and_then(id_of)),
        other => id_of(other),
    }
}

/// The design-studio file a URL points at: by exact URL, else by the last
/// path segment (Marketo serves files under `/rs/<munchkin>/images/<name>`
/// on several domains).
fn file_for(url: &str, lookup: &Lookup) -> Option<String> {
    let url = url.trim();
    if let Some(name) = lookup.file_urls.get(url) {
        return Some(name.clone());
    }
    let path = url.split(['?', '#']).next().unwrap_or(url);
    let last = path.rsplit('/').next()?;
    if last.is_empty() || !last.contains('.') {
        return None;
    }
    lookup
        .file_names
        .get(&names::key(&percent_decode(last)))
        .cloned()
}

/// The files an HTML text refers to (in `src`, `href`, `background` and
/// CSS `url(...)`).
pub fn images_in(html: &str, lookup: &Lookup) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let lower = html.to_ascii_lowercase();
    for marker in ["src=", "href=", "background=", "url("] {
        let mut from = 0;
        while let Some(at) = lower[from..].find(marker) {
            let start = from + at + marker.len();
            from = start;
            let rest = &html[start..];
            let value = match rest.chars().next() {
                Some(q @ ('"' | '\'')) => rest[1..].split(q).next().unwrap_or(""),
                _ => rest
                    .split(|c: char| c.is_whitespace() || c == '>' || c == ')')
                    .next()
                    .unwrap_or(""),
            };
            if let Some(name) = file_for(value, lookup) {
                out.insert(name);
            }
        }
    }
    out
}

/// Decode `%XX` escapes (invalid ones are kept as written).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(b) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// What a campaign's smart list says about the campaign.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CampaignRules {
    pub triggers: Vec<String>,
    pub filters: Vec<String>,
    /// Lead fields the rules use (display names).
    pub fields: BTreeSet<String>,
    pub custom_objects: BTreeSet<String>,
    pub custom_activities: BTreeSet<String>,
}

/// Names the rules are matched against.
#[derive(Debug, Default)]
pub struct Schema {
    /// Field display name key → display name.
    pub fields: BTreeMap<String, String>,
    pub custom_objects: Vec<String>,
    /// (trigger name, filter name, activity name) of custom activities.
    pub custom_activities: Vec<(String, String, String)>,
}

/// Read a smart list's rules. A rule named after a lead field (Marketo
/// names field filters after the field) uses that field; a rule naming a
/// custom object ("Has Subscription", "Added to Subscription") uses it; a
/// rule named after a custom activity's trigger or filter uses it.
pub fn campaign(list: &SmartList, schema: &Schema) -> CampaignRules {
    let mut out = CampaignRules::default();
    let Some(rules) = &list.rules else {
        return out;
    };
    let mut seen = BTreeSet::new();
    for rule in &rules.triggers {
        if !rule.name.is_empty() && seen.insert(("t", names::key(&rule.name))) {
            out.triggers.push(rule.name.clone());
        }
    }
    for rule in &rules.filters {
        if !rule.name.is_empty() && seen.insert(("f", names::key(&rule.name))) {
            out.filters.push(rule.name.clone());
        }
    }
    for rule in rules.triggers.iter().chain(&rules.filters) {
        for name in [&rule.name, &rule.rule_type] {
            if let Some(field) = schema.fields.get(&names::key(name)) {
                out.fields.insert(field.clone());
            }
        }
        let lower = rule.name.to_lowercase();
        for object in &schema.custom_objects {
            let o = object.to_lowercase();
            if !o.is_empty()
                && (lower == o
                    || lower.ends_with(&format!(" {o}"))
                    || lower.starts_with(&format!("{o} ")))
            {
                out.custom_objects.insert(object.clone());
            }
        }
        for (trigger, filter, name) in &schema.custom_activities {
            if [trigger, filter, name]
                .iter()
                .any(|n| !n.is_empty() && names::same(n, &rule.name))
            {
                out.custom_activities.insert(name.clone());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests;
