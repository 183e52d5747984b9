//! Offscreen hosting (WebView2's composition controller, CEF's off-screen rendering): an
//! offscreen webview's pictures arrive in shared memory this app maps — never through the
//! socket — and the app sends its input in.
//!
//! The app gives the browser process a ring of three buffers (`width × height × 4` bytes each,
//! BGRA premultiplied, stride `width × 4`). Each new picture is written into a buffer the app is
//! not reading and announced with [`PictureReadyEventArgs`]; the buffer stays the app's until
//! every clone of its [`OffscreenPicture`] is dropped (no tearing). Only what changed is copied
//! into a buffer.

mod events;
mod input;
mod picture;

pub use events::{CursorChangedEventArgs, TextInputChangedEventArgs, TooltipChangedEventArgs};
pub use input::{
    KeyInput, MAX_TEXT_INPUT, MAX_TOUCH_POINTS, MouseButton, MouseEventKind, MouseInput, TextInputPurpose,
    TouchEventKind, TouchInput, modifiers,
};
pub use picture::{OffscreenPicture, PictureReadyEventArgs, PictureRect};

use std::cell::RefCell;
use std::marker::PhantomData;
use std::rc::Rc;

use webpane_ipc::protocol::{AppMessage, FrameInfo, InputEvent};
use webpane_ipc::{Outgoing, SharedMapping, SharedMemory};

use crate::error::{Error, Result};
use crate::objects::WebView;
use picture::PictureInner;

/// An offscreen view's buffers and touch points, as this app holds them (none: the view is not
/// offscreen). Only this module reads or changes them.
#[derive(Default)]
pub(crate) struct OffscreenState(RefCell<Option<Buffers>>);

struct Buffers {
    generation: u32,
    width: u32,
    height: u32,
    mappings: Vec<Rc<SharedMapping>>,
    /// The touch points this app has down on the view.
    touches: std::collections::BTreeMap<u32, u32>,
}

impl WebView {
    fn offscreen(&self) -> Rc<OffscreenState> {
        self.inner.features.get()
    }
}

/// How many buffers an offscreen view's frames rotate through.
const BUFFERS: usize = 3;

impl WebView {
    /// Gives the browser process new buffers of `width × height` for this offscreen view's frames
    /// (and resizes the view to that size).
    pub(crate) fn attach_frames(&self, width: u32, height: u32) -> Result<()> {
        let size = (width as usize)
            .checked_mul(height as usize)
            .and_then(|p| p.checked_mul(4))
            .filter(|s| *s > 0)
            .ok_or_else(|| Error::InvalidArgument(format!("{width} × {height} is not a frame size")))?;
        let memories = (0..BUFFERS)
            .map(|_| SharedMemory::create(size).map_err(|e| Error::Io(std::io::Error::other(e))))
            .collect::<Result<Vec<_>>>()?;
        let mappings = memories
            .iter()
            .map(|m| m.map().map(Rc::new).map_err(|e| Error::Io(std::io::Error::other(e))))
            .collect::<Result<Vec<_>>>()?;
        let generation = self.offscreen().0.borrow().as_ref().map_or(1, |s| s.generation + 1);
        let mut fds = Outgoing::new();
        let buffers = memories.iter().map(|m| fds.shared_memory(m)).collect();
        self.session_for_request()?.send_with_fds(
            &AppMessage::AttachFrames {
                id: self.inner.id,
                generation,
                width,
                height,
                buffers,
            },
            fds,
        )?;
        let touches = self.offscreen().0.take().map(|s| s.touches).unwrap_or_default();
        self.offscreen().0.replace(Some(Buffers {
            generation,
            width,
            height,
            mappings,
            touches,
        }));
        Ok(())
    }

    /// Resizes an offscreen view: frames of the new size follow (with new buffers).
    pub fn set_offscreen_size(&self, width: u32, height: u32) -> Result<()> {
        if self.offscreen().0.borrow().is_none() {
            return Err(Error::InvalidArgument(
                "not an offscreen webview (WebViewOptions::offscreen)".into(),
            ));
        }
        self.attach_frames(width, height)
    }

    /// The size of an offscreen view's frames (`None` for other views).
    pub fn offscreen_size(&self) -> Option<(u32, u32)> {
        self.offscreen().0.borrow().as_ref().map(|s| (s.width, s.height))
    }

    /// A picture the browser process wrote (from `FrameReady`).
    pub(crate) fn picture_ready(&self, info: FrameInfo) {
        let mapping = {
            let offscreen = self.offscreen();
            let state = offscreen.0.borrow();
            let Some(state) = state.as_ref().filter(|s| s.generation == info.generation) else {
                // Of buffers given up since: nothing to read; the release is ignored too.
                return;
            };
            match state.mappings.get(info.buffer as usize) {
                Some(m) if (m.len() as u64) >= u64::from(info.stride) * u64::from(info.height) => m.clone(),
                _ => return,
            }
        };
        let picture = OffscreenPicture {
            inner: Rc::new(PictureInner {
                webview: Rc::downgrade(&self.inner),
                info,
                mapping,
            }),
        };
        let args = PictureReadyEventArgs {
            picture,
            _ui_thread: PhantomData,
        };
        self.inner.events.raise(self, &args);
    }

    /// Sends a mouse event to this offscreen view (WebView2's `SendMouseInput`), at a point of the
    /// view in pixels.
    #[doc(alias = "SendMouseInput")]
    pub fn send_mouse_input(&self, input: MouseInput) -> Result<()> {
        self.send_input(InputEvent::Mouse(input.to_wire()))
    }

    /// Sends a touch point's event to this offscreen view (WebView2's `SendPointerInput` with a
    /// touch pointer, CEF's `SendTouchEvent`), at a point of the view in pixels: the page gets
    /// `touchstart`, `touchmove`, `touchend` (several fingers: several ids; a cancelled point
    /// ends with `touchend`); what it does not take, WebKit turns into a click (a tap) or a
    /// scroll (a drag).
    #[doc(alias = "SendPointerInput")]
    #[doc(alias = "SendTouchEvent")]
    ///
    /// A point must begin before it moves or ends, and end before it begins again:
    /// [`Error::InvalidArgument`] otherwise.
    pub fn send_touch_input(&self, input: TouchInput) -> Result<()> {
        let input = input.to_wire();
        if let Some(state) = self.offscreen().0.borrow_mut().as_mut() {
            input.track(&mut state.touches).map_err(Error::InvalidArgument)?;
        }
        self.send_input(InputEvent::Touch(input))
    }

    /// Sends a key going down or up to this offscreen view (it must have the input focus, see
    /// [`set_input_focus`](Self::set_input_focus)).
    pub fn send_key_input(&self, input: KeyInput) -> Result<()> {
        self.send_input(InputEvent::Key(input.to_wire()))
    }

    /// Inserts `text` (what the app's input method committed: any script, dead keys resolved)
    /// where the page's caret is, as typing would; during a composition
    /// ([`set_composition`](Self::set_composition)), in its place.
    pub fn send_text_input(&self, text: &str) -> Result<()> {
        self.send_input(InputEvent::Text(text.to_owned()))
    }

    /// Shows what the app's input method is composing (winit's `Ime::Preedit`) where the page's
    /// caret is, underlined, with the caret `cursor` characters in; an empty `text` cancels the
    /// composition. The page gets `compositionstart` and `compositionupdate`; the next
    /// [`send_text_input`](Self::send_text_input) commits in its place (`compositionend`).
    #[doc(alias = "ImeSetComposition")]
    pub fn set_composition(&self, text: &str, cursor: u32) -> Result<()> {
        self.send_input(InputEvent::Composition {
            text: text.to_owned(),
            cursor,
        })
    }

    /// Gives this offscreen view the keyboard focus (true) or takes it away.
    pub fn set_input_focus(&self, focused: bool) -> Result<()> {
        self.send_input(InputEvent::Focus(focused))
    }

    fn send_input(&self, input: InputEvent) -> Result<()> {
        if self.offscreen().0.borrow().is_none() {
            return Err(Error::InvalidArgument(
                "input goes to offscreen webviews only (WebViewOptions::offscreen)".into(),
            ));
        }
        self.request(AppMessage::SendInput {
            id: self.inner.id,
            input,
        })
    }
}
