//! The shipped fixtures (fixtures/README.md): every sandbox program into
//! production with the default rules gives 3 ok and 3 blocked, each for the
//! reasons the README lists (spec sections 4 and 8).

use std::path::PathBuf;

use crate::support::*;
use serde_json::Value;

const Q3: &str = "2026 Q3 Webinar - Scaling Marketing Ops";
const ROUNDTABLE: &str = "2025 Customer Roundtable";
const APAC: &str = "2026 APAC Growth Summit";
const NEWSLETTER: &str = "2026-07 Monthly Newsletter";
const REPORT: &str = "2026 State of Marketing Ops Report";
const NURTURE: &str = "2026 Trial Conversion Nurture";

fn fixtures_preview(extra: &[&str]) -> Outcome {
    let mut args = vec!["--user", OPS];
    args.extend_from_slice(extra);
    preview(
        &fixtures().join("sandbox"),
        &fixtures().join("production"),
        &args,
    )
}

#[test]
fn sandbox_into_production_gives_three_ok_and_three_blocked() {
    let out = fixtures_preview(&[]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert_eq!(out.json()["mode"], "preview");
    assert_eq!(out.json()["summary"]["programs"], 6);
    assert_eq!(out.json()["summary"]["ok"], 3);
    assert_eq!(out.json()["summary"]["blocked"], 3);
    assert_eq!(out.json()["summary"]["errors"], 6);
    for name in [Q3, APAC, NEWSLETTER] {
        assert_eq!(out.status(name), "ok", "{name}");
        assert!(errors(out.program(name)).is_empty(), "{name}");
    }
    assert_eq!(errors(out.program(ROUNDTABLE)), ["program-exists"]);
    assert_eq!(errors(out.program(REPORT)), ["missing-field"]);
    // Every cause at once (spec sections 4 and 8).
    assert_eq!(
        errors(out.program(NURTURE)),
        [
            "missing-custom-activity",
            "crm-flow-step",
            "field-type-mismatch",
            "field-api-name-mismatch"
        ]
    );
    for name in [ROUNDTABLE, REPORT, NURTURE] {
        assert_eq!(out.status(name), "blocked", "{name}");
    }
}

#[test]
fn q3_webinar() {
    let out = fixtures_preview(&[]);
    let p = out.program(Q3);
    assert_eq!(
        action_result(p, "landing-page-template", "Standard Template"),
        pair("rename", "Standard Template 1")
    );
    assert_eq!(
        outcome_of(p, "email-template", "Standard Email"),
        ("reuse".into(), "Standard Email".into(), "identical".into())
    );
    assert_eq!(
        action_result(p, "email-template", "Event Reminder"),
        pair("create", "Event Reminder")
    );
    assert_eq!(
        outcome_of(p, "image", "acme-logo.png"),
        ("reuse".into(), "acme-logo.png".into(), "identical".into())
    );
    let (a, r, reason) = outcome_of(p, "image", "hero-webinar.png");
    assert_eq!((a.as_str(), r.as_str()), ("reuse", "hero-webinar.png"));
    assert_ne!(reason, "identical", "the bytes differ: reused by rule");
    assert_eq!(
        action_result(p, "external-form", "Webinar Registration Form"),
        pair("reuse", "Webinar Registration form")
    );
    for token in ["my.Footer", "my.Support Email", "my.Webinar Platform"] {
        assert_eq!(outcome_of(p, "token", token).0, "localize", "{token}");
    }
    let company: Vec<&Value> = assets_of(p, "token")
        .into_iter()
        .filter(|t| t["name"] == "my.Company Name" && t["action"] != "drop")
        .collect();
    assert_eq!(company.len(), 1, "{p}");
    assert_eq!(company[0]["action"], "create", "the local token wins");
    let campaigns = assets_of(p, "smart-campaign");
    assert_eq!(
        campaigns
            .iter()
            .filter(|c| c["action"] == "deactivate")
            .count(),
        2
    );
    assert_eq!(
        campaigns
            .iter()
            .filter(|c| c["action"] == "unschedule")
            .count(),
        3
    );
    assert_eq!(outcome_of(p, "tag", "Region: EMEA").0, "reuse");
    assert!(problems(p, "missing-webhook").is_empty());
    assert!(problems(p, "missing-snippet").is_empty());
    // Spec 8: production's Webinars folder has its own support address
    // and company name, which the program's tokens hide.
    let shadows = messages(p, "token-shadows-folder");
    assert_eq!(shadows.len(), 2, "{shadows:?}");
    assert!(shadows.iter().any(|m| m.contains("my.Support Email")
        && m.contains("events@acme.example")
        && m.contains("webinars@acme.example")));
    // The invite list lives outside the program, and production lacks it;
    // the roundtable program and the Zoom step are there.
    let outside = messages(p, "outside-reference");
    assert_eq!(outside.len(), 1, "{outside:?}");
    assert!(outside[0].contains("Q3 Webinar Invite List"));
    assert!(problems(p, "missing-service").is_empty());
    assert!(assets_of(p, "service").is_empty(), "nothing mapped");
}

#[test]
fn roundtable_is_blocked_only_because_it_exists() {
    let out = fixtures_preview(&[]);
    let p = out.program(ROUNDTABLE);
    assert_eq!(
        outcome_of(p, "landing-page-template", "Two Column Template"),
        (
            "reuse".into(),
            "Two Column Template".into(),
            "identical".into()
        )
    );
    let out = fixtures_preview(&["--rule", "program=rename", "--program", ROUNDTABLE]);
    assert_eq!(out.code, 0, "{}", out.stdout);
    let p = out.only();
    assert_eq!(p["status"], "ok");
    assert_ne!(p["imported_as"], ROUNDTABLE);
}

#[test]
fn apac_summit_with_drop_all() {
    let out = fixtures_preview(&[]);
    let p = out.program(APAC);
    assert_eq!(problems(p, "image-token").len(), 1);
    assert!(assets_of(p, "token").iter().all(|t| t["action"] == "drop"));
    let unresolved = messages(p, "unresolved-token");
    for token in [
        "my.Summit Name",
        "my.Summit City",
        "my.Summit Date",
        "my.Venue",
    ] {
        assert!(
            unresolved.iter().any(|m| m.contains(token)),
            "{token}: {unresolved:?}"
        );
    }
    assert_eq!(outcome_of(p, "email", "Summit Invite - Japan").0, "skip");
    assert_eq!(outcome_of(p, "email", "Summit Invite").0, "create");
    assert!(messages(p, "missing-snippet")
        .iter()
        .any(|m| m.contains("APAC Privacy Notice")));
    assert!(messages(p, "dangling-reference")
        .iter()
        .any(|m| m.contains("Send Invite - Japan")));
    assert_eq!(
        action_result(p, "tag", "Region: APAC").0,
        "create".to_string()
    );
    assert_eq!(
        action_result(p, "image", "apac-summit-banner.png"),
        pair("create", "apac-summit-banner.png")
    );
    assert!(assets_of(p, "external-form").is_empty(), "local form only");
}

#[test]
fn apac_summit_with_drop_image() {
    let out = fixtures_preview(&["--rule", "image-token=drop-image", "--program", APAC]);
    assert_eq!(out.code, 0);
    let p = out.only();
    assert_eq!(outcome_of(p, "token", "my.Hero Image").0, "drop");
    let dropped: Vec<&Value> = assets_of(p, "token")
        .into_iter()
        .filter(|t| t["action"] == "drop")
        .collect();
    assert_eq!(dropped.len(), 1, "{p}");
    assert!(problems(p, "unresolved-token").is_empty(), "{p}");
}

#[test]
fn monthly_newsletter() {
    let out = fixtures_preview(&[]);
    let p = out.program(NEWSLETTER);
    assert_eq!(
        outcome_of(p, "email", "July Newsletter - Localized").0,
        "skip"
    );
    assert_eq!(problems(p, "dynamic-content").len(), 1);
    assert!(messages(p, "dangling-reference")
        .iter()
        .any(|m| m.contains("Send Localized Edition")));
    let unresolved = messages(p, "unresolved-token");
    assert_eq!(unresolved.len(), 1, "{unresolved:?}");
    assert!(unresolved[0].contains("my.Promo Code"));
    // {{my.Mailing Address}} is a token of production's Newsletters
    // folder, above Newsletters/2026 (spec 8): resolved, not reported.
    assert!(!unresolved[0].contains("Mailing Address"), "{unresolved:?}");
    let (a, r, reason) = outcome_of(p, "email-template", "Newsletter");
    assert_eq!((a.as_str(), r.as_str()), ("reuse", "Newsletter"));
    assert_ne!(reason, "identical");
    assert_eq!(
        outcome_of(p, "landing-page-template", "Blank Template"),
        ("reuse".into(), "Blank Template".into(), "identical".into())
    );
    assert_eq!(
        action_result(p, "image", "newsletter-july-header.png").0,
        "create"
    );
    assert!(
        assets_of(p, "external-form").is_empty(),
        "Newsletter Signup resolves to the local form"
    );
}

#[test]
fn marketing_ops_report() {
    let out = fixtures_preview(&[]);
    let p = out.program(REPORT);
    let missing = messages(p, "missing-field");
    assert_eq!(missing.len(), 1, "reported once: {missing:?}");
    assert!(missing[0].contains("Behavior Score"));
    assert_eq!(
        action_result(p, "landing-page-template", "Gated Content Template").0,
        "create"
    );
    assert_eq!(action_result(p, "image", "report-cover.png").0, "create");
}

#[test]
fn trial_conversion_nurture() {
    let out = fixtures_preview(&[]);
    let p = out.program(NURTURE);
    assert!(messages(p, "field-type-mismatch")[0].contains("Demographic Score"));
    let api = messages(p, "field-api-name-mismatch");
    assert_eq!(api.len(), 1, "{api:?}");
    assert!(
        api[0].contains("Lead Source Detail")
            && api[0].contains("leadSourceDetail")
            && api[0].contains("Lead_Source_Detail__c"),
        "{api:?}"
    );
    let crm = messages(p, "crm-flow-step");
    assert_eq!(crm.len(), 1, "{crm:?}");
    assert!(crm[0].contains("Sync Person to SFDC"), "{crm:?}");
    assert!(messages(p, "missing-custom-activity")[0].contains("Started Trial"));
    assert_eq!(outcome_of(p, "tag", "Business Unit: SMB").0, "create");
    assert_eq!(
        action_result(p, "external-form", "Contact Us Form"),
        pair("create", "Contact Us Form")
    );
    assert_eq!(
        action_result(p, "email-template", "Newsletter"),
        pair("reuse", "Newsletter")
    );
}

#[test]
fn outcomes_do_not_depend_on_program_order() {
    let all = fixtures_preview(&[]);
    let one = fixtures_preview(&["--program", Q3]);
    assert_eq!(one.only()["assets"], all.program(Q3)["assets"]);
    let reversed = fixtures_preview(&[
        "--program",
        NURTURE,
        "--program",
        NEWSLETTER,
        "--program",
        Q3,
        "--program",
        APAC,
    ]);
    for name in [NURTURE, NEWSLETTER, Q3, APAC] {
        assert_eq!(
            reversed.program(name)["assets"],
            all.program(name)["assets"],
            "{name}"
        );
    }
}

/// A copy of fixtures/production that declares its users and roles.
fn locked_production() -> (tempfile::TempDir, PathBuf) {
    let (dir, target) = copy_fixture("production");
    let path = target.join("subscription.json");
    let mut meta: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    meta["roles"] = serde_json::json!({"Admin": ["import_program"], "Analyst": []});
    meta["users"] =
        serde_json::json!({"ops@acme.example": "Admin", "analyst@acme.example": "Analyst"});
    std::fs::write(&path, meta.to_string()).unwrap();
    (dir, target)
}

#[test]
fn an_analyst_is_denied_everywhere() {
    let (_dir, locked) = locked_production();
    let out = preview(
        &fixtures().join("sandbox"),
        &locked,
        &["--user", "analyst@acme.example"],
    );
    assert_eq!(out.code, 3);
    assert_eq!(out.json()["summary"]["blocked"], 6);
    for p in out.programs() {
        assert!(
            errors(p).contains(&"permission-denied".to_string()),
            "{}",
            p["name"]
        );
    }
}

#[test]
fn no_user_is_denied_everywhere() {
    let (_dir, locked) = locked_production();
    let out = preview(&fixtures().join("sandbox"), &locked, &[]);
    assert_eq!(out.code, 3);
    assert_eq!(out.json()["summary"]["blocked"], 6);
}
