//! The first stage of a pull: every list the instance gives (all pages,
//! all lists at once), and the tags of the programs.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::AtomicBool;

use anyhow::{anyhow, Result};

use super::pool;
use crate::marketo::api::{self, Asset, FolderRef, Listed};
use crate::marketo::client::{ApiError, Client};
use crate::model::Approval;
use crate::names;

#[derive(Debug, Default)]
pub(super) struct Lists {
    pub(super) root: Option<FolderRef>,
    pub(super) folders: Vec<api::Folder>,
    pub(super) programs: Vec<api::Program>,
    /// Program id → tag type → value.
    pub(super) tags_of: HashMap<u64, BTreeMap<String, String>>,
    pub(super) emails: Vec<api::Email>,
    pub(super) landing_pages: Vec<api::LandingPage>,
    pub(super) forms: Vec<Asset>,
    pub(super) campaigns: Vec<api::SmartCampaign>,
    pub(super) email_templates: Vec<Asset>,
    pub(super) landing_page_templates: Vec<Asset>,
    pub(super) snippets: Vec<Asset>,
    pub(super) files: Vec<api::File>,
    pub(super) channels: Option<Vec<api::Channel>>,
    pub(super) tag_types: Option<Vec<(String, Vec<String>)>>,
    pub(super) segmentations: Option<Vec<Asset>>,
    pub(super) fields: Option<Vec<api::LeadField>>,
    pub(super) custom_objects: Option<Vec<api::CustomObject>>,
    pub(super) custom_activities: Option<Vec<api::CustomActivityType>>,
    pub(super) pages: u64,
    pub(super) warnings: Vec<String>,
}

pub(super) fn join<T>(handle: std::thread::ScopedJoinHandle<'_, T>) -> Result<T> {
    handle
        .join()
        .map_err(|_| anyhow!("internal error: a worker thread stopped unexpectedly"))
}

/// What reading the lists adds up: their pages, and warnings about
/// records left out or lists the API user may not read.
#[derive(Default)]
pub(super) struct Tally {
    pub(super) pages: u64,
    pub(super) warnings: Vec<String>,
}

impl Tally {
    /// A list's records (counting its pages and the records that did not
    /// parse).
    pub(super) fn take<T>(
        &mut self,
        what: &str,
        listed: Result<Listed<T>, ApiError>,
    ) -> Result<Vec<T>> {
        let listed = listed?;
        self.pages += listed.pages as u64;
        if listed.skipped > 0 {
            self.warnings.push(format!(
                "{} {what} records could not be read and were left out",
                listed.skipped
            ));
        }
        Ok(listed.items)
    }

    /// Like [`Tally::take`], but a 603 (the API user may not read it)
    /// leaves the key undeclared with a warning instead of failing the
    /// pull.
    pub(super) fn optional<T>(
        &mut self,
        what: &str,
        key: &str,
        listed: Result<Listed<T>, ApiError>,
    ) -> Result<Option<Vec<T>>> {
        match listed {
            Err(e) if api::is_access_denied(&e) => {
                self.pages += 1;
                self.warnings.push(format!(
                    "the API user may not read {what} ({e}); \"{key}\" is left undeclared"
                ));
                Ok(None)
            }
            other => self.take(what, other).map(Some),
        }
    }
}

/// Keep one record per id, the approved version when there are two.
pub(super) fn dedupe<T>(
    items: Vec<T>,
    id: impl Fn(&T) -> u64,
    status: impl Fn(&T) -> &str,
) -> Vec<T> {
    let mut by_id: BTreeMap<u64, T> = BTreeMap::new();
    for item in items {
        let key = id(&item);
        let better = match by_id.get(&key) {
            None => true,
            Some(existing) => {
                let approved = |s: &str| api::approval(s) == Approval::Approved;
                !approved(status(existing)) && approved(status(&item))
            }
        };
        if better {
            by_id.insert(key, item);
        }
    }
    by_id.into_values().collect()
}

pub(super) fn fetch_lists(client: &Client, stop: &AtomicBool, shallow: bool) -> Result<Lists> {
    let c = client;
    // A shallow pull reads no program contents: no email, page or
    // campaign lists, and no program tags.
    fn unless<T>(
        shallow: bool,
        c: &Client,
        listed: fn(&Client) -> Result<Listed<T>, ApiError>,
    ) -> Result<Listed<T>, ApiError> {
        if shallow {
            Ok(Listed {
                items: Vec::new(),
                pages: 0,
                skipped: 0,
            })
        } else {
            listed(c)
        }
    }
    std::thread::scope(|s| -> Result<Lists> {
        let root = s.spawn(|| -> Result<(Option<FolderRef>, Vec<api::Folder>, u64)> {
            let roots = api::folders_by_name(c, "Marketing Activities")?;
            let root = roots
                .items
                .iter()
                .filter(|f| f.parent.is_none() || f.folder_type.eq_ignore_ascii_case("zone"))
                .min_by_key(|f| (f.parent.is_some(), f.id))
                .map(api::Folder::as_ref);
            let Some(root) = root else {
                return Ok((None, Vec::new(), 1));
            };
            let listed = api::folders(c, root, 100)?;
            Ok((Some(root), listed.items, 1 + listed.pages as u64))
        });
        let programs = s.spawn(|| api::programs(c));
        let emails = s.spawn(|| unless(shallow, c, api::emails));
        let pages = s.spawn(|| unless(shallow, c, api::landing_pages));
        let forms = s.spawn(|| api::forms(c));
        let campaigns = s.spawn(|| unless(shallow, c, api::smart_campaigns));
        let email_templates = s.spawn(|| api::email_templates(c));
        let page_templates = s.spawn(|| api::landing_page_templates(c));
        let snippets = s.spawn(|| api::snippets(c));
        let files = s.spawn(|| api::files(c));
        let channels = s.spawn(|| api::channels(c));
        let segmentations = s.spawn(|| api::segmentations(c));
        let fields = s.spawn(|| api::lead_fields(c));
        let custom_objects = s.spawn(|| api::custom_objects(c));
        let custom_activities = s.spawn(|| api::custom_activity_types(c));
        let tags = s.spawn(|| fetch_tags(c, stop, shallow));

        let mut lists = Lists::default();
        let mut tally = Tally::default();
        let (root, folders, root_pages) = join(root)??;
        tally.pages += root_pages;
        lists.root = root;
        lists.folders = folders;
        lists.programs = tally.take("program", join(programs)?)?;
        lists.emails = tally.take("email", join(emails)?)?;
        lists.landing_pages = tally.take("landing page", join(pages)?)?;
        lists.forms = tally.take("form", join(forms)?)?;
        lists.campaigns = tally.take("smart campaign", join(campaigns)?)?;
        lists.email_templates = tally.take("email template", join(email_templates)?)?;
        lists.landing_page_templates =
            tally.take("landing page template", join(page_templates)?)?;
        lists.snippets = tally.take("snippet", join(snippets)?)?;
        lists.files = tally.take("file", join(files)?)?;
        lists.channels = tally.optional("channels", "channels", join(channels)?)?;
        lists.segmentations =
            tally.optional("segmentations", "segmentations", join(segmentations)?)?;
        lists.fields = tally.optional("lead fields", "fields", join(fields)?)?;
        lists.custom_objects =
            tally.optional("custom objects", "custom_objects", join(custom_objects)?)?;
        lists.custom_activities = tally.optional(
            "custom activity types",
            "custom_activities",
            join(custom_activities)?,
        )?;
        let (tag_types, tags_of, tag_pages) = join(tags)??;
        tally.pages += tag_pages;
        lists.tag_types = Some(tag_types);
        lists.tags_of = tags_of;
        lists.pages = tally.pages;
        lists.warnings = tally.warnings;
        Ok(lists)
    })
}

pub(super) type TagLists = (
    Vec<(String, Vec<String>)>,
    HashMap<u64, BTreeMap<String, String>>,
    u64,
);

/// Tag types, their values (by name: the list does not carry them), and
/// the programs carrying each value (the program list does not carry tags;
/// not asked when `shallow`).
pub(super) fn fetch_tags(client: &Client, stop: &AtomicBool, shallow: bool) -> Result<TagLists> {
    let types = api::tag_types(client)?;
    let mut pages = types.pages as u64;
    let names: Vec<String> = types.items.into_iter().map(|t| t.tag_type).collect();
    let threads = client.limits().concurrency;
    let with_values = pool(&names, threads, stop, |name| {
        let t = api::tag_type_by_name(client, name)?;
        Ok((name.clone(), t.map(|t| t.values()).unwrap_or_default()))
    })?;
    pages += names.len() as u64;
    if shallow {
        return Ok((with_values, HashMap::new(), pages));
    }
    let pairs: Vec<(String, String)> = with_values
        .iter()
        .flat_map(|(t, values)| values.iter().map(move |v| (t.clone(), v.clone())))
        .collect();
    let tagged = pool(&pairs, threads, stop, |(t, v)| {
        Ok(api::programs_by_tag(client, t, v)?)
    })?;
    let mut tags_of: HashMap<u64, BTreeMap<String, String>> = HashMap::new();
    for ((tag_type, value), listed) in pairs.iter().zip(tagged) {
        pages += listed.pages as u64;
        for program in listed.items {
            // A program's own tag list (when the answer carries it) is the
            // authority on which value of this type it holds.
            let holds = program.tags.is_empty()
                || program.tags.iter().any(|t| {
                    names::same(&t.tag_type, tag_type) && names::same(&t.tag_value, value)
                });
            if holds {
                tags_of
                    .entry(program.id)
                    .or_default()
                    .insert(tag_type.clone(), value.clone());
            }
        }
    }
    Ok((with_values, tags_of, pages))
}
