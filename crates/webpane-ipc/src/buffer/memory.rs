//! [`MemoryBuffer`]: memory the caller already has, wrapped without copying (seed: `IMemoryBuffer`).

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::ptr::NonNull;
use std::sync::atomic::AtomicU8;
use std::sync::{Arc, Mutex, MutexGuard};

use super::shared::{OpenBuffer, SharedBuffer, SharedBufferError};
use crate::sys::RawRegion;

/// Errors of [`MemoryBuffer`] and [`MemoryBufferReference`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MemoryBufferError {
    /// The buffer (or this reference) was already closed.
    #[error("the memory buffer is closed")]
    Closed,
    /// A `Closed` handler or the cleanup callback panicked while this call ran them. The panic
    /// was caught; the buffer's state is consistent and the other callbacks ran.
    #[error("{count} callback(s) panicked; first: {message}")]
    CallbackPanicked {
        /// How many callbacks panicked.
        count: usize,
        /// The first panic's message.
        message: String,
    },
}

/// Memory a [`MemoryBuffer`] can wrap: a stable address range owned by the value.
///
/// # Safety
/// [`region`](BufferStorage::region) must return a range that is valid for reads and writes and
/// does not move while the value lives, even if the value itself is moved (heap memory, a
/// mapping), and nothing else may free or reuse it while the value lives.
pub unsafe trait BufferStorage: Send + 'static {
    /// The address and length of the memory.
    fn region(&mut self) -> (NonNull<u8>, usize);
}

// SAFETY: a Vec's heap allocation does not move when the Vec value moves, and the MemoryBuffer
// never grows or shrinks it (it has no access to the Vec until cleanup).
unsafe impl BufferStorage for Vec<u8> {
    fn region(&mut self) -> (NonNull<u8>, usize) {
        (
            NonNull::new(self.as_mut_ptr()).unwrap_or(NonNull::dangling()),
            self.len(),
        )
    }
}

// SAFETY: as for Vec: the boxed slice's allocation is stable across moves of the Box.
unsafe impl BufferStorage for Box<[u8]> {
    fn region(&mut self) -> (NonNull<u8>, usize) {
        (
            NonNull::new(self.as_mut_ptr()).unwrap_or(NonNull::dangling()),
            self.len(),
        )
    }
}

// SAFETY: a memmap2 mapping stays at its address until the MmapMut is dropped.
unsafe impl BufferStorage for memmap2::MmapMut {
    fn region(&mut self) -> (NonNull<u8>, usize) {
        (
            NonNull::new(self.as_mut_ptr()).unwrap_or(NonNull::dangling()),
            self.len(),
        )
    }
}

struct SharedBufferStorage(Arc<OpenBuffer>);

// SAFETY: the Arc keeps the SharedBuffer's mapping alive (and at its address) while it lives,
// even after the SharedBuffer itself is closed.
unsafe impl BufferStorage for SharedBufferStorage {
    fn region(&mut self) -> (NonNull<u8>, usize) {
        (self.0.mapping.as_ptr(), self.0.mapping.len())
    }
}

type Callback = Box<dyn FnOnce() + Send>;

/// A token for removing a `Closed` handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClosedHandlerToken(u64);

#[derive(Default)]
struct RefEntry {
    handlers: Vec<(u64, Callback)>,
    /// Whether its `Closed` was raised already (by the buffer's close or its own): never twice.
    raised: bool,
    /// Whether it holds the memory (made before the buffer's close); one made after has an
    /// empty view.
    holds: bool,
    /// Its own close has begun (its handlers run): a second close is `Closed`.
    closing: bool,
}

struct State {
    buffer_open: bool,
    /// The buffer while open, each reference that holds the memory, and each access in flight.
    live: usize,
    refs: HashMap<u64, RefEntry>,
    next_id: u64,
    cleanup: Option<Callback>,
}

struct Shared {
    region: RawRegion,
    state: Mutex<State>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Drops one unit of liveness; returns the cleanup if that was the last.
    fn release(state: &mut State) -> Option<Callback> {
        state.live -= 1;
        if state.live == 0 { state.cleanup.take() } else { None }
    }

    /// Runs `f` over the region if `open(state)` says the caller's view is open, keeping the
    /// memory alive for the duration; otherwise over an empty region.
    fn access<R>(&self, open: impl FnOnce(&State) -> bool, f: impl FnOnce(Option<RawRegion>) -> R) -> R {
        {
            let mut state = self.lock();
            if !open(&state) {
                drop(state);
                return f(None);
            }
            state.live += 1;
        }
        // The cleanup cannot run while we hold a unit of `live`; release it even if `f` panics.
        struct Release<'a>(&'a Shared);
        impl Drop for Release<'_> {
            fn drop(&mut self) {
                let cleanup = Shared::release(&mut self.0.lock());
                report(run_callbacks(cleanup.into_iter().collect()));
            }
        }
        let _release = Release(self);
        f(Some(self.region))
    }
}

/// Runs callbacks outside any lock, catching panics; returns the panic messages.
fn run_callbacks(callbacks: Vec<Callback>) -> Vec<String> {
    let mut panics = Vec::new();
    for cb in callbacks {
        if let Err(payload) = catch_unwind(AssertUnwindSafe(cb)) {
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "non-string panic payload".into());
            panics.push(message);
        }
    }
    panics
}

fn into_result(panics: Vec<String>) -> Result<(), MemoryBufferError> {
    match panics.first() {
        None => Ok(()),
        Some(first) => Err(MemoryBufferError::CallbackPanicked {
            count: panics.len(),
            message: first.clone(),
        }),
    }
}

/// Reports panics from paths that cannot return them (drops).
fn report(panics: Vec<String>) {
    for p in panics {
        log::error!("a MemoryBuffer callback panicked (contained): {p}");
    }
}

/// Memory the caller already has (a `Vec`, a mapping, a [`SharedBuffer`]), wrapped without
/// copying, with a cleanup that runs exactly once when nobody uses the memory any more.
///
/// Follows WinRT's `IMemoryBuffer` and the implementation webpane takes it from:
/// - [`create_reference`](Self::create_reference) hands out [`MemoryBufferReference`]s with a
///   capacity, byte access and a `Closed` event; the buffer has byte access of its own.
/// - The buffer's [`close`](Self::close) (or drop) releases the buffer's own hold only: its own
///   view is empty from then on, references made before keep their view until they are closed
///   themselves, and a reference made after is empty. Open references hear `Closed` (WinRT:
///   "the buffer was closed before this reference").
/// - A reference's own close, or its final drop, raises its `Closed` unless that was raised
///   already — never twice — and then releases its hold.
/// - The cleanup runs once, when the last holder lets go, outside any lock. A panic in a handler
///   or the cleanup is caught and reported ([`MemoryBufferError::CallbackPanicked`] from the
///   `close` calls, a log record from drops), never unwound through the library.
///
/// `Send + Sync`: references can live on any thread.
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use std::sync::Arc;
/// use webpane_ipc::MemoryBuffer;
///
/// let cleaned = Arc::new(AtomicUsize::new(0));
/// let c = cleaned.clone();
/// let buffer = MemoryBuffer::with_cleanup(vec![7u8; 1024], move |vec: Vec<u8>| {
///     assert_eq!(vec.len(), 1024); // the storage comes back to the cleanup
///     c.fetch_add(1, Ordering::SeqCst);
/// });
/// let reference = buffer.create_reference();
/// assert_eq!(reference.capacity(), 1024);
///
/// buffer.close()?;
/// assert_eq!(buffer.capacity(), 0); // the buffer's own view is empty
/// assert_eq!(reference.capacity(), 1024); // the reference keeps its view until it closes
/// assert_eq!(cleaned.load(Ordering::SeqCst), 0); // the reference still holds the memory
/// drop(reference);
/// assert_eq!(cleaned.load(Ordering::SeqCst), 1);
/// # Ok::<(), webpane_ipc::MemoryBufferError>(())
/// ```
pub struct MemoryBuffer {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for MemoryBuffer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryBuffer")
            .field("len", &self.shared.region.len())
            .field("closed", &self.is_closed())
            .finish()
    }
}

impl MemoryBuffer {
    /// Wraps `storage`; it is dropped once the buffer and all references are closed.
    pub fn new<S: BufferStorage>(storage: S) -> Self {
        Self::with_cleanup(storage, drop)
    }

    /// Wraps `storage`; `cleanup` gets it back, exactly once, once the buffer and all references
    /// are closed.
    pub fn with_cleanup<S: BufferStorage>(mut storage: S, cleanup: impl FnOnce(S) + Send + 'static) -> Self {
        let (ptr, len) = storage.region();
        // SAFETY: `BufferStorage`'s contract keeps the range valid while `storage` lives; it is
        // moved into the cleanup, which runs only when nothing can reach the region any more.
        unsafe { Self::from_raw_parts(ptr, len, move || cleanup(storage)) }
    }

    /// Wraps a [`SharedBuffer`]'s memory. The mapping stays alive until this buffer's cleanup,
    /// even if the `SharedBuffer` is closed first.
    pub fn from_shared_buffer(buffer: &SharedBuffer) -> Result<Self, SharedBufferError> {
        Ok(Self::new(SharedBufferStorage(buffer.open_buffer()?)))
    }

    /// Wraps `len` bytes at `ptr`; `cleanup` runs exactly once when nothing uses them any more.
    ///
    /// # Safety
    /// The range must be valid for reads and writes, and not freed or reused by anyone, until
    /// `cleanup` starts.
    pub unsafe fn from_raw_parts(ptr: NonNull<u8>, len: usize, cleanup: impl FnOnce() + Send + 'static) -> Self {
        Self {
            shared: Arc::new(Shared {
                // SAFETY: forwarded from this function's contract.
                region: unsafe { RawRegion::new(ptr, len) },
                state: Mutex::new(State {
                    buffer_open: true,
                    live: 1,
                    refs: HashMap::new(),
                    next_id: 0,
                    cleanup: Some(Box::new(cleanup)),
                }),
            }),
        }
    }

    /// A new reference to the memory; after the buffer's close, a reference with an empty view.
    pub fn create_reference(&self) -> MemoryBufferReference {
        let mut state = self.shared.lock();
        let id = state.next_id;
        state.next_id += 1;
        let holds = state.buffer_open;
        state.refs.insert(
            id,
            RefEntry {
                holds,
                ..RefEntry::default()
            },
        );
        if holds {
            state.live += 1;
        }
        MemoryBufferReference {
            shared: self.shared.clone(),
            id,
        }
    }

    /// The number of bytes reachable through the buffer itself: its length, 0 once closed.
    pub fn capacity(&self) -> usize {
        self.shared.access(|s| s.buffer_open, |r| r.map_or(0, |r| r.len()))
    }

    /// Copies bytes from `offset`; returns how many (0 once the buffer is closed).
    pub fn read_at(&self, offset: usize, dst: &mut [u8]) -> usize {
        self.shared
            .access(|s| s.buffer_open, |r| r.map_or(0, |r| r.read_at(offset, dst)))
    }

    /// Copies `src` to `offset`; returns how many bytes fit (0 once the buffer is closed).
    pub fn write_at(&self, offset: usize, src: &[u8]) -> usize {
        self.shared
            .access(|s| s.buffer_open, |r| r.map_or(0, |r| r.write_at(offset, src)))
    }

    /// Whether the buffer was closed.
    pub fn is_closed(&self) -> bool {
        !self.shared.lock().buffer_open
    }

    /// Closes the buffer: its own view is empty from now on and it lets go of the memory; open
    /// references keep theirs and hear `Closed` (once). The cleanup runs now if no reference
    /// holds the memory, else when the last one closes.
    pub fn close(&self) -> Result<(), MemoryBufferError> {
        let callbacks = {
            let mut state = self.shared.lock();
            if !state.buffer_open {
                return Err(MemoryBufferError::Closed);
            }
            state.buffer_open = false;
            let mut callbacks: Vec<Callback> = Vec::new();
            for entry in state.refs.values_mut().filter(|e| !e.raised) {
                entry.raised = true;
                callbacks.extend(entry.handlers.drain(..).map(|(_, h)| h));
            }
            callbacks.extend(Shared::release(&mut state));
            callbacks
        };
        into_result(run_callbacks(callbacks))
    }
}

impl Drop for MemoryBuffer {
    fn drop(&mut self) {
        match self.close() {
            Ok(()) | Err(MemoryBufferError::Closed) => {}
            Err(MemoryBufferError::CallbackPanicked { message, .. }) => report(vec![message]),
        }
    }
}

/// A reference to a [`MemoryBuffer`]'s memory (WinRT `IMemoryBufferReference`).
///
/// Byte access is by copy ([`read_at`](Self::read_at), [`write_at`](Self::write_at)), atomic
/// ([`with_atomic_bytes`](Self::with_atomic_bytes)) or `unsafe` raw pointer, because the memory
/// may be shared with another process. The view lasts until the reference is closed (or
/// dropped), also past the buffer's close; a reference made after the buffer's close, or closed
/// itself, sees an empty view: capacity 0, reads and writes of 0 bytes.
pub struct MemoryBufferReference {
    shared: Arc<Shared>,
    id: u64,
}

impl std::fmt::Debug for MemoryBufferReference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryBufferReference")
            .field("capacity", &self.capacity())
            .finish()
    }
}

impl MemoryBufferReference {
    /// The number of bytes reachable: the buffer's length, or 0 for an empty view.
    pub fn capacity(&self) -> usize {
        self.shared.access(self.open(), |r| r.map_or(0, |r| r.len()))
    }

    /// Whether this reference's view is open: it holds the memory (its own `Closed` handlers,
    /// which run before it lets go, still see it).
    fn open(&self) -> impl FnOnce(&State) -> bool + '_ {
        |state| state.refs.get(&self.id).is_some_and(|e| e.holds)
    }

    /// Copies bytes from `offset`; returns how many (0 once closed).
    pub fn read_at(&self, offset: usize, dst: &mut [u8]) -> usize {
        self.shared
            .access(self.open(), |r| r.map_or(0, |r| r.read_at(offset, dst)))
    }

    /// Copies `src` to `offset`; returns how many bytes fit (0 once closed).
    pub fn write_at(&self, offset: usize, src: &[u8]) -> usize {
        self.shared
            .access(self.open(), |r| r.map_or(0, |r| r.write_at(offset, src)))
    }

    /// Runs `f` over the memory as atomic bytes (an empty slice once closed). The memory cannot
    /// be cleaned up while `f` runs.
    pub fn with_atomic_bytes<R>(&self, f: impl FnOnce(&[AtomicU8]) -> R) -> R {
        self.shared.access(self.open(), |r| match r {
            Some(r) => f(r.atomic_bytes()),
            None => f(&[]),
        })
    }

    /// The memory's address, or `None` for an empty view.
    ///
    /// # Safety
    /// The pointer stays valid until this reference is closed or dropped (the cleanup waits for
    /// every reference). Dereference it only within `capacity()` bytes as returned before the
    /// buffer closed, and never make `&`/`&mut` references to bytes another process or thread
    /// may write at the same time.
    pub unsafe fn as_ptr(&self) -> Option<NonNull<u8>> {
        self.shared.access(self.open(), |r| r.map(|r| r.ptr()))
    }

    /// Registers a handler of this reference's `Closed`, raised once: when the buffer is closed
    /// while this reference is open, or else when this reference is closed or dropped. If it was
    /// raised already, the handler runs at once.
    pub fn on_closed(&self, handler: impl FnOnce() + Send + 'static) -> ClosedHandlerToken {
        let mut state = self.shared.lock();
        let token = state.next_id;
        state.next_id += 1;
        if let Some(entry) = state.refs.get_mut(&self.id).filter(|e| !e.raised) {
            entry.handlers.push((token, Box::new(handler)));
            return ClosedHandlerToken(token);
        }
        drop(state);
        report(run_callbacks(vec![Box::new(handler)]));
        ClosedHandlerToken(token)
    }

    /// Removes a handler; returns whether it was still registered.
    pub fn remove_closed_handler(&self, token: ClosedHandlerToken) -> bool {
        let mut state = self.shared.lock();
        let Some(entry) = state.refs.get_mut(&self.id) else {
            return false;
        };
        let before = entry.handlers.len();
        entry.handlers.retain(|(t, _)| *t != token.0);
        entry.handlers.len() != before
    }

    /// Closes this reference (dropping it does the same): raises its `Closed` unless that was
    /// raised already, then lets go of the memory — running the cleanup if this was its last
    /// holder.
    pub fn close(&self) -> Result<(), MemoryBufferError> {
        let handlers: Vec<Callback> = {
            let mut state = self.shared.lock();
            let Some(entry) = state.refs.get_mut(&self.id).filter(|e| !e.closing) else {
                return Err(MemoryBufferError::Closed);
            };
            entry.closing = true;
            let raise = !std::mem::replace(&mut entry.raised, true);
            if raise {
                entry.handlers.drain(..).map(|(_, h)| h).collect()
            } else {
                Vec::new()
            }
        };
        // Outside the lock: a handler may call back into the buffer.
        let mut panics = run_callbacks(handlers);
        let cleanup = {
            let mut state = self.shared.lock();
            let holds = state.refs.remove(&self.id).is_some_and(|e| e.holds);
            if holds { Shared::release(&mut state) } else { None }
        };
        panics.extend(run_callbacks(cleanup.into_iter().collect()));
        into_result(panics)
    }
}

impl Drop for MemoryBufferReference {
    fn drop(&mut self) {
        match self.close() {
            Ok(()) | Err(MemoryBufferError::Closed) => {}
            Err(MemoryBufferError::CallbackPanicked { message, .. }) => report(vec![message]),
        }
    }
}
