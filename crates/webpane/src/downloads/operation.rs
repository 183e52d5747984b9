//! One download as the app follows it (WebView2's `CoreWebView2DownloadOperation`), and a
//! webview's table of them.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::marker::PhantomData;
use std::path::PathBuf;
use std::rc::Rc;

use webpane_ipc::protocol::{DownloadInfo, DownloadProgress};

use crate::error::Result;
use crate::handlers::EventTable;

/// Where a download stands (WebView2's `CoreWebView2DownloadState`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DownloadState {
    /// Bytes are arriving (or the app has not decided yet).
    InProgress,
    /// Stopped: cancelled or failed ([`DownloadOperation::interrupt_reason`] says why).
    Interrupted,
    /// Written whole at [`DownloadOperation::result_file_path`].
    Completed,
}

pub(super) struct DownloadInner {
    /// Asks the browser process to cancel it.
    pub(super) cancel: Box<dyn Fn() -> Result<()>>,
    pub(super) id: u64,
    pub(super) info: DownloadInfo,
    pub(super) received: Cell<u64>,
    pub(super) total: Cell<Option<u64>>,
    pub(super) state: Cell<DownloadState>,
    pub(super) reason: RefCell<Option<String>>,
    pub(super) path: RefCell<PathBuf>,
    pub(super) events: EventTable<DownloadOperation>,
}

/// One download (WebView2's `CoreWebView2DownloadOperation`). `!Send`; a cheap handle.
#[derive(Clone)]
pub struct DownloadOperation {
    pub(super) inner: Rc<DownloadInner>,
}

impl std::fmt::Debug for DownloadOperation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DownloadOperation")
            .field("uri", &self.inner.info.uri)
            .field("state", &self.inner.state.get())
            .field("received", &self.inner.received.get())
            .finish()
    }
}

/// Arguments of [`DownloadOperation::on_bytes_received_changed`].
#[derive(Debug, Clone)]
pub struct DownloadBytesReceivedChangedEventArgs {
    _ui_thread: PhantomData<Rc<()>>,
}

/// Arguments of [`DownloadOperation::on_state_changed`].
#[derive(Debug, Clone)]
pub struct DownloadStateChangedEventArgs {
    _ui_thread: PhantomData<Rc<()>>,
}

impl DownloadOperation {
    /// What is downloaded.
    #[doc(alias = "Uri")]
    pub fn uri(&self) -> &str {
        &self.inner.info.uri
    }

    /// The response's MIME type.
    #[doc(alias = "MimeType")]
    pub fn mime_type(&self) -> &str {
        &self.inner.info.mime
    }

    /// The file name the server or the page suggests.
    pub fn suggested_file_name(&self) -> &str {
        &self.inner.info.suggested_name
    }

    /// The size, when known.
    #[doc(alias = "TotalBytesToReceive")]
    pub fn total_bytes_to_receive(&self) -> Option<u64> {
        self.inner.total.get()
    }

    /// Bytes written so far.
    #[doc(alias = "BytesReceived")]
    pub fn bytes_received(&self) -> u64 {
        self.inner.received.get()
    }

    /// Where it stands.
    #[doc(alias = "State")]
    pub fn state(&self) -> DownloadState {
        self.inner.state.get()
    }

    /// Why it was interrupted (WebKit's message).
    #[doc(alias = "InterruptReason")]
    pub fn interrupt_reason(&self) -> Option<String> {
        self.inner.reason.borrow().clone()
    }

    /// The file it is written to.
    #[doc(alias = "ResultFilePath")]
    pub fn result_file_path(&self) -> PathBuf {
        self.inner.path.borrow().clone()
    }

    /// Whether an interrupted download can go on: never (WebKitGTK cannot resume).
    #[doc(alias = "CanResume")]
    pub fn can_resume(&self) -> bool {
        false
    }

    /// Cancels it (the partial file is removed by WebKit).
    #[doc(alias = "Cancel")]
    pub fn cancel(&self) -> Result<()> {
        (self.inner.cancel)()
    }

    crate::handlers::event_methods! { DownloadOperation {
        /// more bytes were written (told at most every 100 ms, and at the end).
        on_bytes_received_changed, remove_bytes_received_changed, DownloadBytesReceivedChangedEventArgs, "add_BytesReceivedChanged", "remove_BytesReceivedChanged";
        /// the download completed or was interrupted.
        on_state_changed, remove_state_changed, DownloadStateChangedEventArgs, "add_StateChanged", "remove_StateChanged";
    }}

    pub(super) fn update(&self, progress: DownloadProgress) {
        let inner = &self.inner;
        inner.total.set(progress.total.or(inner.total.get()));
        let more = inner.received.replace(progress.received) != progress.received;
        let state = match progress.state {
            webpane_ipc::protocol::DownloadState::InProgress => DownloadState::InProgress,
            webpane_ipc::protocol::DownloadState::Completed => DownloadState::Completed,
            webpane_ipc::protocol::DownloadState::Interrupted => DownloadState::Interrupted,
        };
        if progress.reason.is_some() {
            inner.reason.replace(progress.reason);
        }
        if let Some(path) = progress.path {
            inner.path.replace(PathBuf::from(path));
        }
        let changed = inner.state.replace(state) != state;
        if more {
            let args = DownloadBytesReceivedChangedEventArgs {
                _ui_thread: PhantomData,
            };
            inner.events.raise(self, &args);
        }
        if changed {
            let args = DownloadStateChangedEventArgs {
                _ui_thread: PhantomData,
            };
            inner.events.raise(self, &args);
        }
    }
}

/// A webview's downloads in progress.
#[derive(Default)]
pub(crate) struct Downloads {
    pub(super) live: RefCell<HashMap<u64, DownloadOperation>>,
}
