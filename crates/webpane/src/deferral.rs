//! [`Deferral`]: answer an event later; dropping the deferral completes it.

use std::fmt;

/// Lets an event handler answer after it returned (WebView2's `GetDeferral()`).
///
/// Completing is explicit with [`complete`](Self::complete); dropping the deferral completes it
/// too — on an early return, a `?`, or a panic unwinding through the handler — so an event is
/// never left unanswered. If the other side has gone away meanwhile (the browser process exited),
/// completing does nothing and [`complete`](Self::complete) says so.
///
/// ```
/// use std::cell::Cell;
/// use std::rc::Rc;
/// use webpane::Deferral;
///
/// let answered = Rc::new(Cell::new(false));
/// let a = answered.clone();
/// let deferral = Deferral::new(move || { a.set(true); true });
/// assert!(!answered.get());
/// drop(deferral); // e.g. the handler returned early
/// assert!(answered.get());
/// ```
pub struct Deferral {
    complete: Option<Box<dyn FnOnce() -> bool>>,
}

impl fmt::Debug for Deferral {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Deferral")
            .field("completed", &self.complete.is_none())
            .finish()
    }
}

impl Deferral {
    /// A deferral that runs `on_complete` exactly once, when completed or dropped.
    /// `on_complete` returns whether the answer reached the other side.
    pub fn new(on_complete: impl FnOnce() -> bool + 'static) -> Self {
        Self {
            complete: Some(Box::new(on_complete)),
        }
    }

    /// Completes now; returns whether the answer was delivered (false if the peer is gone).
    pub fn complete(mut self) -> bool {
        self.complete.take().is_some_and(|f| f())
    }
}

impl Drop for Deferral {
    fn drop(&mut self) {
        if let Some(f) = self.complete.take() {
            f();
        }
    }
}
