//! Proxy URIs as apps, the system and the environment give them: `http://`, `socks5://`,
//! `socks5h://`, `socks://`, `socks4://`, `socks4a://` (with `user:password@` when the proxy
//! wants credentials), `direct://`; any other kind is an error, never taken for a direct
//! connection.

/// A proxy to go through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upstream {
    /// How to ask it for a connection.
    pub kind: Kind,
    /// Its host.
    pub host: String,
    /// Its port.
    pub port: u16,
    /// The user and password of the proxy URI's user information (percent-decoded).
    pub credentials: Option<(String, String)>,
}

/// The kinds of proxy that can be chained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `CONNECT host:port` (with `Proxy-Authorization: Basic` when there are credentials).
    Http,
    /// RFC 1928, host names sent unresolved; RFC 1929 username/password when there are
    /// credentials.
    Socks5,
    /// SOCKS4a (host names sent unresolved; the user name as the user id).
    Socks4a,
}

/// A proxy URI, `kind://[user:password@]host[:port]` (no scheme: http); `Ok(None)` for
/// `direct://`; an error for a kind that cannot be chained or a URI that names no host.
pub fn parse(uri: &str) -> Result<Option<Upstream>, String> {
    let (scheme, rest) = uri.split_once("://").unwrap_or(("http", uri));
    let (kind, default_port) = match scheme {
        "direct" => return Ok(None),
        "http" => (Kind::Http, 80),
        "socks5" | "socks5h" | "socks" => (Kind::Socks5, 1080),
        "socks4" | "socks4a" => (Kind::Socks4a, 1080),
        _ => {
            return Err(format!(
                "the proxy {} is a {scheme} proxy, which webpane cannot pass connections through (http, socks5 and socks4a can be)",
                without_credentials(uri)
            ));
        }
    };
    let bad = || format!("the proxy {} names no host", without_credentials(uri));
    let authority = rest.split(['/', '?', '#']).next().ok_or_else(bad)?;
    let (user, hostport) = match authority.rsplit_once('@') {
        Some((user, hostport)) => (Some(user), hostport),
        None => (None, authority),
    };
    let (host, port) = match hostport.rsplit_once(':') {
        Some((host, port)) if !port.contains(']') => (host, port.parse().map_err(|_| bad())?),
        _ => (hostport, default_port),
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.is_empty() {
        return Err(bad());
    }
    let decode = |s: &str| percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned();
    let credentials = user.map(|user| match user.split_once(':') {
        Some((name, password)) => (decode(name), decode(password)),
        None => (decode(user), String::new()),
    });
    Ok(Some(Upstream {
        kind,
        host: host.to_owned(),
        port,
        credentials,
    }))
}

/// `uri` with its user information left out (for messages and logs).
pub fn without_credentials(uri: &str) -> String {
    match uri.split_once("://") {
        Some((scheme, rest)) => match rest.split(['/', '?', '#']).next().and_then(|a| a.rsplit_once('@')) {
            Some((_, hostport)) => format!("{scheme}://…@{hostport}"),
            None => uri.to_owned(),
        },
        None => uri.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 25.2: every kind is chained or refused, never dropped for a direct connection.
    #[test]
    fn every_proxy_kind_is_chained_or_refused() {
        let kind = |uri: &str| parse(uri).map(|u| u.map(|u| (u.kind, u.host, u.port, u.credentials)));
        assert_eq!(
            kind("socks5://u:p@127.0.0.1:9050"),
            Ok(Some((
                Kind::Socks5,
                "127.0.0.1".into(),
                9050,
                Some(("u".into(), "p".into()))
            )))
        );
        assert_eq!(kind("socks://s.test").unwrap().unwrap().0, Kind::Socks5);
        assert_eq!(kind("socks5h://s.test").unwrap().unwrap().2, 1080);
        assert_eq!(kind("socks4a://s.test:1").unwrap().unwrap().0, Kind::Socks4a);
        assert_eq!(kind("socks4://[::1]:1").unwrap().unwrap().1, "::1");
        assert_eq!(kind("http://p.test").unwrap().unwrap().2, 80);
        assert_eq!(kind("direct://"), Ok(None));
        let refused = parse("https://u:secret@p.test:443").unwrap_err();
        assert!(
            refused.contains("https proxy") && !refused.contains("secret"),
            "{refused}"
        );
        assert!(parse("ftp://p.test").is_err());
        assert!(parse("socks5://:1080").is_err());
    }
}
