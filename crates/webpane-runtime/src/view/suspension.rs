//! Suspending a hidden view (WebView2's `TrySuspend`, `Resume`) and its memory target
//! (`MemoryUsageTargetLevel`).
//!
//! WebKitGTK has no suspend of its own, so the runtime does what a sleeping tab amounts to:
//! the web process first releases its memory as WebKit does under memory pressure (through the
//! web process extension), then it is stopped (`SIGSTOP`): no script, timer, animation or
//! layout runs, and it uses no CPU. `SIGCONT` resumes it. A render process that another view
//! also uses is never stopped (the suspend reports `false`). The watchdog does not ping a
//! stopped page, and forgets the ping in flight when it resumes.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use gtk::prelude::*;
use webkit2gtk::WebViewExt;
use webpane_ipc::protocol::{MemoryUsageTargetLevel, RuntimeMessage};
use webpane_ipc::webext;

use super::extension::decode_reply;
use super::state::View;
use super::suspension_state::State;

/// How long the web process may take to release its memory before a suspend gives up.
const RELEASE_TIMEOUT: Duration = Duration::from_secs(5);

/// Why a view cannot be suspended.
#[derive(Debug, thiserror::Error)]
pub enum SuspendError {
    /// WebView2's `ERROR_INVALID_STATE`: only a hidden view is suspended.
    #[error("the view is visible: hide it (IsVisible false) before suspending it")]
    Visible,
}

impl View {
    /// Forgets the suspension when the render process goes (a new one starts running).
    pub(super) fn wire_suspension(&self) {
        let suspension = self.suspension.clone();
        let watchdog = self.watchdog.clone();
        self.webview.connect_web_process_terminated(move |_, _| {
            suspension.state.set(State::Running);
            watchdog.suspended.set(false);
        });
    }

    /// The render process's pid, once its extension said hello.
    pub fn render_process_id(&self) -> Option<u32> {
        self.report.pid.get()
    }

    /// Tries to suspend the page; `shared` says another view uses the same render process.
    /// `done` gets whether it is suspended now.
    pub fn try_suspend(&self, shared: bool, done: impl FnOnce(Result<bool, SuspendError>) + 'static) {
        if self.window.is_visible() {
            return done(Err(SuspendError::Visible));
        }
        match self.suspension.state.get() {
            State::Suspended(_) => return done(Ok(true)),
            // A new attempt supersedes one under way (which then reports `false`).
            State::Releasing(_) | State::Running => {}
        }
        let Some(pid) = self.report.pid.get().filter(|_| !shared) else {
            return done(Ok(false));
        };
        let attempt = self.suspension.attempt.get() + 1;
        self.suspension.attempt.set(attempt);
        self.suspension.state.set(State::Releasing(attempt));
        let done = Rc::new(RefCell::new(Some(
            Box::new(done) as Box<dyn FnOnce(Result<bool, SuspendError>)>
        )));
        let (suspension, watchdog, report, window) = (
            self.suspension.clone(),
            self.watchdog.clone(),
            self.report.clone(),
            self.window.clone(),
        );
        let stop = {
            let done = done.clone();
            move |released: bool| {
                let Some(done) = done.borrow_mut().take() else { return };
                let still = suspension.state.get() == State::Releasing(attempt)
                    && report.pid.get() == Some(pid)
                    && !window.is_visible();
                if !(released && still) {
                    if suspension.state.get() == State::Releasing(attempt) {
                        suspension.state.set(State::Running);
                    }
                    return done(Ok(false));
                }
                let stopped = rustix::process::Pid::from_raw(pid as i32)
                    .map(|p| rustix::process::kill_process(p, rustix::process::Signal::STOP).is_ok())
                    .unwrap_or(false);
                if stopped {
                    watchdog.suspended.set(true);
                    suspension.state.set(State::Suspended(pid));
                } else {
                    suspension.state.set(State::Running);
                }
                done(Ok(stopped))
            }
        };
        let timeout = stop.clone();
        glib::timeout_add_local_once(RELEASE_TIMEOUT, move || timeout(false));
        self.release_memory(stop);
    }

    /// Lets a suspended page run again (nothing if it is not suspended; a suspend under way is
    /// cancelled).
    pub fn resume(&self) {
        match self.suspension.state.replace(State::Running) {
            State::Suspended(pid) => {
                if let Some(pid) = rustix::process::Pid::from_raw(pid as i32) {
                    let _ = rustix::process::kill_process(pid, rustix::process::Signal::CONT);
                }
                // The ping in flight when it stopped is not a hang.
                self.watchdog.answered();
                self.watchdog.suspended.set(false);
            }
            State::Releasing(_) | State::Running => {}
        }
    }

    /// The memory target: `Low` releases what the render process can spare now.
    pub(super) fn set_memory_usage_target_level(&self, level: MemoryUsageTargetLevel) {
        let was = self.suspension.level.replace(level);
        if level == MemoryUsageTargetLevel::Low && was != MemoryUsageTargetLevel::Low {
            self.release_memory(|_| {});
        }
    }

    /// Asks the web process to release memory; `done` learns whether it did.
    fn release_memory(&self, done: impl FnOnce(bool) + 'static) {
        let message = webkit2gtk::UserMessage::new(webext::RELEASE_MEMORY, Some(&"{}".to_variant()));
        let id = self.id;
        self.webview
            .send_message_to_page(&message, None::<&gio::Cancellable>, move |reply| {
                match decode_reply::<webext::MemoryReleased>(reply) {
                    Ok(how) => {
                        log::debug!("view {}: memory released ({how:?})", id.0);
                        done(true)
                    }
                    Err(e) => {
                        log::info!(
                            "view {}: the page did not release memory: {}",
                            id.0,
                            crate::error::reason(&e)
                        );
                        done(false)
                    }
                }
            });
    }
}

/// The answer to `TrySuspend`.
pub fn suspend_reply(
    id: webpane_ipc::protocol::WebViewId,
    request: u64,
    result: Result<bool, SuspendError>,
) -> RuntimeMessage {
    RuntimeMessage::SuspendDone {
        id,
        request,
        result: result.map_err(|e| crate::error::reason(&e)),
    }
}
