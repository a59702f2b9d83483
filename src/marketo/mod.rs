//! Live Marketo instances through the REST API (spec section 10).
//!
//! - [`instance`]: which instance (a Munchkin id or a base URL);
//! - [`limits`]: Marketo's limits and the limiter that keeps to them (and
//!   the hidden test knob `MKIMPORT_MARKETO_LIMITS`);
//! - [`client`]: authentication, the envelope, paging, retries;
//!   [`network`]: time-outs, which failures are retried, and the hook
//!   that announces retries;
//! - [`api`]: typed read endpoints, one function each; [`api_write`] the
//!   write endpoints (create, update content, approve, delete);
//! - [`content`]: what email and page sections and smart lists hold;
//! - [`snapshot`], [`tree`], [`write`]: from API records to a subscription
//!   directory, written atomically;
//! - [`pull`]: the `mkimport pull` command.
//!
//! See docs/marketo.md for set-up, the mapping and the call budget.

pub mod api;
pub mod api_write;
pub mod client;
pub mod content;
pub mod index;
pub mod instance;
pub mod limits;
pub mod network;
pub mod pull;
pub mod snapshot;
pub mod tree;
pub mod write;

pub use client::{ApiError, Body, Client, Credentials, Part};
pub use instance::Instance;
pub use limits::{Limiter, Limits};
