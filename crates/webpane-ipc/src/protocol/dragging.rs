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

impl DragInput {
    /// Checks what a client sent: finite points, at most as many files as one message carries
    /// fds, names without NUL, text within [`MAX_DRAG_TEXT`].
    pub fn check(&self) -> Result<(), String> {
        let (points, names, text): (Vec<f64>, Vec<&str>, Option<&str>) = match self {
            DragInput::Enter { files, text, x, y } => (
                vec![*x, *y],
                files.iter().map(String::as_str).collect(),
                text.as_deref(),
            ),
            DragInput::Over { x, y } => (vec![*x, *y], Vec::new(), None),
            DragInput::Leave => (Vec::new(), Vec::new(), None),
            DragInput::Drop { files, text, x, y } => (
                vec![*x, *y],
                files.iter().map(|(_, name)| name.as_str()).collect(),
                text.as_deref(),
            ),
        };
        if points.iter().any(|p| !p.is_finite()) {
            return Err("a drag's point must be finite".into());
        }
        if names.len() > crate::MAX_FDS_PER_MESSAGE {
            return Err(format!("a drag carries at most {} files", crate::MAX_FDS_PER_MESSAGE));
        }
        if names.iter().any(|n| n.contains('\0')) {
            return Err("a dragged file's name contains NUL".into());
        }
        if text.is_some_and(|t| t.len() > MAX_DRAG_TEXT) {
            return Err(format!("a drag carries at most {MAX_DRAG_TEXT} bytes of text"));
        }
        Ok(())
    }
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
    fn a_drag_is_checked() {
        let enter = |names: Vec<String>| DragInput::Enter {
            files: names,
            text: None,
            x: 1.0,
            y: 2.0,
        };
        assert!(enter(vec!["a.txt".into()]).check().is_ok());
        assert!(enter(vec!["a\0b".into()]).check().is_err());
        assert!(enter(vec!["f".into(); crate::MAX_FDS_PER_MESSAGE + 1]).check().is_err());
        let enter = DragInput::Enter {
            files: vec!["a".into()],
            text: Some("x".repeat(MAX_DRAG_TEXT + 1)),
            x: 0.0,
            y: 0.0,
        };
        assert!(enter.check().is_err());
        assert!(DragInput::Over { x: f64::NAN, y: 0.0 }.check().is_err());
        assert!(DragInput::Leave.check().is_ok());
        assert_eq!(DropEffect::from_page("move"), DropEffect::Move);
        assert_eq!(DropEffect::from_page("uninitialized"), DropEffect::None);
    }
}
