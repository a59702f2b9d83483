//! `mkimport log`: the imports into a target and their undos, newest
//! first, as a list (fitted to a terminal, or one line per entry in a
//! pipe), as `{"imports": [...]}`, or as Markdown; with `--verbose` (and
//! always in Markdown) what each live import left to do by hand in
//! Marketo, program by program.

use std::fmt::Write as _;

use serde_json::{json, Map, Value};

use super::markdown::escape;
use super::text::{clean, fitted_table, wrap, Fit};
use crate::history::{Handwork, History, Receipt, UNDO};

/// Names of the programs shown per import; the others are counted
/// (`--verbose`, and in a pipe: all).
const SHOWN_PROGRAMS: usize = 3;

/// One import of `log --json`.
fn entry(history: &History, receipt: &Receipt) -> Value {
    let programs: Vec<&str> = receipt
        .written_programs()
        .map(|p| p.target_name())
        .collect();
    let mut map = Map::new();
    map.insert("import_id".into(), json!(receipt.import_id));
    map.insert("mode".into(), json!(receipt.mode));
    map.insert("started_at".into(), json!(receipt.started_at));
    map.insert("user".into(), json!(receipt.user));
    map.insert("source".into(), json!(receipt.source));
    map.insert("programs".into(), json!(programs));
    map.insert("summary".into(), receipt.summary.clone());
    map.insert("sequence".into(), json!(receipt.sequence));
    let undone_by = history.undone_by(receipt);
    map.insert("undone".into(), json!(undone_by.is_some()));
    if let Some(undo) = undone_by {
        map.insert("undone_by".into(), json!(undo.import_id));
    }
    if let Some(undoes) = &receipt.undoes {
        map.insert("undoes".into(), json!(undoes));
    }
    let manual = receipt.manual();
    if !manual.is_empty() {
        // A live instance: what is left to do by hand.
        let rows: Vec<Value> = manual
            .iter()
            .map(|m| json!({"program": m.program, "kind": m.kind, "name": m.name, "reason": m.reason}))
            .collect();
        map.insert("manual".into(), Value::Array(rows));
    }
    Value::Object(map)
}

/// `log --json`: `{"imports": [...]}`, newest first.
pub fn log_json(history: &History) -> Value {
    let imports: Vec<Value> = history
        .receipts
        .iter()
        .rev()
        .map(|r| entry(history, r))
        .collect();
    json!({ "imports": imports })
}

fn plural(n: u64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// The counts of a run's summary that are not zero ("3 ok, 1 blocked, 12
/// to do by hand"), or what an undo took back.
fn counts(receipt: &Receipt) -> String {
    let number = |key: &str| receipt.summary[key].as_u64().unwrap_or(0);
    if receipt.mode == UNDO {
        let programs = number("programs");
        // An undo in a live instance deletes assets, not files.
        let what = if receipt.instance_assets.is_some() {
            "asset"
        } else {
            "file"
        };
        return format!(
            "{programs} program{} removed, {} {what}{} removed, {} restored",
            plural(programs),
            number("removed"),
            plural(number("removed")),
            number("restored"),
        );
    }
    let mut parts: Vec<String> = ["ok", "blocked", "unchanged", "skipped", "failed"]
        .iter()
        .filter(|k| number(k) > 0)
        .map(|k| format!("{} {k}", number(k)))
        .collect();
    let manual = receipt.manual().len();
    if manual > 0 {
        parts.push(format!("{manual} to do by hand"));
    }
    if parts.is_empty() {
        "nothing imported".to_string()
    } else {
        parts.join(", ")
    }
}

/// "2026-12-07 01:38:34" of a receipt's `started_at`, or "-".
fn time(receipt: &Receipt) -> String {
    receipt
        .started_at
        .as_deref()
        .map(|t| t.replace('T', " ").trim_end_matches('Z').to_string())
        .unwrap_or_else(|| "-".into())
}

/// The result of an entry, its lines: the counts, what it undoes, what
/// undid it.
fn result(history: &History, receipt: &Receipt) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(undoes) = &receipt.undoes {
        lines.push(format!("undo of {undoes}"));
    }
    lines.push(counts(receipt));
    if let Some(undo) = history.undone_by(receipt) {
        lines.push(format!("UNDONE by {}", undo.import_id));
    }
    lines
}

/// The names of an entry's programs: all, or a few and how many more.
fn program_names(receipt: &Receipt, all: bool) -> Vec<String> {
    let names: Vec<&str> = receipt
        .written_programs()
        .map(|p| p.target_name())
        .collect();
    if all || names.len() <= SHOWN_PROGRAMS {
        return names.iter().map(|n| n.to_string()).collect();
    }
    let mut shown: Vec<String> = names[..SHOWN_PROGRAMS]
        .iter()
        .map(|n| n.to_string())
        .collect();
    shown.push(format!("… and {} more", names.len() - SHOWN_PROGRAMS));
    shown
}

/// What one program of an import left to do by hand.
struct ProgramHandwork<'a> {
    receipt: &'a Receipt,
    program: &'a str,
    rows: Vec<Handwork<'a>>,
}

/// What the imports that stand (not undone) left to do by hand, newest
/// import first, per program.
fn handwork(history: &History) -> Vec<ProgramHandwork<'_>> {
    let mut out: Vec<ProgramHandwork> = Vec::new();
    for receipt in history.receipts.iter().rev() {
        if receipt.mode == UNDO || history.undone_by(receipt).is_some() {
            continue;
        }
        let start = out.len();
        for row in receipt.manual() {
            match out[start..].last_mut() {
                Some(last) if last.program == row.program => last.rows.push(row),
                _ => out.push(ProgramHandwork {
                    receipt,
                    program: row.program,
                    rows: vec![row],
                }),
            }
        }
    }
    out
}

/// One row to do, as a sentence: `smart-campaign "Registration": …`.
fn handwork_item(row: &Handwork) -> String {
    format!("{} \"{}\": {}", row.kind, row.name, row.reason)
}

const NOTHING_BY_HAND: &str = "Nothing is left to do by hand.";

/// The human `log`: one row per import or undo, newest first. In a
/// pipe ([`Fit::Records`]) one line per entry, with every program's
/// name; on a terminal a table, or blocks when it is narrow. `verbose`:
/// every program's name, then what is left to do by hand.
pub fn log_table(history: &History, target: &str, fit: Fit, verbose: bool) -> String {
    if history.is_empty() {
        return format!("No imports yet into {target}.\n");
    }
    let mut rows = vec![[
        "import",
        "time (UTC)",
        "user",
        "source",
        "result",
        "programs",
    ]
    .map(String::from)
    .to_vec()];
    for receipt in history.receipts.iter().rev() {
        let programs = match fit {
            // Every name, to grep.
            Fit::Records => program_names(receipt, true).join(", "),
            Fit::Columns(_) => program_names(receipt, verbose).join("\n"),
        };
        let mut result = result(history, receipt);
        if !verbose && !receipt.manual().is_empty() {
            result.push("(details: log --verbose)".to_string());
        }
        rows.push(vec![
            receipt.import_id.clone(),
            time(receipt),
            receipt.user.clone().unwrap_or_else(|| "-".into()),
            receipt.source.clone().unwrap_or_else(|| "-".into()),
            result.join("\n"),
            // Last: in a pipe the longest value, and it pushes nothing.
            programs,
        ]);
    }
    let mut out = fitted_table(&rows, fit);
    out.push('\n');
    if verbose {
        out.push('\n');
        out.push_str(&handwork_text(history, fit));
    }
    if fit == Fit::Records {
        return out;
    }
    let n = history.receipts.len();
    let trailer = format!(
        "{n} entr{} in {target}, newest first; take an import back with `mkimport undo ID --to {target}`.",
        if n == 1 { "y" } else { "ies" }
    );
    for line in fit.lines(&clean(&trailer)) {
        let _ = writeln!(out, "{line}");
    }
    out
}

/// What is left to do by hand, per program, for a person.
fn handwork_text(history: &History, fit: Fit) -> String {
    let imports = handwork(history);
    if imports.is_empty() {
        return format!("{NOTHING_BY_HAND}\n");
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "To do by hand in Marketo (its API cannot write these), newest import first:"
    );
    for program in imports {
        let heading = format!(
            "{}  {} ({} to do)",
            program.receipt.import_id,
            clean(program.program),
            program.rows.len()
        );
        let _ = writeln!(out, "\n{heading}");
        for row in &program.rows {
            let item = clean(&handwork_item(row));
            let lines = match fit {
                Fit::Records => vec![item],
                Fit::Columns(width) => wrap(&item, width.saturating_sub(4).max(20)),
            };
            for (i, line) in lines.iter().enumerate() {
                let bullet = if i == 0 { "  - " } else { "    " };
                let _ = writeln!(out, "{bullet}{line}");
            }
        }
    }
    out
}

/// `log --format markdown`: the entries as a table, then what is left to
/// do by hand as a checklist per program (for an issue, a pull request,
/// a hand-over).
pub fn log_markdown(history: &History, target: &str, verbose: bool) -> String {
    let target_md = escape(target);
    if history.is_empty() {
        return format!("No imports yet into {target_md}.\n");
    }
    let mut out = String::new();
    let n = history.receipts.len();
    let _ = writeln!(
        out,
        "### mkimport log: {n} entr{} in {target_md}\n",
        if n == 1 { "y" } else { "ies" }
    );
    let _ = writeln!(
        out,
        "| import | time (UTC) | user | source | result | programs |\n|---|---|---|---|---|---|"
    );
    for receipt in history.receipts.iter().rev() {
        let cell = |text: &str| escape(text);
        let programs: Vec<String> = program_names(receipt, verbose)
            .iter()
            .map(|n| cell(n))
            .collect();
        let result: Vec<String> = result(history, receipt).iter().map(|l| cell(l)).collect();
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {} | {} |",
            receipt.import_id,
            cell(&time(receipt)),
            cell(receipt.user.as_deref().unwrap_or("-")),
            cell(receipt.source.as_deref().unwrap_or("-")),
            result.join("<br>"),
            programs.join("<br>"),
        );
    }
    let _ = writeln!(out, "\n#### To do by hand in Marketo\n");
    let imports = handwork(history);
    if imports.is_empty() {
        let _ = writeln!(out, "{NOTHING_BY_HAND}");
        return out;
    }
    let _ = writeln!(
        out,
        "Marketo's API cannot write these: rebuild them in the program, then tick them off.\n"
    );
    for program in imports {
        let _ = writeln!(
            out,
            "**{}** (import `{}`, {})\n",
            escape(program.program),
            program.receipt.import_id,
            escape(&time(program.receipt))
        );
        for row in &program.rows {
            let _ = writeln!(out, "- [ ] {}", escape(&handwork_item(row)));
        }
        out.push('\n');
    }
    out
}
