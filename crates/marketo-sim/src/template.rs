//! Reading an email template's HTML as Marketo does when it makes an
//! email's editable sections.

use serde_json::Value;

use crate::model::Section;

/// The editable sections a new email gets from its template: every
/// element whose class holds `mktoText` or `mktEditable` (a text section)
/// or `mktoSnippet` (a snippet section), in document order, each with its
/// `id` and empty content; a single text section `body` when the template
/// declares none.
pub fn editable_sections(html: &str) -> Vec<Section> {
    let mut out: Vec<Section> = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        let after = &rest[start + 1..];
        let end = after.find('>').unwrap_or(after.len());
        let tag = &after[..end];
        rest = &after[end.min(after.len())..];
        let (Some(class), Some(id)) = (attribute(tag, "class"), attribute(tag, "id")) else {
            continue;
        };
        let kind = if class.split_whitespace().any(|c| c == "mktoSnippet") {
            "Snippet"
        } else if class
            .split_whitespace()
            .any(|c| c == "mktoText" || c == "mktEditable")
        {
            "Text"
        } else {
            continue;
        };
        if id.is_empty() || out.iter().any(|s| s.id == id) {
            continue;
        }
        let value = if kind == "Text" {
            Value::String(String::new())
        } else {
            Value::Null
        };
        out.push(Section::new(&id, kind, value));
    }
    if out.is_empty() {
        out.push(Section::new("body", "Text", Value::String(String::new())));
    }
    out
}

/// The attributes of a tag's text (`td class="x" id=body`), as an HTML
/// tokenizer reads them: names in lower case, values quoted with `"` or
/// `'` or unquoted, a name without a value as empty. Written apart from
/// mkimport's own reading of templates, so the two cannot merely agree.
fn attributes(tag: &str) -> Vec<(String, String)> {
    let chars: Vec<char> = tag.chars().collect();
    let mut i = 0;
    // The element's name.
    while i < chars.len() && !chars[i].is_whitespace() && chars[i] != '/' {
        i += 1;
    }
    let mut out = Vec::new();
    loop {
        while i < chars.len() && (chars[i].is_whitespace() || chars[i] == '/') {
            i += 1;
        }
        if i >= chars.len() {
            return out;
        }
        let start = i;
        while i < chars.len() && !chars[i].is_whitespace() && !matches!(chars[i], '=' | '/') {
            i += 1;
        }
        let name: String = chars[start..i].iter().collect::<String>().to_lowercase();
        while i < chars.len() && chars[i].is_whitespace() {
            i += 1;
        }
        let mut value = String::new();
        if i < chars.len() && chars[i] == '=' {
            i += 1;
            while i < chars.len() && chars[i].is_whitespace() {
                i += 1;
            }
            match chars.get(i) {
                Some(&q) if q == '"' || q == '\'' => {
                    i += 1;
                    while i < chars.len() && chars[i] != q {
                        value.push(chars[i]);
                        i += 1;
                    }
                    i += 1;
                }
                _ => {
                    while i < chars.len() && !chars[i].is_whitespace() {
                        value.push(chars[i]);
                        i += 1;
                    }
                }
            }
        }
        if !name.is_empty() {
            out.push((name, value));
        }
    }
}

/// The first value of attribute `name` of a tag's text.
fn attribute(tag: &str, name: &str) -> Option<String> {
    attributes(tag)
        .into_iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_are_read_as_html_reads_them() {
        let tag = r#"td CLASS='mktoText wide' data-x id=body title="a > b""#;
        assert_eq!(attribute(tag, "class").as_deref(), Some("mktoText wide"));
        assert_eq!(attribute(tag, "id").as_deref(), Some("body"));
        assert_eq!(attribute(tag, "data-x").as_deref(), Some(""));
        assert_eq!(attribute("div", "id"), None);
    }

    #[test]
    fn sections_come_from_the_templates_editable_parts() {
        let html = r#"<td class="mktoImg" id="logo"></td><td class="mktoText" id="body"></td>
            <div class='mktoSnippet' id='footer'></div><td class="mktoText" id="body"></td>"#;
        let s = editable_sections(html);
        let ids: Vec<(&str, &str)> = s.iter().map(|s| (s.id.as_str(), s.kind.as_str())).collect();
        assert_eq!(ids, [("body", "Text"), ("footer", "Snippet")]);
        assert_eq!(editable_sections("<p>plain</p>")[0].id, "body");
    }
}
