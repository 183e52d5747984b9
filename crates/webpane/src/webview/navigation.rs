//! NavigationStarting: its arguments, and the answer a deferral sends.

use std::cell::Cell;
use std::rc::{Rc, Weak};

use webpane_ipc::protocol::{AppMessage, WebViewId};

use crate::deferral::{Answer, Deferral, Deferred};
use crate::objects::Session;

/// Arguments of [`WebView::on_navigation_starting`](crate::WebView::on_navigation_starting): inspect, cancel, or defer the answer.
///
/// The navigation waits until every handler has returned and every deferral taken from these
/// args is completed or dropped; then it goes ahead unless some handler set `cancel`.
#[derive(Debug)]
pub struct NavigationStartingEventArgs {
    pub(super) uri: String,
    pub(super) is_redirect: bool,
    pub(super) is_user_initiated: bool,
    pub(super) decision: Rc<Deferred<NavigationAnswer>>,
}

impl NavigationStartingEventArgs {
    /// Where the navigation goes.
    pub fn uri(&self) -> &str {
        &self.uri
    }
    /// Ties this navigation's events together (ContentLoading, DOMContentLoaded,
    /// NavigationCompleted carry the same id).
    pub fn navigation_id(&self) -> u64 {
        self.decision.answer.request
    }
    /// Whether it is a redirect.
    pub fn is_redirect(&self) -> bool {
        self.is_redirect
    }
    /// Whether a user gesture started it.
    pub fn is_user_initiated(&self) -> bool {
        self.is_user_initiated
    }
    /// Whether the navigation will be cancelled.
    pub fn cancel(&self) -> bool {
        self.decision.answer.cancel.get()
    }
    /// Cancels (or un-cancels) the navigation.
    pub fn set_cancel(&self, cancel: bool) {
        self.decision.answer.cancel.set(cancel);
    }
    /// Holds the navigation until the returned deferral is completed or dropped, so that the
    /// handler can decide later (after asking the user, say). `set_cancel` still works meanwhile.
    #[doc(alias = "GetDeferral")]
    pub fn deferral(&self) -> Deferral {
        self.decision.deferral()
    }
}

/// The answer to one NavigationStarting.
#[derive(Debug)]
pub(super) struct NavigationAnswer {
    pub(super) session: Weak<Session>,
    pub(super) id: WebViewId,
    pub(super) request: u64,
    pub(super) cancel: Cell<bool>,
}

impl Answer for NavigationAnswer {
    fn send(&self) -> bool {
        let message = AppMessage::NavigationStartingResponse {
            id: self.id,
            request: self.request,
            cancel: self.cancel.get(),
        };
        self.session.upgrade().is_some_and(|s| s.send(&message).is_ok())
    }
}
