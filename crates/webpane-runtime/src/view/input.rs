//! Input from the app into an offscreen view: GDK events made here and put through GTK's own
//! event processing (so WebKit handles them exactly as a display server's; touch too), committed text as
//! keys of its characters' Unicode keysyms (in order with other keys).

use gtk::prelude::*;
use webkit2gtk::WebViewExt;
use webpane_ipc::protocol::{InputEvent, KeyInput, MouseButton, MouseEventKind, MouseInput, TouchEventKind, modifiers};

use super::error::ViewError;
use super::state::View;
use crate::ffi::{Synthetic, send_synthetic};

/// GDK's modifier state bits for webpane's [`modifiers`].
fn gdk_state(bits: u32) -> u32 {
    use gtk::gdk::ModifierType as M;
    let mut state = M::empty();
    for (ours, theirs) in [
        (modifiers::SHIFT, M::SHIFT_MASK),
        (modifiers::CONTROL, M::CONTROL_MASK),
        (modifiers::ALT, M::MOD1_MASK),
        (modifiers::SUPER, M::SUPER_MASK),
        (modifiers::LEFT_BUTTON, M::BUTTON1_MASK),
        (modifiers::MIDDLE_BUTTON, M::BUTTON2_MASK),
        (modifiers::RIGHT_BUTTON, M::BUTTON3_MASK),
    ] {
        if bits & ours != 0 {
            state |= theirs;
        }
    }
    state.bits()
}

/// One wheel step in pixels (WebKit scrolls 40 px a line).
const PIXELS_PER_STEP: f64 = 40.0;

impl View {
    /// Handles input for this offscreen view.
    pub fn send_input(&self, input: InputEvent) -> Result<(), ViewError> {
        if !self.window.is::<gtk::OffscreenWindow>() {
            return Err(ViewError::OffscreenOnly("input events"));
        }
        let seat = gtk::gdk::Display::default().and_then(|d| d.default_seat());
        match input {
            InputEvent::Mouse(mouse) => {
                if mouse.kind == MouseEventKind::Down {
                    super::context_menu::dismiss(&self.webview);
                }
                let window = self.webview.window().ok_or(ViewError::NotRealized)?;
                let pointer = seat.as_ref().and_then(|s| s.pointer());
                send_synthetic(&window, pointer.as_ref(), None, mouse_event(&mouse));
                if let Some(tooltip) = &self.tooltip {
                    match mouse.kind {
                        MouseEventKind::Leave => tooltip.left(),
                        _ => tooltip.moved(),
                    }
                }
            }
            InputEvent::Touch(touch) => {
                // GTK hands touch to the widget under it like a button; WebKit gives the page
                // touch events and, when the page does not take them, makes a tap a click and a
                // drag a scroll. A point must begin before it moves or ends: WebKit takes that
                // for granted (and would crash on an unknown one).
                let number = touch.track(&mut self.touches.borrow_mut()).map_err(ViewError::Input)?;
                if touch.kind == TouchEventKind::Began {
                    super::context_menu::dismiss(&self.webview);
                }
                let window = self.webview.window().ok_or(ViewError::NotRealized)?;
                let pointer = seat.as_ref().and_then(|s| s.pointer());
                let touch = Synthetic::Touch {
                    kind: touch.kind,
                    sequence: number,
                    x: touch.x,
                    y: touch.y,
                    state: gdk_state(touch.modifiers),
                };
                send_synthetic(&window, pointer.as_ref(), None, touch);
            }
            InputEvent::Key(key) => {
                let window = self.window.window().ok_or(ViewError::NotRealized)?;
                let keyboard = seat.as_ref().and_then(|s| s.keyboard());
                if keyboard.is_none() {
                    return Err(ViewError::NoKeyboard);
                }
                send_synthetic(&window, keyboard.as_ref(), None, key_event(&key));
            }
            InputEvent::Composition { text, cursor } => {
                let ime = self.ime.as_ref().ok_or(ViewError::NoComposition)?;
                ime.set_composition(&text, cursor);
            }
            InputEvent::Text(text) => {
                if let Some(ime) = self.ime.as_ref() {
                    // As the app's input method commits: the whole text in one edit where the
                    // caret is (in place of the composition, if any), carried by one key
                    // through WebKit's key queue so that it keeps its place among the keys
                    // before and after it. One key per character would cost the page an edit of
                    // the whole field for each (quadratic in the length, the browser process's
                    // loop held meanwhile), and a character's keysym can be read as another key.
                    let window = self.window.window();
                    let keyboard = seat.as_ref().and_then(|s| s.keyboard());
                    let left = match (window, keyboard) {
                        (Some(window), Some(keyboard)) => ime.commit_with_key(text, || {
                            let key = Synthetic::Key {
                                press: true,
                                keyval: CARRIER_KEYVAL,
                                keycode: 0,
                                state: 0,
                            };
                            send_synthetic(&window, Some(&keyboard), None, key);
                        }),
                        // No keyboard (a headless compositor): GTK drops key events, so the
                        // commit goes in at once.
                        _ => Some(text),
                    };
                    match left {
                        // WebKit filtered no key through the input method: no editable has the
                        // focus yet (as the browser process knows); the page's editing command.
                        Some(text) if !ime.composing() => self.insert_text_by_script(&text)?,
                        Some(text) => ime.commit(&text),
                        None => {}
                    }
                    return Ok(());
                }
                // A view without the app's input method (not offscreen).
                self.insert_text_by_script(&text)?;
            }
            InputEvent::Focus(focus_in) => {
                if focus_in {
                    self.webview.grab_focus();
                }
                let window = self.webview.window().ok_or(ViewError::NotRealized)?;
                let keyboard = seat.as_ref().and_then(|s| s.keyboard());
                let widget = self.webview.clone().upcast::<gtk::Widget>();
                send_synthetic(&window, keyboard.as_ref(), Some(&widget), Synthetic::Focus { focus_in });
            }
        }
        Ok(())
    }
}

/// The key that carries a commit of the app's input method (`GDK_KEY_VoidSymbol`: no key of its
/// own; the page sees the input method's `Process` key, as with any IME commit).
pub(super) const CARRIER_KEYVAL: u32 = 0x00ff_ffff;

fn button_number(button: MouseButton) -> u32 {
    match button {
        MouseButton::None | MouseButton::Left => 1,
        MouseButton::Middle => 2,
        MouseButton::Right => 3,
    }
}

fn mouse_event(m: &MouseInput) -> Synthetic {
    let (x, y, state) = (m.x, m.y, gdk_state(m.modifiers));
    match m.kind {
        MouseEventKind::Move => Synthetic::Motion { x, y, state },
        MouseEventKind::Leave => Synthetic::Crossing {
            enter: false,
            x,
            y,
            state,
        },
        MouseEventKind::Down | MouseEventKind::Up | MouseEventKind::DoubleClick => Synthetic::Button {
            press: m.kind != MouseEventKind::Up,
            double: m.kind == MouseEventKind::DoubleClick,
            x,
            y,
            button: button_number(m.button),
            state,
        },
        MouseEventKind::Wheel => {
            let scale = if m.delta_in_lines { 1.0 } else { 1.0 / PIXELS_PER_STEP };
            Synthetic::Scroll {
                x,
                y,
                dx: m.delta_x * scale,
                dy: m.delta_y * scale,
                state,
            }
        }
    }
}

fn key_event(k: &KeyInput) -> Synthetic {
    Synthetic::Key {
        press: k.down,
        keyval: k.keyval,
        keycode: k.hardware_keycode,
        state: gdk_state(k.modifiers),
    }
}

impl View {
    /// The page's own editing command inserts `text` where its caret is (as typing would:
    /// `input` events follow).
    fn insert_text_by_script(&self, text: &str) -> Result<(), ViewError> {
        let literal = serde_json::to_string(text).map_err(ViewError::TextLiteral)?;
        let script = format!("document.execCommand('insertText', false, {literal}); void 0");
        self.webview
            .evaluate_javascript(&script, None, None, None::<&gio::Cancellable>, |_| {});
        Ok(())
    }
}
