//! Offscreen views: the app's frame buffers and its input.

use std::rc::Rc;

use webpane_ipc::ReceivedFds;
use webpane_ipc::protocol::AppMessage;

use super::error::RequestError;
use super::step::{Step, done, view};
use crate::server::state::*;

pub(super) fn handle(_: &Rc<Server>, client: &Rc<Client>, message: AppMessage, fds: &mut ReceivedFds) -> Step {
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
        other => Step::Continue(other),
    }
}
