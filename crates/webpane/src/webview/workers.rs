//! Dedicated workers' events, as the page's `chrome.webview` shim reports them.

use std::marker::PhantomData;

use crate::events::WebMessageReceivedEventArgs;
use crate::objects::{DedicatedWorker, WebView};
use crate::worker::{DedicatedWorkerCreatedEventArgs, Envelope};

impl WebView {
    /// A worker of the top-level document (`frame`: `None`) or of an iframe was created, posted
    /// a message, or went away.
    pub(crate) fn worker_event(&self, frame: Option<u64>, source: String, json: &str) {
        let Ok(envelope) = serde_json::from_str::<Envelope>(json) else {
            log::debug!("a malformed worker event was dropped");
            return;
        };
        let key = (frame, envelope.worker);
        match envelope.event.as_str() {
            "created" => {
                let owner = match frame {
                    None => None,
                    Some(id) => match self.frames().get(id) {
                        Some(frame) => Some(frame),
                        None => return,
                    },
                };
                let worker = DedicatedWorker::new(self, frame, envelope.worker, envelope.script_uri, envelope.name);
                self.workers().insert(key, worker.clone());
                let args = DedicatedWorkerCreatedEventArgs {
                    worker,
                    _ui_thread: PhantomData,
                };
                match owner {
                    None => self.inner.events.raise(self, &args),
                    Some(frame) => frame.inner.events.raise(&frame, &args),
                }
            }
            "message" => {
                let worker = self.workers().get(key);
                if let (Some(worker), Some(message)) = (worker, envelope.message) {
                    if serde_json::from_str::<serde::de::IgnoredAny>(&message).is_err() {
                        return;
                    }
                    let frame = frame.and_then(|id| self.frames().get(id));
                    let args = WebMessageReceivedEventArgs::new(source, message, frame, Default::default());
                    worker.raise_web_message(&args);
                }
            }
            "destroyed" => {
                let worker = self.workers().remove(key);
                if let Some(worker) = worker {
                    worker.destroy();
                }
            }
            _ => log::debug!("an unknown worker event was dropped"),
        }
    }

    /// The workers of the documents `gone` picks (by frame) went with them.
    pub(crate) fn workers_gone(&self, gone: impl Fn(Option<u64>) -> bool) {
        for worker in self.workers().take_where(gone) {
            worker.destroy();
        }
    }
}
