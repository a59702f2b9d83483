//! Marketo fidelity v2 (spec section 8): target folder tokens, field
//! identity, smart lists and flows (custom activities, CRM flow steps,
//! self-service flow steps and their mappings, lists and programs outside
//! the program), the `current` preset and `rename-style`; every blocking
//! cause at once; old files stay valid. Each test asserts the exit code
//! and the JSON report (and, for `run`, what landed).

use std::path::Path;

use crate::support::*;
use serde_json::{json, Value};

/// The standard target, declaring the keys of section 8 too.
fn fidelity_meta() -> Value {
    let mut meta = target_meta();
    meta["fields"] = json!([
        {"name": "Email Address", "api_name": "email", "type": "email"},
        {"name": "First Name", "api_name": "firstName", "type": "string"},
        {"name": "Demographic Score", "api_name": "demographicScore", "type": "score",
         "label": "Demographic Score"},
        {"name": "Engagement Score", "api_name": "behaviorScore", "type": "score",
         "label": "Behavior Score"},
        {"name": "Lead Source Detail", "api_name": "leadSourceDetail", "type": "string"},
        {"name": "Region", "type": "string"}
    ]);
    meta["custom_activities"] = json!(["Requested Demo"]);
    meta["crm"] = Value::Null;
    meta["services"] = json!(["Zoom/Register Attendee"]);
    meta["lists"] = json!(["Newsletter Subscribers"]);
    meta
}

fn fidelity_target() -> Sub {
    Sub::new(fidelity_meta())
}

/// A target declaring section 8's keys, with `crm` set to this.
fn target_with_crm(crm: Value) -> Sub {
    let mut meta = fidelity_meta();
    meta["crm"] = crm;
    Sub::new(meta)
}

/// A program with one campaign carrying these extra keys.
fn with_campaign(name: &str, keys: Value) -> Value {
    let mut c = campaign("Flow", "batch");
    for (k, v) in keys.as_object().expect("an object") {
        c[k] = v.clone();
    }
    let mut p = program(name);
    p["smart_campaigns"] = json!([c]);
    p
}

/// An email whose HTML uses these tokens.
fn email_using(tokens: &[&str]) -> Value {
    let mut e = email("Invite", "Standard Email", &[]);
    let html: String = tokens
        .iter()
        .map(|t| format!("<p>{{{{{t}}}}}</p>"))
        .collect();
    e["html"] = json!(html);
    e
}

fn text_token(name: &str, value: &str) -> Value {
    json!({"name": name, "type": "text", "value": value})
}

fn preview_program(program: Value, target: &Sub, extra: &[&str]) -> Outcome {
    let spec = BundleSpec::new(program).email_template("Standard Email", "<html>e</html>");
    preview_bundle(&spec, target, extra)
}

/// Preview; expect exit 0 and the program ok without errors.
fn ok(program: Value, target: &Sub, extra: &[&str]) -> Value {
    preview_program(program, target, extra).expect_ok()
}

/// Preview; expect exit 3 and the program blocked.
fn blocked(program: Value, target: &Sub, extra: &[&str]) -> Value {
    preview_program(program, target, extra).expect_blocked()
}

fn severity(p: &Value, code: &str) -> String {
    let found = problems(p, code);
    assert!(!found.is_empty(), "no {code} in {p}");
    found[0]["severity"].as_str().unwrap().to_string()
}

/// `run --yes --json` of one program (a directory bundle) into `target`.
fn run_program(program: Value, target: &Sub, extra: &[&str]) -> Outcome {
    let spec = BundleSpec::new(program).email_template("Standard Email", "<html>e</html>");
    let (_work, path) = dir_bundle(&spec);
    finish(
        mkimport()
            .arg("run")
            .arg("--from")
            .arg(&path)
            .arg("--to")
            .arg(target.path())
            .args(["--yes", "--json"])
            .args(extra),
    )
}

/// The program.json a run wrote into `Webinars/<dir>`.
fn landed(target: &Path, dir: &str) -> Value {
    let path = target
        .join("marketing-activities/Webinars")
        .join(dir)
        .join("program.json");
    serde_json::from_slice(&std::fs::read(&path).unwrap_or_else(|e| panic!("{path:?}: {e}")))
        .unwrap()
}

// ---------------------------------------------------------------------
// Target folder tokens

#[test]
fn a_token_of_the_target_folder_resolves_a_reference() {
    let target = fidelity_target();
    target.folder_tokens(
        "Webinars",
        json!([text_token("my.Support Email", "webinars@acme.example")]),
    );
    let mut p = program("Folder Tokens");
    p["emails"] = json!([email_using(&["my.Support Email"])]);
    let p = ok(p, &target, &[]);
    assert!(problems(&p, "unresolved-token").is_empty(), "{p}");
    assert!(problems(&p, "token-shadows-folder").is_empty(), "{p}");
}

#[test]
fn tokens_of_every_folder_above_count_and_siblings_do_not() {
    let target = fidelity_target();
    target
        .folder_tokens("Events", json!([text_token("my.Company", "Acme")]))
        .folder_tokens("Events/2026", json!([text_token("my.Venue", "Hall A")]))
        .folder_tokens(
            "Webinars",
            json!([text_token("my.Webinar Platform", "Zoom")]),
        )
        .folder("Events/2026/APAC");
    let mut p = program("Deep Folder");
    p["program"]["folder"] = json!("Events/2026/APAC");
    p["emails"] = json!([email_using(&[
        "my.Company",
        "my.Venue",
        "my.Webinar Platform"
    ])]);
    let out = preview_program(p, &target, &[]);
    assert_eq!(out.code, 0, "{}", out.stdout);
    let p = out.only();
    let unresolved = messages(p, "unresolved-token");
    assert_eq!(unresolved.len(), 1, "{unresolved:?}");
    assert!(
        unresolved[0].contains("my.Webinar Platform"),
        "a sibling folder's token does not count: {unresolved:?}"
    );
    assert_eq!(severity(p, "unresolved-token"), "warning");
}

#[test]
fn the_folder_chosen_with_folder_decides_the_chain() {
    let target = fidelity_target();
    target
        .folder_tokens("Events", json!([text_token("my.Venue", "Hall A")]))
        .folder_tokens("Webinars", json!([]));
    let mut p = program("Moved");
    p["emails"] = json!([email_using(&["my.Venue"])]);
    // Into its own folder (Webinars): unresolved.
    let own = ok(p.clone(), &target, &[]);
    assert_eq!(problems(&own, "unresolved-token").len(), 1, "{own}");
    // Into Events: resolved by that folder's token.
    let moved = ok(p, &target, &["--folder", "Events"]);
    assert!(problems(&moved, "unresolved-token").is_empty(), "{moved}");
}

#[test]
fn an_imported_token_hiding_a_folder_token_of_another_value_is_a_warning() {
    let target = fidelity_target();
    target
        .folder_tokens(
            "Webinars",
            json!([
                text_token("my.Support Email", "webinars@acme.example"),
                text_token("my.Company", "Acme")
            ]),
        )
        .folder("Webinars/2026")
        .folder_tokens(
            "Webinars/2026",
            json!([text_token("my.Support Email", "2026@acme.example")]),
        );
    let mut p = program("Shadows");
    p["program"]["folder"] = json!("Webinars/2026");
    p["tokens"] = json!([
        text_token("my.support email", "events@acme.example"),
        // The same value as the folder's: nothing to say.
        text_token("my.Company", "Acme")
    ]);
    p["emails"] = json!([email_using(&["my.Support Email", "my.Company"])]);
    let out = preview_program(p.clone(), &target, &[]);
    assert_eq!(out.code, 0, "a warning does not block: {}", out.stdout);
    let found = out.only();
    let shadows = problems(found, "token-shadows-folder");
    assert_eq!(shadows.len(), 1, "{found}");
    assert_eq!(shadows[0]["severity"], "warning");
    let message = shadows[0]["message"].as_str().unwrap();
    // Both values; the nearest folder's token is the one hidden.
    assert!(message.contains("events@acme.example"), "{message}");
    assert!(message.contains("2026@acme.example"), "{message}");
    assert!(!message.contains("webinars@acme.example"), "{message}");
    assert!(problems(found, "unresolved-token").is_empty(), "{found}");

    // The program's value wins: it lands as a local token.
    let out = run_program(p, &target, &[]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let landed = target
        .path()
        .join("marketing-activities/Webinars/2026/Shadows/program.json");
    let landed: Value = serde_json::from_slice(&std::fs::read(landed).unwrap()).unwrap();
    assert_eq!(landed["tokens"][0]["value"], "events@acme.example");
}

#[test]
fn dropped_tokens_hide_nothing_and_folder_tokens_still_resolve() {
    let target = fidelity_target();
    target.folder_tokens("Webinars", json!([text_token("my.Venue", "Hall A")]));
    let mut p = program("Image Tokens");
    p["tokens"] = json!([
        text_token("my.Venue", "Other Hall"),
        text_token("my.Title", "Summit"),
        {"name": "my.Hero", "type": "image", "value": "hero.png"}
    ]);
    p["emails"] = json!([email_using(&["my.Venue", "my.Title"])]);
    // drop-all (default): no token comes through, so none hides the
    // folder's, which still resolves my.Venue.
    let p = ok(p, &target, &[]);
    assert!(problems(&p, "token-shadows-folder").is_empty(), "{p}");
    let unresolved = messages(&p, "unresolved-token");
    assert_eq!(unresolved.len(), 1, "{unresolved:?}");
    assert!(unresolved[0].contains("my.Title"), "{unresolved:?}");
}

// ---------------------------------------------------------------------
// Field identity

#[test]
fn a_field_is_matched_by_its_api_name_and_references_follow_the_target() {
    let target = fidelity_target();
    let mut p = with_campaign("By API Name", json!({"fields": ["Behavior Score"]}));
    p["forms"] = json!([{"name": "Score Form", "fields": ["Behavior Score", "Email Address"]}]);
    p["requires"] = json!({"fields": [
        {"name": "Behavior Score", "api_name": "behaviorScore", "type": "score",
         "label": "behavior score "}
    ]});
    let found = ok(p.clone(), &target, &[]);
    assert!(problems(&found, "missing-field").is_empty(), "{found}");

    let out = run_program(p, &target, &[]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let landed = landed(target.path(), "By API Name");
    assert_eq!(
        landed["smart_campaigns"][0]["fields"],
        json!(["Engagement Score"])
    );
    assert_eq!(
        landed["forms"][0]["fields"],
        json!(["Engagement Score", "Email Address"])
    );
    assert_eq!(landed["requires"]["fields"][0]["name"], "Engagement Score");
    assert_eq!(landed["requires"]["fields"][0]["api_name"], "behaviorScore");
}

#[test]
fn a_field_matched_by_name_with_another_api_name_blocks() {
    let target = fidelity_target();
    let mut p = program("Api Mismatch");
    p["requires"] = json!({"fields": [
        {"name": "Lead Source Detail", "api_name": "Lead_Source_Detail__c", "type": "string"}
    ]});
    let p = blocked(p, &target, &[]);
    assert_eq!(errors(&p), ["field-api-name-mismatch"]);
    let m = &messages(&p, "field-api-name-mismatch")[0];
    assert!(
        m.contains("Lead Source Detail")
            && m.contains("leadSourceDetail")
            && m.contains("Lead_Source_Detail__c"),
        "{m}"
    );
}

#[test]
fn a_field_matched_by_api_name_with_another_label_blocks() {
    let target = fidelity_target();
    let mut p = program("Label Mismatch");
    p["requires"] = json!({"fields": [
        {"name": "Behavior Score", "api_name": "behaviorScore", "label": "Engagement"}
    ]});
    let p = blocked(p, &target, &[]);
    assert_eq!(errors(&p), ["field-label-mismatch"]);
    let m = &messages(&p, "field-label-mismatch")[0];
    assert!(
        m.contains("Behavior Score") && m.contains("Engagement"),
        "{m}"
    );
}

#[test]
fn labels_are_only_compared_when_matched_by_api_name() {
    let target = fidelity_target();
    // Matched by name (no API name given): the labels differ, no error.
    let mut p = program("Label By Name");
    p["requires"] = json!({"fields": [
        {"name": "Demographic Score", "type": "score", "label": "Demo Score"}
    ]});
    ok(p, &target, &[]);
}

#[test]
fn an_api_name_and_type_mismatch_are_both_reported() {
    let target = fidelity_target();
    let mut p = program("Both");
    p["requires"] = json!({"fields": [
        {"name": "Behavior Score", "api_name": "behaviorScore", "type": "number"},
        {"name": "Demographic Score", "api_name": "demoScore", "type": "number"},
        {"name": "Lifetime Value", "api_name": "lifetimeValue", "type": "currency"}
    ]});
    let p = blocked(p, &target, &[]);
    let mut found = errors(&p);
    found.sort();
    assert_eq!(
        found,
        [
            "field-api-name-mismatch",
            "field-type-mismatch",
            "field-type-mismatch",
            "missing-field"
        ],
        "{p}"
    );
    let missing = &messages(&p, "missing-field")[0];
    assert!(missing.contains("Lifetime Value") && missing.contains("lifetimeValue"));
}

#[test]
fn an_undeclared_api_name_or_label_in_the_target_is_unchecked_not_an_error() {
    // The standard target's fields have no API names and no labels.
    let target = Sub::standard();
    let mut p = program("Old Target");
    p["requires"] = json!({"fields": [
        {"name": "Demographic Score", "api_name": "demographicScore", "type": "score",
         "label": "Demographic Score"}
    ]});
    let p = ok(p, &target, &[]);
    let unchecked = messages(&p, "unchecked");
    assert!(
        unchecked
            .iter()
            .any(|m| m.contains("api_name") && m.contains("Demographic Score")),
        "{unchecked:?}"
    );
    // A field of the target with an API name but no label, matched by it.
    let target = fidelity_target();
    let mut p = program("No Label");
    p["requires"] = json!({"fields": [
        {"name": "Lead Source Detail", "api_name": "leadSourceDetail", "label": "Source"}
    ]});
    let p = ok(p, &target, &[]);
    assert!(
        messages(&p, "unchecked")
            .iter()
            .any(|m| m.contains("label")),
        "{p}"
    );
}

// ---------------------------------------------------------------------
// Custom activities and the custom-object trigger in filters

#[test]
fn a_custom_activity_the_target_lacks_blocks() {
    let target = fidelity_target();
    let p = with_campaign(
        "Activities",
        json!({"custom_activities": ["Started Trial", "requested demo", "Started Trial"]}),
    );
    let p = blocked(p, &target, &[]);
    assert_eq!(errors(&p), ["missing-custom-activity"], "once per name");
    assert!(messages(&p, "missing-custom-activity")[0].contains("Started Trial"));

    let p = with_campaign(
        "Known Activity",
        json!({"custom_activities": ["Requested Demo"]}),
    );
    ok(p, &target, &[]);
}

#[test]
fn a_custom_object_trigger_in_filters_blocks() {
    let target = fidelity_target();
    let p = with_campaign(
        "CO Filter",
        json!({"filters": ["Member of List", "custom object is updated "]}),
    );
    let p = blocked(p, &target, &[]);
    assert_eq!(errors(&p), ["custom-object-trigger"]);
    assert!(messages(&p, "custom-object-trigger")[0].contains("Flow"));
}

// ---------------------------------------------------------------------
// CRM flow steps

fn crm_outcome(crm: Value, step: &str) -> (i32, Vec<String>) {
    let target = target_with_crm(crm);
    let p = with_campaign("CRM", json!({"flow_steps": ["Send Email", step]}));
    let out = preview_program(p, &target, &[]);
    (out.code, errors(out.only()))
}

#[test]
fn crm_flow_steps_need_the_right_crm() {
    let blocked = (3, vec!["crm-flow-step".to_string()]);
    let fine = (0, vec![]);
    let sf = json!("salesforce");
    let ms = json!("dynamics");
    for (crm, step, expected) in [
        (Value::Null, "Sync Person to SFDC", &blocked),
        (sf.clone(), "Sync Person to SFDC", &fine),
        (ms.clone(), "Sync Person to SFDC", &blocked),
        (sf.clone(), "Add to Salesforce Campaign", &fine),
        (ms.clone(), "Add to salesforce campaign", &blocked),
        (ms.clone(), "Sync Person to Microsoft", &fine),
        (sf.clone(), "Sync Person to Microsoft", &blocked),
        (sf.clone(), "Add to Dynamics Campaign", &blocked),
        (Value::Null, "Convert Person", &blocked),
        (Value::Null, "create task", &blocked),
        (sf.clone(), "Convert Person", &fine),
        (ms.clone(), "Create Task", &fine),
        (Value::Null, "Change Data Value", &fine),
    ] {
        assert_eq!(
            &crm_outcome(crm.clone(), step),
            expected,
            "crm {crm}, step {step}"
        );
    }
}

#[test]
fn a_crm_flow_step_message_names_the_step_the_campaign_and_the_crm() {
    let target = fidelity_target();
    let mut p = with_campaign(
        "CRM Message",
        json!({"flow_steps": ["Sync Person to SFDC"]}),
    );
    let mut second = campaign("Second", "trigger");
    second["flow_steps"] = json!(["sync person to sfdc"]);
    p["smart_campaigns"].as_array_mut().unwrap().push(second);
    let p = blocked(p, &target, &[]);
    let m = messages(&p, "crm-flow-step");
    assert_eq!(m.len(), 1, "once per step: {m:?}");
    assert!(
        m[0].contains("Sync Person to SFDC")
            && m[0].contains("\"Flow\"")
            && m[0].contains("\"Second\"")
            && m[0].contains("salesforce"),
        "{m:?}"
    );
}

#[test]
fn crm_steps_are_unchecked_when_the_target_does_not_declare_crm() {
    let mut meta = fidelity_meta();
    meta.as_object_mut().unwrap().remove("crm");
    let target = Sub::new(meta);
    let p = with_campaign("No CRM Key", json!({"flow_steps": ["Sync Person to SFDC"]}));
    let p = ok(p, &target, &[]);
    assert!(
        messages(&p, "unchecked")
            .iter()
            .any(|m| m.contains("\"crm\"")),
        "{p}"
    );
}

// ---------------------------------------------------------------------
// Self-service flow steps

#[test]
fn a_service_the_target_lacks_blocks_and_names_the_mapping_flag() {
    let target = fidelity_target();
    let p = with_campaign(
        "Services",
        json!({"services": ["ON24 Legacy/Register Attendee", "zoom/register attendee"]}),
    );
    let p = blocked(p, &target, &[]);
    assert_eq!(errors(&p), ["missing-service"], "{p}");
    let m = &messages(&p, "missing-service")[0];
    assert!(
        m.contains("ON24 Legacy/Register Attendee") && m.contains("--map-service"),
        "{m}"
    );
    assert!(assets_of(&p, "service").is_empty(), "no mapping, no row");
}

#[test]
fn map_service_remaps_the_step_with_an_asset_row() {
    let target = fidelity_target();
    let p = with_campaign(
        "Mapped",
        json!({"services": ["ON24 Legacy/Register Attendee"]}),
    );
    let mapping = "ON24 Legacy/Register Attendee=Zoom/Register Attendee";
    let found = ok(p.clone(), &target, &["--map-service", mapping]);
    let rows = assets_of(&found, "service");
    assert_eq!(rows.len(), 1, "{found}");
    assert_eq!(rows[0]["name"], "ON24 Legacy/Register Attendee");
    assert_eq!(rows[0]["result_name"], "Zoom/Register Attendee");
    assert_eq!(rows[0]["action"], "remap");

    let out = run_program(p, &target, &["--map-service", mapping]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let landed = landed(target.path(), "Mapped");
    assert_eq!(
        landed["smart_campaigns"][0]["services"],
        json!(["Zoom/Register Attendee"])
    );
}

#[test]
fn a_mapping_to_a_service_the_target_lacks_still_blocks() {
    let target = fidelity_target();
    let p = with_campaign("Bad Map", json!({"services": ["ON24/Register"]}));
    let p = blocked(
        p,
        &target,
        &["--map-service", "ON24/Register=Zoom/Registre"],
    );
    assert_eq!(errors(&p), ["missing-service"]);
    let m = &messages(&p, "missing-service")[0];
    assert!(
        m.contains("Zoom/Registre") && m.contains("ON24/Register"),
        "{m}"
    );
    assert_eq!(asset(&p, "service", "ON24/Register")["action"], "remap");
}

#[test]
fn a_rules_file_maps_services_and_map_service_goes_on_top() {
    let target = fidelity_target();
    let work = workdir();
    let rules = work.path().join("rules.json");
    std::fs::write(
        &rules,
        json!({"services": {"ON24/Register": "Zoom/Nowhere", "ON24/Attend": "Zoom/Register Attendee"}})
            .to_string(),
    )
    .unwrap();
    let rules = rules.to_str().unwrap();
    let p = with_campaign(
        "File Map",
        json!({"services": ["ON24/Register", "ON24/Attend"]}),
    );
    // The file alone maps one step to a service the target lacks.
    let found = blocked(p.clone(), &target, &["--conflict", rules]);
    assert_eq!(errors(&found), ["missing-service"]);
    // --map-service wins for the same step.
    let found = ok(
        p,
        &target,
        &[
            "--conflict",
            rules,
            "--map-service",
            "on24/register=Zoom/Register Attendee",
        ],
    );
    let mut rows: Vec<(String, String)> = assets_of(&found, "service")
        .iter()
        .map(|r| {
            assert_eq!(r["action"], "remap");
            (
                r["name"].as_str().unwrap().to_string(),
                r["result_name"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    rows.sort();
    assert_eq!(
        rows,
        [
            (
                "ON24/Attend".to_string(),
                "Zoom/Register Attendee".to_string()
            ),
            (
                "ON24/Register".to_string(),
                "Zoom/Register Attendee".to_string()
            )
        ]
    );
}

#[test]
fn a_map_service_that_is_not_from_equals_to_is_a_usage_error() {
    let target = fidelity_target();
    let p = with_campaign("Usage", json!({}));
    for bad in ["ON24/Register", "ON24=Zoom/Register", "ON24/Register=Zoom"] {
        let out = preview_program(p.clone(), &target, &["--map-service", bad]);
        assert_eq!(out.code, 2, "{bad}: {}", out.stderr);
        assert!(
            out.stderr.contains("Provider/Step"),
            "{bad}: {}",
            out.stderr
        );
    }
}

#[test]
fn saved_plans_keep_the_service_mappings() {
    let target = fidelity_target();
    let spec = BundleSpec::new(with_campaign(
        "Planned Map",
        json!({"services": ["ON24/Register"]}),
    ));
    let (work, bundle) = dir_bundle(&spec);
    let plan = work.path().join("plan.json");
    let mapping = "ON24/Register=Zoom/Register Attendee";
    let out = preview(
        &bundle,
        target.path(),
        &["--map-service", mapping, "--out", plan.to_str().unwrap()],
    );
    assert_eq!(out.code, 0, "{}", out.stdout);
    let saved: Value = serde_json::from_slice(&std::fs::read(&plan).unwrap()).unwrap();
    assert_eq!(
        saved["plan"]["services"],
        json!({"ON24/Register": "Zoom/Register Attendee"})
    );
    // Given again with --plan: a usage error, nothing written.
    let again = finish(mkimport().args([
        "run",
        "--plan",
        plan.to_str().unwrap(),
        "--yes",
        "--json",
        "--map-service",
        mapping,
    ]));
    assert_eq!(again.code, 2, "{}", again.stderr);
    // The plan alone applies the mapping.
    let out = finish(mkimport().args(["run", "--plan", plan.to_str().unwrap(), "--yes", "--json"]));
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert_eq!(
        asset(out.only(), "service", "ON24/Register")["result_name"],
        "Zoom/Register Attendee"
    );
    let landed = landed(target.path(), "Planned Map");
    assert_eq!(
        landed["smart_campaigns"][0]["services"],
        json!(["Zoom/Register Attendee"])
    );
}

// ---------------------------------------------------------------------
// Lists and programs outside the program

#[test]
fn lists_and_programs_the_target_lacks_are_warned_once_per_name() {
    let target = fidelity_target();
    target.stored_program("Webinars", &program("2025 Roundtable"));
    let mut p = with_campaign(
        "Outside",
        json!({"lists": ["Q3 Invitees", "newsletter subscribers"],
               "programs": ["2025 roundtable", "2024 Summit", "Outside"]}),
    );
    let mut second = campaign("Second", "batch");
    second["lists"] = json!(["q3 invitees"]);
    second["programs"] = json!(["2024 Summit"]);
    p["smart_campaigns"].as_array_mut().unwrap().push(second);
    let found = ok(p.clone(), &target, &[]);
    let outside = messages(&found, "outside-reference");
    assert_eq!(outside.len(), 2, "{outside:?}");
    assert!(
        outside.iter().any(|m| m.contains("Q3 Invitees")),
        "{outside:?}"
    );
    assert!(
        outside.iter().any(|m| m.contains("2024 Summit")),
        "{outside:?}"
    );
    assert_eq!(severity(&found, "outside-reference"), "warning");

    // What the target has is spelled as the target spells it; the program
    // itself is renamed with it.
    target.stored_program("Webinars", &program("Outside"));
    let out = run_program(p, &target, &["--rule", "program=rename"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let landed = landed(target.path(), "Outside 1");
    assert_eq!(
        landed["smart_campaigns"][0]["lists"],
        json!(["Q3 Invitees", "Newsletter Subscribers"])
    );
    assert_eq!(
        landed["smart_campaigns"][0]["programs"],
        json!(["2025 Roundtable", "2024 Summit", "Outside 1"])
    );
}

#[test]
fn a_program_planned_earlier_in_the_run_is_no_outside_reference() {
    let target = fidelity_target();
    let work = workdir();
    BundleSpec::new(program("A First")).write_dir(&work.path().join("a"));
    BundleSpec::new(with_campaign("B Second", json!({"programs": ["A First"]})))
        .write_dir(&work.path().join("b"));
    let out = preview(work.path(), target.path(), &[]);
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert!(problems(out.program("B Second"), "outside-reference").is_empty());
}

// ---------------------------------------------------------------------
// Old files stay valid: undeclared keys are unchecked warnings

#[test]
fn a_target_without_the_new_keys_leaves_their_checks_unchecked() {
    let target = Sub::standard();
    let p = with_campaign(
        "New Keys, Old Target",
        json!({"custom_activities": ["Started Trial"],
               "flow_steps": ["Sync Person to SFDC"],
               "services": ["ON24/Register"],
               "lists": ["Q3 Invitees"],
               "filters": ["Member of List"]}),
    );
    let p = ok(p, &target, &[]);
    let unchecked = messages(&p, "unchecked").join("\n");
    for key in ["custom_activities", "crm", "services", "lists"] {
        assert!(
            unchecked.contains(&format!("\"{key}\"")),
            "{key}: {unchecked}"
        );
    }
}

#[test]
fn new_keys_are_kept_when_the_program_lands() {
    let target = fidelity_target();
    let p = with_campaign(
        "Kept Keys",
        json!({"filters": ["Member of List"], "flow_steps": ["Send Email"],
               "custom_activities": ["Requested Demo"], "x_custom": {"a": 1}}),
    );
    let out = run_program(p, &target, &[]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let c = &landed(target.path(), "Kept Keys")["smart_campaigns"][0];
    assert_eq!(c["filters"], json!(["Member of List"]));
    assert_eq!(c["flow_steps"], json!(["Send Email"]));
    assert_eq!(c["custom_activities"], json!(["Requested Demo"]));
    assert_eq!(c["x_custom"], json!({"a": 1}));
    assert!(c.get("services").is_none(), "absent keys stay absent: {c}");
}

// ---------------------------------------------------------------------
// Every blocking cause at once

#[test]
fn every_blocking_cause_of_section_8_is_reported_with_the_others() {
    let target = fidelity_target();
    let mut p = with_campaign(
        "Everything",
        json!({"custom_activities": ["Started Trial"],
               "filters": ["Custom Object is Updated"],
               "flow_steps": ["Sync Person to SFDC"],
               "services": ["ON24/Register"],
               "fields": ["Behavior Score"],
               "webhooks": ["Notify Teams"]}),
    );
    p["program"]["channel"] = json!("Podcast");
    p["requires"] = json!({"fields": [
        {"name": "Lead Source Detail", "api_name": "Lead_Source_Detail__c"},
        {"name": "Behavior Score", "api_name": "behaviorScore", "label": "Engagement"},
        {"name": "Demographic Score", "type": "number"}
    ]});
    let p = blocked(p, &target, &[]);
    let mut found = errors(&p);
    found.sort();
    let mut expected = vec![
        "crm-flow-step",
        "custom-object-trigger",
        "field-api-name-mismatch",
        "field-label-mismatch",
        "field-type-mismatch",
        "missing-channel",
        "missing-custom-activity",
        "missing-service",
        "missing-webhook",
    ];
    expected.sort();
    assert_eq!(found, expected, "{p}");
}

// ---------------------------------------------------------------------
// --conflict current and rename-style

/// A target holding "Standard Template", "Standard Email", "hero.png" and
/// the form "Webinar Form", with other content than the bundle's.
fn clashing_target() -> Sub {
    let target = fidelity_target();
    target
        .email_template("Standard Email", "<html>target</html>")
        .lp_template("Standard Template", "<html>target</html>")
        .image("hero.png", &image_bytes("target hero"))
        .form("Webinar Form", &["Email Address"]);
    target.stored_program("Webinars", &program("Clash Program"));
    target
}

fn clashing_bundle() -> BundleSpec {
    let mut p = program("Clash Program");
    let mut e = email("Invite", "Standard Email", &["hero.png"]);
    e["html"] = json!(r#"<img src="https://x/images/hero.png">"#);
    p["emails"] = json!([e]);
    p["landing_pages"] = json!([landing_page(
        "Registration",
        "Standard Template",
        &["Webinar Form"]
    )]);
    BundleSpec::new(p)
        .email_template("Standard Email", "<html>bundle</html>")
        .lp_template("Standard Template", "<html>bundle</html>")
        .image("hero.png", &image_bytes("bundle hero"))
        .form("Webinar Form", &["Email Address", "First Name"])
}

fn results(p: &Value) -> Vec<(String, String, String, String)> {
    p["assets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["kind"] != "token")
        .filter(|a| {
            !["smart-campaign", "email", "landing-page"].contains(&a["kind"].as_str().unwrap())
        })
        .map(|a| {
            let s = |k: &str| a[k].as_str().unwrap().to_string();
            (s("kind"), s("name"), s("action"), s("result_name"))
        })
        .collect()
}

fn row(kind: &str, name: &str, action: &str, result: &str) -> (String, String, String, String) {
    (kind.into(), name.into(), action.into(), result.into())
}

#[test]
fn conflict_current_is_todays_marketo() {
    let target = clashing_target();
    let out = preview_bundle(
        &clashing_bundle(),
        &target,
        &["--conflict", "current", "--rule", "program=rename"],
    );
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert_eq!(
        out.json()["rules"],
        json!({
            "program": "rename",
            "email-template": "rename",
            "landing-page-template": "rename",
            "image": "reuse",
            "form": "rename",
            "tag": "create",
            "image-token": "drop-all",
            "rename-style": "dash"
        })
    );
    assert_eq!(
        results(out.only()),
        [
            row("program", "Clash Program", "rename", "Clash Program - 1"),
            row(
                "email-template",
                "Standard Email",
                "rename",
                "Standard Email - 1"
            ),
            row(
                "landing-page-template",
                "Standard Template",
                "rename",
                "Standard Template - 1"
            ),
            row(
                "external-form",
                "Webinar Form",
                "rename",
                "Webinar Form - 1"
            ),
            row("image", "hero.png", "reuse", "hero.png"),
        ]
    );
    assert_eq!(out.only()["imported_as"], "Clash Program - 1");
}

#[test]
fn a_dashed_image_rename_goes_before_the_extension_and_lands() {
    let target = clashing_target();
    let (_work, path) = dir_bundle(&clashing_bundle());
    let out = finish(
        mkimport()
            .arg("run")
            .arg("--from")
            .arg(&path)
            .arg("--to")
            .arg(target.path())
            .args(["--yes", "--json", "--conflict", "current"])
            .args(["--rule", "image=rename", "--rule", "program=rename"]),
    );
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let p = out.only();
    assert_eq!(
        outcome_of(p, "image", "hero.png").1,
        "hero - 1.png".to_string()
    );
    let studio = target.path().join("design-studio");
    assert!(studio.join("images/hero - 1.png").is_file());
    assert!(studio
        .join("landing-page-templates/Standard Template - 1.json")
        .is_file());
    let landed = landed(target.path(), "Clash Program - 1");
    assert_eq!(landed["program"]["name"], "Clash Program - 1");
    assert_eq!(landed["emails"][0]["images"], json!(["hero - 1.png"]));
    assert_eq!(landed["emails"][0]["template"], "Standard Email - 1");
    assert_eq!(
        landed["emails"][0]["html"],
        r#"<img src="https://x/images/hero%20-%201.png">"#
    );
}

#[test]
fn rename_style_is_a_rule_of_its_own() {
    let target = clashing_target();
    // The default preset with dashes.
    let out = preview_bundle(
        &clashing_bundle(),
        &target,
        &["--rule", "rename-style=dash", "--rule", "program=rename"],
    );
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert_eq!(out.json()["rules"]["rename-style"], "dash");
    assert_eq!(out.json()["rules"]["email-template"], "reuse");
    assert_eq!(
        outcome_of(out.only(), "landing-page-template", "Standard Template").1,
        "Standard Template - 1"
    );
    assert_eq!(out.only()["imported_as"], "Clash Program - 1");
    // Today's rules with the seed's spelling.
    let out = preview_bundle(
        &clashing_bundle(),
        &target,
        &[
            "--conflict",
            "current",
            "--rule",
            "rename-style=space",
            "--rule",
            "program=rename",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert_eq!(
        outcome_of(out.only(), "email-template", "Standard Email").1,
        "Standard Email 1"
    );
    // A rename-style that does not exist.
    let out = preview_bundle(
        &clashing_bundle(),
        &target,
        &["--rule", "rename-style=underscore"],
    );
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("space") && out.stderr.contains("dash"),
        "{}",
        out.stderr
    );
}

#[test]
fn the_default_preset_keeps_the_seed_behaviour() {
    let target = clashing_target();
    let out = preview_bundle(&clashing_bundle(), &target, &["--rule", "program=rename"]);
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert_eq!(out.json()["rules"]["rename-style"], "space");
    assert_eq!(
        results(out.only()),
        [
            row("program", "Clash Program", "rename", "Clash Program 1"),
            row(
                "email-template",
                "Standard Email",
                "reuse",
                "Standard Email"
            ),
            row(
                "landing-page-template",
                "Standard Template",
                "rename",
                "Standard Template 1"
            ),
            row("external-form", "Webinar Form", "reuse", "Webinar Form"),
            row("image", "hero.png", "reuse", "hero.png"),
        ]
    );
}

#[test]
fn a_rules_file_starts_from_the_preset_it_names() {
    let target = clashing_target();
    let work = workdir();
    let write = |name: &str, value: Value| {
        let path = work.path().join(name);
        std::fs::write(&path, value.to_string()).unwrap();
        path.to_str().unwrap().to_string()
    };
    let current = write(
        "current.json",
        json!({"preset": "current", "image": "rename"}),
    );
    let plain = write("plain.json", json!({"image": "rename"}));
    let out = preview_bundle(
        &clashing_bundle(),
        &target,
        &[
            "--conflict",
            &current,
            "--rule",
            "form=reuse",
            "--rule",
            "program=skip",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stdout);
    let rules = &out.json()["rules"];
    assert_eq!(rules["email-template"], "rename");
    assert_eq!(rules["form"], "reuse", "--rule goes on top");
    assert_eq!(rules["image"], "rename");
    assert_eq!(rules["rename-style"], "dash");
    assert!(rules.get("preset").is_none(), "{rules}");
    let out = preview_bundle(&clashing_bundle(), &target, &["--conflict", &plain]);
    let rules = &out.json()["rules"];
    assert_eq!(rules["email-template"], "reuse");
    assert_eq!(rules["rename-style"], "space");
    assert_eq!(rules["image"], "rename");
    // An unknown preset in the file is a usage error naming the nearest.
    let bad = write("bad.json", json!({"preset": "Curent"}));
    let out = preview_bundle(&clashing_bundle(), &target, &["--conflict", &bad]);
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(out.stderr.contains("\"current\""), "{}", out.stderr);
}

#[test]
fn an_unknown_conflict_value_suggests_the_nearest_preset() {
    let target = fidelity_target();
    for (given, nearest) in [
        ("curent", "current"),
        ("defualt", "default"),
        ("Current", "current"),
        ("aks", "ask"),
        // A bare word far from every preset still names the nearest.
        ("newest", "default"),
    ] {
        let out = preview_bundle(&clashing_bundle(), &target, &["--conflict", given]);
        assert_eq!(out.code, 2, "{given}: {}", out.stdout);
        assert!(
            out.stderr.contains(&format!("did you mean \"{nearest}\"")),
            "{given}: {}",
            out.stderr
        );
        assert!(out.stdout.is_empty());
    }
    let out = preview_bundle(
        &clashing_bundle(),
        &target,
        &["--conflict", "no-such-rules.json"],
    );
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("default") && out.stderr.contains("current"),
        "{}",
        out.stderr
    );
}
