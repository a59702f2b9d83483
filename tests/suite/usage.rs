//! Usage mistakes (issue 12, spec 5a): exit 2, the file and the position
//! named, the nearest valid word suggested, and lists that stay short.

use std::path::Path;

use crate::support::*;
use tempfile::TempDir;

fn production() -> String {
    p(&fixtures().join("production")).to_string()
}

fn preview_sandbox(extra: &[&str]) -> Outcome {
    let production = production();
    let sandbox = sandbox();
    let mut args = vec!["preview", "--from", &sandbox, "--to", &production];
    args.extend_from_slice(extra);
    run(&args)
}

#[track_caller]
fn usage_error(out: &Outcome, wanted: &[&str]) {
    out.expect_code(2);
    assert!(out.stdout.is_empty(), "nothing on stdout: {}", out.stdout);
    for text in wanted {
        assert!(out.stderr.contains(text), "{text:?} not in: {}", out.stderr);
    }
}

#[test]
fn a_rules_file_with_broken_json_names_file_line_and_column() {
    let dir = TempDir::new().unwrap();
    let rules = dir.path().join("rules.json");
    std::fs::write(&rules, "{\n  \"program\": \"rename\",\n").unwrap();
    let out = preview_sandbox(&["--conflict", p(&rules)]);
    usage_error(&out, &[&format!("{}:3:1:", p(&rules)), "invalid JSON"]);
    assert!(!out.stderr.contains(":0"), "{}", out.stderr);
    std::fs::write(&rules, "{\"program\": rename}").unwrap();
    let out = preview_sandbox(&["--conflict", p(&rules)]);
    usage_error(&out, &[&format!("{}:1:13:", p(&rules))]);
}

#[test]
fn a_rules_file_with_an_unknown_rule_or_kind_names_where() {
    let dir = TempDir::new().unwrap();
    let rules = dir.path().join("rules.json");
    std::fs::write(
        &rules,
        "{\n  \"program\": \"rename\",\n  \"tag\": \"crate\"\n}\n",
    )
    .unwrap();
    let out = preview_sandbox(&["--conflict", p(&rules)]);
    usage_error(
        &out,
        &[&format!("{}:3:10:", p(&rules)), "did you mean \"create\""],
    );
    std::fs::write(&rules, "{\n  \"landing-page-templates\": \"reuse\"\n}\n").unwrap();
    let out = preview_sandbox(&["--conflict", p(&rules)]);
    usage_error(
        &out,
        &[
            &format!("{}:2:3:", p(&rules)),
            "did you mean \"landing-page-template\"",
        ],
    );
}

#[test]
fn a_bundle_json_error_never_names_column_zero() {
    let dir = TempDir::new().unwrap();
    write_file(dir.path(), "b/program.json", "{\n");
    let production = production();
    let out = run(&[
        "preview",
        "--from",
        p(&dir.path().join("b")),
        "--to",
        &production,
        "--json",
    ]);
    out.expect_code(1);
    assert!(out.stderr.contains("program.json:2:1"), "{}", out.stderr);
}

#[test]
fn mistyped_words_get_the_nearest_valid_one() {
    usage_error(
        &preview_sandbox(&["--conflict", "defualt"]),
        &["did you mean \"default\""],
    );
    usage_error(
        &preview_sandbox(&["--rule", "landing-page-templat=reuse"]),
        &["did you mean \"landing-page-template\""],
    );
    usage_error(
        &preview_sandbox(&["--rule", "program=renam"]),
        &["did you mean \"rename\"", "fail, rename, skip"],
    );
    usage_error(
        &preview_sandbox(&["--program", "2026 APAC Growth Sumit"]),
        &["did you mean \"2026 APAC Growth Summit\""],
    );
    usage_error(
        &run(&["library", "show", "Lifecyle 2"]),
        &["did you mean \"Lifecycle 2\""],
    );
    usage_error(
        &run(&["library", "show", "Nothing Like It"]),
        &["library list"],
    );
    let sandbox = sandbox();
    let dir = TempDir::new().unwrap();
    let out = dir.path().join("x.zip");
    usage_error(
        &run(&[
            "export",
            "--from",
            &sandbox,
            "--program",
            "2026-07 Monthly Newsletr",
            "--out",
            p(&out),
        ]),
        &["did you mean \"2026-07 Monthly Newsletter\""],
    );
}

/// 200 programs: an unknown name gets a few suggestions, never the list.
#[test]
fn an_unknown_program_among_many_lists_a_few() {
    let work = TempDir::new().unwrap();
    let source = work.path().join("source");
    let target = work.path().join("target");
    generate_bundles(&source, 200);
    minimal_target(&target);
    let out = run(&[
        "preview",
        "--from",
        p(&source),
        "--to",
        p(&target),
        "--program",
        "Generated Program 0100",
    ]);
    usage_error(&out, &["did you mean", "it holds 200 programs"]);
    assert!(out.stderr.len() < 400, "{}", out.stderr);
    let out = run(&[
        "preview",
        "--from",
        p(&source),
        "--to",
        p(&target),
        "--program",
        "Nothing Like It",
    ]);
    usage_error(&out, &["it holds 200 programs"]);
    assert!(
        !out.stderr.contains("Generated Program 001"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_missing_to_says_it_does_not_exist() {
    let sandbox = sandbox();
    let out = run(&[
        "preview",
        "--from",
        &sandbox,
        "--to",
        p(&fixtures().join("prodution")),
    ]);
    usage_error(
        &out,
        &[
            "prodution does not exist",
            "did you mean",
            "fixtures/production\"",
        ],
    );
    // A directory without subscription.json: still usage, said so.
    let out = run(&["preview", "--from", &sandbox, "--to", p(&fixtures())]);
    usage_error(
        &out,
        &["is not a subscription directory (it has no subscription.json)"],
    );
    // Nothing near it (`--to prod-copy/`, as a first try): what a target
    // is, and how to make one.
    let dir = TempDir::new().unwrap();
    let copy = format!("{}/prod-copy/", p(dir.path()));
    let out = run(&["run", "--from", &sandbox, "--to", &copy, "--yes"]);
    usage_error(
        &out,
        &[
            "prod-copy/ does not exist; the target must be an existing subscription directory",
            "cp -r",
            "marketo:INSTANCE",
        ],
    );
    assert!(!Path::new(&copy).exists(), "nothing was created");
    // subscription.json that is a directory, or a file as the target:
    // what is wrong, said as it is.
    let odd = dir.path().join("odd");
    std::fs::create_dir_all(odd.join("subscription.json")).unwrap();
    let out = run(&["preview", "--from", &sandbox, "--to", p(&odd)]);
    usage_error(
        &out,
        &["is not a subscription directory: its subscription.json is a directory, not a file"],
    );
    let file = dir.path().join("file");
    std::fs::write(&file, "x").unwrap();
    let out = run(&["preview", "--from", &sandbox, "--to", p(&file)]);
    usage_error(&out, &["is a file, not a subscription directory"]);
}

/// Rules and rule kinds are lower case: a capital gets a hint that says
/// so, on the command line and in a rules file.
#[test]
fn a_rule_in_the_wrong_case_gets_a_case_hint() {
    let out = preview_sandbox(&["--rule", "email-template=Overwrite"]);
    usage_error(
        &out,
        &["unknown rule \"Overwrite\" for email-template (rules are lower case: did you mean \"overwrite\"?)"],
    );
    let out = preview_sandbox(&["--rule", "Email-Template=overwrite"]);
    usage_error(
        &out,
        &["(rule kinds are lower case: did you mean \"email-template\"?)"],
    );
    let dir = TempDir::new().unwrap();
    let rules = dir.path().join("rules.json");
    std::fs::write(&rules, r#"{"program": "Rename"}"#).unwrap();
    let out = preview_sandbox(&["--conflict", p(&rules)]);
    usage_error(&out, &["(rules are lower case: did you mean \"rename\"?)"]);
}

/// A missing --from is a usage error for every command that takes it.
#[test]
fn a_missing_from_is_a_usage_error_everywhere() {
    let production = production();
    let missing = p(&fixtures().join("sandbx")).to_string();
    let dir = TempDir::new().unwrap();
    let zip = dir.path().join("x.zip");
    for args in [
        vec!["preview", "--from", &missing, "--to", &production],
        vec!["run", "--from", &missing, "--to", &production, "--yes"],
        vec![
            "export",
            "--from",
            &missing,
            "--program",
            "X",
            "--out",
            p(&zip),
        ],
    ] {
        let out = run(&args);
        usage_error(&out, &["sandbx does not exist", "fixtures/sandbox\""]);
    }
}

#[test]
fn a_source_inside_marketing_activities_hints_at_the_subscription() {
    let from = fixtures().join("sandbox/marketing-activities");
    let production = production();
    let out = run(&[
        "preview",
        "--from",
        p(&from),
        "--to",
        &production,
        "--user",
        OPS,
        "--json",
    ]);
    out.expect_code(3);
    let sandbox = sandbox();
    assert!(
        out.stderr
            .contains(&format!("--from {sandbox} --program NAME")),
        "{}",
        out.stderr
    );
    // Not for a source that is the subscription itself.
    let out = preview_sandbox(&["--user", OPS, "--json"]);
    assert!(!out.stderr.contains("hint:"), "{}", out.stderr);
}
