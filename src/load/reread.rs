//! Reading a planned bundle again, for `run`, from where it came.

use std::path::PathBuf;

use crate::error::InputError;
use crate::load::bundle::{bundle_stored, read_bundle, Bundle, Limits, Origin};
use crate::load::library;
use crate::load::subscription::Subscription;

/// Reads bundles again, for `run`, from where they came ([`Origin`]),
/// checked against the digest they were planned with. A source
/// subscription is read once for all its programs.
pub struct Rereader {
    limits: Limits,
    stored: std::sync::OnceLock<(PathBuf, Result<Subscription, InputError>)>,
}

impl Rereader {
    pub fn new(limits: &Limits) -> Rereader {
        Rereader {
            limits: *limits,
            stored: std::sync::OnceLock::new(),
        }
    }

    /// The whole bundle `label` (planned with `digest`) again.
    pub fn read(&self, origin: &Origin, label: &str, digest: &str) -> Result<Bundle, InputError> {
        let bundle = match origin {
            Origin::Path(path) => read_bundle(path, &self.limits)?,
            Origin::Library(name) => library::bundles()
                .into_iter()
                .find(|(l, _)| l == name)
                .map(|(_, bundle)| bundle)
                .unwrap_or_else(|| {
                    Err(InputError::new(label, "no longer in the built-in library"))
                })?,
            Origin::Stored {
                subscription,
                program,
            } => {
                let (path, loaded) = self
                    .stored
                    .get_or_init(|| (subscription.clone(), Subscription::load(subscription)));
                let fresh;
                let source = if path == subscription {
                    loaded.as_ref().map_err(Clone::clone)?
                } else {
                    fresh = Subscription::load(subscription)?;
                    &fresh
                };
                let stored = source
                    .programs
                    .iter()
                    .find(|p| p.rel_dir() == *program)
                    .ok_or_else(|| {
                        InputError::new(label, "the program is no longer in the source")
                    })?;
                bundle_stored(source, stored)?
            }
            Origin::Memory => {
                return Err(InputError::new(
                    label,
                    "the bundle was only in memory and cannot be read again",
                ))
            }
        };
        if bundle.digest != digest {
            return Err(InputError::new(
                label,
                "the bundle changed while it was being imported; run again",
            ));
        }
        Ok(bundle)
    }
}
