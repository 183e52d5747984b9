//! The profile shared by every view of the folder: cookies, browsing data, permissions,
//! downloads.

use std::rc::Rc;

use webpane_ipc::ReceivedFds;
use webpane_ipc::protocol::{AppMessage, RuntimeMessage};

use super::error::RequestError;
use super::step::{Step, done};
use crate::error::for_wire;
use crate::server::state::*;

pub(super) fn handle(server: &Rc<Server>, client: &Rc<Client>, message: AppMessage, _: &mut ReceivedFds) -> Step {
    match message {
        AppMessage::GetCookies { id, request, uri } => {
            let reply = server.replier(client);
            crate::profile::cookies(&server.data, uri.as_deref(), move |result| {
                reply(RuntimeMessage::CookiesResult {
                    id,
                    request,
                    result: for_wire(result),
                })
            });
        }
        AppMessage::SetCookie { id, request, cookie } => {
            let finish = server.operation_replier(client, id, request);
            crate::profile::add_cookie(&server.data, &cookie, finish);
        }
        AppMessage::DeleteCookie { id, request, cookie } => {
            let finish = server.operation_replier(client, id, request);
            crate::profile::delete_cookie(&server.data, &cookie, finish);
        }
        AppMessage::ClearBrowsingData { id, request, kinds } => {
            let finish = server.operation_replier::<RequestError>(client, id, request);
            let permissions = if kinds.permissions {
                server.permissions.clear()
            } else {
                Ok(())
            };
            match permissions {
                Ok(()) => crate::profile::clear(&server.data, kinds, move |result| finish(result.map_err(Into::into))),
                Err(e) => finish(Err(e.into())),
            }
        }
        AppMessage::SetPermissionState {
            id,
            request,
            kind,
            origin,
            allow,
        } => {
            server.operation_replier(client, id, request)(server.permissions.set(&origin, kind, allow));
        }
        AppMessage::GetPermissionSettings { id, request } => {
            let settings = server.permissions.list();
            server.send(client, &RuntimeMessage::PermissionSettings { id, request, settings });
        }
        AppMessage::DownloadDecision {
            id,
            download,
            destination,
        } => server.downloads.decide(client.id, id, download, destination),
        AppMessage::CancelDownload { id, download } => server.downloads.cancel(client.id, id, download),
        other => return Step::Continue(other),
    }
    done(Ok::<(), RequestError>(()))
}
