//! mkimport: preview and import marketing programs into a subscription.
//!
//! Data flows one way: load (bundle, subscription) → plan (pure) → render
//! (report) or apply. This file only parses the command line and turns
//! errors into exit codes.

use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use mkimport::cli::{Cli, Command, LibraryCommand};
use mkimport::error::UsageError;
use mkimport::{app, console, library};

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
        Command::Library(LibraryCommand::List { json }) => library::list(*json)
            .and_then(|text| console::print(&text))
            .map(|()| app::EXIT_OK),
        Command::Library(LibraryCommand::Show { name }) => library::show(name)
            .and_then(|text| console::print(&text))
            .map(|()| app::EXIT_OK),
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
            // Generated in memory first: clap_complete panics when its
            // writer fails.
            let mut command = Cli::command();
            let mut script = Vec::new();
            clap_complete::generate(*shell, &mut command, "mkimport", &mut script);
            console::print(&String::from_utf8_lossy(&script)).map(|()| app::EXIT_OK)
        }
        Command::Man => {
            console::print_with(|out| clap_mangen::Man::new(Cli::command()).render(out))
                .map(|()| app::EXIT_OK)
        }
    };
    match result {
        Ok(code) => ExitCode::from(code as u8),
        Err(err) => {
            if let Some(usage) = err.downcast_ref::<UsageError>() {
                mkimport::errln!("error: {usage}");
                return ExitCode::from(2);
            }
            mkimport::errln!("error: {err:#}");
            ExitCode::from(app::EXIT_ERROR as u8)
        }
    }
}
