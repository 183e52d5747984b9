//! [`WebViewOptions`]: how a new webview is shown and what its pages may do.

use webpane_ipc::protocol::{ViewMode, ViewSettings, WebViewId};

use crate::error::{Error, Result};

/// Where a webview is and how large (WebView2's controller `Bounds`), in pixels: inside its
/// parent window when embedded, on screen for a window of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Bounds {
    /// Left edge.
    pub x: i32,
    /// Top edge.
    pub y: i32,
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
}

/// Options for a new webview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebViewOptions {
    pub(crate) mode: ViewMode,
    pub(crate) settings: ViewSettings,
    pub(crate) opener: Option<WebViewId>,
    /// Frames into this app's memory, input from it (see [`offscreen`](Self::offscreen)).
    pub(crate) offscreen: bool,
}

impl WebViewOptions {
    /// No visible window (scripts, messages and events all work).
    pub fn headless(width: u32, height: u32) -> Self {
        Self {
            mode: ViewMode::Headless { width, height },
            settings: ViewSettings::default(),
            opener: None,
            offscreen: false,
        }
    }

    /// Inside an X11 window of any toolkit (the parent needs no XEmbed support), at `x, y` in
    /// it, `width × height` pixels. The webview follows [`WebView::set_bounds`] and closes
    /// (reported through [`WebView::on_closed`]) when the parent window goes away.
    ///
    /// [`WebView::set_bounds`]: crate::WebView::set_bounds
    /// [`WebView::on_closed`]: crate::WebView::on_closed
    pub fn embedded(parent_xid: u64, x: i32, y: i32, width: u32, height: u32) -> Self {
        Self {
            mode: ViewMode::Embedded {
                parent: parent_xid,
                x,
                y,
                width,
                height,
            },
            settings: ViewSettings::default(),
            opener: None,
            offscreen: false,
        }
    }

    /// [`embedded`](Self::embedded) in the window behind a `raw-window-handle` (what winit and
    /// other toolkits hand out): Xlib and XCB windows; anything else is
    /// [`Error::InvalidArgument`] (cross-process embedding needs X11).
    pub fn embedded_in(
        handle: raw_window_handle::RawWindowHandle,
        x: i32,
        y: i32,
        width: u32,
        height: u32,
    ) -> Result<Self> {
        use raw_window_handle::RawWindowHandle;
        let xid = match handle {
            // c_ulong: 64 bits here, 32 on other targets.
            #[allow(clippy::unnecessary_cast)]
            RawWindowHandle::Xlib(h) => h.window as u64,
            RawWindowHandle::Xcb(h) => u64::from(h.window.get()),
            other => {
                return Err(Error::InvalidArgument(format!(
                    "cannot embed into {other:?}: only X11 windows (Xlib, XCB) can host a view of another process"
                )));
            }
        };
        Ok(Self::embedded(xid, x, y, width, height))
    }

    /// Whether pages get `window.chrome.webview` for web messages (default: yes). Without it,
    /// `chrome.webview.postMessage` is absent from the page.
    pub fn web_messages(mut self, enabled: bool) -> Self {
        self.settings.web_messages = enabled;
        self
    }

    /// Whether JavaScript runs (default: yes).
    pub fn scripts(mut self, enabled: bool) -> Self {
        self.settings.scripts = enabled;
        self
    }
    /// Offscreen (WebView2's composition hosting, CEF's off-screen rendering): no window
    /// anywhere; the page's frames arrive in this app's memory
    /// ([`WebView::on_picture_ready`](crate::WebView::on_picture_ready)) and the app sends its input
    /// ([`WebView::send_mouse_input`](crate::WebView::send_mouse_input), keys, text, focus). Draw
    /// the frames with anything: winit + softbuffer, wgpu, egui, a game engine; on X11, Wayland
    /// or no display in the app at all.
    pub fn offscreen(width: u32, height: u32) -> Self {
        Self {
            offscreen: true,
            ..Self::headless(width, height)
        }
    }

    /// A top-level window of the browser process's own.
    pub fn window(title: &str, width: u32, height: u32) -> Self {
        Self {
            mode: ViewMode::Window {
                title: title.to_owned(),
                width,
                height,
            },
            settings: ViewSettings::default(),
            opener: None,
            offscreen: false,
        }
    }
}

impl WebViewOptions {
    /// The bounds a webview made with these options starts with.
    pub(crate) fn bounds(&self) -> Bounds {
        match self.mode {
            ViewMode::Headless { width, height } | ViewMode::Window { width, height, .. } => Bounds {
                x: 0,
                y: 0,
                width,
                height,
            },
            ViewMode::Embedded {
                x, y, width, height, ..
            } => Bounds { x, y, width, height },
        }
    }
}

impl Default for WebViewOptions {
    fn default() -> Self {
        Self::headless(800, 600)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_window_handles_of_x11_windows_embed() {
        use raw_window_handle::{RawWindowHandle, WaylandWindowHandle, XcbWindowHandle, XlibWindowHandle};
        let xlib =
            WebViewOptions::embedded_in(RawWindowHandle::Xlib(XlibWindowHandle::new(0x1200007)), 1, 2, 3, 4).unwrap();
        assert_eq!(xlib, WebViewOptions::embedded(0x1200007, 1, 2, 3, 4));
        let xcb = WebViewOptions::embedded_in(
            RawWindowHandle::Xcb(XcbWindowHandle::new(std::num::NonZeroU32::new(0x1400001).unwrap())),
            0,
            0,
            10,
            10,
        )
        .unwrap();
        assert_eq!(xcb, WebViewOptions::embedded(0x1400001, 0, 0, 10, 10));
        let surface = std::ptr::NonNull::<std::ffi::c_void>::dangling();
        let wayland =
            WebViewOptions::embedded_in(RawWindowHandle::Wayland(WaylandWindowHandle::new(surface)), 0, 0, 1, 1);
        assert!(matches!(wayland, Err(Error::InvalidArgument(_))));
    }
}
