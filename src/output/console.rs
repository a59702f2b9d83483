//! Standard output and standard error that never panic.
//!
//! `print!` panics when standard output is closed (`mkimport … | head`) or
//! full (`> /dev/full`). Everything mkimport prints goes through here
//! instead:
//! - a reader that went away (a broken pipe) closes standard output
//!   quietly: later writes are dropped, and the command goes on to its end
//!   (a `run` is never cut half-way by its reader);
//! - any other failure (disk full) is an error the command reports, exit 1;
//! - standard error is best effort: a message that cannot be shown is lost,
//!   never a panic.

use std::fmt;
use std::io::{self, IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Context as _;

use super::text::Fit;
use crate::cli::OutputFormat;

static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);

/// True once standard output's reader went away.
pub fn stdout_closed() -> bool {
    STDOUT_CLOSED.load(Ordering::Relaxed)
}

/// Standard output as a writer: a broken pipe closes it quietly, other
/// errors are returned.
#[derive(Debug, Default, Clone, Copy)]
pub struct Stdout;

impl Stdout {
    fn guard(result: io::Result<()>) -> io::Result<()> {
        match result {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                STDOUT_CLOSED.store(true, Ordering::Relaxed);
                Ok(())
            }
            other => other,
        }
    }
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if stdout_closed() {
            return Ok(buf.len());
        }
        Stdout::guard(io::stdout().lock().write_all(buf)).map(|()| buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if stdout_closed() {
            return Ok(());
        }
        Stdout::guard(io::stdout().lock().flush())
    }
}

/// The error of a failed write to standard output, for the user.
pub fn stdout_error(err: io::Error) -> anyhow::Error {
    anyhow::Error::new(err).context("cannot write to standard output")
}

/// Print `text` on standard output and flush it.
pub fn print(text: &str) -> anyhow::Result<()> {
    let mut out = Stdout;
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(stdout_error)
}

/// Stream to standard output through a buffer, flushed at the end.
pub fn print_with(write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> anyhow::Result<()> {
    let mut out = io::BufWriter::new(Stdout);
    write(&mut out)
        .and_then(|()| out.flush())
        .context("cannot write to standard output")
}

/// One line on standard error, best effort (see [`errln!`](crate::errln)).
pub fn error_line(args: fmt::Arguments) {
    let mut err = io::stderr().lock();
    let _ = err.write_fmt(args);
    let _ = err.write_all(b"\n");
}

/// A line on a terminal's standard error while a progress bar may be
/// drawn there: the bar's line is cleared first, and the bar redraws
/// itself below. Best effort, like [`error_line`].
pub fn notice_line(text: &str) {
    let mut err = io::stderr().lock();
    let _ = write!(err, "\r\x1b[2K{text}\n");
    let _ = err.flush();
}

/// `eprintln!` that never panics: a line on standard error, dropped when
/// standard error cannot take it.
#[macro_export]
macro_rules! errln {
    ($($arg:tt)*) => {
        $crate::output::console::error_line(format_args!($($arg)*))
    };
}

/// The width human output is laid out for when standard output is not a
/// terminal and `COLUMNS` is not set (a pipe, a file, a CI log).
pub const DEFAULT_WIDTH: usize = 80;

/// Which standard streams are terminals, and how standard output may be
/// drawn on: detected once per command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Terminal {
    pub stdin: bool,
    pub stdout: bool,
    pub stderr: bool,
    /// The columns human output on standard output fits in: `COLUMNS`
    /// when set, else the terminal's width, else [`DEFAULT_WIDTH`].
    pub width: usize,
    /// Was `width` given (`COLUMNS`) or measured (a terminal), rather than
    /// the default of a pipe?
    pub sized: bool,
    /// May standard output carry colour: a terminal (not `TERM=dumb`),
    /// and no `NO_COLOR` (https://no-color.org).
    pub colour: bool,
}

impl Terminal {
    pub fn detect() -> Terminal {
        let stdout = std::io::stdout().is_terminal();
        let env = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
        let columns = env("COLUMNS").and_then(|v| v.to_str()?.trim().parse::<usize>().ok());
        let measured =
            || terminal_size::terminal_size_of(std::io::stdout()).map(|(w, _)| usize::from(w.0));
        let sized = columns
            .or_else(|| if stdout { measured() } else { None })
            .filter(|w| *w > 0);
        let width = sized.unwrap_or(DEFAULT_WIDTH);
        let dumb = env("TERM").is_some_and(|t| t == "dumb");
        Terminal {
            stdin: std::io::stdin().is_terminal(),
            stdout,
            stderr: std::io::stderr().is_terminal(),
            width,
            sized: sized.is_some(),
            colour: stdout && !dumb && env("NO_COLOR").is_none(),
        }
    }

    /// How lists (`library list`, `log`) are laid out: fitted to the
    /// width on a terminal or with `COLUMNS`; else (a pipe, a file) one
    /// record per line, every value whole (spec 13).
    pub fn fit(self) -> Fit {
        if self.sized {
            Fit::Columns(self.width)
        } else {
            Fit::Records
        }
    }

    /// Can we ask the user anything? Never with machine output.
    pub fn can_ask(self, format: OutputFormat) -> bool {
        !format.is_machine() && self.stdin && self.stderr
    }
}
