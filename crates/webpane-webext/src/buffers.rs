//! Shared buffers in page script, with no copy (DESIGN.md §5).
//!
//! The memory itself is placed in the page by `ffi::share_into_page` (inside JavaScriptCore's
//! heap, held there until JavaScriptCore lets go of the page's buffer); this module keeps which
//! page, frame and post each buffer belongs to, and tells the runtime when the page let go.
//!
//! - `releaseBuffer` puts private zero pages back over the range at once (the shared memory is
//!   unmapped from this process then, whatever the page kept: a transferred buffer reads zeros);
//!   the shim detaches the page's buffer.
//! - The holder lives until JSC frees the page buffer's contents (whoever holds them: after a
//!   `transfer()` that is the new buffer), so no page buffer ever points at freed memory; it is
//!   dropped later from the main loop, never from inside garbage collection.
//! - A frame's new document, the frame's end or the page's end release its mappings too.

use std::cell::RefCell;
use std::collections::HashMap;
use std::os::fd::OwnedFd;

use javascriptcore::{ContextExt, ExceptionExt, ValueExt};
use webpane_ipc::webext::{BUFFER_RELEASED, BufferGone, Delivery, SharedBufferPost};

use crate::ffi::{self, WeakPage, WebFrame, WebPage};

/// A shared buffer given to a page, by `ffi`'s key for its memory.
struct Mapping {
    page: WeakPage,
    page_id: u64,
    frame_id: u64,
    buffer: u64,
    addr: usize,
    read_only: bool,
}

thread_local! {
    static MAPPINGS: RefCell<HashMap<u64, Mapping>> = RefCell::new(HashMap::new());
}

/// Gives `frame`'s page the shared memory `fd` as an ArrayBuffer, through the shim's
/// `sharedbufferreceived` event.
pub fn receive(page: &WebPage, page_id: u64, frame: &WebFrame, post: &SharedBufferPost, fd: OwnedFd) -> Delivery {
    match map_and_dispatch(page, page_id, frame, post, fd) {
        Ok(()) => Delivery::Delivered,
        Err(why) => Delivery::Failed(why),
    }
}

fn map_and_dispatch(
    page: &WebPage,
    page_id: u64,
    frame: &WebFrame,
    post: &SharedBufferPost,
    fd: OwnedFd,
) -> Result<(), String> {
    let context = frame.js_context().ok_or("the frame has no script context")?;
    let size = usize::try_from(post.size).map_err(|_| "the buffer is too large for this process")?;
    let shared = ffi::share_into_page(&context, (page_id, frame.id()), fd, size, !post.read_only, gone)?;
    let key = shared.key;
    if post.read_only {
        crate::fault::watch(shared.addr, shared.addr + shared.len);
    }
    MAPPINGS.with(|m| {
        m.borrow_mut().insert(
            key,
            Mapping {
                page: page.downgrade(),
                page_id,
                frame_id: frame.id(),
                buffer: post.buffer,
                addr: shared.addr,
                read_only: post.read_only,
            },
        )
    });
    let release_fn = ffi::native_function(&context, "release", move || release(key));
    let dispatch = context
        .evaluate("window.chrome && window.chrome.webview && window.chrome.webview.__webpaneSharedBuffer")
        .filter(|f| f.is_function());
    let Some(dispatch) = dispatch else {
        context.clear_exception();
        release(key);
        return Err("the page has no chrome.webview (web messages are off)".into());
    };
    let token = javascriptcore::Value::new_string(&context, Some(&post.token));
    let data = match &post.additional_data {
        Some(json) => javascriptcore::Value::new_string(&context, Some(json)),
        None => javascriptcore::Value::new_null(&context),
    };
    let accepted = ffi::call(&dispatch, &[&token, &shared.buffer, &data, &release_fn]).is_some_and(|v| v.to_boolean());
    if let Some(exception) = context.exception() {
        // A listener threw: the buffer was delivered all the same (as with any event).
        log::debug(&format!(
            "a sharedbufferreceived listener threw: {}",
            exception.to_str()
        ));
        context.clear_exception();
    }
    if !accepted {
        release(key);
        return Err("the page refused the buffer".into());
    }
    Ok(())
}

/// `chrome.webview.releaseBuffer` (or the frame's or page's end): the shared memory leaves this
/// process now, and the runtime hears it (once).
fn release(key: u64) {
    if !ffi::unshare(key) {
        return;
    }
    let mapping = MAPPINGS.with(|m| {
        m.borrow()
            .get(&key)
            .map(|v| (v.page.clone(), v.buffer, v.addr, v.read_only))
    });
    let Some((page, buffer, addr, read_only)) = mapping else {
        return;
    };
    if read_only {
        crate::fault::unwatch(addr);
    }
    if let Some(page) = page.upgrade() {
        crate::outbox::send(&page, &ffi::user_message(BUFFER_RELEASED, &BufferGone { buffer }));
    }
}

/// JavaScriptCore let go of the page's buffer (from the main loop): it is released if it was
/// not yet, and forgotten.
fn gone(key: u64) {
    release(key);
    MAPPINGS.with(|m| m.borrow_mut().remove(&key));
}

/// A frame's document went away (navigation, removal): its shared memory leaves now.
pub fn frame_gone(page_id: u64, frame_id: u64) {
    ffi::forget_spares(page_id, Some(frame_id));
    let keys: Vec<u64> = MAPPINGS.with(|m| {
        m.borrow()
            .iter()
            .filter(|(_, v)| v.page_id == page_id && v.frame_id == frame_id)
            .map(|(k, _)| *k)
            .collect()
    });
    keys.into_iter().for_each(release);
}

/// A page went away: all its shared memory leaves now.
pub fn page_gone(page_id: u64) {
    ffi::forget_spares(page_id, None);
    let keys: Vec<u64> = MAPPINGS.with(|m| {
        m.borrow()
            .iter()
            .filter(|(_, v)| v.page_id == page_id)
            .map(|(k, _)| *k)
            .collect()
    });
    keys.into_iter().for_each(release);
}

mod log {
    /// Debug output on stderr when `WEBPANE_LOG=debug` (the web process has no logger of ours).
    pub fn debug(message: &str) {
        if std::env::var("WEBPANE_LOG").is_ok_and(|v| v == "debug") {
            eprintln!("webpane-webext[{}]: {message}", std::process::id());
        }
    }
}
