//! A view's settings as the app sets them, and zoom: the app's zoom factor times the
//! rasterization scale is WebKit's zoom level; the user zooms with Ctrl + wheel or Ctrl + plus,
//! minus and 0 (WebView2's `IsZoomControlEnabled`), and every change of the factor is told
//! (`ZoomFactorChanged`).

use std::rc::Rc;

use gtk::prelude::*;
use webkit2gtk::{SettingsExt, WebViewExt};
use webpane_ipc::protocol::{Setting, WebViewId};

use super::state::View;
use crate::host::Host;

impl View {
    /// The user's zoom: Ctrl + wheel and Ctrl + plus, minus, 0 on the view, when allowed.
    pub(super) fn wire_zoom(&self, id: WebViewId, host: &Rc<dyn Host>) {
        {
            let (zoom, host) = (self.zoom.clone(), host.clone());
            self.webview.connect_scroll_event(move |webview, event| {
                if !zoom.user_control.get() || !event.state().contains(gtk::gdk::ModifierType::CONTROL_MASK) {
                    return glib::Propagation::Proceed;
                }
                let direction = match event.direction() {
                    gtk::gdk::ScrollDirection::Up => 1,
                    gtk::gdk::ScrollDirection::Down => -1,
                    gtk::gdk::ScrollDirection::Smooth => match event.delta() {
                        (_, dy) if dy < 0.0 => 1,
                        (_, dy) if dy > 0.0 => -1,
                        _ => 0,
                    },
                    _ => 0,
                };
                if direction != 0 {
                    zoom.set_factor(webview, zoom.step(direction), id, &host);
                }
                glib::Propagation::Stop
            });
        }
        let (zoom, host) = (self.zoom.clone(), host.clone());
        self.webview.connect_key_press_event(move |webview, event| {
            if !zoom.user_control.get() || !event.state().contains(gtk::gdk::ModifierType::CONTROL_MASK) {
                return glib::Propagation::Proceed;
            }
            use gtk::gdk::keys::constants as key;
            let factor = match event.keyval() {
                key::plus | key::equal | key::KP_Add => zoom.step(1),
                key::minus | key::KP_Subtract => zoom.step(-1),
                key::_0 | key::KP_0 => 1.0,
                _ => return glib::Propagation::Proceed,
            };
            zoom.set_factor(webview, factor, id, &host);
            glib::Propagation::Stop
        });
    }

    /// Applies a setting.
    pub fn apply_setting(&self, setting: Setting) {
        let settings = WebViewExt::settings(&self.webview);
        match setting {
            Setting::Scripts(on) => settings.iter().for_each(|s| s.set_enable_javascript(on)),
            Setting::DevTools(on) => settings.iter().for_each(|s| s.set_enable_developer_extras(on)),
            Setting::DefaultContextMenus(on) => self.context_menus.set(on),
            Setting::ZoomFactor(zoom) => self.zoom.set_factor(&self.webview, zoom, self.id, &self.host),
            Setting::RasterizationScale(scale) => {
                let (zoom, _) = self.zoom.levels.get();
                self.zoom.levels.set((zoom, scale));
                self.webview.set_zoom_level(zoom * scale);
            }
            Setting::ZoomControl(on) => self.zoom.user_control.set(on),
            Setting::BrowserAcceleratorKeys(on) => self.set_browser_keys(on),
            Setting::AppNotifications(on) => self.set_app_notifications(on),
            Setting::ResponseReports(on) => self.set_response_reports(on),
            Setting::MemoryUsageTargetLevel(level) => self.set_memory_usage_target_level(level),
            Setting::NonClientRegions(on) => self.set_non_client_regions(on),
            Setting::ExternalDrop(allowed) => self.set_external_drop(allowed),
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
            Setting::Muted(muted) => self.webview.set_is_muted(muted),
            Setting::PreferredColorScheme(scheme) => crate::color_scheme::set_color_scheme(scheme),
        }
    }
}
