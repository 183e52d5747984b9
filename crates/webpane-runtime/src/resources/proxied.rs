//! http(s) requests the loopback proxy intercepted for a view: handed to its app, and the app's
//! answer handed back to the proxy.

use std::rc::Rc;

use webpane_ipc::protocol::{ResourceResponse, ResponseBody, WebViewId};
use webpane_ipc::{FileForTransit, Outgoing, ReceivedFds};

use super::body::{ResponseError, take_body_fd};
use super::table::{Pending, Resources, preflight_headers};
use crate::host::Host;
use crate::proxy::{AppBody, AppResponse, ProxyReply, ProxyRequest};

impl Resources {
    /// Handles an http(s) request the proxy intercepted for this view.
    pub fn proxy_request(&self, id: WebViewId, host: &Rc<dyn Host>, request: ProxyRequest) {
        if !self.filters_match(&request.uri) {
            let _ = request.reply.send(ProxyReply::Forward);
            return;
        }
        log::debug!("view {}: intercepted {} {}", id.0, request.method, request.uri);
        let mut fds = Outgoing::new();
        let body = match request.body.map(FileForTransit::take) {
            Some(Ok(read_end)) => Some(fds.file(read_end)),
            Some(Err(e)) => {
                let _ = request
                    .reply
                    .send(ProxyReply::Fail(format!("cannot pass the request body on: {e}")));
                return;
            }
            None => None,
        };
        let _ = request.reply.send(ProxyReply::ToApp);
        let pending = Pending::Proxy(request.reply.clone());
        self.to_app(
            id,
            host,
            pending,
            (request.method, request.uri, request.headers),
            body,
            fds,
        );
    }
}

/// Answers a request from the proxy with the app's response (`None`: it goes to the network).
pub(super) fn answer(
    reply: &std::sync::mpsc::Sender<ProxyReply>,
    response: Option<ResourceResponse>,
    fds: &mut ReceivedFds,
) -> Result<(), ResponseError> {
    let outcome = match response.map(|r| app_response(r, fds)) {
        None => Ok(ProxyReply::Forward),
        Some(Ok(response)) => Ok(ProxyReply::Respond(response)),
        Some(Err(why)) => Err(why),
    };
    match outcome {
        Ok(reply_now) => {
            let _ = reply.send(reply_now);
            Ok(())
        }
        Err(why) => {
            let _ = reply.send(ProxyReply::Fail(format!(
                "the app's response was refused: {}",
                crate::error::reason(&why)
            )));
            Err(why)
        }
    }
}

/// The app's response for the proxy: checked, its body fd taken.
fn app_response(response: ResourceResponse, fds: &mut ReceivedFds) -> Result<AppResponse, ResponseError> {
    response.validate().map_err(ResponseError::Invalid)?;
    let body = match response.body {
        ResponseBody::Empty => AppBody::Inline(Vec::new()),
        ResponseBody::Inline(bytes) => AppBody::Inline(bytes),
        ResponseBody::Fd { fd, length } => AppBody::Stream {
            fd: take_body_fd(fds, fd)?,
            length,
        },
    };
    Ok(AppResponse {
        status: response.status,
        reason: response.reason,
        headers: response.headers,
        body,
    })
}

/// The runtime's answer to a CORS preflight for an intercepted http(s) URI (`headers`: the
/// preflight's): the requesting origin may send what it asks to.
pub fn preflight_answer(headers: &[(String, String)]) -> AppResponse {
    let header = |name: &str| webpane_proxy_wire::http_head::header(headers, name).map(str::to_owned);
    let mut pairs = preflight_headers(header("Access-Control-Request-Headers"));
    pairs.push((
        "Access-Control-Allow-Origin".to_owned(),
        header("Origin").unwrap_or_else(|| "*".into()),
    ));
    pairs.push(("Vary".to_owned(), "Origin".to_owned()));
    AppResponse {
        status: 204,
        reason: "No Content".into(),
        headers: pairs,
        body: AppBody::Inline(Vec::new()),
    }
}
