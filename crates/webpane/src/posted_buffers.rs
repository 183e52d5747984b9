//! The shared buffers a webview posted: deliveries waiting for the page, and what its pages map.

use std::cell::RefCell;
use std::collections::HashMap;

use crate::error::Error;
use crate::operation::Resolver;

/// The shared buffers a webview's pages map right now (beyond WebView2: its users asked).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SharedBufferMappings {
    /// How many buffers.
    pub count: usize,
    /// Their total size in bytes.
    pub bytes: u64,
    /// How many posted buffers the pages have let go so far (released, navigated away),
    /// counting those released before their delivery was confirmed: a change means there may
    /// be page writes to save.
    pub released: u64,
}

/// A post whose delivery is not confirmed yet.
pub(crate) struct Pending {
    pub(crate) resolver: Resolver<()>,
    pub(crate) size: u64,
    /// The page released it before the confirmation arrived (a listener may release at once).
    pub(crate) released: bool,
}

/// Posted buffers of one webview: delivery futures and live mappings.
#[derive(Default)]
pub(crate) struct PostedBuffers {
    pub(crate) next: std::cell::Cell<u64>,
    pub(crate) pending: RefCell<HashMap<u64, Pending>>,
    pub(crate) live: RefCell<HashMap<u64, u64>>,
    pub(crate) releases: std::cell::Cell<u64>,
}

impl PostedBuffers {
    pub(crate) fn delivered(&self, buffer: u64, result: std::result::Result<(), String>) {
        let Some(pending) = self.pending.borrow_mut().remove(&buffer) else {
            return;
        };
        if result.is_ok() && !pending.released {
            self.live.borrow_mut().insert(buffer, pending.size);
        }
        pending.resolver.resolve(result.map_err(Error::RequestFailed));
    }

    pub(crate) fn released(&self, buffer: u64) {
        self.releases.set(self.releases.get() + 1);
        if self.live.borrow_mut().remove(&buffer).is_none()
            && let Some(pending) = self.pending.borrow_mut().get_mut(&buffer)
        {
            pending.released = true;
        }
    }

    pub(crate) fn mappings(&self) -> SharedBufferMappings {
        let live = self.live.borrow();
        SharedBufferMappings {
            count: live.len(),
            bytes: live.values().sum(),
            released: self.releases.get(),
        }
    }

    /// The webview closed: nothing is mapped any more, nothing will be delivered.
    pub(crate) fn clear(&self) {
        self.live.borrow_mut().clear();
        let pending: Vec<_> = self.pending.borrow_mut().drain().collect();
        drop(pending);
    }
}
