//! Downloads (WebView2's `DownloadStarting` and `CoreWebView2DownloadOperation`): the app says
//! where each download goes, or cancels it, and follows its progress. Without a handler every
//! download is cancelled: nothing is written.

pub(crate) mod operation;

use std::cell::{Cell, RefCell};
use std::marker::PhantomData;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use webpane_ipc::protocol::{AppMessage, DownloadInfo, DownloadProgress};

use operation::DownloadInner;
pub use operation::{
    DownloadBytesReceivedChangedEventArgs, DownloadOperation, DownloadState, DownloadStateChangedEventArgs,
};

use crate::deferral::{Answer, Deferral, Deferred};
use crate::handlers::EventTable;
use crate::objects::WebView;

/// The decision on a download, as the handlers leave it.
pub(crate) struct DownloadAnswer {
    operation: DownloadOperation,
    cancel: Cell<bool>,
    /// Sends the decision (the destination, or none: cancelled); whether it left.
    decide: Box<dyn Fn(Option<String>) -> bool>,
}

impl std::fmt::Debug for DownloadAnswer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DownloadAnswer")
            .field("operation", &self.operation)
            .finish()
    }
}

impl Answer for DownloadAnswer {
    fn send(&self) -> bool {
        let inner = &self.operation.inner;
        let destination = (!self.cancel.get()).then(|| inner.path.borrow().to_string_lossy().into_owned());
        if destination.is_none() {
            inner.state.set(DownloadState::Interrupted);
            inner.reason.replace(Some("cancelled by the app".into()));
        }
        (self.decide)(destination)
    }
}

/// Arguments of [`WebView::on_download_starting`].
#[derive(Debug)]
pub struct DownloadStartingEventArgs {
    decision: Rc<Deferred<DownloadAnswer>>,
    _ui_thread: PhantomData<Rc<()>>,
}

impl DownloadStartingEventArgs {
    /// The download.
    #[doc(alias = "DownloadOperation")]
    pub fn download_operation(&self) -> &DownloadOperation {
        &self.decision.answer.operation
    }

    /// Where it will be written: the user's download folder and the suggested name unless set.
    #[doc(alias = "ResultFilePath")]
    pub fn result_file_path(&self) -> PathBuf {
        self.download_operation().result_file_path()
    }

    /// Writes it to `path` instead (made absolute). Nothing there is replaced: when a file (or
    /// anything else) has that name once the download finishes, it takes the first free name
    /// beside it, `name (1).ext` and so on, as WebView2 does; [`DownloadOperation::result_file_path`]
    /// then says which.
    #[doc(alias = "ResultFilePath")]
    pub fn set_result_file_path(&self, path: impl AsRef<Path>) {
        let path = std::path::absolute(path.as_ref()).unwrap_or_else(|_| path.as_ref().to_owned());
        self.download_operation().inner.path.replace(path);
    }

    /// Whether it will be cancelled.
    #[doc(alias = "Cancel")]
    pub fn cancel(&self) -> bool {
        self.decision.answer.cancel.get()
    }

    /// Cancels it (nothing is written), or not.
    #[doc(alias = "Cancel")]
    pub fn set_cancel(&self, cancel: bool) {
        self.decision.answer.cancel.set(cancel);
    }

    /// Holds the download until the deferral is completed or dropped.
    #[doc(alias = "GetDeferral")]
    pub fn deferral(&self) -> Deferral {
        self.decision.deferral()
    }
}

/// The user's download folder: `$XDG_DOWNLOAD_DIR`, else `~/Downloads`.
fn download_folder() -> PathBuf {
    if let Some(dir) = std::env::var_os("XDG_DOWNLOAD_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    std::env::var_os("HOME")
        .map(|home| PathBuf::from(home).join("Downloads"))
        .unwrap_or_else(std::env::temp_dir)
}

impl WebView {
    pub(crate) fn download_starting(&self, info: DownloadInfo) {
        let name = Path::new(&info.suggested_name)
            .file_name()
            .map(|n| n.to_owned())
            .unwrap_or_else(|| "download".into());
        let (session, id, download) = (self.inner.session.clone(), self.inner.id, info.download);
        let cancel = Box::new(move || {
            let session = session.upgrade().ok_or(crate::error::Error::Closed)?;
            session.send(&AppMessage::CancelDownload { id, download })
        });
        let operation = DownloadOperation {
            inner: Rc::new(DownloadInner {
                cancel,
                id: info.download,
                total: Cell::new(info.total),
                received: Cell::new(0),
                state: Cell::new(DownloadState::InProgress),
                reason: RefCell::new(None),
                path: RefCell::new(download_folder().join(name)),
                events: EventTable::default(),
                info,
            }),
        };
        let handled = self.inner.events.has_handlers::<DownloadStartingEventArgs>();
        let session = self.inner.session.clone();
        let decide = Box::new(move |destination| {
            let message = AppMessage::DownloadDecision {
                id,
                download,
                destination,
            };
            session.upgrade().is_some_and(|s| s.send(&message).is_ok())
        });
        let decision = Deferred::new(DownloadAnswer {
            operation: operation.clone(),
            cancel: Cell::new(!handled),
            decide,
        });
        if handled {
            self.inner
                .downloads
                .live
                .borrow_mut()
                .insert(operation.inner.id, operation);
        }
        let args = DownloadStartingEventArgs {
            decision: decision.clone(),
            _ui_thread: PhantomData,
        };
        decision.raise(|| self.inner.events.raise(self, &args));
        if decision.answer.cancel.get() {
            self.inner
                .downloads
                .live
                .borrow_mut()
                .remove(&args.download_operation().inner.id);
        }
    }

    pub(crate) fn download_changed(&self, progress: DownloadProgress) {
        let id = progress.download;
        let operation = self.inner.downloads.live.borrow().get(&id).cloned();
        let Some(operation) = operation else { return };
        let done = progress.state != webpane_ipc::protocol::DownloadState::InProgress;
        operation.update(progress);
        if done {
            self.inner.downloads.live.borrow_mut().remove(&id);
        }
    }

    crate::handlers::event_methods! { WebView {
        /// the page starts a download: say where it goes (`set_result_file_path`), or cancel
        /// it; follow it with the `DownloadOperation`. Without a handler, cancelled (nothing is
        /// written).
        on_download_starting, remove_download_starting, DownloadStartingEventArgs, "add_DownloadStarting", "remove_DownloadStarting";
    }}
}
