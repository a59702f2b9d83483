//! Marketo's limits, and the limiter that keeps every call within them.
//!
//! Marketo allows 100 calls in any 20 seconds (error 606 beyond) and 10
//! calls at once (error 615 beyond). The [`Limiter`] is a sliding window
//! plus a counting semaphore, shared by every thread of a client:
//!
//! - at most `concurrency` calls are in flight;
//! - a call occupies the window from the moment it is sent until `window`
//!   after its answer was read. Counting from the answer rather than from the
//!   send is deliberate: Marketo counts a call when it *arrives*, which is
//!   somewhere between the two, so a window counted this way always holds at
//!   least as many calls as Marketo's, whatever the network delays. The cost
//!   is a little throughput (one round trip per window).
//!
//! # The hidden knob `MKIMPORT_MARKETO_LIMITS`
//!
//! For tests only (documented in docs/marketo.md, not in `--help`): a
//! comma-separated list of `key=value` that replaces the defaults, e.g.
//! `MKIMPORT_MARKETO_LIMITS=calls=100,window=50ms,backoff=1ms`. Keys:
//! `calls` (per window, default 100), `window` (20s), `concurrency` (10),
//! `retries` (transient failures retried per call, 5), `backoff` (first
//! wait before a retry, 1s, doubling), `max_backoff` (30s), `waits` (how
//! many times a call waits out a 606/615 before giving up, 10), `timeout`
//! (per call, 120s). Durations take `ms`, `s` or `m`. Whatever the values,
//! the client never exceeds the limits in force: they are what the limiter
//! enforces.

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use anyhow::Result;

use crate::error::usage;

/// Marketo's default daily quota of calls, shared by every integration of
/// an instance (error 607 beyond; an instance may have bought more).
pub const DAILY_QUOTA: u64 = 50_000;

/// The environment variable of the hidden limits knob (see the module docs).
pub const LIMITS_ENV: &str = "MKIMPORT_MARKETO_LIMITS";

/// Limits, retries and timeouts of a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Calls allowed in any `window`.
    pub calls: usize,
    pub window: Duration,
    /// Calls allowed at once.
    pub concurrency: usize,
    /// How many times a call that failed transiently (604, 608, 611, 713,
    /// HTTP 5xx, a broken connection) is sent again.
    pub retries: u32,
    /// The first wait before a retry; it doubles each time, up to
    /// `max_backoff`.
    pub backoff: Duration,
    pub max_backoff: Duration,
    /// How many times a call answered 606 or 615 waits and is sent again.
    pub waits: u32,
    /// How long one call may take.
    pub timeout: Duration,
}

impl Default for Limits {
    /// Marketo's real limits.
    fn default() -> Self {
        Limits {
            calls: 100,
            window: Duration::from_secs(20),
            concurrency: 10,
            retries: 5,
            backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(30),
            waits: 10,
            timeout: Duration::from_secs(120),
        }
    }
}

impl Limits {
    /// The defaults, overridden by `MKIMPORT_MARKETO_LIMITS` when it is set.
    pub fn from_env() -> Result<Limits> {
        match std::env::var(LIMITS_ENV) {
            Ok(text) if !text.trim().is_empty() => Limits::parse(&text),
            _ => Ok(Limits::default()),
        }
    }

    /// Parse the knob's `key=value,...` over the defaults.
    pub fn parse(text: &str) -> Result<Limits> {
        let mut limits = Limits::default();
        for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let Some((key, value)) = item.split_once('=') else {
                return Err(usage(format!("{LIMITS_ENV}: {item:?} is not key=value")));
            };
            let (key, value) = (key.trim(), value.trim());
            let bad = |what: &str| usage(format!("{LIMITS_ENV}: {key}={value:?} is not {what}"));
            let count = |min: u64| {
                value
                    .parse::<u64>()
                    .ok()
                    .filter(|n| *n >= min)
                    .ok_or_else(|| bad(&format!("a whole number of at least {min}")))
            };
            match key {
                "calls" => limits.calls = count(1)? as usize,
                "concurrency" => limits.concurrency = count(1)? as usize,
                "retries" => limits.retries = count(0)?.min(100) as u32,
                "waits" => limits.waits = count(0)?.min(1000) as u32,
                "window" => limits.window = duration(value).ok_or_else(|| bad("a duration"))?,
                "backoff" => limits.backoff = duration(value).ok_or_else(|| bad("a duration"))?,
                "max_backoff" => {
                    limits.max_backoff = duration(value).ok_or_else(|| bad("a duration"))?
                }
                "timeout" => {
                    limits.timeout = duration(value)
                        .filter(|d| !d.is_zero())
                        .ok_or_else(|| bad("a duration above zero"))?
                }
                _ => {
                    return Err(usage(format!(
                        "{LIMITS_ENV}: unknown key {key:?} (known: calls, window, concurrency, retries, backoff, max_backoff, waits, timeout)"
                    )))
                }
            }
        }
        Ok(limits)
    }

    /// How long `calls` more calls take at the rate limit.
    pub fn eta(&self, calls: usize) -> Duration {
        self.window.mul_f64(calls as f64 / self.calls.max(1) as f64)
    }

    /// The wait before retry number `attempt` (1-based).
    pub fn backoff_for(&self, attempt: u32) -> Duration {
        let factor = 1u32 << attempt.saturating_sub(1).min(16);
        self.backoff.saturating_mul(factor).min(self.max_backoff)
    }
}

/// `250ms`, `20s`, `1.5s`, `2m`.
fn duration(text: &str) -> Option<Duration> {
    let (number, unit) = if let Some(n) = text.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1.0)
    } else if let Some(n) = text.strip_suffix('m') {
        (n, 60.0)
    } else {
        return None;
    };
    let value: f64 = number.trim().parse().ok()?;
    (value.is_finite() && value >= 0.0 && value * unit < 86_400.0)
        .then(|| Duration::from_secs_f64(value * unit))
}

/// The sliding window and semaphore described in the module docs.
#[derive(Debug)]
pub struct Limiter {
    limits: Limits,
    state: Mutex<State>,
    changed: Condvar,
}

#[derive(Debug, Default)]
struct State {
    /// Calls sent and not finished.
    running: usize,
    /// When the finished calls still in the window finished, oldest first.
    finished: VecDeque<Instant>,
}

impl State {
    fn prune(&mut self, now: Instant, window: Duration) {
        while self
            .finished
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) >= window)
        {
            self.finished.pop_front();
        }
    }
}

impl Limiter {
    pub fn new(limits: Limits) -> Arc<Limiter> {
        Arc::new(Limiter {
            limits,
            state: Mutex::new(State::default()),
            changed: Condvar::new(),
        })
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Wait until one more call fits in the limits, and take its place.
    pub fn acquire(self: &Arc<Self>) -> Permit {
        let limits = &self.limits;
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            let now = Instant::now();
            state.prune(now, limits.window);
            let in_window = state.running + state.finished.len();
            if state.running < limits.concurrency && in_window < limits.calls {
                state.running += 1;
                return Permit {
                    limiter: Arc::clone(self),
                    done: false,
                };
            }
            // Wake when a call finishes or the oldest one leaves the window.
            let wait = state
                .finished
                .front()
                .map(|t| (*t + limits.window).saturating_duration_since(now))
                .unwrap_or(limits.window)
                .max(Duration::from_micros(100));
            state = self
                .changed
                .wait_timeout(state, wait)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    fn finish(&self) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.running = state.running.saturating_sub(1);
        state.finished.push_back(Instant::now());
        drop(state);
        self.changed.notify_all();
    }
}

/// A call's place in the limits; dropping it marks the call finished.
#[derive(Debug)]
pub struct Permit {
    limiter: Arc<Limiter>,
    done: bool,
}

impl Permit {
    /// Finish the call only after `delay`: for a call abandoned on a
    /// time-out, which may still be running at Marketo.
    pub fn finish_after(mut self, delay: Duration) {
        self.done = true;
        let limiter = Arc::clone(&self.limiter);
        std::thread::spawn(move || {
            std::thread::sleep(delay);
            limiter.finish();
        });
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        if !self.done {
            self.limiter.finish();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn knob_parses_over_defaults() {
        let l =
            Limits::parse("calls=7, window=250ms,concurrency=3,backoff=1.5s,timeout=2m").unwrap();
        assert_eq!(l.calls, 7);
        assert_eq!(l.window, Duration::from_millis(250));
        assert_eq!(l.concurrency, 3);
        assert_eq!(l.backoff, Duration::from_millis(1500));
        assert_eq!(l.timeout, Duration::from_secs(120));
        assert_eq!(l.retries, Limits::default().retries);
        for bad in [
            "calls=0",
            "calls",
            "window=5",
            "speed=3",
            "timeout=0s",
            "concurrency=-1",
        ] {
            assert!(Limits::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let l = Limits::parse("backoff=1s,max_backoff=5s").unwrap();
        assert_eq!(l.backoff_for(1), Duration::from_secs(1));
        assert_eq!(l.backoff_for(2), Duration::from_secs(2));
        assert_eq!(l.backoff_for(3), Duration::from_secs(4));
        assert_eq!(l.backoff_for(4), Duration::from_secs(5));
        assert_eq!(l.backoff_for(40), Duration::from_secs(5));
    }

    /// Many threads hammering the limiter never have more than
    /// `concurrency` calls at once, nor more than `calls` calls (counted
    /// from start to end + window) in any window.
    #[test]
    fn limiter_keeps_both_limits() {
        let limits = Limits::parse("calls=8,window=60ms,concurrency=3").unwrap();
        let limiter = Limiter::new(limits.clone());
        let running = Arc::new(AtomicUsize::new(0));
        let max_running = Arc::new(AtomicUsize::new(0));
        let spans = Arc::new(Mutex::new(Vec::new()));
        std::thread::scope(|s| {
            for _ in 0..6 {
                let (limiter, running, max_running, spans) =
                    (&limiter, &running, &max_running, &spans);
                s.spawn(move || {
                    for _ in 0..8 {
                        let permit = limiter.acquire();
                        let start = Instant::now();
                        let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                        max_running.fetch_max(now, Ordering::SeqCst);
                        std::thread::sleep(Duration::from_millis(2));
                        running.fetch_sub(1, Ordering::SeqCst);
                        let end = Instant::now();
                        drop(permit);
                        spans.lock().unwrap().push((start, end));
                    }
                });
            }
        });
        assert!(max_running.load(Ordering::SeqCst) <= 3);
        let spans = spans.lock().unwrap();
        assert_eq!(spans.len(), 48);
        // At each start, the calls whose [start, end + window) holds it.
        for (start, _) in spans.iter() {
            let n = spans
                .iter()
                .filter(|(s, e)| s <= start && *start < *e + limits.window)
                .count();
            assert!(n <= 8, "{n} calls in one window");
        }
    }

    #[test]
    fn eta_follows_the_rate() {
        let l = Limits::default();
        assert_eq!(l.eta(100), Duration::from_secs(20));
        assert_eq!(l.eta(250), Duration::from_secs(50));
    }
}
