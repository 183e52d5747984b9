//! Requests to intercepted hosts name their page: the runtime's proxy serves http(s)
//! `WebResourceRequested` and must know which view asked (one network process serves every
//! view, so the connection cannot say). Every request a page sends passes `send-request` here:
//! to a host in the set it gets [`PAGE_HEADER`] with the page's id; to any other host the
//! header is removed, so page script can neither forge it nor leak it to a real server.

use std::cell::RefCell;
use std::collections::HashSet;

use glib::prelude::*;
use webpane_ipc::webext::{InitData, PAGE_HEADER};

use crate::ffi::{self, UriRequest, WebPage};

thread_local! {
    /// The hosts whose requests the runtime intercepts now (one set per web process).
    static HOSTS: RefCell<HashSet<String>> = RefCell::new(HashSet::new());
    /// The runtime's secret for page marks (from the initialization data).
    static SECRET: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Takes the set from the process's initialization data (JSON; empty or malformed: none).
pub fn init(data: &str) {
    if let Ok(init) = serde_json::from_str::<InitData>(data) {
        set_hosts(init.intercepted_hosts);
        SECRET.with(|s| *s.borrow_mut() = init.page_mark_secret);
    }
}

/// Replaces the set (the runtime's `INTERCEPTED_HOSTS` message, a JSON list).
pub fn hosts_message(message: &glib::Object) {
    let parameters: Option<glib::Variant> = message.property("parameters");
    if let Some(hosts) = parameters
        .as_ref()
        .and_then(|v| v.str())
        .and_then(|json| serde_json::from_str::<Vec<String>>(json).ok())
    {
        set_hosts(hosts);
    }
    ffi::send_reply(
        message,
        &ffi::user_message(webpane_ipc::webext::INTERCEPTED_HOSTS, &true),
    );
}

fn set_hosts(hosts: Vec<String>) {
    HOSTS.with(|h| *h.borrow_mut() = hosts.into_iter().map(|h| h.to_ascii_lowercase()).collect());
}

/// Watches `page`'s requests.
pub fn watch(page: &WebPage) {
    page.object().connect_local("send-request", false, |args| {
        let page = WebPage::from_object(args.first()?.get::<glib::Object>().ok()?)?;
        let request = UriRequest::from_object(args.get(1)?.get::<glib::Object>().ok()?)?;
        let uri = request.uri();
        let intercepted = host_of(&uri).is_some_and(|host| HOSTS.with(|h| h.borrow().contains(&host)));
        let mark = intercepted.then(|| SECRET.with(|s| webpane_ipc::webext::page_mark(page.id(), &s.borrow())));
        request.set_header(PAGE_HEADER, mark.as_deref());
        // Not handled: the request goes on.
        Some(false.to_value())
    });
}

/// The lower-case host of an http(s) URI.
fn host_of(uri: &str) -> Option<String> {
    let rest = uri.strip_prefix("https://").or_else(|| uri.strip_prefix("http://"))?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host_port = authority.rsplit('@').next()?;
    let host = if let Some(v6) = host_port.strip_prefix('[') {
        v6.split(']').next()?
    } else {
        host_port.split(':').next()?
    };
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::host_of;

    #[test]
    fn hosts_of_uris() {
        assert_eq!(host_of("https://API.test/x?y").as_deref(), Some("api.test"));
        assert_eq!(host_of("http://a:b@h.test:8080/").as_deref(), Some("h.test"));
        assert_eq!(host_of("http://[::1]:80/").as_deref(), Some("::1"));
        assert_eq!(host_of("app://h.test/"), None);
        assert_eq!(host_of("https:///x"), None);
    }
}
