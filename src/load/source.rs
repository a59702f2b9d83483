//! Turning `--from SRC` into the bundles to plan, in a stable order, and
//! applying the `--program` selection.
//!
//! A [`Source`] first lists where its bundles are ([`Origin`]s), without
//! reading them; [`Source::stream`] then reads them on all cores, in order,
//! a bounded number ahead of the caller, so a directory of thousands of
//! bundles is planned while it is read and never held in memory whole.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _};

use crate::error::{show, usage, InputError};
use crate::load::bundle::{
    bundle_stored_indexed, find_bundles, read_bundle, Bundle, Limits, SourceItem,
};
use crate::load::library;
use crate::load::subscription::{Subscription, SubscriptionIndex};
use crate::names;

/// How many bundles are read ahead of the one being planned.
const READ_AHEAD: usize = 64;

/// Where one bundle of a source is.
enum Origin {
    /// A zip file or a bundle directory, read when it is needed.
    Path(PathBuf),
    /// A program stored in the source subscription (its index).
    Stored(usize),
    /// A bundle already in memory (the built-in library).
    Loaded(Box<SourceItem>),
    /// Found, but not readable (a directory the walk could not enter).
    Unreadable(InputError),
}

/// The bundles `--from` names.
pub struct Source {
    origins: Vec<Origin>,
    /// The source subscription, when `--from` is one.
    subscription: Option<Subscription>,
    limits: Limits,
}

impl Source {
    /// List the bundles of a source, in a stable order, reading none of
    /// them yet (but the source subscription, or the built-in library).
    pub fn open(from: &str, limits: &Limits) -> anyhow::Result<Source> {
        let path = Path::new(from);
        let source = |origins, subscription| Source {
            origins,
            subscription,
            limits: *limits,
        };
        if from == library::SOURCE && !path.exists() {
            let origins = library::bundles()
                .into_iter()
                .map(|(label, bundle)| Origin::Loaded(Box::new(SourceItem { label, bundle })))
                .collect();
            return Ok(source(origins, None));
        }
        check(from)?;
        if path.is_dir() && Subscription::is_subscription(path) {
            let subscription =
                Subscription::load(path).context("cannot read the source subscription")?;
            let origins = (0..subscription.programs.len())
                .map(Origin::Stored)
                .collect();
            return Ok(source(origins, Some(subscription)));
        }
        if path.is_dir() {
            let found = find_bundles(path);
            if found.is_empty() {
                bail!(
                    "no bundle found in {} (looked for *.zip files and directories holding program.json)",
                    show(path)
                );
            }
            let origins = found
                .into_iter()
                .map(|found| match found {
                    Ok(path) => Origin::Path(path),
                    Err(err) => Origin::Unreadable(err),
                })
                .collect();
            return Ok(source(origins, None));
        }
        Ok(source(vec![Origin::Path(path.to_path_buf())], None))
    }

    /// Read one bundle (`index`: of the source subscription, if any).
    fn read(&self, index: Option<&SubscriptionIndex>, origin: Origin) -> SourceItem {
        match origin {
            Origin::Path(path) => SourceItem {
                label: show(&path),
                bundle: read_bundle(&path, &self.limits).map(Bundle::slim),
            },
            Origin::Stored(at) => {
                let (Some(subscription), Some(index)) = (&self.subscription, index) else {
                    let err =
                        InputError::new("source", "a stored program without its subscription");
                    return SourceItem {
                        label: err.container.clone(),
                        bundle: Err(err),
                    };
                };
                let bundle = bundle_stored_indexed(subscription, index, &subscription.programs[at])
                    .map(Bundle::slim);
                let label = match &bundle {
                    Ok(b) => b.label.clone(),
                    Err(e) => e.container.clone(),
                };
                SourceItem { label, bundle }
            }
            Origin::Loaded(item) => *item,
            Origin::Unreadable(err) => SourceItem {
                label: err.container.clone(),
                bundle: Err(err),
            },
        }
    }

    /// How many bundles the source holds (after the selection).
    pub fn len(&self) -> usize {
        self.origins.len()
    }

    /// Does the source hold no bundle?
    pub fn is_empty(&self) -> bool {
        self.origins.is_empty()
    }

    /// Every bundle, read on all cores and handed to `consume` in order,
    /// at most a few dozen ahead of it.
    pub fn stream(mut self, mut consume: impl FnMut(SourceItem)) {
        let origins = std::mem::take(&mut self.origins);
        let this = &self;
        let index = this.subscription.as_ref().map(Subscription::index);
        crate::parallel::stream(
            origins,
            READ_AHEAD,
            |o| this.read(index.as_ref(), o),
            &mut consume,
        );
    }

    /// Every bundle, read at once (for the few callers that need them all
    /// together: the wizard, `--conflict ask`).
    pub fn read_all(mut self) -> Vec<SourceItem> {
        let origins = std::mem::take(&mut self.origins);
        let index = self.subscription.as_ref().map(Subscription::index);
        crate::parallel::map(origins, |o| self.read(index.as_ref(), o))
    }

    /// The program name of every bundle (none for one that cannot be
    /// read), reading each bundle and dropping it at once.
    fn names(&mut self) -> Vec<Option<String>> {
        let origins = std::mem::take(&mut self.origins);
        let this = &*self;
        let named: Vec<(Origin, Option<String>)> = crate::parallel::map(origins, |origin| {
            let name = match &origin {
                Origin::Path(path) => read_bundle(path, &this.limits)
                    .ok()
                    .map(|b| b.program.program.name),
                Origin::Stored(index) => this
                    .subscription
                    .as_ref()
                    .map(|s| s.programs[*index].file.program.name.clone()),
                Origin::Loaded(item) => item
                    .bundle
                    .as_ref()
                    .ok()
                    .map(|b| b.program.program.name.clone()),
                Origin::Unreadable(_) => None,
            };
            (origin, name)
        });
        let (origins, names) = named.into_iter().unzip();
        self.origins = origins;
        names
    }

    /// Keep the programs named by `--program` (in the order named); none
    /// named keeps them all. Bundles that could not be read are always
    /// kept, first, so their errors are reported. A name that matches
    /// nothing is a usage error.
    pub fn select(&mut self, wanted: &[String]) -> anyhow::Result<()> {
        if wanted.is_empty() {
            return Ok(());
        }
        let names = self.names();
        // Name key → the bundles of that name, in source order: one pass
        // over the bundles, not one per wanted name.
        let mut by_name: std::collections::HashMap<String, Vec<usize>> = Default::default();
        for (i, name) in names.iter().enumerate() {
            if let Some(name) = name {
                by_name.entry(names::key(name)).or_default().push(i);
            }
        }
        for name in wanted {
            if !by_name.contains_key(&names::key(name)) {
                let available: Vec<&str> = names.iter().flatten().map(String::as_str).collect();
                return Err(usage(format!(
                    "no program named \"{name}\" in the source{}; {}",
                    crate::suggest::did_you_mean(name, available.iter().copied()),
                    crate::suggest::holdings(&available)
                )));
            }
        }
        let mut order: Vec<usize> = (0..names.len()).filter(|&i| names[i].is_none()).collect();
        let mut seen = std::collections::BTreeSet::new();
        for name in wanted {
            let k = names::key(name);
            if let Some(found) = by_name.get(&k) {
                if seen.insert(k) {
                    order.extend(found);
                }
            }
        }
        let mut slots: Vec<Option<Origin>> = std::mem::take(&mut self.origins)
            .into_iter()
            .map(Some)
            .collect();
        self.origins = order.into_iter().filter_map(|i| slots[i].take()).collect();
        Ok(())
    }
}

/// A `--from` that names nothing is a usage error.
pub fn check(from: &str) -> anyhow::Result<()> {
    let path = Path::new(from);
    if from == library::SOURCE || path.exists() {
        return Ok(());
    }
    Err(usage(format!(
        "--from {} does not exist{}; give a subscription directory, a directory of bundles, a .zip file, or `library`",
        show(path),
        crate::suggest::path_hint(path)
    )))
}

/// Every bundle `--from` names, read (for the wizard's list of programs).
pub fn load(from: &str, limits: &Limits) -> anyhow::Result<Vec<SourceItem>> {
    Ok(Source::open(from, limits)?.read_all())
}
