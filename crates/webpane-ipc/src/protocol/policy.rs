//! The browser's decisions an app makes (WebView2's policy events): a page's request for
//! credentials, a script dialog, a permission, a server certificate that did not verify. The
//! runtime holds WebKit's request while the app decides, and answers it with the app's answer.

use serde::{Deserialize, Serialize};

/// The kind of a script dialog.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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

/// What a page asks permission for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum PermissionKind {
    /// A camera (`getUserMedia({ video })`).
    Camera,
    /// A microphone (`getUserMedia({ audio })`).
    Microphone,
    /// Both at once.
    CameraAndMicrophone,
    /// The screen (`getDisplayMedia`).
    DisplayCapture,
    /// The list of media devices with their labels.
    MediaDeviceInfo,
    /// The position (`navigator.geolocation`).
    Geolocation,
    /// Notifications (`Notification.requestPermission`).
    Notifications,
    /// Reading the clipboard.
    ClipboardRead,
    /// Locking the pointer (`requestPointerLock`).
    PointerLock,
    /// A media key system (encrypted media).
    MediaKeySystem,
    /// Storage access for a third-party frame (`document.requestStorageAccess`).
    StorageAccess,
    /// Something else WebKit asks about.
    Other,
}

/// A decision a page's action waits for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PolicyRequest {
    /// A server asks for credentials (HTTP authentication).
    BasicAuthentication {
        /// The URI that asked.
        uri: String,
        /// The challenge, as the server's header would give it (`Basic realm="…"`).
        challenge: String,
        /// The realm.
        realm: String,
        /// Whether credentials for it were refused before.
        is_retry: bool,
    },
    /// A server asks for a client certificate (TLS client authentication).
    ClientCertificate {
        /// The page's URI.
        uri: String,
        /// The server's host.
        host: String,
        /// The server's port.
        port: u16,
    },
    /// `alert`, `confirm`, `prompt`, or a page asking before it is left.
    ScriptDialog {
        /// Which.
        kind: ScriptDialogKind,
        /// The page's URI.
        uri: String,
        /// The message.
        message: String,
        /// A prompt's default text.
        default_text: String,
    },
    /// A page asks for a permission.
    Permission {
        /// For what.
        kind: PermissionKind,
        /// The asking page's URI.
        uri: String,
    },
    /// The page navigates to a URI of a scheme no browser handles (`mailto:`, an app's own
    /// scheme): another program would open it.
    ExternalUri {
        /// The URI.
        uri: String,
        /// The URI of the page that navigates.
        initiating_uri: String,
        /// Whether a user gesture started it.
        is_user_initiated: bool,
    },
    /// The user asks for a context menu: WebKit's items for what was clicked.
    ContextMenu {
        /// What was clicked.
        target: ContextMenuTarget,
        /// WebKit's items (their ids are answered back to keep them).
        items: Vec<MenuItem>,
    },
    /// The certificate of a server did not verify; the load failed. The app may trust it for
    /// its host and load the URI again.
    ServerCertificateError {
        /// The URI whose load failed.
        uri: String,
        /// The server's host.
        host: String,
        /// What was wrong (GLib's `GTlsCertificateFlags` bits).
        errors: u32,
        /// The server's certificate, PEM.
        certificate_pem: String,
        /// Its subject's distinguished name.
        subject: String,
        /// Its issuer's distinguished name.
        issuer: String,
        /// Valid from (seconds since the epoch).
        valid_from: Option<i64>,
        /// Valid until (seconds since the epoch).
        valid_to: Option<i64>,
    },
}

/// The app's decision on a [`PolicyRequest`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PolicyAnswer {
    /// What happens without the app: credentials and certificates are refused, permissions
    /// denied, dialogs shown by the runtime in a window of its own (dismissed without one).
    Default,
    /// Refuse: no credentials, deny the permission, dismiss the dialog, keep the certificate
    /// refused.
    Deny,
    /// Allow the permission, accept the dialog, trust the certificate for its host.
    Allow,
    /// Credentials for the server.
    Credentials {
        /// The user name.
        user: String,
        /// The password.
        password: String,
    },
    /// Accept a prompt with this text.
    Text(String),
    /// Present this client certificate: PEM of the certificate (and its chain) and its private
    /// key.
    Certificate {
        /// The PEM blocks.
        pem: String,
    },
    /// Show this context menu (WebKit's items by their ids, the app's with ids of its own), or
    /// none (`handled`: the app shows its own).
    Menu {
        /// The app shows a menu of its own.
        handled: bool,
        /// The menu to show.
        items: Vec<MenuItem>,
    },
}

/// A find-in-page command (WebView2's `CoreWebView2Find`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum FindCommand {
    /// Find `text` from the start; matches are highlighted, the first is active.
    Start {
        /// What to find.
        text: String,
        /// Whether case matters.
        case_sensitive: bool,
        /// Matches only at word starts.
        word_starts: bool,
        /// The first active match is the last one.
        backwards: bool,
    },
    /// The next match becomes active (after the last: the first).
    Next,
    /// The previous match becomes active (before the first: the last).
    Previous,
    /// Stop: no highlight, no active match.
    Stop,
}

/// A permission decided for an origin, kept with the profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PermissionSetting {
    /// For what.
    pub kind: PermissionKind,
    /// For which origin (`scheme://host[:port]`).
    pub origin: String,
    /// Allowed (else denied).
    pub allow: bool,
}

/// What was right-clicked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContextMenuTarget {
    /// The page's URI.
    pub page_uri: String,
    /// A link's URI.
    pub link_uri: Option<String>,
    /// An image's URI.
    pub image_uri: Option<String>,
    /// A video's or audio's URI.
    pub media_uri: Option<String>,
    /// Whether it is editable (an input, a text area, contenteditable).
    pub is_editable: bool,
    /// Whether there is a selection.
    pub has_selection: bool,
    /// Where, in the view's pixels.
    pub x: i32,
    /// Where, in the view's pixels.
    pub y: i32,
}

/// An item of a context menu.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum MenuItem {
    /// A command: WebKit's (`id` names it in this menu) or the app's.
    Command {
        /// Names it.
        id: u32,
        /// What it says.
        label: String,
        /// WebKit's name for its action (`CopyLinkToClipboard`, …); empty for the app's.
        action: String,
    },
    /// A line between items.
    Separator,
    /// A submenu.
    Submenu {
        /// What it says.
        label: String,
        /// Its items.
        items: Vec<MenuItem>,
    },
}
