//! The webpane SDK: web pages hosted in a separate, crash-isolated browser process
//! (`webpane-runtime`, GTK3 + WebKitGTK 4.1), with no GTK, WebKit or GLib main loop in your app.
//!
//! - [`EventLoop`]: the UI thread's loop. Everything below is `!Send` and calls back on it, one
//!   callback at a time; re-entering the loop from a callback is an [`Error::Reentrancy`].
//! - [`Environment`]: a user data folder and its browser process, shared by every app that uses
//!   the same folder; raises `BrowserProcessExited` once that process and its children are gone.
//! - [`WebView`]: a page; navigation, `NavigationCompleted`, `ProcessFailed`.
//! - [`Deferral`]: answer an event later; dropping it answers.
//!
//! ```no_run
//! use webpane::{Environment, EventLoop, WebViewOptions};
//!
//! let event_loop = EventLoop::new()?;
//! let env = event_loop.wait(Environment::builder().build(&event_loop))?;
//! let webview = event_loop.wait(env.create_webview(WebViewOptions::headless(800, 600)))?;
//! let quit = event_loop.clone();
//! webview.on_navigation_completed(move |view, args| {
//!     println!("page loaded: {} (browser pid {})", args.is_success(), view.browser_process_id());
//!     quit.quit();
//! });
//! webview.navigate_to_string("<h1>Hello from webpane</h1>")?;
//! event_loop.run()?;
//! # Ok::<(), webpane::Error>(())
//! ```
//!
//! With another event loop: drive this one from it (its fd, [`AsFd`](std::os::fd::AsFd), and
//! [`EventLoop::dispatch`]). The examples `tokio_app` (tokio's `AsyncFd` in a `LocalSet`) and
//! `winit_app` (the page embedded in a winit window, winit woken by a watcher thread) show how;
//! SDK futures can be awaited from any executor.
//!
//! Shared memory and file handle types come from [`webpane_ipc`] and are re-exported here.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod browser_health;
mod cookie;
mod deferral;
mod downloads;
mod dragging;
mod environment;
mod error;
pub mod event_loop;
mod events;
mod feature_state;
mod find;
mod focus;
mod frame;
mod handlers;
mod host_objects;
mod kinds;
mod locate;
mod new_window;
mod non_client_regions;
mod notifications;
mod objects;
mod offscreen;
mod operation;
mod output;
mod page_channel;
mod page_files;
mod policy;
mod posted_buffers;
mod print_settings;
mod printing;
mod requests;
mod resources;
mod script_result;
mod settings;
mod shared_buffers;
mod surface;
mod suspension;
mod virtual_hosts;
mod web_error;
mod webview;
mod webview_options;
mod worker;

pub use cookie::{Cookie, SameSite};
pub use deferral::Deferral;
pub use downloads::{
    DownloadBytesReceivedChangedEventArgs, DownloadOperation, DownloadStartingEventArgs, DownloadState,
    DownloadStateChangedEventArgs,
};
pub use dragging::{DragData, DropEffect};
pub use environment::{
    BrowserProcessExitKind, BrowserProcessExitedEventArgs, DisplayBackend, EnvironmentBuilder, HardwareAcceleration,
    NewBrowserVersionAvailableEventArgs, ProcessInfo, ProcessInfosChangedEventArgs, ProcessKind,
};
pub use error::{Error, Result};
pub use event_loop::{EventLoop, LoopProxy};
pub use events::{
    ContentLoadingEventArgs, DocumentTitleChangedEventArgs, DomContentLoadedEventArgs, HistoryChangedEventArgs,
    NavigationCompletedEventArgs, ProcessFailedEventArgs, SourceChangedEventArgs, WebMessageReceivedEventArgs,
    WebViewClosedEventArgs,
};
pub use find::{FindActiveMatchIndexChangedEventArgs, FindMatchCountChangedEventArgs, FindOptions, MAX_FIND_MATCHES};
pub use focus::{
    AcceleratorKeyPressedEventArgs, GotFocusEventArgs, KeyEventKind, LostFocusEventArgs, MoveFocusReason,
    MoveFocusRequestedEventArgs,
};
pub use frame::{FrameCreatedEventArgs, FrameDestroyedEventArgs};
pub use handlers::EventToken;
pub use host_objects::{HostError, HostObject, HostReply, HostResult, HostValue, PropertySetter};
/// The `http` crate, whose types web resource requests and responses use.
pub use http;
pub use kinds::{CloseReason, ImageFormat, ProcessFailedKind, ProcessFailedReason};
pub use locate::{PROTOCOL_FILE, RUNTIME_DIRS_ENV, RUNTIME_ENV, RUNTIME_NAME, SYSTEM_RUNTIME_DIRS, find_runtime};
pub use new_window::NewWindowRequestedEventArgs;
pub use non_client_regions::{NonClientRegionChangedEventArgs, NonClientRegionKind, RegionRect};
pub use notifications::{Notification, NotificationCloseRequestedEventArgs, NotificationReceivedEventArgs};
pub use objects::DedicatedWorker;
pub use objects::{Environment, Frame, WebView};
pub use offscreen::{
    CursorChangedEventArgs, KeyInput, MAX_TEXT_INPUT, MAX_TOUCH_POINTS, MouseButton, MouseEventKind, MouseInput,
    OffscreenPicture, PictureReadyEventArgs, PictureRect, TextInputChangedEventArgs, TextInputPurpose,
    TooltipChangedEventArgs, TouchEventKind, TouchInput, modifiers,
};
pub use operation::Operation;
pub use output::{BrowsingData, CookieManager};
pub use page_files::{PageFile, ReceivedFile};
pub use policy::{
    BasicAuthenticationRequestedEventArgs, ClientCertificate, ClientCertificateRequestedEventArgs, ContextMenuItem,
    ContextMenuItemSelectedEventArgs, ContextMenuRequestedEventArgs, ContextMenuTarget,
    LaunchingExternalUriSchemeEventArgs, PermissionKind, PermissionRequestedEventArgs, PermissionSetting,
    PermissionState, ScriptDialogKind, ScriptDialogOpeningEventArgs, ServerCertificate, ServerCertificateErrorAction,
    ServerCertificateErrorDetectedEventArgs,
};
pub use posted_buffers::SharedBufferMappings;
pub use print_settings::{PrintColorMode, PrintDuplex, PrintSettings};
pub use printing::{PrintDialogKind, PrintStatus};
pub use resources::{
    CustomSchemeRegistration, RequestBody, ResponseBodyWriter, ResponseSlot, WebResourceRequest,
    WebResourceRequestedEventArgs, WebResourceResponse, WebResourceResponseReceivedEventArgs, WebResourceResponseView,
};
pub use script_result::{ExecuteScriptResult, ScriptException};
pub use settings::{PreferredColorScheme, ZoomFactorChangedEventArgs};
pub use shared_buffers::{SharedBufferAccess, SharedBufferPost};
pub use surface::{
    ContainsFullScreenElementChangedEventArgs, FaviconChangedEventArgs, IsDocumentPlayingAudioChangedEventArgs,
    IsMutedChangedEventArgs, StatusBarTextChangedEventArgs, WindowCloseRequestedEventArgs,
};
pub use suspension::MemoryUsageTargetLevel;
pub use virtual_hosts::HostResourceAccessKind;
pub use web_error::{WebError, WebErrorStatus};
pub use webpane_ipc::{FileForTransit, MemoryBuffer, SharedBuffer};
pub use webview::{NavigationStartingEventArgs, ScriptId};
pub use webview_options::{Bounds, WebViewOptions};
pub use worker::{DedicatedWorkerCreatedEventArgs, DedicatedWorkerDestroyingEventArgs};

/// The README's examples, compiled as doctests so they cannot go stale.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;
