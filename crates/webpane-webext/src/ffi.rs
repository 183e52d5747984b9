//! The extension's declared home of `unsafe`: WebKit's web-process API, which no Rust binding
//! covers (webkit2gtk-rs binds the UI-process side only). Everything else in the crate is safe.

use std::ffi::{CStr, c_char, c_void};

use glib::translate::{FromGlibPtrFull, FromGlibPtrNone, ToGlibPtr};

type GObject = glib::gobject_ffi::GObject;

unsafe extern "C" {
    fn webkit_script_world_get_default() -> *mut GObject;
    fn webkit_web_page_get_id(page: *mut GObject) -> u64;
    fn webkit_web_page_send_message_to_view(
        page: *mut GObject,
        message: *mut GObject,
        cancellable: *mut gio::ffi::GCancellable,
        callback: gio::ffi::GAsyncReadyCallback,
        user_data: *mut c_void,
    );
    fn webkit_frame_get_id(frame: *mut GObject) -> u64;
    fn webkit_frame_is_main_frame(frame: *mut GObject) -> glib::ffi::gboolean;
    fn webkit_frame_get_uri(frame: *mut GObject) -> *const c_char;
    fn webkit_frame_get_js_context(frame: *mut GObject) -> *mut javascriptcore_rs_sys::JSCContext;
}

/// Borrows a GObject handed to us by WebKit as a glib object (adds a reference).
///
/// # Safety
/// `raw` must point to a live GObject.
pub unsafe fn object_from_raw(raw: *mut c_void) -> glib::Object {
    // SAFETY: the caller guarantees a live GObject; from_glib_none takes its own reference.
    unsafe { glib::Object::from_glib_none(raw as *mut GObject) }
}

/// WebKit's default script world (the page's main world).
pub fn default_script_world() -> glib::Object {
    // SAFETY: returns a borrowed singleton owned by WebKit (transfer none), alive for the process.
    unsafe { glib::Object::from_glib_none(webkit_script_world_get_default()) }
}

/// A WebKitWebPage's id (equals the UI process's `webkit_web_view_get_page_id`).
pub fn page_id(page: &glib::Object) -> u64 {
    // SAFETY: `page` is a live WebKitWebPage (checked by type name in the callers' signals).
    unsafe { webkit_web_page_get_id(page.to_glib_none().0) }
}

/// Sends a WebKitUserMessage from a page to its view (no reply awaited).
pub fn send_message_to_view(page: &glib::Object, message: &glib::Object) {
    // SAFETY: both are live objects of the right types; WebKit takes its own references; no
    // callback, so no user data to keep alive.
    unsafe {
        webkit_web_page_send_message_to_view(
            page.to_glib_none().0,
            message.to_glib_none().0,
            std::ptr::null_mut(),
            None,
            std::ptr::null_mut(),
        )
    }
}

/// Answers a user message that asked for a reply.
pub fn send_reply(message: &glib::Object, reply: &glib::Object) {
    // SAFETY: both are live WebKitUserMessages; WebKit references the reply itself.
    unsafe {
        webkit2gtk_sys::webkit_user_message_send_reply(
            ToGlibPtr::<*mut GObject>::to_glib_none(message).0 as *mut webkit2gtk_sys::WebKitUserMessage,
            ToGlibPtr::<*mut GObject>::to_glib_none(reply).0 as *mut webkit2gtk_sys::WebKitUserMessage,
        )
    }
}

/// The type of WebKitUserMessage, to create messages with `glib::Object::with_type`.
pub fn user_message_type() -> glib::Type {
    // SAFETY: a plain GType getter.
    unsafe { glib::translate::from_glib(webkit2gtk_sys::webkit_user_message_get_type()) }
}

/// A frame's id, whether it is the main frame, and its URI.
pub fn frame_facts(frame: &glib::Object) -> (u64, bool, String) {
    let raw = frame.to_glib_none().0;
    // SAFETY: `frame` is a live WebKitFrame; the URI is borrowed (transfer none) and copied at
    // once; it may be NULL.
    unsafe {
        let uri = webkit_frame_get_uri(raw);
        let uri = if uri.is_null() {
            String::new()
        } else {
            CStr::from_ptr(uri).to_string_lossy().into_owned()
        };
        (webkit_frame_get_id(raw), webkit_frame_is_main_frame(raw) != 0, uri)
    }
}

/// The JavaScript context of a frame's page world.
pub fn frame_context(frame: &glib::Object) -> Option<javascriptcore::Context> {
    // SAFETY: `frame` is a live WebKitFrame; the context is returned with a reference we own
    // (transfer full), or NULL.
    unsafe {
        let raw = webkit_frame_get_js_context(frame.to_glib_none().0);
        (!raw.is_null()).then(|| javascriptcore::Context::from_glib_full(raw))
    }
}
