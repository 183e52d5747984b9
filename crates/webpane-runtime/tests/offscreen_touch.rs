//! Touch on offscreen views across the real processes: touch reaches the page (one, two and
//! three fingers; a tap clicks, a drag scrolls), ids WebKit would choke on are only the app's
//! names, a raw client's touch point out of order is refused, and a context menu the runtime
//! shows gives way to the app's next press or touch (it no longer takes the page's input).

mod common;

use std::cell::Cell;
use std::rc::Rc;

use common::offscreen::*;
use common::*;
use webpane::{EventLoop, MouseButton, MouseInput, TouchInput, WebView};

/// Counts the context menus WebKit asks for (a long press makes one) and shows none of them.
fn long_presses(webview: &WebView) -> Rc<Cell<u32>> {
    let count = Rc::new(Cell::new(0));
    let c = count.clone();
    webview.on_context_menu_requested(move |_, args| {
        args.set_handled(true);
        c.set(c.get() + 1);
    });
    count
}

/// Makes `gesture` again until it was not a long press, then waits for the page's message
/// containing `made` (what the gesture ends in). WebKit's gestures see each touch event only once
/// the page has answered it: on a stalled machine a finger can be down past GTK's long-press
/// time, which makes a tap or a drag a long press (and no click or scroll).
fn without_long_press(
    event_loop: &EventLoop,
    got: &Rc<std::cell::RefCell<Vec<String>>>,
    long_presses: &Cell<u32>,
    made: &str,
    mut gesture: impl FnMut(),
) {
    loop {
        got.borrow_mut().clear();
        let before = long_presses.get();
        gesture();
        wait_until(event_loop, &format!("{made} (or a long press)"), || {
            long_presses.get() > before || got.borrow().iter().any(|m| m.contains(made))
        });
        if long_presses.get() == before {
            return;
        }
    }
}

/// A client of its own (no SDK checks) moves a touch point that never began on its offscreen
/// view: the browser process refuses it and lives on.
fn raw_client_touch_is_refused(folder: &std::path::Path) {
    use webpane_ipc::protocol::{AppMessage, InputEvent, RuntimeMessage, ViewMode, WebViewId};
    let conn = webpane_ipc::Connection::connect_trusted(folder.join("runtime.sock")).unwrap();
    let send = |message: AppMessage| conn.send(&message, webpane_ipc::Outgoing::new()).unwrap();
    let next = || loop {
        let got = conn
            .recv_timeout::<RuntimeMessage>(Some(TIMEOUT))
            .unwrap()
            .unwrap()
            .message;
        if matches!(
            got,
            RuntimeMessage::WebViewCreated { .. } | RuntimeMessage::RequestFailed { .. }
        ) {
            return got;
        }
    };
    send(AppMessage::Hello {
        options: Default::default(),
    });
    let id = WebViewId(1);
    send(AppMessage::CreateWebView {
        id,
        mode: ViewMode::Headless {
            width: 100,
            height: 100,
        },
        settings: Default::default(),
        opener: None,
    });
    assert!(matches!(next(), RuntimeMessage::WebViewCreated { .. }));
    for touch in [
        webpane_ipc::protocol::TouchInput::moved(5, 1.0, 1.0),
        webpane_ipc::protocol::TouchInput::began(5, 1.0, 1.0),
        webpane_ipc::protocol::TouchInput::began(5, 1.0, 1.0),
    ] {
        send(AppMessage::SendInput {
            id,
            input: InputEvent::Touch(touch),
        });
    }
    // The first and the third are refused; the second went in.
    for _ in 0..2 {
        assert!(matches!(next(), RuntimeMessage::RequestFailed { reason, .. } if reason.contains("touch point 5")));
    }
}

#[test]
fn touch_reaches_the_page_and_what_it_leaves_becomes_clicks_and_scrolls() {
    let (event_loop, folder) = (EventLoop::new().unwrap(), tempfile::tempdir().unwrap());
    let env = env_with(&event_loop, folder.path(), |b| b);
    let webview = offscreen_view(&event_loop, &env, 400, 300);
    let frames = collect_frames(&webview);
    let got = messages(&webview);
    assert!(load_html(
        &event_loop,
        &webview,
        // The touch area stays where it is when the page scrolls: WebKit may end a gesture
        // with a kinetic scroll (two fingers moved, then cancelled, scrolled it by 52 px).
        r##"<body style="margin:0;height:3000px;background:rgb(255,0,0)">
        <div id=t style="position:fixed;left:0;top:0;width:400px;height:100px"></div>
        <script>
        const at = list => [...list].map(p => [p.clientX, p.clientY]);
        t.addEventListener('touchstart', e => chrome.webview.postMessage({touchstart: at(e.touches)}));
        t.addEventListener('touchend', e => chrome.webview.postMessage({touchend: at(e.changedTouches)}));
        t.addEventListener('touchmove', e => chrome.webview.postMessage({touchmove: at(e.changedTouches)}));
        t.addEventListener('click', e => chrome.webview.postMessage({click: [e.clientX, e.clientY]}));
        addEventListener('scroll', () => chrome.webview.postMessage({scrolled: scrollY}));
        </script></body>"##
    ));
    wait_pixel(&event_loop, &frames, 300, 200, RED);

    // A point that never began cannot move or end, nor begin twice: a typed error here, and
    // (for a client that does not check) a refused request in the browser process, which
    // WebKit would not survive.
    for touch in [TouchInput::moved(99, 10.0, 10.0), TouchInput::ended(99, 10.0, 10.0)] {
        assert!(matches!(
            webview.send_touch_input(touch),
            Err(webpane::Error::InvalidArgument(_))
        ));
    }
    raw_client_touch_is_refused(folder.path());
    // A tap: the page's touch events where the finger was, then the click WebKit makes of it.
    let long_presses = long_presses(&webview);
    without_long_press(&event_loop, &got, &long_presses, "click", || {
        webview.send_touch_input(TouchInput::began(1, 50.0, 40.0)).unwrap();
        webview.send_touch_input(TouchInput::ended(1, 50.0, 40.0)).unwrap();
        assert_eq!(
            wait_message(&event_loop, &got, "touchstart"),
            r#"{"touchstart":[[50,40]]}"#
        );
        assert_eq!(wait_message(&event_loop, &got, "touchend"), r#"{"touchend":[[50,40]]}"#);
    });
    assert_eq!(wait_message(&event_loop, &got, "click"), r#"{"click":[50,40]}"#);

    // Two fingers: the second touchstart sees both.
    got.borrow_mut().clear();
    webview.send_touch_input(TouchInput::began(7, 60.0, 30.0)).unwrap();
    webview.send_touch_input(TouchInput::began(8, 160.0, 70.0)).unwrap();
    wait_until(&event_loop, "a touchstart with both fingers", || {
        got.borrow()
            .iter()
            .any(|m| m == r#"{"touchstart":[[60,30],[160,70]]}"# || m == r#"{"touchstart":[[160,70],[60,30]]}"#)
    });
    // One moves; then the system takes both away.
    webview.send_touch_input(TouchInput::moved(7, 70.0, 35.0)).unwrap();
    assert_eq!(
        wait_message(&event_loop, &got, "touchmove"),
        r#"{"touchmove":[[70,35]]}"#
    );
    webview.send_touch_input(TouchInput::cancelled(7, 70.0, 35.0)).unwrap();
    webview.send_touch_input(TouchInput::cancelled(8, 160.0, 70.0)).unwrap();
    // (WebKitGTK 3 ends a cancelled touch point as `touchend`.)
    wait_message(&event_loop, &got, r#"{"touchend":[[160,70]]}"#);

    // Issue 25.8: ids WebKit keeps as reserved hash keys (they aborted the browser process
    // and crashed the render process) are only the app's names: three fingers with them.
    got.borrow_mut().clear();
    let ids = [u32::MAX, u32::MAX - 1, u32::MAX - 2];
    for (n, id) in ids.into_iter().enumerate() {
        webview
            .send_touch_input(TouchInput::began(id, 20.0 + 100.0 * n as f64, 50.0))
            .unwrap();
    }
    wait_until(&event_loop, "a touchstart with three fingers", || {
        got.borrow()
            .iter()
            .any(|m| m.matches('[').count() == 4 && m.contains("touchstart"))
    });
    for (n, id) in ids.into_iter().enumerate() {
        webview
            .send_touch_input(TouchInput::ended(id, 20.0 + 100.0 * n as f64, 50.0))
            .unwrap();
    }
    wait_message(&event_loop, &got, r#"{"touchend":[[220,50]]}"#);

    // A drag the page leaves alone scrolls it.
    without_long_press(&event_loop, &got, &long_presses, "scrolled", || {
        let mut y = 250.0;
        webview.send_touch_input(TouchInput::began(3, 200.0, y)).unwrap();
        while y > 60.0 {
            y -= 10.0;
            webview.send_touch_input(TouchInput::moved(3, 200.0, y)).unwrap();
        }
        webview.send_touch_input(TouchInput::ended(3, 200.0, y)).unwrap();
    });
    let scrolled = wait_message(&event_loop, &got, "scrolled");
    assert!(!scrolled.contains(":0}"), "{scrolled}");
}

/// Whether a window of the browser process is on the display: an offscreen view has none, so
/// it is the context menu the runtime popped up.
fn menu_up(browser_pid: u32) -> bool {
    !xdotool(&["search", "--onlyvisible", "--pid", &browser_pid.to_string()])
        .trim()
        .is_empty()
}

#[test]
fn a_context_menu_the_runtime_shows_gives_way_to_the_apps_next_press_or_touch() {
    let (event_loop, folder) = (EventLoop::new().unwrap(), tempfile::tempdir().unwrap());
    let env = env_with(&event_loop, folder.path(), |b| b);
    let webview = offscreen_view(&event_loop, &env, 400, 300);
    let frames = collect_frames(&webview);
    let got = messages(&webview);
    assert!(load_html(
        &event_loop,
        &webview,
        r##"<body style="margin:0;height:300px;background:rgb(255,0,0)">
        <script>
        addEventListener('mousedown', e => chrome.webview.postMessage({down: e.button}));
        addEventListener('touchstart', e => chrome.webview.postMessage({touchstart: e.touches.length}));
        </script></body>"##
    ));
    wait_pixel(&event_loop, &frames, 300, 200, RED);
    // The app keeps WebKit's items: the runtime shows the menu.
    let requested = Rc::new(Cell::new(0));
    let r = requested.clone();
    webview.on_context_menu_requested(move |_, _| r.set(r.get() + 1));
    let browser = env.browser_process_id().unwrap();
    assert!(!menu_up(browser));

    for press in ["mouse", "touch"] {
        let before = requested.get();
        webview
            .send_mouse_input(MouseInput::down(MouseButton::Right, 100.0, 100.0))
            .unwrap();
        webview
            .send_mouse_input(MouseInput::up(MouseButton::Right, 100.0, 100.0))
            .unwrap();
        wait_until(&event_loop, "the context menu's request", || requested.get() > before);
        wait_until(&event_loop, "the menu on the display", || menu_up(browser));
        got.borrow_mut().clear();
        // The app's next press goes to the page, and the menu is gone (as a press outside it
        // does to a menu on the display).
        match press {
            "mouse" => {
                click(&webview, 50.0, 50.0);
                wait_message(&event_loop, &got, r#"{"down":0}"#);
            }
            _ => {
                webview.send_touch_input(TouchInput::began(1, 50.0, 50.0)).unwrap();
                webview.send_touch_input(TouchInput::ended(1, 50.0, 50.0)).unwrap();
                wait_message(&event_loop, &got, r#"{"touchstart":1}"#);
            }
        }
        wait_until(&event_loop, "the menu gone", || !menu_up(browser));
    }
}
