//! `marketo-sim`: serve a subscription directory as a simulated Marketo
//! instance, for trying `mkimport pull` by hand and in the docs' examples.
//!
//! ```text
//! marketo-sim --from fixtures/sandbox [--port 8080] [--munchkin 123-ABC-456]
//!             [--client-id ID --client-secret SECRET] [--window-ms MS]
//!             [--latency-ms MS] [--used-today N] [--daily-quota N]
//!             [--url-file FILE] [--stats-file FILE]
//! ```
//!
//! The credentials default to `sim-client-id` and `sim-client-secret`; the
//! limits are Marketo's (100 calls in any 20 s, 10 at once), with the window
//! shortened by `--window-ms` for quick examples. `--latency-ms` adds that
//! much time to every REST call (a real instance takes about 600 ms);
//! `--used-today` is the calls other integrations made today (reported by
//! `GET /rest/v1/stats/usage.json`, counted by the quota); `--daily-quota`
//! answers 607 beyond that many calls in the day (none: unlimited).
//!
//! It prints the base URL on standard output (and writes it to FILE when
//! asked), then serves until killed. With `--stats-file`, it keeps that
//! file up to date (every 200 ms) with one line of what it counted: the
//! calls admitted, the identity calls, the most calls seen in one window
//! and at once, and the calls refused with 606, 615 and 607 (the
//! benchmark `benches/marketo.sh` reads it).

use std::path::PathBuf;
use std::process::ExitCode;

use marketo_sim::{Instance, Sim, SimConfig};

fn usage() -> ExitCode {
    eprintln!(
        "usage: marketo-sim --from SUBSCRIPTION_DIR [--port PORT] [--munchkin ID] \
         [--client-id ID] [--client-secret SECRET] [--window-ms MS] [--latency-ms MS] \
         [--used-today N] [--daily-quota N] [--url-file FILE] [--stats-file FILE]"
    );
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let mut from: Option<PathBuf> = None;
    let mut port = 0u16;
    let mut munchkin = "123-ABC-456".to_string();
    let mut config = SimConfig::default();
    let mut url_file: Option<PathBuf> = None;
    let mut stats_file: Option<PathBuf> = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next();
        match arg.as_str() {
            "--from" => from = value().map(PathBuf::from),
            "--port" => match value().and_then(|v| v.parse().ok()) {
                Some(p) => port = p,
                None => return usage(),
            },
            "--munchkin" => match value() {
                Some(m) => munchkin = m,
                None => return usage(),
            },
            "--client-id" => match value() {
                Some(v) => config.client_id = v,
                None => return usage(),
            },
            "--client-secret" => match value() {
                Some(v) => config.client_secret = v,
                None => return usage(),
            },
            "--window-ms" => match value().and_then(|v| v.parse().ok()) {
                Some(ms) if ms > 0 => config.window = std::time::Duration::from_millis(ms),
                _ => return usage(),
            },
            "--latency-ms" => match value().and_then(|v| v.parse().ok()) {
                Some(ms) => config.latency = std::time::Duration::from_millis(ms),
                None => return usage(),
            },
            "--used-today" => match value().and_then(|v| v.parse().ok()) {
                Some(n) => config.used_today = n,
                None => return usage(),
            },
            "--daily-quota" => match value().and_then(|v| v.parse().ok()) {
                Some(n) => config.daily_quota = Some(n),
                None => return usage(),
            },
            "--url-file" => url_file = value().map(PathBuf::from),
            "--stats-file" => stats_file = value().map(PathBuf::from),
            _ => return usage(),
        }
    }
    let Some(from) = from else {
        return usage();
    };
    let instance = match Instance::from_subscription(&from, &munchkin) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("marketo-sim: cannot read {}: {e}", from.display());
            return ExitCode::from(1);
        }
    };
    let sim = match Sim::start_on(instance, config, port) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("marketo-sim: cannot listen on 127.0.0.1:{port}: {e}");
            return ExitCode::from(1);
        }
    };
    println!("{}", sim.url());
    if let Some(file) = url_file {
        if let Err(e) = std::fs::write(&file, format!("{}\n", sim.url())) {
            eprintln!("marketo-sim: cannot write {}: {e}", file.display());
            return ExitCode::from(1);
        }
    }
    loop {
        match &stats_file {
            Some(file) => {
                let s = sim.stats();
                let line = format!(
                    "calls {} token_calls {} max_in_window {} max_in_flight {} rejected_606 {} rejected_615 {} rejected_607 {}\n",
                    s.calls,
                    s.token_calls,
                    s.max_in_window,
                    s.max_in_flight,
                    s.rejected_606,
                    s.rejected_615,
                    s.rejected_607
                );
                let _ = std::fs::write(file, line);
                std::thread::sleep(std::time::Duration::from_millis(200));
            }
            None => std::thread::park(),
        }
    }
}
