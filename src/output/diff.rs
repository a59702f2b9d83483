//! What an `overwrite` changes, as a unified diff of the target's content
//! against the incoming one (`preview --diff`, and each `--conflict ask`
//! question where overwrite is a choice).
//!
//! A design-studio document is compared field by field, not as the JSON
//! file's raw lines (where a template's whole HTML is one line): one line
//! per top-level key, sorted, `key: value`; a text of several lines (HTML)
//! as `key:` followed by its lines, indented; a list one item per line.
//! An image is binary: the diff says so and gives both SHA-256s.
//!
//! Fed only by what the plan already knows (its `writes`, and the
//! target's documents as loaded): no I/O.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::Value;
use similar::{ChangeTag, TextDiff};

use crate::load::subscription::{StoredAsset, Subscription};
use crate::model::AssetContent;
use crate::plan::{Plan, Status};

/// Lines of context around each change.
const CONTEXT: usize = 3;

const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";
const CYAN: &str = "\x1b[36m";
const BOLD: &str = "\x1b[1m";
const RESET: &str = "\x1b[0m";

/// Colour output that goes to a terminal, unless `NO_COLOR` is set (to
/// anything but the empty string; see no-color.org).
pub fn use_colour(is_terminal: bool) -> bool {
    is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// One side of an overwrite.
#[derive(Debug, Clone, Copy)]
pub enum Side<'a> {
    /// A JSON document (template, form).
    Doc(&'a Value),
    /// A binary image, known by its SHA-256.
    Image(&'a str),
}

impl<'a> Side<'a> {
    /// The incoming side of an asset the plan writes.
    pub fn of_content(content: &'a AssetContent) -> Side<'a> {
        match content {
            AssetContent::Doc(doc) => Side::Doc(&doc.doc),
            AssetContent::Image { digest, .. } => Side::Image(digest),
        }
    }

    /// The target's side of one of its assets.
    pub fn of_stored(asset: &'a StoredAsset) -> Side<'a> {
        match &asset.doc {
            Some(doc) => Side::Doc(&doc.doc),
            None => Side::Image(&asset.identity),
        }
    }
}

/// The text a document is compared as (see the module's documentation).
pub fn doc_text(doc: &Value) -> String {
    let compact = |v: &Value| serde_json::to_string(v).unwrap_or_default();
    let Value::Object(map) = doc else {
        return format!("{}\n", compact(doc));
    };
    let mut out = String::new();
    for (key, value) in map {
        match value {
            Value::String(text) if text.contains('\n') => {
                let _ = writeln!(out, "{key}:");
                for line in text.lines() {
                    let _ = writeln!(out, "    {line}");
                }
            }
            Value::Array(items) if !items.is_empty() => {
                let _ = writeln!(out, "{key}:");
                for item in items {
                    let _ = writeln!(out, "  - {}", compact(item));
                }
            }
            _ => {
                let _ = writeln!(out, "{key}: {}", compact(value));
            }
        }
    }
    out
}

/// A unified diff of `old` against `new`, with `---`/`+++` headers; empty
/// when they are equal.
pub fn unified(old: &str, new: &str, old_label: &str, new_label: &str, colour: bool) -> String {
    let diff = TextDiff::from_lines(old, new);
    let paint = |code: &str, text: &str| {
        if colour {
            format!("{code}{text}{RESET}")
        } else {
            text.to_string()
        }
    };
    let mut out = String::new();
    let mut unified = diff.unified_diff();
    unified.context_radius(CONTEXT);
    for (n, hunk) in unified.iter_hunks().enumerate() {
        if n == 0 {
            let _ = writeln!(out, "{}", paint(BOLD, &format!("--- {old_label}")));
            let _ = writeln!(out, "{}", paint(BOLD, &format!("+++ {new_label}")));
        }
        let _ = writeln!(out, "{}", paint(CYAN, &hunk.header().to_string()));
        for change in hunk.iter_changes() {
            let line = change.to_string_lossy();
            let line = line.trim_end_matches('\n');
            let _ = match change.tag() {
                ChangeTag::Delete => writeln!(out, "{}", paint(RED, &format!("-{line}"))),
                ChangeTag::Insert => writeln!(out, "{}", paint(GREEN, &format!("+{line}"))),
                ChangeTag::Equal => writeln!(out, " {line}"),
            };
        }
    }
    out
}

/// The diff of one overwrite of the file `path`: the target's content
/// (`old`) against the incoming one (`new`).
pub fn overwrite_diff(path: &str, old: Side, new: Side, colour: bool) -> String {
    match (old, new) {
        (Side::Doc(old), Side::Doc(new)) => {
            let text = unified(
                &doc_text(old),
                &doc_text(new),
                &format!("{path} (target)"),
                &format!("{path} (incoming)"),
                colour,
            );
            if text.is_empty() {
                format!("{path}: the same content, formatted differently\n")
            } else {
                text
            }
        }
        (Side::Image(old), Side::Image(new)) => format!(
            "{path}: binary image, no text diff (target sha256 {}, incoming sha256 {})\n",
            short(old),
            short(new)
        ),
        _ => format!("{path}: a document and an image, no text diff\n"),
    }
}

fn short(digest: &str) -> &str {
    digest.get(..12).unwrap_or(digest)
}

/// Every overwrite of the plan's `ok` programs, in plan order, each under
/// a line naming the program and the asset. A file overwritten by two
/// programs of one import is diffed against what the first leaves.
pub fn plan_diffs(plan: &Plan, target: &Subscription, colour: bool) -> String {
    let stored: BTreeMap<String, &StoredAsset> = target
        .assets
        .iter()
        .map(|a| (format!("design-studio/{}/{}", a.kind.dir(), a.file), a))
        .collect();
    let mut written: BTreeMap<&str, &AssetContent> = BTreeMap::new();
    let mut out = String::new();
    let mut count = 0;
    for program in plan.programs.iter().filter(|p| p.status == Status::Ok) {
        let Some(writes) = &program.writes else {
            continue;
        };
        for write in &writes.assets {
            let old = match (written.get(write.path.as_str()), stored.get(&write.path)) {
                (Some(earlier), _) => Some(Side::of_content(earlier)),
                (None, Some(asset)) => Some(Side::of_stored(asset)),
                (None, None) => None,
            };
            if let Some(old) = old {
                count += 1;
                let title = format!(
                    "{}: {} \"{}\" is overwritten ({})",
                    program.name,
                    write.kind.noun(),
                    write.name,
                    write.path
                );
                let _ = writeln!(
                    out,
                    "\n{}",
                    if colour {
                        format!("{BOLD}{title}{RESET}")
                    } else {
                        title
                    }
                );
                out.push_str(&overwrite_diff(
                    &write.path,
                    old,
                    Side::of_content(&write.content),
                    colour,
                ));
            }
            written.insert(&write.path, &write.content);
        }
    }
    if count == 0 {
        out.push_str("\nNo asset is overwritten.\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn documents_are_compared_field_by_field_and_line_by_line() {
        let old = json!({"name": "T", "html": "<p>\n  old\n</p>\n", "fields": ["A", "B"]});
        let new = json!({"name": "T", "html": "<p>\n  new\n</p>\n", "fields": ["A", "C"]});
        let text = overwrite_diff("t.json", Side::Doc(&old), Side::Doc(&new), false);
        assert_eq!(
            text,
            "--- t.json (target)\n+++ t.json (incoming)\n@@ -1,8 +1,8 @@\n fields:\n   - \"A\"\n-  - \"B\"\n+  - \"C\"\n html:\n     <p>\n-      old\n+      new\n     </p>\n name: \"T\"\n"
        );
        assert!(!text.contains('\x1b'));
        let coloured = overwrite_diff("t.json", Side::Doc(&old), Side::Doc(&new), true);
        assert!(coloured.contains("\x1b[31m-      old\x1b[0m"));
        assert!(coloured.contains("\x1b[32m+      new\x1b[0m"));
    }

    #[test]
    fn images_say_they_are_binary() {
        let text = overwrite_diff(
            "design-studio/images/hero.png",
            Side::Image("aaaaaaaaaaaaaaaaaaaa"),
            Side::Image("bbbbbbbbbbbbbbbbbbbb"),
            false,
        );
        assert_eq!(
            text,
            "design-studio/images/hero.png: binary image, no text diff (target sha256 aaaaaaaaaaaa, incoming sha256 bbbbbbbbbbbb)\n"
        );
    }
}
