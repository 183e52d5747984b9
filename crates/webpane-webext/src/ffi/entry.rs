//! The symbol WebKit calls when it loads the extension into a web process.

use std::ffi::c_void;

use glib::translate::FromGlibPtrNone;

/// WebKit's entry point, called once per web process when it loads the extension.
///
/// # Safety
/// Called by WebKit with a live `WebKitWebExtension` and its initialization data (a GVariant
/// string, or NULL).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn webkit_web_extension_initialize_with_user_data(extension: *mut c_void, data: *const c_void) {
    // SAFETY: WebKit passes a live WebKitWebExtension; from_glib_none takes our own reference.
    let extension = unsafe { glib::Object::from_glib_none(extension as *mut glib::gobject_ffi::GObject) };
    let data = if data.is_null() {
        None
    } else {
        // SAFETY: WebKit passes a live GVariant (or NULL, checked); from_glib_none references it.
        Some(unsafe { glib::Variant::from_glib_none(data as *mut glib::ffi::GVariant) })
    };
    crate::extension::initialize(extension, data.as_ref().and_then(|v| v.str()).unwrap_or(""));
}
