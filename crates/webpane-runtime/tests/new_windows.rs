//! NewWindowRequested end to end: a page's `window.open` denied, opened by the runtime, or
//! given a webview the app creates asynchronously under a deferral.

mod common;

use std::cell::RefCell;
use std::rc::Rc;

use common::*;
use webpane::{Error, NewWindowRequestedEventArgs, WebView, WebViewOptions};

type Log<T> = Rc<RefCell<Vec<T>>>;

/// Records every request and the page's messages.
fn record(webview: &WebView) -> (Log<String>, Log<serde_json::Value>) {
    let messages = recorder();
    let m = messages.clone();
    webview.on_web_message_received(move |_, a| {
        m.borrow_mut()
            .push(serde_json::from_str(a.web_message_as_json()).unwrap())
    });
    let requests = recorder();
    let r = requests.clone();
    webview.on_new_window_requested(move |_, a| r.borrow_mut().push(format!("{} {}", a.uri(), a.is_user_initiated())));
    (requests, messages)
}

const OPEN_AND_REPORT: &str = "<script>
    const w = window.open('', 'child');
    let text = null;
    if (w) { w.document.write('<title>from opener</title><p>hi</p>'); text = w.document.body.textContent; }
    chrome.webview.postMessage([w !== null, text]);
    </script>";

#[test]
fn handled_without_a_window_denies() {
    let (event_loop, _env, webview, _dir) = open_webview();
    let (requests, messages) = record(&webview);
    webview.on_new_window_requested(|_, a| a.set_handled(true));
    webview.navigate_to_string(OPEN_AND_REPORT).unwrap();
    wait_until(&event_loop, "the page's report", || !messages.borrow().is_empty());
    assert_eq!(messages.borrow()[0], serde_json::json!([false, null]));
    assert_eq!(*requests.borrow(), vec![" false".to_owned()]);
}

#[test]
fn unhandled_opens_a_window_of_the_runtime() {
    let (event_loop, _env, webview, _dir) = open_webview();
    let (requests, messages) = record(&webview);
    webview.navigate_to_string(OPEN_AND_REPORT).unwrap();
    wait_until(&event_loop, "the page's report", || !messages.borrow().is_empty());
    assert_eq!(messages.borrow()[0], serde_json::json!([true, "hi"]));
    assert_eq!(requests.borrow().len(), 1);
    // The page can close the window it opened, and keeps working.
    let closed = event_loop
        .block_on(
            webview.execute_script("(() => { const w = window.open('', 'child'); w.close(); return w.closed; })()"),
        )
        .unwrap()
        .unwrap();
    assert_eq!(closed, "true");
    assert_eq!(
        event_loop.block_on(webview.execute_script("1 + 1")).unwrap().unwrap(),
        "2"
    );
}

#[test]
/// Promises T10 (docs/promises.md).
fn a_webview_created_later_becomes_the_new_window() {
    let (event_loop, env, webview, _dir) = open_webview();
    let (_requests, messages) = record(&webview);
    let created: Rc<RefCell<Option<WebView>>> = Rc::default();
    let (spawner, env_in, created_in) = (event_loop.clone(), env.clone(), created.clone());
    webview.on_new_window_requested(move |_, args: &NewWindowRequestedEventArgs| {
        // The seed's example: create the webview asynchronously, answer when it exists.
        let deferral = args.deferral();
        let (args, env, created) = (args.clone(), env_in.clone(), created_in.clone());
        spawner.spawn_local(async move {
            let new_window = env
                .create_webview(WebViewOptions::default().opener(&args))
                .await
                .unwrap();
            args.set_new_window(&new_window).unwrap();
            created.replace(Some(new_window));
            deferral.complete();
        });
    });
    webview.navigate_to_string(OPEN_AND_REPORT).unwrap();
    wait_until(&event_loop, "the page's report", || !messages.borrow().is_empty());
    assert_eq!(messages.borrow()[0], serde_json::json!([true, "hi"]));
    // The opener wrote into the app's webview: same document, seen from the app.
    let new_window = created.borrow().clone().unwrap();
    let title = event_loop
        .block_on(new_window.execute_script("document.title"))
        .unwrap()
        .unwrap();
    assert_eq!(title, r#""from opener""#);
}

#[test]
fn a_webview_not_made_for_the_request_is_refused() {
    let (event_loop, env, webview, _dir) = open_webview();
    let (_requests, messages) = record(&webview);
    let stranger = event_loop
        .block_on(env.create_webview(WebViewOptions::default()))
        .unwrap()
        .unwrap();
    let outcome = recorder();
    let o = outcome.clone();
    webview.on_new_window_requested(move |_, args| {
        o.borrow_mut().push(args.set_new_window(&stranger));
        args.set_handled(true);
    });
    webview.navigate_to_string(OPEN_AND_REPORT).unwrap();
    wait_until(&event_loop, "the page's report", || !messages.borrow().is_empty());
    assert!(matches!(outcome.borrow()[0], Err(Error::InvalidArgument(_))));
    assert_eq!(messages.borrow()[0], serde_json::json!([false, null]));
}

#[test]
fn the_opener_closing_while_the_app_decides_is_survived() {
    let (event_loop, env, webview, _dir) = open_webview();
    let held = recorder();
    let h = held.clone();
    webview.on_new_window_requested(move |_, args| h.borrow_mut().push((args.clone(), args.deferral())));
    webview.navigate_to_string(OPEN_AND_REPORT).unwrap();
    wait_until(&event_loop, "the request", || !held.borrow().is_empty());
    // Close the opener while its page waits inside window.open, then answer.
    webview.close().unwrap();
    let (args, deferral) = held.borrow_mut().pop().unwrap();
    args.set_handled(false);
    drop(deferral);
    // The browser process goes on serving.
    let other = event_loop
        .block_on(env.create_webview(WebViewOptions::default()))
        .unwrap()
        .unwrap();
    assert_eq!(
        event_loop.block_on(other.execute_script("6 * 7")).unwrap().unwrap(),
        "42"
    );
}

#[test]
fn the_app_webview_loads_the_uri_the_page_opened() {
    let port = http_server("<title>opened page</title>".into());
    let (event_loop, env, webview, _dir) = open_webview();
    let created: Rc<RefCell<Option<WebView>>> = Rc::default();
    let titles = recorder();
    let (spawner, env_in, created_in, titles_in) = (event_loop.clone(), env.clone(), created.clone(), titles.clone());
    webview.on_new_window_requested(move |_, args| {
        let deferral = args.deferral();
        let (args, env, created, titles) = (args.clone(), env_in.clone(), created_in.clone(), titles_in.clone());
        spawner.spawn_local(async move {
            let new_window = env
                .create_webview(WebViewOptions::default().opener(&args))
                .await
                .unwrap();
            // Its own events, like any webview of the app's.
            new_window.on_document_title_changed(move |_, a| titles.borrow_mut().push(a.title().to_owned()));
            args.set_new_window(&new_window).unwrap();
            created.replace(Some(new_window));
            deferral.complete();
        });
    });
    let uri = format!("http://127.0.0.1:{port}/page");
    webview
        .navigate_to_string(&format!("<script>window.open('{uri}')</script>"))
        .unwrap();
    wait_until(&event_loop, "the opened page's title", || {
        titles.borrow().iter().any(|t| t == "opened page")
    });
    assert_eq!(created.borrow().as_ref().unwrap().source(), uri);
}
