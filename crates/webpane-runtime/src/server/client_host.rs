//! A view's link to the server and to the app that owns it.

use std::collections::BTreeSet;
use std::rc::Weak;

use webpane_ipc::Outgoing;
use webpane_ipc::protocol::{CloseReason, RuntimeMessage, WebViewId};

use super::state::*;
use crate::host::Host;

/// A view's link to the runtime and to the app that owns it.
pub(super) struct ClientHost {
    pub(super) server: Weak<Server>,
    pub(super) client: Weak<Client>,
}

impl Host for ClientHost {
    fn send_with_fds(&self, message: RuntimeMessage, fds: Outgoing<'static>) {
        if let (Some(server), Some(client)) = (self.server.upgrade(), self.client.upgrade()) {
            server.send_with_fds(&client, &message, fds);
        }
    }

    fn when_sent(&self, f: Box<dyn FnOnce()>) {
        if let (Some(server), Some(client)) = (self.server.upgrade(), self.client.upgrade()) {
            server.when_sent(&client, f);
        }
    }

    fn refresh_children(&self) {
        if let Some(server) = self.server.upgrade() {
            server.refresh_children();
        }
    }

    fn connected(&self) -> bool {
        match (self.server.upgrade(), self.client.upgrade()) {
            (Some(server), Some(client)) => server.clients.borrow().contains_key(&client.id),
            _ => false,
        }
    }

    fn view_closed(&self, id: WebViewId, reason: CloseReason) {
        if let (Some(server), Some(client)) = (self.server.upgrade(), self.client.upgrade()) {
            server.close_view(&client, id, reason);
        }
    }

    fn view_opened_by(&self, id: WebViewId, opener: WebViewId) -> Option<webkit2gtk::WebView> {
        let client = self.client.upgrade()?;
        let views = client.views.borrow();
        let view = views.get(&id)?;
        (view.opener() == Some(opener)).then(|| view.webkit().clone())
    }

    fn known_children(&self) -> BTreeSet<u32> {
        self.server
            .upgrade()
            .map(|s| s.known_children.borrow().clone())
            .unwrap_or_default()
    }
}
