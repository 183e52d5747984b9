//! A live connection to one browser process: sending requests (checked first), and the webviews
//! and creations it serves.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::os::fd::{AsFd, OwnedFd};
use std::process::Child;
use std::rc::{Rc, Weak};

use webpane_ipc::protocol::{AppMessage, WebViewId};
use webpane_ipc::{Connection, Outgoing};

use crate::environment::WebViewOptions;
use crate::error::{Error, Result};
use crate::event_loop::EventLoop;
use crate::operation::Resolver;
use crate::webview::{WebView, WebViewInner};

#[derive(Clone, Copy)]
pub(crate) enum SourceFd {
    Connection,
    Pidfd,
}

/// A live connection to one browser process.
pub(crate) struct Session {
    pub(crate) conn: Connection,
    pub(crate) pid: u32,
    pub(crate) child: RefCell<Option<Child>>,
    pub(crate) pidfd: Option<OwnedFd>,
    pub(crate) children: RefCell<Vec<OwnedFd>>,
    /// Event loop sources: the connection's and the pidfd's tokens.
    pub(crate) sources: RefCell<Vec<(u64, SourceFd)>>,
    pub(crate) webviews: RefCell<HashMap<WebViewId, Weak<WebViewInner>>>,
    pub(crate) pending_creates: RefCell<HashMap<WebViewId, (Resolver<WebView>, WebViewOptions)>>,
    pub(crate) exiting: Cell<bool>,
    /// Why the browser process, still running, hung up on this app (its last message).
    pub(crate) disconnected: RefCell<Option<String>>,
    pub(crate) ended: Cell<bool>,
    /// Webviews closed by an unexpected end, to be told once the process is gone.
    pub(crate) failed_views: RefCell<Vec<WebView>>,
    /// The exit code and signal, once reaped (known only to the app that started it).
    pub(crate) exit_status: RefCell<(Option<i32>, Option<i32>)>,
    /// Whether the browser process answers.
    pub(crate) health: crate::browser_health::Health,
}

impl Session {
    /// Stops watching the connection and the pidfd.
    pub(crate) fn unwatch(&self, event_loop: &EventLoop) {
        let sources: Vec<(u64, SourceFd)> = self.sources.borrow_mut().drain(..).collect();
        for (token, which) in sources {
            match which {
                SourceFd::Connection => event_loop.remove_source(token, self.conn.as_fd()),
                SourceFd::Pidfd => {
                    if let Some(fd) = &self.pidfd {
                        event_loop.remove_source(token, fd.as_fd());
                    }
                }
            }
        }
    }

    /// Queues a message without ever waiting (pings); a full socket keeps it for later.
    pub(crate) fn queue(&self, message: &AppMessage) -> Result<()> {
        if self.ended.get() {
            return Err(Error::Closed);
        }
        self.conn
            .queue(message, Outgoing::new())
            .map(|_| ())
            .map_err(Error::ipc)
    }

    /// The webviews of this session that are still open.
    pub(crate) fn open_webviews(&self) -> Vec<WebView> {
        self.webviews
            .borrow()
            .values()
            .filter_map(Weak::upgrade)
            .map(|inner| WebView { inner })
            .filter(|w| !w.is_closed())
            .collect()
    }

    /// Marks every webview of the session closed; returns those that were still open.
    pub(crate) fn close_webviews(&self) -> Vec<WebView> {
        let all: Vec<Rc<WebViewInner>> = self
            .webviews
            .borrow_mut()
            .drain()
            .filter_map(|(_, w)| w.upgrade())
            .collect();
        all.into_iter()
            .map(|inner| WebView { inner })
            .filter(WebView::mark_closed)
            .collect()
    }

    /// Gives up every webview creation waiting for an answer.
    pub(crate) fn fail_pending_creates(&self, error: impl Fn() -> Error) {
        let waiting: Vec<_> = self.pending_creates.borrow_mut().drain().collect();
        for (_, (resolver, _)) in waiting {
            resolver.resolve(Err(error()));
        }
    }

    /// Sends a request; a failure means the browser process is gone.
    pub(crate) fn send(&self, message: &AppMessage) -> Result<()> {
        self.send_with_fds(message, Outgoing::new())
    }

    /// Sends a request with fds attached. It is checked first with the rules the browser
    /// process applies ([`webpane_ipc::validate::app_message`]): a request it would refuse is
    /// [`Error::InvalidArgument`] here, and never sent.
    pub(crate) fn send_with_fds(&self, message: &AppMessage, fds: Outgoing<'_>) -> Result<()> {
        webpane_ipc::validate::app_message(message).map_err(Error::InvalidArgument)?;
        if self.ended.get() {
            return Err(Error::Closed);
        }
        self.conn.send(message, fds).map_err(Error::ipc)
    }
}
