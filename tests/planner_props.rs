//! Property tests of the planner's invariants, on random targets, bundles
//! and rules:
//! - after planning, no two assets of one kind share a name in the target;
//! - every reference of an imported program resolves to an asset that
//!   exists in the target or is written by the run (or the program is
//!   blocked with a problem saying so).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use proptest::prelude::*;
use serde_json::json;

use mkimport::load::bundle::{Bundle, ExternalAsset, SourceItem};
use mkimport::load::subscription::{Folder, StoredAsset, Subscription};
use mkimport::model::{AssetContent, DesignDoc, DesignKind, ProgramFile};
use mkimport::names::key;
use mkimport::plan::{hydrate, plan, PlanOptions, Status};
use mkimport::rules::{RuleKind, Rules};

const NAMES: &[&str] = &[
    "Standard Template",
    "standard template ",
    "Standard Template 1",
    "Promo",
    "PROMO",
    "Promo 1",
];
const IMAGES: &[&str] = &["hero.png", "Hero.png", "hero 1.png", "logo.png"];
const CONTENTS: &[&str] = &["<p>a</p>", "<p>b</p>", "<p>c</p>"];
const KINDS: [DesignKind; 3] = [
    DesignKind::EmailTemplate,
    DesignKind::LandingPageTemplate,
    DesignKind::Image,
];

fn content(kind: DesignKind, name: &str, c: usize) -> AssetContent {
    if kind == DesignKind::Image {
        let bytes = CONTENTS[c].as_bytes().to_vec();
        AssetContent::Image {
            digest: mkimport::digest::sha256_hex(&bytes),
            bytes: Arc::new(bytes),
        }
    } else {
        AssetContent::Doc(DesignDoc {
            name: name.to_string(),
            doc: json!({"name": name, "html": CONTENTS[c]}),
        })
    }
}

fn pool(kind: DesignKind) -> &'static [&'static str] {
    if kind == DesignKind::Image {
        IMAGES
    } else {
        NAMES
    }
}

/// (kind index, name index, content index)
type AssetSpec = (usize, usize, usize);

fn target(assets: &[AssetSpec]) -> Subscription {
    let meta = serde_json::from_value(json!({"format": 1, "name": "Target"})).unwrap();
    let mut stored: Vec<StoredAsset> = Vec::new();
    for (i, &(k, n, c)) in assets.iter().enumerate() {
        let kind = KINDS[k % 3];
        let name = pool(kind)[n % pool(kind).len()];
        if stored
            .iter()
            .any(|a| a.kind == kind && key(&a.name) == key(name))
        {
            continue;
        }
        let content = content(kind, name, c % CONTENTS.len());
        stored.push(StoredAsset {
            kind,
            name: name.to_string(),
            file: if kind == DesignKind::Image {
                name.to_string()
            } else {
                format!("t{i}.json")
            },
            identity: content.identity(),
            doc: match content {
                AssetContent::Doc(d) => Some(d),
                _ => None,
            },
        });
    }
    Subscription {
        root: PathBuf::from("target"),
        label: "target".into(),
        meta,
        raw: Default::default(),
        assets: stored,
        folders: vec![Folder {
            path: vec!["Imports".into()],
            tokens: vec![],
            children: vec![],
        }],
        programs: vec![],
        digest: "t".into(),
        files: Default::default(),
    }
}

/// A bundle: emails referencing templates/images, some carried.
fn bundle(index: usize, refs: &[(AssetSpec, bool)]) -> Bundle {
    let mut emails = Vec::new();
    let mut pages = Vec::new();
    let mut external: Vec<ExternalAsset> = Vec::new();
    for (i, &((k, n, c), carried)) in refs.iter().enumerate() {
        let kind = KINDS[k % 3];
        let name = pool(kind)[n % pool(kind).len()];
        match kind {
            DesignKind::EmailTemplate => {
                emails.push(json!({"name": format!("E{i}"), "template": name}))
            }
            DesignKind::LandingPageTemplate => {
                pages.push(json!({"name": format!("L{i}"), "template": name}))
            }
            _ => emails.push(json!({"name": format!("I{i}"), "images": [name]})),
        }
        if carried
            && !external
                .iter()
                .any(|a| a.kind == kind && key(&a.name) == key(name))
        {
            external.push(ExternalAsset {
                kind,
                name: name.to_string(),
                content: content(kind, name, c % CONTENTS.len()),
            });
        }
    }
    let program: ProgramFile = serde_json::from_value(json!({
        "format": 1,
        "exported_from": "Source",
        "program": {"name": format!("Program {index}"), "type": "default", "folder": "Imports"},
        "emails": emails,
        "landing_pages": pages,
    }))
    .unwrap();
    Bundle {
        label: format!("b{index}"),
        digest: format!("d{index}"),
        program,
        external,
        origin: mkimport::load::bundle::Origin::Memory,
    }
}

fn rules(choice: &[usize]) -> Rules {
    let mut rules = Rules::default();
    for (kind, c) in RuleKind::ALL.into_iter().zip(choice) {
        let choices = kind.choices();
        rules.set(kind, choices[c % choices.len()]);
    }
    rules
}

fn asset_spec() -> impl Strategy<Value = AssetSpec> {
    (0usize..3, 0usize..6, 0usize..3)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn names_stay_unique_and_references_resolve(
        target_assets in prop::collection::vec(asset_spec(), 0..8),
        bundles in prop::collection::vec(prop::collection::vec((asset_spec(), any::<bool>()), 0..6), 1..4),
        rule_choice in prop::collection::vec(0usize..3, 7),
    ) {
        let target = target(&target_assets);
        let items: Vec<SourceItem> = bundles
            .iter()
            .enumerate()
            .map(|(i, refs)| SourceItem { label: format!("b{i}"), bundle: Ok(bundle(i, refs)) })
            .collect();
        let options = PlanOptions { rules: rules(&rule_choice), ..PlanOptions::default() };
        let plan = plan(&items, &target, &options);

        // Final design studio: (kind, name key) → file, starting from the target.
        let mut names: BTreeMap<(DesignKind, String), String> = target
            .assets
            .iter()
            .map(|a| ((a.kind, key(&a.name)), format!("design-studio/{}/{}", a.kind.dir(), a.file)))
            .collect();
        for (program, item) in plan.programs.iter().zip(&items) {
            if program.status != Status::Ok {
                prop_assert!(program.status == Status::Blocked);
                prop_assert!(!program.problems.is_empty());
                continue;
            }
            let writes = program.writes.as_ref().expect("ok programs have writes");
            // The program exactly as `run` writes it.
            let (landed, _) = hydrate(writes, item.bundle.as_ref().expect("a bundle"));
            for write in &writes.assets {
                let k = (write.kind, key(&write.name));
                if let Some(path) = names.get(&k) {
                    // Only an overwrite may write a name that exists, and
                    // then into the same file.
                    prop_assert_eq!(path, &write.path, "two {:?} named {}", write.kind, write.name);
                }
                names.insert(k, write.path.clone());
            }
            // Every reference resolves.
            for email in &landed.emails {
                if let Some(t) = &email.template {
                    prop_assert!(names.contains_key(&(DesignKind::EmailTemplate, key(t))), "email template {t} unresolved");
                }
                for i in &email.images {
                    prop_assert!(names.contains_key(&(DesignKind::Image, key(i))), "image {i} unresolved");
                }
            }
            for page in &landed.landing_pages {
                if let Some(t) = &page.template {
                    prop_assert!(names.contains_key(&(DesignKind::LandingPageTemplate, key(t))), "page template {t} unresolved");
                }
            }
        }
        // No two distinct files share a name key (the map would hide it):
        // count files per kind against names per kind.
        let mut files: BTreeMap<String, usize> = BTreeMap::new();
        for path in names.values() {
            *files.entry(path.to_lowercase()).or_default() += 1;
        }
        prop_assert!(files.values().all(|&n| n == 1), "two names share one file: {:?}", files);
        // Blocked programs say why, with missing-asset.
        for program in &plan.programs {
            if program.status == Status::Blocked {
                prop_assert!(program.problems.iter().any(|p| p.code == mkimport::plan::Code::MissingAsset));
            }
        }
    }
}

#[test]
fn a_clash_is_renamed_in_memory() {
    // Target: landing page template "Standard Template" (content 0); the
    // bundle carries one with other content: default rule renames it.
    let target = target(&[(1, 0, 0)]);
    let items = vec![SourceItem {
        label: "b0".into(),
        bundle: Ok(bundle(0, &[((1, 1, 1), true)])),
    }];
    let plan = plan(&items, &target, &PlanOptions::default());
    let program = &plan.programs[0];
    assert_eq!(program.status, Status::Ok, "{:?}", program.problems);
    let row = program
        .assets
        .iter()
        .find(|a| a.kind == mkimport::plan::AssetKind::LandingPageTemplate)
        .unwrap();
    assert_eq!(&*row.result_name, "standard template 1");
}
