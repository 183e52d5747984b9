//! Buffers that outlive a message: [`SharedBuffer`] (shared memory posted to page script) and
//! [`MemoryBuffer`] (memory the caller already has, wrapped without copying).

#[allow(unsafe_code)]
mod memory;
mod shared;

pub use memory::{BufferStorage, ClosedHandlerToken, MemoryBuffer, MemoryBufferError, MemoryBufferReference};
pub use shared::{AtomicView, SharedBuffer, SharedBufferError, SharedBufferFd, SharedBufferStream};
