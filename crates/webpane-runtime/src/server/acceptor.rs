//! Accepting apps without ever blocking the main loop.
//!
//! - The caller's uid is checked at accept (`SO_PEERCRED`), before anything is said to it; a
//!   client of another uid is closed at once.
//! - The transport handshake then completes as the client's hello arrives (an fd watch), with a
//!   deadline ([`HANDSHAKE_TIMEOUT`]); at most [`MAX_PENDING`] clients may be half-open, and a new
//!   one evicts the oldest. A thousand silent connections cost the apps being served nothing.
//! - When `accept` fails for want of resources (`EMFILE`, `ENFILE`, `ENOBUFS`, `ENOMEM`), the
//!   listener is left alone for a while (100 ms, doubling to 2 s) instead of being retried in a
//!   hot loop, logged once per episode, and served again as soon as descriptors free up. A
//!   reserve of [`RESERVE_FDS`] descriptors is held while accepting and let go when accept
//!   runs out: GLib aborts the process when it cannot get a descriptor it needs (a wakeup pipe),
//!   so clients are never allowed to take the last ones. Accepting resumes only once the
//!   reserve could be taken again.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::time::Duration;

use glib::SourceId;
use webpane_ipc::{IpcError, PendingConnection};

/// How long a connecting client may take to complete the transport handshake.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(2);
/// How many clients may be between accept and a completed handshake at once.
pub const MAX_PENDING: usize = 64;
/// Descriptors kept back from clients for GLib, GTK and WebKit.
pub const RESERVE_FDS: usize = 16;
pub(super) const FIRST_BACKOFF: Duration = Duration::from_millis(100);
pub(super) const MAX_BACKOFF: Duration = Duration::from_secs(2);

pub(super) struct Pending {
    pub(super) conn: Option<PendingConnection>,
    pub(super) watch: Option<SourceId>,
    pub(super) timer: Option<SourceId>,
}

impl Drop for Pending {
    fn drop(&mut self) {
        if let Some(watch) = self.watch.take() {
            watch.remove();
        }
        if let Some(timer) = self.timer.take() {
            timer.remove();
        }
    }
}

/// The listener's watch and the clients half-way through the handshake.
#[derive(Default)]
pub struct Acceptor {
    pub(super) listener_watch: RefCell<Option<SourceId>>,
    pub(super) pending: RefCell<BTreeMap<u64, Pending>>,
    pub(super) next: Cell<u64>,
    pub(super) backoff: Cell<Option<Duration>>,
    pub(super) reserve: RefCell<Vec<std::os::fd::OwnedFd>>,
}

impl Acceptor {
    /// How many clients are half-open now.
    pub fn pending(&self) -> usize {
        self.pending.borrow().len()
    }

    /// Takes the reserve descriptors back; false (holding none) if they are not to be had.
    pub(super) fn refill_reserve(&self) -> bool {
        let mut reserve = self.reserve.borrow_mut();
        while reserve.len() < RESERVE_FDS {
            match rustix::fs::open(
                "/dev/null",
                rustix::fs::OFlags::RDONLY | rustix::fs::OFlags::CLOEXEC,
                rustix::fs::Mode::empty(),
            ) {
                Ok(fd) => reserve.push(fd),
                Err(_) => {
                    reserve.clear();
                    return false;
                }
            }
        }
        true
    }

    /// Stops accepting and drops every half-open client.
    pub fn stop(&self) {
        if let Some(watch) = self.listener_watch.borrow_mut().take() {
            watch.remove();
        }
        let pending = std::mem::take(&mut *self.pending.borrow_mut());
        drop(pending);
    }
}

pub(super) enum Accepted {
    Drained,
    OutOfResources(IpcError),
}
