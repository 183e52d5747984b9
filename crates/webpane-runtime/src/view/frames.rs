//! Subframes, as the web process extension reports them.

use std::rc::Rc;

use webkit2gtk::{UserMessageExt, WebViewExt};
use webpane_ipc::protocol::{FrameStage, RuntimeMessage, WebViewId};
use webpane_ipc::webext;

use super::extension::parameters_json;
use super::state::*;
use crate::host::Host;

impl View {
    /// Frames, as the web process extension reports them.
    pub(super) fn wire_frames(&self, id: WebViewId, host: &Rc<dyn Host>) {
        let (host, frames, buffers) = (host.clone(), self.frames.clone(), self.buffers.clone());
        let (report, navigations) = (self.report.clone(), self.navigations.clone());
        // Each subframe's current navigation id.
        let current: std::cell::RefCell<std::collections::HashMap<u64, u64>> = Default::default();
        self.webview.connect_user_message_received(move |webview, message| {
            let name = message.name().map(|n| n.to_string()).unwrap_or_default();
            let json = parameters_json(message);
            match name.as_str() {
                webext::HELLO => {
                    report.greeted.set(true);
                    if let Some(socket) = message.fd_list().and_then(|l| webpane_glib::take_fd(&l, 0)) {
                        let pid = rustix::net::sockopt::socket_peercred(&socket)
                            .ok()
                            .map(|c| c.pid.as_raw_nonzero().get() as u32);
                        log::debug!("view {}: web process {pid:?} says hello", id.0);
                        report.pid.set(pid);
                        report.socket.replace(Some(socket));
                    }
                    // A page in a web process started before the last change of the set.
                    let hosts = crate::proxy::intercepted_now();
                    if !hosts.is_empty() {
                        super::extension::send_intercepted_hosts(webview, &hosts);
                    }
                    true
                }
                webext::FRAME_CREATED | webext::FRAME_NAVIGATED => {
                    let Ok(info) = serde_json::from_str::<webext::FrameInfo>(&json) else {
                        log::warn!("view {}: malformed {name} from the web process", id.0);
                        return true;
                    };
                    // The iframe's document came from the navigation allowed last (WebKit
                    // asked about it as about any navigation): that navigation is complete, not
                    // left to be cancelled by the next one.
                    let navigation_id = match navigations.take_if_to(&info.uri) {
                        Some(navigation_id) => {
                            host.send(RuntimeMessage::NavigationCompleted {
                                id,
                                navigation_id,
                                is_success: true,
                                error: None,
                                http_status_code: 0,
                            });
                            navigation_id
                        }
                        None => navigations.fresh(),
                    };
                    current.borrow_mut().insert(info.frame, navigation_id);
                    let frame = info.frame;
                    if frames.borrow_mut().insert(info.frame) {
                        host.send(RuntimeMessage::FrameCreated {
                            id,
                            frame: info.frame,
                            name: info.name,
                            source: info.uri,
                        });
                    } else {
                        host.send(RuntimeMessage::FrameNavigated {
                            id,
                            frame: info.frame,
                            source: info.uri,
                        });
                    }
                    host.send(RuntimeMessage::FrameNavigationEvent {
                        id,
                        frame,
                        navigation_id,
                        stage: FrameStage::ContentLoading,
                    });
                    true
                }
                webext::FRAME_DOM_CONTENT_LOADED | webext::FRAME_LOADED => {
                    let Ok(which) = serde_json::from_str::<webext::FrameGone>(&json) else {
                        return true;
                    };
                    let navigation_id = current.borrow().get(&which.frame).copied();
                    if let (Some(navigation_id), true) = (navigation_id, frames.borrow().contains(&which.frame)) {
                        let stage = if name == webext::FRAME_LOADED {
                            FrameStage::Completed
                        } else {
                            FrameStage::DomContentLoaded
                        };
                        host.send(RuntimeMessage::FrameNavigationEvent {
                            id,
                            frame: which.frame,
                            navigation_id,
                            stage,
                        });
                    }
                    true
                }
                webext::BUFFER_RELEASED => {
                    if let Ok(gone) = serde_json::from_str::<webext::BufferGone>(&json)
                        && buffers.borrow_mut().remove(&gone.buffer)
                    {
                        host.send(RuntimeMessage::SharedBufferReleased {
                            id,
                            buffer: gone.buffer,
                        });
                    }
                    true
                }
                webext::FRAME_DESTROYED => {
                    if let Ok(gone) = serde_json::from_str::<webext::FrameGone>(&json) {
                        current.borrow_mut().remove(&gone.frame);
                        if frames.borrow_mut().remove(&gone.frame) {
                            host.send(RuntimeMessage::FrameDestroyed { id, frame: gone.frame });
                        }
                    }
                    true
                }
                _ => false,
            }
        });
        // A render process that exits takes its frames and mappings along.
        let (host, frames, buffers) = (self.host.clone(), self.frames.clone(), self.buffers.clone());
        self.webview.connect_web_process_terminated(move |_, _| {
            let gone: Vec<u64> = std::mem::take(&mut *frames.borrow_mut()).into_iter().collect();
            for frame in gone {
                host.send(RuntimeMessage::FrameDestroyed { id, frame });
            }
            let released: Vec<u64> = std::mem::take(&mut *buffers.borrow_mut()).into_iter().collect();
            for buffer in released {
                host.send(RuntimeMessage::SharedBufferReleased { id, buffer });
            }
        });
    }
}
