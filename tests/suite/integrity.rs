//! Regression tests of issue 9 (integrity defects): a stale saved plan
//! that applied, panics on a closed or full standard output, I/O errors
//! without a file name, staging left behind by a failed run, import ids
//! that followed the spelling of the source path, lost permissions.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command as StdCommand, Stdio};

use serde_json::{json, Value};
use tempfile::TempDir;

use crate::support::*;

/// A bundle directory holding one program with one email that uses the
/// external email template `template`.
fn bundle(root: &Path, name: &str, template: &str) {
    let dir = root.join(name);
    write_json(
        &dir,
        "program.json",
        &json!({
            "format": 1, "exported_from": "Crash Sandbox",
            "program": {"name": name, "type": "default", "folder": "Imports"},
            "emails": [{"name": "Invite", "template": template, "html": "<p>hi</p>"}],
        }),
    );
    write_json(
        &dir,
        "external/email-templates/t.json",
        &json!({"name": template, "html": format!("<html>{template} from the bundle</html>")}),
    );
}

/// A target and a source of two bundles, Alpha and Bravo, each with its
/// own email template.
fn alpha_bravo() -> (TempDir, std::path::PathBuf, std::path::PathBuf) {
    let work = TempDir::new().unwrap();
    let target = work.path().join("target");
    let source = work.path().join("source");
    minimal_target(&target);
    bundle(&source, "Alpha", "Alpha Email");
    bundle(&source, "Bravo", "Bravo Email");
    (work, target, source)
}

/// Issue 9.1: a plan whose target changed by another import and a file
/// added by hand is refused, not applied with a `reuse` it never planned.
#[test]
fn a_plan_is_stale_once_another_import_changed_the_target() {
    let (work, target, source) = alpha_bravo();
    let plan = work.path().join("plan.json");
    let saved = save_plan(&source, &target, &plan, &[]);
    saved.expect_code(0);
    let bravo = saved.program("Bravo");
    let row = bravo["assets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "Bravo Email")
        .expect("a row for Bravo Email");
    assert_eq!(row["action"], "create");

    // By hand: a template of the same name; then Alpha alone.
    write_json(
        &target,
        "design-studio/email-templates/bravo-by-hand.json",
        &json!({"name": "Bravo Email", "html": "<html>made by hand</html>"}),
    );
    run(&[
        "run",
        "--from",
        p(&source),
        "--to",
        p(&target),
        "--program",
        "Alpha",
        "--yes",
        "--json",
    ])
    .expect_code(0);
    let before = snapshot(&target);

    let out = run(&["run", "--plan", p(&plan), "--yes", "--json"]);
    out.expect_code(3);
    assert!(has_problem(out.json(), "stale-plan"), "{}", out.stdout);
    assert_same_tree(&before, &snapshot(&target), "a refused stale plan");
}

/// Issue 9.1, the other side: a plan that landed runs again as
/// `unchanged`, but not once the target changed after it landed.
#[test]
fn a_landed_plan_is_unchanged_until_the_target_changes() {
    let (work, target, source) = alpha_bravo();
    let plan = work.path().join("plan.json");
    save_plan(&source, &target, &plan, &[]).expect_code(0);
    run(&["run", "--plan", p(&plan), "--yes", "--json"]).expect_code(0);

    let again = run(&["run", "--plan", p(&plan), "--yes", "--json"]);
    again.expect_code(0);
    let statuses = statuses(again.json());
    assert_eq!(statuses["Alpha"], "unchanged");
    assert_eq!(statuses["Bravo"], "unchanged");

    write_json(
        &target,
        "design-studio/email-templates/later.json",
        &json!({"name": "Later Template", "html": "<html>later</html>"}),
    );
    let stale = run(&["run", "--plan", p(&plan), "--yes", "--json"]);
    stale.expect_code(3);
    assert!(has_problem(stale.json(), "stale-plan"), "{}", stale.stdout);
}

/// Issue 9.1: a plan that landed only in part (the same programs imported
/// by a run of another selection) is stale, not "already landed".
#[test]
fn a_plan_landed_in_part_is_stale() {
    let (work, target, source) = alpha_bravo();
    let plan = work.path().join("plan.json");
    save_plan(&source, &target, &plan, &[]).expect_code(0);
    run(&[
        "run",
        "--from",
        p(&source),
        "--to",
        p(&target),
        "--program",
        "Alpha",
        "--yes",
        "--json",
    ])
    .expect_code(0);
    let out = run(&["run", "--plan", p(&plan), "--yes", "--json"]);
    out.expect_code(3);
    assert!(has_problem(out.json(), "stale-plan"), "{}", out.stdout);
}

/// The binary with its standard output sent to `stdout`.
fn with_stdout(args: &[&str], stdout: Stdio) -> std::process::Output {
    command()
        .args(args)
        .stdout(stdout)
        .stderr(Stdio::piped())
        .output()
        .expect("run mkimport")
}

fn dev_full() -> Stdio {
    Stdio::from(
        fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .expect("/dev/full"),
    )
}

/// Issue 9.3: a full standard output is an error (exit 1) with a
/// message, never a panic (exit 101), in every command that prints.
#[test]
fn a_full_standard_output_is_exit_1_not_a_panic() {
    let sandbox = sandbox();
    let production = fixtures().join("production");
    let commands: Vec<Vec<&str>> = vec![
        vec!["library", "list"],
        vec!["library", "list", "--json"],
        vec!["library", "show", "Lifecycle 2"],
        vec!["preview", "--from", &sandbox, "--to", p(&production)],
        vec![
            "preview",
            "--from",
            &sandbox,
            "--to",
            p(&production),
            "--json",
        ],
        vec![
            "preview",
            "--from",
            &sandbox,
            "--to",
            p(&production),
            "--events",
        ],
        vec!["man"],
        vec!["completions", "bash"],
    ];
    for args in commands {
        let out = with_stdout(&args, dev_full());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(
            stderr.contains("standard output") && !stderr.contains("panicked"),
            "{args:?}: {stderr}"
        );
    }
}

/// Run `args` with standard output a pipe whose reader closes after the
/// first line; the exit code and standard error.
fn closed_after_one_line(args: &[&str]) -> (Option<i32>, String) {
    let mut child = command()
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn mkimport");
    {
        use std::io::BufRead;
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read a line");
        // The reader goes away here, as `head -1` does.
    }
    let out = child.wait_with_output().expect("wait");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Issue 9.3: a reader that goes away (`| head -1`) ends the command
/// quietly; a `run` still lands whole.
#[test]
fn a_closed_pipe_is_quiet_and_a_run_lands_whole() {
    let production = fixtures().join("production");
    let sandbox = sandbox();
    let (code, stderr) = closed_after_one_line(&["library", "list"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let (code, stderr) = closed_after_one_line(&[
        "preview",
        "--from",
        &sandbox,
        "--to",
        p(&production),
        "--user",
        OPS,
    ]);
    assert_eq!(code, Some(3), "{stderr}");
    assert!(
        !stderr.contains("panicked") && !stderr.contains("error"),
        "{stderr}"
    );

    // A run whose table is cut after one line still imports everything.
    let (_a, a) = copy_fixture("production");
    let (code, stderr) = closed_after_one_line(&[
        "run",
        "--from",
        &sandbox,
        "--to",
        p(&a),
        "--user",
        OPS,
        "--skip-blocked",
        "--yes",
    ]);
    assert_eq!(code, Some(4), "{stderr}");
    let (_b, b) = copy_fixture("production");
    run_sandbox(&b, &[]).expect_code(4);
    assert_same_tree(
        &without_state(snapshot(&b)),
        &without_state(snapshot(&a)),
        "a run whose reader went away",
    );
}

/// The tree without anything whose path starts with `.mkimport` (the
/// state directory, and temporary files beside it).
fn without_state(mut tree: Snapshot) -> Snapshot {
    tree.retain(|path, _| !path.to_string_lossy().starts_with(STATE));
    tree
}

/// `run` with the size of any file it writes limited to `bytes` (as a full
/// disk would stop it; RLIMIT_FSIZE needs no privileges).
fn run_with_file_size_limit(args: &[&str], bytes: u64) -> Outcome {
    use std::os::unix::process::CommandExt;
    let mut cmd = command();
    cmd.args(args);
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            // Writes past the limit fail with EFBIG instead of killing the
            // process with SIGXFSZ.
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let limit = libc::rlimit {
                rlim_cur: bytes,
                rlim_max: bytes,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    Outcome::of(cmd.output().expect("run mkimport"))
}

/// Issues 9.5 and 9.6: a run that cannot write a file names that file,
/// writes nothing into the target and gives back the space it staged.
#[test]
fn a_failed_write_names_the_file_and_leaves_no_staging() {
    let work = TempDir::new().unwrap();
    let target = work.path().join("target");
    minimal_target(&target);
    fs::create_dir_all(target.join(STATE)).unwrap();
    let source = work.path().join("source");
    let dir = source.join("Big");
    write_json(
        &dir,
        "program.json",
        &json!({
            "format": 1, "exported_from": "Crash Sandbox",
            "program": {"name": "Big", "type": "default", "folder": "Imports"},
            "emails": [{"name": "Invite", "html": "<p>hi</p>", "images": ["big.png"]}],
        }),
    );
    write_file(&dir, "external/images/big.png", vec![7u8; 200_000]);
    let before = snapshot(&target);

    let out = run_with_file_size_limit(
        &[
            "run",
            "--from",
            p(&source),
            "--to",
            p(&target),
            "--yes",
            "--json",
        ],
        100_000,
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains(".mkimport/staging/") && out.stderr.contains("asset-0"),
        "the error names no file: {}",
        out.stderr
    );
    assert!(
        !target.join(STATE).join("staging").exists(),
        "the staging area was left behind"
    );
    assert_same_tree(&before, &snapshot(&target), "a run that failed to stage");
}

/// Issue 9.7: `--from src`, `./src`, `src/` and the absolute path are the
/// same import: the same id and byte-identical files.
#[test]
fn the_import_id_does_not_depend_on_how_the_source_is_spelled() {
    let work = TempDir::new().unwrap();
    let source = work.path().join("src");
    // A bundle without `exported_from`, so the source itself is recorded.
    write_json(
        &source.join("Plain"),
        "program.json",
        &json!({"format": 1, "program": {"name": "Plain", "type": "default", "folder": "Imports"}}),
    );
    let absolute = source.to_str().unwrap().to_string();
    let mut ids = Vec::new();
    let mut trees = Vec::new();
    for (i, spelling) in ["src", "./src", "src/", absolute.as_str()]
        .iter()
        .enumerate()
    {
        let target = work.path().join(format!("target-{i}"));
        minimal_target(&target);
        let out = mkimport()
            .current_dir(work.path())
            .args([
                "run",
                "--from",
                spelling,
                "--to",
                p(&target),
                "--yes",
                "--json",
            ])
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        ids.push(report["import_id"].as_str().unwrap().to_string());
        trees.push(without_state(snapshot(&target)));
    }
    assert!(ids.windows(2).all(|w| w[0] == w[1]), "{ids:?}");
    for tree in &trees[1..] {
        assert_same_tree(&trees[0], tree, "the same import, spelled otherwise");
    }
}

fn mode(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// Issue 9.8: a rewritten `subscription.json` keeps its mode; files that
/// `export` and `preview --out` create follow the umask.
#[test]
fn permissions_are_kept_and_new_files_follow_the_umask() {
    let work = TempDir::new().unwrap();
    let target = work.path().join("target");
    minimal_target(&target);
    write_json(
        &target,
        "subscription.json",
        &json!({"format": 1, "name": "Crash Target", "tags": {}}),
    );
    let meta = target.join("subscription.json");
    fs::set_permissions(&meta, fs::Permissions::from_mode(0o600)).unwrap();
    let source = work.path().join("source");
    write_json(
        &source.join("Tagged"),
        "program.json",
        &json!({"format": 1, "exported_from": "Crash Sandbox",
                "program": {"name": "Tagged", "type": "default", "folder": "Imports",
                            "tags": {"Region": "EMEA"}}}),
    );
    let out = run(&[
        "run",
        "--from",
        p(&source),
        "--to",
        p(&target),
        "--yes",
        "--json",
    ]);
    out.expect_code(0);
    let rewritten = read_json(&meta);
    assert_eq!(rewritten["tags"]["Region"], json!(["EMEA"]));
    assert_eq!(mode(&meta), 0o600, "subscription.json lost its mode");

    // New files: 0666 less the umask (022 here).
    let plan = work.path().join("plan.json");
    let zip = work.path().join("tagged.zip");
    for args in [
        vec![
            "preview",
            "--from",
            p(&source),
            "--to",
            p(&target),
            "--json",
            "--out",
            p(&plan),
        ],
        vec![
            "export",
            "--from",
            p(&target),
            "--program",
            "Tagged",
            "--out",
            p(&zip),
        ],
    ] {
        let status = StdCommand::new("sh")
            .arg("-c")
            .arg("umask 022 && exec \"$@\"")
            .arg("sh")
            .arg(bin())
            .args(&args)
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(status.code() == Some(0) || status.code() == Some(3));
    }
    assert_eq!(mode(&plan), 0o644, "preview --out");
    assert_eq!(mode(&zip), 0o644, "export --out");
}
