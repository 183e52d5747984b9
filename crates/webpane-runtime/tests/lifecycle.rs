//! The browser process's lifecycle as one app sees it, across real processes under Xvfb.

mod common;

use std::cell::Cell;
use std::rc::Rc;

use common::*;
use webpane::{BrowserProcessExitKind, EventLoop, WebViewOptions};

#[test]
/// Promises B2, B3, B11 (docs/promises.md).
fn navigate_then_close_ends_in_a_normal_exit_after_which_the_folder_can_be_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("udf");
    let event_loop = EventLoop::new().unwrap();
    let env = env_for(&event_loop, &folder);
    let pid = env.browser_process_id().expect("connected");
    assert!(alive(pid));

    let exits = recorder();
    let deleted = Rc::new(Cell::new(false));
    {
        let (exits, deleted, folder) = (exits.clone(), deleted.clone(), folder.clone());
        env.on_browser_process_exited(move |_, args| {
            exits.borrow_mut().push((args.kind(), args.browser_process_id()));
            // The folder is free: the handler may delete it.
            std::fs::remove_dir_all(&folder).unwrap();
            deleted.set(true);
        });
    }

    let webview = event_loop
        .block_on(env.create_webview(WebViewOptions::headless(640, 480)))
        .unwrap()
        .unwrap();
    assert_eq!(webview.browser_process_id(), pid);
    let completed = recorder();
    {
        let completed = completed.clone();
        webview.on_navigation_completed(move |_, args| {
            completed.borrow_mut().push((args.navigation_id(), args.is_success()))
        });
    }
    webview.navigate_to_string("<h1>hello</h1>").unwrap();
    wait_until(&event_loop, "NavigationCompleted", || !completed.borrow().is_empty());
    assert_eq!(completed.borrow()[0], (1, true));

    webview.close().unwrap();
    assert!(matches!(webview.navigate("about:blank"), Err(webpane::Error::Closed)));
    wait_until(&event_loop, "BrowserProcessExited", || !exits.borrow().is_empty());
    assert_eq!(exits.borrow()[0], (BrowserProcessExitKind::Normal, pid));
    assert!(deleted.get());
    assert!(!folder.exists());
    assert!(!alive(pid), "the runtime was reaped by the app that started it");
}

#[test]
/// Promises B12 (docs/promises.md).
fn replacing_the_runtime_on_disk_raises_new_browser_version_available() {
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let installed = bin.join("webpane-runtime");
    std::fs::copy(runtime(), &installed).unwrap();
    let event_loop = EventLoop::new().unwrap();
    let env = event_loop
        .block_on(
            webpane::Environment::builder()
                .user_data_folder(dir.path().join("udf"))
                .runtime_path(&installed)
                .shutdown_grace(std::time::Duration::from_millis(300))
                .build(&event_loop),
        )
        .unwrap()
        .unwrap();
    let seen = Rc::new(Cell::new(0));
    {
        let seen = seen.clone();
        env.on_new_browser_version_available(move |_, _| seen.set(seen.get() + 1));
    }
    let webview = event_loop
        .block_on(env.create_webview(WebViewOptions::default()))
        .unwrap()
        .unwrap();
    let old_pid = webview.browser_process_id();

    // Install a new version the way package managers do: write beside it, rename over it.
    let staged = bin.join(".webpane-runtime.new");
    std::fs::copy(runtime(), &staged).unwrap();
    std::fs::rename(&staged, &installed).unwrap();
    wait_until(&event_loop, "NewBrowserVersionAvailable", || seen.get() > 0);

    // The running browser keeps serving; once it exits, the next one is the new binary.
    let exit = env.browser_process_exited();
    webview.close().unwrap();
    block_on_within(&event_loop, "BrowserProcessExited", exit).unwrap();
    let webview = event_loop
        .block_on(env.create_webview(WebViewOptions::default()))
        .unwrap()
        .unwrap();
    assert_ne!(webview.browser_process_id(), old_pid);
    let exe = std::fs::read_link(format!("/proc/{}/exe", webview.browser_process_id())).unwrap();
    assert_eq!(exe, installed, "the new browser process runs the new file");
}

#[test]
/// Promises B18 (docs/promises.md).
fn dropping_the_environment_and_webviews_lets_the_runtime_go_and_reaps_it() {
    let (_event_loop, env, webview, dir) = open_webview();
    let pid = webview.browser_process_id();
    drop(webview);
    drop(env);
    // The runtime sees the app go, closes its webview, exits after its grace period, and the
    // thread the SDK left behind reaps it: no zombie.
    let deadline = std::time::Instant::now() + TIMEOUT;
    while alive(pid) {
        assert!(std::time::Instant::now() < deadline, "runtime {pid} still there");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(
        !dir.path().join("runtime.sock").exists(),
        "the runtime removed its socket"
    );
}

#[test]
fn a_webview_asked_for_while_the_runtime_shuts_down_gets_one_all_the_same() {
    // No grace: the runtime starts shutting down as soon as its last webview closes, so the next
    // request races its exit (how closely depends on timing); it must get a webview every time,
    // from the old browser process or a new one.
    let dir = tempfile::tempdir().unwrap();
    let event_loop = webpane::EventLoop::new().unwrap();
    let env = event_loop
        .block_on(
            webpane::Environment::builder()
                .user_data_folder(dir.path())
                .runtime_path(common::runtime())
                .shutdown_grace(std::time::Duration::ZERO)
                .build(&event_loop),
        )
        .unwrap()
        .unwrap();
    for delay_ms in [0, 1, 5, 20, 50] {
        let webview = event_loop
            .block_on(env.create_webview(webpane::WebViewOptions::default()))
            .unwrap()
            .unwrap_or_else(|e| panic!("no webview after a {delay_ms} ms pause: {e}"));
        assert_eq!(
            event_loop.block_on(webview.execute_script("1 + 1")).unwrap().unwrap(),
            "2"
        );
        webview.close().unwrap();
        let until = std::time::Instant::now() + std::time::Duration::from_millis(delay_ms);
        while std::time::Instant::now() < until {
            event_loop.dispatch(Some(std::time::Duration::from_millis(1))).unwrap();
        }
    }
}
