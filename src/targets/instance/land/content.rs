//! Writing a program's emails and landing pages: created on their
//! template, then their sections (the HTML, snippets, forms), then
//! approved when they were approved in the source.

use super::*;

impl Writer<'_, '_> {
    pub(super) fn email(&mut self, at: FolderRef, email: &Email) -> Result<(), Stop> {
        let template = email.template.as_deref().ok_or_else(|| {
            Stop::refused(format!(
                "email \"{}\" names no template; Marketo creates an email only on a template",
                email.name
            ))
        })?;
        let template = self.template_id(DesignKind::EmailTemplate, template)?;
        let name = email.name.clone();
        // What the email does not say is left to the instance's defaults;
        // nothing is borrowed from another email.
        let settings = EmailSettings {
            subject: email.subject.clone(),
            from_name: email.from_name.clone(),
            from_email: email.from_email.clone(),
            reply_email: email.reply_email.clone(),
            operational: email.operational,
        };
        let created = self.create(RemoteKind::Email, &name, Some(at), |c| {
            write::create_email(c, &name, at, template, &settings)
        })?;
        // The template decides the email's sections: the HTML goes in its
        // first text section, the snippets in its snippet sections (else
        // in those the email's HTML declares).
        let known = lock(&self.run.sections).get(&template).cloned();
        let sections = match known {
            Some(known) => known,
            None => {
                let what = format!("reading the sections of email \"{name}\"");
                let raw = self
                    .then(&what, |c| api::email_content(c, created.id, "draft"))?
                    .unwrap_or_default();
                let read: Vec<api::EmailSection> = api::parse_list(&raw);
                if !read.is_empty() {
                    lock(&self.run.sections).insert(template, read.clone());
                }
                read
            }
        };
        let is = |s: &api::EmailSection, kinds: &[&str]| {
            kinds.iter().any(|k| s.content_type.eq_ignore_ascii_case(k))
        };
        let body = sections
            .iter()
            .find(|s| is(s, &["Text", "HTML", "RichText"]))
            .map(|s| s.html_id.clone())
            .unwrap_or_else(|| "body".to_string());
        let what = format!("writing the content of email \"{name}\"");
        self.then(&what, |c| {
            write::update_email_section(c, created.id, &body, "Text", &email.html)
        })?;
        let mut slots: Vec<String> = sections
            .iter()
            .filter(|s| is(s, &["Snippet"]))
            .map(|s| s.html_id.clone())
            .collect();
        for id in snippet_slots(&email.html) {
            if !slots.contains(&id) {
                slots.push(id);
            }
        }
        for (n, snippet) in email.snippets.iter().enumerate() {
            let id = self.snippet_id(snippet)?;
            let slot = slots
                .get(n)
                .cloned()
                .unwrap_or_else(|| format!("snippet-{n}"));
            let what = format!("adding snippet \"{snippet}\" to email \"{name}\"");
            self.then(&what, |c| {
                write::update_email_section(c, created.id, &slot, "Snippet", &id.to_string())
            })?;
        }
        if email.status == Some(Approval::Approved) && !cannot_approve(email) {
            self.approve(Lifecycle::Email, created.id, &format!("email \"{name}\""))?;
        }
        Ok(())
    }

    pub(super) fn page(
        &mut self,
        at: FolderRef,
        page: &LandingPage,
        local_forms: &BTreeMap<String, u64>,
    ) -> Result<(), Stop> {
        let template = page.template.as_deref().ok_or_else(|| {
            Stop::refused(format!(
                "landing page \"{}\" names no template; Marketo creates a page only on a template",
                page.name
            ))
        })?;
        let template = self.template_id(DesignKind::LandingPageTemplate, template)?;
        let name = page.name.clone();
        let created = self.create(RemoteKind::LandingPage, &name, Some(at), |c| {
            write::create_landing_page(c, &name, at, template)
        })?;
        let what = format!("writing the content of landing page \"{name}\"");
        self.then(&what, |c| {
            write::add_landing_page_section(c, created.id, "html", "HTML", &page.html)
        })?;
        for (n, form) in page.forms.iter().enumerate() {
            let id = match local_forms.get(&key(form)) {
                Some(id) => *id,
                None => self.template_id(DesignKind::Form, form)?,
            };
            let what = format!("adding form \"{form}\" to landing page \"{name}\"");
            self.then(&what, |c| {
                write::add_landing_page_section(
                    c,
                    created.id,
                    &format!("form-{n}"),
                    "Form",
                    &id.to_string(),
                )
            })?;
        }
        for (n, snippet) in page.snippets.iter().enumerate() {
            let id = self.snippet_id(snippet)?;
            let what = format!("adding snippet \"{snippet}\" to landing page \"{name}\"");
            self.then(&what, |c| {
                write::add_landing_page_section(
                    c,
                    created.id,
                    &format!("snippet-{n}"),
                    "Snippet",
                    &id.to_string(),
                )
            })?;
        }
        if page.status == Some(Approval::Approved) {
            self.approve(
                Lifecycle::LandingPage,
                created.id,
                &format!("landing page \"{name}\""),
            )?;
        }
        Ok(())
    }
}

/// The ids of the elements of class `mktoSnippet` in an email's HTML, in
/// order.
fn snippet_slots(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        let after = &rest[start + 1..];
        let end = after.find('>').unwrap_or(after.len());
        let tag = &after[..end];
        rest = &after[end..];
        let class = attribute(tag, "class");
        if class.is_some_and(|c| c.split_whitespace().any(|c| c == "mktoSnippet")) {
            if let Some(id) = attribute(tag, "id").filter(|id| !id.is_empty()) {
                out.push(id);
            }
        }
    }
    out
}

/// The value of `name="..."` (or `'...'`, or unquoted) in a tag's text.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let mut from = 0;
    while let Some(at) = tag[from..].find(name) {
        let i = from + at;
        from = i + name.len();
        let before_ok = i == 0 || tag.as_bytes()[i - 1].is_ascii_whitespace();
        let rest = tag[i + name.len()..].trim_start();
        if !before_ok || !rest.starts_with('=') {
            continue;
        }
        let rest = rest[1..].trim_start();
        let quote = rest.chars().next()?;
        if quote != '"' && quote != '\'' {
            // Unquoted: up to the next space.
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            return Some(rest[..end].to_string());
        }
        let inner = &rest[1..];
        return inner.find(quote).map(|end| inner[..end].to_string());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippet_slots_come_from_the_html() {
        let html = r#"<td class="mktoText" id="body"></td><div class="x mktoSnippet" id="standard-footer" mktoName="F"></div><div class='mktoSnippet' id=''>"#;
        assert_eq!(snippet_slots(html), ["standard-footer"]);
        assert_eq!(
            snippet_slots("<div class=mktoSnippet id=footer>"),
            ["footer"]
        );
    }
}
