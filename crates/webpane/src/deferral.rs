//! [`Deferral`]: answer an event later; dropping the deferral completes it.

use std::cell::Cell;
use std::fmt;
use std::rc::Rc;

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

/// What an event's answer does once it is due (see [`Deferred`]).
pub(crate) trait Answer {
    /// Sends the answer; returns whether it reached the browser process.
    fn send(&self) -> bool;
}

/// An event answer that is sent once every handler has returned and every deferral taken from
/// the event is completed or dropped — exactly once, even if a handler panics.
#[derive(Debug)]
pub(crate) struct Deferred<A: Answer> {
    pub(crate) answer: A,
    outstanding: Cell<usize>,
    handlers_done: Cell<bool>,
    answered: Cell<bool>,
}

impl<A: Answer + 'static> Deferred<A> {
    pub(crate) fn new(answer: A) -> Rc<Self> {
        Rc::new(Self {
            answer,
            outstanding: Cell::new(0),
            handlers_done: Cell::new(false),
            answered: Cell::new(false),
        })
    }

    /// A deferral holding the answer back until it is completed or dropped.
    pub(crate) fn deferral(self: &Rc<Self>) -> Deferral {
        let this = self.clone();
        this.outstanding.set(this.outstanding.get() + 1);
        Deferral::new(move || {
            this.outstanding.set(this.outstanding.get() - 1);
            this.answer_if_ready()
        })
    }

    /// Runs the handlers (`raise`), then answers unless a deferral is outstanding; a panicking
    /// handler still answers (on unwind).
    pub(crate) fn raise(self: &Rc<Self>, raise: impl FnOnce()) {
        struct Done<'a, A: Answer + 'static>(&'a Rc<Deferred<A>>);
        impl<A: Answer + 'static> Drop for Done<'_, A> {
            fn drop(&mut self) {
                self.0.handlers_done.set(true);
                self.0.answer_if_ready();
            }
        }
        let _done = Done(self);
        raise();
    }

    /// Whether the answer has been sent.
    pub(crate) fn answered(&self) -> bool {
        self.answered.get()
    }

    fn answer_if_ready(&self) -> bool {
        if !self.handlers_done.get() || self.outstanding.get() > 0 || self.answered.replace(true) {
            return true;
        }
        self.answer.send()
    }
}
