//! Offscreen views: the app's frame buffers and its input; drags the app forwards into any view.

use std::rc::Rc;

use webpane_ipc::ReceivedFds;
use webpane_ipc::protocol::{AppMessage, DragInput, RuntimeMessage};
use webpane_ipc::webext::{PageFileAccess, PageFileInfo};

use super::error::RequestError;
use super::step::{Step, done, view};
use crate::server::state::*;

pub(super) fn handle(server: &Rc<Server>, client: &Rc<Client>, message: AppMessage, fds: &mut ReceivedFds) -> Step {
    match message {
        AppMessage::AttachFrames {
            id,
            generation,
            width,
            height,
            buffers,
        } => {
            let memories: Result<Vec<_>, _> = buffers.into_iter().map(|b| fds.take_shared_memory(b)).collect();
            done(match memories {
                Ok(memories) => {
                    view(client, id).and_then(|v| Ok(v.attach_frames(generation, width, height, memories)?))
                }
                Err(e) => Err(RequestError::Fd(e)),
            })
        }
        AppMessage::ReleaseFrame { id, generation, buffer } => {
            done(view(client, id).map(|v| v.release_frame(generation, buffer)))
        }
        AppMessage::SendInput { id, input } => done(view(client, id).and_then(|v| Ok(v.send_input(input)?))),
        AppMessage::Drag { id, request, input } => {
            let mut files = Vec::new();
            if let DragInput::Drop { files: attached, .. } = &input {
                for (r, name) in attached {
                    let info = PageFileInfo {
                        name: name.clone(),
                        access: PageFileAccess::Read,
                        mime: String::new(),
                    };
                    match fds.take_file(*r) {
                        Ok((file, access)) => match crate::view::check_page_file(&file, access, &info) {
                            Ok(()) => files.push(std::os::fd::OwnedFd::from(file)),
                            Err(e) => return done(Err(e.into())),
                        },
                        Err(e) => return done(Err(RequestError::Fd(e))),
                    }
                }
            }
            let answers = !matches!(input, DragInput::Leave);
            let reply = server.replier(client);
            done(view(client, id).map(|v| {
                v.forward_drag(input, files, move |result| {
                    if answers {
                        let result = result.map_err(|e| crate::error::reason(&e));
                        reply(RuntimeMessage::DragDone { id, request, result });
                    }
                })
            }))
        }
        other => Step::Continue(other),
    }
}
