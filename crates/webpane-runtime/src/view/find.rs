//! Find in the page (WebKit's find controller): matches highlighted, one active; the app hears
//! the match count and the active match's index. WebKit does not say which match is active, so
//! the index is counted here: the first (or the last, backwards) on start, one on per step,
//! wrapping around.

use std::rc::Rc;

use webkit2gtk::{FindControllerExt, FindOptions, WebViewExt};
use webpane_ipc::protocol::{FindCommand, RuntimeMessage, WebViewId};

use super::state::{FindState, FindStep, View};
use crate::host::Host;

/// WebKit counts matches up to this many.
const MAX_MATCHES: u32 = 1000;

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
                    active_index: state.index.get(),
                })
            }
        };
        {
            let (state, report) = (self.find.clone(), report.clone());
            controller.connect_found_text(move |_, found| {
                // A step reports 1 (the match it moved to), a start the count.
                let step = state.step.replace(FindStep::Idle);
                let count = match step {
                    FindStep::Start { .. } => found.max(1),
                    _ => state.count.get().max(1),
                };
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
                controller.search(&text, options.bits(), MAX_MATCHES);
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
                self.find.index.set(-1);
                self.host.send(RuntimeMessage::FindChanged {
                    id: self.id,
                    match_count: 0,
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
            index: (-1).into(),
            step: FindStep::Idle.into(),
        })
    }
}
