//! JavaScriptCore: native functions, calls, and memory shared with a page as an ArrayBuffer.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::os::fd::{AsFd, OwnedFd};
use std::sync::Mutex;

use glib::translate::{FromGlibPtrFull, FromGlibPtrNone, ToGlibPtr};

type NativeWithArgs = Box<dyn Fn(&[javascriptcore::Value])>;

unsafe extern "C" fn native_args_trampoline(args: *mut glib::ffi::GPtrArray, user_data: glib::ffi::gpointer) {
    // SAFETY: `user_data` is the Box<NativeWithArgs> owned by the function object (see
    // `native_function_with_args`); `args` is JSC's array of borrowed JSCValue pointers, alive
    // for the call.
    let (f, values) = unsafe {
        let f = &*(user_data as *const NativeWithArgs);
        let array = &*args;
        let values: Vec<javascriptcore::Value> = (0..array.len as usize)
            .map(|i| javascriptcore::Value::from_glib_none(*array.pdata.add(i) as *mut javascriptcore_rs_sys::JSCValue))
            .collect();
        (f, values)
    };
    f(&values);
}

unsafe extern "C" fn native_args_destroy(user_data: glib::ffi::gpointer) {
    // SAFETY: called once by JSC when the function object dies; the box was leaked for it.
    drop(unsafe { Box::from_raw(user_data as *mut NativeWithArgs) });
}

/// A JavaScript function taking any arguments that calls `f` with them (on the web process's
/// main thread) and returns `undefined`.
pub fn native_function_with_args(
    context: &javascriptcore::Context,
    name: &str,
    f: impl Fn(&[javascriptcore::Value]) + 'static,
) -> javascriptcore::Value {
    let user_data = Box::into_raw(Box::new(Box::new(f) as NativeWithArgs));
    // A variadic callback is `void (*)(GPtrArray *args, gpointer user_data)` for G_TYPE_NONE.
    let callback: unsafe extern "C" fn(*mut glib::ffi::GPtrArray, glib::ffi::gpointer) = native_args_trampoline;
    // SAFETY: the callback signature matches a variadic function returning G_TYPE_NONE; JSC
    // owns the box and frees it through `native_args_destroy`.
    unsafe {
        javascriptcore::Value::from_glib_full(javascriptcore_rs_sys::jsc_value_new_function_variadic(
            context.to_glib_none().0,
            name.to_glib_none().0,
            Some(std::mem::transmute::<
                unsafe extern "C" fn(*mut glib::ffi::GPtrArray, glib::ffi::gpointer),
                unsafe extern "C" fn(),
            >(callback)),
            user_data as glib::ffi::gpointer,
            Some(native_args_destroy),
            glib::gobject_ffi::G_TYPE_NONE,
        ))
    }
}

/// A JavaScript function of no arguments that calls `f` (on the web process's main thread).
pub fn native_function(context: &javascriptcore::Context, name: &str, f: impl Fn() + 'static) -> javascriptcore::Value {
    native_function_with_args(context, name, move |_| f())
}

/// Calls a JavaScript function with arguments.
pub fn call(function: &javascriptcore::Value, args: &[&javascriptcore::Value]) -> Option<javascriptcore::Value> {
    let mut raw: Vec<*mut javascriptcore_rs_sys::JSCValue> = args.iter().map(|a| a.to_glib_none().0).collect();
    // SAFETY: live values; JSC references the parameters for the call only; result transfer full.
    unsafe {
        let result = javascriptcore_rs_sys::jsc_value_function_callv(
            function.to_glib_none().0,
            raw.len() as u32,
            raw.as_mut_ptr(),
        );
        (!result.is_null()).then(|| javascriptcore::Value::from_glib_full(result))
    }
}

/// The storage of an ArrayBuffer: its address and length.
fn array_buffer_data(value: &javascriptcore::Value) -> Option<(usize, usize)> {
    let mut size: usize = 0;
    // SAFETY: `value` is a live JSCValue; for a non-ArrayBuffer the call returns NULL. The
    // address is only used as a number (to place a mapping inside the buffer).
    let data = unsafe { javascriptcore_rs_sys::jsc_value_array_buffer_get_data(value.to_glib_none().0, &mut size) };
    (!data.is_null()).then_some((data as usize, size))
}

/// Lets `fill` write into an ArrayBuffer's storage (one made by page script, so inside JSC's
/// heap); `None` if `value` is not an ArrayBuffer.
pub fn fill_array_buffer<R>(value: &javascriptcore::Value, fill: impl FnOnce(&mut [u8]) -> R) -> Option<R> {
    let (addr, len) = array_buffer_data(value)?;
    if len == 0 {
        return Some(fill(&mut []));
    }
    // SAFETY: `value` keeps the ArrayBuffer alive for the call, its storage is `len` bytes at
    // `addr` and does not move; no script runs while `fill` does (we are inside a native call on
    // the web process's main thread), so nothing else reads or writes the storage meanwhile.
    let bytes = unsafe { std::slice::from_raw_parts_mut(addr as *mut u8, len) };
    Some(fill(bytes))
}

type OnFree = Box<dyn FnOnce() + Send>;

unsafe extern "C" fn free_trampoline(user_data: glib::ffi::gpointer) {
    // SAFETY: `user_data` is the Box<OnFree> leaked in `external_array_buffer`, handed back by
    // JSC exactly once.
    let on_free = unsafe { Box::from_raw(user_data as *mut OnFree) };
    on_free();
}

/// An ArrayBuffer over `len` bytes at `addr`, which must lie inside memory JSC allocated (the
/// gigacage: JSC aborts the process for buffers outside it). `on_free` runs when JSC drops the
/// buffer's contents (possibly during garbage collection: it must not call into JSC).
///
/// # Safety
/// `[addr, addr + len)` must stay mapped, readable (and writable unless read-only is intended)
/// until `on_free` runs.
unsafe fn external_array_buffer(
    context: &javascriptcore::Context,
    addr: usize,
    len: usize,
    on_free: impl FnOnce() + Send + 'static,
) -> Option<javascriptcore::Value> {
    let user_data = Box::into_raw(Box::new(Box::new(on_free) as OnFree));
    // SAFETY: the caller guarantees the memory; JSC calls `free_trampoline` once with our box.
    unsafe {
        let raw = javascriptcore_rs_sys::jsc_value_new_array_buffer(
            context.to_glib_none().0,
            addr as glib::ffi::gpointer,
            len,
            Some(free_trampoline),
            user_data as glib::ffi::gpointer,
        );
        if raw.is_null() {
            drop(Box::from_raw(user_data));
            None
        } else {
            Some(javascriptcore::Value::from_glib_full(raw))
        }
    }
}

/// Shared memory inside a page's JavaScript heap, owned here until JavaScriptCore lets go of the
/// page's buffer over it.
struct Held {
    /// The ArrayBuffer whose storage the mapping sits in: alive as long as the mapping is.
    holder: Spare,
    /// The document (page and frame) it was made for.
    owner: Owner,
    addr: usize,
    len: usize,
    /// Whether the shared memory is still mapped (else private zeros are there).
    shared: bool,
}

/// Whose document a holder belongs to: a page id and a frame id.
pub type Owner = (u64, u64);

/// A holder ArrayBuffer and its storage (address, length).
struct Spare {
    /// Kept alive: its storage is where the mappings go.
    _value: javascriptcore::Value,
    data: usize,
    data_len: usize,
}

impl Spare {
    /// Where a mapping of `len` bytes (whole pages) would go in it, if it fits without wasting
    /// more than it holds.
    fn place(&self, len: usize, page_size: usize) -> Option<usize> {
        let addr = self.data.next_multiple_of(page_size);
        (addr + len <= self.data + self.data_len && self.data_len <= 2 * (len + page_size)).then_some(addr)
    }
}

/// Holders kept for reuse per document: at most this many.
const SPARES: usize = 4;

thread_local! {
    static HELD: RefCell<HashMap<u64, Held>> = RefCell::new(HashMap::new());
    /// Holders whose page buffer JSC has freed (private zeros inside), kept per document for the
    /// next post: a new holder is a new ArrayBuffer of the buffer's size each time (zeroed
    /// memory and garbage collector pressure, the cost of a post otherwise).
    static SPARE: RefCell<HashMap<Owner, Vec<Spare>>> = RefCell::new(HashMap::new());
    /// When a document's spares were last forgotten (the next key then), per frame and per page:
    /// a holder made before that belongs to a gone document and is never kept.
    static FORGOTTEN: RefCell<(HashMap<Owner, u64>, HashMap<u64, u64>)> = RefCell::new(Default::default());
    static NEXT_KEY: Cell<u64> = const { Cell::new(1) };
}

/// Page buffers JSC freed (maybe during garbage collection, maybe on another thread), with whom
/// to tell; drained from the main loop.
static FREED: Mutex<Vec<Freed>> = Mutex::new(Vec::new());

/// A page buffer JSC freed: the key of its memory, and whom to tell.
type Freed = (u64, fn(u64));

/// Memory shared with a page (see [`share_into_page`]).
pub struct SharedInPage {
    /// Names it for [`unshare`] and the `on_gone` callback.
    pub key: u64,
    /// The page's ArrayBuffer over it.
    pub buffer: javascriptcore::Value,
    /// Where it lies in this process (page-aligned), for the read-only fault watch.
    pub addr: usize,
    /// Its length, rounded up to pages.
    pub len: usize,
}

/// Maps the shared memory `fd` (`size` bytes) into `context`'s JavaScript heap and makes an
/// ArrayBuffer over it, with no copy. JavaScriptCore accepts buffers only inside its own heap,
/// so the memory is mapped (`MAP_SHARED | MAP_FIXED`) over the page-aligned inside of a holder
/// ArrayBuffer that no script can reach. The memory is held here until JavaScriptCore frees the
/// page's buffer (whoever holds it then, a transfer included); then, from the main loop,
/// `on_gone(key)` runs and the holder goes back to JavaScriptCore.
pub fn share_into_page(
    context: &javascriptcore::Context,
    owner: Owner,
    fd: OwnedFd,
    size: usize,
    writable: bool,
    on_gone: fn(u64),
) -> Result<SharedInPage, String> {
    use javascriptcore::{ContextExt, ExceptionExt};
    if size == 0 {
        return Err("an empty buffer".into());
    }
    let page_size = rustix::param::page_size();
    let len = size.div_ceil(page_size) * page_size;
    let spare = SPARE.with(|s| {
        let mut spares = s.borrow_mut();
        let list = spares.get_mut(&owner)?;
        let at = list.iter().position(|spare| spare.place(len, page_size).is_some())?;
        Some(list.swap_remove(at))
    });
    let holder = match spare {
        Some(spare) => spare,
        None => {
            context.clear_exception();
            let value = context
                .evaluate(&format!("new ArrayBuffer({})", len + page_size))
                .filter(|_| context.exception().is_none())
                .ok_or_else(|| {
                    let why = context.exception().map(|e| e.to_str().to_string()).unwrap_or_default();
                    context.clear_exception();
                    format!("the page cannot hold {size} more bytes {why}")
                })?;
            let (data, data_len) = array_buffer_data(&value).ok_or("no holder storage")?;
            Spare {
                _value: value,
                data,
                data_len,
            }
        }
    };
    let addr = holder.data.next_multiple_of(page_size);
    if addr + len > holder.data + holder.data_len {
        return Err("the holder is too small".into());
    }
    // SAFETY: the range is page-aligned and inside the holder's storage, which is kept alive
    // with the mapping and which no script can reach (the holder never leaves this module).
    unsafe { super::os::map_shared_at(addr, len, fd.as_fd(), writable) }.map_err(|e| format!("mmap: {e}"))?;
    drop(fd);
    let key = NEXT_KEY.with(|k| k.replace(k.get() + 1));
    HELD.with(|h| {
        h.borrow_mut().insert(
            key,
            Held {
                holder,
                owner,
                addr,
                len,
                shared: true,
            },
        )
    });
    // SAFETY: the range stays mapped (shared, then private zeros after `unshare`) while its
    // `Held` lives, and that is removed only in `drain_freed`, after JSC freed this buffer.
    let buffer = unsafe { external_array_buffer(context, addr, size, move || freed(key, on_gone)) };
    match buffer {
        Some(buffer) => Ok(SharedInPage { key, buffer, addr, len }),
        None => {
            // No page buffer exists: the memory can go at once.
            unshare(key);
            HELD.with(|h| h.borrow_mut().remove(&key));
            Err("JSC refused the buffer".into())
        }
    }
}

/// Puts private zero pages over the shared memory of `key`: it leaves this process at once,
/// and anything in the page still pointing there reads zeros instead of faulting. False when it
/// was not shared any more (or is unknown).
pub fn unshare(key: u64) -> bool {
    HELD.with(|h| {
        let mut held = h.borrow_mut();
        let Some(held) = held.get_mut(&key).filter(|h| h.shared) else {
            return false;
        };
        held.shared = false;
        // SAFETY: our own mapping, inside the holder `held` keeps alive.
        if let Err(e) = unsafe { super::os::unmap_shared_at(held.addr, held.len) } {
            eprintln!(
                "webpane-webext[{}]: could not unmap a shared buffer: {e}",
                std::process::id()
            );
        }
        true
    })
}

/// JSC freed a page buffer's contents: only note it (no JSC call may happen here).
fn freed(key: u64, on_gone: fn(u64)) {
    let first = {
        let mut freed = FREED.lock().unwrap_or_else(|p| p.into_inner());
        freed.push((key, on_gone));
        freed.len() == 1
    };
    if first {
        glib::MainContext::default().invoke(drain_freed);
    }
}

fn drain_freed() {
    let gone: Vec<Freed> = std::mem::take(&mut *FREED.lock().unwrap_or_else(|p| p.into_inner()));
    for (key, on_gone) in gone {
        on_gone(key);
        unshare(key);
        // The holder (private zeros now) is kept for the document's next post, or goes back to
        // JSC.
        let Some(held) = HELD.with(|h| h.borrow_mut().remove(&key)) else {
            continue;
        };
        let gone = FORGOTTEN.with(|f| {
            let f = f.borrow();
            f.0.get(&held.owner).is_some_and(|at| key < *at) || f.1.get(&held.owner.0).is_some_and(|at| key < *at)
        });
        if held.shared || gone {
            continue; // still mapped (could not unmap), or its document is gone: never reused
        }
        SPARE.with(|s| {
            let mut spares = s.borrow_mut();
            let list = spares.entry(held.owner).or_default();
            if list.len() < SPARES {
                list.push(held.holder);
            }
        });
    }
}

/// A document is gone (its frame navigated or went away; `frame` `None`: the whole page): its
/// spare holders go back to JSC (they would keep its script context alive).
pub fn forget_spares(page: u64, frame: Option<u64>) {
    let now = NEXT_KEY.with(Cell::get);
    FORGOTTEN.with(|f| {
        let mut f = f.borrow_mut();
        match frame {
            Some(frame) => f.0.insert((page, frame), now),
            None => f.1.insert(page, now),
        }
    });
    SPARE.with(|s| {
        s.borrow_mut()
            .retain(|(p, f), _| *p != page || frame.is_some_and(|frame| frame != *f))
    });
}
