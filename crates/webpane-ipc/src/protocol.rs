//! The messages between an app (the `webpane` SDK) and the browser process (`webpane-runtime`).
//!
//! Every connection starts with the transport handshake (protocol version), then the app sends
//! [`AppMessage::Hello`] with the options it needs the runtime to have; the runtime answers
//! [`RuntimeMessage::Welcome`] or [`RuntimeMessage::OptionsMismatch`] (and closes). After that the
//! app sends requests, each naming the webview it is about, and the runtime sends events.
//!
//! Webview ids are chosen by the app and are unique per connection; the runtime keys its views by
//! (connection, id), so one app can never name another's webview.

use serde::{Deserialize, Serialize};

/// An app-chosen webview id, unique within its connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct WebViewId(pub u64);

/// Options that every app sharing one browser process must agree on.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuntimeOptions {
    /// Extra arguments for the engine (reserved for engine switches).
    pub additional_arguments: Vec<String>,
    /// The UI language (e.g. `en-US`), if set.
    pub language: Option<String>,
}

/// The largest width or height of a webview.
pub const MAX_VIEW_SIZE: u32 = 16384;

/// How a webview is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ViewMode {
    /// Not shown on screen; the full API works.
    Headless {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
    },
    /// In a top-level window of the runtime's own.
    Window {
        /// The window title.
        title: String,
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
    },
}

impl ViewMode {
    /// Checks what GTK cannot take: a size outside `1..=MAX_VIEW_SIZE`, or a title with a NUL
    /// character (a C string would end there).
    pub fn validate(&self) -> Result<(), String> {
        let (width, height) = match self {
            ViewMode::Headless { width, height } => (*width, *height),
            ViewMode::Window { title, width, height } => {
                if title.contains('\0') {
                    return Err("the title contains a NUL character".into());
                }
                (*width, *height)
            }
        };
        if (1..=MAX_VIEW_SIZE).contains(&width) && (1..=MAX_VIEW_SIZE).contains(&height) {
            Ok(())
        } else {
            Err(format!("size {width}x{height} is outside 1..={MAX_VIEW_SIZE}"))
        }
    }
}

/// From the app to the runtime.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum AppMessage {
    /// First message on a connection: the options this app needs.
    Hello {
        /// The app's options; must equal the runtime's.
        options: RuntimeOptions,
    },
    /// Create a webview.
    CreateWebView {
        /// The new view's id.
        id: WebViewId,
        /// How to show it.
        mode: ViewMode,
        /// Per-view settings.
        settings: ViewSettings,
    },
    /// Navigate to a URI.
    Navigate {
        /// The view.
        id: WebViewId,
        /// The URI.
        uri: String,
    },
    /// Show an HTML string (base URI `about:blank`).
    NavigateToString {
        /// The view.
        id: WebViewId,
        /// The document.
        html: String,
    },
    /// Stop loading.
    Stop {
        /// The view.
        id: WebViewId,
    },
    /// Go back in history.
    GoBack {
        /// The view.
        id: WebViewId,
    },
    /// Go forward in history.
    GoForward {
        /// The view.
        id: WebViewId,
    },
    /// Run a script in the main frame; answered by [`RuntimeMessage::ScriptResult`].
    ExecuteScript {
        /// The view.
        id: WebViewId,
        /// Identifies the answer.
        request: u64,
        /// The script.
        script: String,
    },
    /// Run `script` at the start of every document (all frames) from now on.
    AddDocumentCreatedScript {
        /// The view.
        id: WebViewId,
        /// The app's id for the script.
        script_id: u64,
        /// The script.
        script: String,
    },
    /// Stop running a script added with `AddDocumentCreatedScript`.
    RemoveDocumentCreatedScript {
        /// The view.
        id: WebViewId,
        /// The app's id for the script.
        script_id: u64,
    },
    /// Deliver a web message (JSON text) to the page's `chrome.webview` `message` listeners.
    PostWebMessage {
        /// The view.
        id: WebViewId,
        /// The message as JSON.
        json: String,
    },
    /// Reload the current page (also brings a page back after its renderer exited).
    Reload {
        /// The view.
        id: WebViewId,
    },
    /// Terminate the view's render process (reported as `ProcessFailed` with reason `Terminated`).
    TerminateRenderProcess {
        /// The view.
        id: WebViewId,
    },
    /// The answer to [`RuntimeMessage::NavigationStarting`].
    NavigationStartingResponse {
        /// The view.
        id: WebViewId,
        /// The request being answered.
        request: u64,
        /// Whether to cancel the navigation.
        cancel: bool,
    },
    /// Close a webview.
    Close {
        /// The view.
        id: WebViewId,
    },
}

impl AppMessage {
    /// The webview the request is about (`None` for `Hello`).
    pub fn webview(&self) -> Option<WebViewId> {
        match self {
            AppMessage::Hello { .. } => None,
            AppMessage::CreateWebView { id, .. }
            | AppMessage::Navigate { id, .. }
            | AppMessage::NavigateToString { id, .. }
            | AppMessage::Stop { id }
            | AppMessage::GoBack { id }
            | AppMessage::GoForward { id }
            | AppMessage::ExecuteScript { id, .. }
            | AppMessage::AddDocumentCreatedScript { id, .. }
            | AppMessage::RemoveDocumentCreatedScript { id, .. }
            | AppMessage::PostWebMessage { id, .. }
            | AppMessage::Reload { id }
            | AppMessage::TerminateRenderProcess { id }
            | AppMessage::NavigationStartingResponse { id, .. }
            | AppMessage::Close { id } => Some(*id),
        }
    }
}

/// Which process failed (WebView2's `COREWEBVIEW2_PROCESS_FAILED_KIND`, where WebKit has one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ProcessFailedKind {
    /// The browser process (webpane-runtime) exited; the webview is closed.
    BrowserProcessExited,
    /// The render process (WebKitWebProcess) of the webview exited; `reload()` brings it back.
    RenderProcessExited,
    /// The render process stopped responding (raised again while it stays so).
    RenderProcessUnresponsive,
}

/// Why a process failed (WebView2's `COREWEBVIEW2_PROCESS_FAILED_REASON`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ProcessFailedReason {
    /// Exited for a reason we cannot tell.
    Unexpected,
    /// Stopped responding.
    Unresponsive,
    /// Terminated on request (by the app or the user).
    Terminated,
    /// Crashed.
    Crashed,
    /// Failed to start.
    LaunchFailed,
    /// Ran out of memory (WebKit's memory limit).
    OutOfMemory,
}

/// Per-view settings fixed at creation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViewSettings {
    /// Whether pages get `window.chrome.webview` for web messages.
    pub web_messages: bool,
    /// Whether JavaScript runs at all.
    pub scripts: bool,
}

impl Default for ViewSettings {
    fn default() -> Self {
        Self {
            web_messages: true,
            scripts: true,
        }
    }
}

/// Why a navigation failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebError {
    /// The engine's error domain (e.g. `WebKitNetworkError`).
    pub domain: String,
    /// The engine's error code within the domain.
    pub code: i32,
    /// A human-readable message.
    pub message: String,
}

/// From the runtime to the app.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum RuntimeMessage {
    /// The runtime accepted the app.
    Welcome {
        /// The browser process id.
        browser_process_id: u32,
    },
    /// The runtime runs with other options than the app asked for; the connection closes.
    OptionsMismatch {
        /// The runtime's options.
        runtime: RuntimeOptions,
        /// What the app asked for.
        requested: RuntimeOptions,
    },
    /// A webview exists.
    WebViewCreated {
        /// The view.
        id: WebViewId,
    },
    /// A navigation is about to start; the app must answer with
    /// [`AppMessage::NavigationStartingResponse`] (the runtime holds the navigation until then).
    NavigationStarting {
        /// The view.
        id: WebViewId,
        /// Identifies this request in the answer; also the navigation id of its later events.
        request: u64,
        /// Where to.
        uri: String,
        /// Whether it is a redirect.
        is_redirect: bool,
        /// Whether a user gesture started it.
        is_user_initiated: bool,
    },
    /// The new document started to arrive (WebView2's ContentLoading).
    ContentLoading {
        /// The view.
        id: WebViewId,
        /// The navigation.
        navigation_id: u64,
    },
    /// The document's URI changed.
    SourceChanged {
        /// The view.
        id: WebViewId,
        /// The new URI.
        uri: String,
    },
    /// The back/forward history changed.
    HistoryChanged {
        /// The view.
        id: WebViewId,
        /// Whether there is a page to go back to.
        can_go_back: bool,
        /// Whether there is a page to go forward to.
        can_go_forward: bool,
    },
    /// The document's title changed.
    DocumentTitleChanged {
        /// The view.
        id: WebViewId,
        /// The new title.
        title: String,
    },
    /// The main document's DOMContentLoaded fired.
    DomContentLoaded {
        /// The view.
        id: WebViewId,
        /// The navigation.
        navigation_id: u64,
    },
    /// The outcome of [`AppMessage::ExecuteScript`]: the result as JSON, or the exception's message.
    ScriptResult {
        /// The view.
        id: WebViewId,
        /// The request answered.
        request: u64,
        /// JSON of the result, or the error.
        result: Result<String, String>,
    },
    /// A page posted a message with `chrome.webview.postMessage`.
    WebMessageReceived {
        /// The view.
        id: WebViewId,
        /// The URI of the document that sent it.
        source: String,
        /// The message as JSON.
        json: String,
    },
    /// A navigation ended.
    NavigationCompleted {
        /// The view.
        id: WebViewId,
        /// Counts the view's navigations, from 1.
        navigation_id: u64,
        /// Whether the page loaded.
        is_success: bool,
        /// Why not, if it did not.
        error: Option<WebError>,
    },
    /// A webview was closed (by request or because its window went away).
    WebViewClosed {
        /// The view.
        id: WebViewId,
    },
    /// A process serving a webview failed.
    ProcessFailed {
        /// The view.
        id: WebViewId,
        /// Which process.
        kind: ProcessFailedKind,
        /// Why.
        reason: ProcessFailedReason,
        /// The process id, when known.
        process_id: Option<u32>,
        /// The exit code, when known.
        exit_code: Option<i32>,
        /// The terminating signal, when known.
        signal: Option<i32>,
        /// A description of the process (e.g. `WebKitWebProcess`).
        process_description: String,
    },
    /// The runtime's direct child processes (WebKit's web and network processes) changed; the app
    /// waits for all of them before reporting the browser process's exit.
    ChildProcesses {
        /// Their pids.
        pids: Vec<u32>,
    },
    /// The runtime is shutting down normally (its last webview closed); the connection closes
    /// once its children have exited and the folder's lock is released.
    Exiting,
    /// The runtime binary or the WebKitGTK library it loaded was replaced on disk; the next
    /// browser process started will use the new one.
    NewBrowserVersionAvailable,
    /// A request was refused.
    RequestFailed {
        /// The view the request named, if any.
        id: Option<WebViewId>,
        /// Why.
        reason: String,
    },
}

impl RuntimeMessage {
    /// The webview an event is about (`None` for messages about the runtime or the connection).
    pub fn webview(&self) -> Option<WebViewId> {
        match self {
            RuntimeMessage::WebViewCreated { id }
            | RuntimeMessage::WebViewClosed { id }
            | RuntimeMessage::NavigationStarting { id, .. }
            | RuntimeMessage::ContentLoading { id, .. }
            | RuntimeMessage::SourceChanged { id, .. }
            | RuntimeMessage::HistoryChanged { id, .. }
            | RuntimeMessage::DocumentTitleChanged { id, .. }
            | RuntimeMessage::DomContentLoaded { id, .. }
            | RuntimeMessage::ScriptResult { id, .. }
            | RuntimeMessage::WebMessageReceived { id, .. }
            | RuntimeMessage::NavigationCompleted { id, .. }
            | RuntimeMessage::ProcessFailed { id, .. } => Some(*id),
            RuntimeMessage::RequestFailed { id, .. } => *id,
            RuntimeMessage::Welcome { .. }
            | RuntimeMessage::OptionsMismatch { .. }
            | RuntimeMessage::ChildProcesses { .. }
            | RuntimeMessage::Exiting
            | RuntimeMessage::NewBrowserVersionAvailable => None,
        }
    }
}
