//! Ctrl-C (SIGINT, and SIGTERM and SIGHUP alike) during the commands that
//! talk to a live instance: `run --to marketo:`, `pull`, `undo`.
//!
//! The first one asks the command to stop as soon as it can do so
//! cleanly: a run starts no new program and lets the ones in flight land
//! or be taken back, a pull stops fetching and leaves its DIR as it was,
//! an undo finishes what it started. The command says so at once, and
//! ends with exit code 130. A second one ends the process at once, saying
//! what the next command on the target will finish (the journal keeps
//! it).
//!
//! The other commands keep the default: a directory run is crash-safe and
//! the next run completes it.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, Once};

/// The exit code of a command stopped by a signal (128 + SIGINT).
pub const EXIT_CODE: u8 = 130;

static SIGNALS: AtomicUsize = AtomicUsize::new(0);
static INSTALL: Once = Once::new();
static NOTICE: Mutex<Notice> = Mutex::new(Notice {
    first: String::new(),
    second: String::new(),
});
static BAR: Mutex<Option<indicatif::ProgressBar>> = Mutex::new(None);

struct Notice {
    /// Said at the first signal.
    first: String,
    /// Said at the second, before the process ends.
    second: String,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Take over Ctrl-C for this command: `first` is said at the first signal
/// (the command then stops as soon as it cleanly can), `second` at the
/// second (the process then ends).
pub fn install(first: impl Into<String>, second: impl Into<String>) {
    say(first, second);
    INSTALL.call_once(|| {
        // Without a handler (another one set, no signal thread), Ctrl-C
        // keeps its default: the process ends, the journal stays.
        let _ = ctrlc::set_handler(handle);
    });
}

/// Change what the next signal says.
pub fn say(first: impl Into<String>, second: impl Into<String>) {
    let mut notice = lock(&NOTICE);
    notice.first = first.into();
    notice.second = second.into();
}

/// Has the command been asked to stop?
pub fn requested() -> bool {
    SIGNALS.load(Ordering::Relaxed) > 0
}

/// The progress bar on standard error, if any: a message is printed above
/// it, and it is cleared before the process ends.
pub fn bar(bar: Option<indicatif::ProgressBar>) {
    *lock(&BAR) = bar;
}

fn handle() {
    let n = SIGNALS.fetch_add(1, Ordering::Relaxed) + 1;
    let notice = lock(&NOTICE);
    let bar = lock(&BAR).clone();
    if n == 1 {
        let text = notice.first.clone();
        match bar {
            Some(bar) => bar.suspend(|| crate::errln!("{text}")),
            None => crate::errln!("{text}"),
        }
    } else {
        if let Some(bar) = bar {
            bar.finish_and_clear();
        }
        crate::errln!("{}", notice.second);
        std::process::exit(i32::from(EXIT_CODE));
    }
}
