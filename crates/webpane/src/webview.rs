//! [`WebView`]: a web page hosted in the browser process.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::{Rc, Weak};

use webpane_ipc::protocol::{AppMessage, WebViewId};

use crate::environment::Environment;
use crate::error::{Error, Result};
use crate::events::{
    ContentLoadingEventArgs, DocumentTitleChangedEventArgs, DomContentLoadedEventArgs, HistoryChangedEventArgs,
    NavigationCompletedEventArgs, ProcessFailedEventArgs, SourceChangedEventArgs, WebMessageReceivedEventArgs,
    WebViewClosedEventArgs,
};
use crate::frame::{Frame, FrameCreatedEventArgs};
use crate::handlers::{EventToken, Handlers};
use crate::new_window::NewWindowRequestedEventArgs;
use crate::operation::{Operation, Resolver, operation};
use crate::output::PendingOutput;
use crate::resources::WebResourceRequestedEventArgs;
use crate::session::Session;

mod dispatch;
mod navigation;

use crate::shared_buffers::PostedBuffers;
pub use navigation::NavigationStartingEventArgs;

pub(crate) struct WebViewInner {
    env: Environment,
    session: Weak<Session>,
    id: WebViewId,
    browser_process_id: u32,
    closed: Cell<bool>,
    navigation_starting: Handlers<WebView, NavigationStartingEventArgs>,
    navigation_completed: Handlers<WebView, NavigationCompletedEventArgs>,
    content_loading: Handlers<WebView, ContentLoadingEventArgs>,
    source_changed: Handlers<WebView, SourceChangedEventArgs>,
    history_changed: Handlers<WebView, HistoryChangedEventArgs>,
    document_title_changed: Handlers<WebView, DocumentTitleChangedEventArgs>,
    dom_content_loaded: Handlers<WebView, DomContentLoadedEventArgs>,
    web_message_received: Handlers<WebView, WebMessageReceivedEventArgs>,
    web_resource_requested: Handlers<WebView, WebResourceRequestedEventArgs>,
    new_window_requested: Handlers<WebView, NewWindowRequestedEventArgs>,
    frame_created: Handlers<WebView, FrameCreatedEventArgs>,
    closed_handlers: Handlers<WebView, WebViewClosedEventArgs>,
    frames: RefCell<HashMap<u64, Frame>>,
    pub(crate) buffers: PostedBuffers,
    pub(crate) output: PendingOutput,
    opener: Option<WebViewId>,
    source: RefCell<String>,
    title: RefCell<String>,
    history: Cell<(bool, bool)>,
    next_request: Cell<u64>,
    pending_scripts: RefCell<HashMap<u64, Resolver<String>>>,
    process_failed: Handlers<WebView, ProcessFailedEventArgs>,
}

impl Drop for WebViewInner {
    fn drop(&mut self) {
        // The last handle is gone: close the view in the browser process (WebView2 closes a
        // controller on its final release).
        if !self.closed.get() {
            if let Some(session) = self.session.upgrade() {
                let _ = session.send(&AppMessage::Close { id: self.id });
                session.webviews.borrow_mut().remove(&self.id);
            }
        }
    }
}

/// Identifies a script added with
/// [`WebView::add_script_to_execute_on_document_created`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ScriptId(u64);

macro_rules! events {
    ($($(#[doc = $doc:expr])* $on:ident, $remove:ident, $field:ident, $args:ty;)*) => {
        $(
            #[doc = concat!("Registers a handler called when", $($doc),*)]
            pub fn $on(&self, handler: impl FnMut(&WebView, &$args) + 'static) -> EventToken<$args> {
                self.inner.$field.add(handler)
            }

            #[doc = concat!("Removes a handler registered with [`", stringify!($on), "`](Self::", stringify!($on), ").")]
            pub fn $remove(&self, token: EventToken<$args>) -> bool {
                self.inner.$field.remove(token)
            }
        )*
    };
}

/// A web page in the browser process (WebView2's `CoreWebView2` with its controller).
///
/// `!Send`; a cheap handle (clones refer to the same view). Dropping the last handle closes the
/// view. After [`close`](Self::close), or once its browser process has exited, every call returns
/// [`Error::Closed`].
#[derive(Clone)]
pub struct WebView {
    pub(crate) inner: Rc<WebViewInner>,
}

impl std::fmt::Debug for WebView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebView")
            .field("id", &self.inner.id.0)
            .field("browser_process_id", &self.inner.browser_process_id)
            .field("closed", &self.inner.closed.get())
            .finish()
    }
}

impl WebView {
    pub(crate) fn new(env: Environment, session: &Rc<Session>, id: WebViewId, opener: Option<WebViewId>) -> WebView {
        WebView {
            inner: Rc::new(WebViewInner {
                env,
                session: Rc::downgrade(session),
                id,
                browser_process_id: session.pid,
                closed: Cell::new(false),
                navigation_starting: Handlers::default(),
                navigation_completed: Handlers::default(),
                content_loading: Handlers::default(),
                source_changed: Handlers::default(),
                history_changed: Handlers::default(),
                document_title_changed: Handlers::default(),
                dom_content_loaded: Handlers::default(),
                web_message_received: Handlers::default(),
                web_resource_requested: Handlers::default(),
                new_window_requested: Handlers::default(),
                frame_created: Handlers::default(),
                closed_handlers: Handlers::default(),
                frames: RefCell::new(HashMap::new()),
                buffers: PostedBuffers::default(),
                output: PendingOutput::default(),
                opener,
                source: RefCell::new(String::new()),
                title: RefCell::new(String::new()),
                history: Cell::new((false, false)),
                next_request: Cell::new(1),
                pending_scripts: RefCell::new(HashMap::new()),
                process_failed: Handlers::default(),
            }),
        }
    }

    fn session(&self) -> Result<Rc<Session>> {
        if self.inner.closed.get() {
            return Err(Error::Closed);
        }
        self.inner
            .session
            .upgrade()
            .filter(|s| !s.ended.get())
            .ok_or(Error::Closed)
    }

    pub(crate) fn next_request_id(&self) -> u64 {
        self.inner.next_request.replace(self.inner.next_request.get() + 1)
    }

    pub(crate) fn session_for_request(&self) -> Result<Rc<Session>> {
        self.session()
    }

    fn request(&self, message: AppMessage) -> Result<()> {
        self.session()?.send(&message)
    }

    pub(crate) fn id(&self) -> WebViewId {
        self.inner.id
    }

    /// The opener this webview was created for (see [`WebViewOptions::opener`](crate::WebViewOptions::opener)).
    pub(crate) fn opener_id(&self) -> Option<WebViewId> {
        self.inner.opener
    }

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

    /// Shows `html` as a document (its base URI is `about:blank`).
    pub fn navigate_to_string(&self, html: &str) -> Result<()> {
        self.request(AppMessage::NavigateToString {
            id: self.inner.id,
            html: html.to_owned(),
        })
    }

    /// Reloads the page; after its render process exited, this starts a new one.
    pub fn reload(&self) -> Result<()> {
        self.request(AppMessage::Reload { id: self.inner.id })
    }

    /// Stops the current navigation.
    pub fn stop(&self) -> Result<()> {
        self.request(AppMessage::Stop { id: self.inner.id })
    }

    /// Goes back in history (nothing happens if [`can_go_back`](Self::can_go_back) is false).
    pub fn go_back(&self) -> Result<()> {
        self.request(AppMessage::GoBack { id: self.inner.id })
    }

    /// Goes forward in history.
    pub fn go_forward(&self) -> Result<()> {
        self.request(AppMessage::GoForward { id: self.inner.id })
    }

    /// Whether there is a page to go back to (as of the last HistoryChanged event).
    pub fn can_go_back(&self) -> bool {
        self.inner.history.get().0
    }

    /// Whether there is a page to go forward to (as of the last HistoryChanged event).
    pub fn can_go_forward(&self) -> bool {
        self.inner.history.get().1
    }

    /// The URI of the current document (as of the last SourceChanged event).
    pub fn source(&self) -> String {
        self.inner.source.borrow().clone()
    }

    /// The title of the current document (as of the last DocumentTitleChanged event).
    pub fn document_title(&self) -> String {
        self.inner.title.borrow().clone()
    }

    /// Runs `script` in the main frame and completes with the JSON of its result (`"null"` for
    /// `undefined`; a promise is not awaited, as in WebView2). A thrown exception is
    /// [`Error::Script`] with the engine's message.
    pub fn execute_script(&self, script: &str) -> Operation<String> {
        self.execute_script_in(None, script)
    }

    pub(crate) fn execute_script_in(&self, frame: Option<u64>, script: &str) -> Operation<String> {
        let request = self.inner.next_request.replace(self.inner.next_request.get() + 1);
        let (resolver, op) = operation();
        self.inner.pending_scripts.borrow_mut().insert(request, resolver);
        let sent = self.request(AppMessage::ExecuteScript {
            id: self.inner.id,
            frame,
            request,
            script: script.to_owned(),
        });
        if let Err(e) = sent {
            if let Some(r) = self.inner.pending_scripts.borrow_mut().remove(&request) {
                r.resolve(Err(e));
            }
        }
        op
    }

    /// Runs `script` at the start of every document from now on, in every frame, before the
    /// page's own scripts. Returns an id for [`remove_script_to_execute_on_document_created`].
    ///
    /// [`remove_script_to_execute_on_document_created`]: Self::remove_script_to_execute_on_document_created
    pub fn add_script_to_execute_on_document_created(&self, script: &str) -> Result<ScriptId> {
        let script_id = self.inner.next_request.replace(self.inner.next_request.get() + 1);
        self.request(AppMessage::AddDocumentCreatedScript {
            id: self.inner.id,
            script_id,
            script: script.to_owned(),
        })?;
        Ok(ScriptId(script_id))
    }

    /// Stops running a script added with `add_script_to_execute_on_document_created` (documents
    /// created from now on).
    pub fn remove_script_to_execute_on_document_created(&self, script: ScriptId) -> Result<()> {
        self.request(AppMessage::RemoveDocumentCreatedScript {
            id: self.inner.id,
            script_id: script.0,
        })
    }

    /// Posts `json` to the page: its `chrome.webview` `message` listeners get the parsed value as
    /// `event.data`. Messages arrive in order; a document without listeners drops them.
    pub fn post_web_message_as_json(&self, json: &str) -> Result<()> {
        self.post_web_message_to(None, json)
    }

    pub(crate) fn post_web_message_to(&self, frame: Option<u64>, json: &str) -> Result<()> {
        self.request(AppMessage::PostWebMessage {
            id: self.inner.id,
            frame,
            json: json.to_owned(),
        })
    }

    /// Posts any serializable value to the page as JSON: its `message` listeners get it as
    /// `event.data` (WebView2's `PostWebMessageAsJson`, with your type instead of a string).
    #[doc(alias = "PostWebMessageAsJson")]
    pub fn post_web_message<T: serde::Serialize + ?Sized>(&self, message: &T) -> Result<()> {
        self.post_web_message_to(None, &crate::events::to_json(message)?)
    }

    /// Posts a string to the page: `event.data` is that string.
    pub fn post_web_message_as_string(&self, message: &str) -> Result<()> {
        let json = serde_json::to_string(message).map_err(|e| Error::InvalidArgument(e.to_string()))?;
        self.post_web_message_to(None, &json)
    }

    /// Raises [`on_web_resource_requested`](Self::on_web_resource_requested) for requests of a
    /// registered custom scheme whose URI matches `uri_pattern` (`*` matches any run of
    /// characters, e.g. `app://assets/*`). Requests that match no filter get `404 Not Found`.
    ///
    /// WebKitGTK lets an embedder answer only its own schemes: `http(s)` requests are not raised.
    pub fn add_web_resource_requested_filter(&self, uri_pattern: &str) -> Result<()> {
        self.request(AppMessage::AddWebResourceRequestedFilter {
            id: self.inner.id,
            filter: uri_pattern.to_owned(),
        })
    }

    /// Removes a filter added with
    /// [`add_web_resource_requested_filter`](Self::add_web_resource_requested_filter).
    pub fn remove_web_resource_requested_filter(&self, uri_pattern: &str) -> Result<()> {
        self.request(AppMessage::RemoveWebResourceRequestedFilter {
            id: self.inner.id,
            filter: uri_pattern.to_owned(),
        })
    }

    /// Moves and resizes the view: inside its parent window when embedded, on screen for a
    /// window of its own (WebView2's controller `Bounds`).
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
        })
    }

    /// Gives the page the keyboard focus (WebView2's `MoveFocus(Programmatic)`); for an embedded
    /// view, the X input focus moves to it.
    pub fn move_focus(&self) -> Result<()> {
        self.request(AppMessage::MoveFocus { id: self.inner.id })
    }

    /// Terminates the render process (for a hung page); reported as `ProcessFailed`
    /// (RenderProcessExited, Terminated). [`reload`](Self::reload) brings the page back.
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

    events! {
        /// a navigation is about to start; the handler may cancel it or defer the answer.
        on_navigation_starting, remove_navigation_starting, navigation_starting, NavigationStartingEventArgs;
        /// a navigation ended (successfully or not); every NavigationStarting gets one.
        on_navigation_completed, remove_navigation_completed, navigation_completed, NavigationCompletedEventArgs;
        /// a process serving this webview failed (browser, renderer, or an unresponsive renderer).
        on_process_failed, remove_process_failed, process_failed, ProcessFailedEventArgs;
        /// the new document started to arrive (after NavigationStarting, before NavigationCompleted).
        on_content_loading, remove_content_loading, content_loading, ContentLoadingEventArgs;
        /// the document's URI changed.
        on_source_changed, remove_source_changed, source_changed, SourceChangedEventArgs;
        /// the back/forward history changed.
        on_history_changed, remove_history_changed, history_changed, HistoryChangedEventArgs;
        /// the document's title changed.
        on_document_title_changed, remove_document_title_changed, document_title_changed, DocumentTitleChangedEventArgs;
        /// the main document's DOMContentLoaded fired.
        on_dom_content_loaded, remove_dom_content_loaded, dom_content_loaded, DomContentLoadedEventArgs;
        /// a page requested a URI of a custom scheme that matches one of the webview's filters
        /// ([`add_web_resource_requested_filter`](Self::add_web_resource_requested_filter)).
        on_web_resource_requested, remove_web_resource_requested, web_resource_requested, WebResourceRequestedEventArgs;
        /// the page asks for a new window (`window.open`, a link with a target): deny it, let the
        /// browser process open one, or hand over a webview of the app's.
        on_new_window_requested, remove_new_window_requested, new_window_requested, NewWindowRequestedEventArgs;
        /// the browser process closed the webview: its embedding parent window went away, or the
        /// user closed its window ([`WebViewClosedEventArgs::reason`]). Not raised for `close()`.
        on_closed, remove_closed, closed_handlers, WebViewClosedEventArgs;
        /// an iframe got its first document (WebView2's FrameCreated); the args hold the [`Frame`].
        on_frame_created, remove_frame_created, frame_created, FrameCreatedEventArgs;
        /// a page posted a message with `chrome.webview.postMessage` (in order, none lost).
        on_web_message_received, remove_web_message_received, web_message_received, WebMessageReceivedEventArgs;
    }

    /// Marks the view closed; returns whether it was open.
    pub(crate) fn mark_closed(&self) -> bool {
        // Pending scripts complete with Closed (their resolvers are dropped).
        let pending: Vec<_> = self.inner.pending_scripts.borrow_mut().drain().collect();
        drop(pending);
        self.inner.buffers.clear();
        self.inner.output.clear();
        let frames: Vec<Frame> = self.inner.frames.borrow_mut().drain().map(|(_, f)| f).collect();
        frames.iter().for_each(Frame::destroy);
        !self.inner.closed.replace(true)
    }

    /// Gives up every request of this view waiting for an answer (a later answer is ignored).
    pub(crate) fn fail_pending(&self, error: impl Fn() -> crate::error::Error) {
        let scripts: Vec<_> = self.inner.pending_scripts.borrow_mut().drain().collect();
        for (_, resolver) in scripts {
            resolver.resolve(Err(error()));
        }
        self.inner.output.fail(&error);
    }

    /// Raises Closed with `reason` (the view must already be marked closed).
    pub(crate) fn raise_closed(&self, reason: crate::kinds::CloseReason) {
        let args = WebViewClosedEventArgs::new(reason);
        self.inner.closed_handlers.raise(self, &args);
    }

    pub(crate) fn raise_process_failed(&self, args: &ProcessFailedEventArgs) {
        self.inner.process_failed.raise(self, args);
    }
}
