//! WebResourceRequested: requests a view's app answers, of two kinds that share one table.
//!
//! - **Custom schemes** (`scheme.rs`): every scheme in the runtime's options is registered on
//!   the WebKit context; WebKit hands each request to [`Server`](crate::server::Server), which
//!   finds the view that asked and gives the request to that view's [`Resources`]. The
//!   requesting origin is checked against the scheme's allowed origins (documents of the scheme
//!   itself always pass; a refused request fails like a network error); a CORS preflight from
//!   an allowed origin is answered without the app; a request no filter matches gets the
//!   default response (404).
//! - **http(s)** (`proxied.rs`): the loopback proxy intercepts hosts the view's filters name and
//!   hands each request here; one no filter matches goes on to the network.
//!
//! Either way the app gets `WebResourceRequested` (the one path: [`Resources::to_app`]), with
//! the request body (if any) streamed to it through a pipe as it comes, never gathered; its
//! answer carries the body inline (small), or as an fd (a file, a memfd, or a socket the app
//! writes from any thread) read as a stream (`body.rs`). A request still pending when its view
//! closes fails.

mod body;
mod proxied;
mod scheme;

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use webpane_ipc::origin::wildcard_match;
use webpane_ipc::protocol::{ResourceResponse, RuntimeMessage, WebViewId};
use webpane_ipc::{Outgoing, ReceivedFds};

pub use body::ResponseError;
pub use proxied::preflight_answer;
pub use scheme::fail;

use crate::host::Host;
use crate::proxy::ProxyReply;

/// How long a CORS preflight answer may be cached by the engine.
const PREFLIGHT_MAX_AGE: &str = "600";

enum Pending {
    /// A custom scheme's request, from WebKit.
    Scheme {
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
    pending: RefCell<HashMap<u64, Pending>>,
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

    /// Fails every request still waiting (the view is closing).
    pub fn fail_pending(&self) {
        let pending: Vec<Pending> = self.pending.borrow_mut().drain().map(|(_, p)| p).collect();
        for p in pending {
            match p {
                Pending::Scheme { request, .. } => fail(&request, "the webview closed"),
                Pending::Proxy(reply) => {
                    let _ = reply.send(ProxyReply::Fail("the webview closed".into()));
                }
            }
        }
    }

    /// Gives a request to the app (`what`: its method, URI and headers), to be answered with
    /// [`answer`](Self::answer) under the number it gets here.
    fn to_app(
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

    /// Answers request `number` with the app's response (`None`: the default one, which for
    /// http(s) is the network). An answer the engine cannot take fails the request and returns
    /// why; unknown numbers are ignored.
    pub fn answer(
        &self,
        number: u64,
        response: Option<ResourceResponse>,
        fds: &mut ReceivedFds,
    ) -> Result<(), ResponseError> {
        match self.pending.borrow_mut().remove(&number) {
            None => Ok(()),
            Some(Pending::Scheme { request, cors_origin }) => {
                scheme::answer(&request, cors_origin.as_deref(), response, fds)
            }
            Some(Pending::Proxy(reply)) => proxied::answer(&reply, response, fds),
        }
    }
}

/// The headers of the runtime's answer to a CORS preflight (`asked_headers`: what it asked to
/// send).
fn preflight_headers(asked_headers: Option<String>) -> Vec<(String, String)> {
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
