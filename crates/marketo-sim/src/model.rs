//! The simulated instance: folders, programs, assets and schema, with ids
//! and `updatedAt`, built in Rust or read from a subscription directory
//! (the mkimport format, read here as plain JSON).
//!
//! Everything is mutable, so tests change an instance between two pulls and
//! write endpoints can be added on the same model. Every change goes
//! through [`Instance::touch`], which moves the clock and the asset's
//! `updatedAt`.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use serde_json::{json, Value};

pub type Id = u64;

/// A parent: a folder or a program.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Parent {
    Folder(Id),
    Program(Id),
}

impl Parent {
    pub fn id(self) -> Id {
        match self {
            Parent::Folder(id) | Parent::Program(id) => id,
        }
    }

    pub fn kind(self) -> &'static str {
        match self {
            Parent::Folder(_) => "Folder",
            Parent::Program(_) => "Program",
        }
    }
}

/// A My Token, named as the API names it (without `my.`).
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    pub name: String,
    /// Marketo's type name ("text", "rich text", "date", "iCalendar", ...).
    pub kind: String,
    pub value: Value,
}

impl Token {
    pub fn new(name: &str, kind: &str, value: &str) -> Token {
        Token {
            name: name.to_string(),
            kind: kind.to_string(),
            value: Value::String(value.to_string()),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Folder {
    pub id: Id,
    pub name: String,
    pub parent: Option<Parent>,
    /// "Zone", "Marketing Folder", or a design-studio type ("Email
    /// Template", "Snippet", ...).
    pub folder_type: String,
    pub tokens: Vec<Token>,
    pub updated_at: String,
}

#[derive(Debug, Clone)]
pub struct Program {
    pub id: Id,
    pub name: String,
    pub description: String,
    /// "Default", "Event", "Event with Webinar", "Engagement", "Email".
    pub kind: String,
    pub channel: String,
    pub parent: Parent,
    pub tags: Vec<(String, String)>,
    pub tokens: Vec<Token>,
    pub updated_at: String,
}

/// A section of an email's content (`htmlId`, `contentType`, `value`).
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    pub id: String,
    pub kind: String,
    pub value: Value,
}

impl Section {
    pub fn new(id: &str, kind: &str, value: Value) -> Section {
        Section {
            id: id.to_string(),
            kind: kind.to_string(),
            value,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Email {
    pub id: Id,
    pub name: String,
    pub parent: Parent,
    pub template: Option<Id>,
    pub subject: String,
    pub sections: Vec<Section>,
    pub status: String,
    pub updated_at: String,
}

#[derive(Debug, Clone)]
pub struct LandingPage {
    pub id: Id,
    pub name: String,
    pub parent: Parent,
    pub template: Option<Id>,
    /// Sections: `id`, `type` (RichText, HTML, Form, Image, Snippet,
    /// DynamicContent) and `content`.
    pub sections: Vec<Section>,
    pub status: String,
    pub updated_at: String,
}

#[derive(Debug, Clone)]
pub struct FormField {
    /// The lead field's API name.
    pub api_name: String,
    pub label: String,
    pub data_type: String,
}

#[derive(Debug, Clone)]
pub struct Form {
    pub id: Id,
    pub name: String,
    pub parent: Parent,
    pub fields: Vec<FormField>,
    pub status: String,
    pub updated_at: String,
}

/// A smart-list rule (trigger or filter).
#[derive(Debug, Clone)]
pub struct Rule {
    pub name: String,
    pub rule_type: String,
}

impl Rule {
    pub fn new(name: &str) -> Rule {
        Rule {
            name: name.to_string(),
            rule_type: name.to_string(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Campaign {
    pub id: Id,
    pub name: String,
    pub parent: Parent,
    /// "batch" or "trigger".
    pub kind: String,
    pub active: bool,
    pub schedule: Option<String>,
    pub triggers: Vec<Rule>,
    pub filters: Vec<Rule>,
    pub smart_list_id: Id,
    pub updated_at: String,
}

/// An email template, landing page template or snippet.
#[derive(Debug, Clone)]
pub struct Design {
    pub id: Id,
    pub name: String,
    pub parent: Parent,
    pub html: String,
    pub status: String,
    pub updated_at: String,
}

#[derive(Debug, Clone)]
pub struct File {
    pub id: Id,
    pub name: String,
    pub parent: Parent,
    pub mime_type: String,
    pub bytes: Vec<u8>,
    pub updated_at: String,
}

#[derive(Debug, Clone)]
pub struct Channel {
    pub id: Id,
    pub name: String,
    pub program_type: String,
    pub statuses: Vec<String>,
    pub updated_at: String,
}

#[derive(Debug, Clone)]
pub struct TagType {
    pub name: String,
    pub values: Vec<String>,
    pub required: bool,
}

#[derive(Debug, Clone)]
pub struct Segmentation {
    pub id: Id,
    pub name: String,
    pub segments: Vec<String>,
    pub updated_at: String,
}

#[derive(Debug, Clone)]
pub struct LeadField {
    pub id: Id,
    pub api_name: String,
    pub display_name: String,
    pub data_type: String,
}

#[derive(Debug, Clone)]
pub struct CustomObject {
    pub api_name: String,
    pub display_name: String,
}

#[derive(Debug, Clone)]
pub struct CustomActivity {
    pub id: Id,
    pub api_name: String,
    pub name: String,
    pub trigger_name: String,
    pub filter_name: String,
}

/// A whole instance.
#[derive(Debug, Clone)]
pub struct Instance {
    pub munchkin: String,
    /// The Marketing Activities root, and the workspace zone below it.
    pub ma_root: Id,
    pub workspace: Id,
    pub ds_root: Id,
    /// Design-studio folders by folder type.
    pub ds_folders: BTreeMap<String, Id>,
    pub folders: BTreeMap<Id, Folder>,
    pub programs: BTreeMap<Id, Program>,
    pub emails: BTreeMap<Id, Email>,
    pub landing_pages: BTreeMap<Id, LandingPage>,
    pub forms: BTreeMap<Id, Form>,
    pub campaigns: BTreeMap<Id, Campaign>,
    pub email_templates: BTreeMap<Id, Design>,
    pub landing_page_templates: BTreeMap<Id, Design>,
    pub snippets: BTreeMap<Id, Design>,
    pub files: BTreeMap<Id, File>,
    pub channels: BTreeMap<Id, Channel>,
    pub tag_types: Vec<TagType>,
    pub segmentations: BTreeMap<Id, Segmentation>,
    pub fields: Vec<LeadField>,
    pub custom_objects: Vec<CustomObject>,
    pub custom_activities: Vec<CustomActivity>,
    next_id: Id,
    /// Seconds since 1970 of the last change.
    clock: u64,
}

/// Marketo's date-time spelling ("2015-05-21T22:45:13Z+0000").
pub fn marketo_time(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z+0000",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// A camelCase API name for a display name ("Demographic Score" →
/// "demographicScore"), as Marketo makes for custom fields.
pub fn api_name(display: &str) -> String {
    let mut out = String::new();
    for (i, word) in display
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .enumerate()
    {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            if i == 0 {
                out.extend(first.to_lowercase());
            } else {
                out.extend(first.to_uppercase());
            }
            out.push_str(chars.as_str());
        }
    }
    if out.is_empty() {
        "field".to_string()
    } else {
        out
    }
}

fn key(name: &str) -> String {
    name.trim().to_lowercase()
}

impl Instance {
    /// An empty instance: the Marketing Activities root with one workspace
    /// ("Default"), and the Design Studio with a folder per asset kind.
    pub fn new(munchkin: &str) -> Instance {
        let mut i = Instance {
            munchkin: munchkin.to_string(),
            ma_root: 0,
            workspace: 0,
            ds_root: 0,
            ds_folders: BTreeMap::new(),
            folders: BTreeMap::new(),
            programs: BTreeMap::new(),
            emails: BTreeMap::new(),
            landing_pages: BTreeMap::new(),
            forms: BTreeMap::new(),
            campaigns: BTreeMap::new(),
            email_templates: BTreeMap::new(),
            landing_page_templates: BTreeMap::new(),
            snippets: BTreeMap::new(),
            files: BTreeMap::new(),
            channels: BTreeMap::new(),
            tag_types: Vec::new(),
            segmentations: BTreeMap::new(),
            fields: Vec::new(),
            custom_objects: Vec::new(),
            custom_activities: Vec::new(),
            next_id: 1000,
            // 2026-01-01T00:00:00Z
            clock: 1_767_225_600,
        };
        i.ma_root = i.raw_folder("Marketing Activities", None, "Zone");
        i.workspace = i.raw_folder("Default", Some(Parent::Folder(i.ma_root)), "Zone");
        i.ds_root = i.raw_folder("Design Studio", None, "Zone");
        for (name, kind) in [
            ("Email Templates", "Email Template"),
            ("Landing Page Templates", "Landing Page Template"),
            ("Forms", "Landing Page Form"),
            ("Snippets", "Snippet"),
            ("Images and Files", "Image"),
            ("Emails", "Email"),
        ] {
            let id = i.raw_folder(name, Some(Parent::Folder(i.ds_root)), kind);
            i.ds_folders.insert(kind.to_string(), id);
        }
        i
    }

    /// A fresh id.
    pub fn next_id(&mut self) -> Id {
        self.next_id += 1;
        self.next_id
    }

    /// Move the clock and return the new time stamp.
    pub fn tick(&mut self) -> String {
        self.clock += 1;
        marketo_time(self.clock)
    }

    fn raw_folder(&mut self, name: &str, parent: Option<Parent>, kind: &str) -> Id {
        let id = self.next_id();
        let at = self.tick();
        self.folders.insert(
            id,
            Folder {
                id,
                name: name.to_string(),
                parent,
                folder_type: kind.to_string(),
                tokens: Vec::new(),
                updated_at: at,
            },
        );
        id
    }

    fn ds_folder(&self, kind: &str) -> Parent {
        Parent::Folder(self.ds_folders[kind])
    }

    /// The campaign folder at a `/`-separated path below the workspace,
    /// created with its parents when missing.
    pub fn add_folder(&mut self, path: &str) -> Id {
        let mut at = self.workspace;
        for part in path.split('/').map(str::trim).filter(|p| !p.is_empty()) {
            let existing = self
                .folders
                .values()
                .find(|f| f.parent == Some(Parent::Folder(at)) && f.name == part)
                .map(|f| f.id);
            at = match existing {
                Some(id) => id,
                None => self.raw_folder(part, Some(Parent::Folder(at)), "Marketing Folder"),
            };
        }
        at
    }

    pub fn set_folder_tokens(&mut self, folder: Id, tokens: Vec<Token>) {
        let at = self.tick();
        if let Some(f) = self.folders.get_mut(&folder) {
            f.tokens = tokens;
            f.updated_at = at;
        }
    }

    pub fn add_program(&mut self, folder: Parent, name: &str, kind: &str, channel: &str) -> Id {
        let id = self.next_id();
        let at = self.tick();
        self.programs.insert(
            id,
            Program {
                id,
                name: name.to_string(),
                description: String::new(),
                kind: kind.to_string(),
                channel: channel.to_string(),
                parent: folder,
                tags: Vec::new(),
                tokens: Vec::new(),
                updated_at: at,
            },
        );
        id
    }

    pub fn program_mut(&mut self, id: Id) -> Option<&mut Program> {
        self.programs.get_mut(&id)
    }

    pub fn add_email(
        &mut self,
        program: Id,
        name: &str,
        template: Option<Id>,
        subject: &str,
        sections: Vec<Section>,
    ) -> Id {
        let id = self.add_email_in(Parent::Program(program), name, template, subject, sections);
        if let Some(email) = self.emails.get_mut(&id) {
            email.status = "approved".into();
        }
        id
    }

    pub fn add_landing_page(
        &mut self,
        program: Id,
        name: &str,
        template: Option<Id>,
        sections: Vec<Section>,
    ) -> Id {
        let id = self.next_id();
        let at = self.tick();
        self.landing_pages.insert(
            id,
            LandingPage {
                id,
                name: name.to_string(),
                parent: Parent::Program(program),
                template,
                sections,
                status: "approved".into(),
                updated_at: at,
            },
        );
        id
    }

    /// A form: global (`program` none: in the design studio) or local.
    pub fn add_form(&mut self, program: Option<Id>, name: &str, fields: &[&str]) -> Id {
        let id = self.next_id();
        let at = self.tick();
        let parent = match program {
            Some(p) => Parent::Program(p),
            None => self.ds_folder("Landing Page Form"),
        };
        let fields = fields
            .iter()
            .map(|display| self.form_field(display))
            .collect();
        self.forms.insert(
            id,
            Form {
                id,
                name: name.to_string(),
                parent,
                fields,
                status: "approved".into(),
                updated_at: at,
            },
        );
        id
    }

    /// A form field for a lead field given by display name (or API name).
    fn form_field(&self, name: &str) -> FormField {
        let field = self
            .fields
            .iter()
            .find(|f| key(&f.display_name) == key(name) || key(&f.api_name) == key(name));
        match field {
            Some(f) => FormField {
                api_name: f.api_name.clone(),
                label: format!("{}:", f.display_name),
                data_type: f.data_type.clone(),
            },
            None => FormField {
                api_name: api_name(name),
                label: format!("{name}:"),
                data_type: "string".into(),
            },
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub fn add_campaign(
        &mut self,
        program: Id,
        name: &str,
        kind: &str,
        active: bool,
        schedule: Option<&str>,
        triggers: Vec<Rule>,
        filters: Vec<Rule>,
    ) -> Id {
        let id = self.next_id();
        let smart_list_id = self.next_id();
        let at = self.tick();
        self.campaigns.insert(
            id,
            Campaign {
                id,
                name: name.to_string(),
                parent: Parent::Program(program),
                kind: kind.to_string(),
                active,
                schedule: schedule.map(str::to_string),
                triggers,
                filters,
                smart_list_id,
                updated_at: at,
            },
        );
        id
    }

    fn design(&mut self, kind: &str, name: &str, html: &str) -> Design {
        let id = self.next_id();
        let at = self.tick();
        Design {
            id,
            name: name.to_string(),
            parent: self.ds_folder(kind),
            html: html.to_string(),
            status: "approved".into(),
            updated_at: at,
        }
    }

    pub fn add_email_template(&mut self, name: &str, html: &str) -> Id {
        let d = self.design("Email Template", name, html);
        let id = d.id;
        self.email_templates.insert(id, d);
        id
    }

    pub fn add_landing_page_template(&mut self, name: &str, html: &str) -> Id {
        let d = self.design("Landing Page Template", name, html);
        let id = d.id;
        self.landing_page_templates.insert(id, d);
        id
    }

    pub fn add_snippet(&mut self, name: &str, html: &str) -> Id {
        let d = self.design("Snippet", name, html);
        let id = d.id;
        self.snippets.insert(id, d);
        id
    }

    pub fn add_file(&mut self, name: &str, bytes: Vec<u8>) -> Id {
        let id = self.next_id();
        let at = self.tick();
        let lower = name.to_lowercase();
        let mime_type = if lower.ends_with(".png") {
            "image/png"
        } else if lower.ends_with(".jpg") || lower.ends_with(".jpeg") {
            "image/jpeg"
        } else if lower.ends_with(".gif") {
            "image/gif"
        } else if lower.ends_with(".pdf") {
            "application/pdf"
        } else {
            "application/octet-stream"
        };
        let parent = self.ds_folder("Image");
        self.files.insert(
            id,
            File {
                id,
                name: name.to_string(),
                parent,
                mime_type: mime_type.to_string(),
                bytes,
                updated_at: at,
            },
        );
        id
    }

    pub fn add_channel(&mut self, name: &str, statuses: &[&str]) -> Id {
        let id = self.next_id();
        let at = self.tick();
        self.channels.insert(
            id,
            Channel {
                id,
                name: name.to_string(),
                program_type: "program".into(),
                statuses: statuses.iter().map(|s| s.to_string()).collect(),
                updated_at: at,
            },
        );
        id
    }

    pub fn add_tag_type(&mut self, name: &str, values: &[&str]) {
        self.tag_types.push(TagType {
            name: name.to_string(),
            values: values.iter().map(|s| s.to_string()).collect(),
            required: false,
        });
    }

    pub fn add_segmentation(&mut self, name: &str) -> Id {
        let id = self.next_id();
        let at = self.tick();
        self.segmentations.insert(
            id,
            Segmentation {
                id,
                name: name.to_string(),
                segments: vec!["Default".into()],
                updated_at: at,
            },
        );
        id
    }

    /// A lead field; `api` defaults to a camelCase form of the name.
    pub fn add_field(&mut self, display: &str, api: Option<&str>, data_type: &str) {
        let id = self.next_id();
        self.fields.push(LeadField {
            id,
            api_name: api.map(str::to_string).unwrap_or_else(|| api_name(display)),
            display_name: display.to_string(),
            data_type: data_type.to_string(),
        });
    }

    pub fn add_custom_object(&mut self, display: &str) {
        self.custom_objects.push(CustomObject {
            api_name: format!("{}_c", api_name(display)),
            display_name: display.to_string(),
        });
    }

    pub fn add_custom_activity(&mut self, name: &str) {
        let id = self.next_id();
        self.custom_activities.push(CustomActivity {
            id,
            api_name: format!("{}_c", api_name(name)),
            name: name.to_string(),
            trigger_name: name.to_string(),
            filter_name: format!("Had {name}"),
        });
    }

    pub fn email_template_named(&self, name: &str) -> Option<Id> {
        named(self.email_templates.values().map(|d| (d.id, &d.name)), name)
    }

    pub fn landing_page_template_named(&self, name: &str) -> Option<Id> {
        named(
            self.landing_page_templates
                .values()
                .map(|d| (d.id, &d.name)),
            name,
        )
    }

    pub fn snippet_named(&self, name: &str) -> Option<Id> {
        named(self.snippets.values().map(|d| (d.id, &d.name)), name)
    }

    pub fn segmentation_named(&self, name: &str) -> Option<Id> {
        named(self.segmentations.values().map(|d| (d.id, &d.name)), name)
    }

    pub fn program_named(&self, name: &str) -> Option<Id> {
        named(self.programs.values().map(|d| (d.id, &d.name)), name)
    }

    /// A form by name: the program's local form first, then a global one.
    pub fn form_named(&self, program: Option<Id>, name: &str) -> Option<Id> {
        let local = program.and_then(|p| {
            named(
                self.forms
                    .values()
                    .filter(|f| f.parent == Parent::Program(p))
                    .map(|f| (f.id, &f.name)),
                name,
            )
        });
        local.or_else(|| {
            named(
                self.forms
                    .values()
                    .filter(|f| !matches!(f.parent, Parent::Program(_)))
                    .map(|f| (f.id, &f.name)),
                name,
            )
        })
    }

    /// Mark the asset (of any kind) with this id as changed now.
    pub fn touch(&mut self, id: Id) -> bool {
        let at = self.tick();
        macro_rules! touch_in {
            ($map:expr) => {
                if let Some(x) = $map.get_mut(&id) {
                    x.updated_at = at;
                    return true;
                }
            };
        }
        touch_in!(self.folders);
        touch_in!(self.programs);
        touch_in!(self.emails);
        touch_in!(self.landing_pages);
        touch_in!(self.forms);
        touch_in!(self.campaigns);
        touch_in!(self.email_templates);
        touch_in!(self.landing_page_templates);
        touch_in!(self.snippets);
        touch_in!(self.files);
        false
    }

    /// The path of a folder or program as Marketo spells it
    /// ("/Marketing Activities/Default/Webinars").
    pub fn path_of(&self, parent: Parent) -> String {
        let mut parts = Vec::new();
        let mut at = Some(parent);
        let mut guard = 0;
        while let Some(p) = at {
            guard += 1;
            if guard > 1000 {
                break;
            }
            match p {
                Parent::Folder(id) => match self.folders.get(&id) {
                    Some(f) => {
                        parts.push(f.name.clone());
                        at = f.parent;
                    }
                    None => break,
                },
                Parent::Program(id) => match self.programs.get(&id) {
                    Some(pr) => {
                        parts.push(pr.name.clone());
                        at = Some(pr.parent);
                    }
                    None => break,
                },
            }
        }
        parts.reverse();
        format!("/{}", parts.join("/"))
    }

    /// Is `parent` at or below `root`?
    pub fn is_below(&self, parent: Parent, root: Parent) -> bool {
        self.depth_below(parent, root).is_some()
    }

    /// How many levels `parent` is below `root` (0: it is the root).
    pub fn depth_below(&self, parent: Parent, root: Parent) -> Option<u32> {
        let mut at = Some(parent);
        let mut depth = 0;
        while let Some(p) = at {
            if p == root {
                return Some(depth);
            }
            depth += 1;
            if depth > 1000 {
                return None;
            }
            at = match p {
                Parent::Folder(id) => self.folders.get(&id).and_then(|f| f.parent),
                Parent::Program(id) => self.programs.get(&id).map(|p| p.parent),
            };
        }
        None
    }

    // -----------------------------------------------------------------
    // From a subscription directory.

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
            self.add_form(Some(id), &text(&f["name"]), &refs);
        }
        for e in array(&doc["emails"]) {
            let mut sections = vec![Section::new("body", "Text", json!(text(&e["html"])))];
            sections.extend(self.reference_sections(e, id, false));
            let template = e["template"]
                .as_str()
                .and_then(|t| self.email_template_named(t));
            self.add_email(
                id,
                &text(&e["name"]),
                template,
                &text(&e["subject"]),
                sections,
            );
        }
        for l in array(&doc["landing_pages"]) {
            let mut sections = vec![Section::new("1", "HTML", json!(text(&l["html"])))];
            sections.extend(self.reference_sections(l, id, true));
            let template = l["template"]
                .as_str()
                .and_then(|t| self.landing_page_template_named(t));
            self.add_landing_page(id, &text(&l["name"]), template, sections);
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
                    json!({"content": id.to_string()})
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

fn named<'a>(mut items: impl Iterator<Item = (Id, &'a String)>, name: &str) -> Option<Id> {
    items.find(|(_, n)| key(n) == key(name)).map(|(id, _)| id)
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

    #[test]
    fn times_and_names() {
        assert_eq!(marketo_time(1_767_225_600), "2026-01-01T00:00:00Z+0000");
        assert_eq!(api_name("Demographic Score"), "demographicScore");
        assert_eq!(api_name("Email Address"), "emailAddress");
    }

    #[test]
    fn folders_nest_below_the_workspace() {
        let mut i = Instance::new("123-ABC-456");
        let f = i.add_folder("Webinars/2026");
        assert_eq!(
            i.path_of(Parent::Folder(f)),
            "/Marketing Activities/Default/Webinars/2026"
        );
        assert_eq!(i.add_folder("Webinars/2026"), f);
        assert_eq!(
            i.depth_below(Parent::Folder(f), Parent::Folder(i.ma_root)),
            Some(3)
        );
    }
}
