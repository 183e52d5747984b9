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
        let bad_text = |s: &str| s.contains(['\0', '\r', '\n']);
        if bad_text(&self.reason) {
            return Err("the reason phrase contains CR, LF or NUL".into());
        }
        for (name, value) in &self.headers {
            let token = !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
            if !token {
                return Err(format!("{name:?} is not a header name"));
            }
            if bad_text(value) {
                return Err(format!("the value of header {name:?} contains CR, LF or NUL"));
            }
        }
        Ok(())
    }
}
