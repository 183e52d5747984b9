//! Web messages from the app to a view's main frame, sent to the web process extension
//! together.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use glib::prelude::*;
use webpane_ipc::webext;

/// Web messages from the app to a view's main frame, sent to the web process extension together:
/// everything the app posted in one main-loop turn is one WebKit message
/// ([`webext::WEB_MESSAGES_TO_PAGE`]), and the extension calls the page's listeners directly
/// (no script text per message to build and parse, no result sent back).
///
/// Order: the queue is sent before the runtime does anything else the app asked of the view
/// ([`PageOutbox::flush`], from the dispatcher), and WebKit keeps the order of messages to a
/// page.
pub struct PageOutbox {
    webview: glib::WeakRef<webkit2gtk::WebView>,
    token: String,
    queue: RefCell<Vec<String>>,
    scheduled: Cell<bool>,
}

impl PageOutbox {
    /// An empty outbox for a view's page.
    pub fn new(webview: &webkit2gtk::WebView, token: &str) -> Rc<PageOutbox> {
        Rc::new(PageOutbox {
            webview: webview.downgrade(),
            token: token.to_owned(),
            queue: RefCell::default(),
            scheduled: Cell::new(false),
        })
    }

    /// Queues a message; it leaves once the app's messages read so far are handled (the
    /// dispatcher flushes), or on the next main-loop turn.
    pub fn push(self: &Rc<Self>, json: &str) {
        self.queue.borrow_mut().push(json.to_owned());
        if self.scheduled.replace(true) {
            return;
        }
        let outbox = Rc::downgrade(self);
        glib::idle_add_local_full(glib::Priority::HIGH, move || {
            if let Some(outbox) = outbox.upgrade() {
                outbox.scheduled.set(false);
                outbox.flush();
            }
            glib::ControlFlow::Break
        });
    }

    /// Sends what is queued, now.
    pub fn flush(&self) {
        let queue = std::mem::take(&mut *self.queue.borrow_mut());
        if queue.is_empty() {
            return;
        }
        let Some(view) = self.webview.upgrade() else { return };
        let parameters = (self.token.as_str(), queue).to_variant();
        let message = webkit2gtk::UserMessage::new(webext::WEB_MESSAGES_TO_PAGE, Some(&parameters));
        crate::ffi::send_to_page_without_reply(&view, &message);
    }
}
