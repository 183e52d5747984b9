//! Event arguments of [`WebView`](crate::WebView) events beyond the process and navigation-start
//! ones. All are `!Send`: they belong to the UI thread like the webview that raised them.

use std::marker::PhantomData;
use std::rc::Rc;

use crate::kinds::{CloseReason, ProcessFailedKind, ProcessFailedReason};
use crate::web_error::{WebError, WebErrorStatus};

use crate::error::{Error, Result};

macro_rules! ui_args {
    ($(#[$doc:meta])* $name:ident { $($(#[$fdoc:meta])* $field:ident : $ty:ty),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub struct $name {
            $(pub(crate) $field: $ty,)*
            pub(crate) _ui_thread: PhantomData<Rc<()>>,
        }
        impl $name {
            #[allow(dead_code)]
            pub(crate) fn new($($field: $ty),*) -> Self {
                Self { $($field,)* _ui_thread: PhantomData }
            }
        }
    };
}

ui_args!(
    /// Arguments of [`WebView::on_navigation_completed`](crate::WebView::on_navigation_completed).
    NavigationCompletedEventArgs { navigation_id: u64, is_success: bool, error: Option<WebError>, http_status_code: u16 }
);
ui_args!(
    /// Arguments of [`WebView::on_process_failed`](crate::WebView::on_process_failed).
    ProcessFailedEventArgs {
        kind: ProcessFailedKind,
        reason: ProcessFailedReason,
        process_id: Option<u32>,
        exit_code: Option<i32>,
        signal: Option<i32>,
        process_description: String,
    }
);
ui_args!(
    /// Arguments of [`WebView::on_content_loading`](crate::WebView::on_content_loading): the new
    /// document started to arrive.
    ContentLoadingEventArgs { navigation_id: u64 }
);
ui_args!(
    /// Arguments of [`WebView::on_source_changed`](crate::WebView::on_source_changed).
    SourceChangedEventArgs { source: String }
);
ui_args!(
    /// Arguments of [`WebView::on_history_changed`](crate::WebView::on_history_changed).
    HistoryChangedEventArgs { can_go_back: bool, can_go_forward: bool }
);
ui_args!(
    /// Arguments of [`WebView::on_document_title_changed`](crate::WebView::on_document_title_changed).
    DocumentTitleChangedEventArgs { title: String }
);
ui_args!(
    /// Arguments of [`WebView::on_dom_content_loaded`](crate::WebView::on_dom_content_loaded).
    DomContentLoadedEventArgs { navigation_id: u64 }
);
ui_args!(
    /// Arguments of [`WebView::on_web_message_received`](crate::WebView::on_web_message_received):
    /// what a page sent with `chrome.webview.postMessage`.
    WebMessageReceivedEventArgs {
        source: String,
        json: String,
        frame: Option<crate::objects::Frame>,
        files: Rc<Vec<crate::page_files::ReceivedFile>>,
    }
);

ui_args!(
    /// Arguments of [`WebView::on_closed`](crate::WebView::on_closed).
    WebViewClosedEventArgs { reason: CloseReason }
);

impl WebViewClosedEventArgs {
    /// Why the browser process closed the webview.
    pub fn reason(&self) -> CloseReason {
        self.reason
    }
}

impl ContentLoadingEventArgs {
    /// The navigation this belongs to.
    pub fn navigation_id(&self) -> u64 {
        self.navigation_id
    }
}

impl SourceChangedEventArgs {
    /// The new URI of the document.
    pub fn source(&self) -> &str {
        &self.source
    }
}

impl HistoryChangedEventArgs {
    /// Whether there is a page to go back to.
    pub fn can_go_back(&self) -> bool {
        self.can_go_back
    }
    /// Whether there is a page to go forward to.
    pub fn can_go_forward(&self) -> bool {
        self.can_go_forward
    }
}

impl DocumentTitleChangedEventArgs {
    /// The new title.
    pub fn title(&self) -> &str {
        &self.title
    }
}

impl DomContentLoadedEventArgs {
    /// The navigation this belongs to.
    pub fn navigation_id(&self) -> u64 {
        self.navigation_id
    }
}

impl WebMessageReceivedEventArgs {
    /// The URI of the document that sent the message (WebView2's `Source`).
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The iframe that sent the message, or `None` for the main document.
    pub fn frame(&self) -> Option<&crate::objects::Frame> {
        self.frame.as_ref()
    }

    /// The files the page posted with `chrome.webview.postMessageWithAdditionalObjects`, in
    /// order (WebView2's `AdditionalObjects`); empty for `postMessage`.
    #[doc(alias = "AdditionalObjects")]
    pub fn additional_objects(&self) -> &[crate::page_files::ReceivedFile] {
        &self.files
    }

    /// The message as JSON (what the page passed to `postMessage`, through `JSON.stringify`).
    pub fn web_message_as_json(&self) -> &str {
        &self.json
    }

    /// The message as your type (any `serde::Deserialize`), or [`Error::WebMessageFormat`]
    /// saying why it is not one.
    #[doc(alias = "WebMessageAsJson")]
    pub fn web_message<T: serde::de::DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_str(&self.json).map_err(|e| Error::WebMessageFormat {
            expected: std::any::type_name::<T>(),
            reason: e.to_string(),
        })
    }

    /// The message, if the page posted a string; [`Error::NotAString`] otherwise.
    #[doc(alias = "TryGetWebMessageAsString")]
    pub fn web_message_as_string(&self) -> Result<String> {
        match serde_json::from_str::<serde_json::Value>(&self.json) {
            Ok(serde_json::Value::String(s)) => Ok(s),
            _ => Err(Error::NotAString),
        }
    }
}

impl NavigationCompletedEventArgs {
    /// Counts this webview's navigations from 1; ties a navigation's events together.
    pub fn navigation_id(&self) -> u64 {
        self.navigation_id
    }
    /// Whether the page loaded: false for a failure, and, as in WebView2, for an http(s) answer
    /// of 400 or more (the server's error page shows; [`web_error`](Self::web_error) holds the
    /// status).
    pub fn is_success(&self) -> bool {
        self.is_success
    }
    /// The HTTP status of the document's response (WebView2's `HttpStatusCode`): 200, 404, …;
    /// 0 when the navigation involved no HTTP response (`data:`, `file:`, a custom scheme, a
    /// same-document navigation, or a failure before any answer).
    #[doc(alias = "HttpStatusCode")]
    pub fn http_status_code(&self) -> u16 {
        self.http_status_code
    }
    /// Why it did not (the engine's error domain, code and message).
    pub fn web_error(&self) -> Option<&WebError> {
        self.error.as_ref()
    }
    /// WebView2's classification of the failure (`None` on success).
    pub fn web_error_status(&self) -> Option<WebErrorStatus> {
        self.error.as_ref().map(WebError::status)
    }
}

impl ProcessFailedEventArgs {
    /// Which process failed.
    pub fn kind(&self) -> ProcessFailedKind {
        self.kind
    }
    /// Why. For the browser process: `Terminated` when it was killed (SIGKILL, SIGTERM),
    /// `Crashed` for another signal, `Unexpected` otherwise or when unknown (only the app that
    /// started the browser process can see how it ended).
    pub fn reason(&self) -> ProcessFailedReason {
        self.reason
    }
    /// The failed process's id, when known.
    pub fn process_id(&self) -> Option<u32> {
        self.process_id
    }
    /// Its exit code, when known (the app that started a browser process learns it).
    pub fn exit_code(&self) -> Option<i32> {
        self.exit_code
    }
    /// The signal that ended it, when known.
    pub fn signal(&self) -> Option<i32> {
        self.signal
    }
    /// What the process was (`webpane-runtime`, `WebKitWebProcess`).
    pub fn process_description(&self) -> &str {
        &self.process_description
    }
}

/// A value as JSON for a web message; a value JSON cannot express is an invalid argument.
pub(crate) fn to_json<T: serde::Serialize + ?Sized>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| Error::InvalidArgument(format!("the web message cannot be JSON: {e}")))
}
