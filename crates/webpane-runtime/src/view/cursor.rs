//! The cursor the page wants over an offscreen view, told to the app by its CSS name
//! (WebView2's `CursorChanged`, CEF's `OnCursorChange`).
//!
//! WebKit sets the cursor on the view's own GdkWindow, as a named cursor GDK keeps one of per
//! name and display. The runtime watches that window's `cursor` property and finds the name by
//! asking GDK for each CSS cursor's: the same object comes back. A cursor no name gives (an
//! image the page chose with `cursor: url(…)`, or a display without a cursor theme) falls back to
//! what is under the pointer: a link, editable text, or the default.

use std::cell::Cell;
use std::rc::Rc;

use gtk::prelude::*;
use webkit2gtk::{HitTestResultExt, WebViewExt};
use webpane_ipc::protocol::RuntimeMessage;

use super::state::View;

/// CSS's cursor names (CSS Basic User Interface, `cursor`).
const CSS_CURSORS: &[&str] = &[
    "default",
    "none",
    "context-menu",
    "help",
    "pointer",
    "progress",
    "wait",
    "cell",
    "crosshair",
    "text",
    "vertical-text",
    "alias",
    "copy",
    "move",
    "no-drop",
    "not-allowed",
    "grab",
    "grabbing",
    "all-scroll",
    "col-resize",
    "row-resize",
    "n-resize",
    "e-resize",
    "s-resize",
    "w-resize",
    "ne-resize",
    "nw-resize",
    "se-resize",
    "sw-resize",
    "ew-resize",
    "ns-resize",
    "nesw-resize",
    "nwse-resize",
    "zoom-in",
    "zoom-out",
];

/// GDK's cursor for each CSS name it has one for, on `display` (asked once per view: GDK
/// keeps these, but a name with no cursor is looked for in the cursor theme again each time).
fn named_cursors(display: &gtk::gdk::Display) -> Vec<(gtk::gdk::Cursor, &'static str)> {
    CSS_CURSORS
        .iter()
        .filter_map(|&name| Some((gtk::gdk::Cursor::from_name(display, name)?, name)))
        .collect()
}

impl View {
    /// Reports the cursor the page wants over this (offscreen) view.
    pub(super) fn wire_cursor(&self) {
        let Some(window) = self.webview.window() else {
            return;
        };
        // What is under the pointer, for a cursor with no name.
        let guess: Rc<Cell<&'static str>> = Rc::new(Cell::new("default"));
        let (last, host, id) = (Rc::clone(&self.cursor), self.host.clone(), self.id);
        let (g, w) = (Rc::clone(&guess), window.downgrade());
        let named = std::cell::OnceCell::new();
        let report = Rc::new(move || {
            let Some(window) = w.upgrade() else { return };
            let name = match window.cursor() {
                None => "default",
                Some(cursor) => named
                    .get_or_init(|| named_cursors(&cursor.display()))
                    .iter()
                    .find(|(named, _)| *named == cursor)
                    .map_or_else(|| g.get(), |(_, name)| *name),
            };
            if *last.borrow() != name {
                last.replace(name.to_owned());
                host.send(RuntimeMessage::CursorChanged {
                    id,
                    cursor: name.to_owned(),
                });
            }
        });
        let r = Rc::clone(&report);
        self.webview.connect_mouse_target_changed(move |_, hit, _| {
            guess.set(if hit.context_is_link() {
                "pointer"
            } else if hit.context_is_editable() {
                "text"
            } else {
                "default"
            });
            r();
        });
        window.connect_notify_local(Some("cursor"), move |_, _| report());
    }
}
