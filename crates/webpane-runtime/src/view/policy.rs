//! Decisions the app makes for its page (WebView2's policy events): HTTP credentials, script
//! dialogs, permissions, server certificates that did not verify. WebKit's request is held here
//! (WebKit lets each be answered later) while the app decides; an answer that does not fit the
//! request is taken as a refusal (no credentials, denied, dismissed, not trusted).

use std::cell::RefCell;
use std::rc::Rc;

use glib::prelude::*;
use webkit2gtk::{
    AuthenticationRequestExt, PermissionRequestExt, UserMediaPermissionRequestExt, WebContextExt, WebViewExt,
};
use webpane_ipc::protocol::{PermissionKind, PolicyAnswer, PolicyRequest, RuntimeMessage, ScriptDialogKind, WebViewId};

use super::held::{Held, Policy};
use super::state::View;
use crate::host::Host;

fn permission_kind(request: &webkit2gtk::PermissionRequest) -> PermissionKind {
    if let Some(media) = request.downcast_ref::<webkit2gtk::UserMediaPermissionRequest>() {
        let display: bool =
            media.find_property("is-for-display-device").is_some() && media.property("is-for-display-device");
        return match (media.is_for_audio_device(), media.is_for_video_device(), display) {
            (_, _, true) => PermissionKind::DisplayCapture,
            (true, true, _) => PermissionKind::CameraAndMicrophone,
            (true, false, _) => PermissionKind::Microphone,
            _ => PermissionKind::Camera,
        };
    }
    let name = request.type_().name();
    match name {
        "WebKitGeolocationPermissionRequest" => PermissionKind::Geolocation,
        "WebKitNotificationPermissionRequest" => PermissionKind::Notifications,
        "WebKitDeviceInfoPermissionRequest" => PermissionKind::MediaDeviceInfo,
        "WebKitPointerLockPermissionRequest" => PermissionKind::PointerLock,
        "WebKitMediaKeySystemPermissionRequest" => PermissionKind::MediaKeySystem,
        "WebKitWebsiteDataAccessPermissionRequest" => PermissionKind::StorageAccess,
        "WebKitClipboardPermissionRequest" => PermissionKind::ClipboardRead,
        _ => PermissionKind::Other,
    }
}

impl View {
    /// Holds WebKit's requests for the app's decisions and tells the app.
    pub(super) fn wire_policy(&self, id: WebViewId, host: &Rc<dyn Host>) {
        super::context_menu::wire(&self.webview, &self.policy, host, id);
        let ask = {
            let (policy, host) = (self.policy.clone(), host.clone());
            move |held: Held, what: PolicyRequest| {
                let request = Policy::hold(&policy, held);
                host.send(RuntimeMessage::PolicyRequested { id, request, what });
            }
        };
        {
            let ask = ask.clone();
            self.webview.connect_authenticate(move |view, request| {
                // The runtime's own proxy never asks; another proxy's challenge is WebKit's.
                if request.is_for_proxy() {
                    return false;
                }
                match request.scheme() {
                    webkit2gtk::AuthenticationScheme::ClientCertificateRequested => {
                        let what = PolicyRequest::ClientCertificate {
                            uri: view.uri().map(|u| u.to_string()).unwrap_or_default(),
                            host: request.host().map(|h| h.to_string()).unwrap_or_default(),
                            port: u16::try_from(request.port()).unwrap_or(0),
                        };
                        ask(Held::Authentication(request.clone()), what);
                        return true;
                    }
                    // A smart card's PIN: webpane has no way to ask for it; the certificate is
                    // not presented.
                    webkit2gtk::AuthenticationScheme::ClientCertificatePinRequested => {
                        crate::ffi::authenticate(request, None);
                        return true;
                    }
                    _ => {}
                }
                let realm = request.realm().map(|r| r.to_string()).unwrap_or_default();
                let scheme = match request.scheme() {
                    webkit2gtk::AuthenticationScheme::HttpDigest => "Digest",
                    webkit2gtk::AuthenticationScheme::Ntlm => "NTLM",
                    webkit2gtk::AuthenticationScheme::Negotiate => "Negotiate",
                    _ => "Basic",
                };
                let what = PolicyRequest::BasicAuthentication {
                    uri: view.uri().map(|u| u.to_string()).unwrap_or_default(),
                    challenge: format!("{scheme} realm=\"{realm}\""),
                    realm,
                    is_retry: request.is_retry(),
                };
                ask(Held::Authentication(request.clone()), what);
                true
            });
        }
        {
            let ask = ask.clone();
            self.webview.connect_script_dialog(move |view, dialog| {
                let kind = match dialog.dialog_type() {
                    webkit2gtk::ScriptDialogType::Confirm => ScriptDialogKind::Confirm,
                    webkit2gtk::ScriptDialogType::Prompt => ScriptDialogKind::Prompt,
                    webkit2gtk::ScriptDialogType::BeforeUnloadConfirm => ScriptDialogKind::BeforeUnload,
                    _ => ScriptDialogKind::Alert,
                };
                let default_text = match kind {
                    ScriptDialogKind::Prompt => dialog.prompt_get_default_text().map(|t| t.to_string()),
                    _ => None,
                };
                let what = PolicyRequest::ScriptDialog {
                    kind,
                    uri: view.uri().map(|u| u.to_string()).unwrap_or_default(),
                    message: dialog.message().map(|m| m.to_string()).unwrap_or_default(),
                    default_text: default_text.unwrap_or_default(),
                };
                ask(Held::Dialog(dialog.clone()), what);
                true
            });
        }
        {
            let ask = ask.clone();
            let decided = self.permissions.clone();
            self.webview.connect_permission_request(move |view, request| {
                let (kind, uri) = (
                    permission_kind(request),
                    view.uri().map(|u| u.to_string()).unwrap_or_default(),
                );
                // Decided for this origin already: answered here, the app is not asked again.
                match decided.get(&webpane_ipc::origin::origin_of(&uri), kind) {
                    Some(true) => {
                        request.allow();
                        return true;
                    }
                    Some(false) => {
                        request.deny();
                        return true;
                    }
                    None => {}
                }
                let what = PolicyRequest::Permission { kind, uri };
                ask(Held::Permission(request.clone()), what);
                true
            });
        }
        self.webview
            .connect_load_failed_with_tls_errors(move |_, uri, certificate, errors| {
                let host = url::Url::parse(uri)
                    .ok()
                    .and_then(|u| u.host_str().map(str::to_owned))
                    .unwrap_or_default();
                let text = |name: &str| -> String {
                    certificate
                        .find_property(name)
                        .and_then(|_| certificate.property::<Option<glib::GString>>(name))
                        .map(|t| t.to_string())
                        .unwrap_or_default()
                };
                let time = |name: &str| -> Option<i64> {
                    certificate.find_property(name)?;
                    certificate
                        .property::<Option<glib::DateTime>>(name)
                        .map(|t| t.to_unix())
                };
                let what = PolicyRequest::ServerCertificateError {
                    uri: uri.to_owned(),
                    host: host.clone(),
                    errors: errors.bits(),
                    certificate_pem: text("certificate-pem"),
                    subject: text("subject-name"),
                    issuer: text("issuer-name"),
                    valid_from: time("not-valid-before"),
                    valid_to: time("not-valid-after"),
                };
                let held = Held::Certificate {
                    certificate: certificate.clone(),
                    host,
                    uri: uri.to_owned(),
                };
                ask(held, what);
                // The load fails as before (NavigationCompleted says why); trusting the
                // certificate loads the URI again.
                false
            });
    }

    /// The app's decision on a held request (one it no longer waits for is ignored).
    pub fn answer_policy(&self, request: u64, answer: PolicyAnswer) {
        let Some(held) = self.policy.take(request) else {
            return;
        };
        match held {
            Held::Authentication(request) => match answer {
                PolicyAnswer::Credentials { user, password } => {
                    let credential =
                        webkit2gtk::Credential::new(&user, &password, webkit2gtk::CredentialPersistence::ForSession);
                    crate::ffi::authenticate(&request, Some(&credential));
                }
                PolicyAnswer::Certificate { pem } => match gio::TlsCertificate::from_pem(&pem) {
                    Ok(certificate) => {
                        let credential = webkit2gtk::Credential::for_certificate(
                            Some(&certificate),
                            webkit2gtk::CredentialPersistence::ForSession,
                        );
                        crate::ffi::authenticate(&request, Some(&credential));
                    }
                    Err(e) => {
                        log::warn!("view {}: the app's client certificate is not usable: {e}", self.id.0);
                        crate::ffi::authenticate(&request, None);
                    }
                },
                // No credentials: the page gets the server's 401 page.
                _ => crate::ffi::authenticate(&request, None),
            },
            Held::Dialog(dialog) => {
                super::dialogs::answer(&self.window, self.showing_window(), &dialog, answer);
            }
            Held::Permission(request) => match answer {
                PolicyAnswer::Allow => request.allow(),
                _ => request.deny(),
            },
            Held::ContextMenu(menu) => {
                super::context_menu::answer(&self.webview, &self.host, self.id, request, menu, answer);
            }
            Held::ExternalUri(uri) => {
                if answer == PolicyAnswer::Allow {
                    // The desktop's program for the scheme opens it (the page stays).
                    if let Err(e) = gio::AppInfo::launch_default_for_uri(&uri, None::<&gio::AppLaunchContext>) {
                        log::warn!("no program opened {uri}: {e}");
                    }
                }
            }
            Held::Certificate { certificate, host, uri } => {
                if answer == PolicyAnswer::Allow {
                    if let Some(context) = self.webview.context() {
                        // Trusted for this host only, and only this certificate.
                        context.allow_tls_certificate_for_host(&certificate, &host);
                    }
                    load_when_idle(&self.webview, uri);
                }
            }
        }
    }
}

/// Loads `uri` now, or once the current load (the failed one's error page) has finished: a load
/// started meanwhile would be cut short by it.
fn load_when_idle(webview: &webkit2gtk::WebView, uri: String) {
    if !webview.is_loading() {
        webview.load_uri(&uri);
        return;
    }
    let handler: Rc<RefCell<Option<glib::SignalHandlerId>>> = Rc::default();
    let slot = handler.clone();
    let id = webview.connect_load_changed(move |view, event| {
        if event == webkit2gtk::LoadEvent::Finished {
            if let Some(id) = slot.borrow_mut().take() {
                view.disconnect(id);
            }
            view.load_uri(&uri);
        }
    });
    handler.replace(Some(id));
}

/// Schemes WebKit loads itself (besides the registered custom ones).
const BROWSER_SCHEMES: &[&str] = &[
    "http",
    "https",
    "file",
    "data",
    "about",
    "blob",
    "javascript",
    "ws",
    "wss",
    "view-source",
    "resource",
];

/// Whether `uri` is of a scheme no browser handles (another program would open it).
pub(super) fn is_external(uri: &str, custom: &[String]) -> bool {
    let Some((scheme, _)) = uri.split_once(':') else {
        return false;
    };
    let scheme = scheme.to_ascii_lowercase();
    !BROWSER_SCHEMES.contains(&scheme.as_str()) && !custom.contains(&scheme)
}

/// Asks the app whether another program may open `uri` (the page stays where it is).
pub(super) fn ask_external_uri(
    policy: &Rc<Policy>,
    host: &Rc<dyn Host>,
    id: WebViewId,
    initiating_uri: String,
    uri: String,
    is_user_initiated: bool,
) {
    let what = PolicyRequest::ExternalUri {
        uri: uri.clone(),
        initiating_uri,
        is_user_initiated,
    };
    let request = Policy::hold(policy, Held::ExternalUri(uri));
    host.send(RuntimeMessage::PolicyRequested { id, request, what });
}

#[cfg(test)]
mod tests {
    #[test]
    fn schemes_no_browser_handles_are_external() {
        let custom = vec!["app".to_owned()];
        for uri in ["mailto:a@b.example", "tel:123", "zoommtg://x", "MAILTO:x"] {
            assert!(super::is_external(uri, &custom), "{uri}");
        }
        for uri in [
            "https://a.example/",
            "app://x/",
            "data:,x",
            "about:blank",
            "blob:https://a/1",
            "no-colon",
        ] {
            assert!(!super::is_external(uri, &custom), "{uri}");
        }
    }
}
