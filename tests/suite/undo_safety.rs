//! `mkimport undo` survives being killed at any moment: the next `undo`,
//! `run` or `log` on the target finishes it (the same journal recovery as
//! a run), and the target ends up exactly as before the import.

use std::fs;
use std::path::Path;
use std::time::Duration;

use crate::support::*;

const BUNDLES: usize = 300;

/// What finishes the interrupted undo.
#[derive(Debug, Clone, Copy)]
enum Next {
    Undo,
    /// A run of the same source into a folder that does not exist: it
    /// recovers first, then plans.
    Run,
    Log,
}

/// What a killed undo may leave: whole programs only (a program's
/// directory goes in one rename), and whole JSON files.
fn check_consistent(target: &Path, ctx: &str) {
    for entry in fs::read_dir(target.join("marketing-activities/Imports")).expect("Imports") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            assert!(
                path.join("program.json").is_file(),
                "{ctx}: half a program: {}",
                path.display()
            );
        }
    }
    assert_whole_json(target, ctx);
}

/// SIGKILL an undo of a 300-program import at many moments; the next
/// `undo`, `run` or `log` finishes it, and the tree equals the snapshot
/// taken before the import.
#[test]
fn killed_undo_is_finished_by_the_next_undo_run_or_log() {
    let work = crash_dir();
    let src = work.path().join("source");
    generate_bundles(&src, BUNDLES);
    let pristine = work.path().join("pristine");
    minimal_target(&pristine);
    let before = snapshot(&pristine);

    let imported = work.path().join("imported");
    copy_dir(&pristine, &imported);
    let out = run_into(&src, &imported, &[]);
    out.expect_code(0);
    let id = out.json()["import_id"]
        .as_str()
        .expect("import id")
        .to_string();
    assert_eq!(import_dirs(&imported), BUNDLES);

    let moments = [
        (KillAt::After(Duration::from_millis(5)), Next::Undo),
        (KillAt::After(Duration::from_millis(30)), Next::Run),
        (KillAt::Staging, Next::Log),
        (KillAt::Journal, Next::Undo),
        (KillAt::Journal, Next::Run),
        (KillAt::ProgramsLeft(290), Next::Log),
        (KillAt::ProgramsLeft(150), Next::Undo),
        (KillAt::ProgramsLeft(150), Next::Run),
        (KillAt::ProgramsLeft(10), Next::Log),
    ];
    let mut mid_moves = 0;
    for (i, (when, next)) in moments.into_iter().enumerate() {
        let ctx = format!("kill at {when:?}, then {next:?}");
        let target = work.path().join(format!("target-{i}"));
        copy_dir(&imported, &target);
        let running = kill_at(
            &["undo", &id, "--to", p(&target), "--yes", "--json"],
            &target,
            when,
        );
        let journal = target.join(STATE).join("journal.json").exists();
        let left = import_dirs(&target);
        eprintln!("{ctx}: running {running}, journal {journal}, {left} programs left");
        mid_moves += usize::from(running && journal && left > 0 && left < BUNDLES);
        // Once its journal was written, the undo is bound to land: the
        // next command finishes it (or it had finished, all but cleaning
        // its staging area, when the journal is gone and programs too).
        let bound = journal || left < BUNDLES;
        check_consistent(&target, &ctx);

        let out = match next {
            Next::Undo => run(&["undo", &id, "--to", p(&target), "--yes", "--json"]),
            Next::Run => run(&[
                "run",
                "--from",
                p(&src),
                "--to",
                p(&target),
                "--folder",
                "No Such Folder",
                "--yes",
                "--json",
            ]),
            Next::Log => run(&["log", "--to", p(&target), "--json"]),
        };
        match next {
            // The import taken back: every program is new again, and
            // blocked by the missing folder. Not taken back: every program
            // is unchanged (a new receipt, no file changed).
            Next::Run if bound => out.expect_code(3),
            Next::Run | Next::Undo | Next::Log => out.expect_code(0),
        };
        assert!(
            !target.join(STATE).join("journal.json").exists(),
            "{ctx}: the journal is still there"
        );
        if bound || matches!(next, Next::Undo) {
            // The undo was bound to land (or was done again): finished.
            assert_same_tree(&before, &snapshot(&target), &ctx);
        } else {
            check_consistent(&target, &ctx);
        }
        // Whatever happened, one more undo leaves the target as before the
        // import, and the log shows the import undone.
        run(&["undo", &id, "--to", p(&target), "--yes", "--json"]).expect_code(0);
        assert_same_tree(&before, &snapshot(&target), &format!("{ctx}, undo"));
        assert!(
            !target.join(STATE).join("staging").exists(),
            "{ctx}: staging left behind"
        );
        let log = run(&["log", "--to", p(&target), "--json"]);
        log.expect_code(0);
        let log = log.json();
        let entry = log["imports"]
            .as_array()
            .expect("imports")
            .iter()
            .find(|e| e["import_id"] == id.as_str())
            .cloned()
            .expect("the import is listed");
        assert_eq!(entry["undone"], true, "{ctx}");
        let undos = log["imports"]
            .as_array()
            .expect("imports")
            .iter()
            .filter(|e| e["mode"] == "undo")
            .count();
        assert_eq!(undos, 1, "{ctx}: one undo receipt");
        fs::remove_dir_all(&target).ok();
    }
    assert!(
        mid_moves > 0,
        "no kill landed while programs were being removed"
    );
}
