//! A page's output: pictures, PDF, MHTML, and finding text in it.

use std::rc::Rc;

use webpane_ipc::protocol::{AppMessage, OutputTarget, PrintOutcome, RuntimeMessage, WebViewId};
use webpane_ipc::{FdKind, FileAccess, ReceivedFds};

use super::error::RequestError;
use super::step::{Step, done, view};
use crate::error::for_wire;
use crate::output::{OutputError, Target};
use crate::server::state::*;

pub(super) fn handle(server: &Rc<Server>, client: &Rc<Client>, message: AppMessage, fds: &mut ReceivedFds) -> Step {
    match message {
        AppMessage::CapturePreview { id, request, format } => {
            let reply = server.replier(client);
            done(view(client, id).map(|v| {
                crate::output::capture(v.webkit(), format, move |result| {
                    reply(RuntimeMessage::CaptureResult {
                        id,
                        request,
                        result: for_wire(result),
                    })
                })
            }))
        }
        AppMessage::PrintToPdf {
            id,
            request,
            target,
            settings,
        } => {
            let finish = server.operation_replier::<RequestError>(client, id, request);
            match output_target(target, fds).and_then(|target| Ok((view(client, id)?, target))) {
                Ok((v, target)) => crate::output::print_to_pdf(v.webkit(), target, &settings, move |result| {
                    finish(result.map_err(RequestError::from))
                }),
                Err(e) => finish(Err(e)),
            }
            done(Ok(()))
        }
        AppMessage::Print {
            id,
            request,
            page,
            printer,
        } => {
            let reply = print_replier(server, client, id, request);
            done(view(client, id).map(|v| crate::print::print(v.webkit(), &page, &printer, reply)))
        }
        AppMessage::ShowPrintUi { id, request } => {
            let reply = print_replier(server, client, id, request);
            done(view(client, id).map(|v| v.show_print_dialog(reply)))
        }
        AppMessage::SaveAsMhtml { id, request, target } => {
            let finish = server.operation_replier::<RequestError>(client, id, request);
            let file = output_target(target, fds).and_then(|target| match target {
                Target::File(file) => Ok((view(client, id)?, file)),
                Target::Path(_) => Err(OutputError::MhtmlToPath.into()),
            });
            match file {
                Ok((v, file)) => crate::output::save_mhtml(v.webkit(), file, move |result| {
                    finish(result.map_err(RequestError::from))
                }),
                Err(e) => finish(Err(e)),
            }
            done(Ok(()))
        }
        AppMessage::Find { id, command } => done(view(client, id).map(|v| v.find(command))),
        other => Step::Continue(other),
    }
}

/// Answers a print request with `PrintDone`.
fn print_replier(
    server: &Rc<Server>,
    client: &Rc<Client>,
    id: WebViewId,
    request: u64,
) -> impl FnOnce(Result<PrintOutcome, crate::print::PrintError>) + 'static {
    let reply = server.replier(client);
    move |result| {
        reply(RuntimeMessage::PrintDone {
            id,
            request,
            result: result.map_err(|e| crate::error::reason(&e)),
        })
    }
}

/// A PDF or MHTML target: a path, or a delivered file the app opened for writing.
fn output_target(target: OutputTarget, fds: &mut ReceivedFds) -> Result<Target, RequestError> {
    match target {
        OutputTarget::Path(path) => Ok(Target::Path(path)),
        OutputTarget::File(fd) => {
            let (file, access) = fds.take_file(fd).map_err(RequestError::Fd)?;
            match fds.kind(fd) {
                Some(FdKind::File { .. }) if access != FileAccess::Read => Ok(Target::File(file)),
                _ => Err(OutputError::NotWritable.into()),
            }
        }
    }
}
