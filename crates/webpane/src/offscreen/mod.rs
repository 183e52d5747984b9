//! Offscreen hosting (WebView2's composition controller, CEF's off-screen rendering): an
//! offscreen webview's frames arrive in shared memory this app maps — never through the socket —
//! and the app sends its input in.
//!
//! The app gives the browser process a ring of three buffers (`width × height × 4` bytes each,
//! BGRA premultiplied, stride `width × 4`). Each new frame is written into a buffer the app is not
//! reading and announced with [`FrameReadyEventArgs`]; the buffer stays the app's until every clone
//! of its [`OffscreenFrame`] is dropped (no tearing). Only what changed is copied into a buffer.

use std::marker::PhantomData;
use std::ptr::NonNull;
use std::rc::{Rc, Weak};

use webpane_ipc::protocol::{
    AppMessage, FrameInfo, FrameRect, InputEvent, KeyInput, MouseInput, TextInputPurpose, TextInputState, TouchInput,
};
use webpane_ipc::{Outgoing, SharedMapping, SharedMemory};

use crate::error::{Error, Result};
use crate::objects::{OffscreenState, WebView, WebViewInner};

/// How many buffers an offscreen view's frames rotate through.
const BUFFERS: usize = 3;

struct FrameInner {
    webview: Weak<WebViewInner>,
    info: FrameInfo,
    mapping: Rc<SharedMapping>,
}

impl Drop for FrameInner {
    fn drop(&mut self) {
        // The buffer goes back to the browser process (if the view is still there).
        if let Some(inner) = self.webview.upgrade() {
            let webview = WebView { inner };
            let _ = webview.request(AppMessage::ReleaseFrame {
                id: webview.inner.id,
                generation: self.info.generation,
                buffer: self.info.buffer,
            });
        }
    }
}

/// A frame of an offscreen webview, in shared memory: BGRA premultiplied (Cairo's ARGB32 on a
/// little-endian machine), `stride` bytes a row. The browser process does not write its buffer
/// until every clone of this handle is dropped. `!Send`.
#[derive(Clone)]
pub struct OffscreenFrame {
    inner: Rc<FrameInner>,
}

impl std::fmt::Debug for OffscreenFrame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OffscreenFrame")
            .field("sequence", &self.inner.info.sequence)
            .field("width", &self.inner.info.width)
            .field("height", &self.inner.info.height)
            .field("damage", &self.inner.info.damage)
            .finish()
    }
}

impl OffscreenFrame {
    /// Counts the view's frames from 1.
    pub fn sequence(&self) -> u64 {
        self.inner.info.sequence
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.inner.info.width
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.inner.info.height
    }

    /// Bytes per row.
    pub fn stride(&self) -> u32 {
        self.inner.info.stride
    }

    /// What changed since the previous frame (the whole frame for the first, and after a resize).
    pub fn damage(&self) -> &[FrameRect] {
        &self.inner.info.damage
    }

    /// When the browser process's GTK painted the first change this frame shows, on
    /// `CLOCK_MONOTONIC` in nanoseconds (the same clock in every process of the machine: compare
    /// it with yours to see how old the frame is).
    pub fn painted_at_ns(&self) -> u64 {
        self.inner.info.painted_at_ns
    }

    /// Bytes the browser process copied into this frame's buffer (what changed since the buffer
    /// was last written; the first frame: all of it).
    pub fn copied_bytes(&self) -> u64 {
        self.inner.info.copied_bytes
    }

    /// The pixel at `x, y` as BGRA (`None` outside the frame).
    pub fn pixel(&self, x: u32, y: u32) -> Option<[u8; 4]> {
        if x >= self.inner.info.width || y >= self.inner.info.height {
            return None;
        }
        let mut bgra = [0u8; 4];
        let offset = (y * self.inner.info.stride + x * 4) as usize;
        (self.inner.mapping.read_at(offset, &mut bgra) == 4).then_some(bgra)
    }

    /// Copies the rectangle `rect` (clamped to the frame) into `dst`, whose rows are
    /// `dst_stride` bytes apart, at its top-left corner; returns the rectangle copied.
    pub fn copy_rect_to(&self, rect: FrameRect, dst: &mut [u8], dst_stride: usize) -> Option<FrameRect> {
        let rect = rect.clamped(self.inner.info.width, self.inner.info.height)?;
        let row_bytes = rect.width as usize * 4;
        for row in 0..rect.height as usize {
            let start = row * dst_stride;
            let Some(line) = dst.get_mut(start..start + row_bytes) else {
                break;
            };
            let offset = (rect.y as usize + row) * self.inner.info.stride as usize + rect.x as usize * 4;
            self.inner.mapping.read_at(offset, line);
        }
        Some(rect)
    }

    /// Copies the whole frame into `dst` (rows of [`stride`](Self::stride) bytes).
    pub fn copy_to(&self, dst: &mut [u8]) -> usize {
        let len = ((self.inner.info.stride * self.inner.info.height) as usize).min(dst.len());
        self.inner.mapping.read_at(0, &mut dst[..len])
    }

    /// The first byte of the frame in this process's memory, for uploading it without a copy
    /// (a GPU texture): valid while this handle lives; `stride × height` bytes.
    pub fn as_ptr(&self) -> NonNull<u8> {
        self.inner.mapping.as_ptr()
    }
}

/// Arguments of [`WebView::on_frame_ready`].
#[derive(Debug, Clone)]
pub struct FrameReadyEventArgs {
    pub(crate) frame: OffscreenFrame,
    pub(crate) _ui_thread: PhantomData<Rc<()>>,
}

impl FrameReadyEventArgs {
    /// The frame (clone it to keep it past the handler: its buffer stays yours until dropped).
    pub fn frame(&self) -> &OffscreenFrame {
        &self.frame
    }
}

/// Arguments of [`WebView::on_cursor_changed`].
#[derive(Debug, Clone)]
pub struct CursorChangedEventArgs {
    pub(crate) cursor: String,
    pub(crate) _ui_thread: PhantomData<Rc<()>>,
}

impl CursorChangedEventArgs {
    /// The cursor, by its CSS name (`default`, `pointer`, `text`, `move`, `crosshair`,
    /// `ew-resize`, …; an image cursor the page chose is told as `pointer` over a link, `text`
    /// over editable text, else `default`).
    #[doc(alias = "Cursor")]
    pub fn cursor(&self) -> &str {
        &self.cursor
    }
}

/// Arguments of [`WebView::on_text_input_changed`].
#[derive(Debug, Clone)]
pub struct TextInputChangedEventArgs {
    pub(crate) state: TextInputState,
    pub(crate) _ui_thread: PhantomData<Rc<()>>,
}

impl TextInputChangedEventArgs {
    /// Whether an editable element has the focus: turn the app's input method on (winit's
    /// `set_ime_allowed`) or off.
    pub fn is_active(&self) -> bool {
        self.state.active
    }

    /// The caret's rectangle in the view's pixels (`x, y, width, height`; `x, y` may be negative
    /// when the caret is scrolled out): where the input method's candidate window goes (winit's
    /// `set_ime_cursor_area`).
    #[doc(alias = "OnImeCompositionRangeChanged")]
    pub fn caret_area(&self) -> (i32, i32, i32, i32) {
        (self.state.x, self.state.y, self.state.width, self.state.height)
    }

    /// What kind of text the element takes (an `<input type=password>`: the input method should
    /// not learn it; winit's `set_ime_purpose`).
    pub fn purpose(&self) -> TextInputPurpose {
        self.state.purpose
    }
}

/// Arguments of [`WebView::on_tooltip_changed`].
#[derive(Debug, Clone)]
pub struct TooltipChangedEventArgs {
    pub(crate) text: Option<String>,
    pub(crate) _ui_thread: PhantomData<Rc<()>>,
}

impl TooltipChangedEventArgs {
    /// The tooltip to show near the pointer (`None`: hide it).
    #[doc(alias = "OnTooltip")]
    pub fn text(&self) -> Option<&str> {
        self.text.as_deref()
    }
}

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
        let generation = self.inner.offscreen.borrow().as_ref().map_or(1, |s| s.generation + 1);
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
        let touches = self.inner.offscreen.take().map(|s| s.touches).unwrap_or_default();
        self.inner.offscreen.replace(Some(OffscreenState {
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
        if self.inner.offscreen.borrow().is_none() {
            return Err(Error::InvalidArgument(
                "not an offscreen webview (WebViewOptions::offscreen)".into(),
            ));
        }
        self.attach_frames(width, height)
    }

    /// The size of an offscreen view's frames (`None` for other views).
    pub fn offscreen_size(&self) -> Option<(u32, u32)> {
        self.inner.offscreen.borrow().as_ref().map(|s| (s.width, s.height))
    }

    /// A frame the browser process wrote (from `FrameReady`).
    pub(crate) fn frame_ready(&self, info: FrameInfo) {
        let mapping = {
            let state = self.inner.offscreen.borrow();
            let Some(state) = state.as_ref().filter(|s| s.generation == info.generation) else {
                // Of buffers given up since: nothing to read; the release is ignored too.
                return;
            };
            match state.mappings.get(info.buffer as usize) {
                Some(m) if (m.len() as u64) >= u64::from(info.stride) * u64::from(info.height) => m.clone(),
                _ => return,
            }
        };
        let frame = OffscreenFrame {
            inner: Rc::new(FrameInner {
                webview: Rc::downgrade(&self.inner),
                info,
                mapping,
            }),
        };
        let args = FrameReadyEventArgs {
            frame,
            _ui_thread: PhantomData,
        };
        self.inner.events.raise(self, &args);
    }

    /// Sends a mouse event to this offscreen view (WebView2's `SendMouseInput`), at a point of the
    /// view in pixels.
    #[doc(alias = "SendMouseInput")]
    pub fn send_mouse_input(&self, input: MouseInput) -> Result<()> {
        self.send_input(InputEvent::Mouse(input))
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
        if let Some(state) = self.inner.offscreen.borrow_mut().as_mut() {
            input.track(&mut state.touches).map_err(Error::InvalidArgument)?;
        }
        self.send_input(InputEvent::Touch(input))
    }

    /// Sends a key going down or up to this offscreen view (it must have the input focus, see
    /// [`set_input_focus`](Self::set_input_focus)).
    pub fn send_key_input(&self, input: KeyInput) -> Result<()> {
        self.send_input(InputEvent::Key(input))
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
        if self.inner.offscreen.borrow().is_none() {
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
