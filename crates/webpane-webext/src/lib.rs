//! `webpane-webext`: the web process extension of webpane.
//!
//! The runtime points WebKit's web-extensions directory at a folder holding this library, so
//! WebKit loads it into every WebKitWebProcess. It sees what the browser process cannot:
//!
//! - **frames**: every frame's window object as it is created (`window-object-cleared`); subframes
//!   are reported to the runtime (created, navigated, destroyed);
//! - **who sends a web message**: each frame's window gets a native function, bound to that
//!   `WebKitFrame`, that the `chrome.webview` shim takes before any page script runs; the runtime
//!   hears the frame and its URI from here, never from values page script built;
//! - **per-frame scripts**: the runtime asks it to run a script in one frame (WebKitGTK's
//!   UI-process API can only reach the main frame); web messages to a frame go the same way.
//!
//! Messages with the runtime are WebKit user messages, described in [`webpane_ipc::webext`].
//! `unsafe` lives in `ffi.rs` only.

#![deny(unsafe_op_in_unsafe_fn)]

mod buffers;
mod fault;
mod ffi;

use std::cell::RefCell;
use std::collections::HashMap;
use std::ffi::c_void;

use glib::prelude::*;
use javascriptcore::{ContextExt, ExceptionExt, ValueExt};
use webpane_ipc::webext::{
    Delivery, FRAME_CREATED, FRAME_DESTROYED, FRAME_NAVIGATED, FRAME_SCRIPT, FrameGone, FrameInfo, FrameScript, HELLO,
    SHARED_BUFFER, ScriptOutcome, SharedBufferPost, WEB_MESSAGE,
};

thread_local! {
    /// Per page id: the frames seen so far (weakly), by WebKit frame id.
    static FRAMES: RefCell<HashMap<u64, HashMap<u64, glib::WeakRef<glib::Object>>>> = RefCell::new(HashMap::new());
    /// Per page id: its main frame's id.
    static MAIN_FRAMES: RefCell<HashMap<u64, u64>> = RefCell::new(HashMap::new());
}

/// A frame of a page by id (`None`: the main frame).
fn find_frame(page_id: u64, frame: Option<u64>) -> Option<glib::Object> {
    let frame = match frame {
        Some(frame) => frame,
        None => MAIN_FRAMES.with(|m| m.borrow().get(&page_id).copied())?,
    };
    FRAMES.with(|f| f.borrow().get(&page_id)?.get(&frame)?.upgrade())
}

/// WebKit's entry point, called once per web process when it loads the extension.
///
/// # Safety
/// Called by WebKit with a live `WebKitWebExtension` (and user data we do not use).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn webkit_web_extension_initialize_with_user_data(extension: *mut c_void, _data: *const c_void) {
    // SAFETY: WebKit passes a live WebKitWebExtension.
    let extension = unsafe { ffi::object_from_raw(extension) };
    ffi::install_fault_handler();
    extension.connect_local("page-created", false, |args| {
        let page = args.get(1)?.get::<glib::Object>().ok()?;
        let page_id = ffi::page_id(&page);
        // The page's end (its webview closed): its frames and shared memory go.
        std::mem::forget(page.add_weak_ref_notify_local(move || {
            FRAMES.with(|f| f.borrow_mut().remove(&page_id));
            MAIN_FRAMES.with(|m| m.borrow_mut().remove(&page_id));
            buffers::page_gone(page_id);
        }));
        say_hello(&page);
        page.connect_local("user-message-received", false, |args| {
            let page = args.first()?.get::<glib::Object>().ok()?;
            let message = args.get(1)?.get::<glib::Object>().ok()?;
            Some(message_received(&page, &message).to_value())
        });
        None
    });
    ffi::default_script_world().connect_local("window-object-cleared", false, |args| {
        let page = args.get(1)?.get::<glib::Object>().ok()?;
        let frame = args.get(2)?.get::<glib::Object>().ok()?;
        window_object_cleared(&page, &frame);
        None
    });
}

/// Gives the page's view a report socket: the runtime learns this process's pid from it
/// (SO_PEERCRED; WebKit has no API for it) and why it died, if a read-only buffer was written.
fn say_hello(page: &glib::Object) {
    use rustix::net::{AddressFamily, SocketFlags, SocketType, socketpair};
    let Ok((ours, theirs)) = socketpair(AddressFamily::UNIX, SocketType::SEQPACKET, SocketFlags::CLOEXEC, None) else {
        return;
    };
    fault::add_report_socket(ours);
    let message: glib::Object = glib::Object::builder_with_type(ffi::user_message_type())
        .property("name", HELLO)
        .property("parameters", glib::Variant::from("{}"))
        .property("fd-list", ffi::fd_list_with(theirs))
        .build();
    ffi::send_message_to_view(page, &message);
}

/// A frame's window object was (re)created: a new document in it.
fn window_object_cleared(page: &glib::Object, frame: &glib::Object) {
    let (id, is_main, uri) = ffi::frame_facts(frame);
    let mut name = String::new();
    if let Some(context) = ffi::frame_context(frame) {
        install_sender(&context, page, frame, id, is_main);
        if let Some(value) = context.evaluate("window.name") {
            name = value.to_str().to_string();
        }
        context.clear_exception();
    }
    let page_id = ffi::page_id(page);
    let known = FRAMES.with(|f| {
        let mut frames = f.borrow_mut();
        let page_frames = frames.entry(page_id).or_default();
        let known = page_frames.contains_key(&id);
        page_frames.insert(id, frame.downgrade());
        known
    });
    if known {
        // The frame's previous document is gone, and with it that document's shared buffers.
        buffers::frame_gone(page_id, id);
    }
    if is_main {
        MAIN_FRAMES.with(|m| m.borrow_mut().insert(page_id, id));
        return;
    }
    let info = FrameInfo { frame: id, uri, name };
    if known {
        ffi::send_message_to_view(page, &ffi::user_message(FRAME_NAVIGATED, &info));
        return;
    }
    ffi::send_message_to_view(page, &ffi::user_message(FRAME_CREATED, &info));
    let page = page.downgrade();
    // The frame object goes away with the frame.
    std::mem::forget(frame.add_weak_ref_notify_local(move || {
        FRAMES.with(|f| {
            if let Some(frames) = f.borrow_mut().get_mut(&page_id) {
                frames.remove(&id);
            }
        });
        buffers::frame_gone(page_id, id);
        if let Some(page) = page.upgrade() {
            ffi::send_message_to_view(&page, &ffi::user_message(FRAME_DESTROYED, &FrameGone { frame: id }));
        }
    }));
}

/// Puts `window.__webpaneSend(json)` on a frame's new window, before any page script runs (the
/// `chrome.webview` shim takes it and deletes it). It is bound to this `WebKitFrame`: the runtime
/// learns the sender's frame and URI from WebKit, so no page script can claim to be another frame.
fn install_sender(
    context: &javascriptcore::Context,
    page: &glib::Object,
    frame: &glib::Object,
    id: u64,
    is_main: bool,
) {
    let (page, frame) = (page.downgrade(), frame.downgrade());
    let send = ffi::native_function_with_args(context, "send", move |args| {
        let (Some(page), Some(frame)) = (page.upgrade(), frame.upgrade()) else {
            return;
        };
        let Some(json) = args.first().filter(|v| v.is_string()) else {
            return;
        };
        let (_, _, uri) = ffi::frame_facts(&frame);
        let json = json.to_str();
        let parameters = (id, is_main, uri.as_str(), json.as_str()).to_variant();
        ffi::send_message_to_view(&page, &ffi::user_message_with(WEB_MESSAGE, parameters));
    });
    let define = context.evaluate(
        "(f => Object.defineProperty(window, '__webpaneSend', { value: f, configurable: true, enumerable: false }))",
    );
    if let Some(define) = define.filter(|d| d.is_function()) {
        ffi::call(&define, &[&send]);
    }
    context.clear_exception();
}

/// A message from the runtime; true if it is ours (and answered).
fn message_received(page: &glib::Object, message: &glib::Object) -> bool {
    let name: Option<String> = message.property("name");
    match name.as_deref() {
        Some(FRAME_SCRIPT) => frame_script(page, message),
        Some(SHARED_BUFFER) => shared_buffer(page, message),
        _ => return false,
    }
    true
}

fn parameters<T: serde::de::DeserializeOwned>(message: &glib::Object) -> Option<T> {
    let parameters: Option<glib::Variant> = message.property("parameters");
    parameters
        .as_ref()
        .and_then(|v| v.str())
        .and_then(|json| serde_json::from_str::<T>(json).ok())
}

fn shared_buffer(page: &glib::Object, message: &glib::Object) {
    let page_id = ffi::page_id(page);
    let fds: Option<gio::UnixFDList> = message.property("fd-list");
    let delivery = match (
        parameters::<SharedBufferPost>(message),
        fds.and_then(|l| ffi::take_fd(&l, 0)),
    ) {
        (Some(post), Some(fd)) => match find_frame(page_id, post.frame) {
            Some(frame) => buffers::receive(page, page_id, &frame, &post, fd),
            None => Delivery::Failed("the frame is gone".into()),
        },
        _ => Delivery::Failed("malformed shared buffer message".into()),
    };
    ffi::send_reply(message, &ffi::user_message(SHARED_BUFFER, &delivery));
}

fn frame_script(page: &glib::Object, message: &glib::Object) {
    let parameters: Option<glib::Variant> = message.property("parameters");
    let request = parameters
        .as_ref()
        .and_then(|v| v.str())
        .and_then(|json| serde_json::from_str::<FrameScript>(json).ok());
    let outcome = match request {
        Some(request) => run_in_frame(ffi::page_id(page), &request),
        None => ScriptOutcome::Err("malformed frame script request".into()),
    };
    ffi::send_reply(message, &ffi::user_message(FRAME_SCRIPT, &outcome));
}

fn run_in_frame(page_id: u64, request: &FrameScript) -> ScriptOutcome {
    let frame = FRAMES.with(|f| {
        f.borrow()
            .get(&page_id)
            .and_then(|frames| frames.get(&request.frame))
            .and_then(glib::WeakRef::upgrade)
    });
    let Some(context) = frame.as_ref().and_then(ffi::frame_context) else {
        return ScriptOutcome::Err("the frame is gone".into());
    };
    context.clear_exception();
    let value = context.evaluate(&request.script);
    if let Some(exception) = context.exception() {
        context.clear_exception();
        return ScriptOutcome::Err(exception.to_str().to_string());
    }
    match value {
        Some(value) if !value.is_undefined() => {
            ScriptOutcome::Ok(value.to_json(0).map(|j| j.to_string()).unwrap_or_else(|| "null".into()))
        }
        _ => ScriptOutcome::Ok("null".into()),
    }
}
