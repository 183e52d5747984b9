//! Frames end to end (through the web process extension): FrameCreated, per-frame scripts and
//! messages into a cross-origin iframe, messages that say which frame sent them, and the end.

mod common;

use std::cell::RefCell;
use std::rc::Rc;

use common::*;
use webpane::{Error, Frame};

#[test]
fn iframes_are_reported_reachable_and_destroyed() {
    let port = http_server(
        "<title>inner</title><script>
        chrome.webview.addEventListener('message', e => chrome.webview.postMessage({ echo: e.data }));
        chrome.webview.postMessage('iframe up');
        </script>"
            .into(),
    );
    let (event_loop, _env, webview, _dir) = open_webview();
    let frames: Rc<RefCell<Vec<Frame>>> = Rc::default();
    let messages = recorder();
    let (f, m) = (frames.clone(), messages.clone());
    webview.on_frame_created(move |_, args| {
        f.borrow_mut().push(args.frame().clone());
        // The iframe's messages go to its Frame (registered here, none is missed).
        let m = m.clone();
        args.frame().on_web_message_received(move |frame, args| {
            m.borrow_mut()
                .push((Some(frame.id()), args.web_message_as_json().to_owned()))
        });
    });
    let m = messages.clone();
    webview.on_web_message_received(move |_, args| {
        m.borrow_mut()
            .push((args.frame().map(Frame::id), args.web_message_as_json().to_owned()))
    });
    let uri = format!("http://127.0.0.1:{port}/inner");
    webview
        .navigate_to_string(&format!(
            "<script>chrome.webview.postMessage('main up')</script><iframe name=child src='{uri}'></iframe>"
        ))
        .unwrap();
    wait_until(&event_loop, "both documents' messages", || messages.borrow().len() >= 2);
    let frame = frames.borrow().last().cloned().expect("FrameCreated for the iframe");
    assert_eq!(frame.name(), "child");
    {
        let messages = messages.borrow();
        assert!(messages.contains(&(None, r#""main up""#.into())), "{messages:?}");
        assert!(
            messages.contains(&(Some(frame.id()), r#""iframe up""#.into())),
            "{messages:?}"
        );
    }
    assert_eq!(frame.source(), uri);
    let frame_messages = recorder();
    let fm = frame_messages.clone();
    frame.on_web_message_received(move |f, args| fm.borrow_mut().push((f.id(), args.web_message_as_json().to_owned())));

    // A script and a message aimed at the cross-origin iframe alone.
    let title = event_loop
        .block_on(frame.execute_script("document.title"))
        .unwrap()
        .unwrap();
    assert_eq!(title, r#""inner""#);
    match event_loop
        .block_on(frame.execute_script("throw new RangeError('in frame')"))
        .unwrap()
    {
        Err(Error::Script(message)) => assert!(message.contains("RangeError: in frame"), "{message}"),
        other => panic!("expected a script error, got {other:?}"),
    }
    frame.post_web_message_as_json(r#"{"to":"frame"}"#).unwrap();
    wait_until(&event_loop, "the iframe's echo", || !frame_messages.borrow().is_empty());
    assert_eq!(
        frame_messages.borrow()[0],
        (frame.id(), r#"{"echo":{"to":"frame"}}"#.to_owned())
    );
    // The main frame did not get it (its document has no listener that echoes).
    assert!(
        !messages
            .borrow()
            .iter()
            .any(|(f, json)| f.is_none() && json.contains("echo"))
    );

    // Removing the iframe destroys the frame.
    let destroyed = Rc::new(RefCell::new(false));
    let d = destroyed.clone();
    frame.on_destroyed(move |_, _| *d.borrow_mut() = true);
    event_loop
        .block_on(webview.execute_script("document.querySelector('iframe').remove()"))
        .unwrap()
        .unwrap();
    wait_until(&event_loop, "FrameDestroyed", || *destroyed.borrow());
    assert!(frame.is_destroyed());
    assert!(matches!(
        event_loop.block_on(frame.execute_script("1")).unwrap(),
        Err(Error::Closed)
    ));
}

#[test]
fn an_iframe_is_flow_controlled_and_loses_nothing() {
    // More messages than the in-flight window (8,192): they all arrive, in order, only if the
    // acknowledgements find their way back to the iframe.
    const COUNT: usize = 20_000;
    let port = http_server(format!(
        "<script>for (let i = 0; i < {COUNT}; i++) chrome.webview.postMessage(i);</script>"
    ));
    let (event_loop, _env, webview, _dir) = open_webview();
    let received = recorder();
    let r = received.clone();
    webview.on_frame_created(move |_, args| {
        let r = r.clone();
        args.frame()
            .on_web_message_received(move |_, args| r.borrow_mut().push(args.web_message_as_json().to_owned()));
    });
    webview
        .navigate_to_string(&format!("<iframe src='http://127.0.0.1:{port}/'></iframe>"))
        .unwrap();
    wait_until(&event_loop, "every iframe message", || received.borrow().len() >= COUNT);
    let in_order = received.borrow().iter().enumerate().all(|(i, m)| *m == i.to_string());
    assert!(in_order, "the iframe's messages arrived out of order");
}

/// A message as the app saw it: the sending frame (`None`: the top-level document), its URI, and
/// the JSON.
type Sent = (Option<u64>, String, String);

#[test]
fn a_cross_origin_iframe_cannot_speak_for_the_main_frame() {
    // The iframe replaces every global and prototype the shim could use, tries to take
    // chrome.webview over, fishes for the view's token and for native entry points, and sends
    // forged envelopes through whatever it found. Every message it manages to send must still
    // say: this iframe, this iframe's URI.
    let port = http_server(
        r#"<script>
        const found = [];
        const realStringify = JSON.stringify;
        Object.prototype.toJSON = function () { found[found.length] = this; return this; };
        const realPush = Array.prototype.push;
        Array.prototype.push = function (...items) { for (const i of items) found[found.length] = i; return realPush.apply(this, items); };
        const realCall = Function.prototype.call, realApply = Function.prototype.apply;
        Function.prototype.call = function (self, ...args) { found[found.length] = self; for (const a of args) found[found.length] = a; return realApply.bind(this)(self, args); };
        Function.prototype.apply = function (self, args) { found[found.length] = self; return Reflect.apply(this, self, args || []); };
        JSON.stringify = function (v, ...rest) { found[found.length] = v; return realStringify(v, ...rest); };
        window.String = function () { return 'about:blank'; };
        try { window.chrome = { webview: { postMessage() {} } }; } catch (e) {}
        try { Object.defineProperty(window, 'chrome', { value: {} }); } catch (e) {}
        try { chrome.webview = {}; } catch (e) {}
        try { chrome.webview.postMessage = () => {}; } catch (e) {}
        chrome.webview.postMessage({ forged: 'plain' });
        // Whatever carried a token-like field, replayed as from the main frame.
        const raw = window.webkit && window.webkit.messageHandlers && window.webkit.messageHandlers.webpane;
        const tokens = found.filter(o => o && typeof o === 'object' && typeof o.t === 'string').map(o => o.t);
        for (const t of tokens) {
            const forged = realStringify({ t, s: 'about:blank', d: '{"forged":"envelope"}', w: 1, f: '' });
            if (raw) raw.postMessage(forged);
        }
        if (typeof window.__webpaneSend === 'function') window.__webpaneSend('{"forged":"native"}');
        try { parent.chrome.webview.postMessage({ forged: 'parent' }); } catch (e) {}
        chrome.webview.postMessage({ forged: 'done', tokens: tokens.length });
        </script>"#
            .into(),
    );
    let (event_loop, _env, webview, _dir) = open_webview();
    let frames: Rc<RefCell<Vec<Frame>>> = Rc::default();
    let messages = recorder();
    let record = |m: &Rc<RefCell<Vec<Sent>>>| {
        let m = m.clone();
        move |frame: Option<u64>, args: &webpane::WebMessageReceivedEventArgs| {
            m.borrow_mut()
                .push((frame, args.source().to_owned(), args.web_message_as_json().to_owned()))
        }
    };
    let (f, in_frame) = (frames.clone(), record(&messages));
    webview.on_frame_created(move |_, args| {
        f.borrow_mut().push(args.frame().clone());
        let in_frame = in_frame.clone();
        args.frame()
            .on_web_message_received(move |frame, args| in_frame(Some(frame.id()), args));
    });
    let in_main = record(&messages);
    webview.on_web_message_received(move |_, args| in_main(args.frame().map(Frame::id), args));
    webview
        .navigate_to_string(&format!(
            "<script>chrome.webview.postMessage('main')</script><iframe src='http://127.0.0.1:{port}/evil'></iframe>"
        ))
        .unwrap();
    wait_until(&event_loop, "the iframe's last message", || {
        messages.borrow().iter().any(|(_, _, json)| json.contains("done"))
    });
    let frame = frames.borrow().last().cloned().expect("FrameCreated for the iframe");
    let messages = messages.borrow();
    assert!(
        messages.contains(&(None, "about:blank".into(), r#""main""#.into())),
        "{messages:?}"
    );
    let forged: Vec<_> = messages.iter().filter(|(_, _, json)| json.contains("forged")).collect();
    assert!(forged.len() >= 2, "the iframe's own messages arrived: {messages:?}");
    for (from, source, json) in forged {
        assert_eq!(*from, Some(frame.id()), "{json} claimed another frame: {messages:?}");
        assert_eq!(
            source,
            &format!("http://127.0.0.1:{port}/evil"),
            "{json} claimed another URI"
        );
    }
}

/// T5: closing a webview from inside one of its handlers destroys its frames at once, but runs
/// their Destroyed handlers only after that handler returned — never inside it.
#[test]
fn closing_from_a_handler_runs_the_frames_destroyed_handlers_after_it() {
    let (event_loop, _env, webview, _dir) = open_webview();
    let frames: Rc<RefCell<Vec<Frame>>> = Rc::default();
    let f = frames.clone();
    webview.on_frame_created(move |_, args| f.borrow_mut().push(args.frame().clone()));
    webview
        .navigate_to_string("<iframe srcdoc='<p>child</p>'></iframe>")
        .unwrap();
    wait_until(&event_loop, "FrameCreated", || !frames.borrow().is_empty());
    let frame = frames.borrow()[0].clone();
    let log = recorder::<&'static str>();
    let l = log.clone();
    frame.on_destroyed(move |_, _| l.borrow_mut().push("frame destroyed"));
    let (l, f) = (log.clone(), frame.clone());
    webview.on_web_message_received(move |view, _| {
        l.borrow_mut().push("handler starts");
        view.close().unwrap();
        assert!(f.is_destroyed(), "destroyed at once");
        l.borrow_mut().push("handler ends");
    });
    // The script's own result never comes: the handler closes the webview first.
    let result = event_loop.block_on(webview.execute_script("chrome.webview.postMessage('close me')"));
    assert!(matches!(result, Ok(Err(Error::Closed))), "{result:?}");
    wait_until(&event_loop, "the frame's Destroyed", || log.borrow().len() >= 3);
    assert_eq!(*log.borrow(), ["handler starts", "handler ends", "frame destroyed"]);
}

/// As in WebView2, messages go where they come from: the top-level document's to the webview's
/// handlers, an iframe's — a nested one's too — to its own `Frame`'s handlers only.
#[test]
fn each_frames_messages_go_to_its_own_handlers_only() {
    let (event_loop, _env, webview, _dir) = open_webview();
    let log = recorder::<(String, String)>();
    let l = log.clone();
    webview.on_frame_created(move |_, args| {
        let (l, name) = (l.clone(), args.frame().name().to_owned());
        args.frame().on_web_message_received(move |_, args| {
            l.borrow_mut()
                .push((name.clone(), args.web_message_as_json().to_owned()))
        });
    });
    let l = log.clone();
    webview.on_web_message_received(move |_, args| {
        assert!(args.frame().is_none(), "an iframe's message reached the webview");
        l.borrow_mut()
            .push(("webview".into(), args.web_message_as_json().to_owned()))
    });
    let nested = "<iframe name=inner srcdoc=\"<script>chrome.webview.postMessage('from inner')</script>\"></iframe>";
    webview
        .navigate_to_string(&format!(
            "<script>chrome.webview.postMessage('from top')</script>\
             <iframe name=outer srcdoc='<script>chrome.webview.postMessage(&quot;from outer&quot;)</script>{}'></iframe>",
            nested.replace('\'', "&apos;")
        ))
        .unwrap();
    wait_until(&event_loop, "three messages", || log.borrow().len() >= 3);
    let mut seen = log.borrow().clone();
    seen.sort();
    assert_eq!(
        seen,
        [
            ("inner".to_string(), r#""from inner""#.to_string()),
            ("outer".to_string(), r#""from outer""#.to_string()),
            ("webview".to_string(), r#""from top""#.to_string()),
        ]
    );
}

/// A frame is destroyed when its document goes with the page's: the page navigating elsewhere
/// (here to `about:blank`) raises its Destroyed, long before the frame object is collected.
#[test]
fn a_frame_ends_when_the_page_navigates_away() {
    let (event_loop, _env, webview, _dir) = open_webview();
    let frames: Rc<RefCell<Vec<Frame>>> = Rc::default();
    let f = frames.clone();
    webview.on_frame_created(move |_, args| f.borrow_mut().push(args.frame().clone()));
    // A page of the web (one the back-forward cache would keep) with a cross-origin iframe.
    let inner = http_server("<p>child</p>".into());
    let outer = http_server(format!("<iframe src='http://localhost:{inner}/'></iframe>"));
    webview.navigate(&format!("http://127.0.0.1:{outer}/")).unwrap();
    wait_until(&event_loop, "FrameCreated", || !frames.borrow().is_empty());
    let frame = frames.borrow()[0].clone();
    let destroyed = Rc::new(RefCell::new(0));
    let d = destroyed.clone();
    frame.on_destroyed(move |_, _| *d.borrow_mut() += 1);
    webview.navigate("about:blank").unwrap();
    wait_until(&event_loop, "the frame's Destroyed", || *destroyed.borrow() > 0);
    assert!(frame.is_destroyed());
    // Once, though the frame object's own end is reported later too.
    assert!(load_html(&event_loop, &webview, "<p>another page</p>"));
    assert_eq!(*destroyed.borrow(), 1);
}

#[test]
fn an_iframes_navigation_completes_when_its_document_arrives() {
    // WebKitGTK asks the webview about the iframe's navigation too (it cannot say which frame):
    // that NavigationStarting gets its NavigationCompleted (a success) once the iframe's
    // document is there, not a cancellation at the next navigation.
    let port = http_server("<p>inner</p>".into());
    let (event_loop, _env, webview, _dir) = open_webview();
    let starting = recorder();
    let completed = recorder();
    let (s, c) = (starting.clone(), completed.clone());
    webview.on_navigation_starting(move |_, args| s.borrow_mut().push(args.navigation_id()));
    webview.on_navigation_completed(move |_, args| c.borrow_mut().push((args.navigation_id(), args.is_success())));
    webview
        .navigate_to_string(&format!("<iframe src='http://127.0.0.1:{port}/inner'></iframe>"))
        .unwrap();
    wait_until(&event_loop, "both navigations complete", || {
        completed.borrow().len() >= 2
    });
    let starting = starting.borrow();
    let completed = completed.borrow();
    assert!(completed.iter().all(|(_, ok)| *ok), "{completed:?}");
    let mut started: Vec<u64> = starting.clone();
    let mut done: Vec<u64> = completed.iter().map(|(id, _)| *id).collect();
    started.sort();
    done.sort();
    assert_eq!(started, done, "each NavigationStarting has its NavigationCompleted");
}

#[test]
fn a_frame_raises_its_own_navigation_events_with_matching_ids() {
    let port = http_server("<p>inner</p>".into());
    let (event_loop, _env, webview, _dir) = open_webview();
    let starting = recorder();
    let s = starting.clone();
    webview.on_navigation_starting(move |_, args| s.borrow_mut().push((args.navigation_id(), args.uri().to_owned())));
    let stages = recorder();
    let st = stages.clone();
    webview.on_frame_created(move |_, args| {
        let frame = args.frame();
        let (a, b, c) = (st.clone(), st.clone(), st.clone());
        frame.on_content_loading(move |_, e| a.borrow_mut().push(("content", e.navigation_id())));
        frame.on_dom_content_loaded(move |_, e| b.borrow_mut().push(("dom", e.navigation_id())));
        frame.on_navigation_completed(move |_, e| c.borrow_mut().push(("completed", e.navigation_id())));
    });
    let first = format!("http://127.0.0.1:{port}/first");
    webview
        .navigate_to_string(&format!("<iframe src='{first}'></iframe>"))
        .unwrap();
    wait_until(&event_loop, "the frame's first load", || stages.borrow().len() >= 3);
    let nav_of = |uri: &str| {
        starting
            .borrow()
            .iter()
            .find(|(_, u)| u == uri)
            .map(|(id, _)| *id)
            .expect("a NavigationStarting for the iframe")
    };
    let id = nav_of(&first);
    assert_eq!(*stages.borrow(), [("content", id), ("dom", id), ("completed", id)]);
    // The iframe navigates: its events again, with the new navigation's id.
    let second = format!("http://127.0.0.1:{port}/second");
    stages.borrow_mut().clear();
    event_loop
        .block_on(webview.execute_script(&format!("document.querySelector('iframe').src = '{second}'; 1")))
        .unwrap()
        .unwrap();
    wait_until(&event_loop, "the frame's second load", || stages.borrow().len() >= 3);
    let id = nav_of(&second);
    assert_eq!(*stages.borrow(), [("content", id), ("dom", id), ("completed", id)]);
}
