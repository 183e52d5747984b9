//! A browser process that is only busy is not reported unresponsive (issue 25.13): four app
//! processes creating eight webviews each at once on one browser process, on a small machine.
//! (That a stopped one is reported is pinned in `availability.rs`.)

mod common;

use std::cell::Cell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use common::*;
use webpane::{EventLoop, ProcessFailedKind, WebViewOptions};

/// How many webviews each app makes.
const VIEWS: usize = 8;
/// How many apps start at once.
const APPS: usize = 4;

/// Entry point of the app processes; does nothing in a normal run. Reports
/// `done <loaded> <browser-unresponsive events>`.
#[test]
fn app_process_entry_point() {
    let Ok(role) = std::env::var(APP_ROLE) else { return };
    assert_eq!(role, "eight-views");
    let folder = std::path::PathBuf::from(std::env::var(APP_FOLDER).unwrap());
    let event_loop = EventLoop::new().unwrap();
    let env = env_for(&event_loop, &folder);
    let (loaded, unresponsive) = (Rc::new(Cell::new(0)), Rc::new(Cell::new(0)));
    let creating: Vec<_> = (0..VIEWS)
        .map(|_| env.create_webview(WebViewOptions::headless(800, 600)))
        .collect();
    let mut webviews = Vec::new();
    for created in creating {
        let webview = event_loop.block_on(created).unwrap().unwrap();
        let u = unresponsive.clone();
        webview.on_process_failed(move |_, args| {
            if args.kind() == ProcessFailedKind::BrowserProcessUnresponsive {
                u.set(u.get() + 1);
            }
        });
        let l = loaded.clone();
        webview.on_navigation_completed(move |_, args| {
            if args.is_success() {
                l.set(l.get() + 1)
            }
        });
        webview
            .navigate_to_string(
                "<body><canvas id=c width=800 height=600></canvas><script>\
                 const g = c.getContext('2d'); for (let i = 0; i < 2000; i++) { \
                 g.fillStyle = `hsl(${i % 360},80%,50%)`; g.fillRect(i % 800, i % 600, 40, 40); }\
                 </script></body>",
            )
            .unwrap();
        webviews.push(webview);
    }
    wait_until(&event_loop, "every page", || loaded.get() == VIEWS);
    // A while longer: what was queued while the browser process was busy comes now.
    let until = Instant::now() + Duration::from_secs(3);
    while Instant::now() < until {
        event_loop.dispatch(Some(Duration::from_millis(50))).unwrap();
    }
    report(&format!("done {} {}", loaded.get(), unresponsive.get()));
}

#[test]
fn a_busy_browser_process_is_not_reported_unresponsive() {
    let folder = tempfile::tempdir().unwrap();
    let apps: Vec<AppProcess> = (0..APPS)
        .map(|_| AppProcess::spawn("eight-views", folder.path()))
        .collect();
    let mut events = Vec::new();
    for app in apps {
        let done = app.expect("done");
        assert_eq!(done[1], VIEWS.to_string(), "{done:?}");
        events.push(done[2].parse::<u32>().unwrap());
        app.finish();
    }
    assert!(
        events.iter().all(|n| *n == 0),
        "BrowserProcessUnresponsive events per app: {events:?}"
    );
}
