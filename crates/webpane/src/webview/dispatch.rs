//! Events from the browser process, raised on the webview they are about.

use std::cell::Cell;

use webpane_ipc::ReceivedFds;
use webpane_ipc::protocol::{AppMessage, RuntimeMessage};

use super::navigation::{NavigationAnswer, NavigationStartingEventArgs};
use crate::cookie::Cookie;
use crate::deferral::Deferred;
use crate::error::Error;
use crate::events::{
    ContentLoadingEventArgs, DocumentTitleChangedEventArgs, DomContentLoadedEventArgs, HistoryChangedEventArgs,
    NavigationCompletedEventArgs, ProcessFailedEventArgs, SourceChangedEventArgs, WebMessageReceivedEventArgs,
};
use crate::frame::FrameCreatedEventArgs;
use crate::new_window::NewWindowRequestedEventArgs;
use crate::objects::WebView;
use crate::page_files::ReceivedFile;
use crate::resources::{ReceivedResponse, WebResourceRequest, WebResourceRequestedEventArgs};

impl WebView {
    /// As in WebView2: the top-level document's messages go to the webview's handlers, an
    /// iframe's (nested ones too) to its `Frame`'s only.
    fn deliver_web_message(&self, frame: Option<u64>, source: String, json: String, files: Vec<ReceivedFile>) {
        let files = std::rc::Rc::new(files);
        match frame {
            None => {
                let args = WebMessageReceivedEventArgs::new(source, json, None, files);
                self.inner.events.raise(self, &args);
            }
            Some(id) => {
                let frame = self.frames().get(id);
                match frame {
                    Some(frame) => {
                        let args = WebMessageReceivedEventArgs::new(source, json, Some(frame.clone()), files);
                        frame.raise_web_message(&args);
                    }
                    None => log::debug!("a message from frame {id}, which is gone, was dropped"),
                }
            }
        }
    }

    pub(crate) fn on_message(&self, message: RuntimeMessage, fds: &mut ReceivedFds) {
        match message {
            RuntimeMessage::PageChannel { channel, .. } => self.adopt_channel(fds, channel),
            RuntimeMessage::PageFence { fence, .. } => self.answer_page_fence(fence),
            RuntimeMessage::NewWindowRequested {
                request,
                uri,
                is_user_initiated,
                name,
                ..
            } => {
                let args = NewWindowRequestedEventArgs::new(
                    self.inner.session.clone(),
                    self.inner.id,
                    request,
                    uri,
                    is_user_initiated,
                    name,
                );
                let answer = args.deferred();
                answer.raise(|| self.inner.events.raise(self, &args));
            }
            RuntimeMessage::WebResourceRequested {
                request,
                method,
                uri,
                headers,
                body,
                ..
            } => {
                let body = body.and_then(|r| match fds.take_file(r) {
                    Ok((file, _)) => Some(file),
                    Err(e) => {
                        log::warn!("a request body could not be taken: {e}");
                        None
                    }
                });
                let Some(parsed) = WebResourceRequest::from_wire(&method, uri, headers, body) else {
                    // Not an HTTP method (WebKit never sends one): the default answer.
                    log::warn!("a resource request with the method {method:?} was answered 404");
                    let answer = AppMessage::WebResourceResponse {
                        id: self.inner.id,
                        request,
                        response: None,
                    };
                    if let Some(session) = self.inner.session.upgrade() {
                        let _ = session.send(&answer);
                    }
                    return;
                };
                let args =
                    WebResourceRequestedEventArgs::new(self.inner.session.clone(), self.inner.id, request, parsed);
                let answer = args.deferred();
                answer.raise(|| self.inner.events.raise(self, &args));
            }
            RuntimeMessage::NavigationStarting {
                request,
                uri,
                is_redirect,
                is_user_initiated,
                ..
            } => {
                let args = NavigationStartingEventArgs {
                    uri,
                    is_redirect,
                    is_user_initiated,
                    decision: Deferred::new(NavigationAnswer {
                        session: self.inner.session.clone(),
                        id: self.inner.id,
                        request,
                        cancel: Cell::new(false),
                    }),
                };
                let decision = args.decision.clone();
                decision.raise(|| self.inner.events.raise(self, &args));
            }
            RuntimeMessage::NavigationCompleted {
                navigation_id,
                is_success,
                error,
                http_status_code,
                ..
            } => {
                let args = NavigationCompletedEventArgs::new(
                    navigation_id,
                    is_success,
                    error.map(Into::into),
                    http_status_code,
                );
                self.inner.events.raise(self, &args);
            }
            RuntimeMessage::ProcessFailed {
                kind,
                reason,
                process_id,
                exit_code,
                signal,
                process_description,
                ..
            } => {
                let args = ProcessFailedEventArgs::new(
                    kind.into(),
                    reason.into(),
                    process_id,
                    exit_code,
                    signal,
                    process_description,
                );
                self.raise_process_failed(&args);
            }
            RuntimeMessage::ContentLoading { navigation_id, .. } => {
                // A new top-level document: what the previous one held is released.
                self.inner.host_objects.new_document();
                self.workers_gone(|frame| frame.is_none());
                self.inner
                    .events
                    .raise(self, &ContentLoadingEventArgs::new(navigation_id));
            }
            RuntimeMessage::SourceChanged { uri, .. } => {
                self.document().source.replace(uri.clone());
                self.inner.events.raise(self, &SourceChangedEventArgs::new(uri));
            }
            RuntimeMessage::HistoryChanged {
                can_go_back,
                can_go_forward,
                ..
            } => {
                self.document().history.set((can_go_back, can_go_forward));
                let args = HistoryChangedEventArgs::new(can_go_back, can_go_forward);
                self.inner.events.raise(self, &args);
            }
            RuntimeMessage::DocumentTitleChanged { title, .. } => {
                self.document().title.replace(title.clone());
                self.inner
                    .events
                    .raise(self, &DocumentTitleChangedEventArgs::new(title));
            }
            RuntimeMessage::DomContentLoaded { navigation_id, .. } => {
                self.inner
                    .events
                    .raise(self, &DomContentLoadedEventArgs::new(navigation_id));
            }
            RuntimeMessage::ScriptResult { request, result, .. } => self.script_result(request, result),
            RuntimeMessage::WebMessageReceived {
                source, json, frame, ..
            } => self.deliver_web_message(frame, source, json, Vec::new()),
            RuntimeMessage::WebMessageWithFilesReceived {
                source,
                json,
                frame,
                files,
                ..
            } => {
                let mut received = Vec::new();
                for (r, info) in files {
                    match fds.take_file(r) {
                        Ok((file, _)) => received.push(ReceivedFile {
                            name: info.name,
                            mime_type: info.mime,
                            file,
                        }),
                        Err(e) => log::warn!("a page's file could not be taken: {e}"),
                    }
                }
                self.deliver_web_message(frame, source, json, received);
            }
            RuntimeMessage::PolicyRequested { request, what, .. } => self.policy_requested(request, what),
            RuntimeMessage::ContextMenuItemSelected { command_id, .. } => self.context_menu_item_selected(command_id),
            RuntimeMessage::PermissionSettings { request, settings, .. } => {
                self.permission_settings_arrived(request, settings)
            }
            RuntimeMessage::DownloadStarting { info, .. } => self.download_starting(info),
            RuntimeMessage::WindowCloseRequested { .. } => self.window_close_requested(),
            RuntimeMessage::AudioChanged { playing, muted, .. } => self.audio_changed(playing, muted),
            RuntimeMessage::ZoomFactorChanged { factor, .. } => self.zoom_factor_changed(factor),
            RuntimeMessage::NonClientRegionChanged { caption, size, .. } => {
                self.non_client_region_changed(caption, size)
            }
            RuntimeMessage::FocusChanged { focused, .. } => self.focus_changed(focused),
            RuntimeMessage::NotificationReceived {
                notification,
                origin,
                title,
                body,
                tag,
                ..
            } => self.notification_received(crate::notifications::ReceivedNotification {
                number: notification,
                origin,
                title,
                body,
                tag,
            }),
            RuntimeMessage::NotificationClosed { notification, .. } => self.notification_closed(notification),
            RuntimeMessage::MoveFocusRequested { request, forward, .. } => self.move_focus_requested(request, forward),
            RuntimeMessage::AcceleratorKeyPressed { request, key, .. } => self.accelerator_key_pressed(request, key),
            RuntimeMessage::WebResourceResponseReceived {
                resource,
                uri,
                method,
                request_headers,
                status,
                headers,
                ..
            } => self.web_resource_response_received(ReceivedResponse {
                resource,
                uri,
                method,
                request_headers,
                status,
                headers,
            }),
            RuntimeMessage::ResourceContent { request, result, .. } => {
                let file = result.and_then(|r| fds.take_file(r).map(|(file, _)| file).map_err(|e| e.to_string()));
                self.resource_content(request, file)
            }
            RuntimeMessage::FullScreenChanged { full_screen, .. } => self.full_screen_changed(full_screen),
            RuntimeMessage::StatusBarTextChanged { text, .. } => self.status_bar_text_changed(text),
            RuntimeMessage::FaviconChanged { uri, png, .. } => self.favicon_changed(uri, png),
            RuntimeMessage::FrameNavigationEvent {
                frame,
                navigation_id,
                stage,
                ..
            } => {
                let frame = self.frames().get(frame);
                if let Some(frame) = frame {
                    frame.navigation_event(navigation_id, stage);
                }
            }
            RuntimeMessage::DownloadChanged { progress, .. } => self.download_changed(progress),
            RuntimeMessage::FindChanged {
                match_count,
                more,
                active_index,
                ..
            } => self.find_changed(match_count, more, active_index),
            RuntimeMessage::HostObjectCall {
                frame, source, json, ..
            } => self.host_object_call(frame, &source, &json),
            RuntimeMessage::FrameReady { frame, .. } => self.picture_ready(frame),
            RuntimeMessage::CursorChanged { cursor, .. } => {
                let args = crate::offscreen::CursorChangedEventArgs {
                    cursor,
                    _ui_thread: std::marker::PhantomData,
                };
                self.inner.events.raise(self, &args);
            }
            RuntimeMessage::TextInputChanged { state, .. } => {
                let args = crate::offscreen::TextInputChangedEventArgs {
                    state,
                    _ui_thread: std::marker::PhantomData,
                };
                self.inner.events.raise(self, &args);
            }
            RuntimeMessage::TooltipChanged { text, .. } => {
                let args = crate::offscreen::TooltipChangedEventArgs {
                    text,
                    _ui_thread: std::marker::PhantomData,
                };
                self.inner.events.raise(self, &args);
            }
            RuntimeMessage::WorkerEvent {
                frame, source, json, ..
            } => self.worker_event(frame, source, &json),
            RuntimeMessage::FrameCreated {
                frame, name, source, ..
            } => {
                let frame = crate::objects::Frame::new(self, frame, name, source);
                self.frames().insert(frame.clone());
                let args = FrameCreatedEventArgs {
                    frame,
                    _ui_thread: std::marker::PhantomData,
                };
                self.inner.events.raise(self, &args);
            }
            RuntimeMessage::CaptureResult { request, result, .. } => {
                self.inner
                    .requests
                    .resolve(request, result.map_err(Error::RequestFailed));
            }
            RuntimeMessage::CookiesResult { request, result, .. } => {
                let cookies: Result<Vec<Cookie>, Error> = result
                    .map(|cookies| cookies.into_iter().map(Into::into).collect())
                    .map_err(Error::RequestFailed);
                self.inner.requests.resolve(request, cookies);
            }
            RuntimeMessage::SuspendDone { request, result, .. } => self.suspend_done(request, result),
            RuntimeMessage::DragDone { request, result, .. } => self.drag_done(request, result),
            RuntimeMessage::PrintDone { request, result, .. } => self.print_done(request, result),
            RuntimeMessage::OperationDone { request, result, .. } => {
                self.inner
                    .requests
                    .resolve(request, result.map_err(Error::RequestFailed));
            }
            RuntimeMessage::SharedBufferDelivered { buffer, result, .. } => {
                self.inner.buffers.delivered(buffer, result);
            }
            RuntimeMessage::SharedBufferReleased { buffer, .. } => {
                self.inner.buffers.released(buffer);
            }
            RuntimeMessage::FrameNavigated { frame, source, .. } => {
                if let Some(frame) = self.frames().get(frame) {
                    frame.inner.host_objects.new_document();
                    frame.navigated(source);
                }
                self.workers_gone(|f| f == Some(frame));
            }
            RuntimeMessage::FrameDestroyed { frame, .. } => {
                self.workers_gone(|f| f == Some(frame));
                let frame = self.frames().remove(frame);
                if let Some(frame) = frame {
                    frame.inner.host_objects.new_document();
                    frame.destroy();
                }
            }
            RuntimeMessage::WebViewClosed { reason, .. } => {
                // Not raised when the app closed it itself (it is marked closed already).
                if self.mark_closed() {
                    self.raise_closed(reason.into());
                }
            }
            // About the connection or the browser process, not a webview: the environment
            // handles these and never passes them here. Listed, not `_`, so that a new message
            // cannot be forgotten.
            RuntimeMessage::Welcome { .. }
            | RuntimeMessage::OptionsMismatch { .. }
            | RuntimeMessage::WebViewCreated { .. }
            | RuntimeMessage::RequestFailed { .. }
            | RuntimeMessage::ChildProcesses { .. }
            | RuntimeMessage::Exiting
            | RuntimeMessage::Disconnecting { .. }
            | RuntimeMessage::Pong { .. }
            | RuntimeMessage::NewBrowserVersionAvailable => {}
        }
    }
}
