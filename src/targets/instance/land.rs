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
    client: &'a Client,
    index: &'a Index,
    state: &'a Subscription,
    state_dir: &'a Path,
    import_id: &'a str,
    /// The program's place in the plan; none for a shared asset.
    slot: Option<usize>,
    /// Whose progress its writes are.
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
        let slot = match lane {
            Lane::Program(slot) => Some(slot),
            Lane::Shared(_) => None,
        };
        Writer {
            run,
            lane,
            client: run.client,
            index: run.index,
            state: run.state,
            state_dir: run.state_dir,
            import_id: run.import_id,
            slot,
            users,
            written: BTreeMap::new(),
            done: Vec::new(),
            program: program.to_string(),
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
            program: self.slot,
            users: self.users.clone(),
        })?;
        let created = match call(self.client) {
            Ok(created) => created,
            Err(e) if e.uncertain => match super::find::find(self.client, kind, name, parent) {
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
            program: self.slot,
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
        match call(self.client) {
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
        let folder = self.index.folder(&writes.landing.folder).ok_or_else(|| {
            Stop::refused(format!(
                "the campaign folder \"{}\" is not in the instance",
                writes.landing.folder
            ))
        })?;
        let declared = self.state.meta.tags.as_ref();
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

    // -----------------------------------------------------------------
    // The design studio.

    /// Where new design-studio assets of a kind go: beside one of that
    /// kind, else a folder of a usual name.
    fn design_folder(&mut self, kind: DesignKind) -> Result<FolderRef, Stop> {
        if let Some(f) = self.index.design_folders.get(&kind) {
            return Ok(*f);
        }
        // Held while looking, so that a kind is looked up once a run.
        let mut folders = lock(&self.run.folders);
        if let Some(f) = folders.get(&kind) {
            return Ok(*f);
        }
        self.go_on()?;
        for name in folder_names(kind) {
            let found = api::folders_by_name(self.client, name)
                .map_err(|e| refused(&format!("looking for the folder \"{name}\""), e))?;
            let folder = found
                .items
                .iter()
                .filter(|f| self.index.root.is_none_or(|root| f.as_ref() != root))
                .map(api::Folder::as_ref)
                .next();
            if let Some(folder) = folder {
                folders.insert(kind, folder);
                return Ok(folder);
            }
        }
        Err(Stop::refused(format!(
            "the instance has no {} yet and no Design Studio folder named {} to put one in; create one of those folders",
            kind.noun(),
            folder_names(kind)
                .iter()
                .map(|n| format!("\"{n}\""))
                .collect::<Vec<_>>()
                .join(" or ")
        )))
    }

    /// The lead fields' API names for field names of the target.
    fn api_names(&self, fields: &[String]) -> Vec<String> {
        let declared = self.state.meta.fields.as_deref().unwrap_or_default();
        fields.iter().map(|f| api_name(declared, f)).collect()
    }

    /// A form (local or global) with exactly its fields, in order, and
    /// approved unless it is a draft.
    fn form(
        &mut self,
        kind: RemoteKind,
        name: &str,
        folder: FolderRef,
        fields: &[String],
        status: Option<&Approval>,
    ) -> Result<u64, Stop> {
        let created = self.create(kind, name, Some(folder), |c| {
            write::create_form(c, name, folder)
        })?;
        // A new form starts with Marketo's three default fields.
        let had: Vec<String> = write::DEFAULT_FORM_FIELDS
            .iter()
            .map(|f| f.to_string())
            .collect();
        let wanted = self.api_names(fields);
        let what = format!("writing the fields of form \"{name}\"");
        let approve = status != Some(&Approval::Draft);
        match super::takeback::set_form_fields(self.client, created.id, &had, &wanted, approve) {
            Ok(Some(approved)) => self.stamp_last(&approved.updated_at),
            Ok(None) => {}
            Err(e) if e.uncertain && e.code() == Some("709") => {}
            Err(e) => return Err(refused(&what, e)),
        }
        Ok(created.id)
    }

    /// Write a design-studio asset several programs share (the first
    /// phase of a run).
    pub fn shared_asset(&mut self, asset: &AssetWrite) -> Result<(), Stop> {
        self.design_asset(asset)
    }

    fn design_asset(&mut self, asset: &AssetWrite) -> Result<(), Stop> {
        let mine = self.wrote(asset.kind, &asset.name);
        let theirs = self.index.asset(asset.kind, &asset.name).map(|a| a.id);
        match (mine, theirs) {
            (Some((id, before)), _) => self.replace(asset, id, Before::Written(before)),
            (None, Some(id)) => self.replace(asset, id, Before::Snapshot),
            (None, None) => self.create_design(asset),
        }
    }

    fn create_design(&mut self, asset: &AssetWrite) -> Result<(), Stop> {
        let folder = self.design_folder(asset.kind)?;
        let name = asset.name.clone();
        let kind = remote_kind(asset.kind);
        let id = match (&asset.content, asset.kind) {
            (AssetContent::Image { bytes, .. }, _) => {
                self.create(kind, &name, Some(folder), |c| {
                    write::create_file(c, &name, folder, bytes)
                })?
                .id
            }
            (AssetContent::Doc(doc), DesignKind::EmailTemplate) => {
                let html = doc_html(&doc.doc);
                let created = self.create(kind, &name, Some(folder), |c| {
                    write::create_template(c, TemplateKind::Email, &name, folder, &html)
                })?;
                self.approve_template(TemplateKind::Email, created.id, &name)?;
                created.id
            }
            (AssetContent::Doc(doc), DesignKind::LandingPageTemplate) => {
                let html = doc_html(&doc.doc);
                let created = self.create(kind, &name, Some(folder), |c| {
                    write::create_template(c, TemplateKind::LandingPage, &name, folder, "")
                })?;
                let what = format!("writing the content of landing page template \"{name}\"");
                self.then(&what, |c| {
                    write::update_template_content(c, TemplateKind::LandingPage, created.id, &html)
                })?;
                self.approve_template(TemplateKind::LandingPage, created.id, &name)?;
                created.id
            }
            (AssetContent::Doc(doc), DesignKind::Form) => {
                self.form(kind, &name, folder, &doc.fields(), None)?
            }
            (AssetContent::Doc(_), _) => {
                return Err(Stop::refused(format!(
                    "{} \"{name}\" cannot be written through the API",
                    asset.kind.noun()
                )))
            }
        };
        self.remember(asset, id);
        Ok(())
    }

    fn approve_template(&mut self, kind: TemplateKind, id: u64, name: &str) -> Result<(), Stop> {
        self.approve(kind.into(), id, &format!("template \"{name}\""))
    }

    /// Replace an asset's content (`overwrite`), keeping what it held.
    fn replace(&mut self, asset: &AssetWrite, id: u64, before: Before) -> Result<(), Stop> {
        let kind = remote_kind(asset.kind);
        let name = asset.name.clone();
        let previous = match before {
            Before::Written(content) => Some(self.content_bytes(asset.kind, &content)),
            Before::Snapshot => self.snapshot_content(asset.kind, &name),
        };
        let mut record = self.record(kind, id, &name);
        record.action = RemoteAction::Replace;
        if let Some(bytes) = &previous {
            let rel = pre_image_rel(self.import_id, &record);
            let path = self.state_dir.join(&rel);
            crate::fsutil::write_atomic_in_new_dir(&path, bytes).map_err(|e| {
                anyhow::anyhow!(e).context(format!("cannot keep {}", path.display()))
            })?;
            record.before = Some(rel);
        }
        self.journal(&Event::Done {
            record: record.clone(),
            program: self.slot,
        })?;
        self.done.push(record);
        let what = format!("replacing the content of {} \"{name}\"", asset.kind.noun());
        match (&asset.content, asset.kind) {
            (AssetContent::Image { bytes, .. }, _) => {
                if let Some(answer) =
                    self.then(&what, |c| write::update_file_content(c, id, &name, bytes))?
                {
                    self.stamp_last(&answer.updated_at);
                }
            }
            (
                AssetContent::Doc(doc),
                DesignKind::EmailTemplate | DesignKind::LandingPageTemplate,
            ) => {
                let template = if asset.kind == DesignKind::EmailTemplate {
                    TemplateKind::Email
                } else {
                    TemplateKind::LandingPage
                };
                let html = doc_html(&doc.doc);
                // New content, perhaps other sections.
                lock(&self.run.sections).remove(&id);
                self.then(&what, |c| {
                    write::update_template_content(c, template, id, &html)
                })?;
                self.approve_template(template, id, &name)?;
            }
            (AssetContent::Doc(doc), DesignKind::Form) => {
                let wanted = self.api_names(&doc.fields());
                let had: Vec<String> = previous
                    .as_deref()
                    .and_then(|b| serde_json::from_slice::<Vec<String>>(b).ok())
                    .unwrap_or_default();
                match super::takeback::set_form_fields(self.client, id, &had, &wanted, true) {
                    Ok(Some(approved)) => self.stamp_last(&approved.updated_at),
                    Ok(None) => {}
                    Err(e) => return Err(refused(&what, e)),
                }
            }
            (AssetContent::Doc(_), _) => {
                return Err(Stop::refused(format!(
                    "{} \"{name}\" cannot be written through the API",
                    asset.kind.noun()
                )))
            }
        }
        (self.run.tick)(
            self.lane,
            &self.program,
            &format!("{kind} \"{name}\" (id {id}) replaced"),
        );
        self.remember(asset, id);
        Ok(())
    }

    /// A document as the instance holds it, the way a restore puts it
    /// back: a form's fields' API names (as JSON), a template's HTML.
    fn doc_bytes(&self, kind: DesignKind, doc: &DesignDoc) -> Vec<u8> {
        match kind {
            DesignKind::Form => {
                serde_json::to_vec(&self.api_names(&doc.fields())).unwrap_or_default()
            }
            _ => doc_html(&doc.doc).into_bytes(),
        }
    }

    /// An asset's content as kept for a restore: an image's bytes, else
    /// [`Writer::doc_bytes`].
    fn content_bytes(&self, kind: DesignKind, content: &AssetContent) -> Vec<u8> {
        match content {
            AssetContent::Image { bytes, .. } => bytes.as_ref().clone(),
            AssetContent::Doc(doc) => self.doc_bytes(kind, doc),
        }
    }

    /// What the snapshot holds of an asset, as [`Writer::content_bytes`]
    /// gives it: read from the snapshot's file (a run keeps the target's
    /// names, not its documents, once planned).
    fn snapshot_content(&self, kind: DesignKind, name: &str) -> Option<Vec<u8>> {
        let stored = self.state.find_asset(kind, name)?;
        let path = self
            .state
            .root
            .join("design-studio")
            .join(kind.dir())
            .join(&stored.file);
        let bytes = std::fs::read(path).ok()?;
        if kind == DesignKind::Image {
            return Some(bytes);
        }
        let doc = DesignDoc {
            name: stored.name.clone(),
            doc: serde_json::from_slice(&bytes).ok()?,
        };
        Some(self.doc_bytes(kind, &doc))
    }

    // -----------------------------------------------------------------
    // Emails and landing pages.

    /// A design-studio asset this run wrote: its id and what it wrote.
    fn wrote(&self, kind: DesignKind, name: &str) -> Option<(u64, AssetContent)> {
        self.written
            .get(&(kind, key(name)))
            .cloned()
            .or_else(|| self.run.shared(kind, name))
    }

    /// Keep what was written, for the programs that use it.
    fn remember(&mut self, asset: &AssetWrite, id: u64) {
        let entry = ((asset.kind, key(&asset.name)), (id, asset.content.clone()));
        match self.slot {
            Some(_) => {
                self.written.insert(entry.0, entry.1);
            }
            None => {
                self.run
                    .shared
                    .write()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(entry.0, entry.1);
            }
        }
    }

    fn template_id(&self, kind: DesignKind, name: &str) -> Result<u64, Stop> {
        self.wrote(kind, name)
            .map(|(id, _)| id)
            .or_else(|| self.index.asset(kind, name).map(|a| a.id))
            .ok_or_else(|| {
                Stop::refused(format!(
                    "the {} \"{name}\" is not in the instance",
                    kind.noun()
                ))
            })
    }

    fn snippet_id(&self, name: &str) -> Result<u64, Stop> {
        self.index
            .asset(DesignKind::Snippet, name)
            .map(|a| a.id)
            .ok_or_else(|| Stop::refused(format!("the snippet \"{name}\" is not in the instance")))
    }

    fn email(&mut self, at: FolderRef, email: &Email) -> Result<(), Stop> {
        let template = email.template.as_deref().ok_or_else(|| {
            Stop::refused(format!(
                "email \"{}\" names no template; Marketo creates an email only on a template",
                email.name
            ))
        })?;
        let template = self.template_id(DesignKind::EmailTemplate, template)?;
        let name = email.name.clone();
        // What the email does not say is left to the instance's defaults;
        // nothing is borrowed from another email.
        let settings = EmailSettings {
            subject: email.subject.clone(),
            from_name: email.from_name.clone(),
            from_email: email.from_email.clone(),
            reply_email: email.reply_email.clone(),
            operational: email.operational,
        };
        let created = self.create(RemoteKind::Email, &name, Some(at), |c| {
            write::create_email(c, &name, at, template, &settings)
        })?;
        // The template decides the email's sections: the HTML goes in its
        // first text section, the snippets in its snippet sections (else
        // in those the email's HTML declares).
        let known = lock(&self.run.sections).get(&template).cloned();
        let sections = match known {
            Some(known) => known,
            None => {
                let what = format!("reading the sections of email \"{name}\"");
                let raw = self
                    .then(&what, |c| api::email_content(c, created.id, "draft"))?
                    .unwrap_or_default();
                let read: Vec<api::EmailSection> = api::parse_list(&raw);
                if !read.is_empty() {
                    lock(&self.run.sections).insert(template, read.clone());
                }
                read
            }
        };
        let is = |s: &api::EmailSection, kinds: &[&str]| {
            kinds.iter().any(|k| s.content_type.eq_ignore_ascii_case(k))
        };
        let body = sections
            .iter()
            .find(|s| is(s, &["Text", "HTML", "RichText"]))
            .map(|s| s.html_id.clone())
            .unwrap_or_else(|| "body".to_string());
        let what = format!("writing the content of email \"{name}\"");
        self.then(&what, |c| {
            write::update_email_section(c, created.id, &body, "Text", &email.html)
        })?;
        let mut slots: Vec<String> = sections
            .iter()
            .filter(|s| is(s, &["Snippet"]))
            .map(|s| s.html_id.clone())
            .collect();
        for id in snippet_slots(&email.html) {
            if !slots.contains(&id) {
                slots.push(id);
            }
        }
        for (n, snippet) in email.snippets.iter().enumerate() {
            let id = self.snippet_id(snippet)?;
            let slot = slots
                .get(n)
                .cloned()
                .unwrap_or_else(|| format!("snippet-{n}"));
            let what = format!("adding snippet \"{snippet}\" to email \"{name}\"");
            self.then(&what, |c| {
                write::update_email_section(c, created.id, &slot, "Snippet", &id.to_string())
            })?;
        }
        if email.status == Some(Approval::Approved) {
            self.approve(Lifecycle::Email, created.id, &format!("email \"{name}\""))?;
        }
        Ok(())
    }

    fn page(
        &mut self,
        at: FolderRef,
        page: &LandingPage,
        local_forms: &BTreeMap<String, u64>,
    ) -> Result<(), Stop> {
        let template = page.template.as_deref().ok_or_else(|| {
            Stop::refused(format!(
                "landing page \"{}\" names no template; Marketo creates a page only on a template",
                page.name
            ))
        })?;
        let template = self.template_id(DesignKind::LandingPageTemplate, template)?;
        let name = page.name.clone();
        let created = self.create(RemoteKind::LandingPage, &name, Some(at), |c| {
            write::create_landing_page(c, &name, at, template)
        })?;
        let what = format!("writing the content of landing page \"{name}\"");
        self.then(&what, |c| {
            write::add_landing_page_section(c, created.id, "html", "HTML", &page.html)
        })?;
        for (n, form) in page.forms.iter().enumerate() {
            let id = match local_forms.get(&key(form)) {
                Some(id) => *id,
                None => self.template_id(DesignKind::Form, form)?,
            };
            let what = format!("adding form \"{form}\" to landing page \"{name}\"");
            self.then(&what, |c| {
                write::add_landing_page_section(
                    c,
                    created.id,
                    &format!("form-{n}"),
                    "Form",
                    &id.to_string(),
                )
            })?;
        }
        for (n, snippet) in page.snippets.iter().enumerate() {
            let id = self.snippet_id(snippet)?;
            let what = format!("adding snippet \"{snippet}\" to landing page \"{name}\"");
            self.then(&what, |c| {
                write::add_landing_page_section(
                    c,
                    created.id,
                    &format!("snippet-{n}"),
                    "Snippet",
                    &id.to_string(),
                )
            })?;
        }
        if page.status == Some(Approval::Approved) {
            self.approve(
                Lifecycle::LandingPage,
                created.id,
                &format!("landing page \"{name}\""),
            )?;
        }
        Ok(())
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

/// What an asset held before a replace.
enum Before {
    /// This run wrote it earlier: what it wrote.
    Written(AssetContent),
    /// The instance's, as the snapshot holds it.
    Snapshot,
}

/// A design document's HTML.
fn doc_html(doc: &serde_json::Value) -> String {
    doc.get("html")
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// The ids of the elements of class `mktoSnippet` in an email's HTML, in
/// order.
fn snippet_slots(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        let after = &rest[start + 1..];
        let end = after.find('>').unwrap_or(after.len());
        let tag = &after[..end];
        rest = &after[end..];
        let class = attribute(tag, "class");
        if class.is_some_and(|c| c.split_whitespace().any(|c| c == "mktoSnippet")) {
            if let Some(id) = attribute(tag, "id").filter(|id| !id.is_empty()) {
                out.push(id);
            }
        }
    }
    out
}

/// The value of `name="..."` (or `'...'`, or unquoted) in a tag's text.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let mut from = 0;
    while let Some(at) = tag[from..].find(name) {
        let i = from + at;
        from = i + name.len();
        let before_ok = i == 0 || tag.as_bytes()[i - 1].is_ascii_whitespace();
        let rest = tag[i + name.len()..].trim_start();
        if !before_ok || !rest.starts_with('=') {
            continue;
        }
        let rest = rest[1..].trim_start();
        let quote = rest.chars().next()?;
        if quote != '"' && quote != '\'' {
            // Unquoted: up to the next space.
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            return Some(rest[..end].to_string());
        }
        let inner = &rest[1..];
        return inner.find(quote).map(|end| inner[..end].to_string());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippet_slots_come_from_the_html() {
        let html = r#"<td class="mktoText" id="body"></td><div class="x mktoSnippet" id="standard-footer" mktoName="F"></div><div class='mktoSnippet' id=''>"#;
        assert_eq!(snippet_slots(html), ["standard-footer"]);
        assert_eq!(
            snippet_slots("<div class=mktoSnippet id=footer>"),
            ["footer"]
        );
    }

    #[test]
    fn token_types_the_api_can_write() {
        assert_eq!(api_token_type(&TokenType::RichText), Some("rich text"));
        assert_eq!(api_token_type(&TokenType::Script), None);
        assert_eq!(api_token_type(&TokenType::Calendar), None);
        assert_eq!(program_type("engagement"), "Engagement");
    }
}
