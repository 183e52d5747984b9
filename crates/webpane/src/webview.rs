//! [`WebView`]: a web page hosted in the browser process.

use webpane_ipc::protocol::AppMessage;

use std::rc::Rc;

use crate::error::{Error, Result};
use crate::events::{
    ContentLoadingEventArgs, DocumentTitleChangedEventArgs, DomContentLoadedEventArgs, HistoryChangedEventArgs,
    NavigationCompletedEventArgs, ProcessFailedEventArgs, SourceChangedEventArgs, WebMessageReceivedEventArgs,
    WebViewClosedEventArgs,
};
use crate::frame::FrameCreatedEventArgs;
use crate::new_window::NewWindowRequestedEventArgs;
use crate::objects::{Environment, WebView};
use crate::operation::Operation;
use crate::resources::WebResourceRequestedEventArgs;
use crate::webview_options::Bounds;

/// The top-level document as last reported: its URI, its title, and whether there is history
/// behind and ahead. Only this module and its children read or change it.
#[derive(Default)]
pub(crate) struct DocumentState {
    source: std::cell::RefCell<String>,
    title: std::cell::RefCell<String>,
    /// Can go back, can go forward.
    history: std::cell::Cell<(bool, bool)>,
}

impl WebView {
    /// The top-level document as last reported.
    fn document(&self) -> Rc<DocumentState> {
        self.inner.features.get()
    }
}

mod dispatch;
mod navigation;
mod reported_events;
mod request_navigation;
mod workers;

pub use navigation::NavigationStartingEventArgs;

/// Identifies a script added with
/// [`WebView::add_script_to_execute_on_document_created`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ScriptId(u64);

impl WebView {
    /// The environment this webview belongs to.
    pub fn environment(&self) -> &Environment {
        &self.inner.env
    }

    /// The pid of the browser process hosting this webview. Lets an app tell an old browser
    /// process's exit from a new one's.
    pub fn browser_process_id(&self) -> u32 {
        self.inner.browser_process_id
    }

    /// Whether the webview is closed (by [`close`](Self::close) or because its browser process
    /// exited).
    pub fn is_closed(&self) -> bool {
        self.inner.closed.get() || self.session().is_err()
    }

    /// Navigates to `uri`.
    #[doc(alias = "Navigate")]
    pub fn navigate(&self, uri: &str) -> Result<()> {
        url::Url::parse(uri).map_err(|e| Error::InvalidUri {
            uri: uri.to_owned(),
            reason: e.to_string(),
        })?;
        self.request(AppMessage::Navigate {
            id: self.inner.id,
            uri: uri.to_owned(),
        })
    }

    /// Navigates to `uri` with extra request headers (WebView2's
    /// `NavigateWithWebResourceRequest`, for a GET; for other methods and bodies see
    /// [`navigate_with_web_resource_request`](Self::navigate_with_web_resource_request)).
    ///
    /// ```no_run
    /// # fn demo(webview: &webpane::WebView) -> webpane::Result<()> {
    /// use webpane::http::{HeaderMap, HeaderValue};
    /// let mut headers = HeaderMap::new();
    /// headers.insert("x-app-token", HeaderValue::from_static("42"));
    /// webview.navigate_with_headers("https://example.com/", &headers)?;
    /// # Ok(()) }
    /// ```
    #[doc(alias = "NavigateWithWebResourceRequest")]
    pub fn navigate_with_headers(&self, uri: &str, headers: &http::HeaderMap) -> Result<()> {
        url::Url::parse(uri).map_err(|e| Error::InvalidUri {
            uri: uri.to_owned(),
            reason: e.to_string(),
        })?;
        let headers = request_navigation::header_pairs(headers)?;
        self.request(AppMessage::NavigateWithHeaders {
            id: self.inner.id,
            uri: uri.to_owned(),
            headers,
        })
    }

    /// Shows `html` as a document (its base URI is `about:blank`).
    #[doc(alias = "NavigateToString")]
    pub fn navigate_to_string(&self, html: &str) -> Result<()> {
        self.request(AppMessage::NavigateToString {
            id: self.inner.id,
            html: html.to_owned(),
        })
    }

    /// Reloads the page; after its render process exited, this starts a new one.
    #[doc(alias = "Reload")]
    pub fn reload(&self) -> Result<()> {
        self.request(AppMessage::Reload { id: self.inner.id })
    }

    /// Stops the current navigation.
    #[doc(alias = "Stop")]
    pub fn stop(&self) -> Result<()> {
        self.request(AppMessage::Stop { id: self.inner.id })
    }

    /// Goes back in history (nothing happens if [`can_go_back`](Self::can_go_back) is false).
    #[doc(alias = "GoBack")]
    pub fn go_back(&self) -> Result<()> {
        self.request(AppMessage::GoBack { id: self.inner.id })
    }

    /// Goes forward in history.
    #[doc(alias = "GoForward")]
    pub fn go_forward(&self) -> Result<()> {
        self.request(AppMessage::GoForward { id: self.inner.id })
    }

    /// Whether there is a page to go back to (as of the last HistoryChanged event).
    #[doc(alias = "CanGoBack")]
    pub fn can_go_back(&self) -> bool {
        self.document().history.get().0
    }

    /// Whether there is a page to go forward to (as of the last HistoryChanged event).
    #[doc(alias = "CanGoForward")]
    pub fn can_go_forward(&self) -> bool {
        self.document().history.get().1
    }

    /// The URI of the current document (as of the last SourceChanged event).
    #[doc(alias = "Source")]
    pub fn source(&self) -> String {
        self.document().source.borrow().clone()
    }

    /// The title of the current document (as of the last DocumentTitleChanged event).
    #[doc(alias = "DocumentTitle")]
    pub fn document_title(&self) -> String {
        self.document().title.borrow().clone()
    }

    /// Runs `script` in the main frame and completes with the JSON of its result (`"null"` for
    /// `undefined`; a promise is not awaited, as in WebView2). A thrown exception is
    /// [`Error::Script`] with the engine's message.
    #[doc(alias = "ExecuteScriptAsync")]
    pub fn execute_script(&self, script: &str) -> Operation<String> {
        self.execute_script_in(None, script)
    }

    pub(crate) fn execute_script_in(&self, frame: Option<u64>, script: &str) -> Operation<String> {
        let (request, op) = self.inner.requests.open::<String>();
        let sent = self.request(AppMessage::ExecuteScript {
            id: self.inner.id,
            frame,
            request,
            script: script.to_owned(),
            with_result: false,
        });
        if let Err(e) = sent {
            self.inner.requests.fail(request, e);
        }
        op
    }

    /// Runs `script` at the start of every document from now on, in every frame, before the
    /// page's own scripts. Returns an id for [`remove_script_to_execute_on_document_created`].
    ///
    /// [`remove_script_to_execute_on_document_created`]: Self::remove_script_to_execute_on_document_created
    #[doc(alias = "AddScriptToExecuteOnDocumentCreatedAsync")]
    pub fn add_script_to_execute_on_document_created(&self, script: &str) -> Result<ScriptId> {
        let script_id = self.inner.requests.next_id();
        self.request(AppMessage::AddDocumentCreatedScript {
            id: self.inner.id,
            script_id,
            script: script.to_owned(),
        })?;
        Ok(ScriptId(script_id))
    }

    /// Stops running a script added with `add_script_to_execute_on_document_created` (documents
    /// created from now on).
    #[doc(alias = "RemoveScriptToExecuteOnDocumentCreated")]
    pub fn remove_script_to_execute_on_document_created(&self, script: ScriptId) -> Result<()> {
        self.request(AppMessage::RemoveDocumentCreatedScript {
            id: self.inner.id,
            script_id: script.0,
        })
    }

    /// Posts `json` to the page: its `chrome.webview` `message` listeners get the parsed value as
    /// `event.data`. Messages arrive in order; a document without listeners drops them.
    #[doc(alias = "PostWebMessageAsJson")]
    pub fn post_web_message_as_json(&self, json: &str) -> Result<()> {
        self.post_web_message_to(None, json)
    }

    pub(crate) fn post_web_message_to(&self, frame: Option<u64>, json: &str) -> Result<()> {
        let message = AppMessage::PostWebMessage {
            id: self.inner.id,
            frame,
            json: json.to_owned(),
        };
        if frame.is_none() && self.post_direct(&message)? {
            return Ok(());
        }
        self.request(message)?;
        if frame.is_none() {
            self.after_indirect_post();
        }
        Ok(())
    }

    /// Posts any serializable value to the page as JSON: its `message` listeners get it as
    /// `event.data` (WebView2's `PostWebMessageAsJson`, with your type instead of a string).
    #[doc(alias = "PostWebMessageAsJson")]
    pub fn post_web_message<T: serde::Serialize + ?Sized>(&self, message: &T) -> Result<()> {
        self.post_web_message_to(None, &crate::events::to_json(message)?)
    }

    /// Posts a string to the page: `event.data` is that string.
    #[doc(alias = "PostWebMessageAsString")]
    pub fn post_web_message_as_string(&self, message: &str) -> Result<()> {
        let json = serde_json::to_string(message).map_err(|e| Error::InvalidArgument(e.to_string()))?;
        self.post_web_message_to(None, &json)
    }

    /// Raises [`on_web_resource_requested`](Self::on_web_resource_requested) for requests of a
    /// registered custom scheme whose URI matches `uri_pattern` (`*` matches any run of
    /// characters, e.g. `app://assets/*`). Requests that match no filter get `404 Not Found`.
    ///
    /// WebKitGTK lets an embedder answer only its own schemes: `http(s)` requests are not raised.
    #[doc(alias = "AddWebResourceRequestedFilter")]
    pub fn add_web_resource_requested_filter(&self, uri_pattern: &str) -> Result<()> {
        self.request(AppMessage::AddWebResourceRequestedFilter {
            id: self.inner.id,
            filter: uri_pattern.to_owned(),
        })
    }

    /// Removes a filter added with
    /// [`add_web_resource_requested_filter`](Self::add_web_resource_requested_filter).
    #[doc(alias = "RemoveWebResourceRequestedFilter")]
    pub fn remove_web_resource_requested_filter(&self, uri_pattern: &str) -> Result<()> {
        self.request(AppMessage::RemoveWebResourceRequestedFilter {
            id: self.inner.id,
            filter: uri_pattern.to_owned(),
        })
    }

    /// Moves and resizes the view: inside its parent window when embedded, on screen for a
    /// window of its own (WebView2's controller `Bounds`).
    #[doc(alias = "Bounds")]
    pub fn set_bounds(&self, x: i32, y: i32, width: u32, height: u32) -> Result<()> {
        webpane_ipc::protocol::ViewMode::Headless { width, height }
            .validate()
            .map_err(Error::InvalidArgument)?;
        self.request(AppMessage::SetBounds {
            id: self.inner.id,
            x,
            y,
            width,
            height,
        })?;
        self.inner.bounds.set(Bounds { x, y, width, height });
        Ok(())
    }

    /// Where the view is and how large: as created, then as last set with
    /// [`set_bounds`](Self::set_bounds) (a window of its own may also be resized by the user).
    #[doc(alias = "Bounds")]
    pub fn bounds(&self) -> Bounds {
        self.inner.bounds.get()
    }

    /// Terminates the render process (for a hung page); reported as `ProcessFailed`
    /// (RenderProcessExited, Terminated). [`reload`](Self::reload) brings the page back.
    #[doc(alias = "TerminateRenderProcess")]
    pub fn terminate_render_process(&self) -> Result<()> {
        self.request(AppMessage::TerminateRenderProcess { id: self.inner.id })
    }

    /// Closes the webview. Later calls return [`Error::Closed`].
    pub fn close(&self) -> Result<()> {
        let session = self.session()?;
        self.mark_closed();
        session.webviews.borrow_mut().remove(&self.inner.id);
        session.send(&AppMessage::Close { id: self.inner.id })
    }

    crate::handlers::event_methods! { WebView {
        /// a navigation is about to start; the handler may cancel it or defer the answer.
        on_navigation_starting, remove_navigation_starting, NavigationStartingEventArgs, "add_NavigationStarting", "remove_NavigationStarting";
        /// a navigation ended (successfully or not); every NavigationStarting gets one.
        on_navigation_completed, remove_navigation_completed, NavigationCompletedEventArgs, "add_NavigationCompleted", "remove_NavigationCompleted";
        /// a process serving this webview failed (browser, renderer, or an unresponsive renderer).
        on_process_failed, remove_process_failed, ProcessFailedEventArgs, "add_ProcessFailed", "remove_ProcessFailed";
        /// the new document started to arrive (after NavigationStarting, before NavigationCompleted).
        on_content_loading, remove_content_loading, ContentLoadingEventArgs, "add_ContentLoading", "remove_ContentLoading";
        /// the document's URI changed.
        on_source_changed, remove_source_changed, SourceChangedEventArgs, "add_SourceChanged", "remove_SourceChanged";
        /// the back/forward history changed.
        on_history_changed, remove_history_changed, HistoryChangedEventArgs, "add_HistoryChanged", "remove_HistoryChanged";
        /// the document's title changed.
        on_document_title_changed, remove_document_title_changed, DocumentTitleChangedEventArgs, "add_DocumentTitleChanged", "remove_DocumentTitleChanged";
        /// the main document's DOMContentLoaded fired.
        on_dom_content_loaded, remove_dom_content_loaded, DomContentLoadedEventArgs, "add_DOMContentLoaded", "remove_DOMContentLoaded";
        /// a page requested a URI of a custom scheme that matches one of the webview's filters
        /// ([`add_web_resource_requested_filter`](Self::add_web_resource_requested_filter)).
        on_web_resource_requested, remove_web_resource_requested, WebResourceRequestedEventArgs, "add_WebResourceRequested", "remove_WebResourceRequested";
        /// the page asks for a new window (`window.open`, a link with a target): deny it, let the
        /// browser process open one, or hand over a webview of the app's.
        on_new_window_requested, remove_new_window_requested, NewWindowRequestedEventArgs, "add_NewWindowRequested", "remove_NewWindowRequested";
        /// the browser process closed the webview: its embedding parent window went away, or the
        /// user closed its window ([`WebViewClosedEventArgs::reason`]). Not raised for `close()`.
        on_closed, remove_closed, WebViewClosedEventArgs, "add_Closed", "remove_Closed";
        /// an iframe got its first document (WebView2's FrameCreated); the args hold the [`Frame`](crate::Frame).
        on_frame_created, remove_frame_created, FrameCreatedEventArgs, "add_FrameCreated", "remove_FrameCreated";
        /// a new picture of this offscreen view is in shared memory ([`OffscreenPicture`](crate::OffscreenPicture)):
        /// its buffer stays the app's until every clone of the picture is dropped.
        on_picture_ready, remove_picture_ready, crate::offscreen::PictureReadyEventArgs, "OnPaint", "remove_OnPaint";
        /// the cursor the page wants over this offscreen view changed (WebView2's composition
        /// controller `CursorChanged`).
        on_cursor_changed, remove_cursor_changed, crate::offscreen::CursorChangedEventArgs, "add_CursorChanged", "remove_CursorChanged";
        /// where this offscreen view's page edits text changed: an editable got or lost the focus,
        /// or its caret moved (place the input method's window there; CEF's
        /// `OnImeCompositionRangeChanged` and `OnVirtualKeyboardRequested`).
        on_text_input_changed, remove_text_input_changed, crate::offscreen::TextInputChangedEventArgs, "OnVirtualKeyboardRequested", "remove_TextInputChanged";
        /// the tooltip under this offscreen view's pointer changed (CEF's `OnTooltip`): an
        /// element's `title`, or none.
        on_tooltip_changed, remove_tooltip_changed, crate::offscreen::TooltipChangedEventArgs, "OnTooltip", "remove_TooltipChanged";
        /// the top-level document started a dedicated worker (`new Worker(…)`); the args hold the
        /// [`DedicatedWorker`](crate::DedicatedWorker). An iframe's workers are its [`Frame`](crate::Frame)'s.
        on_dedicated_worker_created, remove_dedicated_worker_created, crate::worker::DedicatedWorkerCreatedEventArgs, "add_DedicatedWorkerCreated", "remove_DedicatedWorkerCreated";
        /// the top-level document posted a message with `chrome.webview.postMessage` (in order,
        /// none lost); an iframe's messages go to its [`Frame`](crate::Frame)'s handler instead.
        on_web_message_received, remove_web_message_received, WebMessageReceivedEventArgs, "add_WebMessageReceived", "remove_WebMessageReceived";
    }}

    /// Raises Closed with `reason` (the view must already be marked closed).
    pub(crate) fn raise_closed(&self, reason: crate::kinds::CloseReason) {
        let args = WebViewClosedEventArgs::new(reason);
        self.inner.events.raise(self, &args);
    }

    pub(crate) fn raise_process_failed(&self, args: &ProcessFailedEventArgs) {
        self.inner.events.raise(self, args);
    }
}
