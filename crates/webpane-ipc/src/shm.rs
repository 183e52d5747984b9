//! Sealed shared memory regions (memfd), writable and read-only.
//!
//! [`SharedMemory::create`] makes a memfd with `MFD_CLOEXEC | MFD_ALLOW_SEALING`, sizes it and
//! seals it with `F_SEAL_SHRINK | F_SEAL_GROW`: no process holding it can truncate it under
//! another's mapping (which would turn reads into `SIGBUS`). `F_SEAL_SEAL` is left off so that
//! [`SharedMemory::seal_future_writes`] stays possible; only holders of a writable fd can add
//! seals (the kernel answers `EPERM` to a read-only one).
//!
//! [`SharedMemory::read_only`] gives a second fd to the same memory, opened `O_RDONLY` through
//! `/proc/self/fd`: `mmap(PROT_WRITE, MAP_SHARED)` and `mprotect(PROT_WRITE)` on it fail with
//! `EACCES`, and `write(2)` with `EBADF`, whoever holds it. The writer's own mappings stay writable
//! and the reader sees its writes.
//!
//! Caveat (also Chromium's): a process that can open `/proc/<pid>/fd/N` of the read-only fd as the
//! same user (or as root) can reopen the memfd read-write. Read-only is enforced for processes
//! that cannot, such as a sandboxed renderer without access to `/proc` of another user.
//! [`SharedMemory::seal_future_writes`] closes that gap at a price: no new writable mapping of the
//! memory can be made by anyone afterwards (existing ones keep working).
//!
//! ```
//! use webpane_ipc::SharedMemory;
//!
//! let region = SharedMemory::create(4096)?;
//! let writer = region.map()?;
//! writer.write_at(0, b"hello");
//!
//! let reader = region.read_only()?.map()?;
//! let mut buf = [0u8; 5];
//! reader.read_at(0, &mut buf);
//! assert_eq!(&buf, b"hello");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::ptr::NonNull;
use std::sync::atomic::AtomicU8;

use rustix::fs::{MemfdFlags, Mode, OFlags, SealFlags};

use crate::error::ShmError;
use crate::fd_kind::FdRejection;
use crate::fd_kind::{Access, FdKind, verify_fd};
use crate::sys::Mapping;

/// The seals every region carries.
pub const REQUIRED_SEALS: SealFlags = SealFlags::SHRINK.union(SealFlags::GROW);

/// A writable shared memory region: a sealed memfd opened read-write.
#[derive(Debug)]
pub struct SharedMemory {
    fd: OwnedFd,
    size: usize,
}

impl SharedMemory {
    /// Creates a zero-filled region of `size` bytes, sealed against shrinking and growing.
    pub fn create(size: usize) -> Result<Self, ShmError> {
        if size == 0 || size > isize::MAX as usize {
            return Err(ShmError::InvalidSize(size as u64));
        }
        let fd = rustix::fs::memfd_create("webpane-shm", MemfdFlags::CLOEXEC | MemfdFlags::ALLOW_SEALING)?;
        rustix::fs::ftruncate(&fd, size as u64)?;
        rustix::fs::fcntl_add_seals(&fd, REQUIRED_SEALS)?;
        Ok(Self { fd, size })
    }

    /// Adopts an fd received some other way, checking it as a message receipt would: a read-write
    /// memfd sealed against growing and shrinking, at least `size` bytes long.
    pub fn from_fd(fd: OwnedFd, size: usize) -> Result<Self, ShmError> {
        let kind = FdKind::SharedMemory {
            access: Access::ReadWrite,
            size: size as u64,
        };
        verify_fd(fd.as_fd(), &kind)?;
        Ok(Self { fd, size })
    }

    pub(crate) fn from_verified(fd: OwnedFd, size: usize) -> Self {
        Self { fd, size }
    }

    /// The region's size in bytes.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Maps the region read-write into this process.
    pub fn map(&self) -> Result<SharedMapping, ShmError> {
        Ok(SharedMapping {
            mapping: Mapping::map_shared(self.fd.as_fd(), self.size, true)?,
        })
    }

    /// A read-only handle to the same memory: a new `O_RDONLY` fd that no one can map writable.
    pub fn read_only(&self) -> Result<ReadOnlySharedMemory, ShmError> {
        let path = format!("/proc/self/fd/{}", std::os::fd::AsRawFd::as_raw_fd(&self.fd));
        let fd = rustix::fs::open(path.as_str(), OFlags::RDONLY | OFlags::CLOEXEC, Mode::empty())?;
        Ok(ReadOnlySharedMemory { fd, size: self.size })
    }

    /// Seals the memory against any future write access (`F_SEAL_FUTURE_WRITE`): mappings made
    /// before stay writable, but no process can map it writable or `write(2)` to it afterwards,
    /// not even by reopening it through `/proc`.
    ///
    /// Fails if the memfd carries `F_SEAL_SEAL` (regions from [`SharedMemory::create`] do not).
    pub fn seal_future_writes(&self) -> Result<(), ShmError> {
        rustix::fs::fcntl_add_seals(&self.fd, SealFlags::FUTURE_WRITE)?;
        Ok(())
    }

    /// The seals currently on the memfd.
    pub fn seals(&self) -> Result<SealFlags, ShmError> {
        Ok(rustix::fs::fcntl_get_seals(&self.fd)?)
    }

    /// Gives up the fd.
    pub fn into_fd(self) -> OwnedFd {
        self.fd
    }
}

impl AsFd for SharedMemory {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

/// A read-only shared memory region: an `O_RDONLY` fd to a sealed memfd.
#[derive(Debug)]
pub struct ReadOnlySharedMemory {
    fd: OwnedFd,
    size: usize,
}

impl ReadOnlySharedMemory {
    /// Adopts an fd received some other way, checking that it is a read-only sealed memfd of at
    /// least `size` bytes.
    pub fn from_fd(fd: OwnedFd, size: usize) -> Result<Self, ShmError> {
        let kind = FdKind::SharedMemory {
            access: Access::ReadOnly,
            size: size as u64,
        };
        verify_fd(fd.as_fd(), &kind).map_err(ShmError::Rejected)?;
        Ok(Self { fd, size })
    }

    pub(crate) fn from_verified(fd: OwnedFd, size: usize) -> Self {
        Self { fd, size }
    }

    /// The region's size in bytes.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Maps the region read-only into this process.
    pub fn map(&self) -> Result<ReadOnlyMapping, ShmError> {
        Ok(ReadOnlyMapping {
            mapping: Mapping::map_shared(self.fd.as_fd(), self.size, false)?,
        })
    }

    /// Gives up the fd.
    pub fn into_fd(self) -> OwnedFd {
        self.fd
    }
}

impl AsFd for ReadOnlySharedMemory {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

/// A read-write mapping of a [`SharedMemory`]; unmapped on drop.
///
/// Other processes may write the memory at any time, so it is reached through copies and atomic
/// views, never `&[u8]`.
#[derive(Debug)]
pub struct SharedMapping {
    mapping: Mapping,
}

impl SharedMapping {
    /// The mapping's length.
    pub fn len(&self) -> usize {
        self.mapping.region().len()
    }

    /// Always false: regions have at least one byte.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The first byte, valid until the mapping is dropped. Dereferencing it is `unsafe`: never
    /// make a `&[u8]` of memory another process may write concurrently (see the crate docs).
    pub fn as_ptr(&self) -> NonNull<u8> {
        self.mapping.region().ptr()
    }

    /// Copies bytes from `offset`; returns how many (short at the end, 0 past it).
    pub fn read_at(&self, offset: usize, dst: &mut [u8]) -> usize {
        self.mapping.region().read_at(offset, dst)
    }

    /// Copies `src` to `offset`; returns how many bytes fit (short at the end, 0 past it).
    pub fn write_at(&self, offset: usize, src: &[u8]) -> usize {
        debug_assert!(self.mapping.is_writable());
        self.mapping.region().write_at(offset, src)
    }

    /// The memory as atomic bytes, safe to use while other processes read and write it.
    pub fn atomic_bytes(&self) -> &[AtomicU8] {
        self.mapping.atomic_bytes()
    }
}

/// A read-only mapping of shared memory; unmapped on drop.
#[derive(Debug)]
pub struct ReadOnlyMapping {
    mapping: Mapping,
}

impl ReadOnlyMapping {
    /// The mapping's length.
    pub fn len(&self) -> usize {
        self.mapping.region().len()
    }

    /// Always false: regions have at least one byte.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The first byte. Valid for reads until the mapping is dropped; a write through it is a
    /// `SIGSEGV`.
    pub fn as_ptr(&self) -> NonNull<u8> {
        self.mapping.region().ptr()
    }

    /// Copies bytes from `offset`; returns how many (short at the end, 0 past it).
    pub fn read_at(&self, offset: usize, dst: &mut [u8]) -> usize {
        self.mapping.region().read_at(offset, dst)
    }
}

impl From<FdRejection> for std::io::Error {
    fn from(r: FdRejection) -> Self {
        std::io::Error::new(std::io::ErrorKind::InvalidData, r)
    }
}
