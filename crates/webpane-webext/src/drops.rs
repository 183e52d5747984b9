//! Files dragged over a page from another program, or dropped on it. WebKitGTK gives a page's
//! drag events the drag's types but never its files; the runtime sends what it knows here
//! ([`DRAGGED_FILES`](webpane_ipc::webext::DRAGGED_FILES)) and each frame's window gets
//! `__webpaneDrag` (taken and deleted by the runtime's `drops.js` before any page script runs):
//!
//! - `state(callback)`: `callback(json)` with `{"dropped": bool, "files": [{name, type, size,
//!   lastModified}]}`, or `callback("")` when no files are dragged;
//! - `read(index, arrayBuffer, callback)`: fills the buffer from dropped file `index`,
//!   `callback(bytesRead)` (−1 when there is no such file);
//! - `done()`: the drop is over; its files close;
//! - `register(dispatch)`: the main frame's `drops.js` hands over its `dispatch(phase, x, y)`,
//!   which fires the page's drag events for a drag the app forwards
//!   ([`DRAG_AT`](webpane_ipc::webext::DRAG_AT)) and returns the page's drop effect.
//!
//! The files are held per page, and close when the drag leaves, the drop is over or the page
//! goes.

use std::cell::RefCell;
use std::collections::HashMap;
use std::os::fd::OwnedFd;

use javascriptcore::{ContextExt, ValueExt};
use serde::Serialize;
use webpane_ipc::webext::{DragAt, DragPhase, DraggedFile, DraggedFiles};

use crate::ffi;

/// What a page's current drag holds.
struct Drag {
    files: Vec<DraggedFile>,
    /// Text a forwarded drag carries.
    text: Option<String>,
    /// The dropped files, in order (none while dragged).
    fds: Vec<OwnedFd>,
}

thread_local! {
    static DRAGS: RefCell<HashMap<u64, Drag>> = RefCell::new(HashMap::new());
    /// Per page: the main frame (its id) and its `drops.js` dispatcher.
    static DISPATCHERS: RefCell<HashMap<u64, (u64, javascriptcore::Value)>> = RefCell::new(HashMap::new());
}

/// One file as `state` tells it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Told<'a> {
    name: &'a str,
    r#type: &'a str,
    size: u64,
    last_modified: f64,
}

#[derive(Serialize)]
struct State<'a> {
    dropped: bool,
    files: Vec<Told<'a>>,
    text: Option<&'a str>,
}

/// The runtime says where page `page_id`'s drag of files is; `fds` are the dropped files.
pub fn message(page_id: u64, drag: DraggedFiles, fds: Vec<OwnedFd>) {
    update(page_id, drag.phase, drag.files, None, fds);
}

fn update(page_id: u64, phase: DragPhase, files: Vec<DraggedFile>, text: Option<String>, fds: Vec<OwnedFd>) {
    DRAGS.with(|drags| {
        let mut drags = drags.borrow_mut();
        match phase {
            DragPhase::Over => {}
            DragPhase::Left => {
                drags.remove(&page_id);
            }
            DragPhase::Entered => {
                drags.insert(
                    page_id,
                    Drag {
                        files,
                        text,
                        fds: Vec::new(),
                    },
                );
            }
            DragPhase::Dropped if fds.len() == files.len() => {
                drags.insert(page_id, Drag { files, text, fds });
            }
            // Files and their descriptions that do not match: nothing of it reaches the page.
            DragPhase::Dropped => {
                drags.remove(&page_id);
            }
        }
    });
}

/// A drag the app forwards: the page's drag events fired at its point, in the main frame's
/// document; the page's drop effect (`"none"` when the page has no dispatcher).
pub fn drag_at(page_id: u64, drag: DragAt, fds: Vec<OwnedFd>) -> String {
    let (phase, x, y) = (drag.phase, drag.x, drag.y);
    // A leave's events still carry what the drag held: it goes after them.
    if phase != DragPhase::Left {
        update(page_id, phase, drag.files, drag.text, fds);
    }
    let dispatcher = DISPATCHERS.with(|d| d.borrow().get(&page_id).map(|(_, f)| f.clone()));
    let effect = dispatcher
        .and_then(|dispatch| {
            let context = dispatch.context()?;
            let phase = match phase {
                DragPhase::Entered => "enter",
                DragPhase::Over => "over",
                DragPhase::Left => "leave",
                DragPhase::Dropped => "drop",
            };
            let args = [
                javascriptcore::Value::new_string(&context, Some(phase)),
                javascriptcore::Value::new_number(&context, x),
                javascriptcore::Value::new_number(&context, y),
            ];
            let result = ffi::call(&dispatch, &args.iter().collect::<Vec<_>>());
            context.clear_exception();
            result.filter(|r| r.is_string()).map(|r| r.to_str().to_string())
        })
        .unwrap_or_else(|| "none".into());
    if matches!(phase, DragPhase::Left | DragPhase::Dropped) {
        DRAGS.with(|drags| drags.borrow_mut().remove(&page_id));
    }
    effect
}

/// A frame's document went: its dispatcher, if it was the main frame's, goes too.
pub fn frame_gone(page_id: u64, frame_id: u64) {
    DISPATCHERS.with(|d| {
        let mut d = d.borrow_mut();
        if d.get(&page_id).is_some_and(|(frame, _)| *frame == frame_id) {
            d.remove(&page_id);
        }
    });
}

/// Forgets (and closes) a page's drag: the page went.
pub fn page_gone(page_id: u64) {
    DRAGS.with(|drags| drags.borrow_mut().remove(&page_id));
    DISPATCHERS.with(|d| d.borrow_mut().remove(&page_id));
}

fn state_json(page_id: u64) -> String {
    DRAGS.with(|drags| {
        let drags = drags.borrow();
        let Some(drag) = drags.get(&page_id) else {
            return String::new();
        };
        let files = drag
            .files
            .iter()
            .enumerate()
            .map(|(i, file)| {
                let stat = drag.fds.get(i).and_then(|fd| rustix::fs::fstat(fd).ok());
                Told {
                    name: &file.name,
                    r#type: &file.mime,
                    size: stat.as_ref().map_or(0, |s| s.st_size.max(0) as u64),
                    last_modified: stat.as_ref().map_or(0.0, crate::files::modified_ms),
                }
            })
            .collect();
        serde_json::to_string(&State {
            dropped: !drag.fds.is_empty(),
            files,
            text: drag.text.as_deref(),
        })
        .unwrap_or_default()
    })
}

/// Reads dropped file `index` of page `page_id` from its start into `bytes`: how much was read.
fn read(page_id: u64, index: usize, bytes: &mut [u8]) -> Option<usize> {
    DRAGS.with(|drags| {
        let drags = drags.borrow();
        let fd = drags.get(&page_id)?.fds.get(index)?;
        crate::files::read_from_start(fd, bytes).ok()
    })
}

/// Gives a frame's new window `__webpaneDrag` (see the module's doc) for page `page_id`.
pub fn install(context: &javascriptcore::Context, page_id: u64, frame_id: u64, is_main: bool) {
    let state = ffi::native_function_with_args(context, "state", move |args| {
        let Some(callback) = args.first().filter(|c| c.is_function()) else {
            return;
        };
        let Some(context) = callback.context() else { return };
        let json = javascriptcore::Value::new_string(&context, Some(&state_json(page_id)));
        ffi::call(callback, &[&json]);
    });
    let read = ffi::native_function_with_args(context, "read", move |args| {
        let (Some(index), Some(buffer), Some(callback)) = (
            args.first().filter(|i| i.is_number()),
            args.get(1),
            args.get(2).filter(|c| c.is_function()),
        ) else {
            return;
        };
        let Some(context) = callback.context() else { return };
        let index = index.to_double();
        let got = if index >= 0.0 && index.fract() == 0.0 {
            ffi::fill_array_buffer(buffer, |bytes| read(page_id, index as usize, bytes)).flatten()
        } else {
            None
        };
        let got = got.map_or(-1.0, |n| n as f64);
        ffi::call(callback, &[&javascriptcore::Value::new_number(&context, got)]);
    });
    let done = ffi::native_function(context, "done", move || {
        DRAGS.with(|drags| {
            let mut drags = drags.borrow_mut();
            if drags.get(&page_id).is_some_and(|d| !d.fds.is_empty()) {
                drags.remove(&page_id);
            }
        });
    });
    let register = ffi::native_function_with_args(context, "register", move |args| {
        if let Some(dispatch) = args.first().filter(|f| f.is_function() && is_main) {
            DISPATCHERS.with(|d| d.borrow_mut().insert(page_id, (frame_id, dispatch.clone())));
        }
    });
    let define = context.evaluate(
        "((state, read, done, register) => Object.defineProperty(window, '__webpaneDrag', { value: { state, read, done, register }, configurable: true, enumerable: false }))",
    );
    if let Some(define) = define.filter(|d| d.is_function()) {
        ffi::call(&define, &[&state, &read, &done, &register]);
    }
    context.clear_exception();
}
