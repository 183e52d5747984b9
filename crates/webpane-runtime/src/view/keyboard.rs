//! Keyboard and focus (WebView2's `GotFocus`, `LostFocus`, `MoveFocus`,
//! `MoveFocusRequested`, `AcceleratorKeyPressed`, `AreBrowserAcceleratorKeysEnabled`).
//!
//! An accelerator key (Ctrl or Alt held, or a key that types no character, or Escape) is held
//! back and told to the app; the page and the browser process get it only if the app did not
//! handle it. Keys that come meanwhile wait behind it, so none overtakes another; an app that
//! does not answer within [`ANSWER_WITHIN`] counts as not handling the key.

use std::rc::Rc;
use std::time::Duration;

use gtk::gdk::keys::constants as key;
use gtk::prelude::*;
use webkit2gtk::WebViewExt;
use webpane_ipc::protocol::{AcceleratorKey, FocusReason, RuntimeMessage, WebViewId};

use super::key_gate::KeyGate;
use super::state::View;
use crate::host::Host;

/// Focuses a page's first (`true`) or last focusable element in tab order: elements with a
/// positive `tabindex` first, by it, then the others in document order.
const FOCUS_IN_ORDER: &str = "((forward) => { \
    const all = [...document.querySelectorAll('a[href], area[href], button, input, select, textarea, \
      iframe, [tabindex], [contenteditable=\"\"], [contenteditable=true]')] \
      .filter(e => e.tabIndex >= 0 && !e.disabled && e.getClientRects().length > 0); \
    const order = [...all.filter(e => e.tabIndex > 0).sort((a, b) => a.tabIndex - b.tabIndex), \
      ...all.filter(e => e.tabIndex === 0)]; \
    const target = forward ? order[0] : order[order.length - 1]; \
    if (target) target.focus(); else if (document.activeElement) document.activeElement.blur(); })";

/// How long a key waits for the app's answer before it goes on as not handled.
const ANSWER_WITHIN: Duration = Duration::from_secs(4);

/// Whether `event` is an accelerator key, as WebView2 counts them.
fn is_accelerator(event: &gtk::gdk::EventKey) -> bool {
    let keyval = event.keyval();
    let modifier_key = [
        key::Shift_L,
        key::Shift_R,
        key::Control_L,
        key::Control_R,
        key::Alt_L,
        key::Alt_R,
        key::Meta_L,
        key::Meta_R,
        key::Super_L,
        key::Super_R,
        key::ISO_Level3_Shift,
        key::Caps_Lock,
        key::Num_Lock,
        key::VoidSymbol,
    ]
    .contains(&keyval);
    if modifier_key || *keyval == super::input::CARRIER_KEYVAL {
        return false;
    }
    let state = event.state();
    keyval == key::Escape
        || state.intersects(gtk::gdk::ModifierType::CONTROL_MASK | gtk::gdk::ModifierType::MOD1_MASK)
        || keyval.to_unicode().is_none()
}

/// The key as the app hears of it.
fn accelerator_key(event: &gtk::gdk::EventKey, repeat: bool) -> AcceleratorKey {
    use webpane_ipc::protocol::modifiers as bits;
    let state = event.state();
    let mut modifiers = 0;
    for (mask, bit) in [
        (gtk::gdk::ModifierType::SHIFT_MASK, bits::SHIFT),
        (gtk::gdk::ModifierType::CONTROL_MASK, bits::CONTROL),
        (gtk::gdk::ModifierType::MOD1_MASK, bits::ALT),
        (gtk::gdk::ModifierType::SUPER_MASK, bits::SUPER),
    ] {
        if state.contains(mask) {
            modifiers |= bit;
        }
    }
    AcceleratorKey {
        down: event.event_type() == gtk::gdk::EventType::KeyPress,
        keyval: *event.keyval(),
        hardware_keycode: event.hardware_keycode(),
        modifiers,
        repeat,
    }
}

impl View {
    pub(super) fn wire_keyboard(&self, id: WebViewId, host: &Rc<dyn Host>) {
        {
            let host = host.clone();
            self.webview.connect_focus_in_event(move |_, _| {
                host.send(RuntimeMessage::FocusChanged { id, focused: true });
                glib::Propagation::Proceed
            });
        }
        {
            let host = host.clone();
            self.webview.connect_focus_out_event(move |_, _| {
                host.send(RuntimeMessage::FocusChanged { id, focused: false });
                glib::Propagation::Proceed
            });
        }
        {
            // WebKit gives the focus back to the toplevel when the user tabs past the page's
            // last (or first) focusable element: the app decides where it goes.
            let (gate, host, webview) = (self.keys.clone(), host.clone(), self.webview.clone());
            self.window.connect_focus(move |_, direction| {
                let forward = match direction {
                    gtk::DirectionType::TabForward => true,
                    gtk::DirectionType::TabBackward => false,
                    _ => return glib::Propagation::Proceed,
                };
                if !webview.has_focus() {
                    return glib::Propagation::Proceed;
                }
                let request = gate.fresh();
                gate.focus_requests.borrow_mut().insert(request, forward);
                host.send(RuntimeMessage::MoveFocusRequested { id, request, forward });
                glib::Propagation::Stop
            });
        }
        let (gate, host) = (self.keys.clone(), host.clone());
        let last_down = std::cell::Cell::new(0u32);
        let on_key = move |webview: &webkit2gtk::WebView, event: &gtk::gdk::EventKey| {
            if gate.replaying.get() {
                return browser_key(&gate, webview, event);
            }
            // A key the app let through, given to GTK once more by WebKit (the page did not take
            // it): it goes on to the window, never held again.
            if gate.was_let_through(signature(event)) {
                return glib::Propagation::Proceed;
            }
            if gate.waiting.get().is_some() || !gate.held.borrow().is_empty() {
                gate.held.borrow_mut().push_back((**event).clone());
                return glib::Propagation::Stop;
            }
            if !is_accelerator(event) {
                return glib::Propagation::Proceed;
            }
            let down = event.event_type() == gtk::gdk::EventType::KeyPress;
            let repeat = down && last_down.replace(*event.keyval()) == *event.keyval();
            if !down {
                last_down.set(0);
            }
            ask(&gate, &host, id, event, repeat);
            gate.held.borrow_mut().push_back((**event).clone());
            glib::Propagation::Stop
        };
        let on_release = on_key.clone();
        self.webview.connect_key_press_event(on_key);
        self.webview.connect_key_release_event(on_release);
    }

    /// The app's answer about an accelerator key: the held keys go on (the first only if the app
    /// did not handle it), until the next accelerator key among them.
    pub fn answer_accelerator_key(&self, request: u64, handled: bool) {
        release(&self.keys, &self.host, self.id, request, handled);
    }

    /// The app's answer to a tab-out: unless it took the focus, the focus wraps around inside
    /// the page (to its first element going forward, its last going backward).
    pub fn answer_move_focus(&self, request: u64, handled: bool) {
        let Some(forward) = self.keys.focus_requests.borrow_mut().remove(&request) else {
            return;
        };
        if !handled {
            self.focus_into_page(if forward {
                FocusReason::Next
            } else {
                FocusReason::Previous
            });
        }
    }

    /// Gives the page the keyboard focus (for an embedded view, the X input focus too): where it
    /// was, or its first or last focusable element.
    pub fn move_focus(&self, reason: FocusReason) {
        // An offscreen view's focus comes with the app's input (`set_input_focus`).
        if self.showing_window()
            && let Some(gdk_window) = self.window.window()
        {
            gdk_window.focus(0); // GDK_CURRENT_TIME
        }
        self.focus_into_page(reason);
    }

    fn focus_into_page(&self, reason: FocusReason) {
        self.webview.grab_focus();
        let forward = match reason {
            FocusReason::Programmatic => return,
            FocusReason::Next => true,
            FocusReason::Previous => false,
        };
        // The page's first (last) element in tab order, as WebKit's own tabbing picks it.
        let script = format!("{FOCUS_IN_ORDER}({forward}); void 0");
        self.webview
            .evaluate_javascript(&script, None, None, None::<&gio::Cancellable>, |result| {
                if let Err(e) = result {
                    log::warn!("the page's focus could not be moved: {e}");
                }
            });
    }

    /// Turns the browser's own keys on or off.
    pub(super) fn set_browser_keys(&self, on: bool) {
        self.keys.browser_keys.set(on);
    }
}

/// Tells the app of an accelerator key, and answers for it if the app does not in time.
fn ask(gate: &Rc<KeyGate>, host: &Rc<dyn Host>, id: WebViewId, event: &gtk::gdk::EventKey, repeat: bool) {
    let request = gate.fresh();
    gate.waiting.set(Some(request));
    host.send(RuntimeMessage::AcceleratorKeyPressed {
        id,
        request,
        key: accelerator_key(event, repeat),
    });
    let (gate, host) = (Rc::downgrade(gate), host.clone());
    glib::timeout_add_local_once(ANSWER_WITHIN, move || {
        if let Some(gate) = gate.upgrade() {
            release(&gate, &host, id, request, false);
        }
    });
}

/// Lets the held keys go on after the app's answer (or its silence) about `request`.
fn release(gate: &Rc<KeyGate>, host: &Rc<dyn Host>, id: WebViewId, request: u64, handled: bool) {
    if gate.waiting.get() != Some(request) {
        return;
    }
    gate.waiting.set(None);
    let first = gate.held.borrow_mut().pop_front();
    if let (Some(event), false) = (first, handled) {
        replay(gate, event);
    }
    loop {
        let Some(event) = gate.held.borrow_mut().pop_front() else {
            return;
        };
        let accelerator = event.downcast_ref::<gtk::gdk::EventKey>().is_some_and(is_accelerator);
        if accelerator && let Some(key_event) = event.downcast_ref::<gtk::gdk::EventKey>() {
            ask(gate, host, id, key_event, false);
            gate.held.borrow_mut().push_front(event);
            return;
        }
        replay(gate, event);
    }
}

/// What tells a key event from another: its time, keyval, and whether it went down.
fn signature(event: &gtk::gdk::EventKey) -> (u32, u32, bool) {
    (
        event.time(),
        *event.keyval(),
        event.event_type() == gtk::gdk::EventType::KeyPress,
    )
}

/// Gives a held key to GTK again (the gate lets it through this time).
fn replay(gate: &KeyGate, mut event: gtk::gdk::Event) {
    if let Some(key) = event.downcast_ref::<gtk::gdk::EventKey>() {
        gate.let_through(signature(key));
    }
    gate.replaying.set(true);
    gtk::main_do_event(&mut event);
    gate.replaying.set(false);
}

/// The browser's own keys, after the app let a key go on: F5 and Ctrl + R reload (with Shift,
/// bypassing the cache), Alt + Left and Right go back and forward.
fn browser_key(gate: &KeyGate, webview: &webkit2gtk::WebView, event: &gtk::gdk::EventKey) -> glib::Propagation {
    if !gate.browser_keys.get() || event.event_type() != gtk::gdk::EventType::KeyPress {
        return glib::Propagation::Proceed;
    }
    let state = event.state();
    let ctrl = state.contains(gtk::gdk::ModifierType::CONTROL_MASK);
    let alt = state.contains(gtk::gdk::ModifierType::MOD1_MASK);
    let shift = state.contains(gtk::gdk::ModifierType::SHIFT_MASK);
    let keyval = event.keyval();
    if keyval == key::F5 || (ctrl && (keyval == key::r || keyval == key::R)) {
        if shift || ctrl && keyval == key::F5 {
            webview.reload_bypass_cache();
        } else {
            webview.reload();
        }
    } else if alt && keyval == key::Left {
        webview.go_back();
    } else if alt && keyval == key::Right {
        webview.go_forward();
    } else {
        return glib::Propagation::Proceed;
    }
    glib::Propagation::Stop
}
