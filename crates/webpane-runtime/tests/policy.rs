//! Policy events end to end, with real pages and real servers: HTTP credentials, script dialogs,
//! permissions (WebKit's mock capture devices make getUserMedia real), server certificates.

mod common;

use std::cell::RefCell;
use std::io::{Read, Write};
use std::rc::Rc;
use std::time::Duration;

use common::*;
use webpane::{
    Deferral, EventLoop, PermissionKind, PermissionState, ScriptDialogKind, ServerCertificateErrorAction, WebView,
};

/// Serves a page that posts "authorized" to `user:pass` (Basic), and a 401 page otherwise.
/// Records the Authorization header of each request.
fn basic_auth_server(seen: std::sync::Arc<std::sync::Mutex<Vec<String>>>) -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut conn in listener.incoming().map_while(Result::ok) {
            let mut head = Vec::new();
            let mut chunk = [0u8; 4096];
            while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                match conn.read(&mut chunk) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => head.extend_from_slice(&chunk[..n]),
                }
            }
            let head = String::from_utf8_lossy(&head).to_ascii_lowercase();
            let auth = head
                .lines()
                .find_map(|l| l.strip_prefix("authorization: "))
                .unwrap_or("")
                .to_owned();
            seen.lock().unwrap().push(auth.clone());
            let (status, extra, word) = if auth == "basic dxnlcjpwyxnz" {
                ("200 OK", "", "authorized")
            } else {
                (
                    "401 Unauthorized",
                    "WWW-Authenticate: Basic realm=\"webpane test\"\r\n",
                    "unauthorized",
                )
            };
            let body = format!("<script>chrome.webview.postMessage('{word}')</script>");
            let _ = write!(
                conn,
                "HTTP/1.1 {status}\r\n{extra}Content-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    port
}

fn messages_of(webview: &WebView) -> Rc<RefCell<Vec<String>>> {
    let messages = recorder();
    let m = messages.clone();
    webview.on_web_message_received(move |_, args| m.borrow_mut().push(args.web_message_as_json().to_owned()));
    messages
}

#[test]
fn a_server_gets_the_credentials_the_app_gives() {
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let port = basic_auth_server(seen.clone());
    let (event_loop, env, webview, _dir) = open_webview();
    let asked = recorder();
    let kept: Rc<RefCell<Option<Deferral>>> = Rc::default();
    let (a, k) = (asked.clone(), kept.clone());
    webview.on_basic_authentication_requested(move |_, args| {
        a.borrow_mut()
            .push((args.challenge().to_owned(), args.realm().to_owned(), args.is_retry()));
        if args.is_retry() {
            // Answered later: the page waits.
            args.set_credentials("user", "pass");
            k.replace(Some(args.deferral()));
        } else {
            args.set_credentials("user", "wrong");
        }
    });
    let messages = messages_of(&webview);
    webview.navigate(&format!("http://127.0.0.1:{port}/")).unwrap();
    wait_until(&event_loop, "the second challenge", || kept.borrow().is_some());
    event_loop.dispatch(Some(Duration::from_millis(200))).unwrap();
    assert!(messages.borrow().is_empty(), "the page waits for the deferral");
    drop(kept.take());
    wait_until(&event_loop, "the page", || !messages.borrow().is_empty());
    assert_eq!(messages.borrow()[0], r#""authorized""#);
    assert_eq!(
        *asked.borrow(),
        [
            (
                r#"Basic realm="webpane test""#.to_owned(),
                "webpane test".to_owned(),
                false
            ),
            (
                r#"Basic realm="webpane test""#.to_owned(),
                "webpane test".to_owned(),
                true
            ),
        ]
    );
    // Without a handler: no credentials; the page is the server's 401. (Another server: the
    // credentials given above are kept for the session, for that server and realm.)
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let port = basic_auth_server(seen.clone());
    let other = new_webview(&event_loop, &env);
    let messages = messages_of(&other);
    other.navigate(&format!("http://127.0.0.1:{port}/other")).unwrap();
    wait_until(&event_loop, "the 401 page", || !messages.borrow().is_empty());
    assert_eq!(messages.borrow()[0], r#""unauthorized""#);
    let seen = seen.lock().unwrap();
    assert!(
        !seen.is_empty() && seen.iter().all(String::is_empty),
        "no credentials sent: {seen:?}"
    );
}

const DIALOGS: &str = r#"<script>
setTimeout(() => {
  const r = { confirm: confirm("sure?"), prompt: prompt("name?", "default name") };
  alert("done");
  chrome.webview.postMessage(r);
}, 0);
</script>"#;

#[test]
fn the_app_answers_script_dialogs_and_the_page_waits() {
    let (event_loop, env, webview, _dir) = open_webview();
    let opened = recorder();
    let later: Rc<RefCell<Option<Deferral>>> = Rc::default();
    let (o, l) = (opened.clone(), later.clone());
    webview.on_script_dialog_opening(move |_, args| {
        o.borrow_mut()
            .push((args.kind(), args.message().to_owned(), args.default_text().to_owned()));
        match args.kind() {
            ScriptDialogKind::Confirm => args.accept(),
            ScriptDialogKind::Prompt => {
                args.set_result_text("typed by the app");
                l.replace(Some(args.deferral()));
            }
            _ => {}
        }
    });
    let messages = messages_of(&webview);
    webview.navigate_to_string(DIALOGS).unwrap();
    wait_until(&event_loop, "the prompt", || later.borrow().is_some());
    event_loop.dispatch(Some(Duration::from_millis(200))).unwrap();
    assert!(messages.borrow().is_empty(), "the page waits on its prompt");
    drop(later.take());
    wait_until(&event_loop, "the page's report", || !messages.borrow().is_empty());
    let r: serde_json::Value = serde_json::from_str(&messages.borrow()[0]).unwrap();
    assert_eq!(r, serde_json::json!({ "confirm": true, "prompt": "typed by the app" }));
    assert_eq!(
        *opened.borrow(),
        [
            (ScriptDialogKind::Confirm, "sure?".to_owned(), String::new()),
            (ScriptDialogKind::Prompt, "name?".to_owned(), "default name".to_owned()),
            (ScriptDialogKind::Alert, "done".to_owned(), String::new()),
        ]
    );
    // Without a handler, headless: dismissed.
    let other = new_webview(&event_loop, &env);
    let messages = messages_of(&other);
    other.navigate_to_string(DIALOGS).unwrap();
    wait_until(&event_loop, "the page's report", || !messages.borrow().is_empty());
    let r: serde_json::Value = serde_json::from_str(&messages.borrow()[0]).unwrap();
    assert_eq!(r, serde_json::json!({ "confirm": false, "prompt": null }));
}

fn media_environment(event_loop: &EventLoop, dir: &std::path::Path) -> webpane::Environment {
    env_with(event_loop, dir, |b| {
        b.additional_arguments(["enable-media-stream=true", "enable-mock-capture-devices=true"])
    })
}

const MEDIA: &str = r#"<script>
(async () => {
  const r = {};
  // Allowed, the position is still unknown here (no location service): code 2, not 1.
  r.geolocation = await new Promise((done) => navigator.geolocation.getCurrentPosition(
    () => done("position"), (e) => done(e.code === 1 ? "denied" : "allowed")));
  try {
    const stream = await navigator.mediaDevices.getUserMedia({ video: true });
    r.camera = stream.getVideoTracks().length + " track";
  } catch (e) { r.camera = e.name; }
  chrome.webview.postMessage(r);
})();
</script>"#;

#[test]
fn permissions_are_the_apps_to_give() {
    let dir = tempfile::tempdir().unwrap();
    let event_loop = EventLoop::new().unwrap();
    let env = media_environment(&event_loop, dir.path());
    let port = http_server(MEDIA.into());
    // Localhost is a secure context: getUserMedia is there.
    let uri = format!("http://127.0.0.1:{port}/media");
    let webview = window_view(&event_loop, &env);
    let asked = recorder();
    let a = asked.clone();
    webview.on_permission_requested(move |_, args| {
        a.borrow_mut().push((args.permission_kind(), args.uri().to_owned()));
        assert_eq!(args.state(), PermissionState::Default);
        args.set_state(PermissionState::Allow);
    });
    let messages = messages_of(&webview);
    webview.navigate(&uri).unwrap();
    wait_until(&event_loop, "the page's report", || !messages.borrow().is_empty());
    let r: serde_json::Value = serde_json::from_str(&messages.borrow()[0]).unwrap();
    assert_eq!(r, serde_json::json!({ "geolocation": "allowed", "camera": "1 track" }));
    assert_eq!(
        *asked.borrow(),
        [
            (PermissionKind::Geolocation, uri.clone()),
            (PermissionKind::Camera, uri.clone())
        ]
    );
    // Without a handler: denied.
    let other = window_view(&event_loop, &env);
    let messages = messages_of(&other);
    other.navigate(&format!("http://127.0.0.1:{port}/again")).unwrap();
    wait_until(&event_loop, "the page's report", || !messages.borrow().is_empty());
    let r: serde_json::Value = serde_json::from_str(&messages.borrow()[0]).unwrap();
    assert_eq!(
        r,
        serde_json::json!({ "geolocation": "denied", "camera": "NotAllowedError" })
    );
}

#[test]
fn the_app_may_trust_a_certificate_that_did_not_verify() {
    let (port, _) = self_signed_tls_server(
        "webpane self-signed",
        "<script>chrome.webview.postMessage('trusted page ran')</script>",
    );
    let (event_loop, _env, webview, _dir) = open_webview();
    let seen = recorder();
    let s = seen.clone();
    webview.on_server_certificate_error_detected(move |_, args| {
        let certificate = args.server_certificate();
        s.borrow_mut().push((
            args.host().to_owned(),
            certificate.subject().to_owned(),
            certificate.to_pem().starts_with("-----BEGIN CERTIFICATE-----"),
            args.error_flags() & 1 != 0,
        ));
        args.set_action(ServerCertificateErrorAction::AlwaysAllow);
    });
    let messages = messages_of(&webview);
    webview.navigate(&format!("https://127.0.0.1:{port}/")).unwrap();
    wait_until(&event_loop, "the trusted page", || !messages.borrow().is_empty());
    assert_eq!(messages.borrow()[0], r#""trusted page ran""#);
    let seen = seen.borrow();
    assert_eq!(seen.len(), 1, "asked once: trusted from then on");
    assert_eq!(seen[0].0, "127.0.0.1");
    assert!(seen[0].1.contains("webpane self-signed"), "{:?}", seen[0]);
    assert!(seen[0].2 && seen[0].3, "PEM, and an unknown issuer: {:?}", seen[0]);
}

/// Serves `size` bytes as an attachment (a download), in chunks with pauses so progress shows.
fn download_server(size: usize) -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut conn in listener.incoming().map_while(Result::ok) {
            std::thread::spawn(move || {
                let mut request = [0u8; 4096];
                let _ = conn.read(&mut request);
                let _ = write!(
                    conn,
                    "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"report.bin\"\r\nContent-Length: {size}\r\nConnection: close\r\n\r\n"
                );
                let chunk = vec![7u8; size / 8];
                for _ in 0..8 {
                    if conn.write_all(&chunk).is_err() {
                        return;
                    }
                    std::thread::sleep(Duration::from_millis(150));
                }
            });
        }
    });
    port
}

#[test]
fn a_download_lands_only_where_the_app_says() {
    const SIZE: usize = 8 << 20;
    let port = download_server(SIZE);
    let uri = format!("http://127.0.0.1:{port}/report");
    let (event_loop, env, webview, dir) = open_webview();
    let target = dir.path().join("saved-report.bin");
    let progress = recorder();
    let states = recorder();
    let started = recorder();
    let (p, st, s, t) = (progress.clone(), states.clone(), started.clone(), target.clone());
    webview.on_download_starting(move |_, args| {
        let operation = args.download_operation();
        s.borrow_mut().push((
            operation.uri().to_owned(),
            operation.suggested_file_name().to_owned(),
            operation.mime_type().to_owned(),
            operation.total_bytes_to_receive(),
        ));
        args.set_result_file_path(&t);
        let p = p.clone();
        operation.on_bytes_received_changed(move |op, _| p.borrow_mut().push(op.bytes_received()));
        let st = st.clone();
        operation.on_state_changed(move |op, _| st.borrow_mut().push((op.state(), op.result_file_path())));
    });
    webview.navigate(&uri).unwrap();
    wait_until(&event_loop, "the download's end", || !states.borrow().is_empty());
    assert_eq!(
        *started.borrow(),
        [(
            uri.clone(),
            "report.bin".to_owned(),
            "application/octet-stream".to_owned(),
            Some(SIZE as u64)
        )]
    );
    assert_eq!(states.borrow()[0], (webpane::DownloadState::Completed, target.clone()));
    let bytes = std::fs::read(&target).unwrap();
    assert_eq!(bytes.len(), SIZE);
    assert!(bytes.iter().all(|b| *b == 7));
    {
        let progress = progress.borrow();
        assert!(progress.len() >= 2, "progress as it came: {progress:?}");
        assert!(progress.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(*progress.last().unwrap(), SIZE as u64);
    }

    // Issue 25.4 and 25.5: a download named like a file that is there (the one just written)
    // takes the next free name, and neither that file nor the target of a link planted at the
    // names WebKit writes is touched.
    let victim = dir.path().join("victim");
    std::fs::write(&victim, "victim").unwrap();
    for planted in ["saved-report.bin.wkdownload", "saved-report (1).bin.wkdownload"] {
        std::os::unix::fs::symlink(&victim, dir.path().join(planted)).unwrap();
    }
    states.borrow_mut().clear();
    webview.navigate(&format!("http://127.0.0.1:{port}/again")).unwrap();
    wait_until(&event_loop, "the second download's end", || !states.borrow().is_empty());
    let second = dir.path().join("saved-report (1).bin");
    assert_eq!(states.borrow()[0], (webpane::DownloadState::Completed, second.clone()));
    assert_eq!(std::fs::read(&second).unwrap().len(), SIZE);
    assert_eq!(std::fs::read(&target).unwrap().len(), SIZE, "the first is as it was");
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "victim");
    let mine = dir.path().join("mine.txt");
    std::fs::write(&mine, "the user's").unwrap();
    let t2 = mine.clone();
    let other_states = recorder();
    let os = other_states.clone();
    let third = new_webview(&event_loop, &env);
    third.on_download_starting(move |_, args| {
        args.set_result_file_path(&t2);
        let os = os.clone();
        args.download_operation()
            .on_state_changed(move |op, _| os.borrow_mut().push((op.state(), op.result_file_path())));
    });
    third.navigate(&format!("http://127.0.0.1:{port}/third")).unwrap();
    wait_until(&event_loop, "the third download's end", || {
        !other_states.borrow().is_empty()
    });
    assert_eq!(
        other_states.borrow()[0],
        (webpane::DownloadState::Completed, dir.path().join("mine (1).txt"))
    );
    assert_eq!(std::fs::read_to_string(&mine).unwrap(), "the user's");

    // Without a handler: cancelled; nothing lands where WebKit would otherwise write it.
    let default = std::path::Path::new(&std::env::var("HOME").unwrap_or_default()).join("Downloads/report.bin");
    let existed = default.exists();
    let other = new_webview(&event_loop, &env);
    let done = recorder();
    let d = done.clone();
    other.on_navigation_completed(move |_, args| d.borrow_mut().push(args.is_success()));
    other.navigate(&format!("http://127.0.0.1:{port}/unwanted")).unwrap();
    wait_until(&event_loop, "the navigation's end", || !done.borrow().is_empty());
    event_loop.dispatch(Some(Duration::from_millis(500))).unwrap();
    assert_eq!(default.exists(), existed, "{} written", default.display());
    assert!(!dir.path().join("report.bin").exists());
}

#[test]
fn another_programs_scheme_is_the_apps_to_open_or_not() {
    let (event_loop, env, webview, _dir) = open_webview();
    let asked = recorder();
    let started = recorder();
    let (a, s) = (asked.clone(), started.clone());
    webview.on_launching_external_uri_scheme(move |_, args| {
        a.borrow_mut()
            .push((args.uri().to_owned(), args.initiating_uri().to_owned(), args.cancel()));
        args.set_cancel(true);
    });
    webview.on_navigation_starting(move |_, args| s.borrow_mut().push(args.uri().to_owned()));
    let port = http_server(
        "<a id=m href='mailto:someone@example.com?subject=hi'>mail</a>\
         <script>document.getElementById('m').click(); chrome.webview.postMessage('clicked')</script>"
            .into(),
    );
    let uri = format!("http://127.0.0.1:{port}/page");
    let messages = messages_of(&webview);
    webview.navigate(&uri).unwrap();
    wait_until(&event_loop, "the app asked", || !asked.borrow().is_empty());
    wait_until(&event_loop, "the page's message", || !messages.borrow().is_empty());
    assert_eq!(
        asked.borrow()[0],
        ("mailto:someone@example.com?subject=hi".to_owned(), uri.clone(), false),
        "not cancelled unless the handler says so"
    );
    assert_eq!(
        *started.borrow(),
        std::slice::from_ref(&uri),
        "no NavigationStarting for it: not a navigation"
    );
    assert_eq!(webview.source(), uri, "the page stays");
    // Without a handler: nothing is opened, nothing navigates.
    let other = new_webview(&event_loop, &env);
    let messages = messages_of(&other);
    other.navigate(&uri).unwrap();
    wait_until(&event_loop, "the page's message", || !messages.borrow().is_empty());
    event_loop.dispatch(Some(Duration::from_millis(300))).unwrap();
    assert_eq!(other.source(), uri);
}

#[test]
fn a_permission_decided_for_an_origin_is_not_asked_again() {
    let dir = tempfile::tempdir().unwrap();
    let event_loop = EventLoop::new().unwrap();
    let env = media_environment(&event_loop, dir.path());
    let port = http_server(
        r#"<script>navigator.geolocation.getCurrentPosition(() => chrome.webview.postMessage("position"),
           (e) => chrome.webview.postMessage(e.code === 1 ? "denied" : "allowed"));</script>"#
            .into(),
    );
    let origin = format!("http://127.0.0.1:{port}");
    let webview = window_view(&event_loop, &env);
    let asked = recorder();
    let a = asked.clone();
    webview.on_permission_requested(move |_, args| a.borrow_mut().push(args.permission_kind()));
    event_loop
        .block_on(webview.set_permission_state(PermissionKind::Geolocation, &origin, PermissionState::Allow))
        .unwrap()
        .unwrap();
    let settings = event_loop.block_on(webview.permission_settings()).unwrap().unwrap();
    assert_eq!(
        settings,
        [webpane::PermissionSetting {
            kind: PermissionKind::Geolocation,
            origin: origin.clone(),
            state: PermissionState::Allow,
        }]
    );
    let messages = messages_of(&webview);
    webview.navigate(&format!("{origin}/page")).unwrap();
    wait_until(&event_loop, "the page's answer", || !messages.borrow().is_empty());
    assert_eq!(messages.borrow()[0], r#""allowed""#);
    assert!(asked.borrow().is_empty(), "decided already: not asked");
    // Cleared with the browsing data: asked again (and, unanswered, denied).
    event_loop
        .block_on(webview.clear_browsing_data(webpane::BrowsingData {
            permissions: true,
            ..Default::default()
        }))
        .unwrap()
        .unwrap();
    assert!(
        event_loop
            .block_on(webview.permission_settings())
            .unwrap()
            .unwrap()
            .is_empty()
    );
    messages.borrow_mut().clear();
    webview.reload().unwrap();
    wait_until(&event_loop, "the page's answer", || !messages.borrow().is_empty());
    assert_eq!(messages.borrow()[0], r#""denied""#);
    assert_eq!(*asked.borrow(), [PermissionKind::Geolocation]);
}

#[test]
fn without_a_handler_a_view_on_screen_shows_the_runtimes_own_dialog() {
    let dir = tempfile::tempdir().unwrap();
    let event_loop = EventLoop::new().unwrap();
    let env = env_for(&event_loop, dir.path());
    let webview = window_view(&event_loop, &env);
    let messages = messages_of(&webview);
    webview
        .navigate_to_string(
            "<script>setTimeout(() => chrome.webview.postMessage({ confirmed: confirm('really?') }), 0)</script>",
        )
        .unwrap();
    // The runtime's dialog is up (a window of its own, OK by default): Return answers it.
    wait_until(&event_loop, "the page's answer", || {
        if messages.borrow().is_empty() {
            press_in_window("^The page asks$", "Return");
            event_loop.dispatch(Some(Duration::from_millis(300))).unwrap();
        }
        !messages.borrow().is_empty()
    });
    assert_eq!(messages.borrow()[0], r#"{"confirmed":true}"#);
}
