//! [`WebView::execute_script_with_result`]: a script's result, or the exception it threw with
//! its name, message, line, column and stack (WebView2's `ExecuteScriptWithResult`).

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::rc::Rc;

use webpane_ipc::protocol::{AppMessage, ScriptFailure};

use crate::error::{Error, Result};
use crate::objects::WebView;
use crate::operation::Operation;

/// A JavaScript exception a script threw (WebView2's `CoreWebView2ScriptException`).
#[doc(alias = "CoreWebView2ScriptException")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptException(webpane_ipc::protocol::ScriptException);

impl ScriptException {
    /// The exception's class name (`TypeError`; empty for a thrown value that is no error).
    #[doc(alias = "Name")]
    pub fn name(&self) -> &str {
        &self.0.name
    }

    /// Its message (for a thrown value that is no error: the value as text).
    #[doc(alias = "Message")]
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// The line it was thrown at, from 0 (as in WebView2).
    #[doc(alias = "LineNumber")]
    pub fn line_number(&self) -> u32 {
        self.0.line
    }

    /// The column it was thrown at, from 0 (as in WebView2).
    #[doc(alias = "ColumnNumber")]
    pub fn column_number(&self) -> u32 {
        self.0.column
    }

    /// The script's source URI (the document's, for a script the app ran).
    pub fn source_uri(&self) -> &str {
        &self.0.source_uri
    }

    /// The stack, as the engine writes it (may be empty).
    pub fn stack(&self) -> &str {
        &self.0.stack
    }

    /// Every detail as JSON (`{"name", "message", "lineNumber", "columnNumber", "sourceUri",
    /// "stack"}`; WebView2's `ToJson` has Chromium's own shape).
    #[doc(alias = "ToJson")]
    pub fn to_json(&self) -> String {
        serde_json::json!({
            "name": self.0.name,
            "message": self.0.message,
            "lineNumber": self.0.line,
            "columnNumber": self.0.column,
            "sourceUri": self.0.source_uri,
            "stack": self.0.stack,
        })
        .to_string()
    }
}

impl std::fmt::Display for ScriptException {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// What [`WebView::execute_script_with_result`] gives: the result, or the exception
/// (WebView2's `CoreWebView2ExecuteScriptResult`).
#[doc(alias = "CoreWebView2ExecuteScriptResult")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecuteScriptResult {
    outcome: std::result::Result<String, ScriptException>,
}

impl ExecuteScriptResult {
    /// Whether the script ran without an unhandled exception.
    #[doc(alias = "Succeeded")]
    pub fn succeeded(&self) -> bool {
        self.outcome.is_ok()
    }

    /// The result as JSON (`"null"` for `undefined`; `"null"` too when the script threw).
    #[doc(alias = "ResultAsJson")]
    pub fn result_as_json(&self) -> &str {
        self.outcome.as_deref().unwrap_or("null")
    }

    /// The result, if the script succeeded and gave a string.
    #[doc(alias = "TryGetResultAsString")]
    pub fn try_get_result_as_string(&self) -> Option<String> {
        match serde_json::from_str::<serde_json::Value>(self.outcome.as_ref().ok()?) {
            Ok(serde_json::Value::String(s)) => Some(s),
            _ => None,
        }
    }

    /// The exception, if the script threw.
    #[doc(alias = "Exception")]
    pub fn exception(&self) -> Option<&ScriptException> {
        self.outcome.as_ref().err()
    }
}

/// The requests of this view that want an [`ExecuteScriptResult`] (the others a `String`).
#[derive(Default)]
struct WithResult(RefCell<BTreeSet<u64>>);

impl WebView {
    fn with_result(&self) -> Rc<WithResult> {
        self.inner.features.get()
    }

    /// Runs `script` in the main frame and completes with its result or, if it threw, the
    /// exception in detail: name, message, line and column (from 0), source URI and stack,
    /// as JavaScriptCore reports them (WebView2's `ExecuteScriptWithResult`). A script that
    /// could not run at all (the browser process or the page went away) is an error.
    #[doc(alias = "ExecuteScriptWithResultAsync")]
    pub fn execute_script_with_result(&self, script: &str) -> Operation<ExecuteScriptResult> {
        let (request, op) = self.inner.requests.open::<ExecuteScriptResult>();
        self.with_result().0.borrow_mut().insert(request);
        let sent = self.request(AppMessage::ExecuteScript {
            id: self.inner.id,
            frame: None,
            request,
            script: script.to_owned(),
            with_result: true,
        });
        if let Err(e) = sent {
            self.with_result().0.borrow_mut().remove(&request);
            self.inner.requests.fail(request, e);
        }
        op
    }

    /// A script's answer from the browser process.
    pub(crate) fn script_result(&self, request: u64, result: std::result::Result<String, ScriptFailure>) {
        if self.with_result().0.borrow_mut().remove(&request) {
            let result: Result<ExecuteScriptResult> = match result {
                Ok(json) => Ok(ExecuteScriptResult { outcome: Ok(json) }),
                Err(ScriptFailure::Threw(e)) => Ok(ExecuteScriptResult {
                    outcome: Err(ScriptException(e)),
                }),
                Err(ScriptFailure::Failed(why)) => Err(Error::Script(why)),
            };
            self.inner.requests.resolve(request, result);
        } else {
            self.inner
                .requests
                .resolve(request, result.map_err(|e| Error::Script(e.to_string())));
        }
    }
}
