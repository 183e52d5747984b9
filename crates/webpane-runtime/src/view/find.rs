//! Find in the page (WebKit's find controller): matches highlighted, one active; the app hears
//! the match count and the active match's index. WebKit does not say which match is active, so
//! the index is counted here: the first (or the last, backwards) on start, one on per step,
//! wrapping around.
//!
//! The matches are counted first (up to [`MAX_COUNTED`]; past it, WebKit answers `G_MAXUINT`
//! and the app hears the limit with `more`), then searched and highlighted (up to
//! [`MAX_HIGHLIGHTED`]).

use std::cell::RefCell;
use std::rc::Rc;

use webkit2gtk::{FindControllerExt, FindOptions, WebViewExt};
use webpane_ipc::protocol::{FindCommand, RuntimeMessage, WebViewId};

use super::state::{FindState, FindStep, View};
use crate::host::Host;

/// Matches are counted up to this many.
pub const MAX_COUNTED: u32 = 10_000;
/// Matches are highlighted up to this many (WebKit paints every one).
const MAX_HIGHLIGHTED: u32 = 1000;

impl View {
    pub(super) fn wire_find(&self, id: WebViewId, host: &Rc<dyn Host>) {
        let Some(controller) = self.webview.find_controller() else {
            return;
        };
        let report = {
            let (state, host) = (self.find.clone(), host.clone());
            move || {
                host.send(RuntimeMessage::FindChanged {
                    id,
                    match_count: state.count.get(),
                    more: state.more.get(),
                    active_index: state.index.get(),
                })
            }
        };
        {
            // Counted: now search (the count is known when `found-text` comes).
            let state = self.find.clone();
            controller.connect_counted_matches(move |controller, counted| {
                let more = counted == u32::MAX || counted > MAX_COUNTED;
                state.count.set(if more { MAX_COUNTED } else { counted });
                state.more.set(more);
                if let Some((text, options)) = state.pending.borrow_mut().take() {
                    controller.search(&text, options, MAX_HIGHLIGHTED);
                }
            });
        }
        {
            let (state, report) = (self.find.clone(), report.clone());
            controller.connect_found_text(move |_, _| {
                // A step reports 1 (the match it moved to), a start what it highlighted: the
                // count is the counted one.
                let step = state.step.replace(FindStep::Idle);
                let count = state.count.get().max(1);
                let index = match step {
                    FindStep::Start { backwards: false } => 0,
                    FindStep::Start { backwards: true } => i64::from(count) - 1,
                    FindStep::Next => (state.index.get() + 1).rem_euclid(i64::from(count)),
                    FindStep::Previous => (state.index.get() - 1).rem_euclid(i64::from(count)),
                    FindStep::Idle => state.index.get().max(0),
                };
                state.count.set(count);
                state.index.set(index);
                report();
            });
        }
        {
            let state = self.find.clone();
            controller.connect_failed_to_find_text(move |_| {
                state.step.set(FindStep::Idle);
                state.count.set(0);
                state.more.set(false);
                state.index.set(-1);
                report();
            });
        }
    }

    /// Runs a find command.
    pub fn find(&self, command: FindCommand) {
        let Some(controller) = self.webview.find_controller() else {
            return;
        };
        match command {
            FindCommand::Start {
                text,
                case_sensitive,
                word_starts,
                backwards,
            } => {
                let mut options = FindOptions::WRAP_AROUND;
                options.set(FindOptions::CASE_INSENSITIVE, !case_sensitive);
                options.set(FindOptions::AT_WORD_STARTS, word_starts);
                options.set(FindOptions::BACKWARDS, backwards);
                self.find.step.set(FindStep::Start { backwards });
                self.find.pending.replace(Some((text.clone(), options.bits())));
                controller.count_matches(&text, options.bits(), MAX_COUNTED);
            }
            FindCommand::Next if self.find.count.get() > 0 => {
                self.find.step.set(FindStep::Next);
                controller.search_next();
            }
            FindCommand::Previous if self.find.count.get() > 0 => {
                self.find.step.set(FindStep::Previous);
                controller.search_previous();
            }
            FindCommand::Next | FindCommand::Previous => {}
            FindCommand::Stop => {
                controller.search_finish();
                self.find.step.set(FindStep::Idle);
                self.find.count.set(0);
                self.find.more.set(false);
                self.find.index.set(-1);
                self.find.pending.replace(None);
                self.host.send(RuntimeMessage::FindChanged {
                    id: self.id,
                    match_count: 0,
                    more: false,
                    active_index: -1,
                });
            }
        }
    }
}

impl FindState {
    pub(super) fn new() -> Rc<FindState> {
        Rc::new(FindState {
            count: 0.into(),
            more: false.into(),
            index: (-1).into(),
            pending: RefCell::new(None),
            step: FindStep::Idle.into(),
        })
    }
}
