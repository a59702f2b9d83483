//! What downloading a file needs besides [`super::Client::download`]: its
//! own agent, and the host of a URL for messages.

use std::time::Duration;

use super::Limits;

/// Redirects a download follows (files are often served through a CDN).
pub const MAX_FILE_REDIRECTS: u32 = 5;

/// The agent of [`Client::download`]: the API agent's time-outs, but it
/// follows redirects, and it is never given a token.
pub(super) fn file_agent(limits: &Limits) -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(MAX_FILE_REDIRECTS)
        .timeout_global(Some(limits.timeout))
        .timeout_connect(Some(limits.timeout.min(Duration::from_secs(30))))
        .user_agent(concat!("mkimport/", env!("CARGO_PKG_VERSION")))
        .build()
        .into()
}

/// The host (and port) of a URL, for messages: what is between `://` and
/// the next `/`, `?` or `#` (without a user name, should there be one).
pub fn url_host(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    authority.rsplit('@').next().unwrap_or(authority)
}
