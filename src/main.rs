//! mkimport: preview and import marketing programs into a subscription.
//!
//! Data flows one way: load (bundle, subscription) → plan (pure) → render
//! (report) or apply. This file only parses the command line and turns
//! errors into exit codes.

mod app;
mod apply;
mod bundle;
mod cli;
mod digest;
mod error;
mod fsutil;
mod library;
mod model;
mod names;
mod notify;
mod parallel;
mod plan;
mod report;
mod rules;
mod saved;
mod source;
mod subscription;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command};
use crate::error::UsageError;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Preview(args) => app::preview(args),
        Command::Run(args) => app::run(args),
        Command::Library(_cmd) => Err(error::usage("library is not available yet")),
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
