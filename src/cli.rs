//! The command line (spec section 5). Every flag is documented where it is
//! defined; `--help` shows the same text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "mkimport",
    version,
    about = "Preview and import marketing programs from bundles into a subscription, safely.",
    long_about = "Preview and import marketing programs (emails, landing pages, forms, smart \
campaigns, My Tokens, tags) from bundles into a target subscription directory. \
`preview` shows exactly what an import would do; `run` does it.\n\n\
Exit codes: 0 done (preview: nothing blocked), 1 error (bad input, I/O), 2 usage, 3 blocked or stale."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show what an import would do, without writing into the target.
    Preview(PreviewArgs),
    /// Import: apply the plan to the target.
    Run(RunArgs),
    /// Browse the built-in Program Library.
    #[command(subcommand)]
    Library(LibraryCommand),
    /// Write a subscription directory describing a live Marketo instance,
    /// through its REST API (docs/marketo.md).
    Pull(crate::marketo::pull::PullArgs),
    /// Export a program stored in a subscription as a self-contained bundle.
    Export {
        /// The subscription directory holding the program.
        #[arg(long, value_name = "SUBSCRIPTION")]
        from: PathBuf,
        /// The program's name.
        #[arg(long, value_name = "NAME")]
        program: String,
        /// The zip file to write.
        #[arg(long, value_name = "FILE.zip")]
        out: PathBuf,
    },
    /// Make a synthetic source of N zip bundles and a large target, for
    /// benchmarks (seeded, deterministic).
    #[command(hide = true)]
    Generate {
        /// How many bundles.
        #[arg(long, default_value_t = 100)]
        bundles: usize,
        /// The directory to create (holds source/ and target/).
        #[arg(long)]
        out: PathBuf,
        /// The seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Design-studio assets in the target.
        #[arg(long, default_value_t = 5000)]
        target_assets: usize,
    },
    /// Print a shell completion script, e.g. `mkimport completions bash >
    /// /etc/bash_completion.d/mkimport`.
    Completions {
        /// bash, zsh, fish, elvish or powershell.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), e.g. `mkimport man > mkimport.1`.
    Man,
}

#[derive(Debug, Subcommand)]
pub enum LibraryCommand {
    /// List the library's programs.
    List {
        /// Print a JSON array instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Show one library program: its assets and what it requires.
    Show {
        /// The program's name.
        name: String,
    },
}

/// What to import, where to, and how conflicts are resolved.
#[derive(Debug, Args, Clone)]
pub struct ImportArgs {
    /// The source: a subscription directory (its stored programs), a
    /// directory searched for bundles (*.zip files and directories holding
    /// program.json), one .zip file, or the word `library`.
    #[arg(long, value_name = "SRC")]
    pub from: Option<String>,

    /// The target subscription directory (it holds subscription.json).
    #[arg(long, value_name = "TARGET")]
    pub to: Option<PathBuf>,

    /// Import only this program (repeatable). `-` reads one name per line
    /// from standard input. None means every program in SRC.
    #[arg(long = "program", value_name = "NAME")]
    pub programs: Vec<String>,

    /// The campaign folder every program goes into, a `/`-separated path
    /// below marketing-activities/ that must exist. Without it each program
    /// goes to the folder it came from.
    #[arg(long, value_name = "PATH")]
    pub folder: Option<String>,

    /// The acting user, checked against the target's users and roles.
    /// Defaults to the MKIMPORT_USER environment variable.
    #[arg(long, value_name = "EMAIL")]
    pub user: Option<String>,

    /// Conflict rules: `default` (what Marketo does), a JSON file
    /// `{"kind": "rule", ...}` applied over the defaults, or `ask`
    /// (interactive, terminal only).
    #[arg(long, value_name = "default|FILE|ask", default_value = "default")]
    pub conflict: String,

    /// Set one rule on top of --conflict, as KIND=RULE (repeatable; the last
    /// one wins). Kinds: program, email-template, landing-page-template,
    /// image, form, tag, image-token.
    #[arg(long = "rule", value_name = "KIND=RULE")]
    pub rules: Vec<String>,

    /// Print the JSON report on standard output, and nothing else there.
    #[arg(long, conflicts_with = "events")]
    pub json: bool,

    /// Stream NDJSON events on standard output instead: one per program,
    /// one per asset action, one per file written (run), then the summary.
    #[arg(long)]
    pub events: bool,

    /// Refuse a zip entry larger than this many bytes uncompressed.
    #[arg(long, value_name = "BYTES", default_value_t = 64 << 20)]
    pub max_entry_bytes: u64,

    /// Refuse a bundle whose entries add up to more than this many bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 256 << 20)]
    pub max_bundle_bytes: u64,

    /// Refuse a zip entry that expands more than this many times.
    #[arg(long, value_name = "RATIO", default_value_t = 200)]
    pub max_ratio: u64,
}

impl ImportArgs {
    /// Output for programs (JSON or events): no table, no prompt, no bar.
    pub fn machine(&self) -> bool {
        self.json || self.events
    }
}

#[derive(Debug, Args)]
pub struct PreviewArgs {
    #[command(flatten)]
    pub import: ImportArgs,

    /// Save the plan to this file, for `run --plan`.
    #[arg(long, value_name = "PLAN")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub import: ImportArgs,

    /// Do not ask for confirmation (required without a terminal).
    #[arg(long, short = 'y')]
    pub yes: bool,

    /// Apply exactly this saved plan (from `preview --out`); refused if the
    /// target or a bundle changed since.
    #[arg(long, value_name = "PLAN")]
    pub plan: Option<PathBuf>,

    /// Import the programs that are not blocked instead of refusing the run.
    #[arg(long)]
    pub skip_blocked: bool,

    /// Mail a confirmation to this address through `sendmail -t` (or the
    /// command in MKIMPORT_SENDMAIL).
    #[arg(long, value_name = "ADDR")]
    pub notify: Option<String>,
}
