//! `mkimport pull` against the Marketo simulator: what a user sees (exit
//! code, the JSON summary, the files written), for the shipped fixtures'
//! instances and for instances built in Rust.

mod marketo_support;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;

use serde_json::Value;

use marketo_support::*;

fn names(v: &Value) -> BTreeSet<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn by_name(list: &Value) -> BTreeMap<String, Value> {
    list.as_array()
        .into_iter()
        .flatten()
        .map(|v| (v["name"].as_str().unwrap_or("").to_string(), v.clone()))
        .collect()
}

/// The email record the simulator's email list answered with, from its
/// call log.
fn email_record(sim: &Sim, name: &str) -> Value {
    sim.calls()
        .iter()
        .filter(|c| c.path == "/rest/asset/v1/emails.json" && c.status == 200)
        .filter_map(|c| c.body.as_ref())
        .filter_map(|b| serde_json::from_slice::<Value>(b).ok())
        .flat_map(|v| v["result"].as_array().cloned().unwrap_or_default())
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("the simulator listed no email \"{name}\""))
}

/// What a pull should record of an email record's settings, as
/// `[from_name, from_email, reply_email, operational]` (null: left out).
fn settings(record: &Value) -> [Value; 4] {
    let text = |v: &Value| match v {
        Value::String(s) if !s.is_empty() => Value::String(s.clone()),
        Value::Object(m) if m["type"] == "Text" => match &m["value"] {
            Value::String(s) if !s.is_empty() => Value::String(s.clone()),
            _ => Value::Null,
        },
        _ => Value::Null,
    };
    [
        text(&record["fromName"]),
        text(&record["fromEmail"]),
        text(&record["replyEmail"]),
        match &record["operational"] {
            Value::Bool(b) => Value::Bool(*b),
            _ => Value::Null,
        },
    ]
}

/// Pulling the instance that holds the sandbox fixture gives back the
/// sandbox: schema, design studio, folders with their tokens, and every
/// program with what the API can read.
#[test]
fn pulling_the_sandbox_instance_gives_back_the_sandbox() {
    let sim = fixture_sim("sandbox", "412-ACM-981");
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("sandbox");
    let run = pull(&sim, &out, &["--json", "--name", "Acme Sandbox"]);
    run.expect(0);
    let summary = run.json();
    assert_limits_kept(&sim);

    // `calls` is every call the instance saw (file downloads are not API
    // calls and are counted apart).
    let log = sim.calls();
    let api_calls = log.iter().filter(|c| !c.path.starts_with("/rs/")).count() as u64;
    assert_eq!(summary["calls"], api_calls, "{summary}");
    assert_eq!(summary["token_calls"], 1);
    assert_eq!(
        summary["downloads"],
        log.iter().filter(|c| c.path.starts_with("/rs/")).count() as u64
    );
    assert_eq!(summary["programs"], 6);
    assert_eq!(summary["changed"], true);
    assert_eq!(summary["mode"], "pull");

    let fixture = root().join("fixtures/sandbox");
    let sub = read_json(&out.join("subscription.json"));
    let original = read_json(&fixture.join("subscription.json"));
    assert_eq!(sub["format"], 1);
    assert_eq!(sub["name"], "Acme Sandbox");
    assert_eq!(sub["pulled_from"]["instance"], sim.url());
    let at = sub["pulled_from"]["at"].as_str().unwrap();
    assert!(
        at.len() == 20 && at.ends_with('Z') && at.as_bytes()[10] == b'T',
        "{at}"
    );
    // Fields: display name, API name and type.
    let fields = by_name(&sub["fields"]);
    for f in original["fields"].as_array().unwrap() {
        let name = f["name"].as_str().unwrap();
        assert_eq!(fields[name]["type"], f["type"], "{name}");
        assert!(fields[name]["api_name"].is_string(), "{name}");
    }
    assert_eq!(fields.len(), original["fields"].as_array().unwrap().len());
    assert_eq!(
        names(&sub["segmentations"]),
        names(&original["segmentations"])
    );
    assert_eq!(
        names(&sub["custom_objects"]),
        names(&original["custom_objects"])
    );
    let channels = by_name(&sub["channels"]);
    for c in original["channels"].as_array().unwrap() {
        assert_eq!(
            channels[c["name"].as_str().unwrap()]["statuses"],
            c["statuses"]
        );
    }
    for (t, values) in original["tags"].as_object().unwrap() {
        assert_eq!(names(&sub["tags"][t]), names(values), "{t}");
    }
    // What the API cannot read is not declared (not declared empty).
    for key in ["webhooks", "users", "roles", "connected", "crm", "services"] {
        assert!(sub.get(key).is_none(), "{key} is declared");
    }
    for key in ["webhooks", "users", "roles", "connected"] {
        assert!(
            summary["undeclared"]
                .as_array()
                .unwrap()
                .iter()
                .any(|k| k == key),
            "{key}"
        );
    }

    // Design studio: the same documents (compared as the planner does,
    // by content) and the same image bytes.
    for kind in [
        "email-templates",
        "landing-page-templates",
        "snippets",
        "forms",
    ] {
        let load = |dir: &std::path::Path| -> BTreeMap<String, Value> {
            fs::read_dir(dir.join("design-studio").join(kind))
                .unwrap()
                .map(|e| {
                    let v = read_json(&e.unwrap().path());
                    (v["name"].as_str().unwrap().to_string(), v)
                })
                .collect()
        };
        assert_eq!(load(&out), load(&fixture), "{kind}");
    }
    for entry in fs::read_dir(fixture.join("design-studio/images")).unwrap() {
        let entry = entry.unwrap();
        let pulled = fs::read(out.join("design-studio/images").join(entry.file_name())).unwrap();
        assert_eq!(pulled, fs::read(entry.path()).unwrap());
    }

    // Folders keep their own tokens.
    for rel in ["Webinars", "Webinars/2026"] {
        let pulled = read_json(
            &out.join("marketing-activities")
                .join(rel)
                .join("folder.json"),
        );
        let original = read_json(
            &fixture
                .join("marketing-activities")
                .join(rel)
                .join("folder.json"),
        );
        assert_eq!(
            by_name(&pulled["tokens"]),
            by_name(&original["tokens"]),
            "{rel}"
        );
    }

    // Programs.
    let pulled = programs(&out);
    let original = programs(&fixture);
    assert_eq!(
        pulled.keys().collect::<Vec<_>>(),
        original.keys().collect::<Vec<_>>()
    );
    for (name, (rel, p)) in &pulled {
        let (orig_rel, o) = &original[name];
        assert_eq!(rel, orig_rel, "{name} is not where it was");
        for key in ["name", "type", "channel", "description", "folder", "tags"] {
            assert_eq!(
                p["program"][key], o["program"][key],
                "{name}: program.{key}"
            );
        }
        let own_tokens: BTreeMap<String, Value> = by_name(&o["tokens"])
            .into_iter()
            .filter(|(_, t)| t.get("inherited_from").is_none())
            .collect();
        assert_eq!(by_name(&p["tokens"]), own_tokens, "{name}: tokens");
        let emails = by_name(&p["emails"]);
        for (e_name, e) in by_name(&o["emails"]) {
            let got = &emails[&e_name];
            for key in ["template", "subject", "html", "dynamic_content"] {
                assert_eq!(got[key], e[key], "{name}/{e_name}: {key}");
            }
            for key in ["snippets", "segmentations"] {
                assert_eq!(names(&got[key]), names(&e[key]), "{name}/{e_name}: {key}");
            }
            assert!(names(&got["images"]).is_superset(&names(&e["images"])));
        }
        assert_eq!(emails.len(), o["emails"].as_array().unwrap().len());
        let pages = by_name(&p["landing_pages"]);
        for (l_name, l) in by_name(&o["landing_pages"]) {
            let got = &pages[&l_name];
            for key in ["template", "html"] {
                assert_eq!(got[key], l[key], "{name}/{l_name}: {key}");
            }
            assert_eq!(names(&got["forms"]), names(&l["forms"]), "{name}/{l_name}");
            assert!(names(&got["images"]).is_superset(&names(&l["images"])));
        }
        // Local forms: the same fields; the status the instance gives.
        let forms = by_name(&p["forms"]);
        assert_eq!(forms.len(), o["forms"].as_array().unwrap().len(), "{name}");
        for (f_name, f) in by_name(&o["forms"]) {
            assert_eq!(forms[&f_name]["fields"], f["fields"], "{name}/{f_name}");
            let held = sim.with_instance(|i| {
                let f = i.forms.values().find(|x| x.name == f_name).unwrap();
                f.status
            });
            let expected = if held.is_approved() {
                "approved"
            } else {
                "draft"
            };
            assert_eq!(forms[&f_name]["status"], expected, "{name}/{f_name}");
        }
        let campaigns = by_name(&p["smart_campaigns"]);
        for (c_name, c) in by_name(&o["smart_campaigns"]) {
            let got = &campaigns[&c_name];
            for key in ["type", "active", "triggers"] {
                assert_eq!(got[key], c[key], "{name}/{c_name}: {key}");
            }
            if c["type"] == "batch" {
                assert_eq!(got["schedule"], c["schedule"], "{name}/{c_name}");
            }
            assert_eq!(
                names(&got["fields"]),
                names(&c["fields"]),
                "{name}/{c_name}"
            );
            assert_eq!(
                names(&got["custom_objects"]),
                names(&c["custom_objects"]),
                "{name}/{c_name}"
            );
            // The flow cannot be read: its keys are not declared.
            for key in ["emails", "webhooks"] {
                assert!(got.get(key).is_none(), "{name}/{c_name}: {key} declared");
            }
        }
        // The fields the campaigns use are required with the source's type.
        for f in o["requires"]["fields"].as_array().unwrap() {
            let required = by_name(&p["requires"]["fields"]);
            assert_eq!(
                required[f["name"].as_str().unwrap()]["type"],
                f["type"],
                "{name}"
            );
        }
    }
}

/// The two fixture instances, pulled, compare like the fixtures do: the
/// same programs are blocked for the same reasons. The problems that need
/// a campaign's flow or its lists (which the API cannot read: flow steps,
/// self-service steps, lists and programs named by the smart list) are the
/// only difference.
#[test]
fn the_pulled_sandbox_previews_against_the_pulled_production() {
    const NEEDS_THE_FLOW: [&str; 4] = [
        "dangling-reference",
        "crm-flow-step",
        "missing-service",
        "outside-reference",
    ];
    let sandbox_sim = fixture_sim("sandbox", "412-ACM-981");
    let production_sim = fixture_sim("production", "412-ACM-982");
    let tmp = tempfile::tempdir().unwrap();
    let sandbox = tmp.path().join("sandbox");
    let production = tmp.path().join("production");
    pull(&sandbox_sim, &sandbox, &["--json"]).expect(0);
    pull(&production_sim, &production, &["--json"]).expect(0);

    let pulled = mkimport(&[
        "preview",
        "--from",
        sandbox.to_str().unwrap(),
        "--to",
        production.to_str().unwrap(),
        "--json",
    ]);
    pulled.expect(3);
    let fixture = mkimport(&[
        "preview",
        "--from",
        root().join("fixtures/sandbox").to_str().unwrap(),
        "--to",
        root().join("fixtures/production").to_str().unwrap(),
        "--json",
    ]);
    fixture.expect(3);
    let (pulled, fixture) = (pulled.json(), fixture.json());
    let outcome = |report: &Value| -> BTreeMap<String, (String, BTreeSet<String>)> {
        report["programs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                let errors = p["problems"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|x| x["severity"] == "error")
                    .map(|x| x["code"].as_str().unwrap().to_string())
                    .filter(|code| !NEEDS_THE_FLOW.contains(&code.as_str()))
                    .collect();
                (
                    p["name"].as_str().unwrap().to_string(),
                    (p["status"].as_str().unwrap().to_string(), errors),
                )
            })
            .collect()
    };
    assert_eq!(outcome(&pulled), outcome(&fixture));
    assert_eq!(pulled["summary"]["blocked"], 3);
    assert_eq!(pulled["summary"]["ok"], 3);
    // Warnings: the same, but those that need the flow.
    let warnings = |report: &Value| -> BTreeSet<(String, String)> {
        report["programs"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|p| {
                let name = p["name"].as_str().unwrap().to_string();
                p["problems"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|x| x["severity"] == "warning")
                    .map(move |x| (name.clone(), x["code"].as_str().unwrap().to_string()))
                    .collect::<Vec<_>>()
            })
            .collect()
    };
    let expected: BTreeSet<(String, String)> = warnings(&fixture)
        .into_iter()
        .filter(|(_, code)| !NEEDS_THE_FLOW.contains(&code.as_str()))
        .collect();
    assert_eq!(warnings(&pulled), expected);
    // The assets: the same actions on the same names.
    let assets = |report: &Value| -> BTreeSet<(String, String, String)> {
        report["programs"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|p| p["assets"].as_array().unwrap().clone())
            .filter(|a| a["kind"] != "image")
            .map(|a| {
                (
                    a["kind"].as_str().unwrap().to_string(),
                    a["name"].as_str().unwrap().to_string(),
                    a["action"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    assert_eq!(assets(&pulled), assets(&fixture));
}

/// Pulling an unchanged instance again rewrites no file (same bytes, same
/// times, same inodes), fetches no content, and keeps `pulled_from.at`.
#[test]
fn the_summary_for_a_person_fits_80_columns() {
    let sim = fixture_sim("production", "111-AAA-222");
    let tmp = tempfile::tempdir().unwrap();
    let run = pull(
        &sim,
        &tmp.path().join("out"),
        &["--name", "Acme Production"],
    );
    run.expect(0);
    assert!(run.stdout.contains("API calls"), "{}", run.stdout);
    assert!(
        run.stdout.lines().all(|l| l.chars().count() <= 80),
        "{}",
        run.stdout
    );
}

#[test]
fn re_pulling_an_unchanged_instance_rewrites_nothing() {
    let sim = fixture_sim("sandbox", "412-ACM-981");
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("snap");
    let first = pull(&sim, &out, &["--json"]);
    first.expect(0);
    let first = first.json();
    let before = tree(&out);
    std::thread::sleep(std::time::Duration::from_millis(20));

    sim.reset_counters();
    let second = pull(&sim, &out, &["--json"]);
    second.expect(0);
    let second = second.json();
    assert_eq!(second["changed"], false);
    assert_eq!(second["content_calls"], 0);
    assert_eq!(second["downloads"], 0);
    assert_eq!(second["at"], first["at"]);
    assert_eq!(second["calls"], second["list_calls"].as_u64().unwrap() + 1);
    assert!(second["reused"].as_u64().unwrap() > 50);
    let after = tree(&out);
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>()
    );
    for (rel, (bytes, mtime, inode)) in &before {
        let (b, m, i) = &after[rel];
        assert!(
            b == bytes && m == mtime && i == inode,
            "{rel} was rewritten"
        );
    }
    // Nothing is left beside the snapshot.
    let beside: Vec<_> = fs::read_dir(tmp.path()).unwrap().flatten().collect();
    assert_eq!(beside.len(), 1);
    assert_limits_kept(&sim);
}

/// A re-pull after a change fetches the changed asset only, writes only
/// what differs, and moves `pulled_from.at`.
#[test]
fn re_pulling_fetches_and_writes_only_what_changed() {
    let sim = start(small_instance());
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("snap");
    let first = pull(&sim, &out, &["--json"]);
    first.expect(0);
    let first = first.json();
    let before = tree(&out);

    std::thread::sleep(std::time::Duration::from_millis(1100));
    sim.with_instance(|i| {
        let id = *i.emails.keys().next().unwrap();
        let email = i.emails.get_mut(&id).unwrap();
        email.sections[0].value = serde_json::json!("<p>New body {{my.Title}}</p>");
        i.touch(id);
        let file = *i.files.keys().next().unwrap();
        i.files.get_mut(&file).unwrap().bytes = b"\x89PNG new hero".to_vec();
        i.touch(file);
    });
    sim.reset_counters();
    let second = pull(&sim, &out, &["--json"]);
    second.expect(0);
    let second = second.json();
    assert_eq!(second["changed"], true);
    assert_eq!(second["content_calls"], 1, "{second}");
    assert_eq!(second["downloads"], 1);
    assert_ne!(second["at"], first["at"]);
    let after = tree(&out);
    let changed: BTreeSet<&str> = after
        .iter()
        .filter(|(rel, (bytes, _, inode))| {
            before
                .get(*rel)
                .is_none_or(|(b, _, i)| b != bytes || i != inode)
        })
        .map(|(rel, _)| rel.as_str())
        .collect();
    let program = "marketing-activities/Webinars/2026/Spring Webinar/program.json";
    let expected: BTreeSet<&str> = [
        program,
        "design-studio/images/hero.png",
        "subscription.json",
        ".mkimport/marketo/state.json",
        ".mkimport/marketo/cache/design-studio.json",
    ]
    .into_iter()
    .collect();
    let cache_files: BTreeSet<&str> = changed
        .iter()
        .copied()
        .filter(|r| r.starts_with(".mkimport/marketo/cache/programs/"))
        .collect();
    assert_eq!(cache_files.len(), 1);
    let changed: BTreeSet<&str> = changed.difference(&cache_files).copied().collect();
    assert_eq!(changed, expected);
    let p = read_json(&out.join(program));
    assert_eq!(p["emails"][0]["html"], "<p>New body {{my.Title}}</p>");
    assert_eq!(
        fs::read(out.join("design-studio/images/hero.png")).unwrap(),
        b"\x89PNG new hero"
    );
}

/// What a small instance built in Rust becomes, key by key.
#[test]
fn an_instance_maps_to_the_format() {
    let mut instance = small_instance();
    // Statuses as real instances spell them.
    for e in instance.emails.values_mut() {
        e.status = marketo_sim::Status::Draft;
    }
    for l in instance.landing_pages.values_mut() {
        l.status = marketo_sim::Status::ApprovedWithDraft;
    }
    for f in instance.forms.values_mut() {
        if f.name == "Survey" {
            f.status = marketo_sim::Status::Draft;
        }
    }
    // An email added without a sender has none (Marketo answers `null`):
    // this one has a From name and address, no Reply-To.
    let invite = *instance.emails.keys().next().unwrap();
    let sender = marketo_sim::Sender {
        from_name: Some("Acme Events".into()),
        from_email: Some("events@acme.example".into()),
        reply_email: None,
    };
    instance.set_email_sender(invite, sender, true);
    let sim = start(instance);
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("snap");
    pull(&sim, &out, &["--json"]).expect(0);
    let sub = read_json(&out.join("subscription.json"));
    assert_eq!(
        sub["name"],
        "Marketo 127.0.0.1:".to_string() + &sim.port().to_string()
    );
    assert_eq!(
        sub["fields"][0],
        serde_json::json!({"name": "Email Address", "api_name": "email", "type": "email"})
    );
    assert_eq!(sub["tags"], serde_json::json!({"Region": ["AMER", "EMEA"]}));
    assert_eq!(sub["custom_objects"], serde_json::json!(["Subscription"]));
    let folder = read_json(&out.join("marketing-activities/Webinars/folder.json"));
    assert_eq!(
        folder,
        serde_json::json!({"tokens": [{"name": "my.Company", "type": "text", "value": "Acme"}]})
    );
    // The inner folder and the program inherit "Company"; it is not theirs.
    let inner = read_json(&out.join("marketing-activities/Webinars/2026/folder.json"));
    assert_eq!(inner, serde_json::json!({"tokens": []}));
    let p = read_json(&out.join("marketing-activities/Webinars/2026/Spring Webinar/program.json"));
    assert_eq!(
        p["program"],
        serde_json::json!({"name": "Spring Webinar", "type": "event", "channel": "Webinar",
                           "folder": "Webinars/2026", "tags": {"Region": "EMEA"}})
    );
    assert_eq!(
        p["tokens"],
        serde_json::json!([{"name": "my.Title", "type": "text", "value": "Spring"}])
    );
    let email = &p["emails"][0];
    assert_eq!(email["template"], "Std Email");
    assert_eq!(email["subject"], "Join {{my.Title}}");
    assert_eq!(email["images"], serde_json::json!(["hero.png"]));
    assert_eq!(email["snippets"], serde_json::json!(["Footer"]));
    assert_eq!(email["status"], "draft");
    // The email's settings are what the instance's email list says.
    assert_eq!(
        settings(&email_record(&sim, "Invite")),
        [
            &email["from_name"],
            &email["from_email"],
            &email["reply_email"],
            &email["operational"]
        ]
        .map(Value::clone)
    );
    assert_eq!(email["from_name"], "Acme Events", "{email}");
    assert_eq!(email["from_email"], "events@acme.example", "{email}");
    assert!(email.get("reply_email").is_none(), "{email}");
    assert_eq!(email["operational"], true, "{email}");
    let page = &p["landing_pages"][0];
    assert_eq!(page["status"], "approved");
    assert_eq!(page["forms"], serde_json::json!(["Contact Us", "Survey"]));
    assert_eq!(page["html"], "<h1>Register</h1>");
    assert_eq!(
        p["forms"],
        serde_json::json!([{"name": "Survey", "fields": ["Email Address", "Lead Score"],
                            "status": "draft"}])
    );
    let campaigns = by_name(&p["smart_campaigns"]);
    assert_eq!(
        campaigns["Send Invite"],
        serde_json::json!({"name": "Send Invite", "type": "batch", "active": false,
                           "schedule": "2026-05-01T09:00:00Z", "triggers": [],
                           "filters": ["Lead Score", "Has Subscription"],
                           "fields": ["Lead Score"], "custom_objects": ["Subscription"],
                           "custom_activities": []})
    );
    assert_eq!(
        campaigns["Registered"]["triggers"],
        serde_json::json!(["Fills Out Form"])
    );
    assert_eq!(
        p["requires"]["fields"],
        serde_json::json!([
            {"name": "Email Address", "api_name": "email", "type": "email"},
            {"name": "Lead Score", "api_name": "leadScore", "type": "score"}
        ])
    );
    let global = read_json(&out.join("design-studio/forms/Contact Us.json"));
    assert_eq!(
        global,
        serde_json::json!({"name": "Contact Us", "fields": ["Email Address"]})
    );
    // Design-studio JSON holds nothing but the format's keys.
    let template = read_json(&out.join("design-studio/email-templates/Std Email.json"));
    assert_eq!(
        template,
        serde_json::json!({"name": "Std Email", "html": "<html>{{my.Title}}</html>"})
    );
    // The output is deterministic: a second pull into a new directory is
    // byte-identical, but for the time of `pulled_from.at`.
    let again = tmp.path().join("again");
    pull(&sim, &again, &["--json"]).expect(0);
    let (a, b) = (tree(&out), tree(&again));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (rel, (bytes, _, _)) in &a {
        if rel == "subscription.json" || rel == ".mkimport/marketo/state.json" {
            continue;
        }
        assert_eq!(Some(bytes), b.get(rel).map(|x| &x.0), "{rel}");
    }
}

/// Lists longer than a page are read to the end, 200 records a page.
#[test]
fn lists_are_read_page_by_page_to_the_end() {
    let mut i = Instance::new("333-CCC-444");
    i.add_channel("Webinar", &["Invited"]);
    let template = i.add_email_template("T", "<html></html>");
    let folder = i.add_folder("Big");
    for n in 0..450 {
        let p = i.add_program(
            Parent::Folder(folder),
            &format!("Program {n:03}"),
            "Default",
            "Webinar",
        );
        i.add_email(
            p,
            "Mail",
            Some(template),
            "s",
            vec![Section::new(
                "b",
                "Text",
                serde_json::json!(format!("<p>{n}</p>")),
            )],
        );
    }
    let sim = start(i);
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("snap");
    let run = pull(&sim, &out, &["--json"]);
    run.expect(0);
    assert_eq!(run.json()["programs"], 450);
    assert_eq!(programs(&out).len(), 450);
    let p = read_json(&out.join("marketing-activities/Big/Program 449/program.json"));
    assert_eq!(p["emails"][0]["html"], "<p>449</p>");
    // (The log is in the order answers were written, which two threads of
    // the simulator can swap.)
    let offsets = |path: &str| -> Vec<u64> {
        let mut v: Vec<u64> = sim
            .calls()
            .iter()
            .filter(|c| c.path == path && c.status == 200)
            .map(|c| {
                let q: BTreeMap<_, _> = c.query.iter().cloned().collect();
                assert_eq!(q.get("maxReturn").map(String::as_str), Some("200"));
                q.get("offset").and_then(|o| o.parse().ok()).unwrap()
            })
            .collect();
        v.sort();
        v
    };
    assert_eq!(offsets("/rest/asset/v1/programs.json"), [0, 200, 400]);
    assert_eq!(offsets("/rest/asset/v1/emails.json"), [0, 200, 400]);
    assert_limits_kept(&sim);
}

/// `--program` pulls only the named programs (folders, schema and design
/// studio whole); an unknown name is a usage error with a suggestion.
#[test]
fn program_selection() {
    let sim = fixture_sim("sandbox", "412-ACM-981");
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("snap");
    let run = pull(
        &sim,
        &out,
        &["--json", "--program", "2026 apac growth summit"],
    );
    run.expect(0);
    assert_eq!(run.json()["programs"], 1);
    let pulled = programs(&out);
    assert_eq!(
        pulled.keys().collect::<Vec<_>>(),
        ["2026 APAC Growth Summit"]
    );
    assert!(out
        .join("marketing-activities/Webinars/2026/folder.json")
        .is_file());

    let other = tmp.path().join("other");
    let run = pull(&sim, &other, &["--program", "2026 APAC Growth Sumit"]);
    run.expect(2);
    assert!(
        run.stderr
            .contains("did you mean \"2026 APAC Growth Summit\""),
        "{}",
        run.stderr
    );
    assert!(!other.exists());
    // A part of a long name, in another case.
    let run = pull(&sim, &other, &["--program", "webinar"]);
    run.expect(2);
    assert!(
        run.stderr.contains(
            "the instance has no program named \"webinar\" (did you mean \"2026 Q3 Webinar - Scaling Marketing Ops\"?)"
        ),
        "{}",
        run.stderr
    );
    assert!(!other.exists());
}

/// Pulling some programs (`--program`) into DIR that holds an earlier
/// pull of the same instance keeps the earlier pull's other programs as
/// they were (files and cache), and says so; a program gone from the
/// instance leaves DIR, said too.
#[test]
fn pulling_some_programs_keeps_the_others() {
    let sim = fixture_sim("sandbox", "412-ACM-981");
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("snap");
    let full = pull(&sim, &out, &["--json"]);
    full.expect(0);
    assert_eq!(full.json()["kept_programs"], serde_json::json!([]));
    assert_eq!(full.json()["removed_programs"], serde_json::json!([]));
    let before = tree(&out);

    // In the instance since: one program deleted, the selected one changed.
    let summit = "2026 APAC Growth Summit";
    let gone = "2025 Customer Roundtable";
    std::thread::sleep(std::time::Duration::from_millis(1100));
    sim.with_instance(|i| {
        let id = i.program_named(gone).unwrap();
        i.delete_program(id).unwrap();
        let summit = i.program_named(summit).unwrap();
        i.program_mut(summit).unwrap().description = "Changed".into();
        i.touch(summit);
    });
    let run = pull(&sim, &out, &["--json", "--program", summit]);
    run.expect(0);
    let summary = run.json();
    assert_eq!(summary["programs"], 1);
    assert_eq!(summary["changed"], true);
    let kept = [
        "2026 Q3 Webinar - Scaling Marketing Ops",
        "2026 State of Marketing Ops Report",
        "2026 Trial Conversion Nurture",
        "2026-07 Monthly Newsletter",
    ];
    assert_eq!(
        summary["kept_programs"],
        serde_json::json!(kept),
        "{summary}"
    );
    assert_eq!(summary["removed_programs"], serde_json::json!([gone]));

    let after = tree(&out);
    let pulled = programs(&out);
    let mut names_now: Vec<&str> = pulled.keys().map(String::as_str).collect();
    names_now.sort();
    let mut expected: Vec<&str> = kept.to_vec();
    expected.push(summit);
    expected.sort();
    assert_eq!(names_now, expected);
    // The kept ones are the earlier files themselves, with their cache.
    for name in kept {
        let rel = &pulled[name].0;
        let (bytes, _, inode) = &before[rel];
        assert_eq!(&after[rel].0, bytes, "{rel}");
        assert_eq!(&after[rel].2, inode, "{rel} was rewritten");
        let id = sim.with_instance(|i| i.program_named(name).unwrap());
        let cache = format!(".mkimport/marketo/cache/programs/{id}.json");
        assert_eq!(after[&cache].0, before[&cache].0, "{cache}");
    }
    assert_eq!(pulled[summit].1["program"]["description"], "Changed");
    assert!(
        !after.keys().any(|rel| rel.contains(gone)),
        "{gone} is still there"
    );

    // A person is told too; pulling the same again keeps them again.
    let run = pull(&sim, &out, &["--program", summit]);
    run.expect(0);
    assert!(
        run.stdout.contains("1 program,") && run.stdout.contains("Kept as the earlier pull"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("\"2026-07 Monthly Newsletter\""),
        "{}",
        run.stdout
    );
    assert_eq!(programs(&out).len(), 5);
}

/// Whether the instance's token lists include inherited tokens or not, the
/// snapshot records each token where it is defined.
#[test]
fn inherited_tokens_are_recorded_where_they_are_defined_either_way() {
    let tmp = tempfile::tempdir().unwrap();
    let mut trees = Vec::new();
    for inherited in [true, false] {
        let instance =
            Instance::from_subscription(&root().join("fixtures/sandbox"), "412-ACM-981").unwrap();
        let mut config = config();
        config.tokens_include_inherited = inherited;
        let sim = Sim::start(instance, config).unwrap();
        let out = tmp.path().join(format!("snap-{inherited}"));
        pull(&sim, &out, &["--json"]).expect(0);
        let mut t = tree(&out);
        t.retain(|rel, _| !rel.starts_with(".mkimport") && rel != "subscription.json");
        trees.push(
            t.into_iter()
                .map(|(k, v)| (k, v.0))
                .collect::<BTreeMap<_, _>>(),
        );
    }
    assert_eq!(trees[0], trees[1]);
}

/// On a terminal, standard error shows the calls made and an estimate of
/// the time left at the rate limit; with `--json` it shows nothing and
/// standard output holds only the JSON summary.
#[test]
fn a_terminal_shows_progress_and_json_does_not() {
    use rexpect::session::spawn_command;
    let sim = fixture_sim("sandbox", "412-ACM-981");
    sim.configure(|c| c.latency = std::time::Duration::from_millis(100));
    let tmp = tempfile::tempdir().unwrap();
    let command = |out: &std::path::Path, json: bool| {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_mkimport"));
        c.args(["pull", "--instance", &sim.url(), "--out"])
            .arg(out)
            .env("MARKETO_CLIENT_ID", CLIENT_ID)
            .env("MARKETO_CLIENT_SECRET", CLIENT_SECRET)
            .env("MKIMPORT_MARKETO_LIMITS", knob(&sim.config()));
        if json {
            c.arg("--json");
        }
        c
    };
    let mut p = spawn_command(command(&tmp.path().join("a"), false), Some(30_000)).unwrap();
    p.exp_regex(r"pulling: \d+ of about \d+ calls, about \d+s left at the rate limit")
        .unwrap();
    p.exp_regex(r"Pulled http://127\.0\.0\.1:\d+ into .*: 6 programs")
        .unwrap();
    p.exp_eof().unwrap();

    let mut p = spawn_command(command(&tmp.path().join("b"), true), Some(30_000)).unwrap();
    let output = p.exp_eof().unwrap();
    assert!(!output.contains("pulling:"), "{output}");
    let summary: Value = serde_json::from_str(output.trim()).unwrap();
    assert_eq!(summary["programs"], 6);
}

/// A token that runs out during a long pull is renewed (before it expires,
/// or on the 602 that says it has).
#[test]
fn tokens_are_renewed_when_they_expire() {
    let instance =
        Instance::from_subscription(&root().join("fixtures/sandbox"), "412-ACM-981").unwrap();
    let mut config = config();
    config.token_ttl = std::time::Duration::from_secs(1);
    // About 100 calls, 10 at a time: well over a second.
    config.latency = std::time::Duration::from_millis(150);
    let sim = Sim::start(instance, config).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let run = pull(&sim, &tmp.path().join("a"), &["--json"]);
    run.expect(0);
    let summary = run.json();
    assert!(summary["token_calls"].as_u64().unwrap() >= 2, "{summary}");
    assert_eq!(
        sim.stats().token_calls,
        summary["token_calls"].as_u64().unwrap()
    );
}

/// Content the instance refuses to give (709: predictive content, say)
/// leaves that asset's content undeclared, with a warning; the pull goes
/// on.
#[test]
fn content_the_instance_refuses_is_left_out_with_a_warning() {
    let sim = start(small_instance());
    sim.inject(Fault::code("709").on("/rest/asset/v1/email/"));
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("a");
    let run = pull(&sim, &out, &["--json"]);
    run.expect(0);
    let summary = run.json();
    let warnings = summary["warnings"].as_array().unwrap();
    assert!(
        warnings
            .iter()
            .any(|w| w.as_str().unwrap().contains("email \"Invite\"")
                && w.as_str().unwrap().contains("709")),
        "{summary}"
    );
    let p = read_json(&out.join("marketing-activities/Webinars/2026/Spring Webinar/program.json"));
    let email = &p["emails"][0];
    assert_eq!(email["name"], "Invite");
    assert_eq!(email["template"], "Std Email");
    assert!(
        email.get("html").is_none() && email.get("snippets").is_none(),
        "{email}"
    );
    // Not cached as fetched: the next pull asks again.
    let again = pull(&sim, &out, &["--json"]);
    again.expect(0);
    assert_eq!(again.json()["content_calls"], 1);
    let p = read_json(&out.join("marketing-activities/Webinars/2026/Spring Webinar/program.json"));
    assert!(p["emails"][0]["html"].is_string());
}

/// The small instance with a dynamic section in its email (segmented by
/// Language) and one in its landing page (by Industry). Marketo's content
/// answers give such a section's content id only; its segmentation is
/// Get Email (or Landing Page) Dynamic Content's answer.
fn with_dynamic_sections() -> (Instance, u64) {
    let mut i = small_instance();
    let industry = i.add_segmentation("Industry");
    let language = *i
        .segmentations
        .iter()
        .find(|(_, s)| s.name == "Language")
        .unwrap()
        .0;
    let dynamic = |segmentation: u64| serde_json::json!({"type": "DynamicContent", "segmentation": segmentation, "default": "<p>Hi</p>"});
    let email = *i.emails.keys().next().unwrap();
    i.emails
        .get_mut(&email)
        .unwrap()
        .sections
        .push(Section::new("offer", "DynamicContent", dynamic(language)));
    for l in i.landing_pages.values_mut() {
        l.sections
            .push(Section::new("4", "DynamicContent", dynamic(industry)));
    }
    (i, email)
}

fn dynamic_calls(sim: &Sim) -> Vec<String> {
    sim.calls()
        .into_iter()
        .filter(|c| c.path.contains("/dynamicContent/"))
        .map(|c| c.path)
        .collect()
}

/// A dynamic section whose content answer gives only its content id: its
/// segmentation is asked for (one call a section, counted in
/// `content_calls`) and recorded; the answer is cached with the asset's
/// content, so pulling an unchanged instance asks nothing, and an asset
/// that changed is asked again.
#[test]
fn the_segmentation_of_a_dynamic_section_is_asked_once() {
    let (i, email) = with_dynamic_sections();
    let sim = start(i);
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("snap");
    let run = pull(&sim, &out, &["--json"]);
    run.expect(0);
    let first = run.json();
    assert_eq!(first["warnings"], serde_json::json!([]), "{first}");
    let program = out.join("marketing-activities/Webinars/2026/Spring Webinar/program.json");
    let p = read_json(&program);
    let (e, l) = (&p["emails"][0], &p["landing_pages"][0]);
    assert_eq!(e["dynamic_content"], true);
    assert_eq!(e["segmentations"], serde_json::json!(["Language"]));
    assert_eq!(l["dynamic_content"], true);
    assert_eq!(l["segmentations"], serde_json::json!(["Industry"]));
    for asset in [e, l] {
        assert!(!asset.to_string().contains("RVMt"), "{asset}");
    }
    // One call each, counted with the contents: every call is a token,
    // list or content call.
    let asked = dynamic_calls(&sim);
    assert_eq!(asked.len(), 2, "{asked:?}");
    assert!(asked
        .iter()
        .any(|p| p.starts_with(&format!("/rest/asset/v1/email/{email}/dynamicContent/"))));
    assert!(asked
        .iter()
        .any(|p| p.starts_with("/rest/asset/v1/landingPage/")));
    let n = |key: &str| first[key].as_u64().unwrap();
    assert_eq!(
        n("calls"),
        n("token_calls") + n("list_calls") + n("content_calls") + n("retries"),
        "{first}"
    );

    // Unchanged: nothing asked, nothing rewritten.
    sim.reset_counters();
    let again = pull(&sim, &out, &["--json"]);
    again.expect(0);
    let again = again.json();
    assert_eq!(again["content_calls"], 0, "{again}");
    assert_eq!(again["changed"], false);
    assert!(dynamic_calls(&sim).is_empty());
    assert_eq!(read_json(&program), p);

    // The email changed: its content and its dynamic section are asked
    // again, the page's are not.
    sim.with_instance(|i| i.touch(email));
    sim.reset_counters();
    let changed = pull(&sim, &out, &["--json"]);
    changed.expect(0);
    let changed = changed.json();
    assert_eq!(changed["content_calls"], 2, "{changed}");
    let asked = dynamic_calls(&sim);
    assert_eq!(asked.len(), 1, "{asked:?}");
    assert!(asked[0].starts_with(&format!("/rest/asset/v1/email/{email}/")));
    assert_eq!(
        read_json(&program)["emails"][0]["segmentations"],
        serde_json::json!(["Language"])
    );
}

/// Marketo refusing a dynamic section's segmentation (709) leaves the
/// asset dynamic without it, with a warning naming the asset and the
/// section; the refused answer is not cached, so the next pull asks again.
#[test]
fn a_refused_segmentation_is_a_warning_and_asked_again() {
    let (i, _) = with_dynamic_sections();
    let sim = start(i);
    sim.inject(Fault::code("709").on("/dynamicContent/").times(2));
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("snap");
    let run = pull(&sim, &out, &["--json"]);
    run.expect(0);
    let first = run.json();
    let warnings: Vec<&str> = first["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    assert_eq!(warnings.len(), 2, "{first}");
    assert!(
        warnings[0].starts_with("email \"Invite\" of program \"Spring Webinar\": dynamic section \"offer\": its segmentation could not be read")
            && warnings[0].contains("709"),
        "{warnings:?}"
    );
    assert!(
        warnings[1].starts_with(
            "landing page \"Register\" of program \"Spring Webinar\": dynamic section \""
        ) && warnings[1].contains("709"),
        "{warnings:?}"
    );
    let program = out.join("marketing-activities/Webinars/2026/Spring Webinar/program.json");
    let p = read_json(&program);
    for asset in [&p["emails"][0], &p["landing_pages"][0]] {
        assert_eq!(asset["dynamic_content"], true, "{asset}");
        assert_eq!(asset["segmentations"], serde_json::json!([]), "{asset}");
        assert!(asset["html"].is_string(), "{asset}");
    }

    sim.reset_counters();
    let again = pull(&sim, &out, &["--json"]);
    again.expect(0);
    let again = again.json();
    assert_eq!(again["warnings"], serde_json::json!([]), "{again}");
    // The contents come from the cache; the two segmentations are asked.
    assert_eq!(again["content_calls"], 2, "{again}");
    assert_eq!(dynamic_calls(&sim).len(), 2);
    let p = read_json(&program);
    assert_eq!(
        p["emails"][0]["segmentations"],
        serde_json::json!(["Language"])
    );
    assert_eq!(
        p["landing_pages"][0]["segmentations"],
        serde_json::json!(["Industry"])
    );
}

/// A pull does not write into a snapshot another mkimport holds (a `run`
/// importing into it, another pull).
#[test]
fn a_locked_snapshot_is_refused() {
    let sim = fixture_sim("production", "412-ACM-982");
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("a");
    pull(&sim, &out, &["--json"]).expect(0);
    let before = tree(&out);
    let lock = fs::OpenOptions::new()
        .write(true)
        .open(out.join(".mkimport/lock"))
        .unwrap();
    lock.try_lock().unwrap();
    let run = pull(&sim, &out, &["--json"]);
    run.expect(1);
    assert!(run.stderr.contains(".mkimport/lock"), "{}", run.stderr);
    drop(lock);
    assert_eq!(tree(&out), before);
}

/// Email content answers seen through a front, and how many it changed.
static REWRITTEN: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// The text sections of an email content answer (Get Email Content), each
/// a list of variants, changed by `f`.
fn email_text_sections(path: &str, answer: &mut Value, f: fn(&mut Value)) {
    let is_content = path.starts_with("/rest/asset/v1/email/") && path.ends_with("/content.json");
    if !is_content {
        return;
    }
    for section in answer["result"].as_array_mut().into_iter().flatten() {
        if section["contentType"] == "Text" && section["value"].is_array() {
            f(&mut section["value"]);
            REWRITTEN.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
    }
}

/// Each text section as its HTML, a string (how the API's update call
/// takes it, and a shape the pull reads).
fn as_strings(path: &str, answer: &mut Value) {
    email_text_sections(path, answer, |value| {
        let html = value
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["type"] == "HTML")
            .unwrap()["value"]
            .clone();
        *value = html;
    });
}

/// Each text section's variants in the other order: `Text` first.
fn text_first(path: &str, answer: &mut Value) {
    email_text_sections(path, answer, |value| {
        value.as_array_mut().unwrap().reverse();
    });
}

/// Marketo sends an email's text section as its variants, `[{"type":
/// "HTML", ...}, {"type": "Text", ...}]` (and so does the simulator); the
/// `HTML` one is the section's HTML, wherever it is in the list, and the
/// section given as that HTML (a string) is the same section. The sandbox
/// pulled as the simulator answers, through a front that gives each text
/// section as its HTML string, and through one that lists the `Text`
/// variant first, gives the same files.
#[test]
fn email_sections_as_variants_give_the_same_snapshot() {
    let tmp = tempfile::tempdir().unwrap();
    let mut trees = Vec::new();
    let shapes: [(&str, Option<elsewhere::Rewrite>); 3] = [
        ("variants", None),
        ("strings", Some(as_strings)),
        ("text first", Some(text_first)),
    ];
    for (shape, rewrite) in shapes {
        let sim = fixture_sim("sandbox", "412-ACM-981");
        let out = tmp.path().join(shape);
        let before = REWRITTEN.load(std::sync::atomic::Ordering::Relaxed);
        let run = match rewrite {
            None => pull(&sim, &out, &["--json"]),
            Some(rewrite) => {
                let front = elsewhere::rewriting(&sim, rewrite);
                pull_at(&front.front, &knob(&sim.config()), &out, &["--json"])
            }
        };
        run.expect(0);
        assert_eq!(run.json()["warnings"], serde_json::json!([]), "{shape}");
        let rewritten = REWRITTEN.load(std::sync::atomic::Ordering::Relaxed) - before;
        assert_eq!(rewritten > 0, rewrite.is_some(), "{shape}: {rewritten}");
        let mut t = tree(&out);
        t.retain(|rel, _| rel.starts_with("marketing-activities/"));
        trees.push(
            t.into_iter()
                .map(|(k, v)| (k, String::from_utf8(v.0).unwrap()))
                .collect::<BTreeMap<_, _>>(),
        );
    }
    assert!(trees[0].len() > 6);
    assert_eq!(trees[0], trees[1], "strings");
    assert_eq!(trees[0], trees[2], "text first");
    assert!(trees[0].values().any(|p| p.contains("\"html\": \"<")));
}

/// An instance answering in the shapes of real instances (the simulator's
/// own): an email's text sections as variants whose `Text` one is not its
/// HTML, and a module; a page's dynamic section as a rich-text one holding
/// only a content id, and a rich-text section without content; a form with
/// the Profiling fieldset and a rich-text row that holds text. What cannot
/// be read is named in a warning; nothing else is lost and nothing is
/// invented.
#[test]
fn real_shapes_are_read_as_marketo_means_them() {
    let mut i = small_instance();
    let language = *i
        .segmentations
        .iter()
        .find(|(_, s)| s.name == "Language")
        .unwrap()
        .0;
    for e in i.emails.values_mut() {
        e.sections
            .push(Section::new("module-1", "Module", Value::Null));
    }
    for l in i.landing_pages.values_mut() {
        l.sections.push(Section::new(
            "16391",
            "DynamicContent",
            serde_json::json!({"type": "DynamicContent", "segmentation": language, "default": ""}),
        ));
        l.sections
            .push(Section::new("1501", "RichText", Value::Null));
    }
    for f in i.forms.values_mut() {
        if f.name == "Survey" {
            f.fields.push(marketo_sim::model::FormField {
                api_name: "Profiling".into(),
                label: String::new(),
                data_type: "profiling".into(),
                row: marketo_sim::Row::Profiling,
                options: Default::default(),
            });
            f.fields.push(marketo_sim::model::FormField {
                api_name: "SHRtbFRleHQ".into(),
                label: String::new(),
                data_type: "htmltext".into(),
                row: marketo_sim::Row::RichText("<p>Thanks</p>".into()),
                options: Default::default(),
            });
        }
    }
    let sim = start(i);
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("snap");
    let run = pull(&sim, &out, &["--json"]);
    run.expect(0);
    let summary = run.json();
    let warnings: Vec<&str> = summary["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    assert_eq!(
        warnings,
        [
            "form \"Survey\" of program \"Spring Webinar\": a rich-text row (SHRtbFRleHQ) is left out: the format's forms hold fields only",
            "landing page \"Register\" of program \"Spring Webinar\": section \"1501\" (RichText) has no value in Marketo's answer; nothing of it is in the HTML",
        ],
        "{summary}"
    );
    // The answers were in the real shapes: the email's section as
    // variants, the page's dynamic section as a content id.
    let sections = |path: &str| -> Value {
        sim.calls()
            .iter()
            .filter(|c| c.path.contains(path) && c.path.ends_with("/content.json"))
            .find_map(|c| serde_json::from_slice::<Value>(c.body.as_ref()?).ok())
            .unwrap_or_else(|| panic!("no answer of {path}"))["result"]
            .clone()
    };
    let email_sections = sections("/rest/asset/v1/email/");
    let variants = &email_sections[0]["value"];
    assert_eq!(variants[1]["type"], "Text", "{email_sections}");
    assert_ne!(variants[1]["value"], variants[0]["value"], "{variants}");
    let page_sections = sections("/rest/asset/v1/landingPage/");
    assert!(
        page_sections
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["type"] == "RichText" && s["content"]["contentType"] == "DynamicContent"),
        "{page_sections}"
    );
    let p = read_json(&out.join("marketing-activities/Webinars/2026/Spring Webinar/program.json"));
    let email = &p["emails"][0];
    let url = "https://go.acme.example/rs/111-AAA-222/images/hero.png";
    assert_eq!(
        email["html"],
        format!("<p>{{{{my.Title}}}}</p><img src=\"{url}\">")
    );
    assert_eq!(email["images"], serde_json::json!(["hero.png"]));
    assert_eq!(email["dynamic_content"], false);
    let page = &p["landing_pages"][0];
    assert_eq!(page["dynamic_content"], true);
    assert_eq!(page["segmentations"], serde_json::json!(["Language"]));
    assert_eq!(page["html"], "<h1>Register</h1>");
    assert!(!page.to_string().contains("RVMt"), "{page}");
    assert_eq!(
        p["forms"][0]["fields"],
        serde_json::json!(["Email Address", "Lead Score"])
    );
    let required: Vec<&str> = p["requires"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(required, ["Email Address", "Lead Score"]);
}

/// Real instances serve files from another host, often through
/// redirects. `Front` stands before the simulator as the REST instance and
/// moves each file of the files list to a URL of its choice (`place`), and
/// `Files` is that other host: `/r/N/<hex URL>` redirects N times to
/// itself then to the URL, `/404/...` answers 404. `Files` records the
/// headers of every request it gets. A front can also change the
/// simulator's JSON answers (`rewrite`), to send a shape it does not.
mod elsewhere {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::{TcpListener, TcpStream};
    use std::sync::{Arc, Mutex};

    use serde_json::Value;

    pub type Place = fn(name: &str, url: &str, files: &str) -> String;
    /// Changes a JSON answer of the REST API, by the request's path.
    pub type Rewrite = fn(path: &str, answer: &mut Value);
    /// Headers, with lower-case names.
    pub type Headers = Vec<(String, String)>;
    /// Requests seen: path and headers.
    pub type Seen = Mutex<Vec<(String, Headers)>>;

    pub struct Hosts {
        /// `http://127.0.0.1:PORT`: the instance to pull.
        pub front: String,
        /// `127.0.0.1:PORT` of the files' host.
        pub files: String,
        /// Every request the files' host got: path and headers (lower-case
        /// names).
        pub seen: Arc<Seen>,
    }

    pub fn hex(s: &str) -> String {
        s.bytes().map(|b| format!("{b:02x}")).collect()
    }

    fn unhex(s: &str) -> String {
        let bytes: Vec<u8> = (0..s.len() / 2)
            .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
            .collect();
        String::from_utf8(bytes).unwrap()
    }

    /// A request: its first line, headers and body.
    fn read_request(stream: &TcpStream) -> Option<(String, Headers, Vec<u8>)> {
        let mut reader = BufReader::new(stream);
        let mut first = String::new();
        reader.read_line(&mut first).ok()?;
        if first.trim().is_empty() {
            return None;
        }
        let mut headers = Vec::new();
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).ok()?;
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            let (k, v) = line.split_once(':')?;
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
        let length: usize = headers
            .iter()
            .find(|(k, _)| k == "content-length")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0; length];
        reader.read_exact(&mut body).ok()?;
        Some((first.trim_end().to_string(), headers, body))
    }

    fn reply(mut stream: &TcpStream, status: &str, extra: &str, body: &[u8]) {
        let head = format!(
            "HTTP/1.1 {status}\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        let _ = stream.write_all(head.as_bytes());
        let _ = stream.write_all(body);
        let _ = stream.flush();
    }

    fn serve(listener: TcpListener, handle: impl Fn(&TcpStream) + Send + Sync + 'static) {
        let handle = Arc::new(handle);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let handle = Arc::clone(&handle);
                std::thread::spawn(move || handle(&stream));
            }
        });
    }

    /// One request passed on to the simulator (one connection each), its
    /// answer back, the files list's URLs moved (`place`) and the answer
    /// rewritten (`rewrite`).
    fn pass_on(stream: &TcpStream, sim: &str, files: &str, place: Place, rewrite: Rewrite) {
        let Some((first, headers, body)) = read_request(stream) else {
            return;
        };
        let mut upstream = TcpStream::connect(sim).unwrap();
        let mut request = format!("{first}\r\n");
        for (k, v) in &headers {
            if k != "connection" {
                request.push_str(&format!("{k}: {v}\r\n"));
            }
        }
        request.push_str("connection: close\r\n\r\n");
        upstream.write_all(request.as_bytes()).unwrap();
        upstream.write_all(&body).unwrap();
        let mut answer = Vec::new();
        let _ = upstream.read_to_end(&mut answer);
        let split = answer
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("an HTTP answer");
        let head = String::from_utf8_lossy(&answer[..split]).into_owned();
        let mut body = answer[split + 4..].to_vec();
        let path = first.split(' ').nth(1).unwrap_or("");
        if path.starts_with("/rest/") {
            if let Ok(mut v) = serde_json::from_slice::<Value>(&body) {
                if path.starts_with("/rest/asset/v1/files.json") {
                    for f in v["result"].as_array_mut().into_iter().flatten() {
                        let (name, url) = (
                            f["name"].as_str().unwrap().to_string(),
                            f["url"].as_str().unwrap().to_string(),
                        );
                        f["url"] = Value::String(place(&name, &url, files));
                    }
                }
                rewrite(path.split('?').next().unwrap_or(path), &mut v);
                body = serde_json::to_vec(&v).unwrap();
            }
        }
        let mut lines = head.lines();
        let status = lines.next().unwrap().split_once(' ').unwrap().1.to_string();
        let extra: String = lines
            .filter(|l| {
                let l = l.to_ascii_lowercase();
                !l.starts_with("content-length") && !l.starts_with("connection")
            })
            .map(|l| format!("{l}\r\n"))
            .collect();
        reply(stream, &status, &extra, &body);
    }

    fn files_host(stream: &TcpStream, me: &str, seen: &Seen) {
        let Some((first, headers, _)) = read_request(stream) else {
            return;
        };
        let path = first.split(' ').nth(1).unwrap_or("").to_string();
        seen.lock().unwrap().push((path.clone(), headers));
        let parts: Vec<&str> = path.trim_start_matches('/').splitn(3, '/').collect();
        match parts.as_slice() {
            ["r", n, target] => {
                let n: u32 = n.parse().unwrap();
                let location = if n == 0 {
                    unhex(target)
                } else {
                    format!("http://{me}/r/{}/{target}", n - 1)
                };
                reply(
                    stream,
                    "302 Found",
                    &format!("Location: {location}\r\n"),
                    b"",
                );
            }
            _ => reply(stream, "404 Not Found", "", b"not here"),
        }
    }

    pub fn start(sim: &marketo_sim::Sim, place: Place) -> Hosts {
        front(sim, place, |_, _| {})
    }

    /// A front that moves no file and rewrites the answers.
    pub fn rewriting(sim: &marketo_sim::Sim, rewrite: Rewrite) -> Hosts {
        front(sim, |_, url, _| url.to_string(), rewrite)
    }

    fn front(sim: &marketo_sim::Sim, place: Place, rewrite: Rewrite) -> Hosts {
        let sim_addr = sim.url().trim_start_matches("http://").to_string();
        let files_listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let files = files_listener.local_addr().unwrap().to_string();
        let seen = Arc::new(Mutex::new(Vec::new()));
        {
            let (me, seen) = (files.clone(), Arc::clone(&seen));
            serve(files_listener, move |s| files_host(s, &me, &seen));
        }
        let front_listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let front = format!("http://{}", front_listener.local_addr().unwrap());
        {
            let files = files.clone();
            serve(front_listener, move |s| {
                pass_on(s, &sim_addr, &files, place, rewrite)
            });
        }
        Hosts { front, files, seen }
    }

    /// A local address nothing listens on.
    pub fn dead_address() -> String {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().to_string()
    }
}

/// Files on another host than the REST API: a download follows redirects
/// (up to 5) and never sends the API's token; one that cannot be
/// downloaded (too many redirects, a 404, a host that does not answer, a
/// URL that is not http) is a warning naming the file and its URL's host,
/// the image is left out, the rest of the pull is written (exit 0), and
/// the next pull tries it again.
#[test]
fn files_elsewhere_follow_redirects_and_a_failure_is_a_warning() {
    use std::sync::OnceLock;
    static DEAD: OnceLock<String> = OnceLock::new();
    let dead = DEAD.get_or_init(elsewhere::dead_address).clone();
    let mut i = small_instance();
    for name in ["far.png", "gone.png", "dead.png", "odd.png"] {
        i.add_file(name, format!("bytes of {name}").into_bytes());
    }
    let sim = start(i);
    let hosts = elsewhere::start(&sim, |name, url, files| match name {
        "hero.png" => format!("http://{files}/r/2/{}", elsewhere::hex(url)),
        "far.png" => format!("http://{files}/r/5/{}", elsewhere::hex(url)),
        "gone.png" => format!("http://{files}/404/gone.png"),
        "dead.png" => format!("http://{}/rs/dead.png", DEAD.get().unwrap()),
        _ => "ftp://files.example/odd.png".to_string(),
    });
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("snap");
    let run = pull_at(&hosts.front, &knob(&sim.config()), &out, &["--json"]);
    run.expect(0);
    let summary = run.json();
    let id = |name: &str| {
        sim.with_instance(|i| *i.files.iter().find(|(_, f)| f.name == name).unwrap().0)
    };
    let files = &hosts.files;
    let expected = [
        format!("file \"dead.png\" (id {}) is left out: cannot reach {dead} (connection refused) (gave up after 5 attempts); the next pull tries again", id("dead.png")),
        format!("file \"far.png\" (id {}) is left out: downloading it from {files}: more than 5 redirects; the next pull tries again", id("far.png")),
        format!("file \"gone.png\" (id {}) is left out: {files} answered HTTP status 404; the next pull tries again", id("gone.png")),
        format!("file \"odd.png\" (id {}) is left out: the file's URL is not http(s) (ftp://files.example/odd.png, host files.example); the next pull tries again", id("odd.png")),
    ];
    assert_eq!(
        summary["warnings"],
        serde_json::json!(expected),
        "{summary}"
    );
    let front_host = hosts.front.trim_start_matches("http://");
    assert!(
        !summary["warnings"].to_string().contains(front_host),
        "{summary}"
    );
    assert_eq!(summary["design_studio"]["images"], 1);

    // The image that came through three redirects is there; the others
    // are not, in the snapshot or its cache; everything else is written.
    let images: Vec<String> = fs::read_dir(out.join("design-studio/images"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(images, ["hero.png"]);
    assert_eq!(
        fs::read(out.join("design-studio/images/hero.png")).unwrap(),
        b"\x89PNG hero"
    );
    let cache = read_json(&out.join(".mkimport/marketo/cache/design-studio.json"));
    assert_eq!(cache["files"].as_object().unwrap().len(), 1, "{cache}");
    let p = read_json(&out.join("marketing-activities/Webinars/2026/Spring Webinar/program.json"));
    assert!(p["emails"][0]["html"]
        .as_str()
        .unwrap()
        .contains("hero.png"));
    assert!(out
        .join("design-studio/email-templates/Std Email.json")
        .is_file());

    // No request to the files' host carried a credential.
    let seen = hosts.seen.lock().unwrap().clone();
    assert!(seen.iter().any(|(p, _)| p.starts_with("/r/0/")), "{seen:?}");
    for (path, headers) in &seen {
        assert!(
            headers
                .iter()
                .all(|(k, _)| k != "authorization" && k != "cookie"),
            "{path}: {headers:?}"
        );
        assert_no_secret(path, format!("{headers:?}").as_bytes());
    }

    // Pulled again: the failed files are tried again (not taken as
    // downloaded), the one that came is reused.
    let before = hosts.seen.lock().unwrap().len();
    let again = pull_at(&hosts.front, &knob(&sim.config()), &out, &["--json"]);
    again.expect(0);
    let again = again.json();
    assert_eq!(again["warnings"], serde_json::json!(expected), "{again}");
    let seen = hosts.seen.lock().unwrap().clone();
    let new: Vec<&str> = seen[before..].iter().map(|(p, _)| p.as_str()).collect();
    assert!(new.contains(&"/404/gone.png"), "{new:?}");
    // (hero.png, reused, is not asked for again.)
    let hero = elsewhere::hex("hero.png");
    assert!(!new.iter().any(|p| p.ends_with(&hero)), "{new:?}");
    assert!(new.iter().any(|p| p.ends_with(&elsewhere::hex("far.png"))));
    assert!(again["reused"].as_u64().unwrap() > 0);
}

/// An instance whose files all live on a host that does not answer: the
/// pull still writes everything else, the same as when they answer.
#[test]
fn a_pull_whose_images_are_all_unreachable_writes_everything_else() {
    let sim = fixture_sim("sandbox", "412-ACM-981");
    let tmp = tempfile::tempdir().unwrap();
    let reachable = tmp.path().join("reachable");
    pull(&sim, &reachable, &["--json"]).expect(0);

    let hosts = elsewhere::start(&sim, |name, _, _| {
        use std::sync::OnceLock;
        static DEAD: OnceLock<String> = OnceLock::new();
        let dead = DEAD.get_or_init(elsewhere::dead_address);
        format!("http://{dead}/rs/images/{name}")
    });
    let out = tmp.path().join("unreachable");
    let run = pull_at(&hosts.front, &knob(&sim.config()), &out, &["--json"]);
    run.expect(0);
    let summary = run.json();
    let warnings: Vec<&str> = summary["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    assert_eq!(warnings.len(), 5, "{summary}");
    for name in [
        "acme-logo.png",
        "apac-summit-banner.png",
        "hero-webinar.png",
        "newsletter-july-header.png",
        "report-cover.png",
    ] {
        assert!(
            warnings
                .iter()
                .any(|w| w.starts_with(&format!("file \"{name}\"")) && w.contains("127.0.0.1:")),
            "{name}: {warnings:?}"
        );
    }
    assert_eq!(summary["design_studio"]["images"], 0);
    assert_eq!(summary["programs"], 6);
    let visible = |root: &std::path::Path| -> BTreeMap<String, Vec<u8>> {
        tree(root)
            .into_iter()
            .filter(|(rel, _)| {
                !rel.starts_with(".mkimport")
                    && !rel.starts_with("design-studio/images/")
                    && rel != "subscription.json"
            })
            .map(|(rel, v)| (rel, v.0))
            .collect()
    };
    let (a, b) = (visible(&reachable), visible(&out));
    assert!(a.len() > 15);
    assert_eq!(a, b);
    assert!(
        !out.join("design-studio/images").exists()
            || fs::read_dir(out.join("design-studio/images"))
                .unwrap()
                .next()
                .is_none()
    );
}

/// A file its host answers 404 for (once): left out with a warning naming
/// it and the host of its URL, which is the instance's file host
/// (`localhost:PORT`), not its REST API; the next pull downloads it.
#[test]
fn a_file_that_failed_is_downloaded_by_the_next_pull() {
    let sim = start(small_instance());
    assert!(sim.set_delivery("hero.png", marketo_sim::Delivery::Status(404)));
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("snap");
    let first = pull(&sim, &out, &["--json"]);
    first.expect(0);
    let first = first.json();
    let files_host = sim.files_url().trim_start_matches("http://").to_string();
    let api_host = sim.url().trim_start_matches("http://").to_string();
    assert_ne!(files_host, api_host);
    let warnings = first["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{first}");
    let w = warnings[0].as_str().unwrap();
    assert!(
        w.starts_with("file \"hero.png\"")
            && w.contains(&format!("{files_host} answered HTTP status 404"))
            && w.ends_with("the next pull tries again"),
        "{w}"
    );
    assert!(!w.contains(&api_host), "{w}");
    assert!(!out.join("design-studio/images/hero.png").exists());
    assert!(sim.set_delivery("hero.png", marketo_sim::Delivery::Served));
    let second = pull(&sim, &out, &["--json"]);
    second.expect(0);
    let second = second.json();
    assert_eq!(second["warnings"], serde_json::json!([]), "{second}");
    assert_eq!(second["downloads"], 1);
    assert_eq!(
        fs::read(out.join("design-studio/images/hero.png")).unwrap(),
        b"\x89PNG hero"
    );
}
