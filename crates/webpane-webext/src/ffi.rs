//! The extension's declared home of `unsafe`: WebKit's web-process API, which no Rust binding
//! covers (webkit2gtk-rs binds the UI-process side only). Everything else in the crate is safe.

use std::ffi::{CStr, c_char, c_void};
use std::os::fd::OwnedFd;

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

/// The storage of an ArrayBuffer: its address and length.
pub fn array_buffer_data(value: &javascriptcore::Value) -> Option<(usize, usize)> {
    let mut size: usize = 0;
    // SAFETY: `value` is a live JSCValue; for a non-ArrayBuffer the call returns NULL. The
    // address is only used as a number (to place a mapping inside the buffer).
    let data = unsafe { javascriptcore_rs_sys::jsc_value_array_buffer_get_data(value.to_glib_none().0, &mut size) };
    (!data.is_null()).then_some((data as usize, size))
}

type OnFree = Box<dyn FnOnce()>;

unsafe extern "C" fn free_trampoline(user_data: glib::ffi::gpointer) {
    // SAFETY: `user_data` is the Box<OnFree> leaked in `external_array_buffer`, handed back by
    // JSC exactly once.
    let on_free = unsafe { Box::from_raw(user_data as *mut OnFree) };
    on_free();
}

/// An ArrayBuffer over `len` bytes at `addr`, which must lie inside memory JSC allocated (the
/// gigacage: JSC aborts the process for buffers outside it). `on_free` runs when JSC drops the
/// buffer's contents (possibly during garbage collection: it must not call into JSC).
///
/// # Safety
/// `[addr, addr + len)` must stay mapped, readable (and writable unless read-only is intended)
/// until `on_free` runs.
pub unsafe fn external_array_buffer(
    context: &javascriptcore::Context,
    addr: usize,
    len: usize,
    on_free: impl FnOnce() + 'static,
) -> Option<javascriptcore::Value> {
    let user_data = Box::into_raw(Box::new(Box::new(on_free) as OnFree));
    // SAFETY: the caller guarantees the memory; JSC calls `free_trampoline` once with our box.
    unsafe {
        let raw = javascriptcore_rs_sys::jsc_value_new_array_buffer(
            context.to_glib_none().0,
            addr as glib::ffi::gpointer,
            len,
            Some(free_trampoline),
            user_data as glib::ffi::gpointer,
        );
        if raw.is_null() {
            drop(Box::from_raw(user_data));
            None
        } else {
            Some(javascriptcore::Value::from_glib_full(raw))
        }
    }
}

type NativeWithArgs = Box<dyn Fn(&[javascriptcore::Value])>;

unsafe extern "C" fn native_args_trampoline(args: *mut glib::ffi::GPtrArray, user_data: glib::ffi::gpointer) {
    // SAFETY: `user_data` is the Box<NativeWithArgs> owned by the function object (see
    // `native_function_with_args`); `args` is JSC's array of borrowed JSCValue pointers, alive
    // for the call.
    let (f, values) = unsafe {
        let f = &*(user_data as *const NativeWithArgs);
        let array = &*args;
        let values: Vec<javascriptcore::Value> = (0..array.len as usize)
            .map(|i| javascriptcore::Value::from_glib_none(*array.pdata.add(i) as *mut javascriptcore_rs_sys::JSCValue))
            .collect();
        (f, values)
    };
    f(&values);
}

unsafe extern "C" fn native_args_destroy(user_data: glib::ffi::gpointer) {
    // SAFETY: called once by JSC when the function object dies; the box was leaked for it.
    drop(unsafe { Box::from_raw(user_data as *mut NativeWithArgs) });
}

/// A JavaScript function taking any arguments that calls `f` with them (on the web process's
/// main thread) and returns `undefined`.
pub fn native_function_with_args(
    context: &javascriptcore::Context,
    name: &str,
    f: impl Fn(&[javascriptcore::Value]) + 'static,
) -> javascriptcore::Value {
    let user_data = Box::into_raw(Box::new(Box::new(f) as NativeWithArgs));
    // A variadic callback is `void (*)(GPtrArray *args, gpointer user_data)` for G_TYPE_NONE.
    let callback: unsafe extern "C" fn(*mut glib::ffi::GPtrArray, glib::ffi::gpointer) = native_args_trampoline;
    // SAFETY: the callback signature matches a variadic function returning G_TYPE_NONE; JSC
    // owns the box and frees it through `native_args_destroy`.
    unsafe {
        javascriptcore::Value::from_glib_full(javascriptcore_rs_sys::jsc_value_new_function_variadic(
            context.to_glib_none().0,
            name.to_glib_none().0,
            Some(std::mem::transmute::<
                unsafe extern "C" fn(*mut glib::ffi::GPtrArray, glib::ffi::gpointer),
                unsafe extern "C" fn(),
            >(callback)),
            user_data as glib::ffi::gpointer,
            Some(native_args_destroy),
            glib::gobject_ffi::G_TYPE_NONE,
        ))
    }
}

/// A JavaScript function of no arguments that calls `f` (on the web process's main thread).
pub fn native_function(context: &javascriptcore::Context, name: &str, f: impl Fn() + 'static) -> javascriptcore::Value {
    native_function_with_args(context, name, move |_| f())
}

/// Calls a JavaScript function with arguments.
pub fn call(function: &javascriptcore::Value, args: &[&javascriptcore::Value]) -> Option<javascriptcore::Value> {
    let mut raw: Vec<*mut javascriptcore_rs_sys::JSCValue> = args.iter().map(|a| a.to_glib_none().0).collect();
    // SAFETY: live values; JSC references the parameters for the call only; result transfer full.
    unsafe {
        let result = javascriptcore_rs_sys::jsc_value_function_callv(
            function.to_glib_none().0,
            raw.len() as u32,
            raw.as_mut_ptr(),
        );
        (!result.is_null()).then(|| javascriptcore::Value::from_glib_full(result))
    }
}

/// Maps `fd` (shared memory) over `[addr, addr + len)`, replacing what was there.
///
/// # Safety
/// The range must be page-aligned memory this process owns and that nothing else uses as
/// ordinary memory (here: the inside of a holder ArrayBuffer whose contents nobody reads).
pub unsafe fn map_shared_at(
    addr: usize,
    len: usize,
    fd: std::os::fd::BorrowedFd<'_>,
    writable: bool,
) -> rustix::io::Result<()> {
    use rustix::mm::{MapFlags, ProtFlags};
    let prot = if writable {
        ProtFlags::READ | ProtFlags::WRITE
    } else {
        ProtFlags::READ
    };
    // SAFETY: the caller vouches for the range; MAP_FIXED replaces it in one step.
    unsafe {
        rustix::mm::mmap(
            addr as *mut c_void,
            len,
            prot,
            MapFlags::SHARED | MapFlags::FIXED,
            fd,
            0,
        )
    }
    .map(|_| ())
}

/// Puts private zero pages back over `[addr, addr + len)`: the shared memory is unmapped from
/// this process at once, and anything still pointing there reads zeros instead of faulting.
///
/// # Safety
/// As for `map_shared_at`: a range we mapped there ourselves.
pub unsafe fn unmap_shared_at(addr: usize, len: usize) -> rustix::io::Result<()> {
    use rustix::mm::{MapFlags, ProtFlags};
    // SAFETY: the caller vouches for the range.
    unsafe {
        rustix::mm::mmap_anonymous(
            addr as *mut c_void,
            len,
            ProtFlags::READ | ProtFlags::WRITE,
            MapFlags::PRIVATE | MapFlags::FIXED,
        )
    }
    .map(|_| ())
}

/// Takes (a duplicate of) fd `index` of a message's fd list.
pub fn take_fd(list: &gio::UnixFDList, index: i32) -> Option<std::os::fd::OwnedFd> {
    use gio::prelude::*;
    use std::os::fd::FromRawFd;
    let raw = list.get(index).ok()?;
    // SAFETY: g_unix_fd_list_get returns a new descriptor (a dup) that the caller owns.
    (raw >= 0).then(|| unsafe { std::os::fd::OwnedFd::from_raw_fd(raw) })
}

/// `send(fd, bytes, MSG_NOSIGNAL | MSG_DONTWAIT)` on a raw fd, ignoring errors
/// (async-signal-safe: one system call).
pub fn send_raw(fd: i32, bytes: &[u8]) {
    // SAFETY: plain syscall on a descriptor the caller keeps open; the buffer outlives the call.
    unsafe {
        libc::send(
            fd,
            bytes.as_ptr() as *const c_void,
            bytes.len(),
            libc::MSG_NOSIGNAL | libc::MSG_DONTWAIT,
        );
    }
}

/// The SIGSEGV / SIGBUS actions that were installed before ours, chained to for other faults.
static PREVIOUS: std::sync::OnceLock<(libc::sigaction, libc::sigaction)> = std::sync::OnceLock::new();

extern "C" fn on_fault(signal: libc::c_int, info: *mut libc::siginfo_t, context: *mut c_void) {
    // SAFETY: the kernel passes a valid siginfo for SA_SIGINFO handlers.
    let addr = unsafe { (*info).si_addr() } as usize;
    if crate::fault::is_read_only(addr) {
        crate::fault::report(send_raw);
    } else if let Some((segv, bus)) = PREVIOUS.get() {
        let previous = if signal == libc::SIGBUS { bus } else { segv };
        let handler = previous.sa_sigaction;
        if handler != libc::SIG_DFL && handler != libc::SIG_IGN {
            if previous.sa_flags & libc::SA_SIGINFO != 0 {
                // SAFETY: the previous handler was installed as an SA_SIGINFO handler.
                let f: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut c_void) =
                    unsafe { std::mem::transmute(handler) };
                f(signal, info, context);
            } else {
                // SAFETY: a plain handler of the classic signature.
                let f: extern "C" fn(libc::c_int) = unsafe { std::mem::transmute(handler) };
                f(signal);
            }
            return;
        }
    }
    // Ours, or nobody else's: the default action (the fault recurs on return and kills us).
    // SAFETY: resetting a signal's disposition is async-signal-safe.
    unsafe {
        libc::signal(signal, libc::SIG_DFL);
    }
}

/// Installs the fault handler for SIGSEGV and SIGBUS, chaining to whatever was there.
pub fn install_fault_handler() {
    // SAFETY: sigaction with a zeroed struct, our handler and SA_SIGINFO | SA_ONSTACK; the
    // previous actions are saved before ours can run for a fault that is not ours.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_fault as *const () as usize;
        action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
        libc::sigemptyset(&mut action.sa_mask);
        let mut segv: libc::sigaction = std::mem::zeroed();
        let mut bus: libc::sigaction = std::mem::zeroed();
        libc::sigaction(libc::SIGSEGV, std::ptr::null(), &mut segv);
        libc::sigaction(libc::SIGBUS, std::ptr::null(), &mut bus);
        if PREVIOUS.set((segv, bus)).is_ok() {
            libc::sigaction(libc::SIGSEGV, &action, std::ptr::null_mut());
            libc::sigaction(libc::SIGBUS, &action, std::ptr::null_mut());
        }
    }
}

/// A GUnixFDList holding `fd` (which moves into it).
pub fn fd_list_with(fd: OwnedFd) -> gio::UnixFDList {
    gio::UnixFDList::from_array([fd])
}

/// A WebKitUserMessage named `name` whose parameters are the JSON of `value`.
pub(crate) fn user_message(name: &str, value: &impl serde::Serialize) -> glib::Object {
    let json = serde_json::to_string(value).unwrap_or_else(|_| "null".into());
    user_message_with(name, glib::Variant::from(json.as_str()))
}

/// A WebKitUserMessage named `name` with `parameters`.
pub(crate) fn user_message_with(name: &str, parameters: glib::Variant) -> glib::Object {
    glib::Object::builder_with_type(user_message_type())
        .property("name", name)
        .property("parameters", parameters)
        .build()
}
