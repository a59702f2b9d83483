//! Hostile input: bundles and targets built to escape the target, exhaust
//! memory, smuggle links, or break file names. Every test checks the exit
//! code, that standard error names the bundle (or target file) at fault,
//! and that nothing was written where nothing may be.
//!
//! One module per theme (`cargo test --test suite hostile::`).

mod bombs;
mod compression;
mod file_names;
mod names;
mod sources;
mod targets;
mod zip_entries;
