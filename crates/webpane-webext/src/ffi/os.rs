//! The operating system: mappings at fixed addresses, and the SIGSEGV/SIGBUS handler that tells
//! the runtime why the process died when a page wrote to a read-only buffer.

use std::ffi::c_void;

/// Maps `fd` (shared memory) over `[addr, addr + len)`, replacing what was there.
///
/// # Safety
/// The range must be page-aligned memory this process owns and that nothing else uses as
/// ordinary memory (here: the inside of a holder ArrayBuffer whose contents nobody reads).
pub(super) unsafe fn map_shared_at(
    addr: usize,
    len: usize,
    fd: std::os::fd::BorrowedFd<'_>,
    writable: bool,
) -> rustix::io::Result<()> {
    use rustix::mm::{MapFlags, ProtFlags};
    let prot = if writable {
        ProtFlags::READ | ProtFlags::WRITE
    } else {
        ProtFlags::READ
    };
    // SAFETY: the caller vouches for the range; MAP_FIXED replaces it in one step.
    unsafe {
        rustix::mm::mmap(
            addr as *mut c_void,
            len,
            prot,
            MapFlags::SHARED | MapFlags::FIXED,
            fd,
            0,
        )
    }
    .map(|_| ())
}

/// Puts private zero pages back over `[addr, addr + len)`: the shared memory is unmapped from
/// this process at once, and anything still pointing there reads zeros instead of faulting.
///
/// # Safety
/// As for `map_shared_at`: a range we mapped there ourselves.
pub(super) unsafe fn unmap_shared_at(addr: usize, len: usize) -> rustix::io::Result<()> {
    use rustix::mm::{MapFlags, ProtFlags};
    // SAFETY: the caller vouches for the range.
    unsafe {
        rustix::mm::mmap_anonymous(
            addr as *mut c_void,
            len,
            ProtFlags::READ | ProtFlags::WRITE,
            MapFlags::PRIVATE | MapFlags::FIXED,
        )
    }
    .map(|_| ())
}

/// `send(fd, bytes, MSG_NOSIGNAL | MSG_DONTWAIT)` on a raw fd, ignoring errors
/// (async-signal-safe: one system call).
fn send_raw(fd: i32, bytes: &[u8]) {
    // SAFETY: plain syscall on a descriptor the caller keeps open; the buffer outlives the call.
    unsafe {
        libc::send(
            fd,
            bytes.as_ptr() as *const c_void,
            bytes.len(),
            libc::MSG_NOSIGNAL | libc::MSG_DONTWAIT,
        );
    }
}

/// The SIGSEGV / SIGBUS actions that were installed before ours, chained to for other faults.
static PREVIOUS: std::sync::OnceLock<(libc::sigaction, libc::sigaction)> = std::sync::OnceLock::new();

extern "C" fn on_fault(signal: libc::c_int, info: *mut libc::siginfo_t, context: *mut c_void) {
    // SAFETY: the kernel passes a valid siginfo for SA_SIGINFO handlers.
    let addr = unsafe { (*info).si_addr() } as usize;
    if crate::fault::is_read_only(addr) {
        crate::fault::report(send_raw);
    } else if let Some((segv, bus)) = PREVIOUS.get() {
        let previous = if signal == libc::SIGBUS { bus } else { segv };
        let handler = previous.sa_sigaction;
        if handler != libc::SIG_DFL && handler != libc::SIG_IGN {
            if previous.sa_flags & libc::SA_SIGINFO != 0 {
                // SAFETY: the previous handler was installed as an SA_SIGINFO handler.
                let f: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut c_void) =
                    unsafe { std::mem::transmute(handler) };
                f(signal, info, context);
            } else {
                // SAFETY: a plain handler of the classic signature.
                let f: extern "C" fn(libc::c_int) = unsafe { std::mem::transmute(handler) };
                f(signal);
            }
            return;
        }
    }
    // Ours, or nobody else's: the default action (the fault recurs on return and kills us).
    // SAFETY: resetting a signal's disposition is async-signal-safe.
    unsafe {
        libc::signal(signal, libc::SIG_DFL);
    }
}

/// Installs the fault handler for SIGSEGV and SIGBUS, chaining to whatever was there.
pub fn install_fault_handler() {
    // SAFETY: sigaction with a zeroed struct, our handler and SA_SIGINFO | SA_ONSTACK; the
    // previous actions are saved before ours can run for a fault that is not ours.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_fault as *const () as usize;
        action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
        libc::sigemptyset(&mut action.sa_mask);
        let mut segv: libc::sigaction = std::mem::zeroed();
        let mut bus: libc::sigaction = std::mem::zeroed();
        libc::sigaction(libc::SIGSEGV, std::ptr::null(), &mut segv);
        libc::sigaction(libc::SIGBUS, std::ptr::null(), &mut bus);
        if PREVIOUS.set((segv, bus)).is_ok() {
            libc::sigaction(libc::SIGSEGV, &action, std::ptr::null_mut());
            libc::sigaction(libc::SIGBUS, &action, std::ptr::null_mut());
        }
    }
}
