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
//! A file the import replaces (an `overwrite`, `subscription.json` for
//! created tags) is first copied into the staging area and moved by the
//! same journal to `.mkimport/imports/<id>/before/<path>`: its pre-image
//! lands with the import or not at all. The receipt lists every file
//! written (`files`: create or replace, with SHA-256) and the directories
//! created, which is what [`undo`] takes back.
//!
//! A program's directory appears by one rename, after the assets it uses:
//! a reader never sees half a program. If the process dies after step 2,
//! the next run finds the journal and finishes the moves (roll forward);
//! if it dies before, the staging area is simply removed.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::Path;

use anyhow::Result;
use fs_err::{self as fs, File};
use serde_json::Value;

use crate::digest::sha256_hex;
use crate::error::show;
use crate::history::{FileAction, FileRecord};
use crate::load::bundle::Limits;
use crate::load::reread::Rereader;
use crate::load::subscription::{Subscription, STATE_DIR};
use crate::model::{to_canonical_json, AssetContent, Imported};
use crate::plan::{hydrate, Plan, ProgramPlan, Status};

pub mod journal;
pub mod lock;
pub mod receipt;
pub mod undo;

pub use journal::{inside, interrupted, recover};
pub use lock::TargetLock;
pub use receipt::{landed_state, pre_image_path, rewrite_receipt, Landed, IMPORTS};

use journal::{do_moves, write_staged, Move, STAGING};

/// What a run hands to the target besides the plan.
pub struct RunInfo<'a> {
    pub import_id: &'a str,
    /// The source as `imported.source` records it when a bundle names no
    /// `exported_from`.
    pub source: &'a str,
    /// The limits bundles are read again with.
    pub limits: &'a Limits,
    /// Go on with the next program after one failed (`--skip-blocked`;
    /// only a live instance can fail half-way).
    pub keep_going: bool,
    /// A live instance: the API calls the whole run may send
    /// (`--max-calls`).
    pub max_calls: Option<u64>,
}

/// What a finished apply (or undo) did.
pub struct Applied {
    pub programs: usize,
    /// Files moved into place.
    pub files: usize,
    /// What the receipt records: the target's digest after, the files
    /// written, the directories created.
    pub landing: Landed,
    /// The plan as it landed, when that differs from the plan applied (a
    /// live instance: programs `failed`, or not reached after a failure).
    pub outcome: Option<Plan>,
    /// Where its receipt is, for messages (set by the target).
    pub receipt: String,
}

/// The files one program stages, in the order they must be moved.
struct Staged {
    /// Pre-images of the files it replaces, into `imports/<id>/before/`.
    before: Vec<Move>,
    assets: Vec<Move>,
    program: Move,
    owner: String,
    tags: Vec<(String, String)>,
    /// Every file it writes.
    files: Vec<FileRecord>,
}

/// The owner of the moves that keep pre-images (not reported as writes).
const PRE_IMAGE: &str = "";

/// What every program's staging shares.
struct StageContext<'a> {
    root: &'a Path,
    staging_rel: &'a str,
    rereader: &'a Rereader,
    import_id: &'a str,
    source: &'a str,
}

/// Stage one program: read its bundle again, build what lands from it and
/// the plan, and write every file under `staging`.
fn stage_program(cx: &StageContext, index: usize, program: &ProgramPlan) -> Result<Staged> {
    let StageContext {
        root,
        staging_rel,
        rereader,
        import_id,
        source,
    } = cx;
    let (root, staging_rel, import_id, source) = (*root, *staging_rel, *import_id, *source);
    let Some(writes) = &program.writes else {
        return Err(anyhow::anyhow!(
            "internal error: program \"{}\" is ok but has nothing to write",
            program.name
        ));
    };
    let digest = program.bundle_digest.as_deref().unwrap_or_default();
    let full = rereader.read(&writes.origin, &program.bundle, digest)?;
    let (mut landed, assets) = hydrate(writes, &full);
    let dir_rel = format!("{staging_rel}/p{index}");
    let mut moves = Vec::new();
    let mut before = Vec::new();
    let mut files = Vec::new();
    for (n, asset) in assets.iter().enumerate() {
        let bytes: Vec<u8> = match &asset.content {
            AssetContent::Doc(doc) => to_canonical_json(&doc.doc),
            AssetContent::Image { bytes, .. } => bytes.as_ref().clone(),
        };
        let from = format!("{dir_rel}/asset-{n}");
        write_staged(&inside(root, &from)?, &bytes)?;
        let kept = keep_pre_image(
            root,
            &asset.path,
            &format!("{dir_rel}/before-{n}"),
            import_id,
        )?;
        files.push(FileRecord {
            action: if kept.is_some() {
                FileAction::Replace
            } else {
                FileAction::Create
            },
            path: asset.path.clone(),
            sha256: sha256_hex(&bytes),
            before_sha256: kept.as_ref().and_then(|(_, digest)| digest.clone()),
        });
        before.extend(kept.map(|(m, _)| m));
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
    files.push(FileRecord {
        action: FileAction::Create,
        path: format!("{}/program.json", writes.dir),
        sha256: sha256_hex(&bytes),
        before_sha256: None,
    });
    Ok(Staged {
        before,
        assets: moves,
        program: Move {
            from: program_dir,
            to: writes.dir.clone(),
        },
        owner: program.name.clone(),
        tags: writes.tags.clone(),
        files,
    })
}

/// When `rel` exists in the target, copy it (with its permissions) to
/// `staged_rel` and return the move that keeps it as the import's
/// pre-image, with its SHA-256 (for a link, which is copied as a link, the
/// SHA-256 of where it points). None when there is nothing to replace.
fn keep_pre_image(
    root: &Path,
    rel: &str,
    staged_rel: &str,
    import_id: &str,
) -> Result<Option<(Move, Option<String>)>> {
    let path = inside(root, rel)?;
    let meta = match std::fs::symlink_metadata(&path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(anyhow::Error::new(e).context(format!("cannot read {}", show(&path)))),
    };
    let staged = inside(root, staged_rel)?;
    let digest = if meta.is_file() {
        let bytes = fs::read(&path)?;
        write_staged(&staged, &bytes)?;
        crate::fsutil::keep_permissions(&path, &staged)?;
        sha256_hex(&bytes)
    } else if meta.file_type().is_symlink() {
        copy_link(&path, &staged)?;
        undo::link_digest(&path)?
    } else {
        anyhow::bail!(
            "cannot replace {}: it is not a file (a directory?)",
            show(&path)
        );
    };
    Ok(Some((
        Move {
            from: staged_rel.to_string(),
            to: pre_image_path(import_id, rel),
        },
        Some(digest),
    )))
}

/// Make `to` a link to where the link `from` points.
pub(crate) fn copy_link(from: &Path, to: &Path) -> Result<()> {
    let points_to = fs::read_link(from)?;
    if let Some(parent) = to.parent() {
        fs::create_dir_all(parent)?;
    }
    #[cfg(unix)]
    fs_err::os::unix::fs::symlink(&points_to, to)?;
    #[cfg(not(unix))]
    anyhow::bail!(
        "cannot keep the link {} (to {}) on this system",
        show(from),
        show(&points_to)
    );
    #[allow(unreachable_code)]
    Ok(())
}

/// What one import writes, staged and durable, before its journal.
struct Prepared {
    moves: Vec<Move>,
    /// The program (or "subscription.json", "receipt") each move is for;
    /// [`PRE_IMAGE`] for the moves that keep pre-images.
    owners: Vec<String>,
    programs: usize,
    landing: Landed,
}

/// Writes a receipt, given what the transaction lands.
pub type ReceiptFn<'a> = &'a dyn Fn(&mut dyn Write, &Landed) -> std::io::Result<()>;

/// What a run tells as it writes: for the progress bar and `--events`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress<'a> {
    /// Written for `program`: a file moved into place (a directory; the
    /// program's name is "receipt" for the receipt), an asset created or
    /// replaced (a live instance, with the API calls made so far).
    Wrote {
        program: &'a str,
        what: &'a str,
        calls: Option<u64>,
    },
    /// A program is done with: landed, failed and taken back (a live
    /// instance, in the plan's order, with the API calls made so far).
    Finished {
        program: &'a str,
        calls: Option<u64>,
    },
}

/// Write the plan's `ok` programs into the target, then the receipt. Each
/// program's bundle is read again from where it came.
/// `receipt` writes the receipt, given what the import lands (the digest
/// of the target after it, the files written). `tick` is called once per
/// file moved into place, with the program's name (or "receipt") and the
/// path written, relative to the target.
///
/// A failure before the journal is written leaves the target as it was:
/// the staging area is removed before the error is returned.
pub fn apply(
    target: &Subscription,
    plan: &Plan,
    run: &RunInfo,
    receipt: ReceiptFn,
    tick: &mut dyn FnMut(Progress),
) -> Result<Applied> {
    let import_id = run.import_id;
    let rereader = Rereader::new(run.limits);
    let root = &target.root;
    let staging_rel = format!("{STATE_DIR}/{STAGING}/{import_id}");
    let staging = inside(root, &staging_rel)?;
    let cx = StageContext {
        root,
        staging_rel: &staging_rel,
        rereader: &rereader,
        import_id,
        source: run.source,
    };
    let prepared = stage(&cx, target, plan, receipt)
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
        let owner = &prepared.owners[index];
        if owner != PRE_IMAGE {
            tick(Progress::Wrote {
                program: owner,
                what: &m.to,
                calls: None,
            });
        }
        index += 1;
    })?;
    journal::finish(root)?;
    Ok(Applied {
        programs: prepared.programs,
        files: prepared.owners.iter().filter(|o| *o != PRE_IMAGE).count(),
        landing: prepared.landing,
        outcome: None,
        receipt: String::new(),
    })
}

/// Stage every file of the import, and list the moves in order:
/// pre-images, assets, `subscription.json`, programs, receipt.
fn stage(
    cx: &StageContext,
    target: &Subscription,
    plan: &Plan,
    receipt: ReceiptFn,
) -> Result<Prepared> {
    let root = cx.root;
    let staging = inside(root, cx.staging_rel)?;
    if staging.exists() {
        fs::remove_dir_all(&staging)?;
    }
    fs::create_dir_all(&staging)?;

    // Stage every program, both cores at once.
    let work: Vec<(usize, &ProgramPlan)> = plan
        .programs
        .iter()
        .enumerate()
        .filter(|(_, p)| p.status == Status::Ok)
        .collect();
    let staged: Vec<Staged> =
        crate::parallel::map(work, |(i, program)| stage_program(cx, i, program))
            .into_iter()
            .collect::<Result<_>>()?;

    let mut after = target.files.clone();
    let mut moves: Vec<Move> = Vec::new();
    let mut owners: Vec<String> = Vec::new();
    let mut tags: BTreeMap<String, Vec<String>> = BTreeMap::new();
    // Every file written, by path: a file two programs write (an asset
    // overwritten twice) is listed once, with its last content and with
    // what it was before the import.
    let mut files: BTreeMap<String, FileRecord> = BTreeMap::new();
    let mut record = |file: &FileRecord| {
        files
            .entry(file.path.clone())
            .and_modify(|known| known.sha256 = file.sha256.clone())
            .or_insert_with(|| file.clone());
    };
    let mut kept: BTreeSet<String> = BTreeSet::new();
    for s in &staged {
        for m in &s.before {
            // The first copy of a file replaced twice is the pre-image.
            if kept.insert(m.to.clone()) {
                moves.push(m.clone());
                owners.push(PRE_IMAGE.to_string());
            }
        }
    }
    for s in &staged {
        for m in &s.assets {
            moves.push(m.clone());
            owners.push(s.owner.clone());
        }
        for (tag, value) in &s.tags {
            tags.entry(tag.clone()).or_default().push(value.clone());
        }
        for file in &s.files {
            after.add_digest(&file.path, &file.sha256);
            record(file);
        }
    }
    if !tags.is_empty() {
        let rel = "subscription.json";
        let from = format!("{}/{rel}", cx.staging_rel);
        let bytes = to_canonical_json(&with_tags(&target.raw, tags));
        write_staged(&inside(root, &from)?, &bytes)?;
        after.add(rel, &bytes);
        let pre = keep_pre_image(
            root,
            rel,
            &format!("{}/before-{rel}", cx.staging_rel),
            cx.import_id,
        )?;
        record(&FileRecord {
            action: if pre.is_some() {
                FileAction::Replace
            } else {
                FileAction::Create
            },
            path: rel.to_string(),
            sha256: sha256_hex(&bytes),
            before_sha256: pre.as_ref().and_then(|(_, digest)| digest.clone()),
        });
        if let Some((m, _)) = pre {
            moves.insert(0, m);
            owners.insert(0, PRE_IMAGE.to_string());
        }
        moves.push(Move {
            from,
            to: rel.to_string(),
        });
        owners.push(rel.to_string());
    }
    for s in &staged {
        moves.push(s.program.clone());
        owners.push(s.owner.clone());
    }
    let created_dirs = created_dirs(
        root,
        files.keys().map(String::as_str),
        staged.iter().map(|s| s.program.to.as_str()),
    );
    let landing = Landed {
        target_after: after.finish(),
        files: files.into_values().collect(),
        created_dirs,
        remote: None,
        calls: None,
    };
    let from = format!("{}/receipt.json", cx.staging_rel);
    {
        let file = File::create(inside(root, &from)?)?;
        let mut out = std::io::BufWriter::new(file);
        receipt(&mut out, &landing)?;
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
        landing,
    })
}

/// The directories an import creates: those above the files it writes,
/// and the program directories themselves, that do not exist yet (parents
/// first).
fn created_dirs<'a>(
    root: &Path,
    files: impl Iterator<Item = &'a str>,
    dirs: impl Iterator<Item = &'a str>,
) -> Vec<String> {
    let mut out = BTreeSet::new();
    let mut consider = |rel: &str| {
        let parts: Vec<&str> = rel.split('/').collect();
        for end in 1..=parts.len() {
            let dir = parts[..end].join("/");
            if !out.contains(&dir) && std::fs::symlink_metadata(root.join(&dir)).is_err() {
                out.insert(dir);
            }
        }
    };
    for file in files {
        if let Some((parent, _)) = file.rsplit_once('/') {
            consider(parent);
        }
    }
    for dir in dirs {
        consider(dir);
    }
    out.into_iter().collect()
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
