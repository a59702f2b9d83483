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
        &["pull", "--help"],
        &["log", "--help"],
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

/// Every command people can see, as `mkimport` arguments.
fn visible_commands() -> Vec<Vec<String>> {
    fn walk(command: &clap::Command, path: &[String], out: &mut Vec<Vec<String>>) {
        out.push(path.to_vec());
        for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
            let mut path = path.to_vec();
            path.push(sub.get_name().to_string());
            walk(sub, &path, out);
        }
    }
    let mut out = Vec::new();
    walk(&mkimport::cli::Cli::command(), &[], &mut out);
    out
}

/// The installed binary ships no docs/ directory: no help, no man page
/// and no message sends a user there.
#[test]
fn no_help_or_message_points_to_a_file_that_is_not_shipped() {
    for command in visible_commands() {
        for flag in ["-h", "--help"] {
            let mut args: Vec<&str> = command.iter().map(String::as_str).collect();
            args.push(flag);
            let help = text(&args, &[]);
            assert!(!help.contains("docs/"), "{args:?}:\n{help}");
            assert!(!help.contains("README"), "{args:?}:\n{help}");
        }
    }
    let man = text(&["man"], &[]);
    assert!(!man.contains("docs/"), "the man page names docs/");
    // Missing credentials: the message says where to read on.
    let out = run_with(
        &[
            "pull",
            "--instance",
            "123-ABC-456",
            "--out",
            "never-written",
        ],
        &[("MARKETO_CLIENT_ID", ""), ("MARKETO_CLIENT_SECRET", "")],
    );
    out.expect_code(2);
    assert!(
        out.stderr.contains("MARKETO_CLIENT_ID is not set"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("`mkimport help pull`"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("docs/"), "{}", out.stderr);
    assert!(!repo().join("never-written").exists());
}

/// `pull --help` is more than `pull -h`: what a pull reads, the
/// credentials (per instance too), the role's permissions, examples.
#[test]
fn pull_has_a_long_help_with_credentials_and_examples() {
    let short = text(&["pull", "-h"], &[("COLUMNS", "100")]);
    let long = text(&["pull", "--help"], &[("COLUMNS", "100")]);
    assert!(
        short.len() + 1000 < long.len(),
        "-h is not shorter:\n{long}"
    );
    assert!(!short.contains("Examples:"), "{short}");
    let flat = long.split_whitespace().collect::<Vec<_>>().join(" ");
    for wanted in [
        "MARKETO_CLIENT_ID and MARKETO_CLIENT_SECRET",
        "MARKETO_CLIENT_ID_<ID> and MARKETO_CLIENT_SECRET_<ID>",
        "Read-Only Assets",
        "Read-Write Assets",
        "Examples:",
        "mkimport pull --instance 123-ABC-456 --out",
        "export MARKETO_CLIENT_ID_987_XYZ_654=",
    ] {
        assert!(flat.contains(wanted), "{wanted:?} not in\n{long}");
    }
    let log = text(&["log", "--help"], &[]);
    assert!(
        log.contains("Examples:") && log.contains("--format markdown"),
        "{log}"
    );
}

/// The top-level help says that a target may be a live instance, and
/// `run --help` makes the copy it imports into.
#[test]
fn help_names_live_instances_and_its_examples_can_be_followed() {
    for flag in ["-h", "--help"] {
        let top = text(&[flag], &[]);
        assert!(top.contains("Marketo instance"), "{top}");
    }
    let top = text(&["--help"], &[]);
    assert!(top.contains("marketo:INSTANCE"), "{top}");
    assert!(top.contains("--to marketo:123-ABC-456"), "{top}");
    let run = text(&["run", "--help"], &[]);
    let copy = run
        .find("cp -r prod/ prod-copy/")
        .expect("the copy is made");
    let into = run.find("--to prod-copy/").expect("the run into it");
    assert!(copy < into, "{run}");
}
