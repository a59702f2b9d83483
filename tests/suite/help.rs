//! `--help`, `-h`, `mkimport man` and the completions (issue 12).

use crate::support::*;
use clap::CommandFactory;

fn text(args: &[&str], env: &[(&str, &str)]) -> String {
    let out = run_with(args, env);
    out.expect_code(0);
    out.stdout
}

/// Every long flag of every command people can see, with its command.
fn visible_flags() -> Vec<(String, String)> {
    fn walk(command: &clap::Command, path: &str, out: &mut Vec<(String, String)>) {
        for arg in command.get_arguments().filter(|a| !a.is_hide_set()) {
            if let Some(long) = arg.get_long() {
                out.push((path.to_string(), format!("--{long}")));
            }
        }
        for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
            walk(sub, &format!("{path} {}", sub.get_name()), out);
        }
    }
    let mut out = Vec::new();
    walk(&mkimport::cli::Cli::command(), "mkimport", &mut out);
    out
}

#[test]
fn help_is_wrapped_to_the_width() {
    for args in [
        &["--help"][..],
        &["preview", "--help"],
        &["run", "--help"],
        &["export", "--help"],
    ] {
        let help = text(args, &[("COLUMNS", "80")]);
        let width = widest(&help);
        assert!(width <= 80, "{args:?}: {width} columns\n{help}");
    }
}

#[test]
fn short_help_is_short_and_long_help_has_examples_and_groups() {
    let short = text(&["preview", "-h"], &[("COLUMNS", "100")]);
    let long = text(&["preview", "--help"], &[("COLUMNS", "100")]);
    assert!(short.len() + 1000 < long.len(), "-h is not shorter");
    assert!(!short.contains("Examples:"), "{short}");
    assert!(
        !short.contains("image-token            drop-all"),
        "{short}"
    );
    assert!(
        long.contains("Examples:") && long.contains("mkimport preview --from"),
        "{long}"
    );
    for group in [
        "Source and target:",
        "Selection:",
        "Conflict rules:",
        "Output:",
        "Limits:",
    ] {
        assert!(short.contains(group) && long.contains(group), "{group}");
    }
    let run = text(&["run", "--help"], &[]);
    assert!(
        run.contains("Run:") && run.contains("--skip-blocked"),
        "{run}"
    );
    assert!(run.contains("exit 4"), "{run}");
    let top = text(&["-h"], &[]);
    assert!(top.contains("--help for examples"), "{top}");
}

#[test]
fn rule_help_lists_the_rules_of_each_kind() {
    let long = text(&["preview", "--help"], &[("COLUMNS", "100")]);
    for kind in mkimport::rules::RuleKind::ALL {
        let rules: Vec<&str> = kind.choices().iter().map(|r| r.as_str()).collect();
        let line = long
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{kind} ")))
            .unwrap_or_else(|| panic!("no line for {kind}:\n{long}"));
        assert!(line.ends_with(&rules.join(", ")), "{line}");
    }
}

#[test]
fn the_man_page_documents_every_command_and_flag_and_no_other_page() {
    let page = text(&["man"], &[]);
    // roff escapes dashes.
    let plain = page.replace("\\-", "-");
    for (command, flag) in visible_flags() {
        let section = format!(".SS \"{command}\"");
        if command != "mkimport" {
            assert!(plain.contains(&section), "no section {section}");
        }
        assert!(plain.contains(&flag), "{command} {flag} is not documented");
    }
    for command in [
        "preview",
        "run",
        "library list",
        "library show",
        "export",
        "completions",
        "man",
    ] {
        assert!(
            plain.contains(&format!(".SS \"mkimport {command}\"")),
            "{command}"
        );
    }
    assert!(
        !plain.contains("generate"),
        "the hidden command is left out"
    );
    // The only page named is this one: no mkimport-preview(1).
    assert_eq!(plain.matches("(1)").count(), 0, "references to other pages");
    assert!(!plain.contains("mkimport-"), "references to other pages");
    for part in [
        "EXIT STATUS",
        "ENVIRONMENT",
        "NO_COLOR",
        "MKIMPORT_SENDMAIL",
        "EXAMPLES",
    ] {
        assert!(plain.contains(part), "{part}");
    }
    // It renders without a warning, where groff is installed.
    if let Ok(mut groff) = std::process::Command::new("groff")
        .args(["-man", "-Tutf8", "-z", "-ww"])
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
    {
        use std::io::Write;
        groff
            .stdin
            .take()
            .unwrap()
            .write_all(page.as_bytes())
            .unwrap();
        let out = groff.wait_with_output().unwrap();
        assert!(
            out.stderr.is_empty(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn completions_hide_generate_and_complete_paths_and_values() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let script = text(&["completions", shell], &[]);
        assert!(
            !script.contains("generate"),
            "{shell} offers the hidden command"
        );
        assert!(
            script.contains("preview") && script.contains("skip-blocked"),
            "{shell}"
        );
    }
    let fish = text(&["completions", "fish"], &[]);
    let line = |flag: &str| -> String {
        fish.lines()
            .find(|l| l.contains("using_subcommand preview") && l.contains(&format!("-l {flag} ")))
            .unwrap_or_else(|| panic!("no fish line for --{flag}"))
            .to_string()
    };
    assert!(line("from").ends_with("-r -F"), "{}", line("from"));
    assert!(
        line("to").contains("__fish_complete_directories"),
        "{}",
        line("to")
    );
    // Values: fish lists one per line after the flag's line.
    let after = |flag: &str| -> String {
        let at = fish.find(&line(flag)).unwrap();
        fish[at..].lines().take(40).collect::<Vec<_>>().join("\n")
    };
    assert!(
        after("rule").contains("landing-page-template=reuse"),
        "{}",
        after("rule")
    );
    assert!(after("conflict").contains("default") && after("conflict").contains("ask"));
    assert!(after("format").contains("markdown"), "{}", after("format"));
    let bash = text(&["completions", "bash"], &[]);
    assert!(bash.contains("program=rename") && bash.contains("image-token=drop-image"));
    assert!(
        bash.contains("table json events markdown"),
        "--format values"
    );
    let zsh = text(&["completions", "zsh"], &[]);
    assert!(zsh.contains(":SRC:_files") && zsh.contains(":TARGET:_files -/"));
}
