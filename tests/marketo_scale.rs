//! Calls are the scarce resource: the call budget of issue 11, counted by
//! the simulator, for an instance of 1,000 programs with 10 emails, 3
//! landing pages and 5 smart campaigns each.
//!
//! - first pull ≤ (assets whose content must be fetched) + (list pages) + 50
//! - re-pull of the unchanged instance ≤ (list pages) + 50
//!
//! The bounds are computed from the instance, not from what mkimport says.
//! Contents that must be fetched, one call each (docs/marketo.md): the
//! token list of every program and campaign folder, the sections of every
//! email and landing page, the smart list of every campaign, the fields of
//! every form, the HTML of every template and snippet. List pages: one per
//! 200 records of each paged list, plus the last (short or empty) one.

mod marketo_support;

use std::time::{Duration, Instant};

use marketo_support::*;

const PROGRAMS: usize = 1_000;

/// Pages a paged list of `n` records takes at 200 a page, to the short or
/// empty last page.
fn pages(n: usize) -> u64 {
    (n / 200 + 1) as u64
}

#[test]
fn pulling_a_thousand_programs_keeps_to_the_call_budget() {
    let mut i = Instance::new("100-BIG-001");
    i.add_field("Email Address", Some("email"), "email");
    i.add_field("Lead Score", Some("leadScore"), "score");
    i.add_channel("Webinar", &["Invited", "Attended"]);
    let regions = ["EMEA", "AMER", "APAC", "LATAM"];
    let lines = ["Analytics", "Automation", "Platform"];
    i.add_tag_type("Region", &regions);
    i.add_tag_type("Product Line", &lines);
    i.add_segmentation("Language");
    let template = i.add_email_template("Standard", "<html>{{my.Title}}</html>");
    let page_template = i.add_landing_page_template("Page", "<html></html>");
    let snippet = i.add_snippet("Footer", "<p>f</p>");
    i.add_file("logo.png", b"logo".to_vec());
    let form = i.add_form(None, "Register", &["Email Address"]);
    let mut folders = Vec::new();
    for y in 0..5 {
        for q in 1..=4 {
            folders.push(i.add_folder(&format!("Programs/{}/Q{q}", 2022 + y)));
        }
    }
    for n in 0..PROGRAMS {
        let p = i.add_program(
            Parent::Folder(folders[n % folders.len()]),
            &format!("Program {n:04}"),
            "Event",
            "Webinar",
        );
        if let Some(program) = i.program_mut(p) {
            program.tags.push(("Region".into(), regions[n % 4].into()));
            program
                .tags
                .push(("Product Line".into(), lines[n % 3].into()));
            program
                .tokens
                .push(Token::new("Title", "text", &format!("Title {n}")));
        }
        for e in 0..10 {
            i.add_email(
                p,
                &format!("Email {e}"),
                Some(template),
                "Hello {{my.Title}}",
                vec![
                    Section::new(
                        "body",
                        "Text",
                        serde_json::json!(format!("<p>{n}/{e} {{{{my.Title}}}}</p>")),
                    ),
                    Section::new("foot", "Snippet", serde_json::json!(snippet)),
                ],
            );
        }
        for l in 0..3 {
            i.add_landing_page(
                p,
                &format!("Page {l}"),
                Some(page_template),
                vec![
                    Section::new("1", "HTML", serde_json::json!(format!("<h1>{n}/{l}</h1>"))),
                    Section::new(
                        "2",
                        "Form",
                        serde_json::json!({"content": form.to_string()}),
                    ),
                ],
            );
        }
        for c in 0..5 {
            let trigger = c % 2 == 0;
            i.add_campaign(
                p,
                &format!("Campaign {c}"),
                if trigger { "trigger" } else { "batch" },
                trigger,
                (!trigger).then_some("2026-09-01T09:00:00Z"),
                if trigger {
                    vec![Rule::new("Fills Out Form")]
                } else {
                    vec![]
                },
                vec![Rule::new("Lead Score")],
            );
        }
    }

    // The budget, from the instance.
    let emails = i.emails.len();
    let landing_pages = i.landing_pages.len();
    let campaigns = i.campaigns.len();
    let forms = i.forms.len();
    let campaign_folders = i
        .folders
        .values()
        .filter(|f| f.folder_type == "Marketing Folder")
        .count();
    let content = (PROGRAMS
        + campaign_folders
        + emails
        + landing_pages
        + campaigns
        + forms
        + i.email_templates.len()
        + i.landing_page_templates.len()
        + i.snippets.len()) as u64;
    let below_root = i
        .folders
        .values()
        .filter(|f| i.is_below(Parent::Folder(f.id), Parent::Folder(i.ma_root)))
        .count()
        + PROGRAMS;
    let tag_values = regions.len() + lines.len();
    let list_pages = pages(PROGRAMS)
        + pages(below_root)
        + pages(emails)
        + pages(landing_pages)
        + pages(forms)
        + pages(campaigns)
        + pages(i.email_templates.len())
        + pages(i.landing_page_templates.len())
        + pages(i.snippets.len())
        + pages(i.files.len())
        + pages(i.channels.len())
        + pages(i.tag_types.len())
        // Programs by tag: each value holds 250 or 334 programs.
        + regions.iter().map(|_| pages(PROGRAMS / regions.len())).sum::<u64>()
        + lines.iter().map(|_| pages(PROGRAMS / lines.len() + 1)).sum::<u64>();
    assert_eq!(tag_values, 7);

    let mut config = config();
    // A short window so 20,000 calls take seconds, and the limits still
    // bite if the client ignored them.
    config.window = Duration::from_millis(20);
    config.log_bodies = false;
    let sim = Sim::start(i, config).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("big");

    let started = Instant::now();
    let first = pull(&sim, &out, &["--json"]);
    first.expect(0);
    let first = first.json();
    let first_calls = first["calls"].as_u64().unwrap();
    let seen = sim
        .calls()
        .iter()
        .filter(|c| !c.path.starts_with("/rs/"))
        .count() as u64;
    assert_eq!(first_calls, seen);
    assert_eq!(first["programs"], PROGRAMS);
    assert!(
        first_calls <= content + list_pages + 50,
        "first pull: {first_calls} calls > {content} contents + {list_pages} list pages + 50"
    );
    assert_limits_kept(&sim);
    eprintln!(
        "first pull: {first_calls} calls (budget {}), {:?}",
        content + list_pages + 50,
        started.elapsed()
    );

    sim.reset_counters();
    let started = Instant::now();
    let second = pull(&sim, &out, &["--json"]);
    second.expect(0);
    let second = second.json();
    let second_calls = second["calls"].as_u64().unwrap();
    assert_eq!(second["changed"], false);
    assert_eq!(second["content_calls"], 0);
    assert!(
        second_calls <= list_pages + 50,
        "re-pull: {second_calls} calls > {list_pages} list pages + 50"
    );
    assert_limits_kept(&sim);
    eprintln!(
        "re-pull: {second_calls} calls (budget {}), {:?}",
        list_pages + 50,
        started.elapsed()
    );
}
