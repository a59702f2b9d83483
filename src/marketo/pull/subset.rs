//! Which programs a pull writes, and what becomes of the programs an
//! earlier pull of the same instance left in DIR.
//!
//! - `--program NAME` selects programs by name (the name rule); a name the
//!   instance lacks is a usage error suggesting the nearest names.
//! - Pulling a subset into DIR that holds an earlier pull of the same
//!   instance keeps the earlier pull's other programs that the instance
//!   still has (by name, the format's identity) as they were: their
//!   `program.json`, byte for byte at the same place, and their cache.
//! - A program of the earlier pull that the instance no longer has (by
//!   name: deleted, or renamed since) leaves DIR, subset or not.
//!
//! The summary names both ([`Carried`]).

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::Result;
use serde_json::Value;

use super::contents::program_cache_rel;
use crate::error::usage;
use crate::marketo::api;
use crate::marketo::tree::Tree;
use crate::marketo::write::Writer;
use crate::names;

/// The programs `wanted` names (all when it names none), each once, in the
/// order asked; a name the instance lacks is a usage error.
pub(super) fn select<'a>(
    programs: &'a [api::Program],
    wanted: &[String],
) -> Result<Vec<&'a api::Program>> {
    if wanted.is_empty() {
        return Ok(programs.iter().collect());
    }
    let mut out: Vec<&api::Program> = Vec::new();
    for name in wanted {
        let found: Vec<&api::Program> = programs
            .iter()
            .filter(|p| names::same(&p.name, name))
            .collect();
        if found.is_empty() {
            return Err(usage(unknown_program(name, programs)));
        }
        for p in found {
            if !out.iter().any(|o| o.id == p.id) {
                out.push(p);
            }
        }
    }
    Ok(out)
}

/// A usage message for a `--program` the instance lacks, with the nearest
/// names (the project's "did you mean": case, spelling, a part of a long
/// name).
pub(super) fn unknown_program(wanted: &str, programs: &[api::Program]) -> String {
    let all: Vec<&str> = programs.iter().map(|p| p.name.as_str()).collect();
    format!(
        "the instance has no program named \"{wanted}\"{}; {}",
        crate::suggest::did_you_mean(wanted, all.iter().copied()),
        crate::suggest::holdings(&all)
    )
}

/// What became of the earlier pull's programs that this pull did not
/// write.
#[derive(Debug, Default)]
pub(super) struct Carried {
    /// Kept as the earlier pull left them (a subset was pulled).
    pub kept: Vec<String>,
    /// Gone from the instance, so gone from DIR.
    pub removed: Vec<String>,
}

/// A program of the earlier snapshot: its name and its `program.json`.
struct Earlier {
    name: String,
    rel: String,
}

/// The programs of the snapshot in `dir` (unreadable ones are reported and
/// left out).
fn earlier_programs(dir: &Path, warnings: &mut Vec<String>) -> Vec<Earlier> {
    let base = dir.join("marketing-activities");
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(&base)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .flatten()
    {
        if entry.file_name() != "program.json" || !entry.file_type().is_file() {
            continue;
        }
        let Ok(rel) = entry.path().strip_prefix(dir) else {
            continue;
        };
        let rel = rel.to_string_lossy().replace('\\', "/");
        let name = std::fs::read(entry.path())
            .ok()
            .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
            .and_then(|v| v["program"]["name"].as_str().map(str::to_string));
        match name {
            Some(name) => out.push(Earlier { name, rel }),
            None => warnings.push(format!(
                "{rel} of the earlier pull has no readable program name; it is not kept"
            )),
        }
    }
    out
}

/// Keep (a subset was pulled) or drop the earlier pull's programs this pull
/// does not write. `old` is DIR when it holds an earlier pull of this
/// instance.
pub(super) fn carry(
    writer: &Writer,
    old: Option<&Path>,
    tree: &Tree,
    programs: &[api::Program],
    selected: &[&api::Program],
    subset: bool,
    warnings: &mut Vec<String>,
) -> Result<Carried> {
    let mut carried = Carried::default();
    let Some(old) = old else {
        return Ok(carried);
    };
    let pulled: BTreeSet<String> = selected.iter().map(|p| names::key(&p.name)).collect();
    let written: BTreeSet<String> = selected
        .iter()
        .filter_map(|p| tree.places.get(&p.id))
        .map(|place| names::key(&format!("{}/program.json", place.rel_dir)))
        .collect();
    for earlier in earlier_programs(old, warnings) {
        let key = names::key(&earlier.name);
        if pulled.contains(&key) {
            continue;
        }
        let Some(now) = programs.iter().find(|p| names::key(&p.name) == key) else {
            carried.removed.push(earlier.name);
            continue;
        };
        if !subset {
            // A whole pull writes every program the instance has.
            continue;
        }
        if written.contains(&names::key(&earlier.rel)) {
            warnings.push(format!(
                "program \"{}\" of the earlier pull is where this pull writes another; it is not kept",
                earlier.name
            ));
            continue;
        }
        let Some(bytes) = writer.old_bytes(&earlier.rel) else {
            continue;
        };
        writer.put(&earlier.rel, &bytes)?;
        let cache = program_cache_rel(now.id);
        if let Some(bytes) = writer.old_bytes(&cache) {
            writer.put(&cache, &bytes)?;
        }
        carried.kept.push(earlier.name);
    }
    let order = |a: &String, b: &String| names::key(a).cmp(&names::key(b)).then(a.cmp(b));
    carried.kept.sort_by(order);
    carried.removed.sort_by(order);
    Ok(carried)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_unknown_program_gets_the_nearest_names() {
        let programs: Vec<api::Program> = [
            "2026 Q3 Webinar - Scaling Marketing Ops",
            "2026 APAC Growth Summit",
            "Newsletter",
        ]
        .iter()
        .map(|n| serde_json::from_value(json!({"id": 1, "name": n})).unwrap())
        .collect();
        let msg = unknown_program("webinar", &programs);
        assert!(
            msg.contains("did you mean \"2026 Q3 Webinar - Scaling Marketing Ops\"?"),
            "{msg}"
        );
        let msg = unknown_program("2026 apac growth sumit", &programs);
        assert!(
            msg.contains("did you mean \"2026 APAC Growth Summit\""),
            "{msg}"
        );
        let msg = unknown_program("Zebra", &programs);
        assert!(!msg.contains("did you mean"), "{msg}");
        assert!(msg.ends_with("it holds \"2026 Q3 Webinar - Scaling Marketing Ops\", \"2026 APAC Growth Summit\", \"Newsletter\""), "{msg}");
    }
}
