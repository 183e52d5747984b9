//! `WebResourceRequested`'s arguments, and the answer a deferral sends.

use std::cell::RefCell;
use std::marker::PhantomData;
use std::rc::{Rc, Weak};

use webpane_ipc::Outgoing;
use webpane_ipc::protocol::{AppMessage, WebViewId};

use super::request::WebResourceRequest;
use super::response::WebResourceResponse;
use crate::deferral::{Answer, Deferral, Deferred};
use crate::error::{Error, Result};
use crate::objects::Session;

/// The answer to one WebResourceRequested.
#[derive(Debug)]
pub(crate) struct ResourceAnswer {
    session: Weak<Session>,
    id: WebViewId,
    request: u64,
    response: RefCell<Option<WebResourceResponse>>,
}

impl Answer for ResourceAnswer {
    fn send(&self) -> bool {
        let Some(session) = self.session.upgrade() else {
            return false;
        };
        let (response, fds) = match self.response.borrow_mut().take().map(WebResourceResponse::into_wire) {
            Some(Ok((response, fds))) => (Some(response), fds),
            // Checked in set_response; a failure here (fds) falls back to the default response.
            Some(Err(e)) => {
                log::warn!("a resource response could not be sent: {e}");
                (None, Outgoing::new())
            }
            None => (None, Outgoing::new()),
        };
        let message = AppMessage::WebResourceResponse {
            id: self.id,
            request: self.request,
            response,
        };
        session.send_with_fds(&message, fds).is_ok()
    }
}

/// Arguments of [`WebView::on_web_resource_requested`](crate::WebView::on_web_resource_requested).
///
/// Set a response with [`set_response`](Self::set_response), now or — after
/// [`deferral`](Self::deferral) — later. Without one the page gets the default response
/// (`404 Not Found`).
#[derive(Debug)]
pub struct WebResourceRequestedEventArgs {
    request: WebResourceRequest,
    answer: Rc<Deferred<ResourceAnswer>>,
    _ui_thread: PhantomData<Rc<()>>,
}

impl WebResourceRequestedEventArgs {
    pub(crate) fn new(session: Weak<Session>, id: WebViewId, request_id: u64, request: WebResourceRequest) -> Self {
        Self {
            request,
            answer: Deferred::new(ResourceAnswer {
                session,
                id,
                request: request_id,
                response: RefCell::new(None),
            }),
            _ui_thread: PhantomData,
        }
    }

    pub(crate) fn deferred(&self) -> Rc<Deferred<ResourceAnswer>> {
        self.answer.clone()
    }

    /// The request.
    pub fn request(&self) -> &WebResourceRequest {
        &self.request
    }

    /// Sets the response (the last one set wins). Fails with [`Error::InvalidArgument`] for a
    /// status outside 100..=599 or malformed headers, and with [`Error::Closed`] once the
    /// request has been answered.
    pub fn set_response(&self, response: WebResourceResponse) -> Result<()> {
        set_response(&self.answer, response)
    }

    /// Holds the answer until the deferral is completed or dropped; set the response before.
    #[doc(alias = "GetDeferral")]
    pub fn deferral(&self) -> Deferral {
        self.answer.deferral()
    }
}

/// A response set later, through a deferral: keep this (it is `!Send`, UI thread only) with the
/// [`Deferral`], call [`set`](Self::set), then complete the deferral.
#[derive(Debug, Clone)]
pub struct ResponseSlot {
    answer: Rc<Deferred<ResourceAnswer>>,
}

impl ResponseSlot {
    /// Sets the response, like [`WebResourceRequestedEventArgs::set_response`].
    pub fn set(&self, response: WebResourceResponse) -> Result<()> {
        set_response(&self.answer, response)
    }
}

fn set_response(answer: &Deferred<ResourceAnswer>, response: WebResourceResponse) -> Result<()> {
    if answer.answered() {
        return Err(Error::Closed);
    }
    response.head()?;
    answer.answer.response.replace(Some(response));
    Ok(())
}

impl WebResourceRequestedEventArgs {
    /// A handle to set the response after the handler returned (with a deferral held).
    pub fn response_slot(&self) -> ResponseSlot {
        ResponseSlot {
            answer: self.answer.clone(),
        }
    }
}
