//! Origins and the wildcard patterns that match them and URIs: one definition for the SDK and
//! the browser process, so that a check made on both sides agrees (host object scopes, custom
//! scheme allowed origins, permission decisions, CORS, resource filters).
//!
//! # References
//! - The URL standard's *origin* of a URL and its ASCII serialization
//!   (<https://url.spec.whatwg.org/#concept-url-origin>).
//! - WebView2's wildcard: `*` matches any run of characters (resource filters, allowed origins).

/// The origin of `uri`, serialized as the URL standard says (`scheme://host[:port]`, the
/// scheme and host lower case, an IDN host in punycode, a default port left out, user
/// information dropped), or `null` for an opaque origin: `about:`, `data:`, `javascript:`,
/// `file:` and anything that does not parse. A `blob:` URL has its inner URL's origin. A
/// scheme the standard does not know (a custom scheme such as `app://host/`) keeps a tuple
/// origin when the URI has a host (as the engine gives documents of registered schemes, its
/// case kept: the standard calls such a host opaque); without a host (`app:page.html`) it is
/// opaque.
pub fn origin_of(uri: &str) -> String {
    const NULL: &str = "null";
    let Ok(url) = url::Url::parse(uri) else {
        return NULL.into();
    };
    match url.scheme() {
        "blob" => match url::Url::parse(url.path()) {
            Ok(inner) if matches!(inner.scheme(), "http" | "https") => inner.origin().ascii_serialization(),
            _ => NULL.into(),
        },
        "http" | "https" | "ws" | "wss" | "ftp" => url.origin().ascii_serialization(),
        "file" => NULL.into(),
        scheme => match (url.host_str(), url.port()) {
            (Some(host), Some(port)) if !host.is_empty() => format!("{scheme}://{host}:{port}"),
            (Some(host), None) if !host.is_empty() => format!("{scheme}://{host}"),
            _ => NULL.into(),
        },
    }
}

/// Whether `text` matches `pattern`, where `*` matches any run of characters (WebView2's
/// wildcard for resource filters and allowed origins); everything else matches itself, case
/// and all.
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

/// Whether the serialized origin `origin` (from [`origin_of`]) matches the origin pattern
/// `pattern` as an app writes it: in any case, a trailing `/` ignored, `*` matching any run of
/// characters. `null` is matched only by `null` itself or a pattern that is all stars.
pub fn origin_matches(pattern: &str, origin: &str) -> bool {
    let pattern = pattern.trim_end_matches('/').to_ascii_lowercase();
    if origin == "null" {
        return pattern == "null" || (!pattern.is_empty() && pattern.bytes().all(|b| b == b'*'));
    }
    wildcard_match(&pattern, &origin.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The URL standard's origins (its examples, and the cases the three earlier versions of this
    /// function told apart).
    #[test]
    fn origins_as_the_url_standard_serializes_them() {
        for (uri, origin) in [
            ("https://example.com/a?b#c", "https://example.com"),
            ("HTTPS://User:Pw@A.Example.COM:8443/x", "https://a.example.com:8443"),
            ("https://example.com:443/", "https://example.com"),
            ("http://example.com:80/", "http://example.com"),
            ("http://example.com:8080/", "http://example.com:8080"),
            ("http://127.0.0.1:8080/x", "http://127.0.0.1:8080"),
            ("https://[::1]:8443/", "https://[::1]:8443"),
            ("https://bücher.example/", "https://xn--bcher-kva.example"),
            ("ws://a.test:80/socket", "ws://a.test"),
            ("wss://a.test/", "wss://a.test"),
            ("blob:https://a.test:444/uuid", "https://a.test:444"),
            ("blob:about:blank", "null"),
            ("blob:garbage", "null"),
            // A host of a scheme the standard does not know is opaque: its case is kept.
            ("app://Host/index.html", "app://Host"),
            ("app://host:99/x", "app://host:99"),
            ("app:page.html", "null"),
            ("about:blank", "null"),
            ("about:srcdoc", "null"),
            ("data:text/html,<p>x", "null"),
            ("javascript:alert(1)", "null"),
            ("file:///tmp/page.html", "null"),
            ("not a uri", "null"),
            ("", "null"),
        ] {
            assert_eq!(origin_of(uri), origin, "{uri}");
        }
    }

    #[test]
    fn wildcards_match_runs_of_characters() {
        assert!(wildcard_match("*", ""));
        assert!(wildcard_match("app://*", "app://host/x.png"));
        assert!(wildcard_match("app://host/*.png", "app://host/a/b.png"));
        assert!(!wildcard_match("app://host/*.png", "app://host/a/b.png?x"));
        assert!(wildcard_match("https://*.example.com", "https://a.b.example.com"));
        assert!(!wildcard_match("https://*.example.com", "https://example.org"));
        assert!(wildcard_match("a*b*c", "aXXbYYc"));
        assert!(!wildcard_match("a*b*c", "aXXcYYb"));
        assert!(wildcard_match("exact", "exact"));
        assert!(!wildcard_match("exact", "exactly"));
        assert!(!wildcard_match("A", "a"), "case counts in URIs");
    }

    #[test]
    fn origin_patterns_as_apps_write_them() {
        assert!(origin_matches("https://a.test/", "https://a.test"));
        assert!(origin_matches("HTTPS://A.TEST", "https://a.test"));
        assert!(origin_matches("app://host", "app://Host"));
        assert!(origin_matches("https://*.a.test", "https://x.a.test"));
        assert!(!origin_matches("https://a.test", "https://a.test.evil"));
        assert!(
            !origin_matches("https://a.test*", "null"),
            "no wildcard reaches an opaque origin"
        );
        assert!(origin_matches("*", "null"));
        assert!(origin_matches("null", "null"));
        assert!(!origin_matches("", "null"));
    }
}
