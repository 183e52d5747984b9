//! Custom schemes and `WebResourceRequested`: the app serves URIs of its own schemes.
//!
//! Register a scheme on the environment ([`EnvironmentBuilder::custom_scheme`]), add a URI filter
//! on the webview ([`WebView::add_web_resource_requested_filter`]) and answer
//! [`WebView::on_web_resource_requested`]. Bodies stream both ways: the request body arrives as a
//! [`RequestBody`] (`Read`, `Send`: read it on any thread), and a response body can be bytes, a
//! file, or a [`ResponseBodyWriter`] written from any thread while the page already reads.
//!
//! A request that no handler answers — no response set and no deferral, or a deferral dropped
//! without a response — gets the default response: `404 Not Found` with an empty body.
//!
//! [`EnvironmentBuilder::custom_scheme`]: crate::EnvironmentBuilder::custom_scheme
//! [`WebView::add_web_resource_requested_filter`]: crate::WebView::add_web_resource_requested_filter
//! [`WebView::on_web_resource_requested`]: crate::WebView::on_web_resource_requested

use std::cell::RefCell;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::marker::PhantomData;
use std::os::fd::OwnedFd;
use std::rc::{Rc, Weak};

use webpane_ipc::protocol::{AppMessage, CustomScheme, ResourceResponse, ResponseBody, WebViewId};
use webpane_ipc::{FileForTransit, Outgoing};

use crate::deferral::{Answer, Deferral, Deferred};
use crate::error::{Error, Result};
use crate::session::Session;

/// Bodies up to this size travel inside the answer message; larger ones through an fd.
const INLINE_BODY_MAX: usize = 64 * 1024;

/// A custom URI scheme for [`EnvironmentBuilder::custom_scheme`](crate::EnvironmentBuilder::custom_scheme)
/// (WebView2's `CoreWebView2CustomSchemeRegistration`).
///
/// Pages of the scheme itself may always request its URIs; pages of other origins only if they
/// match [`allowed_origins`](Self::allowed_origins) (and then CORS is answered for them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomSchemeRegistration {
    pub(crate) scheme: CustomScheme,
}

impl CustomSchemeRegistration {
    /// A scheme by name (lowercase, e.g. `app` for `app://…`).
    pub fn new(name: &str) -> Self {
        Self {
            scheme: CustomScheme {
                name: name.to_owned(),
                allowed_origins: Vec::new(),
                treat_as_secure: false,
            },
        }
    }

    /// Origins of other schemes whose pages may request this scheme's URIs; `*` matches any run
    /// of characters (`https://*.example.com`, `http://127.0.0.1:*`). Documents with an opaque
    /// origin (`about:blank`, `data:`, sandboxed iframes, error pages) count as `null`, which
    /// only `null` itself in this list allows; no wildcard matches it.
    pub fn allowed_origins(mut self, origins: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.scheme.allowed_origins = origins.into_iter().map(Into::into).collect();
        self
    }

    /// Whether the scheme's pages are secure contexts, like `https` (default: no).
    pub fn treat_as_secure(mut self, secure: bool) -> Self {
        self.scheme.treat_as_secure = secure;
        self
    }

    /// The scheme's name.
    pub fn name(&self) -> &str {
        &self.scheme.name
    }
}

/// The body of a request, streamed from the browser process as the page sends it.
///
/// `Send`: move it to a worker thread to read a large upload without blocking the UI thread.
/// Dropping it unread discards the rest.
#[derive(Debug)]
pub struct RequestBody {
    pipe: File,
}

impl Read for RequestBody {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.pipe.read(buf)
    }
}

/// A request for a URI of a custom scheme (WebView2's `CoreWebView2WebResourceRequest`).
#[derive(Debug)]
pub struct WebResourceRequest {
    method: String,
    uri: String,
    headers: Vec<(String, String)>,
    body: RefCell<Option<RequestBody>>,
}

impl WebResourceRequest {
    /// The HTTP method (`GET`, `POST`, …).
    pub fn method(&self) -> &str {
        &self.method
    }
    /// The URI.
    pub fn uri(&self) -> &str {
        &self.uri
    }
    /// The request headers, in order.
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }
    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    /// Takes the body, if the request has one (once; later calls return `None`). Take it inside
    /// the handler: it is dropped with the event arguments otherwise.
    pub fn take_body(&self) -> Option<RequestBody> {
        self.body.borrow_mut().take()
    }
}

#[derive(Debug)]
enum Body {
    Empty,
    Inline(Vec<u8>),
    File { file: FileForTransit, length: Option<u64> },
    Stream(OwnedFd),
}

/// A response to a [`WebResourceRequest`] (WebView2's `CoreWebView2WebResourceResponse`).
///
/// ```
/// use webpane::WebResourceResponse;
///
/// let response = WebResourceResponse::new(200, "OK")
///     .with_header("Content-Type", "text/html; charset=utf-8")
///     .with_body("<h1>served by the app</h1>")?;
/// # Ok::<(), webpane::Error>(())
/// ```
#[derive(Debug)]
pub struct WebResourceResponse {
    status: u16,
    reason: String,
    headers: Vec<(String, String)>,
    body: Body,
}

impl WebResourceResponse {
    /// A response with no body.
    pub fn new(status: u16, reason: &str) -> Self {
        Self {
            status,
            reason: reason.to_owned(),
            headers: Vec::new(),
            body: Body::Empty,
        }
    }

    /// Adds a header (checked when the response is set).
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
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
    pub fn streamed(status: u16, reason: &str) -> Result<(Self, ResponseBodyWriter)> {
        use rustix::net::{AddressFamily, Shutdown, SocketFlags, SocketType, shutdown, socketpair};
        let (ours, theirs) = socketpair(AddressFamily::UNIX, SocketType::STREAM, SocketFlags::CLOEXEC, None)
            .map_err(|e| Error::Io(e.into()))?;
        // One direction only: the browser process reads what the app writes.
        let _ = shutdown(&ours, Shutdown::Read);
        let _ = shutdown(&theirs, Shutdown::Write);
        let mut response = Self::new(status, reason);
        response.body = Body::Stream(theirs);
        Ok((response, ResponseBodyWriter { socket: ours }))
    }

    /// The status code.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// Splits into the wire form and the fds it refers to; checks what the engine cannot take.
    fn into_wire(self) -> Result<(ResourceResponse, Outgoing<'static>)> {
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
        let response = ResourceResponse {
            status: self.status,
            reason: self.reason,
            headers: self.headers,
            body,
        };
        response.validate().map_err(Error::InvalidArgument)?;
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

/// The answer to one WebResourceRequested.
#[derive(Debug)]
pub(crate) struct ResourceAnswer {
    session: Weak<Session>,
    id: WebViewId,
    request: u64,
    response: RefCell<Option<WebResourceResponse>>,
}

impl Answer for ResourceAnswer {
    fn send(&self) -> bool {
        let Some(session) = self.session.upgrade() else {
            return false;
        };
        let (response, fds) = match self.response.borrow_mut().take().map(WebResourceResponse::into_wire) {
            Some(Ok((response, fds))) => (Some(response), fds),
            // Checked in set_response; a failure here (fds) falls back to the default response.
            Some(Err(e)) => {
                log::warn!("a resource response could not be sent: {e}");
                (None, Outgoing::new())
            }
            None => (None, Outgoing::new()),
        };
        let message = AppMessage::WebResourceResponse {
            id: self.id,
            request: self.request,
            response,
        };
        session.send_with_fds(&message, fds).is_ok()
    }
}

/// Arguments of [`WebView::on_web_resource_requested`](crate::WebView::on_web_resource_requested).
///
/// Set a response with [`set_response`](Self::set_response), now or — after
/// [`deferral`](Self::deferral) — later. Without one the page gets the default response
/// (`404 Not Found`).
#[derive(Debug)]
pub struct WebResourceRequestedEventArgs {
    request: WebResourceRequest,
    answer: Rc<Deferred<ResourceAnswer>>,
    _ui_thread: PhantomData<Rc<()>>,
}

impl WebResourceRequestedEventArgs {
    pub(crate) fn new(
        session: Weak<Session>,
        id: WebViewId,
        request: u64,
        method: String,
        uri: String,
        headers: Vec<(String, String)>,
        body: Option<File>,
    ) -> Self {
        Self {
            request: WebResourceRequest {
                method,
                uri,
                headers,
                body: RefCell::new(body.map(|pipe| RequestBody { pipe })),
            },
            answer: Deferred::new(ResourceAnswer {
                session,
                id,
                request,
                response: RefCell::new(None),
            }),
            _ui_thread: PhantomData,
        }
    }

    pub(crate) fn deferred(&self) -> Rc<Deferred<ResourceAnswer>> {
        self.answer.clone()
    }

    /// The request.
    pub fn request(&self) -> &WebResourceRequest {
        &self.request
    }

    /// Sets the response (the last one set wins). Fails with [`Error::InvalidArgument`] for a
    /// status outside 100..=599 or malformed headers, and with [`Error::Closed`] once the
    /// request has been answered.
    pub fn set_response(&self, response: WebResourceResponse) -> Result<()> {
        set_response(&self.answer, response)
    }

    /// Holds the answer until the deferral is completed or dropped; set the response before.
    #[doc(alias = "GetDeferral")]
    pub fn deferral(&self) -> Deferral {
        self.answer.deferral()
    }
}

/// A response set later, through a deferral: keep this (it is `!Send`, UI thread only) with the
/// [`Deferral`], call [`set`](Self::set), then complete the deferral.
#[derive(Debug, Clone)]
pub struct ResponseSlot {
    answer: Rc<Deferred<ResourceAnswer>>,
}

impl ResponseSlot {
    /// Sets the response, like [`WebResourceRequestedEventArgs::set_response`].
    pub fn set(&self, response: WebResourceResponse) -> Result<()> {
        set_response(&self.answer, response)
    }
}

fn set_response(answer: &Deferred<ResourceAnswer>, response: WebResourceResponse) -> Result<()> {
    if answer.answered() {
        return Err(Error::Closed);
    }
    let header_check = ResourceResponse {
        status: response.status,
        reason: response.reason.clone(),
        headers: response.headers.clone(),
        body: ResponseBody::Empty,
    };
    header_check.validate().map_err(Error::InvalidArgument)?;
    answer.answer.response.replace(Some(response));
    Ok(())
}

impl WebResourceRequestedEventArgs {
    /// A handle to set the response after the handler returned (with a deferral held).
    pub fn response_slot(&self) -> ResponseSlot {
        ResponseSlot {
            answer: self.answer.clone(),
        }
    }
}
