//! The user data folder's contract, shared by the SDK, the runtime and the CLI: the names in it,
//! when it is trusted, and how things in it are opened (DESIGN.md §2, §10).
//!
//! ```text
//! <udf>/               ours (owner = our uid), not writable by group or others; created 0700
//!   runtime.lock       flock(LOCK_EX) by the live runtime; holds its pid (informational)
//!   runtime.sock       the listening SOCK_SEQPACKET socket, mode 0600
//!   webkit/            WebKit's data (cookies, storage), cache/ and extensions/
//! ```
//!
//! The folder is trusted only if it is ours, the rule ssh applies to `~/.ssh`: owned by our
//! effective uid and writable by no one else. An existing folder is never `chmod`ed: one that
//! breaks the rule is refused with [`FolderError`], which says why. Entries are opened relative
//! to the folder's descriptor with `O_NOFOLLOW` (a symlink planted as `runtime.lock` is refused,
//! never followed), and only regular files are read or written.
//!
//! The socket is reached through the folder's descriptor (`/proc/self/fd/N/runtime.sock`), so a
//! folder path of any length works: `sun_path` holds only 108 bytes.

use std::ffi::OsStr;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use rustix::fs::{Mode, OFlags};

pub use crate::contract::limits::{LOCK_FILE, SOCKET_FILE, WEBKIT_DIR};

/// Why a user data folder (or an entry in it) cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FolderError {
    /// The folder belongs to another user.
    #[error(
        "the user data folder {path} belongs to uid {owner}, not to this user (uid {uid}); use a folder of your own"
    )]
    NotOurs {
        /// The folder.
        path: PathBuf,
        /// Its owner.
        owner: u32,
        /// Our effective uid.
        uid: u32,
    },
    /// Other users may write into the folder (it is not `chmod`ed behind the owner's back).
    #[error(
        "the user data folder {path} is writable by {who} (mode {mode:04o}); other users could replace what is in it. \
         Run `chmod go-w {path}` or use another folder"
    )]
    WritableByOthers {
        /// The folder.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
        /// "its group", "everyone" or "its group and everyone".
        who: &'static str,
    },
    /// The path, or an entry in the folder, is a symbolic link (never followed).
    #[error("{path} is a symbolic link; webpane does not follow links in the user data folder")]
    Symlink {
        /// The link.
        path: PathBuf,
    },
    /// Something that should be a folder is not, or something that should be a file is not.
    #[error("{path} is not a {expected}")]
    WrongType {
        /// The path.
        path: PathBuf,
        /// "folder" or "regular file".
        expected: &'static str,
    },
    /// A system call on `path` failed.
    #[error("{path}: {source}")]
    Io {
        /// The path it was about.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

impl FolderError {
    fn io(path: &Path, source: impl Into<std::io::Error>) -> FolderError {
        FolderError::Io {
            path: path.to_owned(),
            source: source.into(),
        }
    }
}

/// Who holds a user data folder's lock ([`Folder::lock_state`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockState {
    /// No live runtime holds it.
    Free,
    /// A live runtime holds it; `pid` is what it wrote in the file, if that could be read.
    Held {
        /// The holder's pid.
        pid: Option<u32>,
    },
}

/// An open, checked user data folder.
#[derive(Debug)]
pub struct Folder {
    path: PathBuf,
    dir: OwnedFd,
}

impl Folder {
    /// Opens the user data folder at `path`, creating it (and missing parents, mode 0700) when
    /// `create` is set, and checks that it is ours: a directory (not a link to one), owned by our
    /// effective uid, not writable by group or others.
    pub fn open(path: &Path, create: bool) -> Result<Folder, FolderError> {
        if create {
            use std::os::unix::fs::DirBuilderExt;
            match std::fs::DirBuilder::new().recursive(true).mode(0o700).create(path) {
                Ok(()) => {}
                // An existing entry that is not a folder is reported below, precisely.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(FolderError::io(path, e)),
            }
        }
        let dir = rustix::fs::open(
            path,
            OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::RDONLY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| match e {
            rustix::io::Errno::LOOP => FolderError::Symlink { path: path.to_owned() },
            rustix::io::Errno::NOTDIR if is_symlink(path) => FolderError::Symlink { path: path.to_owned() },
            rustix::io::Errno::NOTDIR => FolderError::WrongType {
                path: path.to_owned(),
                expected: "folder",
            },
            e => FolderError::io(path, e),
        })?;
        let stat = rustix::fs::fstat(&dir).map_err(|e| FolderError::io(path, e))?;
        let uid = rustix::process::geteuid().as_raw();
        if stat.st_uid != uid {
            return Err(FolderError::NotOurs {
                path: path.to_owned(),
                owner: stat.st_uid,
                uid,
            });
        }
        let mode = stat.st_mode & 0o7777;
        let who = match (mode & 0o020 != 0, mode & 0o002 != 0) {
            (true, true) => Some("its group and everyone"),
            (true, false) => Some("its group"),
            (false, true) => Some("everyone"),
            (false, false) => None,
        };
        if let Some(who) = who {
            return Err(FolderError::WritableByOthers {
                path: path.to_owned(),
                mode,
                who,
            });
        }
        Ok(Folder {
            path: path.to_owned(),
            dir,
        })
    }

    /// The folder's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The folder's descriptor.
    pub fn as_fd(&self) -> BorrowedFd<'_> {
        self.dir.as_fd()
    }

    /// Opens the regular file `name` in the folder: never through a symlink, never a FIFO or a
    /// device (opened non-blocking, then checked), created 0600 when `create` is set.
    pub fn open_file(&self, name: &str, write: bool, create: bool) -> Result<std::fs::File, FolderError> {
        let path = self.path.join(name);
        let mut flags = OFlags::NOFOLLOW | OFlags::CLOEXEC | OFlags::NONBLOCK;
        flags |= if write { OFlags::RDWR } else { OFlags::RDONLY };
        if create {
            flags |= OFlags::CREATE;
        }
        let fd = rustix::fs::openat(&self.dir, name, flags, Mode::from_raw_mode(0o600)).map_err(|e| match e {
            rustix::io::Errno::LOOP => FolderError::Symlink { path: path.clone() },
            e => FolderError::io(&path, e),
        })?;
        let stat = rustix::fs::fstat(&fd).map_err(|e| FolderError::io(&path, e))?;
        if rustix::fs::FileType::from_raw_mode(stat.st_mode) != rustix::fs::FileType::RegularFile {
            return Err(FolderError::WrongType {
                path,
                expected: "regular file",
            });
        }
        // Back to blocking reads and writes (a regular file never blocks for long).
        let flags = rustix::fs::fcntl_getfl(&fd).map_err(|e| FolderError::io(&path, e))?;
        rustix::fs::fcntl_setfl(&fd, flags - OFlags::NONBLOCK).map_err(|e| FolderError::io(&path, e))?;
        Ok(std::fs::File::from(fd))
    }

    /// Opens (creating it, mode 0700, when missing) the subfolder `name`, never through a symlink.
    pub fn subfolder(&self, name: &str) -> Result<PathBuf, FolderError> {
        let path = self.path.join(name);
        match rustix::fs::mkdirat(&self.dir, name, Mode::from_raw_mode(0o700)) {
            Ok(()) | Err(rustix::io::Errno::EXIST) => {}
            Err(e) => return Err(FolderError::io(&path, e)),
        }
        let stat = rustix::fs::statat(&self.dir, name, rustix::fs::AtFlags::SYMLINK_NOFOLLOW)
            .map_err(|e| FolderError::io(&path, e))?;
        match rustix::fs::FileType::from_raw_mode(stat.st_mode) {
            rustix::fs::FileType::Directory => Ok(path),
            rustix::fs::FileType::Symlink => Err(FolderError::Symlink { path }),
            _ => Err(FolderError::WrongType {
                path,
                expected: "folder",
            }),
        }
    }

    /// Puts a copy of the regular file `source` into the folder as `name`, atomically: a full
    /// copy (never a hard link: writing through one folder's copy must not rewrite the installed
    /// file or any other folder's) is made under a temporary name, checked to have `source`'s
    /// length, made read-only (0400) and renamed over `name`. On any failure (a full disk, say)
    /// nothing is left half-written: `name` is the previous file or absent, and the error names
    /// the path.
    pub fn install_copy(&self, source: &Path, name: &str) -> Result<(), FolderError> {
        let target = self.path.join(name);
        let expected = std::fs::metadata(source).map_err(|e| FolderError::io(source, e))?.len();
        let mut from = std::fs::File::open(source).map_err(|e| FolderError::io(source, e))?;
        self.replace_with(name, 0o400, |to| {
            let copied = std::io::copy(&mut from, to)?;
            if copied != expected {
                return Err(std::io::Error::other(format!(
                    "the copy has {copied} of {expected} bytes (is the disk full?)"
                )));
            }
            Ok(())
        })
        .map_err(|e| match e {
            FolderError::Io { source, .. } => FolderError::io(&target, source),
            other => other,
        })
    }

    /// Replaces the regular file `name` with `bytes`, atomically (written under a temporary
    /// name created with `O_EXCL | O_NOFOLLOW`, synced, renamed over `name`, mode 0600): a link
    /// planted at either name is never written through, and a failure leaves the previous file.
    pub fn write_atomic(&self, name: &str, bytes: &[u8]) -> Result<(), FolderError> {
        self.replace_with(name, 0o600, |to| std::io::Write::write_all(to, bytes))
    }

    /// Writes a new file with `write` under a temporary name, then renames it over `name`.
    fn replace_with(
        &self,
        name: &str,
        mode: u32,
        write: impl FnOnce(&mut std::fs::File) -> std::io::Result<()>,
    ) -> Result<(), FolderError> {
        let temp = format!(".{name}.{}.tmp", std::process::id());
        let temp_path = self.path.join(&temp);
        // Whatever is at the temporary name (a leftover, a planted link) goes: unlinkat never
        // follows a link.
        let _ = self.remove(&temp);
        let result = (|| {
            let fd = rustix::fs::openat(
                &self.dir,
                temp.as_str(),
                OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC,
                Mode::from_raw_mode(0o600),
            )
            .map_err(|e| FolderError::io(&temp_path, e))?;
            let mut to = std::fs::File::from(fd);
            write(&mut to).map_err(|e| FolderError::io(&temp_path, e))?;
            to.sync_all().map_err(|e| FolderError::io(&temp_path, e))?;
            rustix::fs::fchmod(&to, Mode::from_raw_mode(mode)).map_err(|e| FolderError::io(&temp_path, e))?;
            rustix::fs::renameat(&self.dir, temp.as_str(), &self.dir, name)
                .map_err(|e| FolderError::io(&self.path.join(name), e))
        })();
        if result.is_err() {
            let _ = self.remove(&temp);
        }
        result
    }

    /// Reads the whole regular file `name` (the rules of [`open_file`](Self::open_file): no
    /// link, no FIFO or device); `Ok(None)` when there is none.
    pub fn read_file(&self, name: &str) -> Result<Option<Vec<u8>>, FolderError> {
        match self.open_file(name, false, false) {
            Ok(mut file) => {
                let mut bytes = Vec::new();
                std::io::Read::read_to_end(&mut file, &mut bytes)
                    .map_err(|e| FolderError::io(&self.path.join(name), e))?;
                Ok(Some(bytes))
            }
            Err(FolderError::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Whether a live runtime holds the folder's lock (`flock`, probed with a shared lock that is
    /// let go at once), and the pid it wrote there. No lock file means free; a lock file that is
    /// a link or not a regular file is an error.
    pub fn lock_state(&self) -> Result<LockState, FolderError> {
        let file = match self.open_file(LOCK_FILE, false, false) {
            Ok(file) => file,
            Err(FolderError::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
                return Ok(LockState::Free);
            }
            Err(e) => return Err(e),
        };
        if rustix::fs::flock(&file, rustix::fs::FlockOperation::NonBlockingLockShared).is_ok() {
            let _ = rustix::fs::flock(&file, rustix::fs::FlockOperation::Unlock);
            return Ok(LockState::Free);
        }
        let pid = std::io::read_to_string(&file)
            .ok()
            .and_then(|s| s.trim().parse::<u32>().ok());
        Ok(LockState::Held { pid })
    }

    /// Removes the entry `name` (not a folder); a missing one is fine.
    pub fn remove(&self, name: &str) -> Result<bool, FolderError> {
        match rustix::fs::unlinkat(&self.dir, name, rustix::fs::AtFlags::empty()) {
            Ok(()) => Ok(true),
            Err(rustix::io::Errno::NOENT) => Ok(false),
            Err(e) => Err(FolderError::io(&self.path.join(name), e)),
        }
    }

    /// A path that reaches `name` in this folder through the folder's descriptor, for calls that
    /// take paths only (`bind`, `connect`): short whatever the folder's path, and valid while this
    /// `Folder` lives, in this process only.
    /// Without `/proc`, the plain path (which then must fit [`MAX_SOCKET_PATH`]).
    pub fn entry_path(&self, name: &str) -> PathBuf {
        let through_fd = PathBuf::from(format!("/proc/self/fd/{}", self.dir.as_raw_fd()));
        if through_fd.is_dir() {
            through_fd.join(name)
        } else {
            self.path.join(name)
        }
    }

    /// The path of the runtime's socket as users see it (in messages): `<folder>/runtime.sock`.
    pub fn socket_display_path(&self) -> PathBuf {
        self.path.join(SOCKET_FILE)
    }
}

fn is_symlink(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
}

/// The longest path `bind`/`connect` take for a Unix socket (`sun_path` less its NUL).
pub const MAX_SOCKET_PATH: usize = 107;

/// Whether `path` fits a Unix socket address as it is (without going through a descriptor).
pub fn fits_socket_address(path: &OsStr) -> bool {
    path.as_bytes().len() <= MAX_SOCKET_PATH
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn a_new_folder_is_created_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b/udf");
        let folder = Folder::open(&path, true).unwrap();
        assert_eq!(
            std::fs::metadata(folder.path()).unwrap().permissions().mode() & 0o777,
            0o700
        );
        assert_eq!(
            std::fs::metadata(dir.path().join("a")).unwrap().permissions().mode() & 0o777,
            0o700
        );
    }

    #[test]
    fn a_folder_others_can_write_is_refused_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        for (mode, who) in [
            (0o1777, "everyone"),
            (0o770, "its group"),
            (0o777, "its group and everyone"),
        ] {
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(mode)).unwrap();
            let err = Folder::open(dir.path(), true).unwrap_err();
            assert!(matches!(err, FolderError::WritableByOthers { .. }), "{err}");
            assert!(err.to_string().contains(who), "{err}");
            assert!(err.to_string().contains(&dir.path().display().to_string()), "{err}");
            assert_eq!(
                std::fs::metadata(dir.path()).unwrap().permissions().mode() & 0o7777,
                mode,
                "the folder was chmod-ed"
            );
        }
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        Folder::open(dir.path(), false).expect("0755 is not writable by others");
    }

    #[test]
    fn symlinks_are_refused_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real");
        std::fs::create_dir(&real).unwrap();
        std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o700)).unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        assert!(matches!(Folder::open(&link, true), Err(FolderError::Symlink { .. })));

        let folder = Folder::open(&real, false).unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, b"precious").unwrap();
        std::os::unix::fs::symlink(&victim, real.join(LOCK_FILE)).unwrap();
        let err = folder.open_file(LOCK_FILE, true, true).unwrap_err();
        assert!(matches!(err, FolderError::Symlink { .. }), "{err}");
        assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
        std::os::unix::fs::symlink(&victim, real.join(WEBKIT_DIR)).unwrap();
        assert!(matches!(folder.subfolder(WEBKIT_DIR), Err(FolderError::Symlink { .. })));
    }

    #[test]
    fn the_lock_is_free_until_held_and_names_its_holder() {
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        let folder = Folder::open(&dir.path().join("udf"), true).unwrap();
        assert_eq!(folder.lock_state().unwrap(), LockState::Free, "no lock file");
        let mut lock = folder.open_file(LOCK_FILE, true, true).unwrap();
        assert_eq!(folder.lock_state().unwrap(), LockState::Free, "a file nobody holds");
        rustix::fs::flock(&lock, rustix::fs::FlockOperation::NonBlockingLockExclusive).unwrap();
        assert_eq!(folder.lock_state().unwrap(), LockState::Held { pid: None });
        writeln!(lock, "4242").unwrap();
        assert_eq!(folder.lock_state().unwrap(), LockState::Held { pid: Some(4242) });
        drop(lock);
        assert_eq!(folder.lock_state().unwrap(), LockState::Free);
    }

    #[test]
    fn a_fifo_is_not_a_lock_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
        let folder = Folder::open(dir.path(), false).unwrap();
        rustix::fs::mknodat(
            folder.as_fd(),
            LOCK_FILE,
            rustix::fs::FileType::Fifo,
            Mode::from_raw_mode(0o600),
            0,
        )
        .unwrap();
        let err = folder.open_file(LOCK_FILE, false, false).unwrap_err();
        assert!(matches!(err, FolderError::WrongType { .. }), "{err}");
    }

    #[test]
    fn a_file_where_the_folder_should_be_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("file");
        std::fs::write(&file, b"").unwrap();
        let err = Folder::open(&file, true).unwrap_err();
        assert!(matches!(err, FolderError::WrongType { .. }), "{err}");
        assert!(err.to_string().contains(&file.display().to_string()));
    }

    #[test]
    fn an_installed_copy_is_whole_or_absent() {
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("source.so");
        std::fs::write(&source, vec![7u8; 100_000]).unwrap();
        let folder = Folder::open(&dir.path().join("udf"), true).unwrap();
        folder.install_copy(&source, "copy.so").unwrap();
        assert_eq!(
            std::fs::read(folder.path().join("copy.so")).unwrap(),
            vec![7u8; 100_000]
        );
        // Again over the old copy; no temporary file is left behind.
        folder.install_copy(&source, "copy.so").unwrap();
        assert_eq!(std::fs::read_dir(folder.path()).unwrap().count(), 1);
        // A source that is not there: an error naming it, the old copy kept.
        let err = folder
            .install_copy(&dir.path().join("missing.so"), "copy.so")
            .unwrap_err();
        assert!(err.to_string().contains("missing.so"), "{err}");
        assert_eq!(std::fs::read(folder.path().join("copy.so")).unwrap().len(), 100_000);
    }

    #[test]
    fn a_socket_in_a_folder_of_any_path_length_is_reachable() {
        let dir = tempfile::tempdir().unwrap();
        let mut path = dir.path().to_path_buf();
        while path.as_os_str().len() < 300 {
            path.push("a-rather-long-folder-name");
        }
        let folder = Folder::open(&path, true).unwrap();
        assert!(!fits_socket_address(folder.socket_display_path().as_os_str()));
        let listener = crate::Listener::bind(folder.entry_path(SOCKET_FILE)).unwrap();
        let t = std::thread::spawn(move || listener.accept(std::time::Duration::from_secs(10)).map(|_| ()));
        let conn = crate::Connection::connect(folder.entry_path(SOCKET_FILE));
        assert!(conn.is_ok(), "{:?}", conn.err());
        t.join().unwrap().unwrap();
        assert!(folder.socket_display_path().exists());
    }
}
