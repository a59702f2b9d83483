//! Forms as Marketo's write endpoints change them: a new form's three
//! default fields, a field at most once, rows that are no lead field
//! (rich text, the progressive-profiling fieldset).

use serde_json::Value;

use crate::edit::{Outcome, Refusal};
use crate::model::{base64, key, Form, FormField, Id, Instance, Parent, Row, Status};

impl Instance {
    /// `POST /rest/asset/v1/forms.json`: a draft form, local (in a
    /// program) or global (in the design studio), with the three default
    /// fields (First Name, Last Name, Email).
    pub fn create_form(&mut self, name: &str, parent: Parent) -> Outcome<Id> {
        if !self.parent_exists(parent) {
            return Err(Refusal::new(
                "710",
                format!("{} {} not found", parent.kind(), parent.id()),
            ));
        }
        let local = self.in_marketing_activities(parent);
        let clash = self.forms.values().any(|f| {
            key(&f.name) == key(name)
                && if local {
                    f.parent == parent
                } else {
                    !self.in_marketing_activities(f.parent)
                }
        });
        if clash {
            return Err(Refusal::duplicate("Form", name));
        }
        let id = self.next_id();
        let at = self.tick();
        let fields = self.default_form_fields();
        self.forms.insert(
            id,
            Form {
                id,
                name: name.to_string(),
                parent,
                fields,
                status: Status::Draft,
                updated_at: at,
            },
        );
        Ok(id)
    }

    /// `POST /rest/asset/v1/form/{id}/fields.json`: add a lead field (by
    /// its SOAP or REST name, any case), at the end (before the
    /// `Profiling` fieldset). A field the form already has is refused
    /// (709).
    pub fn add_form_field(&mut self, id: Id, field_id: &str) -> Outcome<FormField> {
        self.add_form_field_with(id, field_id, None, Default::default())
    }

    /// Add a lead field with the label and options Add Field to Form
    /// took.
    pub fn add_form_field_with(
        &mut self,
        id: Id,
        field_id: &str,
        label: Option<String>,
        options: serde_json::Map<String, Value>,
    ) -> Outcome<FormField> {
        let wanted = field_id.trim();
        let known = self.fields.iter().any(|f| {
            f.api_name.eq_ignore_ascii_case(wanted) || f.soap_name.eq_ignore_ascii_case(wanted)
        });
        if !known {
            return Err(Refusal::new("1003", format!("Invalid field '{field_id}'")));
        }
        let mut field = self.form_field(wanted);
        if let Some(label) = label {
            field.label = label;
        }
        field.options = options;
        let Some(form) = self.forms.get_mut(&id) else {
            return Err(Refusal::missing("Form", id));
        };
        if form
            .fields
            .iter()
            .any(|f| f.api_name.eq_ignore_ascii_case(&field.api_name))
        {
            return Err(Refusal::business(format!(
                "Field '{}' already exists in form {id}",
                field.api_name
            )));
        }
        let at = form
            .fields
            .iter()
            .position(|f| f.row == Row::Profiling)
            .unwrap_or(form.fields.len());
        form.fields.insert(at, field.clone());
        form.status = form.status.edited();
        self.touch(id);
        Ok(field)
    }

    /// `POST /rest/asset/v1/form/{id}/richText.json`: a rich-text row at
    /// the end (before the `Profiling` fieldset), with an id of Marketo's
    /// making (base64 of `HtmlText_` and a time, as the Forms page shows).
    pub fn add_rich_text(&mut self, id: Id, html: &str) -> Outcome<FormField> {
        if !self.forms.contains_key(&id) {
            return Err(Refusal::missing("Form", id));
        }
        let at = self.tick();
        let row_id = base64(format!("HtmlText_{}", at.trim_end_matches("+0000")).as_bytes());
        let Some(form) = self.forms.get_mut(&id) else {
            return Err(Refusal::missing("Form", id));
        };
        let field = FormField {
            api_name: row_id,
            label: String::new(),
            data_type: "htmltext".into(),
            row: Row::RichText(html.to_string()),
            options: Default::default(),
        };
        let at = form
            .fields
            .iter()
            .position(|f| f.row == Row::Profiling)
            .unwrap_or(form.fields.len());
        form.fields.insert(at, field.clone());
        form.status = form.status.edited();
        self.touch(id);
        Ok(field)
    }

    /// `POST /rest/asset/v1/form/{id}/field/{fieldId}/delete.json`.
    pub fn remove_form_field(&mut self, id: Id, field_id: &str) -> Outcome<()> {
        let Some(form) = self.forms.get_mut(&id) else {
            return Err(Refusal::missing("Form", id));
        };
        let before = form.fields.len();
        form.fields
            .retain(|f| !f.api_name.eq_ignore_ascii_case(field_id.trim()));
        if form.fields.len() == before {
            return Err(Refusal::new("702", format!("Field '{field_id}' not found")));
        }
        form.status = form.status.edited();
        self.touch(id);
        Ok(())
    }

    /// `POST /rest/asset/v1/form/{id}/reArrange.json`: every field of the
    /// form at a position (Forms page, "Rearranging Field": the fields as
    /// a single unit, each at a unique row and column); the list follows
    /// the positions, row by row.
    pub fn rearrange_form_fields(
        &mut self,
        id: Id,
        positions: &[(u64, u64, String)],
    ) -> Outcome<()> {
        let Some(form) = self.forms.get_mut(&id) else {
            return Err(Refusal::missing("Form", id));
        };
        let named = |f: &FormField| {
            positions
                .iter()
                .filter(|(_, _, n)| n.eq_ignore_ascii_case(&f.api_name))
                .count()
        };
        if positions.len() != form.fields.len() || form.fields.iter().any(|f| named(f) != 1) {
            return Err(Refusal::new(
                "1003",
                "positions must place every field of the form exactly once",
            ));
        }
        let mut places: Vec<(u64, u64)> = positions.iter().map(|(r, c, _)| (*r, *c)).collect();
        places.sort();
        places.dedup();
        if places.len() != positions.len() {
            return Err(Refusal::new("1003", "two fields at one position"));
        }
        let place = |f: &FormField| {
            positions
                .iter()
                .find(|(_, _, n)| n.eq_ignore_ascii_case(&f.api_name))
                .map(|(r, c, _)| (*r, *c))
                .unwrap_or((u64::MAX, u64::MAX))
        };
        form.fields.sort_by_key(place);
        form.status = form.status.edited();
        self.touch(id);
        Ok(())
    }

    /// `POST /rest/asset/v1/form/{id}/delete.json`: refused while a page
    /// shows it. An approved form can be deleted (Assets page: "Except
    /// for forms, assets with approval and draft states must be
    /// unapproved before deletion"; the API has no endpoint to unapprove
    /// a form).
    pub fn delete_form(&mut self, id: Id) -> Outcome<()> {
        if !self.forms.contains_key(&id) {
            return Err(Refusal::missing("Form", id));
        }
        let used = self.landing_pages.values().find(|p| {
            p.sections.iter().any(|s| {
                s.kind.eq_ignore_ascii_case("form")
                    && s.value["content"].as_str() == Some(id.to_string().as_str())
            })
        });
        if let Some(page) = used {
            return Err(Refusal::new(
                "709",
                format!("Form {id} is used by landing page '{}'", page.name),
            ));
        }
        self.forms.remove(&id);
        self.tick();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_form_has_the_three_default_fields_and_no_field_twice() {
        let mut i = Instance::new("123-ABC-456");
        i.add_field("Email Address", Some("email"), "email");
        i.add_field("Job Title", Some("title"), "string");
        let folder = i.add_folder("Webinars");
        let p = i
            .create_program("P", Parent::Folder(folder), "Default", "", "", vec![])
            .unwrap();
        let f = i.create_form("F", Parent::Program(p)).unwrap();
        let ids = |i: &Instance| -> Vec<String> {
            i.forms[&f]
                .fields
                .iter()
                .map(|x| x.api_name.clone())
                .collect()
        };
        assert_eq!(ids(&i), ["FirstName", "LastName", "Email"]);
        // Email again, by its REST name or its SOAP name: refused.
        for again in ["email", "Email"] {
            let refused = i.add_form_field(f, again).unwrap_err();
            assert_eq!(refused.code, "709", "{refused:?}");
            assert!(refused.message.contains("Email"), "{refused:?}");
        }
        i.add_form_field(f, "title").unwrap();
        i.remove_form_field(f, "FirstName").unwrap();
        assert_eq!(ids(&i), ["LastName", "Email", "Title"]);
        // Rows that are no lead field: rich text, then the profiling
        // fieldset, which stays last.
        i.set_progressive_profiling(f, true);
        let rich = i.add_rich_text(f, "<p>Hi</p>").unwrap();
        assert_eq!(rich.row, Row::RichText("<p>Hi</p>".into()));
        assert_eq!(ids(&i)[4], "Profiling");
        assert!(i.forms[&f].progressive_profiling());
        assert_eq!(i.add_form_field(f, "nope").unwrap_err().code, "1003");
    }
}
