//! The resources of a view whose responses were told to the app, kept for their bodies.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;

/// The resources whose responses were told, newest last, by number.
#[derive(Default)]
pub(super) struct Responses {
    /// Each resource, newest last.
    pub(super) kept: RefCell<VecDeque<Kept>>,
    /// The last number given.
    pub(super) next: Cell<u64>,
    /// Whether the app wants to hear of responses (it registered a handler).
    pub(super) wanted: Cell<bool>,
}

/// A resource whose response was told.
pub(super) struct Kept {
    /// Its number for the app.
    pub(super) number: u64,
    /// WebKit's resource.
    pub(super) resource: webkit2gtk::WebResource,
    /// Whether WebKit has all of it.
    pub(super) finished: Rc<Cell<bool>>,
}
