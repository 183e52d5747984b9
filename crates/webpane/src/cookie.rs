//! [`Cookie`]: a cookie as plain data (WebView2's `CoreWebView2Cookie`).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use webpane_ipc::protocol as wire;

/// When a cookie is sent with cross-site requests (WebView2's
/// `COREWEBVIEW2_COOKIE_SAME_SITE_KIND`).
#[doc(alias = "COREWEBVIEW2_COOKIE_SAME_SITE_KIND")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum SameSite {
    /// Sent with every request.
    None,
    /// Sent with same-site requests and top-level navigations (the engine's default).
    #[default]
    Lax,
    /// Sent with same-site requests only.
    Strict,
}

/// A cookie, as plain data (WebView2's `CoreWebView2Cookie`). Make one with [`Cookie::new`],
/// then set the fields that differ from the defaults.
///
/// ```
/// let mut cookie = webpane::Cookie::new("flavour", "oat", "example.com", "/");
/// cookie.http_only = true;
/// cookie.same_site = webpane::SameSite::Strict;
/// ```
#[doc(alias = "CoreWebView2Cookie")]
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Cookie {
    /// The name.
    pub name: String,
    /// The value.
    pub value: String,
    /// The domain (a leading dot matches subdomains).
    pub domain: String,
    /// The path.
    pub path: String,
    /// When it expires, to the second; `None` for a session cookie.
    pub expires: Option<SystemTime>,
    /// Hidden from scripts.
    pub http_only: bool,
    /// Sent over secure connections only.
    pub secure: bool,
    /// When it goes with cross-site requests.
    pub same_site: SameSite,
}

impl Cookie {
    /// A session cookie: not `HttpOnly`, not `Secure`, `SameSite=Lax`.
    pub fn new(
        name: impl Into<String>,
        value: impl Into<String>,
        domain: impl Into<String>,
        path: impl Into<String>,
    ) -> Cookie {
        Cookie {
            name: name.into(),
            value: value.into(),
            domain: domain.into(),
            path: path.into(),
            expires: None,
            http_only: false,
            secure: false,
            same_site: SameSite::Lax,
        }
    }

    /// Whether it is a session cookie (no expiry: gone when the browser process ends).
    pub fn is_session(&self) -> bool {
        self.expires.is_none()
    }

    pub(crate) fn to_wire(&self) -> wire::Cookie {
        let seconds = |t: SystemTime| match t.duration_since(UNIX_EPOCH) {
            Ok(after) => i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
            Err(before) => -i64::try_from(before.duration().as_secs()).unwrap_or(i64::MAX),
        };
        wire::Cookie {
            name: self.name.clone(),
            value: self.value.clone(),
            domain: self.domain.clone(),
            path: self.path.clone(),
            expires: self.expires.map(seconds),
            http_only: self.http_only,
            secure: self.secure,
            same_site: match self.same_site {
                SameSite::None => "None",
                SameSite::Lax => "Lax",
                SameSite::Strict => "Strict",
            }
            .into(),
        }
    }
}

impl From<wire::Cookie> for Cookie {
    fn from(c: wire::Cookie) -> Self {
        let time = |s: i64| {
            let magnitude = Duration::from_secs(s.unsigned_abs());
            if s >= 0 {
                UNIX_EPOCH.checked_add(magnitude)
            } else {
                UNIX_EPOCH.checked_sub(magnitude)
            }
        };
        Cookie {
            expires: c.expires.and_then(time),
            same_site: match c.same_site.as_str() {
                "None" => SameSite::None,
                "Strict" => SameSite::Strict,
                _ => SameSite::Lax,
            },
            name: c.name,
            value: c.value,
            domain: c.domain,
            path: c.path,
            http_only: c.http_only,
            secure: c.secure,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cookie_survives_the_wire_both_ways() {
        let mut cookie = Cookie::new("a", "b", ".example.com", "/x");
        cookie.expires = Some(UNIX_EPOCH + Duration::from_secs(4_102_444_800));
        cookie.http_only = true;
        cookie.same_site = SameSite::None;
        assert_eq!(Cookie::from(cookie.to_wire()), cookie);
        let session = Cookie::new("s", "", "h", "/");
        assert!(session.is_session());
        assert_eq!(Cookie::from(session.to_wire()), session);
        assert_eq!(session.to_wire().same_site, "Lax");
    }
}
