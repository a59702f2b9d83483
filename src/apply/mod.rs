//! Applying a plan to the target, crash-safe.
//!
//! A run is one transaction:
//! 1. every file the plan writes is staged under `.mkimport/staging/<id>/`
//!    and fsynced (a program's directory is staged whole, holding its
//!    `program.json`);
//! 2. a journal listing every move (staged path → final path) is written
//!    atomically to `.mkimport/journal.json`;
//! 3. the moves are done in order (design-studio assets, then
//!    `subscription.json`, then each program's directory, then the
//!    receipt), each one an atomic rename, and the directories fsynced;
//! 4. the journal and the staging area are removed.
//!
//! A program's directory appears by one rename, after the assets it uses:
//! a reader never sees half a program. If the process dies after step 2,
//! the next run finds the journal and finishes the moves (roll forward);
//! if it dies before, the staging area is simply removed.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use anyhow::Result;
use fs_err::{self as fs, File};
use serde_json::Value;

use crate::digest::sha256_hex;
use crate::load::bundle::{Bundle, Limits, SourceItem};
use crate::load::subscription::{Subscription, STATE_DIR};
use crate::model::{to_canonical_json, AssetContent, Imported};
use crate::plan::{hydrate, Plan, ProgramPlan, Status};

pub mod journal;
pub mod lock;
pub mod receipt;

pub use journal::{inside, interrupted, recover};
pub use lock::TargetLock;
pub use receipt::{landed_state, rewrite_receipt, IMPORTS};

use journal::{do_moves, write_staged, Move, STAGING};

/// What a run hands to the target besides the plan.
pub struct RunInfo<'a> {
    pub import_id: &'a str,
    /// The source as `imported.source` records it when a bundle names no
    /// `exported_from`.
    pub source: &'a str,
    /// The limits bundles are read again with.
    pub limits: &'a Limits,
}

/// What a finished apply did.
pub struct Applied {
    pub programs: usize,
    pub files: usize,
    /// The digest of the target after the import (see
    /// [`Subscription::files`]).
    pub target_after: String,
}

/// The files one program stages, in the order they must be moved.
struct Staged {
    assets: Vec<Move>,
    program: Move,
    owner: String,
    tags: Vec<(String, String)>,
    /// (final path, SHA-256) of every file it writes.
    digests: Vec<(String, String)>,
}

/// What every program's staging shares.
struct StageContext<'a> {
    root: &'a Path,
    staging_rel: &'a str,
    limits: &'a Limits,
    import_id: &'a str,
    source: &'a str,
}

/// Stage one program: read its bundle again if it was slimmed, complete
/// the planned program with it, and write every file under `staging`.
fn stage_program(
    cx: &StageContext,
    index: usize,
    program: &ProgramPlan,
    bundle: &Bundle,
) -> Result<Staged> {
    let StageContext {
        root,
        staging_rel,
        limits,
        import_id,
        source,
    } = *cx;
    let writes = program
        .writes
        .as_ref()
        .expect("an ok program has its writes");
    let full = bundle.reload(limits)?;
    let (mut landed, assets) = hydrate(writes, &full);
    let dir_rel = format!("{staging_rel}/p{index}");
    let mut moves = Vec::new();
    let mut digests = Vec::new();
    for (n, asset) in assets.iter().enumerate() {
        let bytes: Vec<u8> = match &asset.content {
            AssetContent::Doc(doc) => to_canonical_json(&doc.doc),
            AssetContent::Image { bytes, .. } => bytes.as_ref().clone(),
        };
        let from = format!("{dir_rel}/asset-{n}");
        write_staged(&inside(root, &from)?, &bytes)?;
        digests.push((asset.path.clone(), sha256_hex(&bytes)));
        moves.push(Move {
            from,
            to: asset.path.clone(),
        });
    }
    landed.imported = Some(Imported {
        source: landed
            .exported_from
            .clone()
            .unwrap_or_else(|| source.to_string()),
        import_id: import_id.to_string(),
        bundle_digest: program.bundle_digest.clone().unwrap_or_default(),
        extra: BTreeMap::new(),
    });
    let program_dir = format!("{dir_rel}/program");
    let bytes = to_canonical_json(&landed);
    write_staged(
        &inside(root, &format!("{program_dir}/program.json"))?,
        &bytes,
    )?;
    digests.push((format!("{}/program.json", writes.dir), sha256_hex(&bytes)));
    Ok(Staged {
        assets: moves,
        program: Move {
            from: program_dir,
            to: writes.dir.clone(),
        },
        owner: program.name.clone(),
        tags: writes.tags.clone(),
        digests,
    })
}

/// What one import writes, staged and durable, before its journal.
struct Prepared {
    moves: Vec<Move>,
    /// The program (or "subscription.json", "receipt") each move is for.
    owners: Vec<String>,
    programs: usize,
    target_after: String,
}

/// Write the plan's `ok` programs into the target, then the receipt.
/// `items` are the bundles the plan was made from, in plan order.
/// `receipt` writes the receipt, given the digest of the target after the
/// import. `tick` is called once per file moved into place, with the
/// program's name (or "receipt") and the path written, relative to the
/// target.
///
/// A failure before the journal is written leaves the target as it was:
/// the staging area is removed before the error is returned.
pub fn apply(
    target: &Subscription,
    plan: &Plan,
    items: &[SourceItem],
    run: &RunInfo,
    receipt: &dyn Fn(&mut dyn Write, &str) -> std::io::Result<()>,
    tick: &mut dyn FnMut(&str, &str),
) -> Result<Applied> {
    let import_id = run.import_id;
    let (limits, source) = (run.limits, run.source);
    let root = &target.root;
    let staging_rel = format!("{STATE_DIR}/{STAGING}/{import_id}");
    let staging = inside(root, &staging_rel)?;
    let cx = StageContext {
        root,
        staging_rel: &staging_rel,
        limits,
        import_id,
        source,
    };
    let prepared = stage(&cx, target, plan, items, receipt)
        .and_then(|prepared| journal::begin(root, import_id, &prepared.moves).map(|()| prepared));
    let prepared = match prepared {
        Ok(prepared) => prepared,
        Err(err) => {
            // Nothing was moved: give the space back (a full disk stays
            // full otherwise) and leave the target as it was.
            journal::abandon(root, &staging);
            return Err(err.context("the import stopped before writing anything into the target"));
        }
    };

    // Move into place (each rename atomic), then make the renames durable.
    let mut index = 0;
    do_moves(root, &prepared.moves, |m| {
        tick(&prepared.owners[index], &m.to);
        index += 1;
    })?;
    journal::finish(root)?;
    Ok(Applied {
        programs: prepared.programs,
        files: prepared.moves.len(),
        target_after: prepared.target_after,
    })
}

/// Stage every file of the import, and list the moves in order: assets,
/// `subscription.json`, programs, receipt.
fn stage(
    cx: &StageContext,
    target: &Subscription,
    plan: &Plan,
    items: &[SourceItem],
    receipt: &dyn Fn(&mut dyn Write, &str) -> std::io::Result<()>,
) -> Result<Prepared> {
    let root = cx.root;
    let staging = inside(root, cx.staging_rel)?;
    if staging.exists() {
        fs::remove_dir_all(&staging)?;
    }
    fs::create_dir_all(&staging)?;

    // Stage every program, both cores at once.
    let work: Vec<(usize, &ProgramPlan, &Bundle)> = plan
        .programs
        .iter()
        .zip(items)
        .enumerate()
        .filter(|(_, (p, _))| p.status == Status::Ok && p.writes.is_some())
        .filter_map(|(i, (p, item))| item.bundle.as_ref().ok().map(|b| (i, p, b)))
        .collect();
    let staged: Vec<Staged> = crate::parallel::map(work, |(i, program, bundle)| {
        stage_program(cx, i, program, bundle)
    })
    .into_iter()
    .collect::<Result<_>>()?;

    let mut after = target.files.clone();
    let mut moves: Vec<Move> = Vec::new();
    let mut owners: Vec<String> = Vec::new();
    let mut tags: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for s in &staged {
        for m in &s.assets {
            moves.push(m.clone());
            owners.push(s.owner.clone());
        }
        for (tag, value) in &s.tags {
            tags.entry(tag.clone()).or_default().push(value.clone());
        }
        for (path, digest) in &s.digests {
            after.add_digest(path, digest);
        }
    }
    if !tags.is_empty() {
        let from = format!("{}/subscription.json", cx.staging_rel);
        let bytes = to_canonical_json(&with_tags(&target.raw, tags));
        write_staged(&inside(root, &from)?, &bytes)?;
        after.add("subscription.json", &bytes);
        moves.push(Move {
            from,
            to: "subscription.json".to_string(),
        });
        owners.push("subscription.json".to_string());
    }
    for s in &staged {
        moves.push(s.program.clone());
        owners.push(s.owner.clone());
    }
    let target_after = after.finish();
    let from = format!("{}/receipt.json", cx.staging_rel);
    {
        let file = File::create(inside(root, &from)?)?;
        let mut out = std::io::BufWriter::new(file);
        receipt(&mut out, &target_after)?;
        out.flush()?;
    }
    moves.push(Move {
        from,
        to: format!("{STATE_DIR}/{IMPORTS}/{}.json", cx.import_id),
    });
    owners.push("receipt".to_string());
    Ok(Prepared {
        moves,
        owners,
        programs: staged.len(),
        target_after,
    })
}

/// `subscription.json` with the created tag values added.
fn with_tags(
    raw: &serde_json::Map<String, Value>,
    tags: BTreeMap<String, Vec<String>>,
) -> serde_json::Map<String, Value> {
    let mut raw = raw.clone();
    let tag_map = raw
        .entry("tags".to_string())
        .or_insert_with(|| Value::Object(Default::default()));
    if let Value::Object(tag_map) = tag_map {
        for (tag, values) in tags {
            let list = tag_map
                .entry(tag)
                .or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(list) = list {
                for value in values {
                    if !list.iter().any(|v| v.as_str() == Some(value.as_str())) {
                        list.push(Value::String(value));
                    }
                }
            }
        }
    }
    raw
}
