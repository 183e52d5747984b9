//! The protocol version, the size limits of a message, and the names in the user data folder.

/// The protocol version spoken on every connection; a peer with another one is refused at the
/// handshake with [`IpcError::VersionMismatch`](crate::IpcError::VersionMismatch).
pub const PROTOCOL_VERSION: u32 = 9;

/// The largest logical message (header and body, before framing): 64 MiB.
pub const MAX_MESSAGE_SIZE: usize = 64 * 1024 * 1024;

/// The most file descriptors one message may carry (the kernel allows 253).
pub const MAX_FDS_PER_MESSAGE: usize = 32;

/// The lock file's name inside the user data folder.
pub const LOCK_FILE: &str = "runtime.lock";
/// The socket's name inside the user data folder.
pub const SOCKET_FILE: &str = "runtime.sock";
/// WebKit's data folder inside the user data folder.
pub const WEBKIT_DIR: &str = "webkit";
