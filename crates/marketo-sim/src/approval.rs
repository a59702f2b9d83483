//! Marketo's draft and approval lifecycle, as the Asset API enforces it
//! (Assets page, "Approval" and "Delete"; the pages of each asset kind):
//!
//! - an asset is created as a draft; editing an approved asset makes a
//!   draft beside the live version ("approved with draft");
//! - `approveDraft` makes the draft the live version; an asset without a
//!   draft is refused (709, Error Codes page: "Approve an asset that has
//!   no draft (that is, has already been approved)"); an email is refused
//!   while its subject, From name, From address or Reply-To is empty
//!   (Emails page: they "must be populated before approval");
//! - `unapprove` takes the live version away and leaves a draft; only an
//!   approved asset can be unapproved (Emails and Email Templates pages:
//!   "Use the unapprove endpoint only on an approved template"), and only
//!   one not in use (Assets page: "the asset must not be in use": a
//!   template an email or page is built on, a snippet an email or page
//!   shows);
//! - an approved asset cannot be deleted, forms excepted (Assets page:
//!   "Except for forms, assets with approval and draft states must be
//!   unapproved before deletion"; Landing Pages and Landing Page
//!   Templates pages: "ensure that it is not approved"). The API has no
//!   endpoint to unapprove a form (none in the Swagger files nor in the
//!   endpoint reference), which is why forms are the exception.
//!
//! Every refusal is a 709 with a message of the simulator's own.

use crate::model::{Id, Instance};
use crate::refusal::{Outcome, Refusal};
use crate::status::Status;

/// The kinds of asset that have a draft and an approved version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Approvable {
    Email,
    LandingPage,
    Form,
    EmailTemplate,
    LandingPageTemplate,
    Snippet,
}

impl Approvable {
    pub fn noun(self) -> &'static str {
        match self {
            Approvable::Email => "Email",
            Approvable::LandingPage => "Landing page",
            Approvable::Form => "Form",
            Approvable::EmailTemplate => "Email template",
            Approvable::LandingPageTemplate => "Landing page template",
            Approvable::Snippet => "Snippet",
        }
    }
}

impl Instance {
    /// The approval state of an asset, if it exists.
    pub fn status_of(&self, kind: Approvable, id: Id) -> Option<Status> {
        match kind {
            Approvable::Email => self.emails.get(&id).map(|x| x.status),
            Approvable::LandingPage => self.landing_pages.get(&id).map(|x| x.status),
            Approvable::Form => self.forms.get(&id).map(|x| x.status),
            Approvable::EmailTemplate => self.email_templates.get(&id).map(|x| x.status),
            Approvable::LandingPageTemplate => {
                self.landing_page_templates.get(&id).map(|x| x.status)
            }
            Approvable::Snippet => self.snippets.get(&id).map(|x| x.status),
        }
    }

    fn put_status(&mut self, kind: Approvable, id: Id, status: Status) {
        let slot = match kind {
            Approvable::Email => self.emails.get_mut(&id).map(|x| &mut x.status),
            Approvable::LandingPage => self.landing_pages.get_mut(&id).map(|x| &mut x.status),
            Approvable::Form => self.forms.get_mut(&id).map(|x| &mut x.status),
            Approvable::EmailTemplate => self.email_templates.get_mut(&id).map(|x| &mut x.status),
            Approvable::LandingPageTemplate => self
                .landing_page_templates
                .get_mut(&id)
                .map(|x| &mut x.status),
            Approvable::Snippet => self.snippets.get_mut(&id).map(|x| &mut x.status),
        };
        if let Some(slot) = slot {
            *slot = status;
            self.touch(id);
        }
    }

    /// `POST .../{id}/approveDraft.json`: the draft becomes the live
    /// version.
    pub fn approve(&mut self, kind: Approvable, id: Id) -> Outcome<()> {
        let Some(status) = self.status_of(kind, id) else {
            return Err(Refusal::missing(kind.noun(), id));
        };
        if !status.has_draft() {
            return Err(Refusal::business(format!(
                "{} {id} has no draft to approve",
                kind.noun()
            )));
        }
        if kind == Approvable::Email {
            self.check_email_complete(id)?;
        }
        self.put_status(kind, id, Status::Approved);
        Ok(())
    }

    /// An email can be approved once its subject and sender are set.
    fn check_email_complete(&self, id: Id) -> Outcome<()> {
        let Some(e) = self.emails.get(&id) else {
            return Err(Refusal::missing("Email", id));
        };
        let blank = |v: Option<&str>| v.is_none_or(|s| s.trim().is_empty());
        let missing: Vec<&str> = [
            ("subject", blank(Some(&e.subject))),
            ("from name", blank(e.sender.from_name.as_deref())),
            ("from email", blank(e.sender.from_email.as_deref())),
            ("reply to email", blank(e.sender.reply_email.as_deref())),
        ]
        .into_iter()
        .filter(|(_, is_blank)| *is_blank)
        .map(|(what, _)| what)
        .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(Refusal::business(format!(
                "Email {id} cannot be approved: {} must be populated",
                missing.join(", ")
            )))
        }
    }

    /// `POST .../{id}/unapprove.json`: the live version goes, a draft
    /// stays.
    pub fn unapprove(&mut self, kind: Approvable, id: Id) -> Outcome<()> {
        let Some(status) = self.status_of(kind, id) else {
            return Err(Refusal::missing(kind.noun(), id));
        };
        if !status.is_approved() {
            return Err(Refusal::business(format!(
                "{} {id} is not approved",
                kind.noun()
            )));
        }
        if let Some(user) = self.user_of(kind, id) {
            return Err(Refusal::business(format!(
                "{} {id} is used by {user}",
                kind.noun()
            )));
        }
        self.put_status(kind, id, Status::Draft);
        Ok(())
    }

    /// What uses an asset, so that it cannot be unapproved.
    fn user_of(&self, kind: Approvable, id: Id) -> Option<String> {
        let shows_snippet = |sections: &[crate::model::Section]| {
            sections.iter().any(|s| {
                s.kind.eq_ignore_ascii_case("snippet")
                    && (s.value.as_u64() == Some(id)
                        || s.value["content"].as_str() == Some(id.to_string().as_str()))
            })
        };
        match kind {
            Approvable::EmailTemplate => self
                .emails
                .values()
                .find(|e| e.template == Some(id))
                .map(|e| format!("email '{}'", e.name)),
            Approvable::LandingPageTemplate => self
                .landing_pages
                .values()
                .find(|p| p.template == Some(id))
                .map(|p| format!("landing page '{}'", p.name)),
            Approvable::Snippet => self
                .emails
                .values()
                .find(|e| shows_snippet(&e.sections))
                .map(|e| format!("email '{}'", e.name))
                .or_else(|| {
                    self.landing_pages
                        .values()
                        .find(|p| shows_snippet(&p.sections))
                        .map(|p| format!("landing page '{}'", p.name))
                }),
            Approvable::Email | Approvable::LandingPage | Approvable::Form => None,
        }
    }

    /// Refuse to delete an approved asset (forms excepted).
    pub(crate) fn check_deletable(&self, kind: Approvable, id: Id) -> Outcome<()> {
        let Some(status) = self.status_of(kind, id) else {
            return Err(Refusal::missing(kind.noun(), id));
        };
        if kind != Approvable::Form && status.is_approved() {
            return Err(Refusal::business(format!(
                "{} {id} is approved: unapprove it before deleting it",
                kind.noun()
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edit::{DesignKind, NewEmail};
    use crate::model::{Parent, Sender};

    #[test]
    fn approved_assets_are_unapproved_before_they_are_deleted() {
        let mut i = Instance::new("123-ABC-456");
        let folder = i.add_folder("Webinars");
        let p = i
            .create_program("P", Parent::Folder(folder), "Default", "", "", vec![])
            .unwrap();
        let ds = Parent::Folder(i.ds_folders["Landing Page Template"]);
        let t = i
            .create_design(DesignKind::LandingPageTemplate, "T", ds, "<html/>")
            .unwrap();
        let page = i.create_landing_page("L", Parent::Program(p), t).unwrap();
        assert_eq!(i.landing_pages[&page].status, Status::Draft);
        // A draft cannot be unapproved; approving it twice is refused.
        assert_eq!(
            i.unapprove(Approvable::LandingPage, page).unwrap_err().code,
            "709"
        );
        i.approve(Approvable::LandingPage, page).unwrap();
        assert_eq!(
            i.approve(Approvable::LandingPage, page).unwrap_err().code,
            "709"
        );
        // An edit makes a draft beside the approved version.
        i.add_page_section(page, "1", "HTML", "<p>x</p>").unwrap();
        assert_eq!(i.landing_pages[&page].status, Status::ApprovedWithDraft);
        let refused = i.delete_landing_page(page).unwrap_err();
        assert_eq!(refused.code, "709");
        assert!(refused.message.contains("approved"), "{refused:?}");
        i.unapprove(Approvable::LandingPage, page).unwrap();
        i.delete_landing_page(page).unwrap();
        // The template: approved, so not deletable until unapproved.
        i.approve(Approvable::LandingPageTemplate, t).unwrap();
        assert_eq!(
            i.delete_design(DesignKind::LandingPageTemplate, t)
                .unwrap_err()
                .code,
            "709"
        );
        i.unapprove(Approvable::LandingPageTemplate, t).unwrap();
        i.delete_design(DesignKind::LandingPageTemplate, t).unwrap();
        // A form is deleted approved (the API cannot unapprove it).
        let form = i.create_form("F", Parent::Program(p)).unwrap();
        i.approve(Approvable::Form, form).unwrap();
        i.delete_form(form).unwrap();
    }

    #[test]
    fn a_template_in_use_cannot_be_unapproved() {
        let mut i = Instance::new("123-ABC-456");
        let folder = i.add_folder("Webinars");
        let p = i
            .create_program("P", Parent::Folder(folder), "Default", "", "", vec![])
            .unwrap();
        let ds = Parent::Folder(i.ds_folders["Email Template"]);
        let t = i
            .create_design(DesignKind::EmailTemplate, "T", ds, "<html/>")
            .unwrap();
        i.approve(Approvable::EmailTemplate, t).unwrap();
        let e = i
            .create_email("E", Parent::Program(p), t, NewEmail::default())
            .unwrap();
        assert!(i
            .unapprove(Approvable::EmailTemplate, t)
            .unwrap_err()
            .message
            .contains("email 'E'"));
        i.delete_email(e).unwrap();
        i.unapprove(Approvable::EmailTemplate, t).unwrap();
    }

    #[test]
    fn an_email_needs_its_subject_and_sender_to_be_approved() {
        let mut i = Instance::new("123-ABC-456");
        let folder = i.add_folder("Webinars");
        let p = i
            .create_program("P", Parent::Folder(folder), "Default", "", "", vec![])
            .unwrap();
        let t = i.add_email_template("T", "<html/>");
        // The sender defaults to the instance's; the subject is empty.
        let e = i
            .create_email("E", Parent::Program(p), t, NewEmail::default())
            .unwrap();
        assert_eq!(
            i.emails[&e].sender.from_email.as_deref(),
            Some("marketing@123-abc-456.example")
        );
        let refused = i.approve(Approvable::Email, e).unwrap_err();
        assert_eq!(refused.code, "709");
        assert!(refused.message.contains("subject"), "{refused:?}");
        let given = NewEmail {
            subject: Some("Hello".into()),
            sender: Sender {
                from_name: Some("Events".into()),
                ..Sender::default()
            },
            operational: true,
        };
        let e2 = i.create_email("E2", Parent::Program(p), t, given).unwrap();
        assert_eq!(i.emails[&e2].sender.from_name.as_deref(), Some("Events"));
        assert!(i.emails[&e2].operational);
        i.approve(Approvable::Email, e2).unwrap();
        // Approved emails are not deleted.
        assert_eq!(i.delete_email(e2).unwrap_err().code, "709");
        i.unapprove(Approvable::Email, e2).unwrap();
        i.delete_email(e2).unwrap();
    }
}
