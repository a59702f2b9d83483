//! The file host: where a file's `url` points. As on a real instance it is
//! another host than the REST API's, over plain http (Get Files:
//! `"url": "http://na-abm.marketo.com/rs/.../assets/foo.png"`): the
//! simulator serves files from a second listener and names it
//! `localhost`, while the REST API is `127.0.0.1`.
//!
//! A file's [`Delivery`] makes its URL misbehave for tests: redirects
//! (302, then the bytes), an HTTP error, or a port where nothing listens.

use crate::http::{parse_query, Reply};
use crate::model::{Delivery, File, Instance};

/// A port nothing listens on (tcpmux, which needs root to bind): a
/// download from it is refused at once.
const DEAD_PORT: u16 = 1;

/// The public URL of a file on the file host at `base`.
pub fn file_url(base: &str, i: &Instance, f: &File) -> String {
    let path = file_path(i, f);
    match f.delivery {
        Delivery::Unreachable => format!("http://localhost:{DEAD_PORT}{path}"),
        _ => format!("{base}{path}"),
    }
}

fn file_path(i: &Instance, f: &File) -> String {
    format!("/rs/{}/images/{}", i.munchkin, encode_segment(&f.name))
}

/// Answer `GET /rs/<munchkin>/images/<name>[?hop=N]` on the file host.
pub(crate) fn serve(i: &Instance, base: &str, target: &str) -> Reply {
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p, parse_query(q)),
        None => (target, Vec::new()),
    };
    let prefix = format!("/rs/{}/images/", i.munchkin);
    let not_found = || Reply::raw(404, "text/plain", b"not found".to_vec());
    let Some(name) = path.strip_prefix(&prefix) else {
        return not_found();
    };
    let name = crate::http::percent_decode(name);
    let Some(f) = i.files.values().find(|f| f.name == name) else {
        return not_found();
    };
    let hop: u8 = query
        .iter()
        .find(|(k, _)| k == "hop")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    match f.delivery {
        Delivery::Served => Reply::raw(200, mime(f), f.bytes.clone()),
        Delivery::Redirects(n) if hop < n => {
            let next = format!("{base}{}?hop={}", file_path(i, f), hop + 1);
            Reply::raw(302, "text/plain", b"moved".to_vec()).with_header("Location", &next)
        }
        Delivery::Redirects(_) => Reply::raw(200, mime(f), f.bytes.clone()),
        Delivery::Status(status) => Reply::raw(status, "text/html", b"<html>error</html>".to_vec()),
        Delivery::Unreachable => not_found(),
    }
}

fn mime(f: &File) -> &'static str {
    match f.mime_type.as_str() {
        "image/png" => "image/png",
        "image/jpeg" => "image/jpeg",
        "image/gif" => "image/gif",
        "application/pdf" => "application/pdf",
        _ => "application/octet-stream",
    }
}

fn encode_segment(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
