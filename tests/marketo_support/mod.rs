//! Helpers for the `pull` tests: start the Marketo simulator (the
//! `marketo-sim` crate) on a fixture or a built instance, run the real
//! `mkimport pull` against it with the limits knob set to the simulator's
//! limits, and look at what it wrote.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, SystemTime};

use assert_cmd::Command;
use serde_json::Value;

#[allow(unused_imports)]
pub use marketo_sim::{Fault, FaultKind, Instance, Parent, Rule, Section, Sim, SimConfig, Token};

pub const CLIENT_ID: &str = "test-client-id-7f3a";
pub const CLIENT_SECRET: &str = "test-client-secret-c0ffee-91d2";

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Marketo's limits with a short window, so tests run fast and still hit
/// the limits if the client did not keep to them.
pub fn config() -> SimConfig {
    SimConfig {
        client_id: CLIENT_ID.into(),
        client_secret: CLIENT_SECRET.into(),
        calls_per_window: 100,
        window: Duration::from_millis(100),
        max_concurrency: 10,
        ..SimConfig::default()
    }
}

/// The knob that tells mkimport the same limits (and short back-offs).
pub fn knob(config: &SimConfig) -> String {
    format!(
        "calls={},window={}ms,concurrency={},backoff=2ms,max_backoff=20ms,timeout=10s,retries=4,waits=20",
        config.calls_per_window,
        config.window.as_millis(),
        config.max_concurrency
    )
}

/// A simulator serving a shipped fixture subscription.
pub fn fixture_sim(name: &str, munchkin: &str) -> Sim {
    let instance = Instance::from_subscription(&root().join("fixtures").join(name), munchkin)
        .expect("the fixture reads as an instance");
    Sim::start(instance, config()).expect("the simulator starts")
}

pub fn start(instance: Instance) -> Sim {
    Sim::start(instance, config()).expect("the simulator starts")
}

/// The result of one `mkimport` run.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn from(out: Output) -> Run {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }

    pub fn expect(&self, code: i32) -> &Run {
        assert_eq!(
            self.code, code,
            "exit code {} (expected {code})\nstdout:\n{}\nstderr:\n{}",
            self.code, self.stdout, self.stderr
        );
        self
    }
}

/// `mkimport pull --instance <sim> --out <out> --json <extra>` with the
/// simulator's credentials and limits.
pub fn pull(sim: &Sim, out: &Path, extra: &[&str]) -> Run {
    pull_at(&sim.url(), &knob(&sim.config()), out, extra)
}

pub fn pull_at(instance: &str, knob: &str, out: &Path, extra: &[&str]) -> Run {
    let mut cmd = Command::cargo_bin("mkimport").expect("the binary is built");
    cmd.arg("pull")
        .arg("--instance")
        .arg(instance)
        .arg("--out")
        .arg(out)
        .args(extra)
        .env("MARKETO_CLIENT_ID", CLIENT_ID)
        .env("MARKETO_CLIENT_SECRET", CLIENT_SECRET)
        .env("MKIMPORT_MARKETO_LIMITS", knob)
        .env_remove("COLUMNS")
        .env_remove("HTTP_PROXY")
        .env_remove("HTTPS_PROXY")
        .env_remove("ALL_PROXY")
        .env_remove("http_proxy")
        .env_remove("https_proxy")
        .env_remove("all_proxy")
        .timeout(Duration::from_secs(300));
    Run::from(cmd.output().expect("mkimport runs"))
}

/// Any other mkimport command.
pub fn mkimport(args: &[&str]) -> Run {
    let mut cmd = Command::cargo_bin("mkimport").expect("the binary is built");
    cmd.args(args).timeout(Duration::from_secs(120));
    Run::from(cmd.output().expect("mkimport runs"))
}

/// Every file below `root`: relative path → (bytes, modification time,
/// inode).
pub type Tree = BTreeMap<String, (Vec<u8>, SystemTime, u64)>;

pub fn tree(root: &Path) -> Tree {
    let mut out = BTreeMap::new();
    if !root.exists() {
        return out;
    }
    for entry in walkdir::WalkDir::new(root) {
        let entry = entry.expect("walk");
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = entry
            .path()
            .strip_prefix(root)
            .expect("below root")
            .to_string_lossy()
            .replace('\\', "/");
        let meta = entry.metadata().expect("metadata");
        #[cfg(unix)]
        let ino = std::os::unix::fs::MetadataExt::ino(&meta);
        #[cfg(not(unix))]
        let ino = 0;
        out.insert(
            rel,
            (
                fs::read(entry.path()).expect("read"),
                meta.modified().expect("mtime"),
                ino,
            ),
        );
    }
    out
}

pub fn read_json(path: &Path) -> Value {
    let bytes = fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The program.json files of a snapshot, by program name.
pub fn programs(root: &Path) -> BTreeMap<String, (String, Value)> {
    let mut out = BTreeMap::new();
    for entry in walkdir::WalkDir::new(root.join("marketing-activities")) {
        let entry = entry.expect("walk");
        if entry.file_name() == "program.json" {
            let v = read_json(entry.path());
            let name = v["program"]["name"].as_str().expect("a name").to_string();
            let rel = entry
                .path()
                .strip_prefix(root)
                .expect("below")
                .to_string_lossy()
                .into_owned();
            out.insert(name, (rel, v));
        }
    }
    out
}

/// Assert that neither secret appears in the text.
pub fn assert_no_secret(what: &str, text: &[u8]) {
    for secret in [CLIENT_ID, CLIENT_SECRET] {
        assert!(
            !text.windows(secret.len()).any(|w| w == secret.as_bytes()),
            "{what} holds a credential"
        );
    }
}

/// The simulator saw no call refused for the limits.
pub fn assert_limits_kept(sim: &Sim) {
    let stats = sim.stats();
    let config = sim.config();
    assert_eq!(stats.rejected_606, 0, "606s: {stats:?}");
    assert_eq!(stats.rejected_615, 0, "615s: {stats:?}");
    assert!(stats.max_in_window <= config.calls_per_window, "{stats:?}");
    assert!(stats.max_in_flight <= config.max_concurrency, "{stats:?}");
}

/// A small instance built in Rust: a folder with tokens, one program with
/// an email, a landing page, a local form and two campaigns, and a design
/// studio.
pub fn small_instance() -> Instance {
    let mut i = Instance::new("111-AAA-222");
    i.add_field("Email Address", Some("email"), "email");
    i.add_field("Lead Score", Some("leadScore"), "score");
    i.add_channel("Webinar", &["Invited", "Registered", "Attended"]);
    i.add_tag_type("Region", &["EMEA", "AMER"]);
    i.add_segmentation("Language");
    i.add_custom_object("Subscription");
    let template = i.add_email_template("Std Email", "<html>{{my.Title}}</html>");
    let page_template = i.add_landing_page_template("Std Page", "<html></html>");
    let snippet = i.add_snippet("Footer", "<p>footer</p>");
    i.add_file("hero.png", b"\x89PNG hero".to_vec());
    let global = i.add_form(None, "Contact Us", &["Email Address"]);
    let folder = i.add_folder("Webinars/2026");
    let top = i.add_folder("Webinars");
    i.set_folder_tokens(top, vec![Token::new("Company", "text", "Acme")]);
    let p = i.add_program(Parent::Folder(folder), "Spring Webinar", "Event", "Webinar");
    if let Some(program) = i.program_mut(p) {
        program.tags.push(("Region".into(), "EMEA".into()));
        program.tokens.push(Token::new("Title", "text", "Spring"));
    }
    let url = "https://go.acme.example/rs/111-AAA-222/images/hero.png";
    i.add_email(
        p,
        "Invite",
        Some(template),
        "Join {{my.Title}}",
        vec![
            Section::new(
                "body",
                "Text",
                serde_json::json!(format!("<p>{{{{my.Title}}}}</p><img src=\"{url}\">")),
            ),
            Section::new("footer", "Snippet", serde_json::json!(snippet)),
        ],
    );
    let local = i.add_form(Some(p), "Survey", &["Email Address", "Lead Score"]);
    i.add_landing_page(
        p,
        "Register",
        Some(page_template),
        vec![
            Section::new("1", "RichText", serde_json::json!("<h1>Register</h1>")),
            Section::new(
                "2",
                "Form",
                serde_json::json!({"content": global.to_string()}),
            ),
            Section::new(
                "3",
                "Form",
                serde_json::json!({"content": local.to_string()}),
            ),
        ],
    );
    i.add_campaign(
        p,
        "Send Invite",
        "batch",
        false,
        Some("2026-05-01T09:00:00Z"),
        vec![],
        vec![Rule::new("Lead Score"), Rule::new("Has Subscription")],
    );
    i.add_campaign(
        p,
        "Registered",
        "trigger",
        true,
        None,
        vec![Rule::new("Fills Out Form")],
        vec![],
    );
    i
}

// ---------------------------------------------------------------------
// Live instances as targets (spec 11).

/// `marketo:<the simulator's URL>`.
pub fn live_target(sim: &Sim) -> String {
    format!("marketo:{}", sim.url())
}

/// A command of mkimport against a simulator: its credentials and limits,
/// and `state` as `XDG_STATE_HOME` (where the instance's journal, ledger
/// and receipts go).
pub fn live_command(sim: &Sim, state: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::cargo_bin("mkimport").expect("the binary is built");
    cmd.args(args)
        .env("MARKETO_CLIENT_ID", CLIENT_ID)
        .env("MARKETO_CLIENT_SECRET", CLIENT_SECRET)
        .env("MKIMPORT_MARKETO_LIMITS", knob(&sim.config()))
        .env("XDG_STATE_HOME", state)
        .env_remove("MKIMPORT_USER")
        .env_remove("HTTP_PROXY")
        .env_remove("HTTPS_PROXY")
        .env_remove("ALL_PROXY")
        .env_remove("http_proxy")
        .env_remove("https_proxy")
        .env_remove("all_proxy")
        .timeout(Duration::from_secs(300));
    cmd
}

/// Run mkimport against a simulator (see [`live_command`]).
pub fn live(sim: &Sim, state: &Path, args: &[&str]) -> Run {
    Run::from(
        live_command(sim, state, args)
            .output()
            .expect("mkimport runs"),
    )
}

/// The calls of the simulator's log that write (POST, the identity
/// service aside).
pub fn writes(sim: &Sim) -> Vec<String> {
    sim.calls()
        .into_iter()
        .filter(|c| c.method == "POST" && c.path.starts_with("/rest/"))
        .map(|c| c.path)
        .collect()
}

/// What an instance holds, without ids and times: every program (by its
/// path) with its tokens, emails, pages, forms and campaigns, the design
/// studio, the folders' tokens. Two instances that went through the same
/// imports compare equal, whatever ids they gave.
pub fn dump(sim: &Sim) -> Value {
    use serde_json::json;
    sim.with_instance(|i| {
        let snippet = |id: u64| i.snippets.get(&id).map(|s| s.name.clone());
        let form = |id: u64| i.forms.get(&id).map(|f| f.name.clone());
        let named = |v: &Value, kind: &str| -> Value {
            let id = v
                .as_u64()
                .or_else(|| v["content"].as_str().and_then(|s| s.parse().ok()))
                .or_else(|| v["content"].as_u64());
            match (kind, id) {
                ("Snippet", Some(id)) => json!({"snippet": snippet(id)}),
                ("Form", Some(id)) => json!({"form": form(id)}),
                _ => v.clone(),
            }
        };
        let sections = |sections: &[Section]| -> Value {
            sections
                .iter()
                .map(|s| json!({"id": s.id, "kind": s.kind, "value": named(&s.value, &s.kind)}))
                .collect()
        };
        let tokens = |tokens: &[Token]| -> Value {
            let mut t: Vec<Value> = tokens
                .iter()
                .map(|t| json!({"name": t.name, "type": t.kind, "value": t.value}))
                .collect();
            t.sort_by_key(|t| t["name"].as_str().unwrap_or("").to_string());
            Value::Array(t)
        };
        let in_program = |p: Parent| -> Option<String> {
            match p {
                Parent::Program(id) => i.programs.get(&id).map(|p| p.name.clone()),
                Parent::Folder(_) => None,
            }
        };
        let mut programs = BTreeMap::new();
        for p in i.programs.values() {
            let mut tags = p.tags.clone();
            tags.sort();
            let of = |parent: Parent| in_program(parent).as_deref() == Some(p.name.as_str());
            let emails: BTreeMap<String, Value> = i
                .emails
                .values()
                .filter(|e| of(e.parent))
                .map(|e| {
                    let template = e
                        .template
                        .and_then(|t| i.email_templates.get(&t))
                        .map(|t| t.name.clone());
                    (
                        e.name.clone(),
                        json!({"template": template, "subject": e.subject, "status": e.status,
                               "sections": sections(&e.sections)}),
                    )
                })
                .collect();
            let pages: BTreeMap<String, Value> = i
                .landing_pages
                .values()
                .filter(|l| of(l.parent))
                .map(|l| {
                    let template = l
                        .template
                        .and_then(|t| i.landing_page_templates.get(&t))
                        .map(|t| t.name.clone());
                    (
                        l.name.clone(),
                        json!({"template": template, "sections": sections(&l.sections)}),
                    )
                })
                .collect();
            let forms: BTreeMap<String, Value> = i
                .forms
                .values()
                .filter(|f| of(f.parent))
                .map(|f| {
                    let fields: Vec<&str> = f.fields.iter().map(|x| x.api_name.as_str()).collect();
                    (f.name.clone(), json!({"fields": fields, "status": f.status}))
                })
                .collect();
            let campaigns: BTreeMap<String, Value> = i
                .campaigns
                .values()
                .filter(|c| of(c.parent))
                .map(|c| {
                    let triggers: Vec<&str> = c.triggers.iter().map(|r| r.name.as_str()).collect();
                    let filters: Vec<&str> = c.filters.iter().map(|r| r.name.as_str()).collect();
                    (
                        c.name.clone(),
                        json!({"type": c.kind, "active": c.active, "schedule": c.schedule,
                               "triggers": triggers, "filters": filters}),
                    )
                })
                .collect();
            programs.insert(
                i.path_of(Parent::Program(p.id)),
                json!({"type": p.kind, "channel": p.channel, "description": p.description,
                       "tags": tags, "tokens": tokens(&p.tokens), "emails": emails,
                       "landing_pages": pages, "forms": forms, "smart_campaigns": campaigns}),
            );
        }
        let designs = |map: &std::collections::BTreeMap<u64, marketo_sim::model::Design>| -> BTreeMap<String, Value> {
            map.values()
                .map(|d| (d.name.clone(), json!({"html": d.html, "status": d.status})))
                .collect()
        };
        let global_forms: BTreeMap<String, Value> = i
            .forms
            .values()
            .filter(|f| in_program(f.parent).is_none())
            .map(|f| {
                let fields: Vec<&str> = f.fields.iter().map(|x| x.api_name.as_str()).collect();
                (f.name.clone(), json!({"fields": fields, "status": f.status}))
            })
            .collect();
        let files: BTreeMap<String, Value> = i
            .files
            .values()
            .map(|f| (f.name.clone(), json!(sha256(&f.bytes))))
            .collect();
        let folders: BTreeMap<String, Value> = i
            .folders
            .values()
            .map(|f| (i.path_of(Parent::Folder(f.id)), tokens(&f.tokens)))
            .collect();
        json!({
            "programs": programs,
            "email_templates": designs(&i.email_templates),
            "landing_page_templates": designs(&i.landing_page_templates),
            "snippets": designs(&i.snippets),
            "forms": global_forms,
            "files": files,
            "folders": folders,
        })
    })
}

/// The SHA-256 of bytes, in hex.
pub fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
