//! Offscreen hosting: a headless view's frames delivered into shared memory the app gave, and
//! input from the app (WebView2's composition controller, CEF's off-screen rendering).

use serde::{Deserialize, Serialize};

/// A rectangle of a frame, in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FrameRect {
    /// Left edge.
    pub x: u32,
    /// Top edge.
    pub y: u32,
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
}

impl FrameRect {
    /// The pixels it covers.
    pub fn area(&self) -> u64 {
        u64::from(self.width) * u64::from(self.height)
    }

    /// The part inside a `width` × `height` frame (`None`: nothing).
    pub fn clamped(&self, width: u32, height: u32) -> Option<FrameRect> {
        let right = self.x.saturating_add(self.width).min(width);
        let bottom = self.y.saturating_add(self.height).min(height);
        (self.x < right && self.y < bottom).then(|| FrameRect {
            x: self.x,
            y: self.y,
            width: right - self.x,
            height: bottom - self.y,
        })
    }

    /// The smallest rectangle holding both.
    pub fn union(&self, other: &FrameRect) -> FrameRect {
        let x = self.x.min(other.x);
        let y = self.y.min(other.y);
        let right = (self.x + self.width).max(other.x + other.width);
        let bottom = (self.y + self.height).max(other.y + other.height);
        FrameRect {
            x,
            y,
            width: right - x,
            height: bottom - y,
        }
    }
}

/// A frame the browser process wrote into one of the app's buffers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrameInfo {
    /// The buffers' generation (new buffers for each size).
    pub generation: u32,
    /// Which buffer.
    pub buffer: u32,
    /// Counts frames of the view from 1.
    pub sequence: u64,
    /// Frame width in pixels.
    pub width: u32,
    /// Frame height in pixels.
    pub height: u32,
    /// Bytes per row.
    pub stride: u32,
    /// What changed since the previous frame (the whole frame for the first).
    pub damage: Vec<FrameRect>,
    /// When GTK painted the first change this frame shows (`CLOCK_MONOTONIC`, ns: the same
    /// clock in every process of the machine).
    pub painted_at_ns: u64,
    /// Bytes the browser process copied into the buffer for this frame.
    pub copied_bytes: u64,
}

/// What a mouse event does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
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

/// Modifier keys and buttons held, as bits.
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
}

/// A mouse event, at a point of the view (pixels).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
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
}

/// A key going down or up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
}

/// What a touch point does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
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

/// A touch point's event, at a point of the view (pixels). Several fingers are several `id`s.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
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

    /// Checks this event against the points `down` (the app's id of each point that is down,
    /// with the small number it goes to the engine as) and updates them: a point begins only
    /// when it is not down and fewer than [`MAX_TOUCH_POINTS`] are, and moves, ends or is
    /// cancelled only while it is down (WebKit does not survive a point it never saw begin).
    /// Returns the point's number, `1..=MAX_TOUCH_POINTS`: WebKit keeps touch points in hash
    /// tables keyed by their number, where some values (0, `u32::MAX`, `u32::MAX - 1`) are
    /// reserved and abort the process, so no id of the app's ever reaches it as it is.
    pub fn track(&self, down: &mut std::collections::BTreeMap<u32, u32>) -> Result<u32, String> {
        match self.kind {
            TouchEventKind::Began => {
                if down.contains_key(&self.id) {
                    return Err(format!("touch point {} is down already", self.id));
                }
                let number = (1..=MAX_TOUCH_POINTS)
                    .find(|n| !down.values().any(|v| v == n))
                    .ok_or_else(|| format!("{MAX_TOUCH_POINTS} touch points are down already"))?;
                down.insert(self.id, number);
                Some(number)
            }
            TouchEventKind::Moved => down.get(&self.id).copied(),
            TouchEventKind::Ended | TouchEventKind::Cancelled => down.remove(&self.id),
        }
        .ok_or_else(|| format!("touch point {} is not down ({:?} before Began)", self.id, self.kind))
    }
}

/// The most text one [`InputEvent::Text`] or [`InputEvent::Composition`] carries, in bytes
/// (UTF-8): more is an input method's job of many commits, not one.
pub const MAX_TEXT_INPUT: usize = 1 << 20;

/// The most touch points down at once on one view.
pub const MAX_TOUCH_POINTS: u32 = 32;

/// Input for an offscreen view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum InputEvent {
    /// A mouse event.
    Mouse(MouseInput),
    /// A key.
    Key(KeyInput),
    /// A touch point.
    Touch(TouchInput),
    /// Text the app's input method committed (any script, dead keys resolved): inserted where
    /// the page's caret is, as typing would.
    Text(String),
    /// The view got (true) or lost keyboard focus.
    Focus(bool),
    /// The app's input method is composing: `text` shows underlined where the page's caret is,
    /// with the caret `cursor` characters in (an empty `text` cancels the composition); a
    /// following [`InputEvent::Text`] commits in its place.
    Composition {
        /// What is being composed.
        text: String,
        /// Where the caret is in it, in characters.
        cursor: u32,
    },
}

/// What kind of text an editable element takes (HTML's `type` and `inputmode`), for the app's
/// input method or on-screen keyboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
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

/// Where the page edits text, for the app's input method (where to put its candidate window).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TextInputState {
    /// Whether an editable element has the focus (the input method should be on).
    pub active: bool,
    /// The caret's left edge, in the view's pixels.
    pub x: i32,
    /// The caret's top edge.
    pub y: i32,
    /// The caret's width.
    pub width: i32,
    /// The caret's height.
    pub height: i32,
    /// What kind of text the element takes.
    pub purpose: TextInputPurpose,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn touch_points_begin_before_they_move_or_end() {
        let mut down = std::collections::BTreeMap::new();
        assert!(TouchInput::moved(1, 0.0, 0.0).track(&mut down).is_err());
        assert!(TouchInput::ended(1, 0.0, 0.0).track(&mut down).is_err());
        assert!(TouchInput::began(1, 0.0, 0.0).track(&mut down).is_ok());
        assert!(TouchInput::began(1, 0.0, 0.0).track(&mut down).is_err());
        assert!(TouchInput::moved(1, 1.0, 1.0).track(&mut down).is_ok());
        assert!(TouchInput::cancelled(1, 1.0, 1.0).track(&mut down).is_ok());
        assert!(TouchInput::moved(1, 1.0, 1.0).track(&mut down).is_err());
        assert!(down.is_empty());
    }

    /// Issue 25.8: any id of the app's goes to the engine as a small number, never as itself
    /// (WebKit's hash tables abort on some values), and no more than MAX_TOUCH_POINTS are down.
    #[test]
    fn any_touch_id_becomes_a_small_number() {
        let mut down = std::collections::BTreeMap::new();
        for (n, id) in [u32::MAX, u32::MAX - 1, u32::MAX - 2, 0].into_iter().enumerate() {
            assert_eq!(TouchInput::began(id, 0.0, 0.0).track(&mut down), Ok(n as u32 + 1));
        }
        assert_eq!(TouchInput::moved(u32::MAX - 1, 0.0, 0.0).track(&mut down), Ok(2));
        assert_eq!(TouchInput::ended(u32::MAX - 1, 0.0, 0.0).track(&mut down), Ok(2));
        assert_eq!(
            TouchInput::began(7, 0.0, 0.0).track(&mut down),
            Ok(2),
            "numbers are reused"
        );
        for id in 100..100 + MAX_TOUCH_POINTS - 4 {
            assert!(TouchInput::began(id, 0.0, 0.0).track(&mut down).is_ok());
        }
        assert!(
            TouchInput::began(1, 0.0, 0.0).track(&mut down).is_err(),
            "too many points down"
        );
    }

    #[test]
    fn rectangles_clamp_and_join() {
        let r = FrameRect {
            x: 10,
            y: 20,
            width: 100,
            height: 50,
        };
        assert_eq!(r.area(), 5000);
        assert_eq!(
            r.clamped(50, 40),
            Some(FrameRect {
                x: 10,
                y: 20,
                width: 40,
                height: 20
            })
        );
        assert_eq!(r.clamped(10, 100), None);
        let s = FrameRect {
            x: 0,
            y: 0,
            width: 5,
            height: 5,
        };
        assert_eq!(
            r.union(&s),
            FrameRect {
                x: 0,
                y: 0,
                width: 110,
                height: 70
            }
        );
    }
}
