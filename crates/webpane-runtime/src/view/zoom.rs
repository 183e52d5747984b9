//! A view's zoom: the app's factor times the rasterization scale is WebKit's zoom level; every
//! change of the factor is told to the app.

use std::cell::Cell;
use std::rc::Rc;

use webkit2gtk::WebViewExt;
use webpane_ipc::protocol::{RuntimeMessage, WebViewId};

use crate::host::Host;

/// The zoom steps of the user's Ctrl + wheel and Ctrl + plus and minus (Chromium's, as WebView2's).
const ZOOM_STEPS: [f64; 17] = [
    0.25, 0.33, 0.5, 0.67, 0.75, 0.8, 0.9, 1.0, 1.1, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 4.0, 5.0,
];

/// A view's zoom: the app's factor, the rasterization scale, and whether the user may zoom.
pub(super) struct Zoom {
    /// The zoom factor and the rasterization scale.
    pub(super) levels: Cell<(f64, f64)>,
    /// Whether Ctrl + wheel and Ctrl + plus, minus, 0 zoom (on by default, as in WebView2).
    pub(super) user_control: Cell<bool>,
    /// The factor last told to the app.
    told: Cell<f64>,
}

impl Default for Zoom {
    fn default() -> Self {
        Zoom {
            levels: Cell::new((1.0, 1.0)),
            user_control: Cell::new(true),
            told: Cell::new(1.0),
        }
    }
}

impl Zoom {
    /// Sets the factor and applies it (with the scale) to `webview`; tells the app if it changed.
    pub(super) fn set_factor(&self, webview: &webkit2gtk::WebView, factor: f64, id: WebViewId, host: &Rc<dyn Host>) {
        let (_, scale) = self.levels.get();
        self.levels.set((factor, scale));
        webview.set_zoom_level(factor * scale);
        if self.told.replace(factor) != factor {
            host.send(RuntimeMessage::ZoomFactorChanged { id, factor });
        }
    }

    /// The next step from the current factor, up (`+1`) or down (`-1`).
    pub(super) fn step(&self, direction: i32) -> f64 {
        let (factor, _) = self.levels.get();
        let next = if direction > 0 {
            ZOOM_STEPS.iter().find(|s| **s > factor + 1e-6)
        } else {
            ZOOM_STEPS.iter().rev().find(|s| **s < factor - 1e-6)
        };
        next.copied().unwrap_or(factor)
    }
}
