//! Error kinds and their exit codes.
//!
//! Exit codes (spec sections 5 and 5a): 0 done, 1 error (bad input, I/O),
//! 2 usage, 3 blocked or stale, 4 a partial `run --skip-blocked`. Bad input and I/O errors travel as `anyhow::Error`;
//! a usage error is wrapped in [`UsageError`] so `main` can tell them apart.

use std::fmt;
use std::path::Path;

/// A mistake on the command line: exit code 2.
#[derive(Debug)]
pub struct UsageError(pub String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// Shorthand for returning a usage error.
pub fn usage(message: impl Into<String>) -> anyhow::Error {
    UsageError(message.into()).into()
}

/// How deeply JSON arrays and objects may nest: serde_json's recursion
/// limit, past which it stops with "recursion limit exceeded".
pub const MAX_JSON_DEPTH: usize = 128;

/// Bad input found in a file: names the container (bundle or subscription),
/// the file, and the JSON line and column where there is one.
#[derive(Debug, Clone)]
pub struct InputError {
    /// The bundle or subscription the file belongs to.
    pub container: String,
    /// The file (or zip entry) inside it, when there is one.
    pub file: Option<String>,
    /// 1-based line and column in a JSON file.
    pub position: Option<(usize, usize)>,
    pub message: String,
}

impl InputError {
    pub fn new(container: impl Into<String>, message: impl Into<String>) -> Self {
        InputError {
            container: container.into(),
            file: None,
            position: None,
            message: message.into(),
        }
    }

    pub fn in_file(mut self, file: impl Into<String>) -> Self {
        self.file = Some(file.into());
        self
    }

    /// An error from parsing JSON, with its position.
    pub fn json(container: &str, file: &str, err: &serde_json::Error) -> Self {
        // serde_json counts a column 0 before the first character of a
        // line (an early end of file); people count from 1.
        let position = (err.line() > 0).then(|| (err.line(), err.column().max(1)));
        let what = match err.classify() {
            serde_json::error::Category::Data => "unexpected content",
            _ => "invalid JSON",
        };
        // serde_json appends " at line L column C"; we print our own.
        let text = err.to_string();
        let text = text
            .rsplit_once(" at line ")
            .map(|(head, _)| head.to_string())
            .unwrap_or(text);
        let message = if text == "recursion limit exceeded" {
            // Valid JSON, but deeper than serde_json's recursion limit:
            // "invalid JSON" would be wrong and say nothing useful.
            format!("the JSON is nested more than {MAX_JSON_DEPTH} levels deep (arrays and objects inside one another), which mkimport does not read")
        } else {
            format!("{what}: {text}")
        };
        InputError {
            container: container.to_string(),
            file: Some(file.to_string()),
            position,
            message,
        }
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.container)?;
        if let Some(file) = &self.file {
            write!(f, ": {file}")?;
        }
        if let Some((line, column)) = self.position {
            write!(f, ":{line}:{column}")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for InputError {}

/// Display a path the way the user gave it, with `/` separators.
pub fn show(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}
