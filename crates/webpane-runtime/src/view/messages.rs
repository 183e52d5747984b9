//! Web messages and shared buffers between the app and the page, and the page's own events.

use std::rc::Rc;

use gtk::prelude::*;
use webkit2gtk::{
    UserContentInjectedFrames, UserContentManagerExt, UserMessageExt, UserScriptInjectionTime, WebViewExt,
};
use webpane_ipc::protocol::{RuntimeMessage, WebViewId};
use webpane_ipc::webext;

use super::error::ViewError;
use super::extension::decode_reply;
use super::state::*;
use crate::host::Host;
use crate::page_messages::{self, Acks};

/// What a page's message through the extension is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Message,
    HostObject,
    Files,
    Worker,
}

impl Kind {
    /// The kind of a page message by its name in the web process extension's contract.
    fn of(name: &str) -> Option<Kind> {
        match name {
            webext::WEB_MESSAGE => Some(Kind::Message),
            webext::HOST_OBJECT_CALL => Some(Kind::HostObject),
            webext::WEB_MESSAGE_WITH_FILES => Some(Kind::Files),
            webext::WORKER_EVENT => Some(Kind::Worker),
            _ => None,
        }
    }
}

/// What passes a page's messages on to the app.
struct Receiver {
    id: WebViewId,
    /// Whether the view has `chrome.webview` (else nothing from its pages is passed on).
    enabled: bool,
    host: Rc<dyn Host>,
    token: String,
    webview: glib::WeakRef<webkit2gtk::WebView>,
    frames: Rc<std::cell::RefCell<std::collections::BTreeSet<u64>>>,
    acks: Rc<Acks>,
}

impl Receiver {
    /// The page's new document opened a direct channel: the view's token goes to the extension,
    /// the app's end to the app (which stops using the previous document's).
    fn hand_over_channel(&self, fds: Option<gio::UnixFDList>) {
        let Some(fd) = fds.and_then(|list| webpane_glib::take_fd(&list, 0)) else {
            return;
        };
        if !self.enabled {
            return; // no chrome.webview: nothing will use it
        }
        if let Some(view) = self.webview.upgrade() {
            let token = self.token.to_variant();
            let message = webkit2gtk::UserMessage::new(webext::CHANNEL_TOKEN, Some(&token));
            crate::ffi::send_to_page_without_reply(&view, &message);
        }
        let mut out = webpane_ipc::Outgoing::new();
        let channel = out.socket(fd);
        self.host
            .send_with_fds(RuntimeMessage::PageChannel { id: self.id, channel }, out);
    }

    /// Passes one page message on to the app, then acknowledges it to its frame.
    fn receive(
        &self,
        kind: Kind,
        message: page_messages::PageMessage,
        files: Vec<(webpane_ipc::FileForTransit, webext::PageFileInfo)>,
    ) {
        let (id, host) = (self.id, &self.host);
        // The frame is WebKit's word (through the extension), never the page's.
        let frame = if message.is_main {
            None
        } else if self.frames.borrow().contains(&message.frame) {
            Some(message.frame)
        } else {
            log::warn!("view {}: dropped a web message from a frame that is gone", id.0);
            return;
        };
        match page_messages::check_json(&message.json) {
            Ok(()) if kind == Kind::HostObject => host.send(RuntimeMessage::HostObjectCall {
                id,
                frame,
                source: message.source,
                json: message.json,
            }),
            Ok(()) if kind == Kind::Worker => host.send(RuntimeMessage::WorkerEvent {
                id,
                frame,
                source: message.source,
                json: message.json,
            }),
            Ok(()) if kind == Kind::Files => {
                let mut out = webpane_ipc::Outgoing::new();
                let files = files.into_iter().map(|(file, info)| (out.file(file), info)).collect();
                host.send_with_fds(
                    RuntimeMessage::WebMessageWithFilesReceived {
                        id,
                        frame,
                        source: message.source,
                        json: message.json,
                        files,
                    },
                    out,
                );
            }
            Ok(()) => host.send(RuntimeMessage::WebMessageReceived {
                id,
                frame,
                source: message.source,
                json: message.json,
            }),
            Err(why) => log::warn!("view {}: dropped a web message: {why}", id.0),
        }
        // Flow control: the sending frame may have more in flight once this one has left for
        // the app (or was dropped).
        let (acks, webview, token) = (self.acks.clone(), self.webview.clone(), self.token.clone());
        host.when_sent(Box::new(move || acks.acknowledge(&webview, &token, frame)));
    }
}

/// The handler for the runtime's own page events/// The handler for the runtime's own page events (an isolated world the page cannot reach).
pub(super) const INTERNAL_HANDLER: &str = "webpane-internal";
/// The isolated world of the runtime's own scripts.
pub(super) const INTERNAL_WORLD: &str = "webpane";
impl View {
    /// `chrome.webview` in the page world, and the runtime's own DOMContentLoaded hook in an
    /// isolated world.
    pub(super) fn wire_messages(&self, id: WebViewId, host: &Rc<dyn Host>) {
        let internal = format!(
            "if (window === window.top) document.addEventListener('DOMContentLoaded', () => \
             window.webkit.messageHandlers['{INTERNAL_HANDLER}'].postMessage('dom-content-loaded'), {{ once: true }});"
        );
        self.content.add_script(&webkit2gtk::UserScript::for_world(
            &internal,
            UserContentInjectedFrames::TopFrame,
            UserScriptInjectionTime::Start,
            INTERNAL_WORLD,
            &[],
            &[],
        ));
        self.content
            .register_script_message_handler_in_world(INTERNAL_HANDLER, INTERNAL_WORLD);
        {
            let (host, navigations) = (host.clone(), self.navigations.clone());
            self.content
                .connect_script_message_received(Some(INTERNAL_HANDLER), move |_, _| {
                    host.send(RuntimeMessage::DomContentLoaded {
                        id,
                        navigation_id: navigations.current.get(),
                    });
                });
        }
        let enabled = self.web_messages;
        if enabled {
            let shim = include_str!("chrome_webview.js")
                .replace("/*__HOST_OBJECTS__*/", include_str!("host_objects.js"))
                .replace("/*__FILES__*/", include_str!("files.js"))
                .replace("/*__WORKERS__*/", include_str!("workers.js"))
                .replace("__TOKEN__", &self.token);
            self.content.add_script(&webkit2gtk::UserScript::new(
                &shim,
                UserContentInjectedFrames::AllFrames,
                UserScriptInjectionTime::Start,
                &[],
                &[],
            ));
        }
        let receiver = Receiver {
            id,
            enabled,
            host: host.clone(),
            token: self.token.clone(),
            webview: self.webview.downgrade(),
            frames: self.frames.clone(),
            acks: Rc::new(Acks::default()),
        };
        self.webview.connect_user_message_received(move |_, message| {
            let kind = match message.name().as_deref() {
                Some(webext::DOCUMENT_CHANNEL) => {
                    receiver.hand_over_channel(message.fd_list());
                    return true;
                }
                Some(webext::PAGE_FENCE) => {
                    // After what the extension sent before it: the app answers on the channel.
                    if let Some(fence) = message.parameters().and_then(|v| v.get::<u64>()) {
                        receiver.host.send(RuntimeMessage::PageFence { id, fence });
                    }
                    return true;
                }
                Some(webext::PAGE_MESSAGES) => {
                    if receiver.enabled {
                        match page_messages::decode_batch(message.parameters().as_ref()) {
                            Ok(batch) => {
                                for (name, message) in batch {
                                    match Kind::of(&name).filter(|k| *k != Kind::Files) {
                                        Some(kind) => receiver.receive(kind, message, Vec::new()),
                                        None => log::warn!("view {}: dropped a page message named {name:?}", id.0),
                                    }
                                }
                            }
                            Err(why) => log::warn!("view {}: dropped page messages: {why}", id.0),
                        }
                    }
                    return true;
                }
                Some(name) => match Kind::of(name) {
                    Some(kind) => kind,
                    None => return false,
                },
                None => return false,
            };
            if !receiver.enabled {
                // No shim, so no chrome.webview: whatever called the extension's sender is not
                // one of ours to pass on.
                return true;
            }
            let decoded = match kind {
                Kind::Files => page_messages::decode_with_files(message.parameters().as_ref(), message.fd_list()),
                _ => page_messages::decode(message.parameters().as_ref()).map(|m| (m, Vec::new())),
            };
            match decoded {
                Ok((message, files)) => receiver.receive(kind, message, files),
                Err(why) => log::warn!("view {}: dropped a web message: {why}", id.0),
            }
            true
        });
    }

    /// Hands shared memory to the page (or a subframe) through the web process extension; the
    /// runtime keeps neither the fd nor a mapping. `done` gets whether the page received it.
    pub fn post_shared_buffer(&self, post: BufferPost, done: impl FnOnce(Result<(), ViewError>) + 'static) {
        let BufferPost {
            frame,
            buffer,
            memory,
            size,
            read_only,
            additional_data,
        } = post;
        if let Err(why) = self.page_reachable(frame) {
            done(Err(why));
            return;
        }
        let post = webext::SharedBufferPost {
            buffer,
            frame,
            size,
            read_only,
            additional_data,
            token: self.token.clone(),
        };
        let json = serde_json::to_string(&post).unwrap_or_default();
        let fds = gio::UnixFDList::from_array([memory]);
        let message =
            webkit2gtk::UserMessage::with_fd_list(webext::SHARED_BUFFER, Some(&json.to_variant()), Some(&fds));
        drop(fds);
        self.buffers.borrow_mut().insert(buffer);
        let (buffers, host, id) = (self.buffers.clone(), self.host.clone(), self.id);
        self.webview
            .send_message_to_page(&message, None::<&gio::Cancellable>, move |reply| {
                let result = match decode_reply::<webext::Delivery>(reply) {
                    Ok(webext::Delivery::Delivered) => Ok(()),
                    Ok(webext::Delivery::Failed(why)) => Err(ViewError::Page(why)),
                    Err(e) => Err(e),
                };
                if result.is_err() && buffers.borrow_mut().remove(&buffer) {
                    host.send(RuntimeMessage::SharedBufferReleased { id, buffer });
                }
                done(result);
            });
    }

    /// Whether the web process extension can hand the main frame's (or a subframe's)
    /// `chrome.webview` something: web messages on, the extension there, the frame still there.
    pub(super) fn page_reachable(&self, frame: Option<u64>) -> Result<(), ViewError> {
        if !self.web_messages {
            return Err(ViewError::WebMessagesOff);
        }
        if let Some(why) = &self.extension_missing {
            return Err(ViewError::NoExtension(why.clone()));
        }
        if frame.is_some_and(|f| !self.frames.borrow().contains(&f)) {
            return Err(ViewError::FrameGone);
        }
        Ok(())
    }

    /// Delivers a web message to the `chrome.webview` listeners of the main frame or a subframe
    /// (dropped if the document has none, as in WebView2).
    pub fn post_web_message(&self, frame: Option<u64>, json: &str) {
        match frame {
            None if self.web_messages => self.page_outbox.push(json),
            None => {}
            Some(_) => self.call_shim(frame, "__webpaneDispatch", json),
        }
    }

    /// Sends an app's fence to the page: the extension answers it on the document's direct
    /// channel once everything before it has been handled.
    pub fn send_fence(&self, fence: u64) {
        let message = webkit2gtk::UserMessage::new(webext::FENCE, Some(&fence.to_variant()));
        crate::ffi::send_to_page_without_reply(&self.webview, &message);
    }

    /// Sends the main frame's queued web messages now: before anything else reaches the page.
    pub fn flush_web_messages(&self) {
        self.page_outbox.flush();
    }

    /// Delivers a web message to dedicated worker `worker` of the main frame or a subframe
    /// (dropped if it is gone).
    pub fn post_worker_message(&self, frame: Option<u64>, worker: u64, json: &str) {
        let json = serde_json::to_string(json).unwrap_or_default();
        self.call_shim(frame, "__webpaneWorkerPost", &format!("{worker}, {json}"));
    }

    /// Delivers the app's answer to a host object request of the main frame or a subframe (a
    /// document that has gone since finds no call waiting, and ignores it).
    pub fn post_host_object_reply(&self, frame: Option<u64>, json: &str) {
        self.call_shim(frame, "__webpaneHost", json);
    }

    /// Calls one of the `chrome.webview` shim's token-guarded entry points with JSON.
    fn call_shim(&self, frame: Option<u64>, entry: &str, json: &str) {
        if !self.web_messages {
            return;
        }
        let script = format!(
            "window.chrome && window.chrome.webview && window.chrome.webview.{entry}(\"{}\", {json}); void 0",
            self.token
        );
        if let Some(frame) = frame {
            self.run_in_frame(
                frame,
                &script,
                Box::new(|result| {
                    if let Err(e) = result {
                        log::warn!("a web message could not be delivered to a frame: {e}");
                    }
                }),
            );
            return;
        }
        self.webview
            .evaluate_javascript(&script, None, None, None::<&gio::Cancellable>, |result| {
                if let Err(e) = result {
                    log::warn!("a web message could not be delivered: {e}");
                }
            });
    }
}
