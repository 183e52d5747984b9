//! `NewWindowRequested`: a page's `window.open` (or a link with a target) asks the app.

use std::cell::{Cell, RefCell};
use std::marker::PhantomData;
use std::rc::{Rc, Weak};

use webpane_ipc::protocol::{AppMessage, NewWindowDecision, WebViewId};

use crate::deferral::{Answer, Deferral, Deferred};
use crate::error::{Error, Result};
use crate::objects::Session;
use crate::objects::WebView;

/// The answer to one NewWindowRequested.
#[derive(Debug)]
pub(crate) struct NewWindowAnswer {
    session: Weak<Session>,
    opener: WebViewId,
    request: u64,
    handled: Cell<bool>,
    new_window: RefCell<Option<WebView>>,
}

impl Answer for NewWindowAnswer {
    fn send(&self) -> bool {
        let decision = match (&*self.new_window.borrow(), self.handled.get()) {
            (Some(webview), _) => NewWindowDecision::Use(webview.id()),
            (None, true) => NewWindowDecision::Deny,
            (None, false) => NewWindowDecision::Default,
        };
        let message = AppMessage::NewWindowResponse {
            id: self.opener,
            request: self.request,
            decision,
        };
        self.session.upgrade().is_some_and(|s| s.send(&message).is_ok())
    }
}

/// Arguments of [`WebView::on_new_window_requested`](crate::WebView::on_new_window_requested)
/// (WebView2's `CoreWebView2NewWindowRequestedEventArgs`).
///
/// Three answers, as in WebView2:
/// - leave it: the browser process opens a window of its own for the page;
/// - [`set_handled(true)`](Self::set_handled) without a new window: denied, `window.open`
///   returns `null`;
/// - [`set_new_window`](Self::set_new_window) with a webview created for this request
///   ([`WebViewOptions::opener`](crate::WebViewOptions::opener)): the page's new window is that
///   webview. Create it asynchronously while holding a [`deferral`](Self::deferral).
///
/// The page's script waits (as in every browser, `window.open` is synchronous) until the
/// answer; an app that does not answer within 30 s is taken to deny.
///
/// Clones share one answer: keep a clone with the deferral to answer after the handler returned.
#[derive(Debug, Clone)]
pub struct NewWindowRequestedEventArgs {
    uri: String,
    is_user_initiated: bool,
    name: Option<String>,
    answer: Rc<Deferred<NewWindowAnswer>>,
    _ui_thread: PhantomData<Rc<()>>,
}

impl NewWindowRequestedEventArgs {
    pub(crate) fn new(
        session: Weak<Session>,
        opener: WebViewId,
        request: u64,
        uri: String,
        is_user_initiated: bool,
        name: Option<String>,
    ) -> Self {
        Self {
            uri,
            is_user_initiated,
            name,
            answer: Deferred::new(NewWindowAnswer {
                session,
                opener,
                request,
                handled: Cell::new(false),
                new_window: RefCell::new(None),
            }),
            _ui_thread: PhantomData,
        }
    }

    pub(crate) fn deferred(&self) -> Rc<Deferred<NewWindowAnswer>> {
        self.answer.clone()
    }

    /// The URI the page wants to open (empty for a blank window).
    pub fn uri(&self) -> &str {
        &self.uri
    }

    /// Whether a user gesture asked for the window.
    pub fn is_user_initiated(&self) -> bool {
        self.is_user_initiated
    }

    /// The target frame name, when WebKit reports one (a link's `target`; not the name given to
    /// `window.open`, which WebKitGTK does not pass on).
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The opener's id, for [`WebViewOptions::opener`](crate::WebViewOptions::opener).
    pub(crate) fn opener(&self) -> WebViewId {
        self.answer.answer.opener
    }

    /// Marks the request handled: without a new window, it is denied.
    pub fn set_handled(&self, handled: bool) {
        self.answer.answer.handled.set(handled);
    }

    /// Whether the request is marked handled.
    pub fn handled(&self) -> bool {
        self.answer.answer.handled.get()
    }

    /// Makes `webview` the page's new window; it must have been created with
    /// [`WebViewOptions::opener`](crate::WebViewOptions::opener) for this request's webview
    /// (else [`Error::InvalidArgument`]). Marks the request handled. [`Error::Closed`] once
    /// the request has been answered.
    pub fn set_new_window(&self, webview: &WebView) -> Result<()> {
        if self.answer.answered() {
            return Err(Error::Closed);
        }
        if webview.opener_id() != Some(self.opener()) {
            return Err(Error::InvalidArgument(
                "the new window must be a webview created with WebViewOptions::opener(&args)".into(),
            ));
        }
        self.answer.answer.handled.set(true);
        self.answer.answer.new_window.replace(Some(webview.clone()));
        Ok(())
    }

    /// Holds the answer until the deferral is completed or dropped (create the new webview
    /// meanwhile).
    #[doc(alias = "GetDeferral")]
    pub fn deferral(&self) -> Deferral {
        self.answer.deferral()
    }
}

impl crate::webview_options::WebViewOptions {
    /// Creates the webview for a page's new-window request, to hand over with
    /// [`NewWindowRequestedEventArgs::set_new_window`](NewWindowRequestedEventArgs::set_new_window):
    /// it shares the opener's render process and becomes the page's `window.open` result.
    pub fn opener(mut self, request: &NewWindowRequestedEventArgs) -> Self {
        self.opener = Some(request.opener());
        self
    }
}
