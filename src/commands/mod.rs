//! The commands, one file each. [`main`] dispatches the parsed command
//! line and turns the outcome into an exit code.
//!
//! `preview` and `run` share [`prepare`]: resolve the target, load the
//! source, plan. They differ only in what they do with the plan.

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::{Cli, Command, LibraryCommand};
use crate::error::UsageError;
use crate::load::subscription::Subscription;
use crate::output::console;
use crate::plan::{Plan, PlanOptions, Status};
use crate::request::ImportRequest;
use crate::targets::Target;

pub mod export;
pub mod generate;
pub mod library;
pub mod log;
pub mod preview;
pub mod pull;
pub mod run;
pub mod shell;
pub mod undo;

/// How a command ends (spec section 5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Done; for `preview`, nothing is blocked.
    Ok,
    /// Bad input, I/O, a lock held by another run.
    Error,
    /// A program is blocked, a saved plan is stale, an undo is stale.
    Blocked,
    /// `run --skip-blocked` imported some programs and left others blocked.
    Partial,
    /// Stopped by Ctrl-C (or SIGTERM): what was in flight finished.
    Interrupted,
}

impl Exit {
    pub fn code(self) -> u8 {
        match self {
            Exit::Ok => 0,
            Exit::Error => 1,
            Exit::Blocked => 3,
            Exit::Partial => 4,
            Exit::Interrupted => crate::interrupt::EXIT_CODE,
        }
    }
}

/// The exit code of a usage mistake.
const USAGE: u8 = 2;

/// Run the command the command line names.
pub fn main(cli: Cli) -> ExitCode {
    let result = match cli.command {
        Command::Preview(args) => preview::preview(&args),
        Command::Run(args) => run::run(&args),
        Command::Log(args) => log::log(&args),
        Command::Undo(args) => undo::undo(&args),
        Command::Library(LibraryCommand::List { json }) => {
            library::list(json, console::Terminal::detect().fit())
                .and_then(|text| console::print(&text).map(|()| Exit::Ok))
        }
        Command::Library(LibraryCommand::Show { name }) => {
            library::show(&name, console::Terminal::detect().width)
                .and_then(|text| console::print(&text).map(|()| Exit::Ok))
        }
        Command::Pull(args) => pull::run(&args),
        Command::Export { from, program, out } => {
            export::export(&from, &program, &out).map(|()| Exit::Ok)
        }
        Command::Generate {
            bundles,
            out,
            seed,
            target_assets,
        } => generate::generate(&out, bundles, seed, target_assets).map(|()| Exit::Ok),
        Command::Completions { shell } => shell::completions(shell).map(|()| Exit::Ok),
        Command::Man => shell::man().map(|()| Exit::Ok),
    };
    match result {
        Ok(exit) => ExitCode::from(exit.code()),
        Err(err) => {
            if let Some(usage) = err.downcast_ref::<UsageError>() {
                crate::errln!("error: {usage}");
                return ExitCode::from(USAGE);
            }
            crate::errln!("error: {err:#}");
            ExitCode::from(Exit::Error.code())
        }
    }
}

/// When a person watches standard error (a terminal) and standard output
/// is for people too (no machine format), tell them of each call to a
/// Marketo instance that is sent again, and why, before its wait: an
/// instance that cannot be reached is never silent. Installed once per
/// command; a script sees only the outcome.
pub fn announce_retries(terminal: console::Terminal, format: crate::cli::OutputFormat) {
    if terminal.stderr && !format.is_machine() {
        crate::marketo::network::on_retry(|retry| console::notice_line(&retry.to_string()));
    }
}

/// Everything loaded and planned for one `preview` or `run`.
pub struct Prepared {
    pub request: ImportRequest,
    pub state: Subscription,
    pub plan: Plan,
    /// A live instance: the calls a run of the plan takes in all, and
    /// those the instance counted today before.
    pub calls_estimate: Option<u64>,
    pub calls_used_today: Option<u64>,
}

impl Prepared {
    /// The API calls of a live instance, the ones made so far counted now.
    pub fn calls(&self, target: &dyn Target) -> Option<crate::output::report::Calls> {
        target.calls().map(|made| crate::output::report::Calls {
            made,
            estimate: self.calls_estimate,
            used_today: self.calls_used_today,
        })
    }

    pub fn context(
        &self,
        mode: crate::output::Mode,
        import_id: Option<String>,
    ) -> crate::output::Context {
        crate::output::Context {
            mode,
            import_id,
            source: self.request.from.clone(),
            target: self.state.label.clone(),
        }
    }
}

/// The subscription whose marketing activities hold `from`, if any:
/// programs read from there come without their external assets, which
/// are in that subscription's design studio.
fn subscription_around(from: &str) -> Option<std::path::PathBuf> {
    let given = std::path::Path::new(from);
    let canonical = given.canonicalize().ok();
    [Some(given.to_path_buf()), canonical]
        .into_iter()
        .flatten()
        .find_map(|path| {
            path.ancestors()
                .filter(|a| a.file_name().is_some_and(|n| n == "marketing-activities"))
                .filter_map(|a| a.parent())
                .find(|s| Subscription::is_subscription(s))
                .map(|s| s.to_path_buf())
        })
}

/// Load the target's state and the source, select, and plan: each bundle
/// is planned as soon as it is read, and its content dropped once it is
/// planned (the plan keeps what it needs; `run` reads it again).
pub fn prepare(request: ImportRequest, target: &dyn Target) -> Result<Prepared> {
    // Reading a live instance takes minutes: say how far it is.
    target.show_progress(request.terminal.stderr && !request.format.is_machine());
    let state = target.load()?;
    if let Some(subscription) = subscription_around(&request.from) {
        let shown = match crate::error::show(&subscription) {
            empty if empty.is_empty() => ".".to_string(),
            shown => shown,
        };
        crate::errln!(
            "hint: {} is inside the marketing activities of the subscription {shown}: its programs' templates, images and forms are in that subscription's design studio, which this source leaves out; to import programs with their assets, use --from {shown} --program NAME",
            request.from
        );
    }
    // A live instance as the source is pulled first, then read like a
    // subscription directory.
    let from = match request.from.strip_prefix(crate::cli::TargetSpec::MARKETO) {
        Some(instance) => crate::error::show(&crate::targets::instance::pull_source(
            instance,
            request.terminal.stderr && !request.format.is_machine(),
        )?),
        None => request.from.clone(),
    };
    let mut source = crate::load::source::Source::open(&from, &request.limits)?;
    source.select(&request.selection)?;
    let mut options = PlanOptions {
        rules: request.rules.clone(),
        services: request.services.clone(),
        folder: request.folder.clone(),
        user: request.user.clone(),
        overrides: request.overrides.clone(),
    };
    let plan = if request.ask_conflicts {
        // Asking needs every bundle at hand: each answer plans again.
        let items = source.read_all();
        items.iter().for_each(report_bad_input);
        crate::request::wizard::ask_conflicts(&items, &state, &mut options)?;
        let mut plan = crate::plan::plan(&items, &state, &options);
        for (item, program) in items.iter().zip(plan.programs.iter_mut()) {
            if let Ok(bundle) = &item.bundle {
                target.annotate(bundle, program);
            }
        }
        plan
    } else {
        // Each bundle is dropped once planned: the plan keeps where to
        // read it again.
        let mut planning = crate::plan::Planning::new(&state, &options);
        planning.reserve(source.len());
        source.stream(|item| {
            report_bad_input(&item);
            let program = planning.add(&item);
            if let Ok(bundle) = &item.bundle {
                target.annotate(bundle, program);
            }
        });
        planning.finish()
    };
    let request = ImportRequest {
        overrides: options.overrides,
        ..request
    };
    // Asked before the estimate, which counts this call too.
    let calls_used_today = target.calls_used_today();
    let calls_estimate = target.calls_estimate(&plan);
    Ok(Prepared {
        request,
        state,
        plan,
        calls_estimate,
        calls_used_today,
    })
}

/// Tell standard error about a bundle that could not be read.
fn report_bad_input(item: &crate::load::bundle::SourceItem) {
    if let Err(err) = &item.bundle {
        crate::errln!("error: {err}");
    }
}

/// The exit a plan earns in `preview`.
pub fn preview_exit(plan: &Plan) -> Exit {
    if plan.has_bad_input() {
        Exit::Error
    } else if plan.count(Status::Blocked) > 0 {
        Exit::Blocked
    } else {
        Exit::Ok
    }
}
