//! Drags the app forwards (WebView2's `DragEnter`, `DragOver`, `DragLeave`, `Drop`): for an
//! offscreen view, or a toolkit's drop on the window a view is embedded in (a display server's
//! drag goes to that window, not into the view). WebKitGTK takes drag data only from a display
//! server's drag, so the web process extension's `drops.js` fires the page's drag events at the
//! point itself (events page script made, `isTrusted` false) with the drag's text and, on the
//! drop, its files; the answer is the page's drop effect.

use std::os::fd::OwnedFd;

use webkit2gtk::WebViewExt;
use webpane_ipc::protocol::{DragInput, DropEffect};
use webpane_ipc::webext::{self, DragAt, DragPhase, DraggedFile};

use super::drag_files::described;
use super::error::ViewError;
use super::extension::{decode_reply, message_with_fds};
use super::state::View;

impl View {
    /// Fires the page's drag events for `input`, with `files` (the drop's, read-only, in order);
    /// `done` gets the page's drop effect. With external drops off the page hears nothing and
    /// the effect is none.
    pub fn forward_drag(
        &self,
        input: DragInput,
        files: Vec<OwnedFd>,
        done: impl FnOnce(Result<DropEffect, ViewError>) + 'static,
    ) {
        if !self.external_drop.get() {
            done(Ok(DropEffect::None));
            return;
        }
        if let Some(why) = &self.extension_missing {
            done(Err(ViewError::NoExtension(why.clone())));
            return;
        }
        let named = |names: Vec<String>| -> Vec<DraggedFile> {
            names
                .iter()
                .map(|name| DraggedFile {
                    name: name.clone(),
                    ..described(std::path::Path::new(name))
                })
                .collect()
        };
        let (phase, names, text, x, y) = match input {
            DragInput::Enter { files, text, x, y } => (DragPhase::Entered, files, text, x, y),
            DragInput::Over { x, y } => (DragPhase::Over, Vec::new(), None, x, y),
            DragInput::Leave => (DragPhase::Left, Vec::new(), None, 0.0, 0.0),
            DragInput::Drop { files, text, x, y } => (
                DragPhase::Dropped,
                files.into_iter().map(|(_, name)| name).collect(),
                text,
                x,
                y,
            ),
        };
        // The app's points are the view's pixels; the page's, CSS pixels (the zoom between).
        let zoom = self.webview.zoom_level().max(0.01);
        let drag = DragAt {
            phase,
            files: named(names),
            text,
            x: x / zoom,
            y: y / zoom,
        };
        let json = serde_json::to_string(&drag).unwrap_or_default();
        let message = match message_with_fds(webext::DRAG_AT, &json, files) {
            Ok(message) => message,
            Err(e) => return done(Err(e)),
        };
        self.webview
            .send_message_to_page(&message, None::<&gio::Cancellable>, move |reply| {
                done(decode_reply::<String>(reply).map(|effect| DropEffect::from_page(&effect)))
            });
    }
}
