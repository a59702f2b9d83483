//! The interactive wizard and `--conflict ask`, driven through a
//! pseudo-terminal the way a person would type.

use crate::support::*;

use std::path::{Path, PathBuf};
use std::process::Command;

use rexpect::session::{spawn_command, PtySession};

const DOWN: &str = "\x1b[B";
const TIMEOUT_MS: u64 = 20_000;

/// Type keys once the prompt is waiting for them (dialoguer switches the
/// terminal to raw mode just after drawing the prompt).
fn press(p: &mut PtySession, keys: &str) {
    std::thread::sleep(std::time::Duration::from_millis(300));
    p.send(keys).unwrap();
    p.flush().unwrap();
}

fn spawn(args: &[&str]) -> PtySession {
    let mut command = Command::new(bin());
    command
        .current_dir(repo())
        .env("MKIMPORT_USER", "ops@acme.example")
        .env("TERM", "xterm")
        .args(args);
    spawn_command(command, Some(TIMEOUT_MS)).unwrap()
}

const WEBINAR: &str = "2026 Q3 Webinar - Scaling Marketing Ops";

fn program_json(target: &Path) -> PathBuf {
    target
        .join("marketing-activities/Webinars/2026")
        .join(WEBINAR)
        .join("program.json")
}

/// Walk the wizard up to the conflict-rules question, selecting the
/// webinar (the sixth program of fixtures/sandbox).
fn walk_to_rules(p: &mut PtySession, target: &Path) {
    p.exp_string("Where do the programs come from?").unwrap();
    press(p, "\r");
    p.exp_string("Source path").unwrap();
    press(p, "fixtures/sandbox\r");
    p.exp_string("Target subscription directory").unwrap();
    press(p, &format!("{}\r", target.to_str().unwrap()));
    p.exp_string("Programs to import").unwrap();
    p.exp_string(WEBINAR).unwrap();
    for _ in 0..5 {
        press(p, DOWN);
    }
    press(p, " ");
    press(p, "\r");
    p.exp_string("Campaign folder").unwrap();
    press(p, "\r");
    p.exp_string("Use default conflict rules?").unwrap();
}

#[test]
fn happy_path_imports_the_chosen_program() {
    let (_target, target) = copy_fixture("production");
    let mut p = spawn(&["run"]);
    walk_to_rules(&mut p, &target);
    press(&mut p, "\r"); // yes, defaults
    p.exp_string("Import 1 program into Acme Production?")
        .unwrap();
    press(&mut p, "y");
    p.exp_string("1 program imported").unwrap();
    p.exp_eof().unwrap();
    let program: serde_json::Value =
        serde_json::from_slice(&std::fs::read(program_json(&target)).unwrap()).unwrap();
    // Default rule: the landing page template clash is renamed.
    assert_eq!(
        program["landing_pages"][0]["template"],
        "Standard Template 1"
    );
}

#[test]
fn declining_the_final_confirmation_writes_nothing() {
    let (_target, target) = copy_fixture("production");
    let mut p = spawn(&["run"]);
    walk_to_rules(&mut p, &target);
    press(&mut p, "\r");
    p.exp_string("Import 1 program into Acme Production?")
        .unwrap();
    press(&mut p, "\r"); // the default is no
    p.exp_string("Nothing was imported.").unwrap();
    p.exp_eof().unwrap();
    assert!(!program_json(&target).exists());
    assert!(!target
        .join("design-studio/landing-page-templates/Standard Template 1.json")
        .exists());
}

#[test]
fn custom_rules_are_asked_per_kind() {
    let (_target, target) = copy_fixture("production");
    let mut p = spawn(&["run"]);
    walk_to_rules(&mut p, &target);
    press(&mut p, "n");
    for kind in [
        "program",
        "email-template",
        "landing-page-template",
        "image",
        "form",
        "tag",
        "image-token",
    ] {
        p.exp_string(&format!("Rule for {kind} conflicts")).unwrap();
        if kind == "landing-page-template" {
            press(&mut p, DOWN); // rename → reuse
        }
        press(&mut p, "\r");
    }
    p.exp_string("How renamed names are spelled (rename-style)")
        .unwrap();
    press(&mut p, "\r");
    p.exp_string("Import 1 program into Acme Production?")
        .unwrap();
    press(&mut p, "y");
    p.exp_eof().unwrap();
    let program: serde_json::Value =
        serde_json::from_slice(&std::fs::read(program_json(&target)).unwrap()).unwrap();
    assert_eq!(program["landing_pages"][0]["template"], "Standard Template");
    assert!(!target
        .join("design-studio/landing-page-templates/Standard Template 1.json")
        .exists());
}

#[test]
fn conflict_ask_asks_once_per_conflict() {
    let (_target, target) = copy_fixture("production");
    let to = target.to_str().unwrap().to_string();
    let mut p = spawn(&[
        "run",
        "--from",
        "fixtures/sandbox",
        "--to",
        &to,
        "--program",
        WEBINAR,
        "--conflict",
        "ask",
    ]);
    p.exp_string("landing-page-template \"Standard Template\" exists in the target")
        .unwrap();
    press(&mut p, DOWN); // reuse
    press(&mut p, "\r");
    // The other conflicts of this program: the form and the image, kept at
    // their defaults.
    p.exp_string("external-form \"Webinar Registration Form\" exists in the target")
        .unwrap();
    press(&mut p, "\r");
    p.exp_string("image \"hero-webinar.png\" exists in the target")
        .unwrap();
    press(&mut p, "\r");
    p.exp_string("Import 1 program into Acme Production?")
        .unwrap();
    press(&mut p, "y");
    p.exp_eof().unwrap();
    let program: serde_json::Value =
        serde_json::from_slice(&std::fs::read(program_json(&target)).unwrap()).unwrap();
    assert_eq!(program["landing_pages"][0]["template"], "Standard Template");
}

#[test]
fn without_a_terminal_a_missing_choice_names_its_flag() {
    let out = Command::new(bin())
        .current_dir(repo())
        .args(["preview", "--from", "fixtures/sandbox"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--to"));
}

#[test]
fn many_programs_are_searched_fuzzily() {
    // The library holds sixteen programs: the wizard offers a fuzzy search
    // before the list.
    let (_target, target) = copy_fixture("agency-client");
    let mut p = spawn(&["run"]);
    p.exp_string("Where do the programs come from?").unwrap();
    press(&mut p, DOWN);
    press(&mut p, "\r");
    p.exp_string("Target subscription directory").unwrap();
    press(&mut p, &format!("{}\r", target.to_str().unwrap()));
    p.exp_string("Search programs").unwrap();
    press(&mut p, "spark\r");
    p.exp_string("Scoring - Spark Edition").unwrap();
    press(&mut p, " ");
    press(&mut p, "\r");
    p.exp_string("Campaign folder").unwrap();
    press(&mut p, "\r");
    p.exp_string("Use default conflict rules?").unwrap();
    press(&mut p, "\r");
    p.exp_string("Import 1 program into Agency Client?")
        .unwrap();
    press(&mut p, "y");
    p.exp_eof().unwrap();
    assert!(target
        .join("marketing-activities/Program Library/Scoring - Spark Edition/program.json")
        .is_file());
}

#[test]
fn a_terminal_gets_a_progress_line_and_json_does_not() {
    let (_target, target) = copy_fixture("production");
    let to = target.to_str().unwrap().to_string();
    let program = "2026 APAC Growth Summit";
    // On a terminal: the progress bar on standard error ends in a line
    // with the counts and the elapsed time.
    let mut p = spawn(&[
        "run",
        "--from",
        "fixtures/sandbox",
        "--to",
        &to,
        "--program",
        program,
        "--yes",
    ]);
    p.exp_regex(r"Imported 1 program \(\d+ files\) in [0-9.]+")
        .unwrap();
    p.exp_eof().unwrap();
    // With --json, even on a terminal: no bar, no counts line, only JSON.
    let (_other, other) = copy_fixture("production");
    let to = other.to_str().unwrap().to_string();
    let mut p = spawn(&[
        "run",
        "--from",
        "fixtures/sandbox",
        "--to",
        &to,
        "--program",
        program,
        "--yes",
        "--json",
    ]);
    let output = p.exp_eof().unwrap();
    assert!(!output.contains("Imported 1 program"), "{output}");
    let json: serde_json::Value = serde_json::from_str(output.trim()).unwrap();
    assert_eq!(json["summary"]["ok"], 1);
}

/// `--conflict ask` shows, before a question where overwrite is a choice,
/// what overwriting would change: a unified diff, coloured on a terminal,
/// plain with NO_COLOR.
#[test]
fn conflict_ask_shows_the_diff_of_an_overwrite() {
    for no_color in [false, true] {
        let (_target, target) = copy_fixture("production");
        let to = target.to_str().unwrap().to_string();
        let mut command = Command::new(bin());
        command
            .current_dir(repo())
            .env("MKIMPORT_USER", "ops@acme.example")
            .env("TERM", "xterm")
            .env_remove("NO_COLOR")
            .args([
                "preview",
                "--from",
                "fixtures/sandbox",
                "--to",
                &to,
                "--program",
                WEBINAR,
                "--conflict",
                "ask",
            ]);
        if no_color {
            command.env("NO_COLOR", "1");
        }
        let mut p = spawn_command(command, Some(TIMEOUT_MS)).unwrap();
        p.exp_string(
            "What overwrite would change in the target's landing-page-template \"Standard Template\":",
        )
        .unwrap();
        let shown = p
            .exp_string("landing-page-template \"Standard Template\" exists in the target")
            .unwrap();
        assert!(
            shown.contains("design-studio/landing-page-templates/standard-template.json (target)"),
            "{shown}"
        );
        assert!(shown.contains("@@ -"), "{shown}");
        assert!(
            shown.contains(".site-header{background:#0b5fff;"),
            "{shown}"
        );
        assert_eq!(
            shown.contains("\x1b[31m-"),
            !no_color,
            "colour with NO_COLOR={no_color}: {shown:?}"
        );
        press(&mut p, "\x03");
        p.exp_eof().unwrap();
    }
}

/// On a terminal, `undo` shows what it will do and asks, default no:
/// "no" changes nothing (exit 1); "yes" takes the import back.
#[test]
fn undo_asks_on_a_terminal() {
    let (_target, target) = copy_fixture("production");
    let to = target.to_str().unwrap().to_string();
    let before = std::fs::read(target.join("subscription.json")).unwrap();
    let out = Command::new(bin())
        .current_dir(repo())
        .env("MKIMPORT_USER", "ops@acme.example")
        .args([
            "run",
            "--from",
            "fixtures/sandbox",
            "--to",
            &to,
            "--program",
            "2026 APAC Growth Summit",
            "--yes",
            "--json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let id = report["import_id"].as_str().unwrap().to_string();
    let program = target.join("marketing-activities/Events/2026/2026 APAC Growth Summit");

    for (answer, landed) in [("n", false), ("y", true)] {
        let mut p = spawn(&["undo", &id[..8], "--to", &to]);
        p.exp_string(&format!("Undo import {id}")).unwrap();
        p.exp_string("remove   marketing-activities/Events/2026/2026 APAC Growth Summit/")
            .unwrap();
        p.exp_string("restore  subscription.json").unwrap();
        p.exp_string(&format!("Undo import {id} in {to}?")).unwrap();
        press(&mut p, answer);
        if landed {
            p.exp_string("Undid import").unwrap();
        } else {
            p.exp_string("Nothing was undone.").unwrap();
        }
        p.exp_eof().unwrap();
        assert_eq!(program.exists(), !landed, "answer {answer}");
    }
    assert_eq!(
        std::fs::read(target.join("subscription.json")).unwrap(),
        before
    );
}
