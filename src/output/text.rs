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

/// A table of `rows` (the first is the header), boxed, that fits in
/// `width` columns where it can: the widest column is narrowed first, and cells
/// wrap at spaces ([`wrap`]). When a box cannot fit without cutting
/// words, plain columns. Words are cut only when even those cannot fit,
/// and never in the first column (what a user copies: an import id, a
/// program name).
/// Control characters in a cell become `?`; the cell's own line breaks
/// stay.
pub fn fitted_table(rows: &[Vec<String>], width: usize) -> String {
    let cells: Vec<Vec<Vec<String>>> = rows
        .iter()
        .map(|row| {
            row.iter()
                .map(|cell| cell.split('\n').map(clean).collect())
                .collect()
        })
        .collect();
    let n = cells.iter().map(Vec::len).max().unwrap_or(0);
    let column = |i: usize| cells.iter().filter_map(move |row| row.get(i)).flatten();
    let mut widths: Vec<usize> = (0..n)
        .map(|i| column(i).map(|l| self::width(l)).max().unwrap_or(0))
        .collect();
    let longest_word = |i: usize, rows: usize| {
        cells
            .iter()
            .skip(rows)
            .filter_map(|row| row.get(i))
            .flatten()
            .flat_map(|l| l.split(' '))
            .map(self::width)
            .max()
            .unwrap_or(0)
    };
    // Boxed: "│ " before each cell, " " after, and the closing "│". When
    // a box cannot fit without cutting words, plain columns two spaces
    // apart: 8 columns take 11 fewer.
    let whole: usize = (0..n).map(|i| longest_word(i, 0)).sum();
    let boxed = whole + 3 * n < width;
    let frame = if boxed {
        3 * n + 1
    } else {
        2 * n.saturating_sub(1)
    };
    // Narrow without cutting a word first; then cut the other columns'
    // words at 10, 8, and as far as it takes.
    for cap in [None, Some(10), Some(8), Some(1)] {
        let floors: Vec<usize> = (0..n)
            .map(|i| {
                let floor = match cap {
                    _ if i == 0 => longest_word(0, 1),
                    None => longest_word(i, 0),
                    Some(cap) => longest_word(i, 1).min(cap),
                };
                floor.min(widths[i])
            })
            .collect();
        while widths.iter().sum::<usize>() + frame > width {
            let Some(i) = (0..n)
                .filter(|&i| widths[i] > floors[i])
                .max_by_key(|&i| (widths[i], std::cmp::Reverse(i)))
            else {
                break;
            };
            widths[i] -= 1;
        }
    }
    let wrapped: Vec<Vec<Vec<String>>> = cells
        .iter()
        .map(|row| {
            (0..n)
                .map(|i| {
                    row.get(i)
                        .map(|lines| lines.iter().flat_map(|l| wrap(l, widths[i])).collect())
                        .unwrap_or_default()
                })
                .collect()
        })
        .collect();
    if boxed {
        let mut builder = tabled::builder::Builder::new();
        for row in &wrapped {
            builder.push_record(row.iter().map(|lines| lines.join("\n")));
        }
        let mut table = builder.build();
        table.with(tabled::settings::Style::sharp());
        return table.to_string();
    }
    // Plain columns; the header underlined, and rows apart when one takes
    // several lines.
    let tall = wrapped
        .iter()
        .skip(1)
        .any(|row| row.iter().any(|c| c.len() > 1));
    let mut out: Vec<String> = Vec::new();
    for (r, row) in wrapped.iter().enumerate() {
        if r > 1 && tall {
            out.push(String::new());
        }
        let height = row.iter().map(Vec::len).max().unwrap_or(0).max(1);
        for k in 0..height {
            let line: Vec<String> = row
                .iter()
                .enumerate()
                .map(|(i, lines)| pad(lines.get(k).map_or("", String::as_str), widths[i]))
                .collect();
            out.push(line.join("  ").trim_end().to_string());
        }
        if r == 0 {
            let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
            out.push(rule.join("  "));
        }
    }
    out.join("\n")
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

/// A count with thousands separated: `2,400`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A duration for a person, rounded: `40 s`, `8 min`, `2 h 45 min`.
pub fn duration(d: std::time::Duration) -> String {
    let s = d.as_secs();
    if s < 60 {
        format!("{s} s")
    } else if s < 3600 {
        format!("{} min", (s + 30) / 60)
    } else {
        let m = (s + 30) / 60;
        format!("{} h {:02} min", m / 60, m % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_fit_and_keep_names_whole() {
        let rows: Vec<Vec<String>> = vec![
            vec!["name".into(), "what".into()],
            vec![
                "Webinar\u{1b}[31m 2026".into(),
                "a long description of what the program holds and why".into(),
            ],
        ];
        for width in [24, 30, 40, 200] {
            let table = fitted_table(&rows, width);
            assert!(table.lines().all(|l| self::width(l) <= width), "{table}");
            assert!(table.contains("Webinar?[31m"), "{table}");
            assert!(!table.contains('\u{1b}'));
        }
        assert!(fitted_table(&rows, 200).starts_with('┌'));
        assert!(fitted_table(&rows, 24).starts_with("name"));
    }

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

    #[test]
    fn counts_and_durations_for_a_person() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(2400), "2,400");
        assert_eq!(thousands(1_234_567), "1,234,567");
        let secs = std::time::Duration::from_secs;
        assert_eq!(duration(secs(40)), "40 s");
        assert_eq!(duration(secs(480)), "8 min");
        assert_eq!(duration(secs(9900)), "2 h 45 min");
    }
}
