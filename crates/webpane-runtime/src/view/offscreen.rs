//! Offscreen hosting: a headless view's frames, delivered into shared memory the app gave.
//!
//! A headless view lives in a `GtkOffscreenWindow`; GTK says where it painted (`damage-event`).
//! There the view is drawn again into memory of this process (the window's own surface may live
//! in the X server), what differs from the previous frame is found
//! ([`crate::pixels::changed`]), and that is copied into a buffer the app is not reading:
//! a buffer is handed over with `FrameReady` and written again only after the app's
//! `ReleaseFrame` (no tearing). Every buffer keeps the rectangles it has not seen yet; before a
//! frame goes into it, those come from the previous frame's buffer — never a whole-frame copy
//! after the first.

use std::rc::Rc;

use gtk::prelude::*;
use webpane_ipc::protocol::{FrameInfo, FrameRect, RuntimeMessage, WebViewId};

use super::error::ViewError;
use super::state::{FrameSink, Frames, Slot, View};
use crate::host::Host;
use crate::pixels::{self, FrameSize};

/// More rectangles than this in one list become their bounding box.
const MAX_RECTS: usize = 16;

fn add_rect(list: &mut Vec<FrameRect>, rect: FrameRect) {
    if list.iter().any(|r| {
        r.x <= rect.x && r.y <= rect.y && r.x + r.width >= rect.x + rect.width && r.y + r.height >= rect.y + rect.height
    }) {
        return;
    }
    list.push(rect);
    if list.len() > MAX_RECTS {
        let joined = list.iter().skip(1).fold(list[0], |a, r| a.union(r));
        list.clear();
        list.push(joined);
    }
}

impl View {
    /// Takes the app's buffers for this (headless) view's frames, resizing it to `width` ×
    /// `height`; the first frame is the whole view.
    pub fn attach_frames(
        &self,
        generation: u32,
        width: u32,
        height: u32,
        memories: Vec<webpane_ipc::SharedMemory>,
    ) -> Result<(), ViewError> {
        if !self.window.is::<gtk::OffscreenWindow>() {
            return Err(ViewError::OffscreenOnly("frames"));
        }
        let stride = width
            .checked_mul(4)
            .ok_or_else(|| ViewError::FrameSize(format!("the width {width} is too large")))?;
        let needed = u64::from(stride) * u64::from(height);
        let mut slots = Vec::with_capacity(memories.len());
        for memory in memories {
            if (memory.size() as u64) < needed {
                return Err(ViewError::FrameSize(format!(
                    "a frame buffer of {} bytes is smaller than {width} × {height} × 4 = {needed}",
                    memory.size()
                )));
            }
            let mapping = memory.map().map_err(ViewError::Map)?;
            slots.push(Slot {
                mapping,
                held: false,
                stale: Vec::new(),
            });
        }
        let whole = FrameRect {
            x: 0,
            y: 0,
            width,
            height,
        };
        for slot in &mut slots {
            slot.stale.push(whole);
        }
        self.window.set_default_size(width as i32, height as i32);
        self.window.resize(width as i32, height as i32);
        self.webview.set_size_request(width as i32, height as i32);
        let first = self.frame_sink.borrow().is_none();
        self.frame_sink.replace(Some(FrameSink {
            generation,
            width,
            height,
            stride,
            slots,
            unreported: vec![whole],
            sequence: 0,
            scheduled: false,
            last: None,
            painted_at_ns: None,
            scratch: None,
        }));
        if first {
            self.watch_damage();
        }
        self.webview.queue_draw();
        schedule(&self.frame_sink, &self.window, self.id, &self.host);
        Ok(())
    }

    /// The app is done with buffer `buffer` of `generation`.
    pub fn release_frame(&self, generation: u32, buffer: u32) {
        let mut frames = self.frame_sink.borrow_mut();
        let Some(sink) = frames.as_mut().filter(|s| s.generation == generation) else {
            return;
        };
        if let Some(slot) = sink.slots.get_mut(buffer as usize) {
            slot.held = false;
        }
        let waiting = !sink.unreported.is_empty();
        drop(frames);
        if waiting {
            schedule(&self.frame_sink, &self.window, self.id, &self.host);
        }
    }

    /// Collects what GTK paints into the offscreen window.
    fn watch_damage(&self) {
        let Ok(offscreen) = self.window.clone().downcast::<gtk::OffscreenWindow>() else {
            return;
        };
        let (frames, id, host) = (self.frame_sink.clone(), self.id, self.host.clone());
        offscreen.connect_damage_event(move |window, event| {
            let area = event.area();
            let rect = FrameRect {
                x: area.x().max(0) as u32,
                y: area.y().max(0) as u32,
                width: area.width().max(0) as u32,
                height: area.height().max(0) as u32,
            };
            {
                let mut frames = frames.borrow_mut();
                let Some(sink) = frames.as_mut() else {
                    return false;
                };
                let Some(rect) = rect.clamped(sink.width, sink.height) else {
                    return false;
                };
                add_rect(&mut sink.unreported, rect);
                sink.painted_at_ns.get_or_insert_with(monotonic_ns);
            }
            schedule(&frames, window.upcast_ref(), id, &host);
            false
        });
    }
}

/// Writes the next frame once GTK is done painting (an idle after the paint).
fn schedule(frames: &Frames, window: &gtk::Window, id: WebViewId, host: &Rc<dyn Host>) {
    {
        let mut borrowed = frames.borrow_mut();
        let Some(sink) = borrowed.as_mut() else { return };
        if sink.scheduled {
            return;
        }
        sink.scheduled = true;
    }
    let (frames, window, host) = (Rc::downgrade(frames), window.downgrade(), host.clone());
    glib::idle_add_local_full(glib::Priority::DEFAULT_IDLE, move || {
        if let (Some(frames), Some(window)) = (frames.upgrade(), window.upgrade()) {
            deliver(&frames, &window, id, &host);
        }
        glib::ControlFlow::Break
    });
}

/// Finds what changed where GTK painted, brings a free buffer up to date with it, and hands that
/// buffer to the app.
fn deliver(frames: &Frames, window: &gtk::Window, id: WebViewId, host: &Rc<dyn Host>) {
    let mut borrowed = frames.borrow_mut();
    let Some(sink) = borrowed.as_mut() else { return };
    sink.scheduled = false;
    if sink.unreported.is_empty() {
        return;
    }
    // The last frame's buffer when the app has let go of it: it is complete up to the last
    // frame, so only what changes now is written into it (after the comparison, which reads
    // it). Otherwise a free buffer, brought up to date first.
    let free = |i: &usize| !sink.slots[*i].held;
    let Some(index) = sink.last.filter(free).or_else(|| (0..sink.slots.len()).find(free)) else {
        return; // the app holds every buffer: its next release brings the frame
    };
    // Where GTK painted since the last frame.
    let painted = sink
        .unreported
        .iter()
        .skip(1)
        .fold(sink.unreported[0], |a, r| a.union(r));
    // The view drawn there into memory of this process: the window's own surface may live in the
    // X server (an Xlib surface), and reading it back is a round trip per frame.
    let Some(view) = window.child() else { return };
    if view.allocated_width() != sink.width as i32 || view.allocated_height() != sink.height as i32 {
        return; // not laid out at the new size yet: its paint after that brings the frame
    }
    let surface = match sink
        .scratch
        .take()
        .filter(|s| s.width() == sink.width as i32 && s.height() == sink.height as i32)
    {
        Some(surface) => surface,
        None => {
            match gtk::cairo::ImageSurface::create(gtk::cairo::Format::ARgb32, sink.width as i32, sink.height as i32) {
                Ok(surface) => surface,
                Err(e) => {
                    log::warn!("view {}: no memory for a frame: {e}", id.0);
                    return;
                }
            }
        }
    };
    if let Ok(cr) = gtk::cairo::Context::new(&surface) {
        cr.rectangle(
            f64::from(painted.x),
            f64::from(painted.y),
            f64::from(painted.width),
            f64::from(painted.height),
        );
        cr.clip();
        cr.set_operator(gtk::cairo::Operator::Source);
        view.draw(&cr);
    }
    surface.flush();
    sink.scratch = Some(surface.clone());
    let surface: gtk::cairo::Surface = (*surface).clone();
    let size = FrameSize {
        width: sink.width,
        height: sink.height,
        stride: sink.stride,
    };
    let changes = match sink.last {
        None => vec![painted],
        Some(last) => match pixels::changed(&surface, painted, &sink.slots[last].mapping, size) {
            Ok(changes) => changes,
            Err(e) => {
                log::warn!("view {}: cannot compare frames: {e}", id.0);
                vec![painted]
            }
        },
    };
    sink.unreported.clear();
    let painted_at_ns = sink.painted_at_ns.take().unwrap_or_else(monotonic_ns);
    if changes.is_empty() {
        return; // painted the same pixels again: no new frame
    }
    // What this buffer missed comes from the last frame; what is new, from GTK's surface.
    let stale = pixels::subtract(&std::mem::take(&mut sink.slots[index].stale), &changes);
    let copied = match sink.last {
        Some(last) => pixels::copy_between(&sink.slots[index].mapping, &sink.slots[last].mapping, size, &stale),
        None => Ok(()),
    }
    .and_then(|()| pixels::copy_from_surface(&sink.slots[index].mapping, size, &surface, &changes));
    if let Err(e) = copied {
        log::warn!("view {}: a frame could not be written: {e}", id.0);
        let whole = FrameRect {
            x: 0,
            y: 0,
            width: size.width,
            height: size.height,
        };
        sink.slots[index].stale = vec![whole];
        if sink.last == Some(index) {
            // The reference itself is half written: start again from whole frames.
            sink.last = None;
            sink.slots.iter_mut().for_each(|slot| slot.stale = vec![whole]);
            sink.unreported = vec![whole];
        }
        return;
    }
    for (i, slot) in sink.slots.iter_mut().enumerate() {
        if i != index {
            for rect in &changes {
                add_rect(&mut slot.stale, *rect);
            }
        }
    }
    let area = |rects: &[FrameRect]| rects.iter().map(FrameRect::area).sum::<u64>();
    let copied_bytes = (area(&stale) + area(&changes)) * 4;
    sink.slots[index].held = true;
    sink.last = Some(index);
    sink.sequence += 1;
    let frame = FrameInfo {
        generation: sink.generation,
        buffer: index as u32,
        sequence: sink.sequence,
        width: size.width,
        height: size.height,
        stride: size.stride,
        damage: changes,
        painted_at_ns,
        copied_bytes,
    };
    host.send(RuntimeMessage::FrameReady { id, frame });
}

/// `CLOCK_MONOTONIC` in nanoseconds.
fn monotonic_ns() -> u64 {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::Monotonic);
    t.tv_sec as u64 * 1_000_000_000 + t.tv_nsec as u64
}
