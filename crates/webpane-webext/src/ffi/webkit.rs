//! WebKit's web-process objects, typed once: a [`WebPage`] or [`WebFrame`] is made only from an
//! object whose GType is checked, so every call on it is safe.

use std::ffi::{CStr, c_char, c_void};

use glib::prelude::*;
use glib::translate::{FromGlibPtrFull, FromGlibPtrNone, ToGlibPtr, from_glib};

type GObject = glib::gobject_ffi::GObject;

unsafe extern "C" {
    fn webkit_web_page_get_type() -> glib::ffi::GType;
    fn webkit_frame_get_type() -> glib::ffi::GType;
    fn webkit_script_world_get_default() -> *mut GObject;
    fn webkit_web_page_get_id(page: *mut GObject) -> u64;
    fn webkit_web_page_get_main_frame(page: *mut GObject) -> *mut GObject;
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

unsafe extern "C" fn uri_request_type() -> glib::ffi::GType {
    // SAFETY: a plain GType getter.
    unsafe { webkit2gtk_sys::webkit_uri_request_get_type() }
}

/// Whether `object` is an instance of the GType `get_type` returns.
fn is_a(object: &glib::Object, get_type: unsafe extern "C" fn() -> glib::ffi::GType) -> bool {
    // SAFETY: a plain GType getter of the library the extension is loaded into.
    let wanted: glib::Type = unsafe { from_glib(get_type()) };
    object.type_().is_a(wanted)
}

/// A WebKit type checked once: the wrapper `$name` (made only from an object of the GType
/// `$get_type` returns), its weak reference `$weak`, and what every such wrapper has.
macro_rules! checked_type {
    ($(#[$doc:meta])* $name:ident, $weak:ident, $get_type:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name(glib::Object);

        #[doc = concat!("A weak reference to a [`", stringify!($name), "`].")]
        #[derive(Debug, Clone)]
        #[allow(dead_code)] // not every type needs each of these

        pub struct $weak(glib::WeakRef<glib::Object>);

        #[allow(dead_code)]
        impl $weak {
            /// The object, if it is still alive.
            pub fn upgrade(&self) -> Option<$name> {
                self.0.upgrade().map($name)
            }
        }

        #[allow(dead_code)]
        impl $name {
            /// The object as this type, if it is one.
            pub fn from_object(object: glib::Object) -> Option<$name> {
                is_a(&object, $get_type).then_some($name(object))
            }

            /// The object, for signals and weak-reference notifications.
            pub fn object(&self) -> &glib::Object {
                &self.0
            }

            /// A weak reference.
            pub fn downgrade(&self) -> $weak {
                $weak(self.0.downgrade())
            }
        }
    };
}

checked_type!(
    /// A `WebKitWebPage`.
    WebPage,
    WeakPage,
    webkit_web_page_get_type
);

checked_type!(
    /// A `WebKitURIRequest` (as `send-request` gives it).
    UriRequest,
    WeakUriRequest,
    uri_request_type
);

checked_type!(
    /// A `WebKitFrame`.
    WebFrame,
    WeakFrame,
    webkit_frame_get_type
);

impl WebPage {
    /// The page's id (equals the UI process's `webkit_web_view_get_page_id`).
    pub fn id(&self) -> u64 {
        // SAFETY: a live WebKitWebPage (type checked at construction).
        unsafe { webkit_web_page_get_id(self.0.to_glib_none().0) }
    }

    /// The page's main frame.
    pub fn main_frame(&self) -> Option<WebFrame> {
        // SAFETY: a live WebKitWebPage (type checked); the frame is borrowed (transfer none), may
        // be NULL, and gets a reference of its own here.
        let raw = unsafe { webkit_web_page_get_main_frame(self.0.to_glib_none().0) };
        if raw.is_null() {
            return None;
        }
        // SAFETY: a non-NULL WebKitFrame owned by the page; `from_glib_none` takes a new ref.
        let object: glib::Object = unsafe { glib::Object::from_glib_none(raw) };
        WebFrame::from_object(object)
    }

    /// Sends a `WebKitUserMessage` to the page's view (no reply awaited).
    pub fn send_message_to_view(&self, message: &glib::Object) {
        // SAFETY: a live page and a live message; WebKit takes its own references; no callback,
        // so no user data to keep alive.
        unsafe {
            webkit_web_page_send_message_to_view(
                self.0.to_glib_none().0,
                message.to_glib_none().0,
                std::ptr::null_mut(),
                None,
                std::ptr::null_mut(),
            )
        }
    }
}

impl UriRequest {
    fn raw(&self) -> *mut webkit2gtk_sys::WebKitURIRequest {
        ToGlibPtr::<*mut GObject>::to_glib_none(&self.0).0 as *mut webkit2gtk_sys::WebKitURIRequest
    }

    /// The request's URI (empty when it has none).
    pub fn uri(&self) -> String {
        // SAFETY: a live WebKitURIRequest (type checked); the URI is borrowed (transfer none),
        // copied at once, and may be NULL.
        unsafe {
            let uri = webkit2gtk_sys::webkit_uri_request_get_uri(self.raw());
            if uri.is_null() {
                String::new()
            } else {
                CStr::from_ptr(uri).to_string_lossy().into_owned()
            }
        }
    }

    /// Sets the HTTP header `name` to `value`, or removes it (`None`). Requests without HTTP
    /// headers (not http(s)) are left alone.
    pub fn set_header(&self, name: &str, value: Option<&str>) {
        let (Ok(name), value) = (std::ffi::CString::new(name), value.map(std::ffi::CString::new)) else {
            return;
        };
        // SAFETY: a live WebKitURIRequest; its headers are borrowed (transfer none) and may be
        // NULL; the strings live across the calls, which copy them.
        unsafe {
            let headers = webkit2gtk_sys::webkit_uri_request_get_http_headers(self.raw());
            if headers.is_null() {
                return;
            }
            soup3_sys::soup_message_headers_remove(headers, name.as_ptr());
            if let Some(Ok(value)) = value {
                soup3_sys::soup_message_headers_replace(headers, name.as_ptr(), value.as_ptr());
            }
        }
    }
}

impl WebFrame {
    /// The frame's id (unique in the web process).
    pub fn id(&self) -> u64 {
        // SAFETY: a live WebKitFrame (type checked at construction).
        unsafe { webkit_frame_get_id(self.0.to_glib_none().0) }
    }

    /// Whether it is its page's main frame.
    pub fn is_main(&self) -> bool {
        // SAFETY: a live WebKitFrame.
        unsafe { webkit_frame_is_main_frame(self.0.to_glib_none().0) != 0 }
    }

    /// The URI of its document (empty when it has none).
    pub fn uri(&self) -> String {
        // SAFETY: a live WebKitFrame; the URI is borrowed (transfer none), copied at once, and
        // may be NULL.
        unsafe {
            let uri = webkit_frame_get_uri(self.0.to_glib_none().0);
            if uri.is_null() {
                String::new()
            } else {
                CStr::from_ptr(uri).to_string_lossy().into_owned()
            }
        }
    }

    /// The JavaScript context of the frame's page world.
    pub fn js_context(&self) -> Option<javascriptcore::Context> {
        // SAFETY: a live WebKitFrame; the context comes with a reference we own (transfer full),
        // or NULL.
        unsafe {
            let raw = webkit_frame_get_js_context(self.0.to_glib_none().0);
            (!raw.is_null()).then(|| javascriptcore::Context::from_glib_full(raw))
        }
    }
}

/// WebKit's default script world (the page's main world).
pub fn default_script_world() -> glib::Object {
    // SAFETY: a borrowed singleton owned by WebKit (transfer none), alive for the process.
    unsafe { glib::Object::from_glib_none(webkit_script_world_get_default()) }
}

/// The type of `WebKitUserMessage`.
fn user_message_type() -> glib::Type {
    // SAFETY: a plain GType getter.
    unsafe { from_glib(webkit2gtk_sys::webkit_user_message_get_type()) }
}

/// A `WebKitUserMessage` named `name` whose parameters are `value` as one JSON string.
pub fn user_message(name: &str, value: &impl serde::Serialize) -> glib::Object {
    let json = serde_json::to_string(value).unwrap_or_else(|_| "null".into());
    user_message_with(name, glib::Variant::from(json.as_str()), None)
}

/// A `WebKitUserMessage` named `name` with `parameters` (and fds, if any).
pub fn user_message_with(name: &str, parameters: glib::Variant, fds: Option<gio::UnixFDList>) -> glib::Object {
    let builder = glib::Object::builder_with_type(user_message_type())
        .property("name", name)
        .property("parameters", parameters);
    match fds {
        Some(fds) => builder.property("fd-list", fds).build(),
        None => builder.build(),
    }
}

/// Answers a user message that asked for a reply.
pub fn send_reply(message: &glib::Object, reply: &glib::Object) {
    let (Some(message), Some(reply)) = (as_user_message(message), as_user_message(reply)) else {
        return;
    };
    // SAFETY: both are live WebKitUserMessages (checked); WebKit references the reply itself.
    unsafe { webkit2gtk_sys::webkit_user_message_send_reply(message, reply) }
}

fn as_user_message(object: &glib::Object) -> Option<*mut webkit2gtk_sys::WebKitUserMessage> {
    object
        .type_()
        .is_a(user_message_type())
        .then(|| ToGlibPtr::<*mut GObject>::to_glib_none(object).0 as *mut webkit2gtk_sys::WebKitUserMessage)
}
