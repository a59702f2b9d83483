//! Completing a planned program with the content a slim bundle dropped,
//! exactly as `run` writes it.

use std::collections::HashMap;

use crate::load::bundle::{Bundle, ExternalAsset};
use crate::model::{AssetContent, DesignKind, ProgramFile};
use crate::names;

use super::{AssetWrite, ProgramWrites};

/// The program and design-studio files exactly as `run` writes them: the
/// planned (possibly slim) program completed with the full bundle's HTML,
/// renamed images' file names rewritten in that HTML, and image bytes.
/// Pure: `full` is the bundle the plan was made from, read again.
pub fn hydrate(writes: &ProgramWrites, full: &Bundle) -> (ProgramFile, Vec<AssetWrite>) {
    let rewrite = |html: &str| {
        writes
            .image_renames
            .iter()
            .fold(html.to_string(), |html, (old, new)| {
                rewrite_file_references(&html, old, &new.replace(' ', "%20"))
            })
    };
    let mut program = writes.program.clone();
    // By name key, the first of each name (as a search from the start
    // would find it): one pass, not one per email.
    let mut emails: HashMap<String, &str> = HashMap::new();
    for email in &full.program.emails {
        emails.entry(names::key(&email.name)).or_insert(&email.html);
    }
    for email in &mut program.emails {
        if let Some(html) = emails.get(&names::key(&email.name)) {
            email.html = rewrite(html);
        }
    }
    let mut pages: HashMap<String, &str> = HashMap::new();
    for page in &full.program.landing_pages {
        pages.entry(names::key(&page.name)).or_insert(&page.html);
    }
    for page in &mut program.landing_pages {
        if let Some(html) = pages.get(&names::key(&page.name)) {
            page.html = rewrite(html);
        }
    }
    let carried = full.external_index();
    let assets = writes
        .assets
        .iter()
        .map(|write| {
            let mut write = write.clone();
            if let AssetContent::Image { digest, .. } = &write.content {
                if let Some(ExternalAsset {
                    content: AssetContent::Image { bytes, .. },
                    ..
                }) = carried.get(DesignKind::Image, &write.source)
                {
                    write.content = AssetContent::Image {
                        digest: digest.clone(),
                        bytes: bytes.clone(),
                    };
                }
            }
            write
        })
        .collect();
    (program, assets)
}

/// Replace `old` by `new` in `text` where it stands as a whole file name in
/// a URL or attribute: after `/`, a quote, `(` or `=`, and before a quote,
/// `)`, `?`, `#`, white space or the end.
pub fn rewrite_file_references(text: &str, old: &str, new: &str) -> String {
    if old.is_empty() || !text.contains(old) {
        return text.to_string();
    }
    let before_ok = |c: Option<char>| matches!(c, None | Some('/' | '"' | '\'' | '(' | '='));
    let after_ok = |c: Option<char>| {
        matches!(c, None | Some('"' | '\'' | ')' | '?' | '#')) || c.is_some_and(char::is_whitespace)
    };
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(old) {
        let before = rest[..at].chars().next_back();
        let after = rest[at + old.len()..].chars().next();
        out.push_str(&rest[..at]);
        if before_ok(before) && after_ok(after) {
            out.push_str(new);
        } else {
            out.push_str(old);
        }
        rest = &rest[at + old.len()..];
    }
    out.push_str(rest);
    out
}
