//! Whether the browser process answers (a stopped or hung `webpane-runtime`).
//!
//! While a session lives, the SDK pings the browser process every [`TICK`]. When no answer has
//! come for [`UNRESPONSIVE_AFTER`], every webview of the session hears
//! `ProcessFailed(BrowserProcessUnresponsive, Unresponsive)`, again every tick while it lasts
//! (as WebView2 raises `RenderProcessUnresponsive`). Once nothing has come back for
//! [`REQUEST_DEADLINE`], requests waiting for an answer are given up with
//! [`Error::BrowserProcessUnresponsive`]; answers that come later are ignored. Nothing else is
//! lost: when the process runs again (SIGCONT), messages flow both ways as before.
//!
//! A browser process that is only busy (many apps creating many webviews at once on a small
//! machine) is not unresponsive: while its main thread keeps working (the kernel's
//! `/proc/PID/schedstat`: on a CPU or waiting for one half of the silence, or put on a CPU at
//! least twice a second, as when WebKit waits on its web processes' paint), nothing is raised
//! until [`BUSY_LIMIT`]. A stopped, deadlocked or blocked process does not wake at all, and is
//! reported after [`UNRESPONSIVE_AFTER`]; one busy in an endless loop after [`BUSY_LIMIT`].

use std::rc::{Rc, Weak};
use std::time::{Duration, Instant};

use webpane_ipc::protocol::AppMessage;

use crate::error::Error;
use crate::events::ProcessFailedEventArgs;
use crate::kinds::{ProcessFailedKind, ProcessFailedReason};
use crate::objects::Environment;
use crate::objects::Session;
use crate::objects::WebView;

/// How often the browser process is pinged.
pub const TICK: Duration = Duration::from_secs(1);
/// How long without an answer before webviews hear that the browser process is unresponsive.
pub const UNRESPONSIVE_AFTER: Duration = Duration::from_secs(3);
/// How long without an answer before waiting requests are given up.
pub const REQUEST_DEADLINE: Duration = Duration::from_secs(10);
/// How long a busy browser process (its main thread running or waiting for a CPU) may leave a
/// ping unanswered before it counts as unresponsive all the same.
pub const BUSY_LIMIT: Duration = Duration::from_secs(30);

/// What the kernel counts of the main thread of `pid` (`/proc/PID/schedstat`): the time (ns) it
/// spent on a CPU and waiting for one, and how many times it was put on a CPU.
fn sched(pid: u32) -> Option<(u64, u64)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/schedstat")).ok()?;
    let mut fields = text.split_whitespace().map(|f| f.parse::<u64>().ok());
    let (running, waiting, slices) = (fields.next()??, fields.next()??, fields.next()??);
    Some((running + waiting, slices))
}

/// Whether the browser process's main thread has been working through the `silent` time since
/// the ping went out: on a CPU or waiting for one for half of it, or put on a CPU at least
/// twice a second (a main thread waiting on its web processes, as WebKit's UI process does
/// while they paint on a loaded machine, wakes again and again; a stopped, deadlocked or
/// blocked one does not wake at all).
fn busy(session: &Session, silent: Duration) -> bool {
    let (Some((work_then, slices_then)), Some((work_now, slices_now))) =
        (session.health.cpu_at_wait.get(), sched(session.pid))
    else {
        return false;
    };
    let worked = u128::from(work_now.saturating_sub(work_then)) * 2 >= silent.as_nanos();
    let woke = slices_now.saturating_sub(slices_then) as f64 >= silent.as_secs_f64() * 2.0;
    worked || woke
}

/// Starts pinging for `session` (until it ends or the environment goes).
pub(crate) fn watch(env: &Environment, session: &Rc<Session>) {
    schedule(env, Rc::downgrade(session));
}

fn schedule(env: &Environment, session: Weak<Session>) {
    let weak_env = env.downgrade();
    env.event_loop().post_callback_after(TICK, move || {
        let (Some(env), Some(session)) = (Environment::upgrade(&weak_env), session.upgrade()) else {
            return;
        };
        if session.ended.get() {
            return;
        }
        // Whatever has arrived counts first (the app's loop may have been busy).
        env.pump(&session);
        if session.ended.get() {
            return;
        }
        tick(&session);
        schedule(&env, Rc::downgrade(&session));
    });
}

fn tick(session: &Rc<Session>) {
    let silent = session.health.silent_for();
    let seq = session.health.next_ping.replace(session.health.next_ping.get() + 1);
    // Queued without waiting: a stopped process's full socket never blocks the app.
    let _ = session.queue(&AppMessage::Ping { seq });
    if session.health.waiting_since.get().is_none() {
        session.health.waiting_since.set(Some(Instant::now()));
        session.health.cpu_at_wait.set(sched(session.pid));
    }
    if silent < UNRESPONSIVE_AFTER || (silent < BUSY_LIMIT && busy(session, silent)) {
        return;
    }
    let webviews: Vec<WebView> = session.open_webviews();
    let args = ProcessFailedEventArgs::new(
        ProcessFailedKind::BrowserProcessUnresponsive,
        ProcessFailedReason::Unresponsive,
        Some(session.pid),
        None,
        None,
        "webpane-runtime".into(),
    );
    for webview in &webviews {
        webview.raise_process_failed(&args);
    }
    if silent >= REQUEST_DEADLINE && !session.health.gave_up.replace(true) {
        let error = || Error::BrowserProcessUnresponsive {
            pid: session.pid,
            waited: REQUEST_DEADLINE,
        };
        session.fail_pending_creates(error);
        for webview in &webviews {
            webview.fail_pending(error);
        }
    }
}
