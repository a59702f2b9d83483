//! The simulated instance: folders, programs, assets and schema, with ids
//! and `updatedAt`, built in Rust or read from a subscription directory
//! (see `subscription.rs`).
//!
//! Everything is mutable, so tests change an instance between two pulls and
//! write endpoints can be added on the same model. Every change goes
//! through [`Instance::touch`], which moves the clock and the asset's
//! `updatedAt`.

use std::collections::BTreeMap;

use serde_json::Value;

pub use crate::names::{api_name, base64, form_data_type, marketo_date, marketo_time, soap_name};
pub use crate::status::Status;

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

/// A section of an email's or landing page's content: its id (`htmlId`
/// or the page section's `id`), its kind (`contentType` or `type`: Text,
/// Snippet, DynamicContent; HTML, RichText, Form, Image, ...) and its
/// value as the model keeps it (a Text or HTML section's HTML as a
/// string; see `records.rs` for how each is answered).
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

/// Who an email comes from: From name, From address, Reply-To. `None`
/// is a value Marketo answers as `null` (an email whose setting was never
/// given; the documented Get Email by Id shows `"fromEmail": null`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sender {
    pub from_name: Option<String>,
    pub from_email: Option<String>,
    pub reply_email: Option<String>,
}

/// The instance's email defaults (Admin > Email), which Create Email
/// applies when the call leaves the sender out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailDefaults {
    pub from_name: String,
    pub from_email: String,
    pub reply_email: String,
}

#[derive(Debug, Clone)]
pub struct Email {
    pub id: Id,
    pub name: String,
    pub parent: Parent,
    pub template: Option<Id>,
    pub subject: String,
    pub sections: Vec<Section>,
    pub sender: Sender,
    /// Sent even to unsubscribed people.
    pub operational: bool,
    pub status: Status,
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
    pub status: Status,
    pub updated_at: String,
}

/// What a row of a form's field list is. Not every row is a lead field
/// (Forms page: the `Profiling` fieldset of progressive profiling, rich
/// text rows added with `richText.json`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Row {
    /// A lead field.
    Field,
    /// The progressive-profiling fieldset (`"dataType": "profiling"`).
    Profiling,
    /// A rich-text row (`"dataType": "htmltext"`) and its HTML.
    RichText(String),
}

/// A row of a form's field list.
#[derive(Debug, Clone)]
pub struct FormField {
    /// The row's id: a lead field as forms name it (its SOAP name,
    /// `Email`, `FirstName`), `Profiling`, or a rich-text row's id.
    pub api_name: String,
    pub label: String,
    /// The form's data type (`text`, `email`, `number`, ...; `profiling`,
    /// `htmltext`).
    pub data_type: String,
    pub row: Row,
    /// What the API set beyond the defaults (`fieldWidth`, `hintText`,
    /// `required`, ...), answered as given.
    pub options: serde_json::Map<String, Value>,
}

#[derive(Debug, Clone)]
pub struct Form {
    pub id: Id,
    pub name: String,
    pub parent: Parent,
    pub fields: Vec<FormField>,
    pub status: Status,
    pub updated_at: String,
}

impl Form {
    /// Progressive profiling is on when the list holds its fieldset.
    pub fn progressive_profiling(&self) -> bool {
        self.fields.iter().any(|f| f.row == Row::Profiling)
    }
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
    pub status: Status,
    pub updated_at: String,
}

/// How the file host answers a download of a file (a test's way to make
/// a file's URL misbehave).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Delivery {
    /// The bytes.
    #[default]
    Served,
    /// This many redirects (302) first, then the bytes.
    Redirects(u8),
    /// This HTTP status (404, 500, ...) and no bytes.
    Status(u16),
    /// A URL on a port where nothing listens (connection refused).
    Unreachable,
}

#[derive(Debug, Clone)]
pub struct File {
    pub id: Id,
    pub name: String,
    pub parent: Parent,
    pub mime_type: String,
    pub bytes: Vec<u8>,
    pub delivery: Delivery,
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
    /// The REST API name (`email`, `firstName`).
    pub api_name: String,
    /// The SOAP name, which forms use as a field's id (`Email`,
    /// `FirstName`; Get Fields for Form).
    pub soap_name: String,
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
    /// The sender Create Email gives an email that names none.
    pub email_defaults: EmailDefaults,
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

pub(crate) fn key(name: &str) -> String {
    name.trim().to_lowercase()
}

impl Instance {
    /// An empty instance: the Marketing Activities root with one workspace
    /// ("Default"), and the Design Studio with a folder per asset kind.
    pub fn new(munchkin: &str) -> Instance {
        let mut i = Instance {
            munchkin: munchkin.to_string(),
            email_defaults: EmailDefaults {
                from_name: "Marketing".into(),
                from_email: format!("marketing@{}.example", munchkin.to_lowercase()),
                reply_email: format!("reply@{}.example", munchkin.to_lowercase()),
            },
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
        let sender = Sender::default();
        self.add_email_in(
            Parent::Program(program),
            name,
            template,
            subject,
            sections,
            sender,
            Status::Approved,
        )
    }

    /// An email's sender and operational flag (for tests and fixtures).
    pub fn set_email_sender(&mut self, email: Id, sender: Sender, operational: bool) {
        if let Some(e) = self.emails.get_mut(&email) {
            e.sender = sender;
            e.operational = operational;
            self.touch(email);
        }
    }

    /// Set an asset's approval state (of any kind; for tests and
    /// fixtures).
    pub fn set_status(&mut self, id: Id, status: Status) -> bool {
        macro_rules! set_in {
            ($map:expr) => {
                if let Some(x) = $map.get_mut(&id) {
                    x.status = status;
                    return true;
                }
            };
        }
        set_in!(self.emails);
        set_in!(self.landing_pages);
        set_in!(self.forms);
        set_in!(self.email_templates);
        set_in!(self.landing_page_templates);
        set_in!(self.snippets);
        false
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
                status: Status::Approved,
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
                status: Status::Approved,
                updated_at: at,
            },
        );
        id
    }

    /// Turn a form's progressive profiling on (its `Profiling` fieldset
    /// is added at the end of the field list) or off.
    pub fn set_progressive_profiling(&mut self, form: Id, on: bool) {
        let Some(f) = self.forms.get_mut(&form) else {
            return;
        };
        f.fields.retain(|x| x.row != Row::Profiling);
        if on {
            f.fields.push(FormField {
                api_name: "Profiling".into(),
                label: String::new(),
                data_type: "profiling".into(),
                row: Row::Profiling,
                options: Default::default(),
            });
        }
        self.touch(form);
    }

    /// A form field for a lead field given by display name, API name or
    /// SOAP name; a field the instance does not know is made up from the
    /// name (a fixture may use fields its schema lacks).
    pub(crate) fn form_field(&self, name: &str) -> FormField {
        match self.lead_field(name) {
            Some(f) => FormField {
                api_name: f.soap_name.clone(),
                label: format!("{}:", f.display_name),
                data_type: form_data_type(&f.data_type).to_string(),
                row: Row::Field,
                options: Default::default(),
            },
            None => FormField {
                api_name: soap_name(&api_name(name)),
                label: format!("{name}:"),
                data_type: "text".into(),
                row: Row::Field,
                options: Default::default(),
            },
        }
    }

    /// The lead field of a display, API or SOAP name (any case).
    pub fn lead_field(&self, name: &str) -> Option<&LeadField> {
        self.fields.iter().find(|f| {
            key(&f.display_name) == key(name)
                || key(&f.api_name) == key(name)
                || key(&f.soap_name) == key(name)
        })
    }

    /// The three fields every form created through the API starts with
    /// (Forms page: "A new form includes three default fields: First
    /// Name, Last Name, and Email"), as Get Fields for Form shows them.
    pub(crate) fn default_form_fields(&self) -> Vec<FormField> {
        [
            ("FirstName", "First Name:", "text"),
            ("LastName", "Last Name:", "text"),
            ("Email", "Email Address:", "email"),
        ]
        .into_iter()
        .map(|(id, label, data_type)| FormField {
            api_name: id.to_string(),
            label: label.to_string(),
            data_type: data_type.to_string(),
            row: Row::Field,
            options: Default::default(),
        })
        .collect()
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
            status: Status::Approved,
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
                delivery: Delivery::Served,
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
        let api = api.map(str::to_string).unwrap_or_else(|| api_name(display));
        self.fields.push(LeadField {
            id,
            soap_name: soap_name(&api),
            api_name: api,
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
}

fn named<'a>(mut items: impl Iterator<Item = (Id, &'a String)>, name: &str) -> Option<Id> {
    items.find(|(_, n)| key(n) == key(name)).map(|(id, _)| id)
}

#[cfg(test)]
mod tests {
    use super::*;

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
