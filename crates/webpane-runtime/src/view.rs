//! One webview in the runtime: its WebKit view and window, its content manager (the
//! `chrome.webview` shim, document-created scripts), its events, and its health watchdog.
//!
//! A view talks to the rest of the runtime only through [`Host`]: sending messages to the app that
//! owns it, and asking about the runtime's child processes.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeSet, HashMap};
use std::rc::Rc;
use std::time::{Duration, Instant};

use glib::ControlFlow;
use gtk::prelude::*;
use javascriptcore::ValueExt;
use webkit2gtk::{
    LoadEvent, NavigationPolicyDecisionExt, PolicyDecisionExt, PolicyDecisionType, SettingsExt, URIRequestExt,
    UserContentInjectedFrames, UserContentManagerExt, UserMessageExt, UserScriptInjectionTime,
    WebProcessTerminationReason, WebViewExt,
};
use webpane_ipc::protocol::{
    CloseReason, CustomScheme, NewWindowDecision, ProcessFailedKind, ProcessFailedReason, ResourceResponse,
    RuntimeMessage, Setting, ViewMode, ViewSettings, WebError, WebViewId,
};
use webpane_ipc::webext;
use webpane_ipc::{Outgoing, ReceivedFds};

use crate::page_messages::{self, Acks};
use crate::schemes::Resources;
use crate::watchdog::Watchdog;

/// How often the watchdog pings each page, and reports it again while it stays unresponsive.
const WATCHDOG_TICK: Duration = Duration::from_secs(1);
/// How long to look for the pid of a render process that WebKit reported gone.
const RENDER_EXIT_IDENTIFY: Duration = Duration::from_secs(2);
/// The handler for the runtime's own page events (an isolated world the page cannot reach).
const INTERNAL_HANDLER: &str = "webpane-internal";
/// The isolated world of the runtime's own scripts.
const INTERNAL_WORLD: &str = "webpane";

/// What a view needs from the runtime around it.
pub trait Host {
    /// Sends a message to the app that owns the view (never blocks).
    fn send(&self, message: RuntimeMessage) {
        self.send_with_fds(message, Outgoing::new());
    }
    /// Sends a message with fds to the app that owns the view (never blocks).
    fn send_with_fds(&self, message: RuntimeMessage, fds: Outgoing<'static>);
    /// Runs `f` once everything sent so far has left for the app's socket.
    fn when_sent(&self, f: Box<dyn FnOnce()>);
    /// Rescans the runtime's children and tells apps if they changed.
    fn refresh_children(&self);
    /// The children known before the last rescan.
    fn known_children(&self) -> BTreeSet<u32>;
    /// Whether the app that owns the view is still connected.
    fn connected(&self) -> bool;
    /// The view's window went away under it (reported to the app, the view destroyed).
    fn view_closed(&self, id: WebViewId, reason: CloseReason);
    /// The WebKit view of the app's view `id`, if it exists and was created for `opener`.
    fn view_opened_by(&self, id: WebViewId, opener: WebViewId) -> Option<webkit2gtk::WebView>;
}

/// How long a page's `window.open` may wait for the app's answer before it is denied.
const NEW_WINDOW_WAIT: Duration = Duration::from_secs(30);

thread_local! {
    /// How deep the main loop is nested in new-window waits.
    static NESTED: Cell<u32> = const { Cell::new(0) };
    /// Views closed while a new-window wait was running: destroyed once it returns.
    static DEFERRED_DESTROY: RefCell<Vec<View>> = const { RefCell::new(Vec::new()) };
}

enum LastNavigation {
    Uri(String),
    Html(String),
}

/// Navigation ids: NavigationStarting's request id becomes the id of the load it allowed.
#[derive(Default)]
struct Navigations {
    next: Cell<u64>,
    allowed: Cell<Option<u64>>,
    current: Cell<u64>,
}

impl Navigations {
    fn fresh(&self) -> u64 {
        let id = self.next.get() + 1;
        self.next.set(id);
        id
    }
}

/// A shared buffer on its way to a page.
pub struct BufferPost {
    /// A subframe, or `None` for the main frame.
    pub frame: Option<u64>,
    /// The app's id of the post.
    pub buffer: u64,
    /// The memfd (`O_RDONLY` for read-only access).
    pub memory: std::os::fd::OwnedFd,
    /// Its size.
    pub size: u64,
    /// Whether the page maps it read-only.
    pub read_only: bool,
    /// JSON for the event's `additionalData`.
    pub additional_data: Option<String>,
}

/// What every view of the runtime shares.
pub struct Engine<'a> {
    /// WebKit's context (data folder, schemes).
    pub context: &'a webkit2gtk::WebContext,
    /// Engine arguments (WebKitSettings `name=value`).
    pub arguments: &'a [String],
    /// The registered custom schemes.
    pub schemes: &'a [CustomScheme],
    /// Why the web process extension is not installed, if it is not.
    pub extension_missing: Option<&'a str>,
}

/// A webview hosted for an app.
pub struct View {
    webview: webkit2gtk::WebView,
    window: gtk::Window,
    content: webkit2gtk::UserContentManager,
    watchdog: Rc<Watchdog>,
    navigations: Rc<Navigations>,
    last: RefCell<Option<LastNavigation>>,
    decisions: Rc<RefCell<HashMap<u64, webkit2gtk::PolicyDecision>>>,
    scripts: RefCell<HashMap<u64, webkit2gtk::UserScript>>,
    token: String,
    /// Why the web process extension is not there, if it is not (nothing reaches pages then).
    extension_missing: Option<String>,
    web_messages: bool,
    id: WebViewId,
    host: Rc<dyn Host>,
    last_source: Rc<RefCell<String>>,
    resources: Resources,
    /// New-window requests waiting for the app's answer.
    new_windows: Rc<RefCell<HashMap<u64, Option<NewWindowDecision>>>>,
    /// Windows the runtime opened for this page (closed with it).
    popups: Rc<RefCell<Vec<gtk::Window>>>,
    /// The opener this view was created for, if any.
    opener: Option<WebViewId>,
    /// The subframes the web process extension reported, by WebKit frame id.
    frames: Rc<RefCell<BTreeSet<u64>>>,
    /// Shared buffers posted to the page and not released yet.
    buffers: Rc<RefCell<BTreeSet<u64>>>,
    /// The web process extension's report socket for this page (see `webpane-webext`'s fault.rs).
    report: Rc<Report>,
    /// Whether right-click shows WebKit's context menu.
    context_menus: Rc<Cell<bool>>,
    /// Set once the window is being closed (by us, or under us).
    closing: Rc<Cell<bool>>,
    /// Whether the view lives in another process's window.
    embedded: bool,
}

/// An embedding parent can vanish at any time (killed, closed): GDK's next request on our plug
/// then fails with BadWindow, which GDK treats as fatal unless an error trap is pushed. One trap,
/// pushed once and never popped, makes X errors non-fatal for this process (GDK's own nested
/// traps work as before); the plug's `destroy` then closes the view cleanly.
fn ignore_x_errors_of_vanished_windows() {
    thread_local!(static TRAPPED: Cell<bool> = const { Cell::new(false) });
    if !TRAPPED.with(|t| t.replace(true)) {
        gtk::gdk::error_trap_push();
    }
}

/// Maps and places a plug's X window inside its parent.
fn place_plug(window: &gtk::Window, x: i32, y: i32, width: u32, height: u32) {
    window.resize(width as i32, height as i32);
    if let Some(gdk_window) = window.window() {
        gdk_window.move_resize(x, y, width as i32, height as i32);
        gdk_window.show();
    }
}

/// What the web process extension tells about its process.
#[derive(Default)]
struct Report {
    socket: RefCell<Option<std::os::fd::OwnedFd>>,
    /// The web process's pid (from the socket's credentials).
    pid: Cell<Option<u32>>,
}

impl Report {
    /// Whether the process said, before dying, that the page wrote to a read-only buffer.
    fn read_only_write(&self) -> bool {
        let socket = self.socket.borrow();
        let Some(socket) = socket.as_ref() else { return false };
        let mut buf = [0u8; 64];
        matches!(
            rustix::net::recv(socket, &mut buf, rustix::net::RecvFlags::DONTWAIT),
            Ok((n, _)) if &buf[..n] == webext::READ_ONLY_WRITE
        )
    }
}

fn random_token() -> String {
    let mut bytes = [0u8; 16];
    if rustix::rand::getrandom(&mut bytes, rustix::rand::GetRandomFlags::empty()).is_err() {
        // Fall back to something unguessable enough for a same-process page.
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        bytes[..16].copy_from_slice(&t.as_nanos().to_le_bytes());
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl View {
    /// Creates the WebKit view, its window and its wiring.
    pub fn create(
        engine: &Engine<'_>,
        id: WebViewId,
        mode: &ViewMode,
        settings: &ViewSettings,
        opener: Option<(WebViewId, &webkit2gtk::WebView)>,
        host: Rc<dyn Host>,
    ) -> View {
        let content = webkit2gtk::UserContentManager::new();
        let builder = webkit2gtk::WebView::builder().user_content_manager(&content);
        // A view for a new window shares its opener's context and render process.
        let webview = match opener {
            Some((_, related)) => builder.related_view(related).build(),
            None => builder.web_context(engine.context).build(),
        };
        if let Some(s) = WebViewExt::settings(&webview) {
            // Checked when the runtime started (main.rs), so this cannot fail here.
            if let Err(e) = crate::server::apply_engine_arguments(&s, engine.arguments) {
                log::warn!("{e}");
            }
            s.set_enable_javascript(settings.scripts);
            // Every window.open reaches the app as NewWindowRequested (with is_user_initiated),
            // as in WebView2; the app decides, not WebKit's popup blocker.
            s.set_javascript_can_open_windows_automatically(true);
        }
        let window = match mode {
            ViewMode::Headless { width, height } => {
                let w = gtk::OffscreenWindow::new();
                w.set_default_size(*width as i32, *height as i32);
                w.upcast::<gtk::Window>()
            }
            ViewMode::Window { title, width, height } => {
                let w = gtk::Window::new(gtk::WindowType::Toplevel);
                w.set_title(title);
                w.set_default_size(*width as i32, *height as i32);
                w
            }
            ViewMode::Embedded {
                parent, width, height, ..
            } => {
                ignore_x_errors_of_vanished_windows();
                let w = crate::ffi::plug(*parent);
                w.set_default_size(*width as i32, *height as i32);
                w
            }
        };
        window.add(&webview);
        window.show_all();
        if let ViewMode::Embedded {
            x, y, width, height, ..
        } = mode
        {
            // A parent that knows nothing of XEmbed never maps the plug: do it here.
            place_plug(&window, *x, *y, *width, *height);
        }
        let closing = Rc::new(Cell::new(false));
        {
            // The window went away under us: the embedding parent died, or the user closed
            // the runtime's window.
            let (host, closing) = (host.clone(), closing.clone());
            let reason = match mode {
                ViewMode::Embedded { .. } => CloseReason::ParentWindowDestroyed,
                _ => CloseReason::WindowClosed,
            };
            window.connect_destroy(move |_| {
                if !closing.replace(true) {
                    let host = host.clone();
                    // After GTK's destroy has run: the server destroys the view then.
                    glib::idle_add_local_once(move || host.view_closed(id, reason));
                }
            });
        }

        let view = View {
            webview,
            window,
            content,
            watchdog: Rc::new(Watchdog::default()),
            navigations: Rc::new(Navigations::default()),
            last: RefCell::new(None),
            decisions: Rc::default(),
            scripts: RefCell::new(HashMap::new()),
            token: random_token(),
            web_messages: settings.web_messages,
            extension_missing: engine.extension_missing.map(str::to_owned),
            id,
            host: host.clone(),
            last_source: Rc::default(),
            resources: Resources::default(),
            new_windows: Rc::default(),
            popups: Rc::default(),
            opener: opener.map(|(id, _)| id),
            frames: Rc::default(),
            buffers: Rc::default(),
            report: Rc::default(),
            context_menus: Rc::new(Cell::new(true)),
            closing,
            embedded: matches!(mode, ViewMode::Embedded { .. }),
        };
        let menus = view.context_menus.clone();
        view.webview.connect_context_menu(move |_, _, _, _| !menus.get());
        view.protect_scheme_bodies(engine.schemes);
        view.wire_messages(id, &host);
        view.wire_navigation(id, &host);
        view.wire_health(id, &host);
        view.wire_new_windows(id, &host, mode);
        view.wire_frames(id, &host);
        view
    }

    /// Applies a setting.
    pub fn apply_setting(&self, setting: Setting) {
        let settings = WebViewExt::settings(&self.webview);
        match setting {
            Setting::Scripts(on) => settings.iter().for_each(|s| s.set_enable_javascript(on)),
            Setting::DevTools(on) => settings.iter().for_each(|s| s.set_enable_developer_extras(on)),
            Setting::DefaultContextMenus(on) => self.context_menus.set(on),
            Setting::ZoomFactor(zoom) => self.webview.set_zoom_level(zoom),
            Setting::UserAgent(agent) => settings.iter().for_each(|s| s.set_user_agent(agent.as_deref())),
            Setting::BackgroundColor([r, g, b, a]) => {
                let rgba = gtk::gdk::RGBA::new(
                    f64::from(r) / 255.0,
                    f64::from(g) / 255.0,
                    f64::from(b) / 255.0,
                    f64::from(a) / 255.0,
                );
                self.webview.set_background_color(&rgba);
            }
            Setting::Visible(true) => {
                self.window.show_all();
                if let (true, Some(gdk_window)) = (self.embedded, self.window.window()) {
                    gdk_window.show();
                }
            }
            Setting::Visible(false) => self.window.hide(),
        }
    }

    /// The opener this view was created for, if any.
    pub fn opener(&self) -> Option<WebViewId> {
        self.opener
    }

    /// The WebKit view.
    pub fn webkit(&self) -> &webkit2gtk::WebView {
        &self.webview
    }

    /// `window.open`: WebKit wants the new view synchronously, so the page waits while the main
    /// loop runs nested until the app answers (other apps and views are served meanwhile).
    fn wire_new_windows(&self, id: WebViewId, host: &Rc<dyn Host>, mode: &ViewMode) {
        let (host, pending, navigations) = (host.clone(), self.new_windows.clone(), self.navigations.clone());
        let (watchdog, popups, mode) = (self.watchdog.clone(), self.popups.clone(), mode.clone());
        self.webview.connect_create(move |opener, action| {
            let mut action = action.clone();
            let uri = action_uri(&mut action);
            let request = navigations.fresh();
            pending.borrow_mut().insert(request, None);
            host.send(RuntimeMessage::NewWindowRequested {
                id,
                request,
                uri,
                is_user_initiated: action.is_user_gesture(),
                name: action.frame_name().map(|n| n.to_string()).filter(|n| !n.is_empty()),
            });
            watchdog.paused.set(true);
            let deadline = Instant::now() + NEW_WINDOW_WAIT;
            let answered = || pending.borrow().get(&request).copied().flatten();
            NESTED.with(|n| n.set(n.get() + 1));
            // Wakes the nested loop now and then, so that the deadline is noticed.
            let tick = glib::timeout_add_local(Duration::from_millis(100), || ControlFlow::Continue);
            let context = glib::MainContext::default();
            while answered().is_none() && host.connected() && Instant::now() < deadline {
                context.iteration(true);
            }
            tick.remove();
            NESTED.with(|n| n.set(n.get() - 1));
            watchdog.paused.set(false);
            watchdog.answered();
            let decision = answered().unwrap_or_else(|| {
                log::warn!("view {}: no answer to a new-window request; denied", id.0);
                NewWindowDecision::Deny
            });
            pending.borrow_mut().remove(&request);
            let closed = DEFERRED_DESTROY.with(|d| d.borrow().iter().any(|v| v.webview == *opener));
            let widget = match decision {
                _ if closed => None,
                NewWindowDecision::Deny => None,
                NewWindowDecision::Default => Some(open_popup(opener, &mode, &popups)),
                NewWindowDecision::Use(new) => match host.view_opened_by(new, id) {
                    Some(view) => Some(view.upcast::<gtk::Widget>()),
                    None => {
                        host.send(RuntimeMessage::RequestFailed {
                            id: Some(id),
                            reason: format!("webview {} was not created for this opener", new.0),
                        });
                        None
                    }
                },
            };
            if NESTED.with(Cell::get) == 0 {
                let closed: Vec<View> = DEFERRED_DESTROY.with(|d| d.borrow_mut().drain(..).collect());
                // After this handler returns: WebKit still uses the opener until then.
                if !closed.is_empty() {
                    glib::idle_add_local_once(move || closed.into_iter().for_each(View::destroy));
                }
            }
            widget
        });
    }

    /// Frames, as the web process extension reports them.
    fn wire_frames(&self, id: WebViewId, host: &Rc<dyn Host>) {
        let (host, frames, buffers) = (host.clone(), self.frames.clone(), self.buffers.clone());
        let report = self.report.clone();
        self.webview.connect_user_message_received(move |_, message| {
            let name = message.name().map(|n| n.to_string()).unwrap_or_default();
            let json = parameters_json(message);
            match name.as_str() {
                webext::HELLO => {
                    if let Some(socket) = message.fd_list().and_then(|l| crate::ffi::take_fd(&l, 0)) {
                        let pid = rustix::net::sockopt::socket_peercred(&socket)
                            .ok()
                            .map(|c| c.pid.as_raw_nonzero().get() as u32);
                        log::debug!("view {}: web process {pid:?} says hello", id.0);
                        report.pid.set(pid);
                        report.socket.replace(Some(socket));
                    }
                    true
                }
                webext::FRAME_CREATED | webext::FRAME_NAVIGATED => {
                    let Ok(info) = serde_json::from_str::<webext::FrameInfo>(&json) else {
                        log::warn!("view {}: malformed {name} from the web process", id.0);
                        return true;
                    };
                    if frames.borrow_mut().insert(info.frame) {
                        host.send(RuntimeMessage::FrameCreated {
                            id,
                            frame: info.frame,
                            name: info.name,
                            source: info.uri,
                        });
                    } else {
                        host.send(RuntimeMessage::FrameNavigated {
                            id,
                            frame: info.frame,
                            source: info.uri,
                        });
                    }
                    true
                }
                webext::BUFFER_RELEASED => {
                    if let Ok(gone) = serde_json::from_str::<webext::BufferGone>(&json) {
                        if buffers.borrow_mut().remove(&gone.buffer) {
                            host.send(RuntimeMessage::SharedBufferReleased {
                                id,
                                buffer: gone.buffer,
                            });
                        }
                    }
                    true
                }
                webext::FRAME_DESTROYED => {
                    if let Ok(gone) = serde_json::from_str::<webext::FrameGone>(&json) {
                        if frames.borrow_mut().remove(&gone.frame) {
                            host.send(RuntimeMessage::FrameDestroyed { id, frame: gone.frame });
                        }
                    }
                    true
                }
                _ => false,
            }
        });
        // A render process that exits takes its frames and mappings along.
        let (host, frames, buffers) = (self.host.clone(), self.frames.clone(), self.buffers.clone());
        self.webview.connect_web_process_terminated(move |_, _| {
            let gone: Vec<u64> = std::mem::take(&mut *frames.borrow_mut()).into_iter().collect();
            for frame in gone {
                host.send(RuntimeMessage::FrameDestroyed { id, frame });
            }
            let released: Vec<u64> = std::mem::take(&mut *buffers.borrow_mut()).into_iter().collect();
            for buffer in released {
                host.send(RuntimeMessage::SharedBufferReleased { id, buffer });
            }
        });
    }

    /// Answers a NewWindowRequested; unknown requests (answered, timed out) are ignored.
    pub fn answer_new_window(&self, request: u64, decision: NewWindowDecision) {
        if let Some(slot) = self.new_windows.borrow_mut().get_mut(&request) {
            *slot = Some(decision);
        }
    }

    /// Custom-scheme request bodies that WebKit's browser process cannot read (Blobs: it hangs)
    /// are turned into bytes in the page first; see `scheme_bodies.js`.
    fn protect_scheme_bodies(&self, schemes: &[CustomScheme]) {
        if schemes.is_empty() {
            return;
        }
        let protocols: Vec<String> = schemes.iter().map(|s| format!("{}:", s.name)).collect();
        let list = serde_json::to_string(&protocols).unwrap_or_else(|_| "[]".into());
        let script = include_str!("scheme_bodies.js").replace("__SCHEMES__", &list);
        self.content.add_script(&webkit2gtk::UserScript::new(
            &script,
            UserContentInjectedFrames::AllFrames,
            UserScriptInjectionTime::Start,
            &[],
            &[],
        ));
    }

    /// `chrome.webview` in the page world, and the runtime's own DOMContentLoaded hook in an
    /// isolated world.
    fn wire_messages(&self, id: WebViewId, host: &Rc<dyn Host>) {
        let internal = format!(
            "if (window === window.top) document.addEventListener('DOMContentLoaded', () => \
             window.webkit.messageHandlers['{INTERNAL_HANDLER}'].postMessage('dom-content-loaded'), {{ once: true }});"
        );
        self.content.add_script(&webkit2gtk::UserScript::for_world(
            &internal,
            UserContentInjectedFrames::TopFrame,
            UserScriptInjectionTime::Start,
            INTERNAL_WORLD,
            &[],
            &[],
        ));
        self.content
            .register_script_message_handler_in_world(INTERNAL_HANDLER, INTERNAL_WORLD);
        {
            let (host, navigations) = (host.clone(), self.navigations.clone());
            self.content
                .connect_script_message_received(Some(INTERNAL_HANDLER), move |_, _| {
                    host.send(RuntimeMessage::DomContentLoaded {
                        id,
                        navigation_id: navigations.current.get(),
                    });
                });
        }
        let enabled = self.web_messages;
        if enabled {
            let shim = include_str!("chrome_webview.js").replace("__TOKEN__", &self.token);
            self.content.add_script(&webkit2gtk::UserScript::new(
                &shim,
                UserContentInjectedFrames::AllFrames,
                UserScriptInjectionTime::Start,
                &[],
                &[],
            ));
        }
        let (host, token, webview) = (host.clone(), self.token.clone(), self.webview.downgrade());
        let frames = self.frames.clone();
        let acks = Rc::new(Acks::default());
        self.webview.connect_user_message_received(move |_, message| {
            if message.name().as_deref() != Some(webext::WEB_MESSAGE) {
                return false;
            }
            if !enabled {
                // No shim, so no chrome.webview: whatever called the extension's sender is not
                // one of ours to pass on.
                return true;
            }
            let message = match page_messages::decode(message.parameters().as_ref()) {
                Ok(message) => message,
                Err(why) => {
                    log::warn!("view {}: dropped a web message: {why}", id.0);
                    return true;
                }
            };
            // The frame is WebKit's word (through the extension), never the page's.
            let frame = if message.is_main {
                None
            } else if frames.borrow().contains(&message.frame) {
                Some(message.frame)
            } else {
                log::warn!("view {}: dropped a web message from a frame that is gone", id.0);
                return true;
            };
            match page_messages::check_json(&message.json) {
                Ok(()) => host.send(RuntimeMessage::WebMessageReceived {
                    id,
                    frame,
                    source: message.source,
                    json: message.json,
                }),
                Err(why) => log::warn!("view {}: dropped a web message: {why}", id.0),
            }
            // Flow control: the sending frame may have more in flight once this one has left
            // for the app (or was dropped).
            let (acks, webview, token) = (acks.clone(), webview.clone(), token.clone());
            host.when_sent(Box::new(move || acks.acknowledge(&webview, &token, frame)));
            true
        });
    }

    fn wire_navigation(&self, id: WebViewId, host: &Rc<dyn Host>) {
        let failure: Rc<RefCell<Option<WebError>>> = Rc::default();
        {
            let failure = failure.clone();
            self.webview.connect_load_failed(move |_, _, _, error| {
                log::debug!("load failed: {error}");
                failure.replace(Some(WebError {
                    domain: error.domain().as_str().to_string(),
                    code: crate::ffi::error_code(error),
                    message: error.message().to_string(),
                }));
                false
            });
        }
        {
            let (host, navigations, watchdog) = (host.clone(), self.navigations.clone(), self.watchdog.clone());
            let last_source = self.last_source.clone();
            let history = Cell::new((false, false));
            self.webview.connect_load_changed(move |view, event| {
                // Loads are when WebKit starts processes: report them before the page's events,
                // so an app always knows every process it must see exit.
                host.refresh_children();
                log::debug!("view {} load event {event:?}", id.0);
                match event {
                    LoadEvent::Started => {
                        watchdog.loading.set(true);
                        let nav = navigations.allowed.take().unwrap_or_else(|| navigations.fresh());
                        navigations.current.set(nav);
                        failure.replace(None);
                    }
                    LoadEvent::Committed => {
                        watchdog.alive.set(true);
                        report_source(view, id, &host, &last_source);
                        host.send(RuntimeMessage::ContentLoading {
                            id,
                            navigation_id: navigations.current.get(),
                        });
                        let now = (view.can_go_back(), view.can_go_forward());
                        if history.replace(now) != now {
                            host.send(RuntimeMessage::HistoryChanged {
                                id,
                                can_go_back: now.0,
                                can_go_forward: now.1,
                            });
                        }
                    }
                    LoadEvent::Finished => {
                        watchdog.loading.set(false);
                        let error = failure.take();
                        host.send(RuntimeMessage::NavigationCompleted {
                            id,
                            navigation_id: navigations.current.get(),
                            is_success: error.is_none(),
                            error,
                        });
                    }
                    _ => {}
                }
            });
        }
        {
            // WebKit changes `uri` as soon as a load is requested; WebView2 raises SourceChanged
            // after NavigationStarting. So: report at commit (below), and directly only for
            // same-document changes (fragment, pushState), which happen while not loading.
            let (host, last) = (host.clone(), self.last_source.clone());
            self.webview.connect_uri_notify(move |view| {
                if !view.is_loading() {
                    report_source(view, id, &host, &last);
                }
            });
        }
        {
            let host = host.clone();
            self.webview.connect_title_notify(move |view| {
                host.send(RuntimeMessage::DocumentTitleChanged {
                    id,
                    title: view.title().map(|t| t.to_string()).unwrap_or_default(),
                });
            });
        }
        {
            let (host, decisions, navigations) = (host.clone(), self.decisions.clone(), self.navigations.clone());
            self.webview.connect_decide_policy(move |_, decision, kind| {
                if kind != PolicyDecisionType::NavigationAction {
                    return false;
                }
                let Some(mut action) = decision
                    .downcast_ref::<webkit2gtk::NavigationPolicyDecision>()
                    .and_then(|d| d.navigation_action())
                else {
                    return false;
                };
                let uri = action_uri(&mut action);
                let request = navigations.fresh();
                // Hold the navigation (keep a ref, return TRUE) until the app answers.
                decisions.borrow_mut().insert(request, decision.clone());
                host.send(RuntimeMessage::NavigationStarting {
                    id,
                    request,
                    uri,
                    is_redirect: action.is_redirect(),
                    is_user_initiated: action.is_user_gesture(),
                });
                true
            });
        }
    }

    fn wire_health(&self, id: WebViewId, host: &Rc<dyn Host>) {
        {
            let (host, watchdog, report) = (host.clone(), self.watchdog.clone(), self.report.clone());
            self.webview.connect_web_process_terminated(move |_, reason| {
                watchdog.alive.set(false);
                watchdog.answered();
                let reason = match reason {
                    WebProcessTerminationReason::Crashed => ProcessFailedReason::Crashed,
                    WebProcessTerminationReason::ExceededMemoryLimit => ProcessFailedReason::OutOfMemory,
                    WebProcessTerminationReason::TerminatedByApi => ProcessFailedReason::Terminated,
                    _ => ProcessFailedReason::Unexpected,
                };
                // WebKit may notice before the kernel has marked the process exited: look for
                // the one child that exited, for up to RENDER_EXIT_IDENTIFY, then report.
                let reason = if report.read_only_write() {
                    ProcessFailedReason::ReadOnlySharedBufferWrite
                } else {
                    reason
                };
                let reported_pid = report.pid.take();
                report.socket.replace(None);
                let known = host.known_children();
                let started = Instant::now();
                let host = host.clone();
                glib::timeout_add_local(Duration::from_millis(10), move || {
                    let exited = crate::children::exited_children(&known);
                    let identified = match exited[..] {
                        [(pid, code, signal)] if reported_pid.is_none_or(|p| p == pid) => {
                            Some((Some(pid), code, signal))
                        }
                        // Told apart by the extension's socket credentials.
                        _ if reported_pid.is_some_and(|p| exited.iter().any(|e| e.0 == p)) => exited
                            .iter()
                            .find(|e| Some(e.0) == reported_pid)
                            .map(|&(pid, code, signal)| (Some(pid), code, signal)),
                        _ if started.elapsed() >= RENDER_EXIT_IDENTIFY => Some((reported_pid, None, None)),
                        _ => None,
                    };
                    let Some((process_id, exit_code, signal)) = identified else {
                        return ControlFlow::Continue;
                    };
                    host.refresh_children();
                    host.send(RuntimeMessage::ProcessFailed {
                        id,
                        kind: ProcessFailedKind::RenderProcessExited,
                        reason,
                        process_id,
                        exit_code,
                        signal,
                        process_description: "WebKitWebProcess".into(),
                    });
                    ControlFlow::Break
                });
            });
        }
        let weak_view = self.webview.downgrade();
        let (dog, report) = (self.watchdog.clone(), self.report.clone());
        let host = host.clone();
        let timer = glib::timeout_add_local(WATCHDOG_TICK, move || {
            let Some(view) = weak_view.upgrade() else {
                return ControlFlow::Break;
            };
            if !dog.alive.get() || dog.paused.get() {
                return ControlFlow::Continue;
            }
            if !dog.pinging() {
                dog.ping_sent(report.pid.get());
                let answer = dog.clone();
                // An isolated world: the page cannot see or intercept the ping.
                view.evaluate_javascript(
                    "0",
                    Some("webpane-watchdog"),
                    None,
                    None::<&gio::Cancellable>,
                    move |_| answer.answered(),
                );
            } else if dog.unresponsive(report.pid.get()) {
                host.send(RuntimeMessage::ProcessFailed {
                    id,
                    kind: ProcessFailedKind::RenderProcessUnresponsive,
                    reason: ProcessFailedReason::Unresponsive,
                    process_id: None,
                    exit_code: None,
                    signal: None,
                    process_description: "WebKitWebProcess".into(),
                });
            }
            ControlFlow::Continue
        });
        self.watchdog.timer.replace(Some(timer));
    }

    /// Navigates to a URI.
    pub fn navigate(&self, uri: String) {
        self.webview.load_uri(&uri);
        self.last.replace(Some(LastNavigation::Uri(uri)));
    }

    /// Shows an HTML document.
    pub fn navigate_to_string(&self, html: String) {
        self.webview.load_html(&html, None);
        self.last.replace(Some(LastNavigation::Html(html)));
    }

    /// Reloads; after the render process is gone WebKit's reload does nothing for a document
    /// loaded from a string, so the last navigation is issued again (the current URI if the page
    /// moved on).
    pub fn reload(&self) {
        if self.watchdog.alive.get() {
            self.webview.reload();
            return;
        }
        let current = self
            .webview
            .uri()
            .map(|u| u.to_string())
            .filter(|u| !u.is_empty() && u != "about:blank");
        match (current, &*self.last.borrow()) {
            (Some(uri), _) => self.webview.load_uri(&uri),
            (None, Some(LastNavigation::Html(html))) => self.webview.load_html(html, None),
            (None, Some(LastNavigation::Uri(uri))) => self.webview.load_uri(uri),
            (None, None) => self.webview.reload(),
        }
    }

    /// Stops loading.
    pub fn stop(&self) {
        // A navigation allowed but not started yet vanishes silently in WebKit: complete it here.
        if let Some(pending) = self.navigations.allowed.take() {
            self.cancelled(pending);
        }
        self.webview.stop_loading();
    }

    /// Goes back, if it can.
    pub fn go_back(&self) {
        self.webview.go_back();
    }

    /// Goes forward, if it can.
    pub fn go_forward(&self) {
        self.webview.go_forward();
    }

    /// Terminates the render process.
    pub fn terminate_render_process(&self) {
        self.webview.terminate_web_process();
    }

    /// Answers a NavigationStarting; unknown requests (already answered, never asked) are ignored.
    ///
    /// Every NavigationStarting gets exactly one NavigationCompleted, as in WebView2: a cancelled
    /// navigation, or one superseded before it started, completes with OperationCanceled.
    pub fn answer_navigation(&self, request: u64, cancel: bool) {
        let Some(decision) = self.decisions.borrow_mut().remove(&request) else {
            return;
        };
        if cancel {
            decision.ignore();
            self.cancelled(request);
        } else {
            if let Some(superseded) = self.navigations.allowed.replace(Some(request)) {
                self.cancelled(superseded);
            }
            decision.use_();
        }
    }

    fn cancelled(&self, navigation_id: u64) {
        self.host.send(RuntimeMessage::NavigationCompleted {
            id: self.id,
            navigation_id,
            is_success: false,
            error: Some(WebError {
                domain: "WebKitNetworkError".into(),
                code: 302,
                message: "the navigation was cancelled".into(),
            }),
        });
    }

    /// Runs a script in the page world of the main frame or of a subframe (through the web
    /// process extension); `done` gets the result as JSON or the error.
    pub fn execute_script(
        &self,
        frame: Option<u64>,
        script: &str,
        done: impl FnOnce(Result<String, String>) + 'static,
    ) {
        if let Some(frame) = frame {
            self.run_in_frame(frame, script, done);
            return;
        }
        self.webview
            .evaluate_javascript(script, None, None, None::<&gio::Cancellable>, move |result| {
                done(match result {
                    Ok(value) => Ok(value.to_json(0).map(|j| j.to_string()).unwrap_or_else(|| "null".into())),
                    Err(e) => Err(e.message().to_string()),
                })
            });
    }

    /// Adds a script run at the start of every document, in every frame.
    pub fn add_document_created_script(&self, script_id: u64, source: &str) {
        let script = webkit2gtk::UserScript::new(
            source,
            UserContentInjectedFrames::AllFrames,
            UserScriptInjectionTime::Start,
            &[],
            &[],
        );
        self.content.add_script(&script);
        if let Some(old) = self.scripts.borrow_mut().insert(script_id, script) {
            self.content.remove_script(&old);
        }
    }

    /// Removes a script added with `add_document_created_script`.
    pub fn remove_document_created_script(&self, script_id: u64) {
        if let Some(script) = self.scripts.borrow_mut().remove(&script_id) {
            self.content.remove_script(&script);
        }
    }

    /// Hands shared memory to the page (or a subframe) through the web process extension; the
    /// runtime keeps neither the fd nor a mapping. `done` gets whether the page received it.
    pub fn post_shared_buffer(&self, post: BufferPost, done: impl FnOnce(Result<(), String>) + 'static) {
        let BufferPost {
            frame,
            buffer,
            memory,
            size,
            read_only,
            additional_data,
        } = post;
        if !self.web_messages {
            done(Err(
                "web messages are off for this webview: the page has no chrome.webview".into(),
            ));
            return;
        }
        if let Some(why) = &self.extension_missing {
            done(Err(format!("the browser process has no web process extension ({why})")));
            return;
        }
        if frame.is_some_and(|f| !self.frames.borrow().contains(&f)) {
            done(Err("the frame is gone".into()));
            return;
        }
        let post = webext::SharedBufferPost {
            buffer,
            frame,
            size,
            read_only,
            additional_data,
            token: self.token.clone(),
        };
        let json = serde_json::to_string(&post).unwrap_or_default();
        let fds = gio::UnixFDList::from_array([memory]);
        let message =
            webkit2gtk::UserMessage::with_fd_list(webext::SHARED_BUFFER, Some(&json.to_variant()), Some(&fds));
        drop(fds);
        self.buffers.borrow_mut().insert(buffer);
        let (buffers, host, id) = (self.buffers.clone(), self.host.clone(), self.id);
        self.webview
            .send_message_to_page(&message, None::<&gio::Cancellable>, move |reply| {
                let result = match decode_reply::<webext::Delivery>(reply) {
                    Ok(webext::Delivery::Delivered) => Ok(()),
                    Ok(webext::Delivery::Failed(why)) | Err(why) => Err(why),
                };
                if result.is_err() && buffers.borrow_mut().remove(&buffer) {
                    host.send(RuntimeMessage::SharedBufferReleased { id, buffer });
                }
                done(result);
            });
    }

    fn run_in_frame(&self, frame: u64, script: &str, done: impl FnOnce(Result<String, String>) + 'static) {
        if !self.frames.borrow().contains(&frame) {
            done(Err("the frame is gone".into()));
            return;
        }
        script_in_frame(&self.webview, frame, script, done);
    }

    /// Delivers a web message to the `chrome.webview` listeners of the main frame or a subframe
    /// (dropped if the document has none, as in WebView2).
    pub fn post_web_message(&self, frame: Option<u64>, json: &str) {
        if !self.web_messages {
            return;
        }
        let script = format!(
            "window.chrome && window.chrome.webview && window.chrome.webview.__webpaneDispatch(\"{}\", {json}); void 0",
            self.token
        );
        if let Some(frame) = frame {
            self.run_in_frame(frame, &script, |result| {
                if let Err(e) = result {
                    log::warn!("a web message could not be delivered to a frame: {e}");
                }
            });
            return;
        }
        self.webview
            .evaluate_javascript(&script, None, None, None::<&gio::Cancellable>, |result| {
                if let Err(e) = result {
                    log::warn!("a web message could not be delivered: {e}");
                }
            });
    }

    /// Whether `webview` is this view's WebKit view.
    pub fn is(&self, webview: &webkit2gtk::WebView) -> bool {
        self.webview == *webview
    }

    /// Handles a request of a custom scheme made by this view's page.
    pub fn resource_request(&self, scheme: &CustomScheme, request: &webkit2gtk::URISchemeRequest) {
        let document = self.webview.uri().map(|u| u.to_string()).unwrap_or_default();
        self.resources.request(self.id, &self.host, scheme, &document, request);
    }

    /// Raises WebResourceRequested for URIs matching `filter`.
    pub fn add_resource_filter(&self, filter: String) {
        self.resources.add_filter(filter);
    }

    /// Removes a filter.
    pub fn remove_resource_filter(&self, filter: &str) {
        self.resources.remove_filter(filter);
    }

    /// Answers a WebResourceRequested; an answer the engine cannot take fails the request and
    /// returns why.
    pub fn answer_resource(
        &self,
        request: u64,
        response: Option<ResourceResponse>,
        fds: &mut ReceivedFds,
    ) -> Result<(), String> {
        self.resources.answer(request, response, fds)
    }

    /// Closes the window and stops the watchdog (later, if a new-window wait is running: WebKit
    /// may be inside this view's or its opener's handler).
    pub fn destroy(self) {
        if NESTED.with(Cell::get) > 0 {
            DEFERRED_DESTROY.with(|d| d.borrow_mut().push(self));
            return;
        }
        self.resources.fail_pending();
        // Navigations held for the app's answer: a held decision keeps the page, and so its
        // render process, alive after the view is gone.
        let held: Vec<webkit2gtk::PolicyDecision> = self.decisions.borrow_mut().drain().map(|(_, d)| d).collect();
        for decision in held {
            decision.ignore();
        }
        for popup in self.popups.borrow_mut().drain(..) {
            popup.close();
        }
        if let Some(source) = self.watchdog.timer.borrow_mut().take() {
            source.remove();
        }
        if !self.closing.replace(true) {
            self.window.remove(&self.webview);
            self.window.close();
        }
    }

    /// Moves and resizes the view.
    pub fn set_bounds(&self, x: i32, y: i32, width: u32, height: u32) {
        if self.embedded {
            place_plug(&self.window, x, y, width, height);
        } else {
            self.window.move_(x, y);
            self.window.resize(width as i32, height as i32);
        }
    }

    /// Gives the page the keyboard focus (for an embedded view, the X input focus too).
    pub fn move_focus(&self) {
        self.webview.grab_focus();
        if let Some(gdk_window) = self.window.window() {
            gdk_window.focus(0); // GDK_CURRENT_TIME
        }
    }
}

/// Runs a script in a subframe through the web process extension.
pub(crate) fn script_in_frame(
    webview: &webkit2gtk::WebView,
    frame: u64,
    script: &str,
    done: impl FnOnce(Result<String, String>) + 'static,
) {
    let request = webext::FrameScript {
        frame,
        script: script.to_owned(),
    };
    let json = serde_json::to_string(&request).unwrap_or_default();
    let message = webkit2gtk::UserMessage::new(webext::FRAME_SCRIPT, Some(&json.to_variant()));
    webview.send_message_to_page(&message, None::<&gio::Cancellable>, move |reply| {
        done(match decode_reply::<webext::ScriptOutcome>(reply) {
            Ok(webext::ScriptOutcome::Ok(json)) => Ok(json),
            Ok(webext::ScriptOutcome::Err(e)) | Err(e) => Err(e),
        })
    });
}

/// The URI a navigation action goes to.
fn action_uri(action: &mut webkit2gtk::NavigationAction) -> String {
    action
        .request()
        .and_then(|r| r.uri())
        .map(|u| u.to_string())
        .unwrap_or_default()
}

/// The parameters of a user message from the web process extension: one JSON string.
fn parameters_json(message: &webkit2gtk::UserMessage) -> String {
    message
        .parameters()
        .and_then(|p| p.str().map(str::to_owned))
        .unwrap_or_default()
}

/// The extension's reply to a user message, decoded.
fn decode_reply<T: serde::de::DeserializeOwned>(
    reply: Result<webkit2gtk::UserMessage, glib::Error>,
) -> Result<T, String> {
    let reply = reply.map_err(|e| e.message().to_string())?;
    serde_json::from_str(&parameters_json(&reply)).map_err(|e| e.to_string())
}

/// A window of the runtime's own for a page's `window.open` (the default answer): shown when
/// WebKit says it is ready, closed by the page's `window.close()` or with its opener.
fn open_popup(opener: &webkit2gtk::WebView, mode: &ViewMode, popups: &Rc<RefCell<Vec<gtk::Window>>>) -> gtk::Widget {
    let popup = webkit2gtk::WebView::builder().related_view(opener).build();
    let window = match mode {
        ViewMode::Headless { width, height } => {
            let w = gtk::OffscreenWindow::new();
            w.set_default_size(*width as i32, *height as i32);
            w.upcast::<gtk::Window>()
        }
        ViewMode::Window { width, height, .. } | ViewMode::Embedded { width, height, .. } => {
            let w = gtk::Window::new(gtk::WindowType::Toplevel);
            w.set_default_size(*width as i32, *height as i32);
            w
        }
    };
    window.add(&popup);
    let weak = window.downgrade();
    popup.connect_ready_to_show(move |_| {
        if let Some(w) = weak.upgrade() {
            w.show_all();
        }
    });
    let (weak, list) = (window.downgrade(), Rc::downgrade(popups));
    popup.connect_close(move |_| {
        if let Some(w) = weak.upgrade() {
            if let Some(list) = list.upgrade() {
                list.borrow_mut().retain(|p| *p != w);
            }
            w.close();
        }
    });
    popup.connect_title_notify(|view| {
        if let Some(w) = view.toplevel().and_then(|t| t.downcast::<gtk::Window>().ok()) {
            w.set_title(view.title().as_deref().unwrap_or(""));
        }
    });
    popups.borrow_mut().push(window);
    popup.upcast()
}

/// Sends SourceChanged if the view's URI differs from the last one reported.
fn report_source(view: &webkit2gtk::WebView, id: WebViewId, host: &Rc<dyn Host>, last: &RefCell<String>) {
    let uri = view.uri().map(|u| u.to_string()).unwrap_or_default();
    if *last.borrow() != uri {
        last.replace(uri.clone());
        host.send(RuntimeMessage::SourceChanged { id, uri });
    }
}
