//! The Marketing Activities tree: which folders become campaign-folder
//! directories, where each program's directory goes, and which program (if
//! any) an asset belongs to.
//!
//! - The root ("Marketing Activities") is `marketing-activities/` itself.
//!   Workspace roots (folders of type `Zone`) are skipped when there is
//!   only one; with several, each becomes a top-level folder.
//! - A folder outside any program is a campaign folder: a directory.
//! - A program's directory goes in the nearest campaign folder above it; a
//!   program inside another program (an email program in an event, a
//!   program in an engagement program) goes beside its outermost parent.
//! - Folders inside a program are the program's: their assets are the
//!   program's.
//! - Directory names are the names made safe ([`crate::names`]) and unique
//!   among siblings (case-insensitively), assigned in a stable order.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::api::{Folder, FolderKind, FolderRef, Program};
use crate::names;

#[derive(Debug, Clone)]
struct Node {
    name: String,
    parent: Option<FolderRef>,
    is_zone: bool,
    updated_at: String,
}

/// A campaign folder of the snapshot.
#[derive(Debug, Clone)]
pub struct OutFolder {
    pub id: FolderRef,
    /// Its path below `marketing-activities/`, in directory names.
    pub rel: String,
    pub updated_at: String,
    /// The campaign folder above it (for inherited tokens).
    pub parent: Option<FolderRef>,
}

/// Where a program's directory goes.
#[derive(Debug, Clone)]
pub struct Place {
    /// `marketing-activities/<folder>/<program>`.
    pub rel_dir: String,
    /// `program.folder`: the folder path in directory names (empty at the
    /// top).
    pub folder: String,
    /// The campaign folder it sits in (for inherited tokens).
    pub parent: Option<FolderRef>,
}

/// Who an asset belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    Program(u64),
    /// A campaign folder outside any program (smart campaigns can live
    /// there; the snapshot has no place for them).
    CampaignFolder,
    /// Anything outside Marketing Activities.
    DesignStudio,
}

#[derive(Debug, Default)]
pub struct Tree {
    root: Option<FolderRef>,
    nodes: HashMap<FolderRef, Node>,
    pub folders: Vec<OutFolder>,
    pub places: HashMap<u64, Place>,
}

const MAX_DEPTH: usize = 1000;

impl Tree {
    /// `folders` is the listing below the root (programs included);
    /// `programs` the program list (it wins for names and parents).
    pub fn build(root: FolderRef, folders: &[Folder], programs: &[Program]) -> Tree {
        let mut nodes: HashMap<FolderRef, Node> = HashMap::new();
        for f in folders {
            nodes.insert(
                f.as_ref(),
                Node {
                    name: f.name.clone(),
                    parent: f.parent,
                    is_zone: f.folder_type.eq_ignore_ascii_case("zone"),
                    updated_at: f.updated_at.clone(),
                },
            );
        }
        for p in programs {
            let id = FolderRef {
                id: p.id,
                kind: FolderKind::Program,
            };
            let old_parent = nodes.get(&id).and_then(|n| n.parent);
            nodes.insert(
                id,
                Node {
                    name: p.name.clone(),
                    parent: p.folder.or(old_parent),
                    is_zone: false,
                    updated_at: p.updated_at.clone(),
                },
            );
        }
        let mut tree = Tree {
            root: Some(root),
            nodes,
            folders: Vec::new(),
            places: HashMap::new(),
        };
        let zones: Vec<FolderRef> = tree
            .nodes
            .iter()
            .filter(|(r, n)| n.is_zone && **r != root && r.kind == FolderKind::Folder)
            .map(|(r, _)| *r)
            .collect();
        let transparent_zones = zones.len() <= 1;

        // Campaign folders and their campaign-folder parents.
        let mut out_parent: BTreeMap<FolderRef, Option<FolderRef>> = BTreeMap::new();
        for (r, node) in &tree.nodes {
            if r.kind != FolderKind::Folder || *r == root {
                continue;
            }
            if node.is_zone && transparent_zones {
                continue;
            }
            if tree.inside_program(*r) {
                continue;
            }
            out_parent.insert(*r, tree.campaign_parent(*r, transparent_zones));
        }
        // Programs: the campaign folder of their outermost program.
        let mut program_parent: BTreeMap<u64, Option<FolderRef>> = BTreeMap::new();
        for (r, _) in tree
            .nodes
            .iter()
            .filter(|(r, _)| r.kind == FolderKind::Program)
        {
            let mut at = *r;
            for _ in 0..MAX_DEPTH {
                match tree.nodes.get(&at).and_then(|n| n.parent) {
                    Some(p) if p.kind == FolderKind::Program => at = p,
                    _ => break,
                }
            }
            program_parent.insert(r.id, tree.campaign_parent(at, transparent_zones));
        }

        // Directory names, sibling group by sibling group.
        // Siblings: (name, is a program, id, reference), by parent.
        type Sibling = (String, bool, u64, FolderRef);
        let mut groups: BTreeMap<Option<FolderRef>, Vec<Sibling>> = BTreeMap::new();
        for (r, parent) in &out_parent {
            let name = tree.nodes[r].name.clone();
            groups
                .entry(*parent)
                .or_default()
                .push((name, false, r.id, *r));
        }
        for (id, parent) in &program_parent {
            let r = FolderRef {
                id: *id,
                kind: FolderKind::Program,
            };
            let name = tree.nodes[&r].name.clone();
            groups
                .entry(*parent)
                .or_default()
                .push((name, true, *id, r));
        }
        let mut dir_of: HashMap<FolderRef, String> = HashMap::new();
        for entries in groups.values_mut() {
            entries.sort_by(|a, b| {
                names::key(&a.0)
                    .cmp(&names::key(&b.0))
                    .then(a.1.cmp(&b.1))
                    .then(a.2.cmp(&b.2))
            });
            let mut used: BTreeSet<String> = ["folder.json", "program.json"]
                .iter()
                .map(|s| s.to_string())
                .collect();
            for (name, _, _, r) in entries.iter() {
                let dir = names::unique_file_name(name, "", |n| used.contains(n));
                used.insert(dir.to_lowercase());
                dir_of.insert(*r, dir);
            }
        }
        // Full paths, parents first.
        let mut rel_of: HashMap<FolderRef, String> = HashMap::new();
        fn rel(
            r: FolderRef,
            out_parent: &BTreeMap<FolderRef, Option<FolderRef>>,
            dir_of: &HashMap<FolderRef, String>,
            memo: &mut HashMap<FolderRef, String>,
            depth: usize,
        ) -> String {
            if let Some(known) = memo.get(&r) {
                return known.clone();
            }
            let own = dir_of.get(&r).cloned().unwrap_or_else(|| "_".to_string());
            let path = match out_parent.get(&r).copied().flatten() {
                Some(p) if depth < MAX_DEPTH => {
                    format!("{}/{own}", rel(p, out_parent, dir_of, memo, depth + 1))
                }
                _ => own,
            };
            memo.insert(r, path.clone());
            path
        }
        for r in out_parent.keys() {
            let path = rel(*r, &out_parent, &dir_of, &mut rel_of, 0);
            tree.folders.push(OutFolder {
                id: *r,
                rel: path,
                updated_at: tree.nodes[r].updated_at.clone(),
                parent: out_parent[r],
            });
        }
        tree.folders.sort_by(|a, b| a.rel.cmp(&b.rel));
        for (id, parent) in &program_parent {
            let r = FolderRef {
                id: *id,
                kind: FolderKind::Program,
            };
            let folder = match parent {
                Some(p) => rel(*p, &out_parent, &dir_of, &mut rel_of, 0),
                None => String::new(),
            };
            let dir = dir_of.get(&r).cloned().unwrap_or_else(|| "_".to_string());
            let rel_dir = if folder.is_empty() {
                format!("marketing-activities/{dir}")
            } else {
                format!("marketing-activities/{folder}/{dir}")
            };
            tree.places.insert(
                *id,
                Place {
                    rel_dir,
                    folder,
                    parent: *parent,
                },
            );
        }
        tree
    }

    /// Is this folder inside a program (at any depth)?
    fn inside_program(&self, r: FolderRef) -> bool {
        let mut at = r;
        for _ in 0..MAX_DEPTH {
            match self.nodes.get(&at).and_then(|n| n.parent) {
                Some(p) if p.kind == FolderKind::Program => return true,
                Some(p) if Some(p) == self.root => return false,
                Some(p) => at = p,
                None => return false,
            }
        }
        false
    }

    /// The nearest campaign folder strictly above `r` (none at the top).
    fn campaign_parent(&self, r: FolderRef, transparent_zones: bool) -> Option<FolderRef> {
        let mut at = self.nodes.get(&r)?.parent?;
        for _ in 0..MAX_DEPTH {
            if Some(at) == self.root {
                return None;
            }
            let node = self.nodes.get(&at)?;
            if at.kind == FolderKind::Folder && !(node.is_zone && transparent_zones) {
                return Some(at);
            }
            at = node.parent?;
        }
        None
    }

    /// The program an asset in `folder` belongs to, if any.
    pub fn owner(&self, folder: Option<FolderRef>) -> Owner {
        let Some(mut at) = folder else {
            return Owner::DesignStudio;
        };
        for _ in 0..MAX_DEPTH {
            if at.kind == FolderKind::Program {
                return Owner::Program(at.id);
            }
            if Some(at) == self.root {
                return Owner::CampaignFolder;
            }
            match self.nodes.get(&at) {
                None => return Owner::DesignStudio,
                Some(node) => match node.parent {
                    Some(p) => at = p,
                    None => return Owner::CampaignFolder,
                },
            }
        }
        Owner::CampaignFolder
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn folder(id: u64, name: &str, parent: Option<(u64, &str)>, kind: &str) -> Folder {
        serde_json::from_value(json!({
            "id": id, "name": name, "folderType": kind,
            "folderId": {"id": id, "type": "Folder"},
            "parent": parent.map(|(p, t)| json!({"id": p, "type": t})),
        }))
        .unwrap()
    }

    fn program(id: u64, name: &str, parent: (u64, &str)) -> Program {
        serde_json::from_value(json!({
            "id": id, "name": name, "type": "Default", "channel": "Webinar",
            "folder": {"value": parent.0, "type": parent.1},
        }))
        .unwrap()
    }

    #[test]
    fn places_folders_and_programs() {
        let root = FolderRef {
            id: 1,
            kind: FolderKind::Folder,
        };
        let folders = vec![
            folder(1, "Marketing Activities", None, "Zone"),
            folder(2, "Default", Some((1, "Folder")), "Zone"),
            folder(3, "Webinars", Some((2, "Folder")), "Marketing Folder"),
            folder(4, "webinars", Some((2, "Folder")), "Marketing Folder"),
            folder(5, "../x", Some((3, "Folder")), "Marketing Folder"),
            folder(6, "Assets", Some((1001, "Program")), "Marketing Folder"),
        ];
        let programs = vec![
            program(1001, "Webinar A", (3, "Folder")),
            program(1002, "Email Blast", (1001, "Program")),
            program(1003, "../x", (5, "Folder")),
        ];
        let tree = Tree::build(root, &folders, &programs);
        let rels: Vec<&str> = tree.folders.iter().map(|f| f.rel.as_str()).collect();
        assert_eq!(
            rels,
            ["Webinars", "Webinars/_x~d6b96a97", "webinars~927a51d1"]
        );
        assert_eq!(
            tree.places[&1001].rel_dir,
            "marketing-activities/Webinars/Webinar A"
        );
        assert_eq!(tree.places[&1002].folder, "Webinars");
        assert_eq!(
            tree.places[&1003].rel_dir,
            "marketing-activities/Webinars/_x~d6b96a97/_x~d6b96a97"
        );
        let in_program = Some(FolderRef {
            id: 6,
            kind: FolderKind::Folder,
        });
        assert_eq!(tree.owner(in_program), Owner::Program(1001));
        assert_eq!(
            tree.owner(Some(FolderRef {
                id: 3,
                kind: FolderKind::Folder
            })),
            Owner::CampaignFolder
        );
        assert_eq!(
            tree.owner(Some(FolderRef {
                id: 99,
                kind: FolderKind::Folder
            })),
            Owner::DesignStudio
        );
    }
}
