//! Real Marketo answers (spec section 12): every response of
//! `../shared/marketo-real/responses/` (Adobe's documented examples and
//! answers recorded from real instances), read in place, is fed to the
//! parser of its endpoint (`SOURCES.tsv` says which) through mkimport's
//! library, and what mkimport makes of it is checked: not merely that it
//! parses.
//!
//! Every file is covered: a response file that `SOURCES.tsv` does not
//! list, a listed file that is missing, and an endpoint this test does
//! not know are failures. Endpoints mkimport does not call (clones,
//! creates, a static list, ...) are read with the record type of their
//! kind (the asset record: id, name, folder, status, `updatedAt`).

use std::collections::BTreeSet;
use std::fs;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{json, Value};

use mkimport::marketo::api::{self, FolderKind, FolderRef};
use mkimport::marketo::client::{self, Envelope, ErrorKind};
use mkimport::marketo::content::{self, Lookup, Schema};
use mkimport::marketo::snapshot;
use mkimport::model::Approval;

/// Where the recorded answers are (beside the repository, as CI sees them).
fn shared() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/marketo-real")
}

/// One line of `SOURCES.tsv`: a file and its endpoint.
struct Source {
    file: String,
    endpoint: String,
}

fn sources() -> Vec<Source> {
    let path = shared().join("SOURCES.tsv");
    let text = fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read the real Marketo answers' index {} ({e}): the tests expect the shared directory `marketo-real` beside the repository",
            path.display()
        )
    });
    let out: Vec<Source> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let mut cols = l.split('\t');
            let file = cols.next().unwrap_or("").trim().to_string();
            let endpoint = cols.next().unwrap_or("").trim().to_string();
            assert!(
                !file.is_empty() && !endpoint.is_empty(),
                "SOURCES.tsv: a line without a file and an endpoint: {l:?}"
            );
            Source { file, endpoint }
        })
        .collect();
    assert!(!out.is_empty(), "{} lists no file", path.display());
    out
}

fn read(file: &str) -> Vec<u8> {
    let path = shared().join("responses").join(file);
    fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The answer read as every REST answer is.
fn envelope(bytes: &[u8]) -> Envelope {
    client::read_envelope("/rest/test", bytes)
        .unwrap_or_else(|e| panic!("not read as an envelope: {e}"))
}

/// The records of an answer as `T`, every one of them.
fn records<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Vec<T> {
    let (items, skipped) = api::parse_all::<T>(envelope(bytes).result);
    assert_eq!(skipped, 0, "records that did not parse");
    assert!(!items.is_empty(), "no record");
    items
}

fn one<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> T {
    let mut items = records::<T>(bytes);
    assert_eq!(items.len(), 1, "one record expected");
    items.remove(0)
}

fn folder(id: u64) -> Option<FolderRef> {
    Some(FolderRef {
        id,
        kind: FolderKind::Folder,
    })
}

fn program_folder(id: u64) -> Option<FolderRef> {
    Some(FolderRef {
        id,
        kind: FolderKind::Program,
    })
}

/// Names by id, as a pull would know them from the instance's lists.
fn lookup() -> Lookup {
    let mut l = Lookup::default();
    l.forms.insert(189, "Webinar Form".into());
    l.file_ids.insert(2107, "Screen Shot.png".into());
    l
}

/// `SOURCES.tsv` and `responses/` agree: every file is listed, every
/// listed file is there.
#[test]
fn every_answer_is_listed_and_every_listed_answer_is_there() {
    let listed: BTreeSet<String> = sources().into_iter().map(|s| s.file).collect();
    let dir = shared().join("responses");
    let present: BTreeSet<String> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {} ({e})", dir.display()))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let unlisted: Vec<&String> = present.difference(&listed).collect();
    assert!(unlisted.is_empty(), "not in SOURCES.tsv: {unlisted:?}");
    let missing: Vec<&String> = listed.difference(&present).collect();
    assert!(missing.is_empty(), "listed but missing: {missing:?}");
    assert!(present.iter().filter(|f| f.ends_with(".json")).count() >= 60);
}

/// Every answer, read by the parser of its endpoint.
#[test]
fn every_real_answer_is_read_as_marketo_means_it() {
    let mut failed = Vec::new();
    let mut checked = 0;
    for s in sources() {
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            let bytes = read(&s.file);
            if s.file.ends_with(".txt") {
                published_as_text(&bytes);
            } else {
                check(&s.endpoint, &s.file, &bytes);
            }
        }));
        match outcome {
            Ok(()) => checked += 1,
            Err(_) => failed.push(format!("{} ({})", s.file, s.endpoint)),
        }
    }
    assert!(
        failed.is_empty(),
        "answers not read as expected: {failed:#?}"
    );
    assert!(checked >= 69, "{checked}");
}

/// A `.txt` is a block as published, which is not JSON: mkimport says so
/// (its `.json` beside it is the repaired answer, checked on its own).
fn published_as_text(bytes: &[u8]) {
    let err = client::read_envelope("/rest/test", bytes).expect_err("not JSON");
    assert!(matches!(err.kind, ErrorKind::NotJson { .. }), "{err}");
    assert!(err.to_string().contains("is not JSON"), "{err}");
}

/// What mkimport makes of one answer of an endpoint.
fn check(endpoint: &str, file: &str, bytes: &[u8]) {
    match endpoint {
        "identity-token" => {
            let raw: Value = serde_json::from_slice(bytes).unwrap();
            let (token, lifetime) = client::read_token(bytes).unwrap();
            assert_eq!(token, raw["access_token"].as_str().unwrap());
            let expected = if file.contains("node-marketo") {
                516
            } else {
                3599
            };
            assert_eq!(lifetime, Duration::from_secs(expected));
        }
        "folder-byname" | "folder-byid" | "folder-create" | "folder-update" => {
            let f: api::Folder = one(bytes);
            let (id, parent, kind) = match file {
                "folder-byid__adobedocs__1.json" => (341, 11, "Email"),
                "folder-byname__grouparoo__1.json" => (12, 5, "List"),
                "folder-update__adobedocs__1.json" => (407, 15, "Marketing Folder"),
                // `"type": "FOLDER"`, in capitals.
                _ => (454, 416, "Marketing Folder"),
            };
            assert_eq!(f.id, id);
            assert_eq!(Some(f.as_ref()), folder(id));
            assert_eq!(f.parent, folder(parent));
            assert_eq!(f.folder_type, kind);
            assert!(f.path.starts_with('/'));
        }
        "folders-browse" => {
            let folders: Vec<api::Folder> = records(bytes);
            assert_eq!(folders.len(), 3);
            // The root has no parent (`null`).
            assert_eq!(folders[0].name, "Marketing Activities");
            assert_eq!(folders[0].parent, None);
            assert_eq!(folders[1].parent, folder(14));
            assert_eq!(folders[2].as_ref(), folder(310).unwrap());
        }
        "programs-browse" | "program-byid" | "program-byname" | "program-bytag" => {
            let programs: Vec<api::Program> = records(bytes);
            let (name, kind, channel, folder_id) = match file {
                "programs-browse__adobedocs__1.json" => ("clone it", "engagement", "Nurture", 28),
                "programs-browse__adobedocs__2.json" => {
                    assert_eq!(programs.len(), 4);
                    assert_eq!(snapshot::program_type(&programs[1].kind), "email");
                    ("Bulk Import - Test", "default", "Content", 637)
                }
                "program-bytag__adobedocs__1.json" => {
                    assert_eq!(programs[0].tags[0].tag_type, "Presenter");
                    assert_eq!(programs[0].tags[0].tag_value, "Dennis");
                    ("It's a Program", "default", "Email Blast", 38)
                }
                _ => {
                    // `"costs": null`, and a tag.
                    assert_eq!(programs[0].tags[0].tag_type, "AAA1 Required Tag Type");
                    assert_eq!(programs[0].tags[0].tag_value, "AAA1 RT1");
                    (
                        "AAA2QueryProgramName",
                        "default",
                        "Online Advertising",
                        1910,
                    )
                }
            };
            let p = &programs[0];
            assert_eq!(p.name, name);
            assert_eq!(snapshot::program_type(&p.kind), kind);
            assert_eq!(p.channel, channel);
            assert_eq!(p.folder, folder(folder_id));
            assert!(p.updated_at.ends_with("Z+0000"), "{}", p.updated_at);
        }
        "emails-browse" | "email-byid" | "email-byname" | "email-create" | "email-update"
        | "email-clone" => email_record(file, bytes),
        "email-content" => {
            let sections: Vec<api::EmailSection> = records(bytes);
            let d = content::email(&sections, &lookup());
            assert!(d.unreadable.is_empty(), "{:?}", d.unreadable);
            assert!(d.unknown.is_empty(), "{:?}", d.unknown);
            assert!(!d.dynamic_content);
            if file == "email-content__adobedocs__1.json" {
                assert_eq!(d.html, "Content from testCreateEmailTemplate2");
            } else {
                // Modules are structure; images without a file and an
                // empty video hold nothing; the text sections' HTML
                // variants, in order, are the HTML.
                let parts: Vec<&str> = d.html.split('\n').collect();
                assert!(
                    parts[0].starts_with("Lorem ipsum dolor sit amet"),
                    "{parts:?}"
                );
                assert_eq!(parts[1], "LOREM IPSUM DOLOR SIT AMET");
                assert!(d.html.contains("<strong>Acme, Inc</strong>"));
                assert!(d.html.contains("href=\"{{system.unsubscribeLink}}\""));
                // Not the plain-text variant.
                assert!(!d.html.contains("Click here <{{system"));
                assert!(d.images.is_empty());
            }
        }
        "landingpage-create" | "landingpage-clone" => {
            let p: api::LandingPage = one(bytes);
            let (id, template, parent) = if file.contains("clone") {
                (3291, 57, program_folder(1119))
            } else {
                (27, 1, folder(11))
            };
            assert_eq!(p.asset.id, id);
            assert_eq!(p.template, Some(template));
            assert_eq!(p.asset.folder, parent);
            assert_eq!(p.asset.approval(), Approval::Draft);
        }
        "landingpage-content" => {
            let sections: Vec<api::PageSection> = records(bytes);
            let d = content::landing_page(&sections, &lookup());
            assert_eq!(d.forms.iter().collect::<Vec<_>>(), ["Webinar Form"]);
            assert_eq!(d.html, "");
            assert!(d.html_known() && d.unreadable.is_empty() && d.unknown.is_empty());
        }
        "landingpage-content-result" => page_result(file, bytes),
        "forms-browse"
        | "form-byid"
        | "staticlist-byname"
        | "snippets-browse"
        | "emailtemplates-browse"
        | "landingpagetemplate-create"
        | "landingpagetemplate-clone"
        | "segmentations-browse" => asset_records(endpoint, file, bytes),
        "form-fields" | "form-field-add" | "form-richtext-add" => {
            let rows: Vec<api::FormField> = records(bytes);
            let read = content::form(&rows);
            match endpoint {
                // The Profiling fieldset is not a field.
                "form-fields" => {
                    assert_eq!(read.fields, ["FirstName", "LastName", "Email"]);
                    assert!(read.left_out.is_empty(), "{:?}", read.left_out);
                }
                "form-field-add" => assert_eq!(read.fields, ["NumberOfEmployees"]),
                // A rich-text row is not a field; its text is reported.
                _ => {
                    assert!(read.fields.is_empty(), "{:?}", read.fields);
                    assert_eq!(read.left_out.len(), 1);
                    assert!(read.left_out[0].contains("rich-text row"));
                }
            }
        }
        "smartcampaigns-browse"
        | "smartcampaign-byid"
        | "smartcampaign-byname"
        | "smartcampaign-create"
        | "smartcampaign-clone" => {
            let campaigns: Vec<api::SmartCampaign> = records(bytes);
            let c = &campaigns[0];
            let (id, kind, parent) = match endpoint {
                // No `folder` at all.
                "smartcampaigns-browse" | "smartcampaign-byid" => (1001, "batch", None),
                "smartcampaign-byname" => (1069, "trigger", folder(327)),
                "smartcampaign-clone" => (1077, "trigger", folder(640)),
                _ => (1076, "batch", folder(640)),
            };
            assert_eq!((c.id, c.folder), (id, parent));
            assert!(!c.is_active);
            let v = snapshot::campaign_json(
                &c.name,
                &c.kind,
                c.is_active,
                c.recurrence.as_ref().map(|r| r.start_at.as_str()),
                &content::CampaignRules::default(),
            );
            assert_eq!(v["type"], kind);
            // `recurrence` without `startAt`: no schedule.
            assert!(v.get("schedule").is_none(), "{v}");
        }
        "smartcampaign-smartlist" | "smartlist-byid-rules" => {
            let list: api::SmartList = one(bytes);
            let mut schema = Schema::default();
            schema.fields.insert("browser".into(), "Browser".into());
            let rules = content::campaign(&list, &schema);
            if endpoint == "smartlist-byid-rules" {
                assert!(rules.triggers.is_empty());
                assert_eq!(rules.filters, ["Visited Web Page"]);
            } else {
                // Asked without its rules.
                assert!(list.rules.is_none());
                assert!(rules.filters.is_empty() && rules.triggers.is_empty());
            }
            assert!(rules.fields.is_empty());
        }
        "emailtemplate-content-update" => {
            let e = envelope(bytes);
            let html = api::parse_html(&Value::Array(e.result)).unwrap();
            assert!(html.contains("<div class=\"mktEditable\"></div>"), "{html}");
        }
        "landingpagetemplate-content-update" => {
            let e = envelope(bytes);
            assert_eq!(api::id_of(&e.result[0]["id"]), Some(286));
            assert_eq!(api::parse_html(&Value::Array(e.result)), None);
        }
        "snippet-content" => {
            let sections: Vec<api::SnippetSection> = records(bytes);
            assert_eq!(
                content::snippet(&sections).as_deref(),
                Some("draft testUpdateSnippetContent1 HTML Content")
            );
        }
        "files-browse" => {
            let files: Vec<api::File> = records(bytes);
            assert_eq!(files.len(), 3);
            let f = &files[1];
            assert_eq!(
                (f.id, f.name.as_str(), f.size),
                (46486, "mobile.png", Some(4169))
            );
            // `{"type": "Image", "id", "name"}`.
            assert_eq!(f.folder, folder(436));
            // On another host than the REST API, in plain http.
            assert!(
                f.url.starts_with("http://na-abm.marketo.com/rs/"),
                "{}",
                f.url
            );
        }
        "channels-browse" => {
            let channels: Vec<api::Channel> = records(bytes);
            assert_eq!(channels.len(), 2);
            let steps: Vec<(&str, Option<i64>)> = channels[1]
                .progression_statuses
                .iter()
                .map(|s| (s.name.as_str(), s.step))
                .collect();
            assert_eq!(steps[0], ("Not in Program", Some(0)));
            assert_eq!(steps[4], ("Attended", Some(40)));
        }
        "tagtypes-browse" | "tagtype-byname" => {
            let types: Vec<api::TagType> = records(bytes);
            assert_eq!(types[0].tag_type, "AAA1 Required Tag Type");
            if endpoint == "tagtype-byname" {
                // `allowableValues` as a string.
                assert_eq!(
                    types[0].values(),
                    ["AAA1 RT1", "AAA1 RT2", "AAA1 RT3", "AAA1 RT4"]
                );
            } else {
                assert_eq!(types.len(), 3);
                assert!(types.iter().all(|t| t.values().is_empty()));
            }
        }
        "leads-describe" => {
            let (fields, skipped) = api::parse_lead_fields(envelope(bytes).result);
            assert_eq!(skipped, 0);
            // `describe` gives the REST name in `rest.name`.
            let company = fields.iter().find(|f| f.name == "company").unwrap();
            assert_eq!(company.display_name, "Company Name");
            assert_eq!(company.data_type, "string");
            if file.contains("grouparoo") {
                assert_eq!(fields.len(), 100);
                let first = fields.iter().find(|f| f.name == "firstName").unwrap();
                assert_eq!(first.display_name, "First Name");
            } else {
                assert_eq!(fields.len(), 1);
            }
        }
        "customobjects-list" => {
            let o: api::CustomObject = one(bytes);
            assert_eq!(
                (o.api_name.as_str(), o.display_name.as_str()),
                ("Car", "Car")
            );
        }
        "activities-external-types" | "activities-external-type-describe" => {
            let a: api::CustomActivityType = one(bytes);
            assert_eq!(a.api_name, "attendConference");
            assert_eq!(a.name, "Attend Conference");
            assert_eq!(a.trigger_name, "Attends Conference");
            assert_eq!(a.filter_name, "Attended Conference");
        }
        "folder-tokens" | "folder-tokens-create" => {
            let tokens = api::parse_tokens(&Value::Array(envelope(bytes).result));
            assert_eq!(tokens.len(), 1);
            let name = if endpoint == "folder-tokens" {
                "my.AprilFool - deverly"
            } else {
                "my.April Fools"
            };
            assert_eq!(
                snapshot::token_json(&tokens[0]),
                json!({"name": name, "type": "date", "value": "2015-04-01"})
            );
        }
        "error-envelope" => {
            let err = client::read_envelope("/rest/test", bytes).expect_err("an error");
            assert_eq!(err.code(), Some("601"));
            assert_eq!(err.message(), Some("Unauthorized"));
        }
        "no-assets-warning" => {
            // No `result`: an empty list, and the warning kept.
            let e = envelope(bytes);
            assert!(e.result.is_empty() && !e.no_data);
            assert_eq!(
                e.warnings,
                [json!("No assets found for the given search criteria.")]
            );
            let (items, skipped) = api::parse_all::<api::Asset>(e.result);
            assert!(items.is_empty() && skipped == 0);
        }
        "stats-usage" => {
            let e = envelope(bytes);
            assert_eq!(e.result.len(), 1);
            assert_eq!(e.result[0]["total"], 1120);
            assert_eq!(e.result[0]["date"], "2015-10-17");
        }
        other => panic!(
            "{file}: endpoint {other:?} is not known to this test; say what mkimport makes of it"
        ),
    }
}

/// An email record: template, status, folder and settings.
fn email_record(file: &str, bytes: &[u8]) {
    let e: api::Email = one(bytes);
    let s = content::email_settings(&e);
    assert!(s.dynamic.is_empty());
    assert_eq!(s.operational, Some(false));
    let subject = e.subject.as_ref().and_then(|h| h.text()).unwrap();
    assert!(!subject.is_empty());
    match file {
        "email-byid__adobedocs__1.json" => {
            // `"status": false`, `"fromEmail": null`, `"type": "folder"`.
            assert_eq!(e.asset.approval(), Approval::Draft);
            assert_eq!(e.template, Some(338));
            assert_eq!(e.asset.folder, folder(10421));
            assert_eq!(s.from_name.as_deref(), Some("RBxEtmdQZz"));
            assert_eq!(s.from_email, None);
            assert_eq!(s.reply_email.as_deref(), Some("Qlikf@testmail.com"));
        }
        "emails-browse__adobedocs__1.json" => {
            // `"template": null`, approved.
            assert_eq!(e.asset.approval(), Approval::Approved);
            assert_eq!(e.template, None);
            assert_eq!(e.asset.folder, folder(341));
            assert_eq!(s.from_name.as_deref(), Some("Demo Master Marketo"));
            assert_eq!(s.from_email.as_deref(), Some("demomaster@marketo.com"));
        }
        "email-byname__adobedocs__1.json" => {
            assert_eq!(e.asset.approval(), Approval::Draft);
            assert_eq!(e.asset.folder, folder(1056));
            assert_eq!(s.from_email.as_deref(), Some("ilZxG@testmail.com"));
            assert_eq!(s.reply_email.as_deref(), Some("VYsCS@testmail.com"));
        }
        _ => {
            // Create, update, clone: SomeBody, in a program or a folder
            // named in the reference.
            assert_eq!(e.asset.approval(), Approval::Draft);
            assert_eq!(s.from_name.as_deref(), Some("SomeBody"));
            assert_eq!(s.from_email.as_deref(), Some("somebody@marketo.com"));
            assert_eq!(s.reply_email.as_deref(), Some("somebody@marketo.com"));
            let expected = if file.contains("clone") {
                folder(239)
            } else {
                program_folder(1017)
            };
            assert_eq!(e.asset.folder, expected);
            assert_eq!(e.template, Some(24));
        }
    }
}

/// A landing page's `result`, recorded without its envelope.
fn page_result(file: &str, bytes: &[u8]) {
    let raw: Vec<Value> = serde_json::from_slice(bytes).unwrap();
    let (sections, skipped) = api::parse_all::<api::PageSection>(raw);
    assert_eq!(skipped, 0);
    let d = content::landing_page(&sections, &lookup());
    assert!(d.unknown.is_empty(), "{:?}", d.unknown);
    if file.ends_with("__2.json") {
        // Two dynamic rich-text sections: the page is dynamic, and no
        // content id is in its HTML.
        assert!(d.dynamic_content);
        assert_eq!(d.html, "plain content");
        assert!(!d.html.contains("RVMt"));
        assert!(d.unreadable.is_empty(), "{:?}", d.unreadable);
        // Their segmentations are asked for with their content ids (Get
        // Landing Page Dynamic Content), one call each.
        let asked: Vec<(&str, &str)> = d
            .dynamic_sections
            .iter()
            .map(|s| (s.section.as_str(), s.content_id.as_str()))
            .collect();
        assert_eq!(
            asked,
            [("16391", "RVMtMTY2Ng=="), ("16392", "RVMtMTY2Nw==")]
        );
        assert!(d.segmentations.is_empty());
        return;
    }
    assert!(!d.dynamic_content);
    // Ids as strings; the HTML and rich-text sections in order; a
    // rectangle is decoration; the image by its file id.
    assert_eq!(
        d.html,
        "hvahlah <b>djkhdakjhkedf</b>\n<div><span style=\"font-size: 90px; color: #ff0000;\">Rich Text content for Integration Tests<br /></span></div>"
    );
    assert_eq!(d.images.iter().collect::<Vec<_>>(), ["Screen Shot.png"]);
    // A rich-text section without content is named, not taken as empty.
    let named: Vec<String> = d.unreadable.iter().map(|u| u.to_string()).collect();
    assert!(
        named[0].starts_with("section \"1501\" (RichText) has no value"),
        "{named:?}"
    );
    if file.ends_with("__3.json") {
        // A form section that names no form.
        assert_eq!(named.len(), 2, "{named:?}");
        assert!(named[1].starts_with("section \"formV1\" (Form) names no form"));
        assert!(d.forms.is_empty());
    } else {
        assert_eq!(named.len(), 1, "{named:?}");
    }
}

/// Records read as the asset record: id, name, folder, status, time.
fn asset_records(endpoint: &str, file: &str, bytes: &[u8]) {
    if file == "segmentations-browse__marketorestpython-pr5__1.json" {
        // An empty search: no `result`, a warning.
        let e = envelope(bytes);
        assert!(e.result.is_empty());
        assert_eq!(e.warnings.len(), 1);
        return;
    }
    let assets: Vec<api::Asset> = records(bytes);
    let a = &assets[0];
    let (n, id, parent, approval) = match endpoint {
        "forms-browse" => (2, 227, folder(293), Approval::Draft),
        "form-byid" => (1, 736, folder(293), Approval::Draft),
        // `{"id", "type"}`, no status.
        "staticlist-byname" => (1, 1159, folder(12), Approval::Draft),
        "snippets-browse" => (3, 23, folder(620), Approval::Draft),
        // `"status": "Draft"`.
        "emailtemplates-browse" => {
            let n = if file.ends_with("__1.json") { 7 } else { 3 };
            (n, 18, folder(15), Approval::Draft)
        }
        "landingpagetemplate-create" => (1, 286, folder(12), Approval::Draft),
        "landingpagetemplate-clone" => (1, 61, folder(732), Approval::Draft),
        // In a program; approved.
        _ => (2, 1001, program_folder(396), Approval::Approved),
    };
    assert_eq!(assets.len(), n);
    assert_eq!((a.id, a.folder, a.approval()), (id, parent, approval));
    assert!(!a.name.is_empty());
    assert!(a.updated_at.ends_with("Z+0000"), "{}", a.updated_at);
}
