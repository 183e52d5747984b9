//! The runtime's GTK main-loop side: accepting apps, answering their requests, WebKit views and
//! their events.
//!
//! Everything here runs on the GTK main thread. Sockets are watched with GLib fd sources; a
//! client that sends anything malformed, out of order or naming a view it does not own is
//! disconnected (its views closed) and the others go on: nothing a client sends can panic this
//! process.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeSet, HashMap};
use std::os::fd::{AsFd, AsRawFd};
use std::rc::{Rc, Weak};
use std::time::Duration;

use glib::{ControlFlow, IOCondition, SourceId};
use gtk::prelude::*;
use webkit2gtk::{CookieManagerExt, SecurityManagerExt, URISchemeRequestExt, WebContextExt, WebsiteDataManagerExt};
use webpane_ipc::protocol::{
    AppMessage, CloseReason, CustomScheme, OutputTarget, RuntimeMessage, RuntimeOptions, ViewMode, WebViewId,
};
use webpane_ipc::{Connection, IpcError, Outgoing, ReceivedFds};

mod accept;

use crate::udf::OwnedFolder;
use crate::view::{BufferPost, Engine, Host, View};

/// How long the runtime stays after its last webview closed (or after start, if none is created).
pub const DEFAULT_GRACE: Duration = Duration::from_secs(2);
/// How long a new runtime waits for its first webview, at least.
const STARTUP_GRACE: Duration = Duration::from_secs(2);
/// How much may wait for a client that does not read before it is considered stuck and dropped.
/// Pages cannot push a client there: their messages are flow-controlled (see `chrome_webview.js`).
pub const MAX_CLIENT_BACKLOG: usize = 256 << 20;
/// How much may wait for all clients together: past it, the client furthest behind is dropped.
pub const MAX_TOTAL_BACKLOG: usize = 512 << 20;
/// How long a dropped client's last message ([`RuntimeMessage::Disconnecting`]) may wait for it
/// to read before the connection closes anyway.
const FAREWELL_TIMEOUT: Duration = Duration::from_secs(5);

struct Client {
    id: u64,
    conn: Connection,
    welcomed: Cell<bool>,
    views: RefCell<HashMap<WebViewId, View>>,
    watch: RefCell<Option<SourceId>>,
    /// Set while the outgoing queue waits for the socket to become writable.
    writable_watch: RefCell<Option<SourceId>>,
    /// Run once everything queued so far has gone to the socket (page acknowledgements).
    when_sent: RefCell<Vec<Box<dyn FnOnce()>>>,
    /// Being disconnected: nothing more is queued for it or read from it.
    departing: Cell<bool>,
}

/// A view's link to the runtime and to the app that owns it.
struct ClientHost {
    server: Weak<Server>,
    client: Weak<Client>,
}

impl Host for ClientHost {
    fn send_with_fds(&self, message: RuntimeMessage, fds: Outgoing<'static>) {
        if let (Some(server), Some(client)) = (self.server.upgrade(), self.client.upgrade()) {
            server.send_with_fds(&client, &message, fds);
        }
    }

    fn when_sent(&self, f: Box<dyn FnOnce()>) {
        if let (Some(server), Some(client)) = (self.server.upgrade(), self.client.upgrade()) {
            server.when_sent(&client, f);
        }
    }

    fn refresh_children(&self) {
        if let Some(server) = self.server.upgrade() {
            server.refresh_children();
        }
    }

    fn connected(&self) -> bool {
        match (self.server.upgrade(), self.client.upgrade()) {
            (Some(server), Some(client)) => server.clients.borrow().contains_key(&client.id),
            _ => false,
        }
    }

    fn view_closed(&self, id: WebViewId, reason: CloseReason) {
        if let (Some(server), Some(client)) = (self.server.upgrade(), self.client.upgrade()) {
            let view = client.views.borrow_mut().remove(&id);
            if let Some(view) = view {
                log::info!("view {} closed: {reason:?}", id.0);
                view.destroy();
                server.send(&client, &RuntimeMessage::WebViewClosed { id, reason });
                server.schedule_idle_check();
            }
        }
    }

    fn view_opened_by(&self, id: WebViewId, opener: WebViewId) -> Option<webkit2gtk::WebView> {
        let client = self.client.upgrade()?;
        let views = client.views.borrow();
        let view = views.get(&id)?;
        (view.opener() == Some(opener)).then(|| view.webkit().clone())
    }

    fn known_children(&self) -> BTreeSet<u32> {
        self.server
            .upgrade()
            .map(|s| s.known_children.borrow().clone())
            .unwrap_or_default()
    }
}

/// The runtime's state on the main thread.
pub struct Server {
    /// This server (for callbacks scheduled from `&self`).
    me: Weak<Server>,
    options: RuntimeOptions,
    context: webkit2gtk::WebContext,
    /// The profile: cookies, caches, storage.
    data: webkit2gtk::WebsiteDataManager,
    clients: RefCell<HashMap<u64, Rc<Client>>>,
    next_client: Cell<u64>,
    grace: Duration,
    idle_timer: RefCell<Option<SourceId>>,
    uid: u32,
    known_children: RefCell<BTreeSet<u32>>,
    quitting: Cell<bool>,
    folder: RefCell<Option<OwnedFolder>>,
    /// Why the web process extension is not installed, if it is not.
    extension_missing: Option<String>,
    /// Watches on the runtime binary and the WebKitGTK library, kept alive with the server.
    monitors: RefCell<Vec<gio::FileMonitor>>,
    new_version: Cell<bool>,
    /// The listening socket's watch and the clients half-way through the handshake.
    acceptor: accept::Acceptor,
}

impl Server {
    /// Sets up WebKit's context with its data under the folder, and starts accepting clients.
    pub fn start(folder: OwnedFolder, options: RuntimeOptions, grace: Duration) -> Rc<Server> {
        let data = folder.webkit_dir().to_owned();
        let manager = webkit2gtk::WebsiteDataManager::builder()
            .base_data_directory(data.join("data").to_string_lossy().as_ref())
            .base_cache_directory(data.join("cache").to_string_lossy().as_ref())
            .build();
        let context = webkit2gtk::WebContext::with_website_data_manager(&manager);
        // WebKit keeps cookies in memory only unless told where to store them.
        if let Some(cookies) = manager.cookie_manager() {
            let path = data.join("cookies.sqlite");
            cookies.set_persistent_storage(&path.to_string_lossy(), webkit2gtk::CookiePersistentStorage::Sqlite);
        }
        // Before any web process exists: WebKit loads every library in this folder into each.
        let extension_missing = match install_extension(&folder) {
            Ok(dir) => {
                context.set_web_extensions_directory(&dir.to_string_lossy());
                None
            }
            Err(e) => {
                log::error!("{e}; frames and shared buffers are unavailable");
                Some(e)
            }
        };
        if let Some(language) = &options.language {
            context.set_preferred_languages(&[language.as_str()]);
        }
        // Only before the first web process exists.
        context.set_sandbox_enabled(options.sandbox);
        crate::downloads::refuse_all(&context);
        let server = Rc::new_cyclic(|me| Server {
            me: me.clone(),
            extension_missing,
            options,
            context,
            data: manager,
            clients: RefCell::new(HashMap::new()),
            next_client: Cell::new(1),
            grace,
            idle_timer: RefCell::new(None),
            uid: rustix::process::getuid().as_raw(),
            known_children: RefCell::new(BTreeSet::new()),
            quitting: Cell::new(false),
            folder: RefCell::new(Some(folder)),
            monitors: RefCell::new(Vec::new()),
            new_version: Cell::new(false),
            acceptor: accept::Acceptor::default(),
        });
        server.watch_for_new_versions();
        server.register_schemes();

        server.watch_listener();

        // Child processes: report changes to every client, so that apps can wait for them all.
        let weak = Rc::downgrade(&server);
        glib::timeout_add_local(Duration::from_millis(250), move || {
            let Some(server) = weak.upgrade() else {
                return ControlFlow::Break;
            };
            server.refresh_children();
            ControlFlow::Continue
        });

        let weak = Rc::downgrade(&server);
        glib::unix_signal_add_local(rustix::process::Signal::TERM.as_raw(), move || {
            if let Some(server) = weak.upgrade() {
                log::info!("SIGTERM: shutting down");
                server.quit();
            }
            ControlFlow::Break
        });

        // A runtime just started is waited for by the app that started it: give that app time
        // to connect and ask for its first webview, whatever the grace.
        server.schedule_idle_check_after(grace.max(STARTUP_GRACE));
        server
    }

    /// Watches the files this browser process runs from: its binary and the WebKitGTK library it
    /// loaded. When either is replaced on disk, apps hear of it (the next runtime uses the new one).
    fn watch_for_new_versions(self: &Rc<Self>) {
        let mut paths: Vec<std::path::PathBuf> = std::fs::read_link("/proc/self/exe").into_iter().collect();
        if let Ok(maps) = std::fs::read_to_string("/proc/self/maps") {
            if let Some(lib) = maps
                .lines()
                .filter_map(|l| l.split_whitespace().nth(5))
                .find(|p| p.contains("libwebkit2gtk-4.1.so"))
            {
                paths.push(lib.into());
            }
        }
        for path in paths {
            let file = gio::File::for_path(&path);
            let monitor = match file.monitor_file(gio::FileMonitorFlags::NONE, None::<&gio::Cancellable>) {
                Ok(m) => m,
                Err(e) => {
                    log::warn!("cannot watch {}: {e}", path.display());
                    continue;
                }
            };
            let weak = Rc::downgrade(self);
            monitor.connect_changed(move |_, _, _, event| {
                use gio::FileMonitorEvent as E;
                if matches!(
                    event,
                    E::Created | E::Deleted | E::ChangesDoneHint | E::MovedIn | E::Renamed
                ) {
                    if let Some(server) = weak.upgrade() {
                        server.new_version_available();
                    }
                }
            });
            self.monitors.borrow_mut().push(monitor);
        }
    }

    /// Registers the custom schemes with WebKit; their requests go to the view that made them.
    fn register_schemes(self: &Rc<Self>) {
        let security = self.context.security_manager();
        for scheme in &self.options.custom_schemes {
            let weak = Rc::downgrade(self);
            let config = scheme.clone();
            self.context
                .register_uri_scheme(&scheme.name, move |request| match weak.upgrade() {
                    Some(server) => server.scheme_request(&config, request),
                    None => crate::schemes::fail(request, "the browser process is shutting down"),
                });
            if let Some(security) = &security {
                security.register_uri_scheme_as_cors_enabled(&scheme.name);
                if scheme.treat_as_secure {
                    security.register_uri_scheme_as_secure(&scheme.name);
                }
            }
        }
    }

    fn scheme_request(&self, scheme: &CustomScheme, request: &webkit2gtk::URISchemeRequest) {
        let Some(webview) = request.web_view() else {
            crate::schemes::fail(request, "the request comes from no webview");
            return;
        };
        let clients: Vec<Rc<Client>> = self.clients.borrow().values().cloned().collect();
        for client in clients {
            let views = client.views.borrow();
            if let Some(view) = views.values().find(|v| v.is(&webview)) {
                view.resource_request(scheme, request);
                return;
            }
        }
        crate::schemes::fail(request, "the requesting webview belongs to no app");
    }

    fn new_version_available(&self) {
        if self.new_version.replace(true) {
            return;
        }
        log::info!("a new runtime or WebKitGTK is on disk");
        let clients: Vec<Rc<Client>> = self.clients.borrow().values().cloned().collect();
        for client in clients.iter().filter(|c| c.welcomed.get()) {
            self.send(client, &RuntimeMessage::NewBrowserVersionAvailable);
        }
    }

    /// Calls `f` with this server whenever `fd` meets `condition` on the main loop, for as long
    /// as the server lives and `f` says to go on.
    fn watch_fd(
        self: &Rc<Self>,
        fd: std::os::fd::RawFd,
        condition: IOCondition,
        f: impl Fn(&Rc<Server>) -> ControlFlow + 'static,
    ) -> SourceId {
        let weak = Rc::downgrade(self);
        glib::source::unix_fd_add_local(fd, condition, move |_, _| match weak.upgrade() {
            Some(server) => f(&server),
            None => ControlFlow::Break,
        })
    }

    fn add_client(self: &Rc<Self>, conn: Connection) {
        let id = self.next_client.get();
        self.next_client.set(id + 1);
        let fd = conn.as_fd().as_raw_fd();
        let client = Rc::new(Client {
            id,
            conn,
            welcomed: Cell::new(false),
            views: RefCell::new(HashMap::new()),
            watch: RefCell::new(None),
            writable_watch: RefCell::new(None),
            when_sent: RefCell::new(Vec::new()),
            departing: Cell::new(false),
        });
        let watch = self.watch_fd(
            fd,
            IOCondition::IN | IOCondition::HUP | IOCondition::ERR,
            move |server| {
                if server.pump(id) {
                    ControlFlow::Continue
                } else {
                    ControlFlow::Break
                }
            },
        );
        client.watch.replace(Some(watch));
        self.clients.borrow_mut().insert(id, client);
    }

    /// Handles every complete message of client `id`; false once the client is gone.
    fn pump(self: &Rc<Self>, id: u64) -> bool {
        let Some(client) = self.clients.borrow().get(&id).cloned() else {
            return false;
        };
        loop {
            if client.departing.get() {
                // Requests of a client being disconnected are not answered (nor watched: its
                // removal is scheduled).
                return false;
            }
            match client.conn.try_recv::<AppMessage>() {
                Ok(Some(mut received)) => {
                    if let Err(why) = self.handle(&client, received.message, &mut received.fds) {
                        log::warn!("dropping client {id}: {why}");
                        self.remove_client(id);
                        return false;
                    }
                }
                Ok(None) => return true,
                Err(IpcError::Disconnected) => {
                    self.remove_client(id);
                    return false;
                }
                Err(e) => {
                    log::warn!("dropping client {id}: {e}");
                    self.remove_client(id);
                    return false;
                }
            }
        }
    }

    /// Queues a message for a client without ever blocking the main loop; a client whose backlog
    /// passes [`MAX_CLIENT_BACKLOG`] is considered stuck and dropped.
    fn send(&self, client: &Rc<Client>, message: &RuntimeMessage) {
        self.send_with_fds(client, message, Outgoing::new());
    }

    /// [`send`](Self::send) with fds attached (closed here once queued: the queue keeps copies).
    fn send_with_fds(&self, client: &Rc<Client>, message: &RuntimeMessage, fds: Outgoing<'_>) {
        if client.departing.get() {
            return;
        }
        match client.conn.queue(message, fds) {
            Ok(true) => {}
            Ok(false) if client.conn.queued_bytes() > MAX_CLIENT_BACKLOG => {
                self.disconnect(
                    client,
                    format!(
                        "the app fell more than {} MiB behind reading its messages",
                        MAX_CLIENT_BACKLOG >> 20
                    ),
                );
            }
            Ok(false) => {
                self.watch_writable(client);
                self.enforce_total_backlog();
            }
            // Too big for the wire (a page can post anything): drop that message, keep the client.
            Err(e @ (IpcError::MessageTooLarge { .. } | IpcError::Encode(_))) => {
                log::warn!("dropped a message to client {}: {e}", client.id);
            }
            Err(e) => self.drop_unreachable(client, e),
        }
    }

    /// Flushes the client's queue whenever its socket is writable, until it is empty.
    fn watch_writable(&self, client: &Rc<Client>) {
        if client.writable_watch.borrow().is_some() {
            return;
        }
        let weak = Rc::downgrade(client);
        let fd = client.conn.as_fd().as_raw_fd();
        let source = glib::source::unix_fd_add_local(
            fd,
            IOCondition::OUT | IOCondition::ERR | IOCondition::HUP,
            move |_, _| {
                let Some(client) = weak.upgrade() else {
                    return ControlFlow::Break;
                };
                match client.conn.flush() {
                    Ok(false) => ControlFlow::Continue,
                    Ok(true) => {
                        client.writable_watch.replace(None);
                        if client.departing.get() {
                            // Its last message has gone: hang up.
                            client.conn.shutdown();
                            return ControlFlow::Break;
                        }
                        let callbacks: Vec<_> = client.when_sent.borrow_mut().drain(..).collect();
                        callbacks.into_iter().for_each(|f| f());
                        ControlFlow::Break
                    }
                    Err(e) => {
                        client.writable_watch.replace(None);
                        log::warn!("client {} is not reachable ({e}); dropping it", client.id);
                        client.conn.shutdown();
                        ControlFlow::Break
                    }
                }
            },
        );
        client.writable_watch.replace(Some(source));
    }

    /// Runs `f` once everything queued for `client` so far has gone to its socket.
    fn when_sent(&self, client: &Client, f: Box<dyn FnOnce()>) {
        if client.writable_watch.borrow().is_some() {
            client.when_sent.borrow_mut().push(f);
        } else {
            f();
        }
    }

    /// Hangs up on a client that is alive but stuck, telling it why: whatever was queued for it
    /// is dropped (a message already partly sent is finished), [`RuntimeMessage::Disconnecting`]
    /// goes last, and the connection closes once it has left, or after [`FAREWELL_TIMEOUT`]. Its
    /// webviews close now (on the next main-loop turn, outside whatever signal we are in).
    fn disconnect(&self, client: &Rc<Client>, reason: String) {
        if client.departing.replace(true) {
            return;
        }
        log::warn!("disconnecting client {}: {reason}", client.id);
        client.when_sent.borrow_mut().clear();
        match client
            .conn
            .replace_queue_with(&RuntimeMessage::Disconnecting { reason })
        {
            Ok(false) => self.watch_writable(client),
            Ok(true) | Err(_) => client.conn.shutdown(),
        }
        let (server, id) = (self.me.clone(), client.id);
        glib::idle_add_local_once(move || {
            if let Some(server) = server.upgrade() {
                server.remove_client(id);
            }
        });
        // Keeps the connection open for its last message, at most this long.
        let client = client.clone();
        glib::timeout_add_local_once(FAREWELL_TIMEOUT, move || client.conn.shutdown());
    }

    /// Past [`MAX_TOTAL_BACKLOG`] queued for all clients together, the one furthest behind goes.
    fn enforce_total_backlog(&self) {
        let clients: Vec<Rc<Client>> = self.clients.borrow().values().cloned().collect();
        let total: usize = clients.iter().map(|c| c.conn.queued_bytes()).sum();
        if total <= MAX_TOTAL_BACKLOG {
            return;
        }
        if let Some(worst) = clients
            .iter()
            .filter(|c| !c.departing.get())
            .max_by_key(|c| c.conn.queued_bytes())
        {
            self.disconnect(
                worst,
                format!(
                    "the apps together fell more than {} MiB behind reading their messages, this one most",
                    MAX_TOTAL_BACKLOG >> 20
                ),
            );
        }
    }

    fn drop_unreachable(&self, client: &Client, e: IpcError) {
        log::warn!("client {} is not reachable ({e}); dropping it", client.id);
        // Its fd watch sees the hang-up and removes it, outside whatever callback we are in.
        client.conn.shutdown();
    }

    /// Answers one request. An error means the client broke the protocol.
    fn handle(self: &Rc<Self>, client: &Rc<Client>, message: AppMessage, fds: &mut ReceivedFds) -> Result<(), String> {
        if !client.welcomed.get() {
            let AppMessage::Hello { options } = message else {
                return Err("the first message must be Hello".into());
            };
            if options != self.options {
                self.send(
                    client,
                    &RuntimeMessage::OptionsMismatch {
                        runtime: self.options.clone(),
                        requested: options,
                    },
                );
                return Err("options mismatch".into());
            }
            client.welcomed.set(true);
            self.send(
                client,
                &RuntimeMessage::Welcome {
                    browser_process_id: std::process::id(),
                },
            );
            self.send(
                client,
                &RuntimeMessage::ChildProcesses {
                    pids: self.known_children.borrow().iter().copied().collect(),
                },
            );
            if self.new_version.get() {
                self.send(client, &RuntimeMessage::NewBrowserVersionAvailable);
            }
            return Ok(());
        }
        if let Err(reason) = webpane_ipc::validate::app_message(&message) {
            let id = message.webview();
            self.send(client, &RuntimeMessage::RequestFailed { id, reason });
            return Ok(());
        }
        match message {
            AppMessage::Hello { .. } => return Err("Hello sent twice".into()),
            AppMessage::Ping { seq } => self.send(client, &RuntimeMessage::Pong { seq }),
            AppMessage::CreateWebView {
                id,
                mode,
                settings,
                opener,
            } => {
                let refused = if self.quitting.get() {
                    Some("the runtime is shutting down".to_owned())
                } else if client.views.borrow().contains_key(&id) {
                    Some("the id is in use".to_owned())
                } else {
                    match mode {
                        ViewMode::Embedded { parent, .. } if !crate::ffi::x11_window_exists(parent) => Some(format!(
                            "there is no X11 window {parent:#x} to embed into (embedding needs an X11 display)"
                        )),
                        _ => None,
                    }
                };
                if let Some(reason) = refused {
                    self.send(client, &RuntimeMessage::RequestFailed { id: Some(id), reason });
                    return Ok(());
                }
                let related = match opener {
                    Some(opener) => match client.views.borrow().get(&opener) {
                        Some(view) => Some((opener, view.webkit().clone())),
                        None => {
                            self.unknown_view(client, opener);
                            return Ok(());
                        }
                    },
                    None => None,
                };
                let host: Rc<dyn Host> = Rc::new(ClientHost {
                    server: Rc::downgrade(self),
                    client: Rc::downgrade(client),
                });
                let engine = Engine {
                    context: &self.context,
                    arguments: &self.options.additional_arguments,
                    schemes: &self.options.custom_schemes,
                    extension_missing: self.extension_missing.as_deref(),
                };
                let view = View::create(
                    &engine,
                    id,
                    &mode,
                    &settings,
                    related.as_ref().map(|(id, view)| (*id, view)),
                    host,
                );
                client.views.borrow_mut().insert(id, view);
                self.cancel_idle_check();
                self.send(client, &RuntimeMessage::WebViewCreated { id });
            }
            AppMessage::Navigate { id, uri } => self.with_view(client, id, |v| v.navigate(uri)),
            AppMessage::NavigateToString { id, html } => self.with_view(client, id, |v| v.navigate_to_string(html)),
            AppMessage::Reload { id } => self.with_view(client, id, View::reload),
            AppMessage::Stop { id } => self.with_view(client, id, View::stop),
            AppMessage::GoBack { id } => self.with_view(client, id, View::go_back),
            AppMessage::GoForward { id } => self.with_view(client, id, View::go_forward),
            AppMessage::TerminateRenderProcess { id } => self.with_view(client, id, View::terminate_render_process),
            AppMessage::NavigationStartingResponse { id, request, cancel } => {
                self.with_view(client, id, |v| v.answer_navigation(request, cancel))
            }
            AppMessage::ExecuteScript {
                id,
                frame,
                request,
                script,
            } => {
                let weak_server = Rc::downgrade(self);
                let weak_client = Rc::downgrade(client);
                self.with_view(client, id, move |v| {
                    v.execute_script(frame, &script, move |result| {
                        // A result the wire cannot carry is an error for the app, not silence.
                        let result = result.and_then(|json| {
                            if json.len() > webpane_ipc::MAX_MESSAGE_SIZE - 4096 {
                                Err(format!(
                                    "the result ({} bytes of JSON) is larger than the {} MiB message limit",
                                    json.len(),
                                    webpane_ipc::MAX_MESSAGE_SIZE >> 20
                                ))
                            } else {
                                Ok(json)
                            }
                        });
                        if let (Some(server), Some(client)) = (weak_server.upgrade(), weak_client.upgrade()) {
                            server.send(&client, &RuntimeMessage::ScriptResult { id, request, result });
                        }
                    })
                })
            }
            AppMessage::AddDocumentCreatedScript { id, script_id, script } => {
                self.with_view(client, id, |v| v.add_document_created_script(script_id, &script))
            }
            AppMessage::RemoveDocumentCreatedScript { id, script_id } => {
                self.with_view(client, id, |v| v.remove_document_created_script(script_id))
            }
            AppMessage::PostWebMessage { id, frame, json } => {
                self.with_view(client, id, |v| v.post_web_message(frame, &json))
            }
            AppMessage::PostSharedBuffer {
                id,
                frame,
                buffer,
                memory,
                additional_data,
            } => {
                let (fd, size, read_only) = match fds.kind(memory) {
                    Some(webpane_ipc::FdKind::SharedMemory { access, size }) => {
                        let read_only = access == webpane_ipc::Access::ReadOnly;
                        let fd = if read_only {
                            fds.take_shared_memory_read_only(memory).map(|m| m.into_fd())
                        } else {
                            fds.take_shared_memory(memory).map(|m| m.into_fd())
                        };
                        (fd.map_err(|e| e.to_string())?, size, read_only)
                    }
                    other => return Err(format!("PostSharedBuffer without shared memory ({other:?})")),
                };
                let weak_server = Rc::downgrade(self);
                let weak_client = Rc::downgrade(client);
                self.with_view(client, id, move |v| {
                    let post = BufferPost {
                        frame,
                        buffer,
                        memory: fd,
                        size,
                        read_only,
                        additional_data,
                    };
                    v.post_shared_buffer(post, move |result| {
                        if let (Some(server), Some(client)) = (weak_server.upgrade(), weak_client.upgrade()) {
                            server.send(&client, &RuntimeMessage::SharedBufferDelivered { id, buffer, result });
                        }
                    })
                })
            }
            AppMessage::CapturePreview { id, request, format } => {
                let reply = self.replier(client);
                self.with_view(client, id, |v| {
                    crate::output::capture(v.webkit(), format, move |result| {
                        reply(RuntimeMessage::CaptureResult { id, request, result })
                    })
                })
            }
            AppMessage::PrintToPdf { id, request, target } => {
                let reply = self.replier(client);
                let done = move |result| reply(RuntimeMessage::OperationDone { id, request, result });
                match output_target(target, fds) {
                    Ok(target) => self.with_view(client, id, |v| crate::output::print_to_pdf(v.webkit(), target, done)),
                    Err(e) => done(Err(e)),
                }
            }
            AppMessage::SaveAsMhtml { id, request, target } => {
                let reply = self.replier(client);
                let done = move |result| reply(RuntimeMessage::OperationDone { id, request, result });
                match output_target(target, fds) {
                    Ok(crate::output::Target::File(file)) => {
                        self.with_view(client, id, |v| crate::output::save_mhtml(v.webkit(), file, done))
                    }
                    Ok(crate::output::Target::Path(_)) => done(Err(
                        "MHTML is written into a delivered file only, never to a path".into(),
                    )),
                    Err(e) => done(Err(e)),
                }
            }
            AppMessage::GetCookies { id, request, uri } => {
                let reply = self.replier(client);
                let done = move |result| reply(RuntimeMessage::CookiesResult { id, request, result });
                crate::profile::cookies(&self.data, uri.as_deref(), done);
            }
            AppMessage::SetCookie { id, request, cookie } => {
                let reply = self.replier(client);
                crate::profile::add_cookie(&self.data, &cookie, move |result| {
                    reply(RuntimeMessage::OperationDone { id, request, result })
                });
            }
            AppMessage::DeleteCookie { id, request, cookie } => {
                let reply = self.replier(client);
                crate::profile::delete_cookie(&self.data, &cookie, move |result| {
                    reply(RuntimeMessage::OperationDone { id, request, result })
                });
            }
            AppMessage::ClearBrowsingData { id, request, kinds } => {
                let reply = self.replier(client);
                crate::profile::clear(&self.data, kinds, move |result| {
                    reply(RuntimeMessage::OperationDone { id, request, result })
                });
            }
            AppMessage::UpdateSetting { id, setting } => self.with_view(client, id, |v| v.apply_setting(setting)),
            AppMessage::SetBounds {
                id,
                x,
                y,
                width,
                height,
            } => self.with_view(client, id, |v| v.set_bounds(x, y, width, height)),
            AppMessage::MoveFocus { id } => self.with_view(client, id, View::move_focus),
            AppMessage::NewWindowResponse { id, request, decision } => {
                self.with_view(client, id, |v| v.answer_new_window(request, decision))
            }
            AppMessage::AddWebResourceRequestedFilter { id, filter } => {
                self.with_view(client, id, |v| v.add_resource_filter(filter))
            }
            AppMessage::RemoveWebResourceRequestedFilter { id, filter } => {
                self.with_view(client, id, |v| v.remove_resource_filter(&filter))
            }
            AppMessage::WebResourceResponse { id, request, response } => {
                let mut refused = None;
                self.with_view(client, id, |v| {
                    refused = v.answer_resource(request, response, fds).err()
                });
                if let Some(reason) = refused {
                    self.send(client, &RuntimeMessage::RequestFailed { id: Some(id), reason });
                }
            }
            AppMessage::Close { id } => {
                let view = client.views.borrow_mut().remove(&id);
                match view {
                    Some(view) => {
                        view.destroy();
                        self.send(
                            client,
                            &RuntimeMessage::WebViewClosed {
                                id,
                                reason: CloseReason::Requested,
                            },
                        );
                        self.schedule_idle_check();
                    }
                    None => self.unknown_view(client, id),
                }
            }
        }
        Ok(())
    }

    /// Sends to `client` later (from an engine callback), if both it and the runtime are still there.
    fn replier(self: &Rc<Self>, client: &Rc<Client>) -> impl Fn(RuntimeMessage) + Clone + 'static {
        let (server, client) = (Rc::downgrade(self), Rc::downgrade(client));
        move |message| {
            if let (Some(server), Some(client)) = (server.upgrade(), client.upgrade()) {
                server.send(&client, &message);
            }
        }
    }

    fn with_view(&self, client: &Rc<Client>, id: WebViewId, f: impl FnOnce(&View)) {
        let views = client.views.borrow();
        match views.get(&id) {
            Some(view) => f(view),
            None => {
                drop(views);
                self.unknown_view(client, id);
            }
        }
    }

    fn unknown_view(&self, client: &Rc<Client>, id: WebViewId) {
        self.send(
            client,
            &RuntimeMessage::RequestFailed {
                id: Some(id),
                reason: "no such webview".into(),
            },
        );
    }

    fn remove_client(self: &Rc<Self>, id: u64) {
        let Some(client) = self.clients.borrow_mut().remove(&id) else {
            return;
        };
        // The watch source is ended by its callback returning Break (we are called from it), or
        // never fired again once the fd closes with the client.
        let _ = client.watch.borrow_mut().take();
        let views: Vec<View> = client.views.borrow_mut().drain().map(|(_, v)| v).collect();
        views.into_iter().for_each(View::destroy);
        self.schedule_idle_check();
    }

    /// Rescans the direct children; tells clients when the set changed.
    fn refresh_children(&self) {
        let now: BTreeSet<u32> = crate::children::children()
            .iter()
            .map(|p| p.as_raw_nonzero().get() as u32)
            .collect();
        let mut known = self.known_children.borrow_mut();
        if *known == now {
            return;
        }
        *known = now;
        let pids: Vec<u32> = known.iter().copied().collect();
        drop(known);
        let clients: Vec<Rc<Client>> = self.clients.borrow().values().cloned().collect();
        for client in clients.iter().filter(|c| c.welcomed.get()) {
            self.send(client, &RuntimeMessage::ChildProcesses { pids: pids.clone() });
        }
    }

    fn view_count(&self) -> usize {
        self.clients.borrow().values().map(|c| c.views.borrow().len()).sum()
    }

    fn cancel_idle_check(&self) {
        if let Some(source) = self.idle_timer.borrow_mut().take() {
            source.remove();
        }
    }

    /// After the grace period, quits if there is still no webview.
    fn schedule_idle_check(self: &Rc<Self>) {
        self.schedule_idle_check_after(self.grace);
    }

    fn schedule_idle_check_after(self: &Rc<Self>, grace: Duration) {
        if self.view_count() > 0 || self.idle_timer.borrow().is_some() {
            return;
        }
        let weak = Rc::downgrade(self);
        let source = glib::timeout_add_local_once(grace, move || {
            let Some(server) = weak.upgrade() else { return };
            server.idle_timer.replace(None);
            if server.view_count() == 0 {
                log::info!("no webview for {:?}: exiting", server.grace);
                server.quit();
            }
        });
        self.idle_timer.replace(Some(source));
    }

    /// Ends the main loop; main() then tears down, reaps children and releases the lock.
    pub fn quit(&self) {
        if self.quitting.replace(true) {
            return;
        }
        let clients: Vec<Rc<Client>> = self.clients.borrow().values().cloned().collect();
        for client in clients.iter().filter(|c| c.welcomed.get()) {
            self.send(client, &RuntimeMessage::Exiting);
        }
        gtk::main_quit();
    }

    /// Closes every view, stops listening and hands back the folder (still locked) and the
    /// clients' connections: apps must see the disconnect only after the lock is released.
    pub fn tear_down(&self) -> (Option<OwnedFolder>, Vec<Connection>) {
        self.acceptor.stop();
        let mut folder = self.folder.borrow_mut().take();
        if let Some(folder) = folder.as_mut() {
            folder.stop_listening();
        }
        let clients: Vec<Rc<Client>> = self.clients.borrow_mut().drain().map(|(_, c)| c).collect();
        let mut conns = Vec::new();
        for client in clients {
            let views: Vec<View> = client.views.borrow_mut().drain().map(|(_, v)| v).collect();
            views.into_iter().for_each(View::destroy);
            if let Some(source) = client.watch.borrow_mut().take() {
                source.remove();
            }
            if let Ok(client) = Rc::try_unwrap(client) {
                conns.push(client.conn);
            }
        }
        (folder, conns)
    }
}

/// A PDF or MHTML target: a path, or a delivered file the app opened for writing.
fn output_target(target: OutputTarget, fds: &mut ReceivedFds) -> Result<crate::output::Target, String> {
    match target {
        OutputTarget::Path(path) => Ok(crate::output::Target::Path(path)),
        OutputTarget::File(fd) => {
            let (file, access) = fds.take_file(fd).map_err(|e| e.to_string())?;
            match fds.kind(fd) {
                Some(webpane_ipc::FdKind::File { .. }) if access != webpane_ipc::FileAccess::Read => {
                    Ok(crate::output::Target::File(file))
                }
                _ => Err("the delivered file must be a regular file open for writing".into()),
            }
        }
    }
}

/// The file name of webpane's web process extension.
const WEBEXT_NAME: &str = "libwebpane_webext.so";

/// Where the web process extension is taken from: `$WEBPANE_WEBEXT`, or next to this binary.
pub fn web_extension_source() -> Option<std::path::PathBuf> {
    match std::env::var_os("WEBPANE_WEBEXT") {
        Some(path) => Some(std::path::PathBuf::from(path)),
        None => Some(std::env::current_exe().ok()?.parent()?.join(WEBEXT_NAME)),
    }
}

/// Puts the web process extension (`$WEBPANE_WEBEXT`, or next to this binary) into a folder of
/// its own under the user data folder (WebKit loads every library in the folder it is given, and
/// adds it read-only to the sandbox). Without it, frames are not reported and cannot be reached,
/// and shared buffers cannot be delivered. The copy is atomic and checked: a full disk leaves no
/// truncated library for WebKit to load.
fn install_extension(folder: &OwnedFolder) -> Result<std::path::PathBuf, String> {
    let source = web_extension_source().ok_or("cannot tell where this binary is")?;
    if !source.is_file() {
        return Err(format!("the web process extension is not at {}", source.display()));
    }
    let webkit = webpane_ipc::Folder::open(folder.webkit_dir(), false).map_err(|e| e.to_string())?;
    let dir = webkit.subfolder("extensions").map_err(|e| e.to_string())?;
    let dir_folder = webpane_ipc::Folder::open(&dir, false).map_err(|e| e.to_string())?;
    dir_folder
        .install_copy(&source, WEBEXT_NAME)
        .map_err(|e| format!("cannot install the web process extension: {e}"))?;
    Ok(dir)
}

/// Applies engine arguments (`name=value`, a WebKitSettings property) to `settings`.
pub fn apply_engine_arguments(settings: &webkit2gtk::Settings, args: &[String]) -> Result<(), String> {
    for arg in args {
        let (name, value) = arg
            .split_once('=')
            .ok_or_else(|| format!("engine argument {arg:?} is not name=value"))?;
        if name.contains('\0') || value.contains('\0') {
            return Err(format!("engine argument {arg:?} contains a NUL character"));
        }
        let spec = settings
            .find_property(name)
            .ok_or_else(|| format!("engine argument {arg:?}: WebKitSettings has no property {name:?}"))?;
        // set_property_* panics on properties it cannot set: check first.
        let flags = spec.flags();
        if !flags.contains(glib::ParamFlags::WRITABLE) || flags.contains(glib::ParamFlags::CONSTRUCT_ONLY) {
            return Err(format!("engine argument {arg:?}: {name:?} cannot be set"));
        }
        let bad = || {
            format!(
                "engine argument {arg:?}: {value:?} is not a valid {}",
                spec.value_type()
            )
        };
        let value: glib::Value = match spec.value_type() {
            t if t == glib::Type::BOOL => value.parse::<bool>().map_err(|_| bad())?.into(),
            t if t == glib::Type::U32 => value.parse::<u32>().map_err(|_| bad())?.into(),
            t if t == glib::Type::I32 => value.parse::<i32>().map_err(|_| bad())?.into(),
            t if t == glib::Type::STRING => value.into(),
            _ => {
                return Err(format!(
                    "engine argument {arg:?}: properties of type {} are not supported",
                    spec.value_type()
                ));
            }
        };
        settings.set_property_from_value(name, &value);
    }
    Ok(())
}
