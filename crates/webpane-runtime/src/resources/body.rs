//! Bodies between WebKit and the app: a request's streamed to the app through a pipe, a
//! response's fd taken from the app's message.

use gio::prelude::*;
use webpane_ipc::{FdKind, FileAccess, FileForTransit, ReceivedFds};

/// Why the app's response to a `WebResourceRequested` cannot be given to the engine.
#[derive(Debug, thiserror::Error)]
pub enum ResponseError {
    /// The status, reason or headers break HTTP's rules.
    #[error("{0}")]
    Invalid(String),
    /// The body fd is not there or cannot be read.
    #[error("the body fd is missing or not readable ({0})")]
    BodyNotReadable(String),
    /// The body fd could not be taken from the message.
    #[error("the body fd cannot be taken")]
    BodyFd(#[source] webpane_ipc::BadMessage),
    /// The body length does not fit the engine's.
    #[error("body length {0} is too large")]
    BodyTooLong(u64),
}

/// Why a request body could not be passed on to the app.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    /// No pipe for the body.
    #[error("cannot make a pipe")]
    Pipe(#[source] rustix::io::Errno),
    /// The pipe's end cannot be sent.
    #[error("cannot send the pipe")]
    Handle(#[source] webpane_ipc::HandleError),
}

/// The readable fd of a response body.
pub(super) fn take_body_fd(
    fds: &mut ReceivedFds,
    fd: webpane_ipc::FdRef,
) -> Result<std::os::fd::OwnedFd, ResponseError> {
    let readable = match fds.kind(fd) {
        Some(FdKind::File { access } | FdKind::Pipe { access }) => access != FileAccess::Write,
        Some(FdKind::Socket) => true,
        _ => false,
    };
    if !readable {
        return Err(ResponseError::BodyNotReadable(format!("{:?}", fds.kind(fd))));
    }
    if matches!(fds.kind(fd), Some(FdKind::Socket)) {
        fds.take_socket(fd).map_err(ResponseError::BodyFd)
    } else {
        Ok(fds.take_file(fd).map_err(ResponseError::BodyFd)?.0.into())
    }
}

/// Copies the engine's request body stream into a new pipe, asynchronously (never blocking the
/// main loop, never holding more than a buffer of it); returns the read end for the app.
pub(super) fn stream_to_pipe(stream: gio::InputStream) -> Result<FileForTransit, BodyError> {
    let (read_end, write_end) = rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC).map_err(BodyError::Pipe)?;
    let output = crate::ffi::output_stream(write_end);
    output.splice_async(
        &stream,
        gio::OutputStreamSpliceFlags::CLOSE_SOURCE | gio::OutputStreamSpliceFlags::CLOSE_TARGET,
        glib::Priority::DEFAULT,
        None::<&gio::Cancellable>,
        |result| {
            // An app that drops the body unread closes the pipe: that is its choice, not an error.
            if let Err(e) = result {
                log::debug!("request body not fully passed on: {e}");
            }
        },
    );
    FileForTransit::take(read_end).map_err(BodyError::Handle)
}
