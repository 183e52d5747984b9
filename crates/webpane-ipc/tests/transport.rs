//! The connection itself: typed messages, framing, handshake, limits and bad input.

mod common;

use std::io::IoSlice;
use std::mem::MaybeUninit;
use std::os::fd::{AsFd, OwnedFd};
use std::sync::Arc;
use std::time::Duration;

use rustix::net::{AddressFamily, SendAncillaryBuffer, SendAncillaryMessage, SendFlags, SocketFlags, SocketType};
use serde::{Deserialize, Serialize};
use webpane_ipc::{
    BadMessage, Connection, FdKind, FileAccess, IpcError, MAX_FDS_PER_MESSAGE, MAX_MESSAGE_SIZE, MAX_PACKET_SIZE,
    Outgoing, PROTOCOL_VERSION, encode_message,
};

#[derive(Debug, PartialEq, Serialize, Deserialize)]
enum Msg {
    Small(u32),
    Big(Vec<u8>),
    Text(String),
}

fn raw_pair() -> (OwnedFd, OwnedFd) {
    rustix::net::socketpair(AddressFamily::UNIX, SocketType::SEQPACKET, SocketFlags::CLOEXEC, None).unwrap()
}

fn hello(version: u32) -> [u8; 16] {
    let mut h = [0u8; 16];
    h[..8].copy_from_slice(b"WEBPANE\0");
    h[8..12].copy_from_slice(&version.to_le_bytes());
    h
}

/// A connection whose peer end we drive by hand, after a correct handshake.
fn raw_peer() -> (Connection, OwnedFd) {
    let (ours, theirs) = raw_pair();
    rustix::net::send(&theirs, &hello(PROTOCOL_VERSION), SendFlags::empty()).unwrap();
    let conn = Connection::from_fd(ours, Duration::from_secs(5)).unwrap();
    let mut buf = [0u8; 32];
    assert_eq!(
        rustix::net::recv(&theirs, &mut buf, rustix::net::RecvFlags::empty())
            .unwrap()
            .0,
        16
    );
    (conn, theirs)
}

fn send_packet(fd: &OwnedFd, bytes: &[u8], fds: &[std::os::fd::BorrowedFd<'_>]) {
    let mut space = vec![MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(64))];
    let mut control = SendAncillaryBuffer::new(&mut space);
    if !fds.is_empty() {
        assert!(control.push(SendAncillaryMessage::ScmRights(fds)));
    }
    rustix::net::sendmsg(fd, &[IoSlice::new(bytes)], &mut control, SendFlags::empty()).unwrap();
}

#[test]
fn typed_messages_round_trip_in_order() {
    let (a, b) = Connection::pair().unwrap();
    for i in 0..100 {
        a.send(&Msg::Small(i), Outgoing::new()).unwrap();
    }
    for i in 0..100 {
        assert_eq!(b.recv::<Msg>().unwrap().message, Msg::Small(i));
    }
    assert!(b.try_recv::<Msg>().unwrap().is_none(), "nothing more queued");
}

#[test]
fn large_messages_are_framed_and_reassembled() {
    let (a, b) = Connection::pair().unwrap();
    let a = Arc::new(a);
    for size in [MAX_PACKET_SIZE - 10, MAX_PACKET_SIZE * 3 + 17, 8 << 20] {
        let payload: Vec<u8> = (0..size).map(|i| (i * 31 % 251) as u8).collect();
        let sender = {
            let a = a.clone();
            let payload = payload.clone();
            std::thread::spawn(move || a.send(&Msg::Big(payload), Outgoing::new()).unwrap())
        };
        assert_eq!(b.recv::<Msg>().unwrap().message, Msg::Big(payload));
        sender.join().unwrap();
    }
}

#[test]
fn concurrent_senders_never_interleave_packets() {
    let (a, b) = Connection::pair().unwrap();
    let a = Arc::new(a);
    let threads: Vec<_> = (0..4u8)
        .map(|t| {
            let a = a.clone();
            std::thread::spawn(move || {
                for _ in 0..20 {
                    a.send(&Msg::Big(vec![t; 200_000]), Outgoing::new()).unwrap();
                }
            })
        })
        .collect();
    for _ in 0..80 {
        let Msg::Big(v) = b.recv::<Msg>().unwrap().message else {
            panic!()
        };
        assert_eq!(v.len(), 200_000);
        assert!(v.iter().all(|x| *x == v[0]), "a message mixes bytes of two senders");
    }
    threads.into_iter().for_each(|t| t.join().unwrap());
}

#[test]
fn limits_are_typed_errors_on_send() {
    let (a, _b) = Connection::pair().unwrap();
    let too_big = Msg::Big(vec![0; MAX_MESSAGE_SIZE]);
    assert!(matches!(
        a.send(&too_big, Outgoing::new()),
        Err(IpcError::MessageTooLarge { .. })
    ));
    let pipes: Vec<_> = (0..=MAX_FDS_PER_MESSAGE)
        .map(|_| rustix::pipe::pipe().unwrap())
        .collect();
    let mut out = Outgoing::new();
    for (r, _) in &pipes {
        out.raw(
            FdKind::Pipe {
                access: FileAccess::Read,
            },
            r.as_fd(),
        );
    }
    assert!(matches!(a.send(&Msg::Small(1), out), Err(IpcError::TooManyFds { .. })));
}

#[test]
fn version_mismatch_is_refused_with_both_versions() {
    let (ours, theirs) = raw_pair();
    rustix::net::send(&theirs, &hello(PROTOCOL_VERSION + 1), SendFlags::empty()).unwrap();
    match Connection::from_fd(ours, Duration::from_secs(5)) {
        Err(IpcError::VersionMismatch { ours, theirs }) => {
            assert_eq!((ours, theirs), (PROTOCOL_VERSION, PROTOCOL_VERSION + 1));
        }
        other => panic!("expected a version mismatch, got {other:?}"),
    }
}

#[test]
fn a_peer_that_is_not_webpane_is_refused() {
    let (ours, theirs) = raw_pair();
    rustix::net::send(&theirs, b"GET / HTTP/1.1\r\n", SendFlags::empty()).unwrap();
    assert!(matches!(
        Connection::from_fd(ours, Duration::from_secs(5)),
        Err(IpcError::BadHandshake(_))
    ));
    let (ours, _theirs) = raw_pair();
    assert!(matches!(
        Connection::from_fd(ours, Duration::from_millis(50)),
        Err(IpcError::HandshakeTimeout(_))
    ));
}

#[test]
fn peer_credentials_name_this_process() {
    let (a, _b) = Connection::pair().unwrap();
    let cred = a.peer_credentials();
    assert_eq!(cred.pid, std::process::id() as i32);
    assert_eq!(cred.uid, rustix::process::getuid().as_raw());
}

#[test]
fn garbage_is_a_bad_message_and_the_connection_goes_on() {
    let (conn, peer) = raw_peer();
    send_packet(&peer, &[0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], &[]);
    assert!(matches!(
        conn.recv::<Msg>(),
        Err(IpcError::BadMessage(BadMessage::Decode(_)))
    ));
    send_packet(&peer, &[0x80, 1, 2], &[]);
    assert!(matches!(
        conn.recv::<Msg>(),
        Err(IpcError::BadMessage(BadMessage::UnknownFlags(0x80)))
    ));
    // SEQPACKET cannot tell an empty packet from end of stream: it reads as a disconnect, and a
    // real disconnect would stay one. We never send empty packets.
    send_packet(&peer, &[], &[]);
    assert!(matches!(conn.recv::<Msg>(), Err(IpcError::Disconnected)));
    let mut good = vec![0u8];
    good.extend(encode_message(&Msg::Small(7), &[]).unwrap());
    good.push(0); // a trailing byte
    send_packet(&peer, &good, &[]);
    assert!(matches!(
        conn.recv::<Msg>(),
        Err(IpcError::BadMessage(BadMessage::TrailingBytes(1)))
    ));
    good.pop();
    send_packet(&peer, &good, &[]);
    assert_eq!(conn.recv::<Msg>().unwrap().message, Msg::Small(7));
}

#[test]
fn oversized_packet_is_truncated_and_refused() {
    let (conn, peer) = raw_peer();
    rustix::net::sockopt::set_socket_send_buffer_size(&peer, 4 * MAX_PACKET_SIZE).unwrap();
    let mut big = vec![0u8; MAX_PACKET_SIZE + 100];
    big[0] = 0;
    send_packet(&peer, &big, &[]);
    assert!(matches!(
        conn.recv::<Msg>(),
        Err(IpcError::BadMessage(BadMessage::Truncated))
    ));
}

#[test]
fn fds_on_a_continuation_packet_are_refused() {
    let (conn, peer) = raw_peer();
    let (r, _w) = rustix::pipe::pipe().unwrap();
    let body = encode_message(&Msg::Text("x".repeat(10)), &[]).unwrap();
    let (first, rest) = body.split_at(4);
    send_packet(&peer, &[&[1u8][..], first].concat(), &[]);
    send_packet(&peer, &[&[0u8][..], rest].concat(), &[r.as_fd()]);
    assert!(matches!(
        conn.recv::<Msg>(),
        Err(IpcError::BadMessage(BadMessage::FdsOnContinuation))
    ));
}

#[test]
fn more_fds_than_the_cap_truncate_the_control_message() {
    let (conn, peer) = raw_peer();
    let pipes: Vec<_> = (0..MAX_FDS_PER_MESSAGE + 8)
        .map(|_| rustix::pipe::pipe().unwrap())
        .collect();
    let fds: Vec<_> = pipes.iter().map(|(r, _)| r.as_fd()).collect();
    send_packet(&peer, &[0, 0, 0], &fds);
    assert!(matches!(
        conn.recv::<Msg>(),
        Err(IpcError::BadMessage(BadMessage::ControlTruncated))
    ));
}

#[test]
fn disconnect_is_reported() {
    let (a, b) = Connection::pair().unwrap();
    drop(a);
    assert!(matches!(b.recv::<Msg>(), Err(IpcError::Disconnected)));
    assert!(matches!(
        b.send(&Msg::Small(1), Outgoing::new()),
        Err(IpcError::Disconnected)
    ));
}

#[test]
fn send_timeout_stops_waiting_for_a_peer_that_never_reads() {
    let (a, _b) = Connection::pair().unwrap();
    a.set_send_timeout(Some(Duration::from_millis(200)));
    let result = (0..10_000).try_for_each(|_| a.send(&Msg::Big(vec![0; 60_000]), Outgoing::new()));
    match result {
        Err(IpcError::Io(e)) => assert_eq!(e.kind(), std::io::ErrorKind::TimedOut),
        other => panic!("expected a timeout, got {other:?}"),
    }
}

#[test]
fn listener_accepts_and_socket_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s");
    let listener = webpane_ipc::Listener::bind(&path).unwrap();
    assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    let p = path.clone();
    let client = std::thread::spawn(move || {
        let c = Connection::connect(&p).unwrap();
        c.send(&Msg::Text("hi".into()), Outgoing::new()).unwrap();
        c
    });
    let server = listener.accept(Duration::from_secs(5)).unwrap();
    assert_eq!(server.recv::<Msg>().unwrap().message, Msg::Text("hi".into()));
    drop(client.join().unwrap());
}

#[test]
fn random_bytes_never_panic_the_decoder() {
    // A deterministic sweep (xorshift) for CI; the cargo-fuzz target explores further.
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut rejected = 0;
    for _ in 0..20_000 {
        let len = (next() % 64) as usize;
        let bytes: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        if webpane_ipc::decode_message::<Msg>(&bytes, Vec::new()).is_err() {
            rejected += 1;
        }
    }
    assert!(
        rejected > 10_000,
        "random input is mostly rejected, with a typed error ({rejected})"
    );
}

#[test]
fn queue_never_blocks_and_delivers_in_order_once_the_peer_reads() {
    let (a, b) = Connection::pair().unwrap();
    let mut all_sent = true;
    for i in 0..2000u32 {
        all_sent &= a
            .queue(&Msg::Big(vec![(i % 251) as u8; 10_000]), Outgoing::new())
            .unwrap();
    }
    assert!(!all_sent, "a peer that does not read leaves messages queued");
    assert!(a.queued_bytes() > 1 << 20);
    // A message with an fd queued behind them: the fd is kept open by the queue.
    let (r, w) = rustix::pipe::pipe().unwrap();
    let mut out = Outgoing::new();
    out.raw(
        FdKind::Pipe {
            access: FileAccess::Read,
        },
        r.as_fd(),
    );
    a.queue(&Msg::Small(7), out).unwrap();
    drop(r);
    rustix::io::write(&w, b"through the queue").unwrap();
    for i in 0..2000u32 {
        let Msg::Big(v) = b.recv::<Msg>().unwrap().message else {
            panic!()
        };
        assert_eq!(v[0], (i % 251) as u8, "message {i} out of order");
        a.flush().unwrap();
    }
    while !a.flush().unwrap() {}
    let mut got = b.recv::<Msg>().unwrap();
    assert_eq!(got.message, Msg::Small(7));
    let (file, _) = got.fds.take_file(webpane_ipc::FdRef(0)).unwrap();
    drop(w);
    let mut text = String::new();
    std::io::Read::read_to_string(&mut &file, &mut text).unwrap();
    assert_eq!(text, "through the queue");
    assert_eq!(a.queued_bytes(), 0);
}

#[test]
fn a_last_word_replaces_what_has_not_left_and_never_cuts_a_message() {
    let (a, b) = Connection::pair().unwrap();
    let big = "x".repeat(300 * 1024);
    // Queue until the socket is full, then some more that stays queued.
    let mut queued = 0;
    while a.queue(&big, Outgoing::new()).unwrap() {
        queued += 1;
    }
    for _ in 0..5 {
        a.queue(&big, Outgoing::new()).unwrap();
        queued += 1;
    }
    assert!(a.queued_bytes() > 0);
    let sent_everything = a.replace_queue_with(&"farewell".to_string()).unwrap();
    assert!(!sent_everything);
    // The reader gets whole messages, then the farewell, then nothing else.
    let mut got = Vec::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        assert!(std::time::Instant::now() < deadline, "the farewell never arrived");
        a.flush().unwrap();
        let Some(received) = b.try_recv::<String>().unwrap() else {
            continue;
        };
        let last = received.message == "farewell";
        got.push(received.message);
        if last {
            break;
        }
    }
    assert!(got[..got.len() - 1].iter().all(|m| *m == big), "a message was cut");
    assert!(got.len() - 1 < queued, "nothing queued was dropped");
    assert!(a.flush().unwrap());
    a.shutdown();
    assert!(matches!(
        b.recv_timeout::<String>(Some(Duration::from_secs(10))),
        Err(webpane_ipc::IpcError::Disconnected)
    ));
}
