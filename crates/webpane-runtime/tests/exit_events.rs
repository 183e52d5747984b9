//! BrowserProcessExited as WebView2's specification has it, across real processes: when it is
//! raised (after every process of the group and the folder's lock are gone), and how its
//! handlers are managed (tokens, a handler removing itself, several environments, the one-shot
//! wait, a dropped environment, dropping the last webview).

mod common;

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::{Duration, Instant};

use common::*;
use webpane::{BrowserProcessExitKind, EventLoop, EventToken, WebViewOptions};

fn signal(pid: u32, signal: rustix::process::Signal) {
    let pid = rustix::process::Pid::from_raw(pid as i32).unwrap();
    rustix::process::kill_process(pid, signal).unwrap();
}

/// Runs the loop for `span` (nothing is expected to end it).
fn run_for(event_loop: &EventLoop, span: Duration) {
    let end = Instant::now() + span;
    while Instant::now() < end {
        event_loop.dispatch(Some(Duration::from_millis(50))).unwrap();
    }
}

/// A temporary folder with the user data folder `udf` in it, and a webview on it.
fn in_a_folder_of_its_own() -> (tempfile::TempDir, EventLoop, webpane::Environment, webpane::WebView) {
    let dir = tempfile::tempdir().unwrap();
    let event_loop = EventLoop::new().unwrap();
    let env = env_for(&event_loop, &dir.path().join("udf"));
    let webview = event_loop
        .block_on(env.create_webview(WebViewOptions::default()))
        .unwrap()
        .unwrap();
    (dir, event_loop, env, webview)
}

/// The pid written in the folder's lock while a runtime holds it.
fn lock_holder(folder: &std::path::Path) -> Option<u32> {
    match webpane_ipc::Folder::open(folder, false).and_then(|f| f.lock_state()) {
        Ok(webpane_ipc::LockState::Held { pid }) => pid,
        _ => None,
    }
}

/// Whether the folder's lock can be taken now (by anyone: here, by the test).
fn lock_can_be_taken(folder: &std::path::Path) -> bool {
    use rustix::fs::{FlockOperation, flock};
    match std::fs::File::open(folder.join("runtime.lock")) {
        Ok(file) => flock(&file, FlockOperation::NonBlockingLockExclusive).is_ok(),
        Err(_) => true,
    }
}

/// B4, B11: a WebKit child stopped (SIGSTOP) while the browser process shuts down holds the
/// event back — as long as it lives, there is no event; the runtime waits for its children (and
/// kills the stopped one after its grace), releases the lock, and only then exits. Inside the
/// handler no process of the group is alive, the folder's lock can be taken and the folder
/// deleted. (When the runtime is killed instead, WebKit's children die with it: they are spawned
/// with a parent-death signal.)
#[test]
fn the_exit_comes_after_every_child_and_the_lock_then_the_folder_is_free() {
    let (dir, event_loop, env, webview) = in_a_folder_of_its_own();
    let folder = dir.path().join("udf");
    let runtime_pid = webview.browser_process_id();
    assert!(load_html(&event_loop, &webview, "<p>a page, so a web process</p>"));
    let group: Vec<u32> = processes_named("WebKit")
        .into_iter()
        .filter(|p| descends_from(*p, runtime_pid))
        .collect();
    let web_process = *processes_named("WebKitWebProces")
        .iter()
        .find(|p| group.contains(p))
        .expect("the runtime's web process");

    let seen = Rc::new(RefCell::new(None));
    {
        let (seen, folder, group) = (seen.clone(), folder.clone(), group.clone());
        env.on_browser_process_exited(move |_, args| {
            let everyone_gone = exited(runtime_pid) && group.iter().all(|p| exited(*p));
            let lock_free = lock_can_be_taken(&folder);
            let deleted = std::fs::remove_dir_all(&folder).is_ok();
            *seen.borrow_mut() = Some((
                args.kind(),
                args.browser_process_id(),
                args.timed_out(),
                everyone_gone,
                lock_free,
                deleted,
            ));
        });
    }
    signal(web_process, rustix::process::Signal::STOP);
    webview.close().unwrap();
    // The runtime shuts down after its grace; its stopped child lives on for a while.
    let started = Instant::now();
    while !exited(web_process) {
        assert!(started.elapsed() < TIMEOUT, "the stopped child was never ended");
        assert!(
            seen.borrow().is_none(),
            "raised while a child of the browser process lived: {:?}",
            seen.borrow()
        );
        event_loop.dispatch(Some(Duration::from_millis(20))).unwrap();
    }
    wait_until(&event_loop, "BrowserProcessExited", || seen.borrow().is_some());
    let (kind, pid, timed_out, everyone_gone, lock_free, deleted) = seen.borrow().unwrap();
    assert_eq!((pid, timed_out), (runtime_pid, false));
    assert_eq!(kind, BrowserProcessExitKind::Normal);
    assert!(everyone_gone, "a process of the group was alive inside the handler");
    assert!(lock_free, "the folder's lock could not be taken inside the handler");
    assert!(
        deleted && !folder.exists(),
        "the folder could not be deleted inside the handler"
    );
}

/// B1, B7, B8, B13, B14, B15, B17, B18, B19: tokens remove handlers; a handler may remove itself
/// while it runs; every environment of the app gets the event (one dropped before does not);
/// the one-shot wait completes; dropping the last webview is enough for the browser process to
/// go; waiting inside a handler is refused; a handler stays registered for the next browser
/// process, whose exit carries its own pid.
#[test]
fn exit_handlers_are_managed_as_webview2_says() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("udf");
    let event_loop = EventLoop::new().unwrap();
    let first = env_for(&event_loop, &folder);
    let second = env_for(&event_loop, &folder);
    let dropped = env_for(&event_loop, &folder);
    let pid = first.browser_process_id().unwrap();
    assert_eq!(second.browser_process_id(), Some(pid), "one browser process per folder");

    let log = recorder::<(&'static str, u32)>();
    // Removes itself during its own run: called once.
    let own_token: Rc<Cell<Option<EventToken<webpane::BrowserProcessExitedEventArgs>>>> = Rc::default();
    {
        let (log, mine) = (log.clone(), own_token.clone());
        let token = first.on_browser_process_exited(move |env, args| {
            log.borrow_mut().push(("self-removing", args.browser_process_id()));
            let token = mine.take().expect("its token");
            assert!(env.remove_browser_process_exited(token));
        });
        own_token.set(Some(token));
    }
    // Removed before any exit: never called.
    let removed = {
        let log = log.clone();
        first.on_browser_process_exited(move |_, args| log.borrow_mut().push(("removed", args.browser_process_id())))
    };
    assert!(first.remove_browser_process_exited(removed));
    assert!(!first.remove_browser_process_exited(removed), "removed twice");
    assert!(
        !second.remove_browser_process_exited(removed),
        "another environment's token"
    );
    // B19: waiting inside the handler is refused (a reentrancy error, never a hang).
    let wait_refused = Rc::new(Cell::new(None));
    {
        let (log, refused, el) = (log.clone(), wait_refused.clone(), event_loop.clone());
        second.on_browser_process_exited(move |_, args| {
            log.borrow_mut().push(("second", args.browser_process_id()));
            refused.set(Some(matches!(el.block_on(async {}), Err(webpane::Error::Reentrancy))));
        });
    }
    {
        let log = log.clone();
        dropped.on_browser_process_exited(move |_, args| log.borrow_mut().push(("dropped", args.browser_process_id())));
    }
    drop(dropped);
    let one_shot = first.browser_process_exited();

    // The last webview is dropped, not closed: the browser process goes all the same.
    let webview = event_loop
        .block_on(first.create_webview(WebViewOptions::default()))
        .unwrap()
        .unwrap();
    assert_eq!(webview.browser_process_id(), pid);
    drop(webview);
    let args = block_on_within(&event_loop, "BrowserProcessExited", one_shot).unwrap();
    assert_eq!(
        (args.kind(), args.browser_process_id()),
        (BrowserProcessExitKind::Normal, pid)
    );
    wait_until(&event_loop, "both environments' handlers", || log.borrow().len() >= 2);
    run_for(&event_loop, Duration::from_millis(300));
    {
        let mut seen = log.borrow().clone();
        seen.sort();
        assert_eq!(seen, [("second", pid), ("self-removing", pid)]);
    }
    assert_eq!(
        wait_refused.get(),
        Some(true),
        "blocking inside the handler was not refused"
    );

    // A new browser process for the same environments: the remaining handler hears its exit.
    let webview = event_loop
        .block_on(second.create_webview(WebViewOptions::default()))
        .unwrap()
        .unwrap();
    let next_pid = webview.browser_process_id();
    assert_ne!(next_pid, pid, "a new browser process");
    webview.close().unwrap();
    wait_until(&event_loop, "the second exit", || log.borrow().len() >= 3);
    run_for(&event_loop, Duration::from_millis(300));
    assert_eq!(log.borrow()[2..], [("second", next_pid)]);
}

/// B3, B9: a browser process that dies (SIGKILL) raises both BrowserProcessExited (Failed, its
/// pid) and ProcessFailed (BrowserProcessExited, terminated by signal 9) on its webview.
#[test]
fn a_killed_browser_process_raises_both_events() {
    let (event_loop, env, webview, _dir) = open_webview();
    let pid = webview.browser_process_id();
    let exited_args = recorder();
    {
        let exited_args = exited_args.clone();
        env.on_browser_process_exited(move |_, a| exited_args.borrow_mut().push((a.kind(), a.browser_process_id())));
    }
    let failed = recorder();
    {
        let failed = failed.clone();
        webview.on_process_failed(move |_, a| failed.borrow_mut().push((a.kind(), a.reason(), a.signal())));
    }
    signal(pid, rustix::process::Signal::KILL);
    wait_until(&event_loop, "both events", || {
        !exited_args.borrow().is_empty() && !failed.borrow().is_empty()
    });
    assert_eq!(exited_args.borrow()[0], (BrowserProcessExitKind::Failed, pid));
    assert_eq!(
        failed.borrow()[0],
        (
            webpane::ProcessFailedKind::BrowserProcessExited,
            webpane::ProcessFailedReason::Terminated,
            Some(9)
        )
    );
    assert!(webview.is_closed());
}

/// B16: a new browser process can take the folder before the old one's exit is reported: the
/// event still carries the old pid (here the app's loop does not run until a new runtime holds
/// the folder).
#[test]
fn an_exit_reported_after_a_new_browser_process_started_carries_the_old_pid() {
    let (dir, event_loop, env, webview) = in_a_folder_of_its_own();
    let folder = dir.path().join("udf");
    let old_pid = webview.browser_process_id();
    let seen = Rc::new(RefCell::new(None));
    {
        let seen = seen.clone();
        let folder = folder.clone();
        env.on_browser_process_exited(move |_, args| {
            *seen.borrow_mut() = Some((args.browser_process_id(), lock_holder(&folder)));
        });
    }
    webview.close().unwrap();
    // The app's loop does not run: the old runtime goes (grace, then shutdown) unobserved.
    let deadline = Instant::now() + TIMEOUT;
    while !exited(old_pid) {
        assert!(Instant::now() < deadline, "the old runtime never exited");
        std::thread::sleep(Duration::from_millis(20));
    }
    // A new browser process on the same folder, before the app hears of the old one's exit.
    let command = webpane_ipc::contract::RuntimeCommand {
        user_data_folder: folder.clone(),
        options: Default::default(),
        grace: Some(Duration::from_secs(20)),
    };
    let mut newer = std::process::Command::new(runtime())
        .args(command.args())
        .spawn()
        .unwrap();
    let new_pid = newer.id();
    while lock_holder(&folder) != Some(new_pid) {
        assert!(Instant::now() < deadline, "the new runtime never took the folder");
        std::thread::sleep(Duration::from_millis(20));
    }
    wait_until(&event_loop, "the old exit", || seen.borrow().is_some());
    assert_eq!(
        *seen.borrow(),
        Some((old_pid, Some(new_pid))),
        "(the event's pid, the folder's holder)"
    );
    newer.kill().unwrap();
    newer.wait().unwrap();
}
