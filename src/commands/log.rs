//! `mkimport log`: the imports into a target (and their undos), newest
//! first.

use anyhow::Result;

use super::Exit;
use crate::cli::LogArgs;
use crate::output::{console, history, report};
use crate::targets::Target;

pub fn log(args: &LogArgs) -> Result<Exit> {
    let target = crate::targets::open(&args.to)?;
    finish_interrupted(target.as_ref())?;
    let history = target.history()?;
    if args.json {
        console::print(&report::to_json_text(&history::log_json(&history)))?;
    } else {
        let fit = console::Terminal::detect().fit();
        console::print(&history::log_table(&history, target.label(), fit))?;
    }
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
