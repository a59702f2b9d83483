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

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Component, Path, PathBuf};

use anyhow::{anyhow, bail, Context as _, Result};
use fs_err::{self as fs, File};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::bundle::{Bundle, Limits, SourceItem};
use crate::digest::sha256_hex;
use crate::error::show;
use crate::fsutil::{sync_dir, write_atomic};
use crate::model::{to_canonical_json, AssetContent, Imported};
use crate::plan::{hydrate, Plan, ProgramPlan, Status};
use crate::subscription::{Subscription, STATE_DIR};

const JOURNAL: &str = "journal.json";
const STAGING: &str = "staging";
const LOCK: &str = "lock";
/// Where receipts go, below the state directory.
pub const IMPORTS: &str = "imports";

/// The lock that keeps two runs on one target from interleaving. It is an
/// OS file lock: it goes away with the process, so a killed run leaves no
/// stale lock.
pub struct TargetLock {
    _file: std::fs::File,
    /// `.mkimport/`, when this run created it (the target had none).
    created: Option<PathBuf>,
    /// Set once the run starts writing; until then, a run that stops
    /// (refused, declined) removes the state directory it created, so it
    /// leaves the target exactly as it found it.
    pub writing: bool,
}

impl Drop for TargetLock {
    fn drop(&mut self) {
        if let (Some(state), false) = (&self.created, self.writing) {
            let _ = fs::remove_file(state.join(LOCK));
            let _ = fs::remove_dir(state);
        }
    }
}

impl TargetLock {
    /// Take the lock, or fail at once when another run holds it.
    pub fn acquire(target: &Path) -> Result<TargetLock> {
        let state = target.join(STATE_DIR);
        let created = (!state.exists()).then(|| state.clone());
        fs::create_dir_all(&state).with_context(|| format!("cannot create {}", show(&state)))?;
        let path = state.join(LOCK);
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .with_context(|| format!("cannot open the lock {}", show(&path)))?;
        match file.try_lock() {
            Ok(()) => Ok(TargetLock {
                _file: file,
                created,
                writing: false,
            }),
            Err(std::fs::TryLockError::WouldBlock) => bail!(
                "another mkimport run holds the lock {} on this target; wait for it to finish",
                show(&path)
            ),
            Err(std::fs::TryLockError::Error(e)) => {
                Err(anyhow!(e).context(format!("cannot lock {}", show(&path))))
            }
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
struct Move {
    /// Relative to the target root.
    from: String,
    to: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Journal {
    import_id: String,
    moves: Vec<Move>,
}

/// Join a relative path below `root`, refusing anything that could leave it.
pub fn inside(root: &Path, rel: &str) -> Result<PathBuf> {
    let rel_path = Path::new(rel);
    let ok = !rel.is_empty()
        && rel_path
            .components()
            .all(|c| matches!(c, Component::Normal(_)));
    if !ok {
        bail!("refusing to write {rel:?}: it is not a plain path inside the target");
    }
    Ok(root.join(rel_path))
}

/// Did a run stop half-way through its moves on this target?
pub fn interrupted(target: &Path) -> bool {
    target.join(STATE_DIR).join(JOURNAL).is_file()
}

/// Finish (or clean up after) a run that was interrupted. Call with the
/// lock held. Returns true when an interrupted run was completed.
pub fn recover(target: &Path) -> Result<bool> {
    let state = target.join(STATE_DIR);
    let journal_path = state.join(JOURNAL);
    let mut finished = false;
    if journal_path.is_file() {
        let text = fs::read_to_string(&journal_path)
            .with_context(|| format!("cannot read {}", show(&journal_path)))?;
        let journal: Journal = serde_json::from_str(&text)
            .with_context(|| format!("the journal {} is damaged", show(&journal_path)))?;
        do_moves(target, &journal.moves, |_| {})?;
        fs::remove_file(&journal_path)?;
        sync_dir(&state)?;
        finished = true;
    }
    let staging = state.join(STAGING);
    if staging.exists() {
        fs::remove_dir_all(&staging).with_context(|| format!("cannot clean {}", show(&staging)))?;
    }
    Ok(finished)
}

fn do_moves(target: &Path, moves: &[Move], mut tick: impl FnMut(&Move)) -> Result<()> {
    let mut dirs: BTreeSet<PathBuf> = BTreeSet::new();
    for m in moves {
        let from = inside(target, &m.from)?;
        let to = inside(target, &m.to)?;
        if from.exists() {
            let parent = to.parent().expect("a path inside the target has a parent");
            fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", show(parent)))?;
            // A file that replaces another keeps its permissions.
            crate::fsutil::keep_permissions(&to, &from)?;
            fs::rename(&from, &to)
                .with_context(|| format!("cannot move {} to {}", show(&from), show(&to)))?;
            dirs.insert(parent.to_path_buf());
        }
        tick(m);
    }
    for dir in dirs {
        sync_dir(&dir)?;
    }
    Ok(())
}

/// Write a staged file. It is not fsynced here: the whole staging area is
/// flushed at once by [`flush`] before the journal is written.
fn write_staged(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    let mut file = File::create(path)?;
    file.write_all(bytes)?;
    Ok(())
}

/// Make everything written so far on the target's file system durable:
/// one `syncfs` instead of an fsync per file (on Linux; elsewhere, every
/// file and directory below `dir` is fsynced).
fn flush(dir: &Path) -> Result<()> {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        let handle = File::open(dir)?;
        // SAFETY: syncfs only reads the descriptor, which `handle` keeps
        // open for the duration of the call.
        let status = unsafe { libc::syncfs(handle.as_raw_fd()) };
        if status != 0 {
            return Err(anyhow!(std::io::Error::last_os_error())
                .context(format!("cannot flush the file system of {}", show(dir))));
        }
        Ok(())
    }
    #[cfg(not(target_os = "linux"))]
    {
        for entry in walkdir::WalkDir::new(dir) {
            let entry = entry?;
            if entry.file_type().is_file() {
                File::open(entry.path())?.sync_all()?;
            } else if entry.file_type().is_dir() {
                sync_dir(entry.path())?;
            }
        }
        Ok(())
    }
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
#[allow(clippy::too_many_arguments)]
pub fn apply(
    target: &Subscription,
    plan: &Plan,
    items: &[SourceItem],
    limits: &Limits,
    import_id: &str,
    source: &str,
    receipt: &dyn Fn(&mut dyn Write, &str) -> std::io::Result<()>,
    mut tick: impl FnMut(&str, &str),
) -> Result<Applied> {
    let root = &target.root;
    let state = root.join(STATE_DIR);
    let staging_rel = format!("{STATE_DIR}/{STAGING}/{import_id}");
    let staging = inside(root, &staging_rel)?;
    let cx = StageContext {
        root,
        staging_rel: &staging_rel,
        limits,
        import_id,
        source,
    };
    let journal = |prepared: &Prepared| {
        // Everything staged is durable before the journal says "move".
        flush(root)?;
        let journal = Journal {
            import_id: import_id.to_string(),
            moves: prepared.moves.clone(),
        };
        write_atomic(&state.join(JOURNAL), &to_canonical_json(&journal))?;
        Ok(())
    };
    let prepared = stage(&cx, target, plan, items, receipt)
        .and_then(|prepared| journal(&prepared).map(|()| prepared));
    let prepared = match prepared {
        Ok(prepared) => prepared,
        Err(err) => {
            // Nothing was moved: give the space back (a full disk stays
            // full otherwise) and leave the target as it was.
            let staging_root = state.join(STAGING);
            let _ = fs::remove_dir_all(&staging);
            let _ = fs::remove_dir(&staging_root);
            return Err(err.context("the import stopped before writing anything into the target"));
        }
    };

    // Move into place (each rename atomic), then make the renames durable.
    let mut index = 0;
    do_moves(root, &prepared.moves, |m| {
        tick(&prepared.owners[index], &m.to);
        index += 1;
    })?;
    flush(root)?;
    // Done: the journal goes, then the staging area.
    fs::remove_file(state.join(JOURNAL))?;
    sync_dir(&state)?;
    fs::remove_dir_all(state.join(STAGING)).ok();
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

/// The digest of the target after the import `import_id` landed, as its
/// receipt records it (none for receipts written before it was recorded).
pub fn landed_state(target: &Path, import_id: &str) -> Option<String> {
    let path = inside(target, &format!("{STATE_DIR}/{IMPORTS}/{import_id}.json")).ok()?;
    let text = std::fs::read_to_string(path).ok()?;
    let receipt: Value = serde_json::from_str(&text).ok()?;
    receipt["target_state"]["after"]
        .as_str()
        .map(str::to_string)
}

/// Rewrite the receipt (after a late warning, such as a failed mail).
pub fn rewrite_receipt(
    target: &Path,
    import_id: &str,
    receipt: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    let path = inside(target, &format!("{STATE_DIR}/{IMPORTS}/{import_id}.json"))?;
    crate::fsutil::write_atomic_with(&path, receipt)?;
    Ok(())
}
