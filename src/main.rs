//! mkimport: preview and import marketing programs into a subscription.
//!
//! Data flows one way: load (bundle, subscription) → plan (pure) → render
//! (report) or apply. This file only parses the command line and turns
//! errors into exit codes.

use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use mkimport::cli::{Cli, Command, LibraryCommand};
use mkimport::error::UsageError;
use mkimport::{app, library};

/// mimalloc rather than glibc's allocator: bundles are decoded on several
/// threads into short-lived buffers, and glibc keeps that memory in
/// per-thread arenas, which made the peak RSS about three times the live
/// data (see docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Preview(args) => app::preview(args),
        Command::Run(args) => app::run(args),
        Command::Library(LibraryCommand::List { json }) => library::list(*json).map(|text| {
            print!("{text}");
            app::EXIT_OK
        }),
        Command::Library(LibraryCommand::Show { name }) => library::show(name).map(|text| {
            print!("{text}");
            app::EXIT_OK
        }),
        Command::Pull(args) => mkimport::marketo::pull::run(args),
        Command::Export { from, program, out } => {
            mkimport::export::export(from, program, out).map(|()| app::EXIT_OK)
        }
        Command::Generate {
            bundles,
            out,
            seed,
            target_assets,
        } => mkimport::generate::generate(out, *bundles, *seed, *target_assets)
            .map(|()| app::EXIT_OK),
        Command::Completions { shell } => {
            let mut command = Cli::command();
            clap_complete::generate(*shell, &mut command, "mkimport", &mut std::io::stdout());
            Ok(app::EXIT_OK)
        }
        Command::Man => clap_mangen::Man::new(Cli::command())
            .render(&mut std::io::stdout())
            .map(|()| app::EXIT_OK)
            .map_err(Into::into),
    };
    match result {
        Ok(code) => ExitCode::from(code as u8),
        Err(err) => {
            if let Some(usage) = err.downcast_ref::<UsageError>() {
                eprintln!("error: {usage}");
                return ExitCode::from(2);
            }
            eprintln!("error: {err:#}");
            ExitCode::from(app::EXIT_ERROR as u8)
        }
    }
}
