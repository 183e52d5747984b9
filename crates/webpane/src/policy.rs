//! Decisions for the page (WebView2's policy events): HTTP credentials
//! ([`BasicAuthenticationRequestedEventArgs`]), script dialogs
//! ([`ScriptDialogOpeningEventArgs`]), permissions ([`PermissionRequestedEventArgs`]) and server
//! certificates that did not verify ([`ServerCertificateErrorDetectedEventArgs`]).
//!
//! Each waits in the browser process until every handler returned and every deferral taken from
//! its arguments is completed or dropped. Without a handler: credentials are not given (the page
//! gets the server's 401), permissions are denied, certificates stay refused, and dialogs are
//! shown by the browser process in a window of its own when the view is on screen (dismissed in
//! a headless view: `alert` closes, `confirm` is false, `prompt` null, `beforeunload` leaves).

mod args;
mod client_certificate;
mod context_menu;
mod responder;

use std::cell::RefCell;
use std::rc::Rc;

use webpane_ipc::protocol::{PolicyAnswer, PolicyRequest};

pub use args::{
    BasicAuthenticationRequestedEventArgs, LaunchingExternalUriSchemeEventArgs, PermissionKind,
    PermissionRequestedEventArgs, PermissionState, ScriptDialogKind, ScriptDialogOpeningEventArgs, ServerCertificate,
    ServerCertificateErrorAction, ServerCertificateErrorDetectedEventArgs,
};
pub use client_certificate::{ClientCertificate, ClientCertificateRequestedEventArgs};
pub use context_menu::{
    ContextMenuItem, ContextMenuItemSelectedEventArgs, ContextMenuRequestedEventArgs, ContextMenuTarget,
};

use crate::deferral::Deferred;
use crate::objects::WebView;
use crate::operation::Operation;
use responder::PolicyResponder;

/// A permission decided for an origin (WebView2's `CoreWebView2PermissionSetting`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PermissionSetting {
    /// For what.
    #[doc(alias = "PermissionKind")]
    pub kind: PermissionKind,
    /// For which origin.
    #[doc(alias = "PermissionOrigin")]
    pub origin: String,
    /// Allowed or denied.
    #[doc(alias = "PermissionState")]
    pub state: PermissionState,
}

fn to_wire(kind: PermissionKind) -> webpane_ipc::protocol::PermissionKind {
    use webpane_ipc::protocol::PermissionKind as P;
    match kind {
        PermissionKind::Camera => P::Camera,
        PermissionKind::Microphone => P::Microphone,
        PermissionKind::CameraAndMicrophone => P::CameraAndMicrophone,
        PermissionKind::DisplayCapture => P::DisplayCapture,
        PermissionKind::MediaDeviceInfo => P::MediaDeviceInfo,
        PermissionKind::Geolocation => P::Geolocation,
        PermissionKind::Notifications => P::Notifications,
        PermissionKind::ClipboardRead => P::ClipboardRead,
        PermissionKind::PointerLock => P::PointerLock,
        PermissionKind::MediaKeySystem => P::MediaKeySystem,
        PermissionKind::StorageAccess => P::StorageAccess,
        PermissionKind::Other => P::Other,
    }
}

impl WebView {
    /// Decides `kind` for `origin` (`scheme://host[:port]`) from now on, for every webview of
    /// the profile: a page of that origin asking gets it without `PermissionRequested`;
    /// [`PermissionState::Default`] forgets the decision. Kept in the user data folder (in
    /// memory in private) until cleared ([`BrowsingData::permissions`](crate::BrowsingData)).
    #[doc(alias = "SetPermissionStateAsync")]
    pub fn set_permission_state(&self, kind: PermissionKind, origin: &str, state: PermissionState) -> Operation<()> {
        let allow = match state {
            PermissionState::Allow => Some(true),
            PermissionState::Deny => Some(false),
            PermissionState::Default => None,
        };
        let origin = origin.trim_end_matches('/').to_ascii_lowercase();
        self.ask(|request| webpane_ipc::protocol::AppMessage::SetPermissionState {
            id: self.id(),
            request,
            kind: to_wire(kind),
            origin,
            allow,
        })
    }

    /// The permissions decided per origin (WebView2's `GetNonDefaultPermissionSettingsAsync`).
    #[doc(alias = "GetNonDefaultPermissionSettingsAsync")]
    pub fn permission_settings(&self) -> Operation<Vec<PermissionSetting>> {
        self.ask(|request| webpane_ipc::protocol::AppMessage::GetPermissionSettings { id: self.id(), request })
    }

    pub(crate) fn context_menu_item_selected(&self, command_id: u32) {
        let args = ContextMenuItemSelectedEventArgs {
            command_id,
            _ui_thread: std::marker::PhantomData,
        };
        self.inner.events.raise(self, &args);
    }

    pub(crate) fn permission_settings_arrived(
        &self,
        request: u64,
        settings: Vec<webpane_ipc::protocol::PermissionSetting>,
    ) {
        let settings: Vec<PermissionSetting> = settings
            .into_iter()
            .map(|s| PermissionSetting {
                kind: s.kind.into(),
                origin: s.origin,
                state: if s.allow {
                    PermissionState::Allow
                } else {
                    PermissionState::Deny
                },
            })
            .collect();
        self.inner.requests.resolve(request, Ok(settings));
    }

    fn responder(&self, request: u64, answer: PolicyAnswer) -> Rc<Deferred<PolicyResponder>> {
        Deferred::new(PolicyResponder {
            session: self.inner.session.clone(),
            id: self.inner.id,
            request,
            answer: RefCell::new(answer),
        })
    }

    /// Raises the event for a policy request (or answers `Default` at once without a handler).
    pub(crate) fn policy_requested(&self, request: u64, what: PolicyRequest) {
        let events = &self.inner.events;
        let (handled, initial) = match &what {
            PolicyRequest::BasicAuthentication { .. } => (
                events.has_handlers::<BasicAuthenticationRequestedEventArgs>(),
                PolicyAnswer::Default,
            ),
            PolicyRequest::ClientCertificate { .. } => (
                events.has_handlers::<ClientCertificateRequestedEventArgs>(),
                PolicyAnswer::Default,
            ),
            // As in WebView2: a handled dialog not accepted is dismissed.
            PolicyRequest::ScriptDialog { .. } => (
                events.has_handlers::<ScriptDialogOpeningEventArgs>(),
                PolicyAnswer::Deny,
            ),
            PolicyRequest::Permission { .. } => (
                events.has_handlers::<PermissionRequestedEventArgs>(),
                PolicyAnswer::Default,
            ),
            PolicyRequest::ContextMenu { items, .. } => (
                events.has_handlers::<ContextMenuRequestedEventArgs>(),
                PolicyAnswer::Menu {
                    handled: false,
                    items: items.clone(),
                },
            ),
            // As in WebView2: launched unless a handler cancels.
            PolicyRequest::ExternalUri { .. } => (
                events.has_handlers::<LaunchingExternalUriSchemeEventArgs>(),
                PolicyAnswer::Allow,
            ),
            PolicyRequest::ServerCertificateError { .. } => (
                events.has_handlers::<ServerCertificateErrorDetectedEventArgs>(),
                PolicyAnswer::Default,
            ),
        };
        let decision = self.responder(request, if handled { initial } else { PolicyAnswer::Default });
        if !handled {
            decision.raise(|| {});
            return;
        }
        let raise = decision.clone();
        match what {
            PolicyRequest::BasicAuthentication {
                uri,
                challenge,
                realm,
                is_retry,
            } => {
                let args = BasicAuthenticationRequestedEventArgs::new(uri, challenge, realm, is_retry, raise);
                decision.raise(|| events.raise(self, &args));
            }
            PolicyRequest::ClientCertificate { uri, host, port } => {
                let args = ClientCertificateRequestedEventArgs::new(uri, host, port, raise);
                decision.raise(|| events.raise(self, &args));
            }
            PolicyRequest::ScriptDialog {
                kind,
                uri,
                message,
                default_text,
            } => {
                let args = ScriptDialogOpeningEventArgs::new(kind.into(), uri, message, default_text, raise);
                decision.raise(|| events.raise(self, &args));
            }
            PolicyRequest::Permission { kind, uri } => {
                let args = PermissionRequestedEventArgs::new(kind.into(), uri, raise);
                decision.raise(|| events.raise(self, &args));
            }
            PolicyRequest::ContextMenu { target, .. } => {
                let args = ContextMenuRequestedEventArgs::new(target, raise);
                decision.raise(|| events.raise(self, &args));
            }
            PolicyRequest::ExternalUri {
                uri,
                initiating_uri,
                is_user_initiated,
            } => {
                let args = LaunchingExternalUriSchemeEventArgs::new(uri, initiating_uri, is_user_initiated, raise);
                decision.raise(|| events.raise(self, &args));
            }
            PolicyRequest::ServerCertificateError {
                uri,
                host,
                errors,
                certificate_pem,
                subject,
                issuer,
                valid_from,
                valid_to,
            } => {
                let certificate = ServerCertificate::new(certificate_pem, subject, issuer, valid_from, valid_to);
                let args = ServerCertificateErrorDetectedEventArgs::new(uri, host, errors, certificate, raise);
                decision.raise(|| events.raise(self, &args));
            }
        }
    }

    crate::handlers::event_methods! { WebView {
        /// a server asks for credentials (HTTP authentication): set them, cancel, or defer.
        /// Without a handler, none are given (the page gets the server's 401).
        on_basic_authentication_requested, remove_basic_authentication_requested, BasicAuthenticationRequestedEventArgs, "add_BasicAuthenticationRequested", "remove_BasicAuthenticationRequested";
        /// a server asks for a client certificate (TLS client authentication): present one
        /// with its key ([`ClientCertificate::from_pem`]), cancel, or defer. Without a handler,
        /// none is presented.
        on_client_certificate_requested, remove_client_certificate_requested, ClientCertificateRequestedEventArgs, "add_ClientCertificateRequested", "remove_ClientCertificateRequested";
        /// the page opens `alert`, `confirm`, `prompt`, or asks before it is left: accept (with
        /// a prompt's text) or leave it dismissed; the page waits, deferrals too. Without a
        /// handler, the browser process shows the dialog when the view is on screen and dismisses
        /// it in a headless view.
        on_script_dialog_opening, remove_script_dialog_opening, ScriptDialogOpeningEventArgs, "add_ScriptDialogOpening", "remove_ScriptDialogOpening";
        /// the page asks for a permission (camera, microphone, position, notifications, …):
        /// allow, deny, or leave the default (denied). Without a handler, denied.
        on_permission_requested, remove_permission_requested, PermissionRequestedEventArgs, "add_PermissionRequested", "remove_PermissionRequested";
        /// a server's certificate did not verify and its load failed: trust it for its host (the
        /// URI loads again) or not. Without a handler, it stays refused.
        on_server_certificate_error_detected, remove_server_certificate_error_detected, ServerCertificateErrorDetectedEventArgs, "add_ServerCertificateErrorDetected", "remove_ServerCertificateErrorDetected";
        /// the page navigates to a scheme no browser handles (`mailto:`, another app's scheme):
        /// the desktop's program for it opens it unless cancelled; the page stays. Without a
        /// handler, nothing is opened.
        on_launching_external_uri_scheme, remove_launching_external_uri_scheme, LaunchingExternalUriSchemeEventArgs, "add_LaunchingExternalUriScheme", "remove_LaunchingExternalUriScheme";
        /// the user asks for a context menu: change its items, add the app's, or show a menu of
        /// the app's own (`set_handled`). Without a handler, WebKit's menu is shown.
        on_context_menu_requested, remove_context_menu_requested, ContextMenuRequestedEventArgs, "add_ContextMenuRequested", "remove_ContextMenuRequested";
        /// the user chose one of the app's context menu items.
        on_context_menu_item_selected, remove_context_menu_item_selected, ContextMenuItemSelectedEventArgs, "add_CustomItemSelected", "remove_CustomItemSelected";
    }}
}
