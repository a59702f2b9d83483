//! Names of the snapshot: assets made unique by name, files made safe,
//! and the nearest names to a `--program` the instance lacks.

use std::collections::BTreeSet;

use crate::marketo::api::{self, Asset};
use crate::names;

/// A usage message for a `--program` the instance lacks, with the nearest
/// names.
pub(super) fn unknown_program(wanted: &str, programs: &[api::Program]) -> String {
    let key = names::key(wanted);
    let mut near: Vec<(usize, &str)> = programs
        .iter()
        .map(|p| (distance(&key, &names::key(&p.name)), p.name.as_str()))
        .collect();
    near.sort();
    let near: Vec<String> = near
        .iter()
        .filter(|(d, _)| *d <= key.chars().count().max(3) / 2 + 1)
        .take(3)
        .map(|(_, n)| format!("\"{n}\""))
        .collect();
    if near.is_empty() {
        format!("the instance has no program named \"{wanted}\"")
    } else {
        format!(
            "the instance has no program named \"{wanted}\"; did you mean {}?",
            near.join(" or ")
        )
    }
}

/// Levenshtein distance over characters.
pub(super) fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

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
    fn nearest_program_names() {
        assert_eq!(distance("kitten", "sitting"), 3);
        let programs: Vec<api::Program> = ["2026 Q3 Webinar", "Newsletter"]
            .iter()
            .map(|n| serde_json::from_value(json!({"id": 1, "name": n})).unwrap())
            .collect();
        let msg = unknown_program("2026 Q3 Webinr", &programs);
        assert!(msg.contains("did you mean \"2026 Q3 Webinar\""), "{msg}");
    }

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
