//! What the app learns of a page's loads and scripts: the HTTP status of a navigation
//! (`HttpStatusCode`, and no success for an error answer), every resource's response with its
//! status, headers and body (`WebResourceResponseReceived`), and a script's exception in detail
//! (`ExecuteScriptWithResult`).

mod common;

use std::collections::HashMap;

use common::*;

/// (is_success, http_status_code, web error code) of each NavigationCompleted.
type Completion = (bool, u16, Option<i32>);

fn completions(webview: &webpane::WebView) -> std::rc::Rc<std::cell::RefCell<Vec<Completion>>> {
    let seen = recorder();
    let s = seen.clone();
    webview.on_navigation_completed(move |_, a| {
        s.borrow_mut()
            .push((a.is_success(), a.http_status_code(), a.web_error().map(|e| e.code())))
    });
    seen
}

#[test]
fn navigation_completed_tells_the_http_status_and_an_error_answer_is_no_success() {
    let port = routes_server(HashMap::from([("/", (200, "text/html", "<p>fine</p>".to_owned()))]));
    let (event_loop, _env, webview, _dir) = open_webview();
    let seen = completions(&webview);
    webview.navigate(&format!("http://127.0.0.1:{port}/")).unwrap();
    wait_until(&event_loop, "the 200 page", || seen.borrow().len() == 1);
    assert_eq!(seen.borrow()[0], (true, 200, None));

    webview.navigate(&format!("http://127.0.0.1:{port}/nothing")).unwrap();
    wait_until(&event_loop, "the 404 page", || seen.borrow().len() == 2);
    assert_eq!(
        seen.borrow()[1],
        (false, 404, Some(404)),
        "as WebView2: a 4xx answer is no success"
    );
    // The server's error page is what shows.
    assert_eq!(
        script_result(&event_loop, &webview, "document.body.textContent").unwrap(),
        "\"not here\""
    );

    // No HTTP at all: status 0.
    webview.navigate_to_string("<p>string</p>").unwrap();
    wait_until(&event_loop, "the string page", || seen.borrow().len() == 3);
    assert_eq!(seen.borrow()[2], (true, 0, None));
}

#[test]
fn every_response_is_told_with_its_status_headers_and_body() {
    let page = "<!doctype html><link rel=stylesheet href=/style.css><script src=/missing.js></script><p>page</p>";
    let port = routes_server(HashMap::from([
        ("/", (200, "text/html", page.to_owned())),
        ("/style.css", (200, "text/css", "p { color: red }".to_owned())),
    ]));
    let (event_loop, _env, webview, _dir) = open_webview();
    let seen = recorder();
    let s = seen.clone();
    webview.on_web_resource_response_received(move |_, a| {
        let header = |name: &str| {
            a.response()
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned()
        };
        s.borrow_mut().push((
            a.request().uri().to_owned(),
            a.request().method().to_string(),
            a.response().status_code(),
            a.response().reason_phrase(),
            header("content-type"),
            header("x-webpane-test"),
            a.response().clone(),
            // Asked for at once: answered once the page has all of it.
            a.response().content(),
        ))
    });
    let seen_page = completions(&webview);
    webview.navigate(&format!("http://127.0.0.1:{port}/")).unwrap();
    wait_until(&event_loop, "the page", || !seen_page.borrow().is_empty());
    wait_until(&event_loop, "three responses", || seen.borrow().len() >= 3);
    let mut told = seen.borrow_mut().drain(..).collect::<Vec<_>>();
    told.sort_by(|a, b| a.0.cmp(&b.0));
    let base = format!("http://127.0.0.1:{port}");
    let summary: Vec<_> = told
        .iter()
        .map(|t| (t.0.clone(), t.1.clone(), t.2, t.3, t.4.clone(), t.5.clone()))
        .collect();
    assert_eq!(
        summary,
        vec![
            (
                format!("{base}/"),
                "GET".into(),
                200,
                "OK",
                "text/html".into(),
                "/".into()
            ),
            (
                format!("{base}/missing.js"),
                "GET".into(),
                404,
                "Not Found",
                "text/plain".into(),
                "/missing.js".into()
            ),
            (
                format!("{base}/style.css"),
                "GET".into(),
                200,
                "OK",
                "text/css".into(),
                "/style.css".into()
            ),
        ]
    );
    // The bodies, as the page got them (asked for after the load: the browser process keeps
    // the resources).
    let bodies: Vec<Vec<u8>> = told
        .iter()
        .map(|t| block_on_within(&event_loop, "a body", t.6.content()).unwrap())
        .collect();
    assert_eq!(bodies[0], page.as_bytes());
    assert_eq!(bodies[2], b"p { color: red }");
    let early = told.swap_remove(0).7;
    assert_eq!(
        block_on_within(&event_loop, "the body asked for at once", early).unwrap(),
        page.as_bytes()
    );
    // A script that failed to load: WebKit keeps no body for it (the page never used one).
    assert_ne!(bodies[1], b"not here");
}

#[test]
fn execute_script_with_result_tells_the_exception_in_detail() {
    let (event_loop, _env, webview, _dir) = open_webview();
    assert!(load_html(&event_loop, &webview, "<p>scripts</p>"));
    let run =
        |script: &str| block_on_within(&event_loop, "a script", webview.execute_script_with_result(script)).unwrap();

    let fine = run("'a' + 'b'");
    assert!(fine.succeeded() && fine.exception().is_none());
    assert_eq!(fine.result_as_json(), "\"ab\"");
    assert_eq!(fine.try_get_result_as_string().as_deref(), Some("ab"));
    let number = run("6 * 7");
    assert_eq!(
        (number.result_as_json(), number.try_get_result_as_string()),
        ("42", None)
    );

    let threw = run("let x = 1;\n  null.boom;");
    assert!(!threw.succeeded());
    assert_eq!(threw.result_as_json(), "null");
    let e = threw.exception().unwrap();
    assert_eq!(e.name(), "TypeError");
    assert!(e.message().contains("null"), "{}", e.message());
    assert_eq!(e.line_number(), 1, "lines count from 0, as in WebView2");
    let json: serde_json::Value = serde_json::from_str(&e.to_json()).unwrap();
    assert_eq!(json["name"], "TypeError");

    // An error's position is where it was made: here in the constructor, on the first line.
    let custom =
        run("class Nope extends Error { constructor() { super('custom'); this.name = 'Nope'; } }\nthrow new Nope()");
    let e = custom.exception().unwrap();
    assert_eq!((e.name(), e.message(), e.line_number()), ("Nope", "custom", 0));

    let syntax = run("let = ;");
    assert_eq!(syntax.exception().unwrap().name(), "SyntaxError");

    // The plain ExecuteScript still says what the engine said.
    match block_on_within(&event_loop, "a script", webview.execute_script("null.boom")) {
        Err(webpane::Error::Script(text)) => assert!(text.contains("TypeError"), "{text}"),
        other => panic!("not a script error: {other:?}"),
    }
}
