//! Telling a hung page from a slow one.
//!
//! The runtime pings each committed page every second with a script in an isolated world (the
//! page cannot see or intercept it). A ping unanswered for [`UNRESPONSIVE_AFTER`] (while the main
//! frame is still loading a document: [`LOADING_UNRESPONSIVE_AFTER`]) makes the page
//! unresponsive, unless the render process's main thread was *starved*: the kernel's scheduler
//! statistics (`/proc/PID/schedstat`) say it ran for less than a tenth of that time and waited
//! for a CPU longer than it ran. A page busy in an endless loop runs (even on a loaded machine it
//! gets far more than a tenth); a page blocked in a system call neither runs nor waits; both are
//! reported. A page on a machine busy starting 32 others mostly waits, and is not.

use std::cell::{Cell, RefCell};
use std::time::{Duration, Instant};

use glib::SourceId;

/// How long a ping may stay unanswered before the page counts as unresponsive.
pub const UNRESPONSIVE_AFTER: Duration = Duration::from_secs(3);
/// The same while the page's document is still loading: a render process that just started on
/// a busy machine is slow, not hung.
pub const LOADING_UNRESPONSIVE_AFTER: Duration = Duration::from_secs(10);

/// Detects a hung page: a ping evaluated in an isolated world must come back in time.
#[derive(Default)]
pub struct Watchdog {
    pub alive: Cell<bool>,
    /// Set while the main frame loads a document.
    pub loading: Cell<bool>,
    /// Set while the page waits for the app (window.open): not a hang.
    pub paused: Cell<bool>,
    /// Set while the render process is stopped on purpose (a suspended view).
    pub suspended: Cell<bool>,
    /// When the ping in flight was sent, and the render process's scheduler statistics then.
    pending: Cell<Option<(Instant, Option<SchedStat>)>>,
    pub timer: RefCell<Option<SourceId>>,
}

/// Nanoseconds a thread spent on a CPU and waiting for one (`/proc/PID/schedstat`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SchedStat {
    pub running: u64,
    pub waiting: u64,
}

/// The scheduler statistics of `pid`'s main thread (where a page's JavaScript runs).
pub fn schedstat(pid: u32) -> Option<SchedStat> {
    parse_schedstat(&std::fs::read_to_string(format!("/proc/{pid}/schedstat")).ok()?)
}

fn parse_schedstat(text: &str) -> Option<SchedStat> {
    let mut fields = text.split_whitespace().map(|f| f.parse::<u64>().ok());
    Some(SchedStat {
        running: fields.next()??,
        waiting: fields.next()??,
    })
}

impl Watchdog {
    /// Whether a ping is in flight.
    pub fn pinging(&self) -> bool {
        self.pending.get().is_some()
    }

    /// A ping was sent to the render process `pid` (if known).
    pub fn ping_sent(&self, pid: Option<u32>) {
        self.pending.set(Some((Instant::now(), pid.and_then(schedstat))));
    }

    /// The ping came back (or the process is gone): nothing in flight.
    pub fn answered(&self) {
        self.pending.set(None);
    }

    /// Whether the page counts as unresponsive now.
    pub fn unresponsive(&self, pid: Option<u32>) -> bool {
        let Some((since, then)) = self.pending.get() else {
            return false;
        };
        let limit = if self.loading.get() {
            LOADING_UNRESPONSIVE_AFTER
        } else {
            UNRESPONSIVE_AFTER
        };
        if since.elapsed() < limit {
            return false;
        }
        match (then, pid.and_then(schedstat)) {
            (Some(then), Some(now)) => !starved(then, now, since.elapsed()),
            _ => true,
        }
    }
}

/// Whether a thread, between two readings `elapsed` apart, ran for less than a tenth of the time
/// and waited for a CPU longer than it ran.
fn starved(then: SchedStat, now: SchedStat, elapsed: Duration) -> bool {
    let running = now.running.saturating_sub(then.running);
    let waiting = now.waiting.saturating_sub(then.waiting);
    waiting > running && u128::from(running) * 10 < elapsed.as_nanos()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedstat_is_read_and_bad_text_is_none() {
        assert_eq!(
            parse_schedstat("120 340 7\n"),
            Some(SchedStat {
                running: 120,
                waiting: 340
            })
        );
        assert_eq!(parse_schedstat(""), None);
        assert_eq!(parse_schedstat("x y z"), None);
        assert!(schedstat(std::process::id()).is_some(), "this kernel keeps schedstat");
    }

    #[test]
    fn starved_means_it_barely_ran_and_mostly_waited() {
        let then = SchedStat { running: 0, waiting: 0 };
        let s = Duration::from_secs(1);
        let ms = 1_000_000;
        assert!(starved(
            then,
            SchedStat {
                running: 50 * ms,
                waiting: 900 * ms
            },
            s
        ));
        // Busy on a loaded machine: it ran a fair share; it is hung, not starved.
        assert!(!starved(
            then,
            SchedStat {
                running: 400 * ms,
                waiting: 600 * ms
            },
            s
        ));
        assert!(!starved(
            then,
            SchedStat {
                running: 900 * ms,
                waiting: 50 * ms
            },
            s
        ));
        // Blocked (neither ran nor waited): not starved, so a page stuck in a system call is
        // reported.
        assert!(!starved(then, then, s));
    }
}
