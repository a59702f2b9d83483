//! What an email, a landing page or a smart list holds, read from the
//! sections the API returns.
//!
//! An email's or a page's content is a list of sections (the editable
//! parts of its template): text and HTML sections carry HTML, a snippet
//! section names a snippet by id, a dynamic-content section names a
//! segmentation and carries its default content, a form section names a
//! form by id. The snapshot's `html` is the HTML of the text, HTML and
//! dynamic (default) sections in the order the API gives them; the rest of
//! the page is its template, pulled into the design studio. Images are the
//! design-studio files whose URL (or file name) the HTML or an image
//! section refers to.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::Value;

use super::api::{id_of, EmailSection, PageSection, SmartList};
use crate::names;

/// Names by id and files by URL, for resolving references.
#[derive(Debug, Default)]
pub struct Lookup {
    pub snippets: HashMap<u64, String>,
    pub segmentations: HashMap<u64, String>,
    /// Forms by id (local and global).
    pub forms: HashMap<u64, String>,
    /// Design-studio files: exact URL → name, and name key → name.
    pub file_urls: HashMap<String, String>,
    pub file_names: HashMap<String, String>,
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
    /// References to ids the instance did not list (for warnings).
    pub unknown: Vec<String>,
}

impl Derived {
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

    fn add_snippet(&mut self, v: &Value, lookup: &Lookup) {
        match reference(v) {
            Some(id) => match lookup.snippets.get(&id) {
                Some(name) => {
                    self.snippets.insert(name.clone());
                }
                None => self.unknown.push(format!("snippet {id}")),
            },
            None => self.unknown.push("a snippet section without an id".into()),
        }
    }

    fn add_dynamic(&mut self, v: &Value, lookup: &Lookup) {
        self.dynamic_content = true;
        let segmentation = match v {
            Value::Object(map) => ["segmentation", "segmentationId", "value"]
                .iter()
                .find_map(|k| map.get(*k).and_then(id_of)),
            other => id_of(other),
        };
        if let Some(id) = segmentation {
            match lookup.segmentations.get(&id) {
                Some(name) => {
                    self.segmentations.insert(name.clone());
                }
                None => self.unknown.push(format!("segmentation {id}")),
            }
        }
        if let Some(default) = v
            .get("default")
            .or_else(|| v.get("content"))
            .and_then(Value::as_str)
        {
            self.add_html(default, lookup);
        }
    }

    fn add_image(&mut self, v: &Value, lookup: &Lookup) {
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
}

/// An email's content sections.
pub fn email(sections: &[EmailSection], lookup: &Lookup) -> Derived {
    let mut out = Derived::default();
    for section in sections {
        match section.content_type.to_ascii_lowercase().as_str() {
            "text" | "html" | "richtext" => {
                if let Some(html) = text(&section.value) {
                    out.add_html(&html, lookup);
                }
            }
            "dynamiccontent" => out.add_dynamic(&section.value, lookup),
            "snippet" => out.add_snippet(&section.value, lookup),
            "image" => out.add_image(&section.value, lookup),
            _ => {}
        }
    }
    out
}

/// A landing page's content sections.
pub fn landing_page(sections: &[PageSection], lookup: &Lookup) -> Derived {
    let mut out = Derived::default();
    for section in sections {
        match section.kind.to_ascii_lowercase().as_str() {
            "richtext" | "html" | "text" => {
                if let Some(html) = text(&section.content) {
                    out.add_html(&html, lookup);
                }
            }
            "dynamiccontent" => out.add_dynamic(&section.content, lookup),
            "snippet" => out.add_snippet(&section.content, lookup),
            "image" => out.add_image(&section.content, lookup),
            "form" => match reference(&section.content) {
                Some(id) => match lookup.forms.get(&id) {
                    Some(name) => {
                        out.forms.insert(name.clone());
                    }
                    None => out.unknown.push(format!("form {id}")),
                },
                None => out.unknown.push("a form section without an id".into()),
            },
            _ => {}
        }
    }
    out
}

/// A section's HTML: a string, or `{"content"|"value": string}`.
fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Object(map) => ["content", "value", "html"]
            .iter()
            .find_map(|k| map.get(*k).and_then(Value::as_str))
            .map(str::to_string),
        _ => None,
    }
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
mod tests {
    use super::*;
    use serde_json::json;

    fn lookup() -> Lookup {
        let mut l = Lookup::default();
        l.snippets.insert(5, "Standard Footer".into());
        l.segmentations.insert(9, "Language".into());
        l.forms.insert(30, "Webinar Form".into());
        l.file_urls
            .insert("http://sim/rs/1/images/hero.png".into(), "hero.png".into());
        l.file_names.insert("hero.png".into(), "hero.png".into());
        l.file_names
            .insert("logo 2.png".into(), "Logo 2.png".into());
        l
    }

    fn sections(v: Value) -> Vec<EmailSection> {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn email_sections() {
        let s = sections(json!([
            {"htmlId": "body", "contentType": "Text",
             "value": "<p>Hi</p><img src=\"https://go.acme.example/rs/1/images/hero.png?v=2\"><img src='x/Logo%202.png'>"},
            {"htmlId": "footer", "contentType": "Snippet", "value": 5},
            {"htmlId": "dyn", "contentType": "DynamicContent",
             "value": {"type": "DynamicContent", "segmentation": "9", "default": "<p>{{my.X}}</p>"}},
            {"htmlId": "mod", "contentType": "Module"},
            {"htmlId": "gone", "contentType": "Snippet", "value": "77"}
        ]));
        let d = email(&s, &lookup());
        assert!(d.html.starts_with("<p>Hi</p>"));
        assert!(d.html.ends_with("<p>{{my.X}}</p>"));
        assert_eq!(
            d.images.iter().cloned().collect::<Vec<_>>(),
            ["Logo 2.png", "hero.png"]
        );
        assert_eq!(d.snippets.iter().collect::<Vec<_>>(), ["Standard Footer"]);
        assert_eq!(d.segmentations.iter().collect::<Vec<_>>(), ["Language"]);
        assert!(d.dynamic_content);
        assert_eq!(d.unknown, ["snippet 77"]);
    }

    #[test]
    fn a_single_text_section_is_the_html_exactly() {
        let html = "<!DOCTYPE html>\n<html>\n<body>{{my.A}}</body>\n</html>\n";
        let d = email(
            &sections(json!([{"htmlId": "b", "contentType": "Text", "value": html}])),
            &lookup(),
        );
        assert_eq!(d.html, html);
        assert!(!d.dynamic_content);
    }

    #[test]
    fn page_sections() {
        let s: Vec<PageSection> = serde_json::from_value(json!([
            {"id": "1", "type": "HTML", "content": "<div>x</div>"},
            {"id": 2, "type": "Form", "content": {"content": "30", "contentType": "Form"}},
            {"id": 3, "type": "Image", "content": "http://sim/rs/1/images/hero.png"},
        ]))
        .unwrap();
        let d = landing_page(&s, &lookup());
        assert_eq!(d.html, "<div>x</div>");
        assert_eq!(d.forms.iter().collect::<Vec<_>>(), ["Webinar Form"]);
        assert_eq!(d.images.iter().collect::<Vec<_>>(), ["hero.png"]);
    }

    #[test]
    fn smart_list_rules() {
        let list: SmartList = serde_json::from_value(json!({
            "rules": {"filterMatchType": "All",
              "triggers": ["Fills Out Form",
                           {"name": "Webinar Attended", "ruleType": "x", "conditions": []}],
              "filters": [{"name": "Lead Score", "ruleType": "Lead Score", "conditions": []},
                          {"name": "Has Subscription", "ruleType": "Has Subscription", "conditions": []}]}
        }))
        .unwrap();
        let mut schema = Schema::default();
        schema
            .fields
            .insert("lead score".into(), "Lead Score".into());
        schema.custom_objects.push("Subscription".into());
        schema.custom_activities.push((
            "Webinar Attended".into(),
            "Attended Webinar".into(),
            "Webinar Attendance".into(),
        ));
        let r = campaign(&list, &schema);
        assert_eq!(r.triggers, ["Fills Out Form", "Webinar Attended"]);
        assert_eq!(r.filters, ["Lead Score", "Has Subscription"]);
        assert_eq!(r.fields.iter().collect::<Vec<_>>(), ["Lead Score"]);
        assert_eq!(
            r.custom_objects.iter().collect::<Vec<_>>(),
            ["Subscription"]
        );
        assert_eq!(
            r.custom_activities.iter().collect::<Vec<_>>(),
            ["Webinar Attendance"]
        );
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("a%20b%2Fc"), "a b/c");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
    }
}
