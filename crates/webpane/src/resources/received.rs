//! `WebResourceResponseReceived`: the response every request of the page got (status,
//! headers, and the body on request), as WebView2's `CoreWebView2WebResourceResponseView`.

use std::io::Read;
use std::marker::PhantomData;
use std::rc::{Rc, Weak};

use http::{HeaderMap, HeaderName, HeaderValue};
use webpane_ipc::protocol::{AppMessage, Setting};

use super::request::WebResourceRequest;
use crate::error::{Error, Result};
use crate::handlers::EventToken;
use crate::objects::{WebView, WebViewInner};
use crate::operation::Operation;

/// A response as the page got it (WebView2's `CoreWebView2WebResourceResponseView`).
#[doc(alias = "CoreWebView2WebResourceResponseView")]
#[derive(Debug, Clone)]
pub struct WebResourceResponseView {
    status: u16,
    headers: HeaderMap,
    webview: Weak<WebViewInner>,
    resource: u64,
}

impl WebResourceResponseView {
    /// The status code (200, 404, …).
    #[doc(alias = "StatusCode")]
    pub fn status_code(&self) -> u16 {
        self.status
    }

    /// The status code's reason phrase, as HTTP names it (`Not Found`; empty if unknown).
    #[doc(alias = "ReasonPhrase")]
    pub fn reason_phrase(&self) -> &'static str {
        http::StatusCode::from_u16(self.status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("")
    }

    /// The response's headers.
    #[doc(alias = "Headers")]
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The body, once the page has it all (WebView2's `GetContentAsync`). It comes in a sealed
    /// file the browser process wrote (never through the message socket); the browser process
    /// keeps the newest 512 resources of a view for this.
    #[doc(alias = "GetContentAsync")]
    pub fn content(&self) -> Operation<Vec<u8>> {
        let Some(inner) = self.webview.upgrade() else {
            return Operation::ready(Err(Error::Closed));
        };
        let webview = WebView { inner };
        let (request, op) = webview.inner.requests.open::<Vec<u8>>();
        let sent = webview.request(AppMessage::GetResourceContent {
            id: webview.id(),
            request,
            resource: self.resource,
        });
        if let Err(e) = sent {
            webview.inner.requests.fail(request, e);
        }
        op
    }
}

/// Arguments of [`WebView::on_web_resource_response_received`].
#[derive(Debug)]
pub struct WebResourceResponseReceivedEventArgs {
    request: WebResourceRequest,
    response: WebResourceResponseView,
    _ui_thread: PhantomData<Rc<()>>,
}

impl WebResourceResponseReceivedEventArgs {
    /// The request as it was sent (its method, URI and headers).
    #[doc(alias = "Request")]
    pub fn request(&self) -> &WebResourceRequest {
        &self.request
    }

    /// The response.
    #[doc(alias = "Response")]
    pub fn response(&self) -> &WebResourceResponseView {
        &self.response
    }
}

fn header_map(lines: Vec<(String, String)>) -> HeaderMap {
    let mut headers = HeaderMap::with_capacity(lines.len());
    for (name, value) in lines {
        if let (Ok(name), Ok(value)) = (HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_str(&value)) {
            headers.append(name, value);
        }
    }
    headers
}

/// What the browser process tells of a response.
pub(crate) struct ReceivedResponse {
    pub(crate) resource: u64,
    pub(crate) uri: String,
    pub(crate) method: String,
    pub(crate) request_headers: Vec<(String, String)>,
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
}

impl WebView {
    /// The browser process told a response.
    pub(crate) fn web_resource_response_received(&self, told: ReceivedResponse) {
        let Some(request) = WebResourceRequest::from_wire(&told.method, told.uri, told.request_headers, None) else {
            return;
        };
        let args = WebResourceResponseReceivedEventArgs {
            request,
            response: WebResourceResponseView {
                status: told.status,
                headers: header_map(told.headers),
                webview: Rc::downgrade(&self.inner),
                resource: told.resource,
            },
            _ui_thread: PhantomData,
        };
        self.inner.events.raise(self, &args);
    }

    /// A resource's body came (a sealed file), or why not.
    pub(crate) fn resource_content(&self, request: u64, file: std::result::Result<std::fs::File, String>) {
        let content: Result<Vec<u8>> = file.map_err(Error::RequestFailed).and_then(|mut file| {
            // From the start, whatever the offset the sender left.
            std::io::Seek::rewind(&mut file)?;
            let mut bytes = Vec::new();
            file.read_to_end(&mut bytes)?;
            Ok(bytes)
        });
        self.inner.requests.resolve(request, content);
    }

    /// Registers a handler called when the response to any request of the page came (its
    /// document's own, scripts, images, fetches…): its status and headers, the body on
    /// request ([`WebResourceResponseView::content`]). Until the first handler is registered
    /// the browser process neither tells nor keeps responses, so a view nobody listens to pays
    /// nothing for the event.
    #[doc(alias = "add_WebResourceResponseReceived")]
    pub fn on_web_resource_response_received(
        &self,
        handler: impl FnMut(&WebView, &WebResourceResponseReceivedEventArgs) + 'static,
    ) -> EventToken<WebResourceResponseReceivedEventArgs> {
        self.add_reported(Setting::ResponseReports, handler)
    }

    /// Removes a handler registered with
    /// [`on_web_resource_response_received`](Self::on_web_resource_response_received); whether
    /// it was one of this view's.
    #[doc(alias = "remove_WebResourceResponseReceived")]
    pub fn remove_web_resource_response_received(
        &self,
        token: EventToken<WebResourceResponseReceivedEventArgs>,
    ) -> bool {
        self.remove_reported(Setting::ResponseReports, token)
    }
}
