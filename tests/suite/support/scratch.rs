//! The scratch area of the hostile-input tests: a target, a source
//! directory and "outside" files a hostile bundle might aim at, and the
//! proof that a refused command wrote nothing anywhere.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use tempfile::TempDir;

use super::*;

/// Is the test process root (for whom chmod 000 does not stop reading)?
pub fn can_read_anything(probe: &Path) -> bool {
    fs::read(probe).is_ok()
}

// ---------------------------------------------------------------------
// The scratch area

/// A temporary directory holding `target/` (a subscription), `src/` (where
/// bundles go) and `outside/` (files a hostile bundle might aim at).
pub struct Scratch {
    dir: TempDir,
}

impl Scratch {
    /// A target with `subscription.json` (only the required keys), the
    /// campaign folder `Inbox`, one email template and one image.
    pub fn new() -> Scratch {
        let dir = tempfile::Builder::new()
            .prefix("mkimport-hostile-")
            .tempdir()
            .expect("tempdir");
        let s = Scratch { dir };
        s.target_file(
            "subscription.json",
            pretty(&json!({"format": 1, "name": "Hostile Target"})),
        );
        s.target_file(
            "marketing-activities/Inbox/folder.json",
            pretty(&json!({"tokens": []})),
        );
        s.target_file(
            "design-studio/email-templates/standard-email.json",
            pretty(&json!({"name": "Standard Email", "html": "<p>standard</p>"})),
        );
        s.target_file("design-studio/images/logo.png", image_bytes("logo"));
        fs::create_dir_all(s.src()).expect("mkdir src");
        write_file(&s.outside(), "secret.txt", SECRET);
        s
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }
    pub fn target(&self) -> PathBuf {
        self.root().join("target")
    }
    pub fn src(&self) -> PathBuf {
        self.root().join("src")
    }
    pub fn outside(&self) -> PathBuf {
        self.root().join("outside")
    }

    pub fn target_file(&self, rel: &str, bytes: impl AsRef<[u8]>) {
        write_file(&self.target(), rel, bytes);
    }

    /// The target's tree (without `.mkimport/`).
    pub fn target_snapshot(&self) -> Snapshot {
        snapshot(&self.target())
    }

    /// Everything in the scratch area but the target: what must never be
    /// written.
    pub fn outside_snapshot(&self) -> Snapshot {
        snapshot_except(self.root(), &["target"])
    }

    /// Both snapshots, to compare after a command that must write nothing.
    pub fn freeze(&self) -> Frozen {
        Frozen {
            target: self.target_snapshot(),
            rest: self.outside_snapshot(),
        }
    }
}

/// Content planted outside the target, which must never show up inside it.
pub const SECRET: &str = "TOP-SECRET-CONTENT: root:x:0:0:root:/root:/bin/bash\n";

/// Does any file of the target (outside `.mkimport/`) contain the secret?
pub fn target_holds_secret(target: &Path) -> bool {
    snapshot(target).values().any(|node| match node {
        Node::File { bytes, .. } => bytes.windows(SECRET.len()).any(|w| w == SECRET.as_bytes()),
        _ => false,
    })
}

pub struct Frozen {
    target: Snapshot,
    rest: Snapshot,
}

impl Frozen {
    /// Nothing changed: not the target (outside `.mkimport/`), not the rest.
    #[track_caller]
    pub fn assert_unchanged(&self, scratch: &Scratch) {
        assert_same_tree(&self.target, &scratch.target_snapshot(), "the target");
        assert_same_tree(&self.rest, &scratch.outside_snapshot(), "the scratch area");
    }

    /// Nothing changed outside the target.
    #[track_caller]
    pub fn assert_outside_unchanged(&self, scratch: &Scratch) {
        assert_same_tree(&self.rest, &scratch.outside_snapshot(), "the scratch area");
    }
}

/// Preview and run a hostile source: both exit 1 (bad input), both name the
/// bundle and every `needles` on standard error, and nothing is written.
/// Returns the preview's report.
#[track_caller]
pub fn refused(scratch: &Scratch, bundle: &Path, needles: &[&str], extra: &[&str]) -> Value {
    let frozen = scratch.freeze();
    let label = shown(bundle);
    let mut all = vec![label.as_str()];
    all.extend_from_slice(needles);

    let out = preview(bundle, &scratch.target(), extra);
    out.expect_code(1).stderr_has(&all);
    let report = out.json().clone();
    assert_bad_input(&report, bundle, needles);
    frozen.assert_unchanged(scratch);

    let out = run_into(bundle, &scratch.target(), extra);
    out.expect_code(1).stderr_has(&all);
    assert_bad_input(out.json(), bundle, needles);
    frozen.assert_unchanged(scratch);
    assert!(
        !has_receipts(&scratch.target()),
        "a receipt was written for a refused run"
    );
    report
}
