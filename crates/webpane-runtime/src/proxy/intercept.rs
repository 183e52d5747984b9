//! http(s) `WebResourceRequested`: requests to a host some view filters on, as the proxy sees
//! them. The web process extension marked each request of a page to such a host with the page's
//! id ([`PAGE_HEADER`]); the proxy hands the request to the main thread ([`ProxyRequest`]),
//! where the view with that page id raises `WebResourceRequested` if one of its filters matches.
//! The app answers with a response (written here, its body streamed), or not at all: then the
//! request goes to the real server unchanged ([`forward`](super::forward)), or to the mapped
//! folder if the host is a virtual host.
//!
//! A request body streams to the app through a pipe while it is also spooled to an unnamed
//! temporary file, so that it can still go to the server if the app does not answer.

use std::cell::RefCell;
use std::fs::File;
use std::io::{self, Read, Seek, Write};
use std::os::fd::OwnedFd;
use std::sync::mpsc;

use webpane_ipc::webext::{PAGE_HEADER, REQUEST_HEADER};

use super::forward::{Target, forward};
use super::serve::{self, Head};

/// A request for a view's app, sent from a proxy thread to the main thread.
pub struct ProxyRequest {
    /// The page (WebKit page id) that made it; `None` for a CORS preflight (WebKit sends them
    /// from its network process, unmarked).
    pub page: Option<u64>,
    pub method: String,
    pub uri: String,
    /// Without the page header.
    pub headers: Vec<(String, String)>,
    /// The body's read end (a pipe), if the request has one.
    pub body: Option<OwnedFd>,
    /// First [`ProxyReply::ToApp`] or [`ProxyReply::Forward`]; after `ToApp`, the app's answer.
    pub reply: mpsc::Sender<ProxyReply>,
}

/// The main thread's answers about a [`ProxyRequest`].
pub enum ProxyReply {
    /// The app got `WebResourceRequested`; its answer follows.
    ToApp,
    /// Not the app's: the request goes on (to the server, or the mapped folder).
    Forward,
    /// The app's response.
    Respond(AppResponse),
    /// The request fails (the view closed, the app's answer could not be used).
    Fail(String),
}

/// An app's response, checked.
pub struct AppResponse {
    pub status: u16,
    pub reason: String,
    pub headers: Vec<(String, String)>,
    pub body: AppBody,
}

/// An app's response body.
pub enum AppBody {
    Inline(Vec<u8>),
    /// Read until its end (or `length` bytes).
    Stream {
        fd: OwnedFd,
        length: Option<u64>,
    },
}

/// The main thread's handler of intercepted requests.
type Route = Box<dyn Fn(ProxyRequest)>;

thread_local! {
    /// Where the main thread takes requests (set by the server at start).
    static ROUTE: RefCell<Option<Route>> = RefCell::new(None);
}

/// Sets the main thread's handler of requests (call on the main thread).
pub fn set_route(route: impl Fn(ProxyRequest) + 'static) {
    ROUTE.with(|r| r.replace(Some(Box::new(route))));
}

/// Gives `request` to the main thread (if it has no route, the reply channel closes: fails).
fn to_main_thread(request: ProxyRequest) {
    glib::MainContext::default().invoke(move || {
        ROUTE.with(|r| {
            if let Some(route) = r.borrow().as_ref() {
                route(request);
            }
        })
    });
}

/// Serves requests on `stream` until the peer closes it or a response ends the connection.
pub fn serve(stream: &mut (impl Read + Write), target: &Target<'_>) -> io::Result<()> {
    let scheme = if target.tls { "https" } else { "http" };
    let default_port = if target.tls { 443 } else { 80 };
    let authority = if target.port == default_port {
        target.host.to_owned()
    } else {
        format!("{}:{}", target.host, target.port)
    };
    let mut pending = Vec::new();
    loop {
        let Some(mut head) = serve::read_head(stream, std::mem::take(&mut pending))? else {
            return Ok(());
        };
        // Believed only with the runtime's secret: a header a service worker (or any request no
        // page sent) carries names no page.
        let page = take_header(&mut head.headers, PAGE_HEADER)
            .and_then(|mark| webpane_ipc::webext::page_of_mark(&mark, target.page_secret));
        // A navigation with a method and body of its own (WebKit sent it as a GET).
        let rewrite = take_header(&mut head.headers, REQUEST_HEADER).and_then(|token| {
            let mut rewrites = target.rewrites.lock().unwrap_or_else(|e| e.into_inner());
            rewrites.remove(token.trim())
        });
        let mut after = Vec::new();
        if let Some(rewrite) = rewrite {
            head.method = rewrite.method;
            take_header(&mut head.headers, "content-length");
            head.headers
                .push(("Content-Length".into(), rewrite.body.len().to_string()));
            // The body comes from here; what followed the head is the next request's.
            after = std::mem::replace(&mut head.rest, rewrite.body);
        }
        if head.header("transfer-encoding").is_some() {
            // A streamed request body (no length): not interceptable here.
            return serve::simple(stream, 411, "Length Required", "close", &[]);
        }
        let length = match head.header("content-length").map(|l| l.trim().parse::<u64>()) {
            None => 0,
            Some(Ok(n)) => n,
            Some(Err(_)) => return serve::simple(stream, 400, "Bad Request", "close", &[]),
        };
        let close = head
            .header("connection")
            .is_some_and(|c| c.eq_ignore_ascii_case("close"));
        let path = head.target.clone();
        let uri = if path.starts_with('/') {
            format!("{scheme}://{authority}{path}")
        } else {
            path
        };
        let mut body = BodyReader {
            stream,
            rest: std::mem::take(&mut head.rest),
            left: length,
        };
        let preflight = head.method == "OPTIONS" && head.header("access-control-request-method").is_some();
        let outcome = match page {
            Some(page) => ask_app(Some(page), &uri, &head, &mut body, length)?,
            None if preflight => ask_app(None, &uri, &head, &mut body, length)?,
            None => Outcome::Forward(None),
        };
        let (stream, mut rest) = (body.stream, body.rest);
        rest.extend_from_slice(&after);
        match outcome {
            Outcome::Respond(response) => {
                write_response(stream, response, close)?;
                if close {
                    return Ok(());
                }
                pending = rest;
            }
            Outcome::Fail(why) => {
                log::warn!("{uri}: {why}");
                return serve::simple(stream, 502, "Bad Gateway", "close", &[]);
            }
            Outcome::Forward(spooled) => {
                if let Some(site) = target.site {
                    // A virtual host's own files (requests with bodies end the connection).
                    let origin = format!("{scheme}://{}", target.host);
                    let ends = close || length > 0;
                    serve::respond(stream, site, &origin, &head, ends)?;
                    if ends {
                        return Ok(());
                    }
                    pending = rest;
                    continue;
                }
                // A request the runtime's preflight let through goes to the server only if the
                // server approves it itself.
                let ask = |preflight: &Head| super::forward::ask(target, preflight).ok().flatten();
                if page.is_some() && !target.approvals.may_forward(target.host, &uri, &head, ask) {
                    log::info!("{uri}: the server does not approve this cross-origin request; not sent");
                    return serve::simple(stream, 403, "Forbidden", "close", &[]);
                }
                // The body (if the app did not have it already) is spooled first: the stream
                // carries the response back while the server gets the body.
                let spooled = match spooled {
                    Some(file) => Some(file),
                    None if length > 0 => {
                        let mut file = tempfile::tempfile()?;
                        let mut body = BodyReader {
                            stream: &mut *stream,
                            rest,
                            left: length,
                        };
                        io::copy(&mut body, &mut file)?;
                        file.rewind()?;
                        Some(file)
                    }
                    None => None,
                };
                let mut reader: Box<dyn Read> = match spooled {
                    Some(file) => Box::new(file),
                    None => Box::new(io::empty()),
                };
                return forward(stream, target, &head, &mut reader, length);
            }
        }
    }
}

enum Outcome {
    Respond(AppResponse),
    Fail(String),
    /// To the server (or the folder); the body spooled, if the app had it.
    Forward(Option<File>),
}

/// Offers the request to the page's view; streams the body to the app if it takes it.
fn ask_app<S: Read>(
    page: Option<u64>,
    uri: &str,
    head: &Head,
    body: &mut BodyReader<'_, S>,
    length: u64,
) -> io::Result<Outcome> {
    let (pipe_read, pipe_write) = if length > 0 {
        let (r, w) = rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC)?;
        (Some(r), Some(w))
    } else {
        (None, None)
    };
    let (reply, replies) = mpsc::channel();
    to_main_thread(ProxyRequest {
        page,
        method: head.method.clone(),
        uri: uri.to_owned(),
        headers: head.headers.clone(),
        body: pipe_read,
        reply,
    });
    match replies.recv() {
        Ok(ProxyReply::ToApp) => {}
        Ok(ProxyReply::Forward) => return Ok(Outcome::Forward(None)),
        Ok(ProxyReply::Respond(r)) => return Ok(Outcome::Respond(r)),
        Ok(ProxyReply::Fail(why)) => return Ok(Outcome::Fail(why)),
        Err(_) => return Ok(Outcome::Fail("the browser process is closing".into())),
    }
    // The body: to the app's pipe (until the app closes it) and to the spool.
    let mut spool = if length > 0 { Some(tempfile::tempfile()?) } else { None };
    let mut pipe = pipe_write.map(File::from);
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let n = body.read(&mut chunk)?;
        if n == 0 {
            break;
        }
        if let Some(file) = spool.as_mut() {
            file.write_all(&chunk[..n])?;
        }
        if let Some(p) = pipe.as_mut()
            && p.write_all(&chunk[..n]).is_err()
        {
            // The app dropped the body unread: its choice.
            pipe = None;
        }
    }
    if body.left > 0 {
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    drop(pipe);
    let answer = replies.recv();
    Ok(match answer {
        Ok(ProxyReply::Respond(r)) => Outcome::Respond(r),
        Ok(ProxyReply::Forward) => {
            let spool = match spool {
                Some(mut file) => {
                    file.rewind()?;
                    Some(file)
                }
                None => None,
            };
            Outcome::Forward(spool)
        }
        Ok(ProxyReply::Fail(why)) => Outcome::Fail(why),
        Ok(ProxyReply::ToApp) => Outcome::Fail("asked twice".into()),
        Err(_) => Outcome::Fail("the view closed before answering".into()),
    })
}

/// Writes the app's response; a body of unknown length is sent chunked.
fn write_response(stream: &mut impl Write, response: AppResponse, close: bool) -> io::Result<()> {
    let skip = ["connection", "keep-alive", "transfer-encoding", "content-length"];
    let mut out = format!("HTTP/1.1 {} {}\r\n", response.status, response.reason);
    for (name, value) in &response.headers {
        if !skip.iter().any(|s| name.eq_ignore_ascii_case(s)) {
            out.push_str(&format!("{name}: {value}\r\n"));
        }
    }
    out.push_str(&format!(
        "Connection: {}\r\n",
        if close { "close" } else { "keep-alive" }
    ));
    match response.body {
        AppBody::Inline(bytes) => {
            out.push_str(&format!("Content-Length: {}\r\n\r\n", bytes.len()));
            stream.write_all(out.as_bytes())?;
            stream.write_all(&bytes)?;
        }
        AppBody::Stream { fd, length } => {
            let mut file = File::from(fd);
            match length {
                Some(length) => {
                    out.push_str(&format!("Content-Length: {length}\r\n\r\n"));
                    stream.write_all(out.as_bytes())?;
                    let copied = io::copy(&mut (&mut file).take(length), stream)?;
                    if copied != length {
                        // The app promised more than it gave: the connection cannot go on.
                        return Err(io::ErrorKind::UnexpectedEof.into());
                    }
                }
                None => {
                    out.push_str("Transfer-Encoding: chunked\r\n\r\n");
                    stream.write_all(out.as_bytes())?;
                    let mut chunk = vec![0u8; 64 * 1024];
                    loop {
                        let n = file.read(&mut chunk)?;
                        if n == 0 {
                            break;
                        }
                        stream.write_all(format!("{n:x}\r\n").as_bytes())?;
                        stream.write_all(&chunk[..n])?;
                        stream.write_all(b"\r\n")?;
                    }
                    stream.write_all(b"0\r\n\r\n")?;
                }
            }
        }
    }
    stream.flush()
}

/// Removes every `name` header; returns the last value.
fn take_header(headers: &mut Vec<(String, String)>, name: &str) -> Option<String> {
    let mut value = None;
    headers.retain(|(n, v)| {
        if n.eq_ignore_ascii_case(name) {
            value = Some(v.clone());
            false
        } else {
            true
        }
    });
    value
}

/// A request body: what was read past the head, then the stream, `left` bytes in all.
struct BodyReader<'a, S> {
    stream: &'a mut S,
    rest: Vec<u8>,
    left: u64,
}

impl<S: Read> Read for BodyReader<'_, S> {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 || buffer.is_empty() {
            return Ok(0);
        }
        let want = buffer.len().min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = if self.rest.is_empty() {
            self.stream.read(&mut buffer[..want])?
        } else {
            let n = want.min(self.rest.len());
            buffer[..n].copy_from_slice(&self.rest[..n]);
            self.rest.drain(..n);
            n
        };
        self.left -= n as u64;
        Ok(n)
    }
}
