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
    let renames: Vec<(String, String)> = writes
        .image_renames
        .iter()
        .map(|(old, new)| (old.clone(), new.replace(' ', "%20")))
        .collect();
    let renames = FileRenames::new(&renames);
    let rewrite = |html: &str| renames.rewrite(html);
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
    FileRenames::new(&[(old.to_string(), new.to_string())]).rewrite(text)
}

/// File names to replace in HTML, all at once (see [`FileRenames::rewrite`]).
pub struct FileRenames<'a> {
    /// Old name → new name; the first pair given for a name wins.
    map: HashMap<&'a str, &'a str>,
    /// Length of the longest old name, in bytes.
    longest: usize,
}

impl<'a> FileRenames<'a> {
    pub fn new(pairs: &'a [(String, String)]) -> Self {
        let mut map = HashMap::new();
        for (old, new) in pairs {
            if !old.is_empty() {
                map.entry(old.as_str()).or_insert(new.as_str());
            }
        }
        let longest = map.keys().map(|k| k.len()).max().unwrap_or(0);
        FileRenames { map, longest }
    }

    /// Replace every old name where it stands as a whole file name in a
    /// URL or attribute: after `/`, a quote, `(` or `=` (or at the start),
    /// and before a quote, `)`, `?`, `#`, white space or the end. One pass:
    /// where several old names match at one place the longest wins, and
    /// replaced text is never scanned again, so renaming "a.png" to
    /// "b.png" and "b.png" to "c.png" never makes "a.png" into "c.png".
    /// Linear in the text (times the longest name), whatever the number of
    /// names.
    pub fn rewrite(&self, text: &str) -> String {
        if self.map.is_empty() {
            return text.to_string();
        }
        let after_ok = |c: Option<char>| {
            matches!(c, None | Some('"' | '\'' | ')' | '?' | '#'))
                || c.is_some_and(char::is_whitespace)
        };
        let bytes = text.as_bytes();
        let mut out = String::with_capacity(text.len());
        let mut copied = 0;
        let mut i = 0;
        while i < text.len() {
            let starts = i == 0 || matches!(bytes[i - 1], b'/' | b'"' | b'\'' | b'(' | b'=');
            if starts {
                let limit = (i + self.longest).min(text.len());
                let found = (i + 1..=limit).rev().find_map(|end| {
                    if !text.is_char_boundary(end) || !after_ok(text[end..].chars().next()) {
                        return None;
                    }
                    self.map.get(&text[i..end]).map(|new| (end, *new))
                });
                if let Some((end, new)) = found {
                    out.push_str(&text[copied..i]);
                    out.push_str(new);
                    copied = end;
                    i = end;
                    continue;
                }
            }
            i += 1;
        }
        out.push_str(&text[copied..]);
        out
    }
}
