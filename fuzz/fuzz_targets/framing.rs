//! Fuzzes packet framing on a real socket: the input is a sequence of raw packets (each a flag
//! byte and a body, optionally with a pipe fd attached) sent by a hostile peer after a correct
//! handshake; the receiving `Connection` reassembles messages (continuation packets, fds only on a
//! first packet, sizes) and decodes them as the runtime decodes app requests. Whatever arrives,
//! the receiver returns typed results, never panics, never blocks, and every fd is closed.

#![no_main]

use std::io::IoSlice;
use std::mem::MaybeUninit;
use std::os::fd::AsFd;

use libfuzzer_sys::fuzz_target;
use rustix::net::{AddressFamily, SendAncillaryBuffer, SendAncillaryMessage, SendFlags, SocketFlags, SocketType};
use webpane_ipc::Connection;

fuzz_target!(|data: &[u8]| {
    let Ok((ours, theirs)) = rustix::net::socketpair(
        AddressFamily::UNIX,
        SocketType::SEQPACKET,
        SocketFlags::CLOEXEC | SocketFlags::NONBLOCK,
        None,
    ) else {
        return;
    };
    // The peer's half of the handshake: magic, version, padding.
    let mut hello = [0u8; 16];
    hello[..8].copy_from_slice(b"WEBPANE\0");
    hello[8..12].copy_from_slice(&webpane_ipc::PROTOCOL_VERSION.to_le_bytes());
    if rustix::net::send(&theirs, &hello, SendFlags::empty()).is_err() {
        return;
    }
    let Ok(conn) = Connection::from_fd(ours, std::time::Duration::from_millis(100)) else {
        return;
    };
    // Packets: [len (2 bytes, capped), with_fd (1 byte), body...].
    let mut rest = data;
    let mut sent = 0;
    while rest.len() >= 3 && sent < 64 {
        let len = (u16::from_le_bytes([rest[0], rest[1]]) as usize).min(rest.len() - 3);
        let with_fd = rest[2] & 1 == 1;
        let body = &rest[3..3 + len];
        rest = &rest[3 + len..];
        let iov = [IoSlice::new(body)];
        let pipe = with_fd.then(rustix::pipe::pipe).and_then(Result::ok);
        let mut space = [MaybeUninit::<u8>::uninit(); rustix::cmsg_space!(ScmRights(1))];
        let mut control = SendAncillaryBuffer::new(&mut space);
        let fds;
        if let Some((r, _w)) = &pipe {
            fds = [r.as_fd()];
            control.push(SendAncillaryMessage::ScmRights(&fds));
        }
        if rustix::net::sendmsg(&theirs, &iov, &mut control, SendFlags::DONTWAIT).is_err() {
            break;
        }
        sent += 1;
        // Read whatever is complete now; a bad message ends the connection as it would in
        // the runtime.
        loop {
            match conn.try_recv::<webpane_ipc::protocol::AppMessage>() {
                Ok(Some(received)) => {
                    let _ = webpane_ipc::validate::app_message(&received.message);
                }
                Ok(None) => break,
                Err(_) => return,
            }
        }
    }
});
