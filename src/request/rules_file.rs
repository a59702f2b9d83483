//! Where an entry of a rules file is, so a mistake in it can be shown as
//! `FILE:LINE:COLUMN` (1-based, as editors count).

/// The 1-based line and column of the top-level key `key` of the JSON
/// object `text` (or of its value, with `value`); None when it is not
/// there. `text` must be valid JSON.
pub fn entry_position(text: &str, key: &str, value: bool) -> Option<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'{' | b'[' => depth += 1,
            b'}' | b']' => depth = depth.saturating_sub(1),
            b'"' => {
                let start = i;
                let end = string_end(bytes, i)?;
                i = end;
                if depth == 1 {
                    let mut after = end;
                    while after < bytes.len() && bytes[after].is_ascii_whitespace() {
                        after += 1;
                    }
                    let is_key = bytes.get(after) == Some(&b':');
                    let name: Option<String> = serde_json::from_str(&text[start..end]).ok();
                    if is_key && name.as_deref() == Some(key) {
                        let mut at = start;
                        if value {
                            at = after + 1;
                            while at < bytes.len() && bytes[at].is_ascii_whitespace() {
                                at += 1;
                            }
                        }
                        return Some(line_column(text, at));
                    }
                }
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// The index just past the string that starts at `start` (a `"`).
fn string_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// The 1-based line and column (in characters) of byte `at`.
fn line_column(text: &str, at: usize) -> (usize, usize) {
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .map(|l| l.chars().count())
        .unwrap_or(0)
        + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_values_are_found() {
        let text =
            "{\n  \"program\": \"rename\",\n  \"tag\":  \"maybe\",\n  \"x\": {\"tag\": 1}\n}\n";
        assert_eq!(entry_position(text, "tag", false), Some((3, 3)));
        assert_eq!(entry_position(text, "tag", true), Some((3, 11)));
        assert_eq!(entry_position(text, "program", false), Some((2, 3)));
        assert_eq!(entry_position(text, "nope", false), None);
        // Escapes in a key, a nested object that is not looked into.
        let text = r#"{"a\"b": {"c": "d"}, "c": "e"}"#;
        assert_eq!(entry_position(text, "c", true), Some((1, 27)));
        assert_eq!(entry_position(text, "a\"b", false), Some((1, 2)));
    }
}
