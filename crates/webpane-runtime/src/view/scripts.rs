//! Scripts the app runs in a page (WebView2's `ExecuteScript` and `ExecuteScriptWithResult`):
//! in the main frame through WebKit, or through the web process extension (subframes, and the
//! main frame when the exception is wanted in detail: JavaScriptCore's own name, message, line,
//! column and stack).

use gtk::prelude::*;
use javascriptcore::ValueExt;
use webkit2gtk::WebViewExt;
use webpane_ipc::protocol::{ScriptException, ScriptFailure};
use webpane_ipc::webext;

use super::extension::decode_reply;
use super::state::*;

/// What a script's callback gets: the result as JSON, or how it failed.
pub type ScriptDone = Box<dyn FnOnce(Result<String, ScriptFailure>)>;

/// Runs a script in a frame (`None`: the main frame) through the web process extension.
pub(crate) fn script_in_frame(webview: &webkit2gtk::WebView, frame: Option<u64>, script: &str, done: ScriptDone) {
    let request = webext::FrameScript {
        frame,
        script: script.to_owned(),
    };
    let json = serde_json::to_string(&request).unwrap_or_default();
    let message = webkit2gtk::UserMessage::new(webext::FRAME_SCRIPT, Some(&json.to_variant()));
    webview.send_message_to_page(&message, None::<&gio::Cancellable>, move |reply| {
        done(match decode_reply::<webext::ScriptOutcome>(reply) {
            Ok(webext::ScriptOutcome::Ok(json)) => Ok(json),
            Ok(webext::ScriptOutcome::Threw(exception)) => Err(ScriptFailure::Threw(exception)),
            Ok(webext::ScriptOutcome::Err(why)) => Err(ScriptFailure::Failed(why)),
            Err(e) => Err(ScriptFailure::Failed(crate::error::reason(&e))),
        })
    });
}

/// The exception in WebKit's message for a script that threw (`about:blank:1:28: TypeError:
/// boom`, lines and columns from 1), where the message has that form.
pub fn exception_of(message: &str) -> Option<ScriptException> {
    // The source URI may hold colons: the position is the first `:<digits>:<digits>: `.
    let bytes = message.as_bytes();
    let mut start = 0;
    while let Some(offset) = message[start..].find(':') {
        let colon = start + offset;
        let digits = |from: usize| {
            let end = from + bytes[from..].iter().take_while(|b| b.is_ascii_digit()).count();
            (end > from).then(|| (message[from..end].parse::<u32>().ok(), end))
        };
        if let Some((Some(line), after_line)) = digits(colon + 1)
            && bytes.get(after_line) == Some(&b':')
            && let Some((Some(column), after_column)) = digits(after_line + 1)
            && message[after_column..].starts_with(": ")
        {
            let text = &message[after_column + 2..];
            let (name, text) = match text.split_once(": ") {
                Some((name, rest))
                    if !name.is_empty()
                        && (name.ends_with("Error") || name.ends_with("Exception"))
                        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$') =>
                {
                    (name, rest)
                }
                _ => ("", text),
            };
            return Some(ScriptException {
                name: name.to_owned(),
                message: text.to_owned(),
                line: line.saturating_sub(1),
                column: column.saturating_sub(1),
                source_uri: message[..colon].to_owned(),
                stack: String::new(),
            });
        }
        start = colon + 1;
    }
    None
}

impl View {
    /// Runs a script in the page world of the main frame or of a subframe; `done` gets the
    /// result as JSON or how it failed. `with_result`: the main frame's exception in detail too
    /// (through the extension, when there is one).
    pub fn execute_script(&self, frame: Option<u64>, script: &str, with_result: bool, done: ScriptDone) {
        if let Some(frame) = frame {
            self.run_in_frame(frame, script, done);
            return;
        }
        if with_result && self.extension_missing.is_none() {
            script_in_frame(&self.webview, None, script, done);
            return;
        }
        self.webview
            .evaluate_javascript(script, None, None, None::<&gio::Cancellable>, move |result| {
                done(match result {
                    Ok(value) => Ok(value.to_json(0).map(|j| j.to_string()).unwrap_or_else(|| "null".into())),
                    Err(e) => {
                        let message = e.message().to_string();
                        Err(exception_of(&message).map_or(ScriptFailure::Failed(message), ScriptFailure::Threw))
                    }
                })
            });
    }

    pub(super) fn run_in_frame(&self, frame: u64, script: &str, done: ScriptDone) {
        if !self.frames.borrow().contains(&frame) {
            done(Err(ScriptFailure::Failed("the frame is gone".into())));
            return;
        }
        script_in_frame(&self.webview, Some(frame), script, done);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webkit_messages_give_the_exception() {
        let e = exception_of("about:blank:1:28: TypeError: boom: bang").unwrap();
        assert_eq!((e.source_uri.as_str(), e.line, e.column), ("about:blank", 0, 27));
        assert_eq!((e.name.as_str(), e.message.as_str()), ("TypeError", "boom: bang"));
        assert_eq!(e.to_string(), "about:blank:1:28: TypeError: boom: bang");
        let thrown = exception_of("https://h.test:8080/a:3:5: not an error").unwrap();
        assert_eq!(
            (thrown.source_uri.as_str(), thrown.name.as_str()),
            ("https://h.test:8080/a", "")
        );
        assert_eq!(thrown.message, "not an error");
        assert!(exception_of("no position here").is_none());
    }
}
