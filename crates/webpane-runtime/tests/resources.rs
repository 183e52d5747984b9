//! Custom schemes and WebResourceRequested end to end: pages served by the app, fetch() with
//! bodies both ways (256 MiB), deferrals, the default response, filters and allowed origins.

mod common;

use std::cell::RefCell;
use std::io::{Read, Write};
use std::rc::Rc;
use std::time::Duration;

use common::*;
use webpane::{
    CustomSchemeRegistration, Environment, Error, EventLoop, WebResourceRequestedEventArgs, WebResourceResponse,
    WebView, WebViewOptions,
};

struct Served {
    event_loop: EventLoop,
    env: Environment,
    webview: WebView,
    messages: Rc<RefCell<Vec<serde_json::Value>>>,
    _dir: tempfile::TempDir,
}

fn served(schemes: Vec<CustomSchemeRegistration>) -> Served {
    let dir = tempfile::tempdir().unwrap();
    let event_loop = EventLoop::new().unwrap();
    let mut builder = Environment::builder()
        .user_data_folder(dir.path())
        .runtime_path(runtime())
        .shutdown_grace(Duration::from_millis(300));
    for scheme in schemes {
        builder = builder.custom_scheme(scheme);
    }
    let env = event_loop.block_on(builder.build(&event_loop)).unwrap().unwrap();
    let webview = event_loop
        .block_on(env.create_webview(WebViewOptions::default()))
        .unwrap()
        .unwrap();
    let messages = recorder();
    let m = messages.clone();
    webview.on_web_message_received(move |_, a| {
        m.borrow_mut()
            .push(serde_json::from_str(a.web_message_as_json()).unwrap())
    });
    // Iframes' messages come through their frames: into the same list.
    let m = messages.clone();
    webview.on_frame_created(move |_, args| {
        let m = m.clone();
        args.frame().on_web_message_received(move |_, a| {
            m.borrow_mut()
                .push(serde_json::from_str(a.web_message_as_json()).unwrap())
        });
    });
    Served {
        event_loop,
        env,
        webview,
        messages,
        _dir: dir,
    }
}

impl Served {
    fn next_message(&self) -> serde_json::Value {
        wait_until(&self.event_loop, "a message from the page", || {
            !self.messages.borrow().is_empty()
        });
        self.messages.borrow_mut().remove(0)
    }
}

fn html(body: &str) -> WebResourceResponse {
    WebResourceResponse::new(webpane::http::StatusCode::OK)
        .with_header("Content-Type", "text/html; charset=utf-8")
        .with_body(body)
        .unwrap()
}

/// The page's and the test's checksum (FNV-1a over bytes).
const FNV_JS: &str = "function fnv(u8) { let h = 0x811c9dc5; for (let i = 0; i < u8.length; i++) \
                      { h = Math.imul(h ^ u8[i], 16777619) >>> 0; } return h; }";

fn fnv(state: &mut u32, bytes: &[u8]) {
    for &b in bytes {
        *state = (*state ^ u32::from(b)).wrapping_mul(16777619);
    }
}

fn pattern(i: usize) -> u8 {
    (i.wrapping_mul(31) ^ (i >> 11)) as u8
}

const BIG: usize = 256 << 20;

#[test]
/// Promises T3 (docs/promises.md).
fn fetch_streams_256_mib_both_ways_through_the_app() {
    let s = served(vec![CustomSchemeRegistration::new("app").treat_as_secure(true)]);
    s.webview.add_web_resource_requested_filter("app://host/*").unwrap();
    let page = format!(
        "<script>{FNV_JS}
        (async () => {{
          try {{
            const N = {BIG};
            const up = new Uint8Array(N);
            for (let i = 0; i < N; i++) up[i] = (Math.imul(i, 31) ^ (i >>> 11)) & 255;
            const sent = fnv(up);
            const r1 = await fetch('app://host/upload', {{ method: 'POST', body: up,
              headers: {{ 'Content-Type': 'application/octet-stream' }} }});
            const upload = await r1.json();
            chrome.webview.postMessage({{ sent, upload }});
            await new Promise(go => chrome.webview.addEventListener('message', go, {{ once: true }}));
            const r2 = await fetch('app://host/download');
            const down = new Uint8Array(await r2.arrayBuffer());
            chrome.webview.postMessage({{ received: fnv(down), length: down.length,
              status: r2.status, type: r2.headers.get('content-type') }});
          }} catch (e) {{ chrome.webview.postMessage({{ error: String(e) }}); }}
        }})();
        </script>"
    );
    let event_loop = s.event_loop.clone();
    let downloaded_sum = Rc::new(RefCell::new(None::<u32>));
    let sum_cell = downloaded_sum.clone();
    s.webview
        .on_web_resource_requested(move |_, args: &WebResourceRequestedEventArgs| {
            let request = args.request();
            match (request.method().as_str(), request.uri()) {
                ("GET", "app://host/index.html") => args.set_response(html(&page)).unwrap(),
                ("POST", "app://host/upload") => {
                    // Read the upload on a worker thread; answer from the UI thread when done.
                    let mut body = request.take_body().expect("a POST body");
                    let deferral = args.deferral();
                    let slot = args.response_slot();
                    event_loop.spawn_blocking(
                        move || {
                            let (mut sum, mut length, mut buf) = (0x811c9dc5u32, 0usize, vec![0u8; 1 << 20]);
                            loop {
                                let n = body.read(&mut buf).unwrap();
                                if n == 0 {
                                    break;
                                }
                                fnv(&mut sum, &buf[..n]);
                                length += n;
                            }
                            (sum, length)
                        },
                        move |(sum, length)| {
                            let json = format!(r#"{{"sum":{sum},"length":{length}}}"#);
                            let response = WebResourceResponse::new(webpane::http::StatusCode::OK)
                                .with_header("Content-Type", "application/json")
                                .with_body(json)
                                .unwrap();
                            slot.set(response).unwrap();
                            deferral.complete();
                        },
                    );
                }
                ("GET", "app://host/download") => {
                    // Streamed from a worker thread while the page reads.
                    let (response, mut writer) = WebResourceResponse::streamed(webpane::http::StatusCode::OK).unwrap();
                    args.set_response(response.with_header("Content-Type", "application/octet-stream"))
                        .unwrap();
                    let sum_cell = sum_cell.clone();
                    event_loop.spawn_blocking(
                        move || {
                            let (mut sum, mut chunk) = (0x811c9dc5u32, vec![0u8; 1 << 20]);
                            for start in (0..BIG).step_by(chunk.len()) {
                                for (k, b) in chunk.iter_mut().enumerate() {
                                    *b = pattern(start + k);
                                }
                                fnv(&mut sum, &chunk);
                                writer.write_all(&chunk).unwrap();
                            }
                            sum
                        },
                        move |sum| {
                            sum_cell.replace(Some(sum));
                        },
                    );
                }
                other => panic!("unexpected request {other:?}"),
            }
        });
    // The runtime's memory, in MiB: the current size, and the peak since the last reset.
    let runtime_pid = s.env.browser_process_id().unwrap();
    let memory = |field: &str| -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{runtime_pid}/status")).unwrap();
        let line = status.lines().find(|l| l.starts_with(field)).unwrap().to_owned();
        line.split_whitespace().nth(1).unwrap().parse::<u64>().unwrap() / 1024
    };
    let reset_peak = || std::fs::write(format!("/proc/{runtime_pid}/clear_refs"), "5").unwrap();
    const MIB: u64 = (BIG >> 20) as u64;

    let before = memory("VmRSS:");
    reset_peak();
    s.webview.navigate("app://host/index.html").unwrap();
    let result = s.next_message();
    assert!(result.get("error").is_none(), "{result}");
    let upload_peak = memory("VmHWM:");
    let mut expected = 0x811c9dc5u32;
    let all: Vec<u8> = (0..BIG).map(pattern).collect();
    fnv(&mut expected, &all);
    assert_eq!(result["sent"], expected, "the page's pattern differs from ours");
    assert_eq!(result["upload"]["length"], BIG, "{result}");
    assert_eq!(result["upload"]["sum"], expected, "the upload arrived damaged");
    println!("upload of {MIB} MiB: runtime RSS {before} MiB before, peak {upload_peak} MiB");
    // WebKit's UI-process API holds an upload twice (the request's FormData, and the flattened
    // copy behind webkit_uri_scheme_request_get_http_body); webpane streams it on and adds none.
    assert!(
        upload_peak < before + MIB * 9 / 4,
        "the runtime held the upload more than WebKit's two copies: {before} -> {upload_peak} MiB"
    );

    let before = memory("VmRSS:");
    reset_peak();
    s.webview.post_web_message_as_json("\"go\"").unwrap();
    let result = s.next_message();
    assert!(result.get("error").is_none(), "{result}");
    let download_peak = memory("VmHWM:");
    println!("download of {MIB} MiB: runtime RSS {before} MiB before, peak {download_peak} MiB");
    // A response body streams through the runtime: it never holds a large part of it.
    assert!(
        download_peak < before + MIB / 4,
        "the runtime gathered the download: {before} -> {download_peak} MiB"
    );
    assert_eq!(result["length"], BIG, "{result}");
    assert_eq!(result["status"], 200);
    assert_eq!(result["type"], "application/octet-stream");
    wait_until(&s.event_loop, "the download thread", || {
        downloaded_sum.borrow().is_some()
    });
    assert_eq!(
        result["received"],
        downloaded_sum.borrow().unwrap(),
        "the download arrived damaged"
    );
}

#[test]
/// Promises T13 (docs/promises.md).
fn deferrals_defaults_filters_and_headers() {
    let s = served(vec![CustomSchemeRegistration::new("app")]);
    s.webview.add_web_resource_requested_filter("app://host/*").unwrap();
    let seen = recorder::<String>();
    let held = Rc::new(RefCell::new(Vec::new()));
    let (seen_in, held_in, event_loop) = (seen.clone(), held.clone(), s.event_loop.clone());
    let page = "<script>
        async function get(uri, init) {
          try { const r = await fetch(uri, init); return r.status + ' ' + (await r.text()) + ' ' + r.headers.get('x-served'); }
          catch (e) { return 'error ' + e.name; }
        }
        (async () => {
          const out = [];
          out.push(await get('app://host/text'));
          out.push(await get('app://host/unanswered'));
          out.push(await get('app://host/dropped'));
          out.push(await get('app://host/later'));
          out.push(await get('app://other/unfiltered'));
          out.push(await get('app://host/echo', { method: 'PUT', body: 'ping' }));
          // Blob and FormData bodies (WebKit's browser process would hang on a Blob).
          out.push(await get('app://host/echo', { method: 'POST', body: new Blob(['from a ', 'blob']) }));
          const form = new FormData();
          form.append('field', 'value');
          out.push(await get(new Request('app://host/echo', { method: 'POST', body: form })));
          out.push(await new Promise((done) => {
            const xhr = new XMLHttpRequest();
            xhr.open('POST', 'app://host/echo');
            xhr.onload = () => done(xhr.status + ' ' + xhr.responseText);
            xhr.onerror = () => done('xhr error');
            xhr.send(new Blob(['xhr blob']));
          }));
          chrome.webview.postMessage(out);
        })();
        </script>";
    s.webview.on_web_resource_requested(move |_, args| {
        let request = args.request();
        seen_in
            .borrow_mut()
            .push(format!("{} {}", request.method(), request.uri()));
        match request.uri() {
            "app://host/index.html" => args.set_response(html(page)).unwrap(),
            "app://host/text" => {
                assert!(matches!(
                    // A status the type allows but HTTP (and the engine) does not: refused when set.
                    args.set_response(WebResourceResponse::new(
                        webpane::http::StatusCode::from_u16(600).unwrap()
                    )),
                    Err(Error::InvalidArgument(_))
                ));
                assert!(matches!(
                    args.set_response(
                        WebResourceResponse::new(webpane::http::StatusCode::OK).with_header("Bad Name", "x")
                    ),
                    Err(Error::InvalidArgument(_))
                ));
                assert!(matches!(
                    args.set_response(
                        WebResourceResponse::new(webpane::http::StatusCode::OK).with_header("X-Split", "a\r\nb: c")
                    ),
                    Err(Error::InvalidArgument(_))
                ));
                assert!(matches!(
                    args.set_response(WebResourceResponse::new(webpane::http::StatusCode::OK).with_reason("O\r\nK")),
                    Err(Error::InvalidArgument(_))
                ));
                let response = WebResourceResponse::new(webpane::http::StatusCode::OK)
                    .with_header("X-Served", "yes")
                    .with_body("hello")
                    .unwrap();
                args.set_response(response).unwrap();
            }
            "app://host/unanswered" => {}
            "app://host/dropped" => {
                // Held for a while, then dropped without a response.
                let deferral = args.deferral();
                event_loop.post_after(Duration::from_millis(200), move || drop(deferral));
            }
            "app://host/later" => {
                held_in.borrow_mut().push((args.deferral(), args.response_slot()));
            }
            "app://host/echo" => {
                let mut body = String::new();
                request.take_body().unwrap().read_to_string(&mut body).unwrap();
                assert!(request.take_body().is_none(), "the body is taken once");
                let multipart = request
                    .header("Content-Type")
                    .is_some_and(|t| t.starts_with("multipart/form-data"));
                if multipart {
                    assert!(body.contains("name=\"field\"") && body.contains("value"), "{body}");
                    body = "multipart".into();
                }
                let text = format!("{}:{body}", request.method());
                args.set_response(
                    WebResourceResponse::new(webpane::http::StatusCode::OK)
                        .with_body(text)
                        .unwrap(),
                )
                .unwrap();
            }
            other => panic!("unexpected request {other}"),
        }
    });
    s.webview.navigate("app://host/index.html").unwrap();
    // Answer the held request from the test, once it arrives: a deferral outlives its handler.
    wait_until(&s.event_loop, "the deferred request", || !held.borrow().is_empty());
    let (deferral, slot) = held.borrow_mut().pop().unwrap();
    slot.set(
        WebResourceResponse::new(webpane::http::StatusCode::CREATED)
            .with_body("made")
            .unwrap(),
    )
    .unwrap();
    assert!(deferral.complete());
    assert!(
        matches!(
            slot.set(WebResourceResponse::new(webpane::http::StatusCode::OK)),
            Err(Error::Closed)
        ),
        "an answered request takes no second response"
    );
    let result = s.next_message();
    assert_eq!(
        result,
        serde_json::json!([
            "200 hello yes",
            "404  null",
            "404  null",
            "201 made null",
            "404  null",
            "200 PUT:ping null",
            "200 POST:from a blob null",
            "200 POST:multipart null",
            "200 POST:xhr blob",
        ])
    );
    // The request outside the filters never reached the app.
    assert!(
        !seen.borrow().iter().any(|r| r.contains("unfiltered")),
        "{:?}",
        seen.borrow()
    );
    // Without a filter nothing is raised: the page gets 404.
    s.webview.remove_web_resource_requested_filter("app://host/*").unwrap();
    let before = seen.borrow().len();
    let status = s
        .event_loop
        .block_on(
            s.webview
                .execute_script("fetch('app://host/text').then(r => chrome.webview.postMessage(r.status)); 0"),
        )
        .unwrap();
    assert!(status.is_ok());
    assert_eq!(s.next_message(), 404);
    assert_eq!(seen.borrow().len(), before);
}

#[test]
fn allowed_origins_decide_which_pages_may_fetch() {
    let s = served(vec![
        CustomSchemeRegistration::new("app").allowed_origins(["http://127.0.0.1:*"]),
        CustomSchemeRegistration::new("locked"),
    ]);
    s.webview.add_web_resource_requested_filter("*").unwrap();
    s.webview.on_web_resource_requested(|_, args| {
        let body = format!("{} {}", args.request().method(), args.request().uri());
        args.set_response(
            WebResourceResponse::new(webpane::http::StatusCode::OK)
                .with_body(body)
                .unwrap(),
        )
        .unwrap();
    });
    let port = http_server(
        "<script>
        async function get(uri, init) {
          try { const r = await fetch(uri, init); return r.status + ' ' + (await r.text()); }
          catch (e) { return 'error ' + e.name; }
        }
        (async () => chrome.webview.postMessage([
          await get('app://host/data'),
          await get('app://host/data', { method: 'POST', body: new Uint8Array([1, 2, 3]),
                                         headers: { 'Content-Type': 'application/octet-stream' } }),
          await get('locked://host/data'),
        ]))();
        </script>"
            .into(),
    );
    s.webview.navigate(&format!("http://127.0.0.1:{port}/")).unwrap();
    assert_eq!(
        s.next_message(),
        serde_json::json!(["200 GET app://host/data", "200 POST app://host/data", "error TypeError"])
    );
}

#[test]
fn an_opaque_origin_is_refused_unless_the_registration_lists_null() {
    // An allowed http page embeds a sandboxed iframe (an opaque origin: `null`). Before the fix,
    // the iframe's requests were checked against the view's document and so let through.
    let port = http_server(
        r#"<script>
        fetch('app://host/from-page').then(r => r.text()).then(t => chrome.webview.postMessage({page: t}),
                                                            e => chrome.webview.postMessage({page: 'refused'}));
        </script>
        <iframe sandbox="allow-scripts" srcdoc="<script>
        fetch('app://host/from-null').then(r => r.text()).then(t => chrome.webview.postMessage({iframe: t}),
                                                            e => chrome.webview.postMessage({iframe: 'refused'}));
        </script>"></iframe>"#
            .into(),
    );
    for (allowed, iframe_expected) in [
        (vec!["http://127.0.0.1:*"], "refused"),
        (vec!["http://127.0.0.1:*", "null"], "served"),
    ] {
        let s = served(vec![
            CustomSchemeRegistration::new("app").allowed_origins(allowed.clone()),
        ]);
        let asked = recorder();
        let a = asked.clone();
        s.webview.add_web_resource_requested_filter("app://*").unwrap();
        s.webview.on_web_resource_requested(move |_, args| {
            a.borrow_mut().push(args.request().uri().to_owned());
            args.set_response(
                WebResourceResponse::new(webpane::http::StatusCode::OK)
                    .with_header("Content-Type", "text/plain")
                    .with_body("served")
                    .unwrap(),
            )
            .unwrap();
        });
        s.webview.navigate(&format!("http://127.0.0.1:{port}/")).unwrap();
        let (mut page, mut iframe) = (None, None);
        while page.is_none() || iframe.is_none() {
            let m = s.next_message();
            if let Some(p) = m.get("page") {
                page = p.as_str().map(str::to_owned);
            }
            if let Some(i) = m.get("iframe") {
                iframe = i.as_str().map(str::to_owned);
            }
        }
        assert_eq!(page.as_deref(), Some("served"), "{allowed:?}");
        assert_eq!(iframe.as_deref(), Some(iframe_expected), "{allowed:?}");
        let null_reached_the_app = asked.borrow().iter().any(|u| u.ends_with("from-null"));
        assert_eq!(
            null_reached_the_app,
            iframe_expected == "served",
            "{allowed:?}: {:?}",
            asked.borrow()
        );
    }
}

/// T14: a WebResourceRequested handler that panics (here after taking a deferral and setting a
/// response) does not block the page: its panic reaches the code running the loop, the request
/// is answered on the unwind, and the page goes on.
#[test]
fn a_panicking_resource_handler_does_not_block_the_page() {
    let s = served(vec![CustomSchemeRegistration::new("app")]);
    s.webview.add_web_resource_requested_filter("app://*").unwrap();
    s.webview
        .on_web_resource_requested(|_, args| match args.request().uri() {
            "app://host/index.html" => args
                .set_response(html(
                    "<script>fetch('app://host/panics').then(r => r.text()).then(t => chrome.webview.postMessage(t),
                  e => chrome.webview.postMessage('failed: ' + e))</script>",
                ))
                .unwrap(),
            _ => {
                let _deferral = args.deferral();
                let body = WebResourceResponse::new(webpane::http::StatusCode::OK).with_body("answered on unwind");
                args.set_response(body.unwrap()).unwrap();
                panic!("the handler failed");
            }
        });
    s.webview.navigate("app://host/index.html").unwrap();
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| s.next_message()));
    assert!(
        outcome.is_err(),
        "the handler's panic reaches the code running the loop"
    );
    assert_eq!(s.next_message(), serde_json::json!("answered on unwind"));
}

/// A custom scheme's URI without an authority (`app:page.html`) can be navigated to, and its page
/// loads its own scripts the same way.
#[test]
fn a_custom_scheme_uri_without_an_authority_loads() {
    let s = served(vec![CustomSchemeRegistration::new("app")]);
    s.webview.add_web_resource_requested_filter("app:*").unwrap();
    s.webview
        .on_web_resource_requested(|_, args| match args.request().uri() {
            "app:page.html" => args
                .set_response(html("<script src='app:script.js'></script>"))
                .unwrap(),
            "app:script.js" => args
                .set_response(
                    WebResourceResponse::new(webpane::http::StatusCode::OK)
                        .with_header("Content-Type", "text/javascript")
                        .with_body("chrome.webview.postMessage(location.href)")
                        .unwrap(),
                )
                .unwrap(),
            other => panic!("unexpected request {other}"),
        });
    s.webview.navigate("app:page.html").unwrap();
    assert_eq!(s.next_message(), serde_json::json!("app:page.html"));
}
