//! Requests the app answers: WebResourceRequested filters and responses, and virtual hosts
//! (folders served at https hosts by the loopback proxy).

use std::rc::Rc;

use webpane_ipc::ReceivedFds;
use webpane_ipc::protocol::AppMessage;

use super::step::{Step, done, view};
use crate::server::state::*;

pub(super) fn handle(server: &Rc<Server>, client: &Rc<Client>, message: AppMessage, fds: &mut ReceivedFds) -> Step {
    match message {
        AppMessage::AddWebResourceRequestedFilter { id, filter } => done(
            view(client, id)
                .map(|v| v.add_resource_filter(filter))
                .and_then(|()| Ok(server.filters_changed(client, id)?)),
        ),
        AppMessage::RemoveWebResourceRequestedFilter { id, filter } => done(
            view(client, id)
                .map(|v| v.remove_resource_filter(&filter))
                .and_then(|()| Ok(server.filters_changed(client, id)?)),
        ),
        AppMessage::WebResourceResponse { id, request, response } => {
            done(view(client, id).and_then(|v| Ok(v.answer_resource(request, response, fds)?)))
        }
        AppMessage::SetVirtualHostMapping {
            id,
            request,
            host,
            folder,
            access,
        } => {
            let result = view(client, id).map(drop).and_then(|()| {
                Ok(server
                    .proxy
                    .map(&server.context, &server.data, (client.id, id), &host, &folder, access)?)
            });
            server.operation_replier(client, id, request)(result);
            done(Ok(()))
        }
        AppMessage::GetResourceContent { id, request, resource } => {
            done(view(client, id).map(|v| v.resource_content(request, resource)))
        }
        AppMessage::ClearVirtualHostMapping { id, host } => {
            server.proxy.unmap(&server.data, (client.id, id), &host);
            done(Ok(()))
        }
        other => Step::Continue(other),
    }
}
