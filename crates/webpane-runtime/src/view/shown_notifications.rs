//! The notifications a view's app shows (`notifications.rs` fills and empties the list).

use std::cell::{Cell, RefCell};
use std::collections::HashMap;

/// The notifications the app shows, by number.
#[derive(Default)]
pub(super) struct Notifications {
    /// Whether the app shows them (else WebKit shows them on the desktop).
    pub(super) by_app: Cell<bool>,
    pub(super) shown: RefCell<HashMap<u64, webkit2gtk::Notification>>,
    pub(super) next: Cell<u64>,
}
