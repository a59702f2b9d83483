//! The unit tests of [`super`]: each shape of section, form row and
//! smart list, read.

use super::*;
use serde_json::json;

fn lookup() -> Lookup {
    let mut l = Lookup::default();
    l.snippets.insert(5, "Standard Footer".into());
    l.segmentations.insert(9, "Language".into());
    l.forms.insert(30, "Webinar Form".into());
    l.file_urls
        .insert("http://sim/rs/1/images/hero.png".into(), "hero.png".into());
    l.file_names.insert("hero.png".into(), "hero.png".into());
    l.file_names
        .insert("logo 2.png".into(), "Logo 2.png".into());
    l
}

fn sections(v: Value) -> Vec<EmailSection> {
    serde_json::from_value(v).unwrap()
}

#[test]
fn email_sections() {
    let s = sections(json!([
        {"htmlId": "body", "contentType": "Text",
         "value": "<p>Hi</p><img src=\"https://go.acme.example/rs/1/images/hero.png?v=2\"><img src='x/Logo%202.png'>"},
        {"htmlId": "footer", "contentType": "Snippet", "value": 5},
        {"htmlId": "dyn", "contentType": "DynamicContent",
         "value": {"type": "DynamicContent", "segmentation": "9", "default": "<p>{{my.X}}</p>"}},
        {"htmlId": "mod", "contentType": "Module"},
        {"htmlId": "gone", "contentType": "Snippet", "value": "77"}
    ]));
    let d = email(&s, &lookup());
    assert!(d.html.starts_with("<p>Hi</p>"));
    assert!(d.html.ends_with("<p>{{my.X}}</p>"));
    assert_eq!(
        d.images.iter().cloned().collect::<Vec<_>>(),
        ["Logo 2.png", "hero.png"]
    );
    assert_eq!(d.snippets.iter().collect::<Vec<_>>(), ["Standard Footer"]);
    assert_eq!(d.segmentations.iter().collect::<Vec<_>>(), ["Language"]);
    assert!(d.dynamic_content);
    assert_eq!(d.unknown, ["snippet 77"]);
}

#[test]
fn a_single_text_section_is_the_html_exactly() {
    let html = "<!DOCTYPE html>\n<html>\n<body>{{my.A}}</body>\n</html>\n";
    let d = email(
        &sections(json!([{"htmlId": "b", "contentType": "Text", "value": html}])),
        &lookup(),
    );
    assert_eq!(d.html, html);
    assert!(!d.dynamic_content);
}

#[test]
fn page_sections() {
    let s: Vec<PageSection> = serde_json::from_value(json!([
        {"id": "1", "type": "HTML", "content": "<div>x</div>"},
        {"id": 2, "type": "Form", "content": {"content": "30", "contentType": "Form"}},
        {"id": 3, "type": "Image", "content": "http://sim/rs/1/images/hero.png"},
    ]))
    .unwrap();
    let d = landing_page(&s, &lookup());
    assert_eq!(d.html, "<div>x</div>");
    assert_eq!(d.forms.iter().collect::<Vec<_>>(), ["Webinar Form"]);
    assert_eq!(d.images.iter().collect::<Vec<_>>(), ["hero.png"]);
}

#[test]
fn smart_list_rules() {
    let list: SmartList = serde_json::from_value(json!({
        "rules": {"filterMatchType": "All",
          "triggers": ["Fills Out Form",
                       {"name": "Webinar Attended", "ruleType": "x", "conditions": []}],
          "filters": [{"name": "Lead Score", "ruleType": "Lead Score", "conditions": []},
                      {"name": "Has Subscription", "ruleType": "Has Subscription", "conditions": []}]}
    }))
    .unwrap();
    let mut schema = Schema::default();
    schema
        .fields
        .insert("lead score".into(), "Lead Score".into());
    schema.custom_objects.push("Subscription".into());
    schema.custom_activities.push((
        "Webinar Attended".into(),
        "Attended Webinar".into(),
        "Webinar Attendance".into(),
    ));
    let r = campaign(&list, &schema);
    assert_eq!(r.triggers, ["Fills Out Form", "Webinar Attended"]);
    assert_eq!(r.filters, ["Lead Score", "Has Subscription"]);
    assert_eq!(r.fields.iter().collect::<Vec<_>>(), ["Lead Score"]);
    assert_eq!(
        r.custom_objects.iter().collect::<Vec<_>>(),
        ["Subscription"]
    );
    assert_eq!(
        r.custom_activities.iter().collect::<Vec<_>>(),
        ["Webinar Attendance"]
    );
}

#[test]
fn an_email_section_as_variants_is_its_html_variant() {
    let d = email(
        &sections(json!([
            {"htmlId": "free", "contentType": "Module", "index": 1},
            {"htmlId": "body", "contentType": "Text", "value": [
                {"type": "Text", "value": "Hi (text)"},
                {"type": "HTML", "value": "<p>Hi</p><img src=\"http://sim/rs/1/images/hero.png\">"}
            ]},
            {"htmlId": "pic", "contentType": "Image", "value": {"width": "600", "altText": ""}},
            {"htmlId": "vid", "contentType": "Video", "value": {}}
        ])),
        &lookup(),
    );
    assert_eq!(
        d.html,
        "<p>Hi</p><img src=\"http://sim/rs/1/images/hero.png\">"
    );
    assert_eq!(d.images.iter().collect::<Vec<_>>(), ["hero.png"]);
    assert!(d.unreadable.is_empty(), "{:?}", d.unreadable);
    assert!(d.html_known() && !d.dynamic_content);
}

#[test]
fn a_section_that_cannot_be_read_is_named_never_taken_as_empty() {
    let d = email(
        &sections(json!([
            {"htmlId": "a", "contentType": "Text"},
            {"htmlId": "b", "contentType": "Text", "value": [{"type": "Text", "value": "plain"}]},
            {"htmlId": "c", "contentType": "Hologram", "value": "<p>?</p>"},
            {"htmlId": "d", "contentType": "Text", "value": 12},
            {"htmlId": "e", "contentType": "Video", "value": {"url": "https://v.example/1"}}
        ])),
        &lookup(),
    );
    let named: Vec<String> = d.unreadable.iter().map(|u| u.to_string()).collect();
    assert_eq!(named.len(), 5, "{named:?}");
    assert!(
        named[0].starts_with("section \"a\" (Text) has no value"),
        "{named:?}"
    );
    assert!(named[1].contains("no HTML variant"), "{named:?}");
    assert!(
        named[2].starts_with("section \"c\" (Hologram) is of a type"),
        "{named:?}"
    );
    assert!(named[3].contains("not text"), "{named:?}");
    assert!(named[4].contains("(Video) has no place"), "{named:?}");
    // Nothing was read: the HTML is unknown, not empty.
    assert_eq!(d.html, "");
    assert!(!d.html_known());
    // One readable section among them: its HTML is known (and the
    // others still named).
    let d = email(
        &sections(json!([
            {"htmlId": "a", "contentType": "Text"},
            {"htmlId": "b", "contentType": "Text", "value": "<p>ok</p>"}
        ])),
        &lookup(),
    );
    assert_eq!(d.html, "<p>ok</p>");
    assert!(d.html_known());
    assert_eq!(d.unreadable.len(), 1);
}

#[test]
fn dynamic_content_is_recognised_wherever_it_is_marked() {
    let page: Vec<PageSection> = serde_json::from_value(json!([
        {"id": "16391", "type": "RichText", "index": 1,
         "content": {"content": "RVMtMTY2Ng==", "contentType": "DynamicContent"}},
        {"id": "16393", "type": "RichText", "index": 3, "content": "plain content"}
    ]))
    .unwrap();
    let d = landing_page(&page, &lookup());
    assert!(d.dynamic_content);
    assert_eq!(d.html, "plain content");
    assert!(!d.html.contains("RVMt"));
    assert!(d.unreadable.is_empty() && d.unknown.is_empty());
    // Its segmentation is another call's answer: the section's content
    // id is kept for it.
    assert!(d.segmentations.is_empty());
    assert_eq!(
        d.dynamic_sections,
        [DynamicSection {
            section: "16391".into(),
            content_id: "RVMtMTY2Ng==".into()
        }]
    );
    // In an email: a section whose value says so, one whose variants
    // do, and a dynamic section given as its content id (twice: one
    // call is enough).
    let d = email(
        &sections(json!([
            {"htmlId": "x", "contentType": "Text",
             "value": {"type": "DynamicContent", "segmentation": 9, "default": "<p>Hi</p>"}},
            {"htmlId": "y", "contentType": "Text",
             "value": [{"type": "Text", "value": "plain"},
                       {"type": "DynamicContent", "value": "RVMtNDg="}]},
            {"htmlId": "z", "contentType": "DynamicContent", "value": "RVMtNDk="},
            {"htmlId": "z2", "contentType": "DynamicContent", "value": "RVMtNDk="}
        ])),
        &lookup(),
    );
    assert!(d.dynamic_content);
    assert_eq!(d.html, "<p>Hi</p>");
    assert_eq!(d.segmentations.iter().collect::<Vec<_>>(), ["Language"]);
    let ids: Vec<(&str, &str)> = d
        .dynamic_sections
        .iter()
        .map(|s| (s.section.as_str(), s.content_id.as_str()))
        .collect();
    assert_eq!(ids, [("y", "RVMtNDg="), ("z", "RVMtNDk=")]);
    // A segmentation given by id (how a section is set: `value=1001`)
    // needs no call.
    let d = email(
        &sections(json!([{"htmlId": "b", "contentType": "DynamicContent", "value": "9"}])),
        &lookup(),
    );
    assert_eq!(d.segmentations.iter().collect::<Vec<_>>(), ["Language"]);
    assert!(d.dynamic_sections.is_empty());
}

#[test]
fn a_dynamic_sections_answer_names_its_segmentation() {
    // The Landing Pages page's example (Get Landing Page Dynamic
    // Content).
    let page = json!([{"createdAt": "2016-07-21", "updatedAt": "2016-07-21",
        "segmentation": 1007,
        "segments": [{"segmentId": 1018, "segmentName": "Default", "type": "RichText", "content": "x"}]}]);
    assert_eq!(dynamic_segmentation(&page), Some(1007));
    // The Swagger file's EmailDynamicContentResponse, the id a string.
    let email = json!([{"id": 1666, "segmentation": "9",
        "content": [{"id": "RVMtMTY2Ng==", "segmentId": "901", "segmentName": "Default", "type": "HTML", "content": "x"}]}]);
    assert_eq!(dynamic_segmentation(&email), Some(9));
    assert_eq!(dynamic_segmentation(&json!([])), None);
    assert_eq!(dynamic_segmentation(&json!([{"segments": []}])), None);
    // By id: its name; an id the instance did not list is unknown
    // (once).
    let mut d = Derived::default();
    d.add_segmentation(9, &lookup());
    d.add_segmentation(77, &lookup());
    d.add_segmentation(77, &lookup());
    assert_eq!(d.segmentations.iter().collect::<Vec<_>>(), ["Language"]);
    assert_eq!(d.unknown, ["segmentation 77"]);
}

#[test]
fn form_rows_that_are_not_lead_fields_are_not_fields() {
    let rows: Vec<FormField> = serde_json::from_value(json!([
        {"id": "FirstName", "label": "First Name:", "dataType": "text"},
        {"id": "Profiling", "dataType": "profiling", "rowNumber": 3},
        {"id": "SHRtbFRleHQ", "dataType": "htmltext", "text": "<div>Fancy</div>"},
        {"id": "Compliance", "label": "Compliance", "dataType": "fieldset",
         "fieldList": [{"fieldName": "HIPAA"}, {"fieldName": "PCI"}]},
        {"id": "Email", "dataType": "email"}
    ]))
    .unwrap();
    let read = form(&rows);
    assert_eq!(read.fields, ["FirstName", "Email"]);
    assert_eq!(read.left_out.len(), 2, "{:?}", read.left_out);
    assert!(
        read.left_out[0].contains("SHRtbFRleHQ"),
        "{:?}",
        read.left_out
    );
    assert!(
        read.left_out[1].contains("\"Compliance\"") && read.left_out[1].contains("HIPAA, PCI"),
        "{:?}",
        read.left_out
    );
}

#[test]
fn email_settings_in_every_shape() {
    let e: Email = serde_json::from_value(json!({
        "id": 1, "name": "E",
        "fromName": {"type": "Text", "value": "Acme"},
        "fromEmail": "news@acme.example",
        "replyEmail": null,
        "operational": true
    }))
    .unwrap();
    let s = email_settings(&e);
    assert_eq!(s.from_name.as_deref(), Some("Acme"));
    assert_eq!(s.from_email.as_deref(), Some("news@acme.example"));
    assert_eq!(s.reply_email, None);
    assert_eq!(s.operational, Some(true));
    assert!(s.dynamic.is_empty());
    let e: Email = serde_json::from_value(json!({
        "id": 1, "name": "E",
        "fromName": {"type": "DynamicContent", "value": 1001},
        "fromEmail": {"type": "Text", "value": ""}
    }))
    .unwrap();
    let s = email_settings(&e);
    assert_eq!(s.from_name, None);
    assert_eq!(s.from_email, None);
    assert_eq!(s.operational, None);
    assert_eq!(s.dynamic, ["from_name"]);
}

#[test]
fn percent_decoding() {
    assert_eq!(percent_decode("a%20b%2Fc"), "a b/c");
    assert_eq!(percent_decode("100%"), "100%");
    assert_eq!(percent_decode("%zz"), "%zz");
}
