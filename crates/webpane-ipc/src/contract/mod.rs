//! The contract between an app and its browser process, beyond the messages: the protocol
//! version and size limits, the names in the user data folder, the runtime's command line and
//! its exit codes. Both ends call this module; nothing here is restated as a literal elsewhere.
//!
//! The checks of message contents beyond their types are in [`validate`](crate::validate); the
//! messages themselves in [`protocol`](crate::protocol).

mod command;
pub(crate) mod limits;

pub use command::{CommandError, DisplayFlags, PROXY_ENV, RuntimeCommand, RuntimeExit, flag};
pub use limits::{LOCK_FILE, MAX_FDS_PER_MESSAGE, MAX_MESSAGE_SIZE, PROTOCOL_VERSION, SOCKET_FILE, WEBKIT_DIR};
