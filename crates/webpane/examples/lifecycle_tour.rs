//! A tour of webpane's process and threading model, end to end, with real processes.
//!
//! 1. An environment starts the browser process (cold) and shows a page in its own window; the
//!    app and the page exchange web messages (`window.chrome.webview`) and run a script.
//! 2. A second environment on the same folder shares that browser process (warm).
//! 3. NavigationStarting cancels one navigation and holds another with a deferral.
//! 4. The page's render process is killed: ProcessFailed, then reload brings the page back.
//! 5. A page hangs: RenderProcessUnresponsive, then the app terminates the renderer.
//! 6. The browser process is killed: every webview gets ProcessFailed, the environment gets
//!    BrowserProcessExited (Failed); the next webview starts a new browser process.
//! 7. The last webview closes: BrowserProcessExited (Normal), and the folder can be deleted.
//!
//! Run with `cargo xtask demo` (under Xvfb when there is no display).

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use webpane::{Deferral, Environment, EventLoop, WebView, WebViewOptions};

type Log = Rc<RefCell<Vec<String>>>;

const PAGE: &str = r#"<!doctype html><title>webpane tour</title>
<body style="margin:0;font:24px sans-serif;background:linear-gradient(135deg,#1d3557,#457b9d);color:white">
<div style="padding:40px"><h1>webpane</h1><p>This page lives in a separate browser process.</p>
<p id="clock"></p></div>
<script>
setInterval(() => document.getElementById('clock').textContent = new Date().toLocaleTimeString(), 250);
chrome.webview.addEventListener('message', e => chrome.webview.postMessage({pong: e.data.ping, title: document.title}));
</script>"#;

fn wait(event_loop: &EventLoop, what: &str, mut done: impl FnMut() -> bool) -> Duration {
    let t = Instant::now();
    while !done() {
        assert!(t.elapsed() < Duration::from_secs(60), "timed out waiting for {what}");
        event_loop.dispatch(Some(Duration::from_millis(50))).expect("dispatch");
    }
    t.elapsed()
}

fn watch(webview: &WebView, log: &Log) {
    let l = log.clone();
    webview.on_navigation_completed(move |_, a| {
        l.borrow_mut()
            .push(format!("NavigationCompleted ok={}", a.is_success()))
    });
    let l = log.clone();
    webview.on_process_failed(move |_, a| {
        l.borrow_mut().push(format!(
            "ProcessFailed {:?} {:?} pid={:?} signal={:?}",
            a.kind(),
            a.reason(),
            a.process_id(),
            a.signal()
        ))
    });
}

/// A successful load (cancelled and superseded navigations complete with ok=false).
const LOADED: &str = "NavigationCompleted ok=true";

fn count(log: &Log, prefix: &str) -> usize {
    log.borrow().iter().filter(|l| l.starts_with(prefix)).count()
}

fn main() -> Result<(), webpane::Error> {
    let folder = std::env::temp_dir().join(format!("webpane-tour-{}", std::process::id()));
    let event_loop = EventLoop::new()?;
    let log: Log = Rc::default();
    let builder = || {
        Environment::builder()
            .user_data_folder(&folder)
            .shutdown_grace(Duration::from_millis(500))
    };

    // 1. Cold start.
    let t = Instant::now();
    let env = event_loop.wait(builder().build(&event_loop))?;
    let webview = event_loop.wait(env.create_webview(WebViewOptions::window("webpane tour", 900, 600)))?;
    watch(&webview, &log);
    webview.navigate_to_string(PAGE)?;
    wait(&event_loop, "the first page", || count(&log, LOADED) == 1);
    let cold = t.elapsed();
    let pid = webview.browser_process_id();
    println!("1. browser process {pid} started; environment to first page: {cold:?} (cold)");

    // Web messages, WebView2-style: the page answers through window.chrome.webview.
    let replies: Rc<RefCell<Vec<String>>> = Rc::default();
    let r = replies.clone();
    webview.on_web_message_received(move |_, m| r.borrow_mut().push(m.web_message_as_json().to_owned()));
    let t = Instant::now();
    webview.post_web_message_as_json(r#"{"ping": 1}"#)?;
    wait(&event_loop, "the page's answer", || !replies.borrow().is_empty());
    println!(
        "   web message round trip: {:?}, the page answered {}",
        t.elapsed(),
        replies.borrow()[0]
    );
    let title = event_loop.wait(webview.execute_script("document.title"))?;
    println!("   execute_script(\"document.title\") = {title}");
    {
        let l = log.clone();
        env.on_browser_process_exited(move |_, a| {
            l.borrow_mut().push(format!(
                "BrowserProcessExited {:?} pid={}",
                a.kind(),
                a.browser_process_id()
            ))
        });
    }

    // 2. Warm: a second environment on the same folder shares the browser process.
    let t = Instant::now();
    let env2 = event_loop.wait(builder().build(&event_loop))?;
    let second = event_loop.wait(env2.create_webview(WebViewOptions::headless(400, 300)))?;
    let loaded = Rc::new(RefCell::new(false));
    let l = loaded.clone();
    second.on_navigation_completed(move |_, _| *l.borrow_mut() = true);
    second.navigate_to_string("<p>second environment</p>")?;
    wait(&event_loop, "the second page", || *loaded.borrow());
    println!(
        "2. a second environment shares browser process {} (same pid: {}); to first page: {:?} (warm)",
        second.browser_process_id(),
        second.browser_process_id() == pid,
        t.elapsed()
    );

    // 3. NavigationStarting: cancel one, defer another.
    let held: Rc<RefCell<Option<Deferral>>> = Rc::default();
    {
        let held = held.clone();
        webview.on_navigation_starting(move |_, a| {
            if a.uri().contains("blocked") {
                a.set_cancel(true);
            } else if a.uri().contains("later") {
                *held.borrow_mut() = Some(a.deferral());
            }
        });
    }
    webview.navigate("data:text/html,<p>blocked</p>")?;
    webview.navigate("data:text/html,<p>allowed later</p>")?;
    wait(&event_loop, "the deferral", || held.borrow().is_some());
    let delivered = held.borrow_mut().take().map(Deferral::complete);
    wait(&event_loop, "the deferred page", || count(&log, LOADED) == 2);
    let cancelled = count(&log, "NavigationCompleted ok=false");
    println!(
        "3. a navigation was cancelled (its NavigationCompleted says so: {cancelled}), another held by a deferral \
         and let go (delivered: {delivered:?}), then loaded"
    );

    // 4. Kill the render process; reload brings the page back.
    webview.navigate_to_string(PAGE)?;
    wait(&event_loop, "the page again", || count(&log, LOADED) == 3);
    webview.terminate_render_process()?;
    wait(&event_loop, "ProcessFailed", || {
        count(&log, "ProcessFailed RenderProcessExited") == 1
    });
    webview.reload()?;
    wait(&event_loop, "the reload", || count(&log, LOADED) == 4);
    println!(
        "4. render process terminated -> {:?}; reload brought the page back",
        log.borrow().iter().rfind(|l| l.starts_with("ProcessFailed"))
    );

    // 5. A hung page.
    webview.navigate_to_string("<p>about to hang</p><script>setTimeout(() => { for (;;) {} }, 100)</script>")?;
    let hung = wait(&event_loop, "unresponsive", || {
        count(&log, "ProcessFailed RenderProcessUnresponsive") >= 1
    });
    webview.terminate_render_process()?;
    wait(&event_loop, "termination", || {
        count(&log, "ProcessFailed RenderProcessExited") == 2
    });
    println!("5. a page in an endless loop was reported unresponsive after {hung:?}; the app terminated it");
    webview.navigate_to_string(PAGE)?;

    // 6. kill -9 of the browser process.
    let exit = env.browser_process_exited();
    let t = Instant::now();
    rustix::process::kill_process(
        rustix::process::Pid::from_raw(pid as i32).expect("pid"),
        rustix::process::Signal::KILL,
    )?;
    let exited = event_loop.wait(exit)?;
    println!(
        "6. kill -9 of {pid}: BrowserProcessExited {:?} after {:?}; webviews closed: {} {}",
        exited.kind(),
        t.elapsed(),
        webview.is_closed(),
        second.is_closed()
    );
    let webview = event_loop.wait(env.create_webview(WebViewOptions::window("webpane tour (restarted)", 900, 600)))?;
    watch(&webview, &log);
    webview.navigate_to_string(PAGE)?;
    let before = count(&log, LOADED);
    wait(&event_loop, "the restarted page", || count(&log, LOADED) > before);
    println!(
        "   the next webview started browser process {}",
        webview.browser_process_id()
    );

    // 7. Normal exit.
    let exit = env.browser_process_exited();
    webview.close()?;
    let exited = event_loop.wait(exit)?;
    std::fs::remove_dir_all(&folder)?;
    println!(
        "7. last webview closed: BrowserProcessExited {:?}; user data folder deleted",
        exited.kind()
    );

    println!("\nevents seen by the app:");
    for line in log.borrow().iter() {
        println!("   {line}");
    }
    Ok(())
}
