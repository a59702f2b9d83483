//! Finding an asset by name: what a create that may or may not have been
//! carried out (its answer lost, or the process killed before its id was
//! journaled) left in the instance.

use crate::history::RemoteKind;
use crate::marketo::api::{self, FolderKind, FolderRef};
use crate::marketo::{ApiError, Client};
use crate::names;

/// `parent` as a journal keeps it (the id of the program, for what goes
/// in one, or of the folder) as a reference.
pub(super) fn parent_ref(kind: RemoteKind, parent: Option<u64>) -> Option<FolderRef> {
    let kind = match kind {
        RemoteKind::Form
        | RemoteKind::Email
        | RemoteKind::LandingPage
        | RemoteKind::SmartCampaign => FolderKind::Program,
        RemoteKind::Program
        | RemoteKind::Token
        | RemoteKind::EmailTemplate
        | RemoteKind::LandingPageTemplate
        | RemoteKind::ExternalForm
        | RemoteKind::Image => FolderKind::Folder,
    };
    parent.map(|id| FolderRef { id, kind })
}

/// The id of the asset of this kind and name in `parent` (for a program,
/// anywhere), if there is one.
pub(super) fn find(
    client: &Client,
    kind: RemoteKind,
    name: &str,
    parent: Option<FolderRef>,
) -> Result<Option<u64>, ApiError> {
    let same = |n: &str| names::same(n, name);
    let in_parent = |folder: Option<FolderRef>| parent.is_none() || folder == parent;
    Ok(match kind {
        RemoteKind::Program => api::program_by_name(client, name)?
            .filter(|p| same(&p.name))
            .map(|p| p.id),
        RemoteKind::Token => None,
        RemoteKind::EmailTemplate => api::email_templates(client)?
            .items
            .into_iter()
            .find(|a| same(&a.name))
            .map(|a| a.id),
        RemoteKind::LandingPageTemplate => api::landing_page_templates(client)?
            .items
            .into_iter()
            .find(|a| same(&a.name))
            .map(|a| a.id),
        RemoteKind::Image => api::files(client)?
            .items
            .into_iter()
            .find(|f| same(&f.name))
            .map(|f| f.id),
        RemoteKind::ExternalForm => api::forms(client)?
            .items
            .into_iter()
            .find(|f| same(&f.name) && in_parent(f.folder))
            .map(|f| f.id),
        RemoteKind::Form
        | RemoteKind::Email
        | RemoteKind::LandingPage
        | RemoteKind::SmartCampaign => {
            let Some(folder) = parent else {
                return Ok(None);
            };
            match kind {
                RemoteKind::Form => api::forms_in(client, folder)?
                    .items
                    .into_iter()
                    .find(|f| same(&f.name))
                    .map(|f| f.id),
                RemoteKind::Email => api::emails_in(client, folder)?
                    .items
                    .into_iter()
                    .find(|e| same(&e.asset.name))
                    .map(|e| e.asset.id),
                RemoteKind::LandingPage => api::landing_pages_in(client, folder)?
                    .items
                    .into_iter()
                    .find(|p| same(&p.asset.name))
                    .map(|p| p.asset.id),
                _ => api::smart_campaigns_in(client, folder)?
                    .items
                    .into_iter()
                    .find(|c| same(&c.name))
                    .map(|c| c.id),
            }
        }
    })
}
