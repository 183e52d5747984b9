//! Files between the app and page script, as open fds (never paths).
//!
//! App → page: each delivered fd gets four native functions (read, write, truncate, size) that
//! the `chrome.webview` shim wraps into a `FileSystemFileHandle`-shaped object in
//! `event.additionalObjects`. The fds are held here per frame and closed when the frame's
//! document goes (or the page), whatever page script still holds.
//!
//! Page → app: `chrome.webview.postMessageWithAdditionalObjects` hands the native sender the
//! files' bytes; each becomes a sealed memfd sent to the runtime with the message.

use std::cell::RefCell;
use std::collections::HashMap;
use std::os::fd::OwnedFd;
use std::rc::Rc;

use gio::prelude::UnixFDListExtManual;
use glib::prelude::*;
use javascriptcore::{ContextExt, TypedArrayData, ValueExt, ValueExtManual};
use webpane_ipc::webext::{Delivery, FilesPost, PageFileInfo, WEB_MESSAGE_WITH_FILES};

use crate::ffi::{self, WebFrame, WebPage};

type Slot = Rc<RefCell<Option<OwnedFd>>>;

thread_local! {
    /// Per (page id, frame id): the files given to the frame's current document.
    static OPEN: RefCell<HashMap<(u64, u64), Vec<Slot>>> = RefCell::new(HashMap::new());
}

/// Closes the files of a frame's document that went away.
pub fn frame_gone(page_id: u64, frame_id: u64) {
    let slots = OPEN.with(|open| open.borrow_mut().remove(&(page_id, frame_id)));
    slots
        .into_iter()
        .flatten()
        .for_each(|slot| drop(slot.borrow_mut().take()));
}

/// Closes every file of a page that went away.
pub fn page_gone(page_id: u64) {
    let gone: Vec<(u64, u64)> =
        OPEN.with(|open| open.borrow().keys().filter(|(p, _)| *p == page_id).copied().collect());
    gone.into_iter().for_each(|(page, frame)| frame_gone(page, frame));
}

/// Gives a frame's document the message and its files (through the shim's `message` event).
pub fn deliver(page_id: u64, frame: &WebFrame, post: &FilesPost, fds: Vec<OwnedFd>) -> Delivery {
    if fds.len() != post.files.len() {
        return Delivery::Failed("the files and their descriptions do not match".into());
    }
    let Some(context) = frame.js_context() else {
        return Delivery::Failed("the frame has no script context".into());
    };
    let slots: Vec<Slot> = fds.into_iter().map(|fd| Rc::new(RefCell::new(Some(fd)))).collect();
    let handles: Vec<javascriptcore::Value> = slots.iter().map(|slot| natives(&context, slot)).collect();
    OPEN.with(|open| {
        open.borrow_mut()
            .entry((page_id, frame.id()))
            .or_default()
            .extend(slots.iter().cloned())
    });
    let infos = serde_json::to_string(&post.files).unwrap_or_else(|_| "[]".into());
    let deliver = context.evaluate(
        "(t, j, f, h) => !!(window.chrome && window.chrome.webview && window.chrome.webview.__webpaneFiles && window.chrome.webview.__webpaneFiles(t, j, f, h))",
    );
    let handles = javascriptcore::Value::new_array_from_garray(&context, &handles);
    let args = [
        javascriptcore::Value::new_string(&context, Some(&post.token)),
        javascriptcore::Value::new_string(&context, Some(&post.json)),
        javascriptcore::Value::new_string(&context, Some(&infos)),
        handles,
    ];
    let delivered = deliver
        .filter(|d| d.is_function())
        .and_then(|d| ffi::call(&d, &args.iter().collect::<Vec<_>>()))
        .is_some_and(|v| v.is_boolean() && v.to_boolean());
    context.clear_exception();
    if delivered {
        Delivery::Delivered
    } else {
        // Not delivered: these files close now (the frame's others stay open).
        slots.iter().for_each(|slot| drop(slot.borrow_mut().take()));
        Delivery::Failed("the document has no chrome.webview to take the files".into())
    }
}

/// Settles one call's promise: the numbers go to `args[resolve_at]`, an error's text to the
/// reject function after it.
fn settle(
    context: &javascriptcore::Context,
    args: &[javascriptcore::Value],
    resolve_at: usize,
    result: Result<Vec<f64>, String>,
) {
    let (callback, values) = match result {
        Ok(numbers) => (
            args.get(resolve_at),
            numbers
                .into_iter()
                .map(|n| javascriptcore::Value::new_number(context, n))
                .collect(),
        ),
        Err(why) => (
            args.get(resolve_at + 1),
            vec![javascriptcore::Value::new_string(context, Some(&why))],
        ),
    };
    if let Some(callback) = callback.filter(|c| c.is_function()) {
        ffi::call(callback, &values.iter().collect::<Vec<_>>());
    }
}

/// `[read(buffer, resolve, reject), write(position, bytes, resolve, reject), truncate(size,
/// resolve, reject), size(resolve, reject)]` for one file.
fn natives(context: &javascriptcore::Context, slot: &Slot) -> javascriptcore::Value {
    let read = {
        let slot = slot.clone();
        ffi::native_function_with_args(context, "read", move |args| {
            let Some(context) = args.first().and_then(ValueExt::context) else {
                return;
            };
            // Into an ArrayBuffer page script made (JSC takes no memory from outside its heap).
            let result = match args.first() {
                Some(buffer) => ffi::fill_array_buffer(buffer, |bytes| read_into(&slot, bytes))
                    .unwrap_or_else(|| Err("read: expected an ArrayBuffer".to_owned())),
                None => Err("read: expected an ArrayBuffer".to_owned()),
            };
            let result = result.map(|(read, modified)| vec![read as f64, modified]);
            settle(&context, args, 1, result);
        })
    };
    let write = {
        let slot = slot.clone();
        ffi::native_function_with_args(context, "write", move |args| {
            let Some(context) = args.first().and_then(ValueExt::context) else {
                return;
            };
            let position = args.first().filter(|p| p.is_number()).map(|p| p.to_double());
            let result = match (position, args.get(1)) {
                (Some(position), Some(data)) if position >= 0.0 && data.is_typed_array() => {
                    match data.typed_array_get_data() {
                        TypedArrayData::Uint8(bytes) => write_at(&slot, position as u64, bytes),
                        _ => Err("write: expected bytes".into()),
                    }
                }
                _ => Err("write: expected a position and bytes".into()),
            };
            settle(&context, args, 2, result.map(|()| Vec::new()));
        })
    };
    let truncate = {
        let slot = slot.clone();
        ffi::native_function_with_args(context, "truncate", move |args| {
            let Some(context) = args.first().and_then(ValueExt::context) else {
                return;
            };
            let size = args.first().filter(|s| s.is_number()).map(|s| s.to_double());
            let result = match size {
                Some(size) if size >= 0.0 => with_fd(&slot, |fd| {
                    rustix::fs::ftruncate(fd, size as u64).map_err(|e| format!("truncate: {e}"))
                }),
                _ => Err("truncate: expected a size".into()),
            };
            settle(&context, args, 1, result.map(|()| Vec::new()));
        })
    };
    let size = {
        let slot = slot.clone();
        ffi::native_function_with_args(context, "size", move |args| {
            let Some(context) = args.first().and_then(ValueExt::context) else {
                return;
            };
            let result = with_fd(&slot, |fd| rustix::fs::fstat(fd).map_err(|e| e.to_string()));
            settle(&context, args, 0, result.map(|stat| vec![stat.st_size as f64]));
        })
    };
    javascriptcore::Value::new_array_from_garray(context, &[read, write, truncate, size])
}

fn with_fd<T>(slot: &Slot, f: impl FnOnce(&OwnedFd) -> Result<T, String>) -> Result<T, String> {
    match slot.borrow().as_ref() {
        Some(fd) => f(fd),
        None => Err("the file was closed (its document went away)".into()),
    }
}

/// Reads `fd` from its start into `bytes`: how much was read (less if the file is shorter).
pub(crate) fn read_from_start(fd: &OwnedFd, bytes: &mut [u8]) -> rustix::io::Result<usize> {
    let mut at = 0usize;
    while at < bytes.len() {
        match rustix::io::pread(fd, &mut bytes[at..], at as u64) {
            Ok(0) => break,
            Ok(n) => at += n,
            Err(rustix::io::Errno::INTR) => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(at)
}

/// A file's modification time as page script counts it (ms since the epoch).
pub(crate) fn modified_ms(stat: &rustix::fs::Stat) -> f64 {
    stat.st_mtime as f64 * 1000.0 + stat.st_mtime_nsec as f64 / 1e6
}

/// Reads the file from its start into `bytes`: how much was read (less if it shrank) and its
/// modification time (ms since the epoch).
fn read_into(slot: &Slot, bytes: &mut [u8]) -> Result<(usize, f64), String> {
    with_fd(slot, |fd| {
        let stat = rustix::fs::fstat(fd).map_err(|e| e.to_string())?;
        let read = read_from_start(fd, bytes).map_err(|e| format!("read: {e}"))?;
        Ok((read, modified_ms(&stat)))
    })
}

fn write_at(slot: &Slot, position: u64, bytes: &[u8]) -> Result<(), String> {
    with_fd(slot, |fd| {
        let mut done = 0usize;
        while done < bytes.len() {
            match rustix::io::pwrite(fd, &bytes[done..], position + done as u64) {
                Ok(n) => done += n,
                Err(rustix::io::Errno::INTR) => continue,
                Err(e) => return Err(format!("write: {e}")),
            }
        }
        Ok(())
    })
}

/// `window.__webpaneSendFiles(json, infos, ...bytes)`: the page's message with files, each file's
/// bytes in a sealed memfd, to the runtime. The sender's frame and URI come from WebKit.
pub fn install_file_sender(
    context: &javascriptcore::Context,
    page: &WebPage,
    frame: &WebFrame,
    id: u64,
    is_main: bool,
) {
    let (page, frame) = (page.downgrade(), frame.downgrade());
    let send = ffi::native_function_with_args(context, "sendFiles", move |args| {
        let (Some(page), Some(frame)) = (page.upgrade(), frame.upgrade()) else {
            return;
        };
        let (Some(json), Some(infos)) = (
            args.first().filter(|v| v.is_string()),
            args.get(1).filter(|v| v.is_string()),
        ) else {
            return;
        };
        let infos = infos.to_str().to_string();
        let Ok(parsed) = serde_json::from_str::<Vec<PageFileInfo>>(&infos) else {
            return;
        };
        let files = &args[2.min(args.len())..];
        if parsed.len() != files.len() || files.len() > webpane_ipc::MAX_FDS_PER_MESSAGE {
            return;
        }
        let mut sealed = Vec::with_capacity(files.len());
        for file in files {
            let bytes = match file.typed_array_get_data() {
                TypedArrayData::Uint8(bytes) => bytes,
                _ => return,
            };
            let Some(fd) = sealed_copy(bytes) else { return };
            sealed.push(fd);
        }
        let uri = frame.uri();
        let json = json.to_str();
        // The main frame's go on its document's direct channel when there is one.
        if is_main {
            let with_infos = sealed.into_iter().zip(parsed).collect();
            match crate::channel::send_files_from_page(page.id(), uri.clone(), json.to_string(), with_infos) {
                Ok(()) => {
                    crate::outbox::schedule(frame.js_context().as_ref());
                    return;
                }
                Err(back) => sealed = back.into_iter().map(|(fd, _)| fd).collect(),
            }
        }
        let list = gio::UnixFDList::new();
        for fd in &sealed {
            // The list holds a duplicate; ours closes here.
            if list.append(std::os::fd::AsRawFd::as_raw_fd(fd)).is_err() {
                return;
            }
        }
        drop(sealed);
        let parameters = (id, is_main, uri.as_str(), json.as_str(), infos.as_str()).to_variant();
        crate::outbox::send(
            &page,
            &ffi::user_message_with(WEB_MESSAGE_WITH_FILES, parameters, Some(list)),
        );
    });
    let define = context.evaluate(
        "(f => Object.defineProperty(window, '__webpaneSendFiles', { value: f, configurable: true, enumerable: false }))",
    );
    if let Some(define) = define.filter(|d| d.is_function()) {
        ffi::call(&define, &[&send]);
    }
    context.clear_exception();
}

/// The bytes in a new memfd sealed against every change.
fn sealed_copy(bytes: &[u8]) -> Option<OwnedFd> {
    use rustix::fs::{MemfdFlags, SealFlags};
    let fd = rustix::fs::memfd_create("webpane-page-file", MemfdFlags::CLOEXEC | MemfdFlags::ALLOW_SEALING).ok()?;
    let mut done = 0usize;
    while done < bytes.len() {
        match rustix::io::write(&fd, &bytes[done..]) {
            Ok(n) => done += n,
            Err(rustix::io::Errno::INTR) => continue,
            Err(_) => return None,
        }
    }
    rustix::fs::fcntl_add_seals(
        &fd,
        SealFlags::SHRINK | SealFlags::GROW | SealFlags::WRITE | SealFlags::SEAL,
    )
    .ok()?;
    Some(fd)
}
