//! Regions as lists of rectangles: a page's drag regions made of its elements' boxes, with the
//! boxes that must not drag taken out, and none overlapping another.

/// At most this many rectangles make a region (a page with more is cut short).
pub const MAX_RECTS: usize = 1024;

/// A rectangle in whole pixels, `x0..x1` × `y0..y1` (empty when `x0 >= x1` or `y0 >= y1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rect {
    pub x0: i32,
    pub y0: i32,
    pub x1: i32,
    pub y1: i32,
}

impl Rect {
    /// The smallest whole-pixel rectangle holding `[x, y, width, height]` in CSS pixels times
    /// `scale`; `None` for one that is not finite or has no area.
    pub fn covering(css: [f64; 4], scale: f64) -> Option<Rect> {
        let [x, y, w, h] = css.map(|v| v * scale);
        let limit = 1e7;
        if ![x, y, w, h].iter().all(|v| v.is_finite() && v.abs() < limit) || w <= 0.0 || h <= 0.0 {
            return None;
        }
        Some(Rect {
            x0: x.floor() as i32,
            y0: y.floor() as i32,
            x1: (x + w).ceil() as i32,
            y1: (y + h).ceil() as i32,
        })
    }

    fn is_empty(&self) -> bool {
        self.x0 >= self.x1 || self.y0 >= self.y1
    }

    fn intersects(&self, other: &Rect) -> bool {
        self.x0 < other.x1 && other.x0 < self.x1 && self.y0 < other.y1 && other.y0 < self.y1
    }

    /// What is left of `self` outside `hole`: up to four rectangles.
    fn minus(&self, hole: &Rect) -> Vec<Rect> {
        if !self.intersects(hole) {
            return vec![*self];
        }
        let top = Rect { y1: hole.y0, ..*self };
        let bottom = Rect { y0: hole.y1, ..*self };
        let (y0, y1) = (self.y0.max(hole.y0), self.y1.min(hole.y1));
        let left = Rect {
            y0,
            y1,
            x1: hole.x0,
            ..*self
        };
        let right = Rect {
            y0,
            y1,
            x0: hole.x1,
            ..*self
        };
        [top, bottom, left, right]
            .into_iter()
            .filter(|r| !r.is_empty())
            .collect()
    }

    /// `[x, y, width, height]`.
    pub fn to_xywh(self) -> [i32; 4] {
        [self.x0, self.y0, self.x1 - self.x0, self.y1 - self.y0]
    }
}

/// The union of `include` without `exclude`, as rectangles that do not overlap (at most
/// [`MAX_RECTS`]).
pub fn region(include: &[Rect], exclude: &[Rect]) -> Vec<Rect> {
    let mut out: Vec<Rect> = Vec::new();
    for rect in include {
        let mut pieces = vec![*rect];
        for cut in out.iter().chain(exclude) {
            pieces = pieces.iter().flat_map(|p| p.minus(cut)).collect();
            if pieces.is_empty() {
                break;
            }
        }
        out.extend(pieces);
        if out.len() >= MAX_RECTS {
            out.truncate(MAX_RECTS);
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(x0: i32, y0: i32, x1: i32, y1: i32) -> Rect {
        Rect { x0, y0, x1, y1 }
    }

    fn area(rects: &[Rect]) -> i64 {
        rects
            .iter()
            .map(|r| i64::from(r.x1 - r.x0) * i64::from(r.y1 - r.y0))
            .sum()
    }

    #[test]
    fn a_hole_is_cut_out_and_overlaps_are_counted_once() {
        // A 400 × 40 title bar with a 50 × 40 button at its right end that must not drag.
        let bar = region(&[r(0, 0, 400, 40)], &[r(350, 0, 400, 40)]);
        assert_eq!(area(&bar), 350 * 40);
        // Two boxes overlapping by 50 × 50, and a 20 × 20 hole across the first one's part of
        // the overlap (wholly inside their union).
        let both = region(&[r(0, 0, 100, 100), r(50, 50, 150, 150)], &[r(40, 40, 60, 60)]);
        assert_eq!(area(&both), 100 * 100 + 100 * 100 - 50 * 50 - 20 * 20);
        for (i, a) in both.iter().enumerate() {
            assert!(both[i + 1..].iter().all(|b| !a.intersects(b)), "{both:?}");
        }
    }

    #[test]
    fn css_boxes_become_whole_pixels_and_bad_numbers_are_dropped() {
        assert_eq!(Rect::covering([0.5, 0.5, 10.0, 10.0], 1.0), Some(r(0, 0, 11, 11)));
        assert_eq!(Rect::covering([10.0, 10.0, 10.0, 10.0], 1.5), Some(r(15, 15, 30, 30)));
        assert_eq!(Rect::covering([0.0, 0.0, f64::NAN, 1.0], 1.0), None);
        assert_eq!(Rect::covering([0.0, 0.0, 0.0, 5.0], 1.0), None);
        assert_eq!(Rect::covering([1e300, 0.0, 1.0, 1.0], 1.0), None);
    }

    #[test]
    fn a_region_stops_at_its_limit() {
        let many: Vec<Rect> = (0..2000).map(|i| r(i * 2, 0, i * 2 + 1, 1)).collect();
        assert_eq!(region(&many, &[]).len(), MAX_RECTS);
    }
}
