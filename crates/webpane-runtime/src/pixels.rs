//! Frame pixels in shared memory (the second declared home of `unsafe` in the runtime, after
//! `ffi.rs`): painting into an app's frame buffer through Cairo, and finding what changed
//! between what GTK painted and the previous frame.
//!
//! Why the diff: WebKitGTK's compositor asks GTK to repaint the whole view for any change, so
//! GTK's damage says "everything"; comparing against the previous frame (in 32-pixel tiles)
//! finds what really changed, and only that is copied into the app's buffer and reported.

use gtk::cairo;
use webpane_ipc::SharedMapping;
use webpane_ipc::protocol::FrameRect;

/// The side of a comparison tile, in pixels.
const TILE: u32 = 32;

/// A frame's size: width and height in pixels, bytes per row.
#[derive(Debug, Clone, Copy)]
pub struct FrameSize {
    pub width: u32,
    pub height: u32,
    pub stride: u32,
}

impl FrameSize {
    fn fits(&self, mapping: &SharedMapping) -> bool {
        self.stride >= self.width.saturating_mul(4)
            && (mapping.len() as u64) >= u64::from(self.stride) * u64::from(self.height)
    }
}

/// Why pixels could not be copied into or compared with a frame buffer.
#[derive(Debug, thiserror::Error)]
pub enum PixelsError {
    /// The buffer is smaller than the frame.
    #[error("the frame buffer is smaller than the frame")]
    TooSmall,
    /// Cairo failed.
    #[error("cairo failed")]
    Cairo(#[source] cairo::Error),
}

/// Runs `f` with a frame buffer's memory as a Cairo image surface (finished before returning:
/// Cairo lets go of the memory).
fn with_image<R>(
    mapping: &SharedMapping,
    size: FrameSize,
    f: impl FnOnce(&cairo::ImageSurface) -> Result<R, cairo::Error>,
) -> Result<R, PixelsError> {
    if !size.fits(mapping) {
        return Err(PixelsError::TooSmall);
    }
    // SAFETY: the mapping holds at least `stride × height` bytes (checked above) and outlives the
    // surface, which is finished before this returns; the runtime writes a buffer only while the
    // app does not hold it, from this thread only.
    let image = unsafe {
        cairo::ImageSurface::create_for_data_unsafe(
            mapping.as_ptr().as_ptr(),
            cairo::Format::ARgb32,
            size.width as i32,
            size.height as i32,
            size.stride as i32,
        )
    }
    .map_err(PixelsError::Cairo)?;
    let result = f(&image);
    image.flush();
    image.finish();
    result.map_err(PixelsError::Cairo)
}

fn paint(target: &cairo::ImageSurface, source: &cairo::Surface, rects: &[FrameRect]) -> Result<(), cairo::Error> {
    if rects.is_empty() {
        return Ok(());
    }
    let cr = cairo::Context::new(target)?;
    for r in rects {
        cr.rectangle(f64::from(r.x), f64::from(r.y), f64::from(r.width), f64::from(r.height));
    }
    cr.clip();
    cr.set_operator(cairo::Operator::Source);
    cr.set_source_surface(source, 0.0, 0.0)?;
    cr.paint()
}

/// Paints `source` into the frame buffer `target`, inside `rects` only.
pub fn copy_from_surface(
    target: &SharedMapping,
    size: FrameSize,
    source: &cairo::Surface,
    rects: &[FrameRect],
) -> Result<(), PixelsError> {
    with_image(target, size, |image| paint(image, source, rects))
}

/// Copies `rects` of the frame buffer `source` into the frame buffer `target`.
pub fn copy_between(
    target: &SharedMapping,
    source: &SharedMapping,
    size: FrameSize,
    rects: &[FrameRect],
) -> Result<(), PixelsError> {
    if rects.is_empty() {
        return Ok(());
    }
    with_image(source, size, |from| {
        with_image(target, size, |to| paint(to, from, rects)).map_err(|_| cairo::Error::WriteError)
    })
}

/// The parts of `rects` that `minus` does not cover (exact: Cairo's region arithmetic). A
/// buffer catching up on a frame it missed skips what the new frame paints over anyway.
pub fn subtract(rects: &[FrameRect], minus: &[FrameRect]) -> Vec<FrameRect> {
    let to_region = |rects: &[FrameRect]| {
        let list: Vec<cairo::RectangleInt> = rects
            .iter()
            .map(|r| cairo::RectangleInt::new(r.x as i32, r.y as i32, r.width as i32, r.height as i32))
            .collect();
        cairo::Region::create_rectangles(&list)
    };
    let region = to_region(rects);
    if region.subtract(&to_region(minus)).is_err() {
        return rects.to_vec();
    }
    (0..region.num_rectangles())
        .map(|i| region.rectangle(i))
        .map(|r| FrameRect {
            x: r.x().max(0) as u32,
            y: r.y().max(0) as u32,
            width: r.width().max(0) as u32,
            height: r.height().max(0) as u32,
        })
        .collect()
}

/// The tiles of `area` where `source` (what GTK painted) differs from `previous` (the last
/// complete frame), merged into rectangles.
pub fn changed(
    source: &cairo::Surface,
    area: FrameRect,
    previous: &SharedMapping,
    size: FrameSize,
) -> Result<Vec<FrameRect>, PixelsError> {
    if !size.fits(previous) {
        return Err(PixelsError::TooSmall);
    }
    let Some(area) = area.clamped(size.width, size.height) else {
        return Ok(Vec::new());
    };
    let extents = cairo::RectangleInt::new(area.x as i32, area.y as i32, area.width as i32, area.height as i32);
    let mapped = source.map_to_image(Some(extents)).map_err(PixelsError::Cairo)?;
    let format = mapped.format();
    let src_stride = mapped.stride().max(0) as usize;
    if !matches!(format, cairo::Format::ARgb32 | cairo::Format::Rgb24) || src_stride < area.width as usize * 4 {
        return Ok(vec![area]);
    }
    mapped.flush();
    // SAFETY: the mapped image holds `area.height` rows of `src_stride` bytes and lives until the
    // end of this function; it is only read. `previous` holds the last frame handed to the app,
    // which no one writes now (the runtime writes other buffers; the app only reads); its length
    // was checked above.
    let (src, prev) = unsafe {
        let data = cairo::ffi::cairo_image_surface_get_data(mapped.to_raw_none());
        if data.is_null() {
            return Ok(vec![area]);
        }
        (
            std::slice::from_raw_parts(data as *const u8, src_stride * area.height as usize),
            std::slice::from_raw_parts(previous.as_ptr().as_ptr() as *const u8, previous.len()),
        )
    };
    let opaque = format == cairo::Format::Rgb24;
    let stride = size.stride as usize;
    let differs = |x0: u32, y0: u32, w: u32, h: u32| -> bool {
        (y0..y0 + h).any(|y| {
            let s = &src[(y - area.y) as usize * src_stride + (x0 - area.x) as usize * 4..][..w as usize * 4];
            let p = &prev[y as usize * stride + x0 as usize * 4..][..w as usize * 4];
            if opaque {
                // An RGB24 surface's fourth byte is undefined; the frame's is 255.
                s.chunks_exact(4)
                    .zip(p.chunks_exact(4))
                    .any(|(a, b)| a[..3] != b[..3] || b[3] != 255)
            } else {
                s != p
            }
        })
    };
    // Changed tiles, as runs along each row of tiles.
    let mut runs: Vec<FrameRect> = Vec::new();
    let mut y = area.y;
    while y < area.y + area.height {
        let h = TILE.min(area.y + area.height - y);
        let mut x = area.x;
        let mut run: Option<FrameRect> = None;
        while x < area.x + area.width {
            let w = TILE.min(area.x + area.width - x);
            if differs(x, y, w, h) {
                run = Some(match run {
                    Some(r) => FrameRect {
                        width: x + w - r.x,
                        ..r
                    },
                    None => FrameRect {
                        x,
                        y,
                        width: w,
                        height: h,
                    },
                });
            } else if let Some(r) = run.take() {
                runs.push(r);
            }
            x += w;
        }
        runs.extend(run);
        y += h;
    }
    // Runs of the same columns in adjacent tile rows become one rectangle.
    let mut merged: Vec<FrameRect> = Vec::new();
    for r in runs {
        match merged
            .iter_mut()
            .find(|m| m.x == r.x && m.width == r.width && m.y + m.height == r.y)
        {
            Some(m) => m.height += r.height,
            None => merged.push(r),
        }
    }
    Ok(merged)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rect(x: u32, y: u32, width: u32, height: u32) -> FrameRect {
        FrameRect { x, y, width, height }
    }

    #[test]
    fn what_the_new_frame_covers_is_not_caught_up() {
        assert!(subtract(&[rect(0, 0, 32, 32)], &[rect(0, 0, 64, 64)]).is_empty());
        let left = subtract(&[rect(0, 0, 64, 32)], &[rect(32, 0, 32, 32)]);
        assert_eq!(left, vec![rect(0, 0, 32, 32)]);
        let area: u64 = subtract(&[rect(0, 0, 64, 64)], &[rect(16, 16, 16, 16)])
            .iter()
            .map(FrameRect::area)
            .sum();
        assert_eq!(area, 64 * 64 - 16 * 16);
        assert_eq!(subtract(&[rect(0, 0, 8, 8)], &[]), vec![rect(0, 0, 8, 8)]);
    }
}
