//! Drops from other programs (WebView2's `AllowExternalDrop`). WebKitGTK takes links and text
//! dragged in from outside (XDND, or Wayland's data device) and gives the page's drag events
//! the drag's types, but never its files (`dataTransfer.files` stays empty, the file URIs are
//! hidden). So the runtime reads the drag's `text/uri-list` itself: while local files are
//! dragged over the view, the page's drag events see the type `Files`, and on the drop the
//! files, opened here read-only, go to the web process extension ahead of WebKit's own drop, to
//! become the `drop` listeners' `File`s (`drops.js`). With external drops off, a drag from
//! another program is refused before WebKit sees it: the page hears no `dragenter`,
//! `dragover` or `drop`; drags that start in the page go on as before.

use std::cell::Cell;
use std::os::fd::OwnedFd;
use std::rc::Rc;

use gtk::prelude::*;
use webkit2gtk::{UserContentInjectedFrames, UserContentManagerExt, UserScriptInjectionTime, WebViewExt};
use webpane_ipc::webext::{self, DragPhase, DraggedFile, DraggedFiles};

use super::drag_files::{described, local_files, open_regular};
use super::extension::message_with_fds;
use super::state::View;

/// Whether a drag comes from this process (a drag the page started).
fn from_here(context: &gtk::gdk::DragContext) -> bool {
    context.drag_get_source_widget().is_some()
}

/// Tells the page's web process extension where the drag of files is.
fn tell(webview: &webkit2gtk::WebView, phase: DragPhase, files: Vec<DraggedFile>, fds: Vec<OwnedFd>) {
    let json = serde_json::to_string(&DraggedFiles { phase, files }).unwrap_or_default();
    if let Ok(message) = message_with_fds(webext::DRAGGED_FILES, &json, fds) {
        // Without a reply: WebKit sends it on the page's connection, ahead of what it sends after.
        webview.send_message_to_page(&message, None::<&gio::Cancellable>, |_| {});
    }
}

impl View {
    pub(super) fn wire_drops(&self) {
        self.content.add_script(&webkit2gtk::UserScript::new(
            include_str!("drops.js"),
            UserContentInjectedFrames::AllFrames,
            UserScriptInjectionTime::Start,
            &[],
            &[],
        ));
        let allowed: Rc<Cell<bool>> = self.external_drop.clone();
        self.webview.connect_drag_motion(move |_, context, _, _, time| {
            if allowed.get() || from_here(context) {
                return false;
            }
            context.drag_status(gtk::gdk::DragAction::empty(), time);
            true
        });
        // WebKit asks for the drag's data as it enters; its URI list says which files.
        let drag = self.dragged.clone();
        self.webview
            .connect_drag_data_received(move |webview, context, _, _, data, _, _| {
                if from_here(context) || data.target().name() != "text/uri-list" {
                    return;
                }
                let files = local_files(&data.uris());
                *drag.context.borrow_mut() = Some(context.clone());
                if !files.is_empty() {
                    tell(
                        webview,
                        DragPhase::Entered,
                        files.iter().map(|p| described(p)).collect(),
                        Vec::new(),
                    );
                }
                *drag.files.borrow_mut() = files;
            });
        // GTK says `drag-leave` before `drag-drop` too: the leave is told once the main loop
        // is back, unless a drop of the same drag came meanwhile (which tells its own).
        let drag = self.dragged.clone();
        self.webview.connect_drag_leave(move |webview, context, _| {
            if drag.context.borrow().as_ref() != Some(context) {
                return;
            }
            let (drag, webview, context) = (drag.clone(), webview.downgrade(), context.clone());
            glib::idle_add_local_once(move || {
                if drag.context.borrow().as_ref() == Some(&context) {
                    drag.context.borrow_mut().take();
                    if !std::mem::take(&mut *drag.files.borrow_mut()).is_empty()
                        && let Some(webview) = webview.upgrade()
                    {
                        tell(&webview, DragPhase::Left, Vec::new(), Vec::new());
                    }
                }
            });
        });
        let (allowed, drag) = (self.external_drop.clone(), self.dragged.clone());
        self.webview.connect_drag_drop(move |webview, context, _, _, time| {
            if from_here(context) {
                return false;
            }
            if !allowed.get() {
                context.drag_finish(false, false, time);
                return true;
            }
            if drag.context.borrow_mut().take().as_ref() == Some(context) {
                let files = std::mem::take(&mut *drag.files.borrow_mut());
                let (described, fds): (Vec<DraggedFile>, Vec<OwnedFd>) = files
                    .iter()
                    .filter_map(|p| Some((described(p), open_regular(p)?)))
                    .unzip();
                if !fds.is_empty() {
                    // Ahead of WebKit's drop (this handler runs first), and the end of it after.
                    tell(webview, DragPhase::Dropped, described, fds);
                    let webview = webview.downgrade();
                    glib::idle_add_local_once(move || {
                        if let Some(webview) = webview.upgrade() {
                            tell(&webview, DragPhase::Left, Vec::new(), Vec::new());
                        }
                    });
                }
            }
            false
        });
    }

    /// Allows or refuses drops from other programs.
    pub(super) fn set_external_drop(&self, allowed: bool) {
        self.external_drop.set(allowed);
    }
}
