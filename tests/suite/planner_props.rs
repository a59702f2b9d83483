//! Property tests of the planner's invariants, on random targets, bundles
//! and rules (both presets, any `rename-style`):
//! - after planning, no two assets of one kind share a name in the target;
//! - every reference of an imported program resolves to an asset that
//!   exists in the target or is written by the run (or the program is
//!   blocked with a problem saying so);
//! - with the keys of spec section 8 (fields with API names and labels,
//!   custom activities, CRM flow steps, services and their mappings,
//!   lists and programs, target folder tokens): every blocking cause is
//!   listed (exactly the causes an independent oracle finds), nothing
//!   blocked is written, and every field, service, list and program an
//!   imported campaign names is one the target has or the run plans (or
//!   is warned about as outside the program).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use serde_json::json;

use mkimport::load::bundle::{Bundle, ExternalAsset, SourceItem};
use mkimport::load::subscription::{Folder, StoredAsset, Subscription};
use mkimport::model::{AssetContent, DesignDoc, DesignKind, ProgramFile};
use mkimport::names::key;
use mkimport::plan::{hydrate, plan, Code, PlanOptions, Status};
use mkimport::rules::{Preset, RuleKind, Rules, ServiceMap, ServiceMapping};

/// 300 cases each; the failures proptest keeps go beside this file, in
/// `planner_props.proptest-regressions`. (Its default looks for a `main.rs`
/// above the source and, finding `tests/suite/main.rs`, would keep them in
/// `tests/proptest-regressions/planner_props.txt` instead.)
fn config() -> ProptestConfig {
    ProptestConfig {
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource(
            "proptest-regressions",
        ))),
        ..ProptestConfig::with_cases(300)
    }
}

const NAMES: &[&str] = &[
    "Standard Template",
    "standard template ",
    "Standard Template 1",
    "Promo",
    "PROMO",
    "Promo - 1",
];
const IMAGES: &[&str] = &["hero.png", "Hero.png", "hero 1.png", "hero - 1.png"];
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

/// A preset, then for each kind either nothing (the preset's rule) or one
/// of its rules.
fn rules(current: bool, choice: &[usize]) -> Rules {
    let mut rules = if current {
        Preset::Current.rules()
    } else {
        Preset::Default.rules()
    };
    for (kind, c) in RuleKind::ALL.into_iter().zip(choice) {
        let choices = kind.choices();
        if *c < choices.len() {
            rules.set(kind, choices[*c]);
        }
    }
    rules
}

fn asset_spec() -> impl Strategy<Value = AssetSpec> {
    (0usize..3, 0usize..6, 0usize..3)
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn names_stay_unique_and_references_resolve(
        target_assets in prop::collection::vec(asset_spec(), 0..8),
        bundles in prop::collection::vec(prop::collection::vec((asset_spec(), any::<bool>()), 0..6), 1..4),
        current in any::<bool>(),
        rule_choice in prop::collection::vec(0usize..5, RuleKind::ALL.len()),
    ) {
        let target = target(&target_assets);
        let items: Vec<SourceItem> = bundles
            .iter()
            .enumerate()
            .map(|(i, refs)| SourceItem { label: format!("b{i}"), bundle: Ok(bundle(i, refs)) })
            .collect();
        let options = PlanOptions { rules: rules(current, &rule_choice), ..PlanOptions::default() };
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

// ---------------------------------------------------------------------
// Spec section 8: the new keys, against an independent oracle.

/// A field declaration: (name, API name, type, label).
type FieldSpec = (
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    Option<&'static str>,
);

/// Fields a program may require, and the codes each gives against
/// [`FIELDS_TARGET`] when it is the first of its name.
const FIELD_POOL: &[(FieldSpec, &[Code])] = &[
    (("Score", None, None, None), &[]),
    (
        ("Score", Some("score"), Some("number"), None),
        &[Code::FieldTypeMismatch],
    ),
    (
        ("score ", Some("scoreV2"), None, None),
        &[Code::FieldApiNameMismatch],
    ),
    (
        (
            "Engagement",
            Some("SCORE"),
            Some("number"),
            Some("Engagement"),
        ),
        &[Code::FieldTypeMismatch, Code::FieldLabelMismatch],
    ),
    (
        ("Missing Field", Some("missing"), None, None),
        &[Code::MissingField],
    ),
    (("Legacy", Some("legacy"), Some("string"), None), &[]),
    (("Region Name", Some("region"), None, Some("region")), &[]),
];

/// The target's fields when it declares them.
const FIELDS_TARGET: &[FieldSpec] = &[
    ("Score", Some("score"), Some("score"), Some("Score")),
    ("Region", Some("region"), Some("string"), Some("Region")),
    ("Legacy", None, None, None),
];

/// Field names campaigns may use without declaring them.
const FIELD_REFS: &[&str] = &["Score", "Region Name", "legacy", "Unknown"];
const ACTIVITIES: &[&str] = &["Requested Demo", "Started Trial"];
const STEPS: &[&str] = &[
    "Send Email",
    "Sync Person to SFDC",
    "Sync to Microsoft Dynamics",
    "Convert Person",
];
const SERVICES: &[&str] = &["Zoom/Register", "ON24/Register", "Slack/Post"];
const FILTERS: &[&str] = &["Member of List", "Custom Object is Updated"];
const LISTS: &[&str] = &["Subscribers", "Q3 Invitees"];
const TOKENS: &[&str] = &["my.A", "my.B", "my.C"];

/// What the target declares (None: not declared).
#[derive(Debug, Clone)]
struct TargetSpec {
    fields: bool,
    activities: bool,
    /// 0 absent, 1 null, 2 salesforce, 3 dynamics.
    crm: usize,
    services: bool,
    lists: bool,
    /// Folder tokens of "Imports": (token index, value index).
    folder_tokens: Vec<(usize, usize)>,
}

/// One campaign: indices into the pools above.
#[derive(Debug, Clone)]
struct CampaignSpec {
    fields: Vec<usize>,
    activities: Vec<usize>,
    steps: Vec<usize>,
    services: Vec<usize>,
    filters: Vec<usize>,
    lists: Vec<usize>,
    /// Program indices (0..4): "Program <i>", some planned in the run,
    /// one the program itself, others nowhere.
    programs: Vec<usize>,
}

#[derive(Debug, Clone)]
struct ProgramSpec {
    required: Vec<usize>,
    campaigns: Vec<CampaignSpec>,
    tokens: Vec<(usize, usize)>,
    html_tokens: Vec<usize>,
}

fn idx(n: usize) -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(0..n, 0..3)
}

fn target_spec() -> impl Strategy<Value = TargetSpec> {
    (
        any::<bool>(),
        any::<bool>(),
        0usize..4,
        any::<bool>(),
        any::<bool>(),
        prop::collection::vec((0usize..3, 0usize..2), 0..3),
    )
        .prop_map(
            |(fields, activities, crm, services, lists, folder_tokens)| TargetSpec {
                fields,
                activities,
                crm,
                services,
                lists,
                folder_tokens,
            },
        )
}

fn campaign_spec() -> impl Strategy<Value = CampaignSpec> {
    (
        idx(FIELD_REFS.len()),
        idx(ACTIVITIES.len()),
        idx(STEPS.len()),
        idx(SERVICES.len()),
        idx(FILTERS.len()),
        idx(LISTS.len()),
        idx(4),
    )
        .prop_map(
            |(fields, activities, steps, services, filters, lists, programs)| CampaignSpec {
                fields,
                activities,
                steps,
                services,
                filters,
                lists,
                programs,
            },
        )
}

fn program_spec() -> impl Strategy<Value = ProgramSpec> {
    (
        idx(FIELD_POOL.len()),
        prop::collection::vec(campaign_spec(), 0..3),
        prop::collection::vec((0usize..3, 0usize..2), 0..3),
        idx(TOKENS.len()),
    )
        .prop_map(|(required, campaigns, tokens, html_tokens)| ProgramSpec {
            required,
            campaigns,
            tokens,
            html_tokens,
        })
}

fn token_json(t: usize, v: usize) -> serde_json::Value {
    json!({"name": TOKENS[t], "type": "text", "value": format!("value {v}")})
}

fn fidelity_target(spec: &TargetSpec) -> Subscription {
    let mut meta = json!({"format": 1, "name": "Target"});
    if spec.fields {
        meta["fields"] = FIELDS_TARGET
            .iter()
            .map(|(name, api, kind, label)| {
                json!({"name": name, "api_name": api, "type": kind, "label": label})
            })
            .map(|mut f| {
                // Undeclared parts are absent, not null.
                f.as_object_mut().unwrap().retain(|_, v| !v.is_null());
                f
            })
            .collect();
    }
    if spec.activities {
        meta["custom_activities"] = json!(["requested demo"]);
    }
    match spec.crm {
        1 => meta["crm"] = serde_json::Value::Null,
        2 => meta["crm"] = json!("salesforce"),
        3 => meta["crm"] = json!("dynamics"),
        _ => {}
    }
    if spec.services {
        meta["services"] = json!(["Zoom/Register"]);
    }
    if spec.lists {
        meta["lists"] = json!(["subscribers"]);
    }
    let mut target = target(&[]);
    target.meta = serde_json::from_value(meta).unwrap();
    target.folders[0].tokens = spec
        .folder_tokens
        .iter()
        .map(|&(t, v)| serde_json::from_value(token_json(t, v)).unwrap())
        .collect();
    target
}

fn fidelity_bundle(index: usize, spec: &ProgramSpec) -> Bundle {
    let campaigns: Vec<serde_json::Value> = spec
        .campaigns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let pick = |pool: &[&str], picked: &[usize]| -> Vec<String> {
                picked.iter().map(|&i| pool[i].to_string()).collect()
            };
            json!({
                "name": format!("C{i}"), "type": "batch",
                "fields": pick(FIELD_REFS, &c.fields),
                "custom_activities": pick(ACTIVITIES, &c.activities),
                "flow_steps": pick(STEPS, &c.steps),
                "services": pick(SERVICES, &c.services),
                "filters": pick(FILTERS, &c.filters),
                "lists": pick(LISTS, &c.lists),
                "programs": c.programs.iter().map(|p| format!("Program {p}")).collect::<Vec<_>>(),
            })
        })
        .collect();
    let required: Vec<serde_json::Value> = spec
        .required
        .iter()
        .map(|&i| {
            let ((name, api, kind, label), _) = FIELD_POOL[i];
            let mut f = json!({"name": name, "api_name": api, "type": kind, "label": label});
            f.as_object_mut().unwrap().retain(|_, v| !v.is_null());
            f
        })
        .collect();
    let html: String = spec
        .html_tokens
        .iter()
        .map(|&t| format!("<p>{{{{{}}}}}</p>", TOKENS[t]))
        .collect();
    let program: ProgramFile = serde_json::from_value(json!({
        "format": 1,
        "exported_from": "Source",
        "program": {"name": format!("Program {index}"), "type": "default", "folder": "Imports"},
        "tokens": spec.tokens.iter().map(|&(t, v)| token_json(t, v)).collect::<Vec<_>>(),
        "emails": [{"name": "E", "html": html}],
        "smart_campaigns": campaigns,
        "requires": {"fields": required},
    }))
    .unwrap();
    Bundle {
        label: format!("b{index}"),
        digest: format!("d{index}"),
        program,
        external: Vec::new(),
        origin: mkimport::load::bundle::Origin::Memory,
    }
}

/// The mapping of services: none, ON24 to Zoom, Slack to a step no
/// target has.
fn service_map(choice: usize) -> ServiceMap {
    let mut map = ServiceMap::default();
    if choice & 1 == 1 {
        map.add(ServiceMapping::new("on24/register", "Zoom/Register").unwrap());
    }
    if choice & 2 == 2 {
        map.add(ServiceMapping::new("Slack/Post", "Teams/Post").unwrap());
    }
    map
}

/// The error codes the program must have, as a sorted, deduplicated list
/// (the oracle: spec section 8 read directly, without the planner's code).
fn expected_errors(spec: &ProgramSpec, target: &TargetSpec, services: &ServiceMap) -> Vec<Code> {
    let mut out = Vec::new();
    // Fields: the first declaration of a name decides.
    if target.fields {
        let mut seen = std::collections::BTreeSet::new();
        for &i in &spec.required {
            let ((name, ..), codes) = FIELD_POOL[i];
            if seen.insert(key(name)) {
                out.extend_from_slice(codes);
            }
        }
        for c in &spec.campaigns {
            for &f in &c.fields {
                let name = FIELD_REFS[f];
                if seen.insert(key(name))
                    && !FIELDS_TARGET.iter().any(|(t, ..)| key(t) == key(name))
                {
                    out.push(Code::MissingField);
                }
            }
        }
    }
    let used = |pick: fn(&CampaignSpec) -> &Vec<usize>| -> Vec<usize> {
        spec.campaigns
            .iter()
            .flat_map(|c| pick(c).clone())
            .collect()
    };
    if target.activities && used(|c| &c.activities).contains(&1) {
        out.push(Code::MissingCustomActivity);
    }
    if used(|c| &c.filters).contains(&1) {
        out.push(Code::CustomObjectTrigger);
    }
    for step in used(|c| &c.steps) {
        let met = match (step, target.crm) {
            (0, _) | (_, 0) => true,
            (1, crm) => crm == 2,
            (2, crm) => crm == 3,
            (_, crm) => crm >= 2,
        };
        if !met {
            out.push(Code::CrmFlowStep);
        }
    }
    if target.services {
        for s in used(|c| &c.services) {
            let landed = services.get(SERVICES[s]).unwrap_or(SERVICES[s]);
            if key(landed) != key("Zoom/Register") {
                out.push(Code::MissingService);
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn every_cause_of_section_8_is_listed_and_references_resolve(
        target_spec in target_spec(),
        programs in prop::collection::vec(program_spec(), 1..4),
        current in any::<bool>(),
        rule_choice in prop::collection::vec(0usize..5, RuleKind::ALL.len()),
        mapping in 0usize..4,
    ) {
        let target = fidelity_target(&target_spec);
        let items: Vec<SourceItem> = programs
            .iter()
            .enumerate()
            .map(|(i, p)| SourceItem { label: format!("b{i}"), bundle: Ok(fidelity_bundle(i, p)) })
            .collect();
        let services = service_map(mapping);
        let options = PlanOptions {
            rules: rules(current, &rule_choice),
            services: services.clone(),
            ..PlanOptions::default()
        };
        let plan = plan(&items, &target, &options);
        prop_assert_eq!(plan.programs.len(), programs.len());

        // Programs the run has planned so far (names in the target).
        let mut planned_programs: Vec<String> = Vec::new();
        for (i, (spec, result)) in programs.iter().zip(&plan.programs).enumerate() {
            // Every cause listed: exactly the oracle's error codes.
            let mut found: Vec<Code> = result
                .problems
                .iter()
                .filter(|p| p.severity == mkimport::plan::Severity::Error)
                .map(|p| p.code)
                .collect();
            found.sort();
            found.dedup();
            let expected = expected_errors(spec, &target_spec, &services);
            prop_assert_eq!(&found, &expected, "program {}: {:?}", i, result.problems);
            // Nothing blocked is written.
            if expected.is_empty() {
                prop_assert_eq!(result.status, Status::Ok);
            } else {
                prop_assert_eq!(result.status, Status::Blocked);
                prop_assert!(result.writes.is_none());
                continue;
            }
            let writes = result.writes.as_ref().expect("ok programs have writes");
            // The program exactly as `run` writes it.
            let (landed, _) = hydrate(writes, items[i].bundle.as_ref().expect("a bundle"));
            let own = result.imported_as.clone().unwrap();
            let warned = |code: Code, name: &str| {
                result.problems.iter().any(|p| p.code == code && p.message.contains(&format!("\"{name}\"")))
            };
            // Every reference names something the target has or the run
            // plans, or is warned about.
            for c in &landed.smart_campaigns {
                if target_spec.fields {
                    for f in &c.fields {
                        prop_assert!(
                            FIELDS_TARGET.iter().any(|(t, ..)| key(t) == key(f)),
                            "field {} is not the target's", f
                        );
                    }
                }
                if target_spec.services {
                    for s in c.services() {
                        prop_assert_eq!(s.as_str(), "Zoom/Register");
                    }
                }
                for l in c.lists() {
                    let known = target_spec.lists && l == "subscribers";
                    prop_assert!(
                        known || !target_spec.lists || warned(Code::OutsideReference, l),
                        "list {} neither the target's nor warned", l
                    );
                }
                for p in c.programs() {
                    let known = *p == own || planned_programs.contains(p);
                    prop_assert!(
                        known || warned(Code::OutsideReference, p),
                        "program {} neither planned nor warned", p
                    );
                }
                // A mapped service has its remap row.
                for &s in spec.campaigns.iter().flat_map(|c| &c.services) {
                    if let Some(to) = services.get(SERVICES[s]) {
                        let remapped = result.assets.iter().any(|a| {
                            a.kind == mkimport::plan::AssetKind::Service
                                && a.action == mkimport::plan::Action::Remap
                                && &*a.name == SERVICES[s]
                                && &*a.result_name == to
                        });
                        prop_assert!(remapped, "no remap row for {}", SERVICES[s]);
                    }
                }
            }
            for r in &landed.requires.fields {
                if target_spec.fields {
                    prop_assert!(FIELDS_TARGET.iter().any(|(t, ..)| key(t) == key(&r.name)));
                }
            }
            // Tokens: unresolved exactly when neither the program's tokens
            // nor the folder's define the name; a shadow warning for each
            // program token the folder has with another value.
            let defined: std::collections::BTreeSet<usize> = spec
                .tokens
                .iter()
                .map(|t| t.0)
                .chain(target_spec.folder_tokens.iter().map(|t| t.0))
                .collect();
            for &t in &spec.html_tokens {
                let reported = result.problems.iter().any(|p| {
                    p.code == Code::UnresolvedToken && p.message.contains(&format!("{{{{{}}}}}", TOKENS[t]))
                });
                prop_assert_eq!(reported, !defined.contains(&t), "token {}", TOKENS[t]);
            }
            let mut first_token = std::collections::BTreeMap::new();
            for &(t, v) in &spec.tokens {
                first_token.entry(t).or_insert(v);
            }
            let mut first_folder = std::collections::BTreeMap::new();
            for &(t, v) in &target_spec.folder_tokens {
                first_folder.entry(t).or_insert(v);
            }
            let shadows = first_token
                .iter()
                .filter(|(t, v)| first_folder.get(t).is_some_and(|w| w != *v))
                .count();
            prop_assert_eq!(
                result.problems.iter().filter(|p| p.code == Code::TokenShadowsFolder).count(),
                shadows
            );
            planned_programs.push(own);
        }
    }
}
