//! mkimport as a library: the stages of an import, one module each.
//!
//! load ([`bundle`], [`subscription`], [`source`], [`library`]) →
//! plan ([`plan`], pure, with [`rules`] and [`names`]) →
//! render ([`report`]) or apply ([`apply`], [`notify`]).
//! [`app`] wires them into the commands; [`cli`] defines the command line.

pub mod app;
pub mod apply;
pub mod bundle;
pub mod cli;
pub mod digest;
pub mod error;
pub mod events;
pub mod export;
pub mod fsutil;
#[doc(hidden)]
pub mod fuzzing;
pub mod generate;
pub mod library;
pub mod marketo;
pub mod model;
pub mod names;
pub mod notify;
pub mod parallel;
pub mod plan;
pub mod report;
pub mod rules;
pub mod saved;
pub mod source;
pub mod subscription;
pub mod wizard;
