//! Web message timings, app ⇄ page through the browser process, measured in the app, round by
//! round beside the wry peer running the same page code:
//! - round trip of a small message (app → page → app), p50 and p95 over 1,000;
//! - a 10,000-message one-way burst page → app (first to last), and app → page (until the page
//!   reports it saw the last one).
//!
//! Times are taken in the app (in the peer: in its process).

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Instant;

use webpane::{EventLoop, WebView, WebViewOptions};

use crate::peer;

const ROUND_TRIPS: usize = 1000;
const BURST: usize = 10_000;
const ROUNDS: usize = 5;

/// The page, the same for webpane and the peer.
const SCRIPT: &str = r#"<script>
chrome.webview.addEventListener('message', e => {
  const d = e.data;
  if (d.burst) { for (let i = 0; i < d.burst; i++) chrome.webview.postMessage(i); }
  else if (d.count !== undefined) { if (d.count === d.last) chrome.webview.postMessage('got all'); }
  else chrome.webview.postMessage(d);
});
chrome.webview.postMessage('ready');
</script>"#;

/// What one round measures, in the order of [`METRICS`].
const METRICS: [(&str, &str, &str); 4] = [
    (
        "round_trip_p50_us",
        "small round trip app → page → app, p50 of 1000",
        "µs",
    ),
    (
        "round_trip_p95_us",
        "small round trip app → page → app, p95 of 1000",
        "µs",
    ),
    ("burst_page_to_app_ms", "10000-message burst page → app", "ms"),
    ("burst_app_to_page_ms", "10000-message burst app → page", "ms"),
];

type Inbox = Rc<RefCell<Vec<(Instant, String)>>>;

fn measure(event_loop: &EventLoop, webview: &WebView, inbox: &Inbox) -> crate::setup::Result<[f64; 4]> {
    let wait = |n: usize| crate::setup::wait_for(event_loop, "the page's messages", || inbox.borrow().len() >= n);
    inbox.borrow_mut().clear();
    // Round trips, one at a time.
    let mut rtt = Vec::with_capacity(ROUND_TRIPS);
    for i in 0..ROUND_TRIPS {
        let t = Instant::now();
        webview.post_web_message_as_json(&format!("{{\"ping\":{i}}}"))?;
        wait(i + 1)?;
        rtt.push(t.elapsed());
    }
    rtt.sort();
    let p50 = rtt[rtt.len() / 2];
    let p95 = rtt[rtt.len() * 95 / 100];
    inbox.borrow_mut().clear();

    // Page → app burst.
    let t = Instant::now();
    webview.post_web_message_as_json(&format!("{{\"burst\":{BURST}}}"))?;
    wait(BURST)?;
    let page_to_app = t.elapsed();
    let in_order = inbox.borrow().iter().enumerate().all(|(i, (_, m))| *m == i.to_string());
    if !in_order {
        return Err(crate::setup::BenchError::Failed(
            "the burst arrived out of order".into(),
        ));
    }
    inbox.borrow_mut().clear();

    // App → page burst.
    let t = Instant::now();
    for i in 0..BURST {
        webview.post_web_message_as_json(&format!("{{\"count\":{i},\"last\":{}}}", BURST - 1))?;
    }
    wait(1)?;
    let app_to_page = t.elapsed();
    Ok([
        p50.as_secs_f64() * 1e6,
        p95.as_secs_f64() * 1e6,
        page_to_app.as_secs_f64() * 1e3,
        app_to_page.as_secs_f64() * 1e3,
    ])
}

/// Runs the web message timings; prints the table unless `opts.json`; returns the JSON.
pub fn run(opts: &crate::setup::Options) -> crate::setup::Result<serde_json::Value> {
    let event_loop = EventLoop::new()?;
    let dir = tempfile::tempdir()?;
    let env = crate::setup::environment(&event_loop, dir.path(), |b| b)?;
    let webview = event_loop.block_on(env.create_webview(WebViewOptions::headless(400, 300)))??;
    let inbox: Inbox = Rc::default();
    {
        let inbox = inbox.clone();
        webview.on_web_message_received(move |_, m| {
            inbox
                .borrow_mut()
                .push((Instant::now(), m.web_message_as_json().to_owned()))
        });
    }
    webview.navigate_to_string(SCRIPT)?;
    crate::setup::wait_for(&event_loop, "the page", || !inbox.borrow().is_empty())?;

    let program = peer::program(opts);
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    let mut peer_error = None;
    for _ in 0..ROUNDS {
        ours.push(measure(&event_loop, &webview, &inbox)?);
        if let Some(program) = &program {
            let (rounds, burst) = (ROUND_TRIPS.to_string(), BURST.to_string());
            match peer::run(program, &["messages", SCRIPT, &rounds, &burst]) {
                Ok(value) => theirs.push(METRICS.map(|(key, ..)| value[key].as_f64().unwrap_or(f64::NAN))),
                Err(why) => peer_error = Some(why),
            }
        }
    }
    let column = |samples: &[[f64; 4]], i: usize| peer::median(samples.iter().map(|s| s[i]).collect());
    let mut value = serde_json::Map::new();
    let mut wry = serde_json::Map::new();
    let mut ratios = serde_json::Map::new();
    for (i, (key, ..)) in METRICS.iter().enumerate() {
        value.insert(key.to_string(), column(&ours, i).into());
        if !theirs.is_empty() {
            wry.insert(key.to_string(), column(&theirs, i).into());
            ratios.insert(key.to_string(), (column(&ours, i) / column(&theirs, i)).into());
        }
    }
    value.insert("burst".into(), BURST.into());
    value.insert("rounds".into(), ROUNDS.into());
    if !theirs.is_empty() {
        value.insert("wry".into(), wry.into());
        value.insert("webpane_over_wry".into(), ratios.into());
    }
    if let Some(why) = &peer_error {
        value.insert("peer_error".into(), why.clone().into());
    }
    if opts.json {
        return Ok(value.into());
    }
    println!(
        "{:<52} {:>11} {:>11} {:>9}",
        format!("web messages, medians of {ROUNDS} rounds"),
        "webpane",
        "wry",
        "ratio"
    );
    for (i, (_, name, unit)) in METRICS.iter().enumerate() {
        let ours = column(&ours, i);
        let (theirs, ratio) = if theirs.is_empty() {
            ("—".to_owned(), "—".to_owned())
        } else {
            let t = column(&theirs, i);
            (format!("{t:.1} {unit}"), format!("{:.2}", ours / t))
        };
        println!("{name:<52} {:>8.1} {unit} {theirs:>11} {ratio:>9}", ours);
    }
    if let Some(why) = peer_error {
        println!("(the wry peer: {why})");
    }
    Ok(value.into())
}
