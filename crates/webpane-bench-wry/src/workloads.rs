//! The workloads, each measured here in the peer's own process and returned as JSON.

use std::time::{Duration, Instant};

use base64::Engine as _;

use crate::peer::{Peer, sum};

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// The median in milliseconds (`null` when the path was not run).
fn median_ms(mut v: Vec<Duration>) -> serde_json::Value {
    v.sort();
    v.get(v.len() / 2).map_or(serde_json::Value::Null, |d| ms(*d).into())
}

/// Start to the first page loaded, in a process that had no webview yet.
pub fn start() -> Result<serde_json::Value, String> {
    let t = Instant::now();
    let mut peer = Peer::new();
    peer.add_view("<h1>first page</h1>")?;
    peer.wait_until("the first load", |p| p.loads() >= 1)?;
    Ok(serde_json::json!({ "first_load_ms": ms(t.elapsed()) }))
}

/// Small round trips, then a burst each way, with the suite's message page.
pub fn messages(script: &str, round_trips: usize, burst: usize) -> Result<serde_json::Value, String> {
    let mut peer = Peer::new();
    peer.add_view(script)?;
    peer.next()?; // 'ready'
    let mut rtt = Vec::with_capacity(round_trips);
    for i in 0..round_trips {
        let t = Instant::now();
        peer.send(0, &format!("{{\"ping\":{i}}}"))?;
        peer.next()?;
        rtt.push(t.elapsed());
    }
    rtt.sort();
    let (p50, p95) = (rtt[rtt.len() / 2], rtt[rtt.len() * 95 / 100]);

    let t = Instant::now();
    peer.send(0, &format!("{{\"burst\":{burst}}}"))?;
    peer.wait_until("the whole burst", |p| p.inbox.borrow().len() >= burst)?;
    let page_to_app = t.elapsed();
    let in_order = peer
        .inbox
        .borrow()
        .iter()
        .enumerate()
        .all(|(i, (_, m))| *m == i.to_string());
    if !in_order {
        return Err("the burst arrived out of order".into());
    }
    peer.inbox.borrow_mut().clear();

    let t = Instant::now();
    for i in 0..burst {
        peer.send(0, &format!("{{\"count\":{i},\"last\":{}}}", burst - 1))?;
    }
    peer.next()?;
    let app_to_page = t.elapsed();
    Ok(serde_json::json!({
        "round_trip_p50_us": p50.as_secs_f64() * 1e6,
        "round_trip_p95_us": p95.as_secs_f64() * 1e6,
        "burst_page_to_app_ms": ms(page_to_app),
        "burst_app_to_page_ms": ms(app_to_page),
    }))
}

/// What the page's `produce(n)` makes.
fn produced(n: usize) -> Vec<u8> {
    (0..n / 4)
        .flat_map(|i| ((i as u32).wrapping_mul(2654435761)).to_le_bytes())
        .collect()
}

fn checked(peer: &Peer, expected: u32) -> Result<(), String> {
    let got: serde_json::Value = serde_json::from_str(&peer.next()?).map_err(|e| e.to_string())?;
    if got["sum"] != expected {
        return Err(format!("the page's checksum is wrong: {got}"));
    }
    Ok(())
}

/// Bulk data each way by wry's paths (base64 through script and IPC, the custom scheme, a
/// script's result), with the suite's bulk page; medians of `reps` per size.
pub fn bulk(script: &str, sizes: &[usize], reps: usize) -> Result<serde_json::Value, String> {
    let mut peer = Peer::new();
    peer.add_view(script)?;
    peer.next()?; // ready
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut rows = Vec::new();
    for &size in sizes {
        let data = produced(size);
        let expected = sum(&data);
        let (mut to_b64, mut to_fetch, mut from_b64, mut from_fetch, mut from_script) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        // Base64 and script results stop where webpane's do (its 64 MiB message limit).
        let text_paths = size.div_ceil(3) * 4 < 64 * 1024 * 1024 - 4096;
        for _ in 0..reps.max(1) {
            *peer.serve.lock().unwrap() = data.clone();
            let t = Instant::now();
            peer.send(0, &format!("{{\"fetch\":{size}}}"))?;
            checked(&peer, expected)?;
            to_fetch.push(t.elapsed());

            let t = Instant::now();
            peer.send(0, &format!("{{\"upload\":{size}}}"))?;
            peer.next()?;
            let uploaded = peer.uploaded.lock().unwrap().take();
            if uploaded != Some((size, expected)) {
                return Err(format!("the upload did not arrive whole: {uploaded:?} of {size}"));
            }
            from_fetch.push(t.elapsed());
            if !text_paths {
                continue;
            }

            let t = Instant::now();
            let text = b64.encode(&data);
            peer.send(0, &serde_json::to_string(&text).map_err(|e| e.to_string())?)?;
            checked(&peer, expected)?;
            to_b64.push(t.elapsed());

            let t = Instant::now();
            peer.send(0, &format!("{{\"produceBase64\":{size}}}"))?;
            let json = peer.next()?;
            let text: String = serde_json::from_str(&json).map_err(|e| e.to_string())?;
            let bytes = b64.decode(text).map_err(|e| e.to_string())?;
            if sum(&bytes) != expected {
                return Err("base64 from the page: wrong checksum".into());
            }
            from_b64.push(t.elapsed());

            let t = Instant::now();
            let json = peer.script(0, &format!("toBase64(produce({size}))"))?;
            let text: String = serde_json::from_str(&json).map_err(|e| e.to_string())?;
            let bytes = b64.decode(text).map_err(|e| e.to_string())?;
            if sum(&bytes) != expected {
                return Err("a script's result: wrong checksum".into());
            }
            from_script.push(t.elapsed());
        }
        rows.push(serde_json::json!({
            "size": size,
            "base64_to_page_ms": median_ms(to_b64),
            "fetch_to_page_ms": median_ms(to_fetch),
            "base64_from_page_ms": median_ms(from_b64),
            "fetch_from_page_ms": median_ms(from_fetch),
            "script_from_page_ms": median_ms(from_script),
        }));
    }
    Ok(serde_json::Value::Array(rows))
}

/// `views` views with the page; once each has posted, says so and stays until stdin closes (the
/// suite measures the processes then).
pub fn hold(script: &str, views: usize) -> Result<serde_json::Value, String> {
    use std::io::{Read, Write};
    let mut peer = Peer::new();
    for _ in 0..views.max(1) {
        peer.add_view(script)?;
    }
    peer.wait_until("every page's message", |p| p.inbox.borrow().len() >= views.max(1))?;
    // Let the processes settle (lazy allocations after the first paint), as webpane's do.
    let until = Instant::now() + Duration::from_millis(700);
    peer.wait_until("the pages to settle", |_| Instant::now() >= until)?;
    println!("{}", serde_json::json!({ "ready": true }));
    let _ = std::io::stdout().flush();
    let mut rest = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut rest);
    Ok(serde_json::json!({ "done": true }))
}
