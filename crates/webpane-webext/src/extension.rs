//! The extension's work in a web process: pages and frames as they come and go, the
//! `window.__webpaneSend` binding of each frame (web messages and host object requests), and the runtime's requests (frame scripts,
//! shared buffers).

use glib::prelude::*;
use javascriptcore::{ContextExt, ExceptionExt, ValueExt};

use crate::buffers;
use crate::fault;
use crate::ffi::{self, WeakFrame, WebFrame, WebPage};
use crate::files;
use crate::intercept;
use webpane_ipc::protocol::ScriptException;
use webpane_ipc::webext::{
    ACKNOWLEDGED, CHANNEL_TOKEN, DOCUMENT_CHANNEL, DRAG_AT, DRAGGED_FILES, Delivery, DragAt, DraggedFiles, FENCE,
    FILES_TO_PAGE, FRAME_CREATED, FRAME_DESTROYED, FRAME_DOM_CONTENT_LOADED, FRAME_LOADED, FRAME_NAVIGATED,
    FRAME_SCRIPT, FilesPost, FrameGone, FrameInfo, FrameScript, HELLO, HOST_OBJECT_CALL, INTERCEPTED_HOSTS,
    RELEASE_MEMORY, SHARED_BUFFER, ScriptOutcome, SharedBufferPost, WEB_MESSAGE, WEB_MESSAGES_TO_PAGE, WORKER_EVENT,
};

/// Sets the extension up in this web process: the fault handler, and a watch on every page and
/// every frame's new window object.
pub fn initialize(extension: glib::Object, data: &str) {
    ffi::install_fault_handler();
    intercept::init(data);
    extension.connect_local("page-created", false, |args| {
        let page = WebPage::from_object(args.get(1)?.get::<glib::Object>().ok()?)?;
        let page_id = page.id();
        // The page's end (its webview closed): its frames and shared memory go.
        std::mem::forget(page.object().add_weak_ref_notify_local(move || {
            crate::frames::FRAMES.with(|f| f.borrow_mut().remove(&page_id));
            crate::frames::MAIN_FRAMES.with(|m| m.borrow_mut().remove(&page_id));
            buffers::page_gone(page_id);
            files::page_gone(page_id);
            crate::drops::page_gone(page_id);
            crate::channel::page_gone(page_id);
        }));
        say_hello(&page);
        intercept::watch(&page);
        page.object().connect_local("user-message-received", false, |args| {
            let page = WebPage::from_object(args.first()?.get::<glib::Object>().ok()?)?;
            let message = args.get(1)?.get::<glib::Object>().ok()?;
            Some(message_received(&page, &message).to_value())
        });
        None
    });
    ffi::default_script_world().connect_local("window-object-cleared", false, |args| {
        let page = WebPage::from_object(args.get(1)?.get::<glib::Object>().ok()?)?;
        let frame = WebFrame::from_object(args.get(2)?.get::<glib::Object>().ok()?)?;
        window_object_cleared(&page, &frame);
        None
    });
}

/// Gives the page's view a report socket: the runtime learns this process's pid from it
/// (SO_PEERCRED; WebKit has no API for it) and why it died, if a read-only buffer was written.
fn say_hello(page: &WebPage) {
    use rustix::net::{AddressFamily, SocketFlags, SocketType, socketpair};
    let Ok((ours, theirs)) = socketpair(AddressFamily::UNIX, SocketType::SEQPACKET, SocketFlags::CLOEXEC, None) else {
        return;
    };
    fault::add_report_socket(ours);
    let message = ffi::user_message_with(
        HELLO,
        glib::Variant::from("{}"),
        Some(webpane_glib::fd_list_with(theirs)),
    );
    crate::outbox::send(page, &message);
}

/// A frame's window object was (re)created: a new document in it.
fn window_object_cleared(page: &WebPage, frame: &WebFrame) {
    let (id, is_main, uri) = (frame.id(), frame.is_main(), frame.uri());
    let mut name = String::new();
    if let Some(context) = frame.js_context() {
        install_sender(&context, page, frame, id, is_main);
        files::install_file_sender(&context, page, frame, id, is_main);
        crate::drops::install(&context, page.id(), id, is_main);
        if let Some(value) = context.evaluate("window.name") {
            name = value.to_str().to_string();
        }
        context.clear_exception();
    }
    let page_id = page.id();
    let known = crate::frames::FRAMES.with(|f| {
        let mut frames = f.borrow_mut();
        let page_frames = frames.entry(page_id).or_default();
        let known = page_frames.contains_key(&id);
        page_frames.insert(id, frame.downgrade());
        known
    });
    if known {
        // The frame's previous document is gone, and with it that document's shared buffers.
        buffers::frame_gone(page_id, id);
        files::frame_gone(page_id, id);
        crate::drops::frame_gone(page_id, id);
    }
    if is_main {
        crate::frames::MAIN_FRAMES.with(|m| m.borrow_mut().insert(page_id, id));
        // The new document's direct channel to the app (the runtime hands it over).
        if let Some(fd) = crate::channel::open(page_id) {
            let message = ffi::user_message_with(
                DOCUMENT_CHANNEL,
                glib::Variant::from("{}"),
                Some(webpane_glib::fd_list_with(fd)),
            );
            crate::outbox::send_unheld(page, &message);
        }
        if known {
            // A new top-level document: every frame of the previous one went with it (their
            // objects may live on until garbage collection; the app hears of their end now).
            let gone: Vec<u64> = crate::frames::FRAMES.with(|f| {
                let mut frames = f.borrow_mut();
                let Some(page_frames) = frames.get_mut(&page_id) else {
                    return Vec::new();
                };
                let gone: Vec<u64> = page_frames.keys().copied().filter(|frame| *frame != id).collect();
                gone.iter().for_each(|frame| {
                    page_frames.remove(frame);
                });
                gone
            });
            for frame in gone {
                buffers::frame_gone(page_id, frame);
                files::frame_gone(page_id, frame);
                crate::drops::frame_gone(page_id, frame);
                crate::outbox::send(page, &ffi::user_message(FRAME_DESTROYED, &FrameGone { frame }));
            }
        }
        return;
    }
    watch_document(&page.downgrade(), frame, id);
    let info = FrameInfo { frame: id, uri, name };
    if known {
        crate::outbox::send(page, &ffi::user_message(FRAME_NAVIGATED, &info));
        return;
    }
    crate::outbox::send(page, &ffi::user_message(FRAME_CREATED, &info));
    let page = page.downgrade();
    // The frame object goes away with the frame.
    std::mem::forget(frame.object().add_weak_ref_notify_local(move || {
        crate::frames::FRAMES.with(|f| {
            if let Some(frames) = f.borrow_mut().get_mut(&page_id) {
                frames.remove(&id);
            }
        });
        buffers::frame_gone(page_id, id);
        files::frame_gone(page_id, id);
        crate::drops::frame_gone(page_id, id);
        if let Some(page) = page.upgrade() {
            crate::outbox::send(&page, &ffi::user_message(FRAME_DESTROYED, &FrameGone { frame: id }));
        }
    }));
}

/// Tells the runtime when a subframe's new document fires DOMContentLoaded and `load` (listeners
/// added before any page script, bound to this frame).
fn watch_document(page: &ffi::WeakPage, frame: &WebFrame, id: u64) {
    let Some(context) = frame.js_context() else { return };
    let tell = |what: &'static str| {
        let page = page.clone();
        ffi::native_function(&context, what, move || {
            if let Some(page) = page.upgrade() {
                crate::outbox::send(&page, &ffi::user_message(what, &FrameGone { frame: id }));
            }
        })
    };
    let (loaded, completed) = (tell(FRAME_DOM_CONTENT_LOADED), tell(FRAME_LOADED));
    let watch = context.evaluate(
        "((d, l) => { document.addEventListener('DOMContentLoaded', d, { once: true }); window.addEventListener('load', l, { once: true }); })",
    );
    if let Some(watch) = watch.filter(|w| w.is_function()) {
        ffi::call(&watch, &[&loaded, &completed]);
    }
    context.clear_exception();
}

/// Puts `window.__webpaneSend(json)` on a frame's new window, before any page script runs (the
/// `chrome.webview` shim takes it and deletes it). It is bound to this `WebKitFrame`: the runtime
/// learns the sender's frame and URI from WebKit, so no page script can claim to be another frame.
fn install_sender(context: &javascriptcore::Context, page: &WebPage, frame: &WebFrame, id: u64, is_main: bool) {
    let (page, frame) = (page.downgrade(), frame.downgrade());
    let send = ffi::native_function_with_args(context, "send", move |args| {
        let (Some(page), Some(frame)) = (page.upgrade(), frame.upgrade()) else {
            return;
        };
        let Some(json) = args.first().filter(|v| v.is_string()) else {
            return;
        };
        // A second argument `true`: a host object request; `"worker"`: a worker's event; else a
        // web message.
        let name = match args.get(1) {
            Some(kind) if kind.is_boolean() && kind.to_boolean() => HOST_OBJECT_CALL,
            Some(kind) if kind.is_string() && kind.to_str() == "worker" => WORKER_EVENT,
            _ => WEB_MESSAGE,
        };
        let uri = frame.uri();
        let json = json.to_str();
        let context = frame.js_context();
        // The main frame's go on its document's direct channel when there is one.
        if is_main && crate::channel::send_from_page(page.id(), name, uri.clone(), json.to_string()) {
            crate::outbox::schedule(context.as_ref());
            return;
        }
        crate::outbox::queue(
            context.as_ref(),
            &page,
            (name.to_owned(), id, is_main, uri, json.to_string()),
        );
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
fn message_received(page: &WebPage, message: &glib::Object) -> bool {
    // What the app wrote on the direct channel before the runtime sent this comes first.
    crate::channel::drain(page.id());
    let name: Option<String> = message.property("name");
    match name.as_deref() {
        Some(CHANNEL_TOKEN) => {
            let parameters: Option<glib::Variant> = message.property("parameters");
            if let Some(token) = parameters.and_then(|v| v.get::<String>()) {
                crate::channel::set_token(page.id(), token);
            }
        }
        Some(FENCE) => {
            let parameters: Option<glib::Variant> = message.property("parameters");
            if let Some(fence) = parameters.and_then(|v| v.get::<u64>()) {
                crate::channel::fence(page.id(), fence);
            }
        }
        Some(FRAME_SCRIPT) => frame_script(page, message),
        Some(RELEASE_MEMORY) => ffi::send_reply(message, &ffi::user_message(RELEASE_MEMORY, &ffi::release_memory())),
        Some(SHARED_BUFFER) => shared_buffer(page, message),
        Some(FILES_TO_PAGE) => files_to_page(page, message),
        Some(DRAGGED_FILES) => dragged_files(page, message),
        Some(DRAG_AT) => drag_at(page, message),
        Some(INTERCEPTED_HOSTS) => intercept::hosts_message(message),
        Some(WEB_MESSAGES_TO_PAGE) => web_messages_to_page(page, message),
        Some(ACKNOWLEDGED) => acknowledged(page, message),
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

/// Web messages from the app for the main frame's listeners (no reply: none is asked for).
fn web_messages_to_page(page: &WebPage, message: &glib::Object) {
    let parameters: Option<glib::Variant> = message.property("parameters");
    let Some((token, jsons)) = parameters.and_then(|v| v.get::<(String, Vec<String>)>()) else {
        return;
    };
    if let Some(context) = crate::frames::find_frame(page.id(), None).and_then(|frame| frame.js_context()) {
        crate::shim::deliver(&context, &token, &jsons);
    }
}

/// The runtime has passed this many of the main frame's messages on to the app.
fn acknowledged(page: &WebPage, message: &glib::Object) {
    let parameters: Option<glib::Variant> = message.property("parameters");
    let Some((token, count)) = parameters.and_then(|v| v.get::<(String, u32)>()) else {
        return;
    };
    if let Some(context) = crate::frames::find_frame(page.id(), None).and_then(|frame| frame.js_context()) {
        crate::shim::acknowledge(&context, &token, count);
    }
}

fn shared_buffer(page: &WebPage, message: &glib::Object) {
    let page_id = page.id();
    let fds: Option<gio::UnixFDList> = message.property("fd-list");
    let delivery = match (
        parameters::<SharedBufferPost>(message),
        fds.and_then(|l| webpane_glib::take_fd(&l, 0)),
    ) {
        (Some(post), Some(fd)) => match crate::frames::find_frame(page_id, post.frame) {
            Some(frame) => buffers::receive(page, page_id, &frame, &post, fd),
            None => Delivery::Failed("the frame is gone".into()),
        },
        _ => Delivery::Failed("malformed shared buffer message".into()),
    };
    ffi::send_reply(message, &ffi::user_message(SHARED_BUFFER, &delivery));
}

fn files_to_page(page: &WebPage, message: &glib::Object) {
    let page_id = page.id();
    let delivery = match parameters::<FilesPost>(message) {
        Some(post) => {
            let fds = message_fds(message);
            match crate::frames::find_frame(page_id, post.frame) {
                Some(frame) => files::deliver(page_id, &frame, &post, fds),
                None => Delivery::Failed("the frame is gone".into()),
            }
        }
        None => Delivery::Failed("malformed files message".into()),
    };
    ffi::send_reply(message, &ffi::user_message(FILES_TO_PAGE, &delivery));
}

/// Files dragged over the page or dropped on it (no reply: none is asked for).
fn dragged_files(page: &WebPage, message: &glib::Object) {
    let Some(drag) = parameters::<DraggedFiles>(message) else {
        return;
    };
    crate::drops::message(page.id(), drag, message_fds(message));
}

/// A drag the app forwards: the page's drag events, and its drop effect as the reply.
fn drag_at(page: &WebPage, message: &glib::Object) {
    let effect = match parameters::<DragAt>(message) {
        Some(drag) => crate::drops::drag_at(page.id(), drag, message_fds(message)),
        None => "none".to_owned(),
    };
    ffi::send_reply(message, &ffi::user_message(DRAG_AT, &effect));
}

/// The fds a message carries, in order (taken: the message keeps none).
fn message_fds(message: &glib::Object) -> Vec<std::os::fd::OwnedFd> {
    let list: Option<gio::UnixFDList> = message.property("fd-list");
    let count = list
        .as_ref()
        .map_or(0, |l| gio::prelude::UnixFDListExt::length(l).max(0) as usize);
    (0..count)
        .filter_map(|i| list.as_ref().and_then(|l| webpane_glib::take_fd(l, i as i32)))
        .collect()
}

fn frame_script(page: &WebPage, message: &glib::Object) {
    let parameters: Option<glib::Variant> = message.property("parameters");
    let request = parameters
        .as_ref()
        .and_then(|v| v.str())
        .and_then(|json| serde_json::from_str::<FrameScript>(json).ok());
    let outcome = match request {
        Some(request) => run_in_frame(page, &request),
        None => ScriptOutcome::Err("malformed frame script request".into()),
    };
    ffi::send_reply(message, &ffi::user_message(FRAME_SCRIPT, &outcome));
}

fn run_in_frame(page: &WebPage, request: &FrameScript) -> ScriptOutcome {
    let frame = match request.frame {
        None => page.main_frame(),
        Some(id) => crate::frames::FRAMES.with(|f| {
            f.borrow()
                .get(&page.id())
                .and_then(|frames| frames.get(&id))
                .and_then(WeakFrame::upgrade)
        }),
    };
    let Some(context) = frame.as_ref().and_then(WebFrame::js_context) else {
        return ScriptOutcome::Err("the frame is gone".into());
    };
    context.clear_exception();
    let value = context.evaluate(&request.script);
    if let Some(exception) = context.exception() {
        context.clear_exception();
        // JavaScriptCore counts lines and columns from 1; WebView2 from 0.
        return ScriptOutcome::Threw(ScriptException {
            name: exception.name().map(|n| n.to_string()).unwrap_or_default(),
            message: exception.message().map(|m| m.to_string()).unwrap_or_default(),
            line: exception.line_number().saturating_sub(1),
            column: exception.column_number().saturating_sub(1),
            source_uri: exception.source_uri().map(|u| u.to_string()).unwrap_or_default(),
            stack: exception.backtrace_string().map(|b| b.to_string()).unwrap_or_default(),
        });
    }
    match value {
        Some(value) if !value.is_undefined() => {
            ScriptOutcome::Ok(value.to_json(0).map(|j| j.to_string()).unwrap_or_else(|| "null".into()))
        }
        _ => ScriptOutcome::Ok("null".into()),
    }
}
