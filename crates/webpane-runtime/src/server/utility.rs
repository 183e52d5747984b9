//! WebKit's utility processes (the network process): each one's exit is reported to every view
//! as `ProcessFailed` with `UtilityProcessExited` (WebView2's kind for its network service).
//!
//! WebKit reaps these processes itself, so their exit is watched through a pidfd (readable when
//! the process has exited, without reaping it): no status is taken from WebKit's own wait.

use std::collections::BTreeSet;
use std::os::fd::{AsRawFd, OwnedFd};
use std::rc::Rc;

use glib::{ControlFlow, IOCondition};
use webpane_ipc::protocol::{ProcessFailedKind, ProcessFailedReason, RuntimeMessage};

use super::state::*;

/// The command names (`/proc/PID/comm`, 15 bytes at most) of WebKit's utility processes.
const UTILITY_NAMES: [&str; 1] = ["WebKitNetworkPr"];

/// Whether `pid` is one of WebKit's utility processes.
fn is_utility(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|comm| UTILITY_NAMES.contains(&comm.trim_end()))
}

impl Server {
    /// Starts watching the utility processes among `pids` that are not watched yet.
    pub(super) fn watch_utility_processes(self: &Rc<Self>, pids: &BTreeSet<u32>) {
        for &pid in pids {
            if self.utility_watched.borrow().contains(&pid) || !is_utility(pid) {
                continue;
            }
            let fd = match rustix::process::Pid::from_raw(pid as i32)
                .map(|p| rustix::process::pidfd_open(p, rustix::process::PidfdFlags::empty()))
            {
                Some(Ok(fd)) => fd,
                // Gone already (its exit is not told: it ran before any view could use it), or
                // no pidfds on this kernel (then utility exits are not reported).
                _ => continue,
            };
            self.utility_watched.borrow_mut().insert(pid);
            log::debug!("watching utility process {pid}");
            let server = Rc::downgrade(self);
            let raw = fd.as_raw_fd();
            let fd: OwnedFd = fd;
            glib::source::unix_fd_add_local(raw, IOCondition::IN | IOCondition::HUP, move |_, _| {
                // The fd lives as long as this watch.
                let _keep = &fd;
                if let Some(server) = server.upgrade() {
                    server.utility_process_exited(pid);
                }
                ControlFlow::Break
            });
        }
    }

    /// Tells every view that utility process `pid` exited (unless the runtime is ending it).
    fn utility_process_exited(&self, pid: u32) {
        self.utility_watched.borrow_mut().remove(&pid);
        if self.quitting.get() {
            return;
        }
        log::warn!("the utility process {pid} (WebKit's network process) exited");
        let clients: Vec<Rc<Client>> = self.clients.borrow().values().cloned().collect();
        for client in clients.iter().filter(|c| c.welcomed.get()) {
            let ids: Vec<_> = client.views.borrow().keys().copied().collect();
            for id in ids {
                self.send(
                    client,
                    &RuntimeMessage::ProcessFailed {
                        id,
                        kind: ProcessFailedKind::UtilityProcessExited,
                        reason: ProcessFailedReason::Unexpected,
                        process_id: Some(pid),
                        exit_code: None,
                        signal: None,
                        process_description: "WebKitNetworkProcess (network service)".into(),
                    },
                );
            }
        }
    }
}
