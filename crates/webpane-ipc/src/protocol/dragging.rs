//! Drags the app forwards into a view (WebView2's `DragEnter`, `DragOver`, `DragLeave` and
//! `Drop` of its composition controller): an app that hosts a view offscreen, or gets a
//! toolkit's drop for the window the view is embedded in, hands the drag to the page.

use serde::{Deserialize, Serialize};

/// The most text one drag carries, in bytes (UTF-8).
pub const MAX_DRAG_TEXT: usize = 1 << 20;

/// Where a forwarded drag is. Points are in the view's pixels, as for mouse input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum DragInput {
    /// The drag entered the view at `x, y`, carrying files of these names (their contents come
    /// with the drop) and text, if any.
    Enter {
        /// The files' names (`File.name`, never paths).
        files: Vec<String>,
        /// Text the drag carries (`text/plain`).
        text: Option<String>,
        /// Where, horizontally.
        x: f64,
        /// Where, vertically.
        y: f64,
    },
    /// The drag moved to `x, y`.
    Over {
        /// Where, horizontally.
        x: f64,
        /// Where, vertically.
        y: f64,
    },
    /// The drag left the view (or was cancelled). No reply.
    Leave,
    /// The drag was dropped at `x, y` with these files (each an attached fd, read-only, and
    /// its name).
    Drop {
        /// The files: each attached fd and its name.
        files: Vec<(crate::wire::FdRef, String)>,
        /// Text the drag carries.
        text: Option<String>,
        /// Where, horizontally.
        x: f64,
        /// Where, vertically.
        y: f64,
    },
}

/// What the page does with a drag (WebView2's `DROPEFFECT`): nothing (it does not take it), or
/// copies, moves or links what is dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DropEffect {
    /// The page does not take the drag here.
    None,
    /// A copy.
    Copy,
    /// A move.
    Move,
    /// A link.
    Link,
}

impl DropEffect {
    /// The effect for a page's `dataTransfer.dropEffect` (`"none"` and anything unknown are
    /// [`DropEffect::None`]).
    pub fn from_page(effect: &str) -> DropEffect {
        match effect {
            "copy" => DropEffect::Copy,
            "move" => DropEffect::Move,
            "link" => DropEffect::Link,
            _ => DropEffect::None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_effect_is_read() {
        assert_eq!(DropEffect::from_page("move"), DropEffect::Move);
        assert_eq!(DropEffect::from_page("uninitialized"), DropEffect::None);
    }
}
