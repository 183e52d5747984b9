//! The render process's health: unresponsive pages, exits and why.

use std::rc::Rc;
use std::time::{Duration, Instant};

use glib::ControlFlow;
use gtk::prelude::*;
use webkit2gtk::{WebProcessTerminationReason, WebViewExt};
use webpane_ipc::protocol::{ProcessFailedKind, ProcessFailedReason, RuntimeMessage, WebViewId};

use super::state::*;
use crate::host::Host;

/// How often the watchdog pings each page, and reports it again while it stays unresponsive.
pub(super) const WATCHDOG_TICK: Duration = Duration::from_secs(1);
/// How long to look for the pid of a render process that WebKit reported gone.
pub(super) const RENDER_EXIT_IDENTIFY: Duration = Duration::from_secs(2);
impl View {
    pub(super) fn wire_health(&self, id: WebViewId, host: &Rc<dyn Host>) {
        {
            let (host, watchdog, report) = (host.clone(), self.watchdog.clone(), self.report.clone());
            self.webview.connect_web_process_terminated(move |_, reason| {
                watchdog.alive.set(false);
                watchdog.answered();
                let reason = match reason {
                    WebProcessTerminationReason::Crashed => ProcessFailedReason::Crashed,
                    WebProcessTerminationReason::ExceededMemoryLimit => ProcessFailedReason::OutOfMemory,
                    WebProcessTerminationReason::TerminatedByApi => ProcessFailedReason::Terminated,
                    _ => ProcessFailedReason::Unexpected,
                };
                // WebKit may notice before the kernel has marked the process exited: look for
                // the one child that exited, for up to RENDER_EXIT_IDENTIFY, then report.
                let extension_failed = report.extension_failed.take();
                let reason = if report.read_only_write() {
                    ProcessFailedReason::ReadOnlySharedBufferWrite
                } else if extension_failed.is_some() {
                    ProcessFailedReason::LaunchFailed
                } else {
                    reason
                };
                report.greeted.set(false);
                let process_description = match &extension_failed {
                    Some(why) => format!("WebKitWebProcess (without webpane's web process extension: {why})"),
                    None => "WebKitWebProcess".to_owned(),
                };
                let reported_pid = report.pid.take();
                report.socket.replace(None);
                let known = host.known_children();
                let started = Instant::now();
                let host = host.clone();
                glib::timeout_add_local(Duration::from_millis(10), move || {
                    let exited = crate::children::exited_children(&known);
                    let identified = match exited[..] {
                        [(pid, code, signal)] if reported_pid.is_none_or(|p| p == pid) => {
                            Some((Some(pid), code, signal))
                        }
                        // Told apart by the extension's socket credentials.
                        _ if reported_pid.is_some_and(|p| exited.iter().any(|e| e.0 == p)) => exited
                            .iter()
                            .find(|e| Some(e.0) == reported_pid)
                            .map(|&(pid, code, signal)| (Some(pid), code, signal)),
                        _ if started.elapsed() >= RENDER_EXIT_IDENTIFY => Some((reported_pid, None, None)),
                        _ => None,
                    };
                    let Some((process_id, exit_code, signal)) = identified else {
                        return ControlFlow::Continue;
                    };
                    host.refresh_children();
                    host.send(RuntimeMessage::ProcessFailed {
                        id,
                        kind: ProcessFailedKind::RenderProcessExited,
                        reason,
                        process_id,
                        exit_code,
                        signal,
                        process_description: process_description.clone(),
                    });
                    ControlFlow::Break
                });
            });
        }
        let weak_view = self.webview.downgrade();
        let (dog, report) = (self.watchdog.clone(), self.report.clone());
        let host = host.clone();
        let timer = glib::timeout_add_local(WATCHDOG_TICK, move || {
            let Some(view) = weak_view.upgrade() else {
                return ControlFlow::Break;
            };
            if !dog.alive.get() || dog.paused.get() || dog.suspended.get() {
                return ControlFlow::Continue;
            }
            if !dog.pinging() {
                dog.ping_sent(report.pid.get());
                let answer = dog.clone();
                // An isolated world: the page cannot see or intercept the ping.
                view.evaluate_javascript(
                    "0",
                    Some("webpane-watchdog"),
                    None,
                    None::<&gio::Cancellable>,
                    move |_| answer.answered(),
                );
            } else if dog.unresponsive(report.pid.get()) {
                host.send(RuntimeMessage::ProcessFailed {
                    id,
                    kind: ProcessFailedKind::RenderProcessUnresponsive,
                    reason: ProcessFailedReason::Unresponsive,
                    process_id: None,
                    exit_code: None,
                    signal: None,
                    process_description: "WebKitWebProcess".into(),
                });
            }
            ControlFlow::Continue
        });
        self.watchdog.timer.replace(Some(timer));
    }

    /// Terminates the render process.
    pub fn terminate_render_process(&self) {
        self.webview.terminate_web_process();
    }
}
