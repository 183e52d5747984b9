//! The loopback SOCKS5 proxy WebKit's network process is pointed at once a virtual host is
//! mapped. Every connection WebKit makes comes through it: those to a mapped host are served
//! here (TLS terminated with the host's own certificate, or plain http), every other one is
//! tunnelled byte for byte (WebKit verifies the real server's certificate end to end), through
//! the system's or the environment's http proxy when there is one. Only a client that knows this
//! runtime's random credentials gets a connection (SOCKS5 username/password): no other local
//! user can use it.
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
use super::socks;
use super::upstream;

/// At most this many connections at once.
const MAX_CONNECTIONS: usize = 1024;
/// How long a client may take over the handshake.
const HANDSHAKE: Duration = Duration::from_secs(30);
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
    pub sites: RwLock<HashMap<String, Arc<Mapped>>>,
    /// Connections open now.
    pub connections: AtomicUsize,
    /// The app's own proxy: other traffic goes on through it.
    pub app_proxy: Option<String>,
    /// Navigations waiting for their method and body, by token.
    pub rewrites: Mutex<HashMap<String, serve::Rewrite>>,
    /// Tunnels open now, by host: closed when their host becomes intercepted.
    pub tunnels: Mutex<Vec<(u64, String, TcpStream)>>,
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
    thread::Builder::new().name("webpane-proxy".into()).spawn(move || {
        for conn in listener.incoming() {
            let conn = match conn {
                Ok(conn) => conn,
                Err(e) => {
                    log::warn!("the virtual host proxy could not accept a connection: {e}");
                    thread::sleep(Duration::from_millis(50));
                    continue;
                }
            };
            // Connections beyond the limit are closed at once: a local process opening
            // connections without end cannot exhaust the browser process's threads.
            if shared.connections.fetch_add(1, Ordering::AcqRel) >= MAX_CONNECTIONS {
                shared.connections.fetch_sub(1, Ordering::AcqRel);
                log::warn!("the virtual host proxy refused a connection: {MAX_CONNECTIONS} are open");
                continue;
            }
            let mine = shared.clone();
            let spawned = thread::Builder::new().name("webpane-proxy-conn".into()).spawn(move || {
                if let Err(e) = handle(conn, &mine) {
                    log::debug!("a proxy connection ended: {e}");
                }
                mine.connections.fetch_sub(1, Ordering::AcqRel);
            });
            if let Err(e) = spawned {
                shared.connections.fetch_sub(1, Ordering::AcqRel);
                log::warn!("no thread for a proxy connection: {e}");
            }
        }
    })?;
    Ok(port)
}

fn handle(mut conn: TcpStream, shared: &Shared) -> io::Result<()> {
    conn.set_read_timeout(Some(HANDSHAKE))?;
    let _ = conn.set_nodelay(true);
    let target = match socks::handshake(&mut conn, &shared.user, &shared.password) {
        Ok(target) => target,
        Err(refused) => {
            log::debug!("proxy: a client was refused: {refused}");
            return Ok(());
        }
    };
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
