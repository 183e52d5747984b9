//! The environment's events: the browser process exited, a new version is available.

use std::marker::PhantomData;
use std::rc::Rc;

/// How a browser process ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BrowserProcessExitKind {
    /// It shut down because its last webview closed (or it was asked to).
    Normal,
    /// It crashed or was killed.
    Failed,
}

/// Arguments of [`Environment::on_browser_process_exited`](crate::Environment::on_browser_process_exited).
#[derive(Debug, Clone)]
pub struct BrowserProcessExitedEventArgs {
    pub(super) kind: BrowserProcessExitKind,
    pub(super) browser_process_id: u32,
    pub(super) timed_out: bool,
    pub(super) _ui_thread: PhantomData<Rc<()>>,
}

impl BrowserProcessExitedEventArgs {
    /// Normal or failed.
    pub fn kind(&self) -> BrowserProcessExitKind {
        self.kind
    }
    /// The pid of the browser process that exited (a later one has another).
    pub fn browser_process_id(&self) -> u32 {
        self.browser_process_id
    }
    /// Whether the event was raised because waiting ran out: the browser process had exited,
    /// but 30 seconds later one of its children (a stopped or hung WebKit process) or the user
    /// data folder's lock was still there. Normally false: the event comes once every process
    /// of the group has exited and the folder is free (beyond WebView2, which does not say).
    pub fn timed_out(&self) -> bool {
        self.timed_out
    }
}

/// Arguments of [`Environment::on_new_browser_version_available`](crate::Environment::on_new_browser_version_available).
#[derive(Debug, Clone)]
pub struct NewBrowserVersionAvailableEventArgs {
    pub(super) _ui_thread: PhantomData<Rc<()>>,
}
