//! Suspending a hidden [`WebView`] (WebView2's `TrySuspend`, `Resume`, `IsSuspended`) and its
//! memory target (`MemoryUsageTargetLevel`).

use std::cell::Cell;

use webpane_ipc::protocol::{AppMessage, Setting};

use crate::error::{Error, Result};
use crate::objects::WebView;
use crate::operation::Operation;

/// How much memory a view's page should use (WebView2's `CoreWebView2MemoryUsageTargetLevel`).
#[doc(alias = "CoreWebView2MemoryUsageTargetLevel")]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MemoryUsageTargetLevel {
    /// As the engine sees fit (the default).
    #[default]
    Normal,
    /// As little as the page can run with: setting it makes the render process release what it
    /// can spare, as WebKit does under memory pressure (its caches, a full garbage collection,
    /// free pages given back). Scripts go on running.
    Low,
}

/// Whether the view is suspended, and its memory target, as the app last made them.
#[derive(Default)]
struct SuspensionState {
    suspended: Cell<bool>,
    level: Cell<MemoryUsageTargetLevel>,
}

impl WebView {
    fn suspension(&self) -> std::rc::Rc<SuspensionState> {
        self.inner.features.get()
    }

    /// Suspends the page of a hidden view (WebView2's `TrySuspendAsync`): its render process
    /// first releases the memory it can spare, then stops, so no script, timer or animation
    /// runs and it uses no CPU. The result says whether the page is suspended: `false` when
    /// its render process also serves another view, or has not started. Fails with
    /// [`Error::InvalidState`] while the view is visible.
    ///
    /// Showing the view, [`resume`](Self::resume), and every call that needs the page
    /// (navigation, scripts, web messages, input, pictures, printing, focus, closing) resume
    /// it; settings, cookies and the profile's other data leave it suspended.
    ///
    /// ```no_run
    /// # async fn demo(webview: &webpane::WebView) -> webpane::Result<()> {
    /// webview.set_visible(false)?;
    /// if webview.try_suspend().await? {
    ///     assert!(webview.is_suspended());
    /// }
    /// # Ok(()) }
    /// ```
    #[doc(alias = "TrySuspend")]
    #[doc(alias = "TrySuspendAsync")]
    pub fn try_suspend(&self) -> Operation<bool> {
        if self.is_visible() {
            return Operation::ready(Err(Error::InvalidState(
                "the view is visible: hide it (set_visible(false)) before suspending it",
            )));
        }
        self.ask(|request| AppMessage::TrySuspend { id: self.id(), request })
    }

    /// The answer to [`try_suspend`](Self::try_suspend) came.
    pub(crate) fn suspend_done(&self, request: u64, result: std::result::Result<bool, String>) {
        let result = result.map_err(Error::RequestFailed);
        if let Ok(suspended) = result {
            self.suspension().suspended.set(suspended);
        }
        self.inner.requests.resolve(request, result);
    }

    /// Lets a suspended page run again (WebView2's `Resume`); nothing if it is not suspended.
    #[doc(alias = "Resume")]
    pub fn resume(&self) -> Result<()> {
        self.request(AppMessage::Resume { id: self.id() })?;
        self.suspension().suspended.set(false);
        Ok(())
    }

    /// Whether the page is suspended: from a successful [`try_suspend`](Self::try_suspend)
    /// until it is resumed (WebView2's `IsSuspended`).
    #[doc(alias = "IsSuspended")]
    pub fn is_suspended(&self) -> bool {
        self.suspension().suspended.get()
    }

    /// Sets how much memory the page should use (WebView2's `MemoryUsageTargetLevel`).
    #[doc(alias = "MemoryUsageTargetLevel")]
    pub fn set_memory_usage_target_level(&self, level: MemoryUsageTargetLevel) -> Result<()> {
        let wire = match level {
            MemoryUsageTargetLevel::Normal => webpane_ipc::protocol::MemoryUsageTargetLevel::Normal,
            MemoryUsageTargetLevel::Low => webpane_ipc::protocol::MemoryUsageTargetLevel::Low,
        };
        self.request(AppMessage::UpdateSetting {
            id: self.id(),
            setting: Setting::MemoryUsageTargetLevel(wire),
        })?;
        self.suspension().level.set(level);
        Ok(())
    }

    /// The memory target as last set (default [`MemoryUsageTargetLevel::Normal`]).
    #[doc(alias = "MemoryUsageTargetLevel")]
    pub fn memory_usage_target_level(&self) -> MemoryUsageTargetLevel {
        self.suspension().level.get()
    }

    /// `message`, a request for this view, is about to be sent: one that needs the page wakes
    /// it, here as in the browser process (the same rule).
    pub(crate) fn note_resume(&self, message: &AppMessage) {
        if message.resumes_suspended_view() {
            self.suspension().suspended.set(false);
        }
    }
}
