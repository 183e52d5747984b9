//! Telling the runtime *why* a render process died when a page wrote to a read-only shared
//! buffer.
//!
//! The kernel enforces read-only access (the mapping is `PROT_READ` over an `O_RDONLY` fd), so
//! such a write raises SIGSEGV and the process dies — never silent corruption. Before it dies,
//! this module's signal handler checks whether the faulting address lies in a read-only shared
//! buffer and, if so, writes one record to the report sockets the runtime holds the other ends
//! of. Everything in the handler is async-signal-safe: atomics, `send`, `sigaction`.

use std::os::fd::{AsRawFd, OwnedFd};
use std::sync::Mutex;
use std::sync::atomic::{AtomicI32, AtomicUsize, Ordering};

use webpane_ipc::webext::READ_ONLY_WRITE;

const MAX_RANGES: usize = 256;
const MAX_REPORTS: usize = 32;

/// Read-only mappings: (start, end) pairs; (0, 0) is a free slot.
static RANGES: [(AtomicUsize, AtomicUsize); MAX_RANGES] =
    [const { (AtomicUsize::new(0), AtomicUsize::new(0)) }; MAX_RANGES];
/// Report sockets (one per page) as raw numbers for the handler, -1 when free.
static REPORTS: [AtomicI32; MAX_REPORTS] = [const { AtomicI32::new(-1) }; MAX_REPORTS];
/// The same sockets, owned (open for the life of the process).
static SOCKETS: Mutex<Vec<OwnedFd>> = Mutex::new(Vec::new());

/// Starts watching `[start, end)` (a read-only shared buffer).
pub fn watch(start: usize, end: usize) {
    for (s, e) in &RANGES {
        if s.compare_exchange(0, start, Ordering::SeqCst, Ordering::SeqCst).is_ok() {
            e.store(end, Ordering::SeqCst);
            return;
        }
    }
    // More read-only buffers than slots: the write still kills the process; only the reason
    // falls back to "crashed".
}

/// Stops watching a range given to `watch`.
pub fn unwatch(start: usize) {
    for (s, e) in &RANGES {
        if s.load(Ordering::SeqCst) == start {
            e.store(0, Ordering::SeqCst);
            s.store(0, Ordering::SeqCst);
        }
    }
}

/// Keeps a report socket (kept open for the life of the process).
pub fn add_report_socket(socket: OwnedFd) {
    let raw = socket.as_raw_fd();
    if REPORTS.iter().any(|slot| {
        slot.compare_exchange(-1, raw, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
    }) {
        SOCKETS.lock().unwrap_or_else(|p| p.into_inner()).push(socket);
    }
    // No slot left: the socket closes here; the runtime then reports plain crashes only.
}

/// Whether `addr` lies in a watched range (async-signal-safe).
pub fn is_read_only(addr: usize) -> bool {
    RANGES.iter().any(|(s, e)| {
        let start = s.load(Ordering::SeqCst);
        start != 0 && addr >= start && addr < e.load(Ordering::SeqCst)
    })
}

/// Calls `send` with each report socket and the record to send on it (async-signal-safe when
/// `send` is).
pub fn report(send: impl Fn(i32, &[u8])) {
    for slot in &REPORTS {
        let fd = slot.load(Ordering::SeqCst);
        if fd >= 0 {
            send(fd, READ_ONLY_WRITE);
        }
    }
}
