//! The webpane demo: everything at once, in one app, in about a minute of reading.
//!
//! - A page in the browser process's own window, served from the app through a custom scheme
//!   (`demo://app/…`): HTML, CSS and a JSON asset come from this file's handler.
//! - A live heat map: the app renders a 1024 × 1024 RGBA frame (4 MiB) 60 times a second straight
//!   into a [`SharedBuffer`] the page maps read-only; the page draws it with `putImageData`. No
//!   frame is copied through a message.
//! - Web messages both ways: the page reports frames drawn per second; the app measures round
//!   trips and sends notes the page shows.
//! - A crash and its recovery: the app terminates its own render process, hears ProcessFailed,
//!   reloads, shares the buffer again and the heat map comes back.
//! - A screenshot of the window, written to a file whose path is printed.
//!
//! Run it with `cargo xtask demo` (under Xvfb when there is no display).

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use webpane::{
    CustomSchemeRegistration, Environment, EventLoop, ImageFormat, SharedBuffer, SharedBufferAccess,
    WebResourceResponse, WebView, WebViewOptions,
};

const WIDTH: usize = 1024;
const HEIGHT: usize = 1024;
/// The frame counter lives in the first bytes; pixels start here (keeps them 16-byte aligned).
const PIXELS_AT: usize = 64;
const FRAME_INTERVAL: Duration = Duration::from_micros(16_667);

/// What the page told us, and what we measured.
#[derive(Default)]
struct Stats {
    ready: Cell<u32>,
    buffer_received: Cell<u32>,
    fps: RefCell<Vec<f64>>,
    /// The app's frame counter as the page read it from shared memory, once a second.
    seen: RefCell<Vec<(Instant, u64)>>,
    asset: RefCell<Option<String>>,
    pongs: RefCell<Vec<(u64, Instant)>>,
    failures: RefCell<Vec<String>>,
}

/// A colour map from cold (deep blue) to hot (white-yellow).
fn palette() -> Vec<[u8; 4]> {
    (0..256)
        .map(|i| {
            let t = i as f32 / 255.0;
            let r = (255.0 * (1.5 * t).min(1.0)) as u8;
            let g = (255.0 * (2.0 * t - 0.6).clamp(0.0, 1.0)) as u8;
            let b = (255.0 * (0.5 + 0.5 * (1.0 - 2.5 * t)).clamp(0.0, 1.0) * (1.0 - t)) as u8;
            [r, g, b, 255]
        })
        .collect()
}

/// Renders frame `n` of a few drifting heat sources into `out` (RGBA). Each source is a
/// Gaussian, which separates into a row factor times a column factor: no `exp` per pixel.
fn render(n: u64, palette: &[[u8; 4]], out: &mut [u8]) {
    const SOURCES: usize = 5;
    let t = n as f32 / 60.0;
    let mut fx = [[0f32; WIDTH]; SOURCES];
    let mut fy = [[0f32; HEIGHT]; SOURCES];
    for k in 0..SOURCES {
        let kf = k as f32;
        let cx = (0.5 + 0.35 * (t * (0.3 + 0.07 * kf) + kf * 1.3).sin()) * WIDTH as f32;
        let cy = (0.5 + 0.35 * (t * (0.23 + 0.05 * kf) + kf * 2.1).cos()) * HEIGHT as f32;
        let spread = 1.0 / (2.0 * (60.0 + 25.0 * kf).powi(2));
        for (x, f) in fx[k].iter_mut().enumerate() {
            *f = (-(x as f32 - cx).powi(2) * spread).exp();
        }
        for (y, f) in fy[k].iter_mut().enumerate() {
            *f = (-(y as f32 - cy).powi(2) * spread).exp();
        }
    }
    // Half resolution (2 × 2 blocks): the page shows it scaled down anyway.
    for (y2, rows) in out.chunks_exact_mut(WIDTH * 8).enumerate() {
        let (top, bottom) = rows.split_at_mut(WIDTH * 4);
        for x2 in 0..WIDTH / 2 {
            let heat: f32 = (0..SOURCES).map(|k| fx[k][2 * x2] * fy[k][2 * y2]).sum();
            let colour = palette[((heat * 200.0) as usize).min(255)];
            for row in [&mut *top, &mut *bottom] {
                row[8 * x2..8 * x2 + 4].copy_from_slice(&colour);
                row[8 * x2 + 4..8 * x2 + 8].copy_from_slice(&colour);
            }
        }
    }
}

/// New frames per second the page found in the shared memory (its reads of the app's counter).
fn updates_seen(samples: &[(Instant, u64)]) -> f64 {
    match (samples.first(), samples.last()) {
        (Some(first), Some(last)) if last.0 > first.0 => {
            (last.1.saturating_sub(first.1)) as f64 / (last.0 - first.0).as_secs_f64()
        }
        _ => 0.0,
    }
}

/// The mean of per-second samples, leaving out the first (a partial second) when there are more.
fn average_after_first(samples: &[f64]) -> f64 {
    let used = if samples.len() > 1 { &samples[1..] } else { samples };
    if used.is_empty() {
        0.0
    } else {
        used.iter().sum::<f64>() / used.len() as f64
    }
}

fn wait(event_loop: &EventLoop, what: &str, mut done: impl FnMut() -> bool) -> Duration {
    let t = Instant::now();
    while !done() {
        assert!(t.elapsed() < Duration::from_secs(60), "timed out waiting for {what}");
        event_loop.dispatch(Some(Duration::from_millis(5))).expect("dispatch");
    }
    t.elapsed()
}

/// Runs the loop for `time` (frames keep being rendered by the timer).
fn run_for(event_loop: &EventLoop, time: Duration) {
    let end = Instant::now() + time;
    while Instant::now() < end {
        event_loop.dispatch(Some(Duration::from_millis(5))).expect("dispatch");
    }
}

fn serve(webview: &WebView) {
    webview.add_web_resource_requested_filter("demo://app/*").unwrap();
    webview.on_web_resource_requested(|_, args| {
        let facts = format!(
            r#"{{"name":"facts.json","bytes":0,"app_pid":{},"served_at":"{:?}"}}"#,
            std::process::id(),
            std::time::SystemTime::now()
        );
        let (kind, body) = match args.request().uri() {
            "demo://app/" | "demo://app/index.html" => {
                ("text/html; charset=utf-8", include_str!("demo/page.html").to_owned())
            }
            "demo://app/style.css" => ("text/css", include_str!("demo/style.css").to_owned()),
            "demo://app/facts.json" => (
                "application/json",
                facts.replace("\"bytes\":0", &format!("\"bytes\":{}", facts.len())),
            ),
            _ => return, // anything else: 404
        };
        let response = WebResourceResponse::new(webpane::http::StatusCode::OK)
            .with_header("Content-Type", kind)
            .with_body(body)
            .expect("a response");
        args.set_response(response).expect("a valid response");
    });
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!(
        "webpane demo — the app (pid {}) links no GTK; the page lives in a browser process.\n",
        std::process::id()
    );
    let event_loop = EventLoop::new()?;
    let folder = std::env::temp_dir().join(format!("webpane-demo-{}", std::process::id()));
    let started = Instant::now();
    let env = event_loop.wait(
        Environment::builder()
            .user_data_folder(&folder)
            .custom_scheme(CustomSchemeRegistration::new("demo").treat_as_secure(true))
            .build(&event_loop),
    )?;
    let webview = event_loop.wait(env.create_webview(WebViewOptions::window("webpane demo", 1100, 760)))?;
    serve(&webview);

    let stats = Rc::new(Stats::default());
    {
        let stats = stats.clone();
        webview.on_web_message_received(move |_, m| {
            let Ok(message) = serde_json::from_str::<serde_json::Value>(m.web_message_as_json()) else {
                return;
            };
            match message["kind"].as_str() {
                Some("ready") => stats.ready.set(stats.ready.get() + 1),
                Some("buffer-received") => stats.buffer_received.set(stats.buffer_received.get() + 1),
                Some("fps") => {
                    stats.fps.borrow_mut().push(message["fps"].as_f64().unwrap_or(0.0));
                    let frame = message["appFrame"].as_u64().unwrap_or(0);
                    stats.seen.borrow_mut().push((Instant::now(), frame));
                }
                Some("asset") => *stats.asset.borrow_mut() = Some(message["facts"].to_string()),
                Some("pong") => {
                    let ping = message["ping"].as_u64().unwrap_or(0);
                    stats.pongs.borrow_mut().push((ping, Instant::now()));
                }
                _ => {}
            }
        });
    }
    {
        let stats = stats.clone();
        webview.on_process_failed(move |_, e| {
            stats
                .failures
                .borrow_mut()
                .push(format!("{:?} ({:?}, pid {:?})", e.kind(), e.reason(), e.process_id()))
        });
    }

    // 1. The page, served by the app.
    webview.navigate("demo://app/")?;
    wait(&event_loop, "the page", || stats.ready.get() == 1);
    let first_page = started.elapsed();
    println!(
        "1. page up {:.0} ms after start (browser process started cold, page served over demo://)",
        first_page.as_secs_f64() * 1e3
    );

    // 2. The shared frame buffer, rendered 60 times a second by a worker thread of the app
    //    (a SharedBuffer is Send + Sync; the UI thread stays free for events).
    let buffer = Arc::new(SharedBuffer::new(PIXELS_AT + WIDTH * HEIGHT * 4)?);
    let share = |webview: &WebView| {
        webview.post_shared_buffer_to_script(
            &buffer,
            SharedBufferAccess::ReadOnly,
            Some(&format!(r#"{{"width":{WIDTH},"height":{HEIGHT}}}"#)),
        )
    };
    share(&webview)?;
    wait(&event_loop, "the buffer in the page", || {
        stats.buffer_received.get() == 1
    });
    let running = Arc::new(AtomicBool::new(true));
    let rendered = Arc::new(AtomicU64::new(0));
    let render_nanos = Arc::new(AtomicU64::new(0));
    let renderer = {
        let (buffer, running, rendered, render_nanos) =
            (buffer.clone(), running.clone(), rendered.clone(), render_nanos.clone());
        std::thread::spawn(move || {
            let palette = palette();
            let mut frame = vec![0u8; WIDTH * HEIGHT * 4];
            let mut due = Instant::now();
            let mut n = 0u64;
            while running.load(Ordering::Relaxed) {
                n += 1;
                let t = Instant::now();
                render(n, &palette, &mut frame);
                // One 4 MiB write into the shared memory, then the counter the page shows.
                if buffer.write_at(PIXELS_AT, &frame).is_err() {
                    break;
                }
                let _ = buffer.write_at(0, &(n as u32).to_le_bytes());
                render_nanos.fetch_add(t.elapsed().as_nanos() as u64, Ordering::Relaxed);
                rendered.store(n, Ordering::Relaxed);
                due += FRAME_INTERVAL;
                std::thread::sleep(due.saturating_duration_since(Instant::now()));
            }
        })
    };
    run_for(&event_loop, Duration::from_secs(3));
    let frames = rendered.load(Ordering::Relaxed);
    let drawn = average_after_first(&stats.fps.borrow());
    let seen = updates_seen(&stats.seen.borrow());
    println!(
        "2. heat map: the app wrote {frames} frames of {} MiB in ~3 s ({:.1} ms each, on a worker thread); the page saw {seen:.0} new frames/s in the shared memory and painted {drawn:.0}/s",
        (WIDTH * HEIGHT * 4) >> 20,
        render_nanos.load(Ordering::Relaxed) as f64 / 1e6 / frames.max(1) as f64
    );

    // 3. Web messages both ways: round trips, and notes the page shows.
    let mut rtts = Vec::new();
    for ping in 0..200u64 {
        let t = Instant::now();
        webview.post_web_message_as_json(&format!(r#"{{"ping":{ping}}}"#))?;
        wait(&event_loop, "a pong", || {
            stats.pongs.borrow().iter().any(|p| p.0 == ping)
        });
        rtts.push(t.elapsed());
    }
    rtts.sort();
    webview.post_web_message_as_json(&format!(
        r#"{{"note":"200 round trips, p50 {:.0} µs"}}"#,
        rtts[100].as_secs_f64() * 1e6
    ))?;
    println!(
        "3. web messages: 200 round trips app → page → app, p50 {:.0} µs, p95 {:.0} µs",
        rtts[100].as_secs_f64() * 1e6,
        rtts[190].as_secs_f64() * 1e6
    );
    println!(
        "4. custom-scheme asset fetched by the page: {}",
        stats.asset.borrow().as_deref().unwrap_or("(none)")
    );

    // 5. A screenshot of the live window.
    run_for(&event_loop, Duration::from_millis(300));
    let png = event_loop.wait(webview.capture_preview(ImageFormat::Png))?;
    let shot = std::env::temp_dir().join("webpane-demo.png");
    std::fs::write(&shot, &png)?;
    println!(
        "5. screenshot of the window: {} ({} KiB)",
        shot.display(),
        png.len() >> 10
    );

    // 6. Crash and recovery: terminate our own render process, then bring the page back.
    let crash = Instant::now();
    webview.terminate_render_process()?;
    wait(&event_loop, "ProcessFailed", || !stats.failures.borrow().is_empty());
    webview.reload()?;
    wait(&event_loop, "the page again", || stats.ready.get() == 2);
    share(&webview)?;
    wait(&event_loop, "the buffer again", || stats.buffer_received.get() == 2);
    let recovered = crash.elapsed();
    stats.fps.borrow_mut().clear();
    run_for(&event_loop, Duration::from_secs(3));
    let drawn_after = average_after_first(&stats.fps.borrow());
    println!(
        "6. killed the render process ({}); the heat map was back after {:.0} ms, drawing {drawn_after:.0}/s",
        stats.failures.borrow()[0],
        recovered.as_secs_f64() * 1e3
    );

    // 7. Done: stop rendering, close, and see the browser process exit normally.
    running.store(false, Ordering::Relaxed);
    let _ = renderer.join();
    let frames = rendered.load(Ordering::Relaxed);
    let exit = env.browser_process_exited();
    webview.close()?;
    let exited = event_loop.wait(exit)?;
    println!(
        "7. closed: browser process {} exited {:?}; {} deleted",
        exited.browser_process_id(),
        exited.kind(),
        folder.display()
    );
    let _ = std::fs::remove_dir_all(&folder);

    println!("\nReport");
    println!(
        "  start → first page                     {:>8.0} ms",
        first_page.as_secs_f64() * 1e3
    );
    println!(
        "  frames rendered by the app             {:>8} ({} MiB each, written into shared memory)",
        frames,
        (WIDTH * HEIGHT * 4) >> 20
    );
    println!("  frame updates the page saw, per second {:>8.0}", seen);
    println!(
        "  frames painted by the page, per second {:>8.0} (after the crash: {drawn_after:.0}; canvas painting in software is the limit)",
        drawn
    );
    println!("  bytes of frames in messages            {:>8}", 0);
    println!(
        "  message round trip p50                 {:>8.0} µs",
        rtts[100].as_secs_f64() * 1e6
    );
    println!(
        "  crash → heat map back                  {:>8.0} ms",
        recovered.as_secs_f64() * 1e3
    );
    println!("  screenshot                             {}", shot.display());
    Ok(())
}
