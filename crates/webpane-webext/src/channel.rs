//! The direct channel of each page's main-frame document with the app (see
//! [`webpane_ipc::protocol::PageToApp`]): the main frame's web messages, host object requests,
//! worker events and files go to the app on it, and the app's web messages come from it, with
//! no runtime in between.
//!
//! - A new main-frame document gets a new channel ([`open`]); the previous one closes, so what
//!   the app sent for a document reaches only that document.
//! - What the page writes is acknowledged to its shim (flow control) once the socket has taken
//!   it; a full socket holds the rest here and acknowledges when it drains.
//! - Before the extension handles anything from the runtime, it reads what the app wrote
//!   ([`drain`]): what the app wrote first is handled first.

use std::cell::RefCell;
use std::collections::HashMap;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::rc::Rc;

use glib::ControlFlow;
use webpane_ipc::protocol::{AppToPage, PageToApp};
use webpane_ipc::webext::{HOST_OBJECT_CALL, PageFileInfo, WORKER_EVENT};
use webpane_ipc::{Connection, FileForTransit, Outgoing};

/// A page's channel and what is waiting on it.
struct PageChannel {
    conn: Rc<Connection>,
    read_watch: Option<glib::SourceId>,
    write_watch: Option<glib::SourceId>,
    /// Page messages the socket took that the shim has not heard of.
    unacked: u32,
    /// The app's messages that came before the view's token.
    early: Vec<String>,
    /// The runtime was told something the app will hear of: page messages take the runtime's
    /// path until the app has answered page fence `fence` (so none overtakes it).
    held: bool,
    fence: u64,
}

impl Drop for PageChannel {
    fn drop(&mut self) {
        if let Some(watch) = self.read_watch.take() {
            watch.remove();
        }
        if let Some(watch) = self.write_watch.take() {
            watch.remove();
        }
    }
}

thread_local! {
    static CHANNELS: RefCell<HashMap<u64, PageChannel>> = RefCell::new(HashMap::new());
    /// Per page: its view's `chrome.webview` token (from the runtime).
    static TOKENS: RefCell<HashMap<u64, String>> = RefCell::new(HashMap::new());
}

/// A new channel for page `page_id`'s new main-frame document; returns the app's end, for the
/// runtime. The previous document's channel closes.
pub fn open(page_id: u64) -> Option<OwnedFd> {
    let (conn, theirs) = Connection::pair_with_fd().ok()?;
    let conn = Rc::new(conn);
    let fd = conn.as_fd().as_raw_fd();
    let read_watch = glib::unix_fd_add_local(
        fd,
        glib::IOCondition::IN | glib::IOCondition::HUP | glib::IOCondition::ERR,
        move |_, _| {
            drain(page_id);
            if CHANNELS.with(|c| c.borrow().contains_key(&page_id)) {
                ControlFlow::Continue
            } else {
                ControlFlow::Break
            }
        },
    );
    let channel = PageChannel {
        conn,
        read_watch: Some(read_watch),
        write_watch: None,
        unacked: 0,
        early: Vec::new(),
        held: false,
        fence: 0,
    };
    let old = CHANNELS.with(|c| c.borrow_mut().insert(page_id, channel));
    drop(old);
    Some(theirs)
}

/// The page is gone: its channel closes.
pub fn page_gone(page_id: u64) {
    close(page_id);
    TOKENS.with(|t| t.borrow_mut().remove(&page_id));
}

/// Closes page `page_id`'s channel (it broke: the app went, or it said something wrong; or the
/// page is gone).
fn close(page_id: u64) {
    let old = CHANNELS.with(|c| c.borrow_mut().remove(&page_id));
    if let Some(mut old) = old {
        old.read_watch.take(); // ends by returning Break, or is already gone
        drop(old);
    }
}

/// The view's token, from the runtime: the app's messages can reach the shim now.
pub fn set_token(page_id: u64, token: String) {
    TOKENS.with(|t| t.borrow_mut().insert(page_id, token));
    let early = CHANNELS.with(|c| {
        c.borrow_mut()
            .get_mut(&page_id)
            .map(|channel| std::mem::take(&mut channel.early))
            .unwrap_or_default()
    });
    deliver(page_id, early);
    acknowledge_written();
}

/// Reads and hands to the page everything the app has written so far.
pub fn drain(page_id: u64) {
    let Some(conn) = CHANNELS.with(|c| c.borrow().get(&page_id).map(|ch| ch.conn.clone())) else {
        return;
    };
    let mut messages = Vec::new();
    loop {
        match conn.try_recv::<AppToPage>() {
            Ok(Some(received)) => match received.message {
                AppToPage::WebMessage(json) => messages.push(json),
                AppToPage::WebMessages(batch) => messages.extend(batch),
                AppToPage::FenceReached(fence) => CHANNELS.with(|c| {
                    if let Some(channel) = c.borrow_mut().get_mut(&page_id)
                        && channel.fence == fence
                    {
                        channel.held = false;
                    }
                }),
            },
            Ok(None) => break,
            Err(_) => {
                // The app's end closed (or said something malformed): the runtime path stays.
                close(page_id);
                break;
            }
        }
    }
    if messages.is_empty() {
        return;
    }
    let token = TOKENS.with(|t| t.borrow().get(&page_id).cloned());
    match token {
        Some(_) => deliver(page_id, messages),
        None => CHANNELS.with(|c| {
            if let Some(channel) = c.borrow_mut().get_mut(&page_id) {
                channel.early.extend(messages);
            }
        }),
    }
}

/// Hands the app's messages to the main frame's listeners (no borrow held: listeners run).
fn deliver(page_id: u64, messages: Vec<String>) {
    if messages.is_empty() {
        return;
    }
    let Some(token) = TOKENS.with(|t| t.borrow().get(&page_id).cloned()) else {
        return;
    };
    if let Some(context) = crate::frames::find_frame(page_id, None).and_then(|frame| frame.js_context()) {
        crate::shim::deliver(&context, &token, &messages);
    }
}

/// Answers fence `fence` on the channel, after everything the app wrote before it.
pub fn fence(page_id: u64, fence: u64) {
    drain(page_id);
    write(page_id, &PageToApp::FenceReached(fence), Outgoing::new(), false);
}

/// The next page fence of page `page_id`, to be sent to the runtime after what was just sent
/// there. `hold`: that was something the app will hear of, so the page's messages now go through
/// the runtime too; else it was page messages, which need a fence only while the channel is held
/// already. The channel opens again when the app answers the last fence: a new one each time, so
/// that the answer covers everything sent. `None`: no fence is needed (no channel, or not held).
pub fn next_fence(page_id: u64, hold: bool) -> Option<u64> {
    CHANNELS.with(|c| {
        let mut channels = c.borrow_mut();
        let channel = channels.get_mut(&page_id).filter(|channel| hold || channel.held)?;
        channel.held = true;
        channel.fence += 1;
        Some(channel.fence)
    })
}

/// Whether page `page_id`'s messages may go on its channel now.
fn open_for_page(page_id: u64) -> bool {
    CHANNELS.with(|c| c.borrow().get(&page_id).is_some_and(|channel| !channel.held))
}

/// Sends a main-frame message of kind `name` (the webext message names) on the channel; false
/// when there is no channel, or it is held (it goes through the runtime then).
pub fn send_from_page(page_id: u64, name: &str, source: String, json: String) -> bool {
    if !open_for_page(page_id) {
        return false;
    }
    let message = match name {
        HOST_OBJECT_CALL => PageToApp::HostObjectCall { source, json },
        WORKER_EVENT => PageToApp::WorkerEvent { source, json },
        _ => PageToApp::WebMessage { source, json },
    };
    write(page_id, &message, Outgoing::new(), true)
}

/// Sends a main-frame message with files (sealed memfds) on the channel; gives the files back
/// when there is no channel.
pub fn send_files_from_page(
    page_id: u64,
    source: String,
    json: String,
    files: Vec<(OwnedFd, PageFileInfo)>,
) -> Result<(), Vec<(OwnedFd, PageFileInfo)>> {
    if !open_for_page(page_id) {
        return Err(files);
    }
    let mut out = Outgoing::new();
    let mut refs = Vec::new();
    for (fd, info) in files {
        // A file that is not a sealed memfd is dropped (the extension made them all).
        if let Ok(file) = FileForTransit::take(fd) {
            refs.push((out.file(file), info));
        }
    }
    let message = PageToApp::WebMessageWithFiles {
        source,
        json,
        files: refs,
    };
    write(page_id, &message, out, true);
    Ok(())
}

/// Queues `message` on the channel (never blocking); `counted`: a page message the shim waits
/// to hear of. False when there is no channel, or it broke.
fn write(page_id: u64, message: &PageToApp, fds: Outgoing<'_>, counted: bool) -> bool {
    let Some(conn) = CHANNELS.with(|c| c.borrow().get(&page_id).map(|ch| ch.conn.clone())) else {
        return false;
    };
    match conn.queue(message, fds) {
        Ok(sent) => {
            CHANNELS.with(|c| {
                if let Some(channel) = c.borrow_mut().get_mut(&page_id) {
                    if counted {
                        channel.unacked += 1;
                    }
                    if !sent && channel.write_watch.is_none() {
                        channel.write_watch = Some(watch_writable(page_id, conn.as_fd().as_raw_fd()));
                    }
                }
            });
            true
        }
        Err(webpane_ipc::IpcError::MessageTooLarge { .. } | webpane_ipc::IpcError::Encode(_)) => {
            // Dropped, as on the runtime's path, and acknowledged all the same (the page may go
            // on sending).
            if counted {
                CHANNELS.with(|c| {
                    if let Some(channel) = c.borrow_mut().get_mut(&page_id) {
                        channel.unacked += 1;
                    }
                });
            }
            eprintln!(
                "webpane-webext[{}]: dropped a page message too large for the app",
                std::process::id()
            );
            true
        }
        Err(_) => {
            close(page_id);
            false
        }
    }
}

/// Flushes the channel whenever its socket takes more, then acknowledges.
fn watch_writable(page_id: u64, fd: i32) -> glib::SourceId {
    glib::unix_fd_add_local(
        fd,
        glib::IOCondition::OUT | glib::IOCondition::HUP | glib::IOCondition::ERR,
        move |_, _| {
            let conn = CHANNELS.with(|c| c.borrow().get(&page_id).map(|ch| ch.conn.clone()));
            let Some(conn) = conn else { return ControlFlow::Break };
            match conn.flush() {
                Ok(false) => ControlFlow::Continue,
                Ok(true) => {
                    CHANNELS.with(|c| {
                        if let Some(channel) = c.borrow_mut().get_mut(&page_id) {
                            channel.write_watch.take(); // this one: ends by returning Break
                        }
                    });
                    acknowledge_written();
                    ControlFlow::Break
                }
                Err(_) => {
                    CHANNELS.with(|c| {
                        if let Some(channel) = c.borrow_mut().get_mut(&page_id) {
                            channel.write_watch.take();
                        }
                    });
                    close(page_id);
                    ControlFlow::Break
                }
            }
        },
    )
}

/// Tells each page's shim how many of its messages the channel's socket has taken.
pub fn acknowledge_written() {
    let due: Vec<(u64, u32)> = CHANNELS.with(|c| {
        c.borrow_mut()
            .iter_mut()
            .filter(|(_, ch)| ch.unacked > 0 && ch.write_watch.is_none())
            .filter(|(page, _)| TOKENS.with(|t| t.borrow().contains_key(page)))
            .map(|(page, ch)| (*page, std::mem::take(&mut ch.unacked)))
            .collect()
    });
    for (page_id, count) in due {
        let token = TOKENS.with(|t| t.borrow().get(&page_id).cloned());
        let context = crate::frames::find_frame(page_id, None).and_then(|frame| frame.js_context());
        if let (Some(token), Some(context)) = (token, context) {
            crate::shim::acknowledge(&context, &token, count);
        }
    }
}
