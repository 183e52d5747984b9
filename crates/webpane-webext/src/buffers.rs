//! Shared buffers in page script, with no copy (DESIGN.md §5).
//!
//! JavaScriptCore refuses ArrayBuffers over memory outside its primitive gigacage, so each
//! buffer is placed *inside* it: a holder ArrayBuffer of the size plus a page is allocated, the
//! memfd is mapped (`MAP_SHARED | MAP_FIXED`) over the page-aligned range inside the holder's
//! storage, and the page gets a second ArrayBuffer over exactly that range.
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
use std::os::fd::{AsFd, OwnedFd};
use std::sync::Mutex;

use glib::prelude::*;
use javascriptcore::{ContextExt, ExceptionExt, ValueExt};
use webpane_ipc::webext::{BUFFER_RELEASED, BufferGone, Delivery, SharedBufferPost};

use crate::ffi;

struct Mapping {
    page: glib::WeakRef<glib::Object>,
    page_id: u64,
    frame_id: u64,
    buffer: u64,
    addr: usize,
    len: usize,
    /// Keeps the holder ArrayBuffer (whose storage the mapping sits in) alive until dropped.
    _holder: javascriptcore::Value,
    /// Whether the shared memory is still mapped.
    shared: bool,
}

thread_local! {
    static MAPPINGS: RefCell<HashMap<u64, Mapping>> = RefCell::new(HashMap::new());
    static NEXT_KEY: std::cell::Cell<u64> = const { std::cell::Cell::new(1) };
}

/// Mappings whose page buffers JSC freed; drained from the main loop.
static FREED: Mutex<Vec<u64>> = Mutex::new(Vec::new());

/// Gives `frame`'s page the shared memory `fd` as an ArrayBuffer, through the shim's
/// `sharedbufferreceived` event.
pub fn receive(
    page: &glib::Object,
    page_id: u64,
    frame: &glib::Object,
    post: &SharedBufferPost,
    fd: OwnedFd,
) -> Delivery {
    match map_and_dispatch(page, page_id, frame, post, fd) {
        Ok(()) => Delivery::Delivered,
        Err(why) => Delivery::Failed(why),
    }
}

fn map_and_dispatch(
    page: &glib::Object,
    page_id: u64,
    frame: &glib::Object,
    post: &SharedBufferPost,
    fd: OwnedFd,
) -> Result<(), String> {
    let (frame_id, _, _) = ffi::frame_facts(frame);
    let context = ffi::frame_context(frame).ok_or("the frame has no script context")?;
    let size = usize::try_from(post.size).map_err(|_| "the buffer is too large for this process")?;
    if size == 0 {
        return Err("an empty buffer".into());
    }
    let page_size = rustix::param::page_size();
    let len = size.div_ceil(page_size) * page_size;
    context.clear_exception();
    let holder = context
        .evaluate(&format!("new ArrayBuffer({})", len + page_size))
        .filter(|_| context.exception().is_none())
        .ok_or_else(|| {
            context.clear_exception();
            format!("the page cannot hold {size} more bytes")
        })?;
    let (data, data_len) = ffi::array_buffer_data(&holder).ok_or("no holder storage")?;
    let addr = data.next_multiple_of(page_size);
    if addr + len > data + data_len {
        return Err("the holder is too small".into());
    }
    // SAFETY: the range is page-aligned and inside the holder's storage, which we keep alive
    // and which no script can reach (the holder never leaves this module).
    unsafe { ffi::map_shared_at(addr, len, fd.as_fd(), !post.read_only) }.map_err(|e| format!("mmap: {e}"))?;
    drop(fd);
    if post.read_only {
        crate::fault::watch(addr, addr + len);
    }
    let key = NEXT_KEY.with(|k| k.replace(k.get() + 1));
    MAPPINGS.with(|m| {
        m.borrow_mut().insert(
            key,
            Mapping {
                page: page.downgrade(),
                page_id,
                frame_id,
                buffer: post.buffer,
                addr,
                len,
                _holder: holder,
                shared: true,
            },
        )
    });
    // SAFETY: the range stays mapped (shared, then private zeros after a release) until the
    // holder is dropped, which happens only after `freed` ran for this buffer.
    let buffer = unsafe { ffi::external_array_buffer(&context, addr, size, move || freed(key)) };
    let Some(buffer) = buffer else {
        forget(key);
        return Err("JSC refused the buffer".into());
    };
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
    let accepted = ffi::call(&dispatch, &[&token, &buffer, &data, &release_fn]).is_some_and(|v| v.to_boolean());
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

/// `chrome.webview.releaseBuffer`: the shared memory leaves this process now.
fn release(key: u64) {
    let gone = MAPPINGS.with(|m| {
        let mut mappings = m.borrow_mut();
        let mapping = mappings.get_mut(&key)?;
        if !mapping.shared {
            return None;
        }
        mapping.shared = false;
        crate::fault::unwatch(mapping.addr);
        // SAFETY: our own mapping, inside the holder we still keep.
        if let Err(e) = unsafe { ffi::unmap_shared_at(mapping.addr, mapping.len) } {
            log::debug(&format!("could not unmap a shared buffer: {e}"));
        }
        Some((mapping.page.clone(), mapping.buffer))
    });
    if let Some((page, buffer)) = gone {
        if let Some(page) = page.upgrade() {
            ffi::send_message_to_view(&page, &ffi::user_message(BUFFER_RELEASED, &BufferGone { buffer }));
        }
    }
}

/// Drops a mapping that never reached the page.
fn forget(key: u64) {
    release(key);
    MAPPINGS.with(|m| m.borrow_mut().remove(&key));
}

/// JSC freed a page buffer's contents (maybe inside garbage collection, maybe on another thread):
/// only note it; the main loop does the rest.
fn freed(key: u64) {
    let first = {
        let mut freed = FREED.lock().unwrap_or_else(|p| p.into_inner());
        freed.push(key);
        freed.len() == 1
    };
    if first {
        glib::MainContext::default().invoke(drain_freed);
    }
}

fn drain_freed() {
    let keys: Vec<u64> = std::mem::take(&mut *FREED.lock().unwrap_or_else(|p| p.into_inner()));
    for key in keys {
        release(key);
        // Drops the holder: its storage (now private zeros) goes back to JSC.
        let mapping = MAPPINGS.with(|m| m.borrow_mut().remove(&key));
        drop(mapping);
    }
}

/// A frame's document went away (navigation, removal): its shared memory leaves now.
pub fn frame_gone(page_id: u64, frame_id: u64) {
    let keys: Vec<u64> = MAPPINGS.with(|m| {
        m.borrow()
            .iter()
            .filter(|(_, v)| v.page_id == page_id && v.frame_id == frame_id && v.shared)
            .map(|(k, _)| *k)
            .collect()
    });
    keys.into_iter().for_each(release);
}

/// A page went away: all its shared memory leaves now.
pub fn page_gone(page_id: u64) {
    let keys: Vec<u64> = MAPPINGS.with(|m| {
        m.borrow()
            .iter()
            .filter(|(_, v)| v.page_id == page_id && v.shared)
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
