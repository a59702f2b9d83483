//! Loading a subscription directory (spec section 2) into a typed model.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;
use walkdir::WalkDir;

use crate::digest::{sha256_hex, TreeDigest};
use crate::error::{show, InputError};
use crate::model::{DesignDoc, DesignKind, FolderFile, ProgramFile, SubscriptionMeta, FORMAT};
use crate::names;

/// The directory of the tool's own state inside a subscription.
pub const STATE_DIR: &str = ".mkimport";

/// A design-studio asset of a subscription.
#[derive(Debug, Clone)]
pub struct StoredAsset {
    pub kind: DesignKind,
    pub name: String,
    /// File name inside `design-studio/<kind>/`.
    pub file: String,
    /// Identity of the content (see `AssetContent::identity`).
    pub identity: String,
    /// The parsed document (JSON kinds only).
    pub doc: Option<DesignDoc>,
}

/// A campaign folder: a directory under `marketing-activities/` without
/// `program.json`.
#[derive(Debug, Clone)]
pub struct Folder {
    /// Path segments below `marketing-activities/`, as spelled on disk.
    pub path: Vec<String>,
    pub tokens: Vec<crate::model::Token>,
    /// File names (lower-cased) of the directories directly inside.
    pub children: Vec<String>,
}

impl Folder {
    pub fn path_string(&self) -> String {
        self.path.join("/")
    }
}

/// A program stored in a subscription.
#[derive(Debug, Clone)]
pub struct StoredProgram {
    /// Folder path segments, as spelled on disk.
    pub folder: Vec<String>,
    /// The program's directory name.
    pub dir: String,
    pub file: ProgramFile,
}

impl StoredProgram {
    /// Path of the program's directory relative to the subscription root.
    pub fn rel_dir(&self) -> String {
        let mut parts = vec!["marketing-activities".to_string()];
        parts.extend(self.folder.iter().cloned());
        parts.push(self.dir.clone());
        parts.join("/")
    }
}

#[derive(Debug, Clone)]
pub struct Subscription {
    pub root: PathBuf,
    /// The path as the user gave it, for messages.
    pub label: String,
    pub meta: SubscriptionMeta,
    /// `subscription.json` as read, so a rewrite keeps unknown keys.
    pub raw: serde_json::Map<String, Value>,
    pub assets: Vec<StoredAsset>,
    pub folders: Vec<Folder>,
    pub programs: Vec<StoredProgram>,
    /// Digest of every file outside `.mkimport/`.
    pub digest: String,
    /// The digest of each of those files, from which the digest after an
    /// import is computed (see [`TreeDigest`]).
    pub files: TreeDigest,
}

impl Subscription {
    /// Refuse, as a usage error naming `flag`, a path that does not exist
    /// or is not a subscription directory, saying what is wrong with it.
    pub fn check_dir(flag: &str, path: &Path) -> anyhow::Result<()> {
        if !path.exists() {
            let hint = match crate::suggest::path_hint(path) {
                none if none.is_empty() && flag == "--to" => {
                    "; the target must be an existing subscription directory (one holding subscription.json: copy one with `cp -r` to try an import on the copy), or marketo:INSTANCE for a live Marketo instance".to_string()
                }
                hint => hint,
            };
            return Err(crate::error::usage(format!(
                "{flag} {} does not exist{hint}",
                show(path)
            )));
        }
        if !path.is_dir() {
            return Err(crate::error::usage(format!(
                "{flag} {} is a file, not a subscription directory (a directory holding subscription.json)",
                show(path)
            )));
        }
        let meta = path.join("subscription.json");
        if meta.is_dir() {
            return Err(crate::error::usage(format!(
                "{flag} {} is not a subscription directory: its subscription.json is a directory, not a file",
                show(path)
            )));
        }
        if !Subscription::is_subscription(path) {
            let why = if std::fs::symlink_metadata(&meta).is_ok() {
                "its subscription.json is neither a file nor a link to one"
            } else {
                "it has no subscription.json"
            };
            return Err(crate::error::usage(format!(
                "{flag} {} is not a subscription directory ({why})",
                show(path)
            )));
        }
        Ok(())
    }

    /// Drop the parsed documents of the design studio (their identities
    /// stay): what a run keeps of the target once it is planned.
    pub fn forget_docs(&mut self) {
        for asset in &mut self.assets {
            asset.doc = None;
        }
    }

    pub fn is_subscription(path: &Path) -> bool {
        path.join("subscription.json").is_file()
    }

    pub fn assets_of(&self, kind: DesignKind) -> impl Iterator<Item = &StoredAsset> {
        self.assets.iter().filter(move |a| a.kind == kind)
    }

    pub fn find_asset(&self, kind: DesignKind, name: &str) -> Option<&StoredAsset> {
        let key = names::key(name);
        self.assets_of(kind).find(|a| names::key(&a.name) == key)
    }

    /// Find a folder by a `/`-separated path compared with name equality.
    pub fn find_folder(&self, path: &str) -> Option<&Folder> {
        let wanted: Vec<String> = split_folder(path).iter().map(|s| names::key(s)).collect();
        self.folders.iter().find(|f| {
            f.path.len() == wanted.len()
                && f.path.iter().zip(&wanted).all(|(a, b)| names::key(a) == *b)
        })
    }

    /// Its assets and folders by name, for many lookups: built once, each
    /// lookup is then constant time instead of a walk over every asset.
    pub fn index(&self) -> SubscriptionIndex<'_> {
        let mut index = SubscriptionIndex::default();
        for asset in &self.assets {
            index
                .assets
                .entry((asset.kind, names::key(&asset.name)))
                .or_insert(asset);
        }
        for folder in &self.folders {
            let key: Vec<String> = folder.path.iter().map(|s| names::key(s)).collect();
            index.folders.entry(key.join("/")).or_insert(folder);
        }
        index
    }

    /// Load a subscription directory.
    pub fn load(root: &Path) -> Result<Subscription, InputError> {
        let label = show(root);
        let meta_path = root.join("subscription.json");
        let text = fs::read_to_string(&meta_path).map_err(|e| {
            InputError::new(&label, format!("cannot read subscription.json: {e}"))
                .in_file("subscription.json")
        })?;
        // The whole document first: it is kept for rewriting, and reading
        // it finds every syntax error (and JSON nested too deeply, which the
        // typed reading below skips over inside unknown keys) with its line
        // and column. Then the typed reading, whose errors have positions too.
        let raw = match serde_json::from_str::<Value>(&text) {
            Ok(Value::Object(map)) => map,
            Ok(_) => {
                return Err(
                    InputError::new(&label, "subscription.json is not a JSON object")
                        .in_file("subscription.json"),
                )
            }
            Err(e) => return Err(InputError::json(&label, "subscription.json", &e)),
        };
        let meta: SubscriptionMeta = serde_json::from_str(&text)
            .map_err(|e| InputError::json(&label, "subscription.json", &e))?;
        if meta.format != FORMAT {
            return Err(InputError::new(
                &label,
                format!(
                    "unsupported format {} (this mkimport reads format {FORMAT})",
                    meta.format
                ),
            )
            .in_file("subscription.json"));
        }
        let mut sub = Subscription {
            root: root.to_path_buf(),
            label,
            meta,
            raw,
            assets: Vec::new(),
            folders: Vec::new(),
            programs: Vec::new(),
            digest: String::new(),
            files: TreeDigest::default(),
        };
        let mut digest = TreeDigest::default();
        digest.add("subscription.json", text.as_bytes());
        sub.load_design_studio(&mut digest)?;
        sub.load_marketing_activities(&mut digest)?;
        sub.digest = digest.finish();
        sub.files = digest;
        Ok(sub)
    }

    fn load_design_studio(&mut self, digest: &mut TreeDigest) -> Result<(), InputError> {
        let studio = self.root.join("design-studio");
        for kind in DesignKind::ALL {
            let dir = studio.join(kind.dir());
            let mut files = list_files(&dir, &self.label)?;
            files.sort();
            let mut seen: BTreeMap<String, String> = BTreeMap::new();
            for file in files {
                let rel = format!("design-studio/{}/{}", kind.dir(), file);
                let bytes = fs::read(dir.join(&file)).map_err(|e| {
                    InputError::new(&self.label, format!("cannot read: {e}")).in_file(&rel)
                })?;
                digest.add(&rel, &bytes);
                let asset = if kind == DesignKind::Image {
                    StoredAsset {
                        kind,
                        name: file.clone(),
                        file: file.clone(),
                        identity: sha256_hex(&bytes),
                        doc: None,
                    }
                } else {
                    if !file.to_lowercase().ends_with(".json") {
                        continue;
                    }
                    let doc = parse_design_doc(&self.label, &rel, &bytes)?;
                    StoredAsset {
                        kind,
                        name: doc.name.clone(),
                        file: file.clone(),
                        identity: doc.content_key(),
                        doc: Some(doc),
                    }
                };
                if let Some(other) = seen.insert(names::key(&asset.name), rel.clone()) {
                    return Err(InputError::new(
                        &self.label,
                        format!(
                            "two {}s are named \"{}\" (the other is {other}); names must be unique",
                            kind.noun(),
                            asset.name
                        ),
                    )
                    .in_file(rel));
                }
                self.assets.push(asset);
            }
        }
        Ok(())
    }

    fn load_marketing_activities(&mut self, digest: &mut TreeDigest) -> Result<(), InputError> {
        let base = self.root.join("marketing-activities");
        if !base.is_dir() {
            return Ok(());
        }
        let mut walker = WalkDir::new(&base)
            .follow_links(false)
            .sort_by_file_name()
            .into_iter();
        while let Some(entry) = walker.next() {
            let entry = entry.map_err(|e| {
                InputError::new(
                    &self.label,
                    format!("cannot read marketing-activities: {e}"),
                )
            })?;
            if !entry.file_type().is_dir() {
                continue;
            }
            let rel_parts: Option<Vec<String>> = entry
                .path()
                .strip_prefix(&base)
                .expect("walkdir stays below its root")
                .components()
                .map(|c| c.as_os_str().to_str().map(str::to_string))
                .collect();
            let Some(rel_parts) = rel_parts else {
                // A folder whose name is not text cannot be named on the
                // command line nor in a program: leave it alone.
                walker.skip_current_dir();
                continue;
            };
            if rel_parts.first().map(String::as_str) == Some(STATE_DIR) {
                walker.skip_current_dir();
                continue;
            }
            let rel_dir = if rel_parts.is_empty() {
                "marketing-activities".to_string()
            } else {
                format!("marketing-activities/{}", rel_parts.join("/"))
            };
            let program_path = entry.path().join("program.json");
            if is_regular_file(&program_path) && !rel_parts.is_empty() {
                walker.skip_current_dir();
                let rel = format!("{rel_dir}/program.json");
                let bytes = fs::read(&program_path).map_err(|e| {
                    InputError::new(&self.label, format!("cannot read: {e}")).in_file(&rel)
                })?;
                digest.add(&rel, &bytes);
                let file = parse_program(&self.label, &rel, &bytes)?;
                let mut folder = rel_parts;
                let dir = folder.pop().expect("a program sits below the root");
                self.programs.push(StoredProgram { folder, dir, file });
                continue;
            }
            let folder_json = entry.path().join("folder.json");
            let mut tokens = Vec::new();
            if is_regular_file(&folder_json) {
                let rel = format!("{rel_dir}/folder.json");
                let bytes = fs::read(&folder_json).map_err(|e| {
                    InputError::new(&self.label, format!("cannot read: {e}")).in_file(&rel)
                })?;
                digest.add(&rel, &bytes);
                let parsed: FolderFile = serde_json::from_slice(&bytes)
                    .map_err(|e| InputError::json(&self.label, &rel, &e))?;
                tokens = parsed.tokens;
            }
            let children = fs::read_dir(entry.path())
                .map(|rd| {
                    rd.filter_map(Result::ok)
                        .map(|e| e.file_name().to_string_lossy().to_lowercase())
                        .collect()
                })
                .unwrap_or_default();
            if rel_parts.is_empty() {
                // marketing-activities/ itself is not a campaign folder.
                continue;
            }
            self.folders.push(Folder {
                path: rel_parts,
                tokens,
                children,
            });
        }
        Ok(())
    }
}

/// A subscription's assets by (kind, name key) and folders by path key;
/// see [`Subscription::index`].
#[derive(Debug, Default)]
pub struct SubscriptionIndex<'a> {
    assets: HashMap<(DesignKind, String), &'a StoredAsset>,
    folders: HashMap<String, &'a Folder>,
}

impl<'a> SubscriptionIndex<'a> {
    /// As [`Subscription::find_asset`].
    pub fn asset(&self, kind: DesignKind, name: &str) -> Option<&'a StoredAsset> {
        self.assets.get(&(kind, names::key(name))).copied()
    }

    /// As [`Subscription::find_folder`].
    pub fn folder(&self, path: &str) -> Option<&'a Folder> {
        let wanted: Vec<String> = split_folder(path).iter().map(|s| names::key(s)).collect();
        self.folders.get(&wanted.join("/")).copied()
    }
}

/// A regular file, not a link to one (links are never followed).
fn is_regular_file(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_file())
}

/// Split a folder path given on the command line or in `program.folder`.
pub fn split_folder(path: &str) -> Vec<String> {
    path.split('/')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// Regular files directly in `dir` (none when it does not exist). Links are
/// not followed.
fn list_files(dir: &Path, label: &str) -> Result<Vec<String>, InputError> {
    let read = match fs::read_dir(dir) {
        Ok(read) => read,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(InputError::new(
                label,
                format!("cannot read {}: {e}", show(dir)),
            ))
        }
    };
    let mut out = Vec::new();
    for entry in read {
        let entry =
            entry.map_err(|e| InputError::new(label, format!("cannot read {}: {e}", show(dir))))?;
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if !kind.is_file() {
            continue;
        }
        let name = entry.file_name().to_string_lossy().into_owned();
        if is_junk(&name) {
            continue;
        }
        out.push(name);
    }
    Ok(out)
}

/// Files archivers and desktops add that are never assets.
pub fn is_junk(name: &str) -> bool {
    name == ".DS_Store" || name == "Thumbs.db" || name.starts_with("._")
}

/// Parse a design-studio JSON asset; it must be an object with a `name`.
pub fn parse_design_doc(
    container: &str,
    file: &str,
    bytes: &[u8],
) -> Result<DesignDoc, InputError> {
    let doc: Value =
        serde_json::from_slice(bytes).map_err(|e| InputError::json(container, file, &e))?;
    let name = doc
        .get("name")
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| {
            InputError::new(
                container,
                "the asset has no \"name\" (a string is required)",
            )
            .in_file(file)
        })?;
    if names::key(&name).is_empty() {
        return Err(InputError::new(container, "the asset's \"name\" is empty").in_file(file));
    }
    Ok(DesignDoc { name, doc })
}

/// Parse a `program.json` and check its format.
pub fn parse_program(container: &str, file: &str, bytes: &[u8]) -> Result<ProgramFile, InputError> {
    let program: ProgramFile =
        serde_json::from_slice(bytes).map_err(|e| InputError::json(container, file, &e))?;
    if program.format != FORMAT {
        return Err(InputError::new(
            container,
            format!(
                "unsupported format {} (this mkimport reads format {FORMAT})",
                program.format
            ),
        )
        .in_file(file));
    }
    if names::key(&program.program.name).is_empty() {
        return Err(InputError::new(container, "the program's \"name\" is empty").in_file(file));
    }
    Ok(program)
}
