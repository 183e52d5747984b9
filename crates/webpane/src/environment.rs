//! [`Environment`]: one user data folder, its shared browser process, and its lifecycle events.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::marker::PhantomData;
use std::os::fd::AsFd;
use std::path::Path;
use std::rc::{Rc, Weak};
use std::time::Duration;

use webpane_ipc::protocol::{AppMessage, RuntimeMessage, WebViewId};
use webpane_ipc::{IpcError, ReceivedFds};

mod display;
pub(crate) mod events;
mod exit;
mod launch;
mod options;
mod processes;
use launch::{Connected, connect_or_spawn};

use crate::error::{Error, Result};
use crate::objects::WebView;
use crate::operation::{Operation, operation};

/// How long one send to the browser process may wait for room in its socket.
const SEND_TIMEOUT: Duration = Duration::from_secs(30);

use crate::objects::Environment;
use crate::objects::{Session, SourceFd};
use crate::webview_options::WebViewOptions;
pub use display::{DisplayBackend, HardwareAcceleration};
pub use events::{BrowserProcessExitKind, BrowserProcessExitedEventArgs, NewBrowserVersionAvailableEventArgs};
pub use options::EnvironmentBuilder;
pub use processes::{ProcessInfo, ProcessInfosChangedEventArgs, ProcessKind};

impl Environment {
    /// The user data folder.
    #[doc(alias = "UserDataFolder")]
    pub fn user_data_folder(&self) -> &Path {
        &self.inner.folder
    }

    /// The runtime binary this environment starts.
    pub fn runtime_path(&self) -> &Path {
        &self.inner.runtime
    }

    /// The pid of the browser process currently connected, if any.
    #[doc(alias = "BrowserProcessId")]
    pub fn browser_process_id(&self) -> Option<u32> {
        self.inner
            .session
            .borrow()
            .as_ref()
            .filter(|s| !s.ended.get())
            .map(|s| s.pid)
    }

    crate::handlers::event_methods! { Environment {
        /// the browser process exited. Raised in every app bound to that browser process, only
        /// once it and all its WebKit children have exited and the user data folder's lock is
        /// free (so the handler may delete the folder). Handlers stay registered across browser
        /// process restarts until removed.
        on_browser_process_exited, remove_browser_process_exited, BrowserProcessExitedEventArgs, "add_BrowserProcessExited", "remove_BrowserProcessExited";
        /// a new runtime or WebKitGTK was installed: the running browser process keeps the old
        /// one; the next one started (after every webview of this folder closed) uses the new one.
        on_new_browser_version_available, remove_new_browser_version_available, NewBrowserVersionAvailableEventArgs, "add_NewBrowserVersionAvailable", "remove_NewBrowserVersionAvailable";
    }}

    /// Completes at the next exit of a browser process of this environment (the one-shot form
    /// of [`on_browser_process_exited`](Self::on_browser_process_exited)).
    pub fn browser_process_exited(&self) -> Operation<BrowserProcessExitedEventArgs> {
        let (resolver, op) = operation();
        self.inner.exit_waiters.borrow_mut().push(resolver);
        op
    }

    /// Creates a webview. If the browser process has exited, a new one is started first.
    #[doc(alias = "CreateCoreWebView2Controller")]
    pub fn create_webview(&self, options: WebViewOptions) -> Operation<WebView> {
        let env = self.clone();
        self.event_loop().spawn_operation(async move {
            options.mode.validate().map_err(Error::InvalidArgument)?;
            // A browser process whose grace period ran out is shutting down and takes no new
            // webviews: wait until it is gone, and the next attempt starts a new one.
            const ATTEMPTS: usize = 3;
            for attempt in 1..=ATTEMPTS {
                let session = env.session().await?;
                let last = attempt == ATTEMPTS;
                if session.exiting.get() && !last {
                    env.outlive(&session).await;
                    continue;
                }
                let id = WebViewId(env.inner.next_webview.get());
                env.inner.next_webview.set(id.0 + 1);
                let (resolver, op) = operation();
                session
                    .pending_creates
                    .borrow_mut()
                    .insert(id, (resolver, options.clone()));
                let message = AppMessage::CreateWebView {
                    id,
                    mode: options.mode.clone(),
                    settings: options.settings.clone(),
                    opener: options.opener,
                };
                if let Err(e) = session.send(&message) {
                    session.pending_creates.borrow_mut().remove(&id);
                    if !last && matches!(e, Error::Closed) {
                        env.outlive(&session).await;
                        continue;
                    }
                    return Err(e);
                }
                match op.await {
                    Err(Error::RequestFailed(_) | Error::Closed)
                        if !last && (session.exiting.get() || session.ended.get()) =>
                    {
                        env.outlive(&session).await;
                    }
                    Ok(webview) if options.offscreen => {
                        let (width, height) = match options.mode {
                            webpane_ipc::protocol::ViewMode::Headless { width, height } => (width, height),
                            _ => (0, 0),
                        };
                        webview.attach_frames(width, height)?;
                        return Ok(webview);
                    }
                    other => return other,
                }
            }
            Err(Error::Closed)
        })
    }

    /// Waits until `session`'s browser process has exited (at once if its end was already reported).
    async fn outlive(&self, session: &Rc<Session>) {
        // Exits are reported only after the session has ended: before that, the one-shot waiter
        // cannot miss it.
        if !session.ended.get() {
            let _ = self.browser_process_exited().await;
        }
    }

    /// The current session, connecting (and starting the browser process) if there is none.
    pub(crate) fn session(&self) -> Operation<Rc<Session>> {
        if let Some(session) = self.inner.session.borrow().as_ref().filter(|s| !s.ended.get()) {
            return Operation::ready(Ok(session.clone()));
        }
        let (resolver, op) = operation();
        let mut connecting = self.inner.connecting.borrow_mut();
        if let Some(waiters) = connecting.as_mut() {
            waiters.push(resolver);
            return op;
        }
        *connecting = Some(vec![resolver]);
        drop(connecting);
        let (folder, runtime, options, grace) = (
            self.inner.folder.clone(),
            self.inner.runtime.clone(),
            self.inner.options.clone(),
            self.inner.grace,
        );
        let env = self.clone();
        self.inner.event_loop.spawn_blocking(
            move || connect_or_spawn(&folder, &runtime, &options, grace),
            move |result| env.connected(result),
        );
        op
    }

    fn connected(&self, result: Result<Connected>) {
        let waiters = self.inner.connecting.borrow_mut().take().unwrap_or_default();
        let session = match result.and_then(|c| self.start_session(c)) {
            Ok(session) => session,
            Err(e) => {
                let message = e.to_string();
                let mut first = Some(e);
                for waiter in waiters {
                    waiter.resolve(Err(first
                        .take()
                        .unwrap_or_else(|| Error::LaunchFailed(message.clone()))));
                }
                return;
            }
        };
        for waiter in waiters {
            waiter.resolve(Ok(session.clone()));
        }
    }

    fn start_session(&self, connected: Connected) -> Result<Rc<Session>> {
        let pidfd = rustix::process::Pid::from_raw(connected.pid as i32)
            .and_then(|pid| rustix::process::pidfd_open(pid, rustix::process::PidfdFlags::empty()).ok());
        let session = Rc::new(Session {
            conn: connected.conn,
            pid: connected.pid,
            child: RefCell::new(connected.child),
            pidfd,
            children: RefCell::new(Vec::new()),
            child_pids: RefCell::new(Vec::new()),
            sources: RefCell::new(Vec::new()),
            webviews: RefCell::new(HashMap::new()),
            pending_creates: RefCell::new(HashMap::new()),
            exiting: Cell::new(false),
            disconnected: RefCell::new(None),
            ended: Cell::new(false),
            failed_views: RefCell::new(Vec::new()),
            exit_status: RefCell::new((None, None)),
            health: Default::default(),
        });
        // Nothing the app sends waits forever on a stopped browser process's full socket.
        session.conn.set_send_timeout(Some(SEND_TIMEOUT));
        let weak_env = Rc::downgrade(&self.inner);
        let weak_session = Rc::downgrade(&session);
        let handler: Rc<dyn Fn()> = Rc::new(move || {
            let (Some(inner), Some(session)) = (weak_env.upgrade(), weak_session.upgrade()) else {
                return;
            };
            Environment { inner }.pump(&session);
        });
        let token = self.inner.event_loop.add_source(session.conn.as_fd(), handler)?;
        session.sources.borrow_mut().push((token, SourceFd::Connection));
        if let Some(pidfd) = &session.pidfd {
            let weak_env = Rc::downgrade(&self.inner);
            let weak_session = Rc::downgrade(&session);
            let handler: Rc<dyn Fn()> = Rc::new(move || {
                let (Some(inner), Some(session)) = (weak_env.upgrade(), weak_session.upgrade()) else {
                    return;
                };
                Environment { inner }.session_lost(&session);
            });
            let token = self.inner.event_loop.add_source(pidfd.as_fd(), handler)?;
            session.sources.borrow_mut().push((token, SourceFd::Pidfd));
        }
        *self.inner.session.borrow_mut() = Some(session.clone());
        crate::browser_health::watch(self, &session);
        Ok(session)
    }

    /// Handles every message that has arrived from the browser process.
    pub(crate) fn pump(&self, session: &Rc<Session>) {
        loop {
            if session.ended.get() {
                return;
            }
            match session.conn.try_recv::<RuntimeMessage>() {
                Ok(Some(mut received)) => {
                    session.health.heard();
                    self.on_message(session, received.message, &mut received.fds)
                }
                Ok(None) => return,
                Err(e) => {
                    if !matches!(e, IpcError::Disconnected) {
                        log::warn!("bad message from the browser process: {e}");
                    }
                    self.session_lost(session);
                    return;
                }
            }
        }
    }

    fn on_message(&self, session: &Rc<Session>, message: RuntimeMessage, fds: &mut ReceivedFds) {
        match message {
            RuntimeMessage::WebViewCreated { id } => {
                let Some((resolver, options)) = session.pending_creates.borrow_mut().remove(&id) else {
                    return;
                };
                let webview = WebView::new(self.clone(), session, id, &options);
                webview.created_with(&options);
                session.webviews.borrow_mut().insert(id, Rc::downgrade(&webview.inner));
                resolver.resolve(Ok(webview));
            }
            RuntimeMessage::RequestFailed { id, reason } => {
                if let Some(id) = id
                    && let Some((resolver, _)) = session.pending_creates.borrow_mut().remove(&id)
                {
                    resolver.resolve(Err(Error::RequestFailed(reason)));
                    return;
                }
                log::warn!("the browser process refused a request: {reason}");
            }
            RuntimeMessage::ChildProcesses { pids } => {
                let changed = *session.child_pids.borrow() != pids;
                session.child_pids.replace(pids.clone());
                let fds = pids
                    .iter()
                    .filter_map(|p| rustix::process::Pid::from_raw(*p as i32))
                    .filter_map(|p| rustix::process::pidfd_open(p, rustix::process::PidfdFlags::empty()).ok())
                    .collect();
                *session.children.borrow_mut() = fds;
                if changed {
                    self.raise_process_infos_changed();
                }
            }
            RuntimeMessage::Exiting => session.exiting.set(true),
            RuntimeMessage::Pong { .. } => {}
            RuntimeMessage::Disconnecting { reason } => {
                log::warn!("browser process {} disconnected this app: {reason}", session.pid);
                *session.disconnected.borrow_mut() = Some(reason);
            }
            RuntimeMessage::NewBrowserVersionAvailable => {
                let args = NewBrowserVersionAvailableEventArgs {
                    _ui_thread: PhantomData,
                };
                self.inner.events.raise(self, &args);
            }
            RuntimeMessage::Welcome { .. } | RuntimeMessage::OptionsMismatch { .. } => {
                log::warn!("unexpected handshake message from the browser process");
            }
            other => {
                let Some(id) = other.webview() else { return };
                let webview = session.webviews.borrow().get(&id).and_then(Weak::upgrade);
                if let Some(inner) = webview {
                    let webview = WebView { inner };
                    // What the page wrote on its direct channel came before this.
                    webview.drain_channel();
                    webview.on_message(other, fds);
                }
            }
        }
    }
}
