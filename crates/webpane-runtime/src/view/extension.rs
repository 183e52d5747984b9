//! Requests to the web process extension, and document-created scripts.

use gtk::prelude::*;
use webkit2gtk::{
    UserContentInjectedFrames, UserContentManagerExt, UserMessageExt, UserScriptInjectionTime, WebViewExt,
};
use webpane_ipc::webext;

use super::error::ViewError;
use super::state::*;

/// Tells `webview`'s web process which hosts are intercepted now.
pub(crate) fn send_intercepted_hosts(webview: &webkit2gtk::WebView, hosts: &[String]) {
    let json = serde_json::to_string(hosts).unwrap_or_else(|_| "[]".into());
    let message = webkit2gtk::UserMessage::new(webext::INTERCEPTED_HOSTS, Some(&json.to_variant()));
    webview.send_message_to_page(&message, None::<&gio::Cancellable>, |_| {});
}

/// The user message `name` for the web process extension with `json` and `fds` (duplicated
/// into the message; ours close here).
pub(super) fn message_with_fds(
    name: &str,
    json: &str,
    fds: Vec<std::os::fd::OwnedFd>,
) -> Result<webkit2gtk::UserMessage, ViewError> {
    let list = (!fds.is_empty()).then(gio::UnixFDList::new);
    if let Some(list) = &list {
        for fd in &fds {
            gio::prelude::UnixFDListExtManual::append(list, std::os::fd::AsRawFd::as_raw_fd(fd))
                .map_err(ViewError::PassFile)?;
        }
    }
    Ok(webkit2gtk::UserMessage::with_fd_list(
        name,
        Some(&json.to_variant()),
        list.as_ref(),
    ))
}

/// The parameters of a user message from the web process extension: one JSON string.
pub(super) fn parameters_json(message: &webkit2gtk::UserMessage) -> String {
    message
        .parameters()
        .and_then(|p| p.str().map(str::to_owned))
        .unwrap_or_default()
}

/// The extension's reply to a user message, decoded.
pub(super) fn decode_reply<T: serde::de::DeserializeOwned>(
    reply: Result<webkit2gtk::UserMessage, glib::Error>,
) -> Result<T, ViewError> {
    let reply = reply.map_err(ViewError::NoReply)?;
    serde_json::from_str(&parameters_json(&reply)).map_err(ViewError::BadReply)
}
impl View {
    /// Adds a script run at the start of every document, in every frame.
    pub fn add_document_created_script(&self, script_id: u64, source: &str) {
        let script = webkit2gtk::UserScript::new(
            source,
            UserContentInjectedFrames::AllFrames,
            UserScriptInjectionTime::Start,
            &[],
            &[],
        );
        self.content.add_script(&script);
        if let Some(old) = self.scripts.borrow_mut().insert(script_id, script) {
            self.content.remove_script(&old);
        }
    }

    /// Removes a script added with `add_document_created_script`.
    pub fn remove_document_created_script(&self, script_id: u64) {
        if let Some(script) = self.scripts.borrow_mut().remove(&script_id) {
            self.content.remove_script(&script);
        }
    }
}
