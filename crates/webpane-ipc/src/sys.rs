//! The crate's declared home of `unsafe`: memory mappings and raw byte access.
//!
//! Everything else in `webpane-ipc` is safe code over [`rustix`]. This module owns the three things
//! that cannot be: mapping a file descriptor into the address space (`mmap(2)`), unmapping it
//! (`munmap(2)`), and copying bytes in and out of memory that another process may be writing at the
//! same moment.
//!
//! # Memory shared with other processes
//!
//! Rust's references (`&[u8]`, `&mut [u8]`) promise that nobody else writes the bytes while the
//! reference lives. Memory mapped `MAP_SHARED` from a memfd that a peer also maps cannot keep that
//! promise, so this module never creates such references. It offers instead:
//! - copies through raw pointers ([`RawRegion::read_at`], [`RawRegion::write_at`]), which the
//!   compiler treats as plain loads and stores of memory it does not reason about;
//! - a view as `[AtomicU8]` ([`RawRegion::atomic_bytes`]), which is sound under concurrent
//!   modification because every access is atomic.
//!
//! # References
//! - [`mmap(2)`](https://man7.org/linux/man-pages/man2/mmap.2.html)
//! - [`memfd_create(2)`](https://man7.org/linux/man-pages/man2/memfd_create.2.html)

use std::os::fd::BorrowedFd;
use std::ptr::NonNull;
use std::sync::atomic::AtomicU8;

use rustix::mm::{MapFlags, ProtFlags};

/// A memory mapping owned by this value: unmapped when it is dropped.
#[derive(Debug)]
pub(crate) struct Mapping {
    region: RawRegion,
    writable: bool,
}

// SAFETY: a `Mapping` is an address range and a length. It hands out no references to the mapped
// bytes (only raw copies and atomic views), so moving it to or sharing it with another thread
// cannot create a data race that safe code could observe.
unsafe impl Send for Mapping {}
// SAFETY: see `Send` above; every access through `&Mapping` goes through `RawRegion`, whose methods
// are raw copies or atomic accesses.
unsafe impl Sync for Mapping {}

impl Mapping {
    /// Maps `len` bytes of `fd` from offset 0, shared, readable and (if `writable`) writable.
    pub(crate) fn map_shared(fd: BorrowedFd<'_>, len: usize, writable: bool) -> rustix::io::Result<Self> {
        let prot = if writable {
            ProtFlags::READ | ProtFlags::WRITE
        } else {
            ProtFlags::READ
        };
        // A zero-length mapping is not allowed by the kernel; callers reject empty regions earlier,
        // but keep the syscall honest anyway.
        if len == 0 {
            return Err(rustix::io::Errno::INVAL);
        }
        // SAFETY: we ask the kernel for a fresh mapping at an address of its choosing (null hint,
        // no MAP_FIXED), so no existing Rust object is replaced. The result is owned by `Mapping`
        // and unmapped exactly once, in `Drop`.
        let ptr = unsafe { rustix::mm::mmap(std::ptr::null_mut(), len, prot, MapFlags::SHARED, fd, 0)? };
        let ptr = NonNull::new(ptr.cast::<u8>()).ok_or(rustix::io::Errno::NOMEM)?;
        Ok(Self {
            region: RawRegion { ptr, len },
            writable,
        })
    }

    /// The mapped range.
    pub(crate) fn region(&self) -> RawRegion {
        self.region
    }

    /// The mapped memory as atomic bytes, borrowed from the mapping.
    pub(crate) fn atomic_bytes(&self) -> &[AtomicU8] {
        self.region.atomic_bytes()
    }

    /// Whether the mapping was made writable.
    pub(crate) fn is_writable(&self) -> bool {
        self.writable
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: `ptr`/`len` are exactly what `mmap` returned for this mapping, which nothing
        // else unmaps. No references into the range exist (this module never creates any), and
        // atomic views borrow the `Mapping` (or an `Arc` holding it), so they are gone by now.
        let result = unsafe { rustix::mm::munmap(self.region.ptr.as_ptr().cast(), self.region.len) };
        if let Err(err) = result {
            log::error!("munmap of {} bytes failed: {err}", self.region.len);
        }
    }
}

/// An address range that the caller keeps valid; copies and atomic views over it.
///
/// `RawRegion` itself holds no ownership: each user pairs it with whatever keeps the memory alive
/// (a [`Mapping`], a `Vec<u8>`, ...) and never lets the region outlive that owner.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RawRegion {
    ptr: NonNull<u8>,
    len: usize,
}

// SAFETY: see `Mapping`: a `RawRegion` is an address and a length; its accessors are raw copies
// and atomic accesses, never references to shared bytes.
unsafe impl Send for RawRegion {}
// SAFETY: as for `Send`.
unsafe impl Sync for RawRegion {}

impl RawRegion {
    /// Describes `len` bytes at `ptr`.
    ///
    /// # Safety
    /// The range must stay valid for reads (and, if written through, writes) for as long as the
    /// returned region or any copy of it is used; the caller's owner of the memory ensures that.
    pub(crate) unsafe fn new(ptr: NonNull<u8>, len: usize) -> Self {
        Self { ptr, len }
    }

    /// The first byte of the range.
    pub(crate) fn ptr(&self) -> NonNull<u8> {
        self.ptr
    }

    /// The number of bytes in the range.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Copies bytes from `offset` into `dst`; returns how many were copied (short at the end).
    pub(crate) fn read_at(&self, offset: usize, dst: &mut [u8]) -> usize {
        let n = self.span(offset, dst.len());
        if n > 0 {
            // SAFETY: `span` keeps `offset + n` within the region, which the owner keeps valid
            // (constructor contract). `dst` is a distinct Rust allocation, so the ranges do not
            // overlap. No reference to the shared bytes is created.
            unsafe { std::ptr::copy_nonoverlapping(self.ptr.as_ptr().add(offset), dst.as_mut_ptr(), n) };
        }
        n
    }

    /// Copies `src` into the region at `offset`; returns how many bytes fit (short at the end).
    ///
    /// Callers only use this on regions whose memory is writable (checked by their owners).
    pub(crate) fn write_at(&self, offset: usize, src: &[u8]) -> usize {
        let n = self.span(offset, src.len());
        if n > 0 {
            // SAFETY: as in `read_at`; in addition the owner only calls this for writable memory.
            unsafe { std::ptr::copy_nonoverlapping(src.as_ptr(), self.ptr.as_ptr().add(offset), n) };
        }
        n
    }

    /// The region as atomic bytes: sound to read and write while other processes do the same.
    pub(crate) fn atomic_bytes(&self) -> &[AtomicU8] {
        // SAFETY: `AtomicU8` has the size and alignment of `u8`; the range is valid for the
        // lifetime the caller ties to the region's owner (constructor contract); concurrent
        // modification of atomics by other threads or processes is allowed by definition.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr().cast::<AtomicU8>(), self.len) }
    }

    fn span(&self, offset: usize, want: usize) -> usize {
        if offset >= self.len {
            return 0;
        }
        want.min(self.len - offset)
    }
}
