//! Non-client regions (WebView2's `IsNonClientRegionSupportEnabled`, `NonClientRegionChanged`):
//! the page's drag regions, found by `regions.js` in an isolated world, become the caption
//! region told to the app; in the runtime's own window a press there moves the window.

use std::rc::Rc;

use gtk::prelude::*;
use javascriptcore::ValueExt;
use webkit2gtk::{UserContentInjectedFrames, UserContentManagerExt, UserScriptInjectionTime, WebViewExt};
use webpane_ipc::protocol::{RuntimeMessage, WebViewId};

use super::drag_regions::DragRegions;
use super::state::View;
use crate::host::Host;
use crate::region::{Rect, region};

/// The isolated world of the regions script, and its message handler.
const WORLD: &str = "webpane-regions";
const HANDLER: &str = "webpane-regions";
/// How much of a message the runtime reads (4,096 boxes of four numbers fit).
const MAX_MESSAGE: usize = 512 * 1024;

/// The boxes a page reported, in CSS pixels.
#[derive(serde::Deserialize)]
struct Boxes {
    drag: Vec<[f64; 4]>,
    #[serde(rename = "noDrag")]
    no_drag: Vec<[f64; 4]>,
}

impl View {
    pub(super) fn wire_regions(&self, id: WebViewId, host: &Rc<dyn Host>) {
        self.content.register_script_message_handler_in_world(HANDLER, WORLD);
        let (regions, told_to, webview) = (self.regions.clone(), host.clone(), self.webview.downgrade());
        self.content
            .connect_script_message_received(Some(HANDLER), move |_, result| {
                let Some(webview) = webview.upgrade() else { return };
                let json = result.js_value().map(|v| v.to_str().to_string()).unwrap_or_default();
                if !regions.enabled.get() || json.len() > MAX_MESSAGE {
                    return;
                }
                let Ok(boxes) = serde_json::from_str::<Boxes>(&json) else {
                    log::debug!("view {}: a regions report that does not parse", id.0);
                    return;
                };
                found(&regions, &webview, &boxes, id, &told_to);
            });
        if self.showing_window() && !self.embedded {
            // A press in the caption region moves the runtime's own window, before WebKit sees it.
            let (regions, window) = (self.regions.clone(), self.window.downgrade());
            self.webview.connect_button_press_event(move |_, event| {
                let (x, y) = event.position();
                let inside = regions.enabled.get()
                    && event.button() == 1
                    && event.event_type() == gtk::gdk::EventType::ButtonPress
                    && caption_at(&regions, x, y);
                match (inside, window.upgrade()) {
                    (true, Some(window)) => {
                        let (rx, ry) = event.root();
                        window.begin_move_drag(1, rx as i32, ry as i32, event.time());
                        glib::Propagation::Stop
                    }
                    _ => glib::Propagation::Proceed,
                }
            });
        }
        // A new size may move boxes laid out against the view's edges; the script follows
        // `resize`, and the size told with the region changes.
        let (regions, host) = (self.regions.clone(), host.clone());
        self.webview.connect_size_allocate(move |webview, _| {
            if regions.enabled.get() {
                let caption: Vec<[i32; 4]> = regions.caption.borrow().iter().map(|r| r.to_xywh()).collect();
                tell(&regions, webview, caption, id, &host);
            }
        });
    }

    /// Turns the drag regions on (the script starts in the page and in every later document) or
    /// off (it stops; the region is empty).
    pub(super) fn set_non_client_regions(&self, on: bool) {
        if self.regions.enabled.replace(on) == on {
            return;
        }
        let script = include_str!("regions.js");
        if on {
            let user_script = webkit2gtk::UserScript::for_world(
                script,
                UserContentInjectedFrames::TopFrame,
                UserScriptInjectionTime::End,
                WORLD,
                &[],
                &[],
            );
            self.content.add_script(&user_script);
            self.regions.script.replace(Some(user_script));
            self.run_in_regions_world(script);
        } else {
            if let Some(user_script) = self.regions.script.take() {
                self.content.remove_script(&user_script);
            }
            self.run_in_regions_world("window.__webpaneRegions && window.__webpaneRegions.stop();");
            self.regions.caption.borrow_mut().clear();
            tell(&self.regions, &self.webview, Vec::new(), self.id, &self.host);
        }
    }

    fn run_in_regions_world(&self, script: &str) {
        self.webview
            .evaluate_javascript(script, Some(WORLD), None, None::<&gio::Cancellable>, |_| {});
    }
}

/// Whether `(x, y)` (view pixels) is in the caption region.
fn caption_at(regions: &DragRegions, x: f64, y: f64) -> bool {
    let (x, y) = (x.floor() as i32, y.floor() as i32);
    regions
        .caption
        .borrow()
        .iter()
        .any(|r| r.x0 <= x && x < r.x1 && r.y0 <= y && y < r.y1)
}

/// The page reported its boxes: the caption region is the drag boxes without the no-drag ones,
/// in view pixels (times the zoom).
fn found(regions: &DragRegions, webview: &webkit2gtk::WebView, boxes: &Boxes, id: WebViewId, host: &Rc<dyn Host>) {
    let zoom = webview.zoom_level();
    let cover = |b: &[[f64; 4]]| -> Vec<Rect> { b.iter().filter_map(|b| Rect::covering(*b, zoom)).collect() };
    let caption = region(&cover(&boxes.drag), &cover(&boxes.no_drag));
    let wire = caption.iter().map(|r| r.to_xywh()).collect();
    *regions.caption.borrow_mut() = caption;
    tell(regions, webview, wire, id, host);
}

/// Tells the app the caption region and the view's size, if either changed.
fn tell(
    regions: &DragRegions,
    webview: &webkit2gtk::WebView,
    caption: Vec<[i32; 4]>,
    id: WebViewId,
    host: &Rc<dyn Host>,
) {
    let allocation = webview.allocation();
    let size = [allocation.width().max(0) as u32, allocation.height().max(0) as u32];
    let now = Some((caption, size));
    if *regions.told.borrow() == now {
        return;
    }
    let (caption, size) = now.clone().unwrap_or_default();
    *regions.told.borrow_mut() = now;
    host.send(RuntimeMessage::NonClientRegionChanged { id, caption, size });
}
