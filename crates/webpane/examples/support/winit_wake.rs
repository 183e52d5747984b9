//! Shared by the winit examples: waking winit when the SDK's loop has work.
//!
//! A small watcher thread waits until the SDK's fd ([`EventLoop::as_fd`]) is readable and wakes
//! winit with a user event ([`SdkReady`]); winit's `user_event` runs the SDK's callbacks and sends
//! `()` on `done`, and the watcher waits again (the fd stays readable until then).
//!
//! [`EventLoop::as_fd`]: webpane::EventLoop::as_fd

use std::os::fd::OwnedFd;
use std::sync::mpsc;

use winit::event_loop::EventLoopProxy;

/// winit's user event: the SDK's loop has work.
#[derive(Debug, Clone, Copy)]
pub struct SdkReady;

/// Waits until `fd` is readable, wakes winit, and waits for winit to have run the SDK's
/// callbacks (`done`) before looking again.
pub fn watch(fd: OwnedFd, winit: EventLoopProxy<SdkReady>, done: mpsc::Receiver<()>) {
    use rustix::event::{PollFd, PollFlags, poll};
    loop {
        let mut fds = [PollFd::new(&fd, PollFlags::IN)];
        match poll(&mut fds, None) {
            Ok(_) | Err(rustix::io::Errno::INTR) => {}
            Err(_) => return,
        }
        if fds[0].revents().contains(PollFlags::IN) {
            // winit has exited: nothing left to wake.
            if winit.send_event(SdkReady).is_err() || done.recv().is_err() {
                return;
            }
        }
    }
}
