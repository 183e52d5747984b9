//! Several app processes sharing one browser process: sharing, races, normal exit, kill -9,
//! recovery, and clients that misbehave.

mod common;

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use common::*;
use webpane::{BrowserProcessExitKind, Environment, EventLoop, WebViewOptions};

/// Entry point of the app processes the tests spawn; does nothing in a normal run.
///
/// Reports: `pid <browser pid>`, `loaded`, `message <json>`, `failed <kind> <reason> <t>`,
/// `exited <kind> <pid> <t>` (t: monotonic ns). Commands on stdin: `close` (close the webview),
/// `ping <json>` (post a web message to the page, which answers).
#[test]
fn app_process_entry_point() {
    let Ok(role) = std::env::var(APP_ROLE) else { return };
    let folder = std::path::PathBuf::from(std::env::var(APP_FOLDER).unwrap());
    if role == "other-user" {
        // Runs as another uid: reach the socket and be hung up on at once, before the runtime
        // says a word (not even its handshake hello).
        let hung_up = match webpane_ipc::Connection::connect(folder.join("runtime.sock")) {
            Err(webpane_ipc::IpcError::Disconnected) => true,
            Err(e) => panic!("unexpected {e}"),
            Ok(conn) => {
                let hello = webpane_ipc::protocol::AppMessage::Hello {
                    options: Default::default(),
                };
                let _ = conn.send(&hello, webpane_ipc::Outgoing::new());
                let answer = conn.recv_timeout::<webpane_ipc::protocol::RuntimeMessage>(Some(TIMEOUT));
                matches!(answer, Err(webpane_ipc::IpcError::Disconnected))
            }
        };
        report(&format!("answer {hung_up}"));
        return;
    }
    let event_loop = EventLoop::new().unwrap();
    let env = env_for(&event_loop, &folder);
    report(&format!("pid {}", env.browser_process_id().unwrap()));
    let exited = Rc::new(RefCell::new(false));
    {
        let exited = exited.clone();
        env.on_browser_process_exited(move |_, args| {
            report(&format!(
                "exited {:?} {} {}",
                args.kind(),
                args.browser_process_id(),
                monotonic_ns()
            ));
            *exited.borrow_mut() = true;
        });
    }
    let webview = event_loop
        .block_on(env.create_webview(WebViewOptions::headless(320, 240)))
        .unwrap()
        .unwrap();
    webview.on_process_failed(|_, args| {
        report(&format!(
            "failed {:?} {:?} {}",
            args.kind(),
            args.reason(),
            monotonic_ns()
        ))
    });
    webview.on_navigation_completed(|_, args| report(&format!("loaded {}", args.is_success())));
    webview.on_web_message_received(|_, m| report(&format!("message {}", m.web_message_as_json())));
    // The page answers web messages with its own role, so a test can check who answered.
    webview
        .navigate_to_string(&format!(
            "<p>{role}</p><script>chrome.webview.addEventListener('message', e => \
             chrome.webview.postMessage({{from: '{role}', got: e.data}}))</script>"
        ))
        .unwrap();

    // Commands arrive on a reader thread and reach the UI thread through the loop's proxy.
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let proxy = event_loop.proxy();
    std::thread::spawn(move || {
        for line in std::io::stdin().lines().map_while(Result::ok) {
            let tx = tx.clone();
            if proxy.post(move || drop(tx.send(line))).is_err() {
                break;
            }
        }
    });
    while !*exited.borrow() {
        event_loop.dispatch(Some(Duration::from_millis(100))).unwrap();
        while let Ok(command) = rx.try_recv() {
            match command.as_str() {
                "close" => webview.close().unwrap(),
                ping if ping.starts_with("ping ") => webview.post_web_message_as_json(&ping[5..]).unwrap(),
                other => panic!("unknown command {other}"),
            }
        }
    }
}

#[test]
/// Promises B5, B6 (docs/promises.md).
fn two_apps_share_one_runtime_and_both_see_its_normal_exit() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("udf");
    let mut a = AppProcess::spawn("a", &folder);
    let pid_a = a.expect("pid")[1].clone();
    let mut b = AppProcess::spawn("b", &folder);
    let pid_b = b.expect("pid")[1].clone();
    assert_eq!(pid_a, pid_b, "both apps use one browser process");
    a.expect("loaded");
    b.expect("loaded");
    let pid: u32 = pid_a.parse().unwrap();

    // Both apps talk to their own pages through the shared runtime at the same time.
    for i in 0..50 {
        a.command(&format!("ping {i}"));
        b.command(&format!("ping {}", 1000 + i));
    }
    for i in 0..50 {
        assert_eq!(a.expect("message")[1], format!(r#"{{"from":"a","got":{i}}}"#));
        assert_eq!(b.expect("message")[1], format!(r#"{{"from":"b","got":{}}}"#, 1000 + i));
    }

    a.command("close");
    // B still has a webview: the runtime stays (well past its grace period).
    std::thread::sleep(Duration::from_millis(1000));
    assert!(alive(pid), "the runtime must stay while another app has a webview");
    b.command("close");
    for app in [&a, &b] {
        let exited = app.expect("exited");
        assert_eq!(exited[1], "Normal");
        assert_eq!(exited[2], pid_a);
    }
    // Both were told only after the lock was released: the folder can go.
    std::fs::remove_dir_all(&folder).unwrap();
    a.finish();
    b.finish();
}

#[test]
fn many_apps_starting_at_once_get_exactly_one_runtime() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("udf");
    let mut apps: Vec<AppProcess> = (0..6).map(|i| AppProcess::spawn(&format!("app{i}"), &folder)).collect();
    let pids: Vec<String> = apps.iter().map(|a| a.expect("pid")[1].clone()).collect();
    assert!(pids.iter().all(|p| *p == pids[0]), "one runtime for all: {pids:?}");
    for app in &apps {
        app.expect("loaded");
    }
    for app in apps.iter_mut() {
        app.command("close");
    }
    for app in apps {
        assert_eq!(app.expect("exited")[1], "Normal");
        app.finish();
    }
}

#[test]
fn kill_9_of_the_runtime_reaches_every_app_and_a_new_environment_works() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("udf");
    let a = AppProcess::spawn("a", &folder);
    let b = AppProcess::spawn("b", &folder);
    let pid: u32 = a.expect("pid")[1].parse().unwrap();
    assert_eq!(b.expect("pid")[1], pid.to_string());
    a.expect("loaded");
    b.expect("loaded");
    let webkit_children: Vec<u32> = processes_named("WebKit")
        .into_iter()
        .filter(|p| descends_from(*p, pid))
        .collect();
    assert!(!webkit_children.is_empty(), "the runtime has WebKit children");

    let killed_at = monotonic_ns();
    rustix::process::kill_process(
        rustix::process::Pid::from_raw(pid as i32).unwrap(),
        rustix::process::Signal::KILL,
    )
    .unwrap();
    for app in [&a, &b] {
        let mut failed = None;
        let mut exited = None;
        while failed.is_none() || exited.is_none() {
            let report = app.next();
            match report[0].as_str() {
                "failed" => failed = Some(report),
                "exited" => exited = Some(report),
                _ => {}
            }
        }
        let (failed, exited) = (failed.unwrap(), exited.unwrap());
        assert_eq!(failed[1], "BrowserProcessExited");
        assert_eq!(exited[1], "Failed");
        assert_eq!(exited[2], pid.to_string());
        let latency_ms = (exited[3].parse::<u64>().unwrap() - killed_at) as f64 / 1e6;
        eprintln!("kill -9 to BrowserProcessExited: {latency_ms:.1} ms");
    }
    for child in &webkit_children {
        assert!(exited(*child), "WebKit child {child} outlived the reported exit");
        wait_reaped(*child); // no zombie remains either
    }
    assert!(
        folder.join("runtime.sock").exists(),
        "the killed runtime left its socket behind"
    );
    a.finish();
    b.finish();

    // The stale socket and lock are recovered from: a new environment starts a new runtime.
    let event_loop = EventLoop::new().unwrap();
    let env = env_for(&event_loop, &folder);
    let new_pid = env.browser_process_id().unwrap();
    assert_ne!(new_pid, pid);
    let webview = event_loop
        .block_on(env.create_webview(WebViewOptions::default()))
        .unwrap()
        .unwrap();
    let loaded = recorder();
    let l = loaded.clone();
    webview.on_navigation_completed(move |_, a| l.borrow_mut().push(a.is_success()));
    webview.navigate_to_string("<p>again</p>").unwrap();
    wait_until(&event_loop, "a page in the new runtime", || !loaded.borrow().is_empty());
    let exit = env.browser_process_exited();
    webview.close().unwrap();
    let args = block_on_within(&event_loop, "BrowserProcessExited", exit).unwrap();
    assert_eq!(
        (args.kind(), args.browser_process_id()),
        (BrowserProcessExitKind::Normal, new_pid)
    );
}

#[test]
fn options_must_match_between_apps_sharing_a_runtime() {
    let dir = tempfile::tempdir().unwrap();
    let event_loop = EventLoop::new().unwrap();
    let build = |language: &str| {
        Environment::builder()
            .user_data_folder(dir.path())
            .runtime_path(runtime())
            .shutdown_grace(Duration::from_millis(300))
            .language(language)
            .build(&event_loop)
    };
    let first = event_loop.block_on(build("en-US")).unwrap().unwrap();
    // Keep the runtime busy so it does not exit while we ask again.
    let _webview = event_loop
        .block_on(first.create_webview(WebViewOptions::default()))
        .unwrap()
        .unwrap();
    match event_loop.block_on(build("de-DE")).unwrap() {
        Err(webpane::Error::OptionsMismatch { differences }) => {
            // Only the language differs, and the message says both values.
            assert_eq!(differences.len(), 1, "{differences:?}");
            assert!(differences[0].starts_with("language:"), "{differences:?}");
            assert!(
                differences[0].contains("\"en-US\"") && differences[0].contains("\"de-DE\""),
                "{differences:?}"
            );
        }
        other => panic!("expected OptionsMismatch, got {other:?}"),
    }
    let same = event_loop.block_on(build("en-US")).unwrap().unwrap();
    assert_eq!(same.browser_process_id(), first.browser_process_id());
}

#[test]
fn a_client_sending_garbage_is_dropped_and_the_others_are_served() {
    let (event_loop, _env, webview, dir) = open_webview();
    let socket = dir.path().join("runtime.sock");

    // Not a webpane peer at all: bytes where the handshake should be.
    let raw = rustix::net::socket(
        rustix::net::AddressFamily::UNIX,
        rustix::net::SocketType::SEQPACKET,
        None,
    )
    .unwrap();
    rustix::net::connect(&raw, &rustix::net::SocketAddrUnix::new(&socket).unwrap()).unwrap();
    rustix::net::send(&raw, b"\xff\xfe garbage", rustix::net::SendFlags::empty()).unwrap();
    // A proper peer that then sends undecodable messages, and one that skips Hello.
    let bad = webpane_ipc::Connection::connect(&socket).unwrap();
    bad.send_bytes(&[0, 0xff, 0xff, 0xff, 0xff, 0x0f], &[]).unwrap();
    let rude = webpane_ipc::Connection::connect(&socket).unwrap();
    rude.send(
        &webpane_ipc::protocol::AppMessage::Close {
            id: webpane_ipc::protocol::WebViewId(1),
        },
        webpane_ipc::Outgoing::new(),
    )
    .unwrap();
    for conn in [&bad, &rude] {
        assert!(
            matches!(
                conn.recv_timeout::<webpane_ipc::protocol::RuntimeMessage>(Some(TIMEOUT)),
                Err(webpane_ipc::IpcError::Disconnected)
            ),
            "the runtime hangs up on a misbehaving client"
        );
    }

    // Requests GTK and WebKit could not take are refused with a reason, and the client stays.
    let odd = webpane_ipc::Connection::connect(&socket).unwrap();
    odd.send(
        &webpane_ipc::protocol::AppMessage::Hello {
            options: Default::default(),
        },
        webpane_ipc::Outgoing::new(),
    )
    .unwrap();
    use webpane_ipc::protocol::{AppMessage, RuntimeMessage, ViewMode, WebViewId};
    let requests = [
        AppMessage::CreateWebView {
            id: WebViewId(1),
            mode: ViewMode::Window {
                title: "nul\0title".into(),
                width: 100,
                height: 100,
            },
            settings: Default::default(),
            opener: None,
        },
        AppMessage::CreateWebView {
            id: WebViewId(2),
            mode: ViewMode::Headless {
                width: 0,
                height: u32::MAX,
            },
            settings: Default::default(),
            opener: None,
        },
        AppMessage::Navigate {
            id: WebViewId(3),
            uri: "about:\0blank".into(),
        },
        AppMessage::NavigateToString {
            id: WebViewId(4),
            html: "\0".into(),
        },
        AppMessage::Navigate {
            id: WebViewId(5),
            uri: "about:blank".into(),
        }, // no such view
    ];
    for request in &requests {
        odd.send(request, webpane_ipc::Outgoing::new()).unwrap();
    }
    let mut refused = Vec::new();
    while refused.len() < requests.len() {
        let got = odd
            .recv_timeout::<RuntimeMessage>(Some(TIMEOUT))
            .unwrap()
            .expect("an answer");
        if let RuntimeMessage::RequestFailed { id, reason } = got.message {
            refused.push((id.unwrap().0, reason));
        }
    }
    assert_eq!(
        refused.iter().map(|r| r.0).collect::<Vec<_>>(),
        vec![1, 2, 3, 4, 5],
        "{refused:?}"
    );
    assert!(
        refused[0].1.contains("NUL") && refused[1].1.contains("size"),
        "{refused:?}"
    );

    let loaded = recorder();
    let l = loaded.clone();
    webview.on_navigation_completed(move |_, a| l.borrow_mut().push(a.is_success()));
    webview.navigate_to_string("<p>still served</p>").unwrap();
    wait_until(&event_loop, "the good client's page", || !loaded.borrow().is_empty());
    assert_eq!(*loaded.borrow(), vec![true]);
}

#[test]
fn engine_arguments_are_webkit_settings_and_bad_ones_are_refused() {
    let event_loop = EventLoop::new().unwrap();
    let build = |dir: &std::path::Path, arg: &str| {
        Environment::builder()
            .user_data_folder(dir)
            .runtime_path(runtime())
            .shutdown_grace(Duration::from_millis(300))
            .additional_arguments([arg])
            .build(&event_loop)
    };
    let dir = tempfile::tempdir().unwrap();
    let env = event_loop
        .block_on(build(dir.path(), "enable-developer-extras=true"))
        .unwrap()
        .unwrap();
    assert!(env.browser_process_id().is_some());

    let other = tempfile::tempdir().unwrap();
    match event_loop.block_on(build(other.path(), "no-such-setting=1")).unwrap() {
        Err(webpane::Error::LaunchFailed(message)) => assert!(message.contains("engine arguments"), "{message}"),
        other => panic!("expected LaunchFailed, got {other:?}"),
    }
    assert!(matches!(
        event_loop.block_on(build(other.path(), "not-a-pair")).unwrap(),
        Err(webpane::Error::InvalidArgument(_))
    ));
    let webview = event_loop
        .block_on(env.create_webview(WebViewOptions::default()))
        .unwrap()
        .unwrap();
    assert!(matches!(
        webview.navigate("about:\0"),
        Err(webpane::Error::InvalidArgument(_))
    ));
    assert!(matches!(
        event_loop
            .block_on(env.create_webview(WebViewOptions::headless(0, 10)))
            .unwrap(),
        Err(webpane::Error::InvalidArgument(_))
    ));
}

#[test]
fn a_client_of_another_user_is_refused_even_if_it_can_reach_the_socket() {
    use std::os::unix::fs::PermissionsExt;
    if !can_switch_users("a_client_of_another_user_is_refused_even_if_it_can_reach_the_socket") {
        return;
    }
    let (event_loop, _env, webview, dir) = open_webview();
    // Loosen what normally stops other users first (the 0700 folder, the 0600 socket), so that the
    // runtime's own uid check is what is tested.
    for (path, mode) in [
        (dir.path().to_path_buf(), 0o755),
        (dir.path().join("runtime.sock"), 0o777),
    ] {
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    }
    let (mut command, _copy) = command_as_nobody("other-user", dir.path());
    let out = command.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("@@answer true"),
        "the runtime did not hang up on uid 65534: {stdout}"
    );
    // The rightful app is still served.
    let loaded = recorder();
    let l = loaded.clone();
    webview.on_navigation_completed(move |_, a| l.borrow_mut().push(a.is_success()));
    webview.navigate_to_string("<p>still mine</p>").unwrap();
    wait_until(&event_loop, "the owner's page", || !loaded.borrow().is_empty());
}
