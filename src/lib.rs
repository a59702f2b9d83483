//! mkimport as a library: the stages of an import.
//!
//! load ([`load`]: bundles, subscriptions, sources, the library) →
//! plan ([`plan`], pure, with [`rules`] and [`names`]) →
//! render ([`output`]) or apply ([`apply`], through a [`targets`]).
//! [`cli`] defines the command line, [`request`] turns it (or a saved plan,
//! or the wizard's answers) into one typed request, and [`commands`] wires
//! the stages, one file per command.

pub mod apply;
pub mod cli;
pub mod commands;
pub mod digest;
pub mod error;
pub mod fsutil;
#[doc(hidden)]
pub mod fuzzing;
pub mod history;
pub mod interrupt;
pub mod load;
pub mod marketo;
pub mod model;
pub mod names;
pub mod output;
pub mod parallel;
pub mod plan;
pub mod request;
pub mod rules;
pub mod suggest;
pub mod targets;
