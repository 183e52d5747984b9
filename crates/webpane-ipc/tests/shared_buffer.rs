//! SharedBuffer: the closed state, streams, views, and kernel enforcement of seals and read-only.

use std::io::{Read, Seek, SeekFrom, Write};
use std::os::fd::AsFd;
use std::sync::atomic::Ordering;

use rustix::mm::{MapFlags, ProtFlags};
use webpane_ipc::{Connection, FdRef, Outgoing, SharedBuffer, SharedBufferError, SharedMemory};

fn is_closed<T: std::fmt::Debug>(r: Result<T, SharedBufferError>) -> bool {
    matches!(r, Err(SharedBufferError::Closed))
}

fn io_is_closed<T: std::fmt::Debug>(r: std::io::Result<T>) -> bool {
    match r {
        Err(e) => e
            .get_ref()
            .and_then(|i| i.downcast_ref::<SharedBufferError>())
            .is_some_and(|e| matches!(e, SharedBufferError::Closed)),
        Ok(_) => false,
    }
}

#[test]
fn shared_buffer_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<SharedBuffer>();
    check::<webpane_ipc::buffer::SharedBufferStream>();
    check::<webpane_ipc::MemoryBuffer>();
    check::<webpane_ipc::MemoryBufferReference>();
    check::<Connection>();
}

#[test]
/// Promises S1, S2, S5, S6 (docs/promises.md).
fn every_method_after_close_returns_closed_including_old_streams() {
    let buffer = SharedBuffer::new(8192).unwrap();
    // S2: the address is the same from creation until Close, whatever is done with the buffer
    // meanwhile (streams, views, read-only memory, other buffers mapped beside it).
    let address = buffer.as_ptr().unwrap();
    let mut stream = buffer.open_stream().unwrap();
    stream.write_all(b"before").unwrap();
    assert_eq!(buffer.size().unwrap(), 8192);
    let view = buffer.atomic_view().unwrap();
    let read_only = buffer.read_only_memory().unwrap();
    let others: Vec<SharedBuffer> = (0..16).map(|_| SharedBuffer::new(1 << 20).unwrap()).collect();
    buffer.write_at(100, b"x").unwrap();
    assert_eq!(buffer.as_ptr().unwrap(), address, "the address moved before Close");
    drop((view, read_only, others));
    assert_eq!(buffer.as_ptr().unwrap(), address);

    buffer.close().unwrap();
    assert!(buffer.is_closed());
    assert!(is_closed(buffer.size()));
    assert!(is_closed(buffer.as_ptr()));
    assert!(is_closed(buffer.fd()));
    assert!(is_closed(buffer.read_at(0, &mut [0u8; 4])));
    assert!(is_closed(buffer.write_at(0, b"x")));
    assert!(is_closed(buffer.atomic_view()));
    assert!(is_closed(buffer.open_stream()));
    assert!(is_closed(buffer.read_only_memory()));
    assert!(is_closed(buffer.with_memory(|_| ())));
    assert!(is_closed(webpane_ipc::MemoryBuffer::from_shared_buffer(&buffer)));
    assert!(is_closed(buffer.close()), "a second close reports Closed too");

    assert!(io_is_closed(stream.read(&mut [0u8; 4])));
    assert!(io_is_closed(stream.write(b"after")));
    assert!(io_is_closed(stream.seek(SeekFrom::Start(0))));
    assert!(io_is_closed(stream.flush()));
}

#[test]
/// Promises S4 (docs/promises.md).
fn streams_read_write_and_seek() {
    let buffer = SharedBuffer::new(16).unwrap();
    let mut s = buffer.open_stream().unwrap();
    s.write_all(b"0123456789abcdef").unwrap();
    assert_eq!(s.write(b"x").unwrap(), 0, "nothing is written past the end");
    assert_eq!(s.seek(SeekFrom::End(-6)).unwrap(), 10);
    let mut tail = String::new();
    s.read_to_string(&mut tail).unwrap();
    assert_eq!(tail, "abcdef");
    assert!(s.seek(SeekFrom::Current(-100)).is_err());
    s.seek(SeekFrom::Start(100)).unwrap();
    assert_eq!(s.read(&mut [0u8; 4]).unwrap(), 0);
    assert_eq!(buffer.read_at(14, &mut [0u8; 8]).unwrap(), 2, "short read at the end");
    assert_eq!(buffer.write_at(16, b"x").unwrap(), 0);
}

#[test]
/// Promises S14 (docs/promises.md).
fn views_keep_the_memory_mapped_after_close() {
    let buffer = SharedBuffer::new(4096).unwrap();
    let view = buffer.atomic_view().unwrap();
    let fd = buffer.fd().unwrap();
    view[10].store(42, Ordering::Relaxed);
    buffer.close().unwrap();
    assert_eq!(
        view[10].load(Ordering::Relaxed),
        42,
        "the view still reaches the memory"
    );
    assert!(rustix::fs::fstat(fd.as_fd()).is_ok(), "the fd guard keeps the fd open");
}

#[test]
/// Promises S15 (docs/promises.md).
fn a_peer_sees_writes_both_ways_and_close_does_not_affect_it() {
    let (app, peer) = Connection::pair().unwrap();
    let buffer = SharedBuffer::new(1 << 16).unwrap();
    buffer.write_at(0, b"app wrote").unwrap();
    buffer
        .with_memory(|m| {
            let mut out = Outgoing::new();
            let r = out.shared_memory(m);
            app.send(&r, out).unwrap();
        })
        .unwrap();
    let mut got = peer.recv::<FdRef>().unwrap();
    let theirs = got.fds.take_shared_memory(got.message).unwrap().map().unwrap();
    let mut seen = [0u8; 9];
    theirs.read_at(0, &mut seen);
    assert_eq!(&seen, b"app wrote");
    theirs.write_at(100, b"peer wrote");
    let mut back = [0u8; 10];
    buffer.read_at(100, &mut back).unwrap();
    assert_eq!(&back, b"peer wrote");
    buffer.close().unwrap();
    theirs.write_at(0, b"still mine");
    theirs.read_at(0, &mut seen);
    assert_eq!(&seen, b"still min");
}

#[test]
fn seals_hold_against_truncation() {
    let region = SharedMemory::create(4096).unwrap();
    assert_eq!(rustix::fs::ftruncate(region.as_fd(), 0), Err(rustix::io::Errno::PERM));
    assert_eq!(
        rustix::fs::ftruncate(region.as_fd(), 1 << 20),
        Err(rustix::io::Errno::PERM)
    );
    let ro = region.read_only().unwrap();
    // A read-only holder can neither resize nor add seals.
    assert!(rustix::fs::ftruncate(ro.as_fd(), 0).is_err());
    assert!(rustix::fs::fcntl_add_seals(ro.as_fd(), rustix::fs::SealFlags::WRITE).is_err());
}

#[test]
fn read_only_fd_cannot_be_mapped_or_made_writable() {
    let region = SharedMemory::create(4096).unwrap();
    let ro = region.read_only().unwrap();
    // SAFETY: fresh mapping at a kernel-chosen address; expected to fail, unmapped if not.
    let attempt = unsafe {
        rustix::mm::mmap(
            std::ptr::null_mut(),
            4096,
            ProtFlags::READ | ProtFlags::WRITE,
            MapFlags::SHARED,
            ro.as_fd(),
            0,
        )
    };
    assert_eq!(attempt.err(), Some(rustix::io::Errno::ACCESS));
    // SAFETY: as above, read-only this time; unmapped below.
    let p = unsafe {
        rustix::mm::mmap(
            std::ptr::null_mut(),
            4096,
            ProtFlags::READ,
            MapFlags::SHARED,
            ro.as_fd(),
            0,
        )
    }
    .unwrap();
    // SAFETY: changing the protection of the mapping just made, which nothing else uses.
    let upgrade = unsafe {
        rustix::mm::mprotect(
            p,
            4096,
            rustix::mm::MprotectFlags::READ | rustix::mm::MprotectFlags::WRITE,
        )
    };
    assert_eq!(upgrade.err(), Some(rustix::io::Errno::ACCESS));
    // SAFETY: unmapping exactly that mapping.
    unsafe { rustix::mm::munmap(p, 4096) }.unwrap();
    assert_eq!(rustix::io::write(ro.as_fd(), b"x"), Err(rustix::io::Errno::BADF));
}

#[test]
fn future_write_seal_locks_out_new_writers_but_keeps_existing_mappings() {
    let region = SharedMemory::create(4096).unwrap();
    let writer = region.map().unwrap();
    region.seal_future_writes().unwrap();
    assert!(region.seals().unwrap().contains(rustix::fs::SealFlags::FUTURE_WRITE));
    assert_eq!(writer.write_at(0, b"ok"), 2, "the existing mapping stays writable");
    assert!(region.map().is_err(), "no new writable mapping");
    let reopened = rustix::fs::open(
        format!("/proc/self/fd/{}", std::os::fd::AsRawFd::as_raw_fd(&region.as_fd())).as_str(),
        rustix::fs::OFlags::RDWR,
        rustix::fs::Mode::empty(),
    )
    .unwrap();
    assert!(
        rustix::io::write(&reopened, b"x").is_err(),
        "even a read-write reopen cannot write"
    );
}

#[test]
/// Promises S1 (docs/promises.md).
fn invalid_sizes_are_typed_errors() {
    assert!(SharedBuffer::new(0).is_err());
    assert!(SharedMemory::create(0).is_err());
    assert!(SharedMemory::create(usize::MAX).is_err());
}

/// S13: `close` frees the memory at once, even when other handles to the buffer leak (here an
/// `Arc` that is never dropped): the mapping is gone from this process, and the leaked handle
/// answers `Closed`.
#[test]
fn close_frees_the_memory_even_if_handles_leak() {
    let buffer = std::sync::Arc::new(SharedBuffer::new(1 << 20).unwrap());
    let inode = {
        let fd = buffer.fd().unwrap();
        rustix::fs::fstat(fd.as_fd()).unwrap().st_ino
    };
    let mapped = || {
        std::fs::read_to_string("/proc/self/maps")
            .unwrap()
            .lines()
            .any(|l| l.contains("memfd:webpane-shm") && l.split_whitespace().nth(4) == Some(&inode.to_string()))
    };
    assert!(mapped(), "the buffer's memory is mapped");
    let leaked = buffer.clone();
    buffer.close().unwrap();
    assert!(!mapped(), "the memory is still mapped after close");
    assert!(matches!(leaked.size(), Err(SharedBufferError::Closed)));
    std::mem::forget(leaked);
}
