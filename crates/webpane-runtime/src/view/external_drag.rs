//! The drag from another program that is over a view, as far as the runtime tracks it
//! (`drops.rs`).

use std::cell::RefCell;
use std::path::PathBuf;

/// The local files of a drag from another program, while it is over the view.
#[derive(Default)]
pub(super) struct ExternalDrag {
    /// The drag (GTK's context of it).
    pub(super) context: RefCell<Option<gtk::gdk::DragContext>>,
    /// The local files its URI list names.
    pub(super) files: RefCell<Vec<PathBuf>>,
}
