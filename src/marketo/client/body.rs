//! The body of a write: form-encoded fields or multipart parts.

/// The body of a write.
#[derive(Debug, Clone, Copy)]
pub enum Body<'a> {
    /// No body (a read).
    None,
    /// `application/x-www-form-urlencoded` fields.
    Form(&'a [(&'a str, String)]),
    /// `multipart/form-data` parts.
    Multipart(&'a [Part<'a>]),
}

/// A field of a multipart body.
#[derive(Debug, Clone, Copy)]
pub enum Part<'a> {
    Text(&'a str, &'a str),
    File {
        name: &'a str,
        file_name: &'a str,
        content_type: &'a str,
        bytes: &'a [u8],
    },
}

impl Body<'_> {
    /// The content type and the bytes to send.
    pub(super) fn encode(&self) -> Option<(String, Vec<u8>)> {
        match self {
            Body::None => None,
            Body::Form(fields) => {
                let text: Vec<String> = fields
                    .iter()
                    .map(|(k, v)| format!("{}={}", form_encode(k), form_encode(v)))
                    .collect();
                Some((
                    "application/x-www-form-urlencoded".to_string(),
                    text.join("&").into_bytes(),
                ))
            }
            Body::Multipart(parts) => {
                let boundary = boundary(parts);
                let mut out = Vec::new();
                for part in *parts {
                    out.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
                    match part {
                        Part::Text(name, value) => {
                            out.extend_from_slice(
                                format!(
                                    "Content-Disposition: form-data; name=\"{}\"\r\n\r\n",
                                    quoted(name)
                                )
                                .as_bytes(),
                            );
                            out.extend_from_slice(value.as_bytes());
                        }
                        Part::File {
                            name,
                            file_name,
                            content_type,
                            bytes,
                        } => {
                            out.extend_from_slice(
                                format!(
                                    "Content-Disposition: form-data; name=\"{}\"; filename=\"{}\"\r\nContent-Type: {content_type}\r\n\r\n",
                                    quoted(name),
                                    quoted(file_name)
                                )
                                .as_bytes(),
                            );
                            out.extend_from_slice(bytes);
                        }
                    }
                    out.extend_from_slice(b"\r\n");
                }
                out.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
                Some((format!("multipart/form-data; boundary={boundary}"), out))
            }
        }
    }
}

/// `application/x-www-form-urlencoded` escaping.
fn form_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// A name inside a quoted header parameter (quotes and line breaks made
/// harmless).
fn quoted(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '"' => '\'',
            '\r' | '\n' => ' ',
            c => c,
        })
        .collect()
}

/// A boundary that occurs in no part.
fn boundary(parts: &[Part]) -> String {
    let contains = |needle: &[u8]| {
        parts.iter().any(|p| {
            let bytes: &[u8] = match p {
                Part::Text(_, v) => v.as_bytes(),
                Part::File { bytes, .. } => bytes,
            };
            bytes.windows(needle.len()).any(|w| w == needle)
        })
    };
    (0u64..)
        .map(|n| format!("mkimport-boundary-{n:016x}"))
        .find(|b| !contains(b.as_bytes()))
        .expect("some boundary is free")
}
