//! A finished download goes where the app said, without ever replacing, deleting or writing
//! through what is there: WebKit writes it in the runtime's own folder (`<udf>/webkit/downloads`,
//! which no one else can write), and it is then moved next to the app's path under the first
//! name that is free (`report.bin`, `report (1).bin`, …), with `renameat2(RENAME_NOREPLACE)`, or
//! across file systems as a copy into a file created with `O_CREAT | O_EXCL | O_NOFOLLOW`.
//! A file, a link or anything else planted at a name is left alone and the next name is taken.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

use rustix::fs::{Mode, OFlags, RenameFlags};
use rustix::io::Errno;
use webpane_ipc::Folder;

/// How many numbered names are tried before giving up.
const MAX_TRIES: u32 = 1000;

/// Why a finished download could not be put where the app wanted it.
#[derive(Debug, thiserror::Error)]
pub enum PlaceError {
    /// The path ends in no file name.
    #[error("{0} names no file in a folder")]
    NoFileName(PathBuf),
    /// The folder cannot be opened.
    #[error("the folder {0}")]
    Folder(PathBuf, #[source] Errno),
    /// The copy into a new file failed.
    #[error("cannot write {0}")]
    Copy(PathBuf, #[source] Errno),
    /// The move failed.
    #[error("cannot move the download to {0}")]
    Move(PathBuf, #[source] Errno),
    /// The worker thread moving it ended without an answer.
    #[error("moving the download failed")]
    Lost,
    /// Every numbered name is taken.
    #[error("{MAX_TRIES} names beside {0} are taken")]
    Taken(PathBuf),
}

/// Moves `name` out of `from` to `wanted`, or to the first free name beside it; returns the
/// path it now has.
pub fn place(from: &Folder, name: &str, wanted: &Path) -> Result<PathBuf, PlaceError> {
    let (Some(parent), Some(file_name)) = (wanted.parent(), wanted.file_name()) else {
        return Err(PlaceError::NoFileName(wanted.to_owned()));
    };
    let dir = rustix::fs::open(
        parent,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .map_err(|e| PlaceError::Folder(parent.to_owned(), e))?;
    for n in 0..MAX_TRIES {
        let candidate = numbered(file_name, n);
        match rustix::fs::renameat_with(from.as_fd(), name, &dir, candidate.as_os_str(), RenameFlags::NOREPLACE) {
            Ok(()) => return Ok(parent.join(candidate)),
            Err(Errno::EXIST) => continue,
            // Another file system (or one without RENAME_NOREPLACE): a copy into a new file.
            Err(Errno::XDEV | Errno::INVAL | Errno::NOSYS) => match copy_into(from, name, &dir, &candidate) {
                Ok(()) => return Ok(parent.join(candidate)),
                Err(Errno::EXIST) => continue,
                Err(e) => return Err(PlaceError::Copy(parent.join(&candidate), e)),
            },
            Err(e) => {
                return Err(PlaceError::Move(parent.join(&candidate), e));
            }
        }
    }
    Err(PlaceError::Taken(wanted.to_owned()))
}

/// Copies `name` of `from` into a new file `candidate` of `dir` (never an existing one, never
/// through a link), then removes the original.
fn copy_into(from: &Folder, name: &str, dir: &impl rustix::fd::AsFd, candidate: &OsStr) -> Result<(), Errno> {
    let mut source = from.open_file(name, false, false).map_err(|_| Errno::NOENT)?;
    let fd = rustix::fs::openat(
        dir,
        candidate,
        OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::from_raw_mode(0o644),
    )?;
    let mut target = std::fs::File::from(fd);
    let copied = std::io::copy(&mut source, &mut target).and_then(|_| target.sync_all());
    if let Err(e) = copied {
        // What was written is ours (created just now): it goes.
        let _ = rustix::fs::unlinkat(dir, candidate, rustix::fs::AtFlags::empty());
        return Err(Errno::from_io_error(&e).unwrap_or(Errno::IO));
    }
    let _ = from.remove(name);
    Ok(())
}

/// `name` for `n` = 0, else `stem (n).ext` (the extension is what follows the last dot that is
/// not the first character: `.bashrc (1)`, `archive.tar (1).gz`).
fn numbered(name: &OsStr, n: u32) -> OsString {
    if n == 0 {
        return name.to_owned();
    }
    let bytes = name.as_bytes();
    let dot = bytes.iter().rposition(|b| *b == b'.').filter(|i| *i > 0);
    let (stem, ext) = match dot {
        Some(i) => bytes.split_at(i),
        None => (bytes, &b""[..]),
    };
    let mut out = stem.to_vec();
    out.extend_from_slice(format!(" ({n})").as_bytes());
    out.extend_from_slice(ext);
    OsString::from_vec(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_numbered_before_the_extension() {
        let n = |name: &str, i| numbered(OsStr::new(name), i).into_string().unwrap();
        assert_eq!(n("report.bin", 0), "report.bin");
        assert_eq!(n("report.bin", 1), "report (1).bin");
        assert_eq!(n("archive.tar.gz", 2), "archive.tar (2).gz");
        assert_eq!(n(".bashrc", 1), ".bashrc (1)");
        assert_eq!(n("README", 3), "README (3)");
    }

    /// What is at the wanted name (a file, a link to a file elsewhere) stays as it was; the
    /// download takes the first free name.
    #[test]
    fn nothing_there_is_replaced_or_followed() {
        let root = tempfile::tempdir().unwrap();
        let private = root.path().join("private");
        let target = root.path().join("target");
        std::fs::create_dir(&private).unwrap();
        std::fs::create_dir(&target).unwrap();
        let from = Folder::open(&private, false).unwrap();
        std::fs::write(target.join("a.txt"), "mine").unwrap();
        let victim = root.path().join("victim");
        std::fs::write(&victim, "victim").unwrap();
        std::os::unix::fs::symlink(&victim, target.join("a (1).txt")).unwrap();
        std::fs::write(private.join("d1"), "downloaded").unwrap();
        let placed = place(&from, "d1", &target.join("a.txt")).unwrap();
        assert_eq!(placed, target.join("a (2).txt"));
        assert_eq!(std::fs::read_to_string(&placed).unwrap(), "downloaded");
        assert_eq!(std::fs::read_to_string(target.join("a.txt")).unwrap(), "mine");
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "victim");
        assert!(!private.join("d1").exists());
        // Across file systems (/dev/shm is another one here, when it exists): a copy.
        if let Ok(shm) = tempfile::tempdir_in("/dev/shm") {
            std::fs::write(private.join("d2"), "again").unwrap();
            std::fs::write(shm.path().join("a.txt"), "mine").unwrap();
            let placed = place(&from, "d2", &shm.path().join("a.txt")).unwrap();
            assert_eq!(placed, shm.path().join("a (1).txt"));
            assert_eq!(std::fs::read_to_string(&placed).unwrap(), "again");
            assert_eq!(std::fs::read_to_string(shm.path().join("a.txt")).unwrap(), "mine");
        }
    }
}
