//! webpane's inter-process foundation: no GTK, no WebKit, no event loop of its own.
//!
//! - [`transport`]: Unix `SOCK_SEQPACKET` [`Connection`]s and [`Listener`]s with a
//!   version handshake, typed messages (serde + [postcard]), fds passed with `SCM_RIGHTS`, and
//!   peer credentials.
//! - [`folder`]: the user data folder's names, when it is trusted, and how it is opened.
//! - [`validate`]: checks of requests beyond their types (NUL characters, JSON text, sizes).
//! - [`wire`]: the message format; every fd is tagged with its [`FdKind`] and checked on receipt.
//! - [`handle`]: [`FileForTransit`], file handle delivery in *duplicate* or *take* mode;
//!   directories refused.
//! - [`shm`]: sealed memfd regions, writable ([`SharedMemory`]) and read-only
//!   ([`ReadOnlySharedMemory`], an fd the kernel refuses to map writable).
//! - [`buffer`]: [`SharedBuffer`] (seed: ICoreWebView2SharedBuffer) and [`MemoryBuffer`]
//!   (seed: IMemoryBuffer).
//!
//! # Memory shared with another process
//! Memory that another process can write at any time is never handed out as `&[u8]` or
//! `&mut [u8]` by safe code here: the compiler assumes no one else writes behind a reference, so
//! that would be a data race. Instead there are copies (`read_at`/`write_at`), atomic views
//! (`[AtomicU8]`), and raw pointers whose use is `unsafe` with documented conditions. All `unsafe`
//! code of this crate lives in one private module (`sys`) plus the `BufferStorage` impls.
//!
//! # Limits
//! [`MAX_MESSAGE_SIZE`], [`MAX_FDS_PER_MESSAGE`] and [`MAX_PACKET_SIZE`] bound what one message
//! may carry; anything larger is refused with a typed error on both sides. Bulk data belongs in a
//! [`SharedBuffer`].
//!
//! ```
//! use webpane_ipc::{Connection, FdRef, Outgoing, SharedMemory};
//!
//! let (app, runtime) = Connection::pair()?;
//! let region = SharedMemory::create(1 << 16)?;
//! region.map()?.write_at(0, b"zero-copy");
//!
//! let mut out = Outgoing::new();
//! let r = out.shared_memory(&region);
//! app.send(&r, out)?;
//!
//! let mut got = runtime.recv::<FdRef>()?;
//! let theirs = got.fds.take_shared_memory(got.message)?.map()?;
//! let mut word = [0u8; 9];
//! theirs.read_at(0, &mut word);
//! assert_eq!(&word, b"zero-copy");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]
// `unsafe` only where declared: `sys` and `buffer::memory` (see ARCHITECTURE.md).
#![deny(unsafe_code)]

pub mod buffer;
pub mod contract;
pub mod error;
mod fd_kind;
pub mod folder;
pub mod handle;
mod handshake;
pub mod listener;
pub mod origin;
pub mod protocol;
pub mod shm;
mod socket;
#[allow(unsafe_code)]
mod sys;
pub mod transport;
pub mod validate;
pub mod webext;
pub mod wire;

pub use buffer::{MemoryBuffer, MemoryBufferError, MemoryBufferReference, SharedBuffer, SharedBufferError};
pub use error::{BadMessage, FdRejection, HandleError, IpcError, ShmError};
pub use folder::{Folder, FolderError, LockState};
pub use handle::{FileForTransit, TransitMode};
pub use listener::{Handshake, Listener, PendingConnection};
pub use shm::{ReadOnlyMapping, ReadOnlySharedMemory, SharedMapping, SharedMemory};
pub use socket::PeerCredentials;
pub use transport::{Connection, MAX_PACKET_SIZE};
pub use wire::{Access, FdKind, FdRef, FileAccess, Outgoing, Received, ReceivedFds, decode_message, encode_message};

pub use contract::{MAX_FDS_PER_MESSAGE, MAX_MESSAGE_SIZE, PROTOCOL_VERSION};
