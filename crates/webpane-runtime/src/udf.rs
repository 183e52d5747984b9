//! Owning a user data folder: a private folder, a lock held for the process's whole life, and the
//! listening socket.
//!
//! ```text
//! <udf>/               mode 0700
//!   runtime.lock       flock(LOCK_EX) by the live runtime; holds its pid (informational)
//!   runtime.sock       the listening SOCK_SEQPACKET socket, mode 0600
//!   webkit/            WebKit's data (cookies, storage) and cache/
//! ```
//!
//! Whoever holds the lock owns the folder. A socket file found by the lock holder is stale (its
//! runtime died without cleaning up) and is replaced. A lock file left by a killed runtime is not
//! a problem: `flock` locks die with their process.

use std::fs::File;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use rustix::fs::FlockOperation;
use webpane_ipc::Listener;

/// The lock file's name inside the user data folder.
pub const LOCK_FILE: &str = "runtime.lock";
/// The socket's name inside the user data folder.
pub const SOCKET_FILE: &str = "runtime.sock";
/// WebKit's data folder inside the user data folder.
pub const WEBKIT_DIR: &str = "webkit";

/// Errors while taking a user data folder.
#[derive(Debug, thiserror::Error)]
pub enum UdfError {
    /// Another live runtime holds the folder's lock.
    #[error("another runtime already owns {0}")]
    AlreadyOwned(PathBuf),
    /// The folder cannot be created or made private.
    #[error("cannot prepare the user data folder {path}: {source}")]
    Folder {
        /// The folder.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The socket cannot be created.
    #[error("cannot listen at {path}: {source}")]
    Listen {
        /// The socket path.
        path: PathBuf,
        /// The cause.
        source: webpane_ipc::IpcError,
    },
}

/// A user data folder owned by this process: the lock is held until this is dropped.
#[derive(Debug)]
pub struct OwnedFolder {
    path: PathBuf,
    lock: File,
    listener: Option<Listener>,
}

impl OwnedFolder {
    /// Creates `path` (mode 0700) if needed, takes its lock without waiting, replaces any stale
    /// socket and listens.
    pub fn acquire(path: &Path) -> Result<OwnedFolder, UdfError> {
        let folder_err = |source| UdfError::Folder {
            path: path.to_owned(),
            source,
        };
        std::fs::create_dir_all(path).map_err(folder_err)?;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700)).map_err(folder_err)?;
        let mut lock = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(path.join(LOCK_FILE))
            .map_err(folder_err)?;
        match rustix::fs::flock(&lock, FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => {}
            Err(rustix::io::Errno::WOULDBLOCK) => return Err(UdfError::AlreadyOwned(path.to_owned())),
            Err(e) => return Err(folder_err(e.into())),
        }
        lock.set_len(0).map_err(folder_err)?;
        writeln!(lock, "{}", std::process::id()).map_err(folder_err)?;

        let socket = path.join(SOCKET_FILE);
        match std::fs::remove_file(&socket) {
            Ok(()) => log::info!("replaced a stale socket at {}", socket.display()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(folder_err(e)),
        }
        let listener = Listener::bind(&socket).map_err(|source| UdfError::Listen { path: socket, source })?;
        Ok(OwnedFolder {
            path: path.to_owned(),
            lock,
            listener: Some(listener),
        })
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The listening socket.
    pub fn listener(&self) -> &Listener {
        self.listener.as_ref().expect("the listener lives until release")
    }

    /// Stops listening and removes the socket while keeping the lock: a runtime on its way out
    /// takes no new clients, and a new runtime cannot start until the lock is released.
    pub fn stop_listening(&mut self) {
        if self.listener.take().is_some() {
            let _ = std::fs::remove_file(self.path.join(SOCKET_FILE));
        }
    }

    /// Releases the lock; call only once every child process has exited.
    pub fn release(mut self) {
        self.stop_listening();
        let _ = rustix::fs::flock(&self.lock, FlockOperation::Unlock);
    }
}
