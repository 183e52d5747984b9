//! The profile's data: cookies and what browsing data to clear.

use serde::{Deserialize, Serialize};

/// A cookie, as plain data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cookie {
    /// The name.
    pub name: String,
    /// The value.
    pub value: String,
    /// The domain (a leading dot matches subdomains).
    pub domain: String,
    /// The path.
    pub path: String,
    /// Expiry in seconds since the Unix epoch; `None` for a session cookie.
    pub expires: Option<i64>,
    /// Hidden from scripts.
    pub http_only: bool,
    /// Sent over secure connections only.
    pub secure: bool,
    /// `None`, `Lax` or `Strict`.
    pub same_site: String,
}

/// What [`AppMessage::ClearBrowsingData`](crate::protocol::AppMessage::ClearBrowsingData) clears.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrowsingDataKinds {
    /// Cookies.
    pub cookies: bool,
    /// The HTTP cache (memory and disk).
    pub cache: bool,
    /// localStorage, sessionStorage, IndexedDB.
    pub storage: bool,
    /// Permissions decided per origin.
    pub permissions: bool,
    /// CacheStorage (the Cache API: what service workers keep).
    pub cache_storage: bool,
    /// Service worker registrations.
    pub service_workers: bool,
    /// Everything else WebKit keeps for sites: HSTS, tracking prevention's data, media device
    /// id salts, the application cache.
    pub site_data: bool,
}
