//! The server side of [`transport`](crate::transport): a [`Listener`] at a path, and clients
//! accepted but not yet through the handshake ([`PendingConnection`]).

use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::Path;
use std::time::Duration;

use rustix::event::PollFlags;
use rustix::io::Errno;
use rustix::net::{SocketAddrUnix, SocketFlags};

use crate::error::IpcError;
use crate::handshake::{send_hello, try_recv_hello};
use crate::socket::{PeerCredentials, seqpacket, wait};
use crate::transport::Connection;

/// A listening socket at a filesystem path (mode 0600); accepts [`Connection`]s.
#[derive(Debug)]
pub struct Listener {
    fd: OwnedFd,
}

impl Listener {
    /// Binds and listens at `path`, which must not exist. The socket file is made mode 0600.
    pub fn bind(path: impl AsRef<Path>) -> Result<Listener, IpcError> {
        let fd = seqpacket()?;
        let addr = SocketAddrUnix::new(path.as_ref())?;
        rustix::net::bind(&fd, &addr)?;
        rustix::fs::chmod(path.as_ref(), rustix::fs::Mode::from_raw_mode(0o600))?;
        rustix::net::listen(&fd, 128)?;
        Ok(Listener { fd })
    }

    /// Waits for a client and completes the handshake with it (at most `handshake_timeout`).
    pub fn accept(&self, handshake_timeout: Duration) -> Result<Connection, IpcError> {
        loop {
            if let Some(c) = self.try_accept(handshake_timeout)? {
                return Ok(c);
            }
            wait(self.fd.as_fd(), PollFlags::IN, None)?;
        }
    }

    /// Accepts a waiting client, if there is one, without talking to it: its credentials are
    /// known at once, and the handshake is completed later without blocking
    /// ([`PendingConnection::advance`]). A server checks who it is before saying anything.
    pub fn try_accept_pending(&self) -> Result<Option<PendingConnection>, IpcError> {
        match rustix::net::accept_with(&self.fd, SocketFlags::CLOEXEC | SocketFlags::NONBLOCK) {
            Ok(fd) => PendingConnection::new(fd).map(Some),
            Err(Errno::AGAIN | Errno::INTR | Errno::CONNABORTED) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Accepts a waiting client, if there is one, and completes the handshake with it.
    pub fn try_accept(&self, handshake_timeout: Duration) -> Result<Option<Connection>, IpcError> {
        match rustix::net::accept_with(&self.fd, SocketFlags::CLOEXEC | SocketFlags::NONBLOCK) {
            Ok(fd) => Connection::handshake(fd, handshake_timeout).map(Some),
            Err(Errno::AGAIN | Errno::INTR) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }
}

impl AsFd for Listener {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

/// A client a server accepted but has not finished the handshake with.
///
/// Its credentials are known at once (`SO_PEERCRED`), before anything is said to it; the
/// handshake then completes without ever blocking the server's loop: call
/// [`advance`](Self::advance) whenever the socket is readable, and drop it at a deadline.
#[derive(Debug)]
pub struct PendingConnection {
    fd: OwnedFd,
    peer: PeerCredentials,
    said_hello: bool,
}

/// Where a [`PendingConnection`]'s handshake stands.
#[derive(Debug)]
pub enum Handshake {
    /// Both hellos exchanged: a connection ready for messages.
    Done(Connection),
    /// The peer's hello has not arrived yet: wait until the socket is readable.
    Pending(PendingConnection),
}

impl PendingConnection {
    pub(crate) fn new(fd: OwnedFd) -> Result<PendingConnection, IpcError> {
        Ok(PendingConnection {
            peer: PeerCredentials::of(&fd)?,
            fd,
            said_hello: false,
        })
    }

    /// The client's credentials, taken at accept.
    pub fn peer_credentials(&self) -> PeerCredentials {
        self.peer
    }

    /// Says our hello (once) and reads the client's if it has arrived. Never blocks.
    pub fn advance(mut self) -> Result<Handshake, IpcError> {
        if !self.said_hello {
            send_hello(self.fd.as_fd())?;
            self.said_hello = true;
        }
        if try_recv_hello(self.fd.as_fd())? {
            Connection::new(self.fd).map(Handshake::Done)
        } else {
            Ok(Handshake::Pending(self))
        }
    }
}

impl AsFd for PendingConnection {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}
