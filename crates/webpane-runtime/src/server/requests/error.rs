//! Why a request failed (the app hears `RequestFailed` or its operation's error) or broke the
//! protocol (the app is disconnected).

use webpane_ipc::protocol::WebViewId;

use crate::output::OutputError;
use crate::permissions::PermissionsError;
use crate::profile::ProfileError;
use crate::proxy::ProxyError;
use crate::view::ViewError;

/// Why one request failed.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    /// The app named a view it does not have (closed, or never created).
    #[error("there is no webview {}", .0.0)]
    UnknownView(WebViewId),
    /// A new view while the runtime is on its way out.
    #[error("the runtime is shutting down")]
    ShuttingDown,
    /// A new view with the id of one the app has.
    #[error("the id is in use")]
    IdInUse,
    /// Embedding asked of a browser process whose windows are not X11 ones.
    #[error(
        "this browser process's windows are {0}: embedding by X11 window id needs the X11 backend \
         (XWayland on a Wayland desktop): build the environment with display_backend(DisplayBackend::X11)"
    )]
    EmbeddingNeedsX11(String),
    /// The parent window to embed into is not there.
    #[error("there is no X11 window {0:#x} to embed into (embedding needs an X11 display)")]
    NoParentWindow(u64),
    /// A script's result larger than a message may be.
    #[error("the result ({0} bytes of JSON) is larger than the {max} MiB message limit", max = webpane_ipc::MAX_MESSAGE_SIZE >> 20)]
    ResultTooLarge(usize),
    /// An fd the request names is missing or of the wrong kind.
    #[error("a delivered file or buffer")]
    Fd(#[source] webpane_ipc::BadMessage),
    /// The view refused or failed.
    #[error(transparent)]
    View(#[from] ViewError),
    /// A picture or document was not made.
    #[error(transparent)]
    Output(#[from] OutputError),
    /// Cookies or browsing data.
    #[error(transparent)]
    Profile(#[from] ProfileError),
    /// Permission decisions could not be kept.
    #[error(transparent)]
    Permissions(#[from] PermissionsError),
    /// The loopback proxy could not take on a host.
    #[error(transparent)]
    Proxy(#[from] ProxyError),
    /// The client broke the protocol: it is disconnected.
    #[error(transparent)]
    Protocol(#[from] ProtocolError),
}

/// A client that broke the protocol (it is disconnected, with this reason in the log).
#[derive(Debug, thiserror::Error)]
pub enum ProtocolError {
    /// The first message was not `Hello`.
    #[error("the first message must be Hello")]
    NoHello,
    /// `Hello` came twice.
    #[error("Hello sent twice")]
    HelloTwice,
    /// The app asked for options another app started the runtime with (it was told which).
    #[error("options mismatch")]
    OptionsMismatch,
    /// A shared buffer without shared memory attached.
    #[error("PostSharedBuffer without shared memory ({0})")]
    NoSharedMemory(String),
    /// No handler took the request (a request added to the protocol but not here).
    #[error("no handler for {0}")]
    Unhandled(String),
}
