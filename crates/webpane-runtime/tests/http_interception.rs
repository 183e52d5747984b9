//! `WebResourceRequested` for http and https URIs, across the real processes: requests to a host
//! a view filters on reach that view's app (the page's own document, `fetch` with and without a
//! body), a streamed answer reaches the page, requests the app leaves unanswered and requests
//! of another view go to the real server unchanged, and nothing webpane adds to mark a request
//! leaves the browser process.

mod common;

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};

use common::*;
use webpane::http::StatusCode;
use webpane::{WebResourceResponse, WebViewOptions};

/// A plain http server on loopback answering `real <path>` (CORS open to all); every request
/// head it gets is kept.
fn recording_server() -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let heads = Arc::new(Mutex::new(Vec::new()));
    let seen = heads.clone();
    std::thread::spawn(move || {
        for mut conn in listener.incoming().map_while(Result::ok) {
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && conn.read(&mut byte).unwrap_or(0) == 1 {
                head.push(byte[0]);
            }
            let mut head = String::from_utf8_lossy(&head).into_owned();
            let path = head.split(' ').nth(1).unwrap_or("").to_owned();
            let length = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().to_owned())
                })
                .and_then(|v| v.parse::<usize>().ok())
                .unwrap_or(0);
            let mut body = vec![0u8; length];
            let _ = conn.read_exact(&mut body);
            head.push_str(&String::from_utf8_lossy(&body));
            seen.lock().unwrap().push(head);
            let body = format!("real {path}");
            let _ = write!(
                conn,
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nAccess-Control-Allow-Origin: *\r\n\
                 Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (port, heads)
}

/// The request heads the server got, but for the page's icon (WebKit may or may not ask for it).
fn without_icons(heads: &Mutex<Vec<String>>) -> Vec<String> {
    heads
        .lock()
        .unwrap()
        .iter()
        .filter(|h| !h.starts_with("GET /favicon.ico"))
        .cloned()
        .collect()
}

#[test]
fn http_and_https_requests_reach_the_app_that_filters_them() {
    let (port, real) = recording_server();
    let event_loop = webpane::EventLoop::new().unwrap();
    let folder = tempfile::tempdir().unwrap();
    let env = env_with(&event_loop, folder.path(), |b| b);
    let webview = new_webview(&event_loop, &env);
    let other = new_webview(&event_loop, &env);

    let page = format!(
        r#"<!doctype html><script>
        const text = async (uri, init) => {{
          try {{ const r = await fetch(uri, init); return r.status + " " + await r.text(); }}
          catch (e) {{ return "error " + e; }}
        }};
        (async () => {{
          const r = {{ origin: location.origin }};
          r.answered = await text("https://api.example/data?x=1");
          r.echo = await text("https://api.example/echo", {{ method: "POST", body: "a".repeat(300000) }});
          r.streamed = await text("https://api.example/stream");
          r.declined = await text("http://127.0.0.1:{port}/only/declined");
          r.unfiltered = await text("http://127.0.0.1:{port}/other");
          r.forged = await text("https://api.example/data?forged", {{ headers: {{ "X-Webpane-Page": "1" }} }});
          chrome.webview.postMessage(r);
        }})();
        </script>"#
    );
    let seen = recorder();
    let s = seen.clone();
    webview.on_web_resource_requested(move |_, args| {
        let request = args.request();
        s.borrow_mut().push(format!(
            "{} {} page-header:{}",
            request.method(),
            request.uri(),
            request.header("x-webpane-page").is_some()
        ));
        let cors = |r: WebResourceResponse| r.with_header("Access-Control-Allow-Origin", "*");
        let uri = request.uri().to_owned();
        if uri == "http://app.test/index.html" {
            let html = WebResourceResponse::new(StatusCode::OK)
                .with_header("Content-Type", "text/html")
                .with_body(page.clone())
                .unwrap();
            args.set_response(html).unwrap();
        } else if uri.starts_with("https://api.example/data") {
            args.set_response(
                cors(WebResourceResponse::new(StatusCode::OK))
                    .with_body(format!("app {uri}"))
                    .unwrap(),
            )
            .unwrap();
        } else if uri == "https://api.example/echo" {
            let mut body = Vec::new();
            request
                .take_body()
                .expect("a POST body")
                .read_to_end(&mut body)
                .unwrap();
            let answer = format!("app got {} bytes", body.len());
            args.set_response(
                cors(WebResourceResponse::new(StatusCode::CREATED))
                    .with_body(answer)
                    .unwrap(),
            )
            .unwrap();
        } else if uri == "https://api.example/stream" {
            let (response, mut writer) = WebResourceResponse::streamed(StatusCode::OK).unwrap();
            args.set_response(cors(response)).unwrap();
            std::thread::spawn(move || {
                for part in ["one ", "two ", "three"] {
                    writer.write_all(part.as_bytes()).unwrap();
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
            });
        }
        // Anything else (the declined one): no answer, so the real server's.
    });
    for filter in [
        "http://app.test/*".to_owned(),
        "https://api.example/*".to_owned(),
        format!("http://127.0.0.1:{port}/only/*"),
    ] {
        webview.add_web_resource_requested_filter(&filter).unwrap();
    }
    let other_seen = recorder();
    let o = other_seen.clone();
    other.on_web_resource_requested(move |_, args| o.borrow_mut().push(args.request().uri().to_owned()));

    let report = report_of(&event_loop, &webview, "http://app.test/index.html");
    assert_eq!(report["origin"], "http://app.test", "{report}");
    assert_eq!(report["answered"], "200 app https://api.example/data?x=1", "{report}");
    assert_eq!(report["echo"], "201 app got 300000 bytes", "{report}");
    assert_eq!(report["streamed"], "200 one two three", "{report}");
    assert_eq!(report["declined"], "200 real /only/declined", "{report}");
    assert_eq!(report["unfiltered"], "200 real /other", "{report}");
    // A header page script sets cannot pose as webpane's mark (it is replaced, then removed).
    assert_eq!(report["forged"], "200 app https://api.example/data?forged", "{report}");

    let seen = seen.borrow().clone();
    assert!(seen.iter().all(|s| s.ends_with("page-header:false")), "{seen:?}");
    assert!(!seen.iter().any(|s| s.starts_with("OPTIONS")), "no preflight: {seen:?}");
    for wanted in [
        "GET http://app.test/index.html",
        "GET https://api.example/data?x=1",
        "POST https://api.example/echo",
        &format!("GET http://127.0.0.1:{port}/only/declined"),
    ] {
        assert!(seen.iter().any(|s| s.starts_with(wanted)), "{wanted} not in {seen:?}");
    }
    assert!(!seen.iter().any(|s| s.contains("/other")), "{seen:?}");

    // Another view's request to a filtered URI is not this app's: it reaches the server.
    let script = format!(
        "fetch('http://127.0.0.1:{port}/only/second').then(r => r.text()).then(t => chrome.webview.postMessage(t), e => chrome.webview.postMessage('error ' + e))"
    );
    let got = recorder();
    let g = got.clone();
    other.on_web_message_received(move |_, args| g.borrow_mut().push(args.web_message_as_json().to_owned()));
    assert!(load_html(&event_loop, &other, &format!("<script>{script}</script>")));
    wait_until(&event_loop, "the other view's fetch", || !got.borrow().is_empty());
    assert_eq!(got.borrow()[0], "\"real /only/second\"");
    assert!(other_seen.borrow().is_empty(), "{:?}", other_seen.borrow());
    assert!(!seen.iter().any(|s| s.contains("/only/second")));

    let real = without_icons(&real);
    assert_eq!(real.len(), 3, "{real:?}");
    for head in &real {
        assert!(!head.to_ascii_lowercase().contains("x-webpane-page"), "{head}");
    }
    drop((webview, other, env));
}

#[test]
fn a_filter_without_a_literal_host_intercepts_no_http() {
    let (port, real) = recording_server();
    let event_loop = webpane::EventLoop::new().unwrap();
    let folder = tempfile::tempdir().unwrap();
    let env = env_with(&event_loop, folder.path(), |b| b);
    let webview = event_loop
        .block_on(env.create_webview(WebViewOptions::default()))
        .unwrap()
        .unwrap();
    let seen = recorder();
    let s = seen.clone();
    webview.on_web_resource_requested(move |_, args| s.borrow_mut().push(args.request().uri().to_owned()));
    webview.add_web_resource_requested_filter("*").unwrap();
    webview.navigate(&format!("http://127.0.0.1:{port}/page")).unwrap();
    wait_until(&event_loop, "the real server's page", || {
        !real.lock().unwrap().is_empty()
    });
    assert!(seen.borrow().is_empty(), "{:?}", seen.borrow());
}

#[test]
fn a_navigation_can_post_a_body() {
    let (port, real) = recording_server();
    let event_loop = webpane::EventLoop::new().unwrap();
    let folder = tempfile::tempdir().unwrap();
    let env = env_with(&event_loop, folder.path(), |b| b);
    let webview = new_webview(&event_loop, &env);
    let completed = recorder();
    let c = completed.clone();
    webview.on_navigation_completed(move |_, args| c.borrow_mut().push(args.is_success()));
    let request = webpane::http::Request::post(format!("http://127.0.0.1:{port}/form"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("X-App", "yes")
        .body(b"user=me&remember=1".to_vec())
        .unwrap();
    webview.navigate_with_web_resource_request(request).unwrap();
    wait_until(&event_loop, "the posted navigation", || !completed.borrow().is_empty());
    assert_eq!(*completed.borrow(), [true]);
    assert_eq!(
        script_result(&event_loop, &webview, "document.body.innerText").unwrap(),
        "\"real /form\""
    );
    let real = without_icons(&real);
    assert_eq!(real.len(), 1, "{real:?}");
    let head = &real[0];
    assert!(head.starts_with("POST /form HTTP/1.1\r\n"), "{head}");
    assert!(head.to_ascii_lowercase().contains("content-length: 18"), "{head}");
    assert!(head.contains("X-App: yes") || head.contains("x-app: yes"), "{head}");
    assert!(!head.to_ascii_lowercase().contains("x-webpane"), "{head}");
    assert!(head.ends_with("\r\n\r\nuser=me&remember=1"), "{head}");

    // Not http(s): refused at once, with the reason.
    let bad = webpane::http::Request::put("app://host/x").body(b"x".to_vec()).unwrap();
    assert!(matches!(
        webview.navigate_with_web_resource_request(bad),
        Err(webpane::Error::InvalidUri { .. })
    ));
}

/// Issue 25.6: a service worker (whose requests no page sends, so the web process extension
/// never marks them) sets the page header naming other pages: no view's app hears of its
/// requests, and none answers them.
#[test]
fn a_service_worker_cannot_pose_as_a_page() {
    let site = tempfile::tempdir().unwrap();
    std::fs::write(
        site.path().join("index.html"),
        r#"<!doctype html><script>
        (async () => {
          const registration = await navigator.serviceWorker.register('/sw.js');
          const worker = registration.installing || registration.waiting || registration.active;
          const results = await new Promise((done) => {
            navigator.serviceWorker.onmessage = (e) => done(e.data);
            const go = () => worker.postMessage('go');
            if (worker.state === 'activated') go();
            else worker.addEventListener('statechange', () => worker.state === 'activated' && go());
          });
          chrome.webview.postMessage({ results });
        })().catch((e) => chrome.webview.postMessage({ error: String(e) }));
        </script>"#,
    )
    .unwrap();
    std::fs::write(
        site.path().join("sw.js"),
        r#"self.addEventListener('install', () => self.skipWaiting());
        self.addEventListener('message', async (e) => {
          const out = [];
          for (let id = 1; id <= 16; id++) {
            try {
              const r = await fetch('https://api.example/steal?' + id, { headers: { 'X-Webpane-Page': String(id) } });
              out.push(r.status + ' ' + (await r.text()));
            } catch (err) { out.push('error'); }
          }
          e.source.postMessage(out);
        });"#,
    )
    .unwrap();
    let event_loop = webpane::EventLoop::new().unwrap();
    let folder = tempfile::tempdir().unwrap();
    let env = env_with(&event_loop, folder.path(), |b| b);
    let victim = new_webview(&event_loop, &env);
    let asked = recorder();
    let a = asked.clone();
    victim.on_web_resource_requested(move |_, args| {
        a.borrow_mut().push(args.request().uri().to_owned());
        args.set_response(
            WebResourceResponse::new(StatusCode::OK)
                .with_header("Access-Control-Allow-Origin", "*")
                .with_body("victim's answer")
                .unwrap(),
        )
        .unwrap();
    });
    victim
        .add_web_resource_requested_filter("https://api.example/*")
        .unwrap();
    assert!(load_html(&event_loop, &victim, "<p>victim</p>"));
    let attacker = new_webview(&event_loop, &env);
    event_loop
        .block_on(attacker.set_virtual_host_name_to_folder_mapping(
            "attacker.example",
            site.path(),
            webpane::HostResourceAccessKind::Allow,
        ))
        .unwrap()
        .unwrap();
    let report = report_of(&event_loop, &attacker, "https://attacker.example/index.html");
    let results = report["results"].as_array().unwrap_or_else(|| panic!("{report}"));
    assert_eq!(results.len(), 16, "{report}");
    assert!(!report.to_string().contains("victim"), "{report}");
    assert!(
        asked.borrow().is_empty(),
        "the victim's app was asked: {:?}",
        asked.borrow()
    );
}

/// Issue 25.7: while a view filters a URI, the runtime approves CORS preflights for it so the
/// app can answer; a request the app then leaves unanswered reaches the real server only if
/// the server approves it itself (this one approves no DELETE): nothing unapproved is sent.
#[test]
fn an_unanswered_cross_origin_request_needs_the_servers_own_approval() {
    let (port, real) = recording_server();
    let event_loop = webpane::EventLoop::new().unwrap();
    let folder = tempfile::tempdir().unwrap();
    let env = env_with(&event_loop, folder.path(), |b| b);
    let webview = new_webview(&event_loop, &env);
    let page = format!(
        r#"<!doctype html><script>
        const text = async (uri, init) => {{
          try {{ const r = await fetch(uri, init); return r.status + " " + await r.text(); }}
          catch (e) {{ return "refused"; }}
        }};
        (async () => {{
          const r = {{}};
          r.served = await text("http://127.0.0.1:{port}/api/served", {{ method: "DELETE" }});
          r.declined = await text("http://127.0.0.1:{port}/api/declined", {{ method: "DELETE" }});
          r.simple = await text("http://127.0.0.1:{port}/api/simple");
          chrome.webview.postMessage(r);
        }})();
        </script>"#
    );
    webview.on_web_resource_requested(move |_, args| {
        let uri = args.request().uri().to_owned();
        if uri == "http://app.test/index.html" {
            let html = WebResourceResponse::new(StatusCode::OK)
                .with_header("Content-Type", "text/html")
                .with_body(page.clone())
                .unwrap();
            args.set_response(html).unwrap();
        } else if uri.ends_with("/api/served") {
            let answer = WebResourceResponse::new(StatusCode::OK)
                .with_header("Access-Control-Allow-Origin", "*")
                .with_body("deleted by the app")
                .unwrap();
            args.set_response(answer).unwrap();
        }
        // Anything else: not the app's.
    });
    webview.add_web_resource_requested_filter("http://app.test/*").unwrap();
    webview
        .add_web_resource_requested_filter(&format!("http://127.0.0.1:{port}/api/*"))
        .unwrap();
    let report = report_of(&event_loop, &webview, "http://app.test/index.html");
    assert_eq!(report["served"], "200 deleted by the app", "{report}");
    assert_eq!(report["declined"], "refused", "{report}");
    assert_eq!(report["simple"], format!("200 real /api/simple"), "{report}");
    let real = without_icons(&real);
    assert!(
        !real.iter().any(|h| h.starts_with("DELETE")),
        "an unapproved DELETE reached the server: {real:?}"
    );
    assert!(
        real.iter().any(|h| h.starts_with("OPTIONS /api/declined")),
        "the server was asked: {real:?}"
    );
}
