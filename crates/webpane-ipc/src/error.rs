//! Typed errors of the transport, fd delivery and shared memory.

use crate::fd_kind::FdKind;
pub use crate::fd_kind::FdRejection;

/// Everything that can go wrong on a [`Connection`](crate::Connection).
///
/// Any variant other than [`IpcError::Io`] with `WouldBlock` means the message was not delivered;
/// every file descriptor that arrived with it has already been closed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IpcError {
    /// A system call failed.
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
    /// The peer closed its end of the connection.
    #[error("the peer closed the connection")]
    Disconnected,
    /// The peer speaks another version of the protocol; the connection is refused.
    #[error("protocol version mismatch: we speak version {ours}, the peer speaks version {theirs}")]
    VersionMismatch {
        /// Our [`PROTOCOL_VERSION`](crate::contract::PROTOCOL_VERSION).
        ours: u32,
        /// The version the peer announced.
        theirs: u32,
    },
    /// The peer did not open the connection with a webpane handshake.
    #[error("the peer is not a webpane endpoint: {0}")]
    BadHandshake(&'static str),
    /// The process listening on the socket runs as another user (neither ours nor root): nothing
    /// was sent to it, not even the handshake.
    #[error("the peer (pid {pid}) runs as uid {uid}, neither this user (uid {ours}) nor root")]
    UntrustedPeer {
        /// The peer's uid.
        uid: u32,
        /// The peer's pid.
        pid: u32,
        /// Our effective uid.
        ours: u32,
    },
    /// The peer did not complete the handshake in time.
    #[error("the peer did not complete the handshake within {0:?}")]
    HandshakeTimeout(std::time::Duration),
    /// A message to send is larger than [`MAX_MESSAGE_SIZE`](crate::MAX_MESSAGE_SIZE).
    #[error("message of {size} bytes exceeds the limit of {max} bytes")]
    MessageTooLarge {
        /// The encoded size.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// A message to send carries more than [`MAX_FDS_PER_MESSAGE`](crate::MAX_FDS_PER_MESSAGE) fds.
    #[error("message carries {count} file descriptors, the limit is {max}")]
    TooManyFds {
        /// How many the message carried.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// The message to send could not be encoded.
    #[error("could not encode the message: {0}")]
    Encode(#[source] postcard::Error),
    /// The peer sent something that is not a valid message; see [`BadMessage`].
    #[error("bad message from the peer: {0}")]
    BadMessage(#[from] BadMessage),
}

/// Why a received message was rejected. Every fd it carried has been closed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BadMessage {
    /// The packet did not fit the receive buffer (`MSG_TRUNC`).
    #[error("packet truncated (MSG_TRUNC)")]
    Truncated,
    /// The ancillary data did not fit (`MSG_CTRUNC`): too many fds, or the receiver ran out of fd
    /// slots (`RLIMIT_NOFILE`).
    #[error("control message truncated (MSG_CTRUNC): too many fds or no fd slots left")]
    ControlTruncated,
    /// The framing header has unknown bits set.
    #[error("unknown framing flags {0:#04x}")]
    UnknownFlags(u8),
    /// File descriptors arrived on a continuation packet; only a message's first packet may carry them.
    #[error("file descriptors on a continuation packet")]
    FdsOnContinuation,
    /// The reassembled message is larger than the limit.
    #[error("message larger than {max} bytes")]
    TooLarge {
        /// The limit.
        max: usize,
    },
    /// The message body could not be decoded.
    #[error("undecodable message: {0}")]
    Decode(#[source] postcard::Error),
    /// Bytes left over after the message body.
    #[error("{0} trailing bytes after the message")]
    TrailingBytes(usize),
    /// The header declares a different number of fds than arrived.
    #[error("the header declares {declared} fds but {received} arrived")]
    FdCountMismatch {
        /// Declared in the header.
        declared: usize,
        /// Received with SCM_RIGHTS.
        received: usize,
    },
    /// A received fd is not what its tag says it is.
    #[error("fd #{index} is not a valid {expected:?}: {reason}")]
    FdKind {
        /// Position in the message.
        index: usize,
        /// What the tag declared.
        expected: FdKind,
        /// What is wrong with it.
        reason: FdRejection,
    },
    /// The message refers to an fd index that does not exist or was already taken.
    #[error("the message refers to fd #{0}, which it does not carry (or which was already taken)")]
    MissingFd(u32),
    /// The message refers to an fd of another kind than the one it needs there.
    #[error("fd #{index} is a {actual:?}, the message needs a {wanted}")]
    WrongFdKind {
        /// Position in the message.
        index: u32,
        /// What the tag declared.
        actual: FdKind,
        /// What the message needs at that place.
        wanted: &'static str,
    },
}

/// Errors of [`FileForTransit`](crate::FileForTransit).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HandleError {
    /// Directories cannot be delivered.
    #[error("directory file descriptors cannot be delivered (a receiver could escape with openat(\"..\"))")]
    DirectoryRefused,
    /// Only regular files and pipes can be delivered as files.
    #[error("only regular files and pipes can be delivered as files")]
    UnsupportedFileType,
    /// A system call failed.
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
}

/// Errors of shared memory regions.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ShmError {
    /// A region must have at least one byte, and fit the address space.
    #[error("invalid shared memory size {0}")]
    InvalidSize(u64),
    /// The fd handed in is not suitable shared memory.
    #[error("not valid shared memory: {0}")]
    Rejected(#[from] FdRejection),
    /// A system call failed.
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
}

impl From<rustix::io::Errno> for ShmError {
    fn from(e: rustix::io::Errno) -> Self {
        Self::Io(e.into())
    }
}

impl From<rustix::io::Errno> for HandleError {
    fn from(e: rustix::io::Errno) -> Self {
        Self::Io(e.into())
    }
}

impl From<rustix::io::Errno> for IpcError {
    fn from(e: rustix::io::Errno) -> Self {
        Self::Io(e.into())
    }
}
