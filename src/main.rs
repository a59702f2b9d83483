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

/// mimalloc's option "eager commit arenas" (`mi_option_arena_eager_commit`
/// in mimalloc.h, the same number in its versions 2 and 3).
const MI_OPTION_ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;

/// Commit arena memory as it is used rather than all at once: a preview of
/// 10,000 bundles peaks about 15% lower, at no cost in time (see
/// docs/performance.md). It must be set before mimalloc makes its first
/// arena, that is before the first allocation: so it runs as an early
/// constructor (priority 101, before mimalloc's own and before the Rust
/// runtime's first allocation).
extern "C" fn commit_on_use() {
    // SAFETY: mi_option_set only stores an option's value; it allocates
    // nothing.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_ARENA_EAGER_COMMIT, 0) };
}

#[cfg(target_os = "linux")]
#[used]
#[link_section = ".init_array.00101"]
static COMMIT_ON_USE: extern "C" fn() = commit_on_use;

fn main() -> ExitCode {
    #[cfg(not(target_os = "linux"))]
    commit_on_use();
    mkimport::commands::main(mkimport::cli::Cli::parse())
}
