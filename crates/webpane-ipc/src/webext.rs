//! Messages between the runtime and its web process extension (`webpane-webext`).
//!
//! They travel as WebKit user messages (`webkit_web_page_send_message_to_view`,
//! `webkit_web_view_send_message_to_page`): the message name says what it is, the parameters are
//! one GVariant string holding the JSON of the structs below.

use serde::{Deserialize, Serialize};

/// Extension → runtime, once per page: a report socket (the message's only fd). The runtime
/// reads the web process's pid from it (SO_PEERCRED) and, if the process dies writing to a
/// read-only shared buffer, the record [`READ_ONLY_WRITE`].
pub const HELLO: &str = "webpane.hello";
/// What a report socket carries when the page wrote to a read-only shared buffer.
pub const READ_ONLY_WRITE: &[u8] = b"read-only-shared-buffer-write";

/// Extension → runtime: a subframe got its first document ([`FrameInfo`]).
pub const FRAME_CREATED: &str = "webpane.frame-created";
/// Extension → runtime: a subframe loaded another document ([`FrameInfo`]).
pub const FRAME_NAVIGATED: &str = "webpane.frame-navigated";
/// Extension → runtime: a subframe's document fired DOMContentLoaded ([`FrameGone`] names it).
pub const FRAME_DOM_CONTENT_LOADED: &str = "webpane.frame-dom-content-loaded";
/// Extension → runtime: a subframe's document fired `load` ([`FrameGone`] names it).
pub const FRAME_LOADED: &str = "webpane.frame-loaded";
/// Extension → runtime: a subframe went away ([`FrameGone`]).
pub const FRAME_DESTROYED: &str = "webpane.frame-destroyed";
/// Runtime → extension: run a script in a frame ([`FrameScript`]); the reply carries a
/// [`ScriptOutcome`] under the same name.
pub const FRAME_SCRIPT: &str = "webpane.frame-script";

/// Extension → runtime: a page's `chrome.webview.postMessage`. The parameters are not JSON but
/// a GVariant tuple `(tbss)`: the sending frame's WebKit id, whether it is the main frame, the
/// frame's document URI, and the message (JSON made by the page). The frame and URI come from
/// the `WebKitFrame` whose script context called (the extension binds a native function to each
/// frame's window before any page script runs), never from anything page script can reach.
pub const WEB_MESSAGE: &str = "webpane.web-message";
/// Extension → runtime: a page's use of `chrome.webview.hostObjects` (a call, a property read or
/// write, a release). Parameters as for [`WEB_MESSAGE`]; the JSON is the host object request.
pub const HOST_OBJECT_CALL: &str = "webpane.host-object-call";
/// Extension → runtime: a dedicated worker of a page was created, posted a message, or went away
/// (`chrome.webview` in workers). Parameters as for [`WEB_MESSAGE`]; the JSON is the page shim's
/// envelope (`{"worker": n, "event": "created" | "message" | "destroyed", …}`).
pub const WORKER_EVENT: &str = "webpane.worker-event";
/// The GVariant type of [`WEB_MESSAGE`]'s parameters.
pub const WEB_MESSAGE_TYPE: &str = "(tbss)";
/// Extension → runtime: what a page's frames sent since the web process's last main-loop turn,
/// in the order they sent it, as one message: each entry is the name of the single message it
/// stands for ([`WEB_MESSAGE`], [`HOST_OBJECT_CALL`] or [`WORKER_EVENT`]) and that message's
/// parameters. One WebKit message per turn instead of one per `postMessage`.
pub const PAGE_MESSAGES: &str = "webpane.page-messages";
/// The GVariant type of [`PAGE_MESSAGES`]'s parameters.
pub const PAGE_MESSAGES_TYPE: &str = "a(stbss)";
/// Runtime → extension: web messages from the app to a page's main frame, in order: the view's
/// `chrome.webview` token and the messages' JSON texts (`(sas)`). The extension hands each to
/// the main frame's `message` listeners by calling the shim directly (no script text to parse,
/// no result to send back). No reply.
pub const WEB_MESSAGES_TO_PAGE: &str = "webpane.web-messages-to-page";
/// Extension → runtime: the direct channel of the page's new main-frame document (the message's
/// only fd, the app's end; see [`crate::protocol::PageToApp`]). Parameters: `"{}"`.
pub const DOCUMENT_CHANNEL: &str = "webpane.document-channel";
/// Runtime → extension: the view's `chrome.webview` token, for the page's direct channels
/// (`s`); sent when the runtime has a channel of the page. No reply.
pub const CHANNEL_TOKEN: &str = "webpane.channel-token";
/// Extension → runtime: a page fence (`t`), for the app (`RuntimeMessage::PageFence`), which
/// answers on the page's direct channel.
pub const PAGE_FENCE: &str = "webpane.page-fence";
/// Runtime → extension: an app's fence (`t`): the extension answers on the page's direct
/// channel once it has handled everything before it. No reply.
pub const FENCE: &str = "webpane.fence";
/// Runtime → extension: this many of the main frame's page messages have left for the app
/// (flow control, see the `chrome.webview` shim): the view's token and the count (`(su)`). No
/// reply.
pub const ACKNOWLEDGED: &str = "webpane.acknowledged";
/// The GVariant type of [`WEB_MESSAGES_TO_PAGE`]'s parameters.
pub const WEB_MESSAGES_TO_PAGE_TYPE: &str = "(sas)";

/// Runtime → extension: release the memory the web process can spare, as WebKit does under
/// memory pressure (`MemoryUsageTargetLevel` Low, and before a suspension). Parameters: `"{}"`.
/// The reply carries a [`MemoryReleased`] under the same name, once it is done.
pub const RELEASE_MEMORY: &str = "webpane.release-memory";

/// How a web process released memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MemoryReleased {
    /// Through WebKit's own memory-pressure handler (caches, a full garbage collection, free
    /// pages given back), then the C library's.
    Engine,
    /// WebKit's handler is not there in this build: only the C library's free memory was given
    /// back.
    LibcOnly,
}

/// A frame as the extension sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrameInfo {
    /// WebKit's frame id (unique within the web process).
    pub frame: u64,
    /// The frame's document URI.
    pub uri: String,
    /// The frame's name (`<iframe name>`, `window.name`).
    pub name: String,
}

/// A frame that went away.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrameGone {
    /// WebKit's frame id.
    pub frame: u64,
}

/// A script to run in one frame's page world.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrameScript {
    /// WebKit's frame id (`None`: the page's main frame).
    pub frame: Option<u64>,
    /// The script.
    pub script: String,
}

/// The outcome of a [`FrameScript`]: the result as JSON, the exception, or why it did not run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ScriptOutcome {
    /// JSON of the result (`null` for undefined).
    Ok(String),
    /// It threw.
    Threw(crate::protocol::script::ScriptException),
    /// Why it did not run (no such frame).
    Err(String),
}

/// Runtime → extension: give a frame's page a shared buffer ([`SharedBufferPost`], with the
/// memfd as the message's only fd); the reply carries a [`Delivery`] under the same name.
pub const SHARED_BUFFER: &str = "webpane.shared-buffer";
/// Extension → runtime: a page let go of a shared buffer ([`BufferGone`]): released, its frame
/// navigated or went away, or the page closed.
pub const BUFFER_RELEASED: &str = "webpane.buffer-released";

/// A shared buffer for a page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedBufferPost {
    /// The runtime's id of the post (unique within the view).
    pub buffer: u64,
    /// The frame, or `None` for the main frame.
    pub frame: Option<u64>,
    /// The buffer's size in bytes.
    pub size: u64,
    /// Whether the page gets it read-only (the fd is then `O_RDONLY`).
    pub read_only: bool,
    /// JSON for the event's `additionalData`.
    pub additional_data: Option<String>,
    /// The view's `chrome.webview` token.
    pub token: String,
}

/// Whether a page received a shared buffer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Delivery {
    /// The page's `sharedbufferreceived` listeners ran.
    Delivered,
    /// Why not.
    Failed(String),
}

/// A shared buffer a page no longer holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BufferGone {
    /// The runtime's id of the post.
    pub buffer: u64,
}

/// Runtime → extension: a web message with open files for a frame's `message` listeners
/// ([`FilesPost`], with the files as the message's fds, in order); the reply carries a
/// [`Delivery`] under the same name.
pub const FILES_TO_PAGE: &str = "webpane.files-to-page";
/// Extension → runtime: a page's `chrome.webview.postMessageWithAdditionalObjects`. Parameters as
/// for [`WEB_MESSAGE`] plus a fifth string, the JSON of the files' [`PageFileInfo`]s (`(tbsss)`);
/// the files' contents are the message's fds (sealed memfds), in order.
pub const WEB_MESSAGE_WITH_FILES: &str = "webpane.web-message-with-files";
/// The GVariant type of [`WEB_MESSAGE_WITH_FILES`]'s parameters.
pub const WEB_MESSAGE_WITH_FILES_TYPE: &str = "(tbsss)";

/// How a page may use a file the app gave it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PageFileAccess {
    /// `getFile()` only.
    Read,
    /// `createWritable()` only.
    Write,
    /// Both.
    ReadWrite,
}

/// A file given to a page: its name (for `handle.name`, never a path) and its access.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageFileInfo {
    /// The name the page sees.
    pub name: String,
    /// App → page: what the page may do with it.
    pub access: PageFileAccess,
    /// Page → app: the file's MIME type (`File.type`), if the page knew it.
    pub mime: String,
}

/// A web message with files for a frame.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilesPost {
    /// The frame, or `None` for the main frame.
    pub frame: Option<u64>,
    /// The message (JSON).
    pub json: String,
    /// The files, in the order of the message's fds.
    pub files: Vec<PageFileInfo>,
    /// The view's `chrome.webview` token.
    pub token: String,
}

/// Runtime → extension: files dragged over the page from another program, or dropped on it
/// ([`DraggedFiles`]). WebKitGTK gives a page's drag events the drag's types but never its
/// files; the extension's part of the page's document (`drops.js`) shows them as `Files` while
/// they are dragged and gives the `drop` listeners `File`s read from the message's fds
/// (read-only, in order, on [`DragPhase::Dropped`] only).
pub const DRAGGED_FILES: &str = "webpane.dragged-files";

/// Where a drag of files is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DragPhase {
    /// Files are dragged over the view: their names and types only.
    Entered,
    /// The drag moved (only for [`DRAG_AT`]).
    Over,
    /// The drag left the view, or its drop is over: what the extension holds of it goes.
    Left,
    /// The files were dropped: they are the message's fds.
    Dropped,
}

/// One file of a drag, as the page sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraggedFile {
    /// `File.name` (a name, never a path).
    pub name: String,
    /// `File.type`: its MIME type, or empty.
    pub mime: String,
}

/// Files dragged over or dropped on a page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraggedFiles {
    /// Where the drag is.
    pub phase: DragPhase,
    /// The files (none on [`DragPhase::Left`]).
    pub files: Vec<DraggedFile>,
}

/// Runtime → extension: a drag the app forwards ([`DragAt`]; on [`DragPhase::Dropped`] the
/// message's fds are the files, read-only, in order). The extension's `drops.js` dispatches the
/// page's drag events itself at the point, in the main frame's document (WebKitGTK has no way
/// to drag data into a page but a display server's drag); the reply, under the same name, is
/// the JSON of the page's `dropEffect` (`"none"`, `"copy"`, `"move"` or `"link"`).
pub const DRAG_AT: &str = "webpane.drag-at";

/// A drag the app forwards, where it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DragAt {
    /// Entered, over, left or dropped.
    pub phase: DragPhase,
    /// The files it carries (on entering and dropping).
    pub files: Vec<DraggedFile>,
    /// The text it carries, if any.
    pub text: Option<String>,
    /// Where, in CSS pixels of the main frame's viewport.
    pub x: f64,
    /// Where, vertically.
    pub y: f64,
}

/// Runtime → extension: the http(s) hosts whose requests the runtime's proxy intercepts for
/// `WebResourceRequested` (a JSON list of host names, the whole set each time). The extension
/// marks every request of a page to one of these hosts with [`PAGE_HEADER`]; the same list is
/// the web process's initialization data (`{"intercepted_hosts": [...]}`) when it starts.
pub const INTERCEPTED_HOSTS: &str = "webpane.intercepted-hosts";
/// The request header naming the page that made a request to an intercepted host: its WebKit
/// page id and the runtime's secret ([`page_mark`]). Set (or removed) by the extension on every
/// request a page sends; the runtime's proxy believes only a value with its secret, and removes
/// the header before anything else sees the request. Requests no page sends (a service worker's,
/// say) cannot carry the secret: script never sees it.
pub const PAGE_HEADER: &str = "X-Webpane-Page";

/// The value of [`PAGE_HEADER`] for page `page` with the runtime's `secret`.
pub fn page_mark(page: u64, secret: &str) -> String {
    format!("{page}.{secret}")
}

/// The page a [`PAGE_HEADER`] value names, if it carries `secret` (compared in constant time for
/// equal lengths).
pub fn page_of_mark(value: &str, secret: &str) -> Option<u64> {
    let (page, given) = value.trim().split_once('.')?;
    let same =
        given.len() == secret.len() && given.bytes().zip(secret.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0;
    if !same || secret.is_empty() {
        return None;
    }
    page.parse().ok()
}

/// The request header that marks a navigation made with a method other than GET or a body
/// (`NavigateWithRequest`): its value names the method and body the runtime's proxy puts in
/// before the request goes on. Removed by the proxy, whatever its value.
pub const REQUEST_HEADER: &str = "X-Webpane-Request";

/// The web process extension's initialization data (the JSON of a GVariant string).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct InitData {
    /// See [`INTERCEPTED_HOSTS`].
    #[serde(default)]
    pub intercepted_hosts: Vec<String>,
    /// The secret of [`PAGE_HEADER`] values (random, one per browser process).
    #[serde(default)]
    pub page_mark_secret: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_marks_are_believed_only_with_the_secret() {
        let mark = page_mark(7, "s3cret");
        assert_eq!(page_of_mark(&mark, "s3cret"), Some(7));
        assert_eq!(page_of_mark(" 7.s3cret ", "s3cret"), Some(7));
        for forged in ["7", "7.", "7.s3cre", "7.s3cret2", "7.S3CRET", "x.s3cret", ""] {
            assert_eq!(page_of_mark(forged, "s3cret"), None, "{forged:?}");
        }
        assert_eq!(page_of_mark("7.", ""), None, "no secret: nothing is believed");
    }
}
