//! Reading bundles (spec section 3): zip files, directories, programs stored
//! in a source subscription, and the built-in Program Library.
//!
//! A bundle is read into a [`Bundle`]: its `program.json`, its external
//! assets and a digest of everything that was read. Every problem with a
//! bundle becomes an [`InputError`] naming the bundle and the file, so one
//! bad bundle never stops the others from being previewed.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use walkdir::WalkDir;

use crate::digest::{sha256_hex, TreeDigest};
use crate::error::{show, InputError};
use crate::load::subscription::{
    is_junk, parse_design_doc, parse_program, StoredProgram, Subscription, SubscriptionIndex,
};
use crate::model::{to_canonical_json, AssetContent, DesignKind, ProgramFile, Token};
use crate::names;

/// The external asset kinds a bundle may carry, in `external/<dir>/`.
pub const EXTERNAL_KINDS: [DesignKind; 4] = [
    DesignKind::EmailTemplate,
    DesignKind::LandingPageTemplate,
    DesignKind::Form,
    DesignKind::Image,
];

/// One external asset carried by a bundle.
#[derive(Debug, Clone, PartialEq)]
pub struct ExternalAsset {
    pub kind: DesignKind,
    pub name: String,
    pub content: AssetContent,
}

/// A program ready to be planned.
#[derive(Debug, Clone)]
pub struct Bundle {
    /// Where it came from, for messages and the report.
    pub label: String,
    /// Digest of everything the bundle holds that the import reads.
    pub digest: String,
    pub program: ProgramFile,
    pub external: Vec<ExternalAsset>,
    /// Where it can be read again from.
    pub origin: Origin,
}

/// Where a bundle can be read again from, once the plan dropped its
/// content: `run` reads it again ([`Rereader`]) to write it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A zip file or a bundle directory.
    Path(PathBuf),
    /// A program of the built-in library, by its label.
    Library(String),
    /// A program stored in a source subscription: the subscription's
    /// directory, and the program's directory relative to it.
    Stored {
        subscription: PathBuf,
        program: String,
    },
    /// Only in memory (tests, fuzzing): its content is never dropped.
    Memory,
}

impl Origin {
    /// Can a bundle of this origin be read again?
    pub fn rereadable(&self) -> bool {
        match self {
            Origin::Path(_) | Origin::Library(_) | Origin::Stored { .. } => true,
            Origin::Memory => false,
        }
    }
}

impl Bundle {
    /// Drop what planning does not need, keeping what it does: the HTML of
    /// emails and landing pages shrinks to the `{{my.X}}` references it
    /// holds (all the planner reads of it), image bytes go (their digest
    /// stays). Only a bundle that can be read again is slimmed, since `run`
    /// must read it again.
    pub fn slim(mut self) -> Bundle {
        if !self.origin.rereadable() {
            return self;
        }
        fn refs_only(html: &mut String) {
            let mut refs = crate::model::token_references(html);
            refs.sort();
            refs.dedup();
            *html = refs.iter().map(|r| format!("{{{{{r}}}}}")).collect();
        }
        for email in &mut self.program.emails {
            refs_only(&mut email.html);
        }
        for page in &mut self.program.landing_pages {
            refs_only(&mut page.html);
        }
        for asset in &mut self.external {
            if let AssetContent::Image { bytes, .. } = &mut asset.content {
                *bytes = Arc::new(Vec::new());
            }
        }
        self
    }

    /// After planning, a bundle that can be read again is not needed: drop
    /// its program and assets (the plan holds what it needs of them).
    pub fn release(&mut self) {
        if self.origin.rereadable() {
            let program = &mut self.program;
            program.tokens = Vec::new();
            program.emails = Vec::new();
            program.landing_pages = Vec::new();
            program.forms = Vec::new();
            program.smart_campaigns = Vec::new();
            self.external = Vec::new();
        }
    }

    /// One external asset by kind and name. Linear: for a lookup per asset,
    /// build [`Bundle::external_index`] once instead.
    pub fn find_external(&self, kind: DesignKind, name: &str) -> Option<&ExternalAsset> {
        let key = names::key(name);
        self.external
            .iter()
            .find(|a| a.kind == kind && names::key(&a.name) == key)
    }

    /// The external assets by (kind, name key), built once per use so that
    /// a bundle of many assets is looked up in linear time overall.
    pub fn external_index(&self) -> ExternalIndex<'_> {
        let mut index = ExternalIndex::default();
        for asset in &self.external {
            index
                .0
                .entry((asset.kind, names::key(&asset.name)))
                .or_insert(asset);
        }
        index
    }
}

/// A bundle's external assets by (kind, name key); see
/// [`Bundle::external_index`].
#[derive(Debug, Default)]
pub struct ExternalIndex<'a>(HashMap<(DesignKind, String), &'a ExternalAsset>);

impl<'a> ExternalIndex<'a> {
    pub fn get(&self, kind: DesignKind, name: &str) -> Option<&'a ExternalAsset> {
        self.0.get(&(kind, names::key(name))).copied()
    }
}

/// Limits that keep a hostile archive from exhausting memory or disk.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest uncompressed size of one entry, in bytes.
    pub max_entry_bytes: u64,
    /// Largest uncompressed size of all entries of one bundle, in bytes.
    pub max_bundle_bytes: u64,
    /// Largest ratio of uncompressed to compressed size of one entry.
    pub max_ratio: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_entry_bytes: 64 << 20,
            max_bundle_bytes: 256 << 20,
            max_ratio: 200,
        }
    }
}

impl Limits {
    /// Admit one entry (zip) or file (directory) of `size` bytes into a
    /// bundle whose admitted entries add up to `total`: refuse it when it
    /// is over the entry limit, or takes the bundle over its limit.
    fn admit(&self, total: &mut u64, size: u64, label: &str, file: &str) -> Result<(), InputError> {
        let refuse = |message: String| Err(InputError::new(label, message).in_file(file));
        if size > self.max_entry_bytes {
            return refuse(format!(
                "{size} bytes uncompressed, over the limit of {}; raise --max-entry-bytes if this is expected",
                self.max_entry_bytes
            ));
        }
        *total += size;
        if *total > self.max_bundle_bytes {
            return refuse(format!(
                "the bundle's entries add up to more than {} bytes; raise --max-bundle-bytes if this is expected",
                self.max_bundle_bytes
            ));
        }
        Ok(())
    }
}

/// The compression methods read, as 7-Zip, Windows Explorer, Python and
/// Info-ZIP write them. Each is inflated through [`read_limited`], under
/// the same size and ratio limits.
const READ_METHODS: [zip::CompressionMethod; 6] = [
    zip::CompressionMethod::Stored,
    zip::CompressionMethod::Deflated,
    zip::CompressionMethod::Deflate64,
    zip::CompressionMethod::Bzip2,
    zip::CompressionMethod::Lzma,
    zip::CompressionMethod::Zstd,
];

/// Entries below this size are never refused for their compression ratio
/// (small runs of white space compress very well).
const RATIO_FLOOR: u64 = 1 << 20;

/// One bundle found in a source, loaded or not.
#[derive(Debug)]
pub struct SourceItem {
    pub label: String,
    pub bundle: Result<Bundle, InputError>,
}

// ---------------------------------------------------------------------
// Finding bundles

/// Find the bundles below a directory that is not a subscription: every
/// `*.zip` file and every directory holding `program.json`. Links are not
/// followed. A directory that itself holds `program.json` is one bundle.
pub fn find_bundles(root: &Path) -> Vec<Result<PathBuf, InputError>> {
    if root.join("program.json").is_file() {
        return vec![Ok(root.to_path_buf())];
    }
    let mut found = Vec::new();
    let mut walker = WalkDir::new(root)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter();
    while let Some(entry) = walker.next() {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                let at = e.path().map(show).unwrap_or_else(|| show(root));
                found.push(Err(InputError::new(at, format!("cannot read: {e}"))));
                continue;
            }
        };
        let name = entry.file_name().to_string_lossy();
        if entry.depth() > 0 && (name == "__MACOSX" || name == crate::load::subscription::STATE_DIR)
        {
            if entry.file_type().is_dir() {
                walker.skip_current_dir();
            }
            continue;
        }
        if entry.file_type().is_dir() {
            if entry.depth() > 0 && entry.path().join("program.json").is_file() {
                walker.skip_current_dir();
                found.push(Ok(entry.into_path()));
            }
        } else if entry.file_type().is_file()
            && name.to_lowercase().ends_with(".zip")
            && !name.starts_with("._")
        {
            found.push(Ok(entry.into_path()));
        }
    }
    found
}

// ---------------------------------------------------------------------
// Reading one bundle

/// Read a bundle from a `.zip` file or a directory.
pub fn read_bundle(path: &Path, limits: &Limits) -> Result<Bundle, InputError> {
    let label = show(path);
    let entries = if path.is_dir() {
        read_dir_entries(path, &label, limits)?
    } else {
        read_zip_entries(path, &label, limits)?
    };
    let mut bundle = from_entries(label, entries)?;
    bundle.origin = Origin::Path(path.to_path_buf());
    Ok(bundle)
}

/// Is this (normalised) entry name one an archiver adds?
fn is_archiver_junk(name: &str) -> bool {
    name.split('/')
        .any(|part| part == "__MACOSX" || is_junk(part))
}

/// Refuse entry names that could escape the target or the bundle.
fn check_entry_name(label: &str, raw: &str, name: &str) -> Result<(), InputError> {
    let bad = |why: &str| {
        Err(InputError::new(
            label,
            format!("unsafe entry name {raw:?}: {why}; the bundle is refused"),
        )
        .in_file(raw.to_string()))
    };
    if name.starts_with('/') {
        return bad("absolute path");
    }
    let bytes = name.as_bytes();
    if bytes.len() >= 2 && bytes[1] == b':' && bytes[0].is_ascii_alphabetic() {
        return bad("drive letter");
    }
    if name.split('/').any(|part| part == "..") {
        return bad("parent directory (..)");
    }
    if name.contains('\0') {
        return bad("NUL byte");
    }
    Ok(())
}

/// The relevant entries of a bundle, relative to its root: `program.json`
/// and `external/<kind>/<file>`.
pub type Entries = Vec<(String, Vec<u8>)>;

fn is_relevant(rel: &str) -> bool {
    if rel == "program.json" {
        return true;
    }
    let parts: Vec<&str> = rel.split('/').collect();
    parts.len() == 3
        && parts[0] == "external"
        && EXTERNAL_KINDS.iter().any(|k| k.dir() == parts[1])
        && !parts[2].is_empty()
}

/// The prefix under which a bundle's files sit: "" or "<folder>/" when the
/// only top-level entry is one folder holding program.json.
fn bundle_root(label: &str, files: &BTreeSet<String>) -> Result<String, InputError> {
    if files.contains("program.json") {
        return Ok(String::new());
    }
    let tops: BTreeSet<&str> = files
        .iter()
        .map(|f| f.split('/').next().unwrap_or(""))
        .collect();
    if tops.len() == 1 {
        let top = tops.into_iter().next().unwrap_or("");
        let prefix = format!("{top}/");
        if files.contains(&format!("{prefix}program.json")) {
            return Ok(prefix);
        }
    }
    Err(InputError::new(
        label,
        "no program.json at the bundle's root (nor inside a single top-level folder)",
    )
    .in_file("program.json"))
}

fn read_zip_entries(path: &Path, label: &str, limits: &Limits) -> Result<Entries, InputError> {
    let file =
        fs::File::open(path).map_err(|e| InputError::new(label, format!("cannot open: {e}")))?;
    zip_entries(std::io::BufReader::new(file), label, limits)
}

/// Read a bundle from zip bytes in memory (used by the fuzz targets and
/// tests; files go through [`read_bundle`]).
pub fn read_zip_bundle(label: &str, bytes: &[u8], limits: &Limits) -> Result<Bundle, InputError> {
    let entries = zip_entries(std::io::Cursor::new(bytes), label, limits)?;
    from_entries(label.to_string(), entries)
}

fn zip_entries(
    reader: impl Read + std::io::Seek,
    label: &str,
    limits: &Limits,
) -> Result<Entries, InputError> {
    let mut archive = zip::ZipArchive::new(reader)
        .map_err(|e| InputError::new(label, format!("not a readable zip file: {e}")))?;
    if archive.has_duplicate_names() {
        let start = archive.central_directory_start();
        let count = archive.len() + 1;
        let mut reader = archive.into_inner();
        let name = duplicate_entry_name(&mut reader, start, count)
            .unwrap_or_else(|| "(unknown)".to_string());
        return Err(InputError::new(
            label,
            format!("the zip holds two entries named {name:?}; the bundle is refused"),
        )
        .in_file(name));
    }
    // First pass: names only, from the central directory.
    let mut by_name: BTreeMap<String, usize> = BTreeMap::new();
    let metadata = archive.metadata();
    for index in 0..archive.len() {
        let entry = metadata
            .entry(index)
            .map_err(|e| InputError::new(label, format!("corrupt zip directory: {e}")))?;
        let raw = match entry.name() {
            Ok(name) => name.into_owned(),
            Err(_) => {
                return Err(InputError::new(
                    label,
                    format!(
                        "entry {} has a name that is not valid text",
                        String::from_utf8_lossy(entry.name_raw())
                    ),
                ))
            }
        };
        let name = raw.replace('\\', "/");
        check_entry_name(label, &raw, &name)?;
        let is_link =
            entry.is_symlink() || entry.unix_mode().is_some_and(|m| m & 0o170000 == 0o120000);
        if is_link {
            return Err(InputError::new(
                label,
                format!("entry {raw:?} is a symbolic link; links are refused"),
            )
            .in_file(raw));
        }
        if entry.is_dir() || name.ends_with('/') || is_archiver_junk(&name) {
            continue;
        }
        if entry.encrypted() {
            return Err(InputError::new(
                label,
                "the entry is encrypted; encrypted bundles are refused",
            )
            .in_file(raw));
        }
        let method = entry.compression();
        if !READ_METHODS.contains(&method) {
            return Err(InputError::new(
                label,
                format!("the entry uses compression method {method}, which mkimport does not read (it reads store, deflate, deflate64, bzip2, lzma and zstd)"),
            )
            .in_file(raw));
        }
        if by_name.insert(name.clone(), index).is_some() {
            return Err(InputError::new(
                label,
                format!("two entries are named {name:?} (after reading \\ as /)"),
            )
            .in_file(raw));
        }
    }
    let files: BTreeSet<String> = by_name.keys().cloned().collect();
    let root = bundle_root(label, &files)?;
    // Second pass: read only the entries the import needs, through one
    // buffer (zeroing 64 KiB per entry would cost more than reading a
    // tiny entry).
    let mut chunk = vec![0u8; 64 * 1024];
    let mut total: u64 = 0;
    let mut out = Vec::new();
    for (name, index) in by_name {
        let Some(rel) = name.strip_prefix(&root) else {
            continue;
        };
        if !is_relevant(rel) {
            continue;
        }
        let mut entry = archive.by_index(index).map_err(|e| {
            InputError::new(label, format!("cannot read entry: {e}")).in_file(&name)
        })?;
        let declared = entry.size();
        let compressed = entry.compressed_size().max(1);
        // Refused from the sizes the zip declares before inflating anything;
        // `read_limited` holds the entry to the same limit while inflating,
        // in case the declared size lies.
        limits.admit(&mut 0, declared, label, &name)?;
        if declared > RATIO_FLOOR && declared / compressed > limits.max_ratio {
            return Err(InputError::new(
                label,
                format!(
                    "entry expands {}x (over the limit of {}x): refused as a zip bomb; raise --max-ratio if this is expected",
                    declared / compressed,
                    limits.max_ratio
                ),
            )
            .in_file(&name));
        }
        let bytes = read_limited(&mut entry, compressed, limits, &mut chunk).map_err(|why| {
            match why {
                ReadFailure::Io(e) => InputError::new(label, format!("cannot decompress: {e}")),
                ReadFailure::TooBig => InputError::new(
                    label,
                    format!(
                        "inflates past the limit of {} bytes (more than its header says); raise --max-entry-bytes if this is expected",
                        limits.max_entry_bytes
                    ),
                ),
                ReadFailure::Bomb => InputError::new(
                    label,
                    format!(
                        "entry expands more than {}x: refused as a zip bomb; raise --max-ratio if this is expected",
                        limits.max_ratio
                    ),
                ),
            }
            .in_file(&name)
        })?;
        limits.admit(&mut total, bytes.len() as u64, label, &name)?;
        out.push((rel.to_string(), bytes));
    }
    Ok(out)
}

/// The first name that two central-directory records share. The zip
/// reader keeps one record per name, so we read the records ourselves
/// (signature, then the name's length at byte 28 and the name at byte 46).
fn duplicate_entry_name(
    reader: &mut (impl Read + std::io::Seek),
    start: u64,
    at_least: usize,
) -> Option<String> {
    reader.seek(std::io::SeekFrom::Start(start)).ok()?;
    let mut seen = BTreeSet::new();
    for _ in 0..at_least.saturating_mul(2).max(1 << 16) {
        let mut header = [0u8; 46];
        reader.read_exact(&mut header).ok()?;
        if header[..4] != [0x50, 0x4b, 0x01, 0x02] {
            return None;
        }
        let field = |at: usize| u16::from_le_bytes([header[at], header[at + 1]]) as usize;
        let (name_len, extra_len, comment_len) = (field(28), field(30), field(32));
        let mut name = vec![0u8; name_len];
        reader.read_exact(&mut name).ok()?;
        let name = String::from_utf8_lossy(&name).replace('\\', "/");
        if !seen.insert(name.clone()) {
            return Some(name);
        }
        reader
            .seek(std::io::SeekFrom::Current((extra_len + comment_len) as i64))
            .ok()?;
    }
    None
}

enum ReadFailure {
    Io(std::io::Error),
    TooBig,
    Bomb,
}

/// Decompress an entry in chunks, stopping as soon as it passes the size
/// limit or the ratio limit: a bomb is refused without being inflated, and
/// memory never grows past the limit.
fn read_limited(
    reader: &mut impl Read,
    compressed: u64,
    limits: &Limits,
    chunk: &mut [u8],
) -> Result<Vec<u8>, ReadFailure> {
    let mut bytes = Vec::new();
    loop {
        let n = reader.read(chunk).map_err(ReadFailure::Io)?;
        if n == 0 {
            return Ok(bytes);
        }
        let total = bytes.len() as u64 + n as u64;
        if total > limits.max_entry_bytes {
            return Err(ReadFailure::TooBig);
        }
        if total > RATIO_FLOOR && total / compressed > limits.max_ratio {
            return Err(ReadFailure::Bomb);
        }
        bytes.extend_from_slice(&chunk[..n]);
    }
}

fn read_dir_entries(path: &Path, label: &str, limits: &Limits) -> Result<Entries, InputError> {
    let mut root = path.to_path_buf();
    if !root.join("program.json").is_file() {
        let children: Vec<PathBuf> = fs::read_dir(path)
            .map_err(|e| InputError::new(label, format!("cannot read: {e}")))?
            .filter_map(Result::ok)
            .filter(|e| {
                let n = e.file_name().to_string_lossy().into_owned();
                n != "__MACOSX" && !is_junk(&n)
            })
            .map(|e| e.path())
            .collect();
        match children.as_slice() {
            [only] if only.join("program.json").is_file() => root = only.clone(),
            _ => {
                return Err(
                    InputError::new(label, "no program.json in the bundle").in_file("program.json")
                )
            }
        }
    }
    let mut out = Vec::new();
    let mut total: u64 = 0;
    for entry in WalkDir::new(&root)
        .follow_links(false)
        .sort_by_file_name()
        .max_depth(3)
    {
        let entry = entry.map_err(|e| InputError::new(label, format!("cannot read: {e}")))?;
        if !entry.file_type().is_file() {
            continue;
        }
        let rel_path = entry
            .path()
            .strip_prefix(&root)
            .expect("walkdir stays below its root");
        let Some(rel) = rel_path.to_str().map(|r| r.replace('\\', "/")) else {
            return Err(InputError::new(
                label,
                format!("file name {} is not valid UTF-8 text", show(rel_path)),
            ));
        };
        if !is_relevant(&rel) || is_archiver_junk(&rel) {
            continue;
        }
        let size = entry.metadata().map(|m| m.len()).unwrap_or(0);
        limits.admit(&mut total, size, label, &rel)?;
        let mut bytes = Vec::new();
        fs::File::open(entry.path())
            .and_then(|f| f.take(limits.max_entry_bytes + 1).read_to_end(&mut bytes))
            .map_err(|e| InputError::new(label, format!("cannot read: {e}")).in_file(&rel))?;
        if bytes.len() as u64 > limits.max_entry_bytes {
            return Err(
                InputError::new(label, "file grew past the size limit while being read")
                    .in_file(&rel),
            );
        }
        out.push((rel, bytes));
    }
    Ok(out)
}

/// Build a bundle from its relevant entries.
pub fn from_entries(label: String, entries: Entries) -> Result<Bundle, InputError> {
    let mut program = None;
    let mut external: Vec<ExternalAsset> = Vec::new();
    // (kind, name key) of every asset so far: a bundle of many entries is
    // checked for equal names in linear time, not by comparing every pair.
    let mut seen: HashSet<(DesignKind, String)> = HashSet::new();
    for (rel, bytes) in &entries {
        if rel == "program.json" {
            program = Some(parse_program(&label, rel, bytes)?);
            continue;
        }
        let mut parts = rel.split('/').skip(1);
        let dir = parts.next().unwrap_or_default();
        let file = parts.next().unwrap_or_default();
        let Some(kind) = DesignKind::from_dir(dir) else {
            continue;
        };
        let asset = if kind == DesignKind::Image {
            ExternalAsset {
                kind,
                name: file.to_string(),
                content: AssetContent::Image {
                    digest: sha256_hex(bytes),
                    bytes: Arc::new(bytes.clone()),
                },
            }
        } else {
            if !file.to_lowercase().ends_with(".json") {
                continue;
            }
            let doc = parse_design_doc(&label, rel, bytes)?;
            ExternalAsset {
                kind,
                name: doc.name.clone(),
                content: AssetContent::Doc(doc),
            }
        };
        if !seen.insert((kind, names::key(&asset.name))) {
            return Err(InputError::new(
                &label,
                format!("two {}s are named \"{}\"", kind.noun(), asset.name),
            )
            .in_file(rel.clone()));
        }
        external.push(asset);
    }
    let program = program.ok_or_else(|| {
        InputError::new(&label, "no program.json in the bundle").in_file("program.json")
    })?;
    Ok(Bundle {
        label,
        digest: content_digest(&program, &external),
        program,
        external,
        origin: Origin::Memory,
    })
}

/// The digest of what a bundle carries, independent of how it is packed
/// (zip or directory, file names, JSON layout): the canonical program and
/// each external asset's kind, name and content. A program exported with
/// `mkimport export` has the digest of the same program bundled on the fly.
pub fn content_digest(program: &ProgramFile, external: &[ExternalAsset]) -> String {
    let mut digest = TreeDigest::default();
    digest.add("program.json", &to_canonical_json(program));
    for asset in external {
        let entry = format!("external/{}/{}", asset.kind.dir(), names::key(&asset.name));
        match &asset.content {
            AssetContent::Doc(doc) => digest.add(&entry, &to_canonical_json(&doc.doc)),
            AssetContent::Image { digest: d, .. } => digest.add_digest(&entry, d),
        }
    }
    digest.finish()
}

// ---------------------------------------------------------------------
// Bundling a program stored in a subscription

/// Bundle a stored program on the fly (spec section 5): its external
/// assets come from the subscription's design studio, the tokens of the
/// folders above it become inherited tokens, `exported_from` is the
/// subscription's name and `program.folder` its folder path.
pub fn bundle_stored(source: &Subscription, stored: &StoredProgram) -> Result<Bundle, InputError> {
    bundle_stored_indexed(source, &source.index(), stored)
}

/// [`bundle_stored`] with the source's index built once for all its
/// programs.
pub fn bundle_stored_indexed(
    source: &Subscription,
    index: &SubscriptionIndex,
    stored: &StoredProgram,
) -> Result<Bundle, InputError> {
    let label = show(&source.root.join(stored.rel_dir()));
    let mut program = stored.file.clone();
    program.imported = None;
    program.exported_from = Some(source.meta.name.clone());
    program.program.folder = Some(stored.folder.join("/"));

    // Inherited tokens: nearest folder first; a nearer token, or a local
    // one, hides a farther one of the same name.
    let mut seen: BTreeSet<String> = program.tokens.iter().map(|t| names::key(&t.name)).collect();
    for depth in (1..=stored.folder.len()).rev() {
        let path = stored.folder[..depth].join("/");
        let Some(folder) = index.folder(&path) else {
            continue;
        };
        for token in &folder.tokens {
            if seen.insert(names::key(&token.name)) {
                program.tokens.push(Token {
                    inherited_from: Some(folder.path_string()),
                    ..token.clone()
                });
            }
        }
    }

    let mut external = Vec::new();
    let mut carried = HashSet::new();
    for (kind, name) in
        crate::model::external_references(&program.emails, &program.landing_pages, &program.forms)
    {
        if !carried.insert((kind, names::key(&name))) {
            continue;
        }
        let Some(asset) = index.asset(kind, &name) else {
            continue;
        };
        let rel = format!("design-studio/{}/{}", kind.dir(), asset.file);
        let content = match &asset.doc {
            Some(doc) => AssetContent::Doc(doc.clone()),
            None => {
                let bytes = fs::read(source.root.join(&rel)).map_err(|e| {
                    InputError::new(&source.label, format!("cannot read: {e}")).in_file(&rel)
                })?;
                AssetContent::Image {
                    digest: sha256_hex(&bytes),
                    bytes: Arc::new(bytes),
                }
            }
        };
        external.push(ExternalAsset {
            kind,
            name: asset.name.clone(),
            content,
        });
    }
    Ok(Bundle {
        label,
        digest: content_digest(&program, &external),
        program,
        external,
        origin: Origin::Stored {
            subscription: source.root.clone(),
            program: stored.rel_dir(),
        },
    })
}
