//! [`WebView`]: a web page hosted in the browser process.

use std::cell::Cell;
use std::marker::PhantomData;
use std::rc::{Rc, Weak};

use webpane_ipc::protocol::{AppMessage, RuntimeMessage, WebError, WebViewId};

pub use webpane_ipc::protocol::{ProcessFailedKind, ProcessFailedReason};

use crate::deferral::Deferral;
use crate::environment::{Environment, Session};
use crate::error::{Error, Result};
use crate::handlers::{EventToken, Handlers};

/// Arguments of [`WebView::on_navigation_completed`].
#[derive(Debug, Clone)]
pub struct NavigationCompletedEventArgs {
    navigation_id: u64,
    is_success: bool,
    error: Option<WebError>,
    _ui_thread: PhantomData<Rc<()>>,
}

impl NavigationCompletedEventArgs {
    /// Counts this webview's navigations from 1; ties a navigation's events together.
    pub fn navigation_id(&self) -> u64 {
        self.navigation_id
    }
    /// Whether the page loaded.
    pub fn is_success(&self) -> bool {
        self.is_success
    }
    /// Why it did not (the engine's error domain, code and message).
    pub fn web_error(&self) -> Option<&WebError> {
        self.error.as_ref()
    }
}

/// Arguments of [`WebView::on_navigation_starting`]: inspect, cancel, or defer the answer.
///
/// The navigation waits until every handler has returned and every deferral taken from these
/// args is completed or dropped; then it goes ahead unless some handler set `cancel`.
#[derive(Debug)]
pub struct NavigationStartingEventArgs {
    uri: String,
    is_redirect: bool,
    is_user_initiated: bool,
    decision: Rc<NavigationDecision>,
}

impl NavigationStartingEventArgs {
    /// Where the navigation goes.
    pub fn uri(&self) -> &str {
        &self.uri
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
        self.decision.cancel.get()
    }
    /// Cancels (or un-cancels) the navigation.
    pub fn set_cancel(&self, cancel: bool) {
        self.decision.cancel.set(cancel);
    }
    /// Holds the navigation until the returned deferral is completed or dropped, so that the
    /// handler can decide later (after asking the user, say). `set_cancel` still works meanwhile.
    pub fn get_deferral(&self) -> Deferral {
        let decision = self.decision.clone();
        decision.outstanding.set(decision.outstanding.get() + 1);
        Deferral::new(move || {
            decision.outstanding.set(decision.outstanding.get() - 1);
            decision.answer_if_ready()
        })
    }
}

/// The shared state of one NavigationStarting answer.
#[derive(Debug)]
struct NavigationDecision {
    session: Weak<Session>,
    id: WebViewId,
    request: u64,
    cancel: Cell<bool>,
    outstanding: Cell<usize>,
    handlers_done: Cell<bool>,
    answered: Cell<bool>,
}

impl NavigationDecision {
    /// Answers once every handler returned and no deferral is outstanding. Returns whether the
    /// answer (now or earlier) reached the browser process; false if it is gone.
    fn answer_if_ready(&self) -> bool {
        if !self.handlers_done.get() || self.outstanding.get() > 0 {
            return true;
        }
        if self.answered.replace(true) {
            return true;
        }
        let message = AppMessage::NavigationStartingResponse {
            id: self.id,
            request: self.request,
            cancel: self.cancel.get(),
        };
        self.session.upgrade().is_some_and(|s| s.send(&message).is_ok())
    }
}

/// Arguments of [`WebView::on_process_failed`].
#[derive(Debug, Clone)]
pub struct ProcessFailedEventArgs {
    kind: ProcessFailedKind,
    reason: ProcessFailedReason,
    process_id: Option<u32>,
    exit_code: Option<i32>,
    signal: Option<i32>,
    process_description: String,
    _ui_thread: PhantomData<Rc<()>>,
}

impl ProcessFailedEventArgs {
    pub(crate) fn new(
        kind: ProcessFailedKind,
        reason: ProcessFailedReason,
        process_id: Option<u32>,
        exit_code: Option<i32>,
        signal: Option<i32>,
        process_description: String,
    ) -> Self {
        Self {
            kind,
            reason,
            process_id,
            exit_code,
            signal,
            process_description,
            _ui_thread: PhantomData,
        }
    }
    /// Which process failed.
    pub fn kind(&self) -> ProcessFailedKind {
        self.kind
    }
    /// Why. For the browser process: `Terminated` when it was killed (SIGKILL, SIGTERM),
    /// `Crashed` for another signal, `Unexpected` otherwise or when unknown (only the app that
    /// started the browser process can see how it ended).
    pub fn reason(&self) -> ProcessFailedReason {
        self.reason
    }
    /// The failed process's id, when known.
    pub fn process_id(&self) -> Option<u32> {
        self.process_id
    }
    /// Its exit code, when known (the app that started a browser process learns it).
    pub fn exit_code(&self) -> Option<i32> {
        self.exit_code
    }
    /// The signal that ended it, when known.
    pub fn signal(&self) -> Option<i32> {
        self.signal
    }
    /// What the process was (`webpane-runtime`, `WebKitWebProcess`).
    pub fn process_description(&self) -> &str {
        &self.process_description
    }
}

pub(crate) struct WebViewInner {
    env: Environment,
    session: Weak<Session>,
    id: WebViewId,
    browser_process_id: u32,
    closed: Cell<bool>,
    navigation_starting: Handlers<WebView, NavigationStartingEventArgs>,
    navigation_completed: Handlers<WebView, NavigationCompletedEventArgs>,
    process_failed: Handlers<WebView, ProcessFailedEventArgs>,
}

impl Drop for WebViewInner {
    fn drop(&mut self) {
        // The last handle is gone: close the view in the browser process (WebView2 closes a
        // controller on its final release).
        if !self.closed.get() {
            if let Some(session) = self.session.upgrade() {
                let _ = session.send(&AppMessage::Close { id: self.id });
                session.webviews.borrow_mut().remove(&self.id);
            }
        }
    }
}

/// A web page in the browser process (WebView2's `CoreWebView2` with its controller).
///
/// `!Send`; a cheap handle (clones refer to the same view). Dropping the last handle closes the
/// view. After [`close`](Self::close), or once its browser process has exited, every call returns
/// [`Error::Closed`].
#[derive(Clone)]
pub struct WebView {
    pub(crate) inner: Rc<WebViewInner>,
}

impl std::fmt::Debug for WebView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebView")
            .field("id", &self.inner.id.0)
            .field("browser_process_id", &self.inner.browser_process_id)
            .field("closed", &self.inner.closed.get())
            .finish()
    }
}

impl WebView {
    pub(crate) fn new(env: Environment, session: &Rc<Session>, id: WebViewId) -> WebView {
        WebView {
            inner: Rc::new(WebViewInner {
                env,
                session: Rc::downgrade(session),
                id,
                browser_process_id: session.pid,
                closed: Cell::new(false),
                navigation_starting: Handlers::default(),
                navigation_completed: Handlers::default(),
                process_failed: Handlers::default(),
            }),
        }
    }

    fn session(&self) -> Result<Rc<Session>> {
        if self.inner.closed.get() {
            return Err(Error::Closed);
        }
        self.inner
            .session
            .upgrade()
            .filter(|s| !s.ended.get())
            .ok_or(Error::Closed)
    }

    fn request(&self, message: AppMessage) -> Result<()> {
        self.session()?.send(&message)
    }

    /// The environment this webview belongs to.
    pub fn environment(&self) -> &Environment {
        &self.inner.env
    }

    /// The pid of the browser process hosting this webview. Lets an app tell an old browser
    /// process's exit from a new one's.
    pub fn browser_process_id(&self) -> u32 {
        self.inner.browser_process_id
    }

    /// Whether the webview is closed (by [`close`](Self::close) or because its browser process
    /// exited).
    pub fn is_closed(&self) -> bool {
        self.inner.closed.get() || self.session().is_err()
    }

    /// Navigates to `uri`.
    pub fn navigate(&self, uri: &str) -> Result<()> {
        crate::error::no_nul("URI", uri)?;
        self.request(AppMessage::Navigate {
            id: self.inner.id,
            uri: uri.to_owned(),
        })
    }

    /// Shows `html` as a document (its base URI is `about:blank`).
    pub fn navigate_to_string(&self, html: &str) -> Result<()> {
        crate::error::no_nul("document", html)?;
        self.request(AppMessage::NavigateToString {
            id: self.inner.id,
            html: html.to_owned(),
        })
    }

    /// Reloads the page; after its render process exited, this starts a new one.
    pub fn reload(&self) -> Result<()> {
        self.request(AppMessage::Reload { id: self.inner.id })
    }

    /// Terminates the render process (for a hung page); reported as `ProcessFailed`
    /// (RenderProcessExited, Terminated). [`reload`](Self::reload) brings the page back.
    pub fn terminate_render_process(&self) -> Result<()> {
        self.request(AppMessage::TerminateRenderProcess { id: self.inner.id })
    }

    /// Closes the webview. Later calls return [`Error::Closed`].
    pub fn close(&self) -> Result<()> {
        let session = self.session()?;
        self.mark_closed();
        session.webviews.borrow_mut().remove(&self.inner.id);
        session.send(&AppMessage::Close { id: self.inner.id })
    }

    /// Registers a handler called before each navigation; it may cancel it or defer the answer.
    pub fn on_navigation_starting(
        &self,
        handler: impl FnMut(&WebView, &NavigationStartingEventArgs) + 'static,
    ) -> EventToken {
        self.inner.navigation_starting.add(handler)
    }

    /// Removes a navigation-starting handler.
    pub fn remove_navigation_starting(&self, token: EventToken) -> bool {
        self.inner.navigation_starting.remove(token)
    }

    /// Registers a handler for the end of each navigation.
    pub fn on_navigation_completed(
        &self,
        handler: impl FnMut(&WebView, &NavigationCompletedEventArgs) + 'static,
    ) -> EventToken {
        self.inner.navigation_completed.add(handler)
    }

    /// Removes a navigation-completed handler.
    pub fn remove_navigation_completed(&self, token: EventToken) -> bool {
        self.inner.navigation_completed.remove(token)
    }

    /// Registers a handler for failures of the processes serving this webview.
    pub fn on_process_failed(&self, handler: impl FnMut(&WebView, &ProcessFailedEventArgs) + 'static) -> EventToken {
        self.inner.process_failed.add(handler)
    }

    /// Removes a process-failed handler.
    pub fn remove_process_failed(&self, token: EventToken) -> bool {
        self.inner.process_failed.remove(token)
    }

    /// Marks the view closed; returns whether it was open.
    pub(crate) fn mark_closed(&self) -> bool {
        !self.inner.closed.replace(true)
    }

    pub(crate) fn raise_process_failed(&self, args: &ProcessFailedEventArgs) {
        self.inner.process_failed.raise(self, args);
    }

    pub(crate) fn on_message(&self, message: RuntimeMessage) {
        match message {
            RuntimeMessage::NavigationStarting {
                request,
                uri,
                is_redirect,
                is_user_initiated,
                ..
            } => {
                let args = NavigationStartingEventArgs {
                    uri,
                    is_redirect,
                    is_user_initiated,
                    decision: Rc::new(NavigationDecision {
                        session: self.inner.session.clone(),
                        id: self.inner.id,
                        request,
                        cancel: Cell::new(false),
                        outstanding: Cell::new(0),
                        handlers_done: Cell::new(false),
                        answered: Cell::new(false),
                    }),
                };
                // Answer even if a handler panics: the guard completes the decision on unwind.
                struct Done(Rc<NavigationDecision>);
                impl Drop for Done {
                    fn drop(&mut self) {
                        self.0.handlers_done.set(true);
                        self.0.answer_if_ready();
                    }
                }
                let _done = Done(args.decision.clone());
                self.inner.navigation_starting.raise(self, &args);
            }
            RuntimeMessage::NavigationCompleted {
                navigation_id,
                is_success,
                error,
                ..
            } => {
                let args = NavigationCompletedEventArgs {
                    navigation_id,
                    is_success,
                    error,
                    _ui_thread: PhantomData,
                };
                self.inner.navigation_completed.raise(self, &args);
            }
            RuntimeMessage::ProcessFailed {
                kind,
                reason,
                process_id,
                exit_code,
                signal,
                process_description,
                ..
            } => {
                let args =
                    ProcessFailedEventArgs::new(kind, reason, process_id, exit_code, signal, process_description);
                self.raise_process_failed(&args);
            }
            RuntimeMessage::WebViewClosed { .. } => {
                self.mark_closed();
            }
            _ => {}
        }
    }
}
