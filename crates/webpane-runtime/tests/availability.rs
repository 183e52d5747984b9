//! The browser process stays available to the apps it serves, whatever other local processes
//! do to its socket: silent connections cost nothing, running out of descriptors is survived.

mod common;

use std::os::fd::OwnedFd;
use std::path::Path;
use std::time::{Duration, Instant};

use common::*;
use webpane::{CloseReason, EventLoop, WebViewOptions};

/// App processes of this binary, by role.
#[test]
fn app_process_entry_point() {
    let Ok(role) = std::env::var(APP_ROLE) else { return };
    let folder = std::path::PathBuf::from(std::env::var(APP_FOLDER).unwrap());
    // "stuck" asks for 14 results of 24 MiB (more than one app may have queued); "stuck-N"
    // asks for N.
    let count: usize = match role.strip_prefix("stuck-") {
        Some(n) => n.parse().unwrap(),
        None => {
            assert_eq!(role, "stuck");
            14
        }
    };
    let event_loop = EventLoop::new().unwrap();
    let env = env_for(&event_loop, &folder);
    let pid = env.browser_process_id().unwrap();
    report(&format!("pid {pid}"));
    let exits = std::rc::Rc::new(std::cell::Cell::new(0));
    let e = exits.clone();
    env.on_browser_process_exited(move |_, args| {
        e.set(e.get() + 1);
        report(&format!("exited {:?} {}", args.kind(), args.browser_process_id()));
    });
    let webview = new_webview(&event_loop, &env);
    let closed = recorder();
    let c = closed.clone();
    webview.on_closed(move |_, args| c.borrow_mut().push(args.reason()));
    let loaded = recorder();
    let l = loaded.clone();
    webview.on_navigation_completed(move |_, a| l.borrow_mut().push(a.is_success()));
    webview.navigate_to_string("<p>x</p>").unwrap();
    wait_until(&event_loop, "the page", || !loaded.borrow().is_empty());

    // Ask for far more than the runtime may queue for one app (256 MiB), and read none of it.
    let answered = std::rc::Rc::new(std::cell::Cell::new(0usize));
    for _ in 0..count {
        let (script, answered) = (webview.execute_script("'x'.repeat(24 << 20)"), answered.clone());
        event_loop.spawn_local(async move {
            if script.await.is_ok() {
                answered.set(answered.get() + 1);
            }
        });
    }
    report("asked");
    // Not a byte read until the test saw the runtime decide (in its log).
    let mut go = String::new();
    std::io::stdin().read_line(&mut go).unwrap();
    report("reading");
    wait_until(&event_loop, "the webview's Closed, or every answer", || {
        !closed.borrow().is_empty() || answered.get() == count
    });
    if closed.borrow().is_empty() {
        report(&format!("answered {}", answered.get()));
        return;
    }
    report(&format!("closed {:?}", closed.borrow()[0]));
    assert_eq!(closed.borrow()[0], CloseReason::Disconnected);
    assert_eq!(exits.get(), 0, "an exit was reported while the browser process lives");
    report(&format!("alive {}", alive(pid)));
    // A new webview connects again, to the same browser process.
    let again = event_loop
        .block_on(env.create_webview(WebViewOptions::default()))
        .unwrap()
        .unwrap();
    report(&format!("again {}", again.browser_process_id()));
    again.close().unwrap();
    wait_until(&event_loop, "the browser process's exit", || exits.get() > 0);
    report(&format!("exits {}", exits.get()));
}

/// Raises this process's soft limit on open files to the hard one (the tests open many).
fn raise_fd_limit() {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let limit = getrlimit(Resource::Nofile);
    let _ = setrlimit(
        Resource::Nofile,
        rustix::process::Rlimit {
            current: limit.maximum,
            maximum: limit.maximum,
        },
    );
}

/// Up to `count` connections to the socket that never say anything (stops early when the
/// listen backlog stays full for a second).
fn silent_connections(socket: &Path, count: usize) -> Vec<OwnedFd> {
    use rustix::net::{AddressFamily, SocketAddrUnix, SocketFlags, SocketType};
    let addr = SocketAddrUnix::new(socket).unwrap();
    let mut open = Vec::new();
    let mut stuck_since: Option<Instant> = None;
    while open.len() < count {
        let fd = rustix::net::socket_with(
            AddressFamily::UNIX,
            SocketType::SEQPACKET,
            SocketFlags::NONBLOCK | SocketFlags::CLOEXEC,
            None,
        )
        .unwrap();
        match rustix::net::connect(&fd, &addr) {
            Ok(()) => {
                open.push(fd);
                stuck_since = None;
            }
            // The backlog is full, or the runtime has bound but not yet listened.
            Err(rustix::io::Errno::AGAIN | rustix::io::Errno::CONNREFUSED) => {
                let since = *stuck_since.get_or_insert_with(Instant::now);
                if since.elapsed() > Duration::from_secs(1) {
                    break;
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(e) => panic!("connect: {e}"),
        }
    }
    open
}

/// Whether the runtime has hung up on `fd` (after its hello, if it said one).
fn hung_up(fd: &OwnedFd) -> bool {
    let mut buf = [0u8; 64];
    loop {
        match rustix::net::recv(fd, &mut buf, rustix::net::RecvFlags::DONTWAIT) {
            Ok((0, _)) => return true,
            Ok(_) => continue,
            Err(rustix::io::Errno::AGAIN) => return false,
            Err(_) => return true,
        }
    }
}

#[test]
fn a_thousand_silent_connections_do_not_stall_the_apps_being_served() {
    raise_fd_limit();
    let (event_loop, _env, webview, dir) = open_webview();
    let loaded = recorder();
    let l = loaded.clone();
    webview.on_navigation_completed(move |_, a| l.borrow_mut().push(a.is_success()));
    webview.navigate_to_string("<p>served</p>").unwrap();
    wait_until(&event_loop, "the page", || !loaded.borrow().is_empty());

    // Connections that send nothing, faster than any handshake deadline runs out.
    let silent = silent_connections(&dir.path().join("runtime.sock"), 1000);
    assert!(silent.len() >= 128, "only {} connections got through", silent.len());

    // The app already connected is answered meanwhile (before the fix: 2 s per silent
    // connection on the runtime's main loop, over half an hour in all).
    assert_eq!(script_result(&event_loop, &webview, "6 * 7").unwrap(), "42");

    // A new app gets in too.
    let second = env_for(&event_loop, dir.path());
    assert_eq!(second.browser_process_id(), _env.browser_process_id());

    // Every silent connection is hung up on in the end: the runtime keeps none of them.
    let deadline = Instant::now() + TIMEOUT;
    while !silent.iter().all(hung_up) {
        assert!(Instant::now() < deadline, "the runtime kept silent connections open");
        event_loop.dispatch(Some(Duration::from_millis(50))).unwrap();
    }
}

#[test]
fn an_app_that_does_not_read_is_told_it_was_disconnected_and_hears_no_false_exit() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("udf");
    let log = dir.path().join("log");
    let mut app = AppProcess::spawn_logged("stuck", &folder, &log);
    let pid = app.expect("pid")[1].clone();
    app.expect("asked");
    let deadline = Instant::now() + TIMEOUT;
    while !std::fs::read_to_string(&log)
        .unwrap_or_default()
        .contains("disconnecting client")
    {
        assert!(Instant::now() < deadline, "the runtime never disconnected the app");
        std::thread::sleep(Duration::from_millis(50));
    }
    app.command("go");
    app.expect("reading");
    assert_eq!(app.expect("closed")[1], "Disconnected");
    assert_eq!(app.expect("alive")[1], "true");
    assert_eq!(
        app.expect("again")[1],
        pid,
        "a new webview uses the same browser process"
    );
    let exited = app.expect("exited");
    assert_eq!(exited[1..], ["Normal".to_owned(), pid]);
    assert_eq!(app.expect("exits")[1], "1");
    app.finish();
}

#[test]
fn past_the_total_cap_the_app_furthest_behind_is_disconnected_and_the_others_served() {
    // Three apps, each 192 MiB behind (under the 256 MiB per app), 576 MiB together (over the
    // 512 MiB for all): exactly one is disconnected; the others get every answer.
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("udf");
    let logs: Vec<_> = (0..3).map(|i| dir.path().join(format!("log{i}"))).collect();
    let mut apps: Vec<AppProcess> = Vec::new();
    for log in &logs {
        let app = AppProcess::spawn_logged("stuck-8", &folder, log);
        app.expect("pid");
        apps.push(app);
    }
    for app in &apps {
        app.expect("asked");
    }
    let deadline = Instant::now() + TIMEOUT;
    while !logs
        .iter()
        .any(|l| std::fs::read_to_string(l).unwrap_or_default().contains("apps together"))
    {
        assert!(Instant::now() < deadline, "the total cap was never enforced");
        std::thread::sleep(Duration::from_millis(50));
    }
    for app in &mut apps {
        app.command("go");
    }
    let mut outcomes = Vec::new();
    for app in &apps {
        app.expect("reading");
        outcomes.push(app.next().join(" "));
    }
    outcomes.sort();
    assert_eq!(
        outcomes,
        ["answered 8", "answered 8", "closed Disconnected"],
        "{outcomes:?}"
    );
}

#[test]
fn running_out_of_descriptors_is_survived_without_spinning() {
    raise_fd_limit();
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("runtime.log");
    let folder = dir.path().join("udf");
    // A runtime with few descriptors to spare (and no webview: kept alive by a long grace).
    let mut runtime = std::process::Command::new("prlimit")
        .arg("--nofile=48:48")
        .arg(runtime())
        .arg("--user-data-folder")
        .arg(&folder)
        .args(["--grace-ms", "120000"])
        .env("RUST_LOG", "info")
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let socket = folder.join("runtime.sock");
    let deadline = Instant::now() + TIMEOUT;
    while !socket.exists() {
        assert!(Instant::now() < deadline, "the runtime never listened");
        std::thread::sleep(Duration::from_millis(20));
    }

    // More half-open connections than it has descriptors left: accept fails with EMFILE.
    let silent = silent_connections(&socket, 200);
    let deadline = Instant::now() + TIMEOUT;
    while !std::fs::read_to_string(&log).unwrap().contains("cannot accept clients") {
        assert!(Instant::now() < deadline, "the runtime never ran out of descriptors");
        std::thread::sleep(Duration::from_millis(50));
    }
    drop(silent);

    // Once they are gone, a real app is served again.
    let deadline = Instant::now() + TIMEOUT;
    let conn = loop {
        match webpane_ipc::Connection::connect_trusted(&socket) {
            Ok(conn) => break conn,
            Err(e) => {
                assert!(
                    Instant::now() < deadline,
                    "never served again: {e}; {:?}; its log:\n{}",
                    runtime.try_wait(),
                    std::fs::read_to_string(&log).unwrap_or_default()
                );
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    };
    conn.send(
        &webpane_ipc::protocol::AppMessage::Hello {
            options: Default::default(),
        },
        webpane_ipc::Outgoing::new(),
    )
    .unwrap();
    let welcome = conn
        .recv_timeout::<webpane_ipc::protocol::RuntimeMessage>(Some(TIMEOUT))
        .unwrap()
        .unwrap();
    assert!(
        matches!(welcome.message, webpane_ipc::protocol::RuntimeMessage::Welcome { .. }),
        "{:?}",
        welcome.message
    );
    drop(conn);
    rustix::process::kill_process(
        rustix::process::Pid::from_child(&runtime),
        rustix::process::Signal::TERM,
    )
    .unwrap();
    runtime.wait().unwrap();

    // Said once per episode, not once per failed accept (before the fix: a hot loop that wrote
    // gigabytes of log).
    let text = std::fs::read_to_string(&log).unwrap();
    let complaints = text.lines().filter(|l| l.contains("accept")).count();
    assert!(complaints <= 20, "{complaints} lines about accept:\n{text}");
}

/// Sends SIGCONT to the process when dropped: a failing test never leaves a stopped runtime.
struct Stopped(u32);

impl Stopped {
    fn stop(pid: u32) -> Stopped {
        let p = rustix::process::Pid::from_raw(pid as i32).unwrap();
        rustix::process::kill_process(p, rustix::process::Signal::STOP).unwrap();
        Stopped(pid)
    }
}

impl Drop for Stopped {
    fn drop(&mut self) {
        let p = rustix::process::Pid::from_raw(self.0 as i32).unwrap();
        let _ = rustix::process::kill_process(p, rustix::process::Signal::CONT);
    }
}

#[test]
fn a_stopped_browser_process_is_reported_nothing_waits_forever_and_nothing_is_lost() {
    use webpane::{Environment, Error, ProcessFailedKind};
    let (event_loop, env, webview, dir) = open_webview();
    let echoes = recorder();
    let e = echoes.clone();
    webview.on_web_message_received(move |_, a| e.borrow_mut().push(a.web_message_as_json().to_owned()));
    let failures = recorder();
    let f = failures.clone();
    webview.on_process_failed(move |_, a| f.borrow_mut().push(a.kind()));
    let loaded = recorder();
    let l = loaded.clone();
    webview.on_navigation_completed(move |_, a| l.borrow_mut().push(a.is_success()));
    webview
        .navigate_to_string("<script>chrome.webview.addEventListener('message', e => chrome.webview.postMessage({echo: e.data}))</script>")
        .unwrap();
    wait_until(&event_loop, "the page", || !loaded.borrow().is_empty());
    let pid = env.browser_process_id().unwrap();

    let stopped = Stopped::stop(pid);
    webview.post_web_message_as_json(r#""sent while stopped""#).unwrap();
    // A request gets a typed error in the end, not an endless wait.
    match script_result(&event_loop, &webview, "6 * 7") {
        Err(Error::BrowserProcessUnresponsive { pid: p, .. }) => assert_eq!(p, pid),
        other => panic!("expected BrowserProcessUnresponsive, got {other:?}"),
    }
    // Told, and told again while it lasts.
    let unresponsive = failures
        .borrow()
        .iter()
        .filter(|k| **k == ProcessFailedKind::BrowserProcessUnresponsive)
        .count();
    assert!(unresponsive >= 2, "{:?}", failures.borrow());
    assert!(!webview.is_closed());

    // A new app is told the same, typed, instead of a launch failure after 30 s.
    let other = event_loop
        .block_on(
            Environment::builder()
                .user_data_folder(dir.path())
                .runtime_path(runtime())
                .build(&event_loop),
        )
        .unwrap();
    match other {
        Err(Error::BrowserProcessUnresponsive { pid: p, .. }) => assert_eq!(p, pid),
        other => panic!("expected BrowserProcessUnresponsive, got {other:?}"),
    }

    // Running again: the message posted meanwhile arrives, and requests are answered.
    drop(stopped);
    wait_until(&event_loop, "the echo of the message sent while stopped", || {
        echoes.borrow().iter().any(|m| m.contains("sent while stopped"))
    });
    assert_eq!(script_result(&event_loop, &webview, "6 * 7").unwrap(), "42");
}
