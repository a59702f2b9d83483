//! The target as the plan goes: the real one plus what the programs
//! planned before have added to it.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::DesignKind;
use crate::names::key;
use crate::subscription::Subscription;

#[derive(Debug, Clone)]
pub(super) struct Known {
    pub(super) name: String,
    pub(super) identity: String,
    /// File name in `design-studio/<kind>/`.
    pub(super) file: String,
}

/// Tag type key → (spelling, value key → spelling).
pub(super) type TagIndex = BTreeMap<String, (String, BTreeMap<String, String>)>;

#[derive(Debug, Clone)]
pub(super) struct World {
    pub(super) assets: BTreeMap<(DesignKind, String), Known>,
    pub(super) files: BTreeSet<(DesignKind, String)>,
    /// Assets planned in this run: (kind, source name key, identity) → name.
    pub(super) planned: BTreeMap<(DesignKind, String, String), String>,
    pub(super) programs: BTreeMap<String, String>,
    /// bundle digest → (name of the program imported from it, whether it
    /// is only planned in this run).
    pub(super) imported: BTreeMap<String, (String, bool)>,
    /// Tag type key → (spelling, value key → spelling); none if undeclared.
    pub(super) tags: Option<TagIndex>,
    /// Folder path (keys joined by '/') → lower-cased child names.
    pub(super) children: BTreeMap<String, BTreeSet<String>>,
}

impl World {
    pub(super) fn new(target: &Subscription) -> World {
        let mut world = World {
            assets: BTreeMap::new(),
            files: BTreeSet::new(),
            planned: BTreeMap::new(),
            programs: BTreeMap::new(),
            imported: BTreeMap::new(),
            tags: target.meta.tags.as_ref().map(|tags| {
                tags.iter()
                    .map(|(t, values)| {
                        let values = values.iter().map(|v| (key(v), v.clone())).collect();
                        (key(t), (t.clone(), values))
                    })
                    .collect()
            }),
            children: BTreeMap::new(),
        };
        for asset in &target.assets {
            world.assets.insert(
                (asset.kind, key(&asset.name)),
                Known {
                    name: asset.name.clone(),
                    identity: asset.identity.clone(),
                    file: asset.file.clone(),
                },
            );
            world.files.insert((asset.kind, asset.file.to_lowercase()));
        }
        for program in &target.programs {
            let name = program.file.program.name.clone();
            world.programs.insert(key(&name), name.clone());
            if let Some(imported) = &program.file.imported {
                world
                    .imported
                    .insert(imported.bundle_digest.clone(), (name, false));
            }
        }
        for folder in &target.folders {
            world.children.insert(
                folder_key(&folder.path),
                folder.children.iter().cloned().collect(),
            );
        }
        world
    }
}

pub(super) fn folder_key(path: &[String]) -> String {
    path.iter().map(|s| key(s)).collect::<Vec<_>>().join("/")
}

/// What one program adds to the world, committed only if it is not blocked.
#[derive(Default)]
pub(super) struct Pending {
    pub(super) assets: Vec<((DesignKind, String), Known)>,
    pub(super) planned: Vec<((DesignKind, String, String), String)>,
    pub(super) tags: Vec<(String, String)>,
}

impl Pending {
    pub(super) fn find(&self, kind: DesignKind, k: &str) -> Option<&Known> {
        self.assets
            .iter()
            .rev()
            .find(|((kd, kk), _)| *kd == kind && kk == k)
            .map(|(_, known)| known)
    }
}
