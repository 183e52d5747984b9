//! A request for a URI of a custom scheme, with its streamed body.

use std::cell::RefCell;
use std::fs::File;
use std::io::Read;

use http::{HeaderMap, HeaderName, HeaderValue, Method};

/// The body of a request, streamed from the browser process as the page sends it.
///
/// `Send`: move it to a worker thread to read a large upload without blocking the UI thread.
/// Dropping it unread discards the rest.
#[derive(Debug)]
pub struct RequestBody {
    pipe: File,
}

impl Read for RequestBody {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.pipe.read(buf)
    }
}

/// A request for a URI of a custom scheme (WebView2's `CoreWebView2WebResourceRequest`).
#[derive(Debug)]
pub struct WebResourceRequest {
    method: Method,
    uri: String,
    headers: HeaderMap,
    body: RefCell<Option<RequestBody>>,
}

impl WebResourceRequest {
    /// From the wire: `None` when the method is not an HTTP token (WebKit never sends one);
    /// header lines that are not valid HTTP are left out, and logged.
    pub(crate) fn from_wire(
        method: &str,
        uri: String,
        header_lines: Vec<(String, String)>,
        body: Option<File>,
    ) -> Option<WebResourceRequest> {
        let method = Method::from_bytes(method.as_bytes()).ok()?;
        let mut headers = HeaderMap::with_capacity(header_lines.len());
        for (name, value) in header_lines {
            match (HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_str(&value)) {
                (Ok(name), Ok(value)) => {
                    headers.append(name, value);
                }
                _ => log::warn!("a request header of {uri} is not valid HTTP and was left out: {name:?}"),
            }
        }
        Some(WebResourceRequest {
            method,
            uri,
            headers,
            body: RefCell::new(body.map(|pipe| RequestBody { pipe })),
        })
    }

    /// The HTTP method.
    pub fn method(&self) -> &Method {
        &self.method
    }
    /// The URI, as the page asked for it. A string rather than an [`http::Uri`]: a custom
    /// scheme's URI need not have an authority (`app:page.html`), which `http::Uri` cannot hold;
    /// parse it with `url::Url` or `http::Uri` when it has one.
    pub fn uri(&self) -> &str {
        &self.uri
    }
    /// The request headers (names lowercase, values in the order sent).
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }
    /// The first value of the header `name` (case-insensitive), when it is visible ASCII.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    /// Takes the body, if the request has one (once; later calls return `None`). Take it inside
    /// the handler: it is dropped with the event arguments otherwise.
    pub fn take_body(&self) -> Option<RequestBody> {
        self.body.borrow_mut().take()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_from_the_wire_keeps_valid_headers_and_refuses_a_bad_method() {
        let lines = vec![
            ("Accept".to_string(), "*/*".to_string()),
            ("Bad Name".to_string(), "x".to_string()),
            ("X-Twice".to_string(), "1".to_string()),
            ("x-twice".to_string(), "2".to_string()),
        ];
        let request = WebResourceRequest::from_wire("PUT", "app:page.html".into(), lines, None).unwrap();
        assert_eq!(request.method(), Method::PUT);
        assert_eq!(request.uri(), "app:page.html");
        assert_eq!(request.header("accept"), Some("*/*"));
        assert_eq!(request.headers().get_all("x-twice").iter().count(), 2);
        assert_eq!(request.headers().len(), 3);
        assert!(request.take_body().is_none());
        assert!(WebResourceRequest::from_wire("GE T", "app://h/".into(), vec![], None).is_none());
    }
}
