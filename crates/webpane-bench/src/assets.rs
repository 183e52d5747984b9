//! App assets per path, side by side in one run: the same files fetched by the same page code
//! from a virtual host (`https://assets.example`, served by the runtime's proxy from a folder,
//! over TLS), from a custom scheme (`bench://`, answered by the app with the file, read by
//! the browser process), and from an intercepted https host (`https://api.example`, answered by
//! the app through `WebResourceRequested` and the proxy). Per request (1 KiB file: 40 batches of 20 sequential fetches, each
//! batch's mean; p50 and p95 over the batches — the page's clock ticks in milliseconds) and bulk
//! (64 MiB, median of 5; 16 MiB with `--quick`), timed in the page (`performance.now()` around
//! `fetch` + `arrayBuffer()`); ratios of each https path to the custom scheme.

use std::cell::RefCell;
use std::rc::Rc;

use webpane::{CustomSchemeRegistration, EventLoop, HostResourceAccessKind, WebResourceResponse, WebViewOptions};

use crate::setup::{BenchError, Result};

const PAGE: &str = r#"<script>
chrome.webview.addEventListener('message', async (e) => {
  // Timed in batches: the page's clock ticks in whole milliseconds.
  const { url, batches, per } = e.data;
  const times = [];
  let bytes = 0;
  for (let b = 0; b < batches; b++) {
    const start = performance.now();
    for (let i = 0; i < per; i++) {
      const body = await (await fetch(url + '?' + b + '-' + i)).arrayBuffer();
      bytes = body.byteLength;
    }
    times.push((performance.now() - start) / per);
  }
  chrome.webview.postMessage({ times, bytes });
});
chrome.webview.postMessage({ ready: true });
</script>"#;

struct Path {
    name: &'static str,
    page: &'static str,
}

const PATHS: [Path; 3] = [
    Path {
        name: "virtual host (https, proxy)",
        page: "https://assets.example/index.html",
    },
    Path {
        name: "custom scheme (app answers)",
        page: "bench://assets/index.html",
    },
    Path {
        name: "intercepted https (app answers)",
        page: "https://api.example/index.html",
    },
];

fn wait(event_loop: &EventLoop, inbox: &Rc<RefCell<Vec<serde_json::Value>>>) -> Result<serde_json::Value> {
    crate::setup::wait_for(event_loop, "the page's answer", || !inbox.borrow().is_empty())?;
    Ok(inbox.borrow_mut().remove(0))
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[at.min(sorted.len() - 1)]
}

/// Runs the comparison; prints a table unless `json`.
pub fn run(opts: &crate::setup::Options) -> crate::setup::Result<serde_json::Value> {
    let event_loop = EventLoop::new()?;
    let dir = tempfile::tempdir()?;
    let site = tempfile::tempdir()?;
    let big = if opts.quick { 16 << 20 } else { 64 << 20 };
    std::fs::write(site.path().join("index.html"), PAGE)?;
    std::fs::write(site.path().join("small.bin"), vec![1u8; 1024])?;
    std::fs::write(site.path().join("big.bin"), vec![2u8; big])?;
    let env = crate::setup::environment(&event_loop, dir.path(), |b| {
        b.custom_scheme(CustomSchemeRegistration::new("bench"))
    })?;
    let webview = event_loop.block_on(env.create_webview(WebViewOptions::headless(400, 300)))??;
    event_loop.block_on(webview.set_virtual_host_name_to_folder_mapping(
        "assets.example",
        site.path(),
        HostResourceAccessKind::Deny,
    ))??;
    webview.add_web_resource_requested_filter("bench://*")?;
    webview.add_web_resource_requested_filter("https://api.example/*")?;
    let folder = site.path().to_owned();
    webview.on_web_resource_requested(move |_, args| {
        let uri = args.request().uri().to_owned();
        let name = uri
            .trim_start_matches("bench://assets/")
            .trim_start_matches("https://api.example/")
            .split('?')
            .next()
            .unwrap_or("")
            .to_owned();
        let response = match std::fs::File::open(folder.join(&name)) {
            Ok(file) => WebResourceResponse::new(webpane::http::StatusCode::OK)
                .with_header(
                    "Content-Type",
                    if name.ends_with(".html") {
                        "text/html"
                    } else {
                        "application/octet-stream"
                    },
                )
                .with_file(file),
            Err(_) => Ok(WebResourceResponse::new(webpane::http::StatusCode::NOT_FOUND)),
        };
        // A failure here leaves the page waiting: the part then times out, saying what.
        if let Err(e) = response.and_then(|r| args.set_response(r)) {
            eprintln!("webpane bench: answering {uri}: {e}");
        }
    });
    let inbox: Rc<RefCell<Vec<serde_json::Value>>> = Rc::default();
    let i = inbox.clone();
    webview.on_web_message_received(move |_, m| {
        let json = m.web_message_as_json();
        let value = serde_json::from_str(json).unwrap_or_else(|_| serde_json::Value::String(json.to_owned()));
        i.borrow_mut().push(value)
    });
    let mut results = Vec::new();
    for path in PATHS {
        webview.navigate(path.page)?;
        if wait(&event_loop, &inbox)?["ready"] != true {
            return Err(BenchError::Failed(format!("the {} page did not get ready", path.name)));
        }
        let base = path.page.trim_end_matches("index.html");
        let timed = |file: &str, batches: usize, per: usize| {
            webview.post_web_message(
                &serde_json::json!({ "url": format!("{base}{file}"), "batches": batches, "per": per }),
            )?;
            let answer = wait(&event_loop, &inbox)?;
            let mut times: Vec<f64> = answer["times"]
                .as_array()
                .ok_or_else(|| BenchError::Failed(format!("no times in {answer}")))?
                .iter()
                .filter_map(|t| t.as_f64())
                .collect();
            times.sort_by(f64::total_cmp);
            Ok::<_, BenchError>((times, answer["bytes"].as_u64().unwrap_or(0)))
        };
        timed("small.bin", 2, 10)?; // warm-up: connections, caches
        let (small, small_bytes) = timed("small.bin", 40, 20)?;
        let (bulk, bulk_bytes) = timed("big.bin", 5, 1)?;
        if (small_bytes, bulk_bytes) != (1024, big as u64) {
            return Err(BenchError::Failed(format!(
                "{}: {small_bytes} and {bulk_bytes} bytes, not whole files",
                path.name
            )));
        }
        results.push((path.name, small, bulk));
    }
    let mut json = serde_json::Map::new();
    let mb = big as f64 / (1 << 20) as f64;
    if !opts.json {
        println!("path | 1 KiB per request, p50 ms | p95 ms | {mb:.0} MiB median ms | MB/s");
    }
    for (name, small, bulk) in &results {
        let (p50, p95, bulk_ms) = (percentile(small, 0.5), percentile(small, 0.95), percentile(bulk, 0.5));
        if !opts.json {
            println!(
                "{name} | {p50:.3} | {p95:.3} | {bulk_ms:.0} | {:.0}",
                big as f64 / 1e6 / (bulk_ms / 1e3)
            );
        }
        json.insert(
            (*name).to_owned(),
            serde_json::json!({ "small_p50_ms": p50, "small_p95_ms": p95, "bulk_median_ms": bulk_ms, "bulk_bytes": big }),
        );
    }
    let mut ratios = serde_json::Map::new();
    for (index, key) in [(0, "virtual_host"), (2, "intercepted")] {
        let ratio =
            |f: fn(&[f64], &[f64]) -> f64| f(&results[index].1, &results[index].2) / f(&results[1].1, &results[1].2);
        let small_ratio = ratio(|s, _| percentile(s, 0.5));
        let small_p95_ratio = ratio(|s, _| percentile(s, 0.95));
        let bulk_ratio = ratio(|_, b| percentile(b, 0.5));
        if !opts.json {
            println!(
                "{} / custom scheme: 1 KiB p50 {small_ratio:.2}x, p95 {small_p95_ratio:.2}x, {mb:.0} MiB {bulk_ratio:.2}x",
                results[index].0
            );
        }
        ratios.insert(
            key.into(),
            serde_json::json!({ "small_p50": small_ratio, "small_p95": small_p95_ratio, "bulk": bulk_ratio }),
        );
    }
    json.insert("ratios".into(), serde_json::Value::Object(ratios));
    Ok(serde_json::Value::Object(json))
}
