//! The one table of a view's requests waiting for its app, its filters, and the one path by
//! which a request of either kind reaches the app.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use webpane_ipc::Outgoing;
use webpane_ipc::origin::wildcard_match;
use webpane_ipc::protocol::{RuntimeMessage, WebViewId};

use crate::host::Host;
use crate::proxy::ProxyReply;

/// How long a CORS preflight answer may be cached by the engine.
const PREFLIGHT_MAX_AGE: &str = "600";

pub(super) enum Pending {
    /// A custom scheme's request, from WebKit.
    Scheme {
        /// WebKit's request.
        request: webkit2gtk::URISchemeRequest,
        /// The cross-origin requester to name in `Access-Control-Allow-Origin`, if any.
        cors_origin: Option<String>,
    },
    /// An http(s) request, from the proxy (which waits for the answer on this channel).
    Proxy(std::sync::mpsc::Sender<ProxyReply>),
}

/// A view's resource filters and the requests waiting for its app.
#[derive(Default)]
pub struct Resources {
    filters: RefCell<Vec<String>>,
    pub(super) pending: RefCell<HashMap<u64, Pending>>,
    next: Cell<u64>,
}

impl Resources {
    /// Adds a URI filter (duplicates count once).
    pub fn add_filter(&self, filter: String) {
        let mut filters = self.filters.borrow_mut();
        if !filters.contains(&filter) {
            filters.push(filter);
        }
    }

    /// Removes a URI filter.
    pub fn remove_filter(&self, filter: &str) {
        self.filters.borrow_mut().retain(|f| f != filter);
    }

    /// The http(s) hosts this view's filters name literally (`https://api.example/*`): the
    /// proxy intercepts those. A filter with a wildcard in its host intercepts nothing over
    /// http(s) (the proxy would have to stand in for every host).
    pub fn intercepted_hosts(&self) -> std::collections::BTreeSet<String> {
        self.filters
            .borrow()
            .iter()
            .filter_map(|f| intercepted_host(f))
            .collect()
    }

    /// Whether one of the filters matches `uri`.
    pub fn filters_match(&self, uri: &str) -> bool {
        self.filters.borrow().iter().any(|f| wildcard_match(f, uri))
    }

    /// Gives a request to the app (`what`: its method, URI and headers), to be answered with
    /// `Resources::answer` under the number it gets here.
    pub(super) fn to_app(
        &self,
        id: WebViewId,
        host: &Rc<dyn Host>,
        pending: Pending,
        (method, uri, headers): (String, String, Vec<(String, String)>),
        body: Option<webpane_ipc::FdRef>,
        fds: Outgoing<'static>,
    ) {
        let number = self.next.get() + 1;
        self.next.set(number);
        self.pending.borrow_mut().insert(number, pending);
        host.send_with_fds(
            RuntimeMessage::WebResourceRequested {
                id,
                request: number,
                method,
                uri,
                headers,
                body,
            },
            fds,
        );
    }
}

/// The headers of the runtime's answer to a CORS preflight (`asked_headers`: what it asked to
/// send).
pub(super) fn preflight_headers(asked_headers: Option<String>) -> Vec<(String, String)> {
    let mut pairs = vec![
        (
            "Access-Control-Allow-Methods".to_owned(),
            "GET, POST, PUT, DELETE, PATCH, HEAD, OPTIONS".to_owned(),
        ),
        ("Access-Control-Max-Age".to_owned(), PREFLIGHT_MAX_AGE.to_owned()),
    ];
    if let Some(asked) = asked_headers {
        pairs.push(("Access-Control-Allow-Headers".to_owned(), asked));
    }
    pairs
}

/// The literal host of an http(s) filter (`https://Host:8080/*` → `host`), if it has one.
fn intercepted_host(filter: &str) -> Option<String> {
    let (scheme, rest) = filter.split_once("://")?;
    if !matches!(scheme, "http" | "https" | "*") {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.split(':').next()?.to_ascii_lowercase();
    let literal = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b'_');
    literal.then_some(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_name_hosts_to_intercept() {
        assert_eq!(
            intercepted_host("https://API.example/*").as_deref(),
            Some("api.example")
        );
        assert_eq!(intercepted_host("http://h.test:8080/x?*").as_deref(), Some("h.test"));
        assert_eq!(intercepted_host("*://h.test/*").as_deref(), Some("h.test"));
        assert_eq!(intercepted_host("https://*.example/*"), None);
        assert_eq!(intercepted_host("*"), None);
        assert_eq!(intercepted_host("app://h/*"), None);
    }
}
