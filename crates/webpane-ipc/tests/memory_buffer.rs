//! MemoryBuffer: cleanup exactly once, Closed events, empty views, contained panics.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Mutex};

use webpane_ipc::{MemoryBuffer, MemoryBufferError, SharedBuffer};

fn counter() -> (Arc<AtomicUsize>, impl Fn() + Send + Sync + Clone + 'static) {
    let n = Arc::new(AtomicUsize::new(0));
    let m = n.clone();
    (n, move || {
        m.fetch_add(1, Ordering::SeqCst);
    })
}

#[test]
fn cleanup_runs_exactly_once_under_concurrent_drops_from_eight_threads() {
    for round in 0..200 {
        let (cleaned, bump) = counter();
        let buffer = MemoryBuffer::with_cleanup(vec![1u8; 4096], move |_| bump());
        let refs: Vec<_> = (0..8).map(|_| buffer.create_reference().unwrap()).collect();
        let barrier = Arc::new(Barrier::new(9));
        let threads: Vec<_> = refs
            .into_iter()
            .map(|r| {
                let barrier = barrier.clone();
                std::thread::spawn(move || {
                    barrier.wait();
                    let mut byte = [0u8];
                    r.read_at(17, &mut byte); // 1 if the buffer is open, 0 bytes copied if closed
                    drop(r);
                })
            })
            .collect();
        barrier.wait();
        if round % 2 == 0 {
            buffer.close().unwrap();
        } else {
            drop(buffer);
        }
        threads.into_iter().for_each(|t| t.join().unwrap());
        assert_eq!(cleaned.load(Ordering::SeqCst), 1, "round {round}");
    }
}

#[test]
fn cleanup_waits_for_the_buffer_and_every_reference() {
    let (cleaned, bump) = counter();
    let buffer = MemoryBuffer::with_cleanup(vec![0u8; 64], move |v| {
        assert_eq!(v.len(), 64, "the storage comes back intact");
        bump();
    });
    let a = buffer.create_reference().unwrap();
    let b = buffer.create_reference().unwrap();
    a.close().unwrap();
    assert!(matches!(a.close(), Err(MemoryBufferError::Closed)));
    assert_eq!(cleaned.load(Ordering::SeqCst), 0, "the buffer is still open");
    buffer.close().unwrap();
    assert_eq!(cleaned.load(Ordering::SeqCst), 0, "b is still open");
    assert!(matches!(buffer.create_reference(), Err(MemoryBufferError::Closed)));
    drop(b);
    assert_eq!(cleaned.load(Ordering::SeqCst), 1);
    drop(buffer);
    assert_eq!(cleaned.load(Ordering::SeqCst), 1, "never twice");
}

#[test]
fn references_see_the_bytes_then_an_empty_view_and_get_closed_once() {
    let buffer = MemoryBuffer::new(vec![9u8; 100]);
    let r = buffer.create_reference().unwrap();
    let own = buffer.create_reference().unwrap();
    assert_eq!(r.capacity(), 100);
    assert_eq!(r.write_at(98, b"abc"), 2);
    let mut two = [0u8; 2];
    assert_eq!(r.read_at(98, &mut two), 2);
    assert_eq!(&two, b"ab");
    r.with_atomic_bytes(|bytes| {
        assert_eq!(bytes.len(), 100);
        bytes[0].store(5, Ordering::Relaxed);
    });

    let (events, bump) = counter();
    let b2 = bump.clone();
    r.on_closed(bump);
    let removed = r.on_closed(b2);
    assert!(r.remove_closed_handler(removed));
    assert!(!r.remove_closed_handler(removed));
    let (own_events, own_bump) = counter();
    own.on_closed(own_bump);
    own.close().unwrap(); // closed before the buffer: its handler is not raised

    buffer.close().unwrap();
    assert_eq!(events.load(Ordering::SeqCst), 1);
    assert_eq!(own_events.load(Ordering::SeqCst), 0);
    assert_eq!(r.capacity(), 0);
    assert_eq!(r.read_at(0, &mut two), 0);
    assert_eq!(r.write_at(0, b"x"), 0);
    r.with_atomic_bytes(|bytes| assert!(bytes.is_empty()));
    // SAFETY: only checking for None; nothing is dereferenced.
    assert!(unsafe { r.as_ptr() }.is_none());
    // Late registration after the close runs at once; the event is never raised twice.
    let (late, late_bump) = counter();
    r.on_closed(late_bump);
    assert_eq!(late.load(Ordering::SeqCst), 1);
    drop(r);
    assert_eq!(events.load(Ordering::SeqCst), 1);
}

#[test]
fn panics_in_callbacks_are_contained_and_reported() {
    let (cleaned, bump) = counter();
    let buffer = MemoryBuffer::with_cleanup(vec![0u8; 8], move |_| {
        bump();
        panic!("cleanup exploded");
    });
    let r = buffer.create_reference().unwrap();
    let (other, other_bump) = counter();
    r.on_closed(|| panic!("handler exploded"));
    r.on_closed(other_bump);
    match buffer.close() {
        Err(MemoryBufferError::CallbackPanicked { count, message }) => {
            assert_eq!(count, 1);
            assert_eq!(message, "handler exploded");
        }
        other => panic!("expected a reported panic, got {other:?}"),
    }
    assert_eq!(other.load(Ordering::SeqCst), 1, "the other handler still ran");
    match r.close() {
        Err(MemoryBufferError::CallbackPanicked { message, .. }) => assert_eq!(message, "cleanup exploded"),
        other => panic!("expected a reported panic, got {other:?}"),
    }
    assert_eq!(cleaned.load(Ordering::SeqCst), 1);
    // The buffer's state survived the panics: further calls answer normally.
    assert!(matches!(buffer.create_reference(), Err(MemoryBufferError::Closed)));
}

#[test]
fn wraps_a_shared_buffer_and_a_mapping_without_copying() {
    let shared = SharedBuffer::new(4096).unwrap();
    shared.write_at(0, b"shared").unwrap();
    let wrapped = MemoryBuffer::from_shared_buffer(&shared).unwrap();
    let r = wrapped.create_reference().unwrap();
    // SAFETY: only the address is compared.
    assert_eq!(
        unsafe { r.as_ptr() }.unwrap(),
        shared.as_ptr().unwrap(),
        "same memory, no copy"
    );
    shared.close().unwrap();
    let mut word = [0u8; 6];
    assert_eq!(
        r.read_at(0, &mut word),
        6,
        "the mapping outlives the SharedBuffer's close"
    );
    assert_eq!(&word, b"shared");

    let mut mmap = memmap2::MmapMut::map_anon(8192).unwrap();
    mmap[0] = 77;
    let address = mmap.as_ptr();
    let seen = Arc::new(Mutex::new(None));
    let s = seen.clone();
    let mb = MemoryBuffer::with_cleanup(mmap, move |m: memmap2::MmapMut| *s.lock().unwrap() = Some(m[0]));
    let r = mb.create_reference().unwrap();
    // SAFETY: only the address is compared.
    assert_eq!(unsafe { r.as_ptr() }.unwrap().as_ptr().cast_const(), address);
    r.write_at(0, &[78]);
    drop((r, mb));
    assert_eq!(
        *seen.lock().unwrap(),
        Some(78),
        "the cleanup got the mapping back, with the write"
    );
}
