//! A request to an intercepted host that the app does not answer goes to the real server, as
//! WebKit would have sent it: through the app's or the system's proxy if there is one, over TLS
//! verified against the system's trusted certificates (the same store WebKit trusts) for https.
//! The response streams back as it comes; the connection to WebKit closes after it.

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::sync::{Arc, Mutex, OnceLock};

use super::serve::{Head, Rewrite, Site};
use super::upstream;

/// The most a response head may take.
const MAX_HEAD: usize = 64 * 1024;

/// Request headers that belong to one hop (or to webpane) and are not passed on.
const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authorization",
    "te",
    "upgrade",
];

/// Where a connection to an intercepted host goes.
pub struct Target<'a> {
    pub host: &'a str,
    pub port: u16,
    pub tls: bool,
    /// The folder mapped at the host, if any.
    pub site: Option<&'a Site>,
    pub app_proxy: Option<&'a str>,
    /// Navigations waiting for their method and body, by token.
    pub rewrites: &'a Mutex<HashMap<String, Rewrite>>,
    /// The secret a page mark must carry (`webpane_ipc::webext::page_mark`).
    pub page_secret: &'a str,
    /// The CORS preflights the runtime approved.
    pub approvals: &'a super::cors::Approvals,
}

/// Sends `head` (and `length` bytes of `body`) to the target's server and copies the response
/// to `client`.
pub fn forward(
    client: &mut impl Write,
    target: &Target<'_>,
    head: &Head,
    body: &mut impl Read,
    length: u64,
) -> io::Result<()> {
    match connect(target)? {
        Some(server) => exchange(client, server, head, body, length),
        None => super::serve::simple(client, 502, "Bad Gateway", "close", &[]),
    }
}

/// A connection to a server, plain or TLS.
pub trait Stream: Read + Write {}
impl<T: Read + Write> Stream for T {}

/// A connection to the target's server (through the next proxy, over TLS verified against the
/// system's certificates for https); `None` when it cannot be had (said in the log).
fn connect(target: &Target<'_>) -> io::Result<Option<Box<dyn Stream>>> {
    let (host, port) = (target.host, target.port);
    let server = match upstream::reach(host, port, target.app_proxy) {
        Ok(server) => server,
        Err(e) => {
            log::debug!("forward: no way to {host}:{port}: {e}");
            return Ok(None);
        }
    };
    if !target.tls {
        return Ok(Some(Box::new(server)));
    }
    let name = rustls::pki_types::ServerName::try_from(host.to_owned())
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e.to_string()))?;
    let connection = rustls::ClientConnection::new(client_config(), name).map_err(io::Error::other)?;
    let mut stream = rustls::StreamOwned::new(connection, server);
    // A certificate the system does not trust ends here, like a failed handshake in WebKit.
    if let Err(e) = stream.conn.complete_io(&mut stream.sock) {
        log::warn!("forward: TLS with {host}:{port} failed: {e}");
        return Ok(None);
    }
    Ok(Some(Box::new(stream)))
}

/// Sends `head` (no body) to the target's server and returns the response's status and
/// headers; `None` when the server cannot be reached or answers nothing readable.
pub fn ask(target: &Target<'_>, head: &Head) -> io::Result<super::cors::Answer> {
    let Some(mut server) = connect(target)? else {
        return Ok(None);
    };
    server.write_all(request_head(head).as_bytes())?;
    server.flush()?;
    let Some((pending, end)) = response_head(&mut server)? else {
        return Ok(None);
    };
    let text = String::from_utf8_lossy(&pending[..end]);
    let mut lines = text.split("\r\n");
    let status = lines.next().and_then(|l| l.split_whitespace().nth(1)?.parse().ok());
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    Ok(status.map(|status| (status, headers)))
}

/// Reads a response head from `server`: what was read, and where the head ends in it (what
/// follows is body); `None` when the server closes first or the head is too large.
fn response_head(server: &mut impl Read) -> io::Result<Option<(Vec<u8>, usize)>> {
    let mut pending = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        if let Some(end) = pending.windows(4).position(|w| w == b"\r\n\r\n") {
            return Ok(Some((pending, end + 4)));
        }
        if pending.len() > MAX_HEAD {
            return Ok(None);
        }
        let n = read_some(server, &mut chunk)?;
        if n == 0 {
            return Ok(None);
        }
        pending.extend_from_slice(&chunk[..n]);
    }
}

/// The request line and headers as they go to the server (hop-by-hop and webpane's own
/// headers left out, the connection closing after the response).
fn request_head(head: &Head) -> String {
    let mut out = format!("{} {} HTTP/1.1\r\n", head.method, head.target);
    for (name, value) in &head.headers {
        if HOP_BY_HOP.iter().any(|h| name.eq_ignore_ascii_case(h))
            || name.eq_ignore_ascii_case(webpane_ipc::webext::PAGE_HEADER)
        {
            continue;
        }
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str("Connection: close\r\n\r\n");
    out
}

fn exchange(
    client: &mut impl Write,
    mut server: impl Read + Write,
    head: &Head,
    body: &mut impl Read,
    length: u64,
) -> io::Result<()> {
    server.write_all(request_head(head).as_bytes())?;
    let sent = io::copy(&mut body.take(length), &mut server)?;
    if sent != length {
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    server.flush()?;
    // The response head, with the connection marked as closing (WebKit must not reuse it).
    let Some((pending, end)) = response_head(&mut server)? else {
        return super::serve::simple(client, 502, "Bad Gateway", "close", &[]);
    };
    let mut chunk = [0u8; 8192];
    let text = String::from_utf8_lossy(&pending[..end]);
    let mut lines = text.split("\r\n");
    let mut rewritten = format!("{}\r\n", lines.next().unwrap_or("HTTP/1.1 502 Bad Gateway"));
    for line in lines.filter(|l| !l.is_empty()) {
        let name = line.split(':').next().unwrap_or("").trim();
        if name.eq_ignore_ascii_case("connection") || name.eq_ignore_ascii_case("keep-alive") {
            continue;
        }
        rewritten.push_str(line);
        rewritten.push_str("\r\n");
    }
    rewritten.push_str("Connection: close\r\n\r\n");
    client.write_all(rewritten.as_bytes())?;
    client.write_all(&pending[end..])?;
    // The body streams through as it arrives.
    loop {
        let n = read_some(&mut server, &mut chunk)?;
        if n == 0 {
            break;
        }
        client.write_all(&chunk[..n])?;
    }
    client.flush()
}

/// A read where a server that closes without TLS's close_notify counts as the end.
fn read_some(server: &mut impl Read, buffer: &mut [u8]) -> io::Result<usize> {
    match server.read(buffer) {
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(0),
        other => other,
    }
}

/// Trusts what the system trusts (`/etc/ssl/certs`, as WebKit through GnuTLS does).
fn client_config() -> Arc<rustls::ClientConfig> {
    static CONFIG: OnceLock<Arc<rustls::ClientConfig>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let mut roots = rustls::RootCertStore::empty();
            let found = rustls_native_certs::load_native_certs();
            for error in &found.errors {
                log::warn!("forward: a system certificate could not be read: {error}");
            }
            let (added, ignored) = roots.add_parsable_certificates(found.certs);
            log::debug!("forward: {added} trusted certificates ({ignored} ignored)");
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            Arc::new(
                rustls::ClientConfig::builder_with_provider(provider)
                    .with_safe_default_protocol_versions()
                    .expect("ring supports the default protocol versions")
                    .with_root_certificates(roots)
                    .with_no_client_auth(),
            )
        })
        .clone()
}
