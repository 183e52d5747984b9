//! Posting [`SharedBuffer`]s to page script (WebView2's `PostSharedBufferToScript`).

use webpane_ipc::protocol::AppMessage;
use webpane_ipc::{Outgoing, SharedBuffer, SharedBufferError};

use crate::error::{Error, Result};
use crate::objects::WebView;
use crate::operation::{Operation, operation};
use crate::posted_buffers::{Pending, SharedBufferMappings};

/// How the page may use a posted buffer (WebView2's `COREWEBVIEW2_SHARED_BUFFER_ACCESS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SharedBufferAccess {
    /// The page can only read. Enforced by the kernel: the web process gets a read-only fd and
    /// maps it read-only; a write kills the render process (reported as `ProcessFailed`).
    ReadOnly,
    /// The page can read and write; each side sees the other's writes.
    ReadWrite,
}

/// A posted shared buffer (returned by
/// [`WebView::post_shared_buffer_to_script`]): drop it if the delivery does not matter, or
/// wait for [`acknowledged`](Self::acknowledged).
#[derive(Debug)]
pub struct SharedBufferPost {
    delivered: Operation<()>,
}

impl SharedBufferPost {
    /// Completes when the page's `sharedbufferreceived` listeners have run (beyond WebView2,
    /// WebView2Feedback #3331), or fails with why not (no `chrome.webview`, the frame is gone).
    pub fn acknowledged(self) -> Operation<()> {
        self.delivered
    }
}

fn closed(e: SharedBufferError) -> Error {
    match e {
        SharedBufferError::Closed => Error::Closed,
        other => Error::InvalidArgument(other.to_string()),
    }
}

impl WebView {
    /// Gives the page `buffer` without copying it: the page's
    /// `chrome.webview.addEventListener('sharedbufferreceived', e => e.getBuffer())` gets an
    /// `ArrayBuffer` over the same memory, and `e.additionalData` is `additional_data_json`
    /// parsed (or `null`). The page ends its access with `chrome.webview.releaseBuffer(buffer)`;
    /// navigating away or closing the webview ends it too.
    ///
    /// Returns at once; [`SharedBufferPost::acknowledged`] completes when the page's listeners
    /// have run (or fails with why not). [`Error::Closed`] for a closed buffer. Closing the buffer here
    /// afterwards does not take it from the page; the memory is freed once both let go.
    #[doc(alias = "PostSharedBufferToScript")]
    pub fn post_shared_buffer_to_script(
        &self,
        buffer: &SharedBuffer,
        access: SharedBufferAccess,
        additional_data_json: Option<&str>,
    ) -> Result<SharedBufferPost> {
        self.post_shared_buffer_to(None, buffer, access, additional_data_json)
    }

    /// What the pages of this webview map right now (posted, delivered, not yet released).
    pub fn shared_buffer_mappings(&self) -> SharedBufferMappings {
        self.inner.buffers.mappings()
    }

    pub(crate) fn post_shared_buffer_to(
        &self,
        frame: Option<u64>,
        buffer: &SharedBuffer,
        access: SharedBufferAccess,
        additional_data_json: Option<&str>,
    ) -> Result<SharedBufferPost> {
        // `additional_data_json` is checked with every other part of the request when it is sent.
        let size = buffer.size().map_err(closed)? as u64;
        let posts = &self.inner.buffers;
        let id = posts.next.get() + 1;
        posts.next.set(id);
        let message = |memory| AppMessage::PostSharedBuffer {
            id: self.id(),
            frame,
            buffer: id,
            memory,
            additional_data: additional_data_json.map(str::to_owned),
        };
        let session = self.session_for_request()?;
        let (resolver, op) = operation();
        posts.pending.borrow_mut().insert(
            id,
            Pending {
                resolver,
                size,
                released: false,
            },
        );
        let sent = match access {
            SharedBufferAccess::ReadWrite => buffer
                .with_memory(|memory| {
                    let mut fds = Outgoing::new();
                    let r = fds.shared_memory(memory);
                    session.send_with_fds(&message(r), fds)
                })
                .map_err(closed)
                .and_then(|r| r),
            SharedBufferAccess::ReadOnly => buffer.read_only_memory().map_err(closed).and_then(|memory| {
                let mut fds = Outgoing::new();
                let r = fds.shared_memory_read_only(&memory);
                session.send_with_fds(&message(r), fds)
            }),
        };
        if let Err(e) = sent {
            posts.pending.borrow_mut().remove(&id);
            return Err(e);
        }
        Ok(SharedBufferPost { delivered: op })
    }
}
