//! Keyboard focus and keys (WebView2's `GotFocus`, `LostFocus`, `MoveFocus`,
//! `MoveFocusRequested`, `AcceleratorKeyPressed`): the app hears when its page gets or loses the
//! focus, decides where the focus goes when the user tabs out of the page, and sees accelerator
//! keys (Ctrl or Alt held, keys that type no character, Escape) before the page does.

use std::cell::Cell;
use std::marker::PhantomData;
use std::rc::Rc;

use webpane_ipc::protocol::{AcceleratorKey, AppMessage, FocusReason};

use crate::error::Result;
use crate::objects::WebView;

/// Where [`WebView::move_focus`] puts the focus (WebView2's `CoreWebView2MoveFocusReason`).
#[doc(alias = "CoreWebView2MoveFocusReason")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MoveFocusReason {
    /// Where it was in the page last.
    Programmatic,
    /// The page's first focusable element, as when the user tabs in.
    Next,
    /// The page's last focusable element, as when the user tabs in backwards.
    Previous,
}

/// Arguments of [`WebView::on_got_focus`].
#[derive(Debug, Clone)]
pub struct GotFocusEventArgs {
    _ui_thread: PhantomData<Rc<()>>,
}

/// Arguments of [`WebView::on_lost_focus`].
#[derive(Debug, Clone)]
pub struct LostFocusEventArgs {
    _ui_thread: PhantomData<Rc<()>>,
}

/// Arguments of [`WebView::on_move_focus_requested`]: the user tabbed out of the page.
#[derive(Debug)]
pub struct MoveFocusRequestedEventArgs {
    forward: bool,
    handled: Cell<bool>,
    _ui_thread: PhantomData<Rc<()>>,
}

impl MoveFocusRequestedEventArgs {
    /// `Next` (Tab past the page's last element) or `Previous` (Shift + Tab past its first).
    #[doc(alias = "Reason")]
    pub fn reason(&self) -> MoveFocusReason {
        if self.forward {
            MoveFocusReason::Next
        } else {
            MoveFocusReason::Previous
        }
    }

    /// Say that the app moved the focus itself (to its next control); otherwise the focus wraps
    /// around inside the page, as in WebView2.
    #[doc(alias = "Handled")]
    pub fn set_handled(&self, handled: bool) {
        self.handled.set(handled);
    }

    /// Whether a handler said it moved the focus.
    pub fn handled(&self) -> bool {
        self.handled.get()
    }
}

/// Whether an accelerator key went down or up (WebView2's `CoreWebView2KeyEventKind`).
#[doc(alias = "CoreWebView2KeyEventKind")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyEventKind {
    /// Down (`KeyDown`, `SystemKeyDown` with Alt).
    KeyDown,
    /// Up.
    KeyUp,
}

/// Arguments of [`WebView::on_accelerator_key_pressed`]: a key the app sees before the page.
#[derive(Debug)]
pub struct AcceleratorKeyPressedEventArgs {
    key: AcceleratorKey,
    handled: Cell<bool>,
    _ui_thread: PhantomData<Rc<()>>,
}

impl AcceleratorKeyPressedEventArgs {
    /// Down or up.
    #[doc(alias = "KeyEventKind")]
    pub fn key_event_kind(&self) -> KeyEventKind {
        if self.key.down {
            KeyEventKind::KeyDown
        } else {
            KeyEventKind::KeyUp
        }
    }

    /// The key as an X keysym (`0xffc2` for F5, `0x73` for s; WebView2's `VirtualKey` is a
    /// Windows key code).
    #[doc(alias = "VirtualKey")]
    pub fn keyval(&self) -> u32 {
        self.key.keyval
    }

    /// The hardware key code (WebView2's `PhysicalKeyStatus.ScanCode`).
    #[doc(alias = "PhysicalKeyStatus")]
    pub fn hardware_keycode(&self) -> u16 {
        self.key.hardware_keycode
    }

    /// The [`modifiers`](crate::modifiers) held (Shift, Control, Alt, Super).
    pub fn modifiers(&self) -> u32 {
        self.key.modifiers
    }

    /// Whether the key repeats while held down (`PhysicalKeyStatus.WasKeyDown`).
    pub fn is_repeat(&self) -> bool {
        self.key.repeat
    }

    /// Say that the app handled the key: neither the page nor the browser process gets it.
    #[doc(alias = "Handled")]
    pub fn set_handled(&self, handled: bool) {
        self.handled.set(handled);
    }

    /// Whether a handler said it handled the key.
    pub fn handled(&self) -> bool {
        self.handled.get()
    }
}

impl WebView {
    /// Gives the page the keyboard focus (WebView2's `MoveFocus`): where it was in the page
    /// (`Programmatic`), or to its first (`Next`) or last (`Previous`) focusable element, as
    /// when the user tabs into it. For an embedded view, the X input focus moves to it.
    #[doc(alias = "MoveFocus")]
    pub fn move_focus(&self, reason: MoveFocusReason) -> Result<()> {
        let reason = match reason {
            MoveFocusReason::Programmatic => FocusReason::Programmatic,
            MoveFocusReason::Next => FocusReason::Next,
            MoveFocusReason::Previous => FocusReason::Previous,
        };
        self.request(AppMessage::MoveFocus { id: self.id(), reason })
    }

    /// The view got or lost the focus.
    pub(crate) fn focus_changed(&self, focused: bool) {
        if focused {
            let args = GotFocusEventArgs {
                _ui_thread: PhantomData,
            };
            self.inner.events.raise(self, &args);
        } else {
            let args = LostFocusEventArgs {
                _ui_thread: PhantomData,
            };
            self.inner.events.raise(self, &args);
        }
    }

    /// The user tabbed out of the page: the handlers decide, then the browser process hears.
    pub(crate) fn move_focus_requested(&self, request: u64, forward: bool) {
        let args = MoveFocusRequestedEventArgs {
            forward,
            handled: Cell::new(false),
            _ui_thread: PhantomData,
        };
        self.inner.events.raise(self, &args);
        let _ = self.request(AppMessage::MoveFocusAnswer {
            id: self.id(),
            request,
            handled: args.handled.get(),
        });
    }

    /// An accelerator key: the handlers decide, then the browser process hears.
    pub(crate) fn accelerator_key_pressed(&self, request: u64, key: AcceleratorKey) {
        let args = AcceleratorKeyPressedEventArgs {
            key,
            handled: Cell::new(false),
            _ui_thread: PhantomData,
        };
        self.inner.events.raise(self, &args);
        let _ = self.request(AppMessage::AcceleratorKeyAnswer {
            id: self.id(),
            request,
            handled: args.handled.get(),
        });
    }

    crate::handlers::event_methods! { WebView {
        /// the view got the keyboard focus.
        on_got_focus, remove_got_focus, GotFocusEventArgs, "add_GotFocus", "remove_GotFocus";
        /// the view lost the keyboard focus.
        on_lost_focus, remove_lost_focus, LostFocusEventArgs, "add_LostFocus", "remove_LostFocus";
        /// the user tabbed out of the page (past its last element, or its first backwards): move
        /// the focus to the app's next control and [`set_handled`](MoveFocusRequestedEventArgs::set_handled),
        /// or let it wrap around inside the page.
        on_move_focus_requested, remove_move_focus_requested, MoveFocusRequestedEventArgs, "add_MoveFocusRequested", "remove_MoveFocusRequested";
        /// an accelerator key went down or up in the view (Ctrl or Alt held, a key that types no
        /// character, or Escape): the page and the browser's own keys (F5, Ctrl + R, Alt + Left…)
        /// get it only if no handler [`set_handled`](AcceleratorKeyPressedEventArgs::set_handled).
        on_accelerator_key_pressed, remove_accelerator_key_pressed, AcceleratorKeyPressedEventArgs, "add_AcceleratorKeyPressed", "remove_AcceleratorKeyPressed";
    }}
}
