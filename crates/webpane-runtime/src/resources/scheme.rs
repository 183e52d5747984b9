//! Custom schemes' requests: the requesting origin checked, preflights answered, the app's
//! answer built into WebKit's response.

use gio::prelude::*;
use std::rc::Rc;
use webkit2gtk::{URISchemeRequestExt, URISchemeResponseExt};
use webpane_ipc::origin::{origin_of, wildcard_match};

use webpane_ipc::protocol::{CustomScheme, ResourceResponse, ResponseBody, WebViewId};
use webpane_ipc::{Outgoing, ReceivedFds};

use super::body::{ResponseError, stream_to_pipe, take_body_fd};
use super::table::{Pending, Resources, preflight_headers};
use crate::host::Host;

/// Fails a request with a message the page's console shows.
pub fn fail(request: &webkit2gtk::URISchemeRequest, message: &str) {
    let mut error = glib::Error::new(gio::IOErrorEnum::Failed, message);
    request.finish_error(&mut error);
}

/// Whether documents of `origin` may request URIs of `scheme`.
///
/// An opaque origin (`null`: `about:blank`, `data:`, sandboxed frames, error pages) is allowed
/// only where the registration lists `null` itself; no wildcard matches it.
pub fn origin_allowed(scheme: &CustomScheme, origin: &str) -> bool {
    if origin == "null" {
        return scheme.allowed_origins.iter().any(|p| p == "null");
    }
    origin.starts_with(&format!("{}:", scheme.name)) || scheme.allowed_origins.iter().any(|p| wildcard_match(p, origin))
}

impl Resources {
    /// Handles a request of `scheme` made by this view, whose document is at `document_uri`.
    pub fn request(
        &self,
        id: WebViewId,
        host: &Rc<dyn Host>,
        scheme: &CustomScheme,
        document_uri: &str,
        request: &webkit2gtk::URISchemeRequest,
    ) {
        let uri = request.uri().map(|u| u.to_string()).unwrap_or_default();
        log::debug!("view {}: scheme request {uri}", id.0);
        let method = request
            .http_method()
            .map(|m| m.to_string())
            .unwrap_or_else(|| "GET".into());
        let mut headers = Vec::new();
        if let Some(h) = request.http_headers() {
            h.foreach(|name, value| headers.push((name.to_owned(), value.to_owned())));
        }
        let header = |name: &str| webpane_proxy_wire::http_head::header(&headers, name).map(str::to_owned);
        // The Origin header names the requesting document for CORS requests (`null` for an
        // opaque origin, which stays `null`: never the view's earlier document); otherwise it
        // is the view's document (top-level navigations show their target here already).
        let origin_header = header("Origin");
        // A document of this scheme loading without CORS (a navigation, a tag): always allowed,
        // also when its URI has no authority (`app:page.html`, an opaque origin).
        let own_document =
            origin_header.is_none() && url::Url::parse(document_uri).is_ok_and(|u| u.scheme() == scheme.name);
        let origin = origin_header.unwrap_or_else(|| origin_of(document_uri));
        if !own_document && !origin_allowed(scheme, &origin) {
            log::warn!("view {}: {origin} may not load {uri} (not an allowed origin)", id.0);
            fail(
                request,
                &format!("{origin} is not allowed to load {}: URIs", scheme.name),
            );
            return;
        }
        // Cross-origin requests (another scheme, or another host of this one) need CORS headers.
        let cors_origin = (origin != origin_of(&uri)).then_some(origin);
        if method == "OPTIONS" && header("Access-Control-Request-Method").is_some() {
            preflight(
                request,
                cors_origin.as_deref(),
                header("Access-Control-Request-Headers"),
            );
            return;
        }
        if !self.filters_match(&uri) {
            finish_default(request, cors_origin.as_deref());
            return;
        }
        let mut fds = Outgoing::new();
        // Blob bodies never get here: WebKit would hang in http_body() (see scheme_bodies.js).
        let body = match request.http_body() {
            Some(stream) => match stream_to_pipe(stream) {
                Ok(read_end) => Some(fds.file(read_end)),
                Err(e) => {
                    fail(
                        request,
                        &format!("cannot pass the request body on: {}", crate::error::reason(&e)),
                    );
                    return;
                }
            },
            None => None,
        };
        let pending = Pending::Scheme {
            request: request.clone(),
            cors_origin,
        };
        self.to_app(id, host, pending, (method, uri, headers), body, fds);
    }
}

/// Answers a custom scheme's request with the app's response (`None`: the default one, 404).
pub(super) fn answer(
    request: &webkit2gtk::URISchemeRequest,
    cors_origin: Option<&str>,
    response: Option<ResourceResponse>,
    fds: &mut ReceivedFds,
) -> Result<(), ResponseError> {
    let Some(response) = response else {
        finish_default(request, cors_origin);
        return Ok(());
    };
    match build_response(response, cors_origin, fds) {
        Ok(built) => {
            request.finish_with_response(&built);
            Ok(())
        }
        Err(why) => {
            fail(
                request,
                &format!("the app's response was refused: {}", crate::error::reason(&why)),
            );
            Err(why)
        }
    }
}

fn headers_for(pairs: &[(String, String)], cors_origin: Option<&str>) -> soup::MessageHeaders {
    let headers = soup::MessageHeaders::new(soup::MessageHeadersType::Response);
    for (name, value) in pairs {
        headers.append(name, value);
    }
    if let Some(origin) = cors_origin
        && !pairs
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("Access-Control-Allow-Origin"))
    {
        headers.append("Access-Control-Allow-Origin", origin);
    }
    headers
}

fn make_response(
    status: u16,
    reason: &str,
    headers: soup::MessageHeaders,
    stream: gio::InputStream,
    length: i64,
) -> webkit2gtk::URISchemeResponse {
    let response = webkit2gtk::URISchemeResponse::new(&stream, length);
    response.set_status(u32::from(status), Some(reason));
    if let Some(content_type) = headers.one("Content-Type").map(|t| t.to_string()) {
        response.set_content_type(&content_type);
    }
    response.set_http_headers(headers);
    response
}

fn respond(request: &webkit2gtk::URISchemeRequest, status: u16, reason: &str, headers: soup::MessageHeaders) {
    let empty: gio::InputStream = gio::MemoryInputStream::new().upcast();
    request.finish_with_response(&make_response(status, reason, headers, empty, 0));
}

/// The documented default response: `404 Not Found`, empty body.
pub fn finish_default(request: &webkit2gtk::URISchemeRequest, cors_origin: Option<&str>) {
    respond(request, 404, "Not Found", headers_for(&[], cors_origin));
}

fn preflight(request: &webkit2gtk::URISchemeRequest, cors_origin: Option<&str>, asked_headers: Option<String>) {
    let pairs = preflight_headers(asked_headers);
    respond(request, 204, "No Content", headers_for(&pairs, cors_origin));
}

fn build_response(
    response: ResourceResponse,
    cors_origin: Option<&str>,
    fds: &mut ReceivedFds,
) -> Result<webkit2gtk::URISchemeResponse, ResponseError> {
    response.validate().map_err(ResponseError::Invalid)?;
    let (stream, length): (gio::InputStream, i64) = match response.body {
        ResponseBody::Empty => (gio::MemoryInputStream::new().upcast(), 0),
        ResponseBody::Inline(bytes) => {
            let length = bytes.len() as i64;
            let bytes = glib::Bytes::from_owned(bytes);
            (gio::MemoryInputStream::from_bytes(&bytes).upcast(), length)
        }
        ResponseBody::Fd { fd, length } => {
            let owned = take_body_fd(fds, fd)?;
            let length = match length {
                Some(n) => i64::try_from(n).map_err(|_| ResponseError::BodyTooLong(n))?,
                None => -1,
            };
            (crate::ffi::input_stream(owned), length)
        }
    };
    let headers = headers_for(&response.headers, cors_origin);
    Ok(make_response(
        response.status,
        &response.reason,
        headers,
        stream,
        length,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins() {
        assert_eq!(origin_of("https://example.com/a?b"), "https://example.com");
        assert_eq!(origin_of("http://127.0.0.1:8080/x"), "http://127.0.0.1:8080");
        assert_eq!(origin_of("app://host/index.html"), "app://host");
        assert_eq!(origin_of("about:blank"), "null");
        assert_eq!(origin_of("not a uri"), "null");
        let scheme = CustomScheme {
            name: "app".into(),
            allowed_origins: vec!["http://127.0.0.1:*".into()],
            treat_as_secure: false,
        };
        assert!(origin_allowed(&scheme, "app://host"));
        assert!(origin_allowed(&scheme, "http://127.0.0.1:4000"));
        assert!(!origin_allowed(&scheme, "https://evil.example"));
        assert!(!origin_allowed(&scheme, "null"));
        assert!(!origin_allowed(&scheme, "apple://x"));
        // No wildcard matches an opaque origin; only `null` listed itself does.
        let anything = CustomScheme {
            allowed_origins: vec!["*".into()],
            ..scheme.clone()
        };
        assert!(origin_allowed(&anything, "https://any.example"));
        assert!(!origin_allowed(&anything, "null"));
        let null_too = CustomScheme {
            allowed_origins: vec!["null".into()],
            ..scheme
        };
        assert!(origin_allowed(&null_too, "null"));
    }
}
