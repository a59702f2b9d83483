//! Load: reading source bundles and the target subscription into typed
//! models (spec sections 2 and 3). Nothing here plans or writes.
//!
//! - [`bundle`]: one bundle (a zip, a directory, a stored program);
//! - [`subscription`]: a subscription directory;
//! - [`source`]: what `--from` names, read in order, a bounded window ahead;
//! - [`library`]: the built-in Program Library;
//! - [`reread`]: a planned bundle read again for `run`, checked against
//!   its digest.

pub mod bundle;
pub mod library;
pub mod reread;
pub mod source;
pub mod subscription;
