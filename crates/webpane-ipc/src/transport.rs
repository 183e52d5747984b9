//! Unix `SOCK_SEQPACKET` connections: handshake, framing, fd passing, peer credentials.
//!
//! # Handshake
//! Each side sends one 16-byte packet first: the magic `WEBPANE\0`, then
//! [`PROTOCOL_VERSION`](crate::contract::PROTOCOL_VERSION) and a reserved word, both little-endian `u32`.
//! This layout never changes, so any two versions can tell each other apart: a different version
//! is [`IpcError::VersionMismatch`], anything else [`IpcError::BadHandshake`].
//!
//! # Framing
//! A logical message (see [`wire`](crate::wire)) travels as one or more packets of at most
//! [`MAX_PACKET_SIZE`] bytes. Each packet starts with one flag byte; bit 0 (`MORE`) says another
//! packet of the same message follows. File descriptors ride on the first packet only
//! (`SCM_RIGHTS`, received with `MSG_CMSG_CLOEXEC`). Sending holds a lock for the whole message, so
//! packets of concurrent senders never interleave. `MSG_TRUNC` and `MSG_CTRUNC` are errors; the fds
//! of a rejected message are closed, and the rest of its packets are skipped. An empty packet cannot
//! be told from end of stream and reads as [`IpcError::Disconnected`]; webpane never sends one.
//!
//! # Blocking
//! Sockets are non-blocking underneath. [`Connection::recv`] waits; [`Connection::try_recv`] returns
//! `None` when no complete message is there, so an event loop can poll [`Connection::as_fd`] for
//! readability and drain. [`Connection::send`] waits for room in the peer's queue, up to the send
//! timeout if one is set ([`Connection::set_send_timeout`]); [`Connection::queue`] never waits:
//! what the socket does not take stays in an outgoing queue, sent in order by later calls
//! ([`Connection::flush`] when the socket is writable).
//!
//! ```
//! use webpane_ipc::{Connection, Outgoing};
//!
//! let (a, b) = Connection::pair()?;
//! a.send(&("ping", 1u32), Outgoing::new())?;
//! let got = b.recv::<(String, u32)>()?;
//! assert_eq!(got.message, ("ping".to_string(), 1));
//! # Ok::<(), webpane_ipc::IpcError>(())
//! ```
//!
//! # References
//! - [`unix(7)`](https://man7.org/linux/man-pages/man7/unix.7.html) (SCM_RIGHTS, SO_PEERCRED)
//! - [`recvmsg(2)`](https://man7.org/linux/man-pages/man2/recvmsg.2.html) (MSG_TRUNC, MSG_CTRUNC)

use std::collections::VecDeque;
use std::io::{IoSlice, IoSliceMut};
use std::mem::MaybeUninit;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rustix::event::PollFlags;
use rustix::io::Errno;
use rustix::net::{
    AddressFamily, RecvAncillaryBuffer, RecvAncillaryMessage, RecvFlags, ReturnFlags, SendAncillaryBuffer,
    SendAncillaryMessage, SendFlags, Shutdown, SocketFlags, SocketType,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::contract::limits::{MAX_FDS_PER_MESSAGE, MAX_MESSAGE_SIZE};
use crate::error::{BadMessage, IpcError};
use crate::handshake::{recv_hello, send_hello, try_recv_hello};
use crate::socket::{CMSG_SPACE, PeerCredentials, connect_socket, wait};
use crate::wire::{Outgoing, Received, decode_message, encode_message};

/// The largest packet on the wire, header byte included. Larger messages are split.
pub const MAX_PACKET_SIZE: usize = 64 * 1024;

/// How long a new connection waits for the peer's handshake by default.
pub const DEFAULT_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

const FLAG_MORE: u8 = 0x01;

/// A logical message as it arrived: its bytes (fd tags and body, still encoded) and its fds.
pub type RawMessage = (Vec<u8>, Vec<OwnedFd>);

/// One framed packet waiting to be sent, with the fds it carries (first packets only).
struct Packet {
    data: Vec<u8>,
    fds: Vec<OwnedFd>,
}

/// Packets not yet accepted by the socket, in order. Holding the lock while sending keeps the
/// packets of concurrent senders from interleaving.
#[derive(Default)]
struct Outbox {
    packets: VecDeque<Packet>,
    bytes: usize,
    /// Whether the last packet that left began or continued a message that is not finished.
    mid_message: bool,
}

impl Outbox {
    /// Frames a logical message into packets and queues them; fds are duplicated so that the
    /// caller's borrow can end (take-mode fds are closed by the caller's `Outgoing` as before).
    fn push(&mut self, bytes: &[u8], fds: &[BorrowedFd<'_>]) -> Result<(), IpcError> {
        if bytes.len() > MAX_MESSAGE_SIZE {
            return Err(IpcError::MessageTooLarge {
                size: bytes.len(),
                max: MAX_MESSAGE_SIZE,
            });
        }
        if fds.len() > MAX_FDS_PER_MESSAGE {
            return Err(IpcError::TooManyFds {
                count: fds.len(),
                max: MAX_FDS_PER_MESSAGE,
            });
        }
        let mut owned = Vec::with_capacity(fds.len());
        for fd in fds {
            owned.push(rustix::io::fcntl_dupfd_cloexec(fd, 0)?);
        }
        let chunk = MAX_PACKET_SIZE - 1;
        let count = bytes.len().div_ceil(chunk).max(1);
        for i in 0..count {
            let body = &bytes[(i * chunk).min(bytes.len())..((i + 1) * chunk).min(bytes.len())];
            let mut data = Vec::with_capacity(body.len() + 1);
            data.push(if i + 1 < count { FLAG_MORE } else { 0 });
            data.extend_from_slice(body);
            self.bytes += data.len();
            let fds = if i == 0 { std::mem::take(&mut owned) } else { Vec::new() };
            self.packets.push_back(Packet { data, fds });
        }
        Ok(())
    }

    fn clear(&mut self) {
        self.packets.clear();
        self.bytes = 0;
        self.mid_message = false;
    }

    /// Drops every message that has not begun to leave; the rest of one that has is kept.
    fn drop_unstarted(&mut self) {
        let keep = if self.mid_message {
            self.packets
                .iter()
                .position(|p| p.data.first().is_some_and(|f| f & FLAG_MORE == 0))
                .map_or(self.packets.len(), |last| last + 1)
        } else {
            0
        };
        self.packets.truncate(keep);
        self.bytes = self.packets.iter().map(|p| p.data.len()).sum();
    }
}

#[derive(Default)]
struct RecvState {
    partial: Vec<u8>,
    fds: Vec<OwnedFd>,
    in_message: bool,
    skipping: bool,
}

/// One end of a connection carrying typed messages with fds.
///
/// `Send + Sync`: several threads may send at once (messages never interleave) and one may
/// receive.
pub struct Connection {
    fd: OwnedFd,
    peer: PeerCredentials,
    outbox: Mutex<Outbox>,
    recv_state: Mutex<RecvState>,
    send_timeout: Mutex<Option<Duration>>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("fd", &self.fd)
            .field("peer", &self.peer)
            .finish()
    }
}

impl Connection {
    /// A connected pair in this process (tests, threads, or handing one end to a child).
    pub fn pair() -> Result<(Connection, Connection), IpcError> {
        let (a, b) = Self::pair_with_fd()?;
        Ok((a, Self::new(b)?))
    }

    /// A connected pair of which one end stays here and the other, already past the handshake,
    /// is a bare fd to hand to another process (for [`Connection::adopt`] there).
    pub fn pair_with_fd() -> Result<(Connection, OwnedFd), IpcError> {
        let (a, b) = rustix::net::socketpair(
            AddressFamily::UNIX,
            SocketType::SEQPACKET,
            SocketFlags::CLOEXEC | SocketFlags::NONBLOCK,
            None,
        )?;
        send_hello(a.as_fd())?;
        send_hello(b.as_fd())?;
        let deadline = Some(Instant::now() + DEFAULT_HANDSHAKE_TIMEOUT);
        recv_hello(a.as_fd(), deadline)?;
        recv_hello(b.as_fd(), deadline)?;
        Ok((Self::new(a)?, b))
    }

    /// Takes over an end made by [`Connection::pair_with_fd`] in another process (received with
    /// `SCM_RIGHTS`): it must be a `SOCK_SEQPACKET` Unix socket; it is made non-blocking.
    pub fn adopt(fd: OwnedFd) -> Result<Connection, IpcError> {
        if rustix::net::sockopt::socket_type(&fd)? != SocketType::SEQPACKET {
            return Err(IpcError::Io(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "not a SOCK_SEQPACKET socket",
            )));
        }
        rustix::io::ioctl_fionbio(&fd, true)?;
        Self::new(fd)
    }

    /// Connects to a [`Listener`](crate::Listener) at `path` and performs the handshake.
    pub fn connect(path: impl AsRef<Path>) -> Result<Connection, IpcError> {
        let (fd, _) = connect_socket(path.as_ref(), true)?;
        rustix::io::ioctl_fionbio(&fd, true)?;
        Self::handshake(fd, DEFAULT_HANDSHAKE_TIMEOUT)
    }

    /// Connects like [`connect`](Self::connect), but first checks who listens (`SO_PEERCRED`,
    /// the listener's credentials): only a process of our effective uid, or root, is spoken to.
    /// Anyone else gets nothing, not even the handshake: [`IpcError::UntrustedPeer`].
    pub fn connect_trusted(path: impl AsRef<Path>) -> Result<Connection, IpcError> {
        let (fd, peer) = connect_socket(path.as_ref(), true)?;
        let ours = rustix::process::geteuid().as_raw();
        if peer.uid != ours && peer.uid != 0 {
            return Err(IpcError::UntrustedPeer {
                uid: peer.uid,
                pid: peer.pid as u32,
                ours,
            });
        }
        rustix::io::ioctl_fionbio(&fd, true)?;
        Self::handshake(fd, DEFAULT_HANDSHAKE_TIMEOUT)
    }

    /// The pid of whoever listens at `path`, found without a word said (a connect and its
    /// `SO_PEERCRED`; the connection is closed at once, never waiting). `None` when nobody
    /// listens there (or its backlog is full).
    pub fn listener_pid(path: impl AsRef<Path>) -> Option<u32> {
        connect_socket(path.as_ref(), false)
            .ok()
            .map(|(_, peer)| peer.pid as u32)
    }

    /// The pid of a live server listening at `path`: it must accept and say its hello within
    /// `timeout` (we say nothing; the connection is closed at once). `None` when nobody
    /// listens, or the listener is dying or does not answer. Never waits longer than `timeout`.
    pub fn answering_listener_pid(path: impl AsRef<Path>, timeout: Duration) -> Option<u32> {
        let (fd, peer) = connect_socket(path.as_ref(), false).ok()?;
        let deadline = Instant::now() + timeout;
        while !try_recv_hello(fd.as_fd()).ok()? {
            if !wait(fd.as_fd(), PollFlags::IN, Some(deadline)).ok()? {
                return None;
            }
        }
        Some(peer.pid as u32)
    }

    /// Wraps an already connected `SOCK_SEQPACKET` socket (for example one received in a message)
    /// and performs the handshake, waiting at most `timeout` for the peer's half.
    pub fn from_fd(fd: OwnedFd, timeout: Duration) -> Result<Connection, IpcError> {
        rustix::io::ioctl_fionbio(&fd, true)?;
        Self::handshake(fd, timeout)
    }

    pub(crate) fn handshake(fd: OwnedFd, timeout: Duration) -> Result<Connection, IpcError> {
        send_hello(fd.as_fd())?;
        recv_hello(fd.as_fd(), Some(Instant::now() + timeout)).map_err(|e| match e {
            IpcError::Io(ref io) if io.kind() == std::io::ErrorKind::TimedOut => IpcError::HandshakeTimeout(timeout),
            e => e,
        })?;
        Self::new(fd)
    }

    pub(crate) fn new(fd: OwnedFd) -> Result<Connection, IpcError> {
        Ok(Connection {
            peer: PeerCredentials::of(&fd)?,
            fd,
            outbox: Mutex::new(Outbox::default()),
            recv_state: Mutex::new(RecvState::default()),
            send_timeout: Mutex::new(None),
        })
    }

    /// The peer's credentials, taken when the connection was made.
    pub fn peer_credentials(&self) -> PeerCredentials {
        self.peer
    }

    /// Limits how long [`Connection::send`] waits for room in the peer's queue (`None`: forever).
    /// A send that times out mid-message shuts the connection down, since the peer would otherwise
    /// see half a message.
    pub fn set_send_timeout(&self, timeout: Option<Duration>) {
        *self.send_timeout.lock().unwrap_or_else(|p| p.into_inner()) = timeout;
    }

    /// Shuts both directions down; the peer sees [`IpcError::Disconnected`].
    pub fn shutdown(&self) {
        let _ = rustix::net::shutdown(&self.fd, Shutdown::Both);
    }

    /// Sends a message with its fds. Owned fds in `fds` are closed once sent (or on error).
    pub fn send<T: Serialize + ?Sized>(&self, message: &T, fds: Outgoing<'_>) -> Result<(), IpcError> {
        let bytes = encode_message(message, &fds.kinds())?;
        let borrowed = fds.borrowed();
        self.send_bytes(&bytes, &borrowed)
    }

    /// Sends an already encoded logical message, waiting for room (up to the send timeout).
    /// Exposed so tests and fuzzers can put arbitrary bytes and fds on the wire; the receiver
    /// treats them like any other message. Messages queued earlier go first.
    pub fn send_bytes(&self, bytes: &[u8], fds: &[BorrowedFd<'_>]) -> Result<(), IpcError> {
        let mut outbox = self.outbox.lock().unwrap_or_else(|p| p.into_inner());
        outbox.push(bytes, fds)?;
        let timeout = *self.send_timeout.lock().unwrap_or_else(|p| p.into_inner());
        let deadline = timeout.map(|t| Instant::now() + t);
        match self.flush_locked(&mut outbox, Some(deadline)) {
            Ok(_) => Ok(()),
            Err(e) => {
                // Part of a message may be on the wire: the peer must not see the rest of the
                // stream out of step, so the connection ends here.
                outbox.clear();
                self.shutdown();
                Err(e)
            }
        }
    }

    /// Queues a message without waiting and sends as much as the socket takes now. Returns
    /// whether everything queued has gone out; if not, poll [`as_fd`](AsFd::as_fd) for
    /// writability and call [`flush`](Self::flush). For event loops that must never block on a
    /// slow peer; [`queued_bytes`](Self::queued_bytes) tells how far behind the peer is.
    pub fn queue<T: Serialize + ?Sized>(&self, message: &T, fds: Outgoing<'_>) -> Result<bool, IpcError> {
        let bytes = encode_message(message, &fds.kinds())?;
        let borrowed = fds.borrowed();
        let mut outbox = self.outbox.lock().unwrap_or_else(|p| p.into_inner());
        outbox.push(&bytes, &borrowed)?;
        self.flush_locked(&mut outbox, None)
    }

    /// A last word to a peer that is being disconnected: every queued message that has not begun
    /// to leave is dropped (one already partly sent is finished first, so the peer never sees
    /// half a message), `message` is queued in their place, and what the socket takes is sent.
    /// Returns whether the queue is empty.
    pub fn replace_queue_with<T: Serialize + ?Sized>(&self, message: &T) -> Result<bool, IpcError> {
        let bytes = encode_message(message, &[])?;
        let mut outbox = self.outbox.lock().unwrap_or_else(|p| p.into_inner());
        outbox.drop_unstarted();
        outbox.push(&bytes, &[])?;
        self.flush_locked(&mut outbox, None)
    }

    /// Sends queued packets until the socket is full; returns whether the queue is empty.
    pub fn flush(&self) -> Result<bool, IpcError> {
        let mut outbox = self.outbox.lock().unwrap_or_else(|p| p.into_inner());
        self.flush_locked(&mut outbox, None)
    }

    /// Bytes queued and not yet accepted by the socket.
    pub fn queued_bytes(&self) -> usize {
        self.outbox.lock().unwrap_or_else(|p| p.into_inner()).bytes
    }

    /// `wait`: None → never wait (return false when the socket is full); Some(deadline) → wait.
    fn flush_locked(&self, outbox: &mut Outbox, wait_until: Option<Option<Instant>>) -> Result<bool, IpcError> {
        while let Some(packet) = outbox.packets.front() {
            let fds: Vec<BorrowedFd<'_>> = packet.fds.iter().map(|f| f.as_fd()).collect();
            match self.send_packet(&packet.data, &fds) {
                Ok(true) => {
                    let sent = outbox.packets.pop_front();
                    outbox.mid_message = sent
                        .as_ref()
                        .is_some_and(|p| p.data.first().is_some_and(|f| f & FLAG_MORE != 0));
                    outbox.bytes -= sent.map_or(0, |p| p.data.len());
                }
                Ok(false) => match wait_until {
                    None => return Ok(false),
                    Some(deadline) => {
                        if !wait(self.fd.as_fd(), PollFlags::OUT, deadline)? {
                            return Err(IpcError::Io(std::io::Error::new(
                                std::io::ErrorKind::TimedOut,
                                "the peer does not read its messages",
                            )));
                        }
                    }
                },
                Err(e) => return Err(e),
            }
        }
        Ok(true)
    }

    /// One attempt to send one packet: Ok(false) when the socket is full.
    fn send_packet(&self, data: &[u8], fds: &[BorrowedFd<'_>]) -> Result<bool, IpcError> {
        let iov = [IoSlice::new(data)];
        let mut space = [MaybeUninit::<u8>::uninit(); CMSG_SPACE];
        loop {
            let mut control = SendAncillaryBuffer::new(&mut space);
            if !fds.is_empty() && !control.push(SendAncillaryMessage::ScmRights(fds)) {
                return Err(IpcError::TooManyFds {
                    count: fds.len(),
                    max: MAX_FDS_PER_MESSAGE,
                });
            }
            match rustix::net::sendmsg(&self.fd, &iov, &mut control, SendFlags::NOSIGNAL | SendFlags::DONTWAIT) {
                Ok(_) => return Ok(true),
                Err(Errno::AGAIN) => return Ok(false),
                Err(Errno::INTR) => {}
                Err(Errno::PIPE | Errno::CONNRESET | Errno::NOTCONN) => return Err(IpcError::Disconnected),
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Waits for the next complete message.
    pub fn recv<T: DeserializeOwned>(&self) -> Result<Received<T>, IpcError> {
        self.recv_timeout(None)?.ok_or(IpcError::Disconnected)
    }

    /// Waits at most `timeout` (`None`: forever) for the next complete message.
    pub fn recv_timeout<T: DeserializeOwned>(
        &self,
        timeout: Option<Duration>,
    ) -> Result<Option<Received<T>>, IpcError> {
        let deadline = timeout.map(|t| Instant::now() + t);
        loop {
            if let Some(m) = self.try_recv()? {
                return Ok(Some(m));
            }
            if !wait(self.fd.as_fd(), PollFlags::IN, deadline)? {
                return Ok(None);
            }
        }
    }

    /// Returns the next complete message if one has arrived, without waiting.
    pub fn try_recv<T: DeserializeOwned>(&self) -> Result<Option<Received<T>>, IpcError> {
        match self.try_recv_bytes()? {
            Some((bytes, fds)) => Ok(Some(decode_message(&bytes, fds)?)),
            None => Ok(None),
        }
    }

    /// Reassembles the next logical message without decoding it.
    pub fn try_recv_bytes(&self) -> Result<Option<RawMessage>, IpcError> {
        let mut state = self.recv_state.lock().unwrap_or_else(|p| p.into_inner());
        let mut packet = vec![0u8; MAX_PACKET_SIZE];
        loop {
            let mut space = [MaybeUninit::<u8>::uninit(); CMSG_SPACE];
            let mut control = RecvAncillaryBuffer::new(&mut space);
            let mut iov = [IoSliceMut::new(&mut packet)];
            let result = rustix::net::recvmsg(
                &self.fd,
                &mut iov,
                &mut control,
                RecvFlags::CMSG_CLOEXEC | RecvFlags::DONTWAIT,
            );
            let msg = match result {
                Ok(m) => m,
                Err(Errno::AGAIN) => return Ok(None),
                Err(Errno::INTR) => continue,
                Err(Errno::CONNRESET) => return Err(IpcError::Disconnected),
                Err(e) => return Err(e.into()),
            };
            let mut fds = Vec::new();
            for m in control.drain() {
                if let RecvAncillaryMessage::ScmRights(received) = m {
                    fds.extend(received);
                }
            }
            if msg.bytes == 0 {
                *state = RecvState::default();
                return Err(IpcError::Disconnected);
            }
            let len = msg.bytes.min(MAX_PACKET_SIZE);
            let flags = packet[0];
            let more = flags & FLAG_MORE != 0;
            if state.skipping {
                // The rest of a rejected message: drop it (and any fds) up to its last packet.
                state.skipping = more;
                continue;
            }
            let failure = if msg.flags.contains(ReturnFlags::TRUNC) {
                Some(BadMessage::Truncated)
            } else if msg.flags.contains(ReturnFlags::CTRUNC) {
                Some(BadMessage::ControlTruncated)
            } else if flags & !FLAG_MORE != 0 {
                Some(BadMessage::UnknownFlags(flags))
            } else if state.in_message && !fds.is_empty() {
                Some(BadMessage::FdsOnContinuation)
            } else if state.partial.len() + len - 1 > MAX_MESSAGE_SIZE {
                Some(BadMessage::TooLarge { max: MAX_MESSAGE_SIZE })
            } else {
                None
            };
            if let Some(bad) = failure {
                drop(fds);
                *state = RecvState {
                    skipping: more,
                    ..RecvState::default()
                };
                return Err(bad.into());
            }
            state.partial.extend_from_slice(&packet[1..len]);
            state.fds.extend(fds);
            state.in_message = more;
            if !more {
                let bytes = std::mem::take(&mut state.partial);
                let fds = std::mem::take(&mut state.fds);
                return Ok(Some((bytes, fds)));
            }
        }
    }
}

impl AsFd for Connection {
    /// The socket, for polling readability from an event loop; do not read from it directly.
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}
