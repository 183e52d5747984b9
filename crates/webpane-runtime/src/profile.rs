//! The profile behind every view of a user data folder: cookies and browsing data.

use glib::thread_guard::ThreadGuard;
use webkit2gtk::{CookieManagerExt, WebsiteDataManagerExt, WebsiteDataManagerExtManual, WebsiteDataTypes};
use webpane_ipc::protocol::{BrowsingDataKinds, Cookie};

/// Why a cookie or browsing-data request failed.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    /// The profile has no cookie manager (WebKit gives none).
    #[error("the profile has no cookie manager")]
    NoCookieManager,
    /// The expiry is not a date GLib can hold.
    #[error("the cookie's expiry {0} is not a usable date")]
    BadExpiry(i64),
    /// WebKit failed the request.
    #[error("the engine failed")]
    Engine(#[source] glib::Error),
}

fn to_plain(mut cookie: soup::Cookie) -> Cookie {
    Cookie {
        name: cookie.name().map(|s| s.to_string()).unwrap_or_default(),
        value: cookie.value().map(|s| s.to_string()).unwrap_or_default(),
        domain: cookie.domain().map(|s| s.to_string()).unwrap_or_default(),
        path: cookie.path().map(|s| s.to_string()).unwrap_or_default(),
        expires: cookie.expires().map(|d| d.to_unix()),
        http_only: cookie.is_http_only(),
        secure: cookie.is_secure(),
        same_site: match cookie.same_site_policy() {
            soup::SameSitePolicy::Lax => "Lax",
            soup::SameSitePolicy::Strict => "Strict",
            _ => "None",
        }
        .into(),
    }
}

fn to_soup(cookie: &Cookie) -> Result<soup::Cookie, ProfileError> {
    let mut soup_cookie = soup::Cookie::new(&cookie.name, &cookie.value, &cookie.domain, &cookie.path, -1);
    if let Some(expires) = cookie.expires {
        let date = glib::DateTime::from_unix_utc(expires).map_err(|_| ProfileError::BadExpiry(expires))?;
        soup_cookie.set_expires(&date);
    }
    soup_cookie.set_http_only(cookie.http_only);
    soup_cookie.set_secure(cookie.secure);
    soup_cookie.set_same_site_policy(match cookie.same_site.as_str() {
        "Lax" => soup::SameSitePolicy::Lax,
        "Strict" => soup::SameSitePolicy::Strict,
        _ => soup::SameSitePolicy::None,
    });
    Ok(soup_cookie)
}

fn manager(data: &webkit2gtk::WebsiteDataManager) -> Result<webkit2gtk::CookieManager, ProfileError> {
    data.cookie_manager().ok_or(ProfileError::NoCookieManager)
}

/// The cookies that would be sent to `uri`, or every cookie of the profile for `None`.
pub fn cookies(
    data: &webkit2gtk::WebsiteDataManager,
    uri: Option<&str>,
    done: impl FnOnce(Result<Vec<Cookie>, ProfileError>) + 'static,
) {
    let plain = |r: Result<Vec<soup::Cookie>, glib::Error>| {
        r.map(|list| list.into_iter().map(to_plain).collect())
            .map_err(ProfileError::Engine)
    };
    match (manager(data), uri) {
        (Ok(m), Some(uri)) => m.cookies(uri, None::<&gio::Cancellable>, move |r| done(plain(r))),
        (Ok(m), None) => crate::ffi::all_cookies(&m, move |r| done(plain(r))),
        (Err(e), _) => done(Err(e)),
    }
}

/// Adds or replaces a cookie.
pub fn add_cookie(
    data: &webkit2gtk::WebsiteDataManager,
    cookie: &Cookie,
    done: impl FnOnce(Result<(), ProfileError>) + 'static,
) {
    change_cookie(data, cookie, true, done);
}

/// Deletes the cookie with this name, domain and path.
pub fn delete_cookie(
    data: &webkit2gtk::WebsiteDataManager,
    cookie: &Cookie,
    done: impl FnOnce(Result<(), ProfileError>) + 'static,
) {
    change_cookie(data, cookie, false, done);
}

fn change_cookie(
    data: &webkit2gtk::WebsiteDataManager,
    cookie: &Cookie,
    add: bool,
    done: impl FnOnce(Result<(), ProfileError>) + 'static,
) {
    let (manager, mut cookie) = match manager(data).and_then(|m| Ok((m, to_soup(cookie)?))) {
        Ok(both) => both,
        Err(e) => return done(Err(e)),
    };
    let finished = move |r: Result<(), glib::Error>| done(r.map_err(ProfileError::Engine));
    if add {
        manager.add_cookie(&mut cookie, None::<&gio::Cancellable>, finished);
    } else {
        manager.delete_cookie(&mut cookie, None::<&gio::Cancellable>, finished);
    }
}

/// Clears browsing data of every time.
pub fn clear(
    data: &webkit2gtk::WebsiteDataManager,
    kinds: BrowsingDataKinds,
    done: impl FnOnce(Result<(), ProfileError>) + 'static,
) {
    let mut types = WebsiteDataTypes::empty();
    if kinds.cookies {
        types |= WebsiteDataTypes::COOKIES;
    }
    if kinds.cache {
        types |= WebsiteDataTypes::MEMORY_CACHE | WebsiteDataTypes::DISK_CACHE;
    }
    if kinds.storage {
        types |= WebsiteDataTypes::LOCAL_STORAGE
            | WebsiteDataTypes::SESSION_STORAGE
            | WebsiteDataTypes::INDEXEDDB_DATABASES
            | WebsiteDataTypes::WEBSQL_DATABASES;
    }
    if kinds.cache_storage {
        types |= WebsiteDataTypes::DOM_CACHE;
    }
    if kinds.service_workers {
        types |= WebsiteDataTypes::SERVICE_WORKER_REGISTRATIONS;
    }
    if kinds.site_data {
        types |= WebsiteDataTypes::HSTS_CACHE
            | WebsiteDataTypes::ITP
            | WebsiteDataTypes::DEVICE_ID_HASH_SALT
            | WebsiteDataTypes::OFFLINE_APPLICATION_CACHE
            | WebsiteDataTypes::PLUGIN_DATA;
    }
    // The binding wants a Send callback; ours stays on this (the main) thread.
    let done = ThreadGuard::new(done);
    data.clear(
        types,
        glib::TimeSpan::from_seconds(0),
        None::<&gio::Cancellable>,
        move |r| (done.into_inner())(r.map_err(ProfileError::Engine)),
    );
}
