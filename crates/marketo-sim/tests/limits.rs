//! The simulator over HTTP, spoken to with a bare `TcpStream` (so these
//! tests need no HTTP client): Marketo's limits (606, 615, 607) and what
//! `Stats` counts, the day's usage, per-call latency, and the file host's
//! deliveries.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use marketo_sim::{Delivery, Instance, Sim, SimConfig};
use serde_json::Value;

/// One request on its own connection: (status, headers, body).
fn request(base: &str, path: &str, headers: &[(&str, &str)]) -> (u16, String, Vec<u8>) {
    let host = base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(host.replace("localhost", "127.0.0.1")).unwrap();
    let mut head = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    (status, head, raw[split + 4..].to_vec())
}

fn json(body: &[u8]) -> Value {
    serde_json::from_slice(body).unwrap()
}

fn token(sim: &Sim) -> String {
    let (_, _, body) = request(
        &sim.url(),
        "/identity/oauth/token?grant_type=client_credentials&client_id=sim-client-id&client_secret=sim-client-secret",
        &[],
    );
    json(&body)["access_token"].as_str().unwrap().to_string()
}

/// A REST call's Marketo error code, if any.
fn call(sim: &Sim, token: &str, path: &str) -> Option<String> {
    let bearer = format!("Bearer {token}");
    let (_, _, body) = request(&sim.url(), path, &[("Authorization", &bearer)]);
    json(&body)["errors"][0]["code"]
        .as_str()
        .map(str::to_string)
}

fn instance() -> Instance {
    let mut i = Instance::new("123-ABC-456");
    i.add_file("hero.png", b"\x89PNG hero".to_vec());
    i.add_file("gone.png", b"gone".to_vec());
    i.add_file("far.png", b"far".to_vec());
    i
}

#[test]
fn beyond_the_calls_of_a_window_marketo_answers_606() {
    let config = SimConfig {
        calls_per_window: 5,
        window: Duration::from_secs(60),
        ..SimConfig::default()
    };
    let sim = Sim::start(instance(), config).unwrap();
    let t = token(&sim);
    for _ in 0..5 {
        assert_eq!(call(&sim, &t, "/rest/asset/v1/files.json"), None);
    }
    assert_eq!(
        call(&sim, &t, "/rest/asset/v1/files.json").as_deref(),
        Some("606")
    );
    let stats = sim.stats();
    assert_eq!((stats.calls, stats.rejected_606), (5, 1));
    assert_eq!(stats.max_in_window, 5);
}

#[test]
fn beyond_the_calls_at_once_marketo_answers_615() {
    let config = SimConfig {
        max_concurrency: 3,
        latency: Duration::from_millis(400),
        ..SimConfig::default()
    };
    let sim = Arc::new(Sim::start(instance(), config).unwrap());
    let t = token(&sim);
    let barrier = Arc::new(Barrier::new(4));
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let (sim, t, barrier) = (Arc::clone(&sim), t.clone(), Arc::clone(&barrier));
            std::thread::spawn(move || {
                barrier.wait();
                call(&sim, &t, "/rest/asset/v1/files.json")
            })
        })
        .collect();
    let codes: Vec<Option<String>> = threads.into_iter().map(|h| h.join().unwrap()).collect();
    assert_eq!(
        codes.iter().filter(|c| c.as_deref() == Some("615")).count(),
        1,
        "{codes:?}"
    );
    let stats = sim.stats();
    assert_eq!((stats.calls, stats.rejected_615), (3, 1));
    assert_eq!(stats.max_in_flight, 3);
}

#[test]
fn the_daily_quota_counts_the_calls_used_before_and_answers_607() {
    let config = SimConfig {
        daily_quota: Some(1_000),
        used_today: 997,
        ..SimConfig::default()
    };
    let sim = Sim::start(instance(), config).unwrap();
    let t = token(&sim);
    assert_eq!(call(&sim, &t, "/rest/asset/v1/files.json"), None);
    // Get Usage: the calls before the start and those since (itself
    // included), by API user.
    let bearer = format!("Bearer {t}");
    let (_, _, body) = request(
        &sim.url(),
        "/rest/v1/stats/usage.json",
        &[("Authorization", &bearer)],
    );
    let usage = json(&body);
    let day = &usage["result"][0];
    assert_eq!(day["total"], 999, "{usage}");
    assert_eq!(day["users"][0]["count"], 999, "{usage}");
    assert_eq!(day["date"].as_str().map(str::len), Some(10), "{usage}");
    assert!(usage.get("warnings").is_none());
    assert_eq!(call(&sim, &t, "/rest/asset/v1/files.json"), None);
    assert_eq!(
        call(&sim, &t, "/rest/asset/v1/files.json").as_deref(),
        Some("607")
    );
    assert_eq!(sim.stats().rejected_607, 1);
    // Counters reset for a test's measure; the day's usage stays.
    sim.reset_counters();
    assert_eq!(sim.used_today(), 1_000);
    assert_eq!(
        call(&sim, &t, "/rest/asset/v1/files.json").as_deref(),
        Some("607")
    );
}

#[test]
fn every_call_takes_the_configured_latency() {
    let config = SimConfig {
        latency: Duration::from_millis(300),
        ..SimConfig::default()
    };
    let sim = Sim::start(instance(), config).unwrap();
    let t = token(&sim);
    let start = Instant::now();
    assert_eq!(call(&sim, &t, "/rest/asset/v1/files.json"), None);
    assert!(start.elapsed() >= Duration::from_millis(300));
}

#[test]
fn the_file_host_redirects_fails_or_is_unreachable_as_told() {
    let sim = Sim::start(instance(), SimConfig::default()).unwrap();
    assert!(sim.set_delivery("hero.png", Delivery::Redirects(2)));
    assert!(sim.set_delivery("gone.png", Delivery::Status(404)));
    assert!(sim.set_delivery("far.png", Delivery::Unreachable));
    assert!(!sim.set_delivery("none.png", Delivery::Status(500)));
    let t = token(&sim);
    let bearer = format!("Bearer {t}");
    let (_, _, body) = request(
        &sim.url(),
        "/rest/asset/v1/files.json",
        &[("Authorization", &bearer)],
    );
    let files = json(&body);
    let url = |name: &str| {
        files["result"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == name)
            .unwrap()["url"]
            .as_str()
            .unwrap()
            .to_string()
    };
    // Two redirects, then the bytes.
    let mut next = url("hero.png");
    assert!(next.starts_with(&sim.files_url()), "{next}");
    let mut hops = 0;
    let body = loop {
        let path = next.strip_prefix(&sim.files_url()).unwrap().to_string();
        let (status, head, body) = request(&sim.files_url(), &path, &[]);
        if status != 302 {
            assert_eq!(status, 200);
            break body;
        }
        hops += 1;
        next = head
            .lines()
            .find_map(|l| l.strip_prefix("Location: "))
            .unwrap()
            .to_string();
    };
    assert_eq!((hops, body.as_slice()), (2, b"\x89PNG hero".as_slice()));
    // An HTTP error.
    let gone = url("gone.png");
    let path = gone.strip_prefix(&sim.files_url()).unwrap();
    assert_eq!(request(&sim.files_url(), path, &[]).0, 404);
    // A host that does not answer.
    let far = url("far.png");
    assert!(far.starts_with("http://localhost:1/"), "{far}");
    assert!(TcpStream::connect("127.0.0.1:1").is_err());
    // The log says which downloads carried a bearer token.
    request(&sim.files_url(), path, &[("Authorization", &bearer)]);
    let downloads: Vec<bool> = sim
        .calls()
        .iter()
        .filter(|c| c.path.starts_with("/rs/"))
        .map(|c| c.authorization)
        .collect();
    assert_eq!(downloads, [false, false, false, false, true]);
}
