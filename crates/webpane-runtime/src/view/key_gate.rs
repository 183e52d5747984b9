//! The keys a view holds back while its app decides about an accelerator key, so that none
//! overtakes another (`keyboard.rs` fills and empties it).

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};

/// A view's keyboard state.
pub(super) struct KeyGate {
    /// Keys held back, in order; the first is the one the app is deciding about.
    pub(super) held: RefCell<VecDeque<gtk::gdk::Event>>,
    /// The accelerator key request the app is answering.
    pub(super) waiting: Cell<Option<u64>>,
    /// Set while a held key goes through GTK again (the gate lets it pass).
    pub(super) replaying: Cell<bool>,
    /// The last request number given (keys and focus requests).
    pub(super) next: Cell<u64>,
    /// Whether the browser's own keys work (WebView2's `AreBrowserAcceleratorKeysEnabled`).
    pub(super) browser_keys: Cell<bool>,
    /// Tab-outs the app is answering: request → forward.
    pub(super) focus_requests: RefCell<HashMap<u64, bool>>,
    /// Keys the app let through (time, keyval, down): WebKit gives a key the page did not take
    /// to GTK once more, and the app is not asked twice.
    pub(super) let_through: RefCell<VecDeque<(u32, u32, bool)>>,
}

impl Default for KeyGate {
    fn default() -> Self {
        KeyGate {
            held: RefCell::default(),
            waiting: Cell::new(None),
            replaying: Cell::new(false),
            next: Cell::new(0),
            browser_keys: Cell::new(true),
            focus_requests: RefCell::default(),
            let_through: RefCell::default(),
        }
    }
}

/// How many let-through keys are remembered.
const LET_THROUGH: usize = 16;

impl KeyGate {
    /// Remembers a key the app let through.
    pub(super) fn let_through(&self, key: (u32, u32, bool)) {
        let mut keys = self.let_through.borrow_mut();
        if keys.len() == LET_THROUGH {
            keys.pop_front();
        }
        keys.push_back(key);
    }

    /// Whether `key` is one the app let through already (forgotten once seen again).
    pub(super) fn was_let_through(&self, key: (u32, u32, bool)) -> bool {
        let mut keys = self.let_through.borrow_mut();
        match keys.iter().position(|k| *k == key) {
            Some(at) => {
                keys.remove(at);
                true
            }
            None => false,
        }
    }

    /// A new request number.
    pub(super) fn fresh(&self) -> u64 {
        let n = self.next.get() + 1;
        self.next.set(n);
        n
    }
}
