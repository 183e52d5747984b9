//! The runtime's declared home of `unsafe`: the few engine facts the safe bindings do not expose.

/// The numeric code of a `GError` (glib 0.18's `Error` exposes the domain but not the code).
pub fn error_code(error: &glib::Error) -> i32 {
    let raw: *const glib::ffi::GError = glib::translate::ToGlibPtr::to_glib_none(error).0;
    // SAFETY: `raw` points to the GError owned by `error`, which is borrowed for this call.
    unsafe { (*raw).code }
}
