//! The REST client: authentication, the response envelope, paging, limits
//! and retries. Endpoint functions live in [`super::api`].
//!
//! Every call goes through [`Client::call`]:
//!
//! 1. an access token is taken (fetched from `/identity/oauth/token` when
//!    there is none or it is about to expire), and sent as
//!    `Authorization: Bearer`;
//! 2. the [`Limiter`] admits the call (never more than the limits in force);
//! 3. the answer is read whole and parsed as Marketo's envelope
//!    (`success`, `errors[{code, message}]`, `warnings`, `result`).
//!
//! Failures are sorted as Marketo's documentation says: 601/602 renew the
//! token and send the call again; 606/615 wait and send it again; 604, 608,
//! 611, 713, HTTP 5xx, a broken connection or a truncated answer are retried
//! with a doubling back-off, a bounded number of times; 607 (daily quota)
//! stops at once; 702 ("no data") is an empty result. A retried call counts
//! as a call each time it is sent.
//!
//! The network is bounded too: a host name that does not resolve fails at
//! once (no retry: it will not resolve a second later); a connection that
//! is refused or not answered within [`CONNECT_TIMEOUT`] is tried
//! [`super::network::CONNECT_ATTEMPTS`] times at most ([`super::network`]
//! sorts the failures). Threads that waited for a token while its fetch
//! failed get that failure, not a fetch of their own. Each wait before a
//! retry is announced through the hook a command installs
//! ([`super::network::on_retry`]): on a terminal, a person sees what is
//! going on.
//!
//! The client id and secret never appear in an error, a message or a URL
//! shown to anyone: errors name the endpoint by its path only.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Result;
use serde_json::{Map, Value};

use super::instance::Instance;
use super::limits::{Limiter, Limits};
use super::network::{
    announce, connect_attempts, transport_detail, trouble, Retry, Trouble, CONNECT_TIMEOUT,
};

mod answers;
mod body;
mod credentials;
mod error;
mod files;

pub use body::{Body, Part};
pub use credentials::{Credentials, CLIENT_ID_ENV, CLIENT_SECRET_ENV};
pub use error::{ApiError, ErrorKind};

pub use answers::{read_envelope, read_token};
use files::file_agent;
pub use files::{url_host, MAX_FILE_REDIRECTS};

/// Page size of the paged list endpoints (Marketo's maximum).
pub const PAGE_SIZE: usize = 200;

/// The largest answer read (a page of 200 emails with their metadata is
/// far below this).
const MAX_ANSWER_BYTES: u64 = 64 << 20;

/// The identity endpoint.
pub const IDENTITY_PATH: &str = "/identity/oauth/token";

/// Marketo's response envelope.
#[derive(Debug, Clone, Default)]
pub struct Envelope {
    pub result: Vec<Value>,
    pub warnings: Vec<Value>,
    /// Lead-database paging (`nextPageToken`), when there is more.
    pub next_page_token: Option<String>,
    /// The endpoint answered 702 ("no data found").
    pub no_data: bool,
}

/// How many calls of each kind a client made.
#[derive(Debug)]
pub struct Counters {
    /// Every call to the instance's API sent (identity calls included,
    /// retries included).
    pub calls: AtomicU64,
    /// The identity calls among them.
    pub token_calls: AtomicU64,
    /// Calls (and downloads) sent again after a transient failure or a
    /// 606/615.
    pub retries: AtomicU64,
    /// File downloads (from the files' public URLs; not API calls).
    pub downloads: AtomicU64,
    /// The most calls the client may send (`u64::MAX`: no limit).
    cap: AtomicU64,
}

impl Counters {
    /// Count one more call, unless it would go past the cap.
    fn admit(&self) -> Result<(), u64> {
        let cap = self.cap.load(Ordering::Relaxed);
        self.calls
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
                (n < cap).then_some(n + 1)
            })
            .map(|_| ())
            .map_err(|_| cap)
    }
}

impl Default for Counters {
    fn default() -> Self {
        Counters {
            calls: AtomicU64::new(0),
            token_calls: AtomicU64::new(0),
            retries: AtomicU64::new(0),
            downloads: AtomicU64::new(0),
            cap: AtomicU64::new(u64::MAX),
        }
    }
}

/// A snapshot of the counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub calls: u64,
    pub token_calls: u64,
    pub retries: u64,
    pub downloads: u64,
}

#[derive(Debug)]
struct Token {
    value: String,
    /// Renew from this moment on.
    renew_at: Instant,
    generation: u64,
}

/// The token, and the last failure to fetch one.
#[derive(Debug, Default)]
struct TokenSlot {
    token: Option<Token>,
    /// When a fetch failed, and how: the threads that waited for that
    /// fetch get its failure rather than trying again one after the other.
    failed: Option<(Instant, ApiError)>,
}

/// A client of one instance. Cheap to share between threads (`Arc`).
pub struct Client {
    instance: Instance,
    credentials: Credentials,
    agent: ureq::Agent,
    /// Downloads' own agent: it follows redirects, and no request it sends
    /// carries the API's token ([`Client::download`]).
    file_agent: ureq::Agent,
    limiter: Arc<Limiter>,
    token: Mutex<TokenSlot>,
    generation: AtomicU64,
    pub counters: Counters,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("instance", &self.instance)
            .finish_non_exhaustive()
    }
}

/// One attempt's outcome, before the retry policy.
enum Attempt {
    Done(Envelope),
    /// Try again after a back-off (a transient failure).
    Transient(String),
    /// No connection could be made: try again, a few times at most.
    NoConnection(String),
    /// The host name does not resolve: not tried again.
    Unresolved(String),
    /// The answer was cut off.
    Truncated,
    /// 606/615: wait this long, then send again.
    Wait(Duration, String),
    /// 601/602: renew the token (this generation), then send again.
    Renew(u64),
    Fail(ErrorKind),
}

impl Client {
    pub fn new(instance: Instance, credentials: Credentials, limits: Limits) -> Arc<Client> {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(Some(limits.timeout))
            .timeout_resolve(Some(limits.timeout.min(CONNECT_TIMEOUT)))
            .timeout_connect(Some(limits.timeout.min(CONNECT_TIMEOUT)))
            .user_agent(concat!("mkimport/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Arc::new(Client {
            instance,
            credentials,
            agent,
            file_agent: file_agent(&limits),
            limiter: Limiter::new(limits),
            token: Mutex::new(TokenSlot::default()),
            generation: AtomicU64::new(0),
            counters: Counters::default(),
        })
    }

    pub fn instance(&self) -> &Instance {
        &self.instance
    }

    pub fn limits(&self) -> &Limits {
        self.limiter.limits()
    }

    /// Never send more than `cap` calls in all (`run --max-calls`): the
    /// calls past it fail without being sent ([`ErrorKind::Budget`]).
    pub fn set_call_cap(&self, cap: Option<u64>) {
        self.counters
            .cap
            .store(cap.unwrap_or(u64::MAX), Ordering::Relaxed);
    }

    pub fn counts(&self) -> Counts {
        Counts {
            calls: self.counters.calls.load(Ordering::Relaxed),
            token_calls: self.counters.token_calls.load(Ordering::Relaxed),
            retries: self.counters.retries.load(Ordering::Relaxed),
            downloads: self.counters.downloads.load(Ordering::Relaxed),
        }
    }

    /// `GET path?query` on the REST API, with the policy of the module docs.
    pub fn get(&self, path: &str, query: &[(&str, String)]) -> Result<Envelope, ApiError> {
        self.send(path, query, Body::None)
    }

    /// `POST path` with a body (form-encoded or multipart), with the same
    /// policy: Marketo's 6xx codes mean the call was not carried out, so it
    /// is sent again; after a failure that may have reached Marketo (a
    /// broken connection, a time-out, HTTP 5xx, an answer cut off) it is
    /// sent again too, and an error that follows says so
    /// ([`ApiError::uncertain`]).
    pub fn post(&self, path: &str, body: Body) -> Result<Envelope, ApiError> {
        self.send(path, &[], body)
    }

    fn send(&self, path: &str, query: &[(&str, String)], body: Body) -> Result<Envelope, ApiError> {
        let encoded = body.encode();
        let write = encoded.is_some();
        let mut uncertain = false;
        let fail = |kind: ErrorKind, uncertain: bool| ApiError {
            uncertain: uncertain && write,
            ..ApiError::new(path, kind)
        };
        let limits = self.limits().clone();
        let mut transient = 0u32;
        let mut truncated = 0u32;
        let mut waits = 0u32;
        let mut renewals = 0u32;
        loop {
            let (token, generation) = self.token()?;
            let attempt = self.attempt(path, query, encoded.as_ref(), &token, generation);
            // Wait, say so, and count the call sent again.
            let again = |cause: String, unreachable: bool, wait: Duration, n: u32, most: u32| {
                announce(&Retry {
                    host: self.instance.host().to_string(),
                    endpoint: path.to_string(),
                    cause,
                    unreachable,
                    wait,
                    attempt: n + 1,
                    attempts: most,
                });
                std::thread::sleep(wait);
                self.counters.retries.fetch_add(1, Ordering::Relaxed);
            };
            match attempt {
                Attempt::Done(envelope) => return Ok(envelope),
                Attempt::Fail(kind) => return Err(fail(kind, uncertain)),
                Attempt::Unresolved(detail) => {
                    return Err(fail(self.unresolved(detail), uncertain))
                }
                Attempt::Renew(generation) => {
                    renewals += 1;
                    if renewals > 2 {
                        return Err(fail(
                            ErrorKind::Api {
                                code: "601".into(),
                                message: "Access token invalid".into(),
                            },
                            uncertain,
                        ));
                    }
                    self.drop_token(generation);
                    self.counters.retries.fetch_add(1, Ordering::Relaxed);
                }
                Attempt::Wait(wait, what) => {
                    waits += 1;
                    if waits > limits.waits {
                        return Err(fail(
                            ErrorKind::GaveUp {
                                last: what,
                                attempts: waits,
                            },
                            uncertain,
                        ));
                    }
                    again(what, false, wait, waits, limits.waits + 1);
                }
                Attempt::Truncated => {
                    truncated += 1;
                    uncertain = true;
                    if truncated > limits.retries {
                        return Err(fail(
                            ErrorKind::Truncated {
                                attempts: truncated,
                            },
                            uncertain,
                        ));
                    }
                    let cause = "the answer was cut off".to_string();
                    let wait = limits.backoff_for(truncated);
                    again(cause, false, wait, truncated, limits.retries + 1);
                }
                Attempt::NoConnection(what) => {
                    // Nothing reached Marketo: the call is not uncertain.
                    transient += 1;
                    let most = connect_attempts(&limits);
                    if transient >= most {
                        return Err(fail(self.unreachable(what, transient), uncertain));
                    }
                    let wait = limits.backoff_for(transient);
                    again(what, true, wait, transient, most);
                }
                Attempt::Transient(what) => {
                    transient += 1;
                    // A Marketo code (604, 608, 611, 713) says the call was
                    // not carried out; anything else may have been.
                    if !what.starts_with("error ") {
                        uncertain = true;
                    }
                    if transient > limits.retries {
                        return Err(fail(self.gave_up(what, transient), uncertain));
                    }
                    let wait = limits.backoff_for(transient);
                    again(what, false, wait, transient, limits.retries + 1);
                }
            }
        }
    }

    /// The host name does not resolve.
    fn unresolved(&self, detail: String) -> ErrorKind {
        ErrorKind::Unresolved {
            host: self.instance.host().to_string(),
            detail,
            munchkin: !self.instance.label().contains("://"),
        }
    }

    /// No connection could be made, `attempts` times.
    fn unreachable(&self, what: String, attempts: u32) -> ErrorKind {
        ErrorKind::Unreachable {
            detail: format!("{} ({what})", self.instance.host()),
            attempts,
        }
    }

    /// Every page of a paged asset list (`offset` and `maxReturn=200`), to a
    /// short or empty page, or a 702. Returns the records and the number of
    /// pages asked for.
    pub fn get_all(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<(Vec<Value>, usize), ApiError> {
        let mut out = Vec::new();
        let mut pages = 0;
        loop {
            let mut q: Vec<(&str, String)> = query.to_vec();
            q.push(("maxReturn", PAGE_SIZE.to_string()));
            q.push(("offset", out.len().to_string()));
            let envelope = self.get(path, &q)?;
            pages += 1;
            let n = envelope.result.len();
            out.extend(envelope.result);
            if n < PAGE_SIZE || envelope.no_data {
                return Ok((out, pages));
            }
        }
    }

    /// Download a file from its public URL, which may be on another host
    /// than the REST API: with its own agent, which follows up to
    /// [`MAX_FILE_REDIRECTS`] redirects and never sends the API's token (nor
    /// any credential). Retried like a call (connection failures, HTTP
    /// 5xx); an HTTP 4xx, too many redirects, a file over `max_bytes` or a
    /// URL that is not http(s) fail at once. Errors name the URL (without
    /// its query) and, when it cannot be reached, its host.
    pub fn download(&self, url: &str, max_bytes: u64) -> Result<Vec<u8>, ApiError> {
        let shown = url.split(['?', '#']).next().unwrap_or(url).to_string();
        let lower = url.to_ascii_lowercase();
        if !(lower.starts_with("http://") || lower.starts_with("https://")) {
            return Err(ApiError::new(
                &shown,
                ErrorKind::NotJson {
                    detail: "the file's URL is not http(s)".into(),
                },
            ));
        }
        let host = url_host(url);
        let limits = self.limits().clone();
        let mut attempts = 0u32;
        loop {
            attempts += 1;
            self.counters.downloads.fetch_add(1, Ordering::Relaxed);
            let outcome = match self.file_agent.get(url).call() {
                Ok(response) => {
                    let status = response.status().as_u16();
                    if status == 200 {
                        let mut body = response.into_body();
                        match body.with_config().limit(max_bytes).read_to_vec() {
                            Ok(bytes) => return Ok(bytes),
                            Err(ureq::Error::BodyExceedsLimit(_)) => {
                                return Err(ApiError::new(
                                    &shown,
                                    ErrorKind::GaveUp {
                                        last: format!("the file is larger than {max_bytes} bytes"),
                                        attempts,
                                    },
                                ))
                            }
                            Err(e) => transport_detail(&e),
                        }
                    } else if status >= 500 {
                        format!("HTTP status {status}")
                    } else {
                        return Err(ApiError::new(&shown, ErrorKind::Http { status }));
                    }
                }
                Err(ureq::Error::TooManyRedirects) => {
                    return Err(ApiError::new(
                        &shown,
                        ErrorKind::GaveUp {
                            last: format!("more than {MAX_FILE_REDIRECTS} redirects"),
                            attempts,
                        },
                    ))
                }
                Err(e) => transport_detail(&e),
            };
            if attempts > limits.retries {
                return Err(ApiError::new(
                    &shown,
                    self.gave_up_at(host, outcome, attempts),
                ));
            }
            self.counters.retries.fetch_add(1, Ordering::Relaxed);
            std::thread::sleep(limits.backoff_for(attempts));
        }
    }

    fn gave_up(&self, last: String, attempts: u32) -> ErrorKind {
        self.gave_up_at(self.instance.host(), last, attempts)
    }

    /// A transient failure that outlasted the retries, at `host` (the
    /// instance's, or a file's).
    fn gave_up_at(&self, host: &str, last: String, attempts: u32) -> ErrorKind {
        if last.starts_with("connection") || last.starts_with("host") {
            ErrorKind::Unreachable {
                detail: format!("{host} ({last})"),
                attempts,
            }
        } else {
            ErrorKind::GaveUp { last, attempts }
        }
    }

    /// One attempt: admitted by the limiter, sent, read, sorted.
    fn attempt(
        &self,
        path: &str,
        query: &[(&str, String)],
        body: Option<&(String, Vec<u8>)>,
        token: &str,
        generation: u64,
    ) -> Attempt {
        let limits = self.limits();
        let permit = self.limiter.acquire();
        if let Err(cap) = self.counters.admit() {
            drop(permit);
            return Attempt::Fail(ErrorKind::Budget { cap });
        }
        let sent = match body {
            None => {
                let mut request = self
                    .agent
                    .get(self.instance.url(path))
                    .header("Authorization", format!("Bearer {token}"))
                    .header("Accept", "application/json");
                for (k, v) in query {
                    request = request.query(*k, v);
                }
                request.call()
            }
            Some((content_type, bytes)) => {
                let mut request = self
                    .agent
                    .post(self.instance.url(path))
                    .header("Authorization", format!("Bearer {token}"))
                    .header("Accept", "application/json")
                    .header("Content-Type", content_type.as_str());
                for (k, v) in query {
                    request = request.query(*k, v);
                }
                request.send(bytes.as_slice())
            }
        };
        let response = match sent {
            Ok(r) => r,
            Err(e) => {
                let trouble = trouble(&e);
                if matches!(trouble, Trouble::Broken(_)) && matches!(e, ureq::Error::Timeout(_)) {
                    // The call may still run at Marketo: keep its place in
                    // the limits for one more time-out.
                    permit.finish_after(limits.timeout);
                } else {
                    drop(permit);
                }
                return match trouble {
                    Trouble::Unresolved(detail) => Attempt::Unresolved(detail),
                    Trouble::NoConnection(detail) => Attempt::NoConnection(detail),
                    Trouble::Broken(detail) => Attempt::Transient(detail),
                };
            }
        };
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let mut body = response.into_body();
        let bytes = body.with_config().limit(MAX_ANSWER_BYTES).read_to_vec();
        drop(permit);
        let bytes = match bytes {
            Ok(b) => b,
            Err(ureq::Error::BodyExceedsLimit(n)) => {
                return Attempt::Fail(ErrorKind::NotJson {
                    detail: format!("the answer is larger than {n} bytes"),
                })
            }
            Err(e) if status == 200 => {
                let _ = e;
                return Attempt::Truncated;
            }
            Err(e) => return Attempt::Transient(transport_detail(&e)),
        };
        if status >= 500 {
            return Attempt::Transient(format!("HTTP status {status}"));
        }
        if status != 200 {
            return Attempt::Fail(ErrorKind::Http { status });
        }
        let value: Value = match serde_json::from_slice(&bytes) {
            Ok(v) => v,
            Err(e) if e.is_eof() => return Attempt::Truncated,
            Err(e) => {
                return Attempt::Fail(ErrorKind::NotJson {
                    detail: not_json_detail(&content_type, &bytes, &e),
                })
            }
        };
        sort_envelope(value, limits, generation)
    }

    /// The current token, fetched when there is none or it is due.
    fn token(&self) -> Result<(String, u64), ApiError> {
        let asked = Instant::now();
        let mut slot = self.token.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(token) = slot.token.as_ref() {
            if Instant::now() < token.renew_at {
                return Ok((token.value.clone(), token.generation));
            }
        }
        // A fetch that failed while this thread waited for it: its
        // failure, not another round of retries.
        if let Some((at, failure)) = &slot.failed {
            if *at >= asked {
                return Err(failure.clone());
            }
        }
        let (value, lifetime) = match self.fetch_token() {
            Ok(fetched) => fetched,
            Err(failure) => {
                slot.failed = Some((Instant::now(), failure.clone()));
                return Err(failure);
            }
        };
        let generation = self.generation.fetch_add(1, Ordering::Relaxed) + 1;
        // Renew a little before the end, so a call is never sent with a
        // token about to expire.
        let margin = (lifetime / 10).min(Duration::from_secs(60));
        slot.failed = None;
        slot.token = Some(Token {
            value: value.clone(),
            renew_at: Instant::now() + lifetime.saturating_sub(margin),
            generation,
        });
        Ok((value, generation))
    }

    /// Forget the token of this generation (another thread may already have
    /// renewed it).
    fn drop_token(&self, generation: u64) {
        let mut slot = self.token.lock().unwrap_or_else(|e| e.into_inner());
        if slot
            .token
            .as_ref()
            .is_some_and(|t| t.generation == generation)
        {
            slot.token = None;
        }
    }

    /// `GET /identity/oauth/token?grant_type=client_credentials&...`.
    fn fetch_token(&self) -> Result<(String, Duration), ApiError> {
        let limits = self.limits().clone();
        let endpoint = IDENTITY_PATH;
        let mut attempts = 0u32;
        loop {
            attempts += 1;
            let permit = self.limiter.acquire();
            if let Err(cap) = self.counters.admit() {
                return Err(ApiError::new(endpoint, ErrorKind::Budget { cap }));
            }
            self.counters.token_calls.fetch_add(1, Ordering::Relaxed);
            let response = self
                .agent
                .get(self.instance.url(endpoint))
                .query("grant_type", "client_credentials")
                .query("client_id", self.credentials.secrets()[0])
                .query("client_secret", self.credentials.secrets()[1])
                .header("Accept", "application/json")
                .call();
            // What went wrong, and whether a connection was made at all.
            let (last, unreachable) = match response {
                Ok(response) => {
                    let status = response.status().as_u16();
                    let mut body = response.into_body();
                    let bytes = body.with_config().limit(1 << 20).read_to_vec();
                    drop(permit);
                    let last = match (status, bytes) {
                        (200, Ok(bytes)) => return parse_token(endpoint, &bytes),
                        (400..=499, Ok(bytes)) => {
                            return Err(ApiError::new(
                                endpoint,
                                ErrorKind::Auth {
                                    detail: identity_refusal(status, &bytes),
                                },
                            ))
                        }
                        (s, _) if s >= 500 => format!("HTTP status {s}"),
                        (200, Err(_)) => "the answer was cut off".to_string(),
                        (s, Ok(_)) => {
                            return Err(ApiError::new(endpoint, ErrorKind::Http { status: s }))
                        }
                        (_, Err(e)) => transport_detail(&e),
                    };
                    (last, false)
                }
                Err(e) => {
                    drop(permit);
                    match trouble(&e) {
                        Trouble::Unresolved(detail) => {
                            return Err(ApiError::new(endpoint, self.unresolved(detail)))
                        }
                        Trouble::NoConnection(detail) => (detail, true),
                        Trouble::Broken(detail) => (detail, false),
                    }
                }
            };
            let most = if unreachable {
                connect_attempts(&limits)
            } else {
                limits.retries + 1
            };
            if attempts >= most {
                let kind = if unreachable {
                    self.unreachable(last, attempts)
                } else {
                    self.gave_up(last, attempts)
                };
                return Err(ApiError::new(endpoint, kind));
            }
            let wait = limits.backoff_for(attempts);
            announce(&Retry {
                host: self.instance.host().to_string(),
                endpoint: endpoint.to_string(),
                cause: last,
                unreachable,
                wait,
                attempt: attempts + 1,
                attempts: most,
            });
            self.counters.retries.fetch_add(1, Ordering::Relaxed);
            std::thread::sleep(wait);
        }
    }
}

fn parse_token(endpoint: &str, bytes: &[u8]) -> Result<(String, Duration), ApiError> {
    let value: Value = serde_json::from_slice(bytes).map_err(|e| {
        ApiError::new(
            endpoint,
            ErrorKind::NotJson {
                detail: not_json_detail("", bytes, &e),
            },
        )
    })?;
    if let Some(error) = value.get("error").and_then(Value::as_str) {
        let description = value
            .get("error_description")
            .and_then(Value::as_str)
            .unwrap_or("");
        return Err(ApiError::new(
            endpoint,
            ErrorKind::Auth {
                detail: format!("{error} {description}").trim().to_string(),
            },
        ));
    }
    let token = value
        .get("access_token")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            ApiError::new(
                endpoint,
                ErrorKind::NotJson {
                    detail: "the answer holds no access_token".into(),
                },
            )
        })?;
    let lifetime = value
        .get("expires_in")
        .and_then(|v| v.as_u64().or_else(|| v.as_str()?.parse().ok()))
        .unwrap_or(3600);
    Ok((token.to_string(), Duration::from_secs(lifetime)))
}

/// What a refusing identity service said, without echoing anything sent.
fn identity_refusal(status: u16, bytes: &[u8]) -> String {
    let said = serde_json::from_slice::<Value>(bytes)
        .ok()
        .and_then(|v| {
            let d = v.get("error_description").and_then(Value::as_str);
            let e = v.get("error").and_then(Value::as_str);
            d.or(e).map(str::to_string)
        })
        .unwrap_or_default();
    let said: String = said.chars().take(200).collect();
    if said.is_empty() {
        format!("HTTP status {status}")
    } else {
        format!("HTTP status {status}, \"{said}\"")
    }
}

/// Sort a parsed answer into an [`Attempt`].
fn sort_envelope(value: Value, limits: &Limits, generation: u64) -> Attempt {
    let Value::Object(mut map) = value else {
        return Attempt::Fail(ErrorKind::NotJson {
            detail: "the answer is JSON but not an object".into(),
        });
    };
    let success = map.get("success").and_then(Value::as_bool);
    let errors = errors_of(&map);
    if success == Some(true) || (success.is_none() && errors.is_empty()) {
        return Attempt::Done(envelope_of(&mut map));
    }
    let Some((code, message)) = errors.first().cloned() else {
        return Attempt::Fail(ErrorKind::Api {
            code: "?".into(),
            message: "success is false and no error is given".into(),
        });
    };
    let said = format!("error {code} \"{message}\"");
    match code.as_str() {
        "601" | "602" => Attempt::Renew(generation),
        "604" | "608" | "611" | "713" => Attempt::Transient(said),
        "606" => Attempt::Wait(limits.window, said),
        "615" => Attempt::Wait(limits.backoff.max(Duration::from_millis(10)), said),
        "607" => Attempt::Fail(ErrorKind::Quota { message }),
        "702" => Attempt::Done(Envelope {
            no_data: true,
            ..Envelope::default()
        }),
        _ => Attempt::Fail(ErrorKind::Api { code, message }),
    }
}

/// `errors[]` as (code, message); Marketo sends codes as strings ("601"),
/// some endpoints as numbers.
fn errors_of(map: &Map<String, Value>) -> Vec<(String, String)> {
    map.get("errors")
        .and_then(Value::as_array)
        .map(|errors| {
            errors
                .iter()
                .map(|e| {
                    let code = match e.get("code") {
                        Some(Value::String(s)) => s.trim().to_string(),
                        Some(Value::Number(n)) => n.to_string(),
                        _ => "?".to_string(),
                    };
                    let message = e
                        .get("message")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .chars()
                        .take(300)
                        .collect();
                    (code, message)
                })
                .collect()
        })
        .unwrap_or_default()
}

fn envelope_of(map: &mut Map<String, Value>) -> Envelope {
    let result = match map.remove("result") {
        Some(Value::Array(items)) => items,
        // Lead-database describe answers are arrays; anything else that is
        // present is kept as a single record.
        Some(Value::Null) | None => Vec::new(),
        Some(other) => vec![other],
    };
    let warnings = match map.remove("warnings") {
        Some(Value::Array(items)) => items,
        _ => Vec::new(),
    };
    let next_page_token = map
        .get("nextPageToken")
        .and_then(Value::as_str)
        .filter(|_| map.get("moreResult").and_then(Value::as_bool) == Some(true))
        .map(str::to_string);
    Envelope {
        result,
        warnings,
        next_page_token,
        no_data: false,
    }
}

/// Say what came instead of JSON, briefly and without control characters.
fn not_json_detail(content_type: &str, bytes: &[u8], e: &serde_json::Error) -> String {
    let start: String = String::from_utf8_lossy(&bytes[..bytes.len().min(80)])
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let kind = if content_type.is_empty() {
        String::new()
    } else {
        format!("{content_type}, ")
    };
    format!(
        "{kind}{} bytes starting {:?} ({e})",
        bytes.len(),
        start.trim()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sorted(v: Value) -> Attempt {
        sort_envelope(v, &Limits::default(), 7)
    }

    #[test]
    fn envelopes_are_sorted_by_code() {
        assert!(matches!(
            sorted(json!({"success": true, "result": [{"id": 1}]})),
            Attempt::Done(e) if e.result.len() == 1
        ));
        assert!(matches!(
            sorted(json!({"success": true, "warnings": ["No assets found for the given search criteria."]})),
            Attempt::Done(e) if e.result.is_empty()
        ));
        let err =
            |code: Value| json!({"success": false, "errors": [{"code": code, "message": "m"}]});
        assert!(matches!(sorted(err(json!("602"))), Attempt::Renew(7)));
        assert!(matches!(sorted(err(json!(601))), Attempt::Renew(7)));
        for code in ["604", "608", "611", "713"] {
            assert!(
                matches!(sorted(err(json!(code))), Attempt::Transient(_)),
                "{code}"
            );
        }
        assert!(matches!(sorted(err(json!("606"))), Attempt::Wait(..)));
        assert!(matches!(sorted(err(json!("615"))), Attempt::Wait(..)));
        assert!(matches!(
            sorted(err(json!("607"))),
            Attempt::Fail(ErrorKind::Quota { .. })
        ));
        assert!(matches!(sorted(err(json!("702"))), Attempt::Done(e) if e.no_data));
        assert!(matches!(
            sorted(err(json!("710"))),
            Attempt::Fail(ErrorKind::Api { code, .. }) if code == "710"
        ));
        assert!(matches!(
            sorted(json!([1, 2])),
            Attempt::Fail(ErrorKind::NotJson { .. })
        ));
    }

    #[test]
    fn an_unresolved_host_is_said_with_a_hint() {
        let unresolved = |munchkin| {
            ApiError::new(
                IDENTITY_PATH,
                ErrorKind::Unresolved {
                    host: "123-ABC-456.mktorest.com".into(),
                    detail: "Name or service not known".into(),
                    munchkin,
                },
            )
            .to_string()
        };
        assert!(unresolved(true).contains(
            "its host name 123-ABC-456.mktorest.com does not resolve (Name or service not known); not retried. Is the Munchkin id right?"
        ));
        assert!(unresolved(false).ends_with("Is the host name right?"));
    }

    #[test]
    fn credentials_never_show_in_debug() {
        let c = Credentials::new("the-id", "the-secret");
        let shown = format!("{c:?}");
        assert!(!shown.contains("the-id") && !shown.contains("the-secret"));
    }

    #[test]
    fn errors_name_the_endpoint_only() {
        let e = ApiError::new(
            "/rest/asset/v1/programs.json",
            ErrorKind::NotJson {
                detail: "text/html".into(),
            },
        );
        assert!(e.to_string().contains("/rest/asset/v1/programs.json"));
    }
}
