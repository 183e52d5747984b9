//! [`Operation`]: the future every asynchronous SDK call returns, completed on the UI thread.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use crate::error::{Error, Result};

struct State<T> {
    result: Option<Result<T>>,
    waker: Option<Waker>,
    done: bool,
}

/// A pending result of an asynchronous call (creating a webview, an environment, ...).
///
/// Completed by the event loop on the UI thread; await it in an `async` block driven by
/// [`EventLoop::block_on`](crate::EventLoop::block_on), or block on it directly. `!Send`, like
/// everything it produces. If the browser process goes away first, it completes with
/// [`Error::Closed`].
#[must_use = "the request is already sent; its result (or error) is lost unless the operation is awaited or blocked on"]
pub struct Operation<T> {
    state: Rc<RefCell<State<T>>>,
}

impl<T> std::fmt::Debug for Operation<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Operation")
            .field("done", &self.state.borrow().done)
            .finish()
    }
}

/// Completes an [`Operation`]; dropping it unresolved completes it with [`Error::Closed`].
pub(crate) struct Resolver<T> {
    state: Option<Rc<RefCell<State<T>>>>,
}

pub(crate) fn operation<T>() -> (Resolver<T>, Operation<T>) {
    let state = Rc::new(RefCell::new(State {
        result: None,
        waker: None,
        done: false,
    }));
    (
        Resolver {
            state: Some(state.clone()),
        },
        Operation { state },
    )
}

impl<T> Operation<T> {
    /// An operation that is already complete.
    pub(crate) fn ready(result: Result<T>) -> Self {
        let (resolver, op) = operation();
        resolver.resolve(result);
        op
    }
}

impl<T> Resolver<T> {
    pub(crate) fn resolve(mut self, result: Result<T>) {
        self.finish(result);
    }

    fn finish(&mut self, result: Result<T>) {
        let Some(state) = self.state.take() else { return };
        let waker = {
            let mut s = state.borrow_mut();
            s.result = Some(result);
            s.done = true;
            s.waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }
}

impl<T> Drop for Resolver<T> {
    fn drop(&mut self) {
        self.finish(Err(Error::Closed));
    }
}

impl<T> Future for Operation<T> {
    type Output = Result<T>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<T>> {
        let mut s = self.state.borrow_mut();
        match s.result.take() {
            Some(r) => Poll::Ready(r),
            None if s.done => Poll::Ready(Err(Error::Closed)),
            None => {
                s.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}
