//! What the app gives a page: scripts, web messages (with files or shared buffers), worker
//! messages, host object replies.

use std::os::fd::OwnedFd;
use std::rc::Rc;

use webpane_ipc::protocol::{AppMessage, RuntimeMessage, ScriptFailure};
use webpane_ipc::{Access, FdKind, ReceivedFds};

use super::error::{ProtocolError, RequestError};
use super::step::{Step, done, view};
use crate::error::for_wire;
use crate::server::state::*;
use crate::view::BufferPost;

pub(super) fn handle(server: &Rc<Server>, client: &Rc<Client>, message: AppMessage, fds: &mut ReceivedFds) -> Step {
    match message {
        AppMessage::ExecuteScript {
            id,
            frame,
            request,
            script,
            with_result,
        } => {
            let reply = server.replier(client);
            done(view(client, id).map(|v| {
                let finish = move |result: Result<String, ScriptFailure>| {
                    // A result the wire cannot carry is an error for the app, not silence.
                    let result = result.and_then(|json| match json.len() > webpane_ipc::MAX_MESSAGE_SIZE - 4096 {
                        true => Err(ScriptFailure::Failed(crate::error::reason(
                            &RequestError::ResultTooLarge(json.len()),
                        ))),
                        false => Ok(json),
                    });
                    reply(RuntimeMessage::ScriptResult { id, request, result });
                };
                v.execute_script(frame, &script, with_result, Box::new(finish))
            }))
        }
        AppMessage::AddDocumentCreatedScript { id, script_id, script } => {
            done(view(client, id).map(|v| v.add_document_created_script(script_id, &script)))
        }
        AppMessage::RemoveDocumentCreatedScript { id, script_id } => {
            done(view(client, id).map(|v| v.remove_document_created_script(script_id)))
        }
        AppMessage::Fence { id, fence } => done(view(client, id).map(|v| v.send_fence(fence))),
        AppMessage::PostWebMessage { id, frame, json } => {
            done(view(client, id).map(|v| v.post_web_message(frame, &json)))
        }
        AppMessage::PostWebMessageWithFiles { id, frame, json, files } => {
            let mut taken = Vec::new();
            for (r, info) in files {
                let file = match fds.take_file(r) {
                    Ok((file, access)) => crate::view::check_page_file(&file, access, &info).map(|()| file),
                    Err(e) => return done(Err(RequestError::Fd(e))),
                };
                match file {
                    Ok(file) => taken.push((OwnedFd::from(file), info)),
                    Err(e) => return done(Err(e.into())),
                }
            }
            done(view(client, id).map(|v| {
                v.post_files(frame, json, taken, move |result| {
                    if let Err(why) = result {
                        log::warn!(
                            "a web message with files was not delivered: {}",
                            crate::error::reason(&why)
                        );
                    }
                })
            }))
        }
        AppMessage::PostWorkerMessage {
            id,
            frame,
            worker,
            json,
        } => done(view(client, id).map(|v| v.post_worker_message(frame, worker, &json))),
        AppMessage::PostSharedBuffer {
            id,
            frame,
            buffer,
            memory,
            additional_data,
        } => {
            let (fd, size, read_only) = match fds.kind(memory) {
                Some(FdKind::SharedMemory { access, size }) => {
                    let read_only = access == Access::ReadOnly;
                    let fd = if read_only {
                        fds.take_shared_memory_read_only(memory).map(|m| m.into_fd())
                    } else {
                        fds.take_shared_memory(memory).map(|m| m.into_fd())
                    };
                    match fd {
                        Ok(fd) => (fd, size, read_only),
                        Err(e) => return done(Err(ProtocolError::NoSharedMemory(e.to_string()).into())),
                    }
                }
                other => return done(Err(ProtocolError::NoSharedMemory(format!("{other:?}")).into())),
            };
            let reply = server.replier(client);
            done(view(client, id).map(|v| {
                let post = BufferPost {
                    frame,
                    buffer,
                    memory: fd,
                    size,
                    read_only,
                    additional_data,
                };
                v.post_shared_buffer(post, move |result| {
                    reply(RuntimeMessage::SharedBufferDelivered {
                        id,
                        buffer,
                        result: for_wire(result),
                    })
                })
            }))
        }
        AppMessage::HostObjectReply { id, frame, json } => {
            done(view(client, id).map(|v| v.post_host_object_reply(frame, &json)))
        }
        other => Step::Continue(other),
    }
}
