//! Offscreen hosting, side by side in one run: a 1280 × 720 offscreen view running an animation
//! (a box moving every animation frame over a still page) against the same page in a window of
//! the browser process.
//!
//! - frame latency: GTK's paint in the browser process → the frame in this app's memory
//!   (`FrameReady`), both on `CLOCK_MONOTONIC`; p50 and p95 over every frame of 5 s (2 s with
//!   `--quick`);
//! - frames per second in the app, and the page's own painting rate (animation frames a second)
//!   offscreen and in the window;
//! - bytes webpane copied per frame against the damaged area's bytes;
//! - input: a click sent with `send_mouse_input` → the page's handler → its web message back
//!   here; p50 and p95 of 50 (an upper bound of input → handler: it includes the message back).

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use webpane::{EventLoop, MouseButton, MouseInput, OffscreenPicture, WebView, WebViewOptions};

const PAGE: &str = r#"<!doctype html><body style="margin:0;background:#fff">
<div style="font:16px sans-serif;padding:20px">A still page with one moving box.</div>
<div id=b style="position:absolute;top:200px;left:0;width:80px;height:80px;background:#2b6cb0"></div>
<script>
let frames = 0, x = 0, since = performance.now();
function step(now) {
  x = (x + 4) % 1200; b.style.transform = `translateX(${x}px)`; frames++;
  if (now - since >= 1000) { chrome.webview.postMessage({ fps: frames * 1000 / (now - since) }); frames = 0; since = now; }
  requestAnimationFrame(step);
}
requestAnimationFrame(step);
addEventListener('mousedown', () => chrome.webview.postMessage({ clicked: true }));
</script>"#;

fn monotonic_ns() -> u64 {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::Monotonic);
    t.tv_sec as u64 * 1_000_000_000 + t.tv_nsec as u64
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[(((sorted.len() - 1) as f64) * p).round() as usize]
}

/// Runs the event loop for `d`.
fn pump(event_loop: &EventLoop, d: Duration) -> crate::setup::Result<()> {
    let end = Instant::now() + d;
    while Instant::now() < end {
        event_loop.dispatch(Some(Duration::from_millis(5)))?;
    }
    Ok(())
}

/// The page's animation frame rates (one report a second).
fn page_rates(webview: &WebView) -> Rc<RefCell<Vec<f64>>> {
    let rates: Rc<RefCell<Vec<f64>>> = Rc::default();
    let r = rates.clone();
    webview.on_web_message_received(move |_, args| {
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(args.web_message_as_json())
            && let Some(fps) = v["fps"].as_f64()
        {
            r.borrow_mut().push(fps);
        }
    });
    rates
}

fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    percentile(&v, 0.5)
}

/// Runs the comparison; prints a table unless `json`.
pub fn run(opts: &crate::setup::Options) -> crate::setup::Result<serde_json::Value> {
    let event_loop = EventLoop::new()?;
    let dir = tempfile::tempdir()?;
    let env = crate::setup::environment(&event_loop, dir.path(), |b| b)?;
    let seconds = if opts.quick { 2 } else { 5 };

    // Offscreen: every frame's age when it reaches this app, and what was copied for it.
    let offscreen = event_loop.block_on(env.create_webview(WebViewOptions::offscreen(1280, 720)))??;
    let samples: Rc<RefCell<Vec<(f64, u64, u64)>>> = Rc::default();
    let s = samples.clone();
    offscreen.on_picture_ready(move |_, args| {
        let frame: &OffscreenPicture = args.picture();
        let age_ms = monotonic_ns().saturating_sub(frame.painted_at_ns()) as f64 / 1e6;
        let damaged: u64 = frame.damage().iter().map(|r| r.area() * 4).sum();
        s.borrow_mut().push((age_ms, frame.copied_bytes(), damaged));
    });
    let offscreen_rates = page_rates(&offscreen);
    offscreen.navigate_to_string(PAGE)?;
    pump(&event_loop, Duration::from_secs(1))?;
    samples.borrow_mut().clear();
    offscreen_rates.borrow_mut().clear();
    pump(&event_loop, Duration::from_secs(seconds))?;
    let frames = samples.borrow().clone();
    let mut ages: Vec<f64> = frames.iter().map(|f| f.0).collect();
    ages.sort_by(f64::total_cmp);
    let copied: u64 = frames.iter().map(|f| f.1).sum();
    let damaged: u64 = frames.iter().map(|f| f.2).sum();
    let app_fps = frames.len() as f64 / seconds as f64;
    let offscreen_page_fps = median(&offscreen_rates.borrow());

    // Input: a click → the page's handler → its message back here.
    let clicked: Rc<RefCell<Vec<Instant>>> = Rc::default();
    let c = clicked.clone();
    offscreen.on_web_message_received(move |_, args| {
        if args.web_message_as_json().contains("clicked") {
            c.borrow_mut().push(Instant::now());
        }
    });
    let mut input_ms = Vec::new();
    for i in 0..50 {
        let (x, y) = (100.0 + f64::from(i), 500.0);
        let sent = Instant::now();
        offscreen.send_mouse_input(MouseInput::down(MouseButton::Left, x, y))?;
        let deadline = sent + Duration::from_secs(10);
        while clicked.borrow().is_empty() && Instant::now() < deadline {
            event_loop.dispatch(Some(Duration::from_millis(1)))?;
        }
        if let Some(at) = clicked.borrow_mut().pop() {
            input_ms.push(at.duration_since(sent).as_secs_f64() * 1e3);
        }
        offscreen.send_mouse_input(MouseInput::up(MouseButton::Left, x, y))?;
        pump(&event_loop, Duration::from_millis(10))?;
    }
    input_ms.sort_by(f64::total_cmp);
    let _ = offscreen.close();

    // The same page in a window of the browser process: its painting rate.
    let window = event_loop.block_on(env.create_webview(WebViewOptions::window("bench", 1280, 720)))??;
    let window_rates = page_rates(&window);
    window.navigate_to_string(PAGE)?;
    pump(&event_loop, Duration::from_secs(1))?;
    window_rates.borrow_mut().clear();
    pump(&event_loop, Duration::from_secs(seconds))?;
    let window_page_fps = median(&window_rates.borrow());
    let _ = window.close();

    let per_frame_copied = copied as f64 / frames.len().max(1) as f64;
    let per_frame_damaged = damaged as f64 / frames.len().max(1) as f64;
    let copy_ratio = copied as f64 / damaged.max(1) as f64;
    let (p50, p95) = (percentile(&ages, 0.5), percentile(&ages, 0.95));
    let (in50, in95) = (percentile(&input_ms, 0.5), percentile(&input_ms, 0.95));
    if !opts.json {
        println!("1280 × 720 offscreen, a box moving every animation frame, {seconds} s");
        println!("frames in the app: {} ({app_fps:.1}/s)", frames.len());
        println!("paint → frame in the app's memory: p50 {p50:.2} ms, p95 {p95:.2} ms");
        println!(
            "copied per frame: {:.1} KiB; damaged area per frame: {:.1} KiB; copied / damaged {copy_ratio:.2}",
            per_frame_copied / 1024.0,
            per_frame_damaged / 1024.0
        );
        println!(
            "page's animation frames/s: offscreen {offscreen_page_fps:.1}, in a window {window_page_fps:.1} (offscreen / window {:.2})",
            offscreen_page_fps / window_page_fps
        );
        println!("click → page handler → message back: p50 {in50:.2} ms, p95 {in95:.2} ms");
    }
    Ok(serde_json::json!({
        "seconds": seconds,
        "frames": frames.len(),
        "app_fps": app_fps,
        "latency_p50_ms": p50,
        "latency_p95_ms": p95,
        "copied_bytes_per_frame": per_frame_copied,
        "damaged_bytes_per_frame": per_frame_damaged,
        "copied_over_damaged": copy_ratio,
        "page_fps_offscreen": offscreen_page_fps,
        "page_fps_window": window_page_fps,
        "input_round_trip_p50_ms": in50,
        "input_round_trip_p95_ms": in95,
    }))
}
