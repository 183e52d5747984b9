//! Fuzzes the receive side of a message with bytes *and* file descriptors as input.
//!
//! The first input byte says how many fds (0–7) come with the message (low three bits) and which
//! type to decode it as (the next two bits: an app request, a runtime message, or a type with fd
//! references of every kind; zero-fd requests reach the body decoder too); one byte each then
//! picks what the fd really is (sealed or unsealed memfd, read-only memfd, short memfd, pipe ends, a
//! directory, a socket, a regular file). The rest is the message: the fd tags and a body, decoded
//! as webpane's `AppMessage`, `RuntimeMessage`, or a type with fd references of every kind.
//! Whatever the input, decoding must return a typed result without
//! panicking, taking fds as the body says must not panic, and no fd may outlive the message.

#![no_main]

use std::collections::BTreeMap;
use std::os::fd::OwnedFd;

use libfuzzer_sys::fuzz_target;
use rustix::fs::{MemfdFlags, Mode, OFlags, SealFlags};
use serde::Deserialize;
use webpane_ipc::{FdRef, SharedMemory, decode_message};

#[allow(dead_code)]
#[derive(Debug, Deserialize)]
enum Message {
    Hello { version: u32, name: String },
    Navigate { webview: u64, uri: String, headers: BTreeMap<String, String> },
    PostBuffer { webview: u64, memory: FdRef, read_only: bool, extra: Option<String> },
    SaveTo { file: FdRef, format: u8 },
    Channel { socket: FdRef },
    Many(Vec<FdRef>),
    Nested(Vec<Option<(i64, f64, Vec<u8>)>>),
}

fn make_fd(selector: u8) -> Option<OwnedFd> {
    let memfd = |size: u64, seals: SealFlags| {
        let fd = rustix::fs::memfd_create("fuzz", MemfdFlags::CLOEXEC | MemfdFlags::ALLOW_SEALING).ok()?;
        rustix::fs::ftruncate(&fd, size).ok()?;
        rustix::fs::fcntl_add_seals(&fd, seals).ok()?;
        Some(fd)
    };
    match selector % 9 {
        0 => SharedMemory::create(4096).ok().map(SharedMemory::into_fd),
        1 => SharedMemory::create(4096).ok()?.read_only().ok().map(|r| r.into_fd()),
        2 => memfd(4096, SealFlags::empty()),
        3 => memfd(16, SealFlags::SHRINK | SealFlags::GROW),
        4 => rustix::pipe::pipe().ok().map(|(r, _)| r),
        5 => rustix::pipe::pipe().ok().map(|(_, w)| w),
        6 => rustix::fs::open("/tmp", OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC, Mode::empty()).ok(),
        7 => rustix::net::socketpair(
            rustix::net::AddressFamily::UNIX,
            rustix::net::SocketType::SEQPACKET,
            rustix::net::SocketFlags::CLOEXEC,
            None,
        )
        .ok()
        .map(|(a, _)| a),
        _ => rustix::fs::open("/proc/self/exe", OFlags::RDONLY | OFlags::CLOEXEC, Mode::empty()).ok(),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else { return };
    let count = (first & 7) as usize;
    let kind = (first >> 3) % 3;
    if rest.len() < count {
        return;
    }
    let (selectors, bytes) = rest.split_at(count);
    let fds: Vec<OwnedFd> = selectors.iter().filter_map(|s| make_fd(*s)).collect();
    // The real protocol types, as the runtime and the SDK decode them.
    match kind {
        1 => {
            let _ = decode_message::<webpane_ipc::protocol::AppMessage>(bytes, fds);
            return;
        }
        2 => {
            let _ = decode_message::<webpane_ipc::protocol::RuntimeMessage>(bytes, fds);
            return;
        }
        _ => {}
    }
    if let Ok(mut received) = decode_message::<Message>(bytes, fds) {
        let refs: Vec<FdRef> = match &received.message {
            Message::PostBuffer { memory, .. } => vec![*memory],
            Message::SaveTo { file, .. } => vec![*file],
            Message::Channel { socket } => vec![*socket],
            Message::Many(v) => v.clone(),
            _ => Vec::new(),
        };
        for r in refs {
            if let Ok(m) = received.fds.take_shared_memory(r) {
                let _ = m.map().map(|map| map.write_at(0, b"fuzz"));
            }
            if let Ok(m) = received.fds.take_shared_memory_read_only(r) {
                let _ = m.map().map(|map| map.read_at(0, &mut [0u8; 4]));
            }
            let _ = received.fds.take_file(r);
            let _ = received.fds.take_socket(r);
        }
    }
});
