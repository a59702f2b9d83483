//! `mkimport run` refuses when it must, never interleaves two runs, and
//! survives being killed at any moment.

use std::collections::BTreeSet;
use std::fs::{self, OpenOptions};
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tempfile::TempDir;

use crate::support::*;

// ---------------------------------------------------------------------
// Refusals

/// A blocked program refuses the whole run (exit 3) and nothing is written.
#[test]
fn blocked_programs_refuse_the_whole_run() {
    let (_guard, target) = copy_fixture("production");
    let before = snapshot(&target);
    let out = run(&[
        "run",
        "--from",
        &sandbox(),
        "--to",
        p(&target),
        "--user",
        OPS,
        "--yes",
        "--json",
    ]);
    out.expect_code(3);
    let report = out.json();
    assert_eq!(report["summary"]["blocked"], 3);
    assert!(
        report["import_id"].is_null(),
        "a refused run has no import id: {}",
        report["import_id"]
    );
    assert!(
        out.stderr.contains("--skip-blocked"),
        "stderr should suggest --skip-blocked: {}",
        out.stderr
    );
    assert_same_tree(&before, &snapshot(&target), "refused run");
    let imports = target.join(STATE).join("imports");
    assert!(
        !imports.exists() || fs::read_dir(&imports).expect("read").next().is_none(),
        "a refused run wrote a receipt"
    );
}

/// Without a terminal and without `--yes`, run refuses (exit 2) and writes
/// nothing at all, not even its state directory.
#[test]
fn run_without_yes_and_without_terminal_refuses() {
    let (_guard, target) = copy_fixture("production");
    let before = snapshot(&target);
    let source = sandbox();
    for json in [false, true] {
        let mut args = vec![
            "run",
            "--from",
            &source,
            "--to",
            p(&target),
            "--user",
            OPS,
            "--skip-blocked",
        ];
        if json {
            args.push("--json");
        }
        let out = run(&args);
        out.expect_code(2);
        assert!(
            out.stderr.contains("--yes"),
            "stderr should mention --yes: {}",
            out.stderr
        );
        assert_same_tree(&before, &snapshot(&target), "run without --yes");
        assert!(
            !target.join(STATE).exists(),
            "run without --yes created {STATE}"
        );
    }
}

/// A corrupt zip among the bundles: exit 1, the error names it, nothing is
/// written, even with --skip-blocked.
#[test]
fn corrupt_zip_in_source_writes_nothing() {
    let src = TempDir::new().expect("temp dir");
    generate_bundles(src.path(), 2);
    write_file(
        src.path(),
        "broken.zip",
        b"PK\x03\x04 this is not really a zip",
    );
    let target_dir = TempDir::new().expect("temp dir");
    let target = target_dir.path().join("target");
    minimal_target(&target);
    let before = snapshot(&target);
    for skip in [false, true] {
        let mut args = vec![
            "run",
            "--from",
            p(src.path()),
            "--to",
            p(&target),
            "--yes",
            "--json",
        ];
        if skip {
            args.push("--skip-blocked");
        }
        let out = run(&args);
        out.expect_code(1);
        assert!(
            out.stderr.contains("broken.zip"),
            "stderr should name the bad bundle: {}",
            out.stderr
        );
        let report = out.json();
        assert!(report["import_id"].is_null());
        assert_same_tree(&before, &snapshot(&target), "run with a corrupt bundle");
    }
}

// ---------------------------------------------------------------------
// Names cannot escape the target

/// The files of one bundle whose program and asset names try to climb out
/// of the target with `..` and separators.
fn escaping_bundle() -> Vec<(String, Vec<u8>)> {
    let program = json!({
        "format": 1,
        "exported_from": "Escape Sandbox",
        "program": {"name": "../../../Escape", "folder": "Imports"},
        "emails": [{"name": "E", "template": "../../../../evil-template", "html": "x"}],
        "landing_pages": [{
            "name": "L", "template": "..\\..\\..\\lp", "html": "y",
            "forms": ["../../form"],
        }],
    });
    let doc = |v: Value| serde_json::to_vec_pretty(&v).expect("serialise");
    vec![
        ("program.json".to_string(), doc(program)),
        (
            "external/email-templates/e.json".to_string(),
            doc(json!({"name": "../../../../evil-template", "html": "e"})),
        ),
        (
            "external/landing-page-templates/l.json".to_string(),
            doc(json!({"name": "..\\..\\..\\lp", "html": "l"})),
        ),
        (
            "external/forms/f.json".to_string(),
            doc(json!({"name": "../../form", "fields": ["Email Address"]})),
        ),
    ]
}

/// `..` and separators in program and asset names are made safe in file
/// names: everything lands inside the target, nothing beside it.
#[test]
fn names_with_dot_dot_and_separators_stay_inside_the_target() {
    for as_zip in [false, true] {
        let work = TempDir::new().expect("temp dir");
        // Source and target sit deep enough that `../../..` from any
        // design-studio or program directory is still inside `work`.
        let base = work.path().join("a/b/c/d");
        let src = base.join("source");
        if as_zip {
            fs::create_dir_all(&src).expect("mkdir");
            write_zip(&src.join("escape.zip"), &escaping_bundle());
        } else {
            for (rel, bytes) in escaping_bundle() {
                write_file(&src.join("escape"), &rel, bytes);
            }
        }
        let target = base.join("target");
        minimal_target(&target);
        let outside_before: Vec<String> = all_files(work.path())
            .into_iter()
            .filter(|f| !f.starts_with("a/b/c/d/target/"))
            .collect();

        let out = run_into(&src, &target, &[]);
        out.expect_code(0);
        let report = out.json();
        assert_eq!(report["summary"]["ok"], 1, "zip: {as_zip}");

        let outside_after: Vec<String> = all_files(work.path())
            .into_iter()
            .filter(|f| !f.starts_with("a/b/c/d/target/"))
            .collect();
        assert_eq!(
            outside_before, outside_after,
            "zip {as_zip}: wrote outside the target"
        );
        for rel in all_files(&target) {
            let parts: Vec<&str> = rel.split('/').collect();
            assert!(
                !parts.iter().any(|p| *p == ".." || p.is_empty()),
                "zip {as_zip}: unsafe path {rel}"
            );
            let ok = rel == "subscription.json"
                || rel == "marketing-activities/Imports/folder.json"
                || rel.starts_with(&format!("{STATE}/"))
                || (parts.len() == 3 && parts[0] == "design-studio")
                || (parts.len() == 4 && parts[..2] == ["marketing-activities", "Imports"]);
            assert!(ok, "zip {as_zip}: unexpected file {rel}");
        }
        let (_, program) = program_named(&target, "../../../Escape");
        assert_eq!(
            program["emails"][0]["template"], "../../../../evil-template",
            "the name itself is kept"
        );
        assert_eq!(
            design_names(&target, "email-templates"),
            vec!["../../../../evil-template".to_string()]
        );
        assert_eq!(
            design_names(&target, "forms"),
            vec!["../../form".to_string()]
        );
    }
}

// ---------------------------------------------------------------------
// The lock

/// While another process holds the target's lock, run fails at once
/// (exit 1) naming the lock; once released, the run succeeds.
#[test]
fn a_held_lock_makes_run_fail_fast() {
    let (_guard, target) = copy_fixture("production");
    fs::create_dir_all(target.join(STATE)).expect("state dir");
    let lock_path = target.join(STATE).join("lock");
    let lock = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .expect("open the lock file");
    lock.try_lock().expect("take the lock");
    let before = snapshot(&target);

    let started = Instant::now();
    let out = run_sandbox(&target, &[]);
    let elapsed = started.elapsed();
    out.expect_code(1);
    assert!(
        out.stderr.contains(".mkimport/lock"),
        "stderr should name .mkimport/lock: {}",
        out.stderr
    );
    assert!(
        elapsed < Duration::from_secs(10),
        "run waited for the lock ({elapsed:?}) instead of failing at once"
    );
    assert!(out.stdout.trim().is_empty() || out.json()["import_id"].is_null());
    assert_same_tree(&before, &snapshot(&target), "run while locked");

    lock.unlock().expect("release the lock");
    drop(lock);
    let out = run_sandbox(&target, &[]);
    out.expect_code(4); // partial: some imported, some blocked (spec 5a)
    assert_eq!(out.json()["summary"]["ok"], 3);
}

// ---------------------------------------------------------------------
// Crash safety

const BUNDLES: usize = 300;

/// `run --yes --json` of `src` into `target`, killed at `when`. Returns
/// whether it was still running when killed.
fn run_and_kill(src: &Path, target: &Path, when: KillAt) -> bool {
    kill_at(
        &[
            "run",
            "--from",
            p(src),
            "--to",
            p(target),
            "--yes",
            "--json",
        ],
        target,
        when,
    )
}

/// What a killed run may leave: only whole files and whole programs.
fn check_consistent(target: &Path, when: KillAt) {
    let ctx = format!("after a kill at {when:?}");
    for rel in all_files(target) {
        let name = rel.rsplit('/').next().unwrap_or("");
        if !rel.starts_with(&format!("{STATE}/")) {
            assert!(
                !name.starts_with(".mkimport-tmp"),
                "{ctx}: temporary file left outside {STATE}: {rel}"
            );
        }
    }
    assert_whole_json(target, &ctx);

    let email_templates: BTreeSet<String> = design_names(target, "email-templates")
        .into_iter()
        .collect();
    let page_templates: BTreeSet<String> = design_names(target, "landing-page-templates")
        .into_iter()
        .collect();
    let images: BTreeSet<String> = fs::read_dir(target.join("design-studio/images"))
        .map(|d| {
            d.map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();

    let imports = target.join("marketing-activities/Imports");
    for entry in fs::read_dir(&imports).expect("the Imports folder stays") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        if path.is_file() {
            assert_eq!(name, "folder.json", "{ctx}: stray file in Imports");
            continue;
        }
        let program_json = path.join("program.json");
        assert!(
            program_json.is_file(),
            "{ctx}: half a program: {} has no program.json",
            path.display()
        );
        let program = read_json(&program_json);
        let pname = program["program"]["name"].as_str().unwrap_or("?");
        assert!(
            program["imported"]["import_id"].is_string(),
            "{ctx}: {pname} has no imported record"
        );
        // A program appears only after the assets it uses.
        for email in program["emails"].as_array().expect("emails") {
            let t = email["template"].as_str().expect("template");
            assert!(
                email_templates.contains(t),
                "{ctx}: {pname} landed before its email template {t}"
            );
        }
        for page in program["landing_pages"].as_array().expect("pages") {
            let t = page["template"].as_str().expect("template");
            assert!(
                page_templates.contains(t),
                "{ctx}: {pname} landed before its landing page template {t}"
            );
            for image in page["images"].as_array().expect("images") {
                let image = image.as_str().expect("image");
                assert!(
                    images.contains(image),
                    "{ctx}: {pname} landed before its image {image}"
                );
            }
        }
    }
}

/// After the completing run: every bundle imported exactly once, and the
/// shared template exactly once.
fn check_complete(target: &Path, when: KillAt) {
    let ctx = format!("after a kill at {when:?} and a new run");
    let stored = programs(target);
    let names: Vec<String> = stored
        .iter()
        .filter(|(rel, _)| rel.starts_with("marketing-activities/Imports/"))
        .map(|(_, v)| v["program"]["name"].as_str().expect("name").to_string())
        .collect();
    assert_eq!(names.len(), BUNDLES, "{ctx}: program count");
    let distinct: BTreeSet<String> = names.iter().cloned().collect();
    let expected: BTreeSet<String> = (0..BUNDLES).map(generated_name).collect();
    assert_eq!(distinct, expected, "{ctx}: program names (duplicates?)");

    let shared: Vec<String> = design_names(target, "email-templates")
        .into_iter()
        .filter(|n| n.starts_with(SHARED_TEMPLATE))
        .collect();
    assert_eq!(
        shared,
        vec![SHARED_TEMPLATE.to_string()],
        "{ctx}: the shared template must exist exactly once"
    );
    let pages = design_names(target, "landing-page-templates");
    assert_eq!(pages.len(), BUNDLES, "{ctx}: landing page templates");
    let images = fs::read_dir(target.join("design-studio/images"))
        .expect("images")
        .count();
    assert_eq!(images, BUNDLES, "{ctx}: images");
    assert!(
        !target.join(STATE).join("journal.json").exists(),
        "{ctx}: journal left behind"
    );
    check_consistent(target, when);
}

/// SIGKILL a run of 300 bundles at many moments: the target is always
/// consistent (whole files, whole programs, assets before programs), and
/// the next run completes the import with exactly one copy of everything.
#[test]
fn killed_run_leaves_no_half_program_and_next_run_completes() {
    let work = crash_dir();
    let src = work.path().join("source");
    generate_bundles(&src, BUNDLES);

    // What an uninterrupted run writes: every interrupted-then-completed
    // target must end up byte-identical to it.
    let reference = work.path().join("reference");
    minimal_target(&reference);
    run_into(&src, &reference, &[]).expect_code(0);
    check_complete(&reference, KillAt::After(Duration::ZERO));
    let expected = snapshot(&reference);

    let mut moments: Vec<KillAt> = [5u64, 20, 50, 100, 200]
        .iter()
        .map(|ms| KillAt::After(Duration::from_millis(*ms)))
        .collect();
    moments.extend([KillAt::Staging, KillAt::Journal]);
    moments.extend([1, 100, 250].iter().map(|n| KillAt::Programs(*n)));

    let mut interrupted = 0;
    let mut mid_apply = 0;
    for (i, when) in moments.into_iter().enumerate() {
        let target = work.path().join(format!("target-{i}"));
        minimal_target(&target);
        let was_running = run_and_kill(&src, &target, when);
        let landed = import_dirs(&target);
        interrupted += usize::from(was_running);
        mid_apply += usize::from(was_running && landed > 0 && landed < BUNDLES);
        let journal = target.join(STATE).join("journal.json").exists();
        eprintln!(
            "kill at {when:?}: running {was_running}, journal {journal}, {landed} programs landed"
        );
        check_consistent(&target, when);

        let out = run_into(&src, &target, &[]);
        out.expect_code(0);
        let summary = &out.json()["summary"];
        assert_eq!(
            summary["ok"].as_u64().unwrap_or(0) + summary["unchanged"].as_u64().unwrap_or(0),
            BUNDLES as u64,
            "after a kill at {when:?} (running: {was_running}, {landed} programs had landed): {summary}"
        );
        check_complete(&target, when);
        assert_same_tree(
            &expected,
            &snapshot(&target),
            &format!("after a kill at {when:?} and a new run, compared with an uninterrupted run"),
        );
        fs::remove_dir_all(&target).ok();
    }
    assert!(interrupted > 0, "no run was killed while running");
    assert!(
        mid_apply > 0,
        "no kill landed while programs were being moved into place"
    );
}

/// Two real runs on one target never interleave: while one is applying,
/// a second fails at once naming the lock, and the first completes whole.
#[test]
fn a_second_run_during_a_run_fails_on_the_lock() {
    let work = crash_dir();
    let src = work.path().join("source");
    generate_bundles(&src, BUNDLES);
    let target = work.path().join("target");
    minimal_target(&target);

    let mut first = start(&[
        "run",
        "--from",
        p(&src),
        "--to",
        p(&target),
        "--yes",
        "--json",
    ]);
    let started = Instant::now();
    while !target.join(STATE).join("staging").exists()
        && first.try_wait().expect("try_wait").is_none()
        && started.elapsed() < Duration::from_secs(60)
    {
        std::thread::sleep(Duration::from_micros(100));
    }
    let second = run_into(&src, &target, &[]);
    let first_still_running = first.try_wait().expect("try_wait").is_none();
    let status = first.wait().expect("wait");
    assert!(status.success(), "the first run failed: {status}");
    if first_still_running {
        second.expect_code(1);
        assert!(
            second.stderr.contains(".mkimport/lock"),
            "stderr should name the lock: {}",
            second.stderr
        );
    } else {
        eprintln!("the first run finished before the second; lock not exercised");
    }
    check_complete(&target, KillAt::After(Duration::ZERO));
}

/// A run killed while it finishes an earlier interrupted run (recovery)
/// is itself recovered by the next one.
#[test]
fn a_run_killed_during_recovery_is_recovered_too() {
    let work = crash_dir();
    let src = work.path().join("source");
    generate_bundles(&src, BUNDLES);
    for (i, second_kill) in [
        KillAt::After(Duration::from_millis(3)),
        KillAt::Programs(200),
    ]
    .into_iter()
    .enumerate()
    {
        let target = work.path().join(format!("target-{i}"));
        minimal_target(&target);
        run_and_kill(&src, &target, KillAt::Programs(40));
        check_consistent(&target, KillAt::Programs(40));
        let journal = target.join(STATE).join("journal.json");
        let pending = journal.exists();
        let before = import_dirs(&target);
        let running = run_and_kill(&src, &target, second_kill);
        eprintln!(
            "journal before the second run: {pending}; killed while running: {running}; \
             programs {before} -> {}; journal after: {}",
            import_dirs(&target),
            journal.exists()
        );
        check_consistent(&target, second_kill);
        let out = run_into(&src, &target, &[]);
        out.expect_code(0);
        check_complete(&target, second_kill);
    }
}
