//! The HTTP side: a small HTTP/1.1 server on 127.0.0.1 (keep-alive,
//! `Content-Length` bodies), Marketo's authentication and limits, injected
//! faults, and the call log. Two listeners: the REST API and identity
//! service (`http://127.0.0.1:PORT`), and the file host
//! (`http://localhost:PORT2`, see `files.rs`).

use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::config::{Call, Fault, FaultKind, SimConfig, State, Stats};
use crate::http::{parse_body, parse_query, percent_decode, Part, Reply};
use crate::model::Instance;
use crate::routes;

/// The API user the simulator's tokens belong to (the identity service's
/// `scope`, and the user of `stats/usage.json`).
pub use crate::config::API_USER;

/// Which listener a connection came in on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Host {
    Api,
    Files,
}

pub(crate) struct Shared {
    state: Mutex<State>,
    stopping: AtomicBool,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A running simulator. Dropping it stops it.
pub struct Sim {
    addr: SocketAddr,
    files_addr: SocketAddr,
    shared: Arc<Shared>,
    accept: Vec<JoinHandle<()>>,
}

impl Sim {
    /// Serve `instance` on 127.0.0.1 (a free port).
    pub fn start(instance: Instance, config: SimConfig) -> std::io::Result<Sim> {
        Sim::start_on(instance, config, 0)
    }

    /// Serve on a given port (0: any free one); the file host on any
    /// free port.
    pub fn start_on(instance: Instance, config: SimConfig, port: u16) -> std::io::Result<Sim> {
        let listener = TcpListener::bind(("127.0.0.1", port))?;
        let addr = listener.local_addr()?;
        let files = TcpListener::bind(("127.0.0.1", 0))?;
        let files_addr = files.local_addr()?;
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                instance,
                config,
                tokens: HashMap::new(),
                issued: 0,
                window: VecDeque::new(),
                in_flight: 0,
                today: 0,
                stats: Stats::default(),
                faults: Vec::new(),
                log: Vec::new(),
                files_base: format!("http://localhost:{}", files_addr.port()),
            }),
            stopping: AtomicBool::new(false),
        });
        let accept = [(listener, Host::Api), (files, Host::Files)]
            .into_iter()
            .map(|(listener, host)| {
                let shared = Arc::clone(&shared);
                std::thread::spawn(move || {
                    for stream in listener.incoming() {
                        if shared.stopping.load(Ordering::Relaxed) {
                            break;
                        }
                        let Ok(stream) = stream else { continue };
                        let shared = Arc::clone(&shared);
                        std::thread::spawn(move || serve(stream, &shared, host));
                    }
                })
            })
            .collect();
        Ok(Sim {
            addr,
            files_addr,
            shared,
            accept,
        })
    }

    /// `http://127.0.0.1:PORT`: the instance's base URL.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `http://localhost:PORT2`: the host files are served from (another
    /// host than the REST API's, as on a real instance).
    pub fn files_url(&self) -> String {
        format!("http://localhost:{}", self.files_addr.port())
    }

    /// Make a file's URL misbehave (redirects, an HTTP error, a host that
    /// does not answer), by the file's name; false when there is none.
    pub fn set_delivery(&self, name: &str, delivery: crate::model::Delivery) -> bool {
        let mut state = self.shared.lock();
        match state.instance.files.values_mut().find(|f| f.name == name) {
            Some(f) => {
                f.delivery = delivery;
                true
            }
            None => false,
        }
    }

    /// The calls made today as `stats/usage.json` reports them: those
    /// before the start (`SimConfig::used_today`) and those admitted since.
    pub fn used_today(&self) -> u64 {
        let state = self.shared.lock();
        state.config.used_today + state.today
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    pub fn config(&self) -> SimConfig {
        self.shared.lock().config.clone()
    }

    /// Change the configuration (limits, latency, quota...).
    pub fn configure(&self, f: impl FnOnce(&mut SimConfig)) {
        f(&mut self.shared.lock().config);
    }

    /// Change the instance (between pulls).
    pub fn with_instance<R>(&self, f: impl FnOnce(&mut Instance) -> R) -> R {
        f(&mut self.shared.lock().instance)
    }

    /// Queue a fault.
    pub fn inject(&self, fault: Fault) {
        self.shared.lock().faults.push(fault);
    }

    /// Drop the faults not yet used up.
    pub fn clear_faults(&self) {
        self.shared.lock().faults.clear();
    }

    /// Faults queued and not yet used up.
    pub fn pending_faults(&self) -> Vec<Fault> {
        self.shared.lock().faults.clone()
    }

    pub fn stats(&self) -> Stats {
        self.shared.lock().stats.clone()
    }

    /// Every call so far.
    pub fn calls(&self) -> Vec<Call> {
        self.shared.lock().log.clone()
    }

    /// Forget the log and the counters (not the instance nor the tokens).
    pub fn reset_counters(&self) {
        let mut s = self.shared.lock();
        s.log.clear();
        s.stats = Stats::default();
        s.window.clear();
    }

    /// Expire every access token now.
    pub fn expire_tokens(&self) {
        let now = Instant::now();
        for expiry in self.shared.lock().tokens.values_mut() {
            *expiry = now;
        }
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        self.shared.stopping.store(true, Ordering::Relaxed);
        // Wake the accept loops.
        let _ = TcpStream::connect(self.addr);
        let _ = TcpStream::connect(self.files_addr);
        for t in self.accept.drain(..) {
            let _ = t.join();
        }
    }
}

/// A parsed request.
struct Request {
    method: String,
    path: String,
    /// The target as sent (path and query, undecoded).
    target: String,
    query: Vec<(String, String)>,
    headers: HashMap<String, String>,
    body: Vec<u8>,
    close: bool,
}

fn serve(stream: TcpStream, shared: &Arc<Shared>, host: Host) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let _ = stream.set_nodelay(true);
    let Ok(write_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    let mut writer = write_half;
    loop {
        if shared.stopping.load(Ordering::Relaxed) {
            return;
        }
        let request = match read_request(&mut reader) {
            Ok(Some(r)) => r,
            _ => return,
        };
        if !handle(request, &mut writer, shared, host) {
            return;
        }
    }
}

fn read_request(reader: &mut BufReader<TcpStream>) -> std::io::Result<Option<Request>> {
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Ok(None);
    }
    let mut parts = line.split_whitespace();
    let (Some(method), Some(target), Some(version)) = (parts.next(), parts.next(), parts.next())
    else {
        return Ok(None);
    };
    let mut headers = HashMap::new();
    let mut total = 0usize;
    loop {
        let mut h = String::new();
        let n = reader.read_line(&mut h)?;
        total += n;
        if n == 0 || total > 64 * 1024 {
            return Ok(None);
        }
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
    }
    let length: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    if length > 16 << 20 {
        return Ok(None);
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_string(), parse_query(q)),
        None => (target.to_string(), Vec::new()),
    };
    let close = headers
        .get("connection")
        .is_some_and(|v| v.eq_ignore_ascii_case("close"))
        || version == "HTTP/1.0";
    Ok(Some(Request {
        method: method.to_string(),
        target: target.to_string(),
        path: percent_decode(&path),
        query,
        headers,
        body,
        close,
    }))
}

/// Handle one request; false when the connection must close.
fn handle(request: Request, out: &mut TcpStream, shared: &Arc<Shared>, host: Host) -> bool {
    let api = host == Host::Api;
    let is_rest = api && request.path.starts_with("/rest/");
    let is_identity = api && request.path.starts_with("/identity/");
    let is_file = !api && request.path.starts_with("/rs/");
    let form = if request.method == "POST" && is_rest {
        let content_type = request
            .headers
            .get("content-type")
            .cloned()
            .unwrap_or_default();
        parse_body(&content_type, &request.body)
    } else {
        Vec::new()
    };
    let mut state = shared.lock();

    // A fault hits a REST call once it is admitted (so it counts against
    // the limits, as the client must assume), any other call at once.
    let mut fault = None;
    let mut counted = false;
    let reply = if is_identity {
        state.stats.token_calls += 1;
        fault = take_fault(&mut state, &request.path, &form);
        identity(&mut state, &request)
    } else if is_file {
        state.stats.downloads += 1;
        fault = take_fault(&mut state, &request.path, &form);
        crate::files::serve(&state.instance, &state.files_base, &request.target)
    } else if is_rest {
        match admit(&mut state, &request) {
            Err(reply) => reply,
            Ok(token) => {
                counted = true;
                fault = take_fault(&mut state, &request.path, &form);
                match &fault {
                    Some(FaultKind::Code(code)) => Reply::error(code),
                    Some(FaultKind::ExpireToken) => {
                        state.tokens.insert(token, Instant::now());
                        Reply::error("602")
                    }
                    _ => {
                        let cfg = state.config.clone();
                        routes::route(
                            &mut state,
                            &cfg,
                            &request.method,
                            &request.path,
                            &request.query,
                            &form,
                        )
                    }
                }
            }
        }
    } else {
        Reply::raw(404, "text/plain", b"not found".to_vec())
    };
    if let Some(code) = &reply.code {
        *state.stats.codes.entry(code.clone()).or_default() += 1;
    }
    let latency = if counted {
        state.config.latency
    } else {
        Duration::ZERO
    };
    let log_bodies = state.config.log_bodies;
    let mut call = Call {
        method: request.method.clone(),
        path: request.path.clone(),
        query: request.query.clone(),
        form: form.iter().map(|p| p.name.clone()).collect(),
        status: reply.status,
        code: reply.code.clone(),
        fault: fault.clone(),
        body: log_bodies.then(|| reply.body.clone()),
        authorization: request.headers.contains_key("authorization"),
        counted,
    };
    drop(state);

    let mut keep = !request.close;
    // A REST call refused before admission gets its refusal, not the fault.
    let applies = counted || !is_rest;
    let extra = match &fault {
        Some(FaultKind::Latency(d)) => *d,
        _ => Duration::ZERO,
    };
    if !(latency + extra).is_zero() {
        std::thread::sleep(latency + extra);
    }
    let written = match &fault {
        Some(FaultKind::Reset) => {
            call.status = 0;
            reset(out);
            keep = false;
            true
        }
        Some(FaultKind::Http(status)) if applies => {
            call.status = *status;
            let body = format!("<html><body><h1>{status}</h1>Server error</body></html>");
            write_reply(out, *status, "text/html", body.as_bytes(), body.len(), keep)
        }
        Some(FaultKind::NotJson) if applies => {
            let body = b"<!DOCTYPE html><html><head><title>Maintenance</title></head><body>Marketo is down for maintenance</body></html>";
            write_reply(out, 200, "text/html", body, body.len(), keep)
        }
        Some(FaultKind::Truncated) if applies => {
            let half = &reply.body[..reply.body.len() / 2];
            keep = false;
            write_reply(out, 200, reply.content_type, half, reply.body.len(), false)
        }
        _ => write_reply_with(
            out,
            reply.status,
            reply.content_type,
            &reply.headers,
            &reply.body,
            reply.body.len(),
            keep,
        ),
    };
    let mut state = shared.lock();
    if counted {
        state.in_flight = state.in_flight.saturating_sub(1);
    }
    state.log.push(call);
    drop(state);
    if !written {
        return false;
    }
    if !keep {
        let _ = out.shutdown(Shutdown::Both);
    }
    keep
}

/// Authentication, quota, concurrency and rate, in Marketo's order. Calls
/// refused here do not count against the limits.
fn admit(state: &mut State, request: &Request) -> Result<String, Reply> {
    let token = request
        .headers
        .get("authorization")
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::to_string)
        .or_else(|| {
            request
                .query
                .iter()
                .find(|(k, _)| k == "access_token")
                .map(|(_, v)| v.clone())
        });
    let now = Instant::now();
    let token = match token {
        None => return Err(Reply::error("601")),
        Some(t) => t,
    };
    match state.tokens.get(&token) {
        None => return Err(Reply::error("601")),
        Some(expiry) if *expiry <= now => return Err(Reply::error("602")),
        Some(_) => {}
    }
    if let Some(quota) = state.config.daily_quota {
        if state.config.used_today + state.today >= quota {
            state.stats.rejected_607 += 1;
            return Err(Reply::error("607"));
        }
    }
    if state.in_flight >= state.config.max_concurrency {
        state.stats.rejected_615 += 1;
        return Err(Reply::error("615"));
    }
    let window = state.config.window;
    while state
        .window
        .front()
        .is_some_and(|t| now.saturating_duration_since(*t) >= window)
    {
        state.window.pop_front();
    }
    if state.window.len() >= state.config.calls_per_window {
        state.stats.rejected_606 += 1;
        return Err(Reply::error("606"));
    }
    state.window.push_back(now);
    state.in_flight += 1;
    state.today += 1;
    state.stats.calls += 1;
    state.stats.max_in_window = state.stats.max_in_window.max(state.window.len());
    state.stats.max_in_flight = state.stats.max_in_flight.max(state.in_flight);
    Ok(token)
}

fn take_fault(state: &mut State, path: &str, form: &[Part]) -> Option<FaultKind> {
    let i = state.faults.iter().position(|f| {
        path.contains(&f.path)
            && f.field.as_ref().is_none_or(|(name, value)| {
                form.iter().any(|p| p.name == *name && p.text() == *value)
            })
    })?;
    let f = &mut state.faults[i];
    if f.skip > 0 {
        f.skip -= 1;
        return None;
    }
    let kind = f.kind.clone();
    f.times = f.times.saturating_sub(1);
    if f.times == 0 {
        state.faults.remove(i);
    }
    Some(kind)
}

/// `GET /identity/oauth/token`.
fn identity(state: &mut State, request: &Request) -> Reply {
    let mut params: HashMap<String, String> = request.query.iter().cloned().collect();
    if request.method == "POST" {
        params.extend(parse_query(&String::from_utf8_lossy(&request.body)));
    }
    let get = |k: &str| params.get(k).map(String::as_str).unwrap_or("");
    if get("grant_type") != "client_credentials" {
        return Reply::raw(
            400,
            "application/json",
            br#"{"error":"invalid_request","error_description":"Unsupported grant type"}"#.to_vec(),
        );
    }
    if get("client_id") != state.config.client_id
        || get("client_secret") != state.config.client_secret
    {
        return Reply::raw(
            401,
            "application/json",
            br#"{"error":"unauthorized","error_description":"Bad client credentials"}"#.to_vec(),
        );
    }
    state.issued += 1;
    let token = format!(
        "sim-token-{:08x}-{}",
        state.issued * 2_654_435_761 % 0xffff_ffff,
        state.issued
    );
    let ttl = state.config.token_ttl;
    state.tokens.insert(token.clone(), Instant::now() + ttl);
    Reply::json(&json!({
        "access_token": token,
        "token_type": "bearer",
        "expires_in": ttl.as_secs().max(1),
        "scope": API_USER,
    }))
}

fn write_reply(
    out: &mut TcpStream,
    status: u16,
    content_type: &str,
    body: &[u8],
    announced: usize,
    keep: bool,
) -> bool {
    write_reply_with(out, status, content_type, &[], body, announced, keep)
}

fn write_reply_with(
    out: &mut TcpStream,
    status: u16,
    content_type: &str,
    headers: &[(String, String)],
    body: &[u8],
    announced: usize,
    keep: bool,
) -> bool {
    let reason = match status {
        200 => "OK",
        302 => "Found",
        403 => "Forbidden",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    };
    let extra: String = headers
        .iter()
        .map(|(k, v)| format!("{k}: {v}\r\n"))
        .collect();
    let head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {announced}\r\n{extra}Connection: {}\r\n\r\n",
        if keep { "keep-alive" } else { "close" }
    );
    out.write_all(head.as_bytes()).is_ok() && out.write_all(body).is_ok() && out.flush().is_ok()
}

/// Close with a TCP reset (SO_LINGER 0).
fn reset(out: &mut TcpStream) {
    let _ = socket2::SockRef::from(&*out).set_linger(Some(Duration::ZERO));
}
