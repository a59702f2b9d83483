//! The simulator's settings and state: limits, injected faults, the call
//! log and its counters, and the instance being served.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use crate::model::Instance;

/// The API user the simulator's credentials stand for (the identity
/// answer's `scope`, the user of the usage statistics).
pub const API_USER: &str = "api-user@sim.example";

/// How the simulator behaves.
#[derive(Debug, Clone)]
pub struct SimConfig {
    pub client_id: String,
    pub client_secret: String,
    /// Calls allowed in any `window` (606 beyond).
    pub calls_per_window: usize,
    pub window: Duration,
    /// Calls allowed at once (615 beyond).
    pub max_concurrency: usize,
    /// Calls allowed in a day (607 beyond), counting `used_today`; none:
    /// unlimited.
    pub daily_quota: Option<u64>,
    /// Calls other integrations made today before the simulator started
    /// (`stats/usage.json` reports them, the quota counts them).
    pub used_today: u64,
    /// Lifetime of an access token.
    pub token_ttl: Duration,
    /// Added to every REST call (before answering).
    pub latency: Duration,
    /// Keep the answers' bodies in the call log.
    pub log_bodies: bool,
    /// Token lists include the tokens a folder or program inherits.
    pub tokens_include_inherited: bool,
}

impl Default for SimConfig {
    /// Marketo's real limits, and test credentials.
    fn default() -> Self {
        SimConfig {
            client_id: "sim-client-id".into(),
            client_secret: "sim-client-secret".into(),
            calls_per_window: 100,
            window: Duration::from_secs(20),
            max_concurrency: 10,
            daily_quota: None,
            used_today: 0,
            token_ttl: Duration::from_secs(3600),
            latency: Duration::ZERO,
            log_bodies: true,
            tokens_include_inherited: true,
        }
    }
}

/// A fault to inject into matching calls.
#[derive(Debug, Clone, PartialEq)]
pub enum FaultKind {
    /// Answer `success: false` with this Marketo error code.
    Code(String),
    /// Answer this HTTP status with an HTML body.
    Http(u16),
    /// Reset the connection instead of answering.
    Reset,
    /// Answer normally, this much later.
    Latency(Duration),
    /// Answer an HTML page with status 200.
    NotJson,
    /// Announce the whole answer, send half, close.
    Truncated,
    /// Expire the caller's token now (the call gets 602).
    ExpireToken,
}

/// Which calls a fault hits: those whose path contains `path`, after
/// letting `skip` of them through, `times` times.
#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    pub kind: FaultKind,
    pub path: String,
    pub skip: usize,
    pub times: usize,
    /// Only writes whose body has this field with this value (for
    /// instance the name of what is created), when set.
    pub field: Option<(String, String)>,
}

impl Fault {
    /// Once, on the next REST call.
    pub fn new(kind: FaultKind) -> Fault {
        Fault {
            kind,
            path: "/rest/".into(),
            skip: 0,
            times: 1,
            field: None,
        }
    }

    pub fn code(code: &str) -> Fault {
        Fault::new(FaultKind::Code(code.to_string()))
    }

    /// Only calls whose path contains this.
    pub fn on(mut self, path: &str) -> Fault {
        self.path = path.to_string();
        self
    }

    pub fn times(mut self, n: usize) -> Fault {
        self.times = n;
        self
    }

    /// Only writes whose body has `field` = `value` (e.g. the `name` of
    /// the asset a create makes): a fault aimed at one program of a run
    /// that writes several at once.
    pub fn with(mut self, field: &str, value: &str) -> Fault {
        self.field = Some((field.to_string(), value.to_string()));
        self
    }

    /// Let `n` matching calls through first.
    pub fn after(mut self, n: usize) -> Fault {
        self.skip = n;
        self
    }
}

/// One call, as the simulator saw it.
#[derive(Debug, Clone)]
pub struct Call {
    pub method: String,
    pub path: String,
    /// Decoded query parameters, in order.
    pub query: Vec<(String, String)>,
    /// The names of the fields of a POST body (form-encoded or multipart),
    /// in order.
    pub form: Vec<String>,
    pub status: u16,
    /// The Marketo error code of the answer, if any.
    pub code: Option<String>,
    pub fault: Option<FaultKind>,
    /// The answer's body (when `log_bodies`).
    pub body: Option<Vec<u8>>,
    /// Whether the request carried an `Authorization` header (a file
    /// download must not: the bearer token is for the REST API only).
    pub authorization: bool,
    /// Whether it counted against the limits.
    pub counted: bool,
}

/// What the simulator counted.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    /// REST calls admitted (counted against the limits).
    pub calls: u64,
    /// Identity calls.
    pub token_calls: u64,
    /// File downloads.
    pub downloads: u64,
    /// Calls refused with 606 (rate) and 615 (concurrency).
    pub rejected_606: u64,
    pub rejected_615: u64,
    pub rejected_607: u64,
    /// The most calls seen in one window, and at once.
    pub max_in_window: usize,
    pub max_in_flight: usize,
    /// Answers by Marketo error code.
    pub codes: HashMap<String, u64>,
}

pub(crate) struct State {
    pub instance: Instance,
    pub config: SimConfig,
    /// Access token → expiry.
    pub(crate) tokens: HashMap<String, Instant>,
    pub(crate) issued: u64,
    pub(crate) window: VecDeque<Instant>,
    pub(crate) in_flight: usize,
    /// REST calls admitted since the simulator started (not reset with
    /// the counters: the day's usage).
    pub(crate) today: u64,
    pub stats: Stats,
    pub(crate) faults: Vec<Fault>,
    pub(crate) log: Vec<Call>,
    /// The file host's base URL (`http://localhost:PORT`).
    pub files_base: String,
}

/// Seconds since 1970, now.
pub(crate) fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
