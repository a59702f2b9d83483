//! The progress line of a pull on standard error.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::marketo::client::Client;

pub(super) struct Progress {
    pub(super) bar: Option<indicatif::ProgressBar>,
    pub(super) estimate: Arc<AtomicU64>,
    pub(super) stop: Arc<AtomicBool>,
    pub(super) ticker: Option<std::thread::JoinHandle<()>>,
}

impl Progress {
    pub(super) fn start(client: Arc<Client>, enabled: bool) -> Progress {
        let estimate = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        if !enabled {
            return Progress {
                bar: None,
                estimate,
                stop,
                ticker: None,
            };
        }
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} pulling: {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        );
        crate::interrupt::bar(Some(bar.clone()));
        let ticker = {
            let (bar, estimate, stop) = (bar.clone(), Arc::clone(&estimate), Arc::clone(&stop));
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let calls = client.counts().calls;
                    let total = estimate.load(Ordering::Relaxed);
                    let msg = if total == 0 {
                        format!("{calls} calls, reading the lists")
                    } else if calls >= total {
                        // Past its estimate (retries, contents found on
                        // the way): no time left to promise.
                        format!("{calls} calls, finishing")
                    } else {
                        let left = total.saturating_sub(calls);
                        let eta = client.limits().eta(left as usize);
                        format!(
                            "{calls} of about {total} calls, about {} left at the rate limit",
                            short_duration(eta)
                        )
                    };
                    bar.set_message(msg);
                    bar.tick();
                    std::thread::sleep(Duration::from_millis(200));
                }
            })
        };
        Progress {
            bar: Some(bar),
            estimate,
            stop,
            ticker: Some(ticker),
        }
    }

    pub(super) fn set_estimate(&self, total: u64) {
        self.estimate.store(total.max(1), Ordering::Relaxed);
    }

    pub(super) fn finish(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.ticker.take() {
            let _ = t.join();
        }
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

pub(super) fn short_duration(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 3600 {
        format!("{}h{:02}m", s / 3600, s % 3600 / 60)
    } else if s >= 60 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{s}s")
    }
}
