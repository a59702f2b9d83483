//! A local simulator of the Marketo REST API, for mkimport's tests and
//! docs examples.
//!
//! [`Sim::start`] serves an [`Instance`] on 127.0.0.1 (a free port):
//!
//! - the identity service (`/identity/oauth/token`, client credentials,
//!   tokens that expire: 601 for an unknown token, 602 for an expired one);
//! - the Asset and lead-database read endpoints of [`routes::ROUTES`], with
//!   Marketo's envelope (`requestId`, `success`, `errors`, `warnings`,
//!   `result`), paging (`offset`, `maxReturn` up to 200, "No assets found"
//!   or 702 past the end) and record shapes (the Swagger files in
//!   `swagger/`, which a test in mkimport checks the answers against);
//! - Marketo's limits: 606 past `calls_per_window` calls in any `window`,
//!   615 past `max_concurrency` calls at once, 607 past `daily_quota`;
//! - injected faults ([`Fault`]): any error code (604, 608, 611, 713, ...),
//!   an HTTP status, a reset connection, latency, an HTML answer, an answer
//!   cut in half, an expired token;
//! - files at `/rs/<munchkin>/images/<name>` (their `url` in `files.json`);
//! - a log of every call and counters ([`Sim::calls`], [`Sim::stats`]).
//!
//! An instance is built in Rust ([`Instance::new`] and its `add_*`
//! methods) or from a subscription directory in mkimport's format
//! ([`Instance::from_subscription`], which reads the JSON itself). The
//! model is mutable ([`Sim::with_instance`]), and the write endpoints of
//! [`routes::ROUTES`] (create, update content, approve, delete) change it
//! as Marketo does, with its refusals (709 duplicate or in use, 710 no such
//! folder, 711 wrong kind of folder; see [`edit`]).

pub mod approval;
pub mod config;
pub mod edit;
pub mod files;
pub mod forms;
pub mod http;
pub mod model;
pub mod names;
pub mod records;
pub mod routes;
pub mod server;
mod subscription;
pub mod template;
mod writes;

pub use approval::Approvable;
pub use config::{Call, Fault, FaultKind, SimConfig, Stats};
pub use edit::NewEmail;
pub use model::{
    Delivery, EmailDefaults, Id, Instance, Parent, Row, Rule, Section, Sender, Status, Token,
};
pub use server::Sim;
