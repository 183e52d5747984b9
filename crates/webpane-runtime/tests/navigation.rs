//! NavigationStarting with cancel and deferrals, and the threading model against a real runtime.

mod common;

use std::cell::RefCell;
use std::rc::Rc;

use common::*;
use webpane::{BrowserProcessExitKind, Deferral, EventLoop, WebViewOptions};

struct Setup {
    event_loop: EventLoop,
    env: webpane::Environment,
    webview: webpane::WebView,
    starting: Rc<RefCell<Vec<String>>>,
    completed: Rc<RefCell<Vec<bool>>>,
    _dir: tempfile::TempDir,
}

fn setup() -> Setup {
    let (event_loop, env, webview, dir) = open_webview();
    let starting = recorder();
    let completed = recorder();
    {
        let starting = starting.clone();
        webview.on_navigation_starting(move |_, a| starting.borrow_mut().push(a.uri().to_owned()));
        let completed = completed.clone();
        webview.on_navigation_completed(move |_, a| completed.borrow_mut().push(a.is_success()));
    }
    Setup {
        event_loop,
        env,
        webview,
        starting,
        completed,
        _dir: dir,
    }
}

/// Navigates to `uri` with a handler that keeps the navigation's deferral; returns it once taken.
fn navigate_holding_a_deferral(s: &Setup, uri: &str) -> Rc<RefCell<Option<Deferral>>> {
    let held: Rc<RefCell<Option<Deferral>>> = Rc::default();
    {
        let held = held.clone();
        s.webview
            .on_navigation_starting(move |_, a| *held.borrow_mut() = Some(a.deferral()));
    }
    s.webview.navigate(uri).unwrap();
    wait_until(&s.event_loop, "the deferral", || held.borrow().is_some());
    held
}

const PAGE_A: &str = "data:text/html,<p>A</p>";
const PAGE_B: &str = "data:text/html,<p>B</p>";

#[test]
fn a_cancelled_navigation_never_loads() {
    let s = setup();
    s.webview.on_navigation_starting(|_, a| a.set_cancel(a.uri() == PAGE_A));
    s.webview.navigate(PAGE_A).unwrap();
    wait_until(&s.event_loop, "NavigationStarting for A", || {
        s.starting.borrow().len() == 1
    });
    s.webview.navigate(PAGE_B).unwrap();
    wait_until(&s.event_loop, "B to load", || s.completed.borrow().contains(&true));
    wait_until(&s.event_loop, "A's completion", || s.completed.borrow().len() == 2);
    assert_eq!(*s.starting.borrow(), vec![PAGE_A.to_string(), PAGE_B.to_string()]);
    // Every NavigationStarting gets a NavigationCompleted, as in WebView2: A's says it failed.
    assert_eq!(
        *s.completed.borrow(),
        vec![false, true],
        "A completed as cancelled, then B loaded"
    );
}

#[test]
/// Promises T8 (docs/promises.md).
fn a_deferral_holds_the_navigation_until_completed() {
    let s = setup();
    let held = navigate_holding_a_deferral(&s, PAGE_A);
    // Nothing completes while the deferral is held (the runtime waits for our answer), however
    // long: 5 s here, far longer than a navigation of this page takes.
    for _ in 0..100 {
        s.event_loop
            .dispatch(Some(std::time::Duration::from_millis(50)))
            .unwrap();
    }
    assert!(s.completed.borrow().is_empty());
    assert!(
        held.borrow_mut().take().unwrap().complete(),
        "the answer reached the browser process"
    );
    wait_until(&s.event_loop, "A to load", || !s.completed.borrow().is_empty());
    assert_eq!(*s.completed.borrow(), vec![true]);
}

#[test]
/// Promises T9 (docs/promises.md).
fn a_dropped_deferral_and_a_panicking_handler_still_answer() {
    let s = setup();
    // Dropped without completing: the default (go ahead) applies.
    let token = s.webview.on_navigation_starting(|_, a| drop(a.deferral()));
    s.webview.navigate(PAGE_A).unwrap();
    wait_until(&s.event_loop, "A to load", || s.completed.borrow().len() == 1);
    s.webview.remove_navigation_starting(token);

    // A handler that takes a deferral and panics: the deferral and the args answer on unwind.
    s.webview.on_navigation_starting(|_, a| {
        let _deferral = a.deferral();
        a.set_cancel(false);
        panic!("handler failed");
    });
    s.webview.navigate(PAGE_B).unwrap();
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        wait_until(&s.event_loop, "B to load", || s.completed.borrow().len() == 2);
    }));
    assert!(
        outcome.is_err(),
        "the handler's panic reaches the code running the loop"
    );
    wait_until(&s.event_loop, "B to load after the panic", || {
        s.completed.borrow().len() == 2
    });
}

#[test]
fn completing_a_deferral_after_the_browser_process_died_is_harmless() {
    let s = setup();
    let held = navigate_holding_a_deferral(&s, PAGE_A);
    let pid = s.webview.browser_process_id();
    let exit = s.env.browser_process_exited();
    rustix::process::kill_process(
        rustix::process::Pid::from_raw(pid as i32).unwrap(),
        rustix::process::Signal::KILL,
    )
    .unwrap();
    let failed = recorder();
    {
        let failed = failed.clone();
        s.webview.on_process_failed(move |_, a| {
            failed
                .borrow_mut()
                .push((a.kind(), a.reason(), a.signal(), a.process_id()))
        });
    }
    let args = block_on_within(&s.event_loop, "BrowserProcessExited", exit).unwrap();
    assert_eq!(args.kind(), BrowserProcessExitKind::Failed);
    // This app started the browser process, so it knows how it ended.
    assert_eq!(
        *failed.borrow(),
        vec![(
            webpane::ProcessFailedKind::BrowserProcessExited,
            webpane::ProcessFailedReason::Terminated,
            Some(9),
            Some(pid)
        )]
    );
    assert!(
        !held.borrow_mut().take().unwrap().complete(),
        "the peer is gone: not delivered, no panic"
    );
    assert!(matches!(s.webview.navigate(PAGE_B), Err(webpane::Error::Closed)));
}

#[test]
/// Promises T6, T11 (docs/promises.md).
fn running_the_loop_from_a_callback_is_a_reentrancy_error_not_a_hang() {
    let s = setup();
    let results: Rc<RefCell<Vec<String>>> = Rc::default();
    {
        let (results, event_loop, env) = (results.clone(), s.event_loop.clone(), s.env.clone());
        s.webview.on_navigation_completed(move |_, _| {
            let mut r = results.borrow_mut();
            r.push(format!("{:?}", event_loop.run().err()));
            r.push(format!("{:?}", event_loop.dispatch(None).err()));
            r.push(format!(
                "{:?}",
                event_loop.block_on(env.create_webview(WebViewOptions::default())).err()
            ));
        });
    }
    s.webview.navigate(PAGE_A).unwrap();
    wait_until(&s.event_loop, "the handler", || !results.borrow().is_empty());
    assert!(
        results.borrow().iter().all(|r| r == "Some(Reentrancy)"),
        "{:?}",
        results.borrow()
    );
}

#[test]
/// Promises B7 (docs/promises.md).
fn exit_handlers_stay_registered_across_browser_process_restarts() {
    let s = setup();
    let exits = recorder();
    {
        let exits = exits.clone();
        s.env
            .on_browser_process_exited(move |_, a| exits.borrow_mut().push((a.kind(), a.browser_process_id())));
    }
    let first = s.webview.browser_process_id();
    let once = s.env.browser_process_exited();
    s.webview.close().unwrap();
    let args = block_on_within(&s.event_loop, "BrowserProcessExited", once).unwrap();
    assert_eq!(args.browser_process_id(), first);
    wait_until(&s.event_loop, "the first exit", || exits.borrow().len() == 1);
    assert_eq!(s.env.browser_process_id(), None);

    // A new webview from the same environment starts a new browser process...
    let webview = s
        .event_loop
        .block_on(s.env.create_webview(WebViewOptions::default()))
        .unwrap()
        .unwrap();
    let second = webview.browser_process_id();
    assert_ne!(first, second);
    webview.close().unwrap();
    // ...and the same handler sees its exit too.
    wait_until(&s.event_loop, "the second exit", || exits.borrow().len() == 2);
    assert_eq!(
        *exits.borrow(),
        vec![
            (BrowserProcessExitKind::Normal, first),
            (BrowserProcessExitKind::Normal, second)
        ]
    );
}

/// Answers every request with a page that posts the request's head back to the app.
fn echo_server() -> u16 {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut conn in listener.incoming().map_while(Result::ok) {
            let mut request = Vec::new();
            let mut chunk = [0u8; 4096];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                match conn.read(&mut chunk) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&chunk[..n]),
                }
            }
            let head = serde_json::to_string(&String::from_utf8_lossy(&request)).unwrap();
            let body = format!("<script>chrome.webview.postMessage({head})</script>");
            let _ = write!(
                conn,
                "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    port
}

#[test]
fn a_navigation_carries_the_apps_headers() {
    let (event_loop, _env, webview, _dir) = open_webview();
    let port = echo_server();
    let heads = recorder();
    let h = heads.clone();
    webview.on_web_message_received(move |_, args| h.borrow_mut().push(args.web_message_as_string().unwrap()));
    let mut headers = webpane::http::HeaderMap::new();
    headers.insert("x-app-token", webpane::http::HeaderValue::from_static("secret 42"));
    headers.append("x-many", webpane::http::HeaderValue::from_static("one"));
    webview
        .navigate_with_headers(&format!("http://127.0.0.1:{port}/with"), &headers)
        .unwrap();
    wait_until(&event_loop, "the echoed request", || !heads.borrow().is_empty());
    let head = heads.borrow()[0].to_ascii_lowercase();
    assert!(head.starts_with("get /with http/1.1"), "{head}");
    assert!(head.contains("x-app-token: secret 42\r\n"), "{head}");
    assert!(head.contains("x-many: one\r\n"), "{head}");
    // A header that is not HTTP is refused before anything is sent.
    let mut bad = webpane::http::HeaderMap::new();
    bad.insert("x-bad", webpane::http::HeaderValue::from_bytes(b"\xff").unwrap());
    assert!(matches!(
        webview.navigate_with_headers("http://127.0.0.1/", &bad),
        Err(webpane::Error::InvalidArgument(_))
    ));
}
