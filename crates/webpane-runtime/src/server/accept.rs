//! Accepting apps: the server's side of the listener (see `acceptor.rs` for the rules).

use glib::{ControlFlow, IOCondition};
use std::os::fd::{AsFd, AsRawFd};
use std::rc::Rc;
use webpane_ipc::{Handshake, IpcError, PendingConnection};

use super::acceptor::*;
use super::state::Server;

impl Server {
    /// Starts (or resumes) watching the listening socket.
    pub(super) fn watch_listener(self: &Rc<Self>) {
        if !self.acceptor.refill_reserve() {
            self.pause_accepting(IpcError::Io(std::io::Error::from_raw_os_error(libc_errno::EMFILE)));
            return;
        }
        let Some(fd) = self.folder.borrow().as_ref().map(|f| f.listener().as_fd().as_raw_fd()) else {
            return;
        };
        let source = self.watch_fd(fd, IOCondition::IN, |server| match server.accept_pending() {
            Accepted::Drained => {
                if server.acceptor.backoff.take().is_some() {
                    log::info!("accepting clients again");
                }
                ControlFlow::Continue
            }
            Accepted::OutOfResources(e) => {
                server.acceptor.listener_watch.replace(None);
                server.pause_accepting(e);
                ControlFlow::Break
            }
        });
        if let Some(old) = self.acceptor.listener_watch.replace(Some(source)) {
            old.remove();
        }
    }

    /// `accept` failed for want of descriptors or memory: try again later, not in a hot loop.
    fn pause_accepting(self: &Rc<Self>, e: IpcError) {
        // Room for GLib and WebKit while clients wait.
        self.acceptor.reserve.borrow_mut().clear();
        let delay = match self.acceptor.backoff.get() {
            None => {
                log::warn!(
                    "cannot accept clients ({e}); {} clients, {} half-open; retrying every {FIRST_BACKOFF:?}–{MAX_BACKOFF:?} until descriptors free up",
                    self.clients.borrow().len(),
                    self.acceptor.pending()
                );
                FIRST_BACKOFF
            }
            Some(d) => (d * 2).min(MAX_BACKOFF),
        };
        self.acceptor.backoff.set(Some(delay));
        let weak = Rc::downgrade(self);
        glib::timeout_add_local_once(delay, move || {
            if let Some(server) = weak.upgrade()
                && !server.quitting.get()
            {
                server.watch_listener();
            }
        });
    }

    fn accept_pending(self: &Rc<Self>) -> Accepted {
        loop {
            let accepted = match self.folder.borrow().as_ref() {
                Some(folder) => folder.listener().try_accept_pending(),
                None => return Accepted::Drained,
            };
            let pending = match accepted {
                Ok(Some(pending)) => pending,
                Ok(None) => return Accepted::Drained,
                Err(IpcError::Io(e))
                    if matches!(
                        e.raw_os_error(),
                        Some(libc_errno::EMFILE | libc_errno::ENFILE | libc_errno::ENOBUFS | libc_errno::ENOMEM)
                    ) =>
                {
                    return Accepted::OutOfResources(IpcError::Io(e));
                }
                Err(e) => {
                    log::warn!("accept failed: {e}");
                    return Accepted::Drained;
                }
            };
            let peer = pending.peer_credentials();
            if peer.uid != self.uid {
                // Before a word is said to it.
                log::warn!("refused a client of uid {} (pid {})", peer.uid, peer.pid);
                continue;
            }
            self.advance_handshake(None, pending);
        }
    }

    /// Moves a client's handshake on; `id` is its slot among the pending ones, if it has one.
    fn advance_handshake(self: &Rc<Self>, id: Option<u64>, conn: PendingConnection) {
        match conn.advance() {
            Ok(Handshake::Done(conn)) => {
                if let Some(id) = id {
                    self.acceptor.pending.borrow_mut().remove(&id);
                }
                self.add_client(conn);
            }
            Ok(Handshake::Pending(conn)) => match id {
                Some(id) => {
                    if let Some(slot) = self.acceptor.pending.borrow_mut().get_mut(&id) {
                        slot.conn = Some(conn);
                    }
                }
                None => self.wait_for_hello(conn),
            },
            Err(e) => {
                log::debug!("a client failed the handshake: {e}");
                if let Some(id) = id {
                    self.acceptor.pending.borrow_mut().remove(&id);
                }
            }
        }
    }

    fn wait_for_hello(self: &Rc<Self>, conn: PendingConnection) {
        let id = self.acceptor.next.get();
        self.acceptor.next.set(id + 1);
        let fd = conn.as_fd().as_raw_fd();
        let watch = self.watch_fd(
            fd,
            IOCondition::IN | IOCondition::HUP | IOCondition::ERR,
            move |server| {
                let conn = server
                    .acceptor
                    .pending
                    .borrow_mut()
                    .get_mut(&id)
                    .and_then(|p| p.conn.take());
                match conn {
                    Some(conn) => {
                        server.advance_handshake(Some(id), conn);
                        let still_pending = server.acceptor.pending.borrow().contains_key(&id);
                        if still_pending {
                            ControlFlow::Continue
                        } else {
                            // The slot is gone, and its Drop already removed this source.
                            ControlFlow::Break
                        }
                    }
                    None => {
                        server.acceptor.pending.borrow_mut().remove(&id);
                        ControlFlow::Break
                    }
                }
            },
        );
        let weak = Rc::downgrade(self);
        let timer = glib::timeout_add_local_once(HANDSHAKE_TIMEOUT, move || {
            if let Some(server) = weak.upgrade() {
                let slot = server.acceptor.pending.borrow_mut().remove(&id);
                if let Some(mut slot) = slot {
                    slot.timer = None; // this very source, already finished
                    log::debug!("a client did not complete the handshake within {HANDSHAKE_TIMEOUT:?}");
                }
            }
        });
        let mut pending = self.acceptor.pending.borrow_mut();
        pending.insert(
            id,
            Pending {
                conn: Some(conn),
                watch: Some(watch),
                timer: Some(timer),
            },
        );
        while pending.len() > MAX_PENDING {
            // The oldest half-open client makes room for the newest.
            pending.pop_first();
        }
    }
}

/// The errno values `accept` reports when the process or system is out of resources.
mod libc_errno {
    pub const EMFILE: i32 = rustix::io::Errno::MFILE.raw_os_error();
    pub const ENFILE: i32 = rustix::io::Errno::NFILE.raw_os_error();
    pub const ENOBUFS: i32 = rustix::io::Errno::NOBUFS.raw_os_error();
    pub const ENOMEM: i32 = rustix::io::Errno::NOMEM.raw_os_error();
}
