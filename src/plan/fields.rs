//! Field identity (spec sections 4 and 8): the fields a program needs,
//! matched with the target's by API name when both give the same one, else
//! by name; what blocks (`missing-field`, `field-type-mismatch`,
//! `field-api-name-mismatch`, `field-label-mismatch`), and how the
//! program's references are renamed when the target calls a field matched
//! by its API name otherwise.

use std::collections::{BTreeMap, BTreeSet};

use super::program::{quote_list, Planner};
use super::*;
use crate::model::{AssetContent, Campaign, DesignKind, FieldDef, Form};
use crate::names::{self, key};

/// A field the program needs: its name, and its declaration when
/// `requires.fields` gives one (type, API name, label).
struct Wanted<'p> {
    name: &'p str,
    def: Option<&'p FieldDef>,
}

/// How the program's field references are rewritten: source name key →
/// the name of the target's field it matched by API name.
#[derive(Debug, Default)]
pub(super) struct FieldRenames {
    names: BTreeMap<String, String>,
}

impl FieldRenames {
    /// The name a reference to `name` takes in the target.
    pub(super) fn get(&self, name: &str) -> String {
        self.names
            .get(&key(name))
            .cloned()
            .unwrap_or_else(|| name.to_string())
    }

    pub(super) fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Source name key → the target's name.
    pub(super) fn into_names(self) -> BTreeMap<String, String> {
        self.names
    }

    /// Rewrite the `fields` of the global forms the import writes.
    pub(super) fn apply_to_writes(&self, writes: &mut [AssetWrite]) {
        if self.is_empty() {
            return;
        }
        for write in writes {
            if let (DesignKind::Form, AssetContent::Doc(doc)) = (write.kind, &mut write.content) {
                if let Some(serde_json::Value::Array(fields)) = doc.doc.get_mut("fields") {
                    for field in fields {
                        if let serde_json::Value::String(name) = field {
                            *name = self.get(name);
                        }
                    }
                }
            }
        }
    }
}

impl Planner<'_> {
    /// The fields of `requires.fields`, of the campaigns, of the local
    /// forms and of the global forms the import writes, each checked once
    /// against the target's `fields`.
    pub(super) fn check_fields(&mut self, campaigns: &[Campaign], forms: &[Form]) -> FieldRenames {
        let program = self.program();
        let planned: BTreeSet<(DesignKind, String)> = self
            .pending
            .planned
            .iter()
            .map(|((kind, k, _), _)| (*kind, k.clone()))
            .collect();
        let written_forms: Vec<Vec<String>> = self
            .bundle
            .external
            .iter()
            .filter(|a| planned.contains(&(a.kind, key(&a.name))))
            .filter_map(|a| match (a.kind, &a.content) {
                (DesignKind::Form, AssetContent::Doc(doc)) => Some(doc.fields()),
                _ => None,
            })
            .collect();

        // Each field once, by name: a declaration in `requires.fields`
        // (the first of a name) says what a mere reference does not.
        let mut wanted: Vec<Wanted> = Vec::new();
        let mut index: BTreeMap<String, usize> = BTreeMap::new();
        for def in &program.requires.fields {
            if let std::collections::btree_map::Entry::Vacant(slot) = index.entry(key(&def.name)) {
                slot.insert(wanted.len());
                wanted.push(Wanted {
                    name: &def.name,
                    def: Some(def),
                });
            }
        }
        let referenced = campaigns
            .iter()
            .flat_map(|c| &c.fields)
            .chain(forms.iter().flat_map(|f| &f.fields))
            .chain(written_forms.iter().flatten());
        for name in referenced {
            if let std::collections::btree_map::Entry::Vacant(slot) = index.entry(key(name)) {
                slot.insert(wanted.len());
                wanted.push(Wanted { name, def: None });
            }
        }

        let mut renames = FieldRenames::default();
        if wanted.is_empty() {
            return renames;
        }
        let Some(known) = &self.world.declared.fields else {
            self.unchecked.insert(Undeclared::Fields);
            return renames;
        };
        let mut no_api_name = Vec::new();
        let mut no_label = Vec::new();
        let mut problems = Vec::new();
        for field in &wanted {
            let name = field.name;
            let api_name = field.def.and_then(|d| d.api_name.as_deref());
            let wanted_type = field.def.and_then(|d| d.kind.as_deref());
            let wanted_label = field.def.and_then(|d| d.label.as_deref());
            if let Some(have) = api_name.and_then(|a| known.with_api_name(a)) {
                // Matched by API name: the target may call it otherwise.
                let api_name = api_name.unwrap_or_default();
                let shown = if names::same(&have.name, name) {
                    format!("field \"{name}\" (API name \"{api_name}\")")
                } else {
                    renames.names.insert(key(name), have.name.clone());
                    format!(
                        "field \"{name}\" (API name \"{api_name}\", called \"{}\" in the target)",
                        have.name
                    )
                };
                if let (Some(want), Some(kind)) = (wanted_type, &have.kind) {
                    if !names::same(want, kind) {
                        problems.push(Problem::error(
                            Code::FieldTypeMismatch,
                            format!("{shown} has type \"{kind}\" in the target; the program requires \"{want}\""),
                        ));
                    }
                }
                match (wanted_label, &have.label) {
                    (Some(want), Some(label)) if !names::same(want, label) => {
                        problems.push(Problem::error(
                            Code::FieldLabelMismatch,
                            format!("{shown} has the label \"{label}\" in the target; the program's is \"{want}\""),
                        ));
                    }
                    (Some(_), None) => no_label.push(have.name.clone()),
                    _ => {}
                }
                continue;
            }
            let Some(have) = known.named(name) else {
                let api = api_name
                    .map(|a| format!(" (API name \"{a}\")"))
                    .unwrap_or_default();
                problems.push(Problem::error(
                    Code::MissingField,
                    format!("field \"{name}\"{api} does not exist in the target"),
                ));
                continue;
            };
            match (api_name, &have.api_name) {
                (Some(want), Some(api)) if !names::same(want, api) => {
                    problems.push(Problem::error(
                        Code::FieldApiNameMismatch,
                        format!("field \"{name}\" has the API name \"{api}\" in the target; the program's is \"{want}\""),
                    ));
                }
                (Some(_), None) => no_api_name.push(have.name.clone()),
                _ => {}
            }
            if let (Some(want), Some(kind)) = (wanted_type, &have.kind) {
                if !names::same(want, kind) {
                    problems.push(Problem::error(
                        Code::FieldTypeMismatch,
                        format!("field \"{name}\" has type \"{kind}\" in the target; the program requires \"{want}\""),
                    ));
                }
            }
        }
        self.problems.extend(problems);
        if !no_api_name.is_empty() {
            self.warning(
                Code::Unchecked,
                format!(
                    "the target does not declare the \"api_name\" of field {}, so the program's API name was not checked",
                    quote_list(&no_api_name)
                ),
            );
        }
        if !no_label.is_empty() {
            self.warning(
                Code::Unchecked,
                format!(
                    "the target does not declare the \"label\" of field {}, so the program's label was not checked",
                    quote_list(&no_label)
                ),
            );
        }
        renames
    }
}
