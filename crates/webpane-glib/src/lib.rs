//! GLib helpers shared by webpane's two GLib-side crates: the browser process
//! (`webpane-runtime`) and the web process extension (`webpane-webext`). WebKit user messages
//! carry file descriptors in a `GUnixFDList`; gio-rs 0.18 hands them out as raw numbers, so
//! owning one takes `unsafe` — here, once, for both.

#![warn(missing_docs)]

use std::os::fd::{FromRawFd, OwnedFd};

use gio::prelude::*;

/// Takes (a duplicate of) fd `index` of a message's fd list: the caller owns it, the list keeps
/// its own. `None` when there is no such fd.
pub fn take_fd(list: &gio::UnixFDList, index: i32) -> Option<OwnedFd> {
    // GLib checks only `index < length` (a negative index reads before the array): check both.
    if !(0..list.length()).contains(&index) {
        return None;
    }
    let raw = list.get(index).ok()?;
    // SAFETY: g_unix_fd_list_get returns a new descriptor (a dup) that the caller owns, or
    // fails (then there is nothing to own).
    (raw >= 0).then(|| unsafe { OwnedFd::from_raw_fd(raw) })
}

/// A `GUnixFDList` holding `fd` (which moves into it).
pub fn fd_list_with(fd: OwnedFd) -> gio::UnixFDList {
    gio::UnixFDList::from_array([fd])
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsRawFd;

    #[test]
    fn a_taken_fd_is_a_duplicate_the_list_keeps_its_own() {
        let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
        let original = a.as_raw_fd();
        let list = fd_list_with(OwnedFd::from(a));
        let taken = take_fd(&list, 0).expect("fd 0");
        assert_ne!(taken.as_raw_fd(), original);
        assert_eq!(list.length(), 1);
        assert!(take_fd(&list, 1).is_none());
        assert!(take_fd(&list, -1).is_none());
    }
}
