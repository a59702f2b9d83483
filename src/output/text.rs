//! Text for people on a terminal: display width, word wrapping, and
//! colour that is only there when it may be.

use unicode_width::UnicodeWidthStr;

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

/// How a list (`library list`, `log`) is laid out on standard output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fit {
    /// A pipe or a file, without `COLUMNS`: one record per line, every
    /// value whole, no box characters (spec 13): what a script greps.
    Records,
    /// A terminal, or `COLUMNS`: this many columns, never cutting a word.
    Columns(usize),
}

impl Fit {
    /// `text` as the lines this layout shows: wrapped at spaces to the
    /// columns, or whole.
    pub fn lines(self, text: &str) -> Vec<String> {
        match self {
            Fit::Records => vec![text.to_string()],
            Fit::Columns(width) => wrap(text, width),
        }
    }
}

/// A record's own line breaks, in a one-line layout.
const JOINED: &str = "; ";
/// In a one-line record, values narrower than this are aligned in
/// columns; a longer one only pushes the rest of its own line.
const ALIGNED: usize = 40;
/// A table's cell line may wrap into this many lines; past that, records
/// are shown one below the other instead.
const TALLEST: usize = 3;

/// A list of `rows` (the first is the header) laid out by `fit`, never
/// cutting a word or an id:
///
/// - [`Fit::Records`]: the header, then one line per record, values
///   aligned in columns, a cell's own line breaks joined with "; ";
/// - [`Fit::Columns`]: a boxed table when it fits with every word whole
///   (cells wrap at spaces, into a few lines at most); else plain
///   columns; else, when even these cannot fit, each record as a block:
///   its first value, then one line per other column ("header: value",
///   wrapped at spaces).
///
/// Control characters in a cell become `?`; the cell's own line breaks
/// stay (in tables) or are joined (records, blocks).
pub fn fitted_table(rows: &[Vec<String>], fit: Fit) -> String {
    let cells: Vec<Vec<Vec<String>>> = rows
        .iter()
        .map(|row| {
            row.iter()
                .map(|cell| cell.split('\n').map(clean).collect())
                .collect()
        })
        .collect();
    let n = cells.iter().map(Vec::len).max().unwrap_or(0);
    match fit {
        Fit::Records => records(&cells, n),
        Fit::Columns(width) => [Frame::Box, Frame::Plain]
            .into_iter()
            .find_map(|frame| table_of(&cells, n, width, frame))
            .unwrap_or_else(|| blocks(&cells, width)),
    }
}

/// One line per record, values aligned up to [`ALIGNED`] columns.
fn records(cells: &[Vec<Vec<String>>], n: usize) -> String {
    let joined: Vec<Vec<String>> = cells
        .iter()
        .map(|row| row.iter().map(|lines| lines.join(JOINED)).collect())
        .collect();
    let widths: Vec<usize> = (0..n)
        .map(|i| {
            joined
                .iter()
                .filter_map(|row| row.get(i))
                .map(|cell| width(cell))
                .filter(|w| *w <= ALIGNED)
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in &joined {
        let line: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(i, cell)| pad(cell, widths[i]))
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    out.pop();
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Frame {
    /// Box-drawing characters around every cell.
    Box,
    /// Columns two spaces apart, the header underlined.
    Plain,
}

/// The table in `width` columns with this frame, every word whole and no
/// cell line wrapped into more than [`TALLEST`] lines; None when it
/// cannot fit so.
fn table_of(cells: &[Vec<Vec<String>>], n: usize, width: usize, frame: Frame) -> Option<String> {
    let column = |i: usize| cells.iter().filter_map(move |row| row.get(i)).flatten();
    let mut widths: Vec<usize> = (0..n)
        .map(|i| column(i).map(|l| self::width(l)).max().unwrap_or(0))
        .collect();
    // The narrowest each column may be: its longest word, and wide
    // enough that no line of it wraps into more than TALLEST lines.
    let floors: Vec<usize> = (0..n)
        .map(|i| {
            let lines: Vec<&String> = column(i).collect();
            let word = lines
                .iter()
                .flat_map(|l| l.split(' '))
                .map(self::width)
                .max()
                .unwrap_or(0);
            (word..widths[i])
                .find(|w| lines.iter().all(|l| wrap(l, *w).len() <= TALLEST))
                .unwrap_or(widths[i])
        })
        .collect();
    // Box: "│ " before each cell, " " after, and the closing "│"; plain:
    // two spaces between columns.
    let framing = match frame {
        Frame::Box => 3 * n + 1,
        Frame::Plain => 2 * n.saturating_sub(1),
    };
    while widths.iter().sum::<usize>() + framing > width {
        let i = (0..n)
            .filter(|&i| widths[i] > floors[i])
            .max_by_key(|&i| (widths[i], std::cmp::Reverse(i)))?;
        widths[i] -= 1;
    }
    let mut wrapped: Vec<Vec<Vec<String>>> = Vec::new();
    for row in cells {
        let mut out_row = Vec::new();
        for (i, columns) in widths.iter().enumerate() {
            let mut lines = Vec::new();
            for line in row.get(i).into_iter().flatten() {
                let pieces = wrap(line, *columns);
                if pieces.len() > TALLEST {
                    return None;
                }
                lines.extend(pieces);
            }
            out_row.push(lines);
        }
        wrapped.push(out_row);
    }
    if frame == Frame::Box {
        let mut builder = tabled::builder::Builder::new();
        for row in &wrapped {
            builder.push_record(row.iter().map(|lines| lines.join("\n")));
        }
        let mut table = builder.build();
        table.with(tabled::settings::Style::sharp());
        return Some(table.to_string());
    }
    // The header underlined, and rows apart when one takes several lines.
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
    Some(out.join("\n"))
}

/// Each record as a block: its first value, then the others as
/// "header: value", side by side as far as the width allows (a value
/// too long for a line wraps at spaces); a blank line between records.
fn blocks(cells: &[Vec<Vec<String>>], width: usize) -> String {
    const INDENT: &str = "  ";
    const APART: &str = "   ";
    let Some((header, records)) = cells.split_first() else {
        return String::new();
    };
    let room = width.saturating_sub(INDENT.len()).max(1);
    let mut out: Vec<String> = Vec::new();
    for row in records {
        if !out.is_empty() {
            out.push(String::new());
        }
        let mut row = row.iter();
        if let Some(first) = row.next() {
            out.extend(wrap(&first.join(" "), width));
        }
        let mut line = String::new();
        for (i, lines) in row.enumerate() {
            let label = header.get(i + 1).map(|h| h.join(" ")).unwrap_or_default();
            let unit = format!("{label}: {}", lines.join(JOINED));
            if !line.is_empty() && self::width(&line) + APART.len() + self::width(&unit) <= room {
                line.push_str(APART);
                line.push_str(&unit);
                continue;
            }
            if !line.is_empty() {
                out.push(format!("{INDENT}{}", std::mem::take(&mut line)));
            }
            if self::width(&unit) <= room {
                line = unit;
                continue;
            }
            // Longer than a line: on lines of its own, wrapped at spaces
            // and hanging, the value's first word beside its label.
            let value = lines.join(JOINED);
            let mut words = value.split(' ').filter(|w| !w.is_empty()).peekable();
            // A first word too long to go beside its label starts the
            // next line (a path, an id).
            let mut piece = match words.peek() {
                Some(first) if self::width(&label) + 2 + self::width(first) > room => {
                    out.push(format!("{INDENT}{label}:"));
                    format!("  {}", words.next().unwrap_or_default())
                }
                _ => format!("{label}: {}", words.next().unwrap_or_default()),
            };
            for word in words {
                if self::width(&piece) + 1 + self::width(word) > room {
                    out.push(format!("{INDENT}{piece}"));
                    piece = format!("  {word}");
                } else {
                    piece.push(' ');
                    piece.push_str(word);
                }
            }
            out.push(format!("{INDENT}{piece}"));
        }
        if !line.is_empty() {
            out.push(format!("{INDENT}{line}"));
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
/// breaking at spaces only: a word longer than a line (a path, an id) is
/// never cut, it stands whole on a line of its own. Always at least one
/// line.
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
        }
        line.push_str(word);
        used = w;
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

    fn rows() -> Vec<Vec<String>> {
        vec![
            vec!["name".into(), "what".into(), "id".into()],
            vec![
                "Webinar\u{1b}[31m 2026".into(),
                "a long description of what the program holds and why".into(),
                "87e22d5a47f27953e8c9".into(),
            ],
            vec!["Basic Drip Nurture".into(), "short".into(), "ab12".into()],
        ]
    }

    /// Every word of `rows` but the first header (cleaned) is somewhere in
    /// `text`, whole.
    fn words_whole(rows: &[Vec<String>], text: &str) {
        for row in rows {
            for cell in row {
                for word in cell
                    .split('\n')
                    .flat_map(|l| l.split(' '))
                    .filter(|w| *w != "name")
                {
                    let word = clean(word);
                    assert!(
                        text.split([' ', '\n', '│', ':']).any(|w| w == word),
                        "{word:?} is not whole in\n{text}"
                    );
                }
            }
        }
    }

    #[test]
    fn tables_fit_and_keep_every_word_whole() {
        for width in [24, 30, 40, 60, 90, 200] {
            let table = fitted_table(&rows(), Fit::Columns(width));
            // Only a line with the unbreakable id may be wider.
            assert!(
                table
                    .lines()
                    .all(|l| self::width(l) <= width || l.contains("87e22d5a47f27953e8c9")),
                "{table}"
            );
            assert!(table.contains("Webinar?[31m"), "{table}");
            assert!(!table.contains('\u{1b}'));
            words_whole(&rows(), &table);
        }
        assert!(fitted_table(&rows(), Fit::Columns(200)).starts_with('┌'));
        // Too narrow for columns: one block per record.
        let blocks = fitted_table(&rows(), Fit::Columns(30));
        assert!(
            blocks.starts_with("Webinar?[31m 2026\n  what: a long"),
            "{blocks}"
        );
        assert!(
            blocks.contains("\n  id: 87e22d5a47f27953e8c9\n"),
            "{blocks}"
        );
        assert!(blocks.contains("\n  what: short   id: ab12"), "{blocks}");
    }

    #[test]
    fn records_are_one_line_each_and_never_boxed() {
        let mut rows = rows();
        rows[1][1] = "first line\nsecond line".into();
        let text = fitted_table(&rows, Fit::Records);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert!(lines[0].starts_with("name "), "{text}");
        assert!(lines[1].contains("first line; second line"), "{text}");
        assert!(lines[2].starts_with("Basic Drip Nurture  "), "{text}");
        assert!(!text.contains(['┌', '│', '─']), "{text}");
        words_whole(&rows, &text.replace("; ", " "));
    }

    #[test]
    fn wraps_at_spaces_and_never_cuts_a_word() {
        assert_eq!(wrap("a bb ccc dddd", 6), vec!["a bb", "ccc", "dddd"]);
        assert_eq!(wrap("abcdefgh", 3), vec!["abcdefgh"]);
        assert_eq!(wrap("x abcdefgh y", 3), vec!["x", "abcdefgh", "y"]);
        assert_eq!(wrap("", 5), vec![""]);
        assert_eq!(wrap("東京 オフィス の", 8), vec!["東京", "オフィス", "の"]);
        assert_eq!(Fit::Records.lines("a b c"), vec!["a b c"]);
        assert_eq!(Fit::Columns(3).lines("a b c"), vec!["a b", "c"]);
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
