//! Where the things of a snapshot are in the instance: the ids a run writes
//! with (the folder a program goes into, the templates, forms, snippets
//! and files it uses) and the time stamps it re-checks before writing.
//! A pull builds it from the lists it reads ([`super::pull::pull_indexed`]).

use std::collections::BTreeMap;

use super::api::FolderRef;
use crate::model::DesignKind;
use crate::names;

/// A program of the instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexedProgram {
    pub id: u64,
    /// Its name in the instance (and in the snapshot).
    pub name: String,
    pub updated_at: String,
}

/// A design-studio asset of the instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexedAsset {
    pub id: u64,
    /// Its name in the snapshot (the instance's, made unique; for an image,
    /// its file name).
    pub name: String,
    /// Its name in the instance.
    pub marketo_name: String,
    pub updated_at: String,
    pub folder: Option<FolderRef>,
}

#[derive(Debug, Clone, Default)]
pub struct Index {
    /// The Marketing Activities root.
    pub root: Option<FolderRef>,
    /// Campaign folders by their path in the snapshot, in name keys
    /// (`webinars/2026`).
    pub folders: BTreeMap<String, FolderRef>,
    /// Programs by name key.
    pub programs: BTreeMap<String, IndexedProgram>,
    /// Design-studio assets by (kind, name key in the snapshot).
    pub assets: BTreeMap<(DesignKind, String), IndexedAsset>,
    /// Where new design-studio assets of a kind go: the folder of one of
    /// that kind already there.
    pub design_folders: BTreeMap<DesignKind, FolderRef>,
    /// How many forms the instance lists, local ones included (what a
    /// run's check before writing pages through).
    pub forms_listed: usize,
}

impl Index {
    /// The campaign folder at a `/`-separated path of the snapshot.
    pub fn folder(&self, path: &str) -> Option<FolderRef> {
        self.folders.get(&path_key(path)).copied()
    }

    pub fn asset(&self, kind: DesignKind, name: &str) -> Option<&IndexedAsset> {
        self.assets.get(&(kind, names::key(name)))
    }

    pub fn program(&self, name: &str) -> Option<&IndexedProgram> {
        self.programs.get(&names::key(name))
    }
}

/// A folder path in name keys.
pub fn path_key(path: &str) -> String {
    path.split('/')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(names::key)
        .collect::<Vec<_>>()
        .join("/")
}
