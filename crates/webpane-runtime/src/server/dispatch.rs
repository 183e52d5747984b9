//! Answering an app's requests: one arm per request.

use std::rc::Rc;

use webpane_ipc::ReceivedFds;
use webpane_ipc::protocol::{AppMessage, CloseReason, OutputTarget, RuntimeMessage, ViewMode, WebViewId};

use super::client_host::ClientHost;
use super::state::*;
use crate::host::Host;
use crate::view::{BufferPost, Engine, View};

impl Server {
    /// Answers one request. An error means the client broke the protocol.
    pub(super) fn handle(
        self: &Rc<Self>,
        client: &Rc<Client>,
        message: AppMessage,
        fds: &mut ReceivedFds,
    ) -> Result<(), String> {
        // Web messages to main frames leave together at the end of the turn; anything else for a
        // page must not overtake them.
        if client.welcomed.get() && !matches!(message, AppMessage::PostWebMessage { frame: None, .. }) {
            client.views.borrow().values().for_each(View::flush_web_messages);
        }
        if !client.welcomed.get() {
            let AppMessage::Hello { options } = message else {
                return Err("the first message must be Hello".into());
            };
            if options != self.options {
                self.send(
                    client,
                    &RuntimeMessage::OptionsMismatch {
                        runtime: self.options.clone(),
                        requested: options,
                    },
                );
                return Err("options mismatch".into());
            }
            client.welcomed.set(true);
            self.send(
                client,
                &RuntimeMessage::Welcome {
                    browser_process_id: std::process::id(),
                },
            );
            self.send(
                client,
                &RuntimeMessage::ChildProcesses {
                    pids: self.known_children.borrow().iter().copied().collect(),
                },
            );
            if self.new_version.get() {
                self.send(client, &RuntimeMessage::NewBrowserVersionAvailable);
            }
            return Ok(());
        }
        if let Err(reason) = webpane_ipc::validate::app_message(&message) {
            let id = message.webview();
            self.send(client, &RuntimeMessage::RequestFailed { id, reason });
            return Ok(());
        }
        match message {
            AppMessage::Hello { .. } => return Err("Hello sent twice".into()),
            AppMessage::Ping { seq } => self.send(client, &RuntimeMessage::Pong { seq }),
            AppMessage::CreateWebView {
                id,
                mode,
                settings,
                opener,
            } => {
                let refused = if self.quitting.get() {
                    Some("the runtime is shutting down".to_owned())
                } else if client.views.borrow().contains_key(&id) {
                    Some("the id is in use".to_owned())
                } else {
                    match mode {
                        ViewMode::Embedded { .. } if !crate::engine::on_x11() => Some(format!(
                            "this browser process's windows are {}: embedding by X11 window id needs the X11 backend \
                             (XWayland on a Wayland desktop): build the environment with \
                             display_backend(DisplayBackend::X11)",
                            crate::engine::display_kind()
                        )),
                        ViewMode::Embedded { parent, .. } if !crate::ffi::x11_window_exists(parent) => Some(format!(
                            "there is no X11 window {parent:#x} to embed into (embedding needs an X11 display)"
                        )),
                        _ => None,
                    }
                };
                if let Some(reason) = refused {
                    self.send(client, &RuntimeMessage::RequestFailed { id: Some(id), reason });
                    return Ok(());
                }
                let related = match opener {
                    Some(opener) => match client.views.borrow().get(&opener) {
                        Some(view) => Some((opener, view.webkit().clone())),
                        None => {
                            self.unknown_view(client, opener);
                            return Ok(());
                        }
                    },
                    None => None,
                };
                let host: Rc<dyn Host> = Rc::new(ClientHost {
                    server: Rc::downgrade(self),
                    client: Rc::downgrade(client),
                });
                let engine = Engine {
                    context: &self.context,
                    arguments: &self.options.additional_arguments,
                    schemes: &self.options.custom_schemes,
                    extension_missing: self.extension_missing.as_deref(),
                    permissions: &self.permissions,
                };
                let view = View::create(
                    &engine,
                    id,
                    &mode,
                    &settings,
                    related.as_ref().map(|(id, view)| (*id, view)),
                    host,
                );
                if let Some(policy) = self.options.hardware_acceleration {
                    crate::engine::set_hardware_acceleration(view.webkit(), policy);
                }
                client.views.borrow_mut().insert(id, view);
                self.cancel_idle_check();
                self.send(client, &RuntimeMessage::WebViewCreated { id });
            }
            AppMessage::Navigate { id, uri } => self.with_view(client, id, |v| v.navigate(uri)),
            AppMessage::NavigateToString { id, html } => self.with_view(client, id, |v| v.navigate_to_string(html)),
            AppMessage::NavigateWithHeaders { id, uri, headers } => {
                self.with_view(client, id, |v| v.navigate_with_headers(uri, headers))
            }
            AppMessage::NavigateWithRequest {
                id,
                uri,
                method,
                headers,
                body,
            } => {
                if let Err(reason) = self.navigate_with_request(client, id, uri, method, headers, body) {
                    self.send(client, &RuntimeMessage::RequestFailed { id: Some(id), reason });
                }
            }
            AppMessage::Reload { id } => self.with_view(client, id, View::reload),
            AppMessage::Stop { id } => self.with_view(client, id, View::stop),
            AppMessage::GoBack { id } => self.with_view(client, id, View::go_back),
            AppMessage::GoForward { id } => self.with_view(client, id, View::go_forward),
            AppMessage::TerminateRenderProcess { id } => self.with_view(client, id, View::terminate_render_process),
            AppMessage::NavigationStartingResponse { id, request, cancel } => {
                self.with_view(client, id, |v| v.answer_navigation(request, cancel))
            }
            AppMessage::ExecuteScript {
                id,
                frame,
                request,
                script,
            } => {
                let weak_server = Rc::downgrade(self);
                let weak_client = Rc::downgrade(client);
                self.with_view(client, id, move |v| {
                    v.execute_script(frame, &script, move |result| {
                        // A result the wire cannot carry is an error for the app, not silence.
                        let result = result.and_then(|json| {
                            if json.len() > webpane_ipc::MAX_MESSAGE_SIZE - 4096 {
                                Err(format!(
                                    "the result ({} bytes of JSON) is larger than the {} MiB message limit",
                                    json.len(),
                                    webpane_ipc::MAX_MESSAGE_SIZE >> 20
                                ))
                            } else {
                                Ok(json)
                            }
                        });
                        if let (Some(server), Some(client)) = (weak_server.upgrade(), weak_client.upgrade()) {
                            server.send(&client, &RuntimeMessage::ScriptResult { id, request, result });
                        }
                    })
                })
            }
            AppMessage::AddDocumentCreatedScript { id, script_id, script } => {
                self.with_view(client, id, |v| v.add_document_created_script(script_id, &script))
            }
            AppMessage::RemoveDocumentCreatedScript { id, script_id } => {
                self.with_view(client, id, |v| v.remove_document_created_script(script_id))
            }
            AppMessage::Fence { id, fence } => self.with_view(client, id, |v| v.send_fence(fence)),
            AppMessage::PostWebMessage { id, frame, json } => {
                self.with_view(client, id, |v| v.post_web_message(frame, &json))
            }
            AppMessage::PostWebMessageWithFiles { id, frame, json, files } => {
                let mut taken = Vec::new();
                let mut refused = None;
                for (r, info) in files {
                    match fds.take_file(r) {
                        Ok((file, access)) => match crate::view::check_page_file(&file, access, &info) {
                            Ok(()) => taken.push((std::os::fd::OwnedFd::from(file), info)),
                            Err(why) => refused = Some(why),
                        },
                        Err(e) => refused = Some(e.to_string()),
                    }
                }
                match refused {
                    Some(reason) => self.send(client, &RuntimeMessage::RequestFailed { id: Some(id), reason }),
                    None => self.with_view(client, id, |v| {
                        v.post_files(frame, json, taken, move |result| {
                            if let Err(why) = result {
                                log::warn!("a web message with files was not delivered: {why}");
                            }
                        })
                    }),
                }
            }
            AppMessage::Find { id, command } => self.with_view(client, id, |v| v.find(command)),
            AppMessage::SetPermissionState {
                id,
                request,
                kind,
                origin,
                allow,
            } => {
                let result = self.permissions.set(&origin, kind, allow);
                self.send(client, &RuntimeMessage::OperationDone { id, request, result });
            }
            AppMessage::GetPermissionSettings { id, request } => {
                let settings = self.permissions.list();
                self.send(client, &RuntimeMessage::PermissionSettings { id, request, settings });
            }
            AppMessage::DownloadDecision {
                id,
                download,
                destination,
            } => self.downloads.decide(client.id, id, download, destination),
            AppMessage::CancelDownload { id, download } => self.downloads.cancel(client.id, id, download),
            AppMessage::DevToolsWindow { id, request, open } => {
                let mut result = Err(format!("there is no webview {}", id.0));
                self.with_view(client, id, |v| result = v.dev_tools_window(open));
                self.send(client, &RuntimeMessage::OperationDone { id, request, result });
            }
            AppMessage::PolicyResponse { id, request, answer } => {
                self.with_view(client, id, |v| v.answer_policy(request, answer))
            }
            AppMessage::HostObjectReply { id, frame, json } => {
                self.with_view(client, id, |v| v.post_host_object_reply(frame, &json))
            }
            AppMessage::AttachFrames {
                id,
                generation,
                width,
                height,
                buffers,
            } => {
                let memories: Result<Vec<_>, String> = buffers
                    .into_iter()
                    .map(|b| fds.take_shared_memory(b).map_err(|e| e.to_string()))
                    .collect();
                let mut result = Ok(());
                match memories {
                    Ok(memories) => self.with_view(client, id, |v| {
                        result = v.attach_frames(generation, width, height, memories)
                    }),
                    Err(e) => result = Err(e),
                }
                if let Err(reason) = result {
                    self.send(client, &RuntimeMessage::RequestFailed { id: Some(id), reason });
                }
            }
            AppMessage::ReleaseFrame { id, generation, buffer } => {
                self.with_view(client, id, |v| v.release_frame(generation, buffer))
            }
            AppMessage::SendInput { id, input } => {
                let mut result = Ok(());
                self.with_view(client, id, |v| result = v.send_input(input));
                if let Err(reason) = result {
                    self.send(client, &RuntimeMessage::RequestFailed { id: Some(id), reason });
                }
            }
            AppMessage::PostWorkerMessage {
                id,
                frame,
                worker,
                json,
            } => self.with_view(client, id, |v| v.post_worker_message(frame, worker, &json)),
            AppMessage::PostSharedBuffer {
                id,
                frame,
                buffer,
                memory,
                additional_data,
            } => {
                let (fd, size, read_only) = match fds.kind(memory) {
                    Some(webpane_ipc::FdKind::SharedMemory { access, size }) => {
                        let read_only = access == webpane_ipc::Access::ReadOnly;
                        let fd = if read_only {
                            fds.take_shared_memory_read_only(memory).map(|m| m.into_fd())
                        } else {
                            fds.take_shared_memory(memory).map(|m| m.into_fd())
                        };
                        (fd.map_err(|e| e.to_string())?, size, read_only)
                    }
                    other => return Err(format!("PostSharedBuffer without shared memory ({other:?})")),
                };
                let weak_server = Rc::downgrade(self);
                let weak_client = Rc::downgrade(client);
                self.with_view(client, id, move |v| {
                    let post = BufferPost {
                        frame,
                        buffer,
                        memory: fd,
                        size,
                        read_only,
                        additional_data,
                    };
                    v.post_shared_buffer(post, move |result| {
                        if let (Some(server), Some(client)) = (weak_server.upgrade(), weak_client.upgrade()) {
                            server.send(&client, &RuntimeMessage::SharedBufferDelivered { id, buffer, result });
                        }
                    })
                })
            }
            AppMessage::CapturePreview { id, request, format } => {
                let reply = self.replier(client);
                self.with_view(client, id, |v| {
                    crate::output::capture(v.webkit(), format, move |result| {
                        reply(RuntimeMessage::CaptureResult { id, request, result })
                    })
                })
            }
            AppMessage::PrintToPdf {
                id,
                request,
                target,
                settings,
            } => {
                let reply = self.replier(client);
                let done = move |result| reply(RuntimeMessage::OperationDone { id, request, result });
                match output_target(target, fds) {
                    Ok(target) => self.with_view(client, id, |v| {
                        crate::output::print_to_pdf(v.webkit(), target, &settings, done)
                    }),
                    Err(e) => done(Err(e)),
                }
            }
            AppMessage::SaveAsMhtml { id, request, target } => {
                let reply = self.replier(client);
                let done = move |result| reply(RuntimeMessage::OperationDone { id, request, result });
                match output_target(target, fds) {
                    Ok(crate::output::Target::File(file)) => {
                        self.with_view(client, id, |v| crate::output::save_mhtml(v.webkit(), file, done))
                    }
                    Ok(crate::output::Target::Path(_)) => done(Err(
                        "MHTML is written into a delivered file only, never to a path".into(),
                    )),
                    Err(e) => done(Err(e)),
                }
            }
            AppMessage::GetCookies { id, request, uri } => {
                let reply = self.replier(client);
                let done = move |result| reply(RuntimeMessage::CookiesResult { id, request, result });
                crate::profile::cookies(&self.data, uri.as_deref(), done);
            }
            AppMessage::SetVirtualHostMapping {
                id,
                request,
                host,
                folder,
                access,
            } => {
                let result = if client.views.borrow().contains_key(&id) {
                    self.proxy
                        .map(&self.context, &self.data, (client.id, id), &host, &folder, access)
                } else {
                    Err(format!("there is no webview {}", id.0))
                };
                self.send(client, &RuntimeMessage::OperationDone { id, request, result });
            }
            AppMessage::ClearVirtualHostMapping { id, host } => {
                self.proxy.unmap(&self.data, (client.id, id), &host);
            }
            AppMessage::SetCookie { id, request, cookie } => {
                let reply = self.replier(client);
                crate::profile::add_cookie(&self.data, &cookie, move |result| {
                    reply(RuntimeMessage::OperationDone { id, request, result })
                });
            }
            AppMessage::DeleteCookie { id, request, cookie } => {
                let reply = self.replier(client);
                crate::profile::delete_cookie(&self.data, &cookie, move |result| {
                    reply(RuntimeMessage::OperationDone { id, request, result })
                });
            }
            AppMessage::ClearBrowsingData { id, request, kinds } => {
                let reply = self.replier(client);
                if kinds.permissions
                    && let Err(e) = self.permissions.clear()
                {
                    reply(RuntimeMessage::OperationDone {
                        id,
                        request,
                        result: Err(e),
                    });
                    return Ok(());
                }
                crate::profile::clear(&self.data, kinds, move |result| {
                    reply(RuntimeMessage::OperationDone { id, request, result })
                });
            }
            AppMessage::UpdateSetting { id, setting } => self.with_view(client, id, |v| v.apply_setting(setting)),
            AppMessage::SetBounds {
                id,
                x,
                y,
                width,
                height,
            } => self.with_view(client, id, |v| v.set_bounds(x, y, width, height)),
            AppMessage::MoveFocus { id } => self.with_view(client, id, View::move_focus),
            AppMessage::NewWindowResponse { id, request, decision } => {
                self.with_view(client, id, |v| v.answer_new_window(request, decision))
            }
            AppMessage::AddWebResourceRequestedFilter { id, filter } => {
                self.with_view(client, id, |v| v.add_resource_filter(filter));
                if let Err(reason) = self.filters_changed(client, id) {
                    self.send(client, &RuntimeMessage::RequestFailed { id: Some(id), reason });
                }
            }
            AppMessage::RemoveWebResourceRequestedFilter { id, filter } => {
                self.with_view(client, id, |v| v.remove_resource_filter(&filter));
                if let Err(reason) = self.filters_changed(client, id) {
                    self.send(client, &RuntimeMessage::RequestFailed { id: Some(id), reason });
                }
            }
            AppMessage::WebResourceResponse { id, request, response } => {
                let mut refused = None;
                self.with_view(client, id, |v| {
                    refused = v.answer_resource(request, response, fds).err()
                });
                if let Some(reason) = refused {
                    self.send(client, &RuntimeMessage::RequestFailed { id: Some(id), reason });
                }
            }
            AppMessage::Close { id } => {
                let view = client.views.borrow_mut().remove(&id);
                self.proxy.forget(&self.data, |owner, _| *owner == (client.id, id));
                self.tell_pages_intercepted_hosts();
                self.downloads.forget(client.id, Some(id));
                match view {
                    Some(view) => {
                        view.destroy();
                        self.send(
                            client,
                            &RuntimeMessage::WebViewClosed {
                                id,
                                reason: CloseReason::Requested,
                            },
                        );
                        self.schedule_idle_check();
                    }
                    None => self.unknown_view(client, id),
                }
            }
        }
        Ok(())
    }

    /// Sends to `client` later (from an engine callback), if both it and the runtime are still there.
    pub(super) fn replier(self: &Rc<Self>, client: &Rc<Client>) -> impl Fn(RuntimeMessage) + Clone + 'static {
        let (server, client) = (Rc::downgrade(self), Rc::downgrade(client));
        move |message| {
            if let (Some(server), Some(client)) = (server.upgrade(), client.upgrade()) {
                server.send(&client, &message);
            }
        }
    }

    pub(super) fn with_view(&self, client: &Rc<Client>, id: WebViewId, f: impl FnOnce(&View)) {
        let views = client.views.borrow();
        match views.get(&id) {
            Some(view) => f(view),
            None => {
                drop(views);
                self.unknown_view(client, id);
            }
        }
    }

    pub(super) fn unknown_view(&self, client: &Rc<Client>, id: WebViewId) {
        self.send(
            client,
            &RuntimeMessage::RequestFailed {
                id: Some(id),
                reason: "no such webview".into(),
            },
        );
    }
}

/// A PDF or MHTML target: a path, or a delivered file the app opened for writing.
pub(super) fn output_target(target: OutputTarget, fds: &mut ReceivedFds) -> Result<crate::output::Target, String> {
    match target {
        OutputTarget::Path(path) => Ok(crate::output::Target::Path(path)),
        OutputTarget::File(fd) => {
            let (file, access) = fds.take_file(fd).map_err(|e| e.to_string())?;
            match fds.kind(fd) {
                Some(webpane_ipc::FdKind::File { .. }) if access != webpane_ipc::FileAccess::Read => {
                    Ok(crate::output::Target::File(file))
                }
                _ => Err("the delivered file must be a regular file open for writing".into()),
            }
        }
    }
}
