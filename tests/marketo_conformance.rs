//! The simulator answers as Adobe's Swagger files say Marketo does, so it
//! cannot drift into a fake that only agrees with mkimport's client.
//!
//! - Every endpoint it serves is a path of the Swagger files, with that
//!   method.
//! - Every call mkimport makes (pulling both fixture instances, faults
//!   included; a run into an instance, a failed program taken back, an
//!   undo) and a direct call to each endpoint the client does not use:
//!   its path and method are in the Swagger files, every query parameter
//!   and every field of a write's body is one the operation declares, and
//!   the answer is checked against the operation's `200` schema: the
//!   properties the schema declares have its types (an `integer` is an
//!   integer, an `array` an array, recursively through `$ref` and
//!   `allOf`), and the `required` ones are there.
//!
//! What is not checked, and why:
//! - `null` is accepted for any property (Marketo sends `null` for unset
//!   values; the documented examples are full of them);
//! - an error answer (`success: false`) need not carry `result`, which
//!   the lead-database schemas require (Marketo's errors carry none), nor
//!   `warnings` (the Error Codes page's envelope has none);
//! - the lead database's answers need not carry `errors` and `warnings`
//!   (Describe Lead, Get Custom Objects, Get Usage and the custom
//!   activity types, as documented, have neither);
//! - [`DOCUMENTED_MISSING`]: required properties the documented answer
//!   lacks;
//! - properties the schema does not declare are accepted (the documented
//!   answers carry keys the Swagger files lack, e.g. `folderName`,
//!   `headStart`, `computedUrl`);
//! - `enum`s and `format`s are not checked: they contradict the documented
//!   answers (program `type` is "Default" in the examples but not in the
//!   enum; dates are "2015-05-21T22:45:13Z+0000", no RFC 3339 date-time);
//! - a schema `object` with no properties (a Jackson `JsonNode`) accepts
//!   any value: landing-page section `content` is documented as a string
//!   for rich text and an object for forms;
//! - [`DOCUMENTED_DIFFERENCES`]: properties whose documented answer has
//!   another type than the Swagger file says.

mod marketo_support;

use std::collections::BTreeSet;

use serde_json::{json, Value};

use marketo_support::*;

/// (definition, property, why): the documented answer wins.
const DOCUMENTED_DIFFERENCES: &[(&str, &str, &str)] = &[(
    "TokenResponse",
    "folder",
    "Swagger says string; the Tokens page shows {\"type\": \"Folder\", \"value\": 416}",
)];

/// (definition, property, why): required by the Swagger file, absent
/// from the documented answer (`shared/marketo-real`), which wins.
const DOCUMENTED_MISSING: &[(&str, &str, &str)] = &[
    (
        "Folder",
        "id",
        "an asset's folder is {\"type\", \"value\", \"folderName\"} in the documented answers \
         (program-byid, emails-browse, forms-browse, ...)",
    ),
    (
        "ObjectMetaData",
        "apiName",
        "customobjects-list__adobedocs__1.json: `name`, no `apiName`",
    ),
    (
        "ObjectMetaData",
        "fields",
        "customobjects-list__adobedocs__1.json has no `fields`",
    ),
    (
        "ObjectMetaData",
        "pluralName",
        "customobjects-list__adobedocs__1.json has no `pluralName`",
    ),
    (
        "ObjectMetaData",
        "status",
        "customobjects-list__adobedocs__1.json has no `status`",
    ),
    (
        "ObjectMetaData",
        "version",
        "customobjects-list__adobedocs__1.json has no `version`",
    ),
    (
        "CustomActivityType",
        "primaryAttribute",
        "activities-external-types__adobedocs__1.json: the list has no attributes",
    ),
    (
        "CustomActivityType",
        "attributes",
        "activities-external-types__adobedocs__1.json: the list has no attributes",
    ),
];

/// The envelope keys an answer may lack: `errors` and `warnings` of the
/// lead database (its documented answers have neither) and `warnings` of
/// any error answer (error-envelope__adobedocs__1.json).
fn envelope_key_may_be_missing(template: &str, value: &Value, key: &str) -> bool {
    let lead_database = template.starts_with("/rest/v1/");
    match key {
        "errors" => lead_database,
        "warnings" => lead_database || value["success"] == false,
        _ => false,
    }
}

struct Swagger {
    docs: Vec<Value>,
}

impl Swagger {
    fn load() -> Swagger {
        let dir = root().join("crates/marketo-sim/swagger");
        let docs = [
            "swagger-asset.json",
            "swagger-identity.json",
            "swagger-mapi.json",
            "swagger-user.json",
        ]
        .iter()
        .map(|f| read_json(&dir.join(f)))
        .collect();
        Swagger { docs }
    }

    /// The Swagger document, operation and template of a concrete path
    /// (a template without parameters wins over one with).
    fn operation(&self, method: &str, path: &str) -> Option<(&Value, &Value, String)> {
        let method = method.to_lowercase();
        let mut best: Option<(&Value, &Value, String, usize)> = None;
        for doc in &self.docs {
            let Some(paths) = doc["paths"].as_object() else {
                continue;
            };
            for (template, ops) in paths {
                let Some(params) = marketo_sim::routes::matches(template, path) else {
                    continue;
                };
                let Some(op) = ops.get(&method) else {
                    continue;
                };
                if best.as_ref().is_none_or(|b| params.len() < b.3) {
                    best = Some((doc, op, template.clone(), params.len()));
                }
            }
        }
        best.map(|(d, o, t, _)| (d, o, t))
    }
}

fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> (&'a Value, Option<String>) {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let name = r.rsplit('/').next().unwrap_or("").to_string();
            (&doc["definitions"][&name], Some(name))
        }
        None => (schema, None),
    }
}

/// Check `value` against `schema`; add what is wrong to `errors`.
fn validate(doc: &Value, schema: &Value, value: &Value, at: &str, errors: &mut Vec<String>) {
    let (schema, name) = resolve(doc, schema);
    if value.is_null() {
        return;
    }
    // Properties and required keys, through allOf.
    let mut properties = serde_json::Map::new();
    let mut required: Vec<String> = Vec::new();
    let mut parts = vec![(schema, name.clone())];
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        for part in all {
            let (p, n) = resolve(doc, part);
            parts.push((p, n));
        }
    }
    let mut owner_of: std::collections::BTreeMap<String, Option<String>> = Default::default();
    for (part, part_name) in &parts {
        if let Some(props) = part.get("properties").and_then(Value::as_object) {
            for (k, v) in props {
                properties.insert(k.clone(), v.clone());
                owner_of.insert(k.clone(), part_name.clone());
            }
        }
        if let Some(req) = part.get("required").and_then(Value::as_array) {
            required.extend(req.iter().filter_map(|r| r.as_str().map(str::to_string)));
        }
    }
    let kind = schema
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or(if properties.is_empty() { "" } else { "object" });
    match kind {
        "object" if properties.is_empty() => {} // free-form (JsonNode)
        "object" | "" if !properties.is_empty() => {
            let Some(map) = value.as_object() else {
                errors.push(format!("{at}: expected an object, got {value}"));
                return;
            };
            for key in &required {
                // A required key no property declares is a Swagger slip
                // (CustomObject "status"): it cannot be typed.
                let owner = owner_of
                    .get(key)
                    .cloned()
                    .flatten()
                    .or_else(|| name.clone())
                    .unwrap_or_default();
                let documented = DOCUMENTED_MISSING
                    .iter()
                    .any(|(d, p, _)| *d == owner && p == key);
                if !map.contains_key(key) && !documented {
                    errors.push(format!("{at}: required \"{key}\" is missing"));
                }
            }
            for (key, prop) in &properties {
                if let Some(v) = map.get(key) {
                    let owner = owner_of.get(key).cloned().flatten().unwrap_or_default();
                    if DOCUMENTED_DIFFERENCES
                        .iter()
                        .any(|(d, p, _)| *d == owner && p == key)
                    {
                        continue;
                    }
                    validate(doc, prop, v, &format!("{at}.{key}"), errors);
                }
            }
        }
        "array" => {
            let Some(items) = value.as_array() else {
                errors.push(format!("{at}: expected an array, got {value}"));
                return;
            };
            if let Some(item) = schema.get("items") {
                for (n, v) in items.iter().enumerate() {
                    validate(doc, item, v, &format!("{at}[{n}]"), errors);
                }
            }
        }
        "string" if !value.is_string() => {
            errors.push(format!("{at}: expected a string, got {value}"))
        }
        "integer" if !(value.is_i64() || value.is_u64()) => {
            errors.push(format!("{at}: expected an integer, got {value}"))
        }
        "number" if !value.is_number() => {
            errors.push(format!("{at}: expected a number, got {value}"))
        }
        "boolean" if !value.is_boolean() => {
            errors.push(format!("{at}: expected a boolean, got {value}"))
        }
        _ => {}
    }
}

/// Check one call of the simulator's log; returns whether its answer was
/// checked against a schema.
fn check_call(swagger: &Swagger, call: &marketo_sim::Call, errors: &mut Vec<String>) -> bool {
    let Some((doc, op, template)) = swagger.operation(&call.method, &call.path) else {
        errors.push(format!("{} {} is no Swagger path", call.method, call.path));
        return false;
    };
    let declared: BTreeSet<&str> = op["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["in"] == "query")
        .filter_map(|p| p["name"].as_str())
        .collect();
    for (k, _) in &call.query {
        if !declared.contains(k.as_str()) && k != "access_token" {
            errors.push(format!("{template}: parameter \"{k}\" is not declared"));
        }
    }
    // A write's fields: `formData` parameters, or the properties of its
    // `body` parameter's schema (the Swagger files describe form-encoded
    // and multipart bodies both ways).
    let mut fields: BTreeSet<String> = BTreeSet::new();
    for p in op["parameters"].as_array().into_iter().flatten() {
        match p["in"].as_str() {
            Some("formData") => {
                fields.extend(p["name"].as_str().map(str::to_string));
            }
            Some("body") => {
                let (schema, _) = resolve(doc, &p["schema"]);
                if let Some(props) = schema["properties"].as_object() {
                    fields.extend(props.keys().cloned());
                }
            }
            _ => {}
        }
    }
    for k in &call.form {
        if !fields.contains(k) {
            errors.push(format!("{template}: field \"{k}\" is not declared"));
        }
    }
    if call.status != 200 || call.fault.is_some() {
        return false;
    }
    let Some(body) = &call.body else {
        return false;
    };
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        errors.push(format!("{template}: the answer is not JSON"));
        return false;
    };
    let Some(schema) = op["responses"]["200"].get("schema") else {
        return false;
    };
    // An error answer carries no `result` (Marketo's README: "a failure
    // is `success: false` with a code in `errors`"), though the
    // lead-database schemas require one: only its types are checked.
    let mut own = Vec::new();
    validate(doc, schema, &value, &template, &mut own);
    errors.extend(own.into_iter().filter(|e| {
        let top = format!("{template}: required \"");
        let Some(key) = e
            .strip_prefix(&top)
            .and_then(|k| k.strip_suffix("\" is missing"))
        else {
            return true;
        };
        let failed_result = key == "result" && value["success"] == false;
        !failed_result && !envelope_key_may_be_missing(&template, &value, key)
    }));
    true
}

#[test]
fn every_served_endpoint_is_a_swagger_path() {
    let swagger = Swagger::load();
    for (method, template) in marketo_sim::routes::ROUTES {
        let found = swagger.docs.iter().any(|d| {
            d["paths"]
                .get(*template)
                .is_some_and(|ops| ops.get(method.to_lowercase()).is_some())
        });
        assert!(found, "{method} {template} is not in the Swagger files");
    }
}

#[test]
fn the_checker_catches_a_wrong_answer() {
    let swagger = Swagger::load();
    let (doc, op, _) = swagger
        .operation("GET", "/rest/asset/v1/programs.json")
        .unwrap();
    let schema = &op["responses"]["200"]["schema"];
    let mut errors = Vec::new();
    let good = json!({"success": true, "errors": [], "warnings": [], "result": [
        {"id": 1, "name": "P", "type": "Default", "channel": "Webinar", "status": "",
         "folder": {"id": 2, "type": "Folder"}}]});
    validate(doc, schema, &good, "programs", &mut errors);
    assert!(errors.is_empty(), "{errors:?}");
    for bad in [
        json!({"success": true, "result": [{"id": "1", "name": "P", "type": "x", "channel": "c", "status": "", "folder": {"id": 2, "type": "Folder"}}]}),
        json!({"success": true, "result": [{"id": 1, "name": "P", "type": "x", "status": "", "folder": {"id": 2, "type": "Folder"}}]}),
        json!({"success": true, "result": {"id": 1}}),
        json!({"success": "yes"}),
    ] {
        let mut errors = Vec::new();
        validate(doc, schema, &bad, "programs", &mut errors);
        assert!(!errors.is_empty(), "{bad} passed");
    }
    // An undeclared parameter is caught too.
    let call = marketo_sim::Call {
        method: "GET".into(),
        path: "/rest/asset/v1/programs.json".into(),
        query: vec![("pageSize".into(), "10".into())],
        form: Vec::new(),
        status: 200,
        code: None,
        fault: None,
        body: None,
        authorization: true,
        counted: true,
    };
    let mut errors = Vec::new();
    check_call(&swagger, &call, &mut errors);
    assert_eq!(errors.len(), 1, "{errors:?}");
    // So is an undeclared field of a write's body.
    let call = marketo_sim::Call {
        method: "POST".into(),
        path: "/rest/asset/v1/programs.json".into(),
        query: Vec::new(),
        form: vec!["name".into(), "folder".into(), "color".into()],
        status: 200,
        code: None,
        fault: None,
        body: None,
        authorization: true,
        counted: true,
    };
    let mut errors = Vec::new();
    check_call(&swagger, &call, &mut errors);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("\"color\""), "{errors:?}");
}

/// A bearer token straight from the simulator.
fn token(sim: &Sim) -> String {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut r = agent
        .get(format!("{}/identity/oauth/token", sim.url()))
        .query("grant_type", "client_credentials")
        .query("client_id", CLIENT_ID)
        .query("client_secret", CLIENT_SECRET)
        .call()
        .unwrap();
    let v: Value = serde_json::from_slice(&r.body_mut().read_to_vec().unwrap()).unwrap();
    v["access_token"].as_str().unwrap().to_string()
}

fn get(sim: &Sim, token: &str, path: &str, query: &[(&str, &str)]) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut req = agent
        .get(format!("{}{path}", sim.url()))
        .header("Authorization", format!("Bearer {token}"));
    for (k, v) in query {
        req = req.query(*k, *v);
    }
    let mut r = req.call().unwrap();
    let _ = r.body_mut().read_to_vec();
}

/// A form-encoded POST; the answer's JSON.
fn post(sim: &Sim, token: &str, path: &str, form: &[(&str, &str)]) -> Value {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut r = agent
        .post(format!("{}{path}", sim.url()))
        .header("Authorization", format!("Bearer {token}"))
        .send_form(form.iter().copied())
        .unwrap();
    let body = r.body_mut().read_to_vec().unwrap_or_default();
    serde_json::from_slice(&body).unwrap_or(Value::Null)
}

/// A POST that must succeed; the id of its first record.
fn created(sim: &Sim, token: &str, path: &str, form: &[(&str, &str)]) -> String {
    let answer = post(sim, token, path, form);
    assert_eq!(answer["success"], true, "{path}: {answer}");
    answer["result"][0]["id"].to_string()
}

/// Every write endpoint, and the reads no pull makes, called directly
/// on an instance, in the order Marketo allows them (approved assets
/// unapproved before they are deleted): whatever mkimport's client does,
/// each answer is checked.
fn call_every_endpoint(sim: &Sim) {
    let t = token(sim);
    let ok = |path: &str, form: &[(&str, &str)]| {
        let answer = post(sim, &t, path, form);
        assert_eq!(answer["success"], true, "{path}: {answer}");
    };
    let (ds, email_ds, page_ds, form_ds, image_ds, segmentation) = sim.with_instance(|i| {
        (
            i.workspace,
            i.ds_folders["Email Template"],
            i.ds_folders["Landing Page Template"],
            i.ds_folders["Landing Page Form"],
            i.ds_folders["Image"],
            *i.segmentations.keys().next().unwrap(),
        )
    });
    let a = "/rest/asset/v1";
    let folder = |id: u64| format!("{{\"id\":{id},\"type\":\"Folder\"}}");
    let program = created(
        sim,
        &t,
        &format!("{a}/programs.json"),
        &[
            ("name", "Direct"),
            ("folder", &folder(ds)),
            ("type", "Default"),
            ("channel", "Webinar"),
        ],
    );
    let in_program = format!("{{\"id\":{program},\"type\":\"Program\"}}");
    // Design studio.
    let email_template = created(
        sim,
        &t,
        &format!("{a}/emailTemplates.json"),
        &[
            ("name", "Direct T"),
            ("folder", &folder(email_ds)),
            (
                "content",
                "<html><div class=\"mktEditable\" id=\"body\"></div></html>",
            ),
        ],
    );
    ok(
        &format!("{a}/emailTemplate/{email_template}/content.json"),
        &[(
            "content",
            "<html><div class=\"mktEditable\" id=\"body\"></div></html>",
        )],
    );
    ok(
        &format!("{a}/emailTemplate/{email_template}/approveDraft.json"),
        &[],
    );
    let page_template = created(
        sim,
        &t,
        &format!("{a}/landingPageTemplates.json"),
        &[("name", "Direct P"), ("folder", &folder(page_ds))],
    );
    ok(
        &format!("{a}/landingPageTemplate/{page_template}/content.json"),
        &[("content", "<html></html>")],
    );
    ok(
        &format!("{a}/landingPageTemplate/{page_template}/approveDraft.json"),
        &[],
    );
    let file = created(
        sim,
        &t,
        &format!("{a}/files.json"),
        &[
            ("name", "direct.png"),
            ("folder", &folder(image_ds)),
            ("file", "png"),
        ],
    );
    ok(
        &format!("{a}/file/{file}/content.json"),
        &[("file", "png2")],
    );
    // An email: sender left to the instance, then approved.
    let email = created(
        sim,
        &t,
        &format!("{a}/emails.json"),
        &[
            ("name", "Direct E"),
            ("folder", &in_program),
            ("template", &email_template),
            ("subject", "Hello"),
            ("operational", "true"),
        ],
    );
    ok(
        &format!("{a}/email/{email}/content/body.json"),
        &[("type", "Text"), ("value", "<p>Hi</p>")],
    );
    ok(
        &format!("{a}/email/{email}/content/offer.json"),
        &[
            ("type", "DynamicContent"),
            ("value", &segmentation.to_string()),
        ],
    );
    ok(&format!("{a}/email/{email}/approveDraft.json"), &[]);
    get(
        sim,
        &t,
        &format!("{a}/email/byName.json"),
        &[("name", "Direct E")],
    );
    get(sim, &t, &format!("{a}/email/{email}/content.json"), &[]);
    let dynamic = marketo_sim::records::dynamic_content_id(email.parse().unwrap(), 1);
    get(
        sim,
        &t,
        &format!("{a}/email/{email}/dynamicContent/{dynamic}.json"),
        &[],
    );
    // A form, with a rich-text row.
    let form = created(
        sim,
        &t,
        &format!("{a}/forms.json"),
        &[("name", "Direct F"), ("folder", &folder(form_ds))],
    );
    ok(&format!("{a}/form/{form}/field/FirstName/delete.json"), &[]);
    ok(
        &format!("{a}/form/{form}/richText.json"),
        &[("text", "<p>Hi</p>")],
    );
    ok(&format!("{a}/form/{form}/approveDraft.json"), &[]);
    get(sim, &t, &format!("{a}/form/{form}.json"), &[]);
    // A page showing it, with a dynamic section.
    let page = created(
        sim,
        &t,
        &format!("{a}/landingPages.json"),
        &[
            ("name", "Direct L"),
            ("folder", &in_program),
            ("template", &page_template),
        ],
    );
    ok(
        &format!("{a}/landingPage/{page}/content.json"),
        &[("contentId", "1"), ("type", "Form"), ("value", &form)],
    );
    ok(
        &format!("{a}/landingPage/{page}/content.json"),
        &[
            ("contentId", "2"),
            ("type", "DynamicContent"),
            ("value", &segmentation.to_string()),
        ],
    );
    ok(&format!("{a}/landingPage/{page}/approveDraft.json"), &[]);
    let dynamic = marketo_sim::records::dynamic_content_id(page.parse().unwrap(), 1);
    get(
        sim,
        &t,
        &format!("{a}/landingPage/{page}/dynamicContent/{dynamic}.json"),
        &[],
    );
    // A campaign, its smart list.
    let campaign = created(
        sim,
        &t,
        &format!("{a}/smartCampaigns.json"),
        &[("name", "Direct C"), ("folder", &in_program)],
    );
    get(sim, &t, &format!("{a}/smartCampaign/{campaign}.json"), &[]);
    get(
        sim,
        &t,
        &format!("{a}/smartCampaign/byName.json"),
        &[("name", "Direct C")],
    );
    let smart_list = sim.with_instance(|i| i.campaigns[&campaign.parse().unwrap()].smart_list_id);
    get(
        sim,
        &t,
        &format!("{a}/smartList/{smart_list}.json"),
        &[("includeRules", "true")],
    );
    // Lead database and usage.
    get(sim, &t, "/rest/v1/leads/describe.json", &[]);
    get(sim, &t, "/rest/v1/stats/usage.json", &[]);
    let activity = sim.with_instance(|i| i.custom_activities.first().map(|a| a.api_name.clone()));
    if let Some(api_name) = activity {
        get(
            sim,
            &t,
            &format!("/rest/v1/activities/external/type/{api_name}/describe.json"),
            &[],
        );
    }
    // Taking it all back: approved assets are unapproved first.
    ok(&format!("{a}/smartCampaign/{campaign}/delete.json"), &[]);
    ok(&format!("{a}/landingPage/{page}/unapprove.json"), &[]);
    ok(&format!("{a}/landingPage/{page}/delete.json"), &[]);
    ok(&format!("{a}/form/{form}/delete.json"), &[]);
    ok(&format!("{a}/email/{email}/unapprove.json"), &[]);
    ok(&format!("{a}/email/{email}/delete.json"), &[]);
    ok(
        &format!("{a}/emailTemplate/{email_template}/unapprove.json"),
        &[],
    );
    ok(
        &format!("{a}/emailTemplate/{email_template}/delete.json"),
        &[],
    );
    ok(
        &format!("{a}/landingPageTemplate/{page_template}/unapprove.json"),
        &[],
    );
    ok(
        &format!("{a}/landingPageTemplate/{page_template}/delete.json"),
        &[],
    );
    ok(&format!("{a}/program/{program}/delete.json"), &[]);
}

#[test]
fn the_simulators_answers_match_the_swagger_files() {
    let swagger = Swagger::load();
    let tmp = tempfile::tempdir().unwrap();
    let mut checked: BTreeSet<String> = BTreeSet::new();
    let mut errors = Vec::new();
    let mut check_all = |sim: &Sim, errors: &mut Vec<String>| {
        for call in sim.calls() {
            if call.path.starts_with("/rs/") {
                continue;
            }
            if check_call(&swagger, &call, errors) {
                if let Some((_, _, t)) = swagger.operation(&call.method, &call.path) {
                    checked.insert(format!("{} {t}", call.method));
                }
            }
        }
    };

    // What mkimport asks while pulling both fixtures and a built instance,
    // faults and all.
    for (fixture, out) in [("sandbox", "a"), ("production", "b")] {
        let sim = fixture_sim(fixture, "412-ACM-981");
        sim.inject(Fault::code("604").on("/rest/asset/v1/emails.json"));
        sim.inject(Fault::code("606").on("/rest/asset/v1/files.json"));
        sim.inject(Fault::new(FaultKind::ExpireToken).on("/rest/asset/v1/channels.json"));
        pull(&sim, &tmp.path().join(out), &["--json"]).expect(0);
        check_all(&sim, &mut errors);
    }
    let sim = start(small_instance());
    pull(&sim, &tmp.path().join("c"), &["--json"]).expect(0);

    // The endpoints the client does not use.
    let t = token(&sim);
    let (program, email, folder, segmentation) = sim.with_instance(|i| {
        (
            *i.programs.keys().next().unwrap(),
            *i.emails.keys().next().unwrap(),
            i.workspace,
            *i.segmentations.keys().next().unwrap(),
        )
    });
    let (p, e, f, s) = (
        program.to_string(),
        email.to_string(),
        folder.to_string(),
        segmentation.to_string(),
    );
    get(&sim, &t, &format!("/rest/asset/v1/program/{p}.json"), &[]);
    get(
        &sim,
        &t,
        "/rest/asset/v1/program/byName.json",
        &[("name", "Spring Webinar"), ("includeTags", "true")],
    );
    get(
        &sim,
        &t,
        &format!("/rest/asset/v1/folder/{f}.json"),
        &[("type", "Folder")],
    );
    get(
        &sim,
        &t,
        &format!("/rest/asset/v1/folder/{p}.json"),
        &[("type", "Program")],
    );
    get(&sim, &t, &format!("/rest/asset/v1/email/{e}.json"), &[]);
    get(
        &sim,
        &t,
        &format!("/rest/asset/v1/segmentation/{s}/segments.json"),
        &[],
    );
    get(
        &sim,
        &t,
        "/rest/asset/v1/programs.json",
        &[("maxReturn", "500")],
    );
    check_all(&sim, &mut errors);

    // What a run writes into an instance, a failed program's rollback and
    // an undo: every write endpoint.
    let sim = fixture_sim("production", "412-PRD-001");
    let state = tmp.path().join("state");
    let target = live_target(&sim);
    let sandbox = root().join("fixtures/sandbox");
    let sandbox = sandbox.to_str().unwrap();
    // The summit fails at its second campaign: what it created is deleted.
    // (The exit codes of these runs are the business of the tests of
    // `run`; here only the calls and their answers count.)
    sim.inject(
        Fault::code("709")
            .on("/rest/asset/v1/smartCampaigns.json")
            .after(1),
    );
    let run = live(
        &sim,
        &state,
        &[
            "run",
            "--from",
            sandbox,
            "--to",
            &target,
            "--json",
            "--yes",
            "--program",
            "2026 APAC Growth Summit",
        ],
    );
    assert!(run.code == 1 || run.code == 0, "{}", run.stderr);
    // The webinar and the newsletter overwrite what they reuse.
    let run = live(
        &sim,
        &state,
        &[
            "run",
            "--from",
            sandbox,
            "--to",
            &target,
            "--json",
            "--yes",
            "--program",
            "2026 Q3 Webinar - Scaling Marketing Ops",
            "--program",
            "2026-07 Monthly Newsletter",
            "--rule",
            "image=overwrite",
            "--rule",
            "email-template=overwrite",
            "--rule",
            "form=overwrite",
        ],
    );
    if let Some(id) = run.json()["import_id"].as_str() {
        live(
            &sim,
            &state,
            &["undo", id, "--to", &target, "--yes", "--json"],
        );
    }
    // The direct calls follow each other as fast as the simulator answers:
    // they check shapes, not the limits (mkimport's client keeps to those).
    sim.configure(|c| c.calls_per_window = 100_000);
    call_every_endpoint(&sim);
    // What no run here needs: deleting a token.
    let t = token(&sim);
    let folder = sim.with_instance(|i| *i.folders.keys().last().unwrap());
    let form = [
        ("folderType", "Folder"),
        ("name", "T"),
        ("type", "text"),
        ("value", "v"),
    ];
    post(
        &sim,
        &t,
        &format!("/rest/asset/v1/folder/{folder}/tokens.json"),
        &form,
    );
    post(
        &sim,
        &t,
        &format!("/rest/asset/v1/folder/{folder}/tokens/delete.json"),
        &form[..3],
    );
    check_all(&sim, &mut errors);

    assert!(
        errors.is_empty(),
        "{} problems:\n{}",
        errors.len(),
        errors.join("\n")
    );
    // Every endpoint served was checked against a schema at least once.
    let mut unchecked = Vec::new();
    for (method, template) in marketo_sim::routes::ROUTES {
        if *template == "/identity/oauth/token" && *method == "POST" {
            continue;
        }
        if !checked.contains(&format!("{method} {template}")) {
            unchecked.push(*template);
        }
    }
    assert!(unchecked.is_empty(), "never checked: {unchecked:?}");
}
