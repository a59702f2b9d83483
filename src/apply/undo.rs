//! Taking back an import in a subscription directory, as one transaction
//! of the same kind as a run (see [`crate::apply`]): the same staging
//! area, the same journal, the same roll-forward recovery.
//!
//! - A removal is a move of the file (or of a whole directory the import
//!   created, such as a program's directory) into the staging area, which
//!   is deleted once the journal is done with.
//! - A restore is a move of a copy of the pre-image, staged first, onto
//!   the file the import replaced (the pre-image itself stays in
//!   `.mkimport/imports/<id>/before/`).
//! - The undo's receipt is staged and moved last, like a run's.
//!
//! Order: the programs go first (no program ever names an asset that is
//! gone), then `subscription.json` and the design studio.
//!
//! [`plan`] only reads: it checks that every file the import wrote is
//! still what it wrote (else the undo is stale), that every pre-image is
//! whole (else it is an error), and lists what [`apply`] will do.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;

use anyhow::{bail, Result};
use fs_err::{self as fs, File};

use super::journal::{self, do_moves, inside, write_staged, Move, STAGING};
use super::receipt::{pre_image_path, receipt_path, Landed};
use super::{copy_link, Applied, ReceiptFn};
use crate::digest::sha256_hex;
use crate::error::show;
use crate::history::{FileAction, FileRecord, Receipt, TargetState, UndoPlan};
use crate::load::subscription::{Subscription, STATE_DIR};

/// The SHA-256 of what is at `path`: a file's content, or for a link the
/// path it points to (as git hashes links). None when nothing is there.
/// An error for anything else (a directory where a file was).
fn entry_digest(path: &Path) -> std::io::Result<Option<EntryDigest>> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    if meta.is_file() {
        Ok(Some(EntryDigest::File(sha256_hex(&std::fs::read(path)?))))
    } else if meta.file_type().is_symlink() {
        let points_to = std::fs::read_link(path)?;
        Ok(Some(EntryDigest::Link(sha256_hex(
            points_to.to_string_lossy().as_bytes(),
        ))))
    } else {
        Ok(Some(EntryDigest::Other))
    }
}

enum EntryDigest {
    File(String),
    Link(String),
    Other,
}

/// The SHA-256 of a link's target, as [`entry_digest`] gives it: what a
/// receipt records as the pre-image of a replaced link.
pub(crate) fn link_digest(path: &Path) -> Result<String> {
    let points_to = fs::read_link(path)?;
    Ok(sha256_hex(points_to.to_string_lossy().as_bytes()))
}

/// Work out how to take back `import` from the target `state` (loaded
/// now, under the lock). Reads only. A pre-image that is missing or does
/// not match its receipt is an error naming it; a file that changed is a
/// `stale` reason.
pub fn plan(state: &Subscription, import: &Receipt) -> Result<UndoPlan> {
    let root = &state.root;
    let Some(files) = &import.files else {
        bail!(
            "the import {} cannot be undone: its receipt {} does not list the files it wrote (it was written by an mkimport without undo)",
            import.import_id,
            import.file
        );
    };
    // A receipt names files of the subscription, never the tool's own
    // state: anything else is a receipt edited by hand.
    if let Some(bad) = files
        .iter()
        .map(|f| f.path.as_str())
        .chain(import.created_dirs.iter().map(String::as_str))
        .find(|p| p.split('/').next() == Some(STATE_DIR))
    {
        bail!(
            "the receipt {} is damaged: it lists {bad}, inside {STATE_DIR}/; nothing was written",
            import.file
        );
    }
    let mut stale = Vec::new();
    let mut damaged = Vec::new();
    for file in files {
        let path = inside(root, &file.path)?;
        match entry_digest(&path)? {
            None => stale.push(format!("{} is gone since the import", file.path)),
            Some(EntryDigest::File(digest)) if digest == file.sha256 => {}
            Some(_) => stale.push(format!("{} changed since the import", file.path)),
        }
        if file.action == FileAction::Replace {
            let rel = pre_image_path(&import.import_id, &file.path);
            let pre = inside(root, &rel)?;
            let digest = match entry_digest(&pre)? {
                Some(EntryDigest::File(d) | EntryDigest::Link(d)) => Some(d),
                _ => None,
            };
            match (&digest, &file.before_sha256) {
                (None, _) => damaged.push(format!("the pre-image {rel} is missing")),
                (Some(found), Some(recorded)) if found == recorded => {}
                (Some(_), _) => damaged.push(format!(
                    "the pre-image {rel} is damaged: its SHA-256 is not the one {} records",
                    import.file
                )),
            }
        }
    }
    if !damaged.is_empty() {
        bail!(
            "cannot undo {}: {}; nothing was written",
            import.import_id,
            damaged.join("; ")
        );
    }

    // The directories that go whole: those the import created that hold
    // nothing but what it wrote. A program's directory must: the import
    // cannot take back half a program.
    let created: BTreeSet<&str> = files
        .iter()
        .filter(|f| f.action == FileAction::Create)
        .map(|f| f.path.as_str())
        .collect();
    let dirs: BTreeSet<&str> = import.created_dirs.iter().map(String::as_str).collect();
    let mut removed_dirs: Vec<String> = Vec::new();
    for dir in &import.created_dirs {
        if removed_dirs.iter().any(|d| below(dir, d)) {
            continue;
        }
        let path = inside(root, dir)?;
        if !path.is_dir() {
            continue;
        }
        let foreign = foreign_entries(&path, dir, &created, &dirs)?;
        let is_program = created.contains(format!("{dir}/program.json").as_str());
        if foreign.is_empty() {
            removed_dirs.push(dir.clone());
        } else if is_program {
            stale.push(format!(
                "{dir} holds files the import did not write: {}",
                foreign.join(", ")
            ));
        }
    }

    // The order they are taken back: programs, restores, single files,
    // other directories.
    let in_removed = |p: &str| removed_dirs.iter().any(|d| below(p, d));
    let is_program_dir = |d: &str| created.contains(format!("{d}/program.json").as_str());
    let removal = |f: &FileRecord| FileRecord {
        action: FileAction::Remove,
        path: f.path.clone(),
        sha256: f.sha256.clone(),
        before_sha256: None,
    };
    let mut steps: Vec<FileRecord> = Vec::new();
    let mut ordered_dirs: Vec<String> = Vec::new();
    for dir in removed_dirs.iter().filter(|d| is_program_dir(d)) {
        ordered_dirs.push(dir.clone());
        steps.extend(files.iter().filter(|f| below(&f.path, dir)).map(removal));
    }
    for file in files.iter().filter(|f| f.action == FileAction::Replace) {
        steps.push(FileRecord {
            action: FileAction::Restore,
            path: file.path.clone(),
            sha256: file.before_sha256.clone().unwrap_or_default(),
            before_sha256: None,
        });
    }
    for file in files
        .iter()
        .filter(|f| f.action == FileAction::Create && !in_removed(&f.path))
    {
        steps.push(removal(file));
    }
    for dir in removed_dirs.iter().filter(|d| !is_program_dir(d)) {
        ordered_dirs.push(dir.clone());
        steps.extend(files.iter().filter(|f| below(&f.path, dir)).map(removal));
    }

    // The target's digest after: the removed files left out, the restored
    // ones back (a restored link is not part of it, as when loaded).
    let mut after = state.files.clone();
    for step in &steps {
        match step.action {
            FileAction::Restore if is_regular_pre_image(root, import, &step.path) => {
                after.add_digest(&step.path, &step.sha256)
            }
            _ => after.remove(&step.path),
        }
    }
    Ok(UndoPlan {
        remote: Vec::new(),
        undoes: import.import_id.clone(),
        files: steps,
        removed_dirs: ordered_dirs,
        stale,
        target_state: TargetState {
            before: state.digest.clone(),
            after: after.finish(),
        },
    })
}

fn is_regular_pre_image(root: &Path, import: &Receipt, rel: &str) -> bool {
    let pre = root.join(pre_image_path(&import.import_id, rel));
    std::fs::symlink_metadata(pre).is_ok_and(|m| m.is_file())
}

/// Is `path` the directory `dir` or below it?
fn below(path: &str, dir: &str) -> bool {
    path == dir || path.strip_prefix(dir).is_some_and(|r| r.starts_with('/'))
}

/// What is inside `dir` (relative path `rel`) that the import neither
/// created as a file nor as a directory, sorted.
fn foreign_entries(
    dir: &Path,
    rel: &str,
    created: &BTreeSet<&str>,
    dirs: &BTreeSet<&str>,
) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(dir)
        .follow_links(false)
        .min_depth(1)
        .sort_by_file_name()
    {
        let entry = entry.map_err(|e| anyhow::anyhow!("cannot read {}: {e}", show(dir)))?;
        let inner = entry
            .path()
            .strip_prefix(dir)
            .expect("walkdir stays below its root")
            .to_string_lossy()
            .replace('\\', "/");
        let path = format!("{rel}/{inner}");
        let known = if entry.file_type().is_dir() {
            dirs.contains(path.as_str())
        } else {
            created.contains(path.as_str())
        };
        if !known {
            out.push(path);
        }
    }
    Ok(out)
}

/// Take back the import as `plan` says, as one transaction, and write the
/// undo's receipt (`receipt`, given what the undo lands) as
/// `.mkimport/imports/<undo_id>.json`. Call with the lock held, with a
/// plan that has no `stale` reason.
pub fn apply(root: &Path, plan: &UndoPlan, undo_id: &str, receipt: ReceiptFn) -> Result<Applied> {
    let staging_rel = format!("{STATE_DIR}/{STAGING}/{undo_id}");
    let staging = inside(root, &staging_rel)?;
    let prepared = stage(root, plan, undo_id, &staging_rel, receipt)
        .and_then(|moves| journal::begin(root, undo_id, &moves).map(|()| moves));
    let moves = match prepared {
        Ok(moves) => moves,
        Err(err) => {
            journal::abandon(root, &staging);
            return Err(err.context("the undo stopped before changing anything in the target"));
        }
    };
    do_moves(root, &moves, |_| {})?;
    journal::finish(root)?;
    Ok(Applied {
        programs: plan
            .files
            .iter()
            .filter(|f| f.action == FileAction::Remove && f.path.ends_with("/program.json"))
            .count(),
        files: moves.len(),
        landing: landing(plan),
        outcome: None,
        receipt: String::new(),
    })
}

/// What the undo's receipt records.
fn landing(plan: &UndoPlan) -> Landed {
    Landed {
        target_after: plan.target_state.after.clone(),
        files: plan.files.clone(),
        created_dirs: Vec::new(),
        remote: None,
        calls: None,
    }
}

/// Stage the restored files and the receipt; the moves in order.
fn stage(
    root: &Path,
    plan: &UndoPlan,
    undo_id: &str,
    staging_rel: &str,
    receipt: ReceiptFn,
) -> Result<Vec<Move>> {
    let staging = inside(root, staging_rel)?;
    if staging.exists() {
        fs::remove_dir_all(&staging)?;
    }
    fs::create_dir_all(&staging)?;
    let mut moves = Vec::new();
    let mut gone = 0;
    let mut take_away = |path: &str, moves: &mut Vec<Move>| {
        gone += 1;
        moves.push(Move {
            from: path.to_string(),
            to: format!("{staging_rel}/removed/{gone}"),
        });
    };
    let mut done_dirs: BTreeSet<&str> = BTreeSet::new();
    for (n, step) in plan.files.iter().enumerate() {
        if let Some(dir) = plan.removed_dirs.iter().find(|d| below(&step.path, d)) {
            // The whole directory goes in one rename, where its first
            // file comes in the order.
            if done_dirs.insert(dir) {
                take_away(dir, &mut moves);
            }
            continue;
        }
        match step.action {
            FileAction::Restore => {
                let pre = inside(root, &pre_image_path(&plan.undoes, &step.path))?;
                let from = format!("{staging_rel}/restore-{n}");
                let staged = inside(root, &from)?;
                if std::fs::symlink_metadata(&pre).is_ok_and(|m| m.file_type().is_symlink()) {
                    copy_link(&pre, &staged)?;
                } else {
                    let bytes = fs::read(&pre)?;
                    if sha256_hex(&bytes) != step.sha256 {
                        bail!(
                            "the pre-image {} changed while the undo was prepared",
                            show(&pre)
                        );
                    }
                    write_staged(&staged, &bytes)?;
                    crate::fsutil::keep_permissions(&pre, &staged)?;
                }
                moves.push(Move {
                    from,
                    to: step.path.clone(),
                });
            }
            _ => take_away(&step.path, &mut moves),
        }
    }
    // Directories left that hold no file of the plan (emptied earlier).
    for dir in &plan.removed_dirs {
        if !done_dirs.contains(dir.as_str()) {
            take_away(dir, &mut moves);
        }
    }
    let from = format!("{staging_rel}/receipt.json");
    {
        let file = File::create(inside(root, &from)?)?;
        let mut out = std::io::BufWriter::new(file);
        receipt(&mut out, &landing(plan))?;
        out.flush()?;
    }
    moves.push(Move {
        from,
        to: receipt_path(undo_id),
    });
    Ok(moves)
}
