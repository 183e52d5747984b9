//! Why a process failed.

use serde::{Deserialize, Serialize};

/// Which process failed (WebView2's `COREWEBVIEW2_PROCESS_FAILED_KIND`, where WebKit has one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ProcessFailedKind {
    /// The browser process (webpane-runtime) exited; the webview is closed.
    BrowserProcessExited,
    /// The render process (WebKitWebProcess) of the webview exited; `reload()` brings it back.
    RenderProcessExited,
    /// The render process stopped responding (raised again while it stays so).
    RenderProcessUnresponsive,
    /// The browser process (webpane-runtime) stopped answering: stopped (SIGSTOP) or hung.
    /// Raised every second while it lasts; the webview stays open, and works again when the
    /// process does. Not in WebView2.
    BrowserProcessUnresponsive,
    /// A utility process of the browser process (WebKit's network process) exited; raised for
    /// every webview. WebKit starts a new one when it next needs it.
    UtilityProcessExited,
}

/// Why a process failed (WebView2's `COREWEBVIEW2_PROCESS_FAILED_REASON`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
    /// The page wrote to a shared buffer it was given read-only: the kernel stopped the write
    /// and the render process died (beyond WebView2, which does not say why).
    ReadOnlySharedBufferWrite,
}
