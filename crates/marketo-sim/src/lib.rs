//! A local simulator of the Marketo REST API, for mkimport's tests and
//! docs examples.
//!
//! [`Sim::start`] serves an [`Instance`] on 127.0.0.1 (a free port):
//!
//! - the identity service (`/identity/oauth/token`, client credentials,
//!   tokens that expire: 601 for an unknown token, 602 for an expired one);
//! - the Asset and lead-database endpoints of [`routes::ROUTES`], with
//!   Marketo's envelopes (the Asset API's `requestId`, `success`,
//!   `errors`, `warnings`, `result`; the lead database's without `errors`
//!   and `warnings`), paging (`offset`, `maxReturn` up to 200), the empty
//!   search as `success` with "No assets found for the given search
//!   criteria." and no `result`, and records in the shapes of the real
//!   answers of `shared/marketo-real` ([`records`]; a test in mkimport
//!   compares them, another checks them against the Swagger files in
//!   `swagger/`);
//! - Marketo's limits: 606 past `calls_per_window` calls in any `window`,
//!   615 past `max_concurrency` calls at once, 607 past `daily_quota`
//!   (counting `used_today`, the calls made before the start), and the
//!   day's usage at `GET /rest/v1/stats/usage.json`; a `latency` added to
//!   every REST call;
//! - injected faults ([`Fault`]): any error code (604, 608, 611, 713, ...),
//!   an HTTP status, a reset connection, latency, an HTML answer, an answer
//!   cut in half, an expired token;
//! - files on another host than the REST API ([`Sim::files_url`],
//!   `http://localhost:PORT`), whose URLs tests can make redirect, fail or
//!   point nowhere ([`Delivery`], [`Sim::set_delivery`]);
//! - a log of every call (with whether it carried an `Authorization`
//!   header) and counters ([`Sim::calls`], [`Sim::stats`]).
//!
//! An instance is built in Rust ([`Instance::new`] and its `add_*`
//! methods) or from a subscription directory in mkimport's format
//! ([`Instance::from_subscription`], which reads the JSON itself, v3's
//! email settings and statuses included). The model is mutable
//! ([`Sim::with_instance`]), and the write endpoints of
//! [`routes::ROUTES`] change it as Marketo does, with its refusals (see
//! [`edit`]): 709 for a duplicate name, an asset in use, a field a form
//! already has, or a break of the draft and approval lifecycle
//! ([`approval`]: approved emails, landing pages and templates are
//! unapproved before they are deleted); 710 no such folder; 711 the wrong
//! kind of folder. A form created through the API starts with First Name,
//! Last Name and Email; Create Email takes its subject and sender as
//! optional, the instance's [`EmailDefaults`] applying.

pub mod approval;
pub mod config;
pub mod edit;
pub mod files;
pub mod forms;
pub mod http;
pub mod model;
pub mod names;
pub mod paths;
pub mod records;
pub mod refusal;
pub mod routes;
pub mod server;
pub mod status;
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
