//! What a request's handler gives back, and what every handler uses.

use std::cell::Ref;
use std::ops::ControlFlow;
use std::rc::Rc;

use webpane_ipc::ReceivedFds;
use webpane_ipc::protocol::{AppMessage, WebViewId};

use super::error::RequestError;
use crate::server::state::*;
use crate::view::View;

/// A handler's answer: the request was its own (and how it went), or it is passed on.
pub(super) type Step = ControlFlow<Result<(), RequestError>, AppMessage>;

/// One concern's handler.
pub(super) type Handler = fn(&Rc<Server>, &Rc<Client>, AppMessage, &mut ReceivedFds) -> Step;

/// `client`'s view `id` (borrowed from its table for as long as the request uses it).
pub(super) fn view(client: &Client, id: WebViewId) -> Result<Ref<'_, View>, RequestError> {
    Ref::filter_map(client.views.borrow(), |views| views.get(&id)).map_err(|_| RequestError::UnknownView(id))
}

/// A handled request: its result.
pub(super) fn done(result: Result<(), RequestError>) -> Step {
    ControlFlow::Break(result)
}
