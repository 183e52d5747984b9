//! The page's notifications (WebView2's `NotificationReceived`): when the app shows them, each
//! `new Notification(…)` of the page goes to the app instead of the desktop, the app's clicks
//! and closes reach the page (`click`, `close` events), and the page's `close()` reaches the app.

use std::rc::Rc;

use webkit2gtk::{NotificationExt, WebViewExt};
use webpane_ipc::protocol::{NotificationAction, RuntimeMessage, WebViewId};

use super::shown_notifications::Notifications;
use super::state::View;
use crate::host::Host;

impl View {
    pub(super) fn wire_notifications(&self, id: WebViewId, host: &Rc<dyn Host>) {
        let (state, host): (Rc<Notifications>, _) = (self.notifications.clone(), host.clone());
        self.webview.connect_show_notification(move |view, notification| {
            if !state.by_app.get() {
                return false;
            }
            let number = state.next.get() + 1;
            state.next.set(number);
            state.shown.borrow_mut().insert(number, notification.clone());
            {
                // The page closed it (or WebKit did): the app takes it down.
                let (state, host) = (Rc::downgrade(&state), host.clone());
                notification.connect_closed(move |_| {
                    if let Some(state) = state.upgrade()
                        && state.shown.borrow_mut().remove(&number).is_some()
                    {
                        host.send(RuntimeMessage::NotificationClosed {
                            id,
                            notification: number,
                        });
                    }
                });
            }
            let origin = view
                .uri()
                .map(|u| webpane_ipc::origin::origin_of(&u))
                .unwrap_or_else(|| "null".into());
            let text = |s: Option<glib::GString>| s.map(|s| s.to_string()).unwrap_or_default();
            host.send(RuntimeMessage::NotificationReceived {
                id,
                notification: number,
                origin,
                title: text(notification.title()),
                body: text(notification.body()),
                tag: text(notification.tag()),
            });
            true
        });
    }

    /// Whether the app shows the page's notifications.
    pub(super) fn set_app_notifications(&self, on: bool) {
        self.notifications.by_app.set(on);
    }

    /// The user acted on a notification the app shows: the page hears of it.
    pub fn notification_action(&self, number: u64, action: NotificationAction) {
        let notification = match action {
            NotificationAction::Clicked => self.notifications.shown.borrow().get(&number).cloned(),
            NotificationAction::Closed => self.notifications.shown.borrow_mut().remove(&number),
        };
        let Some(notification) = notification else {
            return;
        };
        match action {
            NotificationAction::Clicked => notification.clicked(),
            NotificationAction::Closed => notification.close(),
        }
    }
}
