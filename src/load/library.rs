//! The built-in Program Library (spec section 6), embedded at build time
//! from `fixtures/library/<slug>/` by `build.rs`.

use std::collections::BTreeMap;

use crate::error::InputError;
use crate::load::bundle::{from_entries, Bundle, Origin};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/library_files.rs"));
}

/// The source label `--from library` is shown as.
pub const SOURCE: &str = "library";

/// Every library program as a bundle, in slug order.
pub fn bundles() -> Vec<(String, Result<Bundle, InputError>)> {
    let mut by_slug: BTreeMap<&str, Vec<(String, Vec<u8>)>> = BTreeMap::new();
    for (path, bytes) in embedded::FILES {
        let Some((slug, rel)) = path.split_once('/') else {
            continue;
        };
        if rel == "program.json" || rel.starts_with("external/") {
            by_slug
                .entry(slug)
                .or_default()
                .push((rel.to_string(), bytes.to_vec()));
        }
    }
    by_slug
        .into_iter()
        .map(|(slug, entries)| {
            let label = format!("library/{slug}");
            let bundle = from_entries(label.clone(), entries).map(|mut b| {
                b.origin = Origin::Library(label.clone());
                b
            });
            (label, bundle)
        })
        .collect()
}

/// Every library program, loaded; a damaged one is an error.
pub fn loaded() -> anyhow::Result<Vec<Bundle>> {
    bundles()
        .into_iter()
        .map(|(_, b)| b.map_err(|e| anyhow::anyhow!("the built-in library is damaged: {e}")))
        .collect()
}
