//! What went wrong with a call, sorted for the retry policy and told to
//! the user (never with a secret: errors name the endpoint by its path).

use std::fmt;

use super::credentials::{CLIENT_ID_ENV, CLIENT_SECRET_ENV};

/// What went wrong with a call, for the user.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// The endpoint's path (never its query: that could hold a secret).
    pub endpoint: String,
    pub kind: ErrorKind,
    /// A write that was sent again after a failure that may have reached
    /// Marketo (a broken connection, a time-out, an answer cut off, HTTP
    /// 5xx): the first attempt may have been carried out, so a "duplicate"
    /// (709) answer may be this call's own doing.
    pub uncertain: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    /// Marketo answered `success: false` with this code.
    Api { code: String, message: String },
    /// 607: the daily quota is used up.
    Quota { message: String },
    /// The host could not be reached (after the retries).
    Unreachable { detail: String, attempts: u32 },
    /// The host name does not resolve (not retried).
    Unresolved {
        host: String,
        /// What the resolver said.
        detail: String,
        /// The instance was named by a Munchkin id (its host name is made
        /// from it).
        munchkin: bool,
    },
    /// The identity service refused the credentials.
    Auth { detail: String },
    /// An HTTP status that is not a Marketo answer.
    Http { status: u16 },
    /// The answer is not JSON (an HTML error page, say).
    NotJson { detail: String },
    /// The answer stopped before its end, every time it was asked.
    Truncated { attempts: u32 },
    /// A transient failure that did not go away.
    GaveUp { last: String, attempts: u32 },
    /// The call was not sent: the command may send no more calls
    /// (`run --max-calls`).
    Budget { cap: u64 },
}

impl ApiError {
    pub(crate) fn new(endpoint: &str, kind: ErrorKind) -> ApiError {
        ApiError {
            endpoint: endpoint.to_string(),
            kind,
            uncertain: false,
        }
    }

    /// The Marketo error message, when Marketo gave one.
    pub fn message(&self) -> Option<&str> {
        match &self.kind {
            ErrorKind::Api { message, .. } | ErrorKind::Quota { message } => Some(message),
            _ => None,
        }
    }

    /// The Marketo error code, when Marketo gave one.
    pub fn code(&self) -> Option<&str> {
        match &self.kind {
            ErrorKind::Api { code, .. } => Some(code),
            ErrorKind::Quota { .. } => Some("607"),
            _ => None,
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let e = &self.endpoint;
        match &self.kind {
            ErrorKind::Api { code, message } => {
                write!(f, "Marketo refused {e}: error {code} \"{message}\"")?;
                match code.as_str() {
                    "603" => write!(f, " (the API user's role lacks a permission: `mkimport help pull` lists the ones it needs)"),
                    "601" | "602" => write!(f, " (the access token was refused even after renewing it)"),
                    _ => Ok(()),
                }
            }
            ErrorKind::Quota { message } => write!(
                f,
                "Marketo's daily API quota is used up (error 607 \"{message}\" on {e}); it resets at midnight US Central time, try again then"
            ),
            ErrorKind::Unreachable { detail, attempts } => write!(
                f,
                "cannot reach the instance for {e}: {detail} (gave up after {attempts} attempts)"
            ),
            ErrorKind::Unresolved {
                host,
                detail,
                munchkin,
            } => {
                write!(
                    f,
                    "cannot reach the instance for {e}: its host name {host} does not resolve ({detail}); not retried"
                )?;
                if *munchkin {
                    write!(f, ". Is the Munchkin id right? Admin > Integration > Web Services in Marketo shows the REST endpoint, https://<Munchkin id>.mktorest.com/rest")
                } else {
                    write!(f, ". Is the host name right?")
                }
            }
            ErrorKind::Auth { detail } => write!(
                f,
                "the instance refused the credentials at {e}: {detail}; check {CLIENT_ID_ENV} and {CLIENT_SECRET_ENV}"
            ),
            ErrorKind::Http { status } => {
                write!(f, "the instance answered {e} with HTTP status {status}")
            }
            ErrorKind::NotJson { detail } => {
                write!(f, "the instance's answer to {e} is not JSON: {detail}")
            }
            ErrorKind::Truncated { attempts } => write!(
                f,
                "the instance's answer to {e} was cut off before its end (gave up after {attempts} attempts)"
            ),
            ErrorKind::GaveUp { last, attempts } => {
                write!(f, "{e} kept failing: {last} (gave up after {attempts} attempts)")
            }
            ErrorKind::Budget { cap } => write!(
                f,
                "{e} was not sent: this run may send no more than {cap} API calls (--max-calls)"
            ),
        }
    }
}

impl std::error::Error for ApiError {}
