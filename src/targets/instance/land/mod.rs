//! Writing one planned program into a live instance, in the order of spec
//! section 11, and taking it back when a write fails for good:
//!
//! 1. the design-studio assets it brings (images and files, email and
//!    landing-page templates, global forms): created, or their content
//!    replaced (`overwrite`; the previous content is kept first);
//! 2. the program, in its campaign folder, with its channel and tags;
//! 3. its My Tokens; 4. its local forms; 5. its emails (template, subject,
//!    content); 6. its landing pages; 7. its smart campaigns, created
//!    inactive and unscheduled (the API cannot write a smart list or a
//!    flow: the plan lists them as `manual`).
//!
//! Every create is journaled before it is sent (an intent) and after (its
//! id), so a rollback, here or after a crash, knows what to delete.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, RwLock};

use crate::history::{RemoteAction, RemoteKind, RemoteRecord};
use crate::load::bundle::Bundle;
use crate::load::subscription::Subscription;
use crate::marketo::api::{self, FolderKind, FolderRef};
use crate::marketo::api_write::{self as write, Created, EmailSettings, Lifecycle, TemplateKind};
use crate::marketo::client::ErrorKind;
use crate::marketo::index::Index;
use crate::marketo::{ApiError, Client};
use crate::model::{
    Approval, AssetContent, DesignDoc, DesignKind, Email, FieldDef, LandingPage, Token, TokenType,
};
use crate::names::key;
use crate::plan::{hydrate, AssetWrite, ProgramWrites};

use super::state::{pre_image_rel, Event, Journal};

mod content;
mod studio;

/// Why writing a program stopped.
pub(super) enum Stop {
    /// The instance refused a write for good (or the program needs
    /// something the instance lacks): the program fails and is removed.
    Refused {
        code: Option<String>,
        message: String,
    },
    /// Something local (the journal, the disk) or an instance that does
    /// not answer: the whole run stops, and the next run, undo or log
    /// takes back the programs in progress.
    Local(anyhow::Error),
    /// Another writer stopped the run (see [`Session::abort`]): this one
    /// stopped before its next call.
    Aborted,
}

impl From<anyhow::Error> for Stop {
    fn from(e: anyhow::Error) -> Stop {
        Stop::Local(e)
    }
}

impl Stop {
    fn refused(message: impl Into<String>) -> Stop {
        Stop::Refused {
            code: None,
            message: message.into(),
        }
    }
}

/// A failure of a call, saying what was being written: Marketo refusing
/// it (an error code) fails the program; anything else (the daily quota,
/// an instance that cannot be reached, a transient error that outlasted
/// the retries, an answer that is not Marketo's) stops the run, and the
/// next one takes the program in progress back.
fn refused(what: &str, e: ApiError) -> Stop {
    match &e.kind {
        ErrorKind::Api { code, .. } => Stop::Refused {
            code: Some(code.clone()),
            message: format!("{what}: {e}"),
        },
        _ => Stop::Local(anyhow::Error::new(e).context(what.to_string())),
    }
}

/// The token types the API can create, by the format's type (Marketo's
/// name); the others (script, calendar, image) are `manual`.
pub(super) fn api_token_type(kind: &TokenType) -> Option<&'static str> {
    match kind {
        TokenType::Text => Some("text"),
        TokenType::RichText => Some("rich text"),
        TokenType::Number => Some("number"),
        TokenType::Date => Some("date"),
        TokenType::Score => Some("score"),
        TokenType::Script | TokenType::Calendar | TokenType::Image | TokenType::Other(_) => None,
    }
}

/// Marketo's program type for the format's.
fn program_type(kind: &str) -> &'static str {
    match kind {
        "event" => "Event",
        "engagement" => "Engagement",
        "email" => "Email",
        _ => "Default",
    }
}

/// The names a design-studio folder for new assets of a kind may have,
/// when the instance holds no asset of that kind yet.
pub(super) fn folder_names(kind: DesignKind) -> &'static [&'static str] {
    match kind {
        DesignKind::EmailTemplate => &["Email Templates", "Templates", "Emails"],
        DesignKind::LandingPageTemplate => {
            &["Landing Page Templates", "Templates", "Landing Pages"]
        }
        DesignKind::Form => &["Forms"],
        DesignKind::Snippet => &["Snippets"],
        DesignKind::Image => &["Images and Files"],
    }
}

fn remote_kind(kind: DesignKind) -> RemoteKind {
    match kind {
        DesignKind::EmailTemplate => RemoteKind::EmailTemplate,
        DesignKind::LandingPageTemplate => RemoteKind::LandingPageTemplate,
        DesignKind::Form => RemoteKind::ExternalForm,
        DesignKind::Snippet | DesignKind::Image => RemoteKind::Image,
    }
}

/// Design-studio assets first: images and files, templates, global forms.
fn studio_order(kind: DesignKind) -> u8 {
    match kind {
        DesignKind::Image => 0,
        DesignKind::EmailTemplate => 1,
        DesignKind::LandingPageTemplate => 2,
        DesignKind::Form => 3,
        DesignKind::Snippet => 4,
    }
}

/// The API name of the lead field a form names, as the target declares
/// it (the name itself when it declares none).
pub(super) fn api_name(declared: &[FieldDef], field: &str) -> String {
    declared
        .iter()
        .find(|d| key(&d.name) == key(field))
        .and_then(|d| d.api_name.clone())
        .unwrap_or_else(|| field.to_string())
}

/// Is this email approved in the source, but not approvable in the
/// instance? Marketo approves an email only with a subject (and a sender,
/// which the instance's defaults give when the email has none).
pub(super) fn cannot_approve(email: &Email) -> bool {
    email.status == Some(Approval::Approved)
        && email.subject.as_deref().is_none_or(|s| s.trim().is_empty())
}

/// A token's value as the API takes it.
fn token_value(token: &Token) -> String {
    match &token.value {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Whose writes a line of progress tells of: a design-studio asset
/// several programs share (by its place among them), or a program (by its
/// place in the plan).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Lane {
    Shared(usize),
    Program(usize),
}

/// What the writers of one run share, across the threads that write
/// programs at once: the instance, the snapshot the plan was made from,
/// the journal, and what was found or written once for all.
pub(super) struct Session<'a> {
    pub client: &'a Client,
    pub index: &'a Index,
    /// The snapshot the plan was made from (field API names, the contents
    /// an overwrite replaces).
    pub state: &'a Subscription,
    pub state_dir: &'a Path,
    pub import_id: &'a str,
    pub journal: Mutex<Journal>,
    /// Design-studio folders found by name (looked up once a kind; the
    /// lock is held while looking).
    folders: Mutex<BTreeMap<DesignKind, FolderRef>>,
    /// The sections of a new email, by its template's id: the template
    /// decides them, so they are read once per template (from its first
    /// email), not once per email.
    sections: Mutex<BTreeMap<u64, Vec<api::EmailSection>>>,
    /// Design-studio assets several programs use, written before the
    /// programs: (kind, name key) → id and the content written.
    shared: RwLock<BTreeMap<(DesignKind, String), (u64, AssetContent)>>,
    /// Set when the run must end at once (a local failure): every writer
    /// stops before its next call, and the journal keeps what it did.
    abort: AtomicBool,
    /// Why it must end (the first reason).
    error: Mutex<Option<anyhow::Error>>,
    /// Told of each asset written: whose it is, the program's name, what
    /// was written.
    tick: &'a (dyn Fn(Lane, &str, &str) + Sync),
}

impl<'a> Session<'a> {
    pub fn new(
        client: &'a Client,
        index: &'a Index,
        state: &'a Subscription,
        state_dir: &'a Path,
        import_id: &'a str,
        journal: Journal,
        tick: &'a (dyn Fn(Lane, &str, &str) + Sync),
    ) -> Session<'a> {
        Session {
            client,
            index,
            state,
            state_dir,
            import_id,
            journal: Mutex::new(journal),
            folders: Mutex::new(BTreeMap::new()),
            sections: Mutex::new(BTreeMap::new()),
            shared: RwLock::new(BTreeMap::new()),
            abort: AtomicBool::new(false),
            error: Mutex::new(None),
            tick,
        }
    }

    /// Journal one event (synced before this returns).
    pub fn journal(&self, event: &Event) -> anyhow::Result<()> {
        lock(&self.journal).write(event)
    }

    /// End the run at once, for this reason (the first one is kept).
    pub fn fail(&self, e: anyhow::Error) {
        self.abort.store(true, Ordering::Relaxed);
        let mut first = lock(&self.error);
        if first.is_none() {
            *first = Some(e);
        }
    }

    pub fn aborted(&self) -> bool {
        self.abort.load(Ordering::Relaxed)
    }

    /// Why the run had to end, if it had to.
    pub fn take_error(&self) -> Option<anyhow::Error> {
        lock(&self.error).take()
    }

    /// The journal, once every writer is done.
    pub fn into_journal(self) -> Journal {
        self.journal.into_inner().unwrap_or_else(|e| e.into_inner())
    }

    /// A shared asset the first phase wrote.
    fn shared(&self, kind: DesignKind, name: &str) -> Option<(u64, AssetContent)> {
        self.shared
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&(kind, key(name)))
            .cloned()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Writes one program (or, in the first phase, one shared design-studio
/// asset) through the API, on one thread.
pub(super) struct Writer<'s, 'a> {
    run: &'s Session<'a>,
    /// Whose writes they are: a program's (its place in the plan) or a
    /// shared asset's.
    lane: Lane,
    /// The programs that use the shared asset being written.
    users: Vec<usize>,
    /// Design-studio assets this writer wrote: (kind, name key) → id and
    /// the content written.
    written: BTreeMap<(DesignKind, String), (u64, AssetContent)>,
    /// What it created or replaced, in order.
    pub done: Vec<RemoteRecord>,
    /// The name of the program in the instance.
    program: String,
}

impl<'s, 'a> Writer<'s, 'a> {
    /// A writer for the program at `slot` of the plan, named `program` in
    /// the instance.
    pub fn for_program(run: &'s Session<'a>, slot: usize, program: &str) -> Writer<'s, 'a> {
        Writer::new(run, Lane::Program(slot), Vec::new(), program)
    }

    /// A writer for the shared design-studio asset at `shared` (its place
    /// among them) that the programs at `users` use; `owner` names the
    /// program that brings it (whose receipt rows name it).
    pub fn for_shared(
        run: &'s Session<'a>,
        shared: usize,
        users: Vec<usize>,
        owner: &str,
    ) -> Writer<'s, 'a> {
        Writer::new(run, Lane::Shared(shared), users, owner)
    }

    fn new(run: &'s Session<'a>, lane: Lane, users: Vec<usize>, program: &str) -> Writer<'s, 'a> {
        Writer {
            run,
            lane,
            users,
            written: BTreeMap::new(),
            done: Vec::new(),
            program: program.to_string(),
        }
    }

    /// The program's place in the plan; none for a shared asset.
    fn slot(&self) -> Option<usize> {
        match self.lane {
            Lane::Program(slot) => Some(slot),
            Lane::Shared(_) => None,
        }
    }

    fn record(&self, kind: RemoteKind, id: u64, name: &str) -> RemoteRecord {
        RemoteRecord {
            action: RemoteAction::Create,
            id,
            kind,
            name: name.to_string(),
            program: self.program.clone(),
            updated_at: String::new(),
            before: None,
            token_type: None,
        }
    }

    /// Stop before a call when the run is ending.
    fn go_on(&self) -> Result<(), Stop> {
        if self.run.aborted() {
            return Err(Stop::Aborted);
        }
        Ok(())
    }

    fn journal(&self, event: &Event) -> Result<(), Stop> {
        Ok(self.run.journal(event)?)
    }

    /// Send a create, journaled before (an intent) and after (its id).
    /// When the call failed after a try that may have reached Marketo, the
    /// asset is looked for by name: found, it is this call's.
    fn create(
        &mut self,
        kind: RemoteKind,
        name: &str,
        parent: Option<FolderRef>,
        call: impl FnOnce(&Client) -> Result<Created, ApiError>,
    ) -> Result<Created, Stop> {
        self.go_on()?;
        let intent = self.record(kind, 0, name);
        self.journal(&Event::Intent {
            record: intent,
            parent: parent.map(|p| p.id),
            program: self.slot(),
            users: self.users.clone(),
        })?;
        let created = match call(self.run.client) {
            Ok(created) => created,
            Err(e) if e.uncertain => match super::find::find(self.run.client, kind, name, parent) {
                Ok(Some(id)) => Created {
                    id,
                    updated_at: String::new(),
                },
                _ => return Err(refused(&format!("creating {kind} \"{name}\""), e)),
            },
            Err(e) => return Err(refused(&format!("creating {kind} \"{name}\""), e)),
        };
        let mut record = self.record(kind, created.id, name);
        record.updated_at = created.updated_at.clone();
        let what = record.to_string();
        self.created(record, &what)?;
        Ok(created)
    }

    /// What was created: journaled, kept for a rollback, and shown.
    fn created(&mut self, record: RemoteRecord, what: &str) -> Result<(), Stop> {
        self.journal(&Event::Done {
            record: record.clone(),
            program: self.slot(),
            users: self.users.clone(),
        })?;
        self.done.push(record);
        (self.run.tick)(self.lane, &self.program, what);
        Ok(())
    }

    /// A write that adds to what was just created (a section, a field, an
    /// approval). After an uncertain try, "already there" (709) means it
    /// was done.
    fn then<T>(
        &mut self,
        what: &str,
        call: impl FnOnce(&Client) -> Result<T, ApiError>,
    ) -> Result<Option<T>, Stop> {
        self.go_on()?;
        match call(self.run.client) {
            Ok(v) => Ok(Some(v)),
            Err(e) if e.uncertain && e.code() == Some("709") => Ok(None),
            Err(e) => Err(refused(what, e)),
        }
    }

    /// The time stamp of the last asset created, after what followed it.
    fn stamp_last(&mut self, updated_at: &str) {
        if let Some(last) = self.done.last_mut() {
            if !updated_at.is_empty() {
                last.updated_at = updated_at.to_string();
            }
        }
    }

    /// Write one program whole; its id in the instance. The design-studio
    /// assets in `shared` were written before, for every program that
    /// uses them.
    pub fn program(
        &mut self,
        writes: &ProgramWrites,
        full: &Bundle,
        shared: &BTreeSet<(DesignKind, String)>,
    ) -> Result<u64, Stop> {
        let (landed, mut assets) = hydrate(writes, full);
        self.done.clear();

        // 1. The design studio: what only this program uses.
        assets.retain(|a| !shared.contains(&(a.kind, key(&a.name))));
        assets.sort_by_key(|a| studio_order(a.kind));
        for asset in &assets {
            self.design_asset(asset)?;
        }

        // 2. The program.
        let folder = self
            .run
            .index
            .folder(&writes.landing.folder)
            .ok_or_else(|| {
                Stop::refused(format!(
                    "the campaign folder \"{}\" is not in the instance",
                    writes.landing.folder
                ))
            })?;
        let declared = self.run.state.meta.tags.as_ref();
        let tags: Vec<(String, String)> = landed
            .program
            .tags
            .iter()
            .filter(|(t, v)| {
                // A tag value the instance lacks cannot be added through
                // the API (the plan lists it as `manual`).
                declared.is_some_and(|tags| {
                    tags.iter().any(|(tt, values)| {
                        key(tt) == key(t) && values.iter().any(|vv| key(vv) == key(v))
                    })
                })
            })
            .map(|(t, v)| (t.clone(), v.clone()))
            .collect();
        let info = &landed.program;
        let name = info.name.clone();
        let program = self.create(RemoteKind::Program, &name, Some(folder), |c| {
            write::create_program(
                c,
                &name,
                folder,
                program_type(&info.kind),
                info.channel.as_deref().unwrap_or_default(),
                info.description.as_deref().unwrap_or_default(),
                &tags,
            )
        })?;
        let at = FolderRef {
            id: program.id,
            kind: FolderKind::Program,
        };

        // 3. Its tokens.
        for token in &landed.tokens {
            let Some(kind) = api_token_type(&token.kind) else {
                continue;
            };
            let bare = token.name.strip_prefix("my.").unwrap_or(&token.name);
            let value = token_value(token);
            let what = format!("creating token \"{}\"", token.name);
            self.then(&what, |c| write::create_token(c, at, bare, kind, &value))?;
            let mut record = self.record(RemoteKind::Token, program.id, bare);
            record.token_type = Some(kind.to_string());
            self.created(record, &format!("token \"{}\"", token.name))?;
        }

        // 4. Local forms.
        let mut local_forms: BTreeMap<String, u64> = BTreeMap::new();
        for form in &landed.forms {
            let id = self.form(
                RemoteKind::Form,
                &form.name,
                at,
                &form.fields,
                form.status.as_ref(),
            )?;
            local_forms.insert(key(&form.name), id);
        }

        // 5. Emails.
        for email in &landed.emails {
            self.email(at, email)?;
        }

        // 6. Landing pages.
        for page in &landed.landing_pages {
            self.page(at, page, &local_forms)?;
        }

        // 7. Smart campaigns: inactive, unscheduled, smart list and flow
        // empty.
        for campaign in &landed.smart_campaigns {
            let name = campaign.name.clone();
            self.create(RemoteKind::SmartCampaign, &name, Some(at), |c| {
                write::create_smart_campaign(c, &name, at)
            })?;
        }
        Ok(program.id)
    }

    /// Approve what was just created and written (its draft), keeping the
    /// time stamp the approval answers.
    fn approve(&mut self, kind: Lifecycle, id: u64, what: &str) -> Result<(), Stop> {
        let doing = format!("approving {what}");
        if let Some(approved) = self.then(&doing, |c| write::approve(c, kind, id))? {
            self.stamp_last(&approved.updated_at);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_types_the_api_can_write() {
        assert_eq!(api_token_type(&TokenType::RichText), Some("rich text"));
        assert_eq!(api_token_type(&TokenType::Script), None);
        assert_eq!(api_token_type(&TokenType::Calendar), None);
        assert_eq!(program_type("engagement"), "Engagement");
    }
}
