//! How a session ends, as the app sees it: its webviews close at once; the browser process's
//! exit is reported (BrowserProcessExited, ProcessFailed) only once the process, every child it
//! reported and the folder's lock are gone; a browser process that lives on but hung up on this
//! app is a disconnect, never an exit.

use std::marker::PhantomData;
use std::os::fd::OwnedFd;
use std::path::Path;
use std::rc::Rc;
use std::time::{Duration, Instant};

use rustix::event::{PollFd, PollFlags};
use webpane_ipc::folder::{LockState, SOCKET_FILE};
use webpane_ipc::{Connection, Folder};

use super::events::{BrowserProcessExitKind, BrowserProcessExitedEventArgs};
use crate::events::ProcessFailedEventArgs;
use crate::kinds::{ProcessFailedKind, ProcessFailedReason};
use crate::objects::WebView;
use crate::objects::{Environment, Session};

/// How long the end of a browser process is waited for once the connection broke: a process
/// still running then hung up on this app; one whose children or lock linger is reported ended.
const EXIT_WAIT: Duration = Duration::from_secs(30);
/// How often the end of a browser process (its children, the folder's lock) is checked.
const EXIT_POLL: Duration = Duration::from_millis(10);

impl Environment {
    /// The connection broke or the process ended: close every webview now, report the exit once
    /// the process, its children and the folder's lock are all gone.
    pub(super) fn session_lost(&self, session: &Rc<Session>) {
        if session.ended.replace(true) {
            return;
        }
        session.unwatch(&self.inner.event_loop);
        let normal = session.exiting.get();
        session.pending_creates.borrow_mut().clear();
        if !normal && session.disconnected.borrow().is_none() && self.still_listening(session) {
            // No word, but the same browser process still answers on the folder's socket: it hung
            // up on this app (its last message may not have fitted), it did not exit.
            *session.disconnected.borrow_mut() = Some("the connection was closed".into());
        }
        if session.disconnected.borrow().is_some() {
            // The browser process lives on: no exit to report. The views close with the reason;
            // a new webview connects again.
            self.disconnected(session);
            return;
        }
        // Closed at once (calls now return Closed); ProcessFailed waits until the process itself
        // is gone, so that the app that started it can say how it ended.
        let closed = session.close_webviews();
        if !normal {
            session.failed_views.borrow_mut().extend(closed);
        }
        self.wait_for_exit(session.clone(), Instant::now());
    }

    /// Whether the session's browser process still listens on the folder's socket.
    fn still_listening(&self, session: &Session) -> bool {
        let Ok(folder) = Folder::open(&self.inner.folder, false) else {
            return false;
        };
        // A dying process may still hold its listening socket for a moment: only one that says
        // its hello counts as alive.
        Connection::answering_listener_pid(folder.entry_path(SOCKET_FILE), Duration::from_secs(1)) == Some(session.pid)
    }

    /// Stops using `session` for new requests if it is the current one (the next request connects
    /// again).
    fn forget_session(&self, session: &Rc<Session>) {
        let mut current = self.inner.session.borrow_mut();
        if current.as_ref().is_some_and(|s| Rc::ptr_eq(s, session)) {
            *current = None;
        }
    }

    /// The browser process hung up on this app while it goes on running: every webview still
    /// open closes with [`CloseReason::Disconnected`](crate::kinds::CloseReason::Disconnected); there is
    /// no BrowserProcessExited (it has not exited).
    fn disconnected(&self, session: &Rc<Session>) {
        self.forget_session(session);
        let mut views: Vec<WebView> = session.failed_views.borrow_mut().drain(..).collect();
        views.extend(session.close_webviews());
        for webview in views {
            webview.raise_closed(crate::kinds::CloseReason::Disconnected);
        }
    }

    /// Reaps the browser process if this app started it; returns its exit code or signal.
    fn reap_if_ours(&self, session: &Session, block: bool) -> (Option<i32>, Option<i32>) {
        use std::os::unix::process::ExitStatusExt;
        let mut child = session.child.borrow_mut();
        let Some(c) = child.as_mut() else { return (None, None) };
        let status = if block {
            c.wait().ok()
        } else {
            c.try_wait().ok().flatten()
        };
        match status {
            Some(status) => {
                child.take();
                (status.code(), status.signal())
            }
            None => (None, None),
        }
    }

    fn wait_for_exit(&self, session: Rc<Session>, since: Instant) {
        let process_gone = session.pidfd.as_ref().is_none_or(is_readable);
        if process_gone {
            let views: Vec<WebView> = session.failed_views.borrow_mut().drain(..).collect();
            if !views.is_empty() {
                let (exit_code, signal) = self.reap_if_ours(&session, false);
                *session.exit_status.borrow_mut() = (exit_code, signal);
                let reason = match (exit_code, signal) {
                    (_, Some(9 | 15)) => ProcessFailedReason::Terminated,
                    (_, Some(_)) => ProcessFailedReason::Crashed,
                    _ => ProcessFailedReason::Unexpected,
                };
                let args = ProcessFailedEventArgs::new(
                    ProcessFailedKind::BrowserProcessExited,
                    reason,
                    Some(session.pid),
                    exit_code,
                    signal,
                    "webpane-runtime".into(),
                );
                for webview in views {
                    webview.raise_process_failed(&args);
                }
            }
        }
        let children_gone = session.children.borrow().iter().all(is_readable);
        let lock_free = lock_is_free(&self.inner.folder, session.pid);
        let timed_out = !(process_gone && children_gone && lock_free);
        if timed_out {
            if since.elapsed() <= EXIT_WAIT {
                let env = self.clone();
                self.inner
                    .event_loop
                    .post_callback_after(EXIT_POLL, move || env.wait_for_exit(session, since));
                return;
            }
            if !process_gone {
                // Still running after the connection broke: it hung up on us, it did not exit.
                log::warn!(
                    "browser process {} closed the connection but is still running after {EXIT_WAIT:?}: reporting a disconnect, not an exit",
                    session.pid
                );
                self.disconnected(&session);
                return;
            }
            log::warn!(
                "browser process {} still not fully gone after {EXIT_WAIT:?}; reporting its exit",
                session.pid
            );
        }
        let (_, reaped_signal) = self.reap_if_ours(&session, true);
        let signal = reaped_signal.or(session.exit_status.borrow().1);
        let kind = if session.exiting.get() && signal.is_none() {
            BrowserProcessExitKind::Normal
        } else {
            BrowserProcessExitKind::Failed
        };
        let args = BrowserProcessExitedEventArgs {
            kind,
            browser_process_id: session.pid,
            timed_out,
            _ui_thread: PhantomData,
        };
        self.forget_session(&session);
        self.inner.events.raise(self, &args);
        let waiters: Vec<_> = self.inner.exit_waiters.borrow_mut().drain(..).collect();
        for waiter in waiters {
            waiter.resolve(Ok(args.clone()));
        }
    }
}

fn is_readable(fd: &OwnedFd) -> bool {
    let mut fds = [PollFd::new(fd, PollFlags::IN)];
    matches!(rustix::event::poll(&mut fds, Some(&rustix::event::Timespec { tv_sec: 0, tv_nsec: 0 })), Ok(n) if n > 0)
}

/// Whether the folder's lock is no longer held by runtime `pid` (free, or taken by a newer one).
fn lock_is_free(folder: &Path, pid: u32) -> bool {
    // Opened without following links (only a regular file of ours counts as the lock).
    match Folder::open(folder, false).and_then(|f| f.lock_state()) {
        Ok(LockState::Held { pid: holder }) => {
            // Held: by the old runtime (wait), or by a new one that already wrote its own pid.
            holder.is_some_and(|holder| holder != pid)
        }
        Ok(LockState::Free) | Err(_) => true,
    }
}
