//! What a view's page does to its surroundings, told to the app: `window.close()`, sound
//! (playing, muted), full screen, its icon, and the link under the pointer (a status bar's
//! text).

use std::cell::RefCell;
use std::rc::Rc;

use webkit2gtk::{FaviconDatabaseExt, HitTestResultExt, WebContextExt, WebViewExt};
use webpane_ipc::protocol::{RuntimeMessage, WebViewId};

use super::state::View;
use crate::host::Host;

impl View {
    pub(super) fn wire_surface(&self, id: WebViewId, host: &Rc<dyn Host>) {
        {
            let host = host.clone();
            // WebView2 leaves closing to the app: the view stays until it closes it.
            self.webview
                .connect_close(move |_| host.send(RuntimeMessage::WindowCloseRequested { id }));
        }
        let audio = {
            let host = host.clone();
            move |view: &webkit2gtk::WebView| {
                host.send(RuntimeMessage::AudioChanged {
                    id,
                    playing: view.is_playing_audio(),
                    muted: view.is_muted(),
                })
            }
        };
        self.webview.connect_is_playing_audio_notify(audio.clone());
        self.webview.connect_is_muted_notify(audio);
        {
            let host = host.clone();
            // Returning false lets WebKit make the view's window full screen (in a window of its
            // own); the app hears of it either way.
            self.webview.connect_enter_fullscreen(move |_| {
                host.send(RuntimeMessage::FullScreenChanged { id, full_screen: true });
                false
            });
        }
        {
            let host = host.clone();
            self.webview.connect_leave_fullscreen(move |_| {
                host.send(RuntimeMessage::FullScreenChanged { id, full_screen: false });
                false
            });
        }
        {
            let host = host.clone();
            self.webview.connect_favicon_notify(move |view| {
                let png = view
                    .favicon()
                    .and_then(|surface| cairo::ImageSurface::try_from(surface).ok())
                    .and_then(|image| {
                        let mut png = Vec::new();
                        image.write_to_png(&mut png).ok()?;
                        Some(png)
                    })
                    .unwrap_or_default();
                let page = view.uri().map(|u| u.to_string()).unwrap_or_default();
                let uri = view
                    .context()
                    .and_then(|c| c.favicon_database())
                    .and_then(|db| db.favicon_uri(&page))
                    .map(|u| u.to_string())
                    .unwrap_or_default();
                host.send(RuntimeMessage::FaviconChanged { id, uri, png });
            });
        }
        let last = RefCell::new(String::new());
        let host = host.clone();
        self.webview.connect_mouse_target_changed(move |_, hit, _| {
            let text = if hit.context_is_link() {
                hit.link_uri().map(|u| u.to_string()).unwrap_or_default()
            } else {
                String::new()
            };
            if *last.borrow() != text {
                last.replace(text.clone());
                host.send(RuntimeMessage::StatusBarTextChanged { id, text });
            }
        });
    }
}
