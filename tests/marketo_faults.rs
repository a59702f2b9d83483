//! `mkimport pull` when the instance misbehaves: every transient fault is
//! retried and the snapshot is the same as without it; what cannot be
//! retried is reported (exit 1, naming the endpoint or the host) and leaves
//! DIR exactly as it was; bad input is a usage error (exit 2); the
//! credentials never show; hostile names stay inside DIR.

mod marketo_support;

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::time::Duration;

use marketo_support::*;

/// The files of a snapshot but for the time of `pulled_from.at`.
fn content(root: &Path) -> BTreeMap<String, Vec<u8>> {
    tree(root)
        .into_iter()
        .filter(|(rel, _)| rel != "subscription.json" && rel != ".mkimport/marketo/state.json")
        .map(|(rel, (bytes, _, _))| (rel, bytes))
        .collect()
}

fn beside(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir.parent().unwrap())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// Every transient failure Marketo documents is retried (and counted as a
/// call); the snapshot is the one a clean pull writes.
#[test]
fn transient_faults_are_retried_and_change_nothing() {
    let sim = fixture_sim("sandbox", "412-ACM-981");
    let tmp = tempfile::tempdir().unwrap();
    let baseline = tmp.path().join("baseline");
    pull(&sim, &baseline, &["--json"]).expect(0);
    let expected = content(&baseline);

    let cases: Vec<(&str, Fault)> = vec![
        (
            "604 on a list",
            Fault::code("604").on("/rest/asset/v1/emails.json"),
        ),
        (
            "608 on content",
            Fault::code("608").on("/content.json").after(3),
        ),
        (
            "611 on tokens",
            Fault::code("611").on("/tokens.json").times(2),
        ),
        (
            "713 on a smart list",
            Fault::code("713").on("/smartList.json"),
        ),
        (
            "HTTP 500",
            Fault::new(FaultKind::Http(500)).on("/rest/asset/v1/programs.json"),
        ),
        (
            "HTTP 503 twice",
            Fault::new(FaultKind::Http(503)).on("/fields.json").times(2),
        ),
        (
            "connection reset",
            Fault::new(FaultKind::Reset).on("/rest/asset/v1/landingPage/"),
        ),
        (
            "truncated answer",
            Fault::new(FaultKind::Truncated).on("/rest/asset/v1/forms.json"),
        ),
        (
            "latency",
            Fault::new(FaultKind::Latency(Duration::from_millis(80)))
                .on("/snippet")
                .times(3),
        ),
        (
            "601 token invalid",
            Fault::code("601").on("/rest/asset/v1/tagTypes.json"),
        ),
        (
            "602 token expired",
            Fault::new(FaultKind::ExpireToken).on("/rest/asset/v1/channels.json"),
        ),
        (
            "606 from another integration",
            Fault::code("606").on("/rest/asset/v1/files.json"),
        ),
        (
            "615 from another integration",
            Fault::code("615").on("/rest/asset/v1/snippets.json"),
        ),
        (
            "identity down once",
            Fault::new(FaultKind::Http(503)).on("/identity/"),
        ),
        (
            "file download fails once",
            Fault::new(FaultKind::Http(500)).on("/rs/"),
        ),
    ];
    for (n, (what, fault)) in cases.into_iter().enumerate() {
        sim.reset_counters();
        let kind = fault.kind.clone();
        sim.inject(fault);
        let out = tmp.path().join(format!("case-{n}"));
        let run = pull(&sim, &out, &["--json"]);
        assert_eq!(run.code, 0, "{what}: {}", run.stderr);
        let summary = run.json();
        assert!(
            sim.pending_faults().is_empty(),
            "{what}: the fault was not hit"
        );
        let calls = sim.calls();
        assert!(
            calls.iter().any(|c| c.fault.as_ref() == Some(&kind)),
            "{what}: no call saw the fault"
        );
        let sent = calls.iter().filter(|c| !c.path.starts_with("/rs/")).count() as u64;
        assert_eq!(summary["calls"], sent, "{what}");
        if !matches!(kind, FaultKind::Latency(_)) {
            assert!(
                summary["retries"].as_u64().unwrap() >= 1,
                "{what}: {summary}"
            );
        }
        assert_eq!(content(&out), expected, "{what}: the snapshot differs");
        assert_eq!(sim.stats().rejected_606, 0, "{what}");
        assert_eq!(sim.stats().rejected_615, 0, "{what}");
    }
}

/// A pull into an existing snapshot that fails half-way (a fault that
/// outlasts the retries, the daily quota) leaves it exactly as it was,
/// with nothing beside it.
#[test]
fn a_failed_pull_leaves_dir_as_it_was() {
    let sim = fixture_sim("sandbox", "412-ACM-981");
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("snap");
    pull(&sim, &out, &["--json"]).expect(0);
    // Something changed in the instance, so a good pull would write.
    sim.with_instance(|i| {
        let id = *i.emails.keys().next().unwrap();
        i.emails.get_mut(&id).unwrap().sections[0].value = serde_json::json!("<p>changed</p>");
        i.touch(id);
    });
    let before = tree(&out);
    let siblings = beside(&out);

    // A transient error that does not go away.
    sim.inject(Fault::code("611").on("/rest/asset/v1/email/").times(1000));
    let run = pull(&sim, &out, &["--json"]);
    run.expect(1);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert!(
        run.stderr.contains("/rest/asset/v1/email/"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("gave up after 5 attempts"),
        "{}",
        run.stderr
    );
    assert_eq!(tree(&out), before);
    assert_eq!(beside(&out), siblings);

    // The daily quota runs out half-way.
    let sim2 = fixture_sim("sandbox", "412-ACM-981");
    sim2.with_instance(|i| {
        let id = *i.emails.keys().next().unwrap();
        i.touch(id);
    });
    sim2.configure(|c| c.daily_quota = Some(60));
    let run = pull(&sim2, &out, &["--json", "--refetch"]);
    run.expect(1);
    assert!(run.stderr.contains("daily API quota"), "{}", run.stderr);
    assert!(run.stderr.contains("607"), "{}", run.stderr);
    assert_eq!(tree(&out), before);
    assert_eq!(beside(&out), siblings);

    // A fresh DIR that fails is not created.
    sim.clear_faults();
    let fresh = tmp.path().join("fresh");
    sim.inject(
        Fault::code("611")
            .on("/rest/asset/v1/programs.json")
            .times(1000),
    );
    pull(&sim, &fresh, &["--json"]).expect(1);
    assert!(!fresh.exists());
    assert_eq!(beside(&out), siblings);
}

/// A pull killed half-way leaves DIR as it was; the next pull completes
/// and clears what the killed one left beside DIR.
#[test]
fn a_killed_pull_leaves_dir_as_it_was() {
    let sim = fixture_sim("sandbox", "412-ACM-981");
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("snap");
    pull(&sim, &out, &["--json"]).expect(0);
    let before = tree(&out);
    sim.configure(|c| c.latency = Duration::from_millis(40));

    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("mkimport"))
        .args([
            "pull",
            "--refetch",
            "--json",
            "--instance",
            &sim.url(),
            "--out",
        ])
        .arg(&out)
        .env("MARKETO_CLIENT_ID", CLIENT_ID)
        .env("MARKETO_CLIENT_SECRET", CLIENT_SECRET)
        .env("MKIMPORT_MARKETO_LIMITS", knob(&sim.config()))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Kill it once it has fetched content (it writes as it goes).
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while sim
        .calls()
        .iter()
        .filter(|c| c.path.contains("/content"))
        .count()
        < 5
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the pull never got going"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(tree(&out), before);

    sim.configure(|c| c.latency = Duration::ZERO);
    let run = pull(&sim, &out, &["--json"]);
    run.expect(0);
    assert_eq!(run.json()["changed"], false);
    assert_eq!(tree(&out), before);
    assert_eq!(beside(&out), ["snap"]);
}

#[test]
fn answers_that_are_not_json_name_the_endpoint() {
    let sim = fixture_sim("sandbox", "412-ACM-981");
    let tmp = tempfile::tempdir().unwrap();
    sim.inject(Fault::new(FaultKind::NotJson).on("/rest/asset/v1/programs.json"));
    let run = pull(&sim, &tmp.path().join("a"), &["--json"]);
    run.expect(1);
    assert!(
        run.stderr.contains("/rest/asset/v1/programs.json") && run.stderr.contains("is not JSON"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("text/html"), "{}", run.stderr);

    // Cut off every time: retried, then reported.
    sim.inject(
        Fault::new(FaultKind::Truncated)
            .on("/rest/asset/v1/snippets.json")
            .times(100),
    );
    let run = pull(&sim, &tmp.path().join("b"), &["--json"]);
    run.expect(1);
    assert!(
        run.stderr.contains("/rest/asset/v1/snippets.json") && run.stderr.contains("cut off"),
        "{}",
        run.stderr
    );
    // An error Marketo gives that is no transient one stops the pull.
    sim.clear_faults();
    sim.inject(Fault::code("610").on("/rest/asset/v1/channels.json"));
    let run = pull(&sim, &tmp.path().join("c"), &["--json"]);
    run.expect(1);
    assert!(run.stderr.contains("error 610"), "{}", run.stderr);
}

/// A port nobody listens on.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// A refused connection is tried a bounded number of times (3, fewer
/// than other retries), then the pull stops naming the host; nothing is
/// written, and without a terminal no retry is announced.
#[test]
fn an_unreachable_instance_names_the_host() {
    let port = closed_port();
    let tmp = tempfile::tempdir().unwrap();
    let run = pull_at(
        &format!("http://127.0.0.1:{port}"),
        &knob(&config()),
        &tmp.path().join("x"),
        &["--json"],
    );
    run.expect(1);
    assert!(
        run.stderr.contains(&format!(
            "cannot reach the instance for /identity/oauth/token: 127.0.0.1:{port} (connection refused) (gave up after 3 attempts)"
        )),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("retrying"), "{}", run.stderr);
    assert_eq!(run.stdout, "", "nothing on standard output");
    assert!(!tmp.path().join("x").exists());
    // As a target: the same, from preview.
    let state = tmp.path().join("state");
    let mut cmd = assert_cmd::Command::cargo_bin("mkimport").unwrap();
    cmd.current_dir(root())
        .args(["preview", "--from", "fixtures/sandbox", "--to"])
        .arg(format!("marketo:http://127.0.0.1:{port}"))
        .env("MARKETO_CLIENT_ID", CLIENT_ID)
        .env("MARKETO_CLIENT_SECRET", CLIENT_SECRET)
        .env("MKIMPORT_MARKETO_LIMITS", knob(&config()))
        .env("XDG_STATE_HOME", &state)
        .timeout(Duration::from_secs(120));
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "127.0.0.1:{port} (connection refused) (gave up after 3 attempts)"
        )),
        "{stderr}"
    );
}

/// A host name that does not resolve (`.invalid` never does) fails at
/// once: one attempt, no retry, and a hint; for a pull and for a target.
#[test]
fn a_host_name_that_does_not_resolve_fails_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    let run = pull_at(
        "http://nonexistent-host.invalid",
        &knob(&config()),
        &tmp.path().join("x"),
        &["--json"],
    );
    run.expect(1);
    assert!(
        run.stderr
            .contains("its host name nonexistent-host.invalid does not resolve"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("not retried. Is the host name right?"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("gave up"), "{}", run.stderr);
    assert!(!tmp.path().join("x").exists());
    let mut cmd = assert_cmd::Command::cargo_bin("mkimport").unwrap();
    cmd.current_dir(root())
        .args([
            "preview",
            "--from",
            "fixtures/sandbox",
            "--to",
            "marketo:http://nonexistent-host.invalid",
        ])
        .env("MARKETO_CLIENT_ID", CLIENT_ID)
        .env("MARKETO_CLIENT_SECRET", CLIENT_SECRET)
        .env("MKIMPORT_MARKETO_LIMITS", knob(&config()))
        .env("XDG_STATE_HOME", tmp.path().join("state"))
        .timeout(Duration::from_secs(120));
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("nonexistent-host.invalid does not resolve")
            && stderr.contains("not retried"),
        "{stderr}"
    );
}

/// `mkimport pull ARGS` on a pseudo-terminal (standard error a terminal,
/// as a person runs it): everything the terminal showed.
fn pull_on_a_terminal(instance: &str, out: &Path, extra: &[&str]) -> String {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_mkimport"));
    command
        .arg("pull")
        .arg("--instance")
        .arg(instance)
        .arg("--out")
        .arg(out)
        .args(extra)
        .env("MARKETO_CLIENT_ID", CLIENT_ID)
        .env("MARKETO_CLIENT_SECRET", CLIENT_SECRET)
        .env("MKIMPORT_MARKETO_LIMITS", knob(&config()))
        .env("TERM", "xterm")
        .env_remove("NO_COLOR")
        .env_remove("COLUMNS");
    let mut session = rexpect::session::spawn_command(command, Some(60_000)).unwrap();
    session.exp_eof().unwrap().replace('\r', "")
}

/// On a terminal each retry is announced, with its cause and how many
/// attempts are left; with --json it is not.
#[test]
fn each_retry_is_announced_on_a_terminal() {
    let port = closed_port();
    let tmp = tempfile::tempdir().unwrap();
    let shown = pull_on_a_terminal(
        &format!("http://127.0.0.1:{port}"),
        &tmp.path().join("x"),
        &[],
    );
    for n in [2, 3] {
        let said = format!("cannot reach 127.0.0.1:{port} (connection refused): retrying in ");
        let line = shown
            .lines()
            .map(|l| l.rsplit("\x1b[2K").next().unwrap_or(l))
            .find(|l| l.starts_with(&said) && l.ends_with(&format!(", {n} of 3")))
            .unwrap_or_else(|| panic!("no retry {n} of 3 in {shown:?}"));
        assert!(line.contains(" ms, ") || line.contains(" s, "), "{line}");
    }
    assert!(shown.contains("gave up after 3 attempts"), "{shown:?}");
    let quiet = pull_on_a_terminal(
        &format!("http://127.0.0.1:{port}"),
        &tmp.path().join("y"),
        &["--json"],
    );
    assert!(!quiet.contains("retrying"), "{quiet:?}");
    assert!(quiet.contains("gave up after 3 attempts"), "{quiet:?}");

    // An instance that answers HTTP 503 twice: said, then the pull goes on.
    let sim = fixture_sim("sandbox", "412-ACM-990");
    sim.inject(
        Fault::new(FaultKind::Http(503))
            .on("/rest/asset/v1/channels.json")
            .times(2),
    );
    let shown = pull_on_a_terminal(&sim.url(), &tmp.path().join("z"), &[]);
    let host = sim.url().trim_start_matches("http://").to_string();
    for n in [2, 3] {
        let said = format!("{host} /rest/asset/v1/channels.json: HTTP status 503: retrying in ");
        assert!(
            shown
                .lines()
                .any(|l| l.contains(&said) && l.ends_with(&format!(", {n} of 5"))),
            "no retry {n} of 5 in {shown:?}"
        );
    }
    assert!(
        tmp.path().join("z/subscription.json").is_file(),
        "{shown:?}"
    );
}

#[test]
fn bad_input_is_a_usage_error() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("x");
    for instance in [
        "12-ABC-456",
        "marketo.example.com",
        "ftp://x.example",
        "http://a b",
    ] {
        let run = pull_at(instance, &knob(&config()), &out, &["--json"]);
        run.expect(2);
        assert!(
            run.stderr.contains("--instance"),
            "{instance}: {}",
            run.stderr
        );
    }
    // Missing credentials: named.
    for missing in ["MARKETO_CLIENT_ID", "MARKETO_CLIENT_SECRET"] {
        let mut cmd = assert_cmd::Command::cargo_bin("mkimport").unwrap();
        cmd.args(["pull", "--instance", "123-ABC-456", "--out"])
            .arg(&out)
            .env("MARKETO_CLIENT_ID", CLIENT_ID)
            .env("MARKETO_CLIENT_SECRET", CLIENT_SECRET)
            .env_remove(missing);
        let o = cmd.output().unwrap();
        assert_eq!(o.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(
            stderr.contains(&format!("{missing} is not set")),
            "{stderr}"
        );
        assert_no_secret("stderr", &o.stderr);
    }
    // A hidden knob that makes no sense.
    let run = pull_at("123-ABC-456", "calls=0", &out, &[]);
    run.expect(2);
    assert!(
        run.stderr.contains("MKIMPORT_MARKETO_LIMITS"),
        "{}",
        run.stderr
    );
    // An --out that is not ours is refused, and left alone.
    let mine = tmp.path().join("mine");
    fs::create_dir(&mine).unwrap();
    fs::write(mine.join("notes.txt"), "keep me").unwrap();
    let sim = fixture_sim("production", "412-ACM-982");
    let run = pull(&sim, &mine, &["--json"]);
    run.expect(2);
    assert!(run.stderr.contains("not empty"), "{}", run.stderr);
    assert_eq!(
        fs::read_to_string(mine.join("notes.txt")).unwrap(),
        "keep me"
    );
    assert_eq!(sim.calls().len(), 0, "no call is made for a bad --out");
}

/// Wrong credentials are reported without showing them; right ones never
/// land in a file, on standard output or standard error.
#[test]
fn credentials_never_show() {
    let tmp = tempfile::tempdir().unwrap();
    let sim = fixture_sim("sandbox", "412-ACM-981");
    let out = tmp.path().join("snap");
    let run = pull(&sim, &out, &["--json"]);
    run.expect(0);
    assert_no_secret("stdout", run.stdout.as_bytes());
    assert_no_secret("stderr", run.stderr.as_bytes());
    let run = pull(&sim, &out, &[]);
    run.expect(0);
    assert_no_secret("stdout", run.stdout.as_bytes());
    for (rel, (bytes, _, _)) in tree(&out) {
        assert_no_secret(&rel, &bytes);
    }

    // The instance refuses them.
    let mut wrong = config();
    wrong.client_secret = "another-secret".into();
    let other = Sim::start(
        Instance::from_subscription(&root().join("fixtures/production"), "412-ACM-982").unwrap(),
        wrong,
    )
    .unwrap();
    let run = pull(&other, &tmp.path().join("no"), &["--json"]);
    run.expect(1);
    assert!(
        run.stderr.contains("refused the credentials"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("/identity/oauth/token"),
        "{}",
        run.stderr
    );
    assert_no_secret("stderr", run.stderr.as_bytes());
    assert_no_secret("stdout", run.stdout.as_bytes());

    // A failing call's message never carries the token request's query.
    sim.inject(Fault::new(FaultKind::NotJson).on("/identity/"));
    let run = pull(&sim, &tmp.path().join("no2"), &["--json"]);
    run.expect(1);
    assert_no_secret("stderr", run.stderr.as_bytes());
}

/// Names from the instance that would leave DIR are made safe like any
/// name, and the snapshot reads as a subscription.
#[test]
fn hostile_names_stay_inside_dir() {
    let mut i = Instance::new("666-EVL-666");
    i.add_channel("Webinar", &["Invited"]);
    let t = i.add_email_template("../../escape", "<html>t</html>");
    i.add_landing_page_template("..", "<html>p</html>");
    i.add_snippet("a/b\\c", "<p>s</p>");
    i.add_file("../evil.png", b"evil".to_vec());
    i.add_file("con", b"device".to_vec());
    i.add_form(None, "/etc/passwd", &["Email Address"]);
    let f = i.add_folder("..");
    let g = i.add_folder("../../outside");
    let p = i.add_program(Parent::Folder(f), "../x", "Default", "Webinar");
    i.add_email(
        p,
        "../../mail",
        Some(t),
        "s",
        vec![Section::new("b", "Text", serde_json::json!("<p>x</p>"))],
    );
    i.add_program(Parent::Folder(g), "..\\..\\y", "Default", "Webinar");
    i.add_program(Parent::Folder(g), "folder.json", "Default", "Webinar");
    let unnamed = i.add_program(Parent::Folder(g), "  ", "Default", "Webinar");
    let sim = start(i);
    let tmp = tempfile::tempdir().unwrap();
    let parent = tmp.path().join("p");
    fs::create_dir(&parent).unwrap();
    let out = parent.join("snap");
    pull(&sim, &out, &["--json"]).expect(0);
    // Nothing outside DIR.
    let outside: Vec<_> = walkdir::WalkDir::new(tmp.path())
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file() && !e.path().starts_with(&out))
        .map(|e| e.path().to_path_buf())
        .collect();
    assert!(outside.is_empty(), "{outside:?}");
    let pulled = programs(&out);
    assert_eq!(pulled.len(), 4);
    assert!(
        pulled.contains_key(&format!("Program {unnamed}")),
        "{:?}",
        pulled.keys()
    );
    for (name, (rel, _)) in &pulled {
        assert!(
            rel.split('/')
                .all(|part| part != ".." && part != "." && !part.is_empty()),
            "{name}: {rel}"
        );
    }
    // Names that are not safe as they are get a digest of the name.
    for rel in [
        "marketing-activities/_~5ec1f7e7/_x~d6b96a97/program.json",
        "marketing-activities/_~5ec1f7e7/_~5ec1f7e7/outside/_.._y~6db77087/program.json",
        // A program named like the folder file gets a directory of its own.
        "marketing-activities/_~5ec1f7e7/_~5ec1f7e7/outside/folder.json~4dad7a61/program.json",
        "marketing-activities/_~5ec1f7e7/_~5ec1f7e7/outside/folder.json",
        "design-studio/images/_evil.png",
        "design-studio/images/_con",
    ] {
        assert!(out.join(rel).is_file(), "{rel}");
    }
    // The names inside the files are the instance's.
    let (_, x) = &pulled["../x"];
    assert_eq!(x["emails"][0]["name"], "../../mail");
    assert_eq!(x["emails"][0]["template"], "../../escape");
    // It reads as a subscription (a preview of it into itself runs).
    let run = mkimport(&[
        "preview",
        "--from",
        out.to_str().unwrap(),
        "--to",
        out.to_str().unwrap(),
        "--json",
    ]);
    assert!(run.code == 0 || run.code == 3, "{}", run.stderr);
}
