//! Web messages from pages (`chrome.webview.postMessage`): who sent them, whether they are JSON,
//! and the acknowledgements that let the sending frame send more (flow control).
//!
//! Messages come from webpane's web process extension as [`webext::WEB_MESSAGE`] user messages.
//! The sender's frame and URI in them come from WebKit (the `WebKitFrame` whose script context
//! called), not from anything page script built (DESIGN.md §10): a hostile iframe cannot make its
//! messages appear to come from the main frame or from another origin.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use webpane_ipc::webext;

/// A web message as the web process extension reported it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageMessage {
    /// The sending frame's WebKit id (unique within its web process).
    pub frame: u64,
    /// Whether the sender is the main frame.
    pub is_main: bool,
    /// The sending document's URI (from WebKit).
    pub source: String,
    /// The message, as JSON made by the page.
    pub json: String,
}

/// A message from the web process extension that is not what the extension sends (a page
/// that reached the extension's sender directly, or a bug): dropped with this reason.
#[derive(Debug, thiserror::Error)]
pub enum MalformedMessage {
    /// No parameters at all.
    #[error("{0} without parameters")]
    NoParameters(&'static str),
    /// Parameters of another GVariant type.
    #[error("{what} of type {found} (expected {expected})")]
    WrongType {
        /// What was expected.
        what: &'static str,
        /// The type that came.
        found: String,
        /// The type expected.
        expected: &'static str,
    },
    /// The files' descriptions are not JSON of the right shape.
    #[error("the files' descriptions")]
    FileInfos(#[source] serde_json::Error),
    /// Files described but no fds sent.
    #[error("a web message with files but no fds")]
    NoFds,
    /// A different number of fds and descriptions, or too many.
    #[error("the files and their descriptions do not match")]
    FilesMismatch,
    /// An fd of the list cannot be taken.
    #[error("a file's fd is missing")]
    MissingFd,
    /// An fd that cannot be sent on.
    #[error("a page's file")]
    File(#[source] webpane_ipc::HandleError),
    /// The message is not JSON.
    #[error("the message is not JSON ({0})")]
    NotJson(String),
}

/// Decodes a [`webext::WEB_MESSAGE`]'s parameters (a `(tbss)` tuple).
///
/// Anything else (another type, no parameters) is refused with a reason; nothing here can panic.
pub fn decode(parameters: Option<&glib::Variant>) -> Result<PageMessage, MalformedMessage> {
    let parameters = parameters.ok_or(MalformedMessage::NoParameters("a web message"))?;
    let (frame, is_main, source, json) =
        parameters
            .get::<(u64, bool, String, String)>()
            .ok_or_else(|| MalformedMessage::WrongType {
                what: "a web message",
                found: parameters.type_().to_string(),
                expected: webext::WEB_MESSAGE_TYPE,
            })?;
    Ok(PageMessage {
        frame,
        is_main,
        source,
        json,
    })
}

/// Decodes a [`webext::PAGE_MESSAGES`] batch: each entry's message name and the message. A
/// batch of another type is refused with a reason.
pub fn decode_batch(parameters: Option<&glib::Variant>) -> Result<Vec<(String, PageMessage)>, MalformedMessage> {
    let parameters = parameters.ok_or(MalformedMessage::NoParameters("a batch of page messages"))?;
    let entries = parameters
        .get::<Vec<(String, u64, bool, String, String)>>()
        .ok_or_else(|| MalformedMessage::WrongType {
            what: "a batch of page messages",
            found: parameters.type_().to_string(),
            expected: webext::PAGE_MESSAGES_TYPE,
        })?;
    Ok(entries
        .into_iter()
        .map(|(name, frame, is_main, source, json)| {
            let message = PageMessage {
                frame,
                is_main,
                source,
                json,
            };
            (name, message)
        })
        .collect())
}

/// Decodes a [`webext::WEB_MESSAGE_WITH_FILES`]: the message, and each file (a sealed memfd from
/// the extension) with what the page said of it. Anything malformed is refused with a reason.
pub fn decode_with_files(
    parameters: Option<&glib::Variant>,
    fds: Option<gio::UnixFDList>,
) -> Result<(PageMessage, Vec<(webpane_ipc::FileForTransit, webext::PageFileInfo)>), MalformedMessage> {
    let parameters = parameters.ok_or(MalformedMessage::NoParameters("a web message with files"))?;
    let (frame, is_main, source, json, infos) =
        parameters
            .get::<(u64, bool, String, String, String)>()
            .ok_or_else(|| MalformedMessage::WrongType {
                what: "a web message with files",
                found: parameters.type_().to_string(),
                expected: "(tbsss)",
            })?;
    let infos: Vec<webext::PageFileInfo> = serde_json::from_str(&infos).map_err(MalformedMessage::FileInfos)?;
    let fds = fds.ok_or(MalformedMessage::NoFds)?;
    if gio::prelude::UnixFDListExt::length(&fds) as usize != infos.len()
        || infos.len() > webpane_ipc::MAX_FDS_PER_MESSAGE
    {
        return Err(MalformedMessage::FilesMismatch);
    }
    let mut files = Vec::new();
    for (index, info) in infos.into_iter().enumerate() {
        let fd = webpane_glib::take_fd(&fds, index as i32).ok_or(MalformedMessage::MissingFd)?;
        let file = webpane_ipc::FileForTransit::take(fd).map_err(MalformedMessage::File)?;
        files.push((file, info));
    }
    let message = PageMessage {
        frame,
        is_main,
        source,
        json,
    };
    Ok((message, files))
}

/// Checks that a page's message is JSON: the page's `JSON.stringify` made it, but the page may
/// have replaced that.
pub fn check_json(json: &str) -> Result<(), MalformedMessage> {
    webpane_ipc::validate::json_text(json).map_err(|e| MalformedMessage::NotJson(e.to_string()))
}

/// How long acknowledgements wait to be told together (a page has thousands of messages in
/// flight before it waits for one).
const ACK_DELAY: std::time::Duration = std::time::Duration::from_millis(1);
/// A frame with this many unacknowledged messages hears at once.
const ACK_AT_ONCE: u32 = 1024;

/// Acknowledgements of page messages, told together: at most [`ACK_DELAY`] after the first, or
/// at once when a frame has [`ACK_AT_ONCE`]. The main frame hears through the web process
/// extension ([`webext::ACKNOWLEDGED`]: no script to parse, no reply); a subframe through a
/// script in that frame.
#[derive(Default)]
pub struct Acks {
    /// Per sending frame (`None`: the main frame), messages acknowledged but not yet told.
    pending: RefCell<HashMap<Option<u64>, u32>>,
    scheduled: Cell<bool>,
}

impl Acks {
    /// Counts one message of `frame` as delivered; the page hears of it on the next idle turn.
    pub fn acknowledge(self: Rc<Self>, webview: &glib::WeakRef<webkit2gtk::WebView>, token: &str, frame: Option<u64>) {
        let count = {
            let mut pending = self.pending.borrow_mut();
            let count = pending.entry(frame).or_default();
            *count += 1;
            *count
        };
        if count >= ACK_AT_ONCE {
            self.tell(webview, token);
            return;
        }
        if self.scheduled.replace(true) {
            return;
        }
        let (webview, token, acks) = (webview.clone(), token.to_owned(), Rc::downgrade(&self));
        glib::timeout_add_local_once(ACK_DELAY, move || {
            if let Some(acks) = acks.upgrade() {
                acks.scheduled.set(false);
                acks.tell(&webview, &token);
            }
        });
    }

    /// Tells every frame what has been acknowledged for it.
    fn tell(&self, webview: &glib::WeakRef<webkit2gtk::WebView>, token: &str) {
        let pending: Vec<(Option<u64>, u32)> = self.pending.borrow_mut().drain().collect();
        let Some(view) = webview.upgrade() else { return };
        for (frame, n) in pending {
            match frame {
                None => {
                    let parameters = glib::prelude::ToVariant::to_variant(&(token, n));
                    let message = webkit2gtk::UserMessage::new(webext::ACKNOWLEDGED, Some(&parameters));
                    crate::ffi::send_to_page_without_reply(&view, &message);
                }
                Some(frame) => {
                    let script = format!(
                        "window.chrome && window.chrome.webview && window.chrome.webview.__webpaneAck(\"{token}\", {n}); void 0"
                    );
                    crate::view::scripts::script_in_frame(&view, Some(frame), &script, Box::new(|_| {}));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use glib::prelude::*;

    use super::*;

    #[test]
    fn a_well_formed_web_message_decodes() {
        let v = (7u64, false, "http://a.test/", "{\"x\":1}").to_variant();
        let m = decode(Some(&v)).unwrap();
        assert_eq!(
            m,
            PageMessage {
                frame: 7,
                is_main: false,
                source: "http://a.test/".into(),
                json: "{\"x\":1}".into()
            }
        );
    }

    #[test]
    fn anything_else_is_refused_with_a_reason() {
        assert!(decode(None).is_err());
        let wrong = "just a string".to_variant();
        assert!(decode(Some(&wrong)).unwrap_err().to_string().contains("(tbss)"));
        let short = (1u64, true).to_variant();
        assert!(decode(Some(&short)).is_err());
    }

    #[test]
    fn a_batch_decodes_in_order_and_anything_else_is_refused() {
        let entries = vec![
            (
                webext::WEB_MESSAGE.to_owned(),
                1u64,
                true,
                "a:".to_owned(),
                "1".to_owned(),
            ),
            (
                webext::HOST_OBJECT_CALL.to_owned(),
                2u64,
                false,
                "b:".to_owned(),
                "{}".to_owned(),
            ),
        ];
        let batch = decode_batch(Some(&entries.to_variant())).unwrap();
        assert_eq!(batch.len(), 2);
        assert_eq!(
            (batch[0].0.as_str(), batch[0].1.json.as_str()),
            (webext::WEB_MESSAGE, "1")
        );
        assert_eq!((batch[1].1.frame, batch[1].1.is_main), (2, false));
        assert!(
            decode_batch(Some(&"x".to_variant()))
                .unwrap_err()
                .to_string()
                .contains("a(stbss)")
        );
        assert!(decode_batch(None).is_err());
    }

    #[test]
    fn a_message_that_is_not_json_is_refused_with_a_reason() {
        assert!(check_json("[1,2]").is_ok());
        assert!(
            check_json("not json")
                .unwrap_err()
                .to_string()
                .starts_with("the message is not JSON")
        );
    }
}
