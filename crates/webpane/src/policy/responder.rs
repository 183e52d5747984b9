//! The answer to one policy request, sent once the handlers and their deferrals are done.

use std::cell::RefCell;
use std::rc::Weak;

use webpane_ipc::protocol::{AppMessage, PolicyAnswer, WebViewId};

use crate::deferral::Answer;
use crate::objects::Session;

/// The answer to one policy request, as the handlers leave it.
#[derive(Debug)]
pub(crate) struct PolicyResponder {
    pub(super) session: Weak<Session>,
    pub(super) id: WebViewId,
    pub(super) request: u64,
    pub(crate) answer: RefCell<PolicyAnswer>,
}

impl Answer for PolicyResponder {
    fn send(&self) -> bool {
        let message = AppMessage::PolicyResponse {
            id: self.id,
            request: self.request,
            answer: self.answer.borrow().clone(),
        };
        self.session.upgrade().is_some_and(|s| s.send(&message).is_ok())
    }
}
