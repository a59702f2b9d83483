//! What only a terminal shows (issue 12), through a pseudo-terminal: the
//! table fits a real terminal's width, has colour there (but not with
//! NO_COLOR), and what was given on the command line is checked before
//! the wizard asks anything.

use std::process::Command;

use rexpect::session::spawn_command;

use crate::support::*;

const TIMEOUT_MS: u64 = 30_000;

/// `mkimport ARGS` on a terminal of `cols` columns (set with stty before
/// mkimport starts), without COLUMNS; `env` on top. Returns everything the
/// terminal showed, without carriage returns.
fn on_terminal(cols: u16, args: &[&str], env: &[(&str, &str)]) -> String {
    let mut command = Command::new("sh");
    command
        .current_dir(repo())
        .env_remove("COLUMNS")
        .env_remove("NO_COLOR")
        .env_remove("MKIMPORT_USER")
        .env("TERM", "xterm")
        .arg("-c")
        .arg(format!("stty cols {cols} rows 40; exec \"$0\" \"$@\""))
        .arg(bin())
        .args(args);
    for (k, v) in env {
        command.env(k, v);
    }
    let mut session = spawn_command(command, Some(TIMEOUT_MS)).unwrap();
    session.exp_eof().unwrap().replace('\r', "")
}

/// `text` without ANSI colour sequences.
fn strip(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

const PREVIEW: [&str; 7] = [
    "preview",
    "--from",
    "fixtures/sandbox",
    "--to",
    "fixtures/production",
    "--user",
    "ops@acme.example",
];

#[test]
fn the_table_fits_a_real_terminal() {
    let narrow = strip(&on_terminal(80, &PREVIEW, &[]));
    assert!(narrow.contains("Plan: "), "{narrow}");
    assert!(widest(&narrow) <= 80, "{narrow}");
    let wide = strip(&on_terminal(150, &PREVIEW, &[]));
    assert!(widest(&wide) <= 150, "{wide}");
    assert!(widest(&wide) > 100, "a wide terminal is used:\n{wide}");
    // COLUMNS, when set, wins over the terminal's size.
    let set = strip(&on_terminal(150, &PREVIEW, &[("COLUMNS", "70")]));
    assert!(widest(&set) <= 70, "{set}");
}

#[test]
fn colour_on_a_terminal_but_not_with_no_color() {
    let coloured = on_terminal(100, &PREVIEW, &[]);
    assert!(coloured.contains("\x1b[1;31mBlocked"), "{coloured:?}");
    assert!(coloured.contains("\x1b[33mwarning["), "{coloured:?}");
    let plain = on_terminal(100, &PREVIEW, &[("NO_COLOR", "1")]);
    assert!(!plain.contains('\x1b'), "{plain:?}");
    assert_eq!(strip(&coloured), plain);
    // Machine formats never carry colour.
    let json = on_terminal(100, &[&PREVIEW[..], &["--json"]].concat(), &[]);
    assert!(!json.contains('\x1b'));
}

/// On a terminal, `preview --from x` with x missing says so at once: the
/// wizard does not ask for the target first.
#[test]
fn what_was_given_is_checked_before_the_wizard_asks() {
    let out = on_terminal(80, &["preview", "--from", "no/such/dir"], &[]);
    assert!(
        out.contains("no/such/dir") && out.contains("does not exist"),
        "{out}"
    );
    assert!(!out.contains("Target subscription directory"), "{out}");
    assert!(!out.contains("Where do the programs come from"), "{out}");
    let out = on_terminal(80, &["run", "--to", "fixtures/prodution"], &[]);
    assert!(
        out.contains("fixtures/prodution") && out.contains("does not exist"),
        "{out}"
    );
    assert!(out.contains("fixtures/production"), "did you mean: {out}");
    assert!(!out.contains("Where do the programs come from"), "{out}");
    let out = on_terminal(
        80,
        &[
            "preview",
            "--to",
            "fixtures/production",
            "--rule",
            "program=rename-it",
        ],
        &[],
    );
    assert!(out.contains("did you mean \"rename\""), "{out}");
    assert!(!out.contains("Where do the programs come from"), "{out}");
}
/// `export --out -` refuses to write a zip onto a terminal.
#[test]
fn export_to_a_terminal_is_refused() {
    let out = on_terminal(
        80,
        &[
            "export",
            "--from",
            "fixtures/sandbox",
            "--program",
            "2026 APAC Growth Summit",
            "--out",
            "-",
        ],
        &[],
    );
    assert!(out.contains("terminal"), "{out}");
    assert!(!out.contains("PK"), "{out}");
}
