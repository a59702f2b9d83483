//! `mkimport pull` (spec section 10): write a subscription directory that
//! describes a live Marketo instance, through its REST API. The work is in
//! [`crate::marketo::pull`]; this is the command around it.

use anyhow::{Context as _, Result};

use super::Exit;
use crate::cli::PullArgs;
use crate::error::usage;
use crate::marketo::client::{Client, Credentials};
use crate::marketo::instance::Instance;
use crate::marketo::limits::Limits;
use crate::marketo::pull::{pull, PullOptions, Summary};
use crate::marketo::write;
use crate::names;
use crate::output::console::{self, Terminal};

pub fn run(args: &PullArgs) -> Result<Exit> {
    let instance = Instance::parse(&args.instance)?;
    let credentials = Credentials::for_instance(&instance)?;
    let limits = Limits::from_env()?;
    if args.programs.iter().any(|p| names::key(p).is_empty()) {
        return Err(usage(
            "--program takes a program's name; an empty one was given",
        ));
    }
    if args
        .name
        .as_deref()
        .is_some_and(|n| names::key(n).is_empty())
    {
        return Err(usage("--name is empty"));
    }
    // Refuse a bad --out before any call.
    write::check_out(&args.out)?;
    let format = if args.json {
        crate::cli::OutputFormat::Json
    } else {
        crate::cli::OutputFormat::Table
    };
    super::announce_retries(Terminal::detect(), format);
    crate::interrupt::install(
        format!(
            "Stopping: {} stays as it was. Ctrl-C again to stop at once.",
            crate::error::show(&args.out)
        ),
        format!(
            "Stopped at once; {} is as it was (a temporary directory beside it may stay; the next pull removes it).",
            crate::error::show(&args.out)
        ),
    );
    let client = Client::new(instance, credentials, limits);
    let options = PullOptions {
        out: args.out.clone(),
        programs: args.programs.clone(),
        name: args.name.clone(),
        refetch: args.refetch,
        progress: !args.json && Terminal::detect().stderr,
        shallow: false,
    };
    let summary = match pull(&client, &options) {
        Ok(summary) => summary,
        Err(_) if crate::interrupt::requested() => {
            crate::errln!(
                "Stopped: nothing was changed in {}.",
                crate::error::show(&args.out)
            );
            return Ok(Exit::Interrupted);
        }
        Err(e) => return Err(e),
    };
    if args.json {
        let mut text =
            serde_json::to_string_pretty(&summary).context("cannot encode the summary")?;
        text.push('\n');
        console::print(&text)?;
    } else {
        for warning in &summary.warnings {
            crate::errln!("warning: {warning}");
        }
        console::print(&human(&summary, Terminal::detect().width))?;
    }
    Ok(Exit::Ok)
}

/// The summary for a person, each paragraph wrapped to `width`.
fn human(s: &Summary, width: usize) -> String {
    let studio: usize = s.design_studio.values().sum();
    let what = if s.changed {
        format!("snapshot written (pulled_from.at {})", s.at)
    } else {
        "nothing changed since the last pull; no file was written".to_string()
    };
    let count =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let names = |list: &[String]| {
        let quoted: Vec<String> = list.iter().map(|n| format!("\"{n}\"")).collect();
        quoted.join(", ")
    };
    let mut earlier = String::new();
    if !s.kept_programs.is_empty() {
        earlier.push_str(&format!(
            "\nKept as the earlier pull left them (not pulled again): {}.",
            names(&s.kept_programs)
        ));
    }
    if !s.removed_programs.is_empty() {
        earlier.push_str(&format!(
            "\nGone from the instance, so removed from {}: {}.",
            s.out,
            names(&s.removed_programs)
        ));
    }
    let text = format!(
        "Pulled {} into {}: {}, {}, {}; {}.{earlier}\n{} API calls ({} for tokens, {} list pages, {} contents; {} contents reused), {} file downloads.\nNot readable through the API, so not declared: {}.",
        s.instance,
        s.out,
        count(s.programs, "program", "programs"),
        count(s.folders, "folder", "folders"),
        count(studio, "design-studio asset", "design-studio assets"),
        what,
        s.calls,
        s.token_calls,
        s.list_calls,
        s.content_calls,
        s.reused,
        s.downloads,
        s.undeclared.join(", ")
    );
    let mut out = String::new();
    for paragraph in text.lines() {
        for line in crate::output::text::wrap(&crate::output::text::clean(paragraph), width) {
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}
