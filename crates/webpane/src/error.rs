//! The SDK's typed errors.

use std::path::PathBuf;

use webpane_ipc::IpcError;
use webpane_ipc::protocol::RuntimeOptions;

/// Everything the SDK can report.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No `webpane-runtime` binary was found.
    #[error("webpane-runtime not found; looked at: {}", .searched.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "))]
    RuntimeNotFound {
        /// Every place looked at, in order.
        searched: Vec<PathBuf>,
    },
    /// The runtime could not be started or did not come up.
    #[error("the browser process failed to start: {0}")]
    LaunchFailed(String),
    /// A runtime already serves this user data folder with other options.
    #[error(
        "the browser process for this user data folder runs with {runtime:?}, this environment asked for {requested:?}"
    )]
    OptionsMismatch {
        /// The running runtime's options.
        runtime: Box<RuntimeOptions>,
        /// What this environment asked for.
        requested: Box<RuntimeOptions>,
    },
    /// The user data folder cannot be used: it belongs to another user, others can write into
    /// it, it is a symbolic link or not a folder, or it cannot be created. The message names the
    /// path and says why; the folder is left as it was.
    #[error(transparent)]
    UserDataFolder(#[from] webpane_ipc::FolderError),
    /// The process listening on the user data folder's socket runs as another user (neither this
    /// user nor root): nothing was sent to it, and no browser process was started.
    #[error(
        "the process listening at {socket} (pid {pid}) runs as uid {uid}, not as this user or root; nothing was sent to it"
    )]
    UntrustedBrowserProcess {
        /// The socket.
        socket: PathBuf,
        /// The listener's uid.
        uid: u32,
        /// The listener's pid.
        pid: u32,
    },
    /// The browser process did not answer for `waited` (it is stopped or hung): the request
    /// was given up, or a new environment could not connect. An answer that comes later is
    /// ignored; the webviews stay open and work again when the process does.
    #[error("the browser process (pid {pid}) has not answered for {waited:?}")]
    BrowserProcessUnresponsive {
        /// The browser process.
        pid: u32,
        /// How long it was silent.
        waited: std::time::Duration,
    },
    /// An argument cannot be used (a string with a NUL character, a size of zero, an engine
    /// argument that is not `name=value`); nothing was sent.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// A URI that cannot be navigated to (it does not parse, or has no scheme).
    #[error("invalid URI {uri:?}: {reason}")]
    InvalidUri {
        /// The URI given.
        uri: String,
        /// Why it was refused.
        reason: String,
    },
    /// A script threw (or could not be compiled); carries the engine's message, such as
    /// `"about:blank:1:28: TypeError: boom"`.
    #[error("script error: {0}")]
    Script(String),
    /// A web message that is not what it claims (`web_message_as_string` on a non-string).
    #[error("the web message is not a string")]
    NotAString,
    /// A web message that is not the type asked for (`web_message::<T>()`).
    #[error("the web message is not a {expected}: {reason}")]
    WebMessageFormat {
        /// The type asked for.
        expected: &'static str,
        /// What did not fit.
        reason: String,
    },
    /// The object is closed (the webview was closed, or its browser process exited).
    #[error("closed")]
    Closed,
    /// An event loop was run, or an SDK future blocked on, from inside a callback of the same loop.
    /// Post the work with [`EventLoop::post`](crate::EventLoop::post) instead.
    #[error("re-entrant call: the event loop is already dispatching a callback on this thread")]
    Reentrancy,
    /// The runtime refused a request.
    #[error("the browser process refused the request: {0}")]
    RequestFailed(String),
    /// Talking to the runtime failed.
    #[error(transparent)]
    Ipc(#[from] IpcError),
    /// A file cannot be handed to the browser process (a directory, a socket, …).
    #[error(transparent)]
    Handle(#[from] webpane_ipc::HandleError),
    /// A system call failed.
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
}

impl From<rustix::io::Errno> for Error {
    fn from(e: rustix::io::Errno) -> Self {
        Self::Io(e.into())
    }
}

/// The SDK's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
