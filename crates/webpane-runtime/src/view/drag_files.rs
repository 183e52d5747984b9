//! The files of a drag as the page sees them (names and types, never paths), and opening them
//! for the page: shared by drops from other programs (`drops.rs`) and drags the app forwards
//! (`forwarded_drag.rs`).

use std::os::fd::OwnedFd;
use std::path::PathBuf;

use webpane_ipc::webext::DraggedFile;

/// The local files a `text/uri-list` names (at most as many as one message can carry).
pub(super) fn local_files(uris: &[glib::GString]) -> Vec<PathBuf> {
    uris.iter()
        .filter_map(|uri| glib::filename_from_uri(uri).ok())
        .filter(|(_, host)| host.as_deref().is_none_or(|h| h.is_empty() || h == "localhost"))
        .map(|(path, _)| path)
        .take(webpane_ipc::MAX_FDS_PER_MESSAGE)
        .collect()
}

/// How the page sees `path`: its name and MIME type (by its name, as a browser types a `File`).
pub(super) fn described(path: &std::path::Path) -> DraggedFile {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mime = crate::ffi::mime_type_by_name(path)
        .filter(|m| m != "application/octet-stream")
        .unwrap_or_default();
    DraggedFile { name, mime }
}

/// Opens `path` read-only if it is a regular file (a FIFO or a device never blocks the runtime).
pub(super) fn open_regular(path: &std::path::Path) -> Option<OwnedFd> {
    use rustix::fs::{Mode, OFlags};
    let fd = rustix::fs::open(
        path,
        OFlags::RDONLY | OFlags::CLOEXEC | OFlags::NONBLOCK | OFlags::NOCTTY,
        Mode::empty(),
    )
    .ok()?;
    let stat = rustix::fs::fstat(&fd).ok()?;
    (rustix::fs::FileType::from_raw_mode(stat.st_mode) == rustix::fs::FileType::RegularFile).then_some(fd)
}
