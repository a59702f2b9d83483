//! `mkimport log`: the imports into a target (and their undos), newest
//! first.

use anyhow::Result;

use super::Exit;
use crate::cli::{LogArgs, LogFormat, OutputFormat};
use crate::output::{console, log, report};
use crate::targets::Target;

pub fn log(args: &LogArgs) -> Result<Exit> {
    let format = match args.output_format() {
        LogFormat::Table => OutputFormat::Table,
        LogFormat::Json => OutputFormat::Json,
        LogFormat::Markdown => OutputFormat::Markdown,
    };
    super::announce_retries(console::Terminal::detect(), format);
    let target = crate::targets::open(&args.to)?;
    finish_interrupted(target.as_ref())?;
    let history = target.history()?;
    let text = match args.output_format() {
        LogFormat::Json => report::to_json_text(&log::log_json(&history)),
        LogFormat::Markdown => log::log_markdown(&history, target.label(), args.verbose),
        LogFormat::Table => {
            let fit = console::Terminal::detect().fit();
            log::log_table(&history, target.label(), fit, args.verbose)
        }
    };
    console::print(&text)?;
    Ok(Exit::Ok)
}

/// Finish a run or undo that was interrupted, so that the log shows what
/// the target holds; when another one holds the lock (it is running now),
/// say so and list what has landed.
fn finish_interrupted(target: &dyn Target) -> Result<()> {
    if !target.interrupted() {
        return Ok(());
    }
    match target.try_lock()? {
        Some(_lock) => {
            if target.recover()? {
                crate::errln!(
                    "note: finished an interrupted run or undo on {}",
                    target.label()
                );
            }
        }
        None => crate::errln!(
            "note: a run or undo is in progress on {}; it is not listed until it lands",
            target.label()
        ),
    }
    Ok(())
}
