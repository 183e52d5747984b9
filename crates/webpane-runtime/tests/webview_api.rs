//! The WebView API end to end: navigation events and history, scripts, web messages.

mod common;

use std::cell::RefCell;
use std::rc::Rc;

use common::*;
use webpane::{Error, EventLoop, WebView, WebViewOptions};

struct View {
    event_loop: EventLoop,
    webview: WebView,
    events: Rc<RefCell<Vec<String>>>,
    messages: Rc<RefCell<Vec<(String, String)>>>,
    _env: webpane::Environment,
    _dir: tempfile::TempDir,
}

fn view_with(options: WebViewOptions) -> View {
    let dir = tempfile::tempdir().unwrap();
    let event_loop = EventLoop::new().unwrap();
    let env = env_for(&event_loop, dir.path());
    let webview = event_loop.block_on(env.create_webview(options)).unwrap().unwrap();
    let events = recorder();
    let messages = recorder();
    let e = events.clone();
    webview.on_navigation_starting(move |_, a| {
        e.borrow_mut()
            .push(format!("starting {} {}", a.navigation_id(), a.uri()))
    });
    let e = events.clone();
    webview.on_content_loading(move |_, a| e.borrow_mut().push(format!("content {}", a.navigation_id())));
    let e = events.clone();
    webview.on_source_changed(move |_, a| e.borrow_mut().push(format!("source {}", a.source())));
    let e = events.clone();
    webview.on_document_title_changed(move |_, a| e.borrow_mut().push(format!("title {}", a.title())));
    let e = events.clone();
    webview.on_dom_content_loaded(move |_, a| e.borrow_mut().push(format!("dom {}", a.navigation_id())));
    let e = events.clone();
    webview.on_history_changed(move |_, a| {
        e.borrow_mut()
            .push(format!("history {} {}", a.can_go_back(), a.can_go_forward()))
    });
    let e = events.clone();
    webview.on_navigation_completed(move |_, a| {
        e.borrow_mut().push(format!(
            "completed {} {} {:?}",
            a.navigation_id(),
            a.is_success(),
            a.web_error_status()
        ))
    });
    let m = messages.clone();
    webview.on_web_message_received(move |_, a| {
        m.borrow_mut()
            .push((a.source().to_owned(), a.web_message_as_json().to_owned()))
    });
    View {
        event_loop,
        webview,
        events,
        messages,
        _env: env,
        _dir: dir,
    }
}

fn view() -> View {
    view_with(WebViewOptions::default())
}

impl View {
    fn last_completed(&self) -> String {
        let events = self.events.borrow();
        events
            .iter()
            .rfind(|e| e.starts_with("completed"))
            .cloned()
            .expect("a completed navigation")
    }
    fn completed(&self) -> usize {
        self.events
            .borrow()
            .iter()
            .filter(|e| e.starts_with("completed"))
            .count()
    }
    fn load(&self, uri: &str) {
        let before = self.completed();
        self.webview.navigate(uri).unwrap();
        wait_until(&self.event_loop, uri, || self.completed() > before);
    }
    fn load_html(&self, html: &str) {
        let before = self.completed();
        self.webview.navigate_to_string(html).unwrap();
        wait_until(&self.event_loop, "the document", || self.completed() > before);
    }
    fn script(&self, js: &str) -> Result<String, Error> {
        self.event_loop.block_on(self.webview.execute_script(js)).unwrap()
    }
    fn wait_messages(&self, n: usize) {
        wait_until(&self.event_loop, "web messages", || self.messages.borrow().len() >= n);
    }
}

#[test]
fn a_navigations_events_come_in_order_and_share_its_id() {
    let v = view();
    let uri = "data:text/html,<title>First</title><p>hello";
    v.load(uri);
    wait_until(&v.event_loop, "the title", || v.webview.document_title() == "First");
    let events = v.events.borrow().clone();
    let starting = events.iter().find(|e| e.starts_with("starting")).unwrap();
    let id = starting.split(' ').nth(1).unwrap().to_string();
    // WebView2's order: NavigationStarting, SourceChanged, ContentLoading, DOMContentLoaded,
    // NavigationCompleted, all with one navigation id.
    let expected_order = [
        format!("starting {id} {uri}"),
        format!("source {uri}"),
        format!("content {id}"),
        format!("dom {id}"),
        format!("completed {id} true None"),
    ];
    let positions: Vec<usize> = expected_order
        .iter()
        .map(|e| {
            events
                .iter()
                .position(|x| x == e)
                .unwrap_or_else(|| panic!("{e} missing in {events:?}"))
        })
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "out of order: {events:?}");
    assert!(events.contains(&"title First".to_string()), "{events:?}");
    assert_eq!(v.webview.source(), uri);
    assert_eq!(v.webview.document_title(), "First");
}

#[test]
fn history_back_and_forward() {
    let v = view();
    let (a, b) = ("data:text/html,<p>A", "data:text/html,<p>B");
    v.load(a);
    v.load(b);
    wait_until(&v.event_loop, "history", || v.webview.can_go_back());
    assert!(!v.webview.can_go_forward());
    let before = v.completed();
    v.webview.go_back().unwrap();
    wait_until(&v.event_loop, "going back", || {
        v.completed() > before && v.webview.source() == a
    });
    wait_until(&v.event_loop, "forward history", || v.webview.can_go_forward());
    let before = v.completed();
    v.webview.go_forward().unwrap();
    wait_until(&v.event_loop, "going forward", || {
        v.completed() > before && v.webview.source() == b
    });
}

#[test]
fn invalid_uris_are_typed_errors_and_failed_loads_say_why() {
    let v = view();
    assert!(matches!(v.webview.navigate("not a uri"), Err(Error::InvalidUri { .. })));
    assert!(matches!(v.webview.navigate(""), Err(Error::InvalidUri { .. })));
    v.load("file:///nonexistent/webpane/page.html");
    let last = v.last_completed();
    assert!(last.ends_with("false Some(FileNotFound)"), "{last}");
    // An unknown scheme is WebKit's to show; the navigation still completes.
    v.load("webpane-no-such-scheme://x/");
}

#[test]
fn stop_cancels_a_navigation_that_hangs() {
    // A local server that accepts and never answers.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let conn = listener.accept().map(|(c, _)| c);
        std::thread::sleep(std::time::Duration::from_secs(2));
        drop(conn);
    });
    let v = view();
    let uri = format!("http://127.0.0.1:{port}/never");
    v.webview.navigate(&uri).unwrap();
    wait_until(&v.event_loop, "the navigation to start", || {
        v.events.borrow().iter().any(|e| e.starts_with("starting"))
    });
    v.webview.stop().unwrap();
    wait_until(&v.event_loop, "the cancelled navigation", || v.completed() == 1);
    let last = v.last_completed();
    assert!(last.ends_with("false Some(OperationCanceled)"), "{last}");
    server.join().unwrap();
}

#[test]
fn execute_script_returns_json_and_exceptions_are_typed_errors() {
    let v = view();
    v.load_html("<title>T</title><p id=p>text</p>");
    assert_eq!(v.script("1 + 1").unwrap(), "2");
    // Compared as JSON values: the engine's serializer does not promise an order of keys (a CI
    // run saw {"b":null,"a":[1,"x"]}).
    let object: serde_json::Value = serde_json::from_str(&v.script("({a: [1, 'x'], b: null})").unwrap()).unwrap();
    assert_eq!(object, serde_json::json!({"a": [1, "x"], "b": null}));
    assert_eq!(
        v.script("document.getElementById('p').textContent").unwrap(),
        r#""text""#
    );
    assert_eq!(v.script("undefined").unwrap(), "null");
    match v.script("throw new TypeError('boom')") {
        Err(Error::Script(message)) => assert!(message.contains("TypeError: boom"), "{message}"),
        other => panic!("expected a script error, got {other:?}"),
    }
    assert!(matches!(v.script("this is not javascript"), Err(Error::Script(_))));
    assert!(matches!(v.script("nul\0"), Err(Error::InvalidArgument(_))));
}

#[test]
fn document_created_scripts_run_first_in_every_document_until_removed() {
    let v = view();
    let id = v
        .webview
        .add_script_to_execute_on_document_created("window.__added = (window.__added || 0) + 42")
        .unwrap();
    v.load_html("<script>window.__seenByPage = window.__added</script>");
    assert_eq!(
        v.script("window.__seenByPage").unwrap(),
        "42",
        "it ran before the page's own scripts"
    );
    v.webview.remove_script_to_execute_on_document_created(id).unwrap();
    v.load_html("<p>next</p>");
    assert_eq!(v.script("window.__added").unwrap(), "null");
}

#[test]
fn web_messages_round_trip_like_webview2() {
    let v = view();
    // A page written for WebView2: it listens with chrome.webview and echoes what it gets.
    v.load_html(
        r#"<script>
        chrome.webview.addEventListener('message', e => chrome.webview.postMessage({echo: e.data}));
        chrome.webview.postMessage({hello: 'world'});
        chrome.webview.postMessage('just a string');
        </script>"#,
    );
    v.wait_messages(2);
    assert_eq!(
        v.messages.borrow()[0],
        ("about:blank".to_string(), r#"{"hello":"world"}"#.to_string())
    );
    assert_eq!(v.messages.borrow()[1].1, r#""just a string""#);
    v.webview.post_web_message_as_json(r#"{"n": [1, 2, 3]}"#).unwrap();
    v.webview
        .post_web_message_as_string("text \"quoted\" \u{2028}")
        .unwrap();
    v.wait_messages(4);
    assert_eq!(v.messages.borrow()[2].1, r#"{"echo":{"n":[1,2,3]}}"#);
    assert_eq!(v.messages.borrow()[3].1, "{\"echo\":\"text \\\"quoted\\\" \u{2028}\"}");
    assert!(matches!(
        v.webview.post_web_message_as_json("{not json"),
        Err(Error::InvalidArgument(_))
    ));
}

#[test]
fn web_message_as_string_only_for_strings() {
    let v = view();
    let strings = recorder();
    let s = strings.clone();
    v.webview.on_web_message_received(move |_, a| {
        s.borrow_mut()
            .push(a.web_message_as_string().map_err(|e| e.to_string()))
    });
    v.load_html("<script>chrome.webview.postMessage('a string'); chrome.webview.postMessage(7)</script>");
    v.wait_messages(2);
    assert_eq!(strings.borrow()[0], Ok("a string".to_string()));
    assert!(strings.borrow()[1].is_err());
}

#[test]
fn ten_thousand_page_messages_arrive_in_order_none_lost() {
    let v = view();
    v.load_html("<script>for (let i = 0; i < 10000; i++) chrome.webview.postMessage({i})</script>");
    v.wait_messages(10_000);
    for (i, (_, json)) in v.messages.borrow().iter().enumerate() {
        assert_eq!(json, &format!(r#"{{"i":{i}}}"#));
    }
}

#[test]
fn messaging_can_be_disabled_per_webview() {
    let v = view_with(WebViewOptions::default().web_messages(false));
    v.load_html("<p>no bridge</p>");
    assert_eq!(
        v.script("typeof (window.chrome && window.chrome.webview)").unwrap(),
        r#""undefined""#
    );
}

#[test]
fn garbage_from_a_page_is_dropped_and_the_runtime_goes_on() {
    let v = view();
    v.load_html(
        r#"<script>
        // No raw channel is left for the page: WebKit's handler is gone, the native sender was
        // taken by the shim before this script ran.
        const raw = window.webkit && window.webkit.messageHandlers && window.webkit.messageHandlers.webpane;
        if (raw) {
            raw.postMessage('not json at all');
            raw.postMessage(JSON.stringify({t: 'forged', s: 'https://evil.example', d: '1'}));
            raw.postMessage(42);
        }
        if (window.__webpaneSend) window.__webpaneSend('42');
        // Not JSON, whatever JSON.stringify says: refused by the runtime.
        const stringify = JSON.stringify;
        JSON.stringify = () => 'not json at all';
        chrome.webview.postMessage('x');
        JSON.stringify = stringify;
        let deep = []; for (let i = 0; i < 5000; i++) deep = [deep];
        try { chrome.webview.postMessage(deep) } catch (e) {}
        chrome.webview.postMessage('\ud800 lone surrogate');
        chrome.webview.postMessage('x'.repeat(80 * 1024 * 1024));
        chrome.webview.postMessage('still here');
        </script>"#,
    );
    wait_until(&v.event_loop, "the good message", || {
        v.messages.borrow().iter().any(|m| m.1 == r#""still here""#)
    });
    // Nothing forged or malformed arrived, and the 80 MiB message (over the 64 MiB wire limit)
    // was dropped with a warning; valid JSON, however deep, is passed on as text.
    let messages = v.messages.borrow().clone();
    assert!(
        messages.iter().all(|m| m.0 == "about:blank"),
        "a forged source got through"
    );
    assert!(
        messages.iter().all(|m| m.1.len() < 1 << 20),
        "the huge message got through"
    );
    assert!(
        !messages
            .iter()
            .any(|m| m.1 == "1" || m.1 == "42" || m.1.contains("not json")),
        "raw or malformed messages got through"
    );
    // A lone surrogate is escaped by JSON.stringify; reading it as a Rust string is a typed error.
    let lone = messages
        .iter()
        .find(|m| m.1.contains("lone surrogate"))
        .expect("the lone-surrogate message");
    assert!(lone.1.contains("\\ud800"), "{}", lone.1);
    assert_eq!(v.script("'alive'").unwrap(), r#""alive""#);
}

#[test]
fn eight_webviews_in_one_app_each_talk_to_their_own_page() {
    let dir = tempfile::tempdir().unwrap();
    let event_loop = EventLoop::new().unwrap();
    let env = env_for(&event_loop, dir.path());
    let received: Rc<RefCell<Vec<(usize, String)>>> = recorder();
    let mut views = Vec::new();
    for i in 0..8 {
        let webview = event_loop
            .block_on(env.create_webview(WebViewOptions::headless(200, 150)))
            .unwrap()
            .unwrap();
        let r = received.clone();
        webview.on_web_message_received(move |_, a| r.borrow_mut().push((i, a.web_message_as_json().to_owned())));
        webview
            .navigate_to_string("<script>chrome.webview.addEventListener('message', e => chrome.webview.postMessage(e.data * 2)); chrome.webview.postMessage('ready')</script>")
            .unwrap();
        views.push(webview);
    }
    wait_until(&event_loop, "eight pages", || received.borrow().len() == 8);
    for (i, webview) in views.iter().enumerate() {
        webview.post_web_message_as_json(&(i * 100).to_string()).unwrap();
    }
    wait_until(&event_loop, "eight answers", || received.borrow().len() == 16);
    for (i, json) in received.borrow()[8..].iter() {
        assert_eq!(json, &(i * 200).to_string(), "view {i} answered for another");
    }
    assert!(
        views
            .iter()
            .all(|v| v.browser_process_id() == views[0].browser_process_id())
    );
}

#[test]
fn a_page_flooding_a_stalled_app_is_held_back_and_loses_nothing() {
    // The page tells the test it was refused through a side channel the stalled app does not
    // need to read: a request to this loopback listener.
    let signal = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = signal.local_addr().unwrap().port();
    let v = view();
    v.load_html(&format!(
        r#"<script>
        let accepted = 0, refused = 0;
        const payload = 'x'.repeat(512);
        const finish = () => {{
          try {{ chrome.webview.postMessage({{done: accepted, refused}}) }} catch (e) {{ setTimeout(finish, 10) }}
        }};
        const flood = () => {{
          for (let i = 0; i < 5000 && !refused; i++) {{
            try {{ chrome.webview.postMessage({{n: accepted, p: payload}}); accepted++ }} catch (e) {{ refused++ }}
          }}
          if (refused) {{
            fetch('http://127.0.0.1:{port}/refused', {{mode: 'no-cors'}}).catch(() => {{}});
            finish();
          }} else setTimeout(flood, 0);
        }};
        setTimeout(flood, 0);
        </script>"#
    ));
    // The app stops reading (this thread does not dispatch) until the page reports that its
    // postMessage refused a message: its socket, the runtime's queue for it and the page's window
    // filled up, and the page's queue reached its cap instead of growing.
    let (conn, _) = signal.accept().unwrap();
    drop(conn);
    wait_until(&v.event_loop, "the page's summary", || {
        v.messages
            .borrow()
            .last()
            .is_some_and(|m| m.1.starts_with(r#"{"done""#))
    });
    let messages = v.messages.borrow();
    let summary: serde_json::Value = serde_json::from_str(&messages.last().unwrap().1).unwrap();
    let accepted = summary["done"].as_u64().unwrap() as usize;
    assert_eq!(summary["refused"].as_u64(), Some(1));
    // Each envelope is ~580 characters (payload, token, source): refusal comes once 64 MiB wait
    // in the page, i.e. after more than 100,000 messages, not earlier.
    assert!(
        accepted > 100_000,
        "refused before 64 MiB were waiting: {accepted} messages"
    );
    assert_eq!(messages.len() - 1, accepted, "every accepted message arrived");
    for (i, m) in messages[..accepted].iter().enumerate() {
        assert!(m.1.starts_with(&format!(r#"{{"n":{i},"#)), "message {i} out of order");
    }
    drop(messages);
    assert_eq!(v.script("'still responsive'").unwrap(), r#""still responsive""#);
}

#[test]
fn typed_web_messages_go_both_ways() {
    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Point {
        x: i32,
        label: String,
    }
    let v = view();
    v.load_html(
        "<script>chrome.webview.addEventListener('message', \
         e => chrome.webview.postMessage({x: e.data.x + 1, label: e.data.label + '!'}))</script>",
    );
    let got = recorder();
    let g = got.clone();
    v.webview.on_web_message_received(move |_, a| {
        g.borrow_mut()
            .push((a.web_message::<Point>(), a.web_message::<Vec<u8>>().is_err()))
    });
    v.webview
        .post_web_message(&Point {
            x: 1,
            label: "a".into(),
        })
        .unwrap();
    wait_until(&v.event_loop, "the typed answer", || !got.borrow().is_empty());
    let (point, not_bytes) = got.borrow_mut().remove(0);
    assert_eq!(
        point.unwrap(),
        Point {
            x: 2,
            label: "a!".into()
        }
    );
    assert!(not_bytes, "an object read as bytes must be a WebMessageFormat error");
    // A value JSON cannot hold is refused before anything is sent.
    assert!(
        v.webview.post_web_message(&f64::NAN).is_ok(),
        "serde_json writes NaN as null"
    );
    let map: std::collections::HashMap<(u8, u8), u8> = [((1, 2), 3)].into();
    assert!(matches!(
        v.webview.post_web_message(&map),
        Err(Error::InvalidArgument(_))
    ));
}

/// WebView2's controller `Bounds`: readable, as created and then as last set; a size the view
/// cannot have is refused and changes nothing.
#[test]
fn bounds_read_back_as_created_and_as_set() {
    let (_event_loop, _env, webview, _dir) = open_webview();
    let bounds = |x, y, width, height| webpane::Bounds { x, y, width, height };
    assert_eq!(webview.bounds(), bounds(0, 0, 800, 600), "the default headless size");
    webview.set_bounds(10, 20, 300, 200).unwrap();
    assert_eq!(webview.bounds(), bounds(10, 20, 300, 200));
    assert!(matches!(
        webview.set_bounds(0, 0, 0, 10),
        Err(webpane::Error::InvalidArgument(_))
    ));
    assert_eq!(webview.bounds(), bounds(10, 20, 300, 200));
}

/// A window of its own follows the page's `document.title` (and falls back to the title it was
/// created with when the page has none).
#[test]
fn a_window_of_its_own_follows_the_document_title() {
    let dir = tempfile::tempdir().unwrap();
    let event_loop = webpane::EventLoop::new().unwrap();
    let env = env_for(&event_loop, dir.path());
    let webview = event_loop
        .block_on(env.create_webview(webpane::WebViewOptions::window("webpane-fallback-title", 320, 240)))
        .unwrap()
        .unwrap();
    let windows_named = |name: &str| {
        let out = std::process::Command::new("xdotool")
            .args(["search", "--name", &format!("^{name}$")])
            .output()
            .expect("xdotool (installed by cargo xtask test)");
        !String::from_utf8_lossy(&out.stdout).trim().is_empty()
    };
    wait_until(&event_loop, "the window with its given title", || {
        windows_named("webpane-fallback-title")
    });
    assert!(load_html(
        &event_loop,
        &webview,
        "<title>webpane page title</title><p>x</p>"
    ));
    wait_until(&event_loop, "the window titled by the page", || {
        windows_named("webpane page title")
    });
    assert!(load_html(&event_loop, &webview, "<p>no title</p>"));
    wait_until(&event_loop, "the fallback title again", || {
        windows_named("webpane-fallback-title")
    });
}
