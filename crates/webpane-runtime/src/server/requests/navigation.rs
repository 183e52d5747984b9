//! Navigation: loading, history, and the app's answers to navigation, new-window and policy
//! events.

use std::rc::Rc;

use webpane_ipc::ReceivedFds;
use webpane_ipc::protocol::AppMessage;

use super::step::{Step, done, view};
use crate::server::state::*;

pub(super) fn handle(server: &Rc<Server>, client: &Rc<Client>, message: AppMessage, _: &mut ReceivedFds) -> Step {
    match message {
        AppMessage::Navigate { id, uri } => done(view(client, id).map(|v| v.navigate(uri))),
        AppMessage::NavigateToString { id, html } => done(view(client, id).map(|v| v.navigate_to_string(html))),
        AppMessage::NavigateWithHeaders { id, uri, headers } => {
            done(view(client, id).map(|v| v.navigate_with_headers(uri, headers)))
        }
        AppMessage::NavigateWithRequest {
            id,
            uri,
            method,
            headers,
            body,
        } => done(server.navigate_with_request(client, id, uri, method, headers, body)),
        AppMessage::Reload { id } => done(view(client, id).map(|v| v.reload())),
        AppMessage::Stop { id } => done(view(client, id).map(|v| v.stop())),
        AppMessage::GoBack { id } => done(view(client, id).map(|v| v.go_back())),
        AppMessage::GoForward { id } => done(view(client, id).map(|v| v.go_forward())),
        AppMessage::NavigationStartingResponse { id, request, cancel } => {
            done(view(client, id).map(|v| v.answer_navigation(request, cancel)))
        }
        AppMessage::NewWindowResponse { id, request, decision } => {
            done(view(client, id).map(|v| v.answer_new_window(request, decision)))
        }
        AppMessage::PolicyResponse { id, request, answer } => {
            done(view(client, id).map(|v| v.answer_policy(request, answer)))
        }
        other => Step::Continue(other),
    }
}
