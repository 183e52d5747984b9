//! Web message timings, app ⇄ page through the browser process, measured in the app:
//! - round trip of a small message (app → page → app), p50 and p95 over 1,000;
//! - a 10,000-message one-way burst page → app (first to last), and app → page (until the page
//!   reports it saw the last one).
//!
//! Times are taken in the app.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use webpane::{EventLoop, WebViewOptions};

const ROUND_TRIPS: usize = 1000;
const BURST: usize = 10_000;

/// Runs the web message timings; prints the table unless `opts.json`; returns the JSON.
pub fn run(opts: &crate::setup::Options) -> serde_json::Value {
    let json = opts.json;
    let event_loop = EventLoop::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let env = crate::setup::environment(&event_loop, dir.path(), |b| b);
    let webview = event_loop
        .block_on(env.create_webview(WebViewOptions::headless(400, 300)))
        .unwrap()
        .unwrap();
    let inbox: Rc<RefCell<Vec<(Instant, String)>>> = Rc::default();
    {
        let inbox = inbox.clone();
        webview.on_web_message_received(move |_, m| {
            inbox
                .borrow_mut()
                .push((Instant::now(), m.web_message_as_json().to_owned()))
        });
    }
    webview
        .navigate_to_string(
            r#"<script>
            chrome.webview.addEventListener('message', e => {
              const d = e.data;
              if (d.burst) { for (let i = 0; i < d.burst; i++) chrome.webview.postMessage(i); }
              else if (d.count !== undefined) { if (d.count === d.last) chrome.webview.postMessage('got all'); }
              else chrome.webview.postMessage(d);
            });
            chrome.webview.postMessage('ready');
            </script>"#,
        )
        .unwrap();
    let wait = |n: usize| {
        while inbox.borrow().len() < n {
            event_loop.dispatch(Some(Duration::from_millis(100))).unwrap();
        }
    };
    wait(1);
    inbox.borrow_mut().clear();

    // Round trips, one at a time.
    let mut rtt = Vec::with_capacity(ROUND_TRIPS);
    for i in 0..ROUND_TRIPS {
        let t = Instant::now();
        webview.post_web_message_as_json(&format!("{{\"ping\":{i}}}")).unwrap();
        wait(i + 1);
        rtt.push(t.elapsed());
    }
    rtt.sort();
    let p50 = rtt[rtt.len() / 2];
    let p95 = rtt[rtt.len() * 95 / 100];
    inbox.borrow_mut().clear();

    // Page → app burst.
    let t = Instant::now();
    webview
        .post_web_message_as_json(&format!("{{\"burst\":{BURST}}}"))
        .unwrap();
    wait(BURST);
    let page_to_app = t.elapsed();
    let in_order = inbox.borrow().iter().enumerate().all(|(i, (_, m))| *m == i.to_string());
    assert!(in_order, "the burst arrived out of order");
    inbox.borrow_mut().clear();

    // App → page burst.
    let t = Instant::now();
    for i in 0..BURST {
        webview
            .post_web_message_as_json(&format!("{{\"count\":{i},\"last\":{}}}", BURST - 1))
            .unwrap();
    }
    wait(1);
    let app_to_page = t.elapsed();

    let value = serde_json::json!({
        "round_trip_p50_us": p50.as_secs_f64() * 1e6,
        "round_trip_p95_us": p95.as_secs_f64() * 1e6,
        "burst_page_to_app_ms": page_to_app.as_secs_f64() * 1e3,
        "burst_app_to_page_ms": app_to_page.as_secs_f64() * 1e3,
        "burst": BURST,
    });
    if json {
        return value;
    }
    println!("{:<56} {:>12}", "web messages (app ⇄ page through the runtime)", "");
    println!(
        "{:<56} {:>9.0} µs",
        format!("small round trip app → page → app, p50 of {ROUND_TRIPS}"),
        p50.as_secs_f64() * 1e6
    );
    println!(
        "{:<56} {:>9.0} µs",
        format!("small round trip app → page → app, p95 of {ROUND_TRIPS}"),
        p95.as_secs_f64() * 1e6
    );
    println!(
        "{:<56} {:>9.1} ms",
        format!("{BURST}-message burst page → app"),
        page_to_app.as_secs_f64() * 1e3
    );
    println!(
        "{:<56} {:>9.1} ms",
        format!("{BURST}-message burst app → page"),
        app_to_page.as_secs_f64() * 1e3
    );
    println!(
        "{:<56} {:>12}",
        "wry in-process, same machine (DESIGN.md): p50 / burst", "231 µs / 200 ms"
    );
    value
}
