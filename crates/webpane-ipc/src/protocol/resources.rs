//! Answers to web resource requests.

use serde::{Deserialize, Serialize};

/// The body of a response to [`RuntimeMessage::WebResourceRequested`](crate::protocol::RuntimeMessage::WebResourceRequested).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ResponseBody {
    /// No body.
    Empty,
    /// A small body carried in the message.
    Inline(Vec<u8>),
    /// A body read from an fd attached to the message (a file, a memfd, or the read end of a
    /// stream the app writes from any thread) until its end.
    Fd {
        /// The attached fd.
        fd: crate::wire::FdRef,
        /// The length, when known (sent as the stream length).
        length: Option<u64>,
    },
}

/// An app's answer to a web resource request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceResponse {
    /// The HTTP status (100..=599).
    pub status: u16,
    /// The reason phrase.
    pub reason: String,
    /// Response headers, in order.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: ResponseBody,
}

impl ResourceResponse {
    /// Checks what the engine cannot take: a status outside 100..=599, header names that are not
    /// HTTP tokens, CR, LF or NUL in values or the reason.
    pub fn validate(&self) -> Result<(), String> {
        if !(100..=599).contains(&self.status) {
            return Err(format!("status {} is outside 100..=599", self.status));
        }
        if self.reason.contains(['\0', '\r', '\n']) {
            return Err("the reason phrase contains CR, LF or NUL".into());
        }
        validate_headers(&self.headers)
    }
}

/// Whether `s` is an HTTP token (RFC 9110): what header names and methods are made of.
pub fn is_http_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Checks HTTP headers: names are HTTP tokens, values hold no CR, LF or NUL.
pub fn validate_headers(headers: &[(String, String)]) -> Result<(), String> {
    for (name, value) in headers {
        if !is_http_token(name) {
            return Err(format!("{name:?} is not a header name"));
        }
        if value.contains(['\0', '\r', '\n']) {
            return Err(format!("the value of header {name:?} contains CR, LF or NUL"));
        }
    }
    Ok(())
}

/// What other origins may do with a virtual host's files (WebView2's
/// `CoreWebView2HostResourceAccessKind`). The host's own documents may always use them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum HostResourceAccess {
    /// Other origins may not use them at all (not as a script, an image or a fetch).
    Deny,
    /// Other origins may use them, CORS reads included (`Access-Control-Allow-Origin: *`).
    Allow,
    /// Other origins may use them as plain subresources (`<script src>`, `<img src>`); CORS
    /// reads (`fetch`, XHR) are refused.
    DenyCors,
}

/// Checks a virtual host name: lower-case letters, digits, `-` and `.` in labels of 1 to 63
/// characters, at most 253 in all, not an IP address, not `localhost`.
pub fn validate_virtual_host(host: &str) -> Result<(), String> {
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    };
    if host.is_empty() || host.len() > 253 || !host.split('.').all(label_ok) {
        return Err(format!(
            "{host:?} is not a host name (lower-case letters, digits, '-' and '.')"
        ));
    }
    if host.parse::<std::net::Ipv4Addr>().is_ok() || host == "localhost" || host.ends_with(".localhost") {
        return Err(format!("{host:?} cannot be a virtual host (an address or localhost)"));
    }
    Ok(())
}
