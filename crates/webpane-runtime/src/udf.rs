//! Owning a user data folder: a private folder, a lock held for the process's whole life, and the
//! listening socket.
//!
//! The folder's layout and the rules for trusting it are `webpane_ipc::folder`'s.
//!
//! Whoever holds the lock owns the folder. A socket file found by the lock holder is stale (its
//! runtime died without cleaning up) and is replaced. A lock file left by a killed runtime is not
//! a problem: `flock` locks die with their process.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use rustix::fs::FlockOperation;
pub use webpane_ipc::folder::{LOCK_FILE, SOCKET_FILE, WEBKIT_DIR};
use webpane_ipc::{Folder, FolderError, Listener};

/// Errors while taking a user data folder.
#[derive(Debug, thiserror::Error)]
pub enum UdfError {
    /// Another live runtime holds the folder's lock.
    #[error("another runtime already owns {0}")]
    AlreadyOwned(PathBuf),
    /// The folder is not ours, or an entry in it is not what it should be.
    #[error(transparent)]
    Folder(#[from] FolderError),
    /// The lock cannot be taken or written.
    #[error("cannot take the lock {path}: {source}")]
    Lock {
        /// The lock file.
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
    folder: Folder,
    /// `<folder>/webkit`, checked not to be a link.
    webkit: PathBuf,
    lock: File,
    listener: Option<Listener>,
}

impl OwnedFolder {
    /// Opens `path` (created 0700 if missing; refused if it is not ours, see
    /// [`webpane_ipc::folder`]), takes its lock without waiting, replaces any stale socket and
    /// listens.
    pub fn acquire(path: &Path) -> Result<OwnedFolder, UdfError> {
        let folder = Folder::open(path, true)?;
        // WebKit opens its files by path: its folder must not be a link planted in its place.
        let webkit = folder.subfolder(WEBKIT_DIR)?;
        let mut lock = folder.open_file(LOCK_FILE, true, true)?;
        let lock_err = |source: std::io::Error| UdfError::Lock {
            path: path.join(LOCK_FILE),
            source,
        };
        match rustix::fs::flock(&lock, FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => {}
            Err(rustix::io::Errno::WOULDBLOCK) => return Err(UdfError::AlreadyOwned(path.to_owned())),
            Err(e) => return Err(lock_err(e.into())),
        }
        lock.set_len(0).map_err(lock_err)?;
        writeln!(lock, "{}", std::process::id()).map_err(lock_err)?;

        if folder.remove(SOCKET_FILE)? {
            log::info!("replaced a stale socket at {}", folder.socket_display_path().display());
        }
        // Through the folder's descriptor: any folder path length works.
        let listener = Listener::bind(folder.entry_path(SOCKET_FILE)).map_err(|source| UdfError::Listen {
            path: folder.socket_display_path(),
            source,
        })?;
        Ok(OwnedFolder {
            folder,
            webkit,
            lock,
            listener: Some(listener),
        })
    }

    /// WebKit's data folder inside it (`webkit/`, not a link).
    pub fn webkit_dir(&self) -> &Path {
        &self.webkit
    }

    /// The listening socket.
    pub fn listener(&self) -> &Listener {
        self.listener.as_ref().expect("the listener lives until release")
    }

    /// Stops listening and removes the socket while keeping the lock: a runtime on its way out
    /// takes no new clients, and a new runtime cannot start until the lock is released.
    pub fn stop_listening(&mut self) {
        if self.listener.take().is_some() {
            let _ = self.folder.remove(SOCKET_FILE);
        }
    }

    /// Releases the lock; call only once every child process has exited.
    pub fn release(mut self) {
        self.stop_listening();
        let _ = rustix::fs::flock(&self.lock, FlockOperation::Unlock);
    }
}
