//! What an offscreen view shows: each picture the browser process painted, in a buffer of
//! shared memory this app maps.

use std::marker::PhantomData;
use std::ptr::NonNull;
use std::rc::{Rc, Weak};

use webpane_ipc::SharedMapping;
use webpane_ipc::protocol::{AppMessage, FrameInfo, FrameRect};

use crate::objects::{WebView, WebViewInner};

/// A rectangle of a picture, in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct PictureRect {
    /// Left edge.
    pub x: u32,
    /// Top edge.
    pub y: u32,
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
}

impl PictureRect {
    /// The rectangle at `x, y` of `width × height` pixels.
    pub fn new(x: u32, y: u32, width: u32, height: u32) -> Self {
        PictureRect { x, y, width, height }
    }

    /// The pixels it covers.
    pub fn area(&self) -> u64 {
        u64::from(self.width) * u64::from(self.height)
    }

    fn from_wire(r: FrameRect) -> Self {
        PictureRect::new(r.x, r.y, r.width, r.height)
    }

    fn to_wire(self) -> FrameRect {
        FrameRect {
            x: self.x,
            y: self.y,
            width: self.width,
            height: self.height,
        }
    }
}

pub(super) struct PictureInner {
    pub(super) webview: Weak<WebViewInner>,
    pub(super) info: FrameInfo,
    pub(super) mapping: Rc<SharedMapping>,
}

impl Drop for PictureInner {
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

/// A picture the browser process painted of an offscreen webview (CEF's `OnPaint` buffer), in
/// shared memory: BGRA premultiplied (Cairo's ARGB32 on a little-endian machine), `stride`
/// bytes a row. The browser process does not write its buffer until every clone of this handle
/// is dropped. `!Send`. (Named a picture, not a frame: a [`Frame`](crate::Frame) is an iframe.)
#[doc(alias = "OffscreenFrame")]
#[derive(Clone)]
pub struct OffscreenPicture {
    pub(super) inner: Rc<PictureInner>,
}

impl std::fmt::Debug for OffscreenPicture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OffscreenPicture")
            .field("sequence", &self.inner.info.sequence)
            .field("width", &self.inner.info.width)
            .field("height", &self.inner.info.height)
            .field("damage", &self.inner.info.damage)
            .finish()
    }
}

impl OffscreenPicture {
    /// Counts the view's pictures from 1.
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

    /// What changed since the previous picture (the whole picture for the first, and after a
    /// resize).
    #[doc(alias = "dirtyRects")]
    pub fn damage(&self) -> Vec<PictureRect> {
        self.inner
            .info
            .damage
            .iter()
            .map(|r| PictureRect::from_wire(*r))
            .collect()
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

    /// The pixel at `x, y` as BGRA (`None` outside the picture).
    pub fn pixel(&self, x: u32, y: u32) -> Option<[u8; 4]> {
        if x >= self.inner.info.width || y >= self.inner.info.height {
            return None;
        }
        let mut bgra = [0u8; 4];
        let offset = (y * self.inner.info.stride + x * 4) as usize;
        (self.inner.mapping.read_at(offset, &mut bgra) == 4).then_some(bgra)
    }

    /// Copies the rectangle `rect` (clamped to the picture) into `dst`, whose rows are
    /// `dst_stride` bytes apart, at its top-left corner; returns the rectangle copied.
    pub fn copy_rect_to(&self, rect: PictureRect, dst: &mut [u8], dst_stride: usize) -> Option<PictureRect> {
        let rect = rect.to_wire().clamped(self.inner.info.width, self.inner.info.height)?;
        let row_bytes = rect.width as usize * 4;
        for row in 0..rect.height as usize {
            let start = row * dst_stride;
            let Some(line) = dst.get_mut(start..start + row_bytes) else {
                break;
            };
            let offset = (rect.y as usize + row) * self.inner.info.stride as usize + rect.x as usize * 4;
            self.inner.mapping.read_at(offset, line);
        }
        Some(PictureRect::from_wire(rect))
    }

    /// Copies the whole picture into `dst` (rows of [`stride`](Self::stride) bytes).
    pub fn copy_to(&self, dst: &mut [u8]) -> usize {
        let len = ((self.inner.info.stride * self.inner.info.height) as usize).min(dst.len());
        self.inner.mapping.read_at(0, &mut dst[..len])
    }

    /// The first byte of the picture in this process's memory, for uploading it without a copy
    /// (a GPU texture): valid while this handle lives; `stride × height` bytes.
    pub fn as_ptr(&self) -> NonNull<u8> {
        self.inner.mapping.as_ptr()
    }
}

/// Arguments of [`WebView::on_picture_ready`].
#[doc(alias = "FrameReadyEventArgs")]
#[derive(Debug, Clone)]
pub struct PictureReadyEventArgs {
    pub(super) picture: OffscreenPicture,
    pub(super) _ui_thread: PhantomData<Rc<()>>,
}

impl PictureReadyEventArgs {
    /// The picture (clone it to keep it past the handler: its buffer stays yours until dropped).
    pub fn picture(&self) -> &OffscreenPicture {
        &self.picture
    }
}
