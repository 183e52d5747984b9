//! Navigations: their events, ids and the app's decisions, and history.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use gtk::prelude::*;
use webkit2gtk::{
    LoadEvent, NavigationPolicyDecisionExt, PolicyDecisionExt, PolicyDecisionType, URIRequestExt, URIResponseExt,
    WebResourceExt, WebViewExt,
};
use webpane_ipc::protocol::{RuntimeMessage, WebError, WebViewId};

use super::state::*;
use crate::host::Host;

/// The URI a navigation action goes to.
pub(super) fn action_uri(action: &mut webkit2gtk::NavigationAction) -> String {
    action
        .request()
        .and_then(|r| r.uri())
        .map(|u| u.to_string())
        .unwrap_or_default()
}
/// Sends SourceChanged if the view's URI differs from the last one reported.
pub(super) fn report_source(view: &webkit2gtk::WebView, id: WebViewId, host: &Rc<dyn Host>, last: &RefCell<String>) {
    let uri = view.uri().map(|u| u.to_string()).unwrap_or_default();
    if *last.borrow() != uri {
        last.replace(uri.clone());
        host.send(RuntimeMessage::SourceChanged { id, uri });
    }
}
/// The error domain of a navigation whose server answered with an error status (the code is
/// the status).
pub(super) const HTTP_STATUS_DOMAIN: &str = "webpane-http-status";

/// The HTTP status of the main resource's response (0: no http(s) response).
fn http_status(view: &webkit2gtk::WebView) -> u16 {
    let http = view
        .uri()
        .is_some_and(|u| u.starts_with("http://") || u.starts_with("https://"));
    match (http, view.main_resource().and_then(|r| WebResourceExt::response(&r))) {
        (true, Some(response)) => u16::try_from(response.status_code()).unwrap_or(0),
        _ => 0,
    }
}

impl View {
    pub(super) fn wire_navigation(&self, id: WebViewId, host: &Rc<dyn Host>) {
        let failure: Rc<RefCell<Option<WebError>>> = Rc::default();
        {
            let failure = failure.clone();
            self.webview.connect_load_failed(move |_, _, _, error| {
                log::debug!("load failed: {error}");
                failure.replace(Some(WebError {
                    domain: error.domain().as_str().to_string(),
                    code: crate::ffi::error_code(error),
                    message: error.message().to_string(),
                }));
                false
            });
        }
        {
            let (host, navigations, watchdog) = (host.clone(), self.navigations.clone(), self.watchdog.clone());
            let last_source = self.last_source.clone();
            let history = Cell::new((false, false));
            self.webview.connect_load_changed(move |view, event| {
                // Loads are when WebKit starts processes: report them before the page's events,
                // so an app always knows every process it must see exit.
                host.refresh_children();
                log::debug!("view {} load event {event:?}", id.0);
                match event {
                    LoadEvent::Started => {
                        watchdog.loading.set(true);
                        let nav = navigations
                            .allowed
                            .take()
                            .map(|(id, _)| id)
                            .unwrap_or_else(|| navigations.fresh());
                        navigations.current.set(nav);
                        failure.replace(None);
                    }
                    LoadEvent::Committed => {
                        watchdog.alive.set(true);
                        report_source(view, id, &host, &last_source);
                        host.send(RuntimeMessage::ContentLoading {
                            id,
                            navigation_id: navigations.current.get(),
                        });
                        let now = (view.can_go_back(), view.can_go_forward());
                        if history.replace(now) != now {
                            host.send(RuntimeMessage::HistoryChanged {
                                id,
                                can_go_back: now.0,
                                can_go_forward: now.1,
                            });
                        }
                    }
                    LoadEvent::Finished => {
                        watchdog.loading.set(false);
                        let status = http_status(view);
                        // As WebView2: an error answer of the server is a page, but no success.
                        let error = failure.take().or_else(|| {
                            (status >= 400).then(|| WebError {
                                domain: HTTP_STATUS_DOMAIN.into(),
                                code: i32::from(status),
                                message: format!("the server answered {status}"),
                            })
                        });
                        host.send(RuntimeMessage::NavigationCompleted {
                            id,
                            navigation_id: navigations.current.get(),
                            is_success: error.is_none(),
                            error,
                            http_status_code: status,
                        });
                    }
                    _ => {}
                }
            });
        }
        {
            // WebKit changes `uri` as soon as a load is requested; WebView2 raises SourceChanged
            // after NavigationStarting. So: report at commit (below), and directly only for
            // same-document changes (fragment, pushState), which happen while not loading.
            let (host, last) = (host.clone(), self.last_source.clone());
            self.webview.connect_uri_notify(move |view| {
                if !view.is_loading() {
                    report_source(view, id, &host, &last);
                }
            });
        }
        {
            let host = host.clone();
            self.webview.connect_title_notify(move |view| {
                host.send(RuntimeMessage::DocumentTitleChanged {
                    id,
                    title: view.title().map(|t| t.to_string()).unwrap_or_default(),
                });
            });
        }
        {
            let (host, decisions, navigations) = (host.clone(), self.decisions.clone(), self.navigations.clone());
            let (policy, custom) = (self.policy.clone(), self.custom_schemes.clone());
            self.webview.connect_decide_policy(move |view, decision, kind| {
                if kind != PolicyDecisionType::NavigationAction {
                    return false;
                }
                let Some(mut action) = decision
                    .downcast_ref::<webkit2gtk::NavigationPolicyDecision>()
                    .and_then(|d| d.navigation_action())
                else {
                    return false;
                };
                let uri = action_uri(&mut action);
                if super::policy::is_external(&uri, &custom) {
                    // Not a navigation: another program would open it, if the app agrees.
                    decision.ignore();
                    let initiating = view.uri().map(|u| u.to_string()).unwrap_or_default();
                    super::policy::ask_external_uri(&policy, &host, id, initiating, uri, action.is_user_gesture());
                    return true;
                }
                let request = navigations.fresh();
                // Hold the navigation (keep a ref, return TRUE) until the app answers.
                decisions.borrow_mut().insert(request, (decision.clone(), uri.clone()));
                host.send(RuntimeMessage::NavigationStarting {
                    id,
                    request,
                    uri,
                    is_redirect: action.is_redirect(),
                    is_user_initiated: action.is_user_gesture(),
                });
                true
            });
        }
    }

    /// Navigates to a URI.
    pub fn navigate(&self, uri: String) {
        self.webview.load_uri(&uri);
        self.last.replace(Some(LastNavigation::Uri(uri)));
    }

    /// Navigates with extra request headers.
    pub fn navigate_with_headers(&self, uri: String, headers: Vec<(String, String)>) {
        let request = webkit2gtk::URIRequest::new(&uri);
        if let Some(sent) = webkit2gtk::URIRequestExt::http_headers(&request) {
            for (name, value) in &headers {
                sent.append(name, value);
            }
        }
        self.webview.load_request(&request);
        self.last.replace(Some(LastNavigation::Uri(uri)));
    }

    /// Shows an HTML document.
    pub fn navigate_to_string(&self, html: String) {
        self.webview.load_html(&html, None);
        self.last.replace(Some(LastNavigation::Html(html)));
    }

    /// Reloads; after the render process is gone WebKit's reload does nothing for a document
    /// loaded from a string, so the last navigation is issued again (the current URI if the page
    /// moved on).
    pub fn reload(&self) {
        if self.watchdog.alive.get() {
            self.webview.reload();
            return;
        }
        let current = self
            .webview
            .uri()
            .map(|u| u.to_string())
            .filter(|u| !u.is_empty() && u != "about:blank");
        match (current, &*self.last.borrow()) {
            (Some(uri), _) => self.webview.load_uri(&uri),
            (None, Some(LastNavigation::Html(html))) => self.webview.load_html(html, None),
            (None, Some(LastNavigation::Uri(uri))) => self.webview.load_uri(uri),
            (None, None) => self.webview.reload(),
        }
    }

    /// Stops loading.
    pub fn stop(&self) {
        // A navigation allowed but not started yet vanishes silently in WebKit: complete it here.
        if let Some((pending, _)) = self.navigations.allowed.take() {
            self.cancelled(pending);
        }
        self.webview.stop_loading();
    }

    /// Goes back, if it can.
    pub fn go_back(&self) {
        self.webview.go_back();
    }

    /// Goes forward, if it can.
    pub fn go_forward(&self) {
        self.webview.go_forward();
    }

    /// Answers a NavigationStarting; unknown requests (already answered, never asked) are ignored.
    ///
    /// Every NavigationStarting gets exactly one NavigationCompleted, as in WebView2: a cancelled
    /// navigation, or one superseded before it started, completes with OperationCanceled.
    pub fn answer_navigation(&self, request: u64, cancel: bool) {
        let Some((decision, uri)) = self.decisions.borrow_mut().remove(&request) else {
            return;
        };
        if cancel {
            decision.ignore();
            self.cancelled(request);
        } else {
            if let Some((superseded, _)) = self.navigations.allowed.replace(Some((request, uri))) {
                self.cancelled(superseded);
            }
            decision.use_();
        }
    }

    pub(super) fn cancelled(&self, navigation_id: u64) {
        self.host.send(RuntimeMessage::NavigationCompleted {
            id: self.id,
            navigation_id,
            http_status_code: 0,
            is_success: false,
            error: Some(WebError {
                domain: "WebKitNetworkError".into(),
                code: 302,
                message: "the navigation was cancelled".into(),
            }),
        });
    }
}
