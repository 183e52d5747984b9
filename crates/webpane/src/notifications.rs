//! The page's notifications, shown by the app (WebView2's `NotificationReceived` and
//! `CoreWebView2Notification`): once a handler is registered, each `new Notification(…)` of the
//! page comes to the app instead of the desktop; the app reports clicks and closes back to the
//! page, and hears when the page closes one. Pages need the `Notifications` permission first
//! (denied unless the app allows it, like every permission).

use std::cell::RefCell;
use std::marker::PhantomData;
use std::rc::{Rc, Weak};

use webpane_ipc::protocol::{AppMessage, NotificationAction, Setting};

use crate::error::{Error, Result};
use crate::handlers::{EventTable, EventToken};
use crate::objects::{WebView, WebViewInner};

/// A notification of the page, for the app to show (WebView2's `CoreWebView2Notification`).
#[doc(alias = "CoreWebView2Notification")]
#[derive(Clone)]
pub struct Notification {
    inner: Rc<NotificationInner>,
}

struct NotificationInner {
    webview: Weak<WebViewInner>,
    number: u64,
    title: String,
    body: String,
    tag: String,
    events: EventTable<Notification>,
}

impl std::fmt::Debug for Notification {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Notification")
            .field("title", &self.inner.title)
            .field("body", &self.inner.body)
            .field("tag", &self.inner.tag)
            .finish()
    }
}

/// Arguments of [`Notification::on_close_requested`]: the page closed the notification.
#[derive(Debug, Clone)]
pub struct NotificationCloseRequestedEventArgs {
    _ui_thread: PhantomData<Rc<()>>,
}

impl Notification {
    /// Its title.
    #[doc(alias = "Title")]
    pub fn title(&self) -> &str {
        &self.inner.title
    }

    /// Its body.
    #[doc(alias = "Body")]
    pub fn body(&self) -> &str {
        &self.inner.body
    }

    /// Its tag: a newer notification with the same tag replaces it.
    #[doc(alias = "Tag")]
    pub fn tag(&self) -> &str {
        &self.inner.tag
    }

    fn act(&self, action: NotificationAction) -> Result<()> {
        let inner = self.inner.webview.upgrade().ok_or(Error::Closed)?;
        let webview = WebView { inner };
        webview.request(AppMessage::NotificationAction {
            id: webview.id(),
            notification: self.inner.number,
            action,
        })
    }

    /// The user clicked it: the page's `click` event runs.
    #[doc(alias = "ReportClicked")]
    pub fn report_clicked(&self) -> Result<()> {
        self.act(NotificationAction::Clicked)
    }

    /// The user closed or dismissed it: the page's `close` event runs.
    #[doc(alias = "ReportClosed")]
    pub fn report_closed(&self) -> Result<()> {
        self.act(NotificationAction::Closed)
    }

    crate::handlers::event_methods! { Notification {
        /// the page closed the notification (`notification.close()`, or a newer one with its tag):
        /// take it down.
        on_close_requested, remove_close_requested, NotificationCloseRequestedEventArgs, "add_CloseRequested", "remove_CloseRequested";
    }}
}

/// Arguments of [`WebView::on_notification_received`].
#[derive(Debug)]
pub struct NotificationReceivedEventArgs {
    origin: String,
    notification: Notification,
    _ui_thread: PhantomData<Rc<()>>,
}

impl NotificationReceivedEventArgs {
    /// The origin of the page that made it.
    #[doc(alias = "SenderOrigin")]
    pub fn sender_origin(&self) -> &str {
        &self.origin
    }

    /// The notification.
    #[doc(alias = "Notification")]
    pub fn notification(&self) -> &Notification {
        &self.notification
    }
}

/// The notifications the app shows, by number, until closed.
#[derive(Default)]
struct Shown(RefCell<std::collections::HashMap<u64, Notification>>);

/// What the browser process tells of a notification.
pub(crate) struct ReceivedNotification {
    pub(crate) number: u64,
    pub(crate) origin: String,
    pub(crate) title: String,
    pub(crate) body: String,
    pub(crate) tag: String,
}

impl WebView {
    fn shown(&self) -> Rc<Shown> {
        self.inner.features.get()
    }

    /// Registers a handler called when the page shows a notification (WebView2's
    /// `NotificationReceived`): from then on the app shows this view's notifications, the
    /// desktop none. Report the user's clicks and closes with
    /// [`Notification::report_clicked`] and [`Notification::report_closed`].
    #[doc(alias = "add_NotificationReceived")]
    pub fn on_notification_received(
        &self,
        handler: impl FnMut(&WebView, &NotificationReceivedEventArgs) + 'static,
    ) -> EventToken<NotificationReceivedEventArgs> {
        self.add_reported(Setting::AppNotifications, handler)
    }

    /// Removes a handler registered with [`on_notification_received`](Self::on_notification_received).
    #[doc(alias = "remove_NotificationReceived")]
    pub fn remove_notification_received(&self, token: EventToken<NotificationReceivedEventArgs>) -> bool {
        self.remove_reported(Setting::AppNotifications, token)
    }

    /// The page shows a notification.
    pub(crate) fn notification_received(&self, told: ReceivedNotification) {
        let notification = Notification {
            inner: Rc::new(NotificationInner {
                webview: Rc::downgrade(&self.inner),
                number: told.number,
                title: told.title,
                body: told.body,
                tag: told.tag,
                events: EventTable::default(),
            }),
        };
        self.shown().0.borrow_mut().insert(told.number, notification.clone());
        let args = NotificationReceivedEventArgs {
            origin: told.origin,
            notification,
            _ui_thread: PhantomData,
        };
        self.inner.events.raise(self, &args);
    }

    /// The page closed a notification.
    pub(crate) fn notification_closed(&self, number: u64) {
        let notification = self.shown().0.borrow_mut().remove(&number);
        if let Some(notification) = notification {
            let args = NotificationCloseRequestedEventArgs {
                _ui_thread: PhantomData,
            };
            notification.inner.events.raise(&notification, &args);
        }
    }
}
