//! The endpoints the simulator serves, by their Swagger path templates,
//! and how a concrete path matches one.

use crate::model::Id;

/// Every endpoint served, as (method, Swagger path template). A path
/// that names a record (`byName.json`) comes before the one with an id
/// in its place (`{id}.json`).
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", "/identity/oauth/token"),
    ("POST", "/identity/oauth/token"),
    ("GET", "/rest/asset/v1/folder/byName.json"),
    ("GET", "/rest/asset/v1/folder/{id}.json"),
    ("GET", "/rest/asset/v1/folders.json"),
    ("GET", "/rest/asset/v1/folder/{id}/tokens.json"),
    ("GET", "/rest/asset/v1/programs.json"),
    ("GET", "/rest/asset/v1/program/byName.json"),
    ("GET", "/rest/asset/v1/program/byTag.json"),
    ("GET", "/rest/asset/v1/program/{id}.json"),
    ("GET", "/rest/asset/v1/tagTypes.json"),
    ("GET", "/rest/asset/v1/tagType/byName.json"),
    ("GET", "/rest/asset/v1/channels.json"),
    ("GET", "/rest/asset/v1/segmentation.json"),
    ("GET", "/rest/asset/v1/segmentation/{id}/segments.json"),
    ("GET", "/rest/asset/v1/emails.json"),
    ("GET", "/rest/asset/v1/email/byName.json"),
    ("GET", "/rest/asset/v1/email/{id}.json"),
    ("GET", "/rest/asset/v1/email/{id}/content.json"),
    (
        "GET",
        "/rest/asset/v1/email/{id}/dynamicContent/{contentId}.json",
    ),
    ("GET", "/rest/asset/v1/landingPages.json"),
    ("GET", "/rest/asset/v1/landingPage/{id}/content.json"),
    (
        "GET",
        "/rest/asset/v1/landingPage/{id}/dynamicContent/{contentId}.json",
    ),
    ("GET", "/rest/asset/v1/forms.json"),
    ("GET", "/rest/asset/v1/form/{id}.json"),
    ("GET", "/rest/asset/v1/form/{id}/fields.json"),
    ("GET", "/rest/asset/v1/smartCampaigns.json"),
    ("GET", "/rest/asset/v1/smartCampaign/byName.json"),
    ("GET", "/rest/asset/v1/smartCampaign/{id}.json"),
    ("GET", "/rest/asset/v1/smartCampaign/{id}/smartList.json"),
    ("GET", "/rest/asset/v1/smartList/{id}.json"),
    ("GET", "/rest/asset/v1/emailTemplates.json"),
    ("GET", "/rest/asset/v1/emailTemplate/{id}/content"),
    ("GET", "/rest/asset/v1/landingPageTemplates.json"),
    (
        "GET",
        "/rest/asset/v1/landingPageTemplate/{id}/content.json",
    ),
    ("GET", "/rest/asset/v1/snippets.json"),
    ("GET", "/rest/asset/v1/snippet/{id}/content.json"),
    ("GET", "/rest/asset/v1/files.json"),
    ("GET", "/rest/v1/leads/describe.json"),
    ("GET", "/rest/v1/leads/describe2.json"),
    ("GET", "/rest/v1/customobjects.json"),
    ("GET", "/rest/v1/activities/external/types.json"),
    (
        "GET",
        "/rest/v1/activities/external/type/{apiName}/describe.json",
    ),
    ("GET", "/rest/v1/stats/usage.json"),
    // Writes (see `crate::writes` and `crate::edit`).
    ("POST", "/rest/asset/v1/programs.json"),
    ("POST", "/rest/asset/v1/program/{id}/delete.json"),
    ("POST", "/rest/asset/v1/folder/{id}/tokens.json"),
    ("POST", "/rest/asset/v1/folder/{id}/tokens/delete.json"),
    ("POST", "/rest/asset/v1/emails.json"),
    ("POST", "/rest/asset/v1/email/{id}/content/{htmlId}.json"),
    ("POST", "/rest/asset/v1/email/{id}/approveDraft.json"),
    ("POST", "/rest/asset/v1/email/{id}/unapprove.json"),
    ("POST", "/rest/asset/v1/email/{id}/delete.json"),
    ("POST", "/rest/asset/v1/landingPages.json"),
    ("POST", "/rest/asset/v1/landingPage/{id}/content.json"),
    ("POST", "/rest/asset/v1/landingPage/{id}/approveDraft.json"),
    ("POST", "/rest/asset/v1/landingPage/{id}/unapprove.json"),
    ("POST", "/rest/asset/v1/landingPage/{id}/delete.json"),
    ("POST", "/rest/asset/v1/forms.json"),
    ("POST", "/rest/asset/v1/form/{id}/fields.json"),
    ("POST", "/rest/asset/v1/form/{id}/richText.json"),
    (
        "POST",
        "/rest/asset/v1/form/{id}/field/{fieldId}/delete.json",
    ),
    ("POST", "/rest/asset/v1/form/{id}/reArrange.json"),
    ("POST", "/rest/asset/v1/form/{id}/approveDraft.json"),
    ("POST", "/rest/asset/v1/form/{id}/delete.json"),
    ("POST", "/rest/asset/v1/smartCampaigns.json"),
    ("POST", "/rest/asset/v1/smartCampaign/{id}/delete.json"),
    ("POST", "/rest/asset/v1/emailTemplates.json"),
    ("POST", "/rest/asset/v1/emailTemplate/{id}/content.json"),
    (
        "POST",
        "/rest/asset/v1/emailTemplate/{id}/approveDraft.json",
    ),
    ("POST", "/rest/asset/v1/emailTemplate/{id}/unapprove.json"),
    ("POST", "/rest/asset/v1/emailTemplate/{id}/delete.json"),
    ("POST", "/rest/asset/v1/landingPageTemplates.json"),
    (
        "POST",
        "/rest/asset/v1/landingPageTemplate/{id}/content.json",
    ),
    (
        "POST",
        "/rest/asset/v1/landingPageTemplate/{id}/approveDraft.json",
    ),
    (
        "POST",
        "/rest/asset/v1/landingPageTemplate/{id}/unapprove.json",
    ),
    (
        "POST",
        "/rest/asset/v1/landingPageTemplate/{id}/delete.json",
    ),
    ("POST", "/rest/asset/v1/files.json"),
    ("POST", "/rest/asset/v1/file/{id}/content.json"),
];

/// Match a path against a template; the `{...}` parts, in order.
pub fn matches(template: &str, path: &str) -> Option<Vec<String>> {
    let t: Vec<&str> = template.split('/').collect();
    let p: Vec<&str> = path.split('/').collect();
    if t.len() != p.len() {
        return None;
    }
    let mut params = Vec::new();
    for (a, b) in t.iter().zip(&p) {
        if let (Some(start), Some(end)) = (a.find('{'), a.find('}')) {
            let (prefix, suffix) = (&a[..start], &a[end + 1..]);
            let inner = b.strip_prefix(prefix)?.strip_suffix(suffix)?;
            if inner.is_empty() {
                return None;
            }
            params.push(inner.to_string());
        } else if a != b {
            return None;
        }
    }
    Some(params)
}

pub(crate) fn id_param(params: &[String]) -> Option<Id> {
    params.first().and_then(|s| s.parse().ok())
}
