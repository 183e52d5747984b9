//! A [`WebView`]'s settings (WebView2's `CoreWebView2Settings` and the controller's
//! properties): each setter, its getter (the value as last set, or reported for the zoom
//! factor), the profile-wide [`PreferredColorScheme`], and `ZoomFactorChanged`.

use std::cell::{Cell, RefCell};
use std::marker::PhantomData;
use std::rc::Rc;

use webpane_ipc::protocol::{AppMessage, ColorScheme, Setting};

use crate::error::Result;
use crate::objects::WebView;
use crate::webview_options::WebViewOptions;

/// The colour scheme pages are told the user prefers (CSS `prefers-color-scheme`; WebView2's
/// `CoreWebView2PreferredColorScheme`).
#[doc(alias = "CoreWebView2PreferredColorScheme")]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PreferredColorScheme {
    /// The desktop's (GTK's theme and its dark preference), as WebView2 follows the OS.
    #[default]
    Auto,
    /// Light.
    Light,
    /// Dark.
    Dark,
}

/// Arguments of [`WebView::on_zoom_factor_changed`].
#[derive(Debug, Clone)]
pub struct ZoomFactorChangedEventArgs {
    _ui_thread: PhantomData<Rc<()>>,
}

/// The settings as last set (the getters' answers), with WebView2's defaults.
struct SettingsState {
    scripts: Cell<bool>,
    web_messages: Cell<bool>,
    default_context_menus: Cell<bool>,
    dev_tools: Cell<bool>,
    zoom_factor: Cell<f64>,
    zoom_control: Cell<bool>,
    browser_keys: Cell<bool>,
    rasterization_scale: Cell<f64>,
    user_agent: RefCell<Option<String>>,
    background: Cell<[u8; 4]>,
    visible: Cell<bool>,
    external_drop: Cell<bool>,
    color_scheme: Cell<PreferredColorScheme>,
}

impl Default for SettingsState {
    fn default() -> Self {
        SettingsState {
            scripts: Cell::new(true),
            web_messages: Cell::new(true),
            default_context_menus: Cell::new(true),
            // Off until enabled (WebView2: on); see `set_dev_tools_enabled`.
            dev_tools: Cell::new(false),
            zoom_factor: Cell::new(1.0),
            zoom_control: Cell::new(true),
            browser_keys: Cell::new(true),
            rasterization_scale: Cell::new(1.0),
            user_agent: RefCell::new(None),
            background: Cell::new([255, 255, 255, 255]),
            visible: Cell::new(true),
            external_drop: Cell::new(true),
            color_scheme: Cell::new(PreferredColorScheme::Auto),
        }
    }
}

impl WebView {
    fn settings_state(&self) -> Rc<SettingsState> {
        self.inner.features.get()
    }

    /// Remembers the settings the view was created with.
    pub(crate) fn created_with(&self, options: &WebViewOptions) {
        let state = self.settings_state();
        state.scripts.set(options.settings.scripts);
        state.web_messages.set(options.settings.web_messages);
    }

    fn set(&self, setting: Setting) -> Result<()> {
        self.session_for_request()?
            .send(&AppMessage::UpdateSetting { id: self.id(), setting })
    }

    /// Whether JavaScript runs (WebView2's `IsScriptEnabled`), from the next document on.
    #[doc(alias = "IsScriptEnabled")]
    pub fn set_scripts_enabled(&self, enabled: bool) -> Result<()> {
        self.set(Setting::Scripts(enabled))?;
        self.settings_state().scripts.set(enabled);
        Ok(())
    }

    /// Whether JavaScript runs (as created, or last set).
    #[doc(alias = "IsScriptEnabled")]
    pub fn is_scripts_enabled(&self) -> bool {
        self.settings_state().scripts.get()
    }

    /// Whether pages get `chrome.webview` (WebView2's `IsWebMessageEnabled`); chosen when the
    /// view is made ([`WebViewOptions::web_messages`](crate::WebViewOptions::web_messages)).
    #[doc(alias = "IsWebMessageEnabled")]
    pub fn is_web_message_enabled(&self) -> bool {
        self.settings_state().web_messages.get()
    }

    /// Whether right-click shows the engine's context menu (`AreDefaultContextMenusEnabled`).
    #[doc(alias = "AreDefaultContextMenusEnabled")]
    pub fn set_default_context_menus_enabled(&self, enabled: bool) -> Result<()> {
        self.set(Setting::DefaultContextMenus(enabled))?;
        self.settings_state().default_context_menus.set(enabled);
        Ok(())
    }

    /// Whether right-click shows the engine's context menu (default true).
    #[doc(alias = "AreDefaultContextMenusEnabled")]
    pub fn are_default_context_menus_enabled(&self) -> bool {
        self.settings_state().default_context_menus.get()
    }

    /// Whether the web inspector can be opened (`AreDevToolsEnabled`).
    #[doc(alias = "AreDevToolsEnabled")]
    pub fn set_dev_tools_enabled(&self, enabled: bool) -> Result<()> {
        self.set(Setting::DevTools(enabled))?;
        self.settings_state().dev_tools.set(enabled);
        Ok(())
    }

    /// Whether the web inspector can be opened (default false: WebKit's; WebView2's is true).
    #[doc(alias = "AreDevToolsEnabled")]
    pub fn are_dev_tools_enabled(&self) -> bool {
        self.settings_state().dev_tools.get()
    }

    /// The zoom factor, 0.1 to 10 (`ZoomFactor`); raises
    /// [`on_zoom_factor_changed`](Self::on_zoom_factor_changed) when it changes.
    #[doc(alias = "ZoomFactor")]
    pub fn set_zoom_factor(&self, zoom: f64) -> Result<()> {
        self.set(Setting::ZoomFactor(zoom))?;
        self.settings_state().zoom_factor.set(zoom);
        Ok(())
    }

    /// The zoom factor: as last set by the app, or by the user (as last reported).
    #[doc(alias = "ZoomFactor")]
    pub fn zoom_factor(&self) -> f64 {
        self.settings_state().zoom_factor.get()
    }

    /// Whether the user may zoom with Ctrl + wheel and Ctrl + plus, minus, 0
    /// (`IsZoomControlEnabled`, default true).
    #[doc(alias = "IsZoomControlEnabled")]
    pub fn set_zoom_control_enabled(&self, enabled: bool) -> Result<()> {
        self.set(Setting::ZoomControl(enabled))?;
        self.settings_state().zoom_control.set(enabled);
        Ok(())
    }

    /// Whether the browser's own keys work (`AreBrowserAcceleratorKeysEnabled`, default
    /// true): F5 and Ctrl + R reload (with Shift, bypassing the cache), Alt + Left and Right go
    /// back and forward. Zoom keys follow [`set_zoom_control_enabled`](Self::set_zoom_control_enabled).
    #[doc(alias = "AreBrowserAcceleratorKeysEnabled")]
    pub fn set_browser_accelerator_keys_enabled(&self, enabled: bool) -> Result<()> {
        self.set(Setting::BrowserAcceleratorKeys(enabled))?;
        self.settings_state().browser_keys.set(enabled);
        Ok(())
    }

    /// Whether the browser's own keys work (default true).
    #[doc(alias = "AreBrowserAcceleratorKeysEnabled")]
    pub fn are_browser_accelerator_keys_enabled(&self) -> bool {
        self.settings_state().browser_keys.get()
    }

    /// Whether the user may zoom (default true).
    #[doc(alias = "IsZoomControlEnabled")]
    pub fn is_zoom_control_enabled(&self) -> bool {
        self.settings_state().zoom_control.get()
    }

    /// Frame pixels per CSS pixel, 0.25 to 8 (`RasterizationScale`): an offscreen view of
    /// 800 × 600 frame pixels at scale 2 lays its page out in 400 × 300 CSS pixels and draws text
    /// and shapes sharp at 2 × (the app's HiDPI scale factor). It multiplies the zoom factor.
    ///
    /// WebKitGTK takes `window.devicePixelRatio` from the browser process's screen (one integer
    /// for every view of the process, as GDK gives it), so this is done with WebKit's page zoom:
    /// the page's `devicePixelRatio` stays that of the screen, and bitmaps are scaled rather than
    /// picked from `srcset` by it. A windowed view already follows its monitor's integer scale.
    #[doc(alias = "RasterizationScale")]
    pub fn set_rasterization_scale(&self, scale: f64) -> Result<()> {
        self.set(Setting::RasterizationScale(scale))?;
        self.settings_state().rasterization_scale.set(scale);
        Ok(())
    }

    /// Frame pixels per CSS pixel (default 1).
    #[doc(alias = "RasterizationScale")]
    pub fn rasterization_scale(&self) -> f64 {
        self.settings_state().rasterization_scale.get()
    }

    /// The user agent; `None` restores the engine's (`UserAgent`).
    #[doc(alias = "UserAgent")]
    pub fn set_user_agent(&self, user_agent: Option<&str>) -> Result<()> {
        self.set(Setting::UserAgent(user_agent.map(str::to_owned)))?;
        *self.settings_state().user_agent.borrow_mut() = user_agent.map(str::to_owned);
        Ok(())
    }

    /// The user agent the app set (`None`: the engine's own, which pages read as
    /// `navigator.userAgent`).
    #[doc(alias = "UserAgent")]
    pub fn user_agent(&self) -> Option<String> {
        self.settings_state().user_agent.borrow().clone()
    }

    /// The colour drawn before the page paints, RGBA (`DefaultBackgroundColor`); a transparent
    /// colour (alpha 0) shows what is behind the view where the page draws nothing.
    #[doc(alias = "DefaultBackgroundColor")]
    pub fn set_default_background_color(&self, rgba: [u8; 4]) -> Result<()> {
        self.set(Setting::BackgroundColor(rgba))?;
        self.settings_state().background.set(rgba);
        Ok(())
    }

    /// The colour drawn before the page paints (default opaque white).
    #[doc(alias = "DefaultBackgroundColor")]
    pub fn default_background_color(&self) -> [u8; 4] {
        self.settings_state().background.get()
    }

    /// Shows or hides the view (`IsVisible`).
    #[doc(alias = "IsVisible")]
    pub fn set_visible(&self, visible: bool) -> Result<()> {
        self.set(Setting::Visible(visible))?;
        self.settings_state().visible.set(visible);
        Ok(())
    }

    /// Whether the view is shown (default true).
    #[doc(alias = "IsVisible")]
    pub fn is_visible(&self) -> bool {
        self.settings_state().visible.get()
    }

    /// Allows or refuses files, links and text dragged in from other programs onto the page
    /// (WebView2's controller `AllowExternalDrop`; default true). Refused, such a drag never
    /// reaches the page (no `dragenter`, `dragover` or `drop`); drags that start in the page
    /// work either way. Drops reach views in the browser process's own window; an embedded
    /// view's drops go to the app's window, an offscreen view has none.
    #[doc(alias = "AllowExternalDrop")]
    pub fn set_allow_external_drop(&self, allowed: bool) -> Result<()> {
        self.set(Setting::ExternalDrop(allowed))?;
        self.settings_state().external_drop.set(allowed);
        Ok(())
    }

    /// Whether drops from other programs reach the page (default true).
    #[doc(alias = "AllowExternalDrop")]
    pub fn allow_external_drop(&self) -> bool {
        self.settings_state().external_drop.get()
    }

    /// The colour scheme every page of the browser process is told the user prefers (CSS
    /// `prefers-color-scheme`; WebView2's `Profile.PreferredColorScheme`). Profile-wide: it
    /// applies to every webview of the user data folder, other apps' included, and pages already
    /// open follow it at once (their `matchMedia(…)` `change` listeners run).
    #[doc(alias = "PreferredColorScheme")]
    pub fn set_preferred_color_scheme(&self, scheme: PreferredColorScheme) -> Result<()> {
        let wire = match scheme {
            PreferredColorScheme::Auto => ColorScheme::Auto,
            PreferredColorScheme::Light => ColorScheme::Light,
            PreferredColorScheme::Dark => ColorScheme::Dark,
        };
        self.set(Setting::PreferredColorScheme(wire))?;
        self.settings_state().color_scheme.set(scheme);
        Ok(())
    }

    /// The colour scheme this app last asked for (default `Auto`).
    #[doc(alias = "PreferredColorScheme")]
    pub fn preferred_color_scheme(&self) -> PreferredColorScheme {
        self.settings_state().color_scheme.get()
    }

    /// The browser process says the zoom factor changed (the app's setting, or the user's zoom).
    pub(crate) fn zoom_factor_changed(&self, factor: f64) {
        self.settings_state().zoom_factor.set(factor);
        let args = ZoomFactorChangedEventArgs {
            _ui_thread: PhantomData,
        };
        self.inner.events.raise(self, &args);
    }

    crate::handlers::event_methods! { WebView {
        /// the zoom factor changed: the app set another, or the user zoomed (Ctrl + wheel,
        /// Ctrl + plus, minus, 0); read it with [`zoom_factor`](Self::zoom_factor).
        on_zoom_factor_changed, remove_zoom_factor_changed, ZoomFactorChangedEventArgs, "add_ZoomFactorChanged", "remove_ZoomFactorChanged";
    }}
}
