//! A view's suspension and memory target, as `suspension.rs` keeps them.

use std::cell::Cell;

use webpane_ipc::protocol::MemoryUsageTargetLevel;

/// A view's suspension and memory target.
#[derive(Default)]
pub(super) struct Suspension {
    pub(super) state: Cell<State>,
    /// Tells suspend attempts apart (a resume during one cancels it).
    pub(super) attempt: Cell<u64>,
    pub(super) level: Cell<MemoryUsageTargetLevel>,
}

#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub(super) enum State {
    #[default]
    Running,
    /// Releasing memory before stopping (attempt number).
    Releasing(u64),
    /// The render process `pid` is stopped.
    Suspended(u32),
}
