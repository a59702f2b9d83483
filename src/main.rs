//! mkimport: preview and import marketing programs into a subscription.
//!
//! Data flows one way: load → plan (pure) → render or apply; the commands
//! (`mkimport::commands`) wire the stages. This file only parses the
//! command line.

use std::process::ExitCode;

use clap::Parser;

/// mimalloc rather than glibc's allocator: bundles are decoded on several
/// threads into short-lived buffers, and glibc keeps that memory in
/// per-thread arenas, which made the peak RSS about three times the live
/// data (see docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    mkimport::commands::main(mkimport::cli::Cli::parse())
}
