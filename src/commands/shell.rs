//! `mkimport completions SHELL` and `mkimport man`: generated from the same
//! command-line definition as `--help`.

use std::io::Write;

use clap::CommandFactory;

use crate::cli::Cli;
use crate::output::console;

/// The command line without its hidden commands (`generate`), which
/// completions must not offer; clap_complete lists them otherwise.
fn visible(command: &clap::Command) -> clap::Command {
    let mut out = command.clone();
    let hidden: Vec<String> = command
        .get_subcommands()
        .filter(|s| s.is_hide_set())
        .map(|s| s.get_name().to_string())
        .collect();
    if hidden.is_empty() {
        return out;
    }
    // clap cannot remove a subcommand: rebuild the command with the
    // visible ones.
    let mut rebuilt = clap::Command::new(command.get_name().to_string())
        .args(command.get_arguments().cloned())
        .subcommand_required(command.is_subcommand_required_set())
        .arg_required_else_help(command.is_arg_required_else_help_set());
    if let Some(version) = command.get_version() {
        rebuilt = rebuilt.version(version.to_string());
    }
    if let Some(about) = command.get_about() {
        rebuilt = rebuilt.about(about.clone());
    }
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        rebuilt = rebuilt.subcommand(visible(sub));
    }
    out = rebuilt;
    out
}

/// A shell completion script on standard output: every visible command
/// and flag, paths for `--from`, `--to`, `--out` and `--plan`, the values
/// of `--rule`, `--conflict` and `--format`.
pub fn completions(shell: clap_complete::Shell) -> anyhow::Result<()> {
    // Generated in memory first: clap_complete panics when its writer
    // fails.
    let mut command = visible(&Cli::command());
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "mkimport", &mut script);
    console::print(&String::from_utf8_lossy(&script))
}

/// The man page (roff) on standard output: one page, mkimport(1), that
/// documents every command and every option (it refers to no other page).
pub fn man() -> anyhow::Result<()> {
    let mut page = Vec::new();
    render_man(&mut page)?;
    console::print_with(|out| out.write_all(&page))
}

/// The page, rendered into `out`.
pub fn render_man(out: &mut dyn Write) -> std::io::Result<()> {
    let mut command = Cli::command();
    command.build();
    let man = clap_mangen::Man::new(command.clone());
    man.render_title(out)?;
    man.render_name_section(out)?;
    man.render_synopsis_section(out)?;
    man.render_description_section(out)?;
    man.render_options_section(out)?;
    writeln!(out, ".SH COMMANDS")?;
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        commands(out, sub, "mkimport")?;
    }
    writeln!(out, ".SH \"EXIT STATUS\"")?;
    for (code, meaning) in [
        ("0", "Done; for preview, nothing is blocked."),
        ("1", "Error: bad input (the message names the bundle, the file and the JSON line and column), I/O, a target locked by another run."),
        ("2", "Usage: a bad flag or value, an unknown rule, program or library name, a --from or --to that does not exist, run without --yes and without a terminal."),
        ("3", "A program is blocked (run then writes nothing unless --skip-blocked), or a saved plan is stale."),
        ("4", "run --skip-blocked imported some programs and left others blocked."),
    ] {
        writeln!(out, ".TP\n{code}\n{}", roff_text(meaning))?;
    }
    writeln!(out, ".SH ENVIRONMENT")?;
    for (name, meaning) in [
        ("MKIMPORT_USER", "The acting user when --user is not given."),
        ("MKIMPORT_SENDMAIL", "The mail command of run --notify, instead of sendmail; split as a shell would (quote a path with spaces); -t is added."),
        ("COLUMNS", "The width tables and lists are laid out for; else the terminal's width. Without it, in a pipe, the table is 80 columns wide and lists (log, library list) print one record per line."),
        ("NO_COLOR", "When set and not empty, no colour, even on a terminal."),
        ("MARKETO_CLIENT_ID, MARKETO_CLIENT_SECRET", "The client id and secret of a live instance's LaunchPoint API service (pull, and marketo: sources and targets)."),
        ("MARKETO_CLIENT_ID_<ID>, MARKETO_CLIENT_SECRET_<ID>", "The same for the instance with Munchkin id <ID> (in capitals, _ for -: 123_ABC_456); they win over the plain pair when both are set."),
        ("XDG_STATE_HOME", "Where the state of live instances is kept (journal, ledger, receipts): $XDG_STATE_HOME/mkimport/<instance>/, else ~/.local/state/mkimport/<instance>/."),
    ] {
        writeln!(out, ".TP\n\\fB{name}\\fR\n{}", roff_text(meaning))?;
    }
    writeln!(out, ".SH EXAMPLES")?;
    if let Some(examples) = command.get_after_long_help() {
        example_lines(out, &examples.to_string())?;
    }
    Ok(())
}

/// One command (and those below it) as a subsection of COMMANDS.
fn commands(out: &mut dyn Write, command: &clap::Command, parent: &str) -> std::io::Result<()> {
    let name = format!("{parent} {}", command.get_name());
    if command.has_subcommands() {
        for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
            commands(out, sub, &name)?;
        }
        return Ok(());
    }
    let sub = command.clone().bin_name(name.clone());
    let man = clap_mangen::Man::new(sub.clone());
    writeln!(out, ".SS \"{name}\"")?;
    let mut section = Vec::new();
    man.render_synopsis_section(&mut section)?;
    man.render_description_section(&mut section)?;
    man.render_options_section(&mut section)?;
    // The sections of the command's own page become paragraphs of its
    // subsection: .SH SYNOPSIS → a bold "Synopsis" line.
    for line in String::from_utf8_lossy(&section).lines() {
        match line.strip_prefix(".SH ") {
            Some(heading) => {
                let heading = heading.trim_matches('"');
                let mut words = heading.to_lowercase();
                if let Some(first) = words.get_mut(..1) {
                    first.make_ascii_uppercase();
                }
                writeln!(out, ".PP\n\\fB{}\\fR\n.br", roff_text(&words))?;
            }
            None => writeln!(out, "{line}")?,
        }
    }
    if let Some(examples) = sub.get_after_long_help() {
        writeln!(out, ".PP\n\\fBExamples\\fR\n.br")?;
        example_lines(out, &examples.to_string())?;
    }
    Ok(())
}

/// An examples text ("Examples:" then indented lines) as literal lines.
fn example_lines(out: &mut dyn Write, text: &str) -> std::io::Result<()> {
    writeln!(out, ".PP\n.nf")?;
    for line in text.lines().skip_while(|l| l.trim_end().ends_with(':')) {
        writeln!(out, "{}", roff_text(line))?;
    }
    writeln!(out, ".fi")
}

/// Text safe in roff: backslashes and a leading dot or quote escaped.
fn roff_text(text: &str) -> String {
    let text = text.replace('\\', "\\e").replace('-', "\\-");
    if text.starts_with('.') || text.starts_with('\'') {
        format!("\\&{text}")
    } else {
        text
    }
}
