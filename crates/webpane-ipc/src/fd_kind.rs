//! What a file descriptor in a message is, and the check that it is: the lowest layer of the
//! message format, shared by [`wire`](crate::wire), [`shm`](crate::shm) and
//! [`handle`](crate::handle).

use std::os::fd::BorrowedFd;

use rustix::fs::{FileType, OFlags, SealFlags};
use serde::{Deserialize, Serialize};

/// What a file descriptor in a message is; checked on receipt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FdKind {
    /// A sealed memfd of at least `size` bytes.
    SharedMemory {
        /// Whether the fd is writable (`O_RDWR`) or read-only (`O_RDONLY`).
        access: Access,
        /// The declared size; the memfd must be at least this large.
        size: u64,
    },
    /// A regular file.
    File {
        /// The fd's access mode.
        access: FileAccess,
    },
    /// A pipe (FIFO) end.
    Pipe {
        /// The fd's access mode.
        access: FileAccess,
    },
    /// A Unix socket (for example one end of a direct channel).
    Socket,
}

/// Access to shared memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Access {
    /// The receiver gets an `O_RDONLY` fd: the kernel refuses to map it writable.
    ReadOnly,
    /// The receiver may map it read-write.
    ReadWrite,
}

/// The access mode of a file or pipe fd.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FileAccess {
    /// `O_RDONLY`.
    Read,
    /// `O_WRONLY`.
    Write,
    /// `O_RDWR`.
    ReadWrite,
}

impl FileAccess {
    /// The access mode of an open fd.
    pub fn of(fd: BorrowedFd<'_>) -> rustix::io::Result<Self> {
        let mode = rustix::fs::fcntl_getfl(fd)? & OFlags::RWMODE;
        Ok(if mode == OFlags::RDWR {
            FileAccess::ReadWrite
        } else if mode == OFlags::WRONLY {
            FileAccess::Write
        } else {
            FileAccess::Read
        })
    }
}

/// A reference from a message body to one of the message's fds, by position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FdRef(pub u32);

/// Checks that `fd` is what `kind` says.
pub fn verify_fd(fd: BorrowedFd<'_>, kind: &FdKind) -> Result<(), FdRejection> {
    let stat = rustix::fs::fstat(fd).map_err(FdRejection::Inspect)?;
    let file_type = FileType::from_raw_mode(stat.st_mode);
    if file_type == FileType::Directory {
        return Err(FdRejection::Directory);
    }
    let access = FileAccess::of(fd).map_err(FdRejection::Inspect)?;
    match *kind {
        FdKind::SharedMemory { access: want, size } => {
            if file_type != FileType::RegularFile {
                return Err(FdRejection::WrongFileType);
            }
            let expected = match want {
                Access::ReadOnly => FileAccess::Read,
                Access::ReadWrite => FileAccess::ReadWrite,
            };
            if access != expected {
                return Err(FdRejection::WrongAccessMode);
            }
            if size == 0 || usize::try_from(size).is_err() || size > isize::MAX as u64 {
                return Err(FdRejection::BadSize(size));
            }
            // F_GET_SEALS fails with EINVAL on anything but shmem/hugetlbfs files: an ordinary
            // file is "not sealed".
            let seals = rustix::fs::fcntl_get_seals(fd).unwrap_or(SealFlags::empty());
            if !seals.contains(SealFlags::SHRINK | SealFlags::GROW) {
                return Err(FdRejection::NotSealed);
            }
            let actual = stat.st_size as u64;
            if actual < size {
                return Err(FdRejection::TooSmall { actual, declared: size });
            }
        }
        FdKind::File { access: want } => {
            if file_type != FileType::RegularFile {
                return Err(FdRejection::WrongFileType);
            }
            if access != want {
                return Err(FdRejection::WrongAccessMode);
            }
        }
        FdKind::Pipe { access: want } => {
            if file_type != FileType::Fifo {
                return Err(FdRejection::WrongFileType);
            }
            if access != want {
                return Err(FdRejection::WrongAccessMode);
            }
        }
        FdKind::Socket => {
            if file_type != FileType::Socket {
                return Err(FdRejection::WrongFileType);
            }
        }
    }
    Ok(())
}

/// Why a file descriptor does not match its declared kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FdRejection {
    /// Directory fds are never accepted (a sandboxed receiver could `openat("..")` out of it).
    #[error("it is a directory")]
    Directory,
    /// The file type (regular, FIFO, socket, ...) differs from the declared one.
    #[error("wrong file type")]
    WrongFileType,
    /// The access mode (`O_RDONLY`, `O_WRONLY`, `O_RDWR`) differs from the declared one.
    #[error("wrong access mode")]
    WrongAccessMode,
    /// Shared memory without the grow and shrink seals.
    #[error("shared memory is not sealed against growing and shrinking")]
    NotSealed,
    /// Shared memory smaller than declared.
    #[error("shared memory has {actual} bytes, {declared} were declared")]
    TooSmall {
        /// Size from fstat.
        actual: u64,
        /// Declared size.
        declared: u64,
    },
    /// A declared size of zero or one that does not fit the address space.
    #[error("invalid declared size {0}")]
    BadSize(u64),
    /// `fstat`/`fcntl` on the fd failed.
    #[error("cannot inspect it: {0}")]
    Inspect(rustix::io::Errno),
}
