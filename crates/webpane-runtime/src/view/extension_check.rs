//! A page whose web process runs without webpane's extension has no `chrome.webview`, no
//! frames and no shared buffers, and its app would hear nothing of why. So once a page commits,
//! its web process must have said hello (the extension does at once, when the page is
//! made); if it has not within [`HELLO_GRACE`] (at once when the runtime could not even install
//! the extension), the runtime ends that web process and the app hears `ProcessFailed`
//! (`RenderProcessExited`, `LaunchFailed`) with the reason in the process description.

use std::rc::Rc;
use std::time::Duration;

use glib::prelude::ObjectExt;
use webkit2gtk::{LoadEvent, WebViewExt};

use super::state::*;

/// How long after a commit the extension's hello may still come.
pub(super) const HELLO_GRACE: Duration = Duration::from_secs(10);

impl View {
    pub(super) fn wire_extension_check(&self) {
        let (report, missing) = (self.report.clone(), self.extension_missing.clone());
        self.webview.connect_load_changed(move |view, event| {
            if event != LoadEvent::Committed || report.greeted.get() {
                return;
            }
            let (report, weak) = (Rc::clone(&report), view.downgrade());
            let (missing, at_once) = (missing.clone(), missing.is_some());
            let check = move || {
                let Some(view) = weak.upgrade() else { return };
                if report.greeted.get() || report.extension_failed.borrow().is_some() {
                    return;
                }
                let why = missing.clone().unwrap_or_else(|| {
                    format!(
                        "it did not load in the web process within {} s of the page's commit (is the installed library damaged?)",
                        HELLO_GRACE.as_secs()
                    )
                });
                log::error!("ending a web process without the web process extension: {why}");
                report.extension_failed.replace(Some(why));
                view.terminate_web_process();
            };
            if at_once {
                glib::idle_add_local_once(check);
            } else {
                glib::timeout_add_local_once(HELLO_GRACE, check);
            }
        });
    }
}
