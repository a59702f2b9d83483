//! The command line (spec section 5). Every flag is documented where it is
//! defined; `--help` shows the same text.

use std::path::PathBuf;

use clap::builder::{PossibleValue, TypedValueParser};
use clap::{Args, Parser, Subcommand, ValueHint};

use crate::rules::{Preset, Rule, RuleKind, ServiceMapping};

#[derive(Debug, Parser)]
#[command(
    name = "mkimport",
    version,
    about = "Preview and import marketing programs from bundles into a subscription directory or a live Marketo instance, safely.",
    long_about = "Preview and import marketing programs (emails, landing pages, forms, smart \
campaigns, My Tokens, tags) from bundles into a target subscription directory, or into a live \
Marketo instance through its REST API (--to marketo:INSTANCE, a Munchkin id or a base URL), \
resolving every name clash with explicit conflict rules, the way Marketo's Import Program does. \
`preview` shows exactly what an import would do; `run` does it; `log` and `undo` keep the \
history; `pull` writes a subscription directory describing a live instance.\n\n\
Exit codes: 0 done (preview: nothing blocked), 1 error (bad input, I/O), 2 usage, \
3 blocked or stale (a stale plan, or an undo refused as `stale-undo`), 4 partial (run --skip-blocked \
imported some, others are blocked).",
    after_help = "Use --help for examples and more detail; `mkimport help COMMAND` for a command.",
    after_long_help = EXAMPLES
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

// Examples: lines of at most 76 columns, so no terminal wraps them.
const EXAMPLES: &str = "\
Examples:
  mkimport preview --from sandbox/ --to prod/
  mkimport run --from bundles/ --to prod/ --rule program=rename
  mkimport preview --from library --to prod/ --format markdown
  mkimport preview --from sandbox/ --to marketo:123-ABC-456
  mkimport library show \"Lifecycle 2\"
  mkimport completions fish > ~/.config/fish/completions/mkimport.fish";

const PREVIEW_EXAMPLES: &str = "\
Examples:
  # Every program of a subscription, as a table that fits the terminal
  mkimport preview --from sandbox/ --to prod/

  # One program; a clashing program is renamed
  mkimport preview --from sandbox/ --to prod/ \\
      --program \"2026 APAC Growth Summit\" --rule program=rename

  # Against a live instance (credentials in MARKETO_CLIENT_ID and
  # MARKETO_CLIENT_SECRET; see `mkimport help pull`)
  mkimport preview --from sandbox/ --to marketo:123-ABC-456

  # CI: a Markdown summary for the job, exit 3 when a program is blocked
  mkimport preview --from bundles/ --to prod/ --format markdown \\
      >> \"$GITHUB_STEP_SUMMARY\"

  # Save the plan, to apply exactly that with `run --plan`
  mkimport preview --from bundles/ --to prod/ --out plan.json";

const RUN_EXAMPLES: &str = "\
Examples:
  # Try it on a copy first; on a terminal it shows the preview, then
  # asks (the default is no)
  cp -r prod/ prod-copy/
  mkimport run --from sandbox/ --to prod-copy/

  # In a script: no question, the JSON report on standard output
  mkimport run --from bundles/ --to prod/ --yes --json

  # Import what can be (exit 4 when some programs stay blocked)
  mkimport run --from bundles/ --to prod/ --yes --skip-blocked

  # Apply a saved plan; refused (exit 3) if anything changed since
  mkimport run --plan plan.json --yes";

const EXPORT_EXAMPLES: &str = "\
Examples:
  mkimport export --from sandbox/ \\
      --program \"2026 APAC Growth Summit\" --out summit.zip
  mkimport export --from sandbox/ \\
      --program \"2026 APAC Growth Summit\" --out - | unzip -l /dev/stdin";

const LOG_EXAMPLES: &str = "\
Examples:
  mkimport log --to prod/
  mkimport log --to prod/ | grep \"Monthly Newsletter\"    # one line per import

  # What a live import left to do by hand, as a checklist
  mkimport log --to marketo:123-ABC-456 --format markdown > todo.md";

const PULL_EXAMPLES: &str = "\
Examples:
  # Credentials of the instance's LaunchPoint API service, never on the
  # command line
  read -r MARKETO_CLIENT_ID && export MARKETO_CLIENT_ID
  read -rs MARKETO_CLIENT_SECRET && export MARKETO_CLIENT_SECRET
  mkimport pull --instance 123-ABC-456 --out acme --name \"Acme Production\"

  # Pull again: only what changed is fetched and written
  mkimport pull --instance 123-ABC-456 --out acme

  # Two instances, each with its own credentials (the Munchkin id in
  # capitals, _ for -), compared without touching either
  export MARKETO_CLIENT_ID_123_ABC_456=... MARKETO_CLIENT_SECRET_123_ABC_456=...
  export MARKETO_CLIENT_ID_987_XYZ_654=... MARKETO_CLIENT_SECRET_987_XYZ_654=...
  mkimport pull --instance 123-ABC-456 --out agency
  mkimport preview --from agency --to marketo:987-XYZ-654";

const PULL_ABOUT: &str = "\
Write a subscription directory describing a live Marketo instance, through its REST API.

Reads the schema (fields, channels, tags, segmentations, custom objects and activities), the \
design studio, the folder tree with its tokens and the programs with their assets, as far as \
the API can read them, and writes them as a subscription directory that `preview` and `run` \
take like any other. A pull writes beside DIR and moves into place at the end: a failed pull \
leaves DIR as it was.

Credentials: the client id and secret of a LaunchPoint custom service (Admin > Integration > \
LaunchPoint > New Service, \"Custom\", with an API-only user) in MARKETO_CLIENT_ID and \
MARKETO_CLIENT_SECRET; for an instance named by its Munchkin id, MARKETO_CLIENT_ID_<ID> and \
MARKETO_CLIENT_SECRET_<ID> (123_ABC_456 for 123-ABC-456) win when both are set. The API user's \
role needs, under Access API: Read-Only Assets (Read-Write Assets to import with run --to \
marketo:...), Read-Only Lead, Read-Only Custom Object and Read-Only Activity Metadata; without \
one of the last three, what it reads is left undeclared, with a warning.

Marketo allows 100 calls in 20 seconds and 10 at once: the pull keeps to that by itself. A \
host name that does not resolve fails at once; an instance that refuses or does not answer the \
connection is tried 3 times, a few seconds apart; other transient failures are retried with \
back-off; each retry is announced on a terminal.";

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show what an import would do, without writing into the target.
    ///
    /// Plans the import of every selected program of SRC into TARGET and
    /// shows it: blocked programs and their causes first, then each
    /// program to import with what happens to its assets, then the counts
    /// per action. Nothing is written into the target. Exits 3 when a
    /// program is blocked.
    #[command(after_long_help = PREVIEW_EXAMPLES)]
    Preview(PreviewArgs),
    /// Import: apply the plan to the target.
    ///
    /// Plans as `preview` does, shows the plan, asks for confirmation on a
    /// terminal (else needs --yes), then writes every program whole or not
    /// at all, under a lock, and keeps a receipt in
    /// TARGET/.mkimport/imports/. A blocked program refuses the whole run
    /// (exit 3) unless --skip-blocked.
    #[command(after_long_help = RUN_EXAMPLES)]
    Run(RunArgs),
    /// List the imports into a target (and their undos), newest first.
    ///
    /// The id, time, user, source, counts and programs of every import and
    /// undo. On a terminal the list fits its width; in a pipe it is one
    /// line per entry. --verbose adds what each import into a live
    /// instance left to do by hand in Marketo, per program.
    #[command(after_long_help = LOG_EXAMPLES)]
    Log(LogArgs),
    /// Take back an import: remove what it created and restore what it
    /// replaced, as one crash-safe transaction.
    Undo(UndoArgs),
    /// Browse the built-in Program Library.
    #[command(subcommand)]
    Library(LibraryCommand),
    /// Write a subscription directory describing a live Marketo instance,
    /// through its REST API.
    #[command(long_about = PULL_ABOUT, after_long_help = PULL_EXAMPLES)]
    Pull(PullArgs),
    /// Export a program stored in a subscription as a self-contained bundle.
    ///
    /// The bundle carries the program, the external assets it uses (from
    /// the subscription's design studio) and its folders' tokens as
    /// inherited tokens. The same program always gives the same bytes.
    #[command(after_long_help = EXPORT_EXAMPLES)]
    Export {
        /// The subscription directory holding the program.
        #[arg(long, value_name = "SUBSCRIPTION", value_hint = ValueHint::DirPath)]
        from: PathBuf,
        /// The program's name.
        #[arg(long, value_name = "NAME")]
        program: String,
        /// The zip file to write; `-` writes it to standard output.
        #[arg(long, value_name = "FILE.zip", value_hint = ValueHint::FilePath)]
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
    ///
    /// One page documents every command and every option.
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
    /// program.json), one .zip file, the word `library`, or a live Marketo
    /// instance, `marketo:INSTANCE` (pulled first).
    #[arg(long, value_name = "SRC", value_hint = ValueHint::AnyPath, help_heading = "Source and target")]
    pub from: Option<String>,

    /// The target: a subscription directory (it holds subscription.json),
    /// or a live Marketo instance, `marketo:INSTANCE` (a Munchkin id or a
    /// base URL; credentials from MARKETO_CLIENT_ID and
    /// MARKETO_CLIENT_SECRET, see `mkimport help pull`).
    #[arg(long, value_name = "TARGET", value_hint = ValueHint::DirPath, value_parser = parse_target, help_heading = "Source and target")]
    pub to: Option<TargetSpec>,

    /// Import only this program (repeatable). `-` reads one name per line
    /// from standard input. None means every program in SRC.
    #[arg(long = "program", value_name = "NAME", help_heading = "Selection")]
    pub programs: Vec<String>,

    /// The campaign folder every program goes into, a `/`-separated path
    /// below marketing-activities/ that must exist. Without it each program
    /// goes to the folder it came from.
    #[arg(long, value_name = "PATH", help_heading = "Selection")]
    pub folder: Option<String>,

    /// The acting user, checked against the target's users and roles.
    /// Defaults to the MKIMPORT_USER environment variable.
    #[arg(long, value_name = "EMAIL", help_heading = "Selection")]
    pub user: Option<String>,

    /// Conflict rules: `default` (what the seed page of Marketo's import
    /// describes), `current` (today's Marketo: email templates and global
    /// forms renamed, renames spelled "<name> - <n>"), a JSON file
    /// `{"kind": "rule", ...}` applied over the defaults (or over `current`
    /// with `"preset": "current"`), or `ask` (interactive, terminal only).
    #[arg(
        long,
        value_name = "default|current|FILE|ask",
        default_value = "default",
        value_parser = CONFLICT_PARSER,
        hide_possible_values = true,
        help_heading = "Conflict rules"
    )]
    pub conflict: ConflictArg,

    /// Set one rule on top of --conflict, as KIND=RULE (repeatable; the last
    /// one wins), e.g. --rule program=rename.
    #[arg(
        long = "rule",
        value_name = "KIND=RULE",
        value_parser = RULE_PARSER,
        hide_possible_values = true,
        long_help = rule_long_help(),
        help_heading = "Conflict rules"
    )]
    pub rules: Vec<(RuleKind, Rule)>,

    /// Map a self-service flow step of the imported campaigns to one of the
    /// target, as FROM=TO, both full "Provider/Step" strings (repeatable;
    /// over a rules file's "services").
    #[arg(long = "map-service", value_name = "FROM=TO", value_parser = parse_map_service)]
    pub map_services: Vec<ServiceMapping>,

    /// What to print on standard output: the human `table`, the JSON
    /// report (`json`), NDJSON `events` (one per program, per asset action
    /// and per file written, then the summary), or a `markdown` summary
    /// for pull-request comments and CI job summaries.
    #[arg(long, value_name = "FORMAT", value_enum, conflicts_with_all = ["json", "events"], help_heading = "Output")]
    pub format: Option<OutputFormat>,

    /// Short for --format json: the JSON report on standard output, and
    /// nothing else there.
    #[arg(long, conflicts_with = "events", help_heading = "Output")]
    pub json: bool,

    /// Short for --format events.
    #[arg(long, help_heading = "Output")]
    pub events: bool,

    /// Print only the problems and the summary (table), no asset rows.
    #[arg(long, short = 'q', conflicts_with = "verbose", help_heading = "Output")]
    pub quiet: bool,

    /// Print every row: long listings are collapsed otherwise (table,
    /// markdown).
    #[arg(long, short = 'v', help_heading = "Output")]
    pub verbose: bool,

    /// Refuse a zip entry larger than this many bytes uncompressed
    /// [default: 67108864].
    #[arg(long, value_name = "BYTES", help_heading = "Limits")]
    pub max_entry_bytes: Option<u64>,

    /// Refuse a bundle whose entries add up to more than this many bytes
    /// [default: 268435456].
    #[arg(long, value_name = "BYTES", help_heading = "Limits")]
    pub max_bundle_bytes: Option<u64>,

    /// Refuse a zip entry that expands more than this many times
    /// [default: 200].
    #[arg(long, value_name = "RATIO", help_heading = "Limits")]
    pub max_ratio: Option<u64>,
}

impl ImportArgs {
    /// The output format the flags ask for.
    pub fn output_format(&self) -> OutputFormat {
        match (self.format, self.json, self.events) {
            (Some(format), _, _) => format,
            (None, true, _) => OutputFormat::Json,
            (None, false, true) => OutputFormat::Events,
            (None, false, false) => OutputFormat::Table,
        }
    }

    /// How much of a plan the human formats show.
    pub fn verbosity(&self) -> Verbosity {
        match (self.quiet, self.verbose) {
            (true, _) => Verbosity::Quiet,
            (false, true) => Verbosity::Verbose,
            (false, false) => Verbosity::Normal,
        }
    }
}

/// How much of a plan the human formats (table, markdown) show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verbosity {
    /// `--quiet`: the problems and the summary.
    Quiet,
    /// Long listings collapsed: plain creations counted, not listed.
    Normal,
    /// `--verbose`: every row.
    Verbose,
}

/// What goes to standard output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// The human table (the default).
    Table,
    /// The JSON report, and nothing else.
    Json,
    /// NDJSON events, one per line.
    Events,
    /// A Markdown summary (pull-request comments, CI job summaries).
    Markdown,
}

impl OutputFormat {
    /// Output for programs: no table, no prompt, no progress bar.
    pub fn is_machine(self) -> bool {
        match self {
            OutputFormat::Table => false,
            OutputFormat::Json | OutputFormat::Events | OutputFormat::Markdown => true,
        }
    }
}

/// `--conflict`: a preset, a rules file, or `ask`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConflictArg {
    /// `default` (the rules of spec section 4) or `current` (section 8).
    Preset(Preset),
    /// `ask`: one question per actual conflict (terminal only).
    Ask,
    /// A JSON rules file over a preset.
    File(PathBuf),
}

impl ConflictArg {
    /// The words `--conflict` takes besides a file.
    pub const WORDS: [&'static str; 3] = ["default", "current", "ask"];
}

/// A preset, `ask`, or a path that exists; anything else is a usage error
/// that names the nearest preset.
fn parse_conflict(text: &str) -> Result<ConflictArg, String> {
    if let Some(preset) = Preset::parse(text) {
        return Ok(ConflictArg::Preset(preset));
    }
    if text == "ask" {
        return Ok(ConflictArg::Ask);
    }
    let path = PathBuf::from(text);
    if std::fs::symlink_metadata(&path).is_ok() {
        return Ok(ConflictArg::File(path));
    }
    let words: Vec<&str> = Preset::ALL
        .iter()
        .map(|p| p.as_str())
        .chain(std::iter::once("ask"))
        .collect();
    // A bare word is a preset mistyped: name the nearest. What looks like
    // a path is a file that is not there: name a preset only if close.
    let hint = if text.contains(['/', '\\', '.']) {
        crate::suggest::did_you_mean(text, words)
    } else {
        crate::suggest::closest(text, words)
            .map(|w| format!(" (did you mean \"{w}\"?)"))
            .unwrap_or_default()
    };
    Err(format!(
        "{text:?} is neither a preset nor a file{hint}; give {}, ask, or the path of a rules file",
        crate::rules::preset_list()
    ))
}

/// What `--to` names: a subscription directory, or a live Marketo
/// instance (`marketo:INSTANCE`, spec section 11).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetSpec {
    Directory(PathBuf),
    /// `marketo:` and a Munchkin id or a base URL, as given after the
    /// prefix (checked when the target is opened).
    Marketo(String),
}

impl TargetSpec {
    /// The prefix that names a live instance.
    pub const MARKETO: &'static str = "marketo:";

    /// `marketo:INSTANCE`, or else a directory (`./marketo:x` names a
    /// directory of that name).
    pub fn parse(text: &str) -> TargetSpec {
        match text.strip_prefix(TargetSpec::MARKETO) {
            Some(instance) => TargetSpec::Marketo(instance.trim().to_string()),
            None => TargetSpec::Directory(PathBuf::from(text)),
        }
    }

    /// The directory, for a directory target.
    pub fn directory(&self) -> Option<&std::path::Path> {
        match self {
            TargetSpec::Directory(path) => Some(path),
            TargetSpec::Marketo(_) => None,
        }
    }
}

impl std::fmt::Display for TargetSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TargetSpec::Directory(path) => f.write_str(&crate::error::show(path)),
            TargetSpec::Marketo(instance) => write!(f, "{}{instance}", TargetSpec::MARKETO),
        }
    }
}

fn parse_target(text: &str) -> Result<TargetSpec, String> {
    if text.trim().is_empty() {
        return Err(
            "the target is empty; give a subscription directory or marketo:INSTANCE".into(),
        );
    }
    Ok(TargetSpec::parse(text))
}

/// `--map-service FROM=TO`.
fn parse_map_service(text: &str) -> Result<ServiceMapping, String> {
    ServiceMapping::parse(text)
}

/// `--rule KIND=RULE`, checked against the rules the kind accepts.
fn parse_rule(text: &str) -> Result<(RuleKind, Rule), String> {
    let Some((kind, rule)) = text.split_once('=') else {
        return Err(format!(
            "--rule takes KIND=RULE (for example --rule landing-page-template=reuse), not {text:?}"
        ));
    };
    crate::rules::parse_pair(kind, rule)
}

/// The long help of `--rule`: each kind with its rules, the default first.
fn rule_long_help() -> String {
    let mut text = String::from(
        "Set one rule on top of --conflict, as KIND=RULE (repeatable; the last one wins). \
         The kinds and their rules, the default first:\n",
    );
    let width = RuleKind::ALL
        .iter()
        .map(|k| k.as_str().len())
        .max()
        .unwrap_or(0);
    for kind in RuleKind::ALL {
        let rules: Vec<&str> = kind.choices().iter().map(|r| r.as_str()).collect();
        text.push_str(&format!(
            "\n  {:width$}  {}",
            kind.as_str(),
            rules.join(", ")
        ));
    }
    text
}

/// Turns a parser's message into clap's usage error (exit 2).
fn invalid(
    cmd: &clap::Command,
    arg: Option<&clap::Arg>,
    value: &str,
    message: String,
) -> clap::Error {
    let arg = arg
        .map(|a| a.to_string())
        .unwrap_or_else(|| "...".to_string());
    let mut err = clap::Error::raw(
        clap::error::ErrorKind::ValueValidation,
        format!("invalid value '{value}' for '{arg}': {message}\n"),
    );
    err = err.with_cmd(cmd);
    err
}

/// A value parser from a parsing function and the values a shell may
/// complete: `--rule` (every KIND=RULE pair) and `--conflict` (the presets
/// and `ask`). A parsing error is clap's usage error (exit 2).
#[derive(Clone, Copy)]
struct Completed<T> {
    parse: fn(&str) -> Result<T, String>,
    values: fn() -> Vec<String>,
}

impl<T: Clone + Send + Sync + 'static> TypedValueParser for Completed<T> {
    type Value = T;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<T, clap::Error> {
        let text = value.to_string_lossy();
        (self.parse)(&text).map_err(|m| invalid(cmd, arg, &text, m))
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(
            (self.values)().into_iter().map(PossibleValue::new),
        ))
    }
}

/// `--rule`: parsed as KIND=RULE; completes to every pair.
const RULE_PARSER: Completed<(RuleKind, Rule)> = Completed {
    parse: parse_rule,
    values: || {
        RuleKind::ALL
            .into_iter()
            .flat_map(|kind| {
                kind.choices()
                    .iter()
                    .map(move |rule| format!("{kind}={rule}"))
            })
            .collect()
    },
};

/// `--conflict`: a preset or a rules file; completes to the presets.
const CONFLICT_PARSER: Completed<ConflictArg> = Completed {
    parse: parse_conflict,
    values: || ConflictArg::WORDS.iter().map(|w| w.to_string()).collect(),
};

#[derive(Debug, Args)]
pub struct PreviewArgs {
    #[command(flatten)]
    pub import: ImportArgs,

    /// Save the plan to this file, for `run --plan`.
    #[arg(long, value_name = "PLAN", value_hint = ValueHint::FilePath, help_heading = "Output")]
    pub out: Option<PathBuf>,

    /// After the table, show for every asset the import would overwrite a
    /// unified diff of the target's content against the incoming one
    /// (coloured on a terminal, unless NO_COLOR is set). Not with --json
    /// or --events.
    #[arg(long)]
    pub diff: bool,
}

#[derive(Debug, Args)]
pub struct LogArgs {
    /// The target: a subscription directory, or `marketo:INSTANCE`.
    #[arg(long, value_name = "TARGET", value_parser = parse_target)]
    pub to: TargetSpec,

    /// What to print: the human list (`table`; one line per entry when
    /// standard output is not a terminal), `{"imports": [...]}` (`json`),
    /// or `markdown`: the list, then what each import into a live
    /// instance left to do by hand, as a checklist per program.
    #[arg(long, value_name = "FORMAT", value_enum, conflicts_with = "json")]
    pub format: Option<LogFormat>,

    /// Short for --format json.
    #[arg(long)]
    pub json: bool,

    /// Every program of every import, then what each import into a live
    /// instance left to do by hand (the smart-list rules and flow steps,
    /// tokens and tag values Marketo's API cannot write), per program.
    #[arg(long, short = 'v')]
    pub verbose: bool,
}

impl LogArgs {
    /// The output format the flags ask for.
    pub fn output_format(&self) -> LogFormat {
        match (self.format, self.json) {
            (Some(format), _) => format,
            (None, true) => LogFormat::Json,
            (None, false) => LogFormat::Table,
        }
    }
}

/// What `log` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// The human list (the default).
    Table,
    /// `{"imports": [...]}`.
    Json,
    /// The list and the to-do list, in Markdown.
    Markdown,
}

#[derive(Debug, Args)]
pub struct UndoArgs {
    /// The import to take back: its id, or the first 8 or more characters
    /// of it (see `mkimport log`).
    #[arg(value_name = "IMPORT_ID")]
    pub id: String,

    /// The target: a subscription directory, or `marketo:INSTANCE`.
    #[arg(long, value_name = "TARGET", value_parser = parse_target)]
    pub to: TargetSpec,

    /// Do not ask for confirmation (required without a terminal).
    #[arg(long, short = 'y')]
    pub yes: bool,

    /// Print the undo's report (its receipt) as JSON, and nothing else on
    /// standard output.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub import: ImportArgs,

    /// Do not ask for confirmation (required without a terminal).
    #[arg(long, short = 'y', help_heading = "Run")]
    pub yes: bool,

    /// Apply exactly this saved plan (from `preview --out`); refused if the
    /// target or a bundle changed since.
    #[arg(long, value_name = "PLAN", value_hint = ValueHint::FilePath, help_heading = "Run")]
    pub plan: Option<PathBuf>,

    /// Import the programs that are not blocked instead of refusing the
    /// run (exit 4 when some were imported and some are blocked).
    #[arg(long, help_heading = "Run")]
    pub skip_blocked: bool,

    /// A live instance (--to marketo:...): send at most N API calls, reading
    /// included. The run stops between programs, before one it could not
    /// finish within N; those are skipped (warning call-budget, exit 4, or
    /// 3 when none was imported) and the next run goes on from there.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..), help_heading = "Run")]
    pub max_calls: Option<u64>,

    /// Mail a confirmation to this address through `sendmail -t` (or the
    /// command in MKIMPORT_SENDMAIL).
    #[arg(
        long,
        value_name = "ADDR",
        value_parser = parse_address,
        help_heading = "Run"
    )]
    pub notify: Option<lettre::message::Mailbox>,
}

/// `mkimport pull`: write a subscription directory describing a live
/// Marketo instance, through its REST API.
#[derive(Debug, Args, Clone)]
pub struct PullArgs {
    /// The instance: a Munchkin id (123-ABC-456, meaning
    /// https://123-ABC-456.mktorest.com) or a base URL
    /// (http://127.0.0.1:8080). The client id and secret of its LaunchPoint
    /// API service come from MARKETO_CLIENT_ID and MARKETO_CLIENT_SECRET.
    #[arg(long, value_name = "INSTANCE")]
    pub instance: String,

    /// The subscription directory to write: a new or empty directory, or an
    /// earlier pull's (then only what changed is fetched and written).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,

    /// Pull only this program (repeatable). None means every program. The
    /// design studio, folders and schema are always pulled whole.
    #[arg(long = "program", value_name = "NAME")]
    pub programs: Vec<String>,

    /// The subscription's name in subscription.json (default: the earlier
    /// pull's name, else "Marketo <instance>").
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,

    /// Print a JSON summary (with `calls`) on standard output, and nothing
    /// else there.
    #[arg(long)]
    pub json: bool,

    /// Fetch every asset's content again, even when the earlier pull kept
    /// it at the same `updatedAt`.
    #[arg(long)]
    pub refetch: bool,
}

/// `--notify ADDR`: a mail address (`ops@acme.example`, or `Ops Lead
/// <ops@acme.example>`); anything else is a usage error.
pub fn parse_address(text: &str) -> Result<lettre::message::Mailbox, String> {
    text.trim()
        .parse::<lettre::message::Mailbox>()
        .map_err(|e| {
            format!("{text:?} is not a mail address ({e}); give one like ops@acme.example")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_checked() {
        assert!(parse_address("ops@acme.example").is_ok());
        assert!(parse_address("Ops Lead <ops@acme.example>").is_ok());
        assert!(parse_address("not-an-address").is_err());
        assert!(parse_address("a@b\r\nBcc: x@y").is_err());
    }
}
