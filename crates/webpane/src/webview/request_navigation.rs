//! Navigating with a whole request: method, headers and body (WebView2's
//! `NavigateWithWebResourceRequest`).

use webpane_ipc::protocol::AppMessage;

use crate::error::{Error, Result};
use crate::objects::WebView;

/// Headers as the wire carries them: name and text value, in order.
pub(crate) fn header_pairs(headers: &http::HeaderMap) -> Result<Vec<(String, String)>> {
    headers
        .iter()
        .map(|(name, value)| {
            let value = value
                .to_str()
                .map_err(|_| Error::InvalidArgument(format!("the value of header {name} is not text")))?;
            Ok((name.as_str().to_owned(), value.to_owned()))
        })
        .collect()
}

impl WebView {
    /// Navigates with `request`: its method, URI, headers and body (WebView2's
    /// `NavigateWithWebResourceRequest`). A GET without a body is
    /// [`navigate_with_headers`](Self::navigate_with_headers); any other method (a form's
    /// `POST`, a `PUT`) or a body needs an http(s) URI.
    ///
    /// **Differs:** WebKitGTK itself navigates with GET only; the runtime's loopback proxy gives
    /// the request its method and body on the way out (the host's TLS is then the proxy's,
    /// verified against the system's trusted certificates, for a minute), so `NavigationStarting`
    /// and the page's history see a navigation to the URI, and a reload repeats it as a GET.
    ///
    /// ```no_run
    /// # fn demo(webview: &webpane::WebView) -> webpane::Result<()> {
    /// let request = webpane::http::Request::post("https://example.com/login")
    ///     .header("Content-Type", "application/x-www-form-urlencoded")
    ///     .body(b"user=me&remember=1".to_vec())
    ///     .unwrap();
    /// webview.navigate_with_web_resource_request(request)?;
    /// # Ok(()) }
    /// ```
    #[doc(alias = "NavigateWithWebResourceRequest")]
    pub fn navigate_with_web_resource_request(&self, request: http::Request<Vec<u8>>) -> Result<()> {
        let (parts, body) = request.into_parts();
        let uri = parts.uri.to_string();
        if parts.method == http::Method::GET && body.is_empty() {
            return self.navigate_with_headers(&uri, &parts.headers);
        }
        let parsed = url::Url::parse(&uri).map_err(|e| Error::InvalidUri {
            uri: uri.clone(),
            reason: e.to_string(),
        })?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
            return Err(Error::InvalidUri {
                uri,
                reason: "a navigation with a method other than GET or a body needs an http(s) URI".into(),
            });
        }
        let headers = header_pairs(&parts.headers)?;
        self.request(AppMessage::NavigateWithRequest {
            id: self.inner.id,
            uri,
            method: parts.method.as_str().to_owned(),
            headers,
            body,
        })
    }
}
