//! Custom URI schemes and WebResourceRequested.
//!
//! Every scheme in the runtime's options is registered on the WebKit context. WebKit hands each
//! request of such a scheme to [`Server`](crate::server::Server), which finds the view that asked
//! and gives the request to that view's [`Resources`]:
//!
//! 1. the requesting origin is checked against the scheme's allowed origins (documents of the
//!    scheme itself always pass); a refused request fails like a network error;
//! 2. a CORS preflight from an allowed origin is answered here, without the app;
//! 3. a request that matches none of the view's filters gets the default response (404);
//! 4. otherwise the app gets `WebResourceRequested`, with the request body (if any) streamed to
//!    it through a pipe as WebKit produces it — the runtime never gathers it;
//! 5. the app's answer carries its body inline (small), or as an fd (a file, a memfd, or a socket
//!    the app writes from any thread) that WebKit reads as a stream.
//!
//! A request still pending when its view closes fails with an error.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use gio::prelude::*;

use webkit2gtk::{URISchemeRequestExt, URISchemeResponseExt};
use webpane_ipc::origin::{origin_of, wildcard_match};
use webpane_ipc::protocol::{CustomScheme, ResourceResponse, ResponseBody, RuntimeMessage, WebViewId};
use webpane_ipc::{FdKind, FileAccess, FileForTransit, Outgoing, ReceivedFds};

use crate::host::Host;
use crate::proxy::{AppBody, AppResponse, ProxyReply, ProxyRequest};

/// How long a CORS preflight answer may be cached by the engine.
const PREFLIGHT_MAX_AGE: &str = "600";

/// Why the app's response to a `WebResourceRequested` cannot be given to the engine.
#[derive(Debug, thiserror::Error)]
pub enum ResponseError {
    /// The status, reason or headers break HTTP's rules.
    #[error("{0}")]
    Invalid(String),
    /// The body fd is not there or cannot be read.
    #[error("the body fd is missing or not readable ({0})")]
    BodyNotReadable(String),
    /// The body fd could not be taken from the message.
    #[error("the body fd cannot be taken")]
    BodyFd(#[source] webpane_ipc::BadMessage),
    /// The body length does not fit the engine's.
    #[error("body length {0} is too large")]
    BodyTooLong(u64),
}

/// Why a request body could not be passed on to the app.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    /// No pipe for the body.
    #[error("cannot make a pipe")]
    Pipe(#[source] rustix::io::Errno),
    /// The pipe's end cannot be sent.
    #[error("cannot send the pipe")]
    Handle(#[source] webpane_ipc::HandleError),
}

/// Fails a request with a message the page's console shows.
pub fn fail(request: &webkit2gtk::URISchemeRequest, message: &str) {
    let mut error = glib::Error::new(gio::IOErrorEnum::Failed, message);
    request.finish_error(&mut error);
}

/// Whether documents of `origin` may request URIs of `scheme`.
///
/// An opaque origin (`null`: `about:blank`, `data:`, sandboxed frames, error pages) is allowed
/// only where the registration lists `null` itself; no wildcard matches it.
pub fn origin_allowed(scheme: &CustomScheme, origin: &str) -> bool {
    if origin == "null" {
        return scheme.allowed_origins.iter().any(|p| p == "null");
    }
    origin.starts_with(&format!("{}:", scheme.name)) || scheme.allowed_origins.iter().any(|p| wildcard_match(p, origin))
}

enum Pending {
    /// A custom scheme's request, from WebKit.
    Scheme {
        request: webkit2gtk::URISchemeRequest,
        /// The cross-origin requester to name in `Access-Control-Allow-Origin`, if any.
        cors_origin: Option<String>,
    },
    /// An http(s) request, from the proxy (which waits for the answer on this channel).
    Proxy(std::sync::mpsc::Sender<ProxyReply>),
}

/// A view's resource filters and the requests waiting for its app.
#[derive(Default)]
pub struct Resources {
    filters: RefCell<Vec<String>>,
    pending: RefCell<HashMap<u64, Pending>>,
    next: Cell<u64>,
}

impl Resources {
    /// Adds a URI filter (duplicates count once).
    pub fn add_filter(&self, filter: String) {
        let mut filters = self.filters.borrow_mut();
        if !filters.contains(&filter) {
            filters.push(filter);
        }
    }

    /// Removes a URI filter.
    pub fn remove_filter(&self, filter: &str) {
        self.filters.borrow_mut().retain(|f| f != filter);
    }

    /// Handles a request of `scheme` made by this view, whose document is at `document_uri`.
    pub fn request(
        &self,
        id: WebViewId,
        host: &Rc<dyn Host>,
        scheme: &CustomScheme,
        document_uri: &str,
        request: &webkit2gtk::URISchemeRequest,
    ) {
        let uri = request.uri().map(|u| u.to_string()).unwrap_or_default();
        log::debug!("view {}: scheme request {uri}", id.0);
        let method = request
            .http_method()
            .map(|m| m.to_string())
            .unwrap_or_else(|| "GET".into());
        let mut headers = Vec::new();
        if let Some(h) = request.http_headers() {
            h.foreach(|name, value| headers.push((name.to_owned(), value.to_owned())));
        }
        let header = |name: &str| {
            headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone())
        };
        // The Origin header names the requesting document for CORS requests (`null` for an
        // opaque origin, which stays `null`: never the view's earlier document); otherwise it
        // is the view's document (top-level navigations show their target here already).
        let origin_header = header("Origin");
        // A document of this scheme loading without CORS (a navigation, a tag): always allowed,
        // also when its URI has no authority (`app:page.html`, an opaque origin).
        let own_document =
            origin_header.is_none() && url::Url::parse(document_uri).is_ok_and(|u| u.scheme() == scheme.name);
        let origin = origin_header.unwrap_or_else(|| origin_of(document_uri));
        if !own_document && !origin_allowed(scheme, &origin) {
            log::warn!("view {}: {origin} may not load {uri} (not an allowed origin)", id.0);
            fail(
                request,
                &format!("{origin} is not allowed to load {}: URIs", scheme.name),
            );
            return;
        }
        // Cross-origin requests (another scheme, or another host of this one) need CORS headers.
        let cors_origin = (origin != origin_of(&uri)).then_some(origin);
        if method == "OPTIONS" && header("Access-Control-Request-Method").is_some() {
            preflight(
                request,
                cors_origin.as_deref(),
                header("Access-Control-Request-Headers"),
            );
            return;
        }
        if !self.filters.borrow().iter().any(|f| wildcard_match(f, &uri)) {
            finish_default(request, cors_origin.as_deref());
            return;
        }
        let mut fds = Outgoing::new();
        // Blob bodies never get here: WebKit would hang in http_body() (see scheme_bodies.js).
        let body = match request.http_body() {
            Some(stream) => match stream_to_pipe(stream) {
                Ok(read_end) => Some(fds.file(read_end)),
                Err(e) => {
                    fail(
                        request,
                        &format!("cannot pass the request body on: {}", crate::error::reason(&e)),
                    );
                    return;
                }
            },
            None => None,
        };
        let number = self.next.get() + 1;
        self.next.set(number);
        self.pending.borrow_mut().insert(
            number,
            Pending::Scheme {
                request: request.clone(),
                cors_origin,
            },
        );
        host.send_with_fds(
            RuntimeMessage::WebResourceRequested {
                id,
                request: number,
                method,
                uri,
                headers,
                body,
            },
            fds,
        );
    }

    /// The http(s) hosts this view's filters name literally (`https://api.example/*`): the
    /// proxy intercepts those. A filter with a wildcard in its host intercepts nothing over
    /// http(s) (the proxy would have to stand in for every host).
    pub fn intercepted_hosts(&self) -> std::collections::BTreeSet<String> {
        self.filters
            .borrow()
            .iter()
            .filter_map(|f| intercepted_host(f))
            .collect()
    }

    /// Whether one of the filters matches `uri`.
    pub fn filters_match(&self, uri: &str) -> bool {
        self.filters.borrow().iter().any(|f| wildcard_match(f, uri))
    }

    /// Handles an http(s) request the proxy intercepted for this view.
    pub fn proxy_request(&self, id: WebViewId, host: &Rc<dyn Host>, request: ProxyRequest) {
        if !self.filters_match(&request.uri) {
            let _ = request.reply.send(ProxyReply::Forward);
            return;
        }
        log::debug!("view {}: intercepted {} {}", id.0, request.method, request.uri);
        let mut fds = Outgoing::new();
        let body = match request.body.map(FileForTransit::take) {
            Some(Ok(read_end)) => Some(fds.file(read_end)),
            Some(Err(e)) => {
                let _ = request
                    .reply
                    .send(ProxyReply::Fail(format!("cannot pass the request body on: {e}")));
                return;
            }
            None => None,
        };
        let number = self.next.get() + 1;
        self.next.set(number);
        self.pending
            .borrow_mut()
            .insert(number, Pending::Proxy(request.reply.clone()));
        let _ = request.reply.send(ProxyReply::ToApp);
        host.send_with_fds(
            RuntimeMessage::WebResourceRequested {
                id,
                request: number,
                method: request.method,
                uri: request.uri,
                headers: request.headers,
                body,
            },
            fds,
        );
    }

    /// Answers request `number` with the app's response (`None`: the default one, which for
    /// http(s) is the network). An answer the engine cannot take fails the request and returns
    /// why; unknown numbers are ignored.
    pub fn answer(
        &self,
        number: u64,
        response: Option<ResourceResponse>,
        fds: &mut ReceivedFds,
    ) -> Result<(), ResponseError> {
        let Some(pending) = self.pending.borrow_mut().remove(&number) else {
            return Ok(());
        };
        let (request, cors_origin) = match pending {
            Pending::Scheme { request, cors_origin } => (request, cors_origin),
            Pending::Proxy(reply) => {
                let outcome = match response.map(|r| app_response(r, fds)) {
                    None => Ok(ProxyReply::Forward),
                    Some(Ok(response)) => Ok(ProxyReply::Respond(response)),
                    Some(Err(why)) => Err(why),
                };
                return match outcome {
                    Ok(reply_now) => {
                        let _ = reply.send(reply_now);
                        Ok(())
                    }
                    Err(why) => {
                        let _ = reply.send(ProxyReply::Fail(format!(
                            "the app's response was refused: {}",
                            crate::error::reason(&why)
                        )));
                        Err(why)
                    }
                };
            }
        };
        let Some(response) = response else {
            finish_default(&request, cors_origin.as_deref());
            return Ok(());
        };
        match build_response(response, cors_origin.as_deref(), fds) {
            Ok(built) => {
                request.finish_with_response(&built);
                Ok(())
            }
            Err(why) => {
                fail(
                    &request,
                    &format!("the app's response was refused: {}", crate::error::reason(&why)),
                );
                Err(why)
            }
        }
    }

    /// Fails every request still waiting (the view is closing).
    pub fn fail_pending(&self) {
        let pending: Vec<Pending> = self.pending.borrow_mut().drain().map(|(_, p)| p).collect();
        for p in pending {
            match p {
                Pending::Scheme { request, .. } => fail(&request, "the webview closed"),
                Pending::Proxy(reply) => {
                    let _ = reply.send(ProxyReply::Fail("the webview closed".into()));
                }
            }
        }
    }
}

/// The literal host of an http(s) filter (`https://Host:8080/*` → `host`), if it has one.
fn intercepted_host(filter: &str) -> Option<String> {
    let (scheme, rest) = filter.split_once("://")?;
    if !matches!(scheme, "http" | "https" | "*") {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.split(':').next()?.to_ascii_lowercase();
    let literal = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b'_');
    literal.then_some(host)
}

/// The app's response for the proxy: checked, its body fd taken.
fn app_response(response: ResourceResponse, fds: &mut ReceivedFds) -> Result<AppResponse, ResponseError> {
    response.validate().map_err(ResponseError::Invalid)?;
    let body = match response.body {
        ResponseBody::Empty => AppBody::Inline(Vec::new()),
        ResponseBody::Inline(bytes) => AppBody::Inline(bytes),
        ResponseBody::Fd { fd, length } => AppBody::Stream {
            fd: take_body_fd(fds, fd)?,
            length,
        },
    };
    Ok(AppResponse {
        status: response.status,
        reason: response.reason,
        headers: response.headers,
        body,
    })
}

/// The readable fd of a response body.
fn take_body_fd(fds: &mut ReceivedFds, fd: webpane_ipc::FdRef) -> Result<std::os::fd::OwnedFd, ResponseError> {
    let readable = match fds.kind(fd) {
        Some(FdKind::File { access } | FdKind::Pipe { access }) => access != FileAccess::Write,
        Some(FdKind::Socket) => true,
        _ => false,
    };
    if !readable {
        return Err(ResponseError::BodyNotReadable(format!("{:?}", fds.kind(fd))));
    }
    if matches!(fds.kind(fd), Some(FdKind::Socket)) {
        fds.take_socket(fd).map_err(ResponseError::BodyFd)
    } else {
        Ok(fds.take_file(fd).map_err(ResponseError::BodyFd)?.0.into())
    }
}

/// Copies the engine's request body stream into a new pipe, asynchronously (never blocking the
/// main loop, never holding more than a buffer of it); returns the read end for the app.
fn stream_to_pipe(stream: gio::InputStream) -> Result<FileForTransit, BodyError> {
    let (read_end, write_end) = rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC).map_err(BodyError::Pipe)?;
    let output = crate::ffi::output_stream(write_end);
    output.splice_async(
        &stream,
        gio::OutputStreamSpliceFlags::CLOSE_SOURCE | gio::OutputStreamSpliceFlags::CLOSE_TARGET,
        glib::Priority::DEFAULT,
        None::<&gio::Cancellable>,
        |result| {
            // An app that drops the body unread closes the pipe: that is its choice, not an error.
            if let Err(e) = result {
                log::debug!("request body not fully passed on: {e}");
            }
        },
    );
    FileForTransit::take(read_end).map_err(BodyError::Handle)
}

fn headers_for(pairs: &[(String, String)], cors_origin: Option<&str>) -> soup::MessageHeaders {
    let headers = soup::MessageHeaders::new(soup::MessageHeadersType::Response);
    for (name, value) in pairs {
        headers.append(name, value);
    }
    if let Some(origin) = cors_origin
        && !pairs
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("Access-Control-Allow-Origin"))
    {
        headers.append("Access-Control-Allow-Origin", origin);
    }
    headers
}

fn make_response(
    status: u16,
    reason: &str,
    headers: soup::MessageHeaders,
    stream: gio::InputStream,
    length: i64,
) -> webkit2gtk::URISchemeResponse {
    let response = webkit2gtk::URISchemeResponse::new(&stream, length);
    response.set_status(u32::from(status), Some(reason));
    if let Some(content_type) = headers.one("Content-Type").map(|t| t.to_string()) {
        response.set_content_type(&content_type);
    }
    response.set_http_headers(headers);
    response
}

fn respond(request: &webkit2gtk::URISchemeRequest, status: u16, reason: &str, headers: soup::MessageHeaders) {
    let empty: gio::InputStream = gio::MemoryInputStream::new().upcast();
    request.finish_with_response(&make_response(status, reason, headers, empty, 0));
}

/// The documented default response: `404 Not Found`, empty body.
pub fn finish_default(request: &webkit2gtk::URISchemeRequest, cors_origin: Option<&str>) {
    respond(request, 404, "Not Found", headers_for(&[], cors_origin));
}

/// The runtime's answer to a CORS preflight for an intercepted http(s) URI (`headers`: the
/// preflight's): the requesting origin may send what it asks to.
pub fn preflight_answer(headers: &[(String, String)]) -> AppResponse {
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let mut pairs = preflight_headers(header("Access-Control-Request-Headers"));
    pairs.push((
        "Access-Control-Allow-Origin".to_owned(),
        header("Origin").unwrap_or_else(|| "*".into()),
    ));
    pairs.push(("Vary".to_owned(), "Origin".to_owned()));
    AppResponse {
        status: 204,
        reason: "No Content".into(),
        headers: pairs,
        body: AppBody::Inline(Vec::new()),
    }
}

fn preflight_headers(asked_headers: Option<String>) -> Vec<(String, String)> {
    let mut pairs = vec![
        (
            "Access-Control-Allow-Methods".to_owned(),
            "GET, POST, PUT, DELETE, PATCH, HEAD, OPTIONS".to_owned(),
        ),
        ("Access-Control-Max-Age".to_owned(), PREFLIGHT_MAX_AGE.to_owned()),
    ];
    if let Some(asked) = asked_headers {
        pairs.push(("Access-Control-Allow-Headers".to_owned(), asked));
    }
    pairs
}

fn preflight(request: &webkit2gtk::URISchemeRequest, cors_origin: Option<&str>, asked_headers: Option<String>) {
    let pairs = preflight_headers(asked_headers);
    respond(request, 204, "No Content", headers_for(&pairs, cors_origin));
}

fn build_response(
    response: ResourceResponse,
    cors_origin: Option<&str>,
    fds: &mut ReceivedFds,
) -> Result<webkit2gtk::URISchemeResponse, ResponseError> {
    response.validate().map_err(ResponseError::Invalid)?;
    let (stream, length): (gio::InputStream, i64) = match response.body {
        ResponseBody::Empty => (gio::MemoryInputStream::new().upcast(), 0),
        ResponseBody::Inline(bytes) => {
            let length = bytes.len() as i64;
            let bytes = glib::Bytes::from_owned(bytes);
            (gio::MemoryInputStream::from_bytes(&bytes).upcast(), length)
        }
        ResponseBody::Fd { fd, length } => {
            let owned = take_body_fd(fds, fd)?;
            let length = match length {
                Some(n) => i64::try_from(n).map_err(|_| ResponseError::BodyTooLong(n))?,
                None => -1,
            };
            (crate::ffi::input_stream(owned), length)
        }
    };
    let headers = headers_for(&response.headers, cors_origin);
    Ok(make_response(
        response.status,
        &response.reason,
        headers,
        stream,
        length,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins() {
        assert_eq!(origin_of("https://example.com/a?b"), "https://example.com");
        assert_eq!(origin_of("http://127.0.0.1:8080/x"), "http://127.0.0.1:8080");
        assert_eq!(origin_of("app://host/index.html"), "app://host");
        assert_eq!(origin_of("about:blank"), "null");
        assert_eq!(origin_of("not a uri"), "null");
        let scheme = CustomScheme {
            name: "app".into(),
            allowed_origins: vec!["http://127.0.0.1:*".into()],
            treat_as_secure: false,
        };
        assert!(origin_allowed(&scheme, "app://host"));
        assert!(origin_allowed(&scheme, "http://127.0.0.1:4000"));
        assert!(!origin_allowed(&scheme, "https://evil.example"));
        assert!(!origin_allowed(&scheme, "null"));
        assert!(!origin_allowed(&scheme, "apple://x"));
        // No wildcard matches an opaque origin; only `null` listed itself does.
        let anything = CustomScheme {
            allowed_origins: vec!["*".into()],
            ..scheme.clone()
        };
        assert!(origin_allowed(&anything, "https://any.example"));
        assert!(!origin_allowed(&anything, "null"));
        let null_too = CustomScheme {
            allowed_origins: vec!["null".into()],
            ..scheme
        };
        assert!(origin_allowed(&null_too, "null"));
    }

    #[test]
    fn filters_name_hosts_to_intercept() {
        assert_eq!(
            intercepted_host("https://API.example/*").as_deref(),
            Some("api.example")
        );
        assert_eq!(intercepted_host("http://h.test:8080/x?*").as_deref(), Some("h.test"));
        assert_eq!(intercepted_host("*://h.test/*").as_deref(), Some("h.test"));
        assert_eq!(intercepted_host("https://*.example/*"), None);
        assert_eq!(intercepted_host("*"), None);
        assert_eq!(intercepted_host("app://h/*"), None);
    }
}
