//! The direct channel between this app and the web process of a view's main-frame document
//! (see [`webpane_ipc::protocol::PageToApp`]): the main frame's web messages, host object
//! requests, worker events and files come on it, and web messages to the main frame go on it,
//! without the browser process in the path.
//!
//! Order: everything the page wrote is read before anything the browser process says about the
//! view is handled ([`WebView::drain_channel`]); after anything else was sent for the view, web
//! messages take the browser process's path until a fence has come back on the channel (so
//! nothing sent later overtakes it). A channel is untrusted: what comes on it is checked like
//! anything from a page, and a channel that says something malformed is dropped.

use std::cell::{Cell, RefCell};
use std::os::fd::{AsFd, OwnedFd};
use std::rc::{Rc, Weak};

use webpane_ipc::protocol::{AppMessage, AppToPage, PageToApp, RuntimeMessage};
use webpane_ipc::{Connection, IpcError, Outgoing, ReceivedFds};

use crate::error::{Error, Result};
use crate::objects::{WebView, WebViewInner};

/// At most this many web messages wait to go in one packet on the channel.
const BATCH_MESSAGES: usize = 256;
/// At most this many bytes of web messages wait to go in one packet; a larger message goes
/// alone, at once.
const BATCH_BYTES: usize = 64 * 1024;

/// A view's direct channel to its main-frame document's web process (see
/// [`webpane_ipc::protocol::PageToApp`]): only this module reads or changes it.
#[derive(Default)]
pub(crate) struct ChannelState {
    /// The current document's channel and its event loop token (readable).
    current: RefCell<Option<(Rc<webpane_ipc::Connection>, u64)>>,
    /// A duplicate of the channel's fd watched for writability while the socket is full, and
    /// its token.
    backlog: RefCell<Option<(OwnedFd, u64)>>,
    /// Whether main-frame web messages may go on the channel: nothing else was sent through the
    /// browser process for the view since the last fence came back.
    direct: Cell<bool>,
    /// The last fence sent, and whether it is still out.
    fence: Cell<u64>,
    fence_out: Cell<bool>,
    /// How many requests for the view went through the browser process (fences aside), and how
    /// many had when the last fence was sent: a fence that comes back covers those only.
    sent: Cell<u64>,
    fence_covers: Cell<u64>,
    /// Web messages posted for the channel and not written yet, and their bytes: written
    /// together once the current callback returns (or when enough wait), and before anything
    /// else is sent for the view.
    pending: RefCell<Vec<String>>,
    pending_bytes: Cell<usize>,
}

impl WebView {
    fn channel(&self) -> Rc<ChannelState> {
        self.inner.features.get()
    }

    /// The browser process handed over the channel of the page's new main-frame document.
    pub(crate) fn adopt_channel(&self, fds: &mut ReceivedFds, channel: webpane_ipc::FdRef) {
        let conn = match fds
            .take_socket(channel)
            .map_err(|e| e.to_string())
            .and_then(|fd| Connection::adopt(fd).map_err(|e| e.to_string()))
        {
            Ok(conn) => Rc::new(conn),
            Err(why) => {
                log::warn!("a page channel could not be taken: {why}");
                return;
            }
        };
        self.close_channel();
        let weak: Weak<WebViewInner> = Rc::downgrade(&self.inner);
        let handler: Rc<dyn Fn()> = Rc::new(move || {
            if let Some(inner) = weak.upgrade() {
                WebView { inner }.drain_channel();
            }
        });
        let Ok(token) = self.inner.env.inner.event_loop.add_source(conn.as_fd(), handler) else {
            return;
        };
        self.channel().current.replace(Some((conn, token)));
        // Web messages sent through the browser process may still be on their way: the channel
        // is used once a fence has come back on it.
        if !self.channel().direct.get() {
            self.send_fence();
        }
    }

    /// Stops using the current channel (its document is gone, or it broke).
    pub(crate) fn close_channel(&self) {
        let state = &self.channel();
        let event_loop = &self.inner.env.inner.event_loop;
        // Messages posted for this document still go to it (they are lost with it, as they
        // would have been had they been written at once).
        let waiting = std::mem::take(&mut *state.pending.borrow_mut());
        state.pending_bytes.set(0);
        if let (false, Some((conn, _))) = (waiting.is_empty(), state.current.borrow().as_ref()) {
            let _ = conn.queue(&AppToPage::WebMessages(waiting), Outgoing::new());
        }
        if let Some((conn, token)) = state.current.take() {
            event_loop.remove_source(token, conn.as_fd());
        }
        if let Some((fd, token)) = state.backlog.take() {
            event_loop.remove_source(token, fd.as_fd());
        }
        state.direct.set(false);
        state.fence_out.set(false);
    }

    /// Asks for a fence to come back on the channel (one at a time: when it comes back having
    /// been overtaken by later requests, another follows).
    fn send_fence(&self) {
        let state = &self.channel();
        if state.fence_out.get() || state.current.borrow().is_none() {
            return;
        }
        let fence = state.fence.get() + 1;
        state.fence.set(fence);
        state.fence_covers.set(state.sent.get());
        if let Ok(session) = self.session() {
            let sent = session.send(&AppMessage::Fence {
                id: self.inner.id,
                fence,
            });
            state.fence_out.set(sent.is_ok());
        }
    }

    /// Handles everything the page has written on the channel so far.
    pub(crate) fn drain_channel(&self) {
        loop {
            let Some(conn) = self.channel().current.borrow().as_ref().map(|(c, _)| c.clone()) else {
                return;
            };
            let received = match conn.try_recv::<PageToApp>() {
                Ok(Some(received)) => received,
                Ok(None) => return,
                Err(e) => {
                    if !matches!(e, IpcError::Disconnected) {
                        log::warn!("a page channel said something malformed: {e}");
                    }
                    self.close_channel();
                    return;
                }
            };
            let mut fds = received.fds;
            let id = self.inner.id;
            let message = match received.message {
                PageToApp::FenceReached(fence) => {
                    let state = &self.channel();
                    if state.fence_out.get() && state.fence.get() == fence {
                        state.fence_out.set(false);
                        if state.fence_covers.get() == state.sent.get() {
                            // Everything sent through the browser process has reached the page.
                            state.direct.set(true);
                        } else {
                            // More went that way after the fence: one more fence.
                            state.direct.set(false);
                            self.send_fence();
                        }
                    }
                    continue;
                }
                PageToApp::WebMessage { source, json } => RuntimeMessage::WebMessageReceived {
                    id,
                    frame: None,
                    source,
                    json,
                },
                PageToApp::HostObjectCall { source, json } => RuntimeMessage::HostObjectCall {
                    id,
                    frame: None,
                    source,
                    json,
                },
                PageToApp::WorkerEvent { source, json } => RuntimeMessage::WorkerEvent {
                    id,
                    frame: None,
                    source,
                    json,
                },
                PageToApp::WebMessageWithFiles { source, json, files } => RuntimeMessage::WebMessageWithFilesReceived {
                    id,
                    frame: None,
                    source,
                    json,
                    files,
                },
            };
            // The page made it: checked as the browser process checks what it passes on.
            let json = match &message {
                RuntimeMessage::WebMessageReceived { json, .. }
                | RuntimeMessage::HostObjectCall { json, .. }
                | RuntimeMessage::WorkerEvent { json, .. }
                | RuntimeMessage::WebMessageWithFilesReceived { json, .. } => json,
                _ => continue,
            };
            if let Err(why) = webpane_ipc::validate::json_text(json) {
                log::warn!("dropped a page message that is not JSON ({why})");
                continue;
            }
            self.on_message(message, &mut fds);
        }
    }

    /// Posts `message` (a `PostWebMessage` to the main frame) on the channel, if it may go there
    /// now, checked as the browser process would check it; false when it must take the browser
    /// process's path (which checks it there). Small messages wait to be written together, until
    /// the current callback returns or no more fit one packet ([`flush_direct`](Self::flush_direct)).
    pub(crate) fn post_direct(&self, message: &AppMessage) -> Result<bool> {
        let AppMessage::PostWebMessage { frame: None, json, .. } = message else {
            return Ok(false);
        };
        let state = &self.channel();
        if !state.direct.get() {
            return Ok(false);
        }
        let Some(conn) = state.current.borrow().as_ref().map(|(c, _)| c.clone()) else {
            return Ok(false);
        };
        webpane_ipc::validate::app_message(message).map_err(Error::InvalidArgument)?;
        self.session()?;
        if json.len() > BATCH_BYTES {
            // A large one goes alone, at once (its size is checked here, for the caller).
            self.flush_direct();
            if !state.direct.get() || state.current.borrow().is_none() {
                return Ok(false);
            }
            return match self.write(&conn, &AppToPage::WebMessage(json.clone())) {
                Ok(()) => Ok(true),
                Err(Some(e)) => Err(e),
                Err(None) => Ok(false),
            };
        }
        // What waits always fits one packet: if this one would not fit beside it, what waits
        // goes first (and if that broke the channel, this one follows it the other way).
        if state.pending.borrow().len() >= BATCH_MESSAGES || state.pending_bytes.get() + json.len() > BATCH_BYTES {
            self.flush_direct();
            if !state.direct.get() || state.current.borrow().is_none() {
                return Ok(false);
            }
        }
        let waiting = {
            let mut pending = state.pending.borrow_mut();
            pending.push(json.clone());
            pending.len()
        };
        state.pending_bytes.set(state.pending_bytes.get() + json.len());
        if waiting == 1 {
            let weak: Weak<WebViewInner> = Rc::downgrade(&self.inner);
            self.inner.env.inner.event_loop.post_callback(move || {
                if let Some(inner) = weak.upgrade() {
                    WebView { inner }.flush_direct();
                }
            });
        }
        Ok(true)
    }

    /// `message`, a request for this view, is about to go through the browser process: web
    /// messages waiting for the channel go first, and anything but a main-frame web message
    /// sends later ones the browser process's way until a fence sent after it has come back.
    pub(crate) fn before_request(&self, message: &AppMessage) {
        if matches!(message, AppMessage::Fence { .. }) {
            return;
        }
        self.flush_direct();
        let channel = &self.channel();
        channel.sent.set(channel.sent.get() + 1);
        if !matches!(message, AppMessage::PostWebMessage { frame: None, .. }) {
            channel.direct.set(false);
        }
    }

    /// Writes the web messages waiting for the channel, as one packet. Where the channel is
    /// gone, they take the browser process's path (which says what became of them, as before
    /// there were channels).
    pub(crate) fn flush_direct(&self) {
        let state = &self.channel();
        let mut waiting = std::mem::take(&mut *state.pending.borrow_mut());
        state.pending_bytes.set(0);
        let message = match waiting.len() {
            0 => return,
            1 => AppToPage::WebMessage(waiting.remove(0)),
            _ => AppToPage::WebMessages(waiting),
        };
        let conn = state.current.borrow().as_ref().map(|(c, _)| c.clone());
        if conn.is_some_and(|conn| self.write(&conn, &message).is_ok()) {
            return;
        }
        let unsent = match message {
            AppToPage::WebMessage(json) => vec![json],
            AppToPage::WebMessages(batch) => batch,
            AppToPage::FenceReached(_) => Vec::new(),
        };
        for json in unsent {
            let _ = self.request(AppMessage::PostWebMessage {
                id: self.inner.id,
                frame: None,
                json,
            });
            self.after_indirect_post();
        }
    }

    /// Writes `message` on the channel; `Err(Some)`: it cannot be sent at all, `Err(None)`: the
    /// channel is gone (closed here).
    fn write(&self, conn: &Rc<Connection>, message: &AppToPage) -> std::result::Result<(), Option<Error>> {
        match conn.queue(message, Outgoing::new()) {
            Ok(true) => Ok(()),
            Ok(false) => {
                self.watch_backlog(conn);
                Ok(())
            }
            Err(e @ (IpcError::MessageTooLarge { .. } | IpcError::Encode(_))) => Err(Some(Error::ipc(e))),
            Err(_) => {
                self.close_channel();
                Err(None)
            }
        }
    }

    /// Sends the channel's backlog whenever its socket takes more.
    fn watch_backlog(&self, conn: &Rc<Connection>) {
        let state = &self.channel();
        if state.backlog.borrow().is_some() {
            return;
        }
        let Ok(fd) = rustix::io::dup(conn.as_fd()) else { return };
        let weak: Weak<WebViewInner> = Rc::downgrade(&self.inner);
        let handler: Rc<dyn Fn()> = Rc::new(move || {
            let Some(inner) = weak.upgrade() else { return };
            let webview = WebView { inner };
            let conn = webview.channel().current.borrow().as_ref().map(|(c, _)| c.clone());
            let done = conn.is_none_or(|conn| !matches!(conn.flush(), Ok(false)));
            if done && let Some((fd, token)) = webview.channel().backlog.take() {
                webview.inner.env.inner.event_loop.remove_source(token, fd.as_fd());
            }
        });
        if let Ok(token) = self.inner.env.inner.event_loop.add_writable_source(fd.as_fd(), handler) {
            state.backlog.replace(Some((fd, token)));
        }
    }

    /// Everything the browser process passed on from the page before its fence `fence` has been
    /// handled: the page may use the channel again.
    pub(crate) fn answer_page_fence(&self, fence: u64) {
        self.flush_direct();
        let conn = self.channel().current.borrow().as_ref().map(|(c, _)| c.clone());
        let Some(conn) = conn else { return };
        match conn.queue(&AppToPage::FenceReached(fence), Outgoing::new()) {
            Ok(true) => {}
            Ok(false) => self.watch_backlog(&conn),
            Err(_) => self.close_channel(),
        }
    }

    /// After a web message went through the browser process: a fence, to come back to the
    /// channel.
    pub(crate) fn after_indirect_post(&self) {
        if !self.channel().direct.get() {
            self.send_fence();
        }
    }
}
