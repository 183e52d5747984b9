//! File handle delivery and fd checks on receipt. These tests count this process's fds and
//! mappings, so they hold `common::RESOURCES` to keep each other out.

mod common;

use std::fs::File;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};

use common::{fd_count, lock_resources, map_count, shm_map_count};
use rustix::fs::{MemfdFlags, SealFlags};
use webpane_ipc::{
    Access, BadMessage, Connection, FdKind, FdRef, FdRejection, FileAccess, FileForTransit, HandleError, IpcError,
    Outgoing, SharedMemory, TransitMode,
};

fn is_open(raw: i32) -> bool {
    // SAFETY: the fd is only inspected with fcntl(F_GETFD) for the duration of this call; if it is
    // closed the call fails with EBADF, which is what we test for.
    let fd = unsafe { BorrowedFd::borrow_raw(raw) };
    rustix::io::fcntl_getfd(fd).is_ok()
}

fn send_one(conn: &Connection, kind: FdKind, fd: BorrowedFd<'_>) {
    let mut out = Outgoing::new();
    let r = out.raw(kind, fd);
    conn.send(&r, out).unwrap();
}

fn rejection(result: Result<webpane_ipc::Received<FdRef>, IpcError>) -> FdRejection {
    match result {
        Err(IpcError::BadMessage(BadMessage::FdKind { reason, .. })) => reason,
        other => panic!("expected an fd rejection, got {other:?}"),
    }
}

#[test]
/// Promises F2, F3 (docs/promises.md).
fn duplicate_keeps_the_senders_fd_and_take_closes_it() {
    let _g = lock_resources();
    let (a, b) = Connection::pair().unwrap();

    let kept = tempfile::tempfile().unwrap();
    let transit = FileForTransit::duplicate(&kept).unwrap();
    assert_eq!(transit.mode(), TransitMode::Duplicate);
    let mut out = Outgoing::new();
    out.file(transit);
    a.send(&(), out).unwrap();
    assert!(is_open(kept.as_raw_fd()), "duplicate mode: the sender's fd stays open");
    let mut got = b.recv::<()>().unwrap();
    let (received, access) = got.fds.take_file(FdRef(0)).unwrap();
    assert_eq!(access, FileAccess::ReadWrite);
    assert_ne!(received.as_raw_fd(), kept.as_raw_fd());

    let given = tempfile::tempfile().unwrap();
    let raw = given.as_raw_fd();
    let transit = FileForTransit::take(given).unwrap();
    assert_eq!(transit.mode(), TransitMode::Take);
    let mut out = Outgoing::new();
    out.file(transit);
    a.send(&(), out).unwrap();
    assert!(!is_open(raw), "take mode: the sender's fd is closed once sent");
    let mut got = b.recv::<()>().unwrap();
    assert!(got.fds.take_file(FdRef(0)).is_ok());
}

#[test]
/// Promises F4 (docs/promises.md).
fn directories_are_refused_on_both_sides() {
    let _g = lock_resources();
    let dir = tempfile::tempdir().unwrap();
    let dir_fd = File::open(dir.path()).unwrap();
    assert!(matches!(
        FileForTransit::duplicate(&dir_fd),
        Err(HandleError::DirectoryRefused)
    ));
    assert!(matches!(
        FileForTransit::take(File::open(dir.path()).unwrap()),
        Err(HandleError::DirectoryRefused)
    ));

    // A peer that tags a directory as a file anyway gets a bad message, and no fd leaks.
    let (a, b) = Connection::pair().unwrap();
    let before = fd_count();
    send_one(
        &a,
        FdKind::File {
            access: FileAccess::Read,
        },
        dir_fd.as_fd(),
    );
    assert_eq!(rejection(b.recv::<FdRef>()), FdRejection::Directory);
    assert_eq!(fd_count(), before, "the received directory fd was closed");
}

#[test]
fn every_mislabelled_fd_is_a_bad_message_and_is_closed() {
    let _g = lock_resources();
    let (a, b) = Connection::pair().unwrap();
    let before = fd_count();

    let (pipe_r, _pipe_w) = rustix::pipe::pipe().unwrap();
    send_one(
        &a,
        FdKind::File {
            access: FileAccess::Read,
        },
        pipe_r.as_fd(),
    );
    assert_eq!(rejection(b.recv()), FdRejection::WrongFileType);
    send_one(
        &a,
        FdKind::Pipe {
            access: FileAccess::Write,
        },
        pipe_r.as_fd(),
    );
    assert_eq!(rejection(b.recv()), FdRejection::WrongAccessMode);

    let region = SharedMemory::create(4096).unwrap();
    let ro = region.read_only().unwrap();
    // Writable memory declared read-only, and read-only declared writable.
    send_one(
        &a,
        FdKind::SharedMemory {
            access: Access::ReadOnly,
            size: 4096,
        },
        region.as_fd(),
    );
    assert_eq!(rejection(b.recv()), FdRejection::WrongAccessMode);
    send_one(
        &a,
        FdKind::SharedMemory {
            access: Access::ReadWrite,
            size: 4096,
        },
        ro.as_fd(),
    );
    assert_eq!(rejection(b.recv()), FdRejection::WrongAccessMode);
    // Shorter than declared.
    send_one(
        &a,
        FdKind::SharedMemory {
            access: Access::ReadWrite,
            size: 8192,
        },
        region.as_fd(),
    );
    assert!(matches!(
        rejection(b.recv()),
        FdRejection::TooSmall {
            actual: 4096,
            declared: 8192
        }
    ));
    send_one(
        &a,
        FdKind::SharedMemory {
            access: Access::ReadWrite,
            size: 0,
        },
        region.as_fd(),
    );
    assert_eq!(rejection(b.recv()), FdRejection::BadSize(0));

    // An unsealed memfd, and one sealed against shrinking only.
    let unsealed = rustix::fs::memfd_create("x", MemfdFlags::CLOEXEC | MemfdFlags::ALLOW_SEALING).unwrap();
    rustix::fs::ftruncate(&unsealed, 4096).unwrap();
    send_one(
        &a,
        FdKind::SharedMemory {
            access: Access::ReadWrite,
            size: 4096,
        },
        unsealed.as_fd(),
    );
    assert_eq!(rejection(b.recv()), FdRejection::NotSealed);
    rustix::fs::fcntl_add_seals(&unsealed, SealFlags::SHRINK).unwrap();
    send_one(
        &a,
        FdKind::SharedMemory {
            access: Access::ReadWrite,
            size: 4096,
        },
        unsealed.as_fd(),
    );
    assert_eq!(rejection(b.recv()), FdRejection::NotSealed);
    // A regular file is no shared memory.
    let file = tempfile::tempfile().unwrap();
    file.set_len(4096).unwrap();
    send_one(
        &a,
        FdKind::SharedMemory {
            access: Access::ReadWrite,
            size: 4096,
        },
        file.as_fd(),
    );
    assert_eq!(rejection(b.recv()), FdRejection::NotSealed);
    send_one(&a, FdKind::Socket, file.as_fd());
    assert_eq!(rejection(b.recv()), FdRejection::WrongFileType);

    // Taking an fd as the wrong kind, or twice, is a bad message too.
    send_one(
        &a,
        FdKind::Pipe {
            access: FileAccess::Read,
        },
        pipe_r.as_fd(),
    );
    let mut got = b.recv::<FdRef>().unwrap();
    assert!(matches!(
        got.fds.take_shared_memory(got.message),
        Err(BadMessage::WrongFdKind { .. })
    ));
    assert!(got.fds.take_file(got.message).is_ok());
    assert!(matches!(got.fds.take_file(got.message), Err(BadMessage::MissingFd(0))));
    assert!(matches!(got.fds.take_socket(FdRef(9)), Err(BadMessage::MissingFd(9))));
    drop(got);

    drop((pipe_r, _pipe_w, region, ro, unsealed, file));
    assert_eq!(fd_count(), before, "no fd outlives a rejected message");
}

#[test]
fn fd_count_mismatch_is_refused() {
    let _g = lock_resources();
    let (a, b) = Connection::pair().unwrap();
    let (r, _w) = rustix::pipe::pipe().unwrap();
    // The header declares no fd, yet one arrives.
    let bytes = webpane_ipc::encode_message(&(), &[]).unwrap();
    a.send_bytes(&bytes, &[r.as_fd()]).unwrap();
    assert!(matches!(
        b.recv::<()>(),
        Err(IpcError::BadMessage(BadMessage::FdCountMismatch {
            declared: 0,
            received: 1
        }))
    ));
}

#[test]
fn ten_thousand_create_pass_drop_cycles_leak_nothing() {
    let _g = lock_resources();
    let (a, b) = Connection::pair().unwrap();
    // Warm up allocator and lazily created state before taking the baseline.
    let cycle = |i: usize| {
        let region = SharedMemory::create(4096 + i % 3 * 4096).unwrap();
        region.map().unwrap().write_at(0, &i.to_le_bytes());
        let ro = region.read_only().unwrap();
        let mut out = Outgoing::new();
        let rw = out.shared_memory(&region);
        let ro_ref = out.shared_memory_read_only(&ro);
        a.send(&(rw, ro_ref), out).unwrap();
        let mut got = b.recv::<(FdRef, FdRef)>().unwrap();
        let theirs = got.fds.take_shared_memory(got.message.0).unwrap().map().unwrap();
        let mut word = [0u8; 8];
        theirs.read_at(0, &mut word);
        assert_eq!(usize::from_le_bytes(word), i);
        let theirs_ro = got
            .fds
            .take_shared_memory_read_only(got.message.1)
            .unwrap()
            .map()
            .unwrap();
        theirs_ro.read_at(0, &mut word);
        assert_eq!(usize::from_le_bytes(word), i);
    };
    cycle(0);
    let (fds, maps, shm) = (fd_count(), map_count(), shm_map_count());
    for i in 0..10_000 {
        cycle(i);
    }
    assert_eq!(fd_count(), fds, "fd count back at baseline");
    assert_eq!(shm_map_count(), shm, "no memfd mapping left behind");
    assert_eq!(shm, 0);
    // Other mappings (allocator arenas) may come and go; they must not grow with the cycles.
    assert!(map_count() <= maps + 8, "mappings grew from {maps} to {}", map_count());
}
