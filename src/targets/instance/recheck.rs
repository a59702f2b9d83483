//! Just before a run writes: is the instance still what the plan was made
//! against? Every design-studio asset the plan reuses, renames around or
//! overwrites is listed again (its `updatedAt` compared), and every name
//! the plan creates must still be free. A few list calls.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Context as _, Result};

use crate::marketo::api;
use crate::marketo::index::Index;
use crate::marketo::Client;
use crate::model::DesignKind;
use crate::names::key;
use crate::plan::{Action, AssetKind, Plan, Status};

/// What is in the instance now: per kind, id → `updatedAt`, and the names
/// (keys).
#[derive(Default)]
struct Now {
    updated: BTreeMap<(DesignKind, u64), String>,
    names: BTreeSet<(DesignKind, String)>,
    programs: BTreeSet<String>,
}

fn read_now(client: &Client, index: &Index) -> Result<Now> {
    let mut now = Now::default();
    let what = "cannot check the instance again before writing";
    let mut add = |kind: DesignKind, id: u64, name: &str, at: &str| {
        now.updated.insert((kind, id), at.to_string());
        now.names.insert((kind, key(name)));
    };
    for a in api::email_templates(client).context(what)?.items {
        add(DesignKind::EmailTemplate, a.id, &a.name, &a.updated_at);
    }
    for a in api::landing_page_templates(client).context(what)?.items {
        add(
            DesignKind::LandingPageTemplate,
            a.id,
            &a.name,
            &a.updated_at,
        );
    }
    // Global forms only: those outside Marketing Activities.
    let local = |folder: Option<api::FolderRef>| {
        folder.is_some_and(|f| f.kind == api::FolderKind::Program)
            || folder.is_some_and(|f| index.folders.values().any(|x| *x == f))
    };
    for a in api::forms(client).context(what)?.items {
        if !local(a.folder) {
            add(DesignKind::Form, a.id, &a.name, &a.updated_at);
        }
    }
    for f in api::files(client).context(what)?.items {
        add(DesignKind::Image, f.id, &f.name, &f.updated_at);
    }
    for p in api::programs(client).context(what)?.items {
        now.programs.insert(key(&p.name));
    }
    Ok(now)
}

/// Why the plan no longer holds for the instance (empty: it does).
pub(super) fn stale(client: &Client, index: &Index, plan: &Plan) -> Result<Vec<String>> {
    let writes_something = plan.programs.iter().any(|p| p.status == Status::Ok);
    if !writes_something {
        return Ok(Vec::new());
    }
    let now = read_now(client, index)?;
    let mut reasons: Vec<String> = Vec::new();
    let mut say = |reason: String| {
        if !reasons.contains(&reason) {
            reasons.push(reason);
        }
    };
    for program in plan.programs.iter().filter(|p| p.status == Status::Ok) {
        for row in &program.assets {
            if row.kind == AssetKind::Program {
                let fresh = index.program(&row.result_name).is_none();
                if matches!(row.action, Action::Create | Action::Rename)
                    && fresh
                    && now.programs.contains(&key(&row.result_name))
                {
                    say(format!(
                        "a program named \"{}\" was created in the instance since the plan",
                        row.result_name
                    ));
                }
                continue;
            }
            // Snippets are not listed again: a run only uses those there.
            let Some(kind) = row.kind.design_kind().filter(|k| *k != DesignKind::Snippet) else {
                continue;
            };
            match row.action {
                Action::Reuse | Action::Overwrite => {
                    let Some(known) = index.asset(kind, &row.result_name) else {
                        // Planned earlier in this run.
                        continue;
                    };
                    match now.updated.get(&(kind, known.id)) {
                        None => say(format!(
                            "{} \"{}\" (id {}) is gone from the instance since the plan",
                            kind.noun(),
                            known.marketo_name,
                            known.id
                        )),
                        Some(at) if *at != known.updated_at => say(format!(
                            "{} \"{}\" (id {}) changed in the instance since the plan (updated at {at})",
                            kind.noun(),
                            known.marketo_name,
                            known.id
                        )),
                        Some(_) => {}
                    }
                }
                Action::Create | Action::Rename => {
                    let fresh = index.asset(kind, &row.result_name).is_none();
                    if fresh && now.names.contains(&(kind, key(&row.result_name))) {
                        say(format!(
                            "{} \"{}\" was created in the instance since the plan",
                            kind.noun(),
                            row.result_name
                        ));
                    }
                }
                _ => {}
            }
        }
    }
    Ok(reasons)
}
