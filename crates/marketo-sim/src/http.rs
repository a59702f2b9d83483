//! HTTP and Marketo's envelope: replies, error envelopes, request ids,
//! and the parsing of query strings and form-encoded or multipart bodies.

use std::sync::atomic::Ordering;

use serde_json::{json, Value};

/// A reply before faults and writing.
pub(crate) struct Reply {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Vec<u8>,
    pub code: Option<String>,
    /// Headers besides the content's type and length (`Location`).
    pub headers: Vec<(String, String)>,
}

impl Reply {
    pub fn json(value: &Value) -> Reply {
        let code = value["errors"][0]["code"].as_str().map(str::to_string);
        Reply {
            status: 200,
            content_type: "application/json;charset=UTF-8",
            body: serde_json::to_vec(value).unwrap_or_default(),
            code,
            headers: Vec::new(),
        }
    }

    pub fn error(code: &str) -> Reply {
        Reply::json(&error_envelope(code))
    }

    /// An error with its own message.
    pub fn refusal(code: &str, message: &str) -> Reply {
        Reply::json(&json!({
            "requestId": request_id(),
            "success": false,
            "errors": [{"code": code, "message": message}],
        }))
    }

    pub fn raw(status: u16, content_type: &'static str, body: Vec<u8>) -> Reply {
        Reply {
            status,
            content_type,
            body,
            code: None,
            headers: Vec::new(),
        }
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }
}

/// Marketo's message for an error code.
pub fn message(code: &str) -> &'static str {
    match code {
        "601" => "Access token invalid",
        "602" => "Access token expired",
        "603" => "Access denied",
        "604" => "Request time-out",
        "606" => "Max rate limit '100' exceeded with in '20' secs",
        "607" => "Daily quota reached",
        "608" => "API Temporarily Unavailable",
        "610" => "Requested resource not found",
        "611" => "System error",
        "615" => "Concurrent access limit reached",
        "701" => "cannot be blank",
        "702" => "No data found for given search scenario",
        "709" => "Business Rule Violation",
        "710" => "Parent Folder Not Found",
        "711" => "Incompatible Folder Type",
        "713" => "Transient Error",
        "1003" => "Invalid value",
        _ => "Error",
    }
}

/// An error answer, as the Error Codes page shows one: no `warnings`,
/// no `result`.
pub fn error_envelope(code: &str) -> Value {
    json!({
        "requestId": request_id(),
        "success": false,
        "errors": [{"code": code, "message": message(code)}],
    })
}

pub fn request_id() -> String {
    use std::sync::atomic::AtomicU64;
    static N: AtomicU64 = AtomicU64::new(0x1a2b);
    format!(
        "{:x}#{:x}",
        N.fetch_add(1, Ordering::Relaxed),
        0x18c3_0000_u64
    )
}

/// One field of a POST body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    pub name: String,
    /// The file name of a multipart file field.
    pub filename: Option<String>,
    pub bytes: Vec<u8>,
}

impl Part {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }
}

/// The fields of a POST body: `application/x-www-form-urlencoded` or
/// `multipart/form-data` (anything else has none).
pub fn parse_body(content_type: &str, body: &[u8]) -> Vec<Part> {
    let lower = content_type.to_ascii_lowercase();
    if lower.starts_with("application/x-www-form-urlencoded") {
        return parse_query(&String::from_utf8_lossy(body))
            .into_iter()
            .map(|(name, value)| Part {
                name,
                filename: None,
                bytes: value.into_bytes(),
            })
            .collect();
    }
    if !lower.starts_with("multipart/form-data") {
        return Vec::new();
    }
    let Some(boundary) = content_type
        .split(';')
        .map(str::trim)
        .find_map(|p| p.strip_prefix("boundary="))
        .map(|b| b.trim_matches('"').to_string())
    else {
        return Vec::new();
    };
    let delimiter = format!("--{boundary}").into_bytes();
    let mut out = Vec::new();
    let mut chunks = split_bytes(body, &delimiter).into_iter().skip(1);
    for chunk in chunks.by_ref() {
        if chunk.starts_with(b"--") {
            break;
        }
        let chunk = chunk.strip_prefix(b"\r\n").unwrap_or(chunk);
        let Some(split) = find(chunk, b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&chunk[..split]);
        let mut data = &chunk[split + 4..];
        data = data.strip_suffix(b"\r\n").unwrap_or(data);
        let disposition = head
            .lines()
            .find(|l| l.to_ascii_lowercase().starts_with("content-disposition"))
            .unwrap_or("");
        let param = |key: &str| {
            disposition.split(';').map(str::trim).find_map(|p| {
                p.strip_prefix(key)
                    .and_then(|v| v.strip_prefix('='))
                    .map(|v| v.trim_matches('"').to_string())
            })
        };
        if let Some(name) = param("name") {
            out.push(Part {
                name,
                filename: param("filename"),
                bytes: data.to_vec(),
            });
        }
    }
    out
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn split_bytes<'a>(mut data: &'a [u8], delimiter: &[u8]) -> Vec<&'a [u8]> {
    let mut out = Vec::new();
    while let Some(at) = find(data, delimiter) {
        out.push(&data[..at]);
        data = &data[at + delimiter.len()..];
    }
    out.push(data);
    out
}

/// Parse `a=1&b=x%20y` (also used for form bodies).
pub fn parse_query(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (percent_decode(k), percent_decode(v)),
            None => (percent_decode(p), String::new()),
        })
        .collect()
}

pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok());
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                    }
                    None => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The Asset API's envelope; an empty search is `success` with the
/// warning "No assets found for the given search criteria." and no
/// `result` (as recorded from a real instance).
pub(crate) fn envelope(result: Vec<Value>) -> Reply {
    if result.is_empty() {
        return Reply::json(&json!({
            "success": true,
            "errors": [],
            "requestId": request_id(),
            "warnings": ["No assets found for the given search criteria."],
        }));
    }
    Reply::json(&json!({
        "success": true,
        "warnings": [],
        "errors": [],
        "requestId": request_id(),
        "result": result,
    }))
}
