//! The human output (issue 12, spec 5a): the table fits the width, shows
//! blocked programs and their causes first, problems shared by many
//! programs once, ends with counts per action; `--quiet`, `--verbose`,
//! collapsed long listings; `--format markdown`; the exit codes of
//! `run --skip-blocked`. (Terminals themselves: terminal.rs.)

use std::collections::BTreeMap;

use crate::support::*;
use serde_json::Value;
use tempfile::TempDir;

/// `mkimport ARGS` with standard output piped, no COLUMNS, no NO_COLOR
/// (colour must stay off because it is piped), and `env` on top.
fn human(args: &[&str], env: &[(&str, &str)]) -> Outcome {
    let mut cmd = mkimport();
    cmd.env_remove("COLUMNS").env_remove("NO_COLOR").args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    finish(&mut cmd)
}

fn sandbox_preview(extra: &[&str], env: &[(&str, &str)]) -> Outcome {
    let production = fixtures().join("production");
    let mut args = vec![
        "preview".to_string(),
        "--from".to_string(),
        sandbox(),
        "--to".to_string(),
        p(&production).to_string(),
        "--user".to_string(),
        OPS.to_string(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    human(&args, env)
}

#[test]
fn the_table_fits_columns_and_uses_them() {
    for columns in [50, 80, 100, 160] {
        let out = sandbox_preview(&[], &[("COLUMNS", &columns.to_string())]);
        out.expect_code(3);
        assert!(
            widest(&out.stdout) <= columns,
            "COLUMNS={columns}: a line of {} columns:\n{}",
            widest(&out.stdout),
            out.stdout
        );
        if columns == 160 {
            assert!(widest(&out.stdout) > 100, "160 columns are used");
        }
    }
}

#[test]
fn piped_without_columns_the_table_is_80_wide_and_plain() {
    let out = sandbox_preview(&[], &[]);
    out.expect_code(3);
    assert!(widest(&out.stdout) <= 80, "{}", out.stdout);
    assert!(widest(&out.stdout) > 60, "{}", out.stdout);
    assert!(!out.stdout.contains('\x1b'), "no colour in a pipe");
}

#[test]
fn blocked_programs_and_their_causes_come_first() {
    let out = sandbox_preview(&[], &[]);
    let text = &out.stdout;
    assert!(text.starts_with("Blocked: 3 programs"), "{text}");
    let cause = text
        .find("field \"Behavior Score\" does not exist")
        .expect("the cause");
    let first_ok = text
        .find("2026 APAC Growth Summit →")
        .expect("an ok program");
    assert!(cause < first_ok, "{text}");
    // The blocked section shows causes, never rows that would mislead.
    let blocked = &text[..text.find("\n\n").expect("a blank line")];
    for action in ["create", "rename", "reuse", "deactivate"] {
        assert!(
            !blocked.lines().any(|l| l.trim_start().starts_with(action)),
            "a {action} row under a blocked program:\n{blocked}"
        );
    }
    for program in [
        "2026 State of Marketing Ops Report",
        "2026 Trial Conversion Nurture",
        ROUNDTABLE,
    ] {
        assert!(blocked.contains(program), "{program}: {blocked}");
        assert!(
            !text.contains(&format!("{program} →")),
            "{program} as imported"
        );
    }
}

/// Rows are grouped under their program: the program's name is a heading,
/// not repeated on each row.
#[test]
fn rows_are_grouped_by_program() {
    let out = sandbox_preview(&["--verbose"], &[]);
    let text = &out.stdout;
    assert_eq!(
        text.matches(WEBINAR).count(),
        2,
        "heading and program row:\n{text}"
    );
    let heading = text
        .find(&format!("{WEBINAR} → Webinars/2026"))
        .expect("heading");
    let rename = text
        .find("Standard Template → Standard Template 1")
        .expect("the rename row");
    assert!(heading < rename);
}

/// The counts per action of the programs to import, terraform-style, end
/// the table.
#[test]
fn the_table_ends_with_counts_per_action() {
    let out = run(&[
        "preview",
        "--from",
        &sandbox(),
        "--to",
        p(&fixtures().join("production")),
        "--user",
        OPS,
        "--json",
    ]);
    let json = out.json();
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for program in json["programs"].as_array().unwrap() {
        if program["status"] == "ok" {
            for asset in program["assets"].as_array().unwrap() {
                *counts
                    .entry(asset["action"].as_str().unwrap().to_string())
                    .or_default() += 1;
            }
        }
    }
    let out = sandbox_preview(&["--quiet"], &[("COLUMNS", "200")]);
    let last = out.stdout.lines().last().unwrap().to_string();
    assert!(last.starts_with("Plan: "), "{}", out.stdout);
    assert!(last.ends_with("; 3 programs blocked"), "{last}");
    for (action, n) in &counts {
        assert!(
            last.contains(&format!("{n} to {action}")),
            "{action}: {last}"
        );
    }
    assert!(last.starts_with(&format!(
        "Plan: {} to create, 1 to rename",
        counts["create"]
    )));
}

#[test]
fn a_problem_many_programs_share_is_shown_once_with_their_number() {
    let out = sandbox_preview(&["--folder", "Nowhere"], &[]);
    out.expect_code(3);
    let text = &out.stdout;
    assert_eq!(
        text.matches("campaign folder \"Nowhere\" does not exist")
            .count(),
        1,
        "{text}"
    );
    assert!(text.contains("in 6 programs"), "{text}");
    // Not all six names: a few, and how many more.
    assert!(text.contains("and 3 more"), "{text}");
    let all = sandbox_preview(&["--folder", "Nowhere", "--verbose"], &[]);
    assert!(all.stdout.contains(ROUNDTABLE) && all.stdout.contains(WEBINAR));
}

#[test]
fn quiet_prints_only_problems_and_the_summary() {
    let out = sandbox_preview(&["--quiet"], &[]);
    out.expect_code(3);
    let text = &out.stdout;
    assert!(text.contains("error[missing-field]"), "{text}");
    assert!(text.contains("warning[unresolved-token]"), "{text}");
    assert!(text.contains("6 programs: 3 ok, 3 blocked"), "{text}");
    assert!(text.contains("Plan: "), "{text}");
    for row in ["unschedule  ", "deactivate  ", "rename  ", "+ "] {
        assert!(
            !text.lines().any(|l| l.trim_start().starts_with(row)),
            "{row:?} in --quiet:\n{text}"
        );
    }
    let both = human(&["preview", "--quiet", "--verbose"], &[]);
    both.expect_code(2);
}

/// An 800-program run must not print tens of thousands of lines before
/// its prompt: by default long listings collapse; `--verbose` shows every
/// row.
#[test]
fn long_listings_collapse_unless_verbose() {
    let work = TempDir::new().unwrap();
    let source = work.path().join("source");
    let target = work.path().join("target");
    generate_bundles(&source, 200);
    minimal_target(&target);
    let args = ["preview", "--from", p(&source), "--to", p(&target)];
    let normal = human(&args, &[]);
    normal.expect_code(0);
    let lines = normal.stdout.lines().count();
    assert!(lines < 200, "{lines} lines:\n{}", normal.stdout);
    assert!(
        normal.stdout.contains("… and ") && normal.stdout.contains("more programs to import"),
        "{}",
        normal.stdout
    );
    assert!(
        normal.stdout.contains("--verbose"),
        "a hint to see everything"
    );
    assert!(!normal.stdout.contains(&generated_name(199)));

    let verbose = human(&[&args[..], &["--verbose"]].concat(), &[]);
    verbose.expect_code(0);
    let out = run(&[&args[..], &["--json"]].concat());
    let json = out.json();
    let rows: usize = json["programs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["assets"].as_array().unwrap().len())
        .sum();
    let create_rows = verbose
        .stdout
        .lines()
        .filter(|l| l.trim_start().starts_with("create "))
        .count();
    assert!(
        rows > 1000 && create_rows > 800,
        "{rows} rows, {create_rows} create"
    );
    for i in 0..200 {
        assert!(verbose.stdout.contains(&generated_name(i)), "{i}");
    }
}

/// `--format table` is the default; `--json` and `--events` stay as short
/// forms of `--format json|events`.
#[test]
fn format_and_its_short_forms() {
    let json = sandbox_preview(&["--format", "json"], &[]);
    let short = sandbox_preview(&["--json"], &[]);
    assert_eq!(json.stdout, short.stdout);
    serde_json::from_str::<Value>(&json.stdout).expect("JSON");
    let table = sandbox_preview(&["--format", "table"], &[]);
    assert_eq!(table.stdout, sandbox_preview(&[], &[]).stdout);
    let events = sandbox_preview(&["--format", "events"], &[]);
    assert_eq!(events.stdout, sandbox_preview(&["--events"], &[]).stdout);
    human(&["preview", "--format", "yaml"], &[]).expect_code(2);
}

// ---------------------------------------------------------------------
// Markdown

/// Every pipe table of `markdown` as GitHub's parser (GFM) sees it: rows
/// of cells, the header first. Panics when a row has another number of
/// cells than its header.
fn tables(markdown: &str) -> Vec<Vec<Vec<String>>> {
    use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
    let mut tables = Vec::new();
    let mut table: Vec<Vec<String>> = Vec::new();
    let mut row: Vec<String> = Vec::new();
    let mut cell: Option<String> = None;
    for event in Parser::new_ext(markdown, Options::ENABLE_TABLES) {
        match event {
            Event::Start(Tag::Table(_)) => table = Vec::new(),
            Event::End(TagEnd::Table) => tables.push(std::mem::take(&mut table)),
            Event::Start(Tag::TableHead) | Event::Start(Tag::TableRow) => row = Vec::new(),
            Event::End(TagEnd::TableHead) | Event::End(TagEnd::TableRow) => {
                if let Some(header) = table.first() {
                    assert_eq!(row.len(), header.len(), "a ragged row {row:?}");
                }
                table.push(std::mem::take(&mut row));
            }
            Event::Start(Tag::TableCell) => cell = Some(String::new()),
            Event::End(TagEnd::TableCell) => row.push(cell.take().unwrap_or_default()),
            Event::Text(t) | Event::Code(t) => {
                if let Some(cell) = &mut cell {
                    cell.push_str(&t);
                }
            }
            _ => {}
        }
    }
    tables
}

#[test]
fn markdown_gives_counts_status_blocking_problems_and_notable_assets() {
    let out = sandbox_preview(&["--format", "markdown"], &[]);
    out.expect_code(3);
    let md = &out.stdout;
    assert!(
        md.starts_with("## mkimport preview: 3 of 6 programs blocked"),
        "{md}"
    );
    assert!(md.contains("6 programs: 3 ok, 3 blocked"), "{md}");
    assert!(md.contains("Plan: "), "{md}");
    let tables = tables(md);
    // The status of every program, blocked first, in a three-column table.
    let status = &tables[0];
    assert_eq!(status[0], ["program", "status", "problems"]);
    assert_eq!(status.len(), 7);
    assert!(status[1][1].contains("blocked") && status[3][1].contains("blocked"));
    assert!(status[4][1].contains("ok"));
    // Narrow tables: at most four columns.
    assert!(tables.iter().all(|t| t[0].len() <= 4));
    // Blocking problems, then per program its notable assets.
    assert!(md.contains("### Blocking problems"), "{md}");
    assert!(
        md.contains("`missing-field`: field \"Behavior Score\""),
        "{md}"
    );
    let rows: Vec<&Vec<String>> = tables[1..].iter().flat_map(|t| t[1..].iter()).collect();
    assert!(rows
        .iter()
        .any(|r| r[0] == "rename" && r[2] == "Standard Template → Standard Template 1"));
    assert!(rows.iter().any(|r| r[0] == "reuse"));
    assert!(rows.iter().any(|r| r[0] == "skip"));
    assert!(rows.iter().any(|r| r[0] == "drop"));
    assert!(
        !rows.iter().any(|r| r[0] == "create"),
        "plain creations are counted, not listed"
    );
    assert!(md.contains("to create: 1 program, 7 tokens"), "{md}");
    // --verbose lists them too.
    let verbose = sandbox_preview(&["--format", "markdown", "--verbose"], &[]);
    let all = self::tables(&verbose.stdout);
    assert!(all[1..]
        .iter()
        .flat_map(|t| t[1..].iter())
        .any(|r| r[0] == "create"));
}

#[test]
fn markdown_escapes_names_so_tables_hold() {
    let work = TempDir::new().unwrap();
    let bundle = work.path().join("bundle");
    let name = "Pipe | Star *bold* <b>x</b> `tick`";
    write_json(
        &bundle,
        "program.json",
        &serde_json::json!({
            "format": 1, "exported_from": "Acme Sandbox",
            "program": {"name": name, "folder": "Operational"},
            "emails": [{"name": "A | B", "dynamic_content": true}],
        }),
    );
    let out = human(
        &[
            "preview",
            "--from",
            p(&bundle),
            "--to",
            p(&fixtures().join("production")),
            "--user",
            OPS,
            "--format",
            "markdown",
        ],
        &[],
    );
    out.expect_code(0);
    let tables = tables(&out.stdout);
    assert_eq!(tables[0][1][0], name, "{}", out.stdout);
    let skip = tables[1]
        .iter()
        .find(|r| r[0] == "skip")
        .expect("the skipped email");
    assert_eq!(skip[2], "A | B");
    assert!(!out.stdout.contains("<b>"), "no raw HTML");
}

#[test]
fn markdown_of_a_run_names_the_import() {
    let (_dir, target) = copy_fixture("production");
    let out = human(
        &[
            "run",
            "--from",
            &sandbox(),
            "--to",
            p(&target),
            "--user",
            OPS,
            "--program",
            WEBINAR,
            "--yes",
            "--format",
            "markdown",
        ],
        &[],
    );
    out.expect_code(0);
    assert!(
        out.stdout
            .starts_with("## mkimport run: 1 program imported into"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("Import `"), "{}", out.stdout);
}

// ---------------------------------------------------------------------
// run --skip-blocked: 4 partial, 3 none imported, 0 none blocked

#[test]
fn skip_blocked_exits_4_when_partial_3_when_nothing_imported() {
    let (_dir, target) = copy_fixture("production");
    let before = snapshot(&target);
    let blocked_only = run(&[
        "run",
        "--from",
        &sandbox(),
        "--to",
        p(&target),
        "--user",
        OPS,
        "--program",
        ROUNDTABLE,
        "--skip-blocked",
        "--yes",
        "--json",
    ]);
    blocked_only.expect_code(3);
    assert_same_tree(&before, &snapshot(&target), "nothing to import");

    let partial = run_sandbox(&target, &[]);
    partial.expect_code(4);
    let report = partial.json();
    assert_eq!(report["summary"]["ok"], 3);
    assert_eq!(report["summary"]["blocked"], 3);

    // Again: the three are unchanged, the three still blocked, nothing
    // imported: 3.
    run_sandbox(&target, &[]).expect_code(3);

    let (_dir, clean) = copy_fixture("production");
    let sandbox = sandbox();
    let mut args = vec![
        "run",
        "--from",
        &sandbox,
        "--to",
        p(&clean),
        "--user",
        OPS,
        "--skip-blocked",
        "--yes",
        "--json",
    ];
    for program in OK_PROGRAMS {
        args.extend(["--program", program]);
    }
    run(&args).expect_code(0);
}

/// Names come from bundles: an escape sequence or a line break in one
/// never reaches the terminal as it is.
#[test]
fn control_characters_in_names_are_neutralised() {
    let work = TempDir::new().unwrap();
    let bundle = work.path().join("bundle");
    write_json(
        &bundle,
        "program.json",
        &serde_json::json!({
            "format": 1, "exported_from": "Acme Sandbox",
            "program": {"name": "Evil\u{1b}[2J\nName", "folder": "Operational"},
            "emails": [{"name": "Mail\u{1b}]0;title\u{7}", "dynamic_content": true}],
        }),
    );
    let production = fixtures().join("production");
    for extra in [&[][..], &["--verbose"], &["--format", "markdown"]] {
        let mut args = vec![
            "preview",
            "--from",
            p(&bundle),
            "--to",
            p(&production),
            "--user",
            OPS,
        ];
        args.extend_from_slice(extra);
        let out = human(&args, &[]);
        out.expect_code(0);
        assert!(
            !out.stdout.contains('\u{1b}'),
            "{extra:?}: {:?}",
            out.stdout
        );
        assert!(!out.stdout.contains('\u{7}'), "{extra:?}");
        assert!(
            out.stdout.contains("Evil?[2J?Name") || out.stdout.contains("Evil \\[2J Name"),
            "{extra:?}: {}",
            out.stdout
        );
    }
}

#[test]
fn a_run_and_its_undo_fit_80_columns_but_for_the_receipt_path() {
    let (_guard, target) = copy_fixture("production");
    let fits = |out: &Outcome| {
        // Every line but the receipt's path, and the paths an undo lists
        // (a path is never cut).
        let listed = |l: &str| {
            ["  remove ", "  restore "]
                .iter()
                .any(|verb| l.starts_with(verb))
        };
        for line in out
            .stdout
            .lines()
            .filter(|l| !l.starts_with("receipt ") && !listed(l))
        {
            assert!(line.chars().count() <= 80, "{line:?} in\n{}", out.stdout);
        }
        let receipt = out
            .stdout
            .lines()
            .find_map(|l| l.strip_prefix("receipt "))
            .unwrap_or_else(|| panic!("no receipt line in\n{}", out.stdout));
        assert!(std::path::Path::new(receipt).is_file(), "{receipt}");
    };
    let run = human(
        &[
            "run",
            "--from",
            &sandbox(),
            "--to",
            p(&target),
            "--skip-blocked",
            "--yes",
        ],
        &[],
    );
    run.expect_code(4);
    fits(&run);
    let log = human(&["log", "--to", p(&target), "--json"], &[]);
    let id = log.json()["imports"][0]["import_id"]
        .as_str()
        .unwrap()
        .to_string();
    let undo = human(&["undo", &id, "--to", p(&target), "--yes"], &[]);
    undo.expect_code(0);
    fits(&undo);
}
