//! Event handler lists with removal tokens.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

/// Identifies a registered handler, for removing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EventToken(pub(crate) u64);

type Handler<S, A> = Rc<RefCell<dyn FnMut(&S, &A)>>;

/// The handlers of one event. Raised only from the event loop, one at a time.
pub(crate) struct Handlers<S, A> {
    list: RefCell<Vec<(u64, Handler<S, A>)>>,
    next: Cell<u64>,
}

impl<S, A> Default for Handlers<S, A> {
    fn default() -> Self {
        Self {
            list: RefCell::new(Vec::new()),
            next: Cell::new(1),
        }
    }
}

impl<S, A> Handlers<S, A> {
    pub(crate) fn add(&self, handler: impl FnMut(&S, &A) + 'static) -> EventToken {
        let id = self.next.get();
        self.next.set(id + 1);
        self.list.borrow_mut().push((id, Rc::new(RefCell::new(handler))));
        EventToken(id)
    }

    pub(crate) fn remove(&self, token: EventToken) -> bool {
        let mut list = self.list.borrow_mut();
        let before = list.len();
        list.retain(|(id, _)| *id != token.0);
        list.len() != before
    }

    /// Calls every handler registered now; a handler removed by an earlier one is skipped, one
    /// added meanwhile waits for the next event.
    pub(crate) fn raise(&self, sender: &S, args: &A) {
        let snapshot: Vec<(u64, Handler<S, A>)> = self.list.borrow().clone();
        for (id, handler) in snapshot {
            if !self.list.borrow().iter().any(|(i, _)| *i == id) {
                continue;
            }
            // A handler can only be running already if it re-entered the loop, which the loop
            // refuses; skip rather than panic if it ever happens.
            if let Ok(mut h) = handler.try_borrow_mut() {
                h(sender, args);
            }
        }
    }
}
