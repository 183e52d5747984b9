//! The next proxy, where the app's system has one: what WebKit would have used had webpane not
//! put its own proxy in front. Asked of GIO's default proxy resolver (the desktop's settings,
//! libproxy), then of the environment (`https_proxy`, `http_proxy`, `all_proxy`, `no_proxy`,
//! upper case too). http, SOCKS5 (`socks5://`, `socks5h://`, `socks://`) and SOCKS4a
//! (`socks4://`, `socks4a://`) proxies are chained, with their credentials; any other kind is
//! an error, never a silent direct connection.

use std::io::{self, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use base64::Engine;
use gio::prelude::*;
pub use webpane_proxy_wire::proxy_uri::{Kind, Upstream, parse};

/// How long connecting to a server (or the next proxy) may take.
const CONNECT: Duration = Duration::from_secs(30);

/// A connection to `host:port`: through `app_proxy` if the app set one, else through the
/// system's proxy for it if there is one (a tunnel), else direct. A proxy of a kind that cannot
/// be chained is an error.
pub fn reach(host: &str, port: u16, app_proxy: Option<&str>) -> io::Result<TcpStream> {
    let next = match app_proxy {
        Some(proxy) => parse(proxy).map_err(io::Error::other)?,
        None => for_target(if port == 80 { "http" } else { "https" }, host, port).map_err(io::Error::other)?,
    };
    let mut server = connect(host, port, next.as_ref())?;
    server.set_read_timeout(Some(CONNECT))?;
    if let Some(next) = &next {
        match next.kind {
            Kind::Http => open_tunnel(&mut server, next, host, port)?,
            Kind::Socks5 => {
                webpane_proxy_wire::socks_client::connect5(&mut server, next.credentials.as_ref(), host, port)?
            }
            Kind::Socks4a => {
                webpane_proxy_wire::socks_client::connect4a(&mut server, next.credentials.as_ref(), host, port)?
            }
        }
    }
    server.set_read_timeout(None)?;
    Ok(server)
}

/// Connects to `host:port`, or to the next proxy if there is one.
fn connect(host: &str, port: u16, next: Option<&Upstream>) -> io::Result<TcpStream> {
    let target = match next {
        Some(next) => (next.host.as_str(), next.port),
        None => (host, port),
    };
    let mut last = io::Error::new(io::ErrorKind::NotFound, format!("{host} has no address"));
    for address in target.to_socket_addrs()? {
        match TcpStream::connect_timeout(&address, CONNECT) {
            Ok(stream) => {
                let _ = stream.set_nodelay(true);
                return Ok(stream);
            }
            Err(e) => last = e,
        }
    }
    Err(last)
}

/// The proxy for `scheme://host:port`, if any.
pub fn for_target(scheme: &str, host: &str, port: u16) -> Result<Option<Upstream>, String> {
    let uri = format!("{scheme}://{host}:{port}/");
    let resolver = gio::ProxyResolver::default();
    if let Ok(proxies) = resolver.lookup(&uri, None::<&gio::Cancellable>) {
        return match proxies.first() {
            Some(first) => parse(first),
            None => Ok(None),
        };
    }
    from_environment(scheme, host, |name| std::env::var(name).ok())
}

/// The environment's answer (`var` reads a variable).
fn from_environment(
    scheme: &str,
    host: &str,
    var: impl Fn(&str) -> Option<String>,
) -> Result<Option<Upstream>, String> {
    let get = |name: &str| {
        var(name)
            .or_else(|| var(&name.to_ascii_uppercase()))
            .filter(|v| !v.is_empty())
    };
    if let Some(skip) = get("no_proxy") {
        let host = host.to_ascii_lowercase();
        let skipped = skip.split(',').map(str::trim).filter(|s| !s.is_empty()).any(|entry| {
            let entry = entry.trim_start_matches('.').to_ascii_lowercase();
            entry == "*" || host == entry || host.ends_with(&format!(".{entry}"))
        });
        if skipped {
            return Ok(None);
        }
    }
    match get(&format!("{scheme}_proxy")).or_else(|| get("all_proxy")) {
        Some(proxy) => parse(&proxy),
        None => Ok(None),
    }
}

/// Asks the next proxy (connected as `stream`) for a tunnel to `host:port`.
fn open_tunnel(stream: &mut TcpStream, next: &Upstream, host: &str, port: u16) -> io::Result<()> {
    let mut ask = format!("CONNECT {host}:{port} HTTP/1.1\r\nHost: {host}:{port}\r\n");
    if let Some((user, password)) = &next.credentials {
        let basic = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        ask.push_str(&format!("Proxy-Authorization: Basic {basic}\r\n"));
    }
    ask.push_str("\r\n");
    stream.write_all(ask.as_bytes())?;
    // Byte by byte: nothing past the answer's head may be taken from the tunnel.
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() > 16 * 1024 || std::io::Read::read(stream, &mut byte)? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        head.push(byte[0]);
    }
    let status = String::from_utf8_lossy(&head);
    let status = status.lines().next().unwrap_or("");
    if status.split_whitespace().nth(1) != Some("200") {
        return Err(io::Error::other(format!(
            "the next proxy {}:{} refused the tunnel ({status})",
            next.host, next.port
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_environment_names_the_next_proxy() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| pairs.iter().find(|(n, _)| *n == name).map(|(_, v)| (*v).to_owned())
        };
        let vars = env(&[
            ("https_proxy", "http://user:p%40ss@proxy.test:3128"),
            ("no_proxy", "internal.test,.corp"),
        ]);
        let next = from_environment("https", "example.org", vars).unwrap().unwrap();
        assert_eq!(
            (next.kind, next.host.as_str(), next.port),
            (Kind::Http, "proxy.test", 3128)
        );
        assert_eq!(next.credentials, Some(("user".into(), "p@ss".into())));
        assert_eq!(from_environment("https", "a.internal.test", vars), Ok(None));
        assert_eq!(from_environment("https", "x.corp", vars), Ok(None));
        assert_eq!(from_environment("http", "example.org", vars), Ok(None), "no http_proxy");
        let upper = env(&[("ALL_PROXY", "proxy.test")]);
        assert_eq!(from_environment("http", "a.test", upper).unwrap().unwrap().port, 80);
        let socks = from_environment("http", "a.test", env(&[("all_proxy", "socks5://s.test:1080")]));
        assert_eq!(socks.unwrap().unwrap().kind, Kind::Socks5);
    }
}
