//! The loopback SOCKS5 proxy WebKit's network process is pointed at once a virtual host is
//! mapped. Every connection WebKit makes comes through it: those to a mapped host are served
//! here (TLS terminated with the host's own certificate, or plain http), every other one is
//! tunnelled byte for byte (WebKit verifies the real server's certificate end to end), through
//! the system's or the environment's proxy when there is one. Only a client that knows this
//! runtime's random credentials gets a connection (SOCKS5 username/password).
//!
//! No other local user can hold it up either ([`super::peer`]): a connection from a socket of another
//! uid is closed before a byte is read. Connections that have not authenticated yet are few
//! (at most [`MAX_PENDING`]; a new one pushes the oldest out, so a process of ours that opens
//! connections without end cannot keep WebKit's out) and short-lived (the whole handshake has
//! [`HANDSHAKE`], however slowly its bytes come); only authenticated ones count towards
//! [`MAX_CONNECTIONS`].
//!
//! One thread per connection, blocking I/O; nothing is held whole (bodies stream through).

use std::collections::HashMap;
use std::io;
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::AtomicU64;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::thread;
use std::time::Duration;

use super::forward;
use super::intercept;
use super::serve::{self, Site};
use super::upstream;
use webpane_proxy_wire::socks_server as socks;

/// At most this many authenticated connections at once.
const MAX_CONNECTIONS: usize = 1024;
/// At most this many connections still in their handshake (a new one closes the oldest).
pub const MAX_PENDING: usize = 64;
/// How long a client may take over the whole handshake.
const HANDSHAKE: Duration = Duration::from_secs(10);
/// How long an idle connection to a virtual host is kept.
const IDLE: Duration = Duration::from_secs(120);

/// A host the proxy serves itself: a folder mapped at it, requests to it intercepted, or both.
/// Cloning shares its parts.
#[derive(Clone)]
pub struct Mapped {
    pub site: Option<Arc<Site>>,
    /// Whether a view filters on it (its requests are offered to the app first).
    pub intercepted: bool,
    pub tls: Arc<rustls::ServerConfig>,
}

/// What the proxy threads share with the main thread.
pub struct Shared {
    /// The credentials every client must give.
    pub user: String,
    pub password: String,
    /// The secret of page marks (given to web processes, never to page script).
    pub page_secret: String,
    pub sites: RwLock<HashMap<String, Arc<Mapped>>>,
    /// Connections open now.
    pub connections: AtomicUsize,
    /// The app's own proxy: other traffic goes on through it.
    pub app_proxy: Option<String>,
    /// Navigations waiting for their method and body, by token.
    pub rewrites: Mutex<HashMap<String, serve::Rewrite>>,
    /// Tunnels open now, by host: closed when their host becomes intercepted.
    pub tunnels: Mutex<Vec<(u64, String, TcpStream)>>,
    /// The CORS preflights the runtime approved for intercepted URIs.
    pub approvals: super::cors::Approvals,
    /// Connections in their handshake, oldest first (a copy of each, to close it).
    pub pending: Mutex<std::collections::VecDeque<(u64, TcpStream)>>,
}

impl Shared {
    pub fn site(&self, host: &str) -> Option<Arc<Mapped>> {
        let sites = self.sites.read().unwrap_or_else(|e| e.into_inner());
        sites.get(&host.to_ascii_lowercase()).cloned()
    }

    /// Closes the tunnels to `host`.
    pub fn close_tunnels(&self, host: &str) {
        let tunnels = self.tunnels.lock().unwrap_or_else(|e| e.into_inner());
        for (_, to, stream) in tunnels.iter() {
            if to.eq_ignore_ascii_case(host) {
                let _ = stream.shutdown(std::net::Shutdown::Both);
            }
        }
    }
}

/// Starts listening on a loopback port; returns the port.
pub fn start(shared: Arc<Shared>) -> io::Result<u16> {
    let listener = TcpListener::bind(("127.0.0.1", 0))?;
    let port = listener.local_addr()?.port();
    log::debug!("proxy: listening on port {port}");
    let uid = rustix::process::getuid().as_raw();
    thread::Builder::new().name("webpane-proxy".into()).spawn(move || {
        let mut next = 0u64;
        for conn in listener.incoming() {
            let conn = match conn {
                Ok(conn) => conn,
                Err(e) => {
                    log::warn!("the virtual host proxy could not accept a connection: {e}");
                    thread::sleep(Duration::from_millis(50));
                    continue;
                }
            };
            // Another user's process: closed before anything is read.
            match super::peer::uid_of_peer(&conn) {
                Some(peer) if peer == uid => {}
                other => {
                    log::debug!("proxy: closed a connection from uid {other:?} (not this user's)");
                    continue;
                }
            }
            next += 1;
            let number = next;
            if let Ok(copy) = conn.try_clone() {
                let mut pending = shared.pending.lock().unwrap_or_else(|e| e.into_inner());
                if pending.len() >= MAX_PENDING
                    && let Some((_, oldest)) = pending.pop_front()
                {
                    // Its thread sees the connection end and goes.
                    let _ = oldest.shutdown(std::net::Shutdown::Both);
                }
                pending.push_back((number, copy));
            }
            let mine = shared.clone();
            let spawned = thread::Builder::new().name("webpane-proxy-conn".into()).spawn(move || {
                if let Err(e) = handle(conn, number, &mine) {
                    log::debug!("a proxy connection ended: {e}");
                }
            });
            if let Err(e) = spawned {
                shared.done_pending(number);
                log::warn!("no thread for a proxy connection: {e}");
            }
        }
    })?;
    Ok(port)
}

impl Shared {
    /// Connection `number` is past its handshake (or gone).
    fn done_pending(&self, number: u64) {
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        pending.retain(|(n, _)| *n != number);
    }
}

/// Counts an authenticated connection while it lives.
struct Admitted<'a>(&'a Shared);

impl Drop for Admitted<'_> {
    fn drop(&mut self) {
        self.0.connections.fetch_sub(1, Ordering::AcqRel);
    }
}

fn handle(mut conn: TcpStream, number: u64, shared: &Shared) -> io::Result<()> {
    let _ = conn.set_nodelay(true);
    let handshake = socks::handshake(&mut Deadline::new(&mut conn, HANDSHAKE), &shared.user, &shared.password);
    shared.done_pending(number);
    let target = match handshake {
        Ok(target) => target,
        Err(refused) => {
            log::debug!("proxy: a client was refused: {refused}");
            return Ok(());
        }
    };
    // Connections beyond the limit are closed at once: no more threads than that.
    if shared.connections.fetch_add(1, Ordering::AcqRel) >= MAX_CONNECTIONS {
        shared.connections.fetch_sub(1, Ordering::AcqRel);
        log::warn!("the virtual host proxy refused a connection: {MAX_CONNECTIONS} are open");
        return socks::reply(&mut conn, 1);
    }
    let _admitted = Admitted(shared);
    let Some(mapped) = shared.site(&target.host) else {
        conn.set_read_timeout(None)?;
        return tunnel(conn, shared, &target.host, target.port);
    };
    socks::reply(&mut conn, 0)?;
    conn.set_read_timeout(Some(IDLE))?;
    // TLS (a ClientHello begins with 22) or plain http, whatever the port.
    let mut first = [0u8; 1];
    if conn.peek(&mut first)? == 0 {
        return Ok(());
    }
    let tls = first[0] == 22;
    let target = forward::Target {
        host: &target.host.to_ascii_lowercase(),
        port: target.port,
        tls,
        site: mapped.site.as_deref(),
        app_proxy: shared.app_proxy.as_deref(),
        rewrites: &shared.rewrites,
        page_secret: &shared.page_secret,
        approvals: &shared.approvals,
    };
    if !tls {
        return serve_host(&mut conn, &mapped, &target);
    }
    let tls = rustls::ServerConnection::new(mapped.tls.clone()).map_err(|e| io::Error::other(e.to_string()))?;
    let mut stream = rustls::StreamOwned::new(tls, conn);
    let served = serve_host(&mut stream, &mapped, &target);
    stream.conn.send_close_notify();
    let _ = stream.conn.complete_io(&mut stream.sock);
    served
}

/// A connection whose reads must all be done by a deadline (each read waits only for what is
/// left of it), however slowly the bytes come.
struct Deadline<'a> {
    conn: &'a mut TcpStream,
    until: std::time::Instant,
}

impl<'a> Deadline<'a> {
    fn new(conn: &'a mut TcpStream, within: Duration) -> Self {
        Deadline {
            conn,
            until: std::time::Instant::now() + within,
        }
    }
}

impl io::Read for Deadline<'_> {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        let left = self.until.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            return Err(io::ErrorKind::TimedOut.into());
        }
        self.conn.set_read_timeout(Some(left))?;
        self.conn.read(buffer)
    }
}

impl io::Write for Deadline<'_> {
    fn write(&mut self, buffer: &[u8]) -> io::Result<usize> {
        self.conn.write(buffer)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.conn.flush()
    }
}

/// Serves a connection to a host of the proxy's own: its folder alone, or the interception.
fn serve_host(
    stream: &mut (impl io::Read + io::Write),
    mapped: &Mapped,
    target: &forward::Target<'_>,
) -> io::Result<()> {
    match (&mapped.site, mapped.intercepted) {
        (Some(site), false) => serve::serve(stream, site, if target.tls { "https" } else { "http" }, None),
        _ => intercept::serve(stream, target),
    }
}

/// Passes a connection through, byte for byte.
fn tunnel(mut client: TcpStream, shared: &Shared, host: &str, port: u16) -> io::Result<()> {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    match upstream::reach(host, port, shared.app_proxy.as_deref()) {
        Ok(server) => {
            socks::reply(&mut client, 0)?;
            let number = NEXT.fetch_add(1, Ordering::Relaxed);
            if let Ok(copy) = client.try_clone() {
                let mut tunnels = shared.tunnels.lock().unwrap_or_else(|e| e.into_inner());
                tunnels.push((number, host.to_ascii_lowercase(), copy));
            }
            let relayed = relay(client, server);
            let mut tunnels = shared.tunnels.lock().unwrap_or_else(|e| e.into_inner());
            tunnels.retain(|(n, _, _)| *n != number);
            relayed
        }
        Err(e) => {
            log::debug!("proxy: no way to {host}:{port}: {e}");
            let code = if e.kind() == io::ErrorKind::ConnectionRefused {
                5
            } else {
                4
            };
            socks::reply(&mut client, code)
        }
    }
}

/// Copies both ways until each side has said all it has.
fn relay(client: TcpStream, server: TcpStream) -> io::Result<()> {
    client.set_read_timeout(None)?;
    let (mut client_in, mut server_out) = (client.try_clone()?, server.try_clone()?);
    let upward = thread::Builder::new().name("webpane-proxy-up".into()).spawn(move || {
        let _ = io::copy(&mut client_in, &mut server_out);
        let _ = server_out.shutdown(std::net::Shutdown::Write);
    })?;
    let (mut server_in, mut client_out) = (server, client);
    let _ = io::copy(&mut server_in, &mut client_out);
    let _ = client_out.shutdown(std::net::Shutdown::Write);
    let _ = upward.join();
    Ok(())
}
