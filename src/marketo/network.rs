//! The network between mkimport and an instance: how long resolving and
//! connecting may take, how a failed call is sorted for the retry policy
//! of [`super::client`], and how a retry is told to a person watching.
//!
//! A host name that does not resolve is not retried (it will not resolve
//! a second later); a connection that is refused or not answered is tried
//! [`CONNECT_ATTEMPTS`] times at most; a connection that broke once made
//! is retried like Marketo's transient errors. Each wait before a retry is
//! announced through the hook a command installs ([`on_retry`]).

use std::fmt;
use std::time::Duration;

use super::limits::Limits;

/// How long resolving the host name, and then connecting, may take (each;
/// less when the limits' `timeout` is shorter).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How many times a call is tried when no connection can be made (refused,
/// not answered), at most: a host that is down stays down for longer than
/// a back-off, so this is fewer than the retries of other failures.
pub const CONNECT_ATTEMPTS: u32 = 3;

/// A call about to be sent again after a wait: what a person watching is
/// told ([`on_retry`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retry {
    /// The instance's host (and port).
    pub host: String,
    /// The endpoint's path.
    pub endpoint: String,
    /// What went wrong: "connection refused", "HTTP status 503", "error
    /// 606 \"Max rate limit '100' exceeded with in '20' secs\"".
    pub cause: String,
    /// No connection could be made at all (else the instance answered, or
    /// the connection broke).
    pub unreachable: bool,
    pub wait: Duration,
    /// The attempt about to be made (2 for the first retry), and the most
    /// there will be.
    pub attempt: u32,
    pub attempts: u32,
}

impl fmt::Display for Retry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (host, endpoint, cause) = (&self.host, &self.endpoint, &self.cause);
        if self.unreachable {
            write!(f, "cannot reach {host} ({cause})")?;
        } else {
            write!(f, "{host} {endpoint}: {cause}")?;
        }
        write!(
            f,
            ": retrying in {}, {} of {}",
            spoken(self.wait),
            self.attempt,
            self.attempts
        )
    }
}

/// "4 s", "1.5 s", "250 ms".
fn spoken(wait: Duration) -> String {
    if wait < Duration::from_secs(1) {
        format!("{} ms", wait.as_millis())
    } else if wait.subsec_millis() == 0 {
        format!("{} s", wait.as_secs())
    } else {
        format!("{:.1} s", wait.as_secs_f64())
    }
}

/// What hears of each retry (see [`on_retry`]).
static RETRY_NOTICE: std::sync::OnceLock<fn(&Retry)> = std::sync::OnceLock::new();

/// Install, once per process, what is told of each retry before its wait:
/// a command does so when a person watches standard error (a terminal,
/// and no machine format). Without it retries are silent.
pub fn on_retry(notice: fn(&Retry)) {
    let _ = RETRY_NOTICE.set(notice);
}

/// Tell the installed hook, if any.
pub(super) fn announce(retry: &Retry) {
    if let Some(notice) = RETRY_NOTICE.get() {
        notice(retry);
    }
}

/// The most times a call is tried when no connection can be made: fewer
/// than other retries, and never more than those.
pub(super) fn connect_attempts(limits: &Limits) -> u32 {
    (limits.retries + 1).min(CONNECT_ATTEMPTS)
}

/// What kind of trouble a failed call ran into, for the retry policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Trouble {
    /// The host name does not resolve: trying again will not help.
    Unresolved(String),
    /// No connection could be made (refused, not answered, no route):
    /// nothing reached the instance.
    NoConnection(String),
    /// The connection was made and broke, or the answer did not come in
    /// time: the call may have reached the instance.
    Broken(String),
}

/// Sort a transport failure (never showing the URL: it could carry a
/// secret).
pub(super) fn trouble(e: &ureq::Error) -> Trouble {
    match e {
        ureq::Error::HostNotFound => Trouble::Unresolved("no address found".into()),
        ureq::Error::Timeout(ureq::Timeout::Resolve) => Trouble::Unresolved(format!(
            "no answer from the name server within {} s",
            CONNECT_TIMEOUT.as_secs()
        )),
        ureq::Error::Timeout(ureq::Timeout::Connect) => {
            Trouble::NoConnection("no answer to the connection".into())
        }
        ureq::Error::ConnectionFailed => Trouble::NoConnection("connection failed".into()),
        ureq::Error::Io(io) => {
            // The standard library's resolver errors have no kind of
            // their own: "failed to lookup address information: Name or
            // service not known".
            let text = io.to_string();
            if let Some(said) = text.strip_prefix("failed to lookup address information") {
                let said = said.trim_start_matches(':').trim();
                return Trouble::Unresolved(if said.is_empty() {
                    "the name server knows no address for it".into()
                } else {
                    said.to_string()
                });
            }
            match io.kind() {
                std::io::ErrorKind::ConnectionRefused => {
                    Trouble::NoConnection("connection refused".into())
                }
                std::io::ErrorKind::HostUnreachable => {
                    Trouble::NoConnection("host unreachable".into())
                }
                std::io::ErrorKind::NetworkUnreachable => {
                    Trouble::NoConnection("network unreachable".into())
                }
                std::io::ErrorKind::AddrNotAvailable => {
                    Trouble::NoConnection("address not available".into())
                }
                _ => Trouble::Broken(transport_detail(e)),
            }
        }
        _ => Trouble::Broken(transport_detail(e)),
    }
}

/// A transport failure in words (never the URL: it could carry a secret).
pub(super) fn transport_detail(e: &ureq::Error) -> String {
    match e {
        ureq::Error::Io(io) => match io.kind() {
            std::io::ErrorKind::ConnectionRefused => "connection refused".into(),
            std::io::ErrorKind::ConnectionReset => "connection reset".into(),
            std::io::ErrorKind::ConnectionAborted => "connection aborted".into(),
            std::io::ErrorKind::UnexpectedEof => "connection closed before the answer".into(),
            std::io::ErrorKind::BrokenPipe => "connection broken".into(),
            std::io::ErrorKind::TimedOut => "connection timed out".into(),
            std::io::ErrorKind::NotConnected => "connection lost".into(),
            _ => format!("connection failed ({})", io.kind()),
        },
        ureq::Error::HostNotFound => "host not found".into(),
        ureq::Error::ConnectionFailed => "connection failed".into(),
        ureq::Error::Timeout(t) => format!("timed out ({t})"),
        ureq::Error::Tls(what) => format!("connection failed (TLS: {what})"),
        ureq::Error::Rustls(err) => format!("connection failed (TLS: {err})"),
        ureq::Error::Protocol(_) => "connection failed (not an HTTP answer)".into(),
        ureq::Error::Decompress(..) => "the answer could not be decompressed".into(),
        _ => "connection failed".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::marketo::client::IDENTITY_PATH;

    #[test]
    fn transport_failures_are_sorted_for_the_retry_policy() {
        let io = |kind: std::io::ErrorKind| ureq::Error::Io(std::io::Error::from(kind));
        let lookup = ureq::Error::Io(std::io::Error::other(
            "failed to lookup address information: Name or service not known",
        ));
        assert_eq!(
            trouble(&lookup),
            Trouble::Unresolved("Name or service not known".into())
        );
        assert!(matches!(
            trouble(&ureq::Error::HostNotFound),
            Trouble::Unresolved(_)
        ));
        assert!(matches!(
            trouble(&ureq::Error::Timeout(ureq::Timeout::Resolve)),
            Trouble::Unresolved(_)
        ));
        assert_eq!(
            trouble(&io(std::io::ErrorKind::ConnectionRefused)),
            Trouble::NoConnection("connection refused".into())
        );
        assert!(matches!(
            trouble(&ureq::Error::Timeout(ureq::Timeout::Connect)),
            Trouble::NoConnection(_)
        ));
        assert!(matches!(
            trouble(&io(std::io::ErrorKind::HostUnreachable)),
            Trouble::NoConnection(_)
        ));
        // Once connected, a failure may have reached Marketo.
        assert_eq!(
            trouble(&io(std::io::ErrorKind::ConnectionReset)),
            Trouble::Broken("connection reset".into())
        );
        assert!(matches!(
            trouble(&ureq::Error::Timeout(ureq::Timeout::RecvResponse)),
            Trouble::Broken(_)
        ));
    }

    #[test]
    fn retries_and_unresolved_hosts_are_said_plainly() {
        let retry = Retry {
            host: "123-ABC-456.mktorest.com".into(),
            endpoint: IDENTITY_PATH.into(),
            cause: "connection refused".into(),
            unreachable: true,
            wait: Duration::from_secs(4),
            attempt: 2,
            attempts: 3,
        };
        assert_eq!(
            retry.to_string(),
            "cannot reach 123-ABC-456.mktorest.com (connection refused): retrying in 4 s, 2 of 3"
        );
        let retry = Retry {
            cause: "HTTP status 503".into(),
            unreachable: false,
            wait: Duration::from_millis(1500),
            endpoint: "/rest/asset/v1/programs.json".into(),
            ..retry
        };
        assert_eq!(
            retry.to_string(),
            "123-ABC-456.mktorest.com /rest/asset/v1/programs.json: HTTP status 503: retrying in 1.5 s, 2 of 3"
        );
        // A short back-off is never more attempts than the retries allow.
        let few = Limits::parse("retries=1").unwrap();
        assert_eq!(connect_attempts(&few), 2);
        assert_eq!(connect_attempts(&Limits::default()), CONNECT_ATTEMPTS);
    }
}
