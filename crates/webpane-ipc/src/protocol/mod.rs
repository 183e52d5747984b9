//! The messages between an app (the `webpane` SDK) and the browser process (`webpane-runtime`).
//!
//! Every connection starts with the transport handshake (protocol version), then the app sends
//! [`AppMessage::Hello`] with the options it needs the runtime to have; the runtime answers
//! [`RuntimeMessage::Welcome`] or [`RuntimeMessage::OptionsMismatch`] (and closes). After that the
//! app sends requests, each naming the webview it is about, and the runtime sends events.
//!
//! Webview ids are chosen by the app and are unique per connection; the runtime keys its views by
//! (connection, id), so one app can never name another's webview.

mod app;
mod channel;
mod downloads;
mod dragging;
mod offscreen;
mod options;
mod output;
mod policy;
mod process;
mod profile;
mod resources;
mod routing;
mod runtime;
pub(crate) mod script;
mod suspension;
mod view;

pub use app::AppMessage;
pub use channel::{AppToPage, PageToApp};
pub use downloads::{DownloadInfo, DownloadProgress, DownloadState};
pub use dragging::{DragInput, DropEffect, MAX_DRAG_TEXT};
pub use offscreen::{
    FrameInfo, FrameRect, InputEvent, KeyInput, MAX_TEXT_INPUT, MAX_TOUCH_POINTS, MouseButton, MouseEventKind,
    MouseInput, TextInputPurpose, TextInputState, TouchEventKind, TouchInput, modifiers,
};
pub use options::{CustomScheme, DisplayBackend, HardwareAcceleration, RESERVED_SCHEMES, RuntimeOptions};
pub use output::{ImageFormat, OutputTarget, PdfSettings, PrintColorMode, PrintDuplex, PrintOutcome, PrinterSettings};
pub use policy::{
    ContextMenuTarget, FindCommand, MenuItem, PermissionKind, PermissionSetting, PolicyAnswer, PolicyRequest,
    ScriptDialogKind,
};
pub use process::{ProcessFailedKind, ProcessFailedReason};
pub use profile::{BrowsingDataKinds, Cookie};
pub use resources::{
    HostResourceAccess, ResourceResponse, ResponseBody, is_http_token, validate_headers, validate_virtual_host,
};
pub use runtime::RuntimeMessage;
pub use script::{ScriptException, ScriptFailure};
pub use view::{
    AcceleratorKey, CloseReason, ColorScheme, FocusReason, FrameStage, MAX_VIEW_SIZE, MemoryUsageTargetLevel,
    NewWindowDecision, NotificationAction, Setting, ViewMode, ViewSettings, WebError, WebViewId,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scheme_names_are_checked() {
        let scheme = |name: &str| CustomScheme {
            name: name.into(),
            allowed_origins: vec![],
            treat_as_secure: false,
        };
        assert!(scheme("app").validate().is_ok());
        assert!(scheme("my-app+v1.2").validate().is_ok());
        for bad in ["", "App", "1app", "a b", "https", "file", "a:b", "a\0"] {
            assert!(scheme(bad).validate().is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn responses_are_checked() {
        let ok = ResourceResponse {
            status: 200,
            reason: "OK".into(),
            headers: vec![("Content-Type".into(), "text/html".into())],
            body: ResponseBody::Empty,
        };
        assert!(ok.validate().is_ok());
        let mut bad = ok.clone();
        bad.status = 99;
        assert!(bad.validate().is_err());
        let mut bad = ok.clone();
        bad.headers.push(("X Bad".into(), "v".into()));
        assert!(bad.validate().is_err());
        let mut bad = ok.clone();
        bad.headers.push(("X-Split".into(), "a\r\nSet-Cookie: x".into()));
        assert!(bad.validate().is_err());
        let mut bad = ok;
        bad.reason = "O\nK".into();
        assert!(bad.validate().is_err());
    }
}
