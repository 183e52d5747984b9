//! Answering an app's requests: the handshake, then each request to the handler of its
//! concern. A handler takes the requests it knows and passes the others on; a failed request
//! is answered in one place (`RequestFailed`, with every cause of the error), a broken protocol
//! disconnects the app.

mod error;
mod messages;
mod navigation;
mod offscreen;
mod output;
mod profile;
mod resources;
mod step;
mod views;

use std::ops::ControlFlow;
use std::rc::Rc;

use webpane_ipc::ReceivedFds;
use webpane_ipc::protocol::{AppMessage, RuntimeMessage, WebViewId};

pub use error::{ProtocolError, RequestError};
use step::Handler;

use super::state::*;
use crate::view::View;

/// Every concern, asked in turn.
const HANDLERS: [Handler; 7] = [
    views::handle,
    navigation::handle,
    messages::handle,
    offscreen::handle,
    output::handle,
    profile::handle,
    resources::handle,
];

impl Server {
    /// Answers one request. An error means the client broke the protocol.
    pub(super) fn handle(
        self: &Rc<Self>,
        client: &Rc<Client>,
        message: AppMessage,
        fds: &mut ReceivedFds,
    ) -> Result<(), ProtocolError> {
        if !client.welcomed.get() {
            return self.welcome(client, message);
        }
        // Web messages to main frames leave together at the end of the turn; anything else for a
        // page must not overtake them.
        if !matches!(message, AppMessage::PostWebMessage { frame: None, .. }) {
            client.views.borrow().values().for_each(View::flush_web_messages);
        }
        let id = message.webview();
        if let Err(reason) = webpane_ipc::validate::app_message(&message) {
            self.send(client, &RuntimeMessage::RequestFailed { id, reason });
            return Ok(());
        }
        // A request that needs the page wakes a suspended view first (the SDK applies the same
        // rule to its `is_suspended`).
        if message.resumes_suspended_view()
            && let Some(id) = id
            && let Some(view) = client.views.borrow().get(&id)
        {
            view.resume();
        }
        let mut message = match message {
            AppMessage::Hello { .. } => return Err(ProtocolError::HelloTwice),
            AppMessage::Ping { seq } => {
                self.send(client, &RuntimeMessage::Pong { seq });
                return Ok(());
            }
            other => other,
        };
        for handler in HANDLERS {
            message = match handler(self, client, message, fds) {
                ControlFlow::Continue(message) => message,
                ControlFlow::Break(Ok(())) => return Ok(()),
                ControlFlow::Break(Err(RequestError::Protocol(e))) => return Err(e),
                ControlFlow::Break(Err(e)) => {
                    let reason = crate::error::reason(&e);
                    self.send(client, &RuntimeMessage::RequestFailed { id, reason });
                    return Ok(());
                }
            };
        }
        Err(ProtocolError::Unhandled(format!(
            "{:?}",
            std::mem::discriminant(&message)
        )))
    }

    /// The first message: `Hello` with the options this runtime runs with.
    fn welcome(&self, client: &Rc<Client>, message: AppMessage) -> Result<(), ProtocolError> {
        let AppMessage::Hello { options } = message else {
            return Err(ProtocolError::NoHello);
        };
        if options != self.options {
            self.send(
                client,
                &RuntimeMessage::OptionsMismatch {
                    runtime: self.options.clone(),
                    requested: options,
                },
            );
            return Err(ProtocolError::OptionsMismatch);
        }
        client.welcomed.set(true);
        self.send(
            client,
            &RuntimeMessage::Welcome {
                browser_process_id: std::process::id(),
            },
        );
        self.send(
            client,
            &RuntimeMessage::ChildProcesses {
                pids: self.known_children.borrow().iter().copied().collect(),
            },
        );
        if self.new_version.get() {
            self.send(client, &RuntimeMessage::NewBrowserVersionAvailable);
        }
        Ok(())
    }

    /// Answers operation `request` of `client`'s view `id` (`OperationDone`, the error written out
    /// with its causes), now or later from an engine callback.
    pub(super) fn operation_replier<E: std::error::Error + 'static>(
        self: &Rc<Self>,
        client: &Rc<Client>,
        id: WebViewId,
        request: u64,
    ) -> impl FnOnce(Result<(), E>) + 'static {
        let reply = self.replier(client);
        move |result| {
            reply(RuntimeMessage::OperationDone {
                id,
                request,
                result: crate::error::for_wire(result),
            })
        }
    }

    /// Sends to `client` later (from an engine callback), if both it and the runtime are still there.
    pub(super) fn replier(self: &Rc<Self>, client: &Rc<Client>) -> impl Fn(RuntimeMessage) + Clone + 'static {
        let (server, client) = (Rc::downgrade(self), Rc::downgrade(client));
        move |message| {
            if let (Some(server), Some(client)) = (server.upgrade(), client.upgrade()) {
                server.send(&client, &message);
            }
        }
    }
}
