//! The app's input for an offscreen view: the SDK's own types (the wire's stay inside), each
//! turned into the protocol's as it is sent.

use webpane_ipc::protocol as wire;

/// Modifier keys and buttons held, as bits (`modifiers::SHIFT | modifiers::CONTROL`).
pub mod modifiers {
    /// Shift.
    pub const SHIFT: u32 = 1;
    /// Control.
    pub const CONTROL: u32 = 1 << 1;
    /// Alt.
    pub const ALT: u32 = 1 << 2;
    /// Super (the "Windows" key).
    pub const SUPER: u32 = 1 << 3;
    /// The primary button is down.
    pub const LEFT_BUTTON: u32 = 1 << 4;
    /// The middle button is down.
    pub const MIDDLE_BUTTON: u32 = 1 << 5;
    /// The secondary button is down.
    pub const RIGHT_BUTTON: u32 = 1 << 6;
    /// Every bit above.
    pub(crate) const ALL: u32 = SHIFT | CONTROL | ALT | SUPER | LEFT_BUTTON | MIDDLE_BUTTON | RIGHT_BUTTON;
}

/// The most text one [`WebView::send_text_input`](crate::WebView::send_text_input) or
/// [`WebView::set_composition`](crate::WebView::set_composition) carries, in bytes (UTF-8).
pub const MAX_TEXT_INPUT: usize = wire::MAX_TEXT_INPUT;

/// The most touch points down at once on one view.
pub const MAX_TOUCH_POINTS: u32 = wire::MAX_TOUCH_POINTS;

/// What a mouse event does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MouseEventKind {
    /// The pointer moved.
    Move,
    /// A button went down.
    Down,
    /// A button went up.
    Up,
    /// A second click (after Down, Up, Down).
    DoubleClick,
    /// The pointer left the view.
    Leave,
    /// The wheel turned (see the deltas).
    Wheel,
}

/// A mouse button.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MouseButton {
    /// None (moves, the wheel).
    None,
    /// The primary button.
    Left,
    /// The middle button.
    Middle,
    /// The secondary button.
    Right,
}

/// A mouse event at a point of the view, in pixels (WebView2's `SendMouseInput` arguments).
/// Made with [`MouseInput::moved`], [`down`](MouseInput::down), [`wheel`](MouseInput::wheel), ….
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct MouseInput {
    /// What happened.
    pub kind: MouseEventKind,
    /// Where, from the view's left edge.
    pub x: f64,
    /// Where, from the view's top edge.
    pub y: f64,
    /// Which button (Down, Up, DoubleClick).
    pub button: MouseButton,
    /// [`modifiers`] bits.
    pub modifiers: u32,
    /// The wheel's horizontal turn (right is positive).
    pub delta_x: f64,
    /// The wheel's vertical turn (down is positive).
    pub delta_y: f64,
    /// Whether the deltas are in lines (a notched wheel) rather than pixels (a touchpad).
    pub delta_in_lines: bool,
}

impl MouseInput {
    fn at(kind: MouseEventKind, button: MouseButton, x: f64, y: f64) -> Self {
        MouseInput {
            kind,
            x,
            y,
            button,
            modifiers: 0,
            delta_x: 0.0,
            delta_y: 0.0,
            delta_in_lines: false,
        }
    }

    /// The pointer moved to `x, y`.
    pub fn moved(x: f64, y: f64) -> Self {
        Self::at(MouseEventKind::Move, MouseButton::None, x, y)
    }

    /// `button` went down at `x, y`.
    pub fn down(button: MouseButton, x: f64, y: f64) -> Self {
        Self::at(MouseEventKind::Down, button, x, y)
    }

    /// `button` went up at `x, y`.
    pub fn up(button: MouseButton, x: f64, y: f64) -> Self {
        Self::at(MouseEventKind::Up, button, x, y)
    }

    /// A second click of `button` at `x, y` (send it between the second Down and its Up).
    pub fn double_click(button: MouseButton, x: f64, y: f64) -> Self {
        Self::at(MouseEventKind::DoubleClick, button, x, y)
    }

    /// The pointer left the view.
    pub fn left() -> Self {
        Self::at(MouseEventKind::Leave, MouseButton::None, -1.0, -1.0)
    }

    /// The wheel turned at `x, y` by `dx, dy` pixels (a touchpad; down is positive).
    pub fn wheel(x: f64, y: f64, dx: f64, dy: f64) -> Self {
        MouseInput {
            delta_x: dx,
            delta_y: dy,
            ..Self::at(MouseEventKind::Wheel, MouseButton::None, x, y)
        }
    }

    /// The wheel turned at `x, y` by `dx, dy` lines (a notched wheel).
    pub fn wheel_lines(x: f64, y: f64, dx: f64, dy: f64) -> Self {
        MouseInput {
            delta_in_lines: true,
            ..Self::wheel(x, y, dx, dy)
        }
    }

    /// With these [`modifiers`] bits held.
    pub fn with_modifiers(self, modifiers: u32) -> Self {
        MouseInput { modifiers, ..self }
    }

    pub(crate) fn to_wire(self) -> wire::MouseInput {
        wire::MouseInput {
            kind: match self.kind {
                MouseEventKind::Move => wire::MouseEventKind::Move,
                MouseEventKind::Down => wire::MouseEventKind::Down,
                MouseEventKind::Up => wire::MouseEventKind::Up,
                MouseEventKind::DoubleClick => wire::MouseEventKind::DoubleClick,
                MouseEventKind::Leave => wire::MouseEventKind::Leave,
                MouseEventKind::Wheel => wire::MouseEventKind::Wheel,
            },
            x: self.x,
            y: self.y,
            button: match self.button {
                MouseButton::None => wire::MouseButton::None,
                MouseButton::Left => wire::MouseButton::Left,
                MouseButton::Middle => wire::MouseButton::Middle,
                MouseButton::Right => wire::MouseButton::Right,
            },
            modifiers: self.modifiers & modifiers::ALL,
            delta_x: self.delta_x,
            delta_y: self.delta_y,
            delta_in_lines: self.delta_in_lines,
        }
    }
}

/// A key going down or up. Made with [`KeyInput::down`] or [`KeyInput::up`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct KeyInput {
    /// Down (true) or up.
    pub down: bool,
    /// The X keysym (`0x61` for `a`, `0xff0d` for Return).
    pub keyval: u32,
    /// The hardware key code (as the app's window system gave it; 0 if unknown).
    pub hardware_keycode: u16,
    /// [`modifiers`] bits.
    pub modifiers: u32,
}

impl KeyInput {
    /// The key with X keysym `keyval` went down.
    pub fn down(keyval: u32) -> Self {
        KeyInput {
            down: true,
            keyval,
            hardware_keycode: 0,
            modifiers: 0,
        }
    }

    /// The key with X keysym `keyval` went up.
    pub fn up(keyval: u32) -> Self {
        KeyInput {
            down: false,
            ..Self::down(keyval)
        }
    }

    /// With these [`modifiers`] bits held.
    pub fn with_modifiers(self, modifiers: u32) -> Self {
        KeyInput { modifiers, ..self }
    }

    /// With the window system's hardware key code.
    pub fn with_hardware_keycode(self, hardware_keycode: u16) -> Self {
        KeyInput {
            hardware_keycode,
            ..self
        }
    }

    pub(crate) fn to_wire(&self) -> wire::KeyInput {
        wire::KeyInput {
            down: self.down,
            keyval: self.keyval,
            hardware_keycode: self.hardware_keycode,
            modifiers: self.modifiers & modifiers::ALL,
        }
    }
}

/// What a touch point does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TouchEventKind {
    /// A finger touched.
    Began,
    /// It moved.
    Moved,
    /// It lifted.
    Ended,
    /// The system took it away (a gesture of its own): no click follows.
    Cancelled,
}

/// A touch point's event at a point of the view, in pixels; several fingers are several `id`s.
/// Made with [`TouchInput::began`], [`moved`](TouchInput::moved), [`ended`](TouchInput::ended)
/// or [`cancelled`](TouchInput::cancelled).
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct TouchInput {
    /// What happened.
    pub kind: TouchEventKind,
    /// Which touch point (the same from `Began` to `Ended`; any number, distinct while down).
    pub id: u32,
    /// Where, from the view's left edge.
    pub x: f64,
    /// Where, from the view's top edge.
    pub y: f64,
    /// [`modifiers`] bits.
    pub modifiers: u32,
}

impl TouchInput {
    fn at(kind: TouchEventKind, id: u32, x: f64, y: f64) -> Self {
        TouchInput {
            kind,
            id,
            x,
            y,
            modifiers: 0,
        }
    }

    /// Touch point `id` touched at `x, y`.
    pub fn began(id: u32, x: f64, y: f64) -> Self {
        Self::at(TouchEventKind::Began, id, x, y)
    }

    /// Touch point `id` moved to `x, y`.
    pub fn moved(id: u32, x: f64, y: f64) -> Self {
        Self::at(TouchEventKind::Moved, id, x, y)
    }

    /// Touch point `id` lifted at `x, y`.
    pub fn ended(id: u32, x: f64, y: f64) -> Self {
        Self::at(TouchEventKind::Ended, id, x, y)
    }

    /// Touch point `id` was taken away at `x, y`.
    pub fn cancelled(id: u32, x: f64, y: f64) -> Self {
        Self::at(TouchEventKind::Cancelled, id, x, y)
    }

    /// With these [`modifiers`] bits held.
    pub fn with_modifiers(self, modifiers: u32) -> Self {
        TouchInput { modifiers, ..self }
    }

    pub(crate) fn to_wire(self) -> wire::TouchInput {
        wire::TouchInput {
            kind: match self.kind {
                TouchEventKind::Began => wire::TouchEventKind::Began,
                TouchEventKind::Moved => wire::TouchEventKind::Moved,
                TouchEventKind::Ended => wire::TouchEventKind::Ended,
                TouchEventKind::Cancelled => wire::TouchEventKind::Cancelled,
            },
            id: self.id,
            x: self.x,
            y: self.y,
            modifiers: self.modifiers & modifiers::ALL,
        }
    }
}

/// What kind of text an editable element takes (HTML's `type` and `inputmode`), for the app's
/// input method or on-screen keyboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TextInputPurpose {
    /// Any text.
    FreeForm,
    /// Digits only.
    Digits,
    /// A number (digits, sign, decimal separator).
    Number,
    /// A telephone number.
    Phone,
    /// A URL.
    Url,
    /// An e-mail address.
    Email,
    /// A password: the input method should not learn or show it.
    Password,
}

impl From<wire::TextInputPurpose> for TextInputPurpose {
    fn from(purpose: wire::TextInputPurpose) -> Self {
        match purpose {
            wire::TextInputPurpose::FreeForm => TextInputPurpose::FreeForm,
            wire::TextInputPurpose::Digits => TextInputPurpose::Digits,
            wire::TextInputPurpose::Number => TextInputPurpose::Number,
            wire::TextInputPurpose::Phone => TextInputPurpose::Phone,
            wire::TextInputPurpose::Url => TextInputPurpose::Url,
            wire::TextInputPurpose::Email => TextInputPurpose::Email,
            wire::TextInputPurpose::Password => TextInputPurpose::Password,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modifier_bits_are_the_wires() {
        assert_eq!(modifiers::SHIFT, wire::modifiers::SHIFT);
        assert_eq!(modifiers::CONTROL, wire::modifiers::CONTROL);
        assert_eq!(modifiers::ALT, wire::modifiers::ALT);
        assert_eq!(modifiers::SUPER, wire::modifiers::SUPER);
        assert_eq!(modifiers::LEFT_BUTTON, wire::modifiers::LEFT_BUTTON);
        assert_eq!(modifiers::MIDDLE_BUTTON, wire::modifiers::MIDDLE_BUTTON);
        assert_eq!(modifiers::RIGHT_BUTTON, wire::modifiers::RIGHT_BUTTON);
    }

    #[test]
    fn input_reaches_the_wire_as_made() {
        let mouse = MouseInput::wheel_lines(1.0, 2.0, 0.0, 3.0).with_modifiers(modifiers::SHIFT | 1 << 30);
        let sent = mouse.to_wire();
        assert_eq!(sent.kind, wire::MouseEventKind::Wheel);
        assert!(sent.delta_in_lines);
        assert_eq!(sent.delta_y, 3.0);
        assert_eq!(sent.modifiers, modifiers::SHIFT, "unknown bits are not sent");
        let key = KeyInput::up(0xff0d).with_hardware_keycode(36).to_wire();
        assert!(!key.down && key.keyval == 0xff0d && key.hardware_keycode == 36);
        let touch = TouchInput::cancelled(u32::MAX, 5.0, 6.0).to_wire();
        assert_eq!((touch.kind, touch.id), (wire::TouchEventKind::Cancelled, u32::MAX));
    }
}
