//! What the runtime tells an app.

use serde::{Deserialize, Serialize};

use super::options::RuntimeOptions;
use super::process::{ProcessFailedKind, ProcessFailedReason};
use super::profile::Cookie;
use super::view::{CloseReason, WebError, WebViewId};

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
    /// [`AppMessage::NavigationStartingResponse`](crate::protocol::AppMessage::NavigationStartingResponse) (the runtime holds the navigation until then).
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
    /// The outcome of [`AppMessage::ExecuteScript`](crate::protocol::AppMessage::ExecuteScript): the result as JSON, or the exception's message.
    ScriptResult {
        /// The view.
        id: WebViewId,
        /// The request answered.
        request: u64,
        /// JSON of the result, or how the script failed.
        result: Result<String, super::script::ScriptFailure>,
    },
    /// The direct channel to the web process of the view's new main-frame document (see
    /// [`PageToApp`](super::PageToApp)); the channel of the document before it is over.
    PageChannel {
        /// The view.
        id: WebViewId,
        /// The app's end (a Unix socket).
        channel: crate::wire::FdRef,
    },
    /// The page's fence `fence`: answer it on the page's direct channel once everything before
    /// it is handled (see [`PageToApp`](super::PageToApp)).
    PageFence {
        /// The view.
        id: WebViewId,
        /// The fence's number.
        fence: u64,
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
    /// A page posted a message with files (`chrome.webview.postMessageWithAdditionalObjects`):
    /// each file's contents as an attached fd (a sealed memfd), with its name and type.
    WebMessageWithFilesReceived {
        /// The view.
        id: WebViewId,
        /// The sending subframe, or `None` for the main frame.
        frame: Option<u64>,
        /// The URI of the document that sent it.
        source: String,
        /// The message as JSON.
        json: String,
        /// The files.
        files: Vec<(crate::wire::FdRef, crate::webext::PageFileInfo)>,
    },
    /// A page started a download: where does it go? Answered by
    /// [`AppMessage::DownloadDecision`](crate::protocol::AppMessage::DownloadDecision).
    DownloadStarting {
        /// The view.
        id: WebViewId,
        /// The download.
        info: super::downloads::DownloadInfo,
    },
    /// How a download the app let go on goes.
    DownloadChanged {
        /// The view.
        id: WebViewId,
        /// Its progress.
        progress: super::downloads::DownloadProgress,
    },
    /// The page called `window.close()` (the app decides whether to close the webview).
    WindowCloseRequested {
        /// The view.
        id: WebViewId,
    },
    /// The page started or stopped playing sound, or was muted or unmuted.
    AudioChanged {
        /// The view.
        id: WebViewId,
        /// Whether the page plays sound (muted or not).
        playing: bool,
        /// Whether the page is muted.
        muted: bool,
    },
    /// The page shows a notification (`new Notification(…)`), for the app to show.
    NotificationReceived {
        /// The view.
        id: WebViewId,
        /// Names the notification in [`AppMessage::NotificationAction`](crate::protocol::AppMessage::NotificationAction).
        notification: u64,
        /// The origin of the page that made it.
        origin: String,
        /// Its title.
        title: String,
        /// Its body.
        body: String,
        /// Its tag (a newer notification with the same tag replaces it).
        tag: String,
    },
    /// The page closed a notification (or the engine did): the app takes it down.
    NotificationClosed {
        /// The view.
        id: WebViewId,
        /// The notification.
        notification: u64,
    },
    /// The view got (true) or lost the keyboard focus.
    FocusChanged {
        /// The view.
        id: WebViewId,
        /// Whether it has the focus now.
        focused: bool,
    },
    /// The user tabbed out of the page (past its last or first focusable element); answered with
    /// [`AppMessage::MoveFocusAnswer`](crate::protocol::AppMessage::MoveFocusAnswer).
    MoveFocusRequested {
        /// The view.
        id: WebViewId,
        /// Identifies the answer.
        request: u64,
        /// Forward (Tab) or backward (Shift + Tab).
        forward: bool,
    },
    /// A key the app may handle before the page; the page and the browser process get it only
    /// if the app's [`AppMessage::AcceleratorKeyAnswer`](crate::protocol::AppMessage::AcceleratorKeyAnswer) says it did not.
    AcceleratorKeyPressed {
        /// The view.
        id: WebViewId,
        /// Identifies the answer.
        request: u64,
        /// The key.
        key: super::view::AcceleratorKey,
    },
    /// The zoom factor changed: the app set it, or the user zoomed (Ctrl + wheel, Ctrl + plus,
    /// minus, 0).
    ZoomFactorChanged {
        /// The view.
        id: WebViewId,
        /// The zoom factor now (1.0 = 100 %).
        factor: f64,
    },
    /// The page's drag regions changed (CSS `--app-region`, with `NonClientRegions` on): the
    /// caption region as rectangles in view pixels (`[x, y, width, height]`, none overlapping),
    /// and the view's size then.
    NonClientRegionChanged {
        /// The view.
        id: WebViewId,
        /// The rectangles where a press drags the window.
        caption: Vec<[i32; 4]>,
        /// The view's width and height, in pixels.
        size: [u32; 2],
    },
    /// An element of the page went full screen, or left it.
    FullScreenChanged {
        /// The view.
        id: WebViewId,
        /// Whether an element is full screen now.
        full_screen: bool,
    },
    /// A subframe's navigation reached a stage: its document arrived (`ContentLoading`), fired
    /// DOMContentLoaded, or loaded (`NavigationCompleted`).
    FrameNavigationEvent {
        /// The view.
        id: WebViewId,
        /// The subframe.
        frame: u64,
        /// The navigation (the id of the webview's NavigationStarting that allowed it, when known).
        navigation_id: u64,
        /// Which stage.
        stage: super::view::FrameStage,
    },
    /// The user chose an item the app added to a context menu.
    ContextMenuItemSelected {
        /// The view.
        id: WebViewId,
        /// The context menu's request.
        request: u64,
        /// The app's id of the item.
        command_id: u32,
    },
    /// The page's icon changed.
    FaviconChanged {
        /// The view.
        id: WebViewId,
        /// Where the icon came from (empty if unknown).
        uri: String,
        /// The icon as PNG (empty: the page has none now).
        png: Vec<u8>,
    },
    /// What a status bar would show: the link under the pointer (empty: none).
    StatusBarTextChanged {
        /// The view.
        id: WebViewId,
        /// The text.
        text: String,
    },
    /// The permissions decided per origin.
    PermissionSettings {
        /// The view.
        id: WebViewId,
        /// The request answered.
        request: u64,
        /// Them.
        settings: Vec<super::policy::PermissionSetting>,
    },
    /// Find in the page: how many matches, and which is active (`-1`: none).
    FindChanged {
        /// The view.
        id: WebViewId,
        /// Matches found (at most the runtime's counting limit).
        match_count: u32,
        /// Whether there are more matches than `match_count` (the page has more than the
        /// runtime counts).
        more: bool,
        /// The active match, from 0; -1 for none.
        active_index: i64,
    },
    /// A page's action waits for the app's decision (credentials, a dialog, a permission, a
    /// certificate); answered by
    /// [`AppMessage::PolicyResponse`](crate::protocol::AppMessage::PolicyResponse).
    PolicyRequested {
        /// The view.
        id: WebViewId,
        /// Identifies the answer.
        request: u64,
        /// What is asked.
        what: super::policy::PolicyRequest,
    },
    /// A page used a host object (`chrome.webview.hostObjects`): a call, a property read or
    /// write, or a release of proxies it no longer holds. The app answers with
    /// [`AppMessage::HostObjectReply`](crate::protocol::AppMessage::HostObjectReply).
    HostObjectCall {
        /// The view.
        id: WebViewId,
        /// The calling subframe, or `None` for the main frame (WebKit's word, not the page's).
        frame: Option<u64>,
        /// The URI of the calling document.
        source: String,
        /// The request as JSON made by the page (the SDK reads it; the runtime checks it is JSON).
        json: String,
    },
    /// A dedicated worker of a document was created, posted a message with
    /// `chrome.webview.postMessage`, or went away. The app answers messages with
    /// [`AppMessage::PostWorkerMessage`](crate::protocol::AppMessage::PostWorkerMessage).
    WorkerEvent {
        /// The view.
        id: WebViewId,
        /// The worker's document's subframe, or `None` for the main frame (WebKit's word).
        frame: Option<u64>,
        /// The URI of the worker's document.
        source: String,
        /// The page's envelope as JSON: `{"worker": n, "event": "created", "scriptUri": …,
        /// "name": …}`, `{"worker": n, "event": "message", "message": "<the JSON>"}` or
        /// `{"worker": n, "event": "destroyed"}` (the SDK reads it; the runtime checks it is JSON).
        json: String,
    },
    /// A new frame of an offscreen view is in buffer `buffer`: the app reads it, then sends
    /// [`AppMessage::ReleaseFrame`](crate::protocol::AppMessage::ReleaseFrame); until then the
    /// runtime writes other buffers only.
    FrameReady {
        /// The view.
        id: WebViewId,
        /// Where the frame is and what it shows.
        frame: super::offscreen::FrameInfo,
    },
    /// The pointer's cursor over an offscreen view changed (a CSS cursor name: `default`,
    /// `pointer`, `text`, `move`, …).
    CursorChanged {
        /// The view.
        id: WebViewId,
        /// The cursor's name.
        cursor: String,
    },
    /// Where an offscreen view's page edits text changed: an editable got or lost the focus, or
    /// its caret moved (for the app's input method).
    TextInputChanged {
        /// The view.
        id: WebViewId,
        /// The editing state.
        state: super::offscreen::TextInputState,
    },
    /// The tooltip of what is under the pointer of an offscreen view changed (an element's
    /// `title`, a link's; `None`: no tooltip).
    TooltipChanged {
        /// The view.
        id: WebViewId,
        /// The text to show.
        text: Option<String>,
    },
    /// A navigation ended.
    NavigationCompleted {
        /// The view.
        id: WebViewId,
        /// Counts the view's navigations, from 1.
        navigation_id: u64,
        /// Whether the page loaded (an http(s) answer of 400 or more is not success, as in
        /// WebView2).
        is_success: bool,
        /// Why not, if it did not.
        error: Option<WebError>,
        /// The HTTP status of the document's response (0: none, such as a `data:` or `file:`
        /// document, or a load that failed before any answer).
        http_status_code: u16,
    },
    /// The response to a request of the page (any resource, the document's own included)
    /// came: its status and headers (WebView2's `WebResourceResponseReceived`).
    WebResourceResponseReceived {
        /// The view.
        id: WebViewId,
        /// Names the resource in [`AppMessage::GetResourceContent`](crate::protocol::AppMessage::GetResourceContent).
        resource: u64,
        /// The request's URI.
        uri: String,
        /// The request's method.
        method: String,
        /// The request's headers, as sent.
        request_headers: Vec<(String, String)>,
        /// The response's status code.
        status: u16,
        /// The response's headers.
        headers: Vec<(String, String)>,
    },
    /// The body of a resource ([`AppMessage::GetResourceContent`](crate::protocol::AppMessage::GetResourceContent)):
    /// a sealed memfd attached, or why not.
    ResourceContent {
        /// The view.
        id: WebViewId,
        /// The request answered.
        request: u64,
        /// The body's file, or why there is none.
        result: Result<crate::wire::FdRef, String>,
    },
    /// A page requested a custom-scheme URI that matches one of the view's filters; the app
    /// answers with [`AppMessage::WebResourceResponse`](crate::protocol::AppMessage::WebResourceResponse).
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
    /// the app answers with [`AppMessage::NewWindowResponse`](crate::protocol::AppMessage::NewWindowResponse).
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
    /// The outcome of [`AppMessage::PostSharedBuffer`](crate::protocol::AppMessage::PostSharedBuffer): the page's `sharedbufferreceived`
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
    /// The picture asked for with [`AppMessage::CapturePreview`](crate::protocol::AppMessage::CapturePreview).
    CaptureResult {
        /// The view.
        id: WebViewId,
        /// The request answered.
        request: u64,
        /// The encoded image, or why not.
        result: Result<Vec<u8>, String>,
    },
    /// The cookies asked for with [`AppMessage::GetCookies`](crate::protocol::AppMessage::GetCookies).
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
    /// A `Print` or `ShowPrintUi` ended.
    PrintDone {
        /// The view.
        id: WebViewId,
        /// The request answered.
        request: u64,
        /// How it ended, or why printing failed.
        result: Result<super::output::PrintOutcome, String>,
    },
    /// A `TrySuspend` finished: whether the page is suspended now, or why it cannot be (the
    /// view is visible).
    SuspendDone {
        /// The view.
        id: WebViewId,
        /// The request answered.
        request: u64,
        /// Suspended or not (a render process shared with a running view, or none yet), or
        /// why the request is refused.
        result: Result<bool, String>,
    },
    /// A drag the app forwards (`DragEnter`, `DragOver`, `Drop`) reached the page: what the
    /// page accepts, or why it did not reach it.
    DragDone {
        /// The view.
        id: WebViewId,
        /// The request answered.
        request: u64,
        /// The page's drop effect, or why the drag did not reach it.
        result: Result<super::dragging::DropEffect, String>,
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
    /// The answer to [`AppMessage::Ping`](crate::protocol::AppMessage::Ping).
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
