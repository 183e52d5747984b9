//! Pictures, PDF, MHTML, cookies and browsing data of a [`WebView`], and its dev tools window.

use std::path::Path;

use webpane_ipc::protocol::{AppMessage, BrowsingDataKinds, OutputTarget};
use webpane_ipc::{FileForTransit, Outgoing};

use crate::print_settings::PrintSettings;

use crate::cookie::Cookie;
use crate::kinds::ImageFormat;

use crate::objects::WebView;
use crate::operation::Operation;

/// What [`WebView::clear_browsing_data`] clears.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BrowsingData {
    /// Cookies.
    pub cookies: bool,
    /// The HTTP cache.
    pub cache: bool,
    /// localStorage, sessionStorage, IndexedDB.
    pub storage: bool,
    /// Permissions decided per origin ([`WebView::set_permission_state`](crate::WebView::set_permission_state)).
    pub permissions: bool,
    /// CacheStorage: what pages and service workers keep with the Cache API (WebView2's
    /// `CacheStorage`).
    pub cache_storage: bool,
    /// Service worker registrations (WebView2's `ServiceWorkers`).
    pub service_workers: bool,
    /// Everything else WebKit keeps for sites: HSTS (hosts that asked for https only),
    /// tracking prevention's data, the salts of media device ids, the application cache.
    pub site_data: bool,
}

impl BrowsingData {
    /// Everything the profile keeps of browsing (WebView2's `AllProfile`): WebKit's every kind
    /// of website data, and webpane's permission decisions. Webpane keeps no history, form
    /// data or passwords, so none is left.
    #[doc(alias = "AllProfile")]
    pub fn all() -> Self {
        Self {
            cookies: true,
            cache: true,
            storage: true,
            permissions: true,
            cache_storage: true,
            service_workers: true,
            site_data: true,
        }
    }
}

/// The cookies of a webview's profile (WebView2's `CoreWebView2CookieManager`); results are
/// plain data ([`Cookie`]). Every webview of an environment shares them.
#[derive(Debug, Clone)]
pub struct CookieManager {
    webview: WebView,
}

impl CookieManager {
    /// The cookies that would be sent to `uri`; every cookie of the profile for `""` (as in
    /// WebView2).
    #[doc(alias = "GetCookies")]
    pub fn cookies(&self, uri: &str) -> Operation<Vec<Cookie>> {
        let webview = &self.webview;
        webview.ask(|request| AppMessage::GetCookies {
            id: webview.id(),
            request,
            uri: (!uri.is_empty()).then(|| uri.to_owned()),
        })
    }

    /// Adds a cookie, or replaces the one with the same name, domain and path.
    #[doc(alias = "AddOrUpdateCookie")]
    pub fn set_cookie(&self, cookie: &Cookie) -> Operation<()> {
        let webview = &self.webview;
        webview.ask(|request| AppMessage::SetCookie {
            id: webview.id(),
            request,
            cookie: cookie.to_wire(),
        })
    }

    /// Deletes the cookie with this name, domain and path.
    #[doc(alias = "DeleteCookie")]
    pub fn delete_cookie(&self, cookie: &Cookie) -> Operation<()> {
        let webview = &self.webview;
        webview.ask(|request| AppMessage::DeleteCookie {
            id: webview.id(),
            request,
            cookie: cookie.to_wire(),
        })
    }

    /// Deletes every cookie of the profile.
    #[doc(alias = "DeleteAllCookies")]
    pub fn delete_all_cookies(&self) -> Operation<()> {
        self.webview.clear_browsing_data(BrowsingData {
            cookies: true,
            ..BrowsingData::default()
        })
    }
}

impl WebView {
    /// Sends a request the browser process answers later (by request id).
    pub(crate) fn ask<T: 'static>(&self, message: impl FnOnce(u64) -> AppMessage) -> Operation<T> {
        self.ask_with_fds(|request| (message(request), Outgoing::new()))
    }

    pub(crate) fn ask_with_fds<T: 'static>(
        &self,
        message: impl FnOnce(u64) -> (AppMessage, Outgoing<'static>),
    ) -> Operation<T> {
        let (request, op) = self.inner.requests.open::<T>();
        let (message, fds) = message(request);
        let sent = self.session_for_request().and_then(|s| s.send_with_fds(&message, fds));
        if let Err(e) = sent {
            self.inner.requests.fail(request, e);
        }
        op
    }

    /// A picture of the visible page, encoded as PNG or JPEG (WebView2's `CapturePreview`).
    #[doc(alias = "CapturePreview")]
    pub fn capture_preview(&self, format: ImageFormat) -> Operation<Vec<u8>> {
        self.ask(|request| AppMessage::CapturePreview {
            id: self.id(),
            request,
            format: format.into(),
        })
    }

    /// Prints the page to a PDF file at `path` (opened by the browser process), without a
    /// dialog, with [`PrintSettings::default`] (US Letter, portrait, 1 cm margins).
    #[doc(alias = "PrintToPdfAsync")]
    pub fn print_to_pdf(&self, path: impl AsRef<Path>) -> Operation<()> {
        self.print_to_pdf_with(path, &PrintSettings::default())
    }

    /// Prints the page to a PDF file at `path` with `settings` (WebView2's `PrintToPdfAsync`
    /// with `CoreWebView2PrintSettings`).
    ///
    /// ```no_run
    /// # fn demo(webview: &webpane::WebView) {
    /// let a4_landscape = webpane::PrintSettings::default().landscape(true).page_size(8.27, 11.69);
    /// let _ = webview.print_to_pdf_with("/tmp/page.pdf", &a4_landscape);
    /// # }
    /// ```
    #[doc(alias = "PrintToPdfAsync")]
    pub fn print_to_pdf_with(&self, path: impl AsRef<Path>, settings: &PrintSettings) -> Operation<()> {
        let path = path.as_ref().to_string_lossy().into_owned();
        self.ask(|request| AppMessage::PrintToPdf {
            id: self.id(),
            request,
            target: OutputTarget::Path(path),
            settings: settings.to_wire(),
        })
    }

    /// Prints the page to PDF into a file the app opened for writing: the browser process
    /// writes into the delivered file and never opens a path.
    pub fn print_to_pdf_file(&self, file: FileForTransit) -> Operation<()> {
        self.ask_with_file(file, |id, request, target| AppMessage::PrintToPdf {
            id,
            request,
            target,
            settings: PrintSettings::default().to_wire(),
        })
    }

    /// Saves the page as MHTML into a file the app opened for writing and hands over
    /// ([`FileForTransit::take`] or [`FileForTransit::duplicate`]); the browser process writes
    /// into it without ever opening a path.
    pub fn save_as_mhtml(&self, file: FileForTransit) -> Operation<()> {
        self.ask_with_file(file, |id, request, target| AppMessage::SaveAsMhtml {
            id,
            request,
            target,
        })
    }

    /// A request answered by OperationDone that writes into a delivered file.
    fn ask_with_file(
        &self,
        file: FileForTransit,
        message: impl FnOnce(webpane_ipc::protocol::WebViewId, u64, OutputTarget) -> AppMessage,
    ) -> Operation<()> {
        self.ask_with_fds(|request| {
            let mut fds = Outgoing::new();
            let target = OutputTarget::File(fds.file(file));
            (message(self.id(), request, target), fds)
        })
    }

    /// The profile's cookies (shared by every webview of the environment).
    #[doc(alias = "CookieManager")]
    pub fn cookie_manager(&self) -> CookieManager {
        CookieManager { webview: self.clone() }
    }

    /// Clears browsing data of the profile (the user data folder's), of every time.
    #[doc(alias = "ClearBrowsingDataAsync")]
    pub fn clear_browsing_data(&self, kinds: BrowsingData) -> Operation<()> {
        self.ask(|request| AppMessage::ClearBrowsingData {
            id: self.id(),
            request,
            kinds: BrowsingDataKinds {
                cookies: kinds.cookies,
                cache: kinds.cache,
                storage: kinds.storage,
                permissions: kinds.permissions,
                cache_storage: kinds.cache_storage,
                service_workers: kinds.service_workers,
                site_data: kinds.site_data,
            },
        })
    }

    /// Opens the dev tools (WebKit's Web Inspector) for the page in a window of their own
    /// (WebView2's `OpenDevToolsWindow`); fails while dev tools are disabled (they are off until
    /// [`set_dev_tools_enabled`](Self::set_dev_tools_enabled)`(true)`) and for a headless view
    /// (WebKit shows them beside the page, on screen).
    #[doc(alias = "OpenDevToolsWindow")]
    pub fn open_dev_tools_window(&self) -> Operation<()> {
        self.ask(|request| AppMessage::DevToolsWindow {
            id: self.id(),
            request,
            open: true,
        })
    }

    /// Closes the dev tools' window, if open.
    pub fn close_dev_tools_window(&self) -> Operation<()> {
        self.ask(|request| AppMessage::DevToolsWindow {
            id: self.id(),
            request,
            open: false,
        })
    }
}
