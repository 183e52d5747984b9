//! The runtime's declared home of `unsafe`: the few engine facts the safe bindings do not expose.

pub mod input_method;

/// The numeric code of a `GError` (glib 0.18's `Error` exposes the domain but not the code).
pub fn error_code(error: &glib::Error) -> i32 {
    let raw: *const glib::ffi::GError = glib::translate::ToGlibPtr::to_glib_none(error).0;
    // SAFETY: `raw` points to the GError owned by `error`, which is borrowed for this call.
    unsafe { (*raw).code }
}

/// The MIME type GIO gives a file by its name alone, as browsers type a `File` (gio 0.18's
/// `content_type_guess` always passes data, and empty data reads as "zero-size"). GIO calls
/// every guess without data uncertain; an unknown name gives `application/octet-stream`.
pub fn mime_type_by_name(path: &std::path::Path) -> Option<String> {
    use glib::translate::{FromGlibPtrFull, ToGlibPtr};
    let name: glib::translate::Stash<'_, *const std::ffi::c_char, std::path::Path> = path.to_glib_none();
    let mut uncertain = 0;
    // SAFETY: `name` is a NUL-terminated path kept alive by the stash for the call; no data is
    // passed (NULL, 0); the result is a newly allocated string we own.
    let content_type = unsafe {
        glib::GString::from_glib_full(gio::ffi::g_content_type_guess(
            name.0,
            std::ptr::null(),
            0,
            &mut uncertain,
        ))
    };
    gio::content_type_get_mime_type(&content_type).map(|m| m.to_string())
}

/// A GIO input stream that reads `fd` (a file, pipe or stream socket) and closes it when done.
pub fn input_stream(fd: std::os::fd::OwnedFd) -> gio::InputStream {
    use glib::prelude::Cast;
    // SAFETY: `fd` is an open descriptor owned by us; ownership moves into the stream (which
    // closes it), and `OwnedFd` -> raw fd transfer guarantees no one else closes it.
    unsafe { gio::UnixInputStream::take_fd(fd) }.upcast()
}

/// A GIO output stream that writes `fd` (a pipe's write end) and closes it when done.
pub fn output_stream(fd: std::os::fd::OwnedFd) -> gio::OutputStream {
    use glib::prelude::Cast;
    // SAFETY: as in `input_stream`: an owned, open descriptor whose ownership moves to the stream.
    unsafe { gio::UnixOutputStream::take_fd(fd) }.upcast()
}

unsafe extern "C" {
    fn gtk_plug_new(socket_id: std::ffi::c_ulong) -> *mut gtk::ffi::GtkWidget;
    fn gdk_x11_window_foreign_new_for_display(
        display: *mut gtk::gdk::ffi::GdkDisplay,
        window: std::ffi::c_ulong,
    ) -> *mut gtk::gdk::ffi::GdkWindow;
}

/// Sets an environment variable GTK or WebKit reads when it starts. Call only at the start of
/// `main`, before any other thread exists.
pub fn set_env_before_threads(name: &str, value: &str) {
    // SAFETY: called from `main` before GTK, WebKit or any thread of ours starts, so nothing
    // reads the environment concurrently.
    unsafe { std::env::set_var(name, value) }
}

/// Removes an environment variable (one read already, which no child process may inherit).
/// Call only at the start of `main`, before any other thread exists.
pub fn remove_env_before_threads(name: &str) {
    // SAFETY: called from `main` before GTK, WebKit or any thread of ours starts, so nothing
    // reads the environment concurrently.
    unsafe { std::env::remove_var(name) }
}

/// Whether `xid` is a window on the default display (an X11 one; false on any other).
pub fn x11_window_exists(xid: u64) -> bool {
    use glib::prelude::ObjectExt;
    use glib::translate::ToGlibPtr;
    let Some(display) = gtk::gdk::Display::default() else {
        return false;
    };
    if display.type_().name() != "GdkX11Display" {
        return false;
    }
    // SAFETY: an X11 GdkDisplay (checked above); GDK traps the X error of a missing window and
    // returns NULL; otherwise a new GdkWindow reference (transfer full) that we release at once.
    unsafe {
        let window = gdk_x11_window_foreign_new_for_display(display.to_glib_none().0, xid as std::ffi::c_ulong);
        if window.is_null() {
            return false;
        }
        glib::gobject_ffi::g_object_unref(window as *mut glib::gobject_ffi::GObject);
        true
    }
}

/// A GtkPlug (a GtkWindow) inside the X11 window `parent` of another process. gtk 0.18 only
/// binds `gtk::Plug` when built for the X11 backend alone, so it is declared here.
pub fn plug(parent: u64) -> gtk::Window {
    use glib::translate::FromGlibPtrNone;
    use gtk::prelude::Cast;
    // SAFETY: gtk_plug_new returns a new toplevel GtkPlug (owned by GTK's toplevel list); we take
    // our own reference. GtkPlug is a subclass of GtkWindow, so the cast is sound. A parent id
    // that does not exist gives a plug that is never shown.
    unsafe { gtk::Widget::from_glib_none(gtk_plug_new(parent as std::ffi::c_ulong)).unsafe_cast() }
}

/// The version of the WebKitGTK library loaded (not the one built against).
pub fn webkit_version() -> String {
    // SAFETY: plain getters of constants compiled into the library.
    let (major, minor, micro) = unsafe {
        (
            webkit2gtk::ffi::webkit_get_major_version(),
            webkit2gtk::ffi::webkit_get_minor_version(),
            webkit2gtk::ffi::webkit_get_micro_version(),
        )
    };
    format!("{major}.{minor}.{micro}")
}

// WebKitGTK 2.42+ (webkit2gtk-rs 2.0 binds up to 2.40): looked up when first needed, so that the
// runtime starts on an older WebKitGTK and only this call reports it unsupported.
type GetAllCookies = unsafe extern "C" fn(
    *mut webkit2gtk::ffi::WebKitCookieManager,
    *mut gio::ffi::GCancellable,
    gio::ffi::GAsyncReadyCallback,
    glib::ffi::gpointer,
);
type GetAllCookiesFinish = unsafe extern "C" fn(
    *mut webkit2gtk::ffi::WebKitCookieManager,
    *mut gio::ffi::GAsyncResult,
    *mut *mut glib::ffi::GError,
) -> *mut glib::ffi::GList;

/// The address of `name` in the libraries loaded (NULL when none has it).
fn symbol(name: &std::ffi::CStr) -> *mut std::ffi::c_void {
    // SAFETY: dlsym with RTLD_DEFAULT and a NUL-terminated name only looks the symbol up.
    unsafe { libc::dlsym(libc::RTLD_DEFAULT, name.as_ptr()) }
}

/// The 2.42 cookie functions, if this WebKitGTK has them.
fn cookie_functions() -> Option<(GetAllCookies, GetAllCookiesFinish)> {
    let start = symbol(c"webkit_cookie_manager_get_all_cookies");
    let finish = symbol(c"webkit_cookie_manager_get_all_cookies_finish");
    if start.is_null() || finish.is_null() {
        return None;
    }
    // SAFETY: both are WebKitGTK's functions of these exact signatures (WebKitCookieManager.h,
    // 2.42), found by name in the loaded library.
    unsafe {
        Some((
            std::mem::transmute::<*mut std::ffi::c_void, GetAllCookies>(start),
            std::mem::transmute::<*mut std::ffi::c_void, GetAllCookiesFinish>(finish),
        ))
    }
}

/// Whether this WebKitGTK can list every cookie (2.42+).
pub fn can_list_all_cookies() -> bool {
    cookie_functions().is_some()
}

type CookiesDone = Box<dyn FnOnce(Result<Vec<soup::Cookie>, glib::Error>)>;

unsafe extern "C" fn all_cookies_ready(
    source: *mut glib::gobject_ffi::GObject,
    result: *mut gio::ffi::GAsyncResult,
    user_data: glib::ffi::gpointer,
) {
    use glib::translate::{FromGlibPtrContainer, from_glib_full};
    // SAFETY: `user_data` is the box leaked in `all_cookies`, handed back once; `source` is the
    // cookie manager the call was made on; the list and the error are ours (transfer full).
    unsafe {
        let done = Box::from_raw(user_data as *mut CookiesDone);
        let Some((_, finish)) = cookie_functions() else {
            return;
        };
        let mut error = std::ptr::null_mut();
        let list = finish(source as *mut _, result, &mut error);
        if error.is_null() {
            done(Ok(FromGlibPtrContainer::from_glib_full(list)));
        } else {
            done(Err(from_glib_full(error)));
        }
    }
}

/// Every cookie of the profile (`webkit_cookie_manager_get_all_cookies`, 2.42).
pub fn all_cookies(
    manager: &webkit2gtk::CookieManager,
    done: impl FnOnce(Result<Vec<soup::Cookie>, glib::Error>) + 'static,
) {
    use glib::translate::ToGlibPtr;
    let Some((start, _)) = cookie_functions() else {
        done(Err(glib::Error::new(
            gio::IOErrorEnum::NotSupported,
            &format!(
                "listing every cookie needs WebKitGTK 2.42 or newer (this is {}); ask for a URI's cookies instead",
                webkit_version()
            ),
        )));
        return;
    };
    let user_data = Box::into_raw(Box::new(Box::new(done) as CookiesDone));
    // SAFETY: a live cookie manager; the callback receives our box exactly once.
    unsafe {
        start(
            manager.to_glib_none().0,
            std::ptr::null_mut(),
            Some(all_cookies_ready),
            user_data as glib::ffi::gpointer,
        )
    }
}

/// Answers an authentication request with a credential, or without one (the page then gets the
/// server's answer, a 401). webkit2gtk-rs 2.0 does not bind
/// `webkit_authentication_request_authenticate`.
pub fn authenticate(request: &webkit2gtk::AuthenticationRequest, credential: Option<&webkit2gtk::Credential>) {
    use glib::translate::ToGlibPtr;
    let request_ptr: *mut webkit2gtk::ffi::WebKitAuthenticationRequest = request.to_glib_none().0;
    let credential_ptr: *const webkit2gtk::ffi::WebKitCredential =
        credential.map_or(std::ptr::null(), |c| c.to_glib_none().0);
    // SAFETY: both pointers come from objects borrowed for the call (or NULL, which WebKit takes
    // as "no credential"); WebKit copies the credential and does not keep the pointer.
    unsafe { webkit2gtk::ffi::webkit_authentication_request_authenticate(request_ptr, credential_ptr as *mut _) }
}

/// An input event to put into GTK's event processing, as if the display server had sent it.
pub enum Synthetic {
    /// A button press (`double`: GDK's second press) or release.
    Button {
        press: bool,
        double: bool,
        x: f64,
        y: f64,
        button: u32,
        state: u32,
    },
    /// The pointer moved.
    Motion { x: f64, y: f64, state: u32 },
    /// The pointer entered (true) or left.
    Crossing { enter: bool, x: f64, y: f64, state: u32 },
    /// A smooth scroll (deltas in wheel steps).
    Scroll {
        x: f64,
        y: f64,
        dx: f64,
        dy: f64,
        state: u32,
    },
    /// A key press or release.
    Key {
        press: bool,
        keyval: u32,
        keycode: u16,
        state: u32,
    },
    /// The window got (true) or lost the keyboard focus.
    Focus { focus_in: bool },
    /// A touch point began, moved, ended or was cancelled.
    Touch {
        kind: webpane_ipc::protocol::TouchEventKind,
        sequence: u32,
        x: f64,
        y: f64,
        state: u32,
    },
}

/// Puts `synthetic` into GTK's event processing for `window` (with `device` as its device, if
/// the display has one), as if the display server had sent it; a focus change goes straight to
/// `focus_widget`.
pub fn send_synthetic(
    window: &gtk::gdk::Window,
    device: Option<&gtk::gdk::Device>,
    focus_widget: Option<&gtk::Widget>,
    synthetic: Synthetic,
) {
    use glib::translate::ToGlibPtr;
    use gtk::gdk::ffi as gdk;
    let kind = match &synthetic {
        Synthetic::Button { press: false, .. } => gdk::GDK_BUTTON_RELEASE,
        Synthetic::Button { double: true, .. } => gdk::GDK_DOUBLE_BUTTON_PRESS,
        Synthetic::Button { .. } => gdk::GDK_BUTTON_PRESS,
        Synthetic::Motion { .. } => gdk::GDK_MOTION_NOTIFY,
        Synthetic::Crossing { enter: true, .. } => gdk::GDK_ENTER_NOTIFY,
        Synthetic::Crossing { .. } => gdk::GDK_LEAVE_NOTIFY,
        Synthetic::Scroll { .. } => gdk::GDK_SCROLL,
        Synthetic::Key { press: true, .. } => gdk::GDK_KEY_PRESS,
        Synthetic::Key { .. } => gdk::GDK_KEY_RELEASE,
        Synthetic::Focus { .. } => gdk::GDK_FOCUS_CHANGE,
        Synthetic::Touch { kind, .. } => match kind {
            webpane_ipc::protocol::TouchEventKind::Began => gdk::GDK_TOUCH_BEGIN,
            webpane_ipc::protocol::TouchEventKind::Moved => gdk::GDK_TOUCH_UPDATE,
            webpane_ipc::protocol::TouchEventKind::Ended => gdk::GDK_TOUCH_END,
            webpane_ipc::protocol::TouchEventKind::Cancelled => gdk::GDK_TOUCH_CANCEL,
        },
    };
    let window_ptr: *mut gdk::GdkWindow = window.to_glib_none().0;
    // Milliseconds, as display servers stamp events (0 would be "now" to some of GTK).
    let time = (glib::monotonic_time() / 1000) as u32;
    // The fields every positioned event has, in whichever union member `$e` is.
    macro_rules! positioned {
        ($e:expr, $window:expr, $x:expr, $y:expr, $state:expr) => {{
            $e.window = $window;
            $e.send_event = 1;
            $e.time = time;
            ($e.x, $e.y, $e.x_root, $e.y_root) = ($x, $y, $x, $y);
            $e.state = $state;
        }};
    }
    // SAFETY: gdk_event_new gives a zeroed event of `kind`, whose union member for that kind is
    // the one written; the window is referenced for the event (gdk_event_free drops it); the key
    // string is a g_strdup the event owns; the event is freed after GTK has handled it.
    unsafe {
        let event = gdk::gdk_event_new(kind);
        let window_ref = glib::gobject_ffi::g_object_ref(window_ptr as *mut _) as *mut gdk::GdkWindow;
        match synthetic {
            Synthetic::Button {
                x, y, button, state, ..
            } => {
                let e = &mut (*event).button;
                positioned!(e, window_ref, x, y, state);
                e.button = button;
            }
            Synthetic::Motion { x, y, state } => {
                let e = &mut (*event).motion;
                positioned!(e, window_ref, x, y, state);
            }
            Synthetic::Crossing { x, y, state, .. } => {
                let e = &mut (*event).crossing;
                positioned!(e, window_ref, x, y, state);
                e.mode = gdk::GDK_CROSSING_NORMAL;
                e.detail = gdk::GDK_NOTIFY_NONLINEAR;
            }
            Synthetic::Scroll { x, y, dx, dy, state } => {
                let e = &mut (*event).scroll;
                positioned!(e, window_ref, x, y, state);
                e.direction = gdk::GDK_SCROLL_SMOOTH;
                (e.delta_x, e.delta_y) = (dx, dy);
            }
            Synthetic::Key {
                keyval, keycode, state, ..
            } => {
                let e = &mut (*event).key;
                e.window = window_ref;
                e.send_event = 1;
                e.time = time;
                e.state = state;
                e.keyval = keyval;
                e.hardware_keycode = keycode;
                let mut text = [0u8; 8];
                let c = char::from_u32(gdk::gdk_keyval_to_unicode(keyval)).filter(|c| !c.is_control());
                let len = c.map_or(0, |c| c.encode_utf8(&mut text).len());
                e.length = len as i32;
                e.string = glib::ffi::g_strndup(text.as_ptr() as *const _, len);
            }
            Synthetic::Focus { focus_in } => {
                let e = &mut (*event).focus_change;
                e.window = window_ref;
                e.send_event = 1;
                e.in_ = i16::from(focus_in);
            }
            Synthetic::Touch {
                sequence, x, y, state, ..
            } => {
                let e = &mut (*event).touch;
                positioned!(e, window_ref, x, y, state);
                // GDK's sequences are opaque pointers; any distinct non-NULL value names one.
                e.sequence = (sequence as usize + 1) as *mut gdk::GdkEventSequence;
                e.emulating_pointer = glib::ffi::GFALSE;
            }
        }
        if let Some(device) = device {
            gdk::gdk_event_set_device(event, device.to_glib_none().0);
            gdk::gdk_event_set_source_device(event, device.to_glib_none().0);
        }
        // An X error caused while handling a made-up event (an offscreen window has no X window)
        // must not end the browser process.
        gdk::gdk_error_trap_push();
        match focus_widget {
            // Focus goes to the widget itself: the window's own focus handling talks to the X
            // server about a window that does not exist there.
            Some(widget) => {
                gtk::ffi::gtk_widget_send_focus_change(widget.to_glib_none().0, event);
            }
            None => gtk::ffi::gtk_main_do_event(event),
        }
        gdk::gdk_error_trap_pop_ignored();
        gdk::gdk_event_free(event);
    }
}

/// Sends a user message to a view's page without asking for a reply (the safe binding always
/// passes a callback, and WebKit then answers every message, one more IPC message each).
pub fn send_to_page_without_reply(webview: &webkit2gtk::WebView, message: &webkit2gtk::UserMessage) {
    use glib::translate::ToGlibPtr;
    // SAFETY: a live view and message (borrowed for the call; WebKit takes its own reference to
    // the message); a NULL callback with NULL user data is allowed and means no reply is wanted.
    unsafe {
        webkit2gtk::ffi::webkit_web_view_send_message_to_page(
            webview.to_glib_none().0,
            message.to_glib_none().0,
            std::ptr::null_mut(),
            None,
            std::ptr::null_mut(),
        );
    }
}
