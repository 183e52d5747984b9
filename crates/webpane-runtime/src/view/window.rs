//! A view's windows: the plug inside an app's window, and windows a page opens (`window.open`).

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::{Duration, Instant};

use glib::ControlFlow;
use gtk::prelude::*;
use webkit2gtk::WebViewExt;
use webpane_ipc::protocol::{NewWindowDecision, RuntimeMessage, ViewMode, WebViewId};

use super::navigation::action_uri;
use super::state::*;
use crate::host::Host;

/// traps work as before); the plug's `destroy` then closes the view cleanly.
pub(super) fn ignore_x_errors_of_vanished_windows() {
    thread_local!(static TRAPPED: Cell<bool> = const { Cell::new(false) });
    if !TRAPPED.with(|t| t.replace(true)) {
        gtk::gdk::error_trap_push();
    }
}

/// Maps and places a plug's X window inside its parent.
pub(super) fn place_plug(window: &gtk::Window, x: i32, y: i32, width: u32, height: u32) {
    window.resize(width as i32, height as i32);
    if let Some(gdk_window) = window.window() {
        gdk_window.move_resize(x, y, width as i32, height as i32);
        gdk_window.show();
    }
}

/// A window of the runtime's own for a page's `window.open` (the default answer): shown when
/// WebKit says it is ready, closed by the page's `window.close()` or with its opener.
pub(super) fn open_popup(
    opener: &webkit2gtk::WebView,
    mode: &ViewMode,
    popups: &Rc<RefCell<Vec<gtk::Window>>>,
) -> gtk::Widget {
    let popup = webkit2gtk::WebView::builder().related_view(opener).build();
    let window = match mode {
        ViewMode::Headless { width, height } => {
            let w = gtk::OffscreenWindow::new();
            w.set_default_size(*width as i32, *height as i32);
            w.upcast::<gtk::Window>()
        }
        ViewMode::Window { width, height, .. } | ViewMode::Embedded { width, height, .. } => {
            let w = gtk::Window::new(gtk::WindowType::Toplevel);
            w.set_default_size(*width as i32, *height as i32);
            w
        }
    };
    window.add(&popup);
    let weak = window.downgrade();
    popup.connect_ready_to_show(move |_| {
        if let Some(w) = weak.upgrade() {
            w.show_all();
        }
    });
    let (weak, list) = (window.downgrade(), Rc::downgrade(popups));
    popup.connect_close(move |_| {
        if let Some(w) = weak.upgrade() {
            if let Some(list) = list.upgrade() {
                list.borrow_mut().retain(|p| *p != w);
            }
            w.close();
        }
    });
    popup.connect_title_notify(|view| {
        if let Some(w) = view.toplevel().and_then(|t| t.downcast::<gtk::Window>().ok()) {
            w.set_title(view.title().as_deref().unwrap_or(""));
        }
    });
    popups.borrow_mut().push(window);
    popup.upcast()
}

impl View {
    /// `window.open`: WebKit wants the new view synchronously, so the page waits while the main
    /// loop runs nested until the app answers (other apps and views are served meanwhile).
    pub(super) fn wire_new_windows(&self, id: WebViewId, host: &Rc<dyn Host>, mode: &ViewMode) {
        let (host, pending, navigations) = (host.clone(), self.new_windows.clone(), self.navigations.clone());
        let (watchdog, popups, mode) = (self.watchdog.clone(), self.popups.clone(), mode.clone());
        self.webview.connect_create(move |opener, action| {
            let mut action = action.clone();
            let uri = action_uri(&mut action);
            let request = navigations.fresh();
            pending.borrow_mut().insert(request, None);
            host.send(RuntimeMessage::NewWindowRequested {
                id,
                request,
                uri,
                is_user_initiated: action.is_user_gesture(),
                name: action.frame_name().map(|n| n.to_string()).filter(|n| !n.is_empty()),
            });
            watchdog.paused.set(true);
            let deadline = Instant::now() + NEW_WINDOW_WAIT;
            let answered = || pending.borrow().get(&request).copied().flatten();
            NESTED.with(|n| n.set(n.get() + 1));
            // Wakes the nested loop now and then, so that the deadline is noticed.
            let tick = glib::timeout_add_local(Duration::from_millis(100), || ControlFlow::Continue);
            let context = glib::MainContext::default();
            while answered().is_none() && host.connected() && Instant::now() < deadline {
                context.iteration(true);
            }
            tick.remove();
            NESTED.with(|n| n.set(n.get() - 1));
            watchdog.paused.set(false);
            watchdog.answered();
            let decision = answered().unwrap_or_else(|| {
                log::warn!("view {}: no answer to a new-window request; denied", id.0);
                NewWindowDecision::Deny
            });
            pending.borrow_mut().remove(&request);
            let closed = DEFERRED_DESTROY.with(|d| d.borrow().iter().any(|v| v.webview == *opener));
            let widget = match decision {
                _ if closed => None,
                NewWindowDecision::Deny => None,
                NewWindowDecision::Default => Some(open_popup(opener, &mode, &popups)),
                NewWindowDecision::Use(new) => match host.view_opened_by(new, id) {
                    Some(view) => Some(view.upcast::<gtk::Widget>()),
                    None => {
                        host.send(RuntimeMessage::RequestFailed {
                            id: Some(id),
                            reason: format!("webview {} was not created for this opener", new.0),
                        });
                        None
                    }
                },
            };
            if NESTED.with(Cell::get) == 0 {
                let closed: Vec<View> = DEFERRED_DESTROY.with(|d| d.borrow_mut().drain(..).collect());
                // After this handler returns: WebKit still uses the opener until then.
                if !closed.is_empty() {
                    glib::idle_add_local_once(move || closed.into_iter().for_each(View::destroy));
                }
            }
            widget
        });
    }

    /// Answers a NewWindowRequested; unknown requests (answered, timed out) are ignored.
    pub fn answer_new_window(&self, request: u64, decision: NewWindowDecision) {
        if let Some(slot) = self.new_windows.borrow_mut().get_mut(&request) {
            *slot = Some(decision);
        }
    }
}
