//! The extension's declared home of `unsafe` (allowed here, denied in the rest of the crate):
//! WebKit's web-process API, which no Rust binding covers (webkit2gtk-rs binds the UI-process side
//! only), JavaScriptCore's external buffers and native functions, WebKit's memory-pressure
//! handler, mappings at fixed addresses and
//! the fault handler. What it exports is safe to call: WebKit objects are typed once
//! ([`WebPage`], [`WebFrame`]), and memory shared with a page is owned here until
//! JavaScriptCore lets go of it ([`share_into_page`]).

mod entry;
mod jsc;
mod memory;
mod os;
mod webkit;

pub use jsc::{
    call, fill_array_buffer, forget_spares, native_function, native_function_with_args, share_into_page, unshare,
};
pub use memory::release_memory;
pub use os::install_fault_handler;
pub use webkit::{
    UriRequest, WeakFrame, WeakPage, WebFrame, WebPage, default_script_world, send_reply, user_message,
    user_message_with,
};
