//! `mkimport completions SHELL` and `mkimport man`: generated from the same
//! command-line definition as `--help`.

use clap::CommandFactory;

use crate::cli::Cli;
use crate::output::console;

/// A shell completion script on standard output.
pub fn completions(shell: clap_complete::Shell) -> anyhow::Result<()> {
    // Generated in memory first: clap_complete panics when its writer
    // fails.
    let mut command = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "mkimport", &mut script);
    console::print(&String::from_utf8_lossy(&script))
}

/// The man page (roff) on standard output.
pub fn man() -> anyhow::Result<()> {
    console::print_with(|out| clap_mangen::Man::new(Cli::command()).render(out))
}
