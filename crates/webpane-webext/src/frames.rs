//! The frames of each page in this web process, as the extension has seen them (weakly).

use std::cell::RefCell;
use std::collections::HashMap;

use crate::ffi::{WeakFrame, WebFrame};

thread_local! {
    /// Per page id: the frames seen so far (weakly), by WebKit frame id.
    pub(crate) static FRAMES: RefCell<HashMap<u64, HashMap<u64, WeakFrame>>> = RefCell::new(HashMap::new());
    /// Per page id: its main frame's id.
    pub(crate) static MAIN_FRAMES: RefCell<HashMap<u64, u64>> = RefCell::new(HashMap::new());
}

/// A frame of a page by id (`None`: the main frame).
pub(crate) fn find_frame(page_id: u64, frame: Option<u64>) -> Option<WebFrame> {
    let frame = match frame {
        Some(frame) => frame,
        None => MAIN_FRAMES.with(|m| m.borrow().get(&page_id).copied())?,
    };
    FRAMES.with(|f| f.borrow().get(&page_id)?.get(&frame)?.upgrade())
}
