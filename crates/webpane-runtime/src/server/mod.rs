//! The runtime's GTK main-loop side: accepting apps, answering their requests, WebKit views and
//! their events.
//!
//! Everything here runs on the GTK main thread. Sockets are watched with GLib fd sources; a
//! client that sends anything malformed, out of order or naming a view it does not own is
//! disconnected (its views closed) and the others go on: nothing a client sends can panic this
//! process.

mod accept;
mod acceptor;
mod client_host;
mod clients;
mod downloads;
mod intercepted;
mod requests;
mod state;
mod utility;
mod versions;

use std::cell::{Cell, RefCell};
use std::collections::{BTreeSet, HashMap};
use std::rc::Rc;
use std::time::Duration;

use glib::{ControlFlow, IOCondition, SourceId};
use webkit2gtk::{CookieManagerExt, SecurityManagerExt, URISchemeRequestExt, WebContextExt, WebsiteDataManagerExt};
use webpane_ipc::Connection;
use webpane_ipc::protocol::{CustomScheme, RuntimeMessage, RuntimeOptions};

use crate::udf::OwnedFolder;
use crate::view::View;

use state::*;
pub use state::{DEFAULT_GRACE, Server};

impl Server {
    /// Sets up WebKit's context with its data under the folder, and starts accepting clients.
    pub fn start(folder: OwnedFolder, options: RuntimeOptions, grace: Duration) -> Rc<Server> {
        let data = folder.webkit_dir().to_owned();
        let manager = if options.in_private {
            // Cookies, storage and caches in memory only: nothing of the profile reaches disk.
            webkit2gtk::WebsiteDataManager::new_ephemeral()
        } else {
            webkit2gtk::WebsiteDataManager::builder()
                .base_data_directory(data.join("data").to_string_lossy().as_ref())
                .base_cache_directory(data.join("cache").to_string_lossy().as_ref())
                .build()
        };
        let context = webkit2gtk::WebContext::with_website_data_manager(&manager);
        // Pages' icons (FaviconChanged), kept with the profile; none in private (WebKit would
        // write them to disk).
        if !options.in_private {
            let icons = data.join("icons");
            context.set_favicon_database_directory(Some(&icons.to_string_lossy()));
        }
        if let Some(proxy) = &options.proxy {
            let mut settings = webkit2gtk::NetworkProxySettings::new(Some(proxy), &[]);
            manager.set_network_proxy_settings(webkit2gtk::NetworkProxyMode::Custom, Some(&mut settings));
        }
        // WebKit keeps cookies in memory only unless told where to store them.
        if let (false, Some(cookies)) = (options.in_private, manager.cookie_manager()) {
            let path = data.join("cookies.sqlite");
            cookies.set_persistent_storage(&path.to_string_lossy(), webkit2gtk::CookiePersistentStorage::Sqlite);
        }
        // Before any web process exists: WebKit loads every library in this folder into each.
        let extension_missing = match crate::engine::install_extension(&folder) {
            Ok(dir) => {
                context.set_web_extensions_directory(&dir.to_string_lossy());
                None
            }
            Err(e) => {
                let e = crate::error::reason(&e);
                log::error!("{e}; frames and shared buffers are unavailable");
                Some(e)
            }
        };
        if let Some(language) = &options.language {
            context.set_preferred_languages(&[language.as_str()]);
        }
        // Only before the first web process exists.
        context.set_sandbox_enabled(options.sandbox);
        let app_proxy = options.proxy.clone();
        let permissions_folder = match options.in_private {
            true => None,
            false => webpane_ipc::Folder::open(&data, true)
                .map_err(|e| log::warn!("permissions are kept in memory only: {e}"))
                .ok(),
        };
        let permissions = Rc::new(crate::permissions::Permissions::load(permissions_folder));
        // Where WebKit writes downloads until they are finished (no one else can write there).
        let downloads_folder = webpane_ipc::Folder::open(&data, true)
            .and_then(|webkit| webkit.subfolder("downloads"))
            .and_then(|dir| webpane_ipc::Folder::open(&dir, false))
            .map_err(|e| log::warn!("downloads are refused: {e}"))
            .ok();
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
            utility_watched: RefCell::new(BTreeSet::new()),
            quitting: Cell::new(false),
            folder: RefCell::new(Some(folder)),
            monitors: RefCell::new(Vec::new()),
            new_version: Cell::new(false),
            acceptor: acceptor::Acceptor::default(),
            proxy: crate::proxy::LoopbackProxy::new(app_proxy),
            downloads: Rc::new(crate::downloads::Downloads::new(downloads_folder)),
            permissions,
        });
        server.watch_for_new_versions();
        server.register_schemes();
        server.route_intercepted_requests();
        server.watch_downloads();

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

        // WebKit starts its network process at the first load; start it now, while the app that
        // started this runtime connects and asks for its first webview (a DNS prefetch is the
        // public API that reaches it; `localhost` never leaves the machine).
        {
            let context = server.context.clone();
            glib::idle_add_local_once(move || context.prefetch_dns("localhost"));
        }

        // A runtime just started is waited for by the app that started it: give that app time
        // to connect and ask for its first webview, whatever the grace.
        server.schedule_idle_check_after(grace.max(STARTUP_GRACE));
        server
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
                    None => crate::resources::fail(request, "the browser process is shutting down"),
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
            crate::resources::fail(request, "the request comes from no webview");
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
        crate::resources::fail(request, "the requesting webview belongs to no app");
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

    /// Rescans the processes below this one (direct children, and the web processes inside the
    /// sandbox's `bwrap`); tells clients when the set changed.
    fn refresh_children(self: &Rc<Self>) {
        let now: BTreeSet<u32> = crate::children::descendants();
        self.watch_utility_processes(&now);
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
