//! Events the browser process reports only while the app listens: the first handler switches
//! the report on, removing the last switches it off (so a view nobody listens to pays nothing,
//! and the engine's own behaviour, such as desktop notifications, comes back).

use webpane_ipc::protocol::{AppMessage, Setting};

use crate::handlers::EventToken;
use crate::objects::WebView;

impl WebView {
    /// Registers `handler` for the event whose arguments are `A`; the first one sends
    /// `setting(true)`.
    pub(crate) fn add_reported<A: 'static>(
        &self,
        setting: fn(bool) -> Setting,
        handler: impl FnMut(&WebView, &A) + 'static,
    ) -> EventToken<A> {
        if !self.inner.events.has_handlers::<A>() {
            let _ = self.request(AppMessage::UpdateSetting {
                id: self.id(),
                setting: setting(true),
            });
        }
        self.inner.events.add(handler)
    }

    /// Removes the handler of `token`; when it was the last, sends `setting(false)`. Whether it
    /// was one of this view's.
    pub(crate) fn remove_reported<A: 'static>(&self, setting: fn(bool) -> Setting, token: EventToken<A>) -> bool {
        let removed = self.inner.events.remove(token);
        if removed && !self.inner.events.has_handlers::<A>() {
            let _ = self.request(AppMessage::UpdateSetting {
                id: self.id(),
                setting: setting(false),
            });
        }
        removed
    }
}
