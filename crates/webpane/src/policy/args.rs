//! The arguments of the policy events, and the kinds they name.

use std::marker::PhantomData;
use std::rc::Rc;
use std::time::{Duration, SystemTime};

use webpane_ipc::protocol::{self, PolicyAnswer};

use super::responder::PolicyResponder;
use crate::deferral::{Deferral, Deferred};

type Decision = Rc<Deferred<PolicyResponder>>;

fn set(decision: &Decision, answer: PolicyAnswer) {
    decision.answer.answer.replace(answer);
}

/// Arguments of [`WebView::on_basic_authentication_requested`](crate::WebView::on_basic_authentication_requested).
#[derive(Debug)]
pub struct BasicAuthenticationRequestedEventArgs {
    uri: String,
    challenge: String,
    realm: String,
    is_retry: bool,
    decision: Decision,
    _ui_thread: PhantomData<Rc<()>>,
}

impl BasicAuthenticationRequestedEventArgs {
    pub(super) fn new(uri: String, challenge: String, realm: String, is_retry: bool, decision: Decision) -> Self {
        Self {
            uri,
            challenge,
            realm,
            is_retry,
            decision,
            _ui_thread: PhantomData,
        }
    }

    /// The page's URI.
    #[doc(alias = "Uri")]
    pub fn uri(&self) -> &str {
        &self.uri
    }

    /// The challenge, as the server's header gives it (`Basic realm="…"`).
    #[doc(alias = "Challenge")]
    pub fn challenge(&self) -> &str {
        &self.challenge
    }

    /// The realm.
    pub fn realm(&self) -> &str {
        &self.realm
    }

    /// Whether credentials for it were refused before.
    pub fn is_retry(&self) -> bool {
        self.is_retry
    }

    /// Answers with these credentials (WebView2's `Response.UserName` and `Password`).
    #[doc(alias = "Response")]
    pub fn set_credentials(&self, user_name: &str, password: &str) {
        set(
            &self.decision,
            PolicyAnswer::Credentials {
                user: user_name.to_owned(),
                password: password.to_owned(),
            },
        );
    }

    /// Gives no credentials: the page gets the server's answer (401).
    #[doc(alias = "Cancel")]
    pub fn set_cancel(&self, cancel: bool) {
        if cancel {
            set(&self.decision, PolicyAnswer::Deny);
        }
    }

    /// Holds the request until the deferral is completed or dropped.
    #[doc(alias = "GetDeferral")]
    pub fn deferral(&self) -> Deferral {
        self.decision.deferral()
    }
}

/// Which script dialog (WebView2's `CoreWebView2ScriptDialogKind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ScriptDialogKind {
    /// `alert()`.
    Alert,
    /// `confirm()`.
    Confirm,
    /// `prompt()`.
    Prompt,
    /// The page asks before it is left (`beforeunload`).
    BeforeUnload,
}

impl From<protocol::ScriptDialogKind> for ScriptDialogKind {
    fn from(kind: protocol::ScriptDialogKind) -> Self {
        match kind {
            protocol::ScriptDialogKind::Alert => ScriptDialogKind::Alert,
            protocol::ScriptDialogKind::Confirm => ScriptDialogKind::Confirm,
            protocol::ScriptDialogKind::Prompt => ScriptDialogKind::Prompt,
            protocol::ScriptDialogKind::BeforeUnload => ScriptDialogKind::BeforeUnload,
        }
    }
}

/// Arguments of [`WebView::on_script_dialog_opening`](crate::WebView::on_script_dialog_opening).
#[derive(Debug)]
pub struct ScriptDialogOpeningEventArgs {
    kind: ScriptDialogKind,
    uri: String,
    message: String,
    default_text: String,
    decision: Decision,
    _ui_thread: PhantomData<Rc<()>>,
}

impl ScriptDialogOpeningEventArgs {
    pub(super) fn new(
        kind: ScriptDialogKind,
        uri: String,
        message: String,
        default_text: String,
        decision: Decision,
    ) -> Self {
        Self {
            kind,
            uri,
            message,
            default_text,
            decision,
            _ui_thread: PhantomData,
        }
    }

    /// Which dialog.
    #[doc(alias = "Kind")]
    pub fn kind(&self) -> ScriptDialogKind {
        self.kind
    }

    /// The page's URI.
    #[doc(alias = "Uri")]
    pub fn uri(&self) -> &str {
        &self.uri
    }

    /// The message.
    #[doc(alias = "Message")]
    pub fn message(&self) -> &str {
        &self.message
    }

    /// A prompt's default text.
    #[doc(alias = "DefaultText")]
    pub fn default_text(&self) -> &str {
        &self.default_text
    }

    /// Accepts: `confirm` returns true, `prompt` the result text (its default text unless set),
    /// the page is left on `beforeunload`. Not accepted, the dialog is dismissed.
    #[doc(alias = "Accept")]
    pub fn accept(&self) {
        let answer = match &*self.decision.answer.answer.borrow() {
            PolicyAnswer::Text(text) => PolicyAnswer::Text(text.clone()),
            _ => PolicyAnswer::Allow,
        };
        set(&self.decision, answer);
    }

    /// What `prompt` returns once accepted (WebView2's `ResultText`); accepts.
    #[doc(alias = "ResultText")]
    pub fn set_result_text(&self, text: &str) {
        set(&self.decision, PolicyAnswer::Text(text.to_owned()));
    }

    /// Holds the dialog (and the page) until the deferral is completed or dropped.
    #[doc(alias = "GetDeferral")]
    pub fn deferral(&self) -> Deferral {
        self.decision.deferral()
    }
}

/// What a page asks permission for (WebView2's `CoreWebView2PermissionKind`, as WebKit asks).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PermissionKind {
    /// A camera.
    Camera,
    /// A microphone.
    Microphone,
    /// A camera and a microphone at once.
    CameraAndMicrophone,
    /// The screen.
    DisplayCapture,
    /// The media devices' list with labels.
    MediaDeviceInfo,
    /// The position.
    Geolocation,
    /// Notifications.
    Notifications,
    /// Reading the clipboard.
    ClipboardRead,
    /// Locking the pointer.
    PointerLock,
    /// A media key system (encrypted media).
    MediaKeySystem,
    /// Storage access for a third-party frame.
    StorageAccess,
    /// Something else.
    Other,
}

impl From<protocol::PermissionKind> for PermissionKind {
    fn from(kind: protocol::PermissionKind) -> Self {
        use protocol::PermissionKind as P;
        match kind {
            P::Camera => PermissionKind::Camera,
            P::Microphone => PermissionKind::Microphone,
            P::CameraAndMicrophone => PermissionKind::CameraAndMicrophone,
            P::DisplayCapture => PermissionKind::DisplayCapture,
            P::MediaDeviceInfo => PermissionKind::MediaDeviceInfo,
            P::Geolocation => PermissionKind::Geolocation,
            P::Notifications => PermissionKind::Notifications,
            P::ClipboardRead => PermissionKind::ClipboardRead,
            P::PointerLock => PermissionKind::PointerLock,
            P::MediaKeySystem => PermissionKind::MediaKeySystem,
            P::StorageAccess => PermissionKind::StorageAccess,
            P::Other => PermissionKind::Other,
        }
    }
}

/// An answer to a permission request (WebView2's `CoreWebView2PermissionState`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PermissionState {
    /// What happens without the app: denied.
    #[default]
    Default,
    /// Allowed.
    Allow,
    /// Denied.
    Deny,
}

/// Arguments of [`WebView::on_permission_requested`](crate::WebView::on_permission_requested).
#[derive(Debug)]
pub struct PermissionRequestedEventArgs {
    kind: PermissionKind,
    uri: String,
    decision: Decision,
    _ui_thread: PhantomData<Rc<()>>,
}

impl PermissionRequestedEventArgs {
    pub(super) fn new(kind: PermissionKind, uri: String, decision: Decision) -> Self {
        Self {
            kind,
            uri,
            decision,
            _ui_thread: PhantomData,
        }
    }

    /// For what.
    #[doc(alias = "PermissionKind")]
    pub fn permission_kind(&self) -> PermissionKind {
        self.kind
    }

    /// The asking page's URI.
    #[doc(alias = "Uri")]
    pub fn uri(&self) -> &str {
        &self.uri
    }

    /// The answer so far.
    #[doc(alias = "State")]
    pub fn state(&self) -> PermissionState {
        match &*self.decision.answer.answer.borrow() {
            PolicyAnswer::Allow => PermissionState::Allow,
            PolicyAnswer::Deny => PermissionState::Deny,
            _ => PermissionState::Default,
        }
    }

    /// Answers.
    #[doc(alias = "State")]
    pub fn set_state(&self, state: PermissionState) {
        let answer = match state {
            PermissionState::Allow => PolicyAnswer::Allow,
            PermissionState::Deny => PolicyAnswer::Deny,
            PermissionState::Default => PolicyAnswer::Default,
        };
        set(&self.decision, answer);
    }

    /// Holds the request until the deferral is completed or dropped.
    #[doc(alias = "GetDeferral")]
    pub fn deferral(&self) -> Deferral {
        self.decision.deferral()
    }
}

/// A server's certificate (WebView2's `CoreWebView2Certificate`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerCertificate {
    pem: String,
    subject: String,
    issuer: String,
    valid_from: Option<SystemTime>,
    valid_to: Option<SystemTime>,
}

fn time(seconds: Option<i64>) -> Option<SystemTime> {
    let seconds = seconds?;
    if seconds >= 0 {
        SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(seconds as u64))
    } else {
        SystemTime::UNIX_EPOCH.checked_sub(Duration::from_secs(seconds.unsigned_abs()))
    }
}

impl ServerCertificate {
    pub(super) fn new(pem: String, subject: String, issuer: String, from: Option<i64>, to: Option<i64>) -> Self {
        Self {
            pem,
            subject,
            issuer,
            valid_from: time(from),
            valid_to: time(to),
        }
    }

    /// The certificate, PEM (WebView2's `ToPemEncoding`).
    #[doc(alias = "ToPemEncoding")]
    pub fn to_pem(&self) -> &str {
        &self.pem
    }

    /// The subject's distinguished name.
    #[doc(alias = "Subject")]
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// The issuer's distinguished name.
    #[doc(alias = "Issuer")]
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// Valid from.
    #[doc(alias = "ValidFrom")]
    pub fn valid_from(&self) -> Option<SystemTime> {
        self.valid_from
    }

    /// Valid until.
    #[doc(alias = "ValidTo")]
    pub fn valid_to(&self) -> Option<SystemTime> {
        self.valid_to
    }
}

/// What to do about a certificate that did not verify (WebView2's
/// `CoreWebView2ServerCertificateErrorAction`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ServerCertificateErrorAction {
    /// What happens without the app: refused.
    #[default]
    Default,
    /// Trust this certificate for this host from now on, and load the URI again.
    AlwaysAllow,
    /// Refused.
    Cancel,
}

/// Arguments of [`WebView::on_server_certificate_error_detected`](crate::WebView::on_server_certificate_error_detected).
#[derive(Debug)]
pub struct ServerCertificateErrorDetectedEventArgs {
    uri: String,
    host: String,
    errors: u32,
    certificate: ServerCertificate,
    decision: Decision,
    _ui_thread: PhantomData<Rc<()>>,
}

impl ServerCertificateErrorDetectedEventArgs {
    pub(super) fn new(
        uri: String,
        host: String,
        errors: u32,
        certificate: ServerCertificate,
        decision: Decision,
    ) -> Self {
        Self {
            uri,
            host,
            errors,
            certificate,
            decision,
            _ui_thread: PhantomData,
        }
    }

    /// The URI whose load failed.
    #[doc(alias = "RequestUri")]
    pub fn request_uri(&self) -> &str {
        &self.uri
    }

    /// The server's host.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// What was wrong, as GLib's `GTlsCertificateFlags` bits (1 unknown CA, 2 bad identity, 4
    /// not activated, 8 expired, 16 revoked, 32 insecure, 64 generic error).
    #[doc(alias = "ErrorStatus")]
    pub fn error_flags(&self) -> u32 {
        self.errors
    }

    /// The server's certificate.
    #[doc(alias = "ServerCertificate")]
    pub fn server_certificate(&self) -> &ServerCertificate {
        &self.certificate
    }

    /// Answers.
    #[doc(alias = "Action")]
    pub fn set_action(&self, action: ServerCertificateErrorAction) {
        let answer = match action {
            ServerCertificateErrorAction::AlwaysAllow => PolicyAnswer::Allow,
            ServerCertificateErrorAction::Cancel => PolicyAnswer::Deny,
            ServerCertificateErrorAction::Default => PolicyAnswer::Default,
        };
        set(&self.decision, answer);
    }

    /// Holds the answer until the deferral is completed or dropped.
    #[doc(alias = "GetDeferral")]
    pub fn deferral(&self) -> Deferral {
        self.decision.deferral()
    }
}

/// Arguments of [`WebView::on_launching_external_uri_scheme`](crate::WebView::on_launching_external_uri_scheme).
#[derive(Debug)]
pub struct LaunchingExternalUriSchemeEventArgs {
    uri: String,
    initiating_uri: String,
    is_user_initiated: bool,
    decision: Decision,
    _ui_thread: PhantomData<Rc<()>>,
}

impl LaunchingExternalUriSchemeEventArgs {
    pub(super) fn new(uri: String, initiating_uri: String, is_user_initiated: bool, decision: Decision) -> Self {
        Self {
            uri,
            initiating_uri,
            is_user_initiated,
            decision,
            _ui_thread: PhantomData,
        }
    }

    /// The URI to open.
    #[doc(alias = "Uri")]
    pub fn uri(&self) -> &str {
        &self.uri
    }

    /// The URI of the page that navigates (WebView2 gives its origin).
    #[doc(alias = "InitiatingOrigin")]
    pub fn initiating_uri(&self) -> &str {
        &self.initiating_uri
    }

    /// Whether a user gesture started it.
    #[doc(alias = "IsUserInitiated")]
    pub fn is_user_initiated(&self) -> bool {
        self.is_user_initiated
    }

    /// Whether nothing will be opened.
    #[doc(alias = "Cancel")]
    pub fn cancel(&self) -> bool {
        *self.decision.answer.answer.borrow() != PolicyAnswer::Allow
    }

    /// Opens nothing (or, `false`, lets the desktop's program open it).
    #[doc(alias = "Cancel")]
    pub fn set_cancel(&self, cancel: bool) {
        set(
            &self.decision,
            if cancel {
                PolicyAnswer::Deny
            } else {
                PolicyAnswer::Allow
            },
        );
    }

    /// Holds the answer until the deferral is completed or dropped.
    #[doc(alias = "GetDeferral")]
    pub fn deferral(&self) -> Deferral {
        self.decision.deferral()
    }
}
