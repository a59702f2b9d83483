//! Text for people on a terminal: display width, word wrapping, and
//! colour that is only there when it may be.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// The columns `text` takes on a terminal.
pub fn width(text: &str) -> usize {
    UnicodeWidthStr::width(text)
}

/// `text` safe to print on a terminal: control characters (a newline in
/// a name, an escape sequence in a hostile bundle) become `?`.
pub fn clean(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

/// `text` padded with spaces to `columns`.
pub fn pad(text: &str, columns: usize) -> String {
    let mut out = text.to_string();
    for _ in width(text)..columns {
        out.push(' ');
    }
    out
}

/// Wrap `text` (already [`clean`]) into lines of at most `columns`,
/// breaking at spaces; a word longer than a line is cut where it must be.
/// Always at least one line.
pub fn wrap(text: &str, columns: usize) -> Vec<String> {
    let columns = columns.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut used = 0;
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let w = width(word);
        if used > 0 && used + 1 + w <= columns {
            line.push(' ');
            line.push_str(word);
            used += 1 + w;
            continue;
        }
        if used > 0 {
            lines.push(std::mem::take(&mut line));
            used = 0;
        }
        if w <= columns {
            line.push_str(word);
            used = w;
            continue;
        }
        // A word wider than the line: cut it.
        for c in word.chars() {
            let cw = c.width().unwrap_or(0);
            if used + cw > columns && used > 0 {
                lines.push(std::mem::take(&mut line));
                used = 0;
            }
            line.push(c);
            used += cw;
        }
    }
    if used > 0 || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// A colour or weight for a piece of text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Bold,
    Dim,
    Red,
    Green,
    Yellow,
    Cyan,
    /// Errors and blocked programs.
    Alarm,
}

impl Tone {
    fn code(self) -> &'static str {
        match self {
            Tone::Bold => "1",
            Tone::Dim => "2",
            Tone::Red => "31",
            Tone::Green => "32",
            Tone::Yellow => "33",
            Tone::Cyan => "36",
            Tone::Alarm => "1;31",
        }
    }
}

/// Colours text when colour is on, and leaves it alone otherwise.
#[derive(Debug, Clone, Copy)]
pub struct Paint {
    pub on: bool,
}

impl Paint {
    pub fn tone(&self, tone: Tone, text: &str) -> String {
        if self.on && !text.is_empty() {
            format!("\x1b[{}m{text}\x1b[0m", tone.code())
        } else {
            text.to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_at_spaces_and_cuts_long_words() {
        assert_eq!(wrap("a bb ccc dddd", 6), vec!["a bb", "ccc", "dddd"]);
        assert_eq!(wrap("abcdefgh", 3), vec!["abc", "def", "gh"]);
        assert_eq!(wrap("", 5), vec![""]);
        for line in wrap("東京 オフィス の ウェビナー", 5) {
            assert!(width(&line) <= 5, "{line}");
        }
    }

    #[test]
    fn control_characters_are_neutralised() {
        assert_eq!(clean("a\x1b[2Jb\nc"), "a?[2Jb?c");
    }

    #[test]
    fn no_colour_when_off() {
        assert_eq!(Paint { on: false }.tone(Tone::Red, "x"), "x");
        assert_eq!(Paint { on: true }.tone(Tone::Red, "x"), "\x1b[31mx\x1b[0m");
    }
}
