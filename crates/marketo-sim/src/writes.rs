//! The write endpoints: each reads its fields, changes the instance (see
//! `crate::edit` and `crate::approval`) and answers as Marketo does (the
//! record, or `{"id"}` where the documented answer is that).

use serde_json::{json, Value};

use crate::approval::Approvable;
use crate::config::State;
use crate::edit::{DesignKind, NewEmail, Refusal};
use crate::http::envelope;
use crate::http::{Part, Reply};
use crate::model::{Id, Instance, Parent, Sender};
use crate::paths::{id_param, matches, ROUTES};
use crate::records::token_answer;
use crate::records::{
    campaign_record, design_record, email_record, email_template_content, field_options,
    file_record, form_record, form_row, landing_page_record, program_record, ProgramDetail,
    Version,
};

/// A text field of a POST body.
fn field(form: &[Part], name: &str) -> Option<String> {
    form.iter().find(|p| p.name == name).map(Part::text)
}

/// A required text field (701 when missing).
fn required(form: &[Part], name: &str) -> Result<String, Reply> {
    match field(form, name) {
        Some(v) if !v.trim().is_empty() => Ok(v),
        _ => Err(Reply::refusal("701", &format!("{name} cannot be blank"))),
    }
}

/// `folder={"id": N, "type": "Folder"|"Program"}`.
fn folder_field(form: &[Part]) -> Result<Parent, Reply> {
    let text = required(form, "folder")?;
    let v: Value =
        serde_json::from_str(&text).map_err(|_| Reply::refusal("1003", "Invalid folder"))?;
    let id = v["id"]
        .as_u64()
        .or_else(|| v["value"].as_u64())
        .ok_or_else(|| Reply::refusal("1003", "Invalid folder"))?;
    Ok(match v["type"].as_str() {
        Some(t) if t.eq_ignore_ascii_case("program") => Parent::Program(id),
        _ => Parent::Folder(id),
    })
}

fn refused(r: Refusal) -> Reply {
    Reply::refusal(r.code, &r.message)
}

fn id_result(id: Id) -> Reply {
    envelope(vec![json!({"id": id})])
}

/// Answer a write.
pub(crate) fn post(state: &mut State, path: &str, form: &[Part]) -> Reply {
    let base = state.files_base.clone();
    for (m, template) in ROUTES {
        if *m != "POST" {
            continue;
        }
        let Some(params) = matches(template, path) else {
            continue;
        };
        let answer = post_route(&mut state.instance, &base, template, &params, form);
        return answer.unwrap_or_else(|reply| reply);
    }
    Reply::error("610")
}

fn post_route(
    i: &mut Instance,
    files: &str,
    template: &str,
    params: &[String],
    form: &[Part],
) -> Result<Reply, Reply> {
    let id = || id_param(params).ok_or_else(|| Reply::error("1003"));
    let design = |t: &str| match t {
        t if t.contains("emailTemplate") => DesignKind::EmailTemplate,
        _ => DesignKind::LandingPageTemplate,
    };
    Ok(match template {
        "/rest/asset/v1/programs.json" => {
            let name = required(form, "name")?;
            let folder = folder_field(form)?;
            let kind = required(form, "type")?;
            let channel = field(form, "channel").unwrap_or_default();
            let description = field(form, "description").unwrap_or_default();
            let tags = match field(form, "tags") {
                None => Vec::new(),
                Some(text) => {
                    let v: Value = serde_json::from_str(&text)
                        .map_err(|_| Reply::refusal("1003", "Invalid tags"))?;
                    array(&v)
                        .iter()
                        .map(|t| (text_of(&t["tagType"]), text_of(&t["tagValue"])))
                        .collect()
                }
            };
            let id = i
                .create_program(&name, folder, &kind, &channel, &description, tags)
                .map_err(refused)?;
            envelope(vec![program_record(
                i,
                &i.programs[&id],
                ProgramDetail::Full,
            )])
        }
        "/rest/asset/v1/program/{id}/delete.json" => {
            let id = id()?;
            i.delete_program(id).map_err(refused)?;
            id_result(id)
        }
        "/rest/asset/v1/folder/{id}/tokens.json" => {
            let parent = token_parent(id()?, form);
            let name = required(form, "name")?;
            let kind = required(form, "type")?;
            let value = field(form, "value").unwrap_or_default();
            i.set_token(parent, &name, &kind, &value).map_err(refused)?;
            token_answer(i, parent)
        }
        "/rest/asset/v1/folder/{id}/tokens/delete.json" => {
            let parent = token_parent(id()?, form);
            let name = required(form, "name")?;
            i.delete_token(parent, &name).map_err(refused)?;
            id_result(parent.id())
        }
        "/rest/asset/v1/emails.json" => {
            let name = required(form, "name")?;
            let folder = folder_field(form)?;
            let template: Id = required(form, "template")?
                .trim()
                .parse()
                .map_err(|_| Reply::refusal("1003", "Invalid template"))?;
            // All optional: the instance's defaults apply (Emails page).
            let new = NewEmail {
                subject: field(form, "subject"),
                sender: Sender {
                    from_name: field(form, "fromName"),
                    from_email: field(form, "fromEmail"),
                    reply_email: field(form, "replyEmail"),
                },
                operational: field(form, "operational").is_some_and(|v| v.trim() == "true"),
            };
            let id = i
                .create_email(&name, folder, template, new)
                .map_err(refused)?;
            envelope(vec![email_record(i, &i.emails[&id], Version::Any)])
        }
        "/rest/asset/v1/email/{id}/content/{htmlId}.json" => {
            let id = id()?;
            let html_id = params.get(1).cloned().unwrap_or_default();
            let kind = required(form, "type")?;
            let value = field(form, "value").unwrap_or_default();
            i.set_email_section(id, &html_id, &kind, &value)
                .map_err(refused)?;
            id_result(id)
        }
        "/rest/asset/v1/email/{id}/approveDraft.json" => {
            let id = id()?;
            i.approve(Approvable::Email, id).map_err(refused)?;
            id_result(id)
        }
        "/rest/asset/v1/email/{id}/unapprove.json" => {
            let id = id()?;
            i.unapprove(Approvable::Email, id).map_err(refused)?;
            id_result(id)
        }
        "/rest/asset/v1/email/{id}/delete.json" => {
            let id = id()?;
            i.delete_email(id).map_err(refused)?;
            id_result(id)
        }
        "/rest/asset/v1/landingPages.json" => {
            let name = required(form, "name")?;
            let folder = folder_field(form)?;
            let template: Id = required(form, "template")?
                .trim()
                .parse()
                .map_err(|_| Reply::refusal("1003", "Invalid template"))?;
            let id = i
                .create_landing_page(&name, folder, template)
                .map_err(refused)?;
            envelope(vec![landing_page_record(
                i,
                &i.landing_pages[&id],
                Version::Any,
            )])
        }
        "/rest/asset/v1/landingPage/{id}/content.json" => {
            let id = id()?;
            let content_id = required(form, "contentId")?;
            let kind = required(form, "type")?;
            let value = field(form, "value").unwrap_or_default();
            i.add_page_section(id, &content_id, &kind, &value)
                .map_err(refused)?;
            id_result(id)
        }
        "/rest/asset/v1/landingPage/{id}/approveDraft.json" => {
            let id = id()?;
            i.approve(Approvable::LandingPage, id).map_err(refused)?;
            id_result(id)
        }
        "/rest/asset/v1/landingPage/{id}/unapprove.json" => {
            let id = id()?;
            i.unapprove(Approvable::LandingPage, id).map_err(refused)?;
            envelope(vec![landing_page_record(
                i,
                &i.landing_pages[&id],
                Version::Any,
            )])
        }
        "/rest/asset/v1/landingPage/{id}/delete.json" => {
            let id = id()?;
            i.delete_landing_page(id).map_err(refused)?;
            id_result(id)
        }
        "/rest/asset/v1/forms.json" => {
            let name = required(form, "name")?;
            let folder = folder_field(form)?;
            let id = i.create_form(&name, folder).map_err(refused)?;
            envelope(vec![form_record(i, &i.forms[&id], Version::Any)])
        }
        "/rest/asset/v1/form/{id}/fields.json" => {
            let id = id()?;
            let field_id = required(form, "fieldId")?;
            let (label, options) = field_options(form);
            let f = i
                .add_form_field_with(id, &field_id, label, options)
                .map_err(refused)?;
            envelope(vec![form_row(&f, row_of(i, id, &f.api_name))])
        }
        "/rest/asset/v1/form/{id}/richText.json" => {
            let id = id()?;
            let html = required(form, "text")?;
            let f = i.add_rich_text(id, &html).map_err(refused)?;
            envelope(vec![form_row(&f, row_of(i, id, &f.api_name))])
        }
        "/rest/asset/v1/form/{id}/field/{fieldId}/delete.json" => {
            let id = id()?;
            let field_id = params.get(1).cloned().unwrap_or_default();
            i.remove_form_field(id, &field_id).map_err(refused)?;
            id_result(id)
        }
        "/rest/asset/v1/form/{id}/reArrange.json" => {
            let id = id()?;
            let text = required(form, "positions")?;
            let parsed: Value = serde_json::from_str(&text)
                .map_err(|_| Reply::refusal("1003", "positions is not a JSON array"))?;
            let mut positions = Vec::new();
            for p in parsed.as_array().into_iter().flatten() {
                let (Some(row), Some(column), Some(name)) = (
                    p["rowNumber"].as_u64(),
                    p["columnNumber"].as_u64(),
                    p["fieldName"].as_str(),
                ) else {
                    return Err(Reply::refusal(
                        "1003",
                        "each position needs rowNumber, columnNumber and fieldName",
                    ));
                };
                positions.push((row, column, name.to_string()));
            }
            i.rearrange_form_fields(id, &positions).map_err(refused)?;
            id_result(id)
        }
        "/rest/asset/v1/form/{id}/approveDraft.json" => {
            let id = id()?;
            i.approve(Approvable::Form, id).map_err(refused)?;
            envelope(vec![form_record(i, &i.forms[&id], Version::Any)])
        }
        "/rest/asset/v1/form/{id}/delete.json" => {
            let id = id()?;
            i.delete_form(id).map_err(refused)?;
            id_result(id)
        }
        "/rest/asset/v1/smartCampaigns.json" => {
            let name = required(form, "name")?;
            let folder = folder_field(form)?;
            let id = i.create_campaign(&name, folder).map_err(refused)?;
            envelope(vec![campaign_record(&i.campaigns[&id])])
        }
        "/rest/asset/v1/smartCampaign/{id}/delete.json" => {
            let id = id()?;
            i.delete_campaign(id).map_err(refused)?;
            id_result(id)
        }
        "/rest/asset/v1/emailTemplates.json" | "/rest/asset/v1/landingPageTemplates.json" => {
            let kind = design(template);
            let name = required(form, "name")?;
            let folder = folder_field(form)?;
            let html = match kind {
                // An email template's content comes with it, as a file.
                DesignKind::EmailTemplate => form
                    .iter()
                    .find(|p| p.name == "content")
                    .map(Part::text)
                    .ok_or_else(|| Reply::refusal("701", "content cannot be blank"))?,
                _ => String::new(),
            };
            let id = i
                .create_design(kind, &name, folder, &html)
                .map_err(refused)?;
            envelope(vec![design_record(
                i,
                kind,
                &i.designs(kind)[&id],
                Version::Any,
            )])
        }
        "/rest/asset/v1/emailTemplate/{id}/content.json"
        | "/rest/asset/v1/landingPageTemplate/{id}/content.json" => {
            let id = id()?;
            let html = form
                .iter()
                .find(|p| p.name == "content")
                .map(Part::text)
                .ok_or_else(|| Reply::refusal("701", "content cannot be blank"))?;
            let kind = design(template);
            i.set_design_content(kind, id, &html).map_err(refused)?;
            match kind {
                // As documented: the template's id, status and content.
                DesignKind::EmailTemplate => envelope(vec![email_template_content(
                    &i.email_templates[&id],
                    Version::Draft,
                )]),
                _ => id_result(id),
            }
        }
        "/rest/asset/v1/emailTemplate/{id}/approveDraft.json"
        | "/rest/asset/v1/landingPageTemplate/{id}/approveDraft.json" => {
            let id = id()?;
            let kind = design(template);
            i.approve(kind.approvable(), id).map_err(refused)?;
            envelope(vec![design_record(
                i,
                kind,
                &i.designs(kind)[&id],
                Version::Any,
            )])
        }
        "/rest/asset/v1/emailTemplate/{id}/unapprove.json"
        | "/rest/asset/v1/landingPageTemplate/{id}/unapprove.json" => {
            let id = id()?;
            let kind = design(template);
            i.unapprove(kind.approvable(), id).map_err(refused)?;
            envelope(vec![design_record(
                i,
                kind,
                &i.designs(kind)[&id],
                Version::Any,
            )])
        }
        "/rest/asset/v1/emailTemplate/{id}/delete.json"
        | "/rest/asset/v1/landingPageTemplate/{id}/delete.json" => {
            let id = id()?;
            i.delete_design(design(template), id).map_err(refused)?;
            id_result(id)
        }
        "/rest/asset/v1/files.json" => {
            let name = required(form, "name")?;
            let folder = folder_field(form)?;
            let bytes = form
                .iter()
                .find(|p| p.name == "file")
                .map(|p| p.bytes.clone())
                .ok_or_else(|| Reply::refusal("701", "file cannot be blank"))?;
            let id = i.create_file(&name, folder, bytes).map_err(refused)?;
            envelope(vec![file_record(i, files, &i.files[&id])])
        }
        "/rest/asset/v1/file/{id}/content.json" => {
            let id = id()?;
            let bytes = form
                .iter()
                .find(|p| p.name == "file")
                .map(|p| p.bytes.clone())
                .ok_or_else(|| Reply::refusal("701", "file cannot be blank"))?;
            i.set_file_content(id, bytes).map_err(refused)?;
            envelope(vec![file_record(i, files, &i.files[&id])])
        }
        _ => Reply::error("610"),
    })
}

fn token_parent(id: Id, form: &[Part]) -> Parent {
    match field(form, "folderType") {
        Some(t) if t.eq_ignore_ascii_case("program") => Parent::Program(id),
        _ => Parent::Folder(id),
    }
}

fn array(v: &Value) -> &[Value] {
    v.as_array().map(Vec::as_slice).unwrap_or(&[])
}

fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Where a row stands in its form's list.
fn row_of(i: &Instance, form: Id, row: &str) -> usize {
    i.forms
        .get(&form)
        .and_then(|f| f.fields.iter().position(|x| x.api_name == row))
        .unwrap_or(0)
}
