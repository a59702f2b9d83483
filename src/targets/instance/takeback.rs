//! Taking back one asset an import wrote: deleting what it created,
//! putting back the content of what it replaced. Used by a failed
//! program's rollback, by recovery after a crash, and by `undo`.
//!
//! Marketo refuses to delete an approved email, landing page or template
//! ("ensure that it is not approved"), so those are unapproved first. Any other refusal is [`Taken::Refused`]: the caller
//! warns and goes on with the next asset, so a rollback or an undo never
//! stops half-way because of one asset. Only an instance that cannot
//! answer (unreachable, the daily quota) is an error: then nothing more
//! can be taken back now, and the journal keeps the rest for next time.

use std::path::Path;

use crate::history::{RemoteAction, RemoteKind, RemoteRecord};
use crate::marketo::api::{self, FolderKind, FolderRef};
use crate::marketo::api_write::{self as write, Created, Lifecycle, TemplateKind};
use crate::marketo::client::ErrorKind;
use crate::marketo::{ApiError, Client};

/// What taking back one asset came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Taken {
    /// Deleted, or its content put back.
    Done,
    /// It was gone already.
    Gone,
    /// It stays, and why (the API cannot delete a file).
    Kept(String),
    /// Marketo refused: it stays, with Marketo's words.
    Refused(String),
}

impl Taken {
    /// What a person should be told about `record`, when it stays.
    pub(super) fn warning(&self, record: &RemoteRecord) -> Option<String> {
        match self {
            Taken::Done | Taken::Gone => None,
            Taken::Kept(why) => Some(format!("{record} stays: {why}")),
            Taken::Refused(why) => Some(format!(
                "{record} could not be taken back ({why}); do it by hand in Marketo"
            )),
        }
    }
}

/// Take back `records`, newest first: `removed` is told of each one
/// deleted or put back (to journal it); the warnings of those that stay.
/// An instance that stops answering ends it with an error naming the
/// record (the journal keeps the rest for the next run, undo or log).
pub(super) fn take_back_all(
    client: &Client,
    state_dir: &Path,
    records: &[RemoteRecord],
    mut removed: impl FnMut(&RemoteRecord) -> anyhow::Result<()>,
) -> anyhow::Result<Vec<String>> {
    let mut warnings = Vec::new();
    for record in records.iter().rev() {
        let taken = take_back(client, state_dir, record)
            .map_err(|e| anyhow::anyhow!(e).context(format!("cannot take back {record}")))?;
        if matches!(taken, Taken::Done | Taken::Gone) {
            removed(record)?;
        }
        warnings.extend(taken.warning(record));
    }
    Ok(warnings)
}

/// Is this Marketo saying there is no such asset?
fn is_gone(e: &ApiError) -> bool {
    matches!(e.code(), Some("702" | "610"))
}

/// Is this Marketo refusing the call (an error code), as opposed to an
/// instance that did not answer?
fn is_refusal(e: &ApiError) -> bool {
    matches!(e.kind, ErrorKind::Api { .. })
}

/// The draft/approved kind of an asset to unapprove before deleting it
/// (Adobe's Assets page: "except for forms, assets with approval and draft
/// states must be unapproved before deletion"). The Forms page asks to
/// unapprove a form too, but the API has no call for it (neither the
/// endpoint reference nor the Swagger files list one): an approved form is
/// deleted as it is, which the Assets page allows.
fn unapproved_before_delete(kind: RemoteKind) -> Option<Lifecycle> {
    match kind {
        RemoteKind::Email => Some(Lifecycle::Email),
        RemoteKind::EmailTemplate => Some(Lifecycle::EmailTemplate),
        RemoteKind::LandingPage => Some(Lifecycle::LandingPage),
        RemoteKind::LandingPageTemplate => Some(Lifecycle::LandingPageTemplate),
        RemoteKind::Form
        | RemoteKind::ExternalForm
        | RemoteKind::Program
        | RemoteKind::Token
        | RemoteKind::SmartCampaign
        | RemoteKind::Image => None,
    }
}

/// Take back `record` (see the module docs). `state_dir` holds the
/// previous contents of replaced assets.
pub(super) fn take_back(
    client: &Client,
    state_dir: &Path,
    record: &RemoteRecord,
) -> Result<Taken, ApiError> {
    let id = record.id;
    let outcome = match record.action {
        RemoteAction::Create | RemoteAction::Remove => {
            if let Some(lifecycle) = unapproved_before_delete(record.kind) {
                // A draft answers that it is not approved: fine, it can go.
                match write::unapprove(client, lifecycle, id) {
                    Err(e) if is_gone(&e) => return Ok(Taken::Gone),
                    Err(e) if !is_refusal(&e) => return Err(e),
                    _ => {}
                }
            }
            delete(client, record)
        }
        RemoteAction::Replace | RemoteAction::Restore => {
            let Some(before) = record
                .before
                .as_deref()
                .and_then(|rel| std::fs::read(state_dir.join(rel)).ok())
            else {
                return Ok(Taken::Kept("its previous content was not kept".to_string()));
            };
            restore(client, record, &before)
        }
    };
    match outcome {
        Ok(taken) => Ok(taken),
        Err(e) if is_gone(&e) => Ok(Taken::Gone),
        Err(e) if is_refusal(&e) => Ok(Taken::Refused(e.to_string())),
        Err(e) => Err(e),
    }
}

fn delete(client: &Client, record: &RemoteRecord) -> Result<Taken, ApiError> {
    let id = record.id;
    match record.kind {
        RemoteKind::Program => write::delete_program(client, id),
        RemoteKind::Token => {
            let at = FolderRef {
                id,
                kind: FolderKind::Program,
            };
            let kind = record.token_type.as_deref().unwrap_or("text");
            write::delete_token(client, at, &record.name, kind)
        }
        RemoteKind::Email => write::delete_email(client, id),
        RemoteKind::LandingPage => write::delete_landing_page(client, id),
        RemoteKind::Form | RemoteKind::ExternalForm => write::delete_form(client, id),
        RemoteKind::SmartCampaign => write::delete_smart_campaign(client, id),
        RemoteKind::EmailTemplate => write::delete_template(client, TemplateKind::Email, id),
        RemoteKind::LandingPageTemplate => {
            write::delete_template(client, TemplateKind::LandingPage, id)
        }
        RemoteKind::Image => {
            return Ok(Taken::Kept(
                "Marketo's API has no call that deletes a file; delete it in Design Studio if nothing uses it".into(),
            ))
        }
    }
    .map(|()| Taken::Done)
}

/// Put back the content a replace overwrote.
fn restore(client: &Client, record: &RemoteRecord, before: &[u8]) -> Result<Taken, ApiError> {
    let id = record.id;
    match record.kind {
        RemoteKind::EmailTemplate | RemoteKind::LandingPageTemplate => {
            let kind = if record.kind == RemoteKind::EmailTemplate {
                TemplateKind::Email
            } else {
                TemplateKind::LandingPage
            };
            let html = String::from_utf8_lossy(before);
            write::update_template_content(client, kind, id, &html)?;
            write::approve(client, kind.into(), id)?;
        }
        RemoteKind::Image => {
            write::update_file_content(client, id, &record.name, before)?;
        }
        RemoteKind::ExternalForm | RemoteKind::Form => {
            let wanted: Vec<String> = serde_json::from_slice(before).unwrap_or_default();
            let raw = api::form_fields(client, id, "draft")?;
            let had: Vec<String> = api::parse_list::<api::FormField>(&raw)
                .into_iter()
                .map(|f| f.id)
                .collect();
            set_form_fields(client, id, &had, &wanted, true)?;
        }
        _ => {}
    }
    Ok(Taken::Done)
}

/// What makes a form's fields `wanted` (API names, in this order) from
/// those it `had` (in their order): the ones to remove, the ones to add
/// (at the end), and whether they must then be put in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct FieldSteps {
    pub remove: Vec<String>,
    pub add: Vec<String>,
    pub rearrange: bool,
}

pub(super) fn field_steps(had: &[String], wanted: &[String]) -> FieldSteps {
    let same = |a: &String, b: &String| a.eq_ignore_ascii_case(b);
    let mut now: Vec<&String> = Vec::with_capacity(wanted.len());
    let mut remove = Vec::new();
    for field in had {
        if wanted.iter().any(|w| same(w, field)) {
            now.push(field);
        } else {
            remove.push(field.clone());
        }
    }
    let mut add = Vec::new();
    for field in wanted {
        if !now.iter().any(|f| same(f, field)) {
            add.push(field.clone());
            now.push(field);
        }
    }
    let in_order = now.len() == wanted.len() && now.iter().zip(wanted).all(|(a, b)| same(a, b));
    FieldSteps {
        remove,
        add,
        rearrange: !in_order,
    }
}

/// Make a form's fields exactly `wanted` (API names, in this order),
/// given those it `had` (see [`field_steps`]), then approve it when
/// asked; the approval's answer.
pub(super) fn set_form_fields(
    client: &Client,
    id: u64,
    had: &[String],
    wanted: &[String],
    approve: bool,
) -> Result<Option<Created>, ApiError> {
    let steps = field_steps(had, wanted);
    for field in &steps.remove {
        write::remove_form_field(client, id, field)?;
    }
    for field in &steps.add {
        write::add_form_field(client, id, field)?;
    }
    if steps.rearrange {
        write::rearrange_form_fields(client, id, wanted)?;
    }
    if approve {
        write::approve(client, Lifecycle::Form, id).map(Some)
    } else {
        Ok(None)
    }
}
