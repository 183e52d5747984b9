//! fd passing between real processes: the child is this test binary run again with a role.

mod common;

use std::io::{Read, Seek, SeekFrom};
use std::os::fd::AsFd;

use common::{ChildPeer, child_role, fd_count};
use rustix::mm::{MapFlags, ProtFlags};
use serde::{Deserialize, Serialize};
use webpane_ipc::{BadMessage, FdKind, FdRef, FileAccess, FileForTransit, IpcError, Outgoing, SharedMemory};

#[derive(Debug, Serialize, Deserialize)]
enum Msg {
    Region {
        rw: FdRef,
        ro: FdRef,
    },
    RegionReport {
        seen: Vec<u8>,
        shrink_errno: Option<i32>,
        grow_errno: Option<i32>,
        ro_writable_map_errno: Option<i32>,
        ro_seen: Vec<u8>,
    },
    File(FdRef),
    Ready,
    Pipes(Vec<FdRef>),
    TruncReport {
        before: usize,
        after: usize,
        error: String,
    },
    Done,
    Files {
        shared_offset: FdRef,
        unlinked: FdRef,
        closed_early: FdRef,
        socket: FdRef,
    },
    BufferHandle(FdRef),
    FilesReport {
        offset_after_write: u64,
        unlinked: String,
        closed_early: String,
    },
}

/// Entry point of the child processes the other tests spawn; does nothing in a normal run.
#[test]
fn child_process_entry_point() {
    let Some((role, conn)) = child_role() else { return };
    match role.as_str() {
        "shm" => {
            let mut got = conn.recv::<Msg>().unwrap();
            let Msg::Region { rw, ro } = got.message else {
                panic!("unexpected {:?}", got.message)
            };
            let region = got.fds.take_shared_memory(rw).unwrap();
            let map = region.map().unwrap();
            let mut seen = vec![0u8; 11];
            map.read_at(0, &mut seen);
            map.write_at(100, b"from child");
            let shrink_errno = rustix::fs::ftruncate(region.as_fd(), 0).err().map(|e| e.raw_os_error());
            let grow_errno = rustix::fs::ftruncate(region.as_fd(), 1 << 30)
                .err()
                .map(|e| e.raw_os_error());
            let ro = got.fds.take_shared_memory_read_only(ro).unwrap();
            // SAFETY: a fresh mapping at a kernel-chosen address; unmapped right away on success.
            let writable = unsafe {
                rustix::mm::mmap(
                    std::ptr::null_mut(),
                    ro.size(),
                    ProtFlags::READ | ProtFlags::WRITE,
                    MapFlags::SHARED,
                    ro.as_fd(),
                    0,
                )
            };
            let ro_writable_map_errno = match writable {
                // SAFETY: unmapping exactly the mapping just made.
                Ok(p) => unsafe { rustix::mm::munmap(p, ro.size()).map(|_| None).unwrap() },
                Err(e) => Some(e.raw_os_error()),
            };
            let mut ro_seen = vec![0u8; 11];
            ro.map().unwrap().read_at(0, &mut ro_seen);
            let report = Msg::RegionReport {
                seen,
                shrink_errno,
                grow_errno,
                ro_writable_map_errno,
                ro_seen,
            };
            conn.send(&report, Outgoing::new()).unwrap();
        }
        "file" => {
            let mut got = conn.recv::<Msg>().unwrap();
            let Msg::File(r) = got.message else { panic!() };
            let (mut file, access) = got.fds.take_file(r).unwrap();
            assert_eq!(access, FileAccess::ReadWrite);
            std::io::Write::write_all(&mut file, b"written by the child").unwrap();
            conn.send(&Msg::Done, Outgoing::new()).unwrap();
        }
        "ctrunc" => {
            let before = fd_count();
            let open: std::collections::HashSet<u64> = std::fs::read_dir("/proc/self/fd")
                .unwrap()
                .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u64>().ok())
                .collect();
            // Exactly two free fd numbers below the limit: the parent sends eight fds, so the kernel
            // installs two, then truncates the control message.
            let second_free = (0..).filter(|n| !open.contains(n)).nth(1).unwrap();
            let old = rustix::process::getrlimit(rustix::process::Resource::Nofile);
            let low = rustix::process::Rlimit {
                current: Some(second_free + 1),
                maximum: old.maximum,
            };
            conn.send(&Msg::Ready, Outgoing::new()).unwrap();
            rustix::process::setrlimit(rustix::process::Resource::Nofile, low).unwrap();
            let result = conn.recv::<Msg>();
            rustix::process::setrlimit(rustix::process::Resource::Nofile, old).unwrap();
            let error = match result {
                Err(e) => e.to_string(),
                Ok(m) => format!("unexpectedly received {:?}", m.message),
            };
            let after = fd_count();
            conn.send(&Msg::TruncReport { before, after, error }, Outgoing::new())
                .unwrap();
        }
        "buffer-fd" => {
            let mut got = conn.recv::<Msg>().unwrap();
            let Msg::BufferHandle(r) = got.message else {
                panic!("unexpected {:?}", got.message)
            };
            // A view of its own over the buffer's memory, made from the handle.
            let map = got.fds.take_shared_memory(r).unwrap().map().unwrap();
            let mut seen = vec![0u8; 11];
            map.read_at(0, &mut seen);
            map.write_at(64, b"child's view");
            conn.send(
                &Msg::RegionReport {
                    seen,
                    shrink_errno: None,
                    grow_errno: None,
                    ro_writable_map_errno: None,
                    ro_seen: Vec::new(),
                },
                Outgoing::new(),
            )
            .unwrap();
        }
        "files" => {
            let mut got = conn.recv::<Msg>().unwrap();
            let Msg::Files {
                shared_offset,
                unlinked,
                closed_early,
                socket,
            } = got.message
            else {
                panic!("unexpected {:?}", got.message)
            };
            // Writes where the sender left the offset, and moves it for both.
            let (mut file, _) = got.fds.take_file(shared_offset).unwrap();
            std::io::Write::write_all(&mut file, b"DEF").unwrap();
            let offset_after_write = file.stream_position().unwrap();
            drop(file);
            let read_all = |r: FdRef, fds: &mut webpane_ipc::ReceivedFds| {
                let (mut file, _) = fds.take_file(r).unwrap();
                let mut text = String::new();
                file.read_to_string(&mut text).unwrap();
                text
            };
            let unlinked = read_all(unlinked, &mut got.fds);
            let closed_early = read_all(closed_early, &mut got.fds);
            let socket = std::os::unix::net::UnixStream::from(got.fds.take_socket(socket).unwrap());
            std::io::Write::write_all(&mut &socket, b"through the socket").unwrap();
            drop(socket);
            let report = Msg::FilesReport {
                offset_after_write,
                unlinked,
                closed_early,
            };
            conn.send(&report, Outgoing::new()).unwrap();
        }
        other => panic!("unknown child role {other}"),
    }
}

#[test]
/// Promises S3 (docs/promises.md).
fn shared_memory_crosses_processes_sealed_and_read_only() {
    let peer = ChildPeer::spawn("shm");
    assert_eq!(peer.conn.peer_credentials().pid, peer.child.id() as i32);
    assert_eq!(peer.conn.peer_credentials().uid, rustix::process::getuid().as_raw());

    let region = SharedMemory::create(1 << 20).unwrap();
    let map = region.map().unwrap();
    map.write_at(0, b"from parent");
    let ro = region.read_only().unwrap();
    let mut out = Outgoing::new();
    let rw_ref = out.shared_memory(&region);
    let ro_ref = out.shared_memory_read_only(&ro);
    peer.conn.send(&Msg::Region { rw: rw_ref, ro: ro_ref }, out).unwrap();

    let got = peer.conn.recv::<Msg>().unwrap();
    let Msg::RegionReport {
        seen,
        shrink_errno,
        grow_errno,
        ro_writable_map_errno,
        ro_seen,
    } = got.message
    else {
        panic!("unexpected {:?}", got.message)
    };
    assert_eq!(seen, b"from parent", "the child reads the parent's bytes");
    assert_eq!(ro_seen, b"from parent", "the read-only mapping sees the same memory");
    let mut back = [0u8; 10];
    map.read_at(100, &mut back);
    assert_eq!(
        &back, b"from child",
        "the parent sees the child's write with no message carrying it"
    );
    assert_eq!(
        shrink_errno,
        Some(rustix::io::Errno::PERM.raw_os_error()),
        "F_SEAL_SHRINK holds in the peer"
    );
    assert_eq!(
        grow_errno,
        Some(rustix::io::Errno::PERM.raw_os_error()),
        "F_SEAL_GROW holds in the peer"
    );
    assert_eq!(
        ro_writable_map_errno,
        Some(rustix::io::Errno::ACCESS.raw_os_error()),
        "the kernel refuses a writable mapping of the read-only fd"
    );
    peer.finish();
}

#[test]
/// Promises F1, F2 (docs/promises.md).
fn file_delivered_to_child_in_duplicate_mode_stays_usable_here() {
    let peer = ChildPeer::spawn("file");
    let mut file = tempfile::tempfile().unwrap();
    let mut out = Outgoing::new();
    let r = out.file(FileForTransit::duplicate(&file).unwrap());
    peer.conn.send(&Msg::File(r), out).unwrap();
    assert!(matches!(peer.conn.recv::<Msg>().unwrap().message, Msg::Done));
    let mut text = String::new();
    file.seek(SeekFrom::Start(0)).unwrap();
    file.read_to_string(&mut text).unwrap();
    assert_eq!(text, "written by the child");
    peer.finish();
}

#[test]
fn control_truncation_in_a_child_closes_every_received_fd() {
    let peer = ChildPeer::spawn("ctrunc");
    assert!(matches!(peer.conn.recv::<Msg>().unwrap().message, Msg::Ready));
    let pipes: Vec<_> = (0..8).map(|_| rustix::pipe::pipe().unwrap()).collect();
    let mut out = Outgoing::new();
    let refs = pipes
        .iter()
        .map(|(r, _)| {
            out.raw(
                FdKind::Pipe {
                    access: FileAccess::Read,
                },
                r.as_fd(),
            )
        })
        .collect();
    // The child may still be lowering its limit; the message waits in its queue meanwhile.
    peer.conn.send(&Msg::Pipes(refs), out).unwrap();
    let got = peer.conn.recv::<Msg>().unwrap();
    let Msg::TruncReport { before, after, error } = got.message else {
        panic!("unexpected {:?}", got.message)
    };
    assert!(error.contains("MSG_CTRUNC"), "the child saw: {error}");
    assert_eq!(before, after, "every fd installed before the truncation was closed");
    peer.finish();
}

#[test]
fn control_truncation_error_is_typed() {
    let e = IpcError::from(BadMessage::ControlTruncated);
    assert!(e.to_string().contains("MSG_CTRUNC"));
}

/// F1, F3, F5, F7, F8, F9, F10 across processes: the receiver works on the same open file (the
/// offset is shared, each side closes on its own), take mode leaves the sender without the fd,
/// a file whose path is gone still travels, the copy made for transit outlives the source's fd,
/// sockets travel too, and the sender reads the file only once the receiver says it is done.
#[test]
fn files_and_sockets_cross_processes_as_open_files() {
    use std::io::Write;
    use std::os::fd::AsRawFd;
    let peer = ChildPeer::spawn("files");
    let mut out = Outgoing::new();

    // F5: written up to offset 3 here; the child writes on from there.
    let mut shared = tempfile::tempfile().unwrap();
    shared.write_all(b"abc").unwrap();
    let shared_offset = out.file(FileForTransit::duplicate(&shared).unwrap());

    // F8 and F3: a file whose path is gone, taken (not duplicated) for the transit.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ghost");
    std::fs::write(&path, "no path, still readable").unwrap();
    let ghost = std::fs::File::open(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    let ghost_fd = ghost.as_raw_fd();
    let unlinked = out.file(FileForTransit::take(ghost).unwrap());

    // F9: the duplicate for transit is made, then the source closes, before the send.
    let early_source = {
        let mut f = tempfile::tempfile().unwrap();
        f.write_all(b"sent after its source closed").unwrap();
        f.seek(SeekFrom::Start(0)).unwrap();
        f
    };
    let in_transit = FileForTransit::duplicate(&early_source).unwrap();
    drop(early_source);
    let closed_early = out.file(in_transit);

    // F7: one end of a socket pair.
    let (ours, theirs) = std::os::unix::net::UnixStream::pair().unwrap();
    let socket = out.socket(theirs.into());

    let message = Msg::Files {
        shared_offset,
        unlinked,
        closed_early,
        socket,
    };
    peer.conn.send(&message, out).unwrap();
    // F3: taken, so the sender no longer holds it.
    assert!(
        std::fs::read_link(format!("/proc/self/fd/{ghost_fd}"))
            .map_or(true, |target| !target.to_string_lossy().contains("ghost")),
        "the taken fd is still open here"
    );
    let mut from_socket = String::new();
    (&ours).read_to_string(&mut from_socket).unwrap();
    assert_eq!(from_socket, "through the socket");
    // F10: the sender looks only after the receiver is done.
    let got = peer.conn.recv::<Msg>().unwrap();
    let Msg::FilesReport {
        offset_after_write,
        unlinked,
        closed_early,
    } = got.message
    else {
        panic!("unexpected {:?}", got.message)
    };
    assert_eq!(offset_after_write, 6, "the child wrote at the sender's offset");
    assert_eq!(
        shared.stream_position().unwrap(),
        6,
        "one file object: the offset moved here too"
    );
    let mut text = String::new();
    shared.seek(SeekFrom::Start(0)).unwrap();
    shared.read_to_string(&mut text).unwrap();
    assert_eq!(text, "abcDEF", "the child closed its copy; this one still works");
    assert_eq!(unlinked, "no path, still readable");
    assert_eq!(closed_early, "sent after its source closed");
    peer.finish();
}

/// S3, S15: a SharedBuffer's own handle (`fd()`, WebView2's `get_FileMappingHandle`) stays the
/// buffer's (the guard only borrows it) and goes to another process, which maps a view of the
/// same memory from it: each side sees the other's writes.
#[test]
fn a_shared_buffers_handle_maps_the_same_memory_in_another_process() {
    let peer = ChildPeer::spawn("buffer-fd");
    let buffer = webpane_ipc::SharedBuffer::new(4096).unwrap();
    buffer.write_at(0, b"from parent").unwrap();
    let handle = buffer.fd().unwrap();
    let mut out = Outgoing::new();
    let kind = FdKind::SharedMemory {
        access: webpane_ipc::Access::ReadWrite,
        size: buffer.size().unwrap() as u64,
    };
    let r = out.raw(kind, handle.as_fd());
    peer.conn.send(&Msg::BufferHandle(r), out).unwrap();
    let got = peer.conn.recv::<Msg>().unwrap();
    let Msg::RegionReport { seen, .. } = got.message else {
        panic!("unexpected {:?}", got.message)
    };
    assert_eq!(seen, b"from parent");
    let mut word = [0u8; 12];
    buffer.read_at(64, &mut word).unwrap();
    assert_eq!(&word, b"child's view");
    // The handle is still the buffer's: usable after the send.
    assert!(rustix::fs::fstat(handle.as_fd()).is_ok());
    peer.finish();
}
