//! The transport handshake: each side sends one hello packet (magic and protocol version) and
//! reads the other's. A server completes it without blocking
//! ([`PendingConnection`](crate::PendingConnection)), after it has checked who connected.

use std::io::IoSliceMut;
use std::mem::MaybeUninit;
use std::os::fd::BorrowedFd;
use std::time::Instant;

use rustix::event::PollFlags;
use rustix::io::Errno;
use rustix::net::{RecvAncillaryBuffer, RecvFlags, ReturnFlags, SendFlags};

use crate::contract::limits::PROTOCOL_VERSION;
use crate::error::IpcError;
use crate::socket::{CMSG_SPACE, wait};

const MAGIC: [u8; 8] = *b"WEBPANE\0";
const HELLO_LEN: usize = 16;

pub(crate) fn send_hello(fd: BorrowedFd<'_>) -> Result<(), IpcError> {
    let mut hello = [0u8; HELLO_LEN];
    hello[..8].copy_from_slice(&MAGIC);
    hello[8..12].copy_from_slice(&PROTOCOL_VERSION.to_le_bytes());
    match rustix::net::send(fd, &hello, SendFlags::NOSIGNAL | SendFlags::DONTWAIT) {
        Ok(_) => Ok(()),
        Err(Errno::PIPE | Errno::CONNRESET | Errno::NOTCONN) => Err(IpcError::Disconnected),
        Err(e) => Err(e.into()),
    }
}

pub(crate) fn recv_hello(fd: BorrowedFd<'_>, deadline: Option<Instant>) -> Result<(), IpcError> {
    while !try_recv_hello(fd)? {
        if !wait(fd, PollFlags::IN, deadline)? {
            return Err(IpcError::Io(std::io::ErrorKind::TimedOut.into()));
        }
    }
    Ok(())
}

/// Reads the peer's hello if it is there: `Ok(false)` when nothing has arrived yet.
pub(crate) fn try_recv_hello(fd: BorrowedFd<'_>) -> Result<bool, IpcError> {
    let mut buf = [0u8; HELLO_LEN + 1];
    loop {
        let mut space = [MaybeUninit::<u8>::uninit(); CMSG_SPACE];
        let mut control = RecvAncillaryBuffer::new(&mut space);
        let mut iov = [IoSliceMut::new(&mut buf)];
        match rustix::net::recvmsg(
            fd,
            &mut iov,
            &mut control,
            RecvFlags::CMSG_CLOEXEC | RecvFlags::DONTWAIT,
        ) {
            Ok(msg) => {
                let had_fds = control.drain().next().is_some();
                if msg.bytes == 0 {
                    return Err(IpcError::Disconnected);
                }
                if had_fds || msg.bytes != HELLO_LEN || msg.flags.contains(ReturnFlags::TRUNC) {
                    return Err(IpcError::BadHandshake("the first packet is not a webpane hello"));
                }
                if buf[..8] != MAGIC {
                    return Err(IpcError::BadHandshake("wrong magic"));
                }
                let theirs = u32::from_le_bytes([buf[8], buf[9], buf[10], buf[11]]);
                if theirs != PROTOCOL_VERSION {
                    return Err(IpcError::VersionMismatch {
                        ours: PROTOCOL_VERSION,
                        theirs,
                    });
                }
                return Ok(true);
            }
            Err(Errno::AGAIN) => return Ok(false),
            Err(Errno::INTR) => {}
            Err(Errno::CONNRESET) => return Err(IpcError::Disconnected),
            Err(e) => return Err(e.into()),
        }
    }
}
