//! Browser process lifecycle timings, side by side in one run (medians over several rounds):
//! - cold: environment creation to the first NavigationCompleted, starting a new runtime;
//! - warm: the same with a runtime already serving the folder (another environment keeps it);
//! - kill -9 of the runtime to BrowserProcessExited in the app.
//!
//! Times are taken in the app.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use webpane::{Environment, EventLoop, WebViewOptions};

use crate::setup::{BenchError, Result};

const ROUNDS: usize = 7;

fn env(event_loop: &EventLoop, folder: &std::path::Path) -> Result<Environment> {
    crate::setup::environment(event_loop, folder, |b| b.shutdown_grace(Duration::from_millis(100)))
}

/// Environment creation to first NavigationCompleted; returns the time and the webview.
fn start_to_first_load(
    event_loop: &EventLoop,
    folder: &std::path::Path,
) -> Result<(Duration, Environment, webpane::WebView)> {
    let t = Instant::now();
    let env = env(event_loop, folder)?;
    let webview = event_loop.block_on(env.create_webview(WebViewOptions::headless(800, 600)))??;
    let done = Rc::new(RefCell::new(false));
    let d = done.clone();
    webview.on_navigation_completed(move |_, _| *d.borrow_mut() = true);
    webview.navigate_to_string("<h1>first page</h1>")?;
    crate::setup::wait_for(event_loop, "the first page", || *done.borrow())?;
    Ok((t.elapsed(), env, webview))
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Runs the lifecycle timings; prints the table unless `opts.json`; returns the JSON.
pub fn run(opts: &crate::setup::Options) -> crate::setup::Result<serde_json::Value> {
    let json = opts.json;
    let event_loop = EventLoop::new()?;
    let dir = tempfile::tempdir()?;
    let (mut cold, mut warm, mut kill) = (Vec::new(), Vec::new(), Vec::new());
    let program = crate::peer::program(opts);
    let (mut peer_start, mut peer_error) = (Vec::new(), None);
    for round in 0..ROUNDS {
        // The peer's cold start: from spawning a wry app to its first page loaded (its loading of
        // WebKit's libraries included, as webpane's cold start includes the runtime's).
        if let Some(program) = &program {
            match crate::peer::run_from_spawn(program, &["start"]) {
                Ok((t, _)) => peer_start.push(t.as_secs_f64() * 1e3),
                Err(why) => peer_error = Some(why),
            }
        }
        let folder = dir.path().join(format!("udf{round}"));
        let (t, keeper_env, keeper) = start_to_first_load(&event_loop, &folder)?;
        cold.push(t);
        let (t, warm_env, warm_view) = start_to_first_load(&event_loop, &folder)?;
        warm.push(t);
        if warm_view.browser_process_id() != keeper.browser_process_id() {
            return Err(BenchError::Failed(
                "the second environment started a browser process of its own".into(),
            ));
        }

        let exit = keeper_env.browser_process_exited();
        let pid = keeper.browser_process_id();
        let t = Instant::now();
        rustix::process::kill_process(
            rustix::process::Pid::from_raw(pid as i32).ok_or(BenchError::Failed(format!("no pid {pid}")))?,
            rustix::process::Signal::KILL,
        )?;
        event_loop.block_on(exit)??;
        kill.push(t.elapsed());
        drop((warm_view, warm_env, keeper));
    }
    let rows = [
        ("environment to first NavigationCompleted, cold runtime", median(cold)),
        (
            "environment to first NavigationCompleted, warm shared runtime",
            median(warm),
        ),
        ("kill -9 of the runtime to BrowserProcessExited", median(kill)),
    ];
    let ratio = rows[0].1.as_secs_f64() / rows[1].1.as_secs_f64();
    let items: Vec<serde_json::Value> = rows
        .iter()
        .map(|(n, d)| serde_json::json!({"name": n, "median_ms": d.as_secs_f64() * 1e3}))
        .collect();
    let mut value = serde_json::json!({"lifecycle": items, "cold_over_warm": ratio, "rounds": ROUNDS});
    let wry = (!peer_start.is_empty()).then(|| crate::peer::median(peer_start));
    if let Some(wry) = wry {
        value["wry_first_load_ms"] = wry.into();
        value["cold_over_wry"] = (rows[0].1.as_secs_f64() * 1e3 / wry).into();
    }
    if let Some(why) = &peer_error {
        value["peer_error"] = why.clone().into();
    }
    if json {
        return Ok(value);
    }
    println!(
        "{:<64} {:>10}",
        format!("browser process lifecycle (median of {ROUNDS})"),
        "ms"
    );
    for (name, d) in rows {
        println!("{name:<64} {:>10.1}", d.as_secs_f64() * 1e3);
    }
    println!("{:<64} {ratio:>9.2}x", "cold / warm");
    if let Some(wry) = wry {
        println!(
            "{:<64} {wry:>10.1}",
            "wry peer: process spawned to its first page loaded"
        );
        println!("{:<64} {:>9.2}x", "cold / wry", rows[0].1.as_secs_f64() * 1e3 / wry);
    }
    if let Some(why) = peer_error {
        println!("(the wry peer: {why})");
    }
    Ok(value)
}
