//! Non-client regions: the page's drag regions (`--app-region: drag`, with `no-drag` controls
//! inside) reach the app as the caption region, follow the page's changes and zoom, answer hit
//! tests, and move the browser process's own window when pressed, across the real processes.

mod common;

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use common::*;
use webpane::{NonClientRegionKind, WebViewOptions};

/// A 40 px title bar that drags, with a 50 px button at its right end that does not.
const BAR: &str = "<title>drag me</title><style>body { margin: 0 } \
    #bar { height: 40px; app-region: drag; --app-region: drag } \
    #close { position: absolute; right: 0; top: 0; width: 50px; height: 40px; --app-region: no-drag }</style>\
    <div id=bar><button id=close onclick=\"chrome.webview.postMessage('close')\">x</button></div><p>content</p>";

fn caption_area(webview: &webpane::WebView) -> i64 {
    webview
        .query_non_client_region(NonClientRegionKind::Caption)
        .iter()
        .map(|r| i64::from(r.width) * i64::from(r.height))
        .sum()
}

#[test]
fn the_caption_region_follows_the_page_and_answers_hit_tests() {
    let (event_loop, env, _window, _dir) = open_webview();
    let view = event_loop
        .block_on(env.create_webview(WebViewOptions::offscreen(400, 300)))
        .unwrap()
        .unwrap();
    let changes = Rc::new(Cell::new(0));
    let c = changes.clone();
    view.on_non_client_region_changed(move |_, args| {
        assert_eq!(args.region_kind(), NonClientRegionKind::Caption);
        c.set(c.get() + 1);
    });
    assert!(!view.is_non_client_region_support_enabled());
    assert!(load_html(&event_loop, &view, BAR));
    // Off: nothing found, nothing told.
    std::thread::sleep(Duration::from_millis(200));
    event_loop.dispatch(Some(Duration::from_millis(100))).unwrap();
    assert_eq!(changes.get(), 0);
    assert_eq!(view.non_client_region_at_point(10, 10), NonClientRegionKind::Client);

    view.set_non_client_region_support_enabled(true).unwrap();
    assert!(view.is_non_client_region_support_enabled());
    wait_until(&event_loop, "the caption region", || caption_area(&view) > 0);
    // The bar without its button.
    assert_eq!(caption_area(&view), 350 * 40);
    assert_eq!(view.non_client_region_at_point(10, 10), NonClientRegionKind::Caption);
    assert_eq!(view.non_client_region_at_point(375, 10), NonClientRegionKind::Client);
    assert_eq!(view.non_client_region_at_point(10, 100), NonClientRegionKind::Client);
    assert_eq!(view.non_client_region_at_point(-1, 10), NonClientRegionKind::Nowhere);
    assert_eq!(view.non_client_region_at_point(400, 10), NonClientRegionKind::Nowhere);

    // The page changes its bar: the region follows.
    script_result(
        &event_loop,
        &view,
        "document.getElementById('bar').style.height = '60px'; 0",
    )
    .unwrap();
    wait_until(&event_loop, "the taller bar", || {
        view.non_client_region_at_point(10, 50) == NonClientRegionKind::Caption
    });
    // Zoomed to 200 %, the bar is 120 view pixels tall.
    view.set_zoom_factor(2.0).unwrap();
    wait_until(&event_loop, "the zoomed bar", || {
        view.non_client_region_at_point(10, 100) == NonClientRegionKind::Caption
    });
    assert_eq!(view.non_client_region_at_point(10, 130), NonClientRegionKind::Client);
    // A new document keeps being followed.
    view.set_zoom_factor(1.0).unwrap();
    assert!(load_html(&event_loop, &view, &BAR.replace("40px", "30px")));
    wait_until(&event_loop, "the new document's bar", || {
        caption_area(&view) == 350 * 30
    });

    // Off again: the region is empty.
    let told = changes.get();
    view.set_non_client_region_support_enabled(false).unwrap();
    assert!(view.query_non_client_region(NonClientRegionKind::Caption).is_empty());
    assert_eq!(view.non_client_region_at_point(10, 10), NonClientRegionKind::Client);
    assert!(told >= 3, "{told} changes");
}

/// The window's position on the screen.
fn position(window: &str) -> (i32, i32) {
    let shell = xdotool(&["getwindowgeometry", "--shell", window]);
    let value = |key: &str| {
        shell
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.parse().ok())
            .unwrap_or(i32::MIN)
    };
    (value("X="), value("Y="))
}

#[test]
fn pressing_the_caption_moves_the_window_and_its_controls_still_click() {
    let (event_loop, env, _first, _dir) = open_webview();
    let view = window_view(&event_loop, &env);
    let clicks = Rc::new(Cell::new(0));
    let c = clicks.clone();
    view.on_web_message_received(move |_, _| c.set(c.get() + 1));
    view.set_non_client_region_support_enabled(true).unwrap();
    assert!(load_html(&event_loop, &view, BAR));
    wait_until(&event_loop, "the caption region", || caption_area(&view) > 0);
    let window = wait_for_window(&event_loop, "^drag me$");
    let start = position(&window);

    // Press in the bar, move 120 × 80 in steps, let go.
    xdotool(&["mousemove", "--window", &window, "20", "20", "mousedown", "1"]);
    for _ in 0..8 {
        xdotool(&["mousemove_relative", "--", "15", "10"]);
        event_loop.dispatch(Some(Duration::from_millis(30))).unwrap();
    }
    xdotool(&["mouseup", "1"]);
    wait_until(&event_loop, "the window to move", || {
        let now = position(&window);
        now.0 - start.0 >= 100 && now.1 - start.1 >= 60
    });

    // The button inside the bar (right of the caption region) is the page's.
    let right = view
        .query_non_client_region(NonClientRegionKind::Caption)
        .iter()
        .map(|r| r.x + r.width)
        .max()
        .unwrap();
    assert_eq!(
        view.non_client_region_at_point(right + 25, 20),
        NonClientRegionKind::Client
    );
    xdotool(&[
        "mousemove",
        "--window",
        &window,
        &(right + 25).to_string(),
        "20",
        "click",
        "1",
    ]);
    wait_until(&event_loop, "the button's click", || clicks.get() == 1);
}
