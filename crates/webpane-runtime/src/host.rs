//! What a view needs from the runtime around it: the one way a view talks to the server.

use std::collections::BTreeSet;

use webpane_ipc::Outgoing;
use webpane_ipc::protocol::{CloseReason, RuntimeMessage, WebViewId};

/// What a view needs from the runtime around it.
pub trait Host {
    /// Sends a message to the app that owns the view (never blocks).
    fn send(&self, message: RuntimeMessage) {
        self.send_with_fds(message, Outgoing::new());
    }
    /// Sends a message with fds to the app that owns the view (never blocks).
    fn send_with_fds(&self, message: RuntimeMessage, fds: Outgoing<'static>);
    /// Runs `f` once everything sent so far has left for the app's socket.
    fn when_sent(&self, f: Box<dyn FnOnce()>);
    /// Rescans the runtime's children and tells apps if they changed.
    fn refresh_children(&self);
    /// The children known before the last rescan.
    fn known_children(&self) -> BTreeSet<u32>;
    /// Whether the app that owns the view is still connected.
    fn connected(&self) -> bool;
    /// The view's window went away under it (reported to the app, the view destroyed).
    fn view_closed(&self, id: WebViewId, reason: CloseReason);
    /// The WebKit view of the app's view `id`, if it exists and was created for `opener`.
    fn view_opened_by(&self, id: WebViewId, opener: WebViewId) -> Option<webkit2gtk::WebView>;
}
