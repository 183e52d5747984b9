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
    /// Custom URI schemes served by apps through `WebResourceRequested`.
    pub custom_schemes: Vec<CustomScheme>,
    /// Whether web processes run in WebKit's sandbox (bubblewrap).
    pub sandbox: bool,
}

/// A custom URI scheme (WebView2's `CoreWebView2CustomSchemeRegistration`): requests for it go to
/// the app that owns the requesting webview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomScheme {
    /// The scheme, lowercase (`app` for `app://…`).
    pub name: String,
    /// Origins of other schemes whose documents may request URIs of this scheme (`*` matches any
    /// run of characters, e.g. `https://*.example.com`). Documents of the scheme itself always may.
    pub allowed_origins: Vec<String>,
    /// Whether documents of the scheme count as secure contexts (like `https`).
    pub treat_as_secure: bool,
}

/// Schemes the engine handles itself; they cannot be registered.
pub const RESERVED_SCHEMES: &[&str] = &[
    "http",
    "https",
    "file",
    "about",
    "data",
    "blob",
    "javascript",
    "ws",
    "wss",
    "ftp",
    "webkit",
    "resource",
];

impl CustomScheme {
    /// Checks the name (RFC 3986: a letter, then letters, digits, `+`, `-`, `.`; lowercase here),
    /// that it is not one the engine owns, and that no string holds a NUL.
    pub fn validate(&self) -> Result<(), String> {
        let name = &self.name;
        let mut chars = name.chars();
        let first_ok = chars.next().is_some_and(|c| c.is_ascii_lowercase());
        if !first_ok || !chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "+-.".contains(c)) {
            return Err(format!(
                "{name:?} is not a scheme name (a lowercase letter, then lowercase letters, digits, '+', '-' or '.')"
            ));
        }
        if RESERVED_SCHEMES.contains(&name.as_str()) {
            return Err(format!("the scheme {name:?} belongs to the engine"));
        }
        if self.allowed_origins.iter().any(|o| o.contains('\0')) {
            return Err(format!("an allowed origin of {name:?} contains a NUL character"));
        }
        Ok(())
    }
}

/// Whether `text` matches `pattern`, where `*` matches any run of characters (WebView2's
/// wildcard for resource filters and allowed origins).
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

/// Why a webview closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CloseReason {
    /// The app closed it.
    Requested,
    /// The X11 window it was embedded in went away.
    ParentWindowDestroyed,
    /// Its own window was closed (by the user or the window manager).
    WindowClosed,
    /// The browser process, still running, hung up on this app (it fell too far behind reading
    /// its messages, or it stopped answering); the app may create new webviews, which connect
    /// again.
    Disconnected,
}

/// An image format for [`AppMessage::CapturePreview`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ImageFormat {
    /// PNG.
    Png,
    /// JPEG (quality 90).
    Jpeg,
}

/// Where a PDF or MHTML document goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum OutputTarget {
    /// A path the browser process opens (PDF only).
    Path(String),
    /// A file the app opened and delivered: the browser process writes into it without ever
    /// opening a path.
    File(crate::wire::FdRef),
}

/// A cookie, as plain data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cookie {
    /// The name.
    pub name: String,
    /// The value.
    pub value: String,
    /// The domain (a leading dot matches subdomains).
    pub domain: String,
    /// The path.
    pub path: String,
    /// Expiry in seconds since the Unix epoch; `None` for a session cookie.
    pub expires: Option<i64>,
    /// Hidden from scripts.
    pub http_only: bool,
    /// Sent over secure connections only.
    pub secure: bool,
    /// `None`, `Lax` or `Strict`.
    pub same_site: String,
}

/// Settings a webview can change at any time (WebView2's `CoreWebView2Settings` and controller).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Setting {
    /// Whether JavaScript runs.
    Scripts(bool),
    /// Whether right-click shows the engine's context menu.
    DefaultContextMenus(bool),
    /// Whether the web inspector can be opened.
    DevTools(bool),
    /// The zoom factor (1.0 = 100 %).
    ZoomFactor(f64),
    /// The user agent (`None`: the engine's default).
    UserAgent(Option<String>),
    /// The background drawn before the page paints: red, green, blue, alpha in 0..=255.
    BackgroundColor([u8; 4]),
    /// Whether the view is shown.
    Visible(bool),
}

/// What [`AppMessage::ClearBrowsingData`] clears.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrowsingDataKinds {
    /// Cookies.
    pub cookies: bool,
    /// The HTTP cache (memory and disk).
    pub cache: bool,
    /// localStorage, sessionStorage, IndexedDB.
    pub storage: bool,
}

/// What becomes of a page's request for a new window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum NewWindowDecision {
    /// No window: `window.open` returns `null`.
    Deny,
    /// The runtime opens a window of its own (closed when the page calls `window.close()` or its
    /// opener closes).
    Default,
    /// The app's webview (created with this opener) becomes the new window.
    Use(WebViewId),
}

/// The body of a response to [`RuntimeMessage::WebResourceRequested`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ResponseBody {
    /// No body.
    Empty,
    /// A small body carried in the message.
    Inline(Vec<u8>),
    /// A body read from an fd attached to the message (a file, a memfd, or the read end of a
    /// stream the app writes from any thread) until its end.
    Fd {
        /// The attached fd.
        fd: crate::wire::FdRef,
        /// The length, when known (sent as the stream length).
        length: Option<u64>,
    },
}

/// An app's answer to a web resource request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceResponse {
    /// The HTTP status (100..=599).
    pub status: u16,
    /// The reason phrase.
    pub reason: String,
    /// Response headers, in order.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: ResponseBody,
}

impl ResourceResponse {
    /// Checks what the engine cannot take: a status outside 100..=599, header names that are not
    /// HTTP tokens, CR, LF or NUL in values or the reason.
    pub fn validate(&self) -> Result<(), String> {
        if !(100..=599).contains(&self.status) {
            return Err(format!("status {} is outside 100..=599", self.status));
        }
        let bad_text = |s: &str| s.contains(['\0', '\r', '\n']);
        if bad_text(&self.reason) {
            return Err("the reason phrase contains CR, LF or NUL".into());
        }
        for (name, value) in &self.headers {
            let token = !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
            if !token {
                return Err(format!("{name:?} is not a header name"));
            }
            if bad_text(value) {
                return Err(format!("the value of header {name:?} contains CR, LF or NUL"));
            }
        }
        Ok(())
    }
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
    /// Inside another process's X11 window (any toolkit; XEmbed not required).
    Embedded {
        /// The parent window's X11 id.
        parent: u64,
        /// Position in the parent.
        x: i32,
        /// Position in the parent.
        y: i32,
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
            ViewMode::Embedded {
                parent, width, height, ..
            } => {
                if *parent == 0 || *parent > u64::from(u32::MAX) {
                    return Err(format!("{parent:#x} is not an X11 window id"));
                }
                (*width, *height)
            }
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
    /// Are you there? Answered with [`RuntimeMessage::Pong`] (the app's watchdog on a stopped or
    /// hung browser process).
    Ping {
        /// Echoed back.
        seq: u64,
    },
    /// Create a webview.
    CreateWebView {
        /// The new view's id.
        id: WebViewId,
        /// How to show it.
        mode: ViewMode,
        /// Per-view settings.
        settings: ViewSettings,
        /// The app's view whose `NewWindowRequested` this view will answer: it is created
        /// related to that opener (same render process, a real `window.open` result).
        opener: Option<WebViewId>,
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
    /// Run a script in the main frame or a subframe; answered by [`RuntimeMessage::ScriptResult`].
    ExecuteScript {
        /// The view.
        id: WebViewId,
        /// A subframe (from [`RuntimeMessage::FrameCreated`]), or `None` for the main frame.
        frame: Option<u64>,
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
        /// A subframe, or `None` for the main frame.
        frame: Option<u64>,
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
    /// Raise WebResourceRequested for requests whose URI matches `filter` (`*` wildcards).
    AddWebResourceRequestedFilter {
        /// The view.
        id: WebViewId,
        /// The URI pattern.
        filter: String,
    },
    /// Remove a filter added with `AddWebResourceRequestedFilter`.
    RemoveWebResourceRequestedFilter {
        /// The view.
        id: WebViewId,
        /// The URI pattern.
        filter: String,
    },
    /// The answer to [`RuntimeMessage::WebResourceRequested`]; `None` asks for the default
    /// response (404).
    WebResourceResponse {
        /// The view.
        id: WebViewId,
        /// The request answered.
        request: u64,
        /// The response.
        response: Option<ResourceResponse>,
    },
    /// Give the page (or a subframe) a shared buffer: the memfd is attached (read-write, or an
    /// `O_RDONLY` reopen for read-only access). Answered by
    /// [`RuntimeMessage::SharedBufferDelivered`].
    PostSharedBuffer {
        /// The view.
        id: WebViewId,
        /// A subframe, or `None` for the main frame.
        frame: Option<u64>,
        /// The app's id of this post (unique within the view).
        buffer: u64,
        /// The attached shared memory.
        memory: crate::wire::FdRef,
        /// JSON for the page event's `additionalData`.
        additional_data: Option<String>,
    },
    /// The answer to [`RuntimeMessage::NewWindowRequested`].
    NewWindowResponse {
        /// The opener.
        id: WebViewId,
        /// The request answered.
        request: u64,
        /// What to do.
        decision: NewWindowDecision,
    },
    /// Take a picture of the visible page; answered by [`RuntimeMessage::CaptureResult`].
    CapturePreview {
        /// The view.
        id: WebViewId,
        /// Identifies the answer.
        request: u64,
        /// PNG or JPEG.
        format: ImageFormat,
    },
    /// Print the page to PDF; answered by [`RuntimeMessage::OperationDone`].
    PrintToPdf {
        /// The view.
        id: WebViewId,
        /// Identifies the answer.
        request: u64,
        /// Where to.
        target: OutputTarget,
    },
    /// Save the page as MHTML into a delivered file; answered by [`RuntimeMessage::OperationDone`].
    SaveAsMhtml {
        /// The view.
        id: WebViewId,
        /// Identifies the answer.
        request: u64,
        /// The delivered file (paths are refused: the browser process never opens one).
        target: OutputTarget,
    },
    /// Cookies for a URI (all cookies if `None`); answered by [`RuntimeMessage::CookiesResult`].
    GetCookies {
        /// The view (its profile).
        id: WebViewId,
        /// Identifies the answer.
        request: u64,
        /// The URI.
        uri: Option<String>,
    },
    /// Add or replace a cookie; answered by [`RuntimeMessage::OperationDone`].
    SetCookie {
        /// The view (its profile).
        id: WebViewId,
        /// Identifies the answer.
        request: u64,
        /// The cookie.
        cookie: Cookie,
    },
    /// Delete the cookies matching name, domain and path; answered by
    /// [`RuntimeMessage::OperationDone`].
    DeleteCookie {
        /// The view (its profile).
        id: WebViewId,
        /// Identifies the answer.
        request: u64,
        /// The cookie (name, domain and path are matched).
        cookie: Cookie,
    },
    /// Clear browsing data of the profile; answered by [`RuntimeMessage::OperationDone`].
    ClearBrowsingData {
        /// The view (its profile).
        id: WebViewId,
        /// Identifies the answer.
        request: u64,
        /// What to clear.
        kinds: BrowsingDataKinds,
    },
    /// Move and resize the view (in its parent for embedded views, on screen for windows).
    SetBounds {
        /// The view.
        id: WebViewId,
        /// Position.
        x: i32,
        /// Position.
        y: i32,
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
    },
    /// Give the page the keyboard focus.
    MoveFocus {
        /// The view.
        id: WebViewId,
    },
    /// Change a setting.
    UpdateSetting {
        /// The view.
        id: WebViewId,
        /// The setting.
        setting: Setting,
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
            AppMessage::Hello { .. } | AppMessage::Ping { .. } => None,
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
            | AppMessage::AddWebResourceRequestedFilter { id, .. }
            | AppMessage::RemoveWebResourceRequestedFilter { id, .. }
            | AppMessage::WebResourceResponse { id, .. }
            | AppMessage::NewWindowResponse { id, .. }
            | AppMessage::PostSharedBuffer { id, .. }
            | AppMessage::CapturePreview { id, .. }
            | AppMessage::PrintToPdf { id, .. }
            | AppMessage::SaveAsMhtml { id, .. }
            | AppMessage::GetCookies { id, .. }
            | AppMessage::SetCookie { id, .. }
            | AppMessage::DeleteCookie { id, .. }
            | AppMessage::ClearBrowsingData { id, .. }
            | AppMessage::UpdateSetting { id, .. }
            | AppMessage::SetBounds { id, .. }
            | AppMessage::MoveFocus { id }
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
    /// The browser process (webpane-runtime) stopped answering: stopped (SIGSTOP) or hung.
    /// Raised every second while it lasts; the webview stays open, and works again when the
    /// process does. Not in WebView2.
    BrowserProcessUnresponsive,
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
    /// The page wrote to a shared buffer it was given read-only: the kernel stopped the write
    /// and the render process died (beyond WebView2, which does not say why).
    ReadOnlySharedBufferWrite,
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
        /// The sending subframe, or `None` for the main frame.
        frame: Option<u64>,
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
    /// A page requested a custom-scheme URI that matches one of the view's filters; the app
    /// answers with [`AppMessage::WebResourceResponse`].
    WebResourceRequested {
        /// The view.
        id: WebViewId,
        /// Identifies this request in the answer.
        request: u64,
        /// The HTTP method.
        method: String,
        /// The URI.
        uri: String,
        /// Request headers, in order.
        headers: Vec<(String, String)>,
        /// The read end of a pipe carrying the request body, if it has one.
        body: Option<crate::wire::FdRef>,
    },
    /// A page asked for a new window (`window.open`, a link with a target); the page waits until
    /// the app answers with [`AppMessage::NewWindowResponse`].
    NewWindowRequested {
        /// The opener.
        id: WebViewId,
        /// Identifies this request in the answer.
        request: u64,
        /// The URI to open (empty for `about:blank`).
        uri: String,
        /// Whether a user gesture asked for it.
        is_user_initiated: bool,
        /// The target window name given by the page, if any.
        name: Option<String>,
    },
    /// A subframe (an iframe) got its first document.
    FrameCreated {
        /// The view.
        id: WebViewId,
        /// The frame's id within the view.
        frame: u64,
        /// The frame's name.
        name: String,
        /// The frame's document URI.
        source: String,
    },
    /// A subframe loaded another document.
    FrameNavigated {
        /// The view.
        id: WebViewId,
        /// The frame.
        frame: u64,
        /// The new document URI.
        source: String,
    },
    /// A subframe went away (removed, its parent navigated, or its render process exited).
    FrameDestroyed {
        /// The view.
        id: WebViewId,
        /// The frame.
        frame: u64,
    },
    /// The outcome of [`AppMessage::PostSharedBuffer`]: the page's `sharedbufferreceived`
    /// listeners ran, or why not.
    SharedBufferDelivered {
        /// The view.
        id: WebViewId,
        /// The post.
        buffer: u64,
        /// Delivered, or why not.
        result: Result<(), String>,
    },
    /// The page no longer maps a shared buffer (released, its document went away, or its render
    /// process exited).
    SharedBufferReleased {
        /// The view.
        id: WebViewId,
        /// The post.
        buffer: u64,
    },
    /// The picture asked for with [`AppMessage::CapturePreview`].
    CaptureResult {
        /// The view.
        id: WebViewId,
        /// The request answered.
        request: u64,
        /// The encoded image, or why not.
        result: Result<Vec<u8>, String>,
    },
    /// The cookies asked for with [`AppMessage::GetCookies`].
    CookiesResult {
        /// The view.
        id: WebViewId,
        /// The request answered.
        request: u64,
        /// The cookies, or why not.
        result: Result<Vec<Cookie>, String>,
    },
    /// A request without data to return finished (PDF, MHTML, cookie changes, clearing).
    OperationDone {
        /// The view.
        id: WebViewId,
        /// The request answered.
        request: u64,
        /// Done, or why not.
        result: Result<(), String>,
    },
    /// A webview was closed (by request or because its window went away).
    WebViewClosed {
        /// The view.
        id: WebViewId,
        /// Why.
        reason: CloseReason,
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
    /// The answer to [`AppMessage::Ping`].
    Pong {
        /// The ping's `seq`.
        seq: u64,
    },
    /// The runtime goes on, but hangs up on this app now: its webviews are already closed. The
    /// last message on the connection (what was queued before it is dropped).
    Disconnecting {
        /// Why (for example: the app fell more than 256 MiB behind reading its messages).
        reason: String,
    },
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
            | RuntimeMessage::WebViewClosed { id, .. }
            | RuntimeMessage::NavigationStarting { id, .. }
            | RuntimeMessage::ContentLoading { id, .. }
            | RuntimeMessage::SourceChanged { id, .. }
            | RuntimeMessage::HistoryChanged { id, .. }
            | RuntimeMessage::DocumentTitleChanged { id, .. }
            | RuntimeMessage::DomContentLoaded { id, .. }
            | RuntimeMessage::ScriptResult { id, .. }
            | RuntimeMessage::WebMessageReceived { id, .. }
            | RuntimeMessage::WebResourceRequested { id, .. }
            | RuntimeMessage::NewWindowRequested { id, .. }
            | RuntimeMessage::FrameCreated { id, .. }
            | RuntimeMessage::SharedBufferDelivered { id, .. }
            | RuntimeMessage::CaptureResult { id, .. }
            | RuntimeMessage::CookiesResult { id, .. }
            | RuntimeMessage::OperationDone { id, .. }
            | RuntimeMessage::SharedBufferReleased { id, .. }
            | RuntimeMessage::FrameNavigated { id, .. }
            | RuntimeMessage::FrameDestroyed { id, .. }
            | RuntimeMessage::NavigationCompleted { id, .. }
            | RuntimeMessage::ProcessFailed { id, .. } => Some(*id),
            RuntimeMessage::RequestFailed { id, .. } => *id,
            RuntimeMessage::Welcome { .. }
            | RuntimeMessage::OptionsMismatch { .. }
            | RuntimeMessage::ChildProcesses { .. }
            | RuntimeMessage::Exiting
            | RuntimeMessage::Disconnecting { .. }
            | RuntimeMessage::Pong { .. }
            | RuntimeMessage::NewBrowserVersionAvailable => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_match_runs_of_characters() {
        assert!(wildcard_match("*", ""));
        assert!(wildcard_match("app://*", "app://host/x.png"));
        assert!(wildcard_match("app://host/*.png", "app://host/a/b.png"));
        assert!(!wildcard_match("app://host/*.png", "app://host/a/b.png?x"));
        assert!(wildcard_match("https://*.example.com", "https://a.b.example.com"));
        assert!(!wildcard_match("https://*.example.com", "https://example.org"));
        assert!(wildcard_match("a*b*c", "aXXbYYc"));
        assert!(!wildcard_match("a*b*c", "aXXcYYb"));
        assert!(wildcard_match("exact", "exact"));
        assert!(!wildcard_match("exact", "exactly"));
    }

    #[test]
    fn scheme_names_are_checked() {
        let scheme = |name: &str| CustomScheme {
            name: name.into(),
            allowed_origins: vec![],
            treat_as_secure: false,
        };
        assert!(scheme("app").validate().is_ok());
        assert!(scheme("my-app+v1.2").validate().is_ok());
        for bad in ["", "App", "1app", "a b", "https", "file", "a:b", "a\0"] {
            assert!(scheme(bad).validate().is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn responses_are_checked() {
        let ok = ResourceResponse {
            status: 200,
            reason: "OK".into(),
            headers: vec![("Content-Type".into(), "text/html".into())],
            body: ResponseBody::Empty,
        };
        assert!(ok.validate().is_ok());
        let mut bad = ok.clone();
        bad.status = 99;
        assert!(bad.validate().is_err());
        let mut bad = ok.clone();
        bad.headers.push(("X Bad".into(), "v".into()));
        assert!(bad.validate().is_err());
        let mut bad = ok.clone();
        bad.headers.push(("X-Split".into(), "a\r\nSet-Cookie: x".into()));
        assert!(bad.validate().is_err());
        let mut bad = ok;
        bad.reason = "O\nK".into();
        assert!(bad.validate().is_err());
    }
}
