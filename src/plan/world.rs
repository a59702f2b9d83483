//! The target as the plan goes: the real one plus what the programs
//! planned before have added to it.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

use crate::load::subscription::Subscription;
use crate::model::{Crm, DesignKind, FieldDef, SubscriptionMeta};
use crate::names::{key, suffixed, Spelling};

#[derive(Debug, Clone)]
pub(super) struct Known {
    pub(super) name: String,
    pub(super) identity: String,
    /// File name in `design-studio/<kind>/`.
    pub(super) file: String,
    /// The name in the bundle it was planned from; none for the target's
    /// own assets.
    pub(super) origin: Option<String>,
}

/// Tag type key → (spelling, value key → spelling).
pub(super) type TagIndex = BTreeMap<String, (String, BTreeMap<String, String>)>;

/// What the target declares, by name key, for the checks (`None`: the key
/// is not declared). Built once: a program naming many fields, webhooks
/// or segmentations is checked in linear time.
#[derive(Debug, Clone, Default)]
pub(super) struct Declared {
    pub(super) fields: Option<Fields>,
    pub(super) segmentations: Option<BTreeSet<String>>,
    pub(super) webhooks: Option<BTreeSet<String>>,
    pub(super) custom_objects: Option<BTreeSet<String>>,
    pub(super) channels: Option<BTreeSet<String>>,
    pub(super) custom_activities: Option<BTreeSet<String>>,
    /// `Some(None)`: declared without a CRM.
    pub(super) crm: Option<Option<Crm>>,
    /// Key → spelling, of the self-service flow steps.
    pub(super) services: Option<BTreeMap<String, String>>,
    /// Key → spelling, of the lists.
    pub(super) lists: Option<BTreeMap<String, String>>,
}

/// The target's fields, by name and by API name (keys); the first
/// declaration of a name or API name wins.
#[derive(Debug, Clone, Default)]
pub(super) struct Fields {
    pub(super) defs: Vec<FieldDef>,
    pub(super) by_name: BTreeMap<String, usize>,
    pub(super) by_api_name: BTreeMap<String, usize>,
}

impl Fields {
    fn new(defs: &[FieldDef]) -> Fields {
        let mut fields = Fields {
            defs: defs.to_vec(),
            ..Fields::default()
        };
        for (i, f) in defs.iter().enumerate() {
            fields.by_name.entry(key(&f.name)).or_insert(i);
            if let Some(api) = &f.api_name {
                fields.by_api_name.entry(key(api)).or_insert(i);
            }
        }
        fields
    }

    pub(super) fn named(&self, name: &str) -> Option<&FieldDef> {
        self.by_name.get(&key(name)).map(|&i| &self.defs[i])
    }

    pub(super) fn with_api_name(&self, api_name: &str) -> Option<&FieldDef> {
        self.by_api_name.get(&key(api_name)).map(|&i| &self.defs[i])
    }
}

/// Which names a first free suffix is sought among.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Names {
    Program,
    Asset(DesignKind),
}

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
    /// Folder path (keys joined by '/') → index in the target's folders.
    pub(super) folders: BTreeMap<String, usize>,
    pub(super) declared: Declared,
    /// (names, spelling, base name key) → n such that every "<base> m" with m < n
    /// is taken in this world. Names are only ever added to the world,
    /// so this stays true, and the n-th rename of one name does not count
    /// from 1 again (see [`World::first_free`]).
    pub(super) suffix_floor: RefCell<BTreeMap<(Names, Spelling, String), u32>>,
    /// Folder path key that does not exist → its "did you mean" (computed
    /// once: every program of a run may name the same missing folder).
    pub(super) folder_hints: RefCell<BTreeMap<String, String>>,
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
            folders: BTreeMap::new(),
            declared: Declared::new(&target.meta),
            suffix_floor: RefCell::new(BTreeMap::new()),
            folder_hints: RefCell::new(BTreeMap::new()),
        };
        for asset in &target.assets {
            world.assets.insert(
                (asset.kind, key(&asset.name)),
                Known {
                    name: asset.name.clone(),
                    identity: asset.identity.clone(),
                    file: asset.file.clone(),
                    origin: None,
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
        for (i, folder) in target.folders.iter().enumerate() {
            let k = folder_key(&folder.path);
            world
                .children
                .insert(k.clone(), folder.children.iter().cloned().collect());
            world.folders.entry(k).or_insert(i);
        }
        world
    }

    /// " (did you mean "Webinars/2026"?)" for a campaign folder `wanted`
    /// (its key `wanted_key`) that the target does not have: its nearest
    /// folder paths, or nothing when none is near.
    pub(super) fn folder_hint(
        &self,
        wanted_key: &str,
        wanted: &str,
        target: &Subscription,
    ) -> String {
        self.folder_hints
            .borrow_mut()
            .entry(wanted_key.to_string())
            .or_insert_with(|| {
                let paths: Vec<String> = target.folders.iter().map(|f| f.path_string()).collect();
                crate::suggest::did_you_mean(wanted, paths.iter().map(String::as_str))
            })
            .clone()
    }

    /// The first free "`<name> <n>`" (n = 1, 2, ...; for a file the number
    /// goes before the extension; spelled "`<name> - <n>`" with
    /// [`Spelling::Dash`]). `in_world` answers for the names this
    /// world holds (the target and the programs committed so far), `also`
    /// for the names taken besides (planned by the current program, carried
    /// by its bundle). Starts from where the last search for this name
    /// stopped finding names of the world, so n renames of one name cost
    /// n steps in all, not n².
    pub(super) fn first_free(
        &self,
        names: Names,
        name: &str,
        is_file: bool,
        spelling: Spelling,
        in_world: impl Fn(&str) -> bool,
        also: impl Fn(&str) -> bool,
    ) -> String {
        let mut floors = self.suffix_floor.borrow_mut();
        let floor = floors.entry((names, spelling, key(name))).or_insert(1);
        while in_world(&key(&suffixed(name, *floor, is_file, spelling))) {
            *floor += 1;
        }
        (*floor..)
            .map(|n| suffixed(name, n, is_file, spelling))
            .find(|candidate| {
                let k = key(candidate);
                !in_world(&k) && !also(&k)
            })
            .expect("an unbounded range always yields a free name")
    }
}

impl Declared {
    fn new(meta: &SubscriptionMeta) -> Declared {
        let keys = |list: &Option<Vec<String>>| {
            list.as_ref()
                .map(|l| l.iter().map(|s| key(s)).collect::<BTreeSet<String>>())
        };
        let spelled = |list: &Option<Vec<String>>| {
            list.as_ref().map(|l| {
                let mut map = BTreeMap::new();
                for s in l {
                    map.entry(key(s)).or_insert_with(|| s.clone());
                }
                map
            })
        };
        Declared {
            fields: meta.fields.as_deref().map(Fields::new),
            custom_activities: keys(&meta.custom_activities),
            crm: meta.crm.clone(),
            services: spelled(&meta.services),
            lists: spelled(&meta.lists),
            segmentations: keys(&meta.segmentations),
            webhooks: keys(&meta.webhooks),
            custom_objects: keys(&meta.custom_objects),
            channels: meta
                .channels
                .as_ref()
                .map(|c| c.iter().map(|c| key(&c.name)).collect()),
        }
    }
}

pub(super) fn folder_key(path: &[String]) -> String {
    path.iter().map(|s| key(s)).collect::<Vec<_>>().join("/")
}

/// What one program adds to the world, committed only if it is not blocked.
#[derive(Default)]
pub(super) struct Pending {
    /// (kind, name key) → the asset, as `World::assets`.
    pub(super) assets: BTreeMap<(DesignKind, String), Known>,
    /// (kind, lower-cased file name) of the files it writes.
    pub(super) files: BTreeSet<(DesignKind, String)>,
    pub(super) planned: Vec<((DesignKind, String, String), String)>,
    pub(super) tags: Vec<(String, String)>,
    /// (type key, value key) of `tags`.
    pub(super) tag_keys: BTreeSet<(String, String)>,
}

impl Pending {
    pub(super) fn find(&self, kind: DesignKind, k: &str) -> Option<&Known> {
        self.assets.get(&(kind, k.to_string()))
    }

    pub(super) fn add(&mut self, kind: DesignKind, k: String, known: Known) {
        self.files.insert((kind, known.file.to_lowercase()));
        self.assets.insert((kind, k), known);
    }
}
