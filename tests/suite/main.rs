//! The integration tests of mkimport, in one test binary (ripgrep's
//! layout): one module per topic, all sharing one support module.
//!
//! `cargo test` runs them all; `cargo test --test suite hostile::` runs
//! one topic, `cargo test --test suite NAME` the tests whose path
//! contains NAME.

mod support;

mod events;
mod export;
mod fuzz_regressions;
mod generate;
mod help;
mod history;
mod hostile;
mod integrity;
mod library;
mod lists;
mod output;
mod planner_props;
mod preview_always;
mod preview_fidelity;
mod preview_fixtures;
mod preview_input;
mod preview_problems;
mod preview_rules;
mod run_apply;
mod run_plan;
mod run_safety;
mod scaling;
mod terminal;
mod undo_safety;
mod usage;
mod wizard;
