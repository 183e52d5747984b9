//! One webview in the runtime: its WebKit view and window, its content manager (the
//! `chrome.webview` shim, document-created scripts), its events, and its health watchdog.
//!
//! A view talks to the rest of the runtime only through [`Host`]: sending messages to the app that
//! owns it, and asking about the runtime's child processes.

mod context_menu;
mod cursor;
mod dialogs;
mod drag_files;
mod drag_regions;
mod drops;
mod error;
pub(crate) mod extension;
mod extension_check;
mod external_drag;
mod files;
mod find;
mod forwarded_drag;
mod frames;
mod health;
mod held;
mod input;
mod kept_resources;
mod key_gate;
mod keyboard;
mod messages;
mod navigation;
mod notifications;
mod offscreen;
mod page_outbox;
mod policy;
mod regions;
mod responses;
pub(crate) mod scripts;
mod settings;
mod shown_notifications;
mod state;
mod surface;
mod suspension;
mod suspension_state;
mod text_input;
mod tooltip;
mod window;
mod zoom;

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use gtk::prelude::*;
use webkit2gtk::{
    PolicyDecisionExt, SettingsExt, UserContentInjectedFrames, UserContentManagerExt, UserScriptInjectionTime,
    WebInspectorExt, WebViewExt,
};
use webpane_ipc::ReceivedFds;
use webpane_ipc::protocol::{CloseReason, CustomScheme, ResourceResponse, ViewMode, ViewSettings, WebViewId};

use crate::host::Host;
use crate::resources::Resources;
use crate::watchdog::Watchdog;
use window::{ignore_x_errors_of_vanished_windows, place_plug};

pub use error::ViewError;
pub use files::check_page_file;
use state::*;
pub use state::{BufferPost, Engine, View};
pub use suspension::suspend_reply;

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
            if let Err(e) = crate::engine::apply_engine_arguments(&s, engine.arguments) {
                log::warn!("{e}");
            }
            s.set_enable_javascript(settings.scripts);
            // No back-forward cache: a page left is gone (its frames reported destroyed), and
            // one gone back to is a new document whose frames are reported again.
            s.set_enable_page_cache(false);
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
                // The window follows the page's `document.title`, and falls back to the title it
                // was created with when the page has none.
                let (window, fallback) = (w.downgrade(), title.clone());
                webview.connect_title_notify(move |view| {
                    if let Some(window) = window.upgrade() {
                        let page_title = view.title().filter(|t| !t.is_empty());
                        window.set_title(page_title.as_deref().unwrap_or(&fallback));
                    }
                });
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

        let token = random_token();
        let page_outbox = page_outbox::PageOutbox::new(&webview, &token);
        let mut view = View {
            webview,
            window,
            content,
            watchdog: Rc::new(Watchdog::default()),
            navigations: Rc::new(Navigations::default()),
            last: RefCell::new(None),
            decisions: Rc::default(),
            scripts: RefCell::new(HashMap::new()),
            token,
            page_outbox,
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
            zoom: Rc::default(),
            keys: Rc::default(),
            notifications: Rc::default(),
            responses: Rc::default(),
            suspension: Rc::default(),
            print_dialog: Rc::default(),
            regions: Rc::default(),
            external_drop: Rc::new(Cell::new(true)),
            dragged: Rc::default(),
            closing,
            embedded: matches!(mode, ViewMode::Embedded { .. }),
            policy: Rc::default(),
            find: FindState::new(),
            custom_schemes: Rc::new(engine.schemes.iter().map(|s| s.name.clone()).collect()),
            permissions: engine.permissions.clone(),
            frame_sink: Rc::default(),
            cursor: Rc::default(),
            ime: None,
            touches: RefCell::default(),
            tooltip: None,
        };
        let menus = view.context_menus.clone();
        view.webview.connect_context_menu(move |_, _, _, _| !menus.get());
        view.protect_scheme_bodies(engine.schemes);
        view.wire_messages(id, &host);
        view.wire_navigation(id, &host);
        view.wire_health(id, &host);
        view.wire_extension_check();
        view.wire_new_windows(id, &host, mode);
        view.wire_frames(id, &host);
        view.wire_policy(id, &host);
        view.wire_find(id, &host);
        view.wire_surface(id, &host);
        view.wire_keyboard(id, &host);
        view.wire_notifications(id, &host);
        view.wire_zoom(id, &host);
        view.wire_responses(id, &host);
        view.wire_suspension();
        view.wire_regions(id, &host);
        view.wire_drops();
        if !view.showing_window() {
            // Offscreen: the app shows the cursor, the input method and the tooltip.
            view.wire_cursor();
            view.ime = Some(text_input::attach(&view.webview, id, host.clone()));
            view.tooltip = Some(tooltip::watch(&view.webview, id, host.clone()));
        }
        view
    }

    /// Opens or closes the dev tools' window (refused while dev tools are disabled).
    pub fn dev_tools_window(&self, open: bool) -> Result<(), ViewError> {
        let inspector = self.webview.inspector().ok_or(ViewError::NoInspector)?;
        if !open {
            inspector.close();
            return Ok(());
        }
        let enabled = WebViewExt::settings(&self.webview).is_some_and(|s| s.enables_developer_extras());
        if !enabled {
            return Err(ViewError::DevToolsDisabled);
        }
        if !self.showing_window() {
            // WebKit puts them beside the page, in a window a headless view does not show.
            return Err(ViewError::DevToolsHeadless);
        }
        inspector.show();
        Ok(())
    }

    /// Whether the view is on screen in a window (not headless).
    pub(super) fn showing_window(&self) -> bool {
        !self.window.is::<gtk::OffscreenWindow>()
    }

    /// Shows the print dialog over the view's window (none for an offscreen view).
    pub fn show_print_dialog(
        &self,
        done: impl FnOnce(Result<webpane_ipc::protocol::PrintOutcome, crate::print::PrintError>) + 'static,
    ) {
        let parent = self
            .showing_window()
            .then(|| self.window.clone().upcast::<gtk::Window>());
        crate::print::show_dialog(&self.webview, parent, &self.print_dialog, done);
    }

    /// The opener this view was created for, if any.
    pub fn opener(&self) -> Option<WebViewId> {
        self.opener
    }

    /// The WebKit view.
    pub fn webkit(&self) -> &webkit2gtk::WebView {
        &self.webview
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

    /// The http(s) hosts this view's filters name (the proxy intercepts them).
    pub fn intercepted_hosts(&self) -> std::collections::BTreeSet<String> {
        self.resources.intercepted_hosts()
    }

    /// Whether one of this view's filters matches `uri`.
    pub fn filters_match(&self, uri: &str) -> bool {
        self.resources.filters_match(uri)
    }

    /// WebKit's id of this view's page (the web process extension marks intercepted requests
    /// with it).
    pub fn page_id(&self) -> u64 {
        self.webview.page_id()
    }

    /// Handles an http(s) request the proxy intercepted for this view's page.
    pub fn proxy_request(&self, request: crate::proxy::ProxyRequest) {
        self.resources.proxy_request(self.id, &self.host, request);
    }

    /// Tells the page's web process which hosts are intercepted now.
    pub fn send_intercepted_hosts(&self, hosts: &[String]) {
        extension::send_intercepted_hosts(&self.webview, hosts);
    }

    /// Answers a WebResourceRequested; an answer the engine cannot take fails the request and
    /// returns why.
    pub fn answer_resource(
        &self,
        request: u64,
        response: Option<ResourceResponse>,
        fds: &mut ReceivedFds,
    ) -> Result<(), ViewError> {
        self.resources
            .answer(request, response, fds)
            .map_err(ViewError::Response)
    }

    /// Closes the window and stops the watchdog (later, if a new-window wait is running: WebKit
    /// may be inside this view's or its opener's handler).
    pub fn destroy(self) {
        if NESTED.with(Cell::get) > 0 {
            DEFERRED_DESTROY.with(|d| d.borrow_mut().push(self));
            return;
        }
        self.resources.fail_pending();
        // A stopped render process could not end with its page.
        self.resume();
        crate::print::close_dialog(&self.print_dialog);
        // Navigations held for the app's answer: a held decision keeps the page, and so its
        // render process, alive after the view is gone.
        let held: Vec<webkit2gtk::PolicyDecision> = self.decisions.borrow_mut().drain().map(|(_, (d, _))| d).collect();
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
}
