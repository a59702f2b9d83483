//! Names of the snapshot: assets made unique by name, files made safe.

use std::collections::BTreeSet;

use crate::marketo::api::{self, Asset};
use crate::names;

/// Names made unique by name key: the first (lowest id) keeps its name,
/// the others get their Marketo id appended, with a warning.
pub(super) fn unique_names(
    assets: &[Asset],
    noun: &str,
    warnings: &mut Vec<String>,
) -> Vec<String> {
    let refs: Vec<&Asset> = assets.iter().collect();
    unique_names_of(&refs, noun, warnings)
}

pub(super) fn unique_names_of(
    assets: &[&Asset],
    noun: &str,
    warnings: &mut Vec<String>,
) -> Vec<String> {
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut out = Vec::with_capacity(assets.len());
    for a in assets {
        let name = if names::key(&a.name).is_empty() {
            format!("{noun} {}", a.id)
        } else {
            a.name.clone()
        };
        if seen.insert(names::key(&name)) {
            out.push(name);
        } else {
            let renamed = format!("{} (id {})", name.trim(), a.id);
            warnings.push(format!(
                "two {noun}s are named \"{name}\"; the one with id {} is written as \"{renamed}\"",
                a.id
            ));
            seen.insert(names::key(&renamed));
            out.push(renamed);
        }
    }
    out
}

/// File names of the files under `design-studio/images/`: safe, and unique
/// (case-insensitively).
pub(super) fn file_names(files: &[api::File], warnings: &mut Vec<String>) -> Vec<String> {
    let mut used: BTreeSet<String> = BTreeSet::new();
    let mut out = Vec::with_capacity(files.len());
    for f in files {
        let safe = names::safe_file_name(&f.name);
        let (stem, ext) = match safe.rfind('.') {
            Some(dot) if dot > 0 => (safe[..dot].to_string(), safe[dot..].to_string()),
            _ => (safe.clone(), String::new()),
        };
        let name = names::unique_file_name(&stem, &ext, |n| used.contains(n));
        used.insert(name.to_lowercase());
        if name != f.name {
            warnings.push(format!(
                "file \"{}\" (id {}) is written as \"{name}\"",
                f.name, f.id
            ));
        }
        out.push(name);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn duplicates_are_kept_apart() {
        let assets: Vec<Asset> = [(1, "Std"), (2, "std "), (3, "Other")]
            .iter()
            .map(|(id, n)| serde_json::from_value(json!({"id": id, "name": n})).unwrap())
            .collect();
        let mut warnings = Vec::new();
        let names_out = unique_names(&assets, "snippet", &mut warnings);
        assert_eq!(names_out, ["Std", "std (id 2)", "Other"]);
        assert_eq!(warnings.len(), 1);
    }
}
