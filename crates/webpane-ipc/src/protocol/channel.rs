//! The direct channel between an app and the web process of one of its views' documents.
//!
//! webpane's web process extension opens one per main-frame document (a `SOCK_SEQPACKET` pair,
//! framed like every connection) and hands one end to the runtime, which gives it to the app
//! that owns the view ([`RuntimeMessage::PageChannel`](super::RuntimeMessage::PageChannel)). The
//! main frame's web messages then go between the app and the page without the runtime in the
//! path; everything else (frames, navigation, lifecycle, security decisions) stays with the
//! runtime.
//!
//! Order with what goes through the runtime:
//! - the extension reads everything the app wrote on the channel before it handles anything the
//!   runtime sent it, and the app reads everything the page wrote before it handles anything the
//!   runtime sent about the view (what was written first is handled first);
//! - after the app sent the runtime anything else for the view, its web messages go through the
//!   runtime too, until a fence ([`AppMessage::Fence`](super::AppMessage::Fence)) has come back
//!   on the channel ([`PageToApp::FenceReached`]): then everything sent before it has reached the
//!   page;
//! - the same the other way: after the extension told the runtime anything the app will hear of
//!   (a released buffer, a frame's event), the page's messages go through the runtime until a page
//!   fence ([`RuntimeMessage::PageFence`](super::RuntimeMessage::PageFence), answered with
//!   [`AppToPage::FenceReached`]) has come back.
//!
//! The app trusts nothing on a channel: a web process runs untrusted content. What arrives is
//! checked like anything else from a page (JSON text, files by content), and a channel that
//! says anything malformed is closed.

use serde::{Deserialize, Serialize};

use crate::wire::FdRef;

/// From the page (its main frame) to the app.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum PageToApp {
    /// `chrome.webview.postMessage`: the document's URI and the JSON.
    WebMessage {
        /// The sending document's URI.
        source: String,
        /// The message as JSON.
        json: String,
    },
    /// A `chrome.webview.hostObjects` request (JSON as in `RuntimeMessage::HostObjectCall`).
    HostObjectCall {
        /// The sending document's URI.
        source: String,
        /// The request as JSON.
        json: String,
    },
    /// A dedicated worker's event (JSON as in `RuntimeMessage::WorkerEvent`).
    WorkerEvent {
        /// The sending document's URI.
        source: String,
        /// The envelope as JSON.
        json: String,
    },
    /// `chrome.webview.postMessageWithAdditionalObjects`: files as attached sealed memfds.
    WebMessageWithFiles {
        /// The sending document's URI.
        source: String,
        /// The message as JSON.
        json: String,
        /// Each file's contents and what the page said of it.
        files: Vec<(FdRef, crate::webext::PageFileInfo)>,
    },
    /// Everything the runtime sent the page before fence `n` has been handled there.
    FenceReached(u64),
}

/// From the app to the page (its main frame).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum AppToPage {
    /// A web message (JSON text) for the `message` listeners.
    WebMessage(String),
    /// Web messages (JSON texts, in order) for the `message` listeners.
    WebMessages(Vec<String>),
    /// The app has handled everything the runtime passed on from the page before page fence
    /// `n` ([`RuntimeMessage::PageFence`](super::RuntimeMessage::PageFence)).
    FenceReached(u64),
}
