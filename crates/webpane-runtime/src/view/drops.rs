//! Drops from other programs (WebView2's `AllowExternalDrop`): WebKitGTK takes files, links and
//! text dragged in from outside (XDND) and gives them to the page's `drop` listeners. With
//! external drops off, a drag from another program is refused before WebKit sees it: the page
//! hears no `dragenter`, `dragover` or `drop`; drags that start in the page go on as before.

use std::cell::Cell;
use std::rc::Rc;

use gtk::prelude::*;

use super::state::View;

/// Whether a drag comes from this process (a drag the page started).
fn from_here(context: &gtk::gdk::DragContext) -> bool {
    context.drag_get_source_widget().is_some()
}

impl View {
    pub(super) fn wire_drops(&self) {
        let allowed: Rc<Cell<bool>> = self.external_drop.clone();
        self.webview.connect_drag_motion(move |_, context, _, _, time| {
            if allowed.get() || from_here(context) {
                return false;
            }
            context.drag_status(gtk::gdk::DragAction::empty(), time);
            true
        });
        let allowed = self.external_drop.clone();
        self.webview.connect_drag_drop(move |_, context, _, _, time| {
            if allowed.get() || from_here(context) {
                return false;
            }
            context.drag_finish(false, false, time);
            true
        });
    }

    /// Allows or refuses drops from other programs.
    pub(super) fn set_external_drop(&self, allowed: bool) {
        self.external_drop.set(allowed);
    }
}
