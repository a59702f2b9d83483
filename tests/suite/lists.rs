//! Lists (spec 13, issue 21): in a pipe (standard output not a terminal,
//! no COLUMNS) `library list` and `log` print one record per line, every
//! value whole, no box characters, so a script greps them; with a width
//! (COLUMNS, or a terminal) they fit it without ever cutting a word or an
//! id: a table when one fits, else one block per record.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

use crate::support::*;

const APAC: &str = "2026 APAC Growth Summit";
const NEWSLETTER: &str = "2026-07 Monthly Newsletter";
const BOX: [char; 4] = ['┌', '│', '─', '┘'];

/// A box-drawing character (or the dashes under a plain header).
fn drawing(c: char) -> bool {
    ('\u{2500}'..='\u{257f}').contains(&c) || c == '-'
}

/// `mkimport ARGS` with standard output piped; `COLUMNS` as given, else
/// unset.
fn list(args: &[&str], columns: Option<&str>) -> Outcome {
    let mut cmd = mkimport();
    cmd.env_remove("COLUMNS").args(args);
    if let Some(columns) = columns {
        cmd.env("COLUMNS", columns);
    }
    let out = finish(&mut cmd);
    out.expect_code(0);
    out
}

/// The words of `text`, without the punctuation that follows a word in
/// a layout ("emails:", "Summit;", "Summit,").
fn words(text: &str) -> BTreeSet<String> {
    text.split_whitespace()
        .map(|w| w.trim_end_matches([':', ';', ',']).to_string())
        .filter(|w| !w.is_empty() && !w.chars().all(drawing))
        .collect()
}

/// Every word shown is a whole word of what is listed (no "em", "ai",
/// "ls" of a header cut into pieces, no half of an id).
#[track_caller]
fn no_word_cut(shown: &str, whole: &BTreeSet<String>) {
    for word in words(shown) {
        assert!(
            whole.contains(&word),
            "{word:?} is not a whole word of the list:\n{shown}"
        );
    }
}

/// Every word of the values of a JSON document.
fn value_words(value: &Value, out: &mut BTreeSet<String>) {
    match value {
        Value::String(s) => out.extend(words(s)),
        Value::Number(n) => {
            out.insert(n.to_string());
        }
        Value::Array(items) => items.iter().for_each(|v| value_words(v, out)),
        Value::Object(map) => map.values().for_each(|v| value_words(v, out)),
        _ => {}
    }
}

#[test]
fn library_list_in_a_pipe_is_one_program_per_line() {
    let json = run(&["library", "list", "--json"]);
    let programs = json.json().as_array().expect("a list").clone();
    let out = list(&["library", "list"], None);
    let lines: Vec<&str> = out.stdout.lines().collect();
    // The header, then one line per program, nothing else.
    assert_eq!(lines.len(), 1 + programs.len(), "{}", out.stdout);
    assert!(lines[0].starts_with("name "), "{}", out.stdout);
    assert!(!out.stdout.contains(BOX), "{}", out.stdout);
    for (line, program) in lines[1..].iter().zip(&programs) {
        let name = program["name"].as_str().expect("name");
        assert!(line.starts_with(&format!("{name}  ")), "{line}");
        let channel = program["channel"].as_str().unwrap_or_default();
        assert!(line.contains(&format!("  {channel}  ")), "{line}");
    }
    // `library list | grep Nurture`: whole lines, each a program.
    let nurture: Vec<&str> = lines
        .iter()
        .filter(|l| l.contains("Nurture"))
        .copied()
        .collect();
    assert!(!nurture.is_empty());
    for line in nurture {
        assert!(
            programs
                .iter()
                .any(|p| line.starts_with(p["name"].as_str().unwrap())),
            "{line}"
        );
    }
}

#[test]
fn library_list_fits_a_width_without_cutting_words() {
    let json = run(&["library", "list", "--json"]);
    let programs = json.json().as_array().expect("a list").clone();
    let mut whole = BTreeSet::new();
    value_words(&Value::Array(programs.clone()), &mut whole);
    // The headers, and the hint that ends the list (one line when wide).
    let wide = list(&["library", "list"], Some("200"));
    assert!(wide.stdout.starts_with('┌'), "{}", wide.stdout);
    assert!(
        wide.stdout.contains("│ Basic Drip Nurture "),
        "{}",
        wide.stdout
    );
    let hint = wide.stdout.lines().last().expect("a hint");
    whole.extend(words(hint));
    whole.extend(words(
        "name type channel emails pages forms campaigns tokens",
    ));
    for columns in [40usize, 60, 80, 100, 200] {
        let out = list(&["library", "list"], Some(&columns.to_string()));
        assert!(
            widest(&out.stdout) <= columns,
            "COLUMNS={columns}:\n{}",
            out.stdout
        );
        no_word_cut(&out.stdout, &whole);
    }
    // Narrow: a block per program, the counts named.
    let narrow = list(&["library", "list"], Some("60"));
    assert!(
        narrow
            .stdout
            .starts_with("Basic Drip Nurture\n  type: engagement"),
        "{}",
        narrow.stdout
    );
    assert!(narrow.stdout.contains("campaigns: 9"), "{}", narrow.stdout);
}

/// A target with two imports, the first undone: (ids newest first, the
/// target's guard).
fn history() -> (tempfile::TempDir, std::path::PathBuf, Vec<String>) {
    let (guard, target) = copy_fixture("production");
    let one = |name: &str| {
        let out = run(&[
            "run",
            "--from",
            &sandbox(),
            "--to",
            p(&target),
            "--program",
            name,
            "--user",
            OPS,
            "--yes",
            "--json",
        ]);
        out.expect_code(0);
        out.json()["import_id"].as_str().unwrap().to_string()
    };
    let first = one(APAC);
    let second = one(NEWSLETTER);
    let undo = run(&["undo", &first, "--to", p(&target), "--yes", "--json"]);
    undo.expect_code(0);
    let undo = undo.json()["import_id"].as_str().unwrap().to_string();
    (guard, target, vec![undo, second, first])
}

fn log_words(target: &Path) -> BTreeSet<String> {
    let json = run(&["log", "--to", p(target), "--json"]);
    let mut whole = BTreeSet::new();
    value_words(json.json(), &mut whole);
    whole
}

#[test]
fn log_in_a_pipe_is_one_import_per_line_with_whole_ids() {
    let (_guard, target, ids) = history();
    let out = list(&["log", "--to", p(&target)], None);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 1 + ids.len(), "{}", out.stdout);
    assert!(lines[0].starts_with("import "), "{}", out.stdout);
    assert!(!out.stdout.contains(BOX), "{}", out.stdout);
    // Newest first, each line starts with its whole id (to copy, to grep).
    for (line, id) in lines[1..].iter().zip(&ids) {
        assert!(line.starts_with(&format!("{id}  ")), "{line}");
    }
    let (undo, second, first) = (&ids[0], &ids[1], &ids[2]);
    assert!(
        lines[1].contains(&format!("undo of {first}")),
        "{}",
        lines[1]
    );
    assert!(lines[2].ends_with(NEWSLETTER), "{}", lines[2]);
    assert!(
        lines[3].contains(&format!("UNDONE by {undo}")),
        "{}",
        lines[3]
    );
    assert!(
        lines[3].contains(&sandbox()),
        "the source whole: {}",
        lines[3]
    );
    assert!(lines[3].ends_with(APAC), "{}", lines[3]);
    // `log | grep ID` finds the import's one line.
    let found: Vec<&&str> = lines
        .iter()
        .filter(|l| l.contains(second.as_str()))
        .collect();
    assert_eq!(found.len(), 1, "{}", out.stdout);
}

#[test]
fn log_fits_a_width_without_cutting_ids_or_words() {
    let (_guard, target, ids) = history();
    let mut whole = log_words(&target);
    whole.extend(words("import time (UTC) user source result programs"));
    // The counts and the trailer, as the widest layout shows them.
    let wide = list(&["log", "--to", p(&target)], Some("300"));
    assert!(wide.stdout.starts_with('┌'), "{}", wide.stdout);
    whole.extend(words(&wide.stdout));
    for id in &ids {
        assert!(wide.stdout.contains(&format!("│ {id} ")), "{}", wide.stdout);
    }
    for columns in [40usize, 60, 80, 120, 200] {
        let out = list(&["log", "--to", p(&target)], Some(&columns.to_string()));
        let longest_word = words(&out.stdout).iter().map(|w| w.len()).max().unwrap();
        assert!(
            widest(&out.stdout) <= columns.max(longest_word + 4),
            "COLUMNS={columns}:\n{}",
            out.stdout
        );
        no_word_cut(&out.stdout, &whole);
        for id in &ids {
            assert!(
                out.stdout.contains(id.as_str()),
                "{id} at {columns}:\n{}",
                out.stdout
            );
        }
    }
    // At 60 columns: one block per import, its id on a line of its own.
    let narrow = list(&["log", "--to", p(&target)], Some("60"));
    for id in &ids {
        assert!(
            narrow.stdout.lines().any(|l| l == id),
            "{id}:\n{}",
            narrow.stdout
        );
    }
    assert!(
        narrow.stdout.contains("  time (UTC): "),
        "headers whole: {}",
        narrow.stdout
    );
}

/// `log --verbose` and `log --format markdown` of a directory target: an
/// import into a directory writes every asset, so nothing is left to do
/// by hand, and they say so; `--format json` is `--json`.
#[test]
fn log_verbose_and_markdown_of_a_directory() {
    let (_guard, target, ids) = history();
    let verbose = list(&["log", "--to", p(&target), "--verbose"], None);
    let lines: Vec<&str> = verbose.stdout.lines().collect();
    assert_eq!(lines.len(), 1 + ids.len() + 2, "{}", verbose.stdout);
    assert_eq!(lines[lines.len() - 1], "Nothing is left to do by hand.");
    let md = list(&["log", "--to", p(&target), "--format", "markdown"], None);
    let md = &md.stdout;
    assert!(md.starts_with("### mkimport log: 3 entries in "), "{md}");
    assert!(
        md.contains("| import | time (UTC) | user | source | result | programs |\n|---|"),
        "{md}"
    );
    for id in &ids {
        assert!(md.contains(&format!("| `{id}` |")), "{md}");
    }
    assert!(md.contains(&format!("UNDONE by {}", ids[0])), "{md}");
    assert!(
        md.contains("#### To do by hand in Marketo\n\nNothing is left to do by hand.\n"),
        "{md}"
    );
    assert!(!md.contains("- [ ]"), "{md}");
    let json = list(&["log", "--to", p(&target), "--format", "json"], None);
    let short = list(&["log", "--to", p(&target), "--json"], None);
    assert_eq!(json.json(), short.json());
    // Events are for runs; and one format at a time.
    for bad in [
        &["log", "--to", p(&target), "--format", "events"][..],
        &["log", "--to", p(&target), "--json", "--format", "markdown"][..],
    ] {
        let out = run(bad);
        out.expect_code(2);
    }
}
