//! The SDK's own public enums. The wire protocol's (`webpane_ipc::protocol`) are converted at the
//! boundary, so a protocol change never breaks an app; `#[non_exhaustive]` because WebView2 adds
//! kinds and reasons over time, and so will webpane.

use webpane_ipc::protocol as wire;

/// Why the browser process closed a webview (raised by `WebView::on_closed`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CloseReason {
    /// The app closed it.
    Requested,
    /// The X11 window it was embedded in went away.
    ParentWindowDestroyed,
    /// Its own window was closed (by the user or the window manager).
    WindowClosed,
    /// The browser process, still running, hung up on this app (it fell too far behind reading
    /// its messages); new webviews connect again.
    Disconnected,
}

impl From<wire::CloseReason> for CloseReason {
    fn from(reason: wire::CloseReason) -> Self {
        match reason {
            wire::CloseReason::Requested => Self::Requested,
            wire::CloseReason::ParentWindowDestroyed => Self::ParentWindowDestroyed,
            wire::CloseReason::WindowClosed => Self::WindowClosed,
            wire::CloseReason::Disconnected => Self::Disconnected,
        }
    }
}

/// Which process failed (WebView2's `COREWEBVIEW2_PROCESS_FAILED_KIND`, where WebKit has one).
#[doc(alias = "COREWEBVIEW2_PROCESS_FAILED_KIND")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ProcessFailedKind {
    /// The browser process (webpane-runtime) exited; the webview is closed.
    BrowserProcessExited,
    /// The render process (WebKitWebProcess) of the webview exited; `reload()` brings it back.
    RenderProcessExited,
    /// The render process stopped responding (raised again while it stays so).
    RenderProcessUnresponsive,
    /// The browser process stopped answering (stopped or hung); raised every second while it
    /// lasts. Not in WebView2.
    BrowserProcessUnresponsive,
    /// A utility process (WebKit's network process, WebView2's "network service") exited;
    /// raised for every webview of the browser process. Loads in flight fail; WebKit starts a
    /// new one when it next needs it, so the webviews go on working.
    UtilityProcessExited,
}

impl From<wire::ProcessFailedKind> for ProcessFailedKind {
    fn from(kind: wire::ProcessFailedKind) -> Self {
        match kind {
            wire::ProcessFailedKind::BrowserProcessExited => Self::BrowserProcessExited,
            wire::ProcessFailedKind::RenderProcessExited => Self::RenderProcessExited,
            wire::ProcessFailedKind::RenderProcessUnresponsive => Self::RenderProcessUnresponsive,
            wire::ProcessFailedKind::BrowserProcessUnresponsive => Self::BrowserProcessUnresponsive,
            wire::ProcessFailedKind::UtilityProcessExited => Self::UtilityProcessExited,
        }
    }
}

/// Why a process failed (WebView2's `COREWEBVIEW2_PROCESS_FAILED_REASON`).
#[doc(alias = "COREWEBVIEW2_PROCESS_FAILED_REASON")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ProcessFailedReason {
    /// Exited for a reason we cannot tell.
    Unexpected,
    /// Stopped responding.
    Unresponsive,
    /// Terminated on request (by the app or the user).
    Terminated,
    /// Crashed.
    Crashed,
    /// Failed to start.
    LaunchFailed,
    /// Ran out of memory (WebKit's memory limit).
    OutOfMemory,
    /// The page wrote to a shared buffer it was given read-only: the kernel stopped the write and
    /// the render process died (beyond WebView2, which does not say why).
    ReadOnlySharedBufferWrite,
}

impl From<wire::ProcessFailedReason> for ProcessFailedReason {
    fn from(reason: wire::ProcessFailedReason) -> Self {
        match reason {
            wire::ProcessFailedReason::Unexpected => Self::Unexpected,
            wire::ProcessFailedReason::Unresponsive => Self::Unresponsive,
            wire::ProcessFailedReason::Terminated => Self::Terminated,
            wire::ProcessFailedReason::Crashed => Self::Crashed,
            wire::ProcessFailedReason::LaunchFailed => Self::LaunchFailed,
            wire::ProcessFailedReason::OutOfMemory => Self::OutOfMemory,
            wire::ProcessFailedReason::ReadOnlySharedBufferWrite => Self::ReadOnlySharedBufferWrite,
        }
    }
}

/// An image format for `WebView::capture_preview` (WebView2's
/// `COREWEBVIEW2_CAPTURE_PREVIEW_IMAGE_FORMAT`).
#[doc(alias = "COREWEBVIEW2_CAPTURE_PREVIEW_IMAGE_FORMAT")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ImageFormat {
    /// PNG.
    Png,
    /// JPEG (quality 90).
    Jpeg,
}

impl From<ImageFormat> for wire::ImageFormat {
    fn from(format: ImageFormat) -> Self {
        match format {
            ImageFormat::Png => Self::Png,
            ImageFormat::Jpeg => Self::Jpeg,
        }
    }
}
