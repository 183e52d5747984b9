//! What an app asks of the runtime.

use serde::{Deserialize, Serialize};

use super::options::RuntimeOptions;
use super::output::{ImageFormat, OutputTarget};
use super::profile::{BrowsingDataKinds, Cookie};
use super::resources::{HostResourceAccess, ResourceResponse};
use super::view::{FocusReason, NewWindowDecision, NotificationAction, Setting, ViewMode, ViewSettings, WebViewId};

/// From the app to the runtime.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum AppMessage {
    /// First message on a connection: the options this app needs.
    Hello {
        /// The app's options; must equal the runtime's.
        options: RuntimeOptions,
    },
    /// Are you there? Answered with [`RuntimeMessage::Pong`](crate::protocol::RuntimeMessage::Pong) (the app's watchdog on a stopped or
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
    /// Run a script in the main frame or a subframe; answered by [`RuntimeMessage::ScriptResult`](crate::protocol::RuntimeMessage::ScriptResult).
    ExecuteScript {
        /// The view.
        id: WebViewId,
        /// A subframe (from [`RuntimeMessage::FrameCreated`](crate::protocol::RuntimeMessage::FrameCreated)), or `None` for the main frame.
        frame: Option<u64>,
        /// Identifies the answer.
        request: u64,
        /// The script.
        script: String,
        /// Whether an exception is told in detail (name, message, line, column, stack: run
        /// through the web process extension, in the main frame too).
        with_result: bool,
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
    /// Send fence `fence` to the view's page: it comes back on the page's direct channel once
    /// everything sent before it has reached the page (see [`PageToApp`](super::PageToApp)).
    Fence {
        /// The view.
        id: WebViewId,
        /// The fence's number.
        fence: u64,
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
    /// Deliver a web message with open files to the page's `chrome.webview` `message` listeners
    /// (`event.additionalObjects`: a file handle per file). Refused: more files than
    /// [`MAX_FDS_PER_MESSAGE`](crate::MAX_FDS_PER_MESSAGE), anything but regular files.
    PostWebMessageWithFiles {
        /// The view.
        id: WebViewId,
        /// A subframe, or `None` for the main frame.
        frame: Option<u64>,
        /// The message as JSON.
        json: String,
        /// The files: each attached fd and what the page sees of it.
        files: Vec<(crate::wire::FdRef, crate::webext::PageFileInfo)>,
    },
    /// Open (or close) the dev tools' window for the page; answered by
    /// [`RuntimeMessage::OperationDone`](crate::protocol::RuntimeMessage::OperationDone).
    DevToolsWindow {
        /// The view.
        id: WebViewId,
        /// Identifies the answer.
        request: u64,
        /// Open, or close.
        open: bool,
    },
    /// Where a download goes (an absolute path; it must not exist yet), or `None`: not at all.
    DownloadDecision {
        /// The view.
        id: WebViewId,
        /// The download.
        download: u64,
        /// The file to write.
        destination: Option<String>,
    },
    /// Cancel a download in progress.
    CancelDownload {
        /// The view.
        id: WebViewId,
        /// The download.
        download: u64,
    },
    /// Decide a permission for an origin from now on (`None`: ask again); answered by
    /// [`RuntimeMessage::OperationDone`](crate::protocol::RuntimeMessage::OperationDone).
    SetPermissionState {
        /// The view (its profile).
        id: WebViewId,
        /// Identifies the answer.
        request: u64,
        /// For what.
        kind: super::policy::PermissionKind,
        /// For which origin.
        origin: String,
        /// Allowed, denied, or none kept.
        allow: Option<bool>,
    },
    /// List the permissions decided per origin; answered by
    /// [`RuntimeMessage::PermissionSettings`](crate::protocol::RuntimeMessage::PermissionSettings).
    GetPermissionSettings {
        /// The view (its profile).
        id: WebViewId,
        /// Identifies the answer.
        request: u64,
    },
    /// Find in the page.
    Find {
        /// The view.
        id: WebViewId,
        /// What to do.
        command: super::policy::FindCommand,
    },
    /// The app's decision on a
    /// [`RuntimeMessage::PolicyRequested`](crate::protocol::RuntimeMessage::PolicyRequested).
    PolicyResponse {
        /// The view.
        id: WebViewId,
        /// The request answered.
        request: u64,
        /// The decision.
        answer: super::policy::PolicyAnswer,
    },
    /// Answer a page's host object request
    /// ([`RuntimeMessage::HostObjectCall`](crate::protocol::RuntimeMessage::HostObjectCall)).
    HostObjectReply {
        /// The view.
        id: WebViewId,
        /// The calling subframe, or `None` for the main frame.
        frame: Option<u64>,
        /// The answer as JSON (read by the page's `chrome.webview.hostObjects`).
        json: String,
    },
    /// Deliver an offscreen view's frames into these buffers (writable shared memory of
    /// `stride × height` bytes each, `stride = width × 4`), replacing any given before; the view
    /// is resized to `width × height`. Frames of an earlier generation are no longer written.
    AttachFrames {
        /// The view (headless).
        id: WebViewId,
        /// Names this set of buffers (in FrameReady and ReleaseFrame).
        generation: u32,
        /// Frame width in pixels.
        width: u32,
        /// Frame height in pixels.
        height: u32,
        /// The buffers (2 to 8).
        buffers: Vec<crate::wire::FdRef>,
    },
    /// The app is done reading buffer `buffer` of `generation`: it may be written again.
    ReleaseFrame {
        /// The view.
        id: WebViewId,
        /// The buffers' generation.
        generation: u32,
        /// Which buffer.
        buffer: u32,
    },
    /// Input for an offscreen view.
    SendInput {
        /// The view.
        id: WebViewId,
        /// The event.
        input: super::offscreen::InputEvent,
    },
    /// Post a web message to a dedicated worker
    /// ([`RuntimeMessage::WorkerEvent`](crate::protocol::RuntimeMessage::WorkerEvent)).
    PostWorkerMessage {
        /// The view.
        id: WebViewId,
        /// The worker's document's subframe, or `None` for the main frame.
        frame: Option<u64>,
        /// The worker, as the page numbered it.
        worker: u64,
        /// The message as JSON.
        json: String,
    },
    /// Navigate to `uri` with extra request headers (a GET: WebKitGTK has no other method for a
    /// navigation).
    NavigateWithHeaders {
        /// The view.
        id: WebViewId,
        /// Where to.
        uri: String,
        /// Extra request headers, in order.
        headers: Vec<(String, String)>,
    },
    /// Navigate with a request of any method and a body (WebView2's
    /// `NavigateWithWebResourceRequest`): http(s) only. WebKitGTK navigates with GET only, so the
    /// runtime's proxy gives the request its method and body on the way out.
    NavigateWithRequest {
        /// The view.
        id: WebViewId,
        /// Where to (http or https).
        uri: String,
        /// The method (`POST`, `PUT`, …).
        method: String,
        /// Request headers, in order.
        headers: Vec<(String, String)>,
        /// The body.
        body: Vec<u8>,
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
    /// The answer to [`RuntimeMessage::NavigationStarting`](crate::protocol::RuntimeMessage::NavigationStarting).
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
    /// Asks for the body of a resource whose response was told
    /// ([`RuntimeMessage::WebResourceResponseReceived`](crate::protocol::RuntimeMessage::WebResourceResponseReceived)); answered with
    /// [`RuntimeMessage::ResourceContent`](crate::protocol::RuntimeMessage::ResourceContent).
    GetResourceContent {
        /// The view.
        id: WebViewId,
        /// Identifies the answer.
        request: u64,
        /// The resource.
        resource: u64,
    },
    /// The answer to [`RuntimeMessage::WebResourceRequested`](crate::protocol::RuntimeMessage::WebResourceRequested); `None` asks for the default
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
    /// [`RuntimeMessage::SharedBufferDelivered`](crate::protocol::RuntimeMessage::SharedBufferDelivered).
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
    /// The answer to [`RuntimeMessage::NewWindowRequested`](crate::protocol::RuntimeMessage::NewWindowRequested).
    NewWindowResponse {
        /// The opener.
        id: WebViewId,
        /// The request answered.
        request: u64,
        /// What to do.
        decision: NewWindowDecision,
    },
    /// Take a picture of the visible page; answered by [`RuntimeMessage::CaptureResult`](crate::protocol::RuntimeMessage::CaptureResult).
    CapturePreview {
        /// The view.
        id: WebViewId,
        /// Identifies the answer.
        request: u64,
        /// PNG or JPEG.
        format: ImageFormat,
    },
    /// Print the page to PDF; answered by [`RuntimeMessage::OperationDone`](crate::protocol::RuntimeMessage::OperationDone).
    PrintToPdf {
        /// The view.
        id: WebViewId,
        /// Identifies the answer.
        request: u64,
        /// Where to.
        target: OutputTarget,
        /// How.
        settings: super::output::PdfSettings,
    },
    /// Save the page as MHTML into a delivered file; answered by [`RuntimeMessage::OperationDone`](crate::protocol::RuntimeMessage::OperationDone).
    SaveAsMhtml {
        /// The view.
        id: WebViewId,
        /// Identifies the answer.
        request: u64,
        /// The delivered file (paths are refused: the browser process never opens one).
        target: OutputTarget,
    },
    /// Cookies for a URI (all cookies if `None`); answered by [`RuntimeMessage::CookiesResult`](crate::protocol::RuntimeMessage::CookiesResult).
    GetCookies {
        /// The view (its profile).
        id: WebViewId,
        /// Identifies the answer.
        request: u64,
        /// The URI.
        uri: Option<String>,
    },
    /// Serve a folder's files at `https://<host>/` and `http://<host>/` (WebView2's
    /// `SetVirtualHostNameToFolderMapping`); answered by
    /// [`RuntimeMessage::OperationDone`](crate::protocol::RuntimeMessage::OperationDone).
    SetVirtualHostMapping {
        /// The view.
        id: WebViewId,
        /// Identifies the answer.
        request: u64,
        /// The host name ([`validate_virtual_host`](crate::protocol::validate_virtual_host)).
        host: String,
        /// The folder (an absolute path).
        folder: String,
        /// What other origins may do with the files.
        access: HostResourceAccess,
    },
    /// Stop serving a host set with `SetVirtualHostMapping`.
    ClearVirtualHostMapping {
        /// The view.
        id: WebViewId,
        /// The host name.
        host: String,
    },
    /// Add or replace a cookie; answered by [`RuntimeMessage::OperationDone`](crate::protocol::RuntimeMessage::OperationDone).
    SetCookie {
        /// The view (its profile).
        id: WebViewId,
        /// Identifies the answer.
        request: u64,
        /// The cookie.
        cookie: Cookie,
    },
    /// Delete the cookies matching name, domain and path; answered by
    /// [`RuntimeMessage::OperationDone`](crate::protocol::RuntimeMessage::OperationDone).
    DeleteCookie {
        /// The view (its profile).
        id: WebViewId,
        /// Identifies the answer.
        request: u64,
        /// The cookie (name, domain and path are matched).
        cookie: Cookie,
    },
    /// Clear browsing data of the profile; answered by [`RuntimeMessage::OperationDone`](crate::protocol::RuntimeMessage::OperationDone).
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
        /// Where in the page the focus goes.
        reason: FocusReason,
    },
    /// The app's answer to [`RuntimeMessage::AcceleratorKeyPressed`](crate::protocol::RuntimeMessage::AcceleratorKeyPressed):
    /// whether it handled the key (then neither the page nor the browser process gets it).
    AcceleratorKeyAnswer {
        /// The view.
        id: WebViewId,
        /// The key's request.
        request: u64,
        /// Whether the app handled it.
        handled: bool,
    },
    /// The user acted on a notification the app shows
    /// ([`RuntimeMessage::NotificationReceived`](crate::protocol::RuntimeMessage::NotificationReceived)): the page hears of it.
    NotificationAction {
        /// The view.
        id: WebViewId,
        /// The notification.
        notification: u64,
        /// What the user did.
        action: NotificationAction,
    },
    /// The app's answer to [`RuntimeMessage::MoveFocusRequested`](crate::protocol::RuntimeMessage::MoveFocusRequested):
    /// whether it moved the focus itself (else the focus wraps around inside the page).
    MoveFocusAnswer {
        /// The view.
        id: WebViewId,
        /// The request.
        request: u64,
        /// Whether the app took the focus.
        handled: bool,
    },
    /// Change a setting.
    UpdateSetting {
        /// The view.
        id: WebViewId,
        /// The setting.
        setting: Setting,
    },
    /// Print the page to a printer, without a dialog (WebView2's `PrintAsync`). Answered by
    /// [`RuntimeMessage::PrintDone`](crate::protocol::RuntimeMessage::PrintDone).
    Print {
        /// The view.
        id: WebViewId,
        /// The request.
        request: u64,
        /// The page's layout.
        page: super::output::PdfSettings,
        /// The printer and what it should do.
        printer: super::output::PrinterSettings,
    },
    /// Show the print dialog (WebView2's `ShowPrintUI`); answered by `PrintDone` once the user
    /// printed or closed it.
    ShowPrintUi {
        /// The view.
        id: WebViewId,
        /// The request.
        request: u64,
    },
    /// Suspend a hidden view's page (WebView2's `TrySuspend`): its memory is released as under
    /// memory pressure and its render process stopped. Answered by
    /// [`RuntimeMessage::SuspendDone`](crate::protocol::RuntimeMessage::SuspendDone).
    TrySuspend {
        /// The view.
        id: WebViewId,
        /// The request.
        request: u64,
    },
    /// A drag the app forwards into the view (WebView2's `DragEnter`, `DragOver`, `DragLeave`,
    /// `Drop`): a [`DragInput::Drop`](super::dragging::DragInput::Drop) carries its files as
    /// attached fds. Answered by
    /// [`RuntimeMessage::DragDone`](crate::protocol::RuntimeMessage::DragDone) (not `Leave`).
    Drag {
        /// The view.
        id: WebViewId,
        /// The request.
        request: u64,
        /// Where the drag is.
        input: super::dragging::DragInput,
    },
    /// Let a suspended view's page run again (WebView2's `Resume`). No reply.
    Resume {
        /// The view.
        id: WebViewId,
    },
    /// Close a webview.
    Close {
        /// The view.
        id: WebViewId,
    },
}
