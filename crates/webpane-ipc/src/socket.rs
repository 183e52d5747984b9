//! The socket layer under [`transport`](crate::transport): `SOCK_SEQPACKET` sockets, the
//! peer's credentials, and waiting for readiness with a deadline.

use std::os::fd::{BorrowedFd, OwnedFd};
use std::path::Path;
use std::time::Instant;

use rustix::event::{PollFd, PollFlags};
use rustix::io::Errno;
use rustix::net::{AddressFamily, SocketAddrUnix, SocketFlags, SocketType};

use crate::contract::limits::MAX_FDS_PER_MESSAGE;
use crate::error::IpcError;

/// Room for the most fds one message may carry, as `SCM_RIGHTS` ancillary data.
pub(crate) const CMSG_SPACE: usize = rustix::cmsg_space!(ScmRights(MAX_FDS_PER_MESSAGE));

/// The peer process's identity, from `SO_PEERCRED` at connection time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerCredentials {
    /// The peer's process id (in our pid namespace; 0 if it is not visible there).
    pub pid: i32,
    /// The peer's effective user id.
    pub uid: u32,
    /// The peer's effective group id.
    pub gid: u32,
}

impl PeerCredentials {
    /// The credentials of a connected Unix socket's peer (`SO_PEERCRED`).
    pub(crate) fn of(fd: &OwnedFd) -> Result<PeerCredentials, IpcError> {
        let cred = rustix::net::sockopt::socket_peercred(fd)?;
        Ok(PeerCredentials {
            pid: cred.pid.as_raw_nonzero().get(),
            uid: cred.uid.as_raw(),
            gid: cred.gid.as_raw(),
        })
    }
}

pub(crate) fn seqpacket() -> rustix::io::Result<OwnedFd> {
    rustix::net::socket_with(
        AddressFamily::UNIX,
        SocketType::SEQPACKET,
        SocketFlags::CLOEXEC | SocketFlags::NONBLOCK,
        None,
    )
}

/// A `SOCK_SEQPACKET` socket connected to `path`, and the listener's credentials (`SO_PEERCRED`:
/// those it had when it called `listen`). With `wait`, `connect` waits for room in a full listen
/// backlog; without, it fails at once and the socket is non-blocking.
pub(crate) fn connect_socket(path: &Path, wait: bool) -> Result<(OwnedFd, PeerCredentials), IpcError> {
    let flags = if wait {
        SocketFlags::CLOEXEC
    } else {
        SocketFlags::CLOEXEC | SocketFlags::NONBLOCK
    };
    let fd = rustix::net::socket_with(AddressFamily::UNIX, SocketType::SEQPACKET, flags, None)?;
    rustix::net::connect(&fd, &SocketAddrUnix::new(path)?)?;
    let peer = PeerCredentials::of(&fd)?;
    Ok((fd, peer))
}

/// Waits until `fd` is ready for `flags`: `Ok(false)` when `deadline` passes first.
pub(crate) fn wait(fd: BorrowedFd<'_>, flags: PollFlags, deadline: Option<Instant>) -> Result<bool, IpcError> {
    loop {
        let timeout = match deadline {
            Some(d) => {
                let left = d.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Ok(false);
                }
                Some(
                    rustix::event::Timespec::try_from(left).unwrap_or(rustix::event::Timespec {
                        tv_sec: i64::MAX,
                        tv_nsec: 0,
                    }),
                )
            }
            None => None,
        };
        let mut fds = [PollFd::new(&fd, flags)];
        match rustix::event::poll(&mut fds, timeout.as_ref()) {
            Ok(0) => continue,
            Ok(_) => return Ok(true),
            Err(Errno::INTR) => continue,
            Err(e) => return Err(e.into()),
        }
    }
}
