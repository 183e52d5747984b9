//! Suspending hidden views (`TrySuspend`, `Resume`, `IsSuspended`) and their memory target
//! (`MemoryUsageTargetLevel`), across the real processes: a suspended page's render process is
//! stopped (its timers send nothing), the watchdog does not call it hung, showing it or a call
//! that needs the page wakes it, and a suspended view closes cleanly.

mod common;

use std::cell::Cell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use common::*;
use webpane::{MemoryUsageTargetLevel, ProcessKind};

/// A page that posts a web message every 50 ms.
const TICKING: &str = "<script>setInterval(() => chrome.webview.postMessage('tick'), 50)</script>";

/// The render processes of the browser process now.
fn renderers(env: &webpane::Environment) -> Vec<u32> {
    env.process_infos()
        .into_iter()
        .filter(|p| p.kind == ProcessKind::Renderer)
        .map(|p| p.process_id)
        .collect()
}

/// The state letter of `pid` in `/proc/PID/stat` (`T`: stopped).
fn state_of(pid: u32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat.rsplit_once(')')?.1.trim_start().chars().next()
}

/// The render processes that are stopped, once one is (a signal takes effect when the process
/// is next scheduled); exactly one must be.
fn stopped_renderers(event_loop: &webpane::EventLoop, env: &webpane::Environment) -> Vec<u32> {
    let stopped = || -> Vec<u32> {
        renderers(env)
            .into_iter()
            .filter(|p| state_of(*p) == Some('T'))
            .collect()
    };
    wait_until(event_loop, "a stopped render process", || !stopped().is_empty());
    let stopped = stopped();
    assert_eq!(stopped.len(), 1, "one stopped render process");
    stopped
}

/// Dispatches the loop for `time`.
fn dispatch_for(event_loop: &webpane::EventLoop, time: Duration) {
    let end = Instant::now() + time;
    while Instant::now() < end {
        event_loop.dispatch(Some(Duration::from_millis(20))).unwrap();
    }
}

fn count_ticks(webview: &webpane::WebView) -> Rc<Cell<u32>> {
    let ticks = Rc::new(Cell::new(0));
    let t = ticks.clone();
    webview.on_web_message_received(move |_, _| t.set(t.get() + 1));
    ticks
}

#[test]
fn a_hidden_view_suspends_its_page_stops_and_resumes() {
    let (event_loop, env, webview, _dir) = open_webview();
    let failures = recorder();
    let f = failures.clone();
    webview.on_process_failed(move |_, a| f.borrow_mut().push(a.kind()));
    let ticks = count_ticks(&webview);
    assert!(load_html(&event_loop, &webview, TICKING));
    wait_until(&event_loop, "the page to tick", || ticks.get() > 3);

    // Visible: refused, as WebView2's ERROR_INVALID_STATE.
    let visible = block_on_within(&event_loop, "TrySuspend", webview.try_suspend());
    assert!(matches!(visible, Err(webpane::Error::InvalidState(_))), "{visible:?}");
    assert!(!webview.is_suspended());

    webview.set_visible(false).unwrap();
    assert!(block_on_within(&event_loop, "TrySuspend", webview.try_suspend()).unwrap());
    assert!(webview.is_suspended());
    let stopped = stopped_renderers(&event_loop, &env);
    // A second try reports what is.
    assert!(block_on_within(&event_loop, "TrySuspend", webview.try_suspend()).unwrap());

    // What was on its way arrives; then nothing, for longer than the watchdog's limit (3 s),
    // and no ProcessFailed either: a suspended page is not hung.
    dispatch_for(&event_loop, Duration::from_millis(300));
    let at_suspend = ticks.get();
    dispatch_for(&event_loop, Duration::from_secs(4));
    assert_eq!(ticks.get(), at_suspend, "a suspended page's timers ran");
    assert!(failures.borrow().is_empty(), "{:?}", failures.borrow());

    webview.resume().unwrap();
    assert!(!webview.is_suspended());
    wait_until(&event_loop, "ticks after resuming", || ticks.get() > at_suspend + 3);
    assert_ne!(state_of(stopped[0]), Some('T'));

    // A call that needs the page wakes it (here and in the browser process alike).
    assert!(block_on_within(&event_loop, "TrySuspend", webview.try_suspend()).unwrap());
    let woken = webview.execute_script("6 * 7");
    assert!(!webview.is_suspended());
    assert_eq!(block_on_within(&event_loop, "the script", woken).unwrap(), "42");

    // Settings leave it suspended; showing the view wakes it.
    assert!(block_on_within(&event_loop, "TrySuspend", webview.try_suspend()).unwrap());
    webview.set_muted(true).unwrap();
    assert_eq!(stopped_renderers(&event_loop, &env), stopped);
    dispatch_for(&event_loop, Duration::from_millis(300));
    assert_eq!(state_of(stopped[0]), Some('T'));
    let before = ticks.get();
    webview.set_visible(true).unwrap();
    assert!(!webview.is_suspended());
    wait_until(&event_loop, "ticks after showing", || ticks.get() > before + 3);
    dispatch_for(&event_loop, Duration::from_millis(500));
    assert!(failures.borrow().is_empty(), "{:?}", failures.borrow());
}

#[test]
fn a_suspended_view_closes_and_its_render_process_ends() {
    let (event_loop, env, webview, _dir) = open_webview();
    let other = new_webview(&event_loop, &env);
    assert!(load_html(&event_loop, &other, "<p>stays</p>"));
    let ticks = count_ticks(&webview);
    assert!(load_html(&event_loop, &webview, TICKING));
    wait_until(&event_loop, "the page to tick", || ticks.get() > 0);
    webview.set_visible(false).unwrap();
    assert!(block_on_within(&event_loop, "TrySuspend", webview.try_suspend()).unwrap());
    let stopped = stopped_renderers(&event_loop, &env);
    webview.close().unwrap();
    wait_until(&event_loop, "the suspended page's render process to end", || {
        exited(stopped[0])
    });
    // The other view's page runs on.
    assert_eq!(script_result(&event_loop, &other, "1 + 1").unwrap(), "2");
}

/// The resident memory of `pid`, in KiB.
fn resident_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

#[test]
fn a_low_memory_target_gives_back_what_the_page_let_go() {
    let (event_loop, env, webview, _dir) = open_webview();
    assert_eq!(webview.memory_usage_target_level(), MemoryUsageTargetLevel::Normal);
    assert!(load_html(&event_loop, &webview, "<p>memory</p>"));
    let pid = renderers(&env)[0];
    // 256 MiB the page touches, then lets go of.
    script_result(
        &event_loop,
        &webview,
        "window.junk = []; for (let i = 0; i < 64; i++) { const b = new Uint8Array(4 << 20); b.fill(1); \
         window.junk.push(b); } window.junk.length",
    )
    .unwrap();
    let full = resident_kib(pid);
    script_result(&event_loop, &webview, "window.junk = null; 0").unwrap();
    eprintln!("render process {pid}: {full} KiB with the page's 256 MiB");
    let started = Instant::now();
    webview
        .set_memory_usage_target_level(MemoryUsageTargetLevel::Low)
        .unwrap();
    assert_eq!(webview.memory_usage_target_level(), MemoryUsageTargetLevel::Low);
    wait_until(&event_loop, "the render process to give 128 MiB back", || {
        resident_kib(pid) + 128 * 1024 < full
    });
    eprintln!("{} KiB after {:?}", resident_kib(pid), started.elapsed());
    // It still runs.
    assert_eq!(script_result(&event_loop, &webview, "2 + 2").unwrap(), "4");
}
