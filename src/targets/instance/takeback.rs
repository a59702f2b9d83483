//! Taking back one asset an import wrote: deleting what it created,
//! putting back the content of what it replaced. Used by a failed
//! program's rollback, by recovery after a crash, and by `undo`.

use std::path::Path;

use crate::history::{RemoteAction, RemoteKind, RemoteRecord};
use crate::marketo::api::{self, FolderKind, FolderRef};
use crate::marketo::api_write::{self as write, Created, TemplateKind};
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
}

/// Is this Marketo saying there is no such asset?
fn is_gone(e: &ApiError) -> bool {
    matches!(e.code(), Some("702" | "610"))
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
        RemoteAction::Create | RemoteAction::Remove => match record.kind {
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
        },
        RemoteAction::Replace | RemoteAction::Restore => {
            let Some(before) = record
                .before
                .as_deref()
                .and_then(|rel| std::fs::read(state_dir.join(rel)).ok())
            else {
                return Ok(Taken::Kept(
                    "its previous content was not kept".to_string(),
                ));
            };
            restore(client, record, &before)
        }
    };
    match outcome {
        Ok(()) => Ok(Taken::Done),
        Err(e) if is_gone(&e) => Ok(Taken::Gone),
        Err(e) => Err(e),
    }
}

/// Put back the content a replace overwrote.
fn restore(client: &Client, record: &RemoteRecord, before: &[u8]) -> Result<(), ApiError> {
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
            write::approve_template(client, kind, id).map(|_| ())
        }
        RemoteKind::Image => {
            write::update_file_content(client, id, &record.name, before).map(|_| ())
        }
        RemoteKind::ExternalForm | RemoteKind::Form => {
            let wanted: Vec<String> = serde_json::from_slice(before).unwrap_or_default();
            let raw = api::form_fields(client, id, "draft")?;
            let had: Vec<String> = api::parse_list::<api::FormField>(&raw)
                .into_iter()
                .map(|f| f.id)
                .collect();
            set_form_fields(client, id, &had, &wanted).map(|_| ())
        }
        _ => Ok(()),
    }
}

/// Make a form's fields `wanted` (API names), given those it `had`, then
/// approve it; the approval's answer.
pub(super) fn set_form_fields(
    client: &Client,
    id: u64,
    had: &[String],
    wanted: &[String],
) -> Result<Option<Created>, ApiError> {
    for field in had
        .iter()
        .filter(|f| !wanted.iter().any(|w| w.eq_ignore_ascii_case(f)))
    {
        write::remove_form_field(client, id, field)?;
    }
    for field in wanted
        .iter()
        .filter(|w| !had.iter().any(|f| f.eq_ignore_ascii_case(w)))
    {
        write::add_form_field(client, id, field)?;
    }
    write::approve_form(client, id).map(Some)
}
