//! Hidden views: what a render process costs while its page runs visible, runs hidden, runs
//! with `MemoryUsageTargetLevel::Low`, and is suspended (`TrySuspend`). The page keeps a timer
//! busy (a few ms of arithmetic every 10 ms) and has touched then let go of 256 MiB; CPU is the
//! process's time on a CPU (every thread, `/proc/PID/task/*/schedstat`) over a 2 s window, memory
//! its resident set and PSS at the end of the window.

use std::time::{Duration, Instant};

use webpane::{EventLoop, MemoryUsageTargetLevel, ProcessKind, WebViewOptions};

const PAGE: &str = "<title>busy</title><script>\
    setInterval(() => { let x = 0; for (let i = 0; i < 200000; i++) x += Math.sqrt(i); window.x = x; }, 10);\
    window.junk = []; for (let i = 0; i < 64; i++) { const b = new Uint8Array(4 << 20); b.fill(1); window.junk.push(b); }\
    window.junk = null; chrome.webview.postMessage('ready');</script>";

/// How long each state is watched.
const WINDOW: Duration = Duration::from_secs(2);

/// Nanoseconds every thread of `pid` has run.
fn cpu_ns(pid: u32) -> u64 {
    std::fs::read_dir(format!("/proc/{pid}/task"))
        .map(|tasks| {
            tasks
                .filter_map(|t| {
                    let text = std::fs::read_to_string(t.ok()?.path().join("schedstat")).ok()?;
                    text.split_whitespace().next()?.parse::<u64>().ok()
                })
                .sum()
        })
        .unwrap_or(0)
}

struct Row {
    state: &'static str,
    cpu_percent: f64,
    rss_kib: u64,
    pss_kib: u64,
}

fn watch(event_loop: &EventLoop, pid: u32, state: &'static str) -> crate::setup::Result<Row> {
    let (start, cpu) = (Instant::now(), cpu_ns(pid));
    while start.elapsed() < WINDOW {
        event_loop.dispatch(Some(Duration::from_millis(20)))?;
    }
    let ran = cpu_ns(pid).saturating_sub(cpu) as f64;
    Ok(Row {
        state,
        cpu_percent: ran / start.elapsed().as_nanos() as f64 * 100.0,
        rss_kib: crate::memory::proc_kib(&format!("/proc/{pid}/status"), "VmRSS:"),
        pss_kib: crate::memory::pss_kib(pid),
    })
}

/// Runs the measurement; prints the table unless `opts.json`; returns the JSON.
pub fn run(opts: &crate::setup::Options) -> crate::setup::Result<serde_json::Value> {
    let event_loop = EventLoop::new()?;
    let dir = tempfile::tempdir()?;
    let env = crate::setup::environment(&event_loop, dir.path(), |b| b)?;
    let webview = event_loop.block_on(env.create_webview(WebViewOptions::default()))??;
    let ready = std::rc::Rc::new(std::cell::Cell::new(false));
    let r = ready.clone();
    webview.on_web_message_received(move |_, _| r.set(true));
    webview.navigate_to_string(PAGE)?;
    crate::setup::wait_for(&event_loop, "the busy page", || ready.get())?;
    let pid = env
        .process_infos()
        .into_iter()
        .find(|p| p.kind == ProcessKind::Renderer)
        .map(|p| p.process_id)
        .ok_or(crate::setup::BenchError::Failed("no render process".into()))?;
    let mut rows = vec![watch(&event_loop, pid, "visible, running")?];
    webview.set_visible(false)?;
    rows.push(watch(&event_loop, pid, "hidden, running")?);
    webview.set_memory_usage_target_level(MemoryUsageTargetLevel::Low)?;
    rows.push(watch(&event_loop, pid, "hidden, memory target Low")?);
    webview.set_memory_usage_target_level(MemoryUsageTargetLevel::Normal)?;
    let suspended = event_loop.block_on(webview.try_suspend())??;
    if !suspended {
        return Err(crate::setup::BenchError::Failed("the view did not suspend".into()));
    }
    rows.push(watch(&event_loop, pid, "hidden, suspended")?);
    webview.resume()?;
    rows.push(watch(&event_loop, pid, "hidden, resumed")?);
    let json: Vec<serde_json::Value> = rows
        .iter()
        .map(|r| {
            serde_json::json!({"state": r.state, "cpu_percent": r.cpu_percent, "rss_kib": r.rss_kib, "pss_kib": r.pss_kib})
        })
        .collect();
    let hidden = &rows[1];
    let ratio = |a: f64, b: f64| if b > 0.0 { a / b } else { 0.0 };
    let value = serde_json::json!({
        "states": json,
        "suspended_cpu_over_hidden": ratio(rows[3].cpu_percent, hidden.cpu_percent),
        "low_rss_over_hidden": ratio(rows[2].rss_kib as f64, hidden.rss_kib as f64),
        "suspended_rss_over_hidden": ratio(rows[3].rss_kib as f64, hidden.rss_kib as f64),
    });
    if !opts.json {
        println!(
            "{:<32} {:>8} {:>10} {:>10}",
            "render process", "CPU %", "RSS MiB", "PSS MiB"
        );
        for r in &rows {
            println!(
                "{:<32} {:>8.1} {:>10.1} {:>10.1}",
                r.state,
                r.cpu_percent,
                r.rss_kib as f64 / 1024.0,
                r.pss_kib as f64 / 1024.0
            );
        }
        println!(
            "suspended / hidden: CPU {:.3}, RSS {:.2}; Low / hidden: RSS {:.2}",
            value["suspended_cpu_over_hidden"].as_f64().unwrap_or(0.0),
            value["suspended_rss_over_hidden"].as_f64().unwrap_or(0.0),
            value["low_rss_over_hidden"].as_f64().unwrap_or(0.0)
        );
    }
    Ok(value)
}
