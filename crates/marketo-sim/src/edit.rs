//! Changing the simulated instance as Marketo's write endpoints do:
//! create, update content, approve, delete, with Marketo's refusals.
//!
//! - 709 (business rule): a name already used where Marketo wants it
//!   unique (programs and design-studio assets in the whole instance, an
//!   email, page, form or campaign within its program), an asset still
//!   in use (a template an email or page uses, a form a page shows), a
//!   field a form already has (Forms page: "A field must be unique within
//!   the form"; 709 is the code the Error Codes page gives for "a
//!   requirement to create or update an asset"), and the approval rules
//!   of `approval.rs` (deleting an approved asset, approving what has no
//!   draft, unapproving what is not approved);
//! - 710: the parent folder does not exist;
//! - 711: the parent is of the wrong kind (a program outside Marketing
//!   Activities, a template in Marketing Activities, ...);
//! - 702: the asset does not exist;
//! - 1003: a value Marketo does not accept (an unknown template, a form
//!   field that is no lead field).
//!
//! Every change moves the asset's `updatedAt` (and the instance clock);
//! a change to an approved asset's content makes a draft of it ("approved
//! with draft").
//!
//! The messages are the simulator's own (Marketo's wording is not
//! documented for most of them); the codes are Marketo's.

use serde_json::{json, Value};

use crate::approval::Approvable;
use crate::model::{
    Campaign, Design, Email, Id, Instance, LandingPage, Parent, Program, Section, Sender, Status,
    Token,
};
pub use crate::refusal::{Outcome, Refusal};
use crate::template::editable_sections;

/// What Create Email takes besides its name, folder and template; all
/// optional (Emails page: "`subject` is empty", "`fromName`, `fromEmail`,
/// and `replyEmail` use the instance defaults", "`operational` ... is
/// `false`"), though the Swagger file marks the sender and subject
/// required.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewEmail {
    pub subject: Option<String>,
    pub sender: Sender,
    pub operational: bool,
}

/// The design-studio kinds the write endpoints know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DesignKind {
    EmailTemplate,
    LandingPageTemplate,
    Snippet,
}

impl DesignKind {
    pub(crate) fn approvable(self) -> Approvable {
        match self {
            DesignKind::EmailTemplate => Approvable::EmailTemplate,
            DesignKind::LandingPageTemplate => Approvable::LandingPageTemplate,
            DesignKind::Snippet => Approvable::Snippet,
        }
    }

    pub(crate) fn noun(self) -> &'static str {
        match self {
            DesignKind::EmailTemplate => "Email template",
            DesignKind::LandingPageTemplate => "Landing page template",
            DesignKind::Snippet => "Snippet",
        }
    }

    /// The design-studio folder type its assets live in.
    fn folder_type(self) -> &'static str {
        match self {
            DesignKind::EmailTemplate => "Email Template",
            DesignKind::LandingPageTemplate => "Landing Page Template",
            DesignKind::Snippet => "Snippet",
        }
    }
}

fn key(name: &str) -> String {
    name.trim().to_lowercase()
}

impl Instance {
    pub(crate) fn designs_mut(
        &mut self,
        kind: DesignKind,
    ) -> &mut std::collections::BTreeMap<Id, Design> {
        match kind {
            DesignKind::EmailTemplate => &mut self.email_templates,
            DesignKind::LandingPageTemplate => &mut self.landing_page_templates,
            DesignKind::Snippet => &mut self.snippets,
        }
    }

    pub(crate) fn designs(&self, kind: DesignKind) -> &std::collections::BTreeMap<Id, Design> {
        match kind {
            DesignKind::EmailTemplate => &self.email_templates,
            DesignKind::LandingPageTemplate => &self.landing_page_templates,
            DesignKind::Snippet => &self.snippets,
        }
    }

    pub(crate) fn parent_exists(&self, parent: Parent) -> bool {
        match parent {
            Parent::Folder(id) => self.folders.contains_key(&id),
            Parent::Program(id) => self.programs.contains_key(&id),
        }
    }

    /// Is `parent` in Marketing Activities (a campaign folder or a
    /// program)?
    pub(crate) fn in_marketing_activities(&self, parent: Parent) -> bool {
        self.is_below(parent, Parent::Folder(self.ma_root))
    }

    /// A parent that exists and is (or is not) in Marketing Activities:
    /// 710 when it does not exist, 711 when it is in the wrong place.
    fn check_parent(&self, parent: Parent, marketing: bool) -> Outcome<()> {
        if !self.parent_exists(parent) {
            return Err(Refusal::new(
                "710",
                format!("{} {} not found", parent.kind(), parent.id()),
            ));
        }
        if self.in_marketing_activities(parent) != marketing {
            return Err(Refusal::new(
                "711",
                format!(
                    "{} {} is not a {} folder",
                    parent.kind(),
                    parent.id(),
                    if marketing {
                        "Marketing Activities"
                    } else {
                        "Design Studio"
                    }
                ),
            ));
        }
        Ok(())
    }

    // -----------------------------------------------------------------
    // Programs and tokens.

    /// `POST /rest/asset/v1/programs.json`: a program in a campaign folder.
    pub fn create_program(
        &mut self,
        name: &str,
        folder: Parent,
        kind: &str,
        channel: &str,
        description: &str,
        tags: Vec<(String, String)>,
    ) -> Outcome<Id> {
        if key(name).is_empty() {
            return Err(Refusal::new("701", "name cannot be blank"));
        }
        if matches!(folder, Parent::Program(_)) {
            return Err(Refusal::new(
                "711",
                "a program cannot be created inside a program",
            ));
        }
        self.check_parent(folder, true)?;
        if self.programs.values().any(|p| key(&p.name) == key(name)) {
            return Err(Refusal::duplicate("Program", name));
        }
        if !channel.is_empty()
            && !self.channels.is_empty()
            && !self.channels.values().any(|c| key(&c.name) == key(channel))
        {
            return Err(Refusal::new("1003", format!("Invalid channel '{channel}'")));
        }
        for (t, v) in &tags {
            let known = self.tag_types.iter().find(|x| key(&x.name) == key(t));
            match known {
                Some(tag) if tag.values.iter().any(|x| key(x) == key(v)) => {}
                _ => {
                    return Err(Refusal::new(
                        "1003",
                        format!("Invalid tag value '{v}' for tag type '{t}'"),
                    ))
                }
            }
        }
        let id = self.add_program(folder, name, kind, channel);
        if let Some(p) = self.programs.get_mut(&id) {
            p.description = description.to_string();
            p.tags = tags;
        }
        Ok(id)
    }

    /// `POST /rest/asset/v1/program/{id}/delete.json`: the program and
    /// everything in it.
    pub fn delete_program(&mut self, id: Id) -> Outcome<()> {
        if !self.programs.contains_key(&id) {
            return Err(Refusal::missing("Program", id));
        }
        let inside = |i: &Instance, parent: Parent| i.is_below(parent, Parent::Program(id));
        let emails: Vec<Id> = self
            .emails
            .values()
            .filter(|e| inside(self, e.parent))
            .map(|e| e.id)
            .collect();
        let pages: Vec<Id> = self
            .landing_pages
            .values()
            .filter(|p| inside(self, p.parent))
            .map(|p| p.id)
            .collect();
        let forms: Vec<Id> = self
            .forms
            .values()
            .filter(|f| inside(self, f.parent))
            .map(|f| f.id)
            .collect();
        let campaigns: Vec<Id> = self
            .campaigns
            .values()
            .filter(|c| inside(self, c.parent))
            .map(|c| c.id)
            .collect();
        let folders: Vec<Id> = self
            .folders
            .values()
            .filter(|f| f.parent.is_some_and(|p| inside(self, p)))
            .map(|f| f.id)
            .collect();
        for e in emails {
            self.emails.remove(&e);
        }
        for p in pages {
            self.landing_pages.remove(&p);
        }
        for f in forms {
            self.forms.remove(&f);
        }
        for c in campaigns {
            self.campaigns.remove(&c);
        }
        for f in folders {
            self.folders.remove(&f);
        }
        self.programs.remove(&id);
        self.tick();
        Ok(())
    }

    fn tokens_mut(&mut self, parent: Parent) -> Outcome<&mut Vec<Token>> {
        match parent {
            Parent::Folder(id) => self
                .folders
                .get_mut(&id)
                .map(|f| &mut f.tokens)
                .ok_or_else(|| Refusal::new("710", format!("Folder {id} not found"))),
            Parent::Program(id) => self
                .programs
                .get_mut(&id)
                .map(|p| &mut p.tokens)
                .ok_or_else(|| Refusal::new("710", format!("Program {id} not found"))),
        }
    }

    /// `POST /rest/asset/v1/folder/{id}/tokens.json`: add a token, or
    /// change the one of that name.
    pub fn set_token(
        &mut self,
        parent: Parent,
        name: &str,
        kind: &str,
        value: &str,
    ) -> Outcome<()> {
        if key(name).is_empty() {
            return Err(Refusal::new("701", "name cannot be blank"));
        }
        const TYPES: [&str; 6] = [
            "date",
            "number",
            "rich text",
            "score",
            "sfdc campaign",
            "text",
        ];
        if !TYPES.contains(&kind.to_lowercase().as_str()) {
            return Err(Refusal::new("1003", format!("Invalid token type '{kind}'")));
        }
        let tokens = self.tokens_mut(parent)?;
        let token = Token {
            name: name.to_string(),
            kind: kind.to_string(),
            value: Value::String(value.to_string()),
        };
        match tokens.iter_mut().find(|t| key(&t.name) == key(name)) {
            Some(existing) => *existing = token,
            None => tokens.push(token),
        }
        self.touch(parent.id());
        Ok(())
    }

    /// `POST /rest/asset/v1/folder/{id}/tokens/delete.json`.
    pub fn delete_token(&mut self, parent: Parent, name: &str) -> Outcome<()> {
        let tokens = self.tokens_mut(parent)?;
        let before = tokens.len();
        tokens.retain(|t| key(&t.name) != key(name));
        if tokens.len() == before {
            return Err(Refusal::new("702", format!("Token '{name}' not found")));
        }
        self.touch(parent.id());
        Ok(())
    }

    // -----------------------------------------------------------------
    // Emails, landing pages, forms, smart campaigns.

    /// A local asset's parent: a program (or a campaign folder).
    fn check_local_parent(&self, parent: Parent) -> Outcome<()> {
        self.check_parent(parent, true)
    }

    /// `POST /rest/asset/v1/emails.json`: an email built on a template,
    /// with the template's editable sections (empty), a draft. A sender
    /// left out is the instance's default.
    pub fn create_email(
        &mut self,
        name: &str,
        parent: Parent,
        template: Id,
        new: NewEmail,
    ) -> Outcome<Id> {
        self.check_local_parent(parent)?;
        let Some(t) = self.email_templates.get(&template) else {
            return Err(Refusal::new(
                "1003",
                format!("Invalid template id {template}"),
            ));
        };
        if self
            .emails
            .values()
            .any(|e| e.parent == parent && key(&e.name) == key(name))
        {
            return Err(Refusal::duplicate("Email", name));
        }
        let sections = editable_sections(&t.html);
        let defaults = &self.email_defaults;
        let or_default = |given: Option<String>, default: &str| {
            Some(given.unwrap_or_else(|| default.to_string()))
        };
        let sender = Sender {
            from_name: or_default(new.sender.from_name, &defaults.from_name),
            from_email: or_default(new.sender.from_email, &defaults.from_email),
            reply_email: or_default(new.sender.reply_email, &defaults.reply_email),
        };
        let subject = new.subject.unwrap_or_default();
        let id = self.add_email_in(
            parent,
            name,
            Some(template),
            &subject,
            sections,
            sender,
            Status::Draft,
        );
        if let Some(e) = self.emails.get_mut(&id) {
            e.operational = new.operational;
        }
        Ok(id)
    }

    /// A new email in `parent`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn add_email_in(
        &mut self,
        parent: Parent,
        name: &str,
        template: Option<Id>,
        subject: &str,
        sections: Vec<Section>,
        sender: Sender,
        status: Status,
    ) -> Id {
        let id = self.next_id();
        let at = self.tick();
        self.emails.insert(
            id,
            Email {
                id,
                name: name.to_string(),
                parent,
                template,
                subject: subject.to_string(),
                sections,
                sender,
                operational: false,
                status,
                updated_at: at,
            },
        );
        id
    }

    /// `POST /rest/asset/v1/email/{id}/content/{htmlId}.json`: the content
    /// of one section. (Marketo knows only the template's sections; the
    /// simulator adds a section for another id, so an email can carry the
    /// snippet sections of its HTML.)
    pub fn set_email_section(
        &mut self,
        id: Id,
        html_id: &str,
        kind: &str,
        value: &str,
    ) -> Outcome<()> {
        let segmentation_known = |n: u64| self.segmentations.contains_key(&n);
        let value = match kind.to_ascii_lowercase().as_str() {
            "snippet" => match value.trim().parse::<u64>() {
                Ok(n) => Value::from(n),
                Err(_) => {
                    return Err(Refusal::new(
                        "1003",
                        format!("Invalid snippet id '{value}'"),
                    ))
                }
            },
            // The value is the segmentation's id (Dynamic Content page).
            "dynamiccontent" => match value.trim().parse::<u64>() {
                Ok(n) if segmentation_known(n) => {
                    json!({"type": "DynamicContent", "segmentation": n, "default": ""})
                }
                _ => {
                    return Err(Refusal::new(
                        "1003",
                        format!("Invalid segmentation id '{value}'"),
                    ))
                }
            },
            _ => Value::String(value.to_string()),
        };
        let Some(email) = self.emails.get_mut(&id) else {
            return Err(Refusal::missing("Email", id));
        };
        email.status = email.status.edited();
        match email.sections.iter_mut().find(|s| s.id == html_id) {
            Some(section) => {
                section.kind = kind.to_string();
                section.value = value;
            }
            None => email.sections.push(Section::new(html_id, kind, value)),
        }
        self.touch(id);
        Ok(())
    }

    /// `POST /rest/asset/v1/email/{id}/delete.json`: refused while
    /// approved.
    pub fn delete_email(&mut self, id: Id) -> Outcome<()> {
        self.check_deletable(Approvable::Email, id)?;
        self.emails
            .remove(&id)
            .map(|_| ())
            .ok_or_else(|| Refusal::missing("Email", id))?;
        self.tick();
        Ok(())
    }

    /// `POST /rest/asset/v1/landingPages.json`: an empty page on a
    /// template.
    pub fn create_landing_page(&mut self, name: &str, parent: Parent, template: Id) -> Outcome<Id> {
        self.check_local_parent(parent)?;
        if !self.landing_page_templates.contains_key(&template) {
            return Err(Refusal::new(
                "1003",
                format!("Invalid template id {template}"),
            ));
        }
        if self
            .landing_pages
            .values()
            .any(|p| p.parent == parent && key(&p.name) == key(name))
        {
            return Err(Refusal::duplicate("Landing page", name));
        }
        let id = self.next_id();
        let at = self.tick();
        self.landing_pages.insert(
            id,
            LandingPage {
                id,
                name: name.to_string(),
                parent,
                template: Some(template),
                sections: Vec::new(),
                status: Status::Draft,
                updated_at: at,
            },
        );
        Ok(id)
    }

    /// `POST /rest/asset/v1/landingPage/{id}/content.json`: add a section.
    pub fn add_page_section(
        &mut self,
        id: Id,
        content_id: &str,
        kind: &str,
        value: &str,
    ) -> Outcome<()> {
        let known_form = |i: &Instance, v: &str| {
            v.trim()
                .parse::<u64>()
                .ok()
                .filter(|n| i.forms.contains_key(n))
        };
        let section_value = match kind.to_ascii_lowercase().as_str() {
            "form" => match known_form(self, value) {
                Some(n) => json!({"content": n.to_string(), "contentType": "Form"}),
                None => return Err(Refusal::new("1003", format!("Invalid form id '{value}'"))),
            },
            "snippet" => match value.trim().parse::<u64>() {
                Ok(n) if self.snippets.contains_key(&n) => {
                    json!({"content": n.to_string(), "contentType": "Snippet"})
                }
                _ => {
                    return Err(Refusal::new(
                        "1003",
                        format!("Invalid snippet id '{value}'"),
                    ))
                }
            },
            // The value is the segmentation's id (Landing Pages page).
            "dynamiccontent" => match value.trim().parse::<u64>() {
                Ok(n) if self.segmentations.contains_key(&n) => {
                    json!({"type": "DynamicContent", "segmentation": n, "default": ""})
                }
                _ => {
                    return Err(Refusal::new(
                        "1003",
                        format!("Invalid segmentation id '{value}'"),
                    ))
                }
            },
            _ => Value::String(value.to_string()),
        };
        let Some(page) = self.landing_pages.get_mut(&id) else {
            return Err(Refusal::missing("Landing page", id));
        };
        page.status = page.status.edited();
        if page.sections.iter().any(|s| s.id == content_id) {
            return Err(Refusal::new(
                "709",
                format!("Content '{content_id}' already exists"),
            ));
        }
        page.sections
            .push(Section::new(content_id, kind, section_value));
        self.touch(id);
        Ok(())
    }

    /// `POST /rest/asset/v1/landingPage/{id}/delete.json`: refused while
    /// approved (Landing Pages page: "Before deleting a landing page,
    /// ensure that it is not approved").
    pub fn delete_landing_page(&mut self, id: Id) -> Outcome<()> {
        self.check_deletable(Approvable::LandingPage, id)?;
        self.landing_pages
            .remove(&id)
            .map(|_| ())
            .ok_or_else(|| Refusal::missing("Landing page", id))?;
        self.tick();
        Ok(())
    }

    /// `POST /rest/asset/v1/smartCampaigns.json`: an inactive batch
    /// campaign with an empty smart list and flow.
    pub fn create_campaign(&mut self, name: &str, parent: Parent) -> Outcome<Id> {
        self.check_local_parent(parent)?;
        if self
            .campaigns
            .values()
            .any(|c| c.parent == parent && key(&c.name) == key(name))
        {
            return Err(Refusal::duplicate("Smart campaign", name));
        }
        let id = self.next_id();
        let smart_list_id = self.next_id();
        let at = self.tick();
        self.campaigns.insert(
            id,
            Campaign {
                id,
                name: name.to_string(),
                parent,
                kind: "batch".into(),
                active: false,
                schedule: None,
                triggers: Vec::new(),
                filters: Vec::new(),
                smart_list_id,
                updated_at: at,
            },
        );
        Ok(id)
    }

    /// `POST /rest/asset/v1/smartCampaign/{id}/delete.json`.
    pub fn delete_campaign(&mut self, id: Id) -> Outcome<()> {
        self.campaigns
            .remove(&id)
            .map(|_| ())
            .ok_or_else(|| Refusal::missing("Smart campaign", id))?;
        self.tick();
        Ok(())
    }

    // -----------------------------------------------------------------
    // The design studio.

    /// `POST /rest/asset/v1/emailTemplates.json` (and the landing page
    /// template and snippet equivalents): a draft in a design-studio
    /// folder.
    pub fn create_design(
        &mut self,
        kind: DesignKind,
        name: &str,
        parent: Parent,
        html: &str,
    ) -> Outcome<Id> {
        if key(name).is_empty() {
            return Err(Refusal::new("701", "name cannot be blank"));
        }
        self.check_parent(parent, false)?;
        let folder_type = match parent {
            Parent::Folder(f) => self.folders.get(&f).map(|f| f.folder_type.clone()),
            Parent::Program(_) => None,
        };
        if folder_type.as_deref() != Some(kind.folder_type())
            && folder_type.as_deref() != Some("Zone")
        {
            return Err(Refusal::new(
                "711",
                format!(
                    "Folder {} cannot hold a {}",
                    parent.id(),
                    kind.noun().to_lowercase()
                ),
            ));
        }
        if self
            .designs(kind)
            .values()
            .any(|d| key(&d.name) == key(name))
        {
            return Err(Refusal::duplicate(kind.noun(), name));
        }
        let id = self.next_id();
        let at = self.tick();
        self.designs_mut(kind).insert(
            id,
            Design {
                id,
                name: name.to_string(),
                parent,
                html: html.to_string(),
                status: Status::Draft,
                updated_at: at,
            },
        );
        Ok(id)
    }

    /// `POST /rest/asset/v1/emailTemplate/{id}/content.json` (and the
    /// landing page template one).
    pub fn set_design_content(&mut self, kind: DesignKind, id: Id, html: &str) -> Outcome<()> {
        let Some(d) = self.designs_mut(kind).get_mut(&id) else {
            return Err(Refusal::missing(kind.noun(), id));
        };
        d.html = html.to_string();
        d.status = d.status.edited();
        self.touch(id);
        Ok(())
    }

    /// `POST /rest/asset/v1/emailTemplate/{id}/delete.json` (and the
    /// landing page template one): refused while an email or page uses
    /// it, or while it is approved.
    pub fn delete_design(&mut self, kind: DesignKind, id: Id) -> Outcome<()> {
        if !self.designs(kind).contains_key(&id) {
            return Err(Refusal::missing(kind.noun(), id));
        }
        let user = match kind {
            DesignKind::EmailTemplate => self
                .emails
                .values()
                .find(|e| e.template == Some(id))
                .map(|e| format!("email '{}'", e.name)),
            DesignKind::LandingPageTemplate => self
                .landing_pages
                .values()
                .find(|p| p.template == Some(id))
                .map(|p| format!("landing page '{}'", p.name)),
            DesignKind::Snippet => None,
        };
        if let Some(user) = user {
            return Err(Refusal::new(
                "709",
                format!("{} {id} is used by {user}", kind.noun()),
            ));
        }
        self.check_deletable(kind.approvable(), id)?;
        self.designs_mut(kind).remove(&id);
        self.tick();
        Ok(())
    }

    /// `POST /rest/asset/v1/files.json`: a file in Images and Files.
    pub fn create_file(&mut self, name: &str, parent: Parent, bytes: Vec<u8>) -> Outcome<Id> {
        if key(name).is_empty() {
            return Err(Refusal::new("701", "name cannot be blank"));
        }
        self.check_parent(parent, false)?;
        if self.files.values().any(|f| key(&f.name) == key(name)) {
            return Err(Refusal::duplicate("File", name));
        }
        let id = self.add_file(name, bytes);
        if let Some(f) = self.files.get_mut(&id) {
            f.parent = parent;
        }
        Ok(id)
    }

    /// `POST /rest/asset/v1/file/{id}/content.json`: replace a file's bytes.
    pub fn set_file_content(&mut self, id: Id, bytes: Vec<u8>) -> Outcome<()> {
        let Some(f) = self.files.get_mut(&id) else {
            return Err(Refusal::missing("File", id));
        };
        f.bytes = bytes;
        self.touch(id);
        Ok(())
    }

    /// The program of this id (for tests).
    pub fn program(&self, id: Id) -> Option<&Program> {
        self.programs.get(&id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_where_marketo_wants_them() {
        let mut i = Instance::new("123-ABC-456");
        let folder = i.add_folder("Webinars");
        let p = i
            .create_program("P", Parent::Folder(folder), "Default", "", "", vec![])
            .unwrap();
        assert_eq!(
            i.create_program(" p ", Parent::Folder(folder), "Default", "", "", vec![])
                .unwrap_err()
                .code,
            "709"
        );
        assert_eq!(
            i.create_program("Q", Parent::Folder(99_999), "Default", "", "", vec![])
                .unwrap_err()
                .code,
            "710"
        );
        let ds = Parent::Folder(i.ds_folders["Email Template"]);
        assert_eq!(
            i.create_program("Q", ds, "Default", "", "", vec![])
                .unwrap_err()
                .code,
            "711"
        );
        let t = i
            .create_design(DesignKind::EmailTemplate, "T", ds, "<html/>")
            .unwrap();
        assert_eq!(
            i.create_design(DesignKind::EmailTemplate, "t", ds, "")
                .unwrap_err()
                .code,
            "709"
        );
        let e = i
            .create_email("E", Parent::Program(p), t, NewEmail::default())
            .unwrap();
        assert_eq!(
            i.delete_design(DesignKind::EmailTemplate, t)
                .unwrap_err()
                .code,
            "709"
        );
        i.delete_program(p).unwrap();
        assert!(!i.emails.contains_key(&e));
        i.delete_design(DesignKind::EmailTemplate, t).unwrap();
    }
}
