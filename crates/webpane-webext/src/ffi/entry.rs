//! The symbol WebKit calls when it loads the extension into a web process.

use std::ffi::c_void;

use glib::translate::FromGlibPtrNone;

/// WebKit's entry point, called once per web process when it loads the extension.
///
/// # Safety
/// Called by WebKit with a live `WebKitWebExtension` (and user data we do not use).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn webkit_web_extension_initialize_with_user_data(extension: *mut c_void, _data: *const c_void) {
    // SAFETY: WebKit passes a live WebKitWebExtension; from_glib_none takes our own reference.
    let extension = unsafe { glib::Object::from_glib_none(extension as *mut glib::gobject_ffi::GObject) };
    crate::extension::initialize(extension);
}
