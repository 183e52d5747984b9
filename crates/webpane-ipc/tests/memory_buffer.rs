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

/// M2, M9: the cleanup runs exactly once, whichever thread lets go last.
#[test]
/// Promises M14 (docs/promises.md).
fn cleanup_runs_exactly_once_under_concurrent_drops_from_eight_threads() {
    for round in 0..200 {
        let (cleaned, bump) = counter();
        let buffer = MemoryBuffer::with_cleanup(vec![1u8; 4096], move |_| bump());
        let refs: Vec<_> = (0..8).map(|_| buffer.create_reference()).collect();
        let barrier = Arc::new(Barrier::new(9));
        let threads: Vec<_> = refs
            .into_iter()
            .map(|r| {
                let barrier = barrier.clone();
                std::thread::spawn(move || {
                    barrier.wait();
                    let mut byte = [0u8];
                    assert_eq!(r.read_at(17, &mut byte), 1, "a reference keeps its view");
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

/// M2, M11: the cleanup waits for the buffer and every reference; a reference made after the
/// buffer's close is empty and holds nothing.
#[test]
fn cleanup_waits_for_the_buffer_and_every_reference() {
    let (cleaned, bump) = counter();
    let buffer = MemoryBuffer::with_cleanup(vec![0u8; 64], move |v| {
        assert_eq!(v.len(), 64, "the storage comes back intact");
        bump();
    });
    let a = buffer.create_reference();
    let b = buffer.create_reference();
    a.close().unwrap();
    assert!(matches!(a.close(), Err(MemoryBufferError::Closed)));
    assert_eq!(cleaned.load(Ordering::SeqCst), 0, "the buffer is still open");
    buffer.close().unwrap();
    assert_eq!(cleaned.load(Ordering::SeqCst), 0, "b is still open");
    let late = buffer.create_reference();
    assert_eq!(late.capacity(), 0, "made after the close: an empty view");
    drop(b);
    assert_eq!(cleaned.load(Ordering::SeqCst), 1);
    drop(buffer);
    assert_eq!(cleaned.load(Ordering::SeqCst), 1, "never twice");
}

/// M3, M4, M6, M12, M13, M14: references have capacity and byte access; the buffer's close
/// empties the buffer's own view and raises `Closed` on open references, which keep their view
/// until they close; a reference's own close raises its `Closed` once (never again, whoever
/// raised it first), then lets go; handlers can be removed by token.
#[test]
/// Promises M11 (docs/promises.md).
fn references_keep_their_view_past_the_buffers_close_and_are_closed_once() {
    let buffer = MemoryBuffer::new(vec![9u8; 100]);
    assert_eq!(buffer.capacity(), 100);
    assert_eq!(buffer.write_at(0, b"buffer"), 6);
    let r = buffer.create_reference();
    let own = buffer.create_reference();
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
    // Its own close raises its Closed once, then lets go.
    let (own_events, own_bump) = counter();
    own.on_closed(own_bump);
    own.close().unwrap();
    assert_eq!(own_events.load(Ordering::SeqCst), 1);
    assert_eq!(own.capacity(), 0);
    assert!(matches!(own.close(), Err(MemoryBufferError::Closed)));

    buffer.close().unwrap();
    assert_eq!(events.load(Ordering::SeqCst), 1, "the buffer's close raised r's Closed");
    assert_eq!(own_events.load(Ordering::SeqCst), 1, "never twice");
    // The buffer's own view is empty; r keeps its view.
    assert_eq!(buffer.capacity(), 0);
    assert_eq!(buffer.read_at(0, &mut two), 0);
    assert_eq!(buffer.write_at(0, b"x"), 0);
    assert_eq!(r.capacity(), 100);
    assert_eq!(r.read_at(0, &mut two), 2);
    assert_eq!(two, [5, b'u']);
    // SAFETY: only checking for Some; nothing is dereferenced.
    assert!(unsafe { r.as_ptr() }.is_some());
    // Registering after it was raised runs at once; r's own close does not raise it again.
    let (late, late_bump) = counter();
    r.on_closed(late_bump);
    assert_eq!(late.load(Ordering::SeqCst), 1);
    r.close().unwrap();
    assert_eq!(events.load(Ordering::SeqCst), 1);
    assert_eq!(r.capacity(), 0);
    r.with_atomic_bytes(|bytes| assert!(bytes.is_empty()));
}

/// M5: a reference's final drop is its close: its `Closed` is raised then.
#[test]
fn dropping_a_reference_closes_it() {
    let (cleaned, clean) = counter();
    let buffer = MemoryBuffer::with_cleanup(vec![1u8; 8], move |_| clean());
    let r = buffer.create_reference();
    let (closed, bump) = counter();
    r.on_closed(bump);
    drop(r);
    assert_eq!(closed.load(Ordering::SeqCst), 1);
    assert_eq!(cleaned.load(Ordering::SeqCst), 0, "the buffer still holds the memory");
    drop(buffer);
    assert_eq!(cleaned.load(Ordering::SeqCst), 1);
}

/// M7: handlers and the cleanup run outside the lock: they may call back into the buffer, and a
/// cleanup that blocks holds no other thread using the buffer.
#[test]
fn callbacks_run_outside_the_lock() {
    let buffer = Arc::new(MemoryBuffer::new(vec![3u8; 16]));
    let r = buffer.create_reference();
    // A handler that calls back into the buffer and its reference: no deadlock.
    let (seen, keep) = (Arc::new(AtomicUsize::new(0)), buffer.clone());
    let s = seen.clone();
    let again = buffer.create_reference();
    r.on_closed(move || {
        s.store(keep.capacity() + again.capacity() + 1, Ordering::SeqCst);
        let _late = keep.create_reference();
    });
    buffer.close().unwrap();
    assert_eq!(
        seen.load(Ordering::SeqCst),
        16 + 1,
        "buffer empty, the other reference still 16"
    );
    drop(r);

    // A cleanup that blocks until told: another thread keeps using another buffer and this one's
    // handle meanwhile.
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    let (entered_tx, entered_rx) = std::sync::mpsc::channel::<()>();
    let blocking = Arc::new(MemoryBuffer::with_cleanup(vec![0u8; 8], move |_| {
        entered_tx.send(()).unwrap();
        release_rx.recv().unwrap();
    }));
    let last = blocking.create_reference();
    blocking.close().unwrap();
    let cleaner = std::thread::spawn(move || drop(last));
    entered_rx.recv().unwrap();
    // The cleanup is running (blocked) on the other thread: this one is not held.
    assert_eq!(blocking.capacity(), 0);
    let other = blocking.create_reference();
    assert_eq!(other.capacity(), 0);
    assert!(blocking.is_closed());
    release_tx.send(()).unwrap();
    cleaner.join().unwrap();
}

/// M8: a panic in a handler or the cleanup is contained and reported, on `close` and on the drop
/// path alike.
#[test]
fn panics_in_callbacks_are_contained_and_reported() {
    let (cleaned, bump) = counter();
    let buffer = MemoryBuffer::with_cleanup(vec![0u8; 8], move |_| {
        bump();
        panic!("cleanup exploded");
    });
    let r = buffer.create_reference();
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
    assert_eq!(buffer.create_reference().capacity(), 0);
    assert!(matches!(buffer.close(), Err(MemoryBufferError::Closed)));

    // The drop path: a panicking handler and cleanup never unwind through `drop`.
    let (dropped_clean, bump) = counter();
    let buffer = MemoryBuffer::with_cleanup(vec![0u8; 8], move |_| {
        bump();
        panic!("cleanup exploded on drop");
    });
    let r = buffer.create_reference();
    r.on_closed(|| panic!("handler exploded on drop"));
    let unwound = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
        drop(buffer);
        drop(r);
    }));
    assert!(unwound.is_ok(), "a panic went through drop");
    assert_eq!(dropped_clean.load(Ordering::SeqCst), 1);
}

/// M1, M10: a SharedBuffer and an anonymous mapping wrapped without copying; the mapping comes
/// back to the cleanup, which unmaps it.
#[test]
fn wraps_a_shared_buffer_and_a_mapping_without_copying() {
    let shared = SharedBuffer::new(4096).unwrap();
    shared.write_at(0, b"shared").unwrap();
    let wrapped = MemoryBuffer::from_shared_buffer(&shared).unwrap();
    let r = wrapped.create_reference();
    // SAFETY: only the address is compared; nothing is read or written through it.
    let address = unsafe { r.as_ptr() }.unwrap();
    assert_eq!(address, shared.as_ptr().unwrap(), "same memory, no copy");
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
    let r = mb.create_reference();
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
