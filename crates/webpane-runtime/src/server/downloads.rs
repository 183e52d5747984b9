//! Downloads reach the app that owns the page (see `crate::downloads`).

use std::rc::Rc;

use webkit2gtk::{DownloadExt, WebContextExt};
use webpane_ipc::protocol::RuntimeMessage;

use super::state::Server;

impl Server {
    /// Hands each download to the app whose page started it (cancelled if none).
    pub(super) fn watch_downloads(self: &Rc<Self>) {
        let server = Rc::downgrade(self);
        self.context.connect_download_started(move |_, download| {
            let owner = server.upgrade().and_then(|server| {
                let webview = download.web_view()?;
                let clients = server.clients.borrow();
                clients.values().find_map(|client| {
                    let views = client.views.borrow();
                    let (id, _) = views.iter().find(|(_, v)| *v.webkit() == webview)?;
                    Some((server.clone(), client.clone(), *id))
                })
            });
            let Some((server, client, id)) = owner else {
                log::info!(
                    "cancelled a download of {}: no app's page started it",
                    crate::downloads::shown_uri(download)
                );
                download.cancel();
                return;
            };
            let reply = server.replier(&client);
            server.downloads.track(download, client.id, id, move |news| {
                reply(match news {
                    Ok(info) => RuntimeMessage::DownloadStarting { id, info },
                    Err(progress) => RuntimeMessage::DownloadChanged { id, progress },
                })
            });
        });
    }
}
