//! The SDK's typed errors.

use std::path::PathBuf;

use webpane_ipc::IpcError;
use webpane_ipc::protocol::RuntimeOptions;

/// Everything the SDK can report.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No `webpane-runtime` binary was found.
    #[error("webpane-runtime not found; looked at: {}", .searched.join("; "))]
    RuntimeNotFound {
        /// Every place looked at, in order, each with why it did not do (`$WEBPANE_RUNTIME (not
        /// set)`, `/usr/bin/webpane-runtime (next to this program: not there)`).
        searched: Vec<String>,
    },
    /// The runtime could not be started or did not come up.
    #[error("the browser process failed to start: {0}")]
    LaunchFailed(String),
    /// A browser process already serves this user data folder with other options (engine
    /// arguments, language, custom schemes, sandbox): every app sharing it must ask for the same.
    #[error(
        "the browser process for this user data folder runs with other options: {}. Ask for the same options, or give \
         this environment another user data folder (it then gets a browser process of its own)",
        .differences.join("; ")
    )]
    OptionsMismatch {
        /// Each option that differs, as `name: the browser process has X, this environment asked
        /// for Y`.
        differences: Vec<String>,
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
    /// The object is not in a state that allows the call (WebView2's `ERROR_INVALID_STATE`):
    /// for example, suspending a visible view; nothing was sent.
    #[doc(alias = "ERROR_INVALID_STATE")]
    #[error("invalid state: {0}")]
    InvalidState(&'static str),
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
    /// The browser process speaks another protocol version (the app and the runtime come from
    /// different webpane releases).
    #[error(
        "the browser process speaks protocol version {theirs}, this app speaks version {ours}: install a webpane \
         runtime speaking version {ours} (or point $WEBPANE_RUNTIME at one), and if an older browser process still \
         runs on this user data folder, let the apps using it close first"
    )]
    ProtocolVersion {
        /// This app's version.
        ours: u32,
        /// The browser process's.
        theirs: u32,
    },
    /// The connection to the browser process failed: a malformed or oversized message, a bad
    /// handshake, a file descriptor that is not what it claims. The cause, which says which, is
    /// the error's [`source`](std::error::Error::source) (print the chain, as `anyhow`'s `{:#}`
    /// does, to see it).
    #[error("the connection to the browser process failed")]
    Connection(#[source] Box<dyn std::error::Error + Send + Sync + 'static>),
    /// A file cannot be handed to the browser process (a directory, a socket, …).
    #[error(transparent)]
    Handle(#[from] webpane_ipc::HandleError),
    /// A system call failed.
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
}

impl Error {
    /// The SDK's error for a failure of the connection (the wire's types stay inside).
    pub(crate) fn ipc(e: IpcError) -> Error {
        match e {
            IpcError::Io(io) => Error::Io(io),
            IpcError::Disconnected => Error::Closed,
            IpcError::VersionMismatch { ours, theirs } => Error::ProtocolVersion { ours, theirs },
            other => Error::Connection(Box::new(other)),
        }
    }

    /// Names each option that differs between a running browser process and a request.
    pub(crate) fn options_mismatch(runtime: &RuntimeOptions, requested: &RuntimeOptions) -> Error {
        let mut differences = Vec::new();
        let mut differ = |name: &str, theirs: String, ours: String| {
            if theirs != ours {
                differences.push(format!(
                    "{name}: the browser process has {theirs}, this environment asked for {ours}"
                ));
            }
        };
        differ(
            "engine arguments",
            format!("{:?}", runtime.additional_arguments),
            format!("{:?}", requested.additional_arguments),
        );
        differ(
            "language",
            format!("{:?}", runtime.language),
            format!("{:?}", requested.language),
        );
        let schemes = |o: &RuntimeOptions| {
            o.custom_schemes
                .iter()
                .map(|s| {
                    format!(
                        "{} (origins {:?}, secure {})",
                        s.name, s.allowed_origins, s.treat_as_secure
                    )
                })
                .collect::<Vec<_>>()
        };
        differ(
            "custom schemes",
            format!("{:?}", schemes(runtime)),
            format!("{:?}", schemes(requested)),
        );
        differ("sandbox", runtime.sandbox.to_string(), requested.sandbox.to_string());
        differ(
            "in private",
            runtime.in_private.to_string(),
            requested.in_private.to_string(),
        );
        differ(
            "proxy",
            format!("{:?}", runtime.proxy),
            format!("{:?}", requested.proxy),
        );
        differ(
            "remote inspector port",
            format!("{:?}", runtime.remote_inspector_port),
            format!("{:?}", requested.remote_inspector_port),
        );
        differ(
            "display backend",
            format!("{:?}", runtime.display_backend),
            format!("{:?}", requested.display_backend),
        );
        differ(
            "hardware acceleration",
            format!("{:?}", runtime.hardware_acceleration),
            format!("{:?}", requested.hardware_acceleration),
        );
        differ(
            "DMA-BUF renderer off",
            runtime.disable_dmabuf_renderer.to_string(),
            requested.disable_dmabuf_renderer.to_string(),
        );
        Error::OptionsMismatch { differences }
    }
}

impl From<rustix::io::Errno> for Error {
    fn from(e: rustix::io::Errno) -> Self {
        Self::Io(e.into())
    }
}

/// The SDK's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_connection_error_keeps_its_cause() {
        let e = Error::ipc(IpcError::BadHandshake("no magic"));
        assert!(matches!(e, Error::Connection(_)));
        let cause = std::error::Error::source(&e).expect("the cause is kept");
        assert!(cause.to_string().contains("no magic"), "{cause}");
    }
}
