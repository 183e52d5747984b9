//! An input method of the app's own for offscreen views: a `WebKitInputMethodContext` subclass
//! (webkit2gtk-rs binds the class but no way to subclass it, so its virtual methods are set here).
//!
//! The app runs the input method (its toolkit talks to the user's IME); this context carries its
//! composition in and tells the app where the caret is and whether text is being edited. WebKit
//! calls it for every key (it filters none), asks it for the composition to show, and tells it
//! the caret's rectangle and the editable's focus.

use std::cell::RefCell;
use std::ffi::{c_char, c_int, c_uint};

use glib::prelude::ObjectExt;
use glib::subclass::prelude::*;
use glib::translate::ToGlibPtr;
use webkit2gtk::ffi::{WebKitInputMethodContext, WebKitInputMethodContextClass};

/// What the page's editing tells the app's input method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImeNotice {
    /// An editable element got (true) or lost the focus.
    Focus(bool),
    /// The caret's rectangle, in the view's pixels.
    CursorArea {
        /// Left edge.
        x: i32,
        /// Top edge.
        y: i32,
        /// Width.
        width: i32,
        /// Height.
        height: i32,
    },
}

type Listener = Box<dyn Fn(&AppInputMethod, ImeNotice)>;

mod imp {
    use super::*;

    /// The composition the app set (text, caret offset in characters) and who hears notices.
    #[derive(Default)]
    pub struct AppInputMethod {
        pub(super) preedit: RefCell<(String, u32)>,
        /// Text to commit with the next key WebKit filters (see [`super::AppInputMethod::commit_with_key`]).
        pub(super) pending: RefCell<Option<String>>,
        pub(super) listener: RefCell<Option<Listener>>,
    }

    #[glib::object_subclass]
    impl ObjectSubclass for AppInputMethod {
        const NAME: &'static str = "WebpaneAppInputMethod";
        type Type = super::AppInputMethod;
        type ParentType = webkit2gtk::InputMethodContext;
    }

    impl ObjectImpl for AppInputMethod {}
}

glib::wrapper! {
    /// The app's input method, as WebKit sees it.
    pub struct AppInputMethod(ObjectSubclass<imp::AppInputMethod>) @extends webkit2gtk::InputMethodContext;
}

impl AppInputMethod {
    /// A context that tells `listener` what the page's editing does.
    pub fn new(listener: impl Fn(&AppInputMethod, ImeNotice) + 'static) -> Self {
        let context: Self = glib::Object::new();
        context.imp().listener.replace(Some(Box::new(listener)));
        context
    }

    /// Sets the composition WebKit shows (underlined, caret `cursor` characters in); an empty
    /// `text` cancels it.
    pub fn set_composition(&self, text: &str, cursor: u32) {
        let was = !self.imp().preedit.borrow().0.is_empty();
        let cursor = cursor.min(text.chars().count() as u32);
        self.imp().preedit.replace((text.to_owned(), cursor));
        if !was && !text.is_empty() {
            self.emit_by_name::<()>("preedit-started", &[]);
        }
        self.emit_by_name::<()>("preedit-changed", &[]);
        if was && text.is_empty() {
            self.emit_by_name::<()>("preedit-finished", &[]);
        }
    }

    /// Whether a composition is showing.
    pub fn composing(&self) -> bool {
        !self.imp().preedit.borrow().0.is_empty()
    }

    /// Commits `text` (replacing the composition, if any), as an input method does: the text
    /// first, then the composition's end.
    pub fn commit(&self, text: &str) {
        let was = self.composing();
        self.imp().preedit.replace((String::new(), 0));
        self.emit_by_name::<()>("committed", &[&text]);
        if was {
            self.emit_by_name::<()>("preedit-changed", &[]);
            self.emit_by_name::<()>("preedit-finished", &[]);
        }
    }

    /// Makes `text` the commit of the next key event WebKit filters through this context (the
    /// caller sends one at once): the text then reaches the page with that key, in order with
    /// the keys before and after it, as an input method's commit does. Returns the text back if
    /// no key took it (call [`commit`](Self::commit) then).
    pub fn commit_with_key(&self, text: String, send_key: impl FnOnce()) -> Option<String> {
        self.imp().pending.replace(Some(text));
        send_key();
        self.imp().pending.take()
    }

    fn tell(&self, notice: ImeNotice) {
        if let Some(listener) = self.imp().listener.borrow().as_ref() {
            listener(self, notice);
        }
    }
}

// SAFETY: the class is WebKitInputMethodContextClass (the wrapper's class type); `class_init`
// chains to the parent's first and only then sets the virtual methods of WebKit's header.
unsafe impl IsSubclassable<imp::AppInputMethod> for webkit2gtk::InputMethodContext {
    fn class_init(class: &mut glib::Class<Self>) {
        Self::parent_class_init::<imp::AppInputMethod>(class);
        let klass: &mut WebKitInputMethodContextClass = class.as_mut();
        klass.get_preedit = Some(get_preedit);
        klass.filter_key_event = Some(filter_key_event);
        klass.notify_focus_in = Some(notify_focus_in);
        klass.notify_focus_out = Some(notify_focus_out);
        klass.notify_cursor_area = Some(notify_cursor_area);
        klass.reset = Some(reset);
    }
}

/// The Rust object behind `context`.
///
/// # Safety
/// `context` must be a live instance of [`AppInputMethod`]: these functions are set only in its
/// class, and WebKit calls them with the instance they belong to.
unsafe fn this(context: *mut WebKitInputMethodContext) -> AppInputMethod {
    // SAFETY: see the function's contract; `from_glib_none` takes a reference of our own.
    unsafe { glib::translate::from_glib_none(context as *mut <imp::AppInputMethod as ObjectSubclass>::Instance) }
}

unsafe extern "C" fn get_preedit(
    context: *mut WebKitInputMethodContext,
    text: *mut *mut c_char,
    underlines: *mut *mut glib::ffi::GList,
    cursor_offset: *mut c_uint,
) {
    // SAFETY: WebKit calls this on an AppInputMethod (only its class has it).
    let this = unsafe { this(context) };
    let (preedit, cursor) = this.imp().preedit.borrow().clone();
    // SAFETY: each out pointer is either NULL (not wanted) or points to storage WebKit owns;
    // the text and the list with its underline are handed over (transfer full, as documented).
    unsafe {
        if !text.is_null() {
            *text = preedit.to_glib_full();
        }
        if !underlines.is_null() {
            *underlines = std::ptr::null_mut();
            if !preedit.is_empty() {
                let whole = webkit2gtk::InputMethodUnderline::new(0, preedit.chars().count() as u32);
                let raw: *mut webkit2gtk::ffi::WebKitInputMethodUnderline = whole.to_glib_full();
                *underlines = glib::ffi::g_list_prepend(std::ptr::null_mut(), raw.cast());
            }
        }
        if !cursor_offset.is_null() {
            *cursor_offset = cursor;
        }
    }
}

unsafe extern "C" fn filter_key_event(
    context: *mut WebKitInputMethodContext,
    _event: *mut gtk::gdk::ffi::GdkEventKey,
) -> glib::ffi::gboolean {
    // SAFETY: as in `get_preedit`.
    let this = unsafe { this(context) };
    let pending = this.imp().pending.take();
    match pending {
        // The key that carries a commit of the app's (`commit_with_key`): taken by the input
        // method, its text committed with it.
        Some(text) => {
            this.commit(&text);
            glib::ffi::GTRUE
        }
        // Other keys are the page's: the app's input method has already seen them.
        None => glib::ffi::GFALSE,
    }
}

unsafe extern "C" fn notify_focus_in(context: *mut WebKitInputMethodContext) {
    // SAFETY: as in `get_preedit`.
    unsafe { this(context) }.tell(ImeNotice::Focus(true));
}

unsafe extern "C" fn notify_focus_out(context: *mut WebKitInputMethodContext) {
    // SAFETY: as in `get_preedit`.
    unsafe { this(context) }.tell(ImeNotice::Focus(false));
}

unsafe extern "C" fn notify_cursor_area(
    context: *mut WebKitInputMethodContext,
    x: c_int,
    y: c_int,
    width: c_int,
    height: c_int,
) {
    // SAFETY: as in `get_preedit`.
    unsafe { this(context) }.tell(ImeNotice::CursorArea { x, y, width, height });
}

unsafe extern "C" fn reset(context: *mut WebKitInputMethodContext) {
    // WebKit dropped the composition (the caret moved away, a click); what the app composes
    // next starts a new one.
    // SAFETY: as in `get_preedit`.
    unsafe { this(context) }.imp().preedit.replace((String::new(), 0));
}
