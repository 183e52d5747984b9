//! `webpane-webext`: the web process extension of webpane.
//!
//! The runtime points WebKit's web-extensions directory at a folder holding this library, so
//! WebKit loads it into every WebKitWebProcess. It sees what the browser process cannot:
//!
//! - **frames**: every frame's window object as it is created (`window-object-cleared`); subframes
//!   are reported to the runtime (created, navigated, destroyed);
//! - **who sends a web message**: each frame's window gets a native function, bound to that
//!   `WebKitFrame`, that the `chrome.webview` shim takes before any page script runs; the runtime
//!   hears the frame and its URI from here, never from values page script built;
//! - **files**: open files from the app become file handles in page script, and files a page
//!   posts become sealed memfds for the app (no path either way);
//! - **per-frame scripts**: the runtime asks it to run a script in one frame (WebKitGTK's
//!   UI-process API can only reach the main frame); web messages to a frame go the same way.
//!
//! Messages with the runtime are WebKit user messages, described in [`webpane_ipc::webext`].
//! `unsafe` lives in `ffi/` only: denied everywhere else in the crate.

#![deny(unsafe_code)]
#![deny(unsafe_op_in_unsafe_fn)]

mod buffers;
mod channel;
mod drops;
mod extension;
mod fault;
#[allow(unsafe_code)]
mod ffi;
mod files;
mod frames;
mod intercept;
mod outbox;
mod shim;
