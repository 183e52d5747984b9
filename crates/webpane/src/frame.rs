//! [`Frame`]: an iframe of a webview's page (WebView2's `CoreWebView2Frame`).

use std::marker::PhantomData;
use std::rc::Rc;

use crate::error::{Error, Result};
use crate::events::{
    ContentLoadingEventArgs, DomContentLoadedEventArgs, NavigationCompletedEventArgs, WebMessageReceivedEventArgs,
};
use crate::objects::{Frame, WebView};
use crate::operation::Operation;

/// A webview's iframes that are still there, by id: only this module reads or changes the
/// table.
#[derive(Default)]
pub(crate) struct FrameTable(std::cell::RefCell<std::collections::HashMap<u64, Frame>>);

impl WebView {
    /// This webview's iframes.
    pub(crate) fn frames(&self) -> Rc<FrameTable> {
        self.inner.features.get()
    }
}

impl FrameTable {
    /// The frame `id`, if it is still there.
    pub(crate) fn get(&self, id: u64) -> Option<Frame> {
        self.0.borrow().get(&id).cloned()
    }

    /// A new frame.
    pub(crate) fn insert(&self, frame: Frame) {
        self.0.borrow_mut().insert(frame.inner.id, frame);
    }

    /// The frame `id` is gone.
    pub(crate) fn remove(&self, id: u64) -> Option<Frame> {
        self.0.borrow_mut().remove(&id)
    }

    /// Every frame is gone (the view closed).
    pub(crate) fn take_all(&self) -> Vec<Frame> {
        self.0.borrow_mut().drain().map(|(_, f)| f).collect()
    }
}

/// Arguments of [`WebView::on_frame_created`](crate::WebView::on_frame_created).
#[derive(Debug, Clone)]
pub struct FrameCreatedEventArgs {
    pub(crate) frame: Frame,
    pub(crate) _ui_thread: PhantomData<Rc<()>>,
}

impl FrameCreatedEventArgs {
    /// The new frame.
    pub fn frame(&self) -> &Frame {
        &self.frame
    }
}

/// Arguments of [`Frame::on_destroyed`].
#[derive(Debug, Clone)]
pub struct FrameDestroyedEventArgs {
    pub(crate) _ui_thread: PhantomData<Rc<()>>,
}

impl Frame {
    /// The frame's id, unique within its webview.
    pub fn id(&self) -> u64 {
        self.inner.id
    }

    /// The frame's name (the iframe's `name` attribute) when it was created.
    #[doc(alias = "Name")]
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// The URI of the frame's document (as of the last report).
    pub fn source(&self) -> String {
        self.inner.source.borrow().clone()
    }

    /// Whether the frame is gone.
    #[doc(alias = "IsDestroyed")]
    pub fn is_destroyed(&self) -> bool {
        self.inner.destroyed.get()
    }

    /// Runs `script` in this frame and completes with the JSON of its result, like
    /// [`WebView::execute_script`](crate::WebView::execute_script).
    #[doc(alias = "ExecuteScriptAsync")]
    pub fn execute_script(&self, script: &str) -> Operation<String> {
        match self.webview() {
            Ok(webview) => webview.execute_script_in(Some(self.inner.id), script),
            Err(e) => Operation::ready(Err(e)),
        }
    }

    /// Posts `json` to this frame's `chrome.webview` `message` listeners.
    #[doc(alias = "PostWebMessageAsJson")]
    pub fn post_web_message_as_json(&self, json: &str) -> Result<()> {
        self.webview()?.post_web_message_to(Some(self.inner.id), json)
    }

    /// Posts any serializable value to this frame's `chrome.webview` `message` listeners.
    #[doc(alias = "PostWebMessageAsJson")]
    pub fn post_web_message<T: serde::Serialize + ?Sized>(&self, message: &T) -> Result<()> {
        self.webview()?
            .post_web_message_to(Some(self.inner.id), &crate::events::to_json(message)?)
    }

    /// Posts a string to this frame's `chrome.webview` `message` listeners.
    #[doc(alias = "PostWebMessageAsString")]
    pub fn post_web_message_as_string(&self, message: &str) -> Result<()> {
        let json = serde_json::to_string(message).map_err(|e| Error::InvalidArgument(e.to_string()))?;
        self.webview()?.post_web_message_to(Some(self.inner.id), &json)
    }

    /// Gives this frame's document a shared buffer, like
    /// [`WebView::post_shared_buffer_to_script`](crate::WebView::post_shared_buffer_to_script).
    pub fn post_shared_buffer_to_script(
        &self,
        buffer: &webpane_ipc::SharedBuffer,
        access: crate::shared_buffers::SharedBufferAccess,
        additional_data_json: Option<&str>,
    ) -> Result<crate::shared_buffers::SharedBufferPost> {
        self.webview()?
            .post_shared_buffer_to(Some(self.inner.id), buffer, access, additional_data_json)
    }

    crate::handlers::event_methods! { Frame {
        /// the frame's document went away (the iframe was removed, the page navigated elsewhere,
        /// or the render process exited).
        on_destroyed, remove_destroyed, FrameDestroyedEventArgs, "add_Destroyed", "remove_Destroyed";
        /// this frame's document started a dedicated worker (`new Worker(…)`).
        on_dedicated_worker_created, remove_dedicated_worker_created, crate::worker::DedicatedWorkerCreatedEventArgs, "add_DedicatedWorkerCreated", "remove_DedicatedWorkerCreated";
        /// this frame's document posted a message with `chrome.webview.postMessage`. As in
        /// WebView2 they come here only: the webview's own handlers get the top-level document's
        /// messages. Register it in the `FrameCreated` handler to miss none of the frame's messages.
        on_web_message_received, remove_web_message_received, WebMessageReceivedEventArgs, "add_WebMessageReceived", "remove_WebMessageReceived";
        /// a new document arrived in the frame (its navigation id is the one of the webview's
        /// NavigationStarting that allowed it, when WebKit asked).
        on_content_loading, remove_content_loading, ContentLoadingEventArgs, "add_ContentLoading", "remove_ContentLoading";
        /// the frame's document fired DOMContentLoaded.
        on_dom_content_loaded, remove_dom_content_loaded, DomContentLoadedEventArgs, "add_DOMContentLoaded", "remove_DOMContentLoaded";
        /// the frame's document loaded.
        on_navigation_completed, remove_navigation_completed, NavigationCompletedEventArgs, "add_NavigationCompleted", "remove_NavigationCompleted";
    }}

    /// A stage of the frame's navigation (from the browser process).
    pub(crate) fn navigation_event(&self, navigation_id: u64, stage: webpane_ipc::protocol::FrameStage) {
        use webpane_ipc::protocol::FrameStage;
        match stage {
            FrameStage::ContentLoading => self
                .inner
                .events
                .raise(self, &ContentLoadingEventArgs::new(navigation_id)),
            FrameStage::DomContentLoaded => self
                .inner
                .events
                .raise(self, &DomContentLoadedEventArgs::new(navigation_id)),
            FrameStage::Completed => self
                .inner
                .events
                .raise(self, &NavigationCompletedEventArgs::new(navigation_id, true, None, 0)),
        }
    }

    pub(crate) fn navigated(&self, source: String) {
        self.inner.source.replace(source);
    }

    pub(crate) fn raise_web_message(&self, args: &WebMessageReceivedEventArgs) {
        self.inner.events.raise(self, args);
    }

    /// Marks the frame gone and tells its handlers (once).
    pub(crate) fn destroy(&self) {
        if !self.inner.destroyed.replace(true) {
            self.raise_destroyed();
        }
    }

    /// Raises Destroyed (the frame is marked destroyed already).
    pub(crate) fn raise_destroyed(&self) {
        let args = FrameDestroyedEventArgs {
            _ui_thread: PhantomData,
        };
        self.inner.events.raise(self, &args);
    }
}
