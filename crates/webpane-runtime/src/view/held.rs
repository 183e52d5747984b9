//! The WebKit requests of a view waiting for the app's decision (see `policy.rs`).

use std::cell::{Cell, RefCell};
use std::collections::HashMap;

/// A WebKit request waiting for the app.
pub(super) enum Held {
    Authentication(webkit2gtk::AuthenticationRequest),
    Dialog(webkit2gtk::ScriptDialog),
    Permission(webkit2gtk::PermissionRequest),
    ExternalUri(String),
    ContextMenu(HeldMenu),
    Certificate {
        certificate: gio::TlsCertificate,
        host: String,
        uri: String,
    },
}

/// A context menu waiting for the app.
pub(super) struct HeldMenu {
    pub(super) event: gtk::gdk::Event,
    /// WebKit's actions, by item id.
    pub(super) actions: Vec<Option<gio::Action>>,
    /// WebKit's items, as offered.
    pub(super) items: Vec<webpane_ipc::protocol::MenuItem>,
}

/// The requests of one view waiting for the app.
#[derive(Default)]
pub(super) struct Policy {
    next: Cell<u64>,
    held: RefCell<HashMap<u64, Held>>,
}

impl Policy {
    pub(super) fn hold(&self, held: Held) -> u64 {
        let request = self.next.get() + 1;
        self.next.set(request);
        self.held.borrow_mut().insert(request, held);
        request
    }

    /// Takes a held request out (the app answered it).
    pub(super) fn take(&self, request: u64) -> Option<Held> {
        self.held.borrow_mut().remove(&request)
    }
}
