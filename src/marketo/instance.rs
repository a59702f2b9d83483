//! Which Marketo instance to talk to: a Munchkin id or a base URL.

use std::fmt;

use anyhow::Result;

use crate::error::usage;

/// A Marketo instance: where its REST API (`<base>/rest`) and identity
/// service (`<base>/identity`) live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instance {
    /// How the user named it, normalised (an upper-case Munchkin id, or the
    /// base URL without a trailing `/`): what `pulled_from.instance` records.
    label: String,
    /// `scheme://host[:port][/prefix]`, without a trailing `/`.
    base: String,
    /// The host (with its port when one was given), for messages.
    host: String,
}

impl Instance {
    /// Parse `123-ABC-456` (meaning `https://123-ABC-456.mktorest.com`) or
    /// a base URL (`http://127.0.0.1:8080`, `https://123-abc-456.mktorest.com`).
    /// Anything else is a usage error (exit 2).
    pub fn parse(text: &str) -> Result<Instance> {
        let text = text.trim();
        if is_munchkin(text) {
            let id = text.to_ascii_uppercase();
            return Ok(Instance {
                base: format!("https://{id}.mktorest.com"),
                host: format!("{id}.mktorest.com"),
                label: id,
            });
        }
        let hint = "give a Munchkin id such as 123-ABC-456 or a base URL such as https://123-ABC-456.mktorest.com";
        let Some((scheme, rest)) = text.split_once("://") else {
            return Err(usage(format!(
                "--instance {text:?} is neither a Munchkin id nor a URL; {hint}"
            )));
        };
        let scheme = scheme.to_ascii_lowercase();
        if scheme != "http" && scheme != "https" {
            return Err(usage(format!(
                "--instance {text:?}: only http:// and https:// URLs are supported; {hint}"
            )));
        }
        if rest.contains(['?', '#']) {
            return Err(usage(format!(
                "--instance {text:?}: a base URL has no query or fragment; {hint}"
            )));
        }
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        if authority.contains('@') {
            // Never accept credentials in a URL: they would be shown in
            // messages and recorded in subscription.json.
            return Err(usage(
                "--instance: a URL with a user name or password is refused; credentials come from MARKETO_CLIENT_ID and MARKETO_CLIENT_SECRET",
            ));
        }
        if !valid_authority(authority) {
            return Err(usage(format!(
                "--instance {text:?}: {authority:?} is not a valid host[:port]; {hint}"
            )));
        }
        let path = path.trim_end_matches('/');
        if path
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '\\')
        {
            return Err(usage(format!(
                "--instance {text:?}: the URL path holds characters a URL cannot; {hint}"
            )));
        }
        let authority = authority.to_ascii_lowercase();
        let base = format!("{scheme}://{authority}{path}");
        Ok(Instance {
            label: base.clone(),
            base,
            host: authority,
        })
    }

    /// The normalised name of the instance (see [`Instance::parse`]).
    pub fn label(&self) -> &str {
        &self.label
    }

    /// `scheme://host[:port][/prefix]`.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The host (and port), for messages.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The full URL of an endpoint path (which starts with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A short name usable as a default subscription name.
    pub fn display_name(&self) -> String {
        if is_munchkin(&self.label) {
            format!("Marketo {}", self.label)
        } else {
            format!("Marketo {}", self.host)
        }
    }
}

impl fmt::Display for Instance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label)
    }
}

/// `123-ABC-456`: three digits, three letters, three digits.
fn is_munchkin(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    parts.len() == 3
        && parts[0].len() == 3
        && parts[0].bytes().all(|b| b.is_ascii_digit())
        && parts[1].len() == 3
        && parts[1].bytes().all(|b| b.is_ascii_alphabetic())
        && parts[2].len() == 3
        && parts[2].bytes().all(|b| b.is_ascii_digit())
}

/// `host`, `host:port`, `[v6]`, `[v6]:port`, with a valid DNS name or IP.
fn valid_authority(authority: &str) -> bool {
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let Some((v6, after)) = rest.split_once(']') else {
            return false;
        };
        if v6.parse::<std::net::Ipv6Addr>().is_err() {
            return false;
        }
        match after {
            "" => return true,
            p => match p.strip_prefix(':') {
                Some(port) => ("v6", Some(port)),
                None => return false,
            },
        }
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    if let Some(port) = port {
        if port.is_empty() || port.len() > 5 || !port.bytes().all(|b| b.is_ascii_digit()) {
            return false;
        }
        if port.parse::<u32>().map_or(true, |p| p == 0 || p > 65535) {
            return false;
        }
    }
    if host == "v6" && authority.starts_with('[') {
        return true;
    }
    !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::UsageError;

    fn bad(text: &str) {
        let err = Instance::parse(text).expect_err(text);
        assert!(err.downcast_ref::<UsageError>().is_some(), "{text}: {err}");
    }

    #[test]
    fn munchkin_ids_mean_mktorest() {
        let i = Instance::parse("123-abc-456").unwrap();
        assert_eq!(i.base(), "https://123-ABC-456.mktorest.com");
        assert_eq!(i.label(), "123-ABC-456");
        assert_eq!(i.host(), "123-ABC-456.mktorest.com");
        assert_eq!(
            i.url("/rest/asset/v1/programs.json"),
            "https://123-ABC-456.mktorest.com/rest/asset/v1/programs.json"
        );
    }

    #[test]
    fn base_urls() {
        let i = Instance::parse("http://127.0.0.1:8080/").unwrap();
        assert_eq!(i.base(), "http://127.0.0.1:8080");
        assert_eq!(i.host(), "127.0.0.1:8080");
        let i = Instance::parse("HTTPS://Example.com/marketo").unwrap();
        assert_eq!(i.base(), "https://example.com/marketo");
        assert!(Instance::parse("http://[::1]:9000").is_ok());
    }

    #[test]
    fn malformed_instances_are_usage_errors() {
        for text in [
            "",
            "12-ABC-456",
            "123-AB1-456",
            "marketo",
            "ftp://example.com",
            "http://",
            "http://exa mple.com",
            "http://example.com:99999",
            "http://example.com:",
            "http://user:secret@example.com",
            "http://example.com/?x=1",
            "http://-bad-.com",
            "http://[zz]:80",
        ] {
            bad(text);
        }
    }
}
