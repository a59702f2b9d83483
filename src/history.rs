//! The history of a target (spec section 9): the receipts its imports and
//! undos left, in the order they happened, and what follows from them:
//! which imports are undone, which id a prefix names, and which later
//! imports rely on what an import wrote.
//!
//! Pure: the receipts are read by the target ([`crate::targets::Target::history`]);
//! nothing here does I/O. The order of receipts is their `sequence` (each
//! receipt gets one more than the highest before it), so "undone" is
//! derived from that order, never a flag that sticks to an id: an import
//! undone and then imported again (same content, same id) is current again.

use std::collections::BTreeSet;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::names::key;

/// One thing an import into a live instance left to do by hand (a row
/// with action `manual`: a smart-list rule or flow step, a token or a tag
/// value the API cannot write).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Handwork<'a> {
    /// The program, as named in the target.
    pub program: &'a str,
    /// The asset's report kind (`smart-campaign`, `token`, `tag`).
    pub kind: &'a str,
    pub name: &'a str,
    /// What to do, and why the API could not.
    pub reason: &'a str,
}

/// A receipt's `mode` for an import.
pub const RUN: &str = "run";
/// A receipt's `mode` for an undo.
pub const UNDO: &str = "undo";

/// The shortest id prefix `undo` accepts.
pub const MIN_PREFIX: usize = 8;

/// What happened to one file (a receipt's `files`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileAction {
    /// An import wrote a file that did not exist.
    Create,
    /// An import replaced a file (its previous bytes are kept as a
    /// pre-image).
    Replace,
    /// An undo removed a file an import had created.
    Remove,
    /// An undo put back the bytes an import had replaced.
    Restore,
}

/// One file a transaction wrote or took away, relative to the target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRecord {
    pub action: FileAction,
    /// `/`-separated, relative to the target.
    pub path: String,
    /// The file's content after an import (create, replace), the content
    /// removed (remove), or the content put back (restore).
    pub sha256: String,
    /// For `replace`: the SHA-256 of the pre-image, the bytes replaced
    /// (absent when what was replaced was not a regular file, a link).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before_sha256: Option<String>,
}

/// What happened to one asset of a live Marketo instance (a receipt's
/// `instance_assets`, spec 11).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RemoteAction {
    /// An import created it.
    Create,
    /// An import replaced its content (`overwrite`); the previous content
    /// is kept beside the receipt.
    Replace,
    /// An undo deleted it.
    Remove,
    /// An undo put its previous content back.
    Restore,
}

/// The kinds of asset an import writes into a live instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RemoteKind {
    Program,
    /// A My Token of a program (`id` is the program's).
    Token,
    Email,
    LandingPage,
    /// A local form (in a program).
    Form,
    SmartCampaign,
    EmailTemplate,
    LandingPageTemplate,
    /// A global form (in the design studio).
    ExternalForm,
    /// A file of Images and Files.
    Image,
}

impl RemoteKind {
    /// As the report spells asset kinds.
    pub fn as_str(self) -> &'static str {
        match self {
            RemoteKind::Program => "program",
            RemoteKind::Token => "token",
            RemoteKind::Email => "email",
            RemoteKind::LandingPage => "landing-page",
            RemoteKind::Form => "form",
            RemoteKind::SmartCampaign => "smart-campaign",
            RemoteKind::EmailTemplate => "email-template",
            RemoteKind::LandingPageTemplate => "landing-page-template",
            RemoteKind::ExternalForm => "external-form",
            RemoteKind::Image => "image",
        }
    }

    /// Can Marketo's API delete an asset of this kind? Not a file of
    /// Images and Files: there is no such call, so what an import
    /// uploaded stays after an undo or a rollback.
    pub fn deletable(self) -> bool {
        match self {
            RemoteKind::Image => false,
            RemoteKind::Program
            | RemoteKind::Token
            | RemoteKind::Email
            | RemoteKind::LandingPage
            | RemoteKind::Form
            | RemoteKind::SmartCampaign
            | RemoteKind::EmailTemplate
            | RemoteKind::LandingPageTemplate
            | RemoteKind::ExternalForm => true,
        }
    }
}

impl std::fmt::Display for RemoteKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One asset of a live instance an import created or replaced (or an
/// undo took away or put back).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteRecord {
    pub action: RemoteAction,
    /// Marketo's id (for a token, its program's).
    pub id: u64,
    pub kind: RemoteKind,
    /// Its name in the instance.
    pub name: String,
    /// The program (its name in the instance) it was written for.
    pub program: String,
    /// Marketo's `updatedAt` of it right after the import wrote it, for
    /// the design-studio assets (an undo refuses when it changed since).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub updated_at: String,
    /// For `replace`: where its previous content is kept, relative to the
    /// instance's state directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<String>,
    /// A token's Marketo type (a token is deleted by name and type).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_type: Option<String>,
}

/// `email "Invite" (id 1042)`: a record as messages name it.
impl std::fmt::Display for RemoteRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} \"{}\" (id {})", self.kind, self.name, self.id)
    }
}

/// The digests of the target before and after a transaction.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetState {
    pub before: String,
    pub after: String,
}

/// One row of a receipt's program, as far as the history needs it.
#[derive(Debug, Clone, Deserialize)]
pub struct ReceiptAsset {
    pub kind: String,
    pub action: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub result_name: String,
    #[serde(default)]
    pub reason: String,
}

/// One program of a receipt.
#[derive(Debug, Clone, Deserialize)]
pub struct ReceiptProgram {
    pub name: String,
    #[serde(default)]
    pub imported_as: Option<String>,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub assets: Vec<ReceiptAsset>,
}

impl ReceiptProgram {
    /// Its name in the target.
    pub fn target_name(&self) -> &str {
        self.imported_as.as_deref().unwrap_or(&self.name)
    }
}

/// A receipt as read back: the keys the history uses (the rest of the
/// report is left unread).
#[derive(Debug, Clone, Deserialize)]
pub struct Receipt {
    pub import_id: String,
    pub mode: String,
    #[serde(default)]
    pub sequence: u64,
    #[serde(default)]
    pub started_at: Option<String>,
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default)]
    pub mkimport_version: Option<String>,
    #[serde(default)]
    pub source: Option<String>,
    /// For an undo: the import it took back.
    #[serde(default)]
    pub undoes: Option<String>,
    #[serde(default)]
    pub programs: Vec<ReceiptProgram>,
    #[serde(default)]
    pub summary: Value,
    /// Absent in receipts written before undo existed: those imports
    /// cannot be undone.
    #[serde(default)]
    pub files: Option<Vec<FileRecord>>,
    /// Directories the import created (a program's directory, a
    /// design-studio directory the target lacked), parents first.
    #[serde(default)]
    pub created_dirs: Vec<String>,
    /// What an import into a live instance created and replaced there
    /// (absent for a directory target).
    #[serde(default)]
    pub instance_assets: Option<Vec<RemoteRecord>>,
    #[serde(default)]
    pub target_state: Option<TargetState>,
    /// Where it was read from, relative to the target (for messages).
    #[serde(skip)]
    pub file: String,
}

impl Receipt {
    pub fn is_undo(&self) -> bool {
        self.mode == UNDO
    }

    /// The programs it wrote (an import: those with status `ok`; an undo:
    /// those it removed).
    pub fn written_programs(&self) -> impl Iterator<Item = &ReceiptProgram> {
        let undo = self.is_undo();
        self.programs
            .iter()
            .filter(move |p| undo || p.status == "ok")
    }

    /// What the import's programs leave to be done by hand in a live
    /// instance (rows with action `manual`), in the receipt's order.
    pub fn manual(&self) -> Vec<Handwork<'_>> {
        self.written_programs()
            .flat_map(|p| {
                p.assets
                    .iter()
                    .filter(|a| a.action == "manual")
                    .map(move |a| Handwork {
                        program: p.target_name(),
                        kind: &a.kind,
                        name: &a.name,
                        reason: &a.reason,
                    })
            })
            .collect()
    }

    /// The design-studio assets and tags an import wrote: (report kind,
    /// name key) of every `create`, `rename` and `overwrite` row of its
    /// imported programs.
    pub fn written_assets(&self) -> BTreeSet<(String, String)> {
        self.written_programs()
            .flat_map(|p| &p.assets)
            .filter(|a| SHARED_KINDS.contains(&a.kind.as_str()))
            .filter(|a| matches!(a.action.as_str(), "create" | "rename" | "overwrite"))
            .map(|a| (a.kind.clone(), key(&a.result_name)))
            .collect()
    }
}

/// The kinds of asset one program can share with another: what a later
/// import can reuse.
pub const SHARED_KINDS: [&str; 5] = [
    "email-template",
    "landing-page-template",
    "image",
    "external-form",
    "tag",
];

/// A later import that relies on something an import wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dependent {
    pub import_id: String,
    pub program: String,
    pub kind: String,
    pub name: String,
}

/// Why an id given on the command line names no receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// Shorter than [`MIN_PREFIX`] (and not a whole id).
    TooShort,
    /// No receipt has it; the nearest ids, best first.
    Unknown(Vec<String>),
    /// Several receipts start with it.
    Ambiguous(Vec<String>),
}

/// The receipts of one target, oldest first.
#[derive(Debug, Clone, Default)]
pub struct History {
    pub receipts: Vec<Receipt>,
}

impl History {
    /// Order receipts as they happened: by `sequence`, then time, then id
    /// (receipts written before `sequence` existed count as 0).
    pub fn new(mut receipts: Vec<Receipt>) -> History {
        receipts.sort_by(|a, b| {
            (a.sequence, &a.started_at, &a.import_id).cmp(&(
                b.sequence,
                &b.started_at,
                &b.import_id,
            ))
        });
        History { receipts }
    }

    pub fn is_empty(&self) -> bool {
        self.receipts.is_empty()
    }

    /// The sequence number of the next receipt.
    pub fn next_sequence(&self) -> u64 {
        next_sequence(self.receipts.iter().map(|r| r.sequence))
    }

    fn position(&self, receipt: &Receipt) -> usize {
        self.receipts
            .iter()
            .position(|r| r.import_id == receipt.import_id)
            .unwrap_or(0)
    }

    /// The undo that took back `import`, when the latest word on it is an
    /// undo (an import landed again after its undo is current again).
    pub fn undone_by(&self, import: &Receipt) -> Option<&Receipt> {
        if import.is_undo() {
            return None;
        }
        self.receipts[self.position(import)..]
            .iter()
            .rev()
            .find(|r| r.is_undo() && r.undoes.as_deref() == Some(import.import_id.as_str()))
    }

    /// The receipt an id names: the whole id, or a prefix of at least
    /// [`MIN_PREFIX`] characters that only one id starts with.
    pub fn resolve(&self, given: &str) -> Result<&Receipt, Lookup> {
        let given = given.trim().to_ascii_lowercase();
        if let Some(exact) = self.receipts.iter().find(|r| r.import_id == given) {
            return Ok(exact);
        }
        if given.chars().count() < MIN_PREFIX {
            return Err(Lookup::TooShort);
        }
        let matches: Vec<&Receipt> = self
            .receipts
            .iter()
            .filter(|r| r.import_id.starts_with(&given))
            .collect();
        match matches.as_slice() {
            [one] => Ok(one),
            [] => Err(Lookup::Unknown(self.nearest(&given, 3))),
            many => {
                let mut ids: Vec<String> = many.iter().map(|r| r.import_id.clone()).collect();
                ids.sort();
                Err(Lookup::Ambiguous(ids))
            }
        }
    }

    /// The `n` ids nearest to `given`: the longest common prefix first,
    /// then the most similar.
    fn nearest(&self, given: &str, n: usize) -> Vec<String> {
        let mut scored: Vec<(usize, u32, &str)> = self
            .receipts
            .iter()
            .map(|r| {
                let id = r.import_id.as_str();
                let common = id
                    .chars()
                    .zip(given.chars())
                    .take_while(|(a, b)| a == b)
                    .count();
                let head: String = id.chars().take(given.chars().count()).collect();
                let ratio = similar::TextDiff::from_chars(given, head.as_str()).ratio();
                (common, (ratio * 1000.0) as u32, id)
            })
            .collect();
        scored.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)).then(a.2.cmp(b.2)));
        let mut ids: Vec<String> = scored
            .into_iter()
            .map(|(_, _, id)| id.to_string())
            .collect();
        ids.dedup();
        ids.truncate(n);
        ids
    }

    /// The later imports, not undone, that reused (action `reuse`) an
    /// asset or tag `import` created, renamed or overwrote: undoing it
    /// would pull that asset from under them.
    pub fn dependents(&self, import: &Receipt) -> Vec<Dependent> {
        let written = import.written_assets();
        if written.is_empty() {
            return Vec::new();
        }
        let mut out = Vec::new();
        for later in &self.receipts[self.position(import) + 1..] {
            if later.is_undo()
                || later.import_id == import.import_id
                || self.undone_by(later).is_some()
            {
                continue;
            }
            for program in later.written_programs() {
                for asset in &program.assets {
                    if asset.action == "reuse"
                        && written.contains(&(asset.kind.clone(), key(&asset.result_name)))
                    {
                        out.push(Dependent {
                            import_id: later.import_id.clone(),
                            program: program.target_name().to_string(),
                            kind: asset.kind.clone(),
                            name: asset.result_name.clone(),
                        });
                    }
                }
            }
        }
        out
    }
}

/// How to take back one import, worked out by its target (see
/// [`crate::targets::Target::plan_undo`]) before anything is written.
#[derive(Debug, Clone, Default)]
pub struct UndoPlan {
    /// The import taken back.
    pub undoes: String,
    /// Every file removed (action `remove`, with the SHA-256 the import
    /// wrote) and restored (action `restore`, with the SHA-256 of the
    /// pre-image), in the order they are taken back: programs first, then
    /// `subscription.json` and the design studio.
    pub files: Vec<FileRecord>,
    /// Directories the import created that go whole (a program's
    /// directory; a design-studio directory left empty), each with the
    /// files of `files` below it.
    pub removed_dirs: Vec<String>,
    /// For a live instance: the assets to delete (action `remove`, newest
    /// first) and the contents to put back (`restore`).
    pub remote: Vec<RemoteRecord>,
    /// Why it cannot be taken back: a file it wrote that changed since, or
    /// is gone, or a program directory holding files it did not write.
    /// Empty when the undo can go ahead.
    pub stale: Vec<String>,
    /// The target's digest now, and after the undo.
    pub target_state: TargetState,
}

impl UndoPlan {
    pub fn count(&self, action: FileAction) -> usize {
        self.files.iter().filter(|f| f.action == action).count()
    }
}

/// The id of an undo: a digest of the import it takes back and of the
/// target's state it starts from (like an import id, content-derived).
pub fn undo_id(undoes: &str, target_before: &str) -> String {
    let text = format!("undo\0{undoes}\0{target_before}");
    crate::digest::sha256_hex(text.as_bytes())[..20].to_string()
}

/// When, by whom and with which mkimport a transaction was made, and its
/// place in the target's history: the keys every receipt carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    /// UTC, RFC 3339.
    pub started_at: String,
    pub user: Option<String>,
    pub mkimport_version: String,
    pub sequence: u64,
}

impl Stamp {
    /// A stamp taken now.
    pub fn now(acting_user: Option<&str>, sequence: u64) -> Stamp {
        Stamp {
            started_at: now_rfc3339(),
            user: recorded_user(acting_user),
            mkimport_version: VERSION.to_string(),
            sequence,
        }
    }
}

/// One more than the highest of `sequences` (1 for the first receipt).
pub fn next_sequence(sequences: impl Iterator<Item = u64>) -> u64 {
    sequences.max().unwrap_or(0) + 1
}

/// Who did it, for a receipt: the acting user (`--user`, `MKIMPORT_USER`)
/// when there is one, else the account running mkimport (`USER`,
/// `LOGNAME`, `USERNAME`).
pub fn recorded_user(acting: Option<&str>) -> Option<String> {
    acting
        .map(str::to_string)
        .or_else(|| {
            ["USER", "LOGNAME", "USERNAME"]
                .iter()
                .find_map(|var| std::env::var(var).ok())
        })
        .filter(|u| !u.trim().is_empty())
}

/// This mkimport's version, for receipts.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Now, in UTC, as RFC 3339 with whole seconds ("2026-05-01T09:30:00Z").
pub fn now_rfc3339() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    rfc3339(secs)
}

/// Seconds since the Unix epoch as RFC 3339 in UTC.
pub fn rfc3339(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rest = secs % 86_400;
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Howard
/// Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn receipt(id: &str, mode: &str, sequence: u64, undoes: Option<&str>) -> Receipt {
        Receipt {
            import_id: id.to_string(),
            mode: mode.to_string(),
            sequence,
            started_at: None,
            user: None,
            mkimport_version: None,
            source: None,
            undoes: undoes.map(str::to_string),
            programs: Vec::new(),
            summary: Value::Null,
            files: Some(Vec::new()),
            created_dirs: Vec::new(),
            instance_assets: None,
            target_state: None,
            file: format!("{id}.json"),
        }
    }

    fn with_rows(mut r: Receipt, rows: &[(&str, &str, &str)]) -> Receipt {
        r.programs.push(ReceiptProgram {
            name: format!("program of {}", r.import_id),
            imported_as: None,
            status: "ok".to_string(),
            assets: rows
                .iter()
                .map(|(kind, action, name)| ReceiptAsset {
                    kind: kind.to_string(),
                    action: action.to_string(),
                    name: name.to_string(),
                    result_name: name.to_string(),
                    reason: String::new(),
                })
                .collect(),
        });
        r
    }

    #[test]
    fn rfc3339_formats_utc_dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_780_000_000), "2026-05-28T20:26:40Z");
        assert_eq!(rfc3339(4_107_542_399), "2100-02-28T23:59:59Z");
    }

    #[test]
    fn undone_follows_the_order_of_receipts() {
        let a = "aaaaaaaaaa1111111111";
        let u = "bbbbbbbbbb2222222222";
        // Imported, undone.
        let history = History::new(vec![receipt(u, UNDO, 2, Some(a)), receipt(a, RUN, 1, None)]);
        let import = history.resolve(a).expect("known");
        assert_eq!(
            history.undone_by(import).map(|r| r.import_id.as_str()),
            Some(u)
        );
        // Imported again after the undo (same id, later sequence).
        let history = History::new(vec![receipt(u, UNDO, 2, Some(a)), receipt(a, RUN, 3, None)]);
        let import = history.resolve(a).expect("known");
        assert!(history.undone_by(import).is_none());
    }

    #[test]
    fn prefixes_resolve_when_long_and_unique() {
        let history = History::new(vec![
            receipt("0123456789abcdef0123", RUN, 1, None),
            receipt("0123456789ffffffffff", RUN, 2, None),
            receipt("fedcba98765432100000", RUN, 3, None),
        ]);
        assert_eq!(history.resolve("fedcba98").map(|r| r.sequence), Ok(3));
        assert_eq!(history.resolve("fedcba9").err(), Some(Lookup::TooShort));
        assert_eq!(
            history.resolve("0123456789").err(),
            Some(Lookup::Ambiguous(vec![
                "0123456789abcdef0123".to_string(),
                "0123456789ffffffffff".to_string()
            ]))
        );
        match history.resolve("0123456780") {
            Err(Lookup::Unknown(nearest)) => {
                assert_eq!(nearest.len(), 3);
                assert!(nearest[0].starts_with("012345678"), "{nearest:?}");
                assert_eq!(nearest[2], "fedcba98765432100000");
            }
            other => panic!("expected unknown, got {other:?}"),
        }
    }

    #[test]
    fn later_imports_reusing_what_an_import_wrote_depend_on_it() {
        let first = with_rows(
            receipt("11111111111111111111", RUN, 1, None),
            &[
                ("email-template", "create", "Shared"),
                ("landing-page-template", "reuse", "Other"),
                ("tag", "create", "Region: APAC"),
                ("email", "create", "Invite"),
            ],
        );
        let reuser = with_rows(
            receipt("22222222222222222222", RUN, 2, None),
            &[
                ("email-template", "reuse", "shared "),
                ("landing-page-template", "reuse", "Other"),
                ("tag", "reuse", "Region: APAC"),
            ],
        );
        let undone = with_rows(
            receipt("33333333333333333333", RUN, 3, None),
            &[("email-template", "reuse", "Shared")],
        );
        let undo = receipt(
            "44444444444444444444",
            UNDO,
            4,
            Some("33333333333333333333"),
        );
        let history = History::new(vec![first, reuser, undone, undo]);
        let import = history.resolve("1111111111").expect("known");
        let deps = history.dependents(import);
        let found: Vec<(&str, &str)> = deps
            .iter()
            .map(|d| (d.import_id.as_str(), d.kind.as_str()))
            .collect();
        assert_eq!(
            found,
            vec![
                ("22222222222222222222", "email-template"),
                ("22222222222222222222", "tag")
            ]
        );
    }
}
