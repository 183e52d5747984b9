//! `WebResourceResponseReceived`: the response to every request of the page (its document's
//! own included) told to the app with its status and headers, and the body on request, as a
//! sealed memfd (never through the socket's messages).

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use webkit2gtk::{URIRequestExt, URIResponseExt, WebResourceExt, WebViewExt};
use webpane_ipc::protocol::{RuntimeMessage, WebViewId};
use webpane_ipc::{FileForTransit, Outgoing};

use super::kept_resources::Kept;
use super::state::View;
use crate::host::Host;

/// How many resources a view keeps for `GetResourceContent` (the newest).
const KEPT: usize = 512;

fn header_lines(headers: Option<soup::MessageHeaders>) -> Vec<(String, String)> {
    let mut lines = Vec::new();
    if let Some(headers) = headers {
        headers.foreach(|name, value| lines.push((name.to_owned(), value.to_owned())));
    }
    lines
}

/// Why a resource's body cannot be given.
#[derive(Debug, thiserror::Error)]
enum ContentError {
    #[error("the resource is no longer kept (only the newest {KEPT} are)")]
    Gone,
    #[error("the engine has no body for it")]
    Engine(#[source] glib::Error),
    #[error("cannot make a file for the body")]
    File(#[source] std::io::Error),
    #[error("cannot send the file")]
    Send(#[source] webpane_ipc::HandleError),
}

/// A sealed memfd holding `bytes`.
fn sealed_file(bytes: &[u8]) -> Result<FileForTransit, ContentError> {
    use rustix::fs::{MemfdFlags, SealFlags};
    use std::io::Write;
    let fd = rustix::fs::memfd_create("webpane-resource", MemfdFlags::CLOEXEC | MemfdFlags::ALLOW_SEALING)
        .map_err(|e| ContentError::File(e.into()))?;
    let mut file = std::fs::File::from(fd);
    file.write_all(bytes).map_err(ContentError::File)?;
    // The app reads from the start: the file's offset is shared with it.
    std::io::Seek::rewind(&mut file).map_err(ContentError::File)?;
    rustix::fs::fcntl_add_seals(
        &file,
        SealFlags::SHRINK | SealFlags::GROW | SealFlags::WRITE | SealFlags::SEAL,
    )
    .map_err(|e| ContentError::File(e.into()))?;
    FileForTransit::take(file).map_err(ContentError::Send)
}

impl View {
    pub(super) fn wire_responses(&self, id: WebViewId, host: &Rc<dyn Host>) {
        let (host, responses) = (host.clone(), self.responses.clone());
        self.webview.connect_resource_load_started(move |_, resource, request| {
            if !responses.wanted.get() {
                return;
            }
            let uri = request.uri().map(|u| u.to_string()).unwrap_or_default();
            let method = request
                .http_method()
                .map(|m| m.to_string())
                .unwrap_or_else(|| "GET".into());
            let request_headers = header_lines(request.http_headers());
            let (host, responses) = (host.clone(), responses.clone());
            let told = Cell::new(false);
            let finished = Rc::new(Cell::new(false));
            {
                let finished = finished.clone();
                resource.connect_finished(move |_| finished.set(true));
            }
            {
                let finished = finished.clone();
                resource.connect_failed(move |_, _| finished.set(true));
            }
            resource.connect_response_notify(move |resource| {
                let Some(response) = resource.response() else { return };
                if told.replace(true) {
                    return;
                }
                let number = responses.next.get() + 1;
                responses.next.set(number);
                {
                    let mut kept = responses.kept.borrow_mut();
                    if kept.len() == KEPT {
                        kept.pop_front();
                    }
                    kept.push_back(Kept {
                        number,
                        resource: resource.clone(),
                        finished: finished.clone(),
                    });
                }
                host.send(RuntimeMessage::WebResourceResponseReceived {
                    id,
                    resource: number,
                    uri: uri.clone(),
                    method: method.clone(),
                    request_headers: request_headers.clone(),
                    status: u16::try_from(response.status_code()).unwrap_or(0),
                    headers: header_lines(response.http_headers()),
                });
            });
        });
    }

    /// Whether responses are told to the app (and kept for their bodies) from now on. Those
    /// told already stay kept: the app may still ask for their bodies.
    pub(super) fn set_response_reports(&self, on: bool) {
        self.responses.wanted.set(on);
    }

    /// Sends the body of resource `number` (once WebKit has it all) as `ResourceContent`.
    pub fn resource_content(&self, request: u64, number: u64) {
        let (host, id) = (self.host.clone(), self.id);
        let reply = move |result: Result<FileForTransit, ContentError>| {
            let mut fds = Outgoing::new();
            let result = result.map(|file| fds.file(file)).map_err(|e| crate::error::reason(&e));
            host.send_with_fds(RuntimeMessage::ResourceContent { id, request, result }, fds);
        };
        let resource = self
            .responses
            .kept
            .borrow()
            .iter()
            .find(|kept| kept.number == number)
            .map(|kept| (kept.resource.clone(), kept.finished.get()));
        let Some((resource, finished)) = resource else {
            return reply(Err(ContentError::Gone));
        };
        let read = move |resource: &webkit2gtk::WebResource| {
            resource.data(None::<&gio::Cancellable>, move |data| {
                reply(data.map_err(ContentError::Engine).and_then(|bytes| sealed_file(&bytes)))
            });
        };
        if finished {
            return read(&resource);
        }
        // Not all here yet: read it once it is (or has failed: the engine says why).
        let read = Rc::new(RefCell::new(Some(read)));
        let once = move |resource: &webkit2gtk::WebResource| {
            if let Some(read) = read.borrow_mut().take() {
                read(resource);
            }
        };
        let on_failed = once.clone();
        resource.connect_finished(once);
        resource.connect_failed(move |resource, _| on_failed(resource));
    }
}
