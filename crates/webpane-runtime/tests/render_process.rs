//! Render process (WebKitWebProcess) failures as a webview sees them, and recovery by reload.

mod common;

use common::*;
use webpane::{EventLoop, ProcessFailedKind, ProcessFailedReason, WebView};

type Failure = (ProcessFailedKind, ProcessFailedReason, Option<u32>, Option<i32>);

struct Page {
    event_loop: EventLoop,
    webview: WebView,
    loaded: std::rc::Rc<std::cell::RefCell<Vec<bool>>>,
    failures: std::rc::Rc<std::cell::RefCell<Vec<Failure>>>,
    _env: webpane::Environment,
    _dir: tempfile::TempDir,
}

fn page(html: &str) -> Page {
    let (event_loop, env, webview, dir) = open_webview();
    let loaded = recorder();
    let failures = recorder();
    {
        let loaded = loaded.clone();
        webview.on_navigation_completed(move |_, a| loaded.borrow_mut().push(a.is_success()));
        let failures = failures.clone();
        webview.on_process_failed(move |_, a| {
            failures
                .borrow_mut()
                .push((a.kind(), a.reason(), a.process_id(), a.signal()))
        });
    }
    webview.navigate_to_string(html).unwrap();
    wait_until(&event_loop, "the first load", || !loaded.borrow().is_empty());
    Page {
        event_loop,
        webview,
        loaded,
        failures,
        _env: env,
        _dir: dir,
    }
}

fn web_processes_of(runtime: u32) -> Vec<u32> {
    processes_named("WebKitWebProces")
        .into_iter()
        .filter(|p| descends_from(*p, runtime))
        .collect()
}

fn reload_brings_the_page_back(p: &Page) {
    let before = p.loaded.borrow().len();
    p.webview.reload().unwrap();
    wait_until(&p.event_loop, "the reload", || p.loaded.borrow().len() > before);
    assert_eq!(p.loaded.borrow().last(), Some(&true));
}

#[test]
fn kill_9_of_the_web_process_is_render_process_exited_and_reload_recovers() {
    let p = page("<p>victim</p>");
    let web = web_processes_of(p.webview.browser_process_id());
    assert_eq!(web.len(), 1, "one web process for one page: {web:?}");
    rustix::process::kill_process(
        rustix::process::Pid::from_raw(web[0] as i32).unwrap(),
        rustix::process::Signal::KILL,
    )
    .unwrap();
    wait_until(&p.event_loop, "ProcessFailed", || !p.failures.borrow().is_empty());
    let (kind, reason, pid, signal) = p.failures.borrow()[0];
    assert_eq!(kind, ProcessFailedKind::RenderProcessExited);
    assert_eq!(reason, ProcessFailedReason::Crashed);
    assert_eq!(pid, Some(web[0]), "the failed process is named");
    // The signal is best-effort: GLib may reap the process before WebKit tells us about it.
    assert!(matches!(signal, None | Some(9)), "a wrong signal: {signal:?}");
    assert!(!p.webview.is_closed(), "a renderer crash does not close the webview");
    reload_brings_the_page_back(&p);
}

#[test]
/// Promises B10 (docs/promises.md): a utility process's exit reaches every webview.
fn kill_9_of_the_network_process_is_utility_process_exited_and_pages_load_again() {
    let p = page("<p>network</p>");
    let runtime = p.webview.browser_process_id();
    let network = {
        let mut found = Vec::new();
        wait_until(&p.event_loop, "the network process", || {
            found = processes_named("WebKitNetworkPr")
                .into_iter()
                .filter(|pid| descends_from(*pid, runtime))
                .collect();
            !found.is_empty()
        });
        found[0]
    };
    // Give the runtime's periodic scan (every 250 ms) time to see the process before it dies.
    wait_until(&p.event_loop, "a moment", {
        let start = std::time::Instant::now();
        move || start.elapsed() > std::time::Duration::from_secs(1)
    });
    rustix::process::kill_process(
        rustix::process::Pid::from_raw(network as i32).unwrap(),
        rustix::process::Signal::KILL,
    )
    .unwrap();
    wait_until(&p.event_loop, "UtilityProcessExited", || {
        p.failures
            .borrow()
            .iter()
            .any(|f| f.0 == ProcessFailedKind::UtilityProcessExited && f.2 == Some(network))
    });
    assert!(!p.webview.is_closed(), "a network process's end closes no webview");
    // WebKit starts a new network process for the next load.
    let before = p.loaded.borrow().len();
    p.webview.navigate_to_string("<p>again</p>").unwrap();
    wait_until(&p.event_loop, "the next load", || p.loaded.borrow().len() > before);
    assert_eq!(p.loaded.borrow().last(), Some(&true));
}

#[test]
/// Promises B10 (docs/promises.md).
fn terminating_the_render_process_is_reported_as_terminated() {
    let p = page("<p>terminate me</p>");
    p.webview.terminate_render_process().unwrap();
    wait_until(&p.event_loop, "ProcessFailed", || !p.failures.borrow().is_empty());
    let (kind, reason, _, _) = p.failures.borrow()[0];
    assert_eq!(
        (kind, reason),
        (ProcessFailedKind::RenderProcessExited, ProcessFailedReason::Terminated)
    );
    reload_brings_the_page_back(&p);
}

#[test]
/// Promises B10 (docs/promises.md).
fn a_hung_page_is_reported_unresponsive_repeatedly_until_terminated() {
    let p = page("<p>hang</p><script>setTimeout(() => { for (;;) {} }, 200)</script>");
    let unresponsive = |p: &Page| {
        p.failures
            .borrow()
            .iter()
            .filter(|f| f.0 == ProcessFailedKind::RenderProcessUnresponsive)
            .count()
    };
    wait_until(&p.event_loop, "two unresponsive reports", || unresponsive(&p) >= 2);
    assert!(
        p.failures
            .borrow()
            .iter()
            .all(|f| f.1 == ProcessFailedReason::Unresponsive)
    );
    p.webview.terminate_render_process().unwrap();
    wait_until(&p.event_loop, "the termination", || {
        p.failures
            .borrow()
            .iter()
            .any(|f| f.0 == ProcessFailedKind::RenderProcessExited)
    });
    // Reload a page that does not hang: the reports stop.
    p.webview.navigate_to_string("<p>fine now</p>").unwrap();
    let before = p.loaded.borrow().len();
    wait_until(&p.event_loop, "the new page", || p.loaded.borrow().len() > before);
    let count = unresponsive(&p);
    let quiet_until = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while std::time::Instant::now() < quiet_until {
        p.event_loop
            .dispatch(Some(std::time::Duration::from_millis(100)))
            .unwrap();
    }
    assert_eq!(unresponsive(&p), count, "no unresponsive reports for a healthy page");
}

#[test]
fn a_view_closed_while_its_navigation_waits_leaves_no_render_process_behind() {
    let dir = tempfile::tempdir().unwrap();
    let event_loop = EventLoop::new().unwrap();
    let env = env_for(&event_loop, dir.path());
    let runtime_pid = env.browser_process_id().unwrap();
    let render_processes = || {
        processes_named("WebKitWebProces")
            .into_iter()
            .filter(|p| descends_from(*p, runtime_pid) && !exited(*p))
            .count()
    };
    // One view that stays, so the browser process does too.
    let keeper = new_webview(&event_loop, &env);
    load_html(&event_loop, &keeper, "<p>keeper</p>");
    let before = render_processes();

    // Views whose NavigationStarting is never answered (the deferrals are kept), then closed.
    let deferrals = recorder();
    for _ in 0..3 {
        let view = event_loop
            .block_on(env.create_webview(webpane::WebViewOptions::default()))
            .unwrap()
            .unwrap();
        let asked = recorder();
        let (d, a) = (deferrals.clone(), asked.clone());
        view.on_navigation_starting(move |_, args| {
            d.borrow_mut().push(args.deferral());
            a.borrow_mut().push(());
        });
        view.navigate_to_string("<p>never shown</p>").unwrap();
        wait_until(&event_loop, "NavigationStarting", || !asked.borrow().is_empty());
        view.close().unwrap();
    }
    // Their render processes go (before the fix: one left per view until the runtime exits).
    wait_until(&event_loop, "the closed views' render processes to exit", || {
        render_processes() <= before
    });
    drop(deferrals);
    assert!(!keeper.is_closed());
}

#[test]
fn thirty_two_views_starting_at_once_are_not_called_unresponsive() {
    let dir = tempfile::tempdir().unwrap();
    let event_loop = EventLoop::new().unwrap();
    let env = env_for(&event_loop, dir.path());
    let failures = recorder();
    let loaded = std::rc::Rc::new(std::cell::Cell::new(0usize));
    let mut views = Vec::new();
    for _ in 0..32 {
        let view = event_loop
            .block_on(env.create_webview(webpane::WebViewOptions::default()))
            .unwrap()
            .unwrap();
        let f = failures.clone();
        view.on_process_failed(move |_, a| f.borrow_mut().push((a.kind(), a.reason())));
        let l = loaded.clone();
        view.on_navigation_completed(move |_, _| l.set(l.get() + 1));
        views.push(view);
    }
    // All at once, each with a little work to do while loading, on a machine kept busy (as a
    // shared 2-core machine is when many apps start).
    let busy = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let hogs: Vec<_> = (0..4)
        .map(|_| {
            let busy = busy.clone();
            std::thread::spawn(move || {
                let mut x = 0u64;
                while busy.load(std::sync::atomic::Ordering::Relaxed) {
                    x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
                }
            })
        })
        .collect();
    for view in &views {
        view.navigate_to_string("<script>for (let i = 0; i < 3000; i++) document.write('<p>' + i + '</p>')</script>")
            .unwrap();
    }
    let deadline = std::time::Instant::now() + TIMEOUT * 3;
    while loaded.get() < views.len() {
        assert!(
            std::time::Instant::now() < deadline,
            "only {} of 32 pages loaded",
            loaded.get()
        );
        event_loop.dispatch(Some(std::time::Duration::from_millis(50))).unwrap();
    }
    busy.store(false, std::sync::atomic::Ordering::Relaxed);
    hogs.into_iter().for_each(|h| h.join().unwrap());
    let unresponsive: Vec<_> = failures
        .borrow()
        .iter()
        .filter(|(kind, _)| *kind == ProcessFailedKind::RenderProcessUnresponsive)
        .cloned()
        .collect();
    assert!(unresponsive.is_empty(), "false alarms while starting: {unresponsive:?}");
}
