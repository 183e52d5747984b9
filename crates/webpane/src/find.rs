//! Find in the page (WebView2's `CoreWebView2Find`): start with options, step through the
//! matches, stop; the match count and the active match's index, as values and as events.

use std::cell::Cell;
use std::marker::PhantomData;
use std::rc::Rc;

use webpane_ipc::protocol::{AppMessage, FindCommand};

use crate::error::Result;
use crate::objects::WebView;

/// The match count and the active match's index, as last reported: only this module reads or
/// changes them.
pub(crate) struct FindState {
    reported: Cell<(u32, i64)>,
    /// Whether the page has more matches than the count.
    more: Cell<bool>,
}

impl Default for FindState {
    fn default() -> Self {
        FindState {
            reported: Cell::new((0, -1)),
            more: Cell::new(false),
        }
    }
}

/// The most matches the browser process counts (`find_match_count`); a page with more reports
/// this many and [`WebView::find_has_more_matches`].
pub const MAX_FIND_MATCHES: u32 = 10_000;

/// What to find and how (WebView2's `CoreWebView2FindOptions`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[doc(alias = "CoreWebView2FindOptions")]
pub struct FindOptions {
    /// What to find.
    #[doc(alias = "FindTerm")]
    pub find_term: String,
    /// Whether case matters (default: no).
    #[doc(alias = "IsCaseSensitive")]
    pub is_case_sensitive: bool,
    /// Matches only at the start of words (WebKit's nearest to WebView2's `ShouldMatchWord`).
    #[doc(alias = "ShouldMatchWord")]
    pub should_match_word: bool,
    /// The first active match is the last one.
    pub backwards: bool,
}

impl FindOptions {
    /// Finds `term`, case-insensitively.
    pub fn new(term: &str) -> FindOptions {
        FindOptions {
            find_term: term.to_owned(),
            ..FindOptions::default()
        }
    }
}

/// Arguments of [`WebView::on_find_match_count_changed`].
#[derive(Debug, Clone)]
pub struct FindMatchCountChangedEventArgs {
    count: u32,
    _ui_thread: PhantomData<Rc<()>>,
}

impl FindMatchCountChangedEventArgs {
    /// Matches found (WebKit counts up to 1,000).
    #[doc(alias = "MatchCount")]
    pub fn match_count(&self) -> u32 {
        self.count
    }
}

/// Arguments of [`WebView::on_find_active_match_index_changed`].
#[derive(Debug, Clone)]
pub struct FindActiveMatchIndexChangedEventArgs {
    index: i64,
    _ui_thread: PhantomData<Rc<()>>,
}

impl FindActiveMatchIndexChangedEventArgs {
    /// The active match, from 0; -1 for none.
    #[doc(alias = "ActiveMatchIndex")]
    pub fn active_match_index(&self) -> i64 {
        self.index
    }
}

impl WebView {
    fn find_command(&self, command: FindCommand) -> Result<()> {
        self.request(AppMessage::Find { id: self.id(), command })
    }

    /// Finds `options.find_term` in the page: every match is highlighted and the first (the last
    /// with `backwards`) becomes active; the count and index arrive as events.
    #[doc(alias = "StartAsync")]
    pub fn start_find(&self, options: &FindOptions) -> Result<()> {
        self.find_command(FindCommand::Start {
            text: options.find_term.clone(),
            case_sensitive: options.is_case_sensitive,
            word_starts: options.should_match_word,
            backwards: options.backwards,
        })
    }

    /// Makes the next match active (after the last, the first).
    #[doc(alias = "FindNext")]
    pub fn find_next(&self) -> Result<()> {
        self.find_command(FindCommand::Next)
    }

    /// Makes the previous match active (before the first, the last).
    #[doc(alias = "FindPrevious")]
    pub fn find_previous(&self) -> Result<()> {
        self.find_command(FindCommand::Previous)
    }

    /// Ends the find: no highlight, no active match.
    #[doc(alias = "Stop")]
    pub fn stop_find(&self) -> Result<()> {
        self.find_command(FindCommand::Stop)
    }

    /// Matches of the current find (as last reported). The browser process counts up to
    /// [`MAX_FIND_MATCHES`]: a page with more reports that many, with
    /// [`find_has_more_matches`](Self::find_has_more_matches) true ("10000+").
    #[doc(alias = "MatchCount")]
    pub fn find_match_count(&self) -> u32 {
        self.inner.features.get::<FindState>().reported.get().0
    }

    /// The active match's index (as last reported); -1 for none.
    #[doc(alias = "ActiveMatchIndex")]
    pub fn find_active_match_index(&self) -> i64 {
        self.inner.features.get::<FindState>().reported.get().1
    }

    /// Whether the page has more matches than [`find_match_count`](Self::find_match_count) says
    /// (more than [`MAX_FIND_MATCHES`]).
    pub fn find_has_more_matches(&self) -> bool {
        self.inner.features.get::<FindState>().more.get()
    }

    /// A report from the browser process: the events for what changed.
    pub(crate) fn find_changed(&self, count: u32, more: bool, index: i64) {
        let state = self.inner.features.get::<FindState>();
        let (old_count, old_index) = state.reported.replace((count, index));
        let old_more = state.more.replace(more);
        if count != old_count || more != old_more {
            let args = FindMatchCountChangedEventArgs {
                count,
                _ui_thread: PhantomData,
            };
            self.inner.events.raise(self, &args);
        }
        if index != old_index || count != old_count {
            let args = FindActiveMatchIndexChangedEventArgs {
                index,
                _ui_thread: PhantomData,
            };
            self.inner.events.raise(self, &args);
        }
    }

    crate::handlers::event_methods! { WebView {
        /// the current find's match count changed.
        on_find_match_count_changed, remove_find_match_count_changed, FindMatchCountChangedEventArgs, "add_MatchCountChanged", "remove_MatchCountChanged";
        /// the current find's active match changed.
        on_find_active_match_index_changed, remove_find_active_match_index_changed, FindActiveMatchIndexChangedEventArgs, "add_ActiveMatchIndexChanged", "remove_ActiveMatchIndexChanged";
    }}
}
