//! The message format: a header of fd tags, then a serde body, both in [postcard].
//!
//! A logical message is `postcard(Vec<FdKind>) ++ postcard(body)`. The fds themselves travel as
//! `SCM_RIGHTS` on the message's first packet (see [`transport`](crate::transport) for framing).
//! On receipt every fd is checked against its tag *before* the body is decoded; the body refers to
//! fds by position with [`FdRef`], and [`ReceivedFds`] hands each out once, checking that the
//! kind is the one the message needs at that place.
//!
//! [`decode_message`] is the whole receive-side decoder: it is what the fuzz target exercises.

use std::fs::File;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::contract::limits::{MAX_FDS_PER_MESSAGE, MAX_MESSAGE_SIZE};
use crate::error::{BadMessage, IpcError};
pub use crate::fd_kind::{Access, FdKind, FdRef, FileAccess, verify_fd};
use crate::handle::FileForTransit;
use crate::shm::{ReadOnlySharedMemory, SharedMemory};

enum OutFd<'a> {
    Borrowed(BorrowedFd<'a>),
    Owned(OwnedFd),
}

/// The fds to send with one message, each tagged with its kind.
///
/// Adding an fd returns the [`FdRef`] to put in the message body. Borrowed fds stay the caller's
/// (`SCM_RIGHTS` gives the peer its own copy); owned ones ("take" mode) are closed once the message
/// has been sent, or when the `Outgoing` is dropped unsent.
#[derive(Default)]
pub struct Outgoing<'a> {
    fds: Vec<(FdKind, OutFd<'a>)>,
}

impl std::fmt::Debug for Outgoing<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.fds.iter().map(|(k, _)| k)).finish()
    }
}

impl<'a> Outgoing<'a> {
    /// No fds.
    pub fn new() -> Self {
        Self::default()
    }

    fn push(&mut self, kind: FdKind, fd: OutFd<'a>) -> FdRef {
        self.fds.push((kind, fd));
        FdRef((self.fds.len() - 1) as u32)
    }

    /// Attaches writable shared memory; the peer may map it read-write.
    pub fn shared_memory(&mut self, region: &'a SharedMemory) -> FdRef {
        let kind = FdKind::SharedMemory {
            access: Access::ReadWrite,
            size: region.size() as u64,
        };
        self.push(kind, OutFd::Borrowed(region.as_fd()))
    }

    /// Attaches read-only shared memory; the kernel refuses the peer a writable mapping.
    pub fn shared_memory_read_only(&mut self, region: &'a ReadOnlySharedMemory) -> FdRef {
        let kind = FdKind::SharedMemory {
            access: Access::ReadOnly,
            size: region.size() as u64,
        };
        self.push(kind, OutFd::Borrowed(region.as_fd()))
    }

    /// Attaches a file or pipe prepared for transit (duplicated or taken).
    pub fn file(&mut self, file: FileForTransit) -> FdRef {
        let kind = file.kind();
        self.push(kind, OutFd::Owned(file.into_owned_fd()))
    }

    /// Attaches a Unix socket, whose ownership moves to the message.
    pub fn socket(&mut self, socket: OwnedFd) -> FdRef {
        self.push(FdKind::Socket, OutFd::Owned(socket))
    }

    /// Attaches any fd with a kind of the caller's choosing, borrowed. The receiver checks the
    /// kind; a false tag makes the message a bad one there. Meant for tests and protocol bridges.
    pub fn raw(&mut self, kind: FdKind, fd: BorrowedFd<'a>) -> FdRef {
        self.push(kind, OutFd::Borrowed(fd))
    }

    /// How many fds are attached.
    pub fn len(&self) -> usize {
        self.fds.len()
    }

    /// Whether no fd is attached.
    pub fn is_empty(&self) -> bool {
        self.fds.is_empty()
    }

    pub(crate) fn kinds(&self) -> Vec<FdKind> {
        self.fds.iter().map(|(k, _)| *k).collect()
    }

    pub(crate) fn borrowed(&self) -> Vec<BorrowedFd<'_>> {
        self.fds
            .iter()
            .map(|(_, fd)| match fd {
                OutFd::Borrowed(b) => *b,
                OutFd::Owned(o) => o.as_fd(),
            })
            .collect()
    }
}

/// The fds that arrived with a message, verified against their tags.
///
/// Each can be taken once; whatever is not taken is closed when this is dropped.
#[derive(Debug, Default)]
pub struct ReceivedFds {
    fds: Vec<(FdKind, Option<OwnedFd>)>,
}

impl ReceivedFds {
    /// How many fds arrived.
    pub fn len(&self) -> usize {
        self.fds.len()
    }

    /// Whether none arrived.
    pub fn is_empty(&self) -> bool {
        self.fds.is_empty()
    }

    /// The declared (and verified) kind of fd `r`.
    pub fn kind(&self, r: FdRef) -> Option<FdKind> {
        self.fds.get(r.0 as usize).map(|(k, _)| *k)
    }

    fn take_raw(
        &mut self,
        r: FdRef,
        wanted: &'static str,
        ok: impl Fn(&FdKind) -> bool,
    ) -> Result<(FdKind, OwnedFd), BadMessage> {
        let slot = self.fds.get_mut(r.0 as usize).ok_or(BadMessage::MissingFd(r.0))?;
        if !ok(&slot.0) {
            return Err(BadMessage::WrongFdKind {
                index: r.0,
                actual: slot.0,
                wanted,
            });
        }
        let fd = slot.1.take().ok_or(BadMessage::MissingFd(r.0))?;
        Ok((slot.0, fd))
    }

    /// Takes writable shared memory.
    pub fn take_shared_memory(&mut self, r: FdRef) -> Result<SharedMemory, BadMessage> {
        let (kind, fd) = self.take_raw(r, "writable shared memory", |k| {
            matches!(
                k,
                FdKind::SharedMemory {
                    access: Access::ReadWrite,
                    ..
                }
            )
        })?;
        let FdKind::SharedMemory { size, .. } = kind else {
            unreachable!("checked above")
        };
        Ok(SharedMemory::from_verified(fd, size as usize))
    }

    /// Takes read-only shared memory.
    pub fn take_shared_memory_read_only(&mut self, r: FdRef) -> Result<ReadOnlySharedMemory, BadMessage> {
        let (kind, fd) = self.take_raw(r, "read-only shared memory", |k| {
            matches!(
                k,
                FdKind::SharedMemory {
                    access: Access::ReadOnly,
                    ..
                }
            )
        })?;
        let FdKind::SharedMemory { size, .. } = kind else {
            unreachable!("checked above")
        };
        Ok(ReadOnlySharedMemory::from_verified(fd, size as usize))
    }

    /// Takes a regular file or a pipe end, with its verified access mode.
    pub fn take_file(&mut self, r: FdRef) -> Result<(File, FileAccess), BadMessage> {
        let (kind, fd) = self.take_raw(r, "file or pipe", |k| {
            matches!(k, FdKind::File { .. } | FdKind::Pipe { .. })
        })?;
        let access = match kind {
            FdKind::File { access } | FdKind::Pipe { access } => access,
            _ => unreachable!("checked above"),
        };
        Ok((File::from(fd), access))
    }

    /// Takes a socket.
    pub fn take_socket(&mut self, r: FdRef) -> Result<OwnedFd, BadMessage> {
        self.take_raw(r, "socket", |k| matches!(k, FdKind::Socket))
            .map(|(_, fd)| fd)
    }
}

/// A decoded message with its fds.
#[derive(Debug)]
pub struct Received<T> {
    /// The message body.
    pub message: T,
    /// The fds it carried.
    pub fds: ReceivedFds,
}

/// Encodes a message body and the tags of its fds into one logical message.
pub fn encode_message<T: Serialize + ?Sized>(message: &T, kinds: &[FdKind]) -> Result<Vec<u8>, IpcError> {
    if kinds.len() > MAX_FDS_PER_MESSAGE {
        return Err(IpcError::TooManyFds {
            count: kinds.len(),
            max: MAX_FDS_PER_MESSAGE,
        });
    }
    let bytes = postcard::to_extend(kinds, Vec::new()).map_err(IpcError::Encode)?;
    let bytes = postcard::to_extend(message, bytes).map_err(IpcError::Encode)?;
    if bytes.len() > MAX_MESSAGE_SIZE {
        return Err(IpcError::MessageTooLarge {
            size: bytes.len(),
            max: MAX_MESSAGE_SIZE,
        });
    }
    Ok(bytes)
}

/// Decodes one logical message and verifies the fds that came with it.
///
/// This never panics on any input: a malformed message is a [`BadMessage`], and every fd in `fds`
/// is closed on every error path (they are dropped).
pub fn decode_message<T: DeserializeOwned>(bytes: &[u8], fds: Vec<OwnedFd>) -> Result<Received<T>, BadMessage> {
    if bytes.len() > MAX_MESSAGE_SIZE {
        return Err(BadMessage::TooLarge { max: MAX_MESSAGE_SIZE });
    }
    let (kinds, rest): (Vec<FdKind>, &[u8]) = postcard::take_from_bytes(bytes).map_err(BadMessage::Decode)?;
    if kinds.len() != fds.len() {
        return Err(BadMessage::FdCountMismatch {
            declared: kinds.len(),
            received: fds.len(),
        });
    }
    for (index, (kind, fd)) in kinds.iter().zip(&fds).enumerate() {
        verify_fd(fd.as_fd(), kind).map_err(|reason| BadMessage::FdKind {
            index,
            expected: *kind,
            reason,
        })?;
    }
    let (message, rest): (T, &[u8]) = postcard::take_from_bytes(rest).map_err(BadMessage::Decode)?;
    if !rest.is_empty() {
        return Err(BadMessage::TrailingBytes(rest.len()));
    }
    Ok(Received {
        message,
        fds: ReceivedFds {
            fds: kinds.into_iter().zip(fds.into_iter().map(Some)).collect(),
        },
    })
}
