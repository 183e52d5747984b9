//! [`SharedBuffer`]: shared memory between the app and page script (seed: ICoreWebView2SharedBuffer).

use std::io::{Read, Seek, SeekFrom, Write};
use std::os::fd::{AsFd, BorrowedFd};
use std::ptr::NonNull;
use std::sync::atomic::AtomicU8;
use std::sync::{Arc, Mutex};

use crate::error::ShmError;
use crate::shm::{ReadOnlySharedMemory, SharedMapping, SharedMemory};

/// Errors of [`SharedBuffer`] and its streams.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SharedBufferError {
    /// The buffer was closed (the seed's `RO_E_CLOSED`).
    #[error("the shared buffer is closed")]
    Closed,
    /// Creating or mapping the memory failed.
    #[error(transparent)]
    Shm(#[from] ShmError),
}

/// The memory of an open buffer; kept alive by the buffer and by any outstanding view.
#[derive(Debug)]
pub(crate) struct OpenBuffer {
    pub(crate) memory: SharedMemory,
    pub(crate) mapping: SharedMapping,
}

#[derive(Debug)]
struct Inner {
    open: Mutex<Option<Arc<OpenBuffer>>>,
}

impl Inner {
    fn get(&self) -> Result<Arc<OpenBuffer>, SharedBufferError> {
        self.open
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .ok_or(SharedBufferError::Closed)
    }
}

/// A block of shared memory that the app can post to page script, where it appears as an
/// `ArrayBuffer` over the same memory (no copy).
///
/// Native side of WebView2's `ICoreWebView2SharedBuffer`: a size, a base address stable until
/// [`close`](SharedBuffer::close), the fd (borrowed: the buffer owns it), a
/// [`Read`] + [`Write`] + [`Seek`] stream, and `close()`. After `close()` every method, every
/// operation of every stream (including streams opened before) and every post returns
/// [`SharedBufferError::Closed`]. Closing the native side does not affect script that received the
/// buffer; the kernel frees the memory when every process has let go.
///
/// The page (another process) may write at any time, so the bytes are never handed out as
/// `&[u8]`: use [`read_at`](Self::read_at)/[`write_at`](Self::write_at) (copies),
/// [`atomic_view`](Self::atomic_view), or the `unsafe` [`as_ptr`](Self::as_ptr).
///
/// ```
/// use std::io::{Read, Seek, SeekFrom, Write};
/// use webpane_ipc::SharedBuffer;
///
/// let buffer = SharedBuffer::new(1 << 20)?;
/// buffer.write_at(0, b"frame 1")?;
/// let mut stream = buffer.open_stream()?;
/// stream.seek(SeekFrom::Start(6))?;
/// stream.write_all(b"2")?;
/// let mut head = [0u8; 7];
/// buffer.read_at(0, &mut head)?;
/// assert_eq!(&head, b"frame 2");
///
/// buffer.close()?;
/// assert!(buffer.size().is_err());
/// assert!(stream.read(&mut head).is_err()); // streams see the close too
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct SharedBuffer {
    inner: Arc<Inner>,
}

impl SharedBuffer {
    /// Creates a zero-filled buffer of `size` bytes (sealed memfd, mapped read-write here).
    pub fn new(size: usize) -> Result<Self, SharedBufferError> {
        let memory = SharedMemory::create(size)?;
        let mapping = memory.map()?;
        Ok(Self {
            inner: Arc::new(Inner {
                open: Mutex::new(Some(Arc::new(OpenBuffer { memory, mapping }))),
            }),
        })
    }

    /// The size in bytes.
    pub fn size(&self) -> Result<usize, SharedBufferError> {
        Ok(self.inner.get()?.mapping.len())
    }

    /// The base address of this process's mapping, stable until [`close`](Self::close).
    ///
    /// Getting it is safe; using it is not. Dereferencing it is sound only while the buffer is
    /// open (or a view from [`atomic_view`](Self::atomic_view) or [`fd`](Self::fd) is held), within
    /// `size()` bytes, and without making a `&`/`&mut` reference to bytes that a page may write at
    /// the same time (raw reads and writes, volatile or atomic accesses are fine).
    pub fn as_ptr(&self) -> Result<NonNull<u8>, SharedBufferError> {
        Ok(self.inner.get()?.mapping.as_ptr())
    }

    /// The memfd behind the buffer, borrowed: the buffer keeps owning it. The guard keeps the fd
    /// open even if the buffer is closed meanwhile.
    pub fn fd(&self) -> Result<SharedBufferFd, SharedBufferError> {
        Ok(SharedBufferFd {
            open: self.inner.get()?,
        })
    }

    /// Copies bytes starting at `offset` into `dst`; returns how many were copied (short at the
    /// end of the buffer, 0 past it).
    pub fn read_at(&self, offset: usize, dst: &mut [u8]) -> Result<usize, SharedBufferError> {
        Ok(self.inner.get()?.mapping.read_at(offset, dst))
    }

    /// Copies `src` into the buffer at `offset`; returns how many bytes fit.
    pub fn write_at(&self, offset: usize, src: &[u8]) -> Result<usize, SharedBufferError> {
        Ok(self.inner.get()?.mapping.write_at(offset, src))
    }

    /// The memory as `[AtomicU8]`, sound to use while the page reads and writes it. The view
    /// keeps the mapping alive even if the buffer is closed meanwhile.
    pub fn atomic_view(&self) -> Result<AtomicView, SharedBufferError> {
        Ok(AtomicView {
            open: self.inner.get()?,
        })
    }

    /// A `Read + Write + Seek` stream over the buffer, starting at offset 0.
    pub fn open_stream(&self) -> Result<SharedBufferStream, SharedBufferError> {
        self.inner.get()?;
        Ok(SharedBufferStream {
            inner: self.inner.clone(),
            position: 0,
        })
    }

    /// A read-only fd to the same memory, for posting with read-only access.
    pub fn read_only_memory(&self) -> Result<ReadOnlySharedMemory, SharedBufferError> {
        Ok(self.inner.get()?.memory.read_only()?)
    }

    /// Runs `f` with the writable memory region (for posting it with read-write access).
    pub fn with_memory<R>(&self, f: impl FnOnce(&SharedMemory) -> R) -> Result<R, SharedBufferError> {
        Ok(f(&self.inner.get()?.memory))
    }

    /// Closes the buffer in this process. Every later call, stream operation and post returns
    /// [`SharedBufferError::Closed`] (so does a second `close`). Views still held keep the memory
    /// mapped until they are dropped; pages that received the buffer keep their access.
    pub fn close(&self) -> Result<(), SharedBufferError> {
        let open = self.inner.open.lock().unwrap_or_else(|p| p.into_inner()).take();
        match open {
            Some(_) => Ok(()),
            None => Err(SharedBufferError::Closed),
        }
    }

    /// Whether [`close`](Self::close) was called.
    pub fn is_closed(&self) -> bool {
        self.inner.open.lock().unwrap_or_else(|p| p.into_inner()).is_none()
    }

    pub(crate) fn open_buffer(&self) -> Result<Arc<OpenBuffer>, SharedBufferError> {
        self.inner.get()
    }
}

/// A borrowed view of a [`SharedBuffer`]'s fd; keeps it open while held.
#[derive(Debug)]
pub struct SharedBufferFd {
    open: Arc<OpenBuffer>,
}

impl AsFd for SharedBufferFd {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.open.memory.as_fd()
    }
}

/// A [`SharedBuffer`]'s memory as atomic bytes; keeps the mapping alive while held.
#[derive(Debug)]
pub struct AtomicView {
    open: Arc<OpenBuffer>,
}

impl std::ops::Deref for AtomicView {
    type Target = [AtomicU8];
    fn deref(&self) -> &[AtomicU8] {
        self.open.mapping.atomic_bytes()
    }
}

/// A `Read + Write + Seek` stream over a [`SharedBuffer`].
///
/// Fails with an [`std::io::Error`] wrapping [`SharedBufferError::Closed`] once the buffer is
/// closed. Writes past the end write nothing (`Ok(0)`), so `write_all` reports `WriteZero`.
#[derive(Debug)]
pub struct SharedBufferStream {
    inner: Arc<Inner>,
    position: u64,
}

fn closed_io() -> std::io::Error {
    std::io::Error::other(SharedBufferError::Closed)
}

impl SharedBufferStream {
    fn open(&self) -> std::io::Result<Arc<OpenBuffer>> {
        self.inner.get().map_err(|_| closed_io())
    }

    fn offset(&self) -> usize {
        usize::try_from(self.position).unwrap_or(usize::MAX)
    }
}

impl Read for SharedBufferStream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.open()?.mapping.read_at(self.offset(), buf);
        self.position += n as u64;
        Ok(n)
    }
}

impl Write for SharedBufferStream {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.open()?.mapping.write_at(self.offset(), buf);
        self.position += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.open().map(|_| ())
    }
}

impl Seek for SharedBufferStream {
    fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
        let size = self.open()?.mapping.len() as i128;
        let target = match pos {
            SeekFrom::Start(p) => p as i128,
            SeekFrom::End(d) => size + d as i128,
            SeekFrom::Current(d) => self.position as i128 + d as i128,
        };
        if target < 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "seek before the start of the buffer",
            ));
        }
        self.position = u64::try_from(target).unwrap_or(u64::MAX);
        Ok(self.position)
    }
}
