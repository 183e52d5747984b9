//! [`DedicatedWorker`]: a dedicated worker of a webview's page or of one of its iframes
//! (WebView2's `CoreWebView2DedicatedWorker`): its script, web messages both ways, its end.

use std::cell::Cell;
use std::marker::PhantomData;
use std::rc::Rc;

use webpane_ipc::protocol::AppMessage;

use crate::error::{Error, Result};
use crate::events::WebMessageReceivedEventArgs;
use crate::handlers::EventTable;
use crate::objects::{DedicatedWorker, WebView, WorkerInner};

/// A webview's dedicated workers that are still there, by their document's frame (`None`: the
/// top-level document) and number: only this module reads or changes the table.
#[derive(Default)]
pub(crate) struct WorkerTable(std::cell::RefCell<std::collections::HashMap<(Option<u64>, u64), DedicatedWorker>>);

impl WebView {
    /// This webview's dedicated workers.
    pub(crate) fn workers(&self) -> Rc<WorkerTable> {
        self.inner.features.get()
    }
}

impl WorkerTable {
    /// The worker `key`, if it is still there.
    pub(crate) fn get(&self, key: (Option<u64>, u64)) -> Option<DedicatedWorker> {
        self.0.borrow().get(&key).cloned()
    }

    /// A new worker.
    pub(crate) fn insert(&self, key: (Option<u64>, u64), worker: DedicatedWorker) {
        self.0.borrow_mut().insert(key, worker);
    }

    /// The worker `key` is gone.
    pub(crate) fn remove(&self, key: (Option<u64>, u64)) -> Option<DedicatedWorker> {
        self.0.borrow_mut().remove(&key)
    }

    /// The workers of the documents `gone` picks (by frame) are gone.
    pub(crate) fn take_where(&self, gone: impl Fn(Option<u64>) -> bool) -> Vec<DedicatedWorker> {
        let mut all = self.0.borrow_mut();
        let keys: Vec<_> = all.keys().filter(|(frame, _)| gone(*frame)).copied().collect();
        keys.into_iter().filter_map(|k| all.remove(&k)).collect()
    }

    /// Every worker is gone (the view closed).
    pub(crate) fn take_all(&self) -> Vec<DedicatedWorker> {
        self.take_where(|_| true)
    }
}

/// Arguments of [`WebView::on_dedicated_worker_created`] and
/// [`Frame::on_dedicated_worker_created`](crate::Frame::on_dedicated_worker_created).
#[derive(Debug, Clone)]
pub struct DedicatedWorkerCreatedEventArgs {
    pub(crate) worker: DedicatedWorker,
    pub(crate) _ui_thread: PhantomData<Rc<()>>,
}

impl DedicatedWorkerCreatedEventArgs {
    /// The new worker.
    #[doc(alias = "Worker")]
    pub fn worker(&self) -> &DedicatedWorker {
        &self.worker
    }

    /// The URI of the document that created it.
    #[doc(alias = "OriginalSourceFrameInfo")]
    pub fn source(&self) -> String {
        self.worker
            .inner
            .webview
            .upgrade()
            .map(|inner| WebView { inner })
            .map(|w| match self.worker.inner.frame {
                None => w.source(),
                Some(frame) => w.frames().get(frame).map(|f| f.source()).unwrap_or_default(),
            })
            .unwrap_or_default()
    }
}

/// Arguments of [`DedicatedWorker::on_destroying`].
#[derive(Debug, Clone)]
pub struct DedicatedWorkerDestroyingEventArgs {
    pub(crate) _ui_thread: PhantomData<Rc<()>>,
}

impl DedicatedWorker {
    pub(crate) fn new(webview: &WebView, frame: Option<u64>, id: u64, script_uri: String, name: String) -> Self {
        DedicatedWorker {
            inner: Rc::new(WorkerInner {
                webview: Rc::downgrade(&webview.inner),
                frame,
                id,
                script_uri,
                name,
                destroyed: Cell::new(false),
                events: EventTable::default(),
            }),
        }
    }

    /// The URI of the worker's script (absolute).
    #[doc(alias = "ScriptUri")]
    pub fn script_uri(&self) -> &str {
        &self.inner.script_uri
    }

    /// The name given to `new Worker(uri, { name })` (empty when none).
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// The iframe whose document created it (`None`: the top-level document).
    pub fn frame_id(&self) -> Option<u64> {
        self.inner.frame
    }

    /// Whether the worker is gone.
    pub fn is_destroyed(&self) -> bool {
        self.inner.destroyed.get()
    }

    /// Posts `json` to the worker's `chrome.webview` `message` listeners (`event.data` is the
    /// parsed value). [`Error::InvalidArgument`] if it is not JSON.
    #[doc(alias = "PostWebMessageAsJson")]
    pub fn post_web_message_as_json(&self, json: &str) -> Result<()> {
        serde_json::from_str::<serde::de::IgnoredAny>(json)
            .map_err(|e| Error::InvalidArgument(format!("not JSON: {e}")))?;
        if self.inner.destroyed.get() {
            return Err(Error::Closed);
        }
        let webview = self
            .inner
            .webview
            .upgrade()
            .map(|inner| WebView { inner })
            .ok_or(Error::Closed)?;
        webview.request(AppMessage::PostWorkerMessage {
            id: webview.inner.id,
            frame: self.inner.frame,
            worker: self.inner.id,
            json: json.to_owned(),
        })
    }

    /// Posts a string: `event.data` is that string.
    #[doc(alias = "PostWebMessageAsString")]
    pub fn post_web_message_as_string(&self, message: &str) -> Result<()> {
        let json = serde_json::to_string(message).map_err(|e| Error::InvalidArgument(e.to_string()))?;
        self.post_web_message_as_json(&json)
    }

    crate::handlers::event_methods! { DedicatedWorker {
        /// the worker posted a message with `self.chrome.webview.postMessage` (register it in the
        /// `DedicatedWorkerCreated` handler to miss none).
        on_web_message_received, remove_web_message_received, WebMessageReceivedEventArgs, "add_WebMessageReceived", "remove_WebMessageReceived";
        /// the worker went away (terminated, closed itself, or its document went away).
        on_destroying, remove_destroying, DedicatedWorkerDestroyingEventArgs, "add_Destroying", "remove_Destroying";
    }}

    pub(crate) fn raise_web_message(&self, args: &WebMessageReceivedEventArgs) {
        self.inner.events.raise(self, args);
    }

    /// Marks the worker gone and tells its handlers (once).
    pub(crate) fn destroy(&self) {
        if !self.inner.destroyed.replace(true) {
            let args = DedicatedWorkerDestroyingEventArgs {
                _ui_thread: PhantomData,
            };
            self.inner.events.raise(self, &args);
        }
    }
}

/// The page shim's envelope of a worker event (page-made JSON: anything malformed is dropped).
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Envelope {
    pub(crate) worker: u64,
    pub(crate) event: String,
    #[serde(default)]
    pub(crate) script_uri: String,
    #[serde(default)]
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) message: Option<String>,
}
