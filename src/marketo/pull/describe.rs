//! What the snapshot says about the instance as a whole:
//! `subscription.json` (the schema) and the [`Index`] of where its things
//! are in the instance.

use std::collections::HashMap;

use serde_json::{json, Map, Value};

use super::contents::Ctx;
use super::lists::Lists;
use crate::marketo::api::{Asset, FolderRef};
use crate::marketo::index::{self, Index, IndexedAsset, IndexedProgram};
use crate::marketo::snapshot::{sorted_names, FieldInfo};
use crate::model::{DesignKind, FORMAT};
use crate::names;

/// Where the snapshot's folders, programs and design-studio assets are in
/// the instance.
pub(super) fn build_index(
    ctx: &Ctx,
    root: FolderRef,
    lists: &Lists,
    designs: &[(DesignKind, &Vec<Asset>, &Vec<String>)],
    forms: (&[&Asset], &[String]),
    file_names: &[String],
) -> Index {
    let mut index = Index {
        root: Some(root),
        forms_listed: lists.forms.len(),
        ..Index::default()
    };
    for f in &ctx.tree.folders {
        index.folders.insert(index::path_key(&f.rel), f.id);
    }
    for p in &lists.programs {
        index
            .programs
            .entry(names::key(&p.name))
            .or_insert(IndexedProgram {
                id: p.id,
                name: p.name.clone(),
                updated_at: p.updated_at.clone(),
            });
    }
    let mut add = |kind: DesignKind, id: u64, name: &str, marketo: &str, at: &str, folder| {
        index.assets.insert(
            (kind, names::key(name)),
            IndexedAsset {
                id,
                name: name.to_string(),
                marketo_name: marketo.to_string(),
                updated_at: at.to_string(),
                folder,
            },
        );
    };
    for (kind, assets, names_of) in designs {
        for (a, name) in assets.iter().zip(names_of.iter()) {
            add(*kind, a.id, name, &a.name, &a.updated_at, a.folder);
        }
    }
    for (a, name) in forms.0.iter().zip(forms.1) {
        add(
            DesignKind::Form,
            a.id,
            name,
            &a.name,
            &a.updated_at,
            a.folder,
        );
    }
    for (f, name) in lists.files.iter().zip(file_names) {
        add(
            DesignKind::Image,
            f.id,
            name,
            &f.name,
            &f.updated_at,
            f.folder,
        );
    }
    for (kind, asset) in &index.assets {
        if let Some(folder) = asset.folder {
            index.design_folders.entry(kind.0).or_insert(folder);
        }
    }
    index
}

pub(super) fn subscription_json(
    name: &str,
    instance: &str,
    at: &str,
    lists: &Lists,
    fields_by_api: &HashMap<String, FieldInfo>,
) -> Value {
    let mut m = Map::new();
    m.insert("format".into(), json!(FORMAT));
    m.insert("name".into(), json!(name));
    m.insert(
        "pulled_from".into(),
        json!({ "instance": instance, "at": at }),
    );
    if lists.fields.is_some() {
        let mut fields: Vec<&FieldInfo> = fields_by_api.values().collect();
        fields.sort_by(|a, b| {
            names::key(&a.display)
                .cmp(&names::key(&b.display))
                .then(a.api.cmp(&b.api))
        });
        m.insert(
            "fields".into(),
            Value::Array(fields.iter().map(|f| f.json()).collect()),
        );
    }
    if let Some(s) = &lists.segmentations {
        m.insert(
            "segmentations".into(),
            json!(sorted_names(s.iter().map(|s| s.name.clone()))),
        );
    }
    if let Some(objects) = &lists.custom_objects {
        m.insert(
            "custom_objects".into(),
            json!(sorted_names(objects.iter().map(|o| {
                if o.display_name.is_empty() {
                    o.api_name.clone()
                } else {
                    o.display_name.clone()
                }
            }))),
        );
    }
    if let Some(activities) = &lists.custom_activities {
        m.insert(
            "custom_activities".into(),
            json!(sorted_names(activities.iter().map(|a| a.name.clone()))),
        );
    }
    if let Some(channels) = &lists.channels {
        let mut list: Vec<Value> = channels
            .iter()
            .map(|c| {
                let mut statuses = c.progression_statuses.clone();
                statuses.sort_by_key(|s| s.step.unwrap_or(i64::MAX));
                json!({
                    "name": c.name,
                    "statuses": statuses.iter().map(|s| s.name.clone()).collect::<Vec<_>>(),
                })
            })
            .collect();
        list.sort_by(|a, b| {
            names::key(a["name"].as_str().unwrap_or(""))
                .cmp(&names::key(b["name"].as_str().unwrap_or("")))
        });
        m.insert("channels".into(), Value::Array(list));
    }
    if let Some(tags) = &lists.tag_types {
        let mut out = Map::new();
        for (t, values) in tags {
            out.insert(t.clone(), json!(sorted_names(values.iter().cloned())));
        }
        m.insert("tags".into(), Value::Object(out));
    }
    Value::Object(m)
}
