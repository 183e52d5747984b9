//! The SDK's objects as data: an environment, its session with a browser process, its webviews
//! and their frames — their fields, constructors and the few methods every part needs. What they
//! do lives in the modules of each concern, as `impl` blocks there (`webview.rs`, `frame.rs`,
//! `output.rs`, `environment.rs`, …); this module names none of them, and events are kept in
//! [`EventTable`]s keyed by their arguments' types, so a new event or feature never touches it.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::os::fd::{AsFd, OwnedFd};
use std::path::PathBuf;
use std::process::Child;
use std::rc::{Rc, Weak};
use std::time::{Duration, Instant};

use webpane_ipc::protocol::{AppMessage, RuntimeOptions, WebViewId};
use webpane_ipc::{Connection, Outgoing};

use crate::environment::events::BrowserProcessExitedEventArgs;
use crate::error::{Error, Result};
use crate::event_loop::EventLoop;
use crate::feature_state::FeatureStates;
use crate::handlers::EventTable;
use crate::host_objects::scope::HostObjectScope;
use crate::operation::Resolver;
use crate::posted_buffers::PostedBuffers;
use crate::requests::RequestTable;
use crate::webview_options::{Bounds, WebViewOptions};

pub(crate) struct EnvInner {
    pub(crate) event_loop: EventLoop,
    pub(crate) folder: PathBuf,
    pub(crate) runtime: PathBuf,
    pub(crate) options: RuntimeOptions,
    pub(crate) grace: Option<Duration>,
    pub(crate) session: RefCell<Option<Rc<Session>>>,
    pub(crate) connecting: RefCell<Option<Vec<Resolver<Rc<Session>>>>>,
    pub(crate) events: EventTable<Environment>,
    pub(crate) exit_waiters: RefCell<Vec<Resolver<BrowserProcessExitedEventArgs>>>,
    pub(crate) next_webview: Cell<u64>,
}

impl Drop for EnvInner {
    fn drop(&mut self) {
        // The app let go of the environment: stop watching its connection (closing it tells the
        // browser process, which closes this app's webviews).
        if let Some(session) = self.session.borrow_mut().take() {
            session.unwatch(&self.event_loop);
            // A browser process this app started may outlive the environment (other apps share
            // it): reap it whenever it exits, so that it never lingers as a zombie.
            if let Some(mut child) = session.child.borrow_mut().take() {
                std::thread::spawn(move || child.wait());
            }
        }
    }
}

/// One user data folder and the browser process serving it (WebView2's `CoreWebView2Environment`).
///
/// Created with [`Environment::builder`] on the UI thread; `!Send`. Cheap to clone (a handle).
///
/// ```no_run
/// use webpane::{Environment, EventLoop, WebViewOptions};
///
/// let event_loop = EventLoop::new()?;
/// let env = event_loop.block_on(Environment::builder().user_data_folder("/tmp/my-app").build(&event_loop))??;
/// env.on_browser_process_exited(|_, e| println!("browser {} exited: {:?}", e.browser_process_id(), e.kind()));
/// let webview = event_loop.block_on(env.create_webview(WebViewOptions::headless(800, 600)))??;
/// webview.on_navigation_completed(|_, e| println!("loaded: {}", e.is_success()));
/// webview.navigate_to_string("<h1>Hello</h1>")?;
/// event_loop.run()?;
/// # Ok::<(), webpane::Error>(())
/// ```
#[derive(Clone)]
pub struct Environment {
    pub(crate) inner: Rc<EnvInner>,
}

impl std::fmt::Debug for Environment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Environment")
            .field("user_data_folder", &self.inner.folder)
            .field("browser_process_id", &self.browser_process_id())
            .finish()
    }
}

impl Environment {
    pub(crate) fn new(
        event_loop: &EventLoop,
        folder: PathBuf,
        runtime: PathBuf,
        options: RuntimeOptions,
        grace: Option<Duration>,
    ) -> Environment {
        Environment {
            inner: Rc::new(EnvInner {
                event_loop: event_loop.clone(),
                folder,
                runtime,
                options,
                grace,
                session: RefCell::new(None),
                connecting: RefCell::new(None),
                events: EventTable::default(),
                exit_waiters: RefCell::new(Vec::new()),
                next_webview: Cell::new(1),
            }),
        }
    }

    pub(crate) fn downgrade(&self) -> Weak<EnvInner> {
        Rc::downgrade(&self.inner)
    }

    pub(crate) fn upgrade(weak: &Weak<EnvInner>) -> Option<Environment> {
        weak.upgrade().map(|inner| Environment { inner })
    }

    pub(crate) fn event_loop(&self) -> &EventLoop {
        &self.inner.event_loop
    }
}

#[derive(Clone, Copy)]
pub(crate) enum SourceFd {
    Connection,
    Pidfd,
}

/// A live connection to one browser process.
pub(crate) struct Session {
    pub(crate) conn: Connection,
    pub(crate) pid: u32,
    pub(crate) child: RefCell<Option<Child>>,
    pub(crate) pidfd: Option<OwnedFd>,
    pub(crate) children: RefCell<Vec<OwnedFd>>,
    /// The children's pids, as last reported.
    pub(crate) child_pids: RefCell<Vec<u32>>,
    /// Event loop sources: the connection's and the pidfd's tokens.
    pub(crate) sources: RefCell<Vec<(u64, SourceFd)>>,
    pub(crate) webviews: RefCell<HashMap<WebViewId, Weak<WebViewInner>>>,
    pub(crate) pending_creates: RefCell<HashMap<WebViewId, (Resolver<WebView>, WebViewOptions)>>,
    pub(crate) exiting: Cell<bool>,
    /// Why the browser process, still running, hung up on this app (its last message).
    pub(crate) disconnected: RefCell<Option<String>>,
    pub(crate) ended: Cell<bool>,
    /// Webviews closed by an unexpected end, to be told once the process is gone.
    pub(crate) failed_views: RefCell<Vec<WebView>>,
    /// The exit code and signal, once reaped (known only to the app that started it).
    pub(crate) exit_status: RefCell<(Option<i32>, Option<i32>)>,
    /// Whether the browser process answers.
    pub(crate) health: Health,
}

impl Session {
    /// Stops watching the connection and the pidfd.
    pub(crate) fn unwatch(&self, event_loop: &EventLoop) {
        let sources: Vec<(u64, SourceFd)> = self.sources.borrow_mut().drain(..).collect();
        for (token, which) in sources {
            match which {
                SourceFd::Connection => event_loop.remove_source(token, self.conn.as_fd()),
                SourceFd::Pidfd => {
                    if let Some(fd) = &self.pidfd {
                        event_loop.remove_source(token, fd.as_fd());
                    }
                }
            }
        }
    }

    /// Queues a message without ever waiting (pings); a full socket keeps it for later.
    pub(crate) fn queue(&self, message: &AppMessage) -> Result<()> {
        if self.ended.get() {
            return Err(Error::Closed);
        }
        self.conn
            .queue(message, Outgoing::new())
            .map(|_| ())
            .map_err(Error::ipc)
    }

    /// The webviews of this session that are still open.
    pub(crate) fn open_webviews(&self) -> Vec<WebView> {
        self.webviews
            .borrow()
            .values()
            .filter_map(Weak::upgrade)
            .map(|inner| WebView { inner })
            .filter(|w| !w.is_closed())
            .collect()
    }

    /// Marks every webview of the session closed; returns those that were still open.
    pub(crate) fn close_webviews(&self) -> Vec<WebView> {
        let all: Vec<Rc<WebViewInner>> = self
            .webviews
            .borrow_mut()
            .drain()
            .filter_map(|(_, w)| w.upgrade())
            .collect();
        all.into_iter()
            .map(|inner| WebView { inner })
            .filter(WebView::mark_closed)
            .collect()
    }

    /// Gives up every webview creation waiting for an answer.
    pub(crate) fn fail_pending_creates(&self, error: impl Fn() -> Error) {
        let waiting: Vec<_> = self.pending_creates.borrow_mut().drain().collect();
        for (_, (resolver, _)) in waiting {
            resolver.resolve(Err(error()));
        }
    }

    /// Sends a request; a failure means the browser process is gone.
    pub(crate) fn send(&self, message: &AppMessage) -> Result<()> {
        self.send_with_fds(message, Outgoing::new())
    }

    /// Sends a request with fds attached. It is checked first with the rules the browser
    /// process applies ([`webpane_ipc::validate::app_message`]): a request it would refuse is
    /// [`Error::InvalidArgument`] here, and never sent.
    pub(crate) fn send_with_fds(&self, message: &AppMessage, fds: Outgoing<'_>) -> Result<()> {
        webpane_ipc::validate::app_message(message).map_err(Error::InvalidArgument)?;
        if self.ended.get() {
            return Err(Error::Closed);
        }
        // A request for a view is ordered with the view's direct channel (page_channel.rs).
        if let Some(inner) = message
            .webview()
            .and_then(|id| self.webviews.borrow().get(&id).and_then(Weak::upgrade))
        {
            let webview = WebView { inner };
            webview.note_resume(message);
            webview.before_request(message);
        }
        self.conn.send(message, fds).map_err(Error::ipc)
    }
}

/// A session's view of its browser process's health.
#[derive(Default)]
pub(crate) struct Health {
    /// When the oldest ping still unanswered was sent (the app's own pauses do not count: no
    /// ping is outstanding while its loop does not run).
    pub(crate) waiting_since: Cell<Option<Instant>>,
    /// The browser process's main thread's time on and waiting for a CPU (ns), and how many
    /// times it was put on one, when that ping was sent (if it could be read).
    pub(crate) cpu_at_wait: Cell<Option<(u64, u64)>>,
    pub(crate) next_ping: Cell<u64>,
    /// Whether waiting requests were given up in the current unresponsive spell.
    pub(crate) gave_up: Cell<bool>,
}

impl Health {
    /// The browser process said something (any message counts).
    pub(crate) fn heard(&self) {
        self.waiting_since.set(None);
        self.gave_up.set(false);
    }

    /// How long the browser process has left a ping unanswered.
    pub(crate) fn silent_for(&self) -> Duration {
        self.waiting_since.get().map_or(Duration::ZERO, |since| since.elapsed())
    }
}

pub(crate) struct WebViewInner {
    pub(crate) env: Environment,
    pub(crate) session: Weak<Session>,
    pub(crate) id: WebViewId,
    pub(crate) browser_process_id: u32,
    pub(crate) closed: Cell<bool>,
    /// Every event's handlers, by the event's arguments type.
    pub(crate) events: EventTable<WebView>,
    /// Every feature's state (frames, workers, find, the page's surroundings, offscreen
    /// buffers, the direct channel, …), by its type: each feature's own file reads it.
    pub(crate) features: FeatureStates,
    pub(crate) buffers: PostedBuffers,
    /// Requests waiting for an answer (scripts, pictures, PDF, cookies, …).
    pub(crate) requests: RequestTable,
    pub(crate) opener: Option<WebViewId>,
    /// As created, then as last set with `set_bounds`.
    pub(crate) bounds: Cell<Bounds>,
    /// The top-level document's host objects.
    pub(crate) host_objects: Rc<HostObjectScope>,
    /// Downloads in progress.
    pub(crate) downloads: crate::downloads::operation::Downloads,
}

impl Drop for WebViewInner {
    fn drop(&mut self) {
        // The last handle is gone: close the view in the browser process (WebView2 closes a
        // controller on its final release).
        if !self.closed.get()
            && let Some(session) = self.session.upgrade()
        {
            let _ = session.send(&AppMessage::Close { id: self.id });
            session.webviews.borrow_mut().remove(&self.id);
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
    pub(crate) fn new(env: Environment, session: &Rc<Session>, id: WebViewId, options: &WebViewOptions) -> WebView {
        WebView {
            inner: Rc::new(WebViewInner {
                env,
                session: Rc::downgrade(session),
                id,
                browser_process_id: session.pid,
                closed: Cell::new(false),
                events: EventTable::default(),
                features: FeatureStates::default(),
                buffers: PostedBuffers::default(),
                requests: RequestTable::default(),
                opener: options.opener,
                bounds: Cell::new(options.bounds()),
                host_objects: Rc::default(),
                downloads: Default::default(),
            }),
        }
    }

    pub(crate) fn session(&self) -> Result<Rc<Session>> {
        if self.inner.closed.get() {
            return Err(Error::Closed);
        }
        self.inner
            .session
            .upgrade()
            .filter(|s| !s.ended.get())
            .ok_or(Error::Closed)
    }

    pub(crate) fn session_for_request(&self) -> Result<Rc<Session>> {
        self.session()
    }

    pub(crate) fn request(&self, message: AppMessage) -> Result<()> {
        self.session()?.send(&message)
    }

    pub(crate) fn id(&self) -> WebViewId {
        self.inner.id
    }

    /// The opener this webview was created for (see [`WebViewOptions::opener`](crate::WebViewOptions::opener)).
    pub(crate) fn opener_id(&self) -> Option<WebViewId> {
        self.inner.opener
    }

    /// Marks the view closed; returns whether it was open. Waiting requests complete with
    /// [`Error::Closed`]; frames are destroyed, their Destroyed handlers queued.
    pub(crate) fn mark_closed(&self) -> bool {
        self.inner.requests.fail_all(|| Error::Closed);
        self.inner.buffers.clear();
        self.inner.host_objects.new_document();
        // The frames are destroyed now; their handlers run after the current callback (this may
        // be `close()` called from inside another handler: never re-entrant).
        let gone: Vec<Frame> = self
            .frames()
            .take_all()
            .into_iter()
            .filter(|f| !f.inner.destroyed.replace(true))
            .inspect(|f| f.inner.host_objects.new_document())
            .collect();
        if !gone.is_empty() {
            self.inner
                .env
                .event_loop()
                .post_callback(move || gone.iter().for_each(Frame::raise_destroyed));
        }
        let workers = self.workers().take_all();
        if !workers.is_empty() {
            self.inner
                .env
                .event_loop()
                .post_callback(move || workers.iter().for_each(DedicatedWorker::destroy));
        }
        !self.inner.closed.replace(true)
    }

    /// Gives up every request of this view waiting for an answer (a later answer is ignored).
    pub(crate) fn fail_pending(&self, error: impl Fn() -> Error) {
        self.inner.requests.fail_all(error);
    }
}

pub(crate) struct FrameInner {
    pub(crate) webview: Weak<WebViewInner>,
    pub(crate) id: u64,
    pub(crate) name: String,
    pub(crate) source: RefCell<String>,
    pub(crate) destroyed: Cell<bool>,
    /// Every event's handlers, by the event's arguments type.
    pub(crate) events: EventTable<Frame>,
    /// The frame's documents' host objects.
    pub(crate) host_objects: Rc<HostObjectScope>,
}

/// An iframe in a webview's page: its name and document URI, scripts and web messages aimed at
/// it alone, and its end.
///
/// `!Send`; a cheap handle. Once destroyed (the iframe was removed, its parent document went
/// away, or the render process exited), calls return [`Error::Closed`].
#[derive(Clone)]
pub struct Frame {
    pub(crate) inner: Rc<FrameInner>,
}

impl std::fmt::Debug for Frame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Frame")
            .field("id", &self.inner.id)
            .field("name", &self.inner.name)
            .field("source", &self.inner.source.borrow())
            .field("destroyed", &self.inner.destroyed.get())
            .finish()
    }
}

impl Frame {
    pub(crate) fn new(webview: &WebView, id: u64, name: String, source: String) -> Frame {
        Frame {
            inner: Rc::new(FrameInner {
                webview: Rc::downgrade(&webview.inner),
                id,
                name,
                source: RefCell::new(source),
                destroyed: Cell::new(false),
                events: EventTable::default(),
                host_objects: Rc::default(),
            }),
        }
    }

    pub(crate) fn webview(&self) -> Result<WebView> {
        if self.inner.destroyed.get() {
            return Err(Error::Closed);
        }
        self.inner
            .webview
            .upgrade()
            .map(|inner| WebView { inner })
            .ok_or(Error::Closed)
    }
}

pub(crate) struct WorkerInner {
    pub(crate) webview: Weak<WebViewInner>,
    pub(crate) frame: Option<u64>,
    pub(crate) id: u64,
    pub(crate) script_uri: String,
    pub(crate) name: String,
    pub(crate) destroyed: Cell<bool>,
    pub(crate) events: crate::handlers::EventTable<DedicatedWorker>,
}

/// A dedicated worker (`new Worker(…)`) of a webview's top-level document or of an iframe's: its
/// `self.chrome.webview.postMessage` reaches [`on_web_message_received`](Self::on_web_message_received)
/// here (not the webview's or the frame's), and [`post_web_message_as_json`](Self::post_web_message_as_json)
/// reaches its `chrome.webview` `message` listeners.
///
/// `!Send`; a cheap handle. Once destroyed (the worker was terminated or closed itself, or its
/// document went away), posts return [`Error::Closed`].
#[doc(alias = "CoreWebView2DedicatedWorker")]
#[derive(Clone)]
pub struct DedicatedWorker {
    pub(crate) inner: Rc<WorkerInner>,
}

impl std::fmt::Debug for DedicatedWorker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DedicatedWorker")
            .field("frame", &self.inner.frame)
            .field("id", &self.inner.id)
            .field("script_uri", &self.inner.script_uri)
            .field("destroyed", &self.inner.destroyed.get())
            .finish()
    }
}
