//! Releasing a web process's memory the way WebKit does under memory pressure.
//!
//! WebKitGTK has no API for it: the web process's `WTF::MemoryPressureHandler` is what WebKit
//! itself calls when the system runs short (WebCore registered its caches, the back/forward
//! cache, font caches and a full JavaScript garbage collection with it). Its two symbols are
//! looked up at run time, so a WebKit build without them still loads the extension and only
//! the C library's free memory is given back.

use std::ffi::{CStr, c_void};

use webpane_ipc::webext::MemoryReleased;

/// `WTF::MemoryPressureHandler::singleton()`.
const SINGLETON: &CStr = c"_ZN3WTF21MemoryPressureHandler9singletonEv";
/// `WTF::MemoryPressureHandler::releaseMemory(WTF::Critical, WTF::Synchronous)`.
const RELEASE_MEMORY: &CStr = c"_ZN3WTF21MemoryPressureHandler13releaseMemoryENS_8CriticalENS_11SynchronousE";

type Singleton = unsafe extern "C" fn() -> *mut c_void;
/// `this`, then two `enum class : bool` arguments (`Critical::Yes`, `Synchronous::Yes` are 1).
type ReleaseMemory = unsafe extern "C" fn(*mut c_void, bool, bool);

fn symbol(name: &CStr) -> Option<*mut c_void> {
    // SAFETY: dlsym with the process's global scope and a NUL-terminated name only reads.
    let address = unsafe { libc::dlsym(libc::RTLD_DEFAULT, name.as_ptr()) };
    (!address.is_null()).then_some(address)
}

/// Releases what the process can spare, on the web process's main thread (the one WebKit's
/// handler runs on).
pub fn release_memory() -> MemoryReleased {
    let released = match (symbol(SINGLETON), symbol(RELEASE_MEMORY)) {
        (Some(singleton), Some(release)) => {
            // SAFETY: both addresses are WebKit's functions of the names above (C++ functions
            // whose Itanium ABI is the C one: `this` first, `bool`-sized enums by value). We are
            // on the web process's main thread, outside any JavaScript, where WebKit's own
            // memory-pressure timer calls it too.
            unsafe {
                let singleton: Singleton = std::mem::transmute::<*mut c_void, Singleton>(singleton);
                let release: ReleaseMemory = std::mem::transmute::<*mut c_void, ReleaseMemory>(release);
                release(singleton(), true, true);
            }
            MemoryReleased::Engine
        }
        _ => MemoryReleased::LibcOnly,
    };
    // SAFETY: malloc_trim only returns free heap memory to the system.
    unsafe { libc::malloc_trim(0) };
    released
}
