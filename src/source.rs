//! Turning `--from SRC` into the list of bundles to plan, and applying the
//! `--program` selection.

use std::path::Path;

use anyhow::{bail, Context as _};

use crate::bundle::{bundle_stored, find_bundles, read_bundle, Limits, SourceItem};
use crate::error::{show, usage};
use crate::library;
use crate::names;
use crate::subscription::Subscription;

/// Load every bundle a source holds, in a stable order.
pub fn load(from: &str, limits: &Limits) -> anyhow::Result<Vec<SourceItem>> {
    let path = Path::new(from);
    if from == library::SOURCE && !path.exists() {
        return Ok(library::bundles()
            .into_iter()
            .map(|(label, bundle)| SourceItem { label, bundle })
            .collect());
    }
    check(from)?;
    if path.is_dir() && Subscription::is_subscription(path) {
        let source = Subscription::load(path).context("cannot read the source subscription")?;
        return Ok(source
            .programs
            .iter()
            .map(|stored| {
                let bundle = bundle_stored(&source, stored);
                let label = match &bundle {
                    Ok(b) => b.label.clone(),
                    Err(e) => e.container.clone(),
                };
                SourceItem { label, bundle }
            })
            .collect());
    }
    if path.is_dir() {
        let found = find_bundles(path);
        if found.is_empty() {
            bail!(
                "no bundle found in {} (looked for *.zip files and directories holding program.json)",
                show(path)
            );
        }
        return Ok(crate::parallel::map(found, |found| match found {
            Ok(bundle_path) => SourceItem {
                label: show(&bundle_path),
                bundle: read_bundle(&bundle_path, limits).map(|b| b.slim(&bundle_path)),
            },
            Err(err) => SourceItem {
                label: err.container.clone(),
                bundle: Err(err),
            },
        }));
    }
    Ok(vec![SourceItem {
        label: show(path),
        bundle: read_bundle(path, limits).map(|b| b.slim(path)),
    }])
}

/// A `--from` that names nothing is a usage error.
pub fn check(from: &str) -> anyhow::Result<()> {
    let path = Path::new(from);
    if from == library::SOURCE || path.exists() {
        return Ok(());
    }
    Err(usage(format!(
        "--from {} does not exist{}; give a subscription directory, a directory of bundles, a .zip file, or `library`",
        show(path),
        crate::suggest::path_hint(path)
    )))
}

/// Keep the programs named by `--program` (in the order named); none named
/// keeps them all. Bundles that could not be read are always kept, so
/// their errors are reported. A name that matches nothing is a usage error.
pub fn select(items: Vec<SourceItem>, wanted: &[String]) -> anyhow::Result<Vec<SourceItem>> {
    if wanted.is_empty() {
        return Ok(items);
    }
    let program_name = |item: &SourceItem| {
        item.bundle
            .as_ref()
            .ok()
            .map(|b| b.program.program.name.clone())
    };
    for name in wanted {
        if !items
            .iter()
            .any(|i| program_name(i).is_some_and(|n| names::same(&n, name)))
        {
            let available: Vec<String> = items.iter().filter_map(program_name).collect();
            let available: Vec<&str> = available.iter().map(String::as_str).collect();
            return Err(usage(format!(
                "no program named \"{name}\" in the source{}; {}",
                crate::suggest::did_you_mean(name, available.iter().copied()),
                crate::suggest::holdings(&available)
            )));
        }
    }
    let mut slots: Vec<Option<SourceItem>> = items.into_iter().map(Some).collect();
    let mut out = Vec::new();
    for slot in slots.iter_mut() {
        if slot.as_ref().is_some_and(|i| i.bundle.is_err()) {
            out.push(slot.take().expect("checked"));
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    for name in wanted {
        if !seen.insert(names::key(name)) {
            continue;
        }
        for slot in slots.iter_mut() {
            let matches = slot
                .as_ref()
                .and_then(program_name)
                .is_some_and(|n| names::same(&n, name));
            if matches {
                out.push(slot.take().expect("checked"));
            }
        }
    }
    Ok(out)
}
