//! A view's drag regions as last found (`regions.rs` keeps them).

use std::cell::{Cell, RefCell};

use crate::region::Rect;

/// What the app was last told: the caption rectangles (`[x, y, width, height]`) and the
/// view's size.
pub(super) type Told = (Vec<[i32; 4]>, [u32; 2]);

/// Whether the page's drag regions are followed, and the caption region last found (view
/// pixels) with the view's size then.
#[derive(Default)]
pub(super) struct DragRegions {
    pub(super) enabled: Cell<bool>,
    /// The regions script, added to every document while enabled.
    pub(super) script: RefCell<Option<webkit2gtk::UserScript>>,
    pub(super) caption: RefCell<Vec<Rect>>,
    pub(super) told: RefCell<Option<Told>>,
}
