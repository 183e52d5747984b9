//! Messages between the extension and the runtime, in order and together:
//! - what page frames send (`chrome.webview.postMessage`, host object requests, worker events)
//!   waits for the end of the web process's main-loop turn and leaves as one
//!   [`PAGE_MESSAGES`] batch per page, instead of one WebKit message per call;
//! - anything else the extension tells the runtime goes through [`send`], which sends the
//!   waiting batch first, so nothing overtakes a page's messages;
//! - web messages from the app arrive as one [`WEB_MESSAGES_TO_PAGE`](webpane_ipc::webext::WEB_MESSAGES_TO_PAGE)
//!   per runtime turn and are handed to the main frame's `chrome.webview` listeners
//!   directly ([`deliver`]).

use std::cell::{Cell, RefCell};

use glib::prelude::*;
use javascriptcore::{ContextExt, ValueExt};
use webpane_ipc::webext::{PAGE_FENCE, PAGE_MESSAGES};

use crate::ffi::{self, WeakPage, WebPage};

/// One page message: its name, the sending frame, whether that is the main frame, the frame's
/// URI, the JSON.
type Entry = (String, u64, bool, String, String);

/// At most this many page messages go in one batch.
const BATCH: usize = 256;

thread_local! {
    /// Page messages not sent yet, in the order they were made, with their page.
    static WAITING: RefCell<Vec<(u64, WeakPage, Entry)>> = const { RefCell::new(Vec::new()) };
    static SCHEDULED: Cell<bool> = const { Cell::new(false) };
}

/// Queues a page message for the runtime from script running in `context`; it leaves when that
/// script's task ends (see [`schedule`]).
pub fn queue(context: Option<&javascriptcore::Context>, page: &WebPage, entry: Entry) {
    let waiting = WAITING.with(|w| {
        let mut w = w.borrow_mut();
        w.push((page.id(), page.downgrade(), entry));
        w.len()
    });
    if waiting >= BATCH {
        // A long burst goes in slices, so that the runtime and the app work on the first while
        // the page makes the next.
        flush();
        return;
    }
    schedule(context);
}

/// Makes sure [`flush`] runs when the script running in `context` is done: a microtask queued in
/// its document (before WebKit renders), and an idle in case that never runs (a page can replace
/// `queueMicrotask`). The flush also acknowledges what the direct channels took.
pub fn schedule(context: Option<&javascriptcore::Context>) {
    if SCHEDULED.with(|s| s.replace(true)) {
        return;
    }
    if let Some(context) = context {
        let queue_microtask = context
            .global_object()
            .and_then(|window| window.object_get_property("queueMicrotask"))
            .filter(|f| f.is_function());
        if let Some(queue_microtask) = queue_microtask {
            ffi::call(&queue_microtask, &[&ffi::native_function(context, "flush", flush)]);
        }
        context.clear_exception();
    }
    glib::idle_add_local_full(glib::Priority::DEFAULT, || {
        flush();
        glib::ControlFlow::Break
    });
}

/// Sends the waiting page messages: one batch per page, in order.
pub fn flush() {
    SCHEDULED.with(|s| s.set(false));
    let waiting = WAITING.with(|w| std::mem::take(&mut *w.borrow_mut()));
    let mut batch: Vec<Entry> = Vec::new();
    let mut current: Option<(u64, WeakPage)> = None;
    let send_batch = |page: &Option<(u64, WeakPage)>, batch: &mut Vec<Entry>| {
        if let Some(page) = page.as_ref().and_then(|(_, p)| p.upgrade()) {
            let entries = std::mem::take(batch);
            page.send_message_to_view(&ffi::user_message_with(PAGE_MESSAGES, entries.to_variant(), None));
            fence_after(&page, false);
        }
        batch.clear();
    };
    for (page_id, page, entry) in waiting {
        if current.as_ref().is_some_and(|(id, _)| *id != page_id) {
            send_batch(&current, &mut batch);
        }
        if current.as_ref().is_none_or(|(id, _)| *id != page_id) {
            current = Some((page_id, page));
        }
        batch.push(entry);
    }
    send_batch(&current, &mut batch);
    crate::channel::acknowledge_written();
}

/// Sends `message` to the page's view after every page message made before it; the page's
/// later messages do not overtake it on the direct channel (a page fence, see
/// [`crate::channel::next_fence`]).
pub fn send(page: &WebPage, message: &glib::Object) {
    send_unheld(page, message);
    fence_after(page, true);
}

/// Sends the page fence that must follow what was just sent for `page`, if one must
/// ([`crate::channel::next_fence`]).
fn fence_after(page: &WebPage, hold: bool) {
    if let Some(fence) = crate::channel::next_fence(page.id(), hold) {
        page.send_message_to_view(&ffi::user_message_with(PAGE_FENCE, fence.to_variant(), None));
    }
}

/// Sends `message` to the page's view after every page message made before it (for what the
/// app does not hear of before the page's messages, such as a new channel).
pub fn send_unheld(page: &WebPage, message: &glib::Object) {
    flush();
    page.send_message_to_view(message);
}
