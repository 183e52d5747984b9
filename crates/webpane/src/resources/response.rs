//! A response: status, headers, and a body from memory, a file, or a stream written from any thread.

use std::fs::File;
use std::io::{Seek, SeekFrom, Write};
use std::os::fd::OwnedFd;

use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use webpane_ipc::protocol::{ResourceResponse, ResponseBody};
use webpane_ipc::{FileForTransit, Outgoing};

use crate::error::{Error, Result};

/// Bodies up to this size travel inside the answer message; larger ones through an fd.
const INLINE_BODY_MAX: usize = 64 * 1024;

#[derive(Debug)]
enum Body {
    Empty,
    Inline(Vec<u8>),
    File { file: FileForTransit, length: Option<u64> },
    Stream(OwnedFd),
}

/// A response to a [`WebResourceRequest`](crate::WebResourceRequest) (WebView2's `CoreWebView2WebResourceResponse`).
///
/// ```
/// use webpane::WebResourceResponse;
///
/// use webpane::http::{StatusCode, header};
///
/// let response = WebResourceResponse::new(StatusCode::OK)
///     .with_header(header::CONTENT_TYPE, "text/html; charset=utf-8")
///     .with_body("<h1>served by the app</h1>")?;
/// # Ok::<(), webpane::Error>(())
/// ```
#[derive(Debug)]
pub struct WebResourceResponse {
    status: StatusCode,
    reason: Option<String>,
    headers: HeaderMap,
    /// The first header that could not be added, reported when the response is set.
    bad_header: Option<String>,
    body: Body,
}

impl WebResourceResponse {
    /// A response with no body; its reason phrase is the status's canonical one (`OK` for 200).
    #[doc(alias = "CreateWebResourceResponse")]
    pub fn new(status: StatusCode) -> Self {
        Self {
            status,
            reason: None,
            headers: HeaderMap::new(),
            bad_header: None,
            body: Body::Empty,
        }
    }

    /// Another reason phrase than the status's canonical one.
    pub fn with_reason(mut self, reason: &str) -> Self {
        self.reason = Some(reason.to_owned());
        self
    }

    /// Adds a header: typed (`header::CONTENT_TYPE`, a `HeaderValue`) or text (`"X-Served"`,
    /// `"yes"`). Text that is not a valid header name or value is reported when the response is
    /// set ([`Error::InvalidArgument`]), so the builder chain stays infallible.
    pub fn with_header<K, V>(mut self, name: K, value: V) -> Self
    where
        K: TryInto<HeaderName>,
        K::Error: std::fmt::Display,
        V: TryInto<HeaderValue>,
        V::Error: std::fmt::Display,
    {
        match (name.try_into(), value.try_into()) {
            (Ok(name), Ok(value)) => {
                self.headers.append(name, value);
            }
            (Err(e), _) => {
                self.bad_header.get_or_insert_with(|| format!("not a header name: {e}"));
            }
            (_, Err(e)) => {
                self.bad_header
                    .get_or_insert_with(|| format!("not a header value: {e}"));
            }
        }
        self
    }

    /// The headers, to read or change.
    pub fn headers_mut(&mut self) -> &mut HeaderMap {
        &mut self.headers
    }

    /// The headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The body, from memory. Large bodies are handed over in a memory file the browser process
    /// streams from, never copied into a message.
    pub fn with_body(mut self, bytes: impl Into<Vec<u8>>) -> Result<Self> {
        let bytes = bytes.into();
        self.body = if bytes.len() <= INLINE_BODY_MAX {
            Body::Inline(bytes)
        } else {
            let fd = rustix::fs::memfd_create("webpane-response", rustix::fs::MemfdFlags::CLOEXEC)
                .map_err(|e| Error::Io(e.into()))?;
            let mut file = File::from(fd);
            file.write_all(&bytes)?;
            file.seek(SeekFrom::Start(0))?;
            Body::File {
                file: FileForTransit::take(file)?,
                length: Some(bytes.len() as u64),
            }
        };
        Ok(self)
    }

    /// The body, read by the browser process from `file`'s current position to its end (the
    /// file moves to the browser process; nothing is read in the app). Only regular files.
    pub fn with_file(mut self, mut file: File) -> Result<Self> {
        if !file.metadata()?.is_file() {
            return Err(Error::InvalidArgument(
                "a response body file must be a regular file".into(),
            ));
        }
        let position = file.stream_position()?;
        let length = file.metadata()?.len().saturating_sub(position);
        self.body = Body::File {
            file: FileForTransit::take(file)?,
            length: Some(length),
        };
        Ok(self)
    }

    /// A response whose body the app writes while the page reads it: write to the returned
    /// writer from any thread; dropping the writer ends the body.
    pub fn streamed(status: StatusCode) -> Result<(Self, ResponseBodyWriter)> {
        use rustix::net::{AddressFamily, Shutdown, SocketFlags, SocketType, shutdown, socketpair};
        let (ours, theirs) = socketpair(AddressFamily::UNIX, SocketType::STREAM, SocketFlags::CLOEXEC, None)
            .map_err(|e| Error::Io(e.into()))?;
        // One direction only: the browser process reads what the app writes.
        let _ = shutdown(&ours, Shutdown::Read);
        let _ = shutdown(&theirs, Shutdown::Write);
        let mut response = Self::new(status);
        response.body = Body::Stream(theirs);
        Ok((response, ResponseBodyWriter { socket: ours }))
    }

    /// The status code.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The status line and headers as the browser process gets them, checked: a status the
    /// engine cannot take (600 and above), a header that could not be added, or text WebKit
    /// would refuse is [`Error::InvalidArgument`].
    pub(crate) fn head(&self) -> Result<ResourceResponse> {
        if let Some(bad) = &self.bad_header {
            return Err(Error::InvalidArgument(bad.clone()));
        }
        let head = ResourceResponse {
            status: self.status.as_u16(),
            reason: self
                .reason
                .clone()
                .unwrap_or_else(|| self.status.canonical_reason().unwrap_or("").to_owned()),
            headers: self
                .headers
                .iter()
                .map(|(name, value)| {
                    (
                        name.as_str().to_owned(),
                        String::from_utf8_lossy(value.as_bytes()).into_owned(),
                    )
                })
                .collect(),
            body: ResponseBody::Empty,
        };
        head.validate().map_err(Error::InvalidArgument)?;
        Ok(head)
    }

    /// Splits into the wire form and the fds it refers to; checks what the engine cannot take.
    pub(crate) fn into_wire(self) -> Result<(ResourceResponse, Outgoing<'static>)> {
        let mut response = self.head()?;
        let mut fds = Outgoing::new();
        let body = match self.body {
            Body::Empty => ResponseBody::Empty,
            Body::Inline(bytes) => ResponseBody::Inline(bytes),
            Body::File { file, length } => ResponseBody::Fd {
                fd: fds.file(file),
                length,
            },
            Body::Stream(socket) => ResponseBody::Fd {
                fd: fds.socket(socket),
                length: None,
            },
        };
        response.body = body;
        Ok((response, fds))
    }
}

/// Writes a [`WebResourceResponse::streamed`] body; `Send`, so any thread may write. Dropping it
/// ends the body. A write fails (`BrokenPipe`) once the page no longer wants the body.
#[derive(Debug)]
pub struct ResponseBodyWriter {
    socket: OwnedFd,
}

impl Write for ResponseBodyWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        // MSG_NOSIGNAL: a reader that went away is an error here, never a SIGPIPE.
        rustix::net::send(&self.socket, buf, rustix::net::SendFlags::NOSIGNAL).map_err(Into::into)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::header;

    #[test]
    fn the_head_has_the_canonical_reason_and_every_header_in_order() {
        let response = WebResourceResponse::new(StatusCode::NOT_FOUND)
            .with_header(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"))
            .with_header("Set-Cookie", "a=1")
            .with_header("set-cookie", "b=2");
        let head = response.head().unwrap();
        assert_eq!((head.status, head.reason.as_str()), (404, "Not Found"));
        assert_eq!(
            head.headers,
            [
                ("content-type", "text/plain"),
                ("set-cookie", "a=1"),
                ("set-cookie", "b=2")
            ]
            .map(|(n, v)| (n.to_string(), v.to_string()))
        );
        let custom = WebResourceResponse::new(StatusCode::OK)
            .with_reason("Fine")
            .head()
            .unwrap();
        assert_eq!(custom.reason, "Fine");
    }

    #[test]
    fn what_http_or_the_engine_cannot_take_is_refused_when_set() {
        let refused = [
            WebResourceResponse::new(StatusCode::from_u16(600).unwrap()),
            WebResourceResponse::new(StatusCode::OK).with_header("Bad Name", "x"),
            WebResourceResponse::new(StatusCode::OK).with_header("X-Split", "a\r\nb: c"),
            WebResourceResponse::new(StatusCode::OK).with_reason("O\nK"),
        ];
        for response in refused {
            assert!(
                matches!(response.head(), Err(Error::InvalidArgument(_))),
                "{response:?}"
            );
        }
    }
}
