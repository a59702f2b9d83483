//! How many API calls a run will take (spec 13: `summary.calls_estimate`,
//! and what `run --max-calls` budgets with). Counted the way
//! [`super::land`] writes, call by call, from the plan and the instance as
//! the plan read it, so that it is never below what the run then sends
//! (unless the instance makes it retry: a 606 from another integration,
//! a transient error) and close above it: the only calls it may count
//! that a run does not make are the reads of an email template's
//! sections, counted once per program that uses it (a run reads them once
//! for all its programs, when nothing else reads them at the same time).

use std::collections::{BTreeMap, BTreeSet};

use crate::load::subscription::Subscription;
use crate::marketo::index::Index;
use crate::model::{Approval, AssetContent, DesignKind, FieldDef, ProgramFile};
use crate::names::key;
use crate::plan::{AssetWrite, ProgramPlan};

use super::land::{api_name, api_token_type, folder_names};
use super::takeback::field_steps;

/// What the estimate needs of the instance as a plan read it.
#[derive(Debug, Default)]
pub(super) struct Basis {
    /// The lead fields the snapshot declares (API names of form fields).
    fields: Vec<FieldDef>,
    /// The fields (API names) of each global form, by name key.
    forms: BTreeMap<String, Vec<String>>,
}

impl Basis {
    pub fn new(state: &Subscription) -> Basis {
        let fields = state.meta.fields.clone().unwrap_or_default();
        let forms = state
            .assets_of(DesignKind::Form)
            .map(|a| {
                let names = a.doc.as_ref().map(|d| d.fields()).unwrap_or_default();
                let api = names.iter().map(|n| api_name(&fields, n)).collect();
                (key(&a.name), api)
            })
            .collect();
        Basis { fields, forms }
    }

    fn api_names(&self, names: &[String]) -> Vec<String> {
        names.iter().map(|n| api_name(&self.fields, n)).collect()
    }
}

/// The calls of a form's fields: from `had` to `wanted`, then approved or
/// not.
fn form_calls(had: &[String], wanted: &[String], approve: bool) -> u64 {
    let steps = field_steps(had, wanted);
    (steps.remove.len() + steps.add.len()) as u64 + u64::from(steps.rearrange) + u64::from(approve)
}

fn default_fields() -> Vec<String> {
    crate::marketo::api_write::DEFAULT_FORM_FIELDS
        .iter()
        .map(|f| f.to_string())
        .collect()
}

/// The calls of writing one design-studio asset (created, or its content
/// replaced when the instance has one of that name).
pub(super) fn design_calls(basis: &Basis, index: &Index, asset: &AssetWrite) -> u64 {
    let exists = index.asset(asset.kind, &asset.name).is_some();
    match (&asset.content, asset.kind) {
        (AssetContent::Image { .. }, _) => 1,
        (AssetContent::Doc(_), DesignKind::EmailTemplate) => 2,
        (AssetContent::Doc(_), DesignKind::LandingPageTemplate) => {
            if exists {
                2
            } else {
                3
            }
        }
        (AssetContent::Doc(doc), DesignKind::Form) => {
            let wanted = basis.api_names(&doc.fields());
            if exists {
                let had = basis
                    .forms
                    .get(&key(&asset.name))
                    .cloned()
                    .unwrap_or_default();
                form_calls(&had, &wanted, true)
            } else {
                1 + form_calls(&default_fields(), &wanted, true)
            }
        }
        // Refused before any call.
        (AssetContent::Doc(_), _) => 0,
    }
}

/// The calls of writing one program: its design-studio assets (`assets`,
/// as the plan brings them), then the program as it lands (`landed`).
pub(super) fn program_calls(
    basis: &Basis,
    index: &Index,
    landed: &ProgramFile,
    assets: &[AssetWrite],
) -> u64 {
    let mut n: u64 = assets.iter().map(|a| design_calls(basis, index, a)).sum();
    // The program.
    n += 1;
    n += landed
        .tokens
        .iter()
        .filter(|t| api_token_type(&t.kind).is_some())
        .count() as u64;
    for form in &landed.forms {
        let approve = form.status != Some(Approval::Draft);
        n += 1 + form_calls(&default_fields(), &basis.api_names(&form.fields), approve);
    }
    let mut templates: BTreeSet<String> = BTreeSet::new();
    for email in &landed.emails {
        if let Some(t) = &email.template {
            templates.insert(key(t));
        }
        n += 2 + email.snippets.len() as u64;
        n += u64::from(email.status == Some(Approval::Approved));
    }
    // An email template's sections, read from its first new email.
    n += templates.len() as u64;
    for page in &landed.landing_pages {
        n += 2 + page.forms.len() as u64 + page.snippets.len() as u64;
        n += u64::from(page.status == Some(Approval::Approved));
    }
    n += landed.smart_campaigns.len() as u64;
    n
}

/// The calls a run makes to write `programs` (planned `ok`, each with its
/// estimate): theirs, and the run's own ([`run_calls`]); none when there
/// is nothing to write.
pub(super) fn writing_calls<'p>(
    index: &Index,
    programs: impl IntoIterator<Item = &'p ProgramPlan>,
) -> u64 {
    let mut writes = 0;
    let mut kinds: BTreeSet<DesignKind> = BTreeSet::new();
    let mut any = false;
    for p in programs {
        any = true;
        writes += p.calls.unwrap_or(0);
        if let Some(w) = &p.writes {
            kinds.extend(
                w.assets
                    .iter()
                    .filter(|a| index.asset(a.kind, &a.name).is_none())
                    .map(|a| a.kind),
            );
        }
    }
    if !any {
        return 0;
    }
    writes + run_calls(index, &kinds, writes)
}

/// The calls a run makes besides its programs': the check before
/// writing (a list of each kind it compares, a page per 200), the
/// design-studio folders it may have to look up by name, and a new access
/// token an hour.
pub(super) fn run_calls(index: &Index, kinds_created: &BTreeSet<DesignKind>, writes: u64) -> u64 {
    let pages = |n: usize| (n / crate::marketo::client::PAGE_SIZE) as u64 + 1;
    let count = |kind: DesignKind| index.assets.keys().filter(|(k, _)| *k == kind).count();
    let mut n = pages(count(DesignKind::EmailTemplate))
        + pages(count(DesignKind::LandingPageTemplate))
        + pages(index.forms_listed)
        + pages(count(DesignKind::Image))
        + pages(index.programs.len());
    for kind in kinds_created {
        if !index.design_folders.contains_key(kind) {
            n += folder_names(*kind).len() as u64;
        }
    }
    // At Marketo's rate, 18,000 calls an hour; a token lasts an hour.
    n += writes / 18_000;
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_fields_cost_what_they_change() {
        let d = default_fields();
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        // The defaults as they are: the approval only.
        assert_eq!(
            form_calls(&d, &s(&["FirstName", "LastName", "Email"]), true),
            1
        );
        // Two removed, one added, the order kept: 3, and the approval.
        assert_eq!(form_calls(&d, &s(&["Email", "Company"]), true), 4);
        // Two removed, one added, then put in order: 4, and the approval.
        assert_eq!(form_calls(&d, &s(&["Company", "Email"]), true), 5);
        assert_eq!(form_calls(&d, &s(&["Company", "Email"]), false), 4);
    }
}
