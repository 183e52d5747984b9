//! Requests waiting for the browser process's answer: one table per webview, each entry the
//! resolver of an [`Operation`], whatever its result type. Ids are unique per webview; an
//! answer completes its entry once, and an answer of the wrong kind fails it instead of being
//! taken for another.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;

use crate::error::{Error, Result};
use crate::operation::{Operation, Resolver, operation};

/// A resolver whose result type the table does not know.
trait Waiting {
    fn fail(self: Box<Self>, error: Error);
    fn into_any(self: Box<Self>) -> Box<dyn Any>;
}

impl<T: 'static> Waiting for Resolver<T> {
    fn fail(self: Box<Self>, error: Error) {
        self.resolve(Err(error));
    }
    fn into_any(self: Box<Self>) -> Box<dyn Any> {
        self
    }
}

/// The requests of one webview that wait for an answer.
#[derive(Default)]
pub(crate) struct RequestTable {
    next: Cell<u64>,
    waiting: RefCell<HashMap<u64, Box<dyn Waiting>>>,
}

impl RequestTable {
    /// A fresh id (also used for ids that are not requests, such as document-created scripts).
    pub(crate) fn next_id(&self) -> u64 {
        let id = self.next.get() + 1;
        self.next.set(id);
        id
    }

    /// A new request: its id, and the operation its answer completes.
    pub(crate) fn open<T: 'static>(&self) -> (u64, Operation<T>) {
        let (resolver, op) = operation();
        let id = self.next_id();
        self.waiting.borrow_mut().insert(id, Box::new(resolver));
        (id, op)
    }

    /// Completes request `id` with `result`; false if no such request waits (answered, given up,
    /// or never asked). An answer of another type than the request's fails it.
    pub(crate) fn resolve<T: 'static>(&self, id: u64, result: Result<T>) -> bool {
        let Some(waiting) = self.waiting.borrow_mut().remove(&id) else {
            return false;
        };
        match waiting.into_any().downcast::<Resolver<T>>() {
            Ok(resolver) => resolver.resolve(result),
            // The resolver dropped here completes its operation with `Closed`; say why instead.
            Err(other) => {
                log::warn!("the browser process answered request {id} with the wrong kind of result");
                drop(other);
            }
        }
        true
    }

    /// Fails request `id` (when it could not be sent).
    pub(crate) fn fail(&self, id: u64, error: Error) {
        let waiting = self.waiting.borrow_mut().remove(&id);
        if let Some(waiting) = waiting {
            waiting.fail(error);
        }
    }

    /// Fails every waiting request with `error()`.
    pub(crate) fn fail_all(&self, error: impl Fn() -> Error) {
        let all: Vec<_> = self.waiting.borrow_mut().drain().collect();
        for (_, waiting) in all {
            waiting.fail(error());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ready<T>(op: Operation<T>) -> Result<T> {
        let waker = std::task::Waker::noop();
        let mut cx = std::task::Context::from_waker(waker);
        let mut op = std::pin::pin!(op);
        match op.as_mut().poll(&mut cx) {
            std::task::Poll::Ready(r) => r,
            std::task::Poll::Pending => panic!("not complete"),
        }
    }

    use std::future::Future;

    #[test]
    fn answers_complete_their_own_request_once_and_of_their_own_kind() {
        let table = RequestTable::default();
        let (text, text_op) = table.open::<String>();
        let (bytes, bytes_op) = table.open::<Vec<u8>>();
        let (done, done_op) = table.open::<()>();
        assert!(table.resolve(text, Ok("x".to_string())));
        assert!(!table.resolve(text, Ok("again".to_string())), "answered twice");
        assert_eq!(ready(text_op).unwrap(), "x");
        // The wrong kind for `bytes`: it fails, and is not left waiting.
        assert!(table.resolve(bytes, Ok(())));
        assert!(matches!(ready(bytes_op), Err(Error::Closed)));
        table.fail_all(|| Error::BrowserProcessUnresponsive {
            pid: 1,
            waited: std::time::Duration::ZERO,
        });
        assert!(matches!(ready(done_op), Err(Error::BrowserProcessUnresponsive { .. })));
        assert!(!table.resolve(done, Ok(())));
    }
}
