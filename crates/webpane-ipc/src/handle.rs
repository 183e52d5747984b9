//! File handle delivery to another process (seed: Chromium's `GetFileHandleForProcess` /
//! `TakeFileHandleForProcess`).
//!
//! A [`FileForTransit`] is an fd checked and prepared for sending in one of two modes:
//! - [`FileForTransit::duplicate`]: the sender keeps its own handle; the transit holds a duplicate.
//! - [`FileForTransit::take`]: ownership moves; once the message is sent (or the transit dropped)
//!   the sender's handle is closed.
//!
//! Directories are refused: a receiver holding a directory fd can `openat(fd, "..")` its way out
//! of any sandbox. Regular files and pipes are accepted; shared memory has its own types
//! ([`SharedMemory`](crate::SharedMemory)) and sockets are attached with
//! [`Outgoing::socket`](crate::Outgoing::socket).
//!
//! ```
//! use std::io::Write;
//! use webpane_ipc::{Connection, FileForTransit, Outgoing, FdRef};
//!
//! let (app, runtime) = Connection::pair()?;
//! let mut file = tempfile::tempfile()?;
//! let mut out = Outgoing::new();
//! let r = out.file(FileForTransit::duplicate(&file)?);
//! app.send(&("save-here", r), out)?;
//!
//! let mut got = runtime.recv::<(String, FdRef)>()?;
//! let (mut received, _access) = got.fds.take_file(got.message.1)?;
//! received.write_all(b"written by the receiver")?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

use rustix::fs::FileType;

use crate::error::HandleError;
use crate::fd_kind::{FdKind, FileAccess};

/// Whether the sender keeps its handle ([`TransitMode::Duplicate`]) or gives it up ([`TransitMode::Take`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransitMode {
    /// The sender keeps its fd open; the receiver gets another handle to the same open file.
    Duplicate,
    /// The fd moves to the receiver; the sender's handle is closed after sending.
    Take,
}

/// An fd checked and ready to travel to another process.
#[derive(Debug)]
pub struct FileForTransit {
    fd: OwnedFd,
    kind: FdKind,
    mode: TransitMode,
}

impl FileForTransit {
    /// Prepares a duplicate of `file`; the caller's handle stays open and usable.
    pub fn duplicate(file: &impl AsFd) -> Result<Self, HandleError> {
        let kind = Self::classify(file.as_fd())?;
        let fd = file.as_fd().try_clone_to_owned()?;
        Ok(Self {
            fd,
            kind,
            mode: TransitMode::Duplicate,
        })
    }

    /// Takes ownership of `file`; it is closed in this process once the message is sent.
    ///
    /// On error the file is closed too (it was moved in); check with [`FileForTransit::duplicate`]
    /// first if the file must survive a refusal.
    pub fn take(file: impl Into<OwnedFd>) -> Result<Self, HandleError> {
        let fd: OwnedFd = file.into();
        let kind = Self::classify(fd.as_fd())?;
        Ok(Self {
            fd,
            kind,
            mode: TransitMode::Take,
        })
    }

    fn classify(fd: BorrowedFd<'_>) -> Result<FdKind, HandleError> {
        let stat = rustix::fs::fstat(fd)?;
        let access = FileAccess::of(fd)?;
        match FileType::from_raw_mode(stat.st_mode) {
            FileType::Directory => Err(HandleError::DirectoryRefused),
            FileType::RegularFile => Ok(FdKind::File { access }),
            FileType::Fifo => Ok(FdKind::Pipe { access }),
            _ => Err(HandleError::UnsupportedFileType),
        }
    }

    /// The kind the receiver will verify (file or pipe, and the access mode).
    pub fn kind(&self) -> FdKind {
        self.kind
    }

    /// How this transit was made.
    pub fn mode(&self) -> TransitMode {
        self.mode
    }

    pub(crate) fn into_owned_fd(self) -> OwnedFd {
        self.fd
    }
}

impl AsFd for FileForTransit {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}
