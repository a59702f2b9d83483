//! An instance read from a subscription directory in mkimport's format
//! (read here as plain JSON, apart from mkimport's own reading): the
//! schema of `subscription.json`, the design studio, the folders with
//! their tokens, and the stored programs, laid out as Marketo holds them.

use std::fs;
use std::path::Path;

use serde_json::{json, Value};

use crate::model::{Id, Instance, Parent, Rule, Section, Sender, Status, Token};

impl Instance {
    /// Build an instance from a subscription directory in mkimport's
    /// format: the schema of `subscription.json`, the design studio, the
    /// folders with their tokens, and the stored programs, laid out as
    /// Marketo holds them (email and page content as sections, campaign
    /// references as smart-list rules). What Marketo's API cannot show
    /// (webhooks, users, roles, the campaigns' flow) is dropped.
    pub fn from_subscription(dir: &Path, munchkin: &str) -> Result<Instance, String> {
        let mut i = Instance::new(munchkin);
        let read_json = |path: &Path| -> Result<Value, String> {
            let text = fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
            serde_json::from_slice(&text).map_err(|e| format!("{}: {e}", path.display()))
        };
        let sub = read_json(&dir.join("subscription.json"))?;
        for f in array(&sub["fields"]) {
            let name = text(&f["name"]);
            if name.is_empty() {
                continue;
            }
            let api = f["api_name"].as_str();
            let kind = f["type"].as_str().unwrap_or("string");
            i.add_field(&name, api, kind);
        }
        for s in array(&sub["segmentations"]) {
            i.add_segmentation(&text(s));
        }
        for o in array(&sub["custom_objects"]) {
            i.add_custom_object(&text(o));
        }
        for a in array(&sub["custom_activities"]) {
            i.add_custom_activity(&text(a));
        }
        for c in array(&sub["channels"]) {
            let statuses: Vec<String> = array(&c["statuses"]).iter().map(text).collect();
            let refs: Vec<&str> = statuses.iter().map(String::as_str).collect();
            i.add_channel(&text(&c["name"]), &refs);
        }
        if let Some(tags) = sub["tags"].as_object() {
            for (t, values) in tags {
                let values: Vec<String> = array(values).iter().map(text).collect();
                let refs: Vec<&str> = values.iter().map(String::as_str).collect();
                i.add_tag_type(t, &refs);
            }
        }

        let studio = dir.join("design-studio");
        for (sub_dir, kind) in [
            ("email-templates", 0),
            ("landing-page-templates", 1),
            ("snippets", 2),
            ("forms", 3),
        ] {
            for path in files_in(&studio.join(sub_dir))? {
                if !path.to_string_lossy().to_lowercase().ends_with(".json") {
                    continue;
                }
                let doc = read_json(&path)?;
                let name = text(&doc["name"]);
                let html = text(&doc["html"]);
                match kind {
                    0 => {
                        i.add_email_template(&name, &html);
                    }
                    1 => {
                        i.add_landing_page_template(&name, &html);
                    }
                    2 => {
                        i.add_snippet(&name, &html);
                    }
                    _ => {
                        let fields: Vec<String> = array(&doc["fields"]).iter().map(text).collect();
                        let refs: Vec<&str> = fields.iter().map(String::as_str).collect();
                        i.add_form(None, &name, &refs);
                    }
                }
            }
        }
        for path in files_in(&studio.join("images"))? {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if name.starts_with('.') || name == "Thumbs.db" {
                continue;
            }
            let bytes = fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            i.add_file(&name, bytes);
        }

        let ma = dir.join("marketing-activities");
        if ma.is_dir() {
            i.load_folder(&ma, "", &read_json)?;
        }
        Ok(i)
    }

    fn load_folder(
        &mut self,
        dir: &Path,
        path: &str,
        read_json: &dyn Fn(&Path) -> Result<Value, String>,
    ) -> Result<(), String> {
        let mut entries: Vec<_> = fs::read_dir(dir)
            .map_err(|e| format!("{}: {e}", dir.display()))?
            .filter_map(Result::ok)
            .collect();
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let p = entry.path();
            if !entry.file_type().map(|t| t.is_dir()).unwrap_or(false) {
                continue;
            }
            let name = entry.file_name().to_string_lossy().into_owned();
            if name == ".mkimport" {
                continue;
            }
            let program_file = p.join("program.json");
            if program_file.is_file() {
                let folder = if path.is_empty() {
                    self.workspace
                } else {
                    self.add_folder(path)
                };
                let doc = read_json(&program_file)?;
                self.load_program(folder, &doc);
                continue;
            }
            let sub_path = if path.is_empty() {
                name.clone()
            } else {
                format!("{path}/{name}")
            };
            let folder = self.add_folder(&sub_path);
            let folder_file = p.join("folder.json");
            if folder_file.is_file() {
                let doc = read_json(&folder_file)?;
                let tokens = array(&doc["tokens"]).iter().map(token_of).collect();
                self.set_folder_tokens(folder, tokens);
            }
            self.load_folder(&p, &sub_path, read_json)?;
        }
        Ok(())
    }

    fn load_program(&mut self, folder: Id, doc: &Value) {
        let info = &doc["program"];
        let kind = match text(&info["type"]).to_lowercase().as_str() {
            "event" => "Event",
            "email" => "Email",
            "engagement" => "Engagement",
            _ => "Default",
        };
        let id = self.add_program(
            Parent::Folder(folder),
            &text(&info["name"]),
            kind,
            &text(&info["channel"]),
        );
        let tokens: Vec<Token> = array(&doc["tokens"])
            .iter()
            .filter(|t| t["inherited_from"].is_null())
            .map(token_of)
            .collect();
        if let Some(p) = self.programs.get_mut(&id) {
            p.description = text(&info["description"]);
            if let Some(tags) = info["tags"].as_object() {
                p.tags = tags.iter().map(|(t, v)| (t.clone(), text(v))).collect();
            }
            p.tokens = tokens;
        }
        // Local forms first: pages refer to them.
        for f in array(&doc["forms"]) {
            let fields: Vec<String> = array(&f["fields"]).iter().map(text).collect();
            let refs: Vec<&str> = fields.iter().map(String::as_str).collect();
            let form = self.add_form(Some(id), &text(&f["name"]), &refs);
            self.set_status(form, status_of(f));
        }
        for e in array(&doc["emails"]) {
            let mut sections = vec![Section::new("body", "Text", json!(text(&e["html"])))];
            sections.extend(self.reference_sections(e, id, false));
            let template = e["template"]
                .as_str()
                .and_then(|t| self.email_template_named(t));
            let email = self.add_email(
                id,
                &text(&e["name"]),
                template,
                &text(&e["subject"]),
                sections,
            );
            let sender = Sender {
                from_name: e["from_name"].as_str().map(str::to_string),
                from_email: e["from_email"].as_str().map(str::to_string),
                reply_email: e["reply_email"].as_str().map(str::to_string),
            };
            let operational = e["operational"].as_bool().unwrap_or(false);
            self.set_email_sender(email, sender, operational);
            self.set_status(email, status_of(e));
        }
        for l in array(&doc["landing_pages"]) {
            let mut sections = vec![Section::new("1", "HTML", json!(text(&l["html"])))];
            sections.extend(self.reference_sections(l, id, true));
            let template = l["template"]
                .as_str()
                .and_then(|t| self.landing_page_template_named(t));
            let page = self.add_landing_page(id, &text(&l["name"]), template, sections);
            self.set_status(page, status_of(l));
        }
        for c in array(&doc["smart_campaigns"]) {
            let triggers: Vec<Rule> = array(&c["triggers"])
                .iter()
                .map(|t| Rule::new(&text(t)))
                .collect();
            let mut filters: Vec<Rule> = array(&c["filters"])
                .iter()
                .map(|t| Rule::new(&text(t)))
                .collect();
            // Marketo names a field filter after the field.
            filters.extend(array(&c["fields"]).iter().map(|f| Rule::new(&text(f))));
            filters.extend(
                array(&c["custom_objects"])
                    .iter()
                    .map(|o| Rule::new(&format!("Has {}", text(o)))),
            );
            let kind = if text(&c["type"]).eq_ignore_ascii_case("trigger") {
                "trigger"
            } else {
                "batch"
            };
            self.add_campaign(
                id,
                &text(&c["name"]),
                kind,
                c["active"].as_bool().unwrap_or(false),
                c["schedule"].as_str(),
                triggers,
                filters,
            );
        }
    }

    /// Snippet, dynamic-content and form sections for an email or page of
    /// the format.
    fn reference_sections(&self, asset: &Value, program: Id, page: bool) -> Vec<Section> {
        let mut out = Vec::new();
        for (n, s) in array(&asset["snippets"]).iter().enumerate() {
            if let Some(id) = self.snippet_named(&text(s)) {
                let value = if page {
                    json!({"content": id.to_string(), "contentType": "Snippet"})
                } else {
                    json!(id)
                };
                out.push(Section::new(&format!("snippet-{n}"), "Snippet", value));
            }
        }
        let mut segmentations: Vec<Id> = array(&asset["segmentations"])
            .iter()
            .filter_map(|s| self.segmentation_named(&text(s)))
            .collect();
        if asset["dynamic_content"].as_bool() == Some(true) && segmentations.is_empty() {
            if let Some(first) = self.segmentations.keys().next() {
                segmentations.push(*first);
            }
        }
        for (n, id) in segmentations.iter().enumerate() {
            out.push(Section::new(
                &format!("dynamic-{n}"),
                "DynamicContent",
                json!({"type": "DynamicContent", "segmentation": id, "default": ""}),
            ));
        }
        if page {
            for (n, f) in array(&asset["forms"]).iter().enumerate() {
                if let Some(id) = self.form_named(Some(program), &text(f)) {
                    out.push(Section::new(
                        &format!("form-{n}"),
                        "Form",
                        json!({"content": id.to_string(), "contentType": "Form"}),
                    ));
                }
            }
        }
        out
    }
}

/// An asset's `status` (format v3): `approved` or `draft`; an asset
/// without one was approved in the instance it describes.
fn status_of(asset: &Value) -> Status {
    asset["status"]
        .as_str()
        .and_then(Status::parse)
        .unwrap_or(Status::Approved)
}

fn array(v: &Value) -> &[Value] {
    v.as_array().map(Vec::as_slice).unwrap_or(&[])
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// A token of the format as Marketo holds it.
fn token_of(t: &Value) -> Token {
    let name = text(&t["name"]);
    let name = name.strip_prefix("my.").unwrap_or(&name).to_string();
    let kind = match text(&t["type"]).as_str() {
        "rich-text" => "rich text".to_string(),
        "calendar" => "iCalendar".to_string(),
        "script" => "script block".to_string(),
        other => other.to_string(),
    };
    Token {
        name,
        kind,
        value: t["value"].clone(),
    }
}

fn files_in(dir: &Path) -> Result<Vec<std::path::PathBuf>, String> {
    let read = match fs::read_dir(dir) {
        Ok(r) => r,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(format!("{}: {e}", dir.display())),
    };
    let mut out: Vec<_> = read
        .filter_map(Result::ok)
        .filter(|e| e.file_type().map(|t| t.is_file()).unwrap_or(false))
        .map(|e| e.path())
        .collect();
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Format v3's email settings and statuses reach the instance.
    #[test]
    fn email_settings_and_statuses_are_read() {
        let dir = std::env::temp_dir().join(format!("marketo-sim-v3-{}", std::process::id()));
        let program = dir.join("marketing-activities/Webinars/Spring");
        fs::create_dir_all(&program).unwrap();
        fs::write(dir.join("subscription.json"), r#"{"fields": []}"#).unwrap();
        let doc = json!({
            "program": {"name": "Spring", "type": "default", "channel": "Webinar"},
            "emails": [
                {"name": "Invite", "subject": "Hi", "html": "<p>Hi</p>",
                 "from_name": "Events", "from_email": "events@acme.example",
                 "reply_email": "reply@acme.example", "operational": true, "status": "draft"},
                {"name": "Plain", "subject": "Hi", "html": "<p>Hi</p>"}
            ],
            "landing_pages": [{"name": "Register", "html": "<p/>", "status": "draft"}],
            "forms": [{"name": "Survey", "fields": [], "status": "approved"}]
        });
        fs::write(program.join("program.json"), doc.to_string()).unwrap();
        let i = Instance::from_subscription(&dir, "123-ABC-456");
        fs::remove_dir_all(&dir).unwrap();
        let i = i.unwrap();
        let email = |name: &str| i.emails.values().find(|e| e.name == name).unwrap();
        let invite = email("Invite");
        assert_eq!(invite.sender.from_name.as_deref(), Some("Events"));
        assert_eq!(
            invite.sender.from_email.as_deref(),
            Some("events@acme.example")
        );
        assert_eq!(
            invite.sender.reply_email.as_deref(),
            Some("reply@acme.example")
        );
        assert!(invite.operational);
        assert_eq!(invite.status, Status::Draft);
        // Without the keys: no sender (`null`), approved.
        let plain = email("Plain");
        assert_eq!(plain.sender, Sender::default());
        assert!(!plain.operational);
        assert_eq!(plain.status, Status::Approved);
        let page = i.landing_pages.values().next().unwrap();
        assert_eq!(page.status, Status::Draft);
        let form = i.forms.values().find(|f| f.name == "Survey").unwrap();
        assert_eq!(form.status, Status::Approved);
    }
}
