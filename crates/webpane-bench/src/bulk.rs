//! Bulk data app ⇄ page, per path, side by side in one run (issue 5's benchmark):
//!
//! - host → page: time from "the app has the bytes" until the page has checksummed every byte;
//! - page → host: time from the app's request until the app has checksummed every byte the page
//!   produced (producing them costs the same on every path);
//!
//! for a shared buffer, postMessage of a base64 string, a custom-scheme `fetch()`, and
//! `execute_script` with an inline (base64) literal; 1 KiB to 256 MiB. MB/s, and the ratio of
//! each path to the shared buffer and to a plain memcpy of the same size in this run. Then the
//! cost of posting a shared buffer alone (call, and until the page's listener ran) at 1 MiB,
//! 64 MiB and 1 GiB: it must not grow with the size.
//!
//! `--quick` stops at 16 MiB.

use std::cell::RefCell;
use std::io::Read;
use std::rc::Rc;
use std::time::{Duration, Instant};

use crate::setup::{BenchError, Result};

use base64::Engine as _;
use webpane::{
    CustomSchemeRegistration, Environment, EventLoop, SharedBuffer, SharedBufferAccess, WebResourceResponse, WebView,
    WebViewOptions,
};

const KIB: usize = 1024;
const MIB: usize = 1024 * 1024;
/// Web messages and script results are capped (webpane-ipc's MAX_MESSAGE_SIZE, 64 MiB): base64
/// paths stop below it.
const BASE64_CAP: usize = webpane_ipc::MAX_MESSAGE_SIZE - 4096;
/// A path whose last size took longer than this is not run at larger sizes.
const TOO_SLOW: Duration = Duration::from_secs(15);

const PAGE: &str = r#"<script>
const sum = (bytes) => {
  const words = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >>> 2);
  let s = 0;
  for (let i = 0; i < words.length; i++) s = (s + words[i]) >>> 0;
  return s;
};
const fill = (bytes) => {
  const words = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >>> 2);
  for (let i = 0; i < words.length; i++) words[i] = Math.imul(i, 2654435761) >>> 0;
  return bytes;
};
const produce = (n) => fill(new Uint8Array(n));
const fromBase64 = (s) => Uint8Array.fromBase64 ? Uint8Array.fromBase64(s)
  : Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
const toBase64 = (b) => b.toBase64 ? b.toBase64() : btoa(String.fromCharCode.apply(null, b));
let shared = null;
chrome.webview.addEventListener('sharedbufferreceived', (e) => {
  const buffer = e.getBuffer();
  const mode = e.additionalData.mode;
  if (mode === 'read') { chrome.webview.postMessage({ sum: sum(new Uint8Array(buffer)) }); chrome.webview.releaseBuffer(buffer); }
  else if (mode === 'keep') { shared = buffer; chrome.webview.postMessage({ kept: true }); }
  else chrome.webview.releaseBuffer(buffer);
});
chrome.webview.addEventListener('message', async (e) => {
  const d = e.data;
  if (typeof d === 'string') { chrome.webview.postMessage({ sum: sum(fromBase64(d)) }); return; }
  if (d.fetch) { const r = await fetch('bench://data/' + d.fetch); chrome.webview.postMessage({ sum: sum(new Uint8Array(await r.arrayBuffer())) }); return; }
  if (d.produceShared) { fill(new Uint8Array(shared, 0, d.produceShared)); chrome.webview.postMessage({ produced: true }); return; }
  if (d.produceBase64) { chrome.webview.postMessage(toBase64(produce(d.produceBase64))); return; }
  if (d.upload) { await fetch('bench://upload', { method: 'POST', body: produce(d.upload) }); chrome.webview.postMessage({ uploaded: true }); return; }
  if (d.release) { chrome.webview.releaseBuffer(shared); shared = null; chrome.webview.postMessage({ released: true }); }
});
chrome.webview.postMessage({ ready: true });
</script>"#;

/// The checksum both sides compute: the wrapping sum of little-endian u32 words.
fn sum(bytes: &[u8]) -> u32 {
    bytes.chunks_exact(4).fold(0u32, |s, w| {
        s.wrapping_add(u32::from_le_bytes([w[0], w[1], w[2], w[3]]))
    })
}

/// What the page's `produce(n)` makes.
fn produced(n: usize) -> Vec<u8> {
    (0..n / 4)
        .flat_map(|i| ((i as u32).wrapping_mul(2654435761)).to_le_bytes())
        .collect()
}

struct Bench {
    event_loop: EventLoop,
    webview: WebView,
    inbox: Rc<RefCell<Vec<serde_json::Value>>>,
    /// What the scheme handler serves, and what it last received (its checksum).
    serve: Rc<RefCell<Vec<u8>>>,
    uploaded: Rc<RefCell<Option<(usize, u32)>>>,
    _env: Environment,
    _dir: tempfile::TempDir,
}

impl Bench {
    fn next(&self) -> Result<serde_json::Value> {
        crate::setup::wait_for(&self.event_loop, "the page's answer", || {
            !self.inbox.borrow().is_empty()
        })?;
        Ok(self.inbox.borrow_mut().remove(0))
    }

    fn send(&self, json: serde_json::Value) -> Result<()> {
        self.webview.post_web_message_as_json(&json.to_string())?;
        Ok(())
    }

    fn checked(&self, expected: u32) -> Result<()> {
        let got = self.next()?;
        same(&got["sum"], &serde_json::json!(expected), "the page's checksum")
    }

    fn shared_to_page(&self, data: &[u8]) -> Result<Duration> {
        let buffer = SharedBuffer::new(data.len())?;
        buffer.write_at(0, data)?; // the app's data lives in the buffer already
        let t = Instant::now();
        self.webview
            .post_shared_buffer_to_script(&buffer, SharedBufferAccess::ReadOnly, Some(r#"{"mode":"read"}"#))?;
        self.checked(sum(data))?;
        Ok(t.elapsed())
    }

    fn base64_to_page(&self, data: &[u8]) -> Result<Duration> {
        let t = Instant::now();
        let text = base64::engine::general_purpose::STANDARD.encode(data);
        self.webview.post_web_message_as_string(&text)?;
        self.checked(sum(data))?;
        Ok(t.elapsed())
    }

    fn fetch_to_page(&self, data: &[u8]) -> Result<Duration> {
        self.serve.replace(data.to_vec());
        let t = Instant::now();
        self.send(serde_json::json!({ "fetch": data.len() }))?;
        self.checked(sum(data))?;
        Ok(t.elapsed())
    }

    fn script_to_page(&self, data: &[u8]) -> Result<Duration> {
        let t = Instant::now();
        let text = base64::engine::general_purpose::STANDARD.encode(data);
        let script = format!("sum(fromBase64(\"{text}\"))");
        let result = self.event_loop.block_on(self.webview.execute_script(&script))??;
        same(&result, &sum(data).to_string(), "the script's checksum")?;
        Ok(t.elapsed())
    }

    fn shared_from_page(&self, n: usize, expected: u32) -> Result<Duration> {
        let buffer = SharedBuffer::new(n)?;
        self.webview.post_shared_buffer_to_script(
            &buffer,
            SharedBufferAccess::ReadWrite,
            Some(r#"{"mode":"keep"}"#),
        )?;
        same(&self.next()?["kept"], &serde_json::json!(true), "kept")?;
        let t = Instant::now();
        self.send(serde_json::json!({ "produceShared": n }))?;
        same(&self.next()?["produced"], &serde_json::json!(true), "produced")?;
        let mut bytes = vec![0u8; n];
        buffer.read_at(0, &mut bytes)?;
        same(&sum(&bytes), &expected, "the checksum of what came back")?;
        let elapsed = t.elapsed();
        self.send(serde_json::json!({ "release": true }))?;
        same(&self.next()?["released"], &serde_json::json!(true), "released")?;
        Ok(elapsed)
    }

    fn base64_from_page(&self, n: usize, expected: u32) -> Result<Duration> {
        let t = Instant::now();
        self.send(serde_json::json!({ "produceBase64": n }))?;
        let text = self.next()?;
        let text = text
            .as_str()
            .ok_or_else(|| BenchError::Failed(format!("not base64 text: {text}")))?;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text)
            .map_err(|e| BenchError::Failed(format!("the page's base64: {e}")))?;
        same(&sum(&bytes), &expected, "the checksum of what came back")?;
        Ok(t.elapsed())
    }

    fn fetch_from_page(&self, n: usize, expected: u32) -> Result<Duration> {
        let t = Instant::now();
        self.send(serde_json::json!({ "upload": n }))?;
        same(&self.next()?["uploaded"], &serde_json::json!(true), "uploaded")?;
        let (len, got) = self
            .uploaded
            .take()
            .ok_or_else(|| BenchError::Failed("the upload did not reach the app".into()))?;
        same(&(len, got), &(n, expected), "the upload's length and checksum")?;
        Ok(t.elapsed())
    }

    fn script_from_page(&self, n: usize, expected: u32) -> Result<Duration> {
        let t = Instant::now();
        let script = format!("toBase64(produce({n}))");
        let json = self.event_loop.block_on(self.webview.execute_script(&script))??;
        let text: String =
            serde_json::from_str(&json).map_err(|e| BenchError::Failed(format!("the script's result: {e}")))?;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text)
            .map_err(|e| BenchError::Failed(format!("the script's base64: {e}")))?;
        same(&sum(&bytes), &expected, "the checksum of what came back")?;
        Ok(t.elapsed())
    }
}

fn setup() -> Result<Bench> {
    let event_loop = EventLoop::new()?;
    let dir = tempfile::tempdir()?;
    let env = crate::setup::environment(&event_loop, dir.path(), |b| {
        b.custom_scheme(CustomSchemeRegistration::new("bench"))
    })?;
    let webview = event_loop.block_on(env.create_webview(WebViewOptions::headless(400, 300)))??;
    let inbox: Rc<RefCell<Vec<serde_json::Value>>> = Rc::default();
    let i = inbox.clone();
    webview.on_web_message_received(move |_, m| {
        // The page sends JSON objects; anything else is kept as a string.
        let json = m.web_message_as_json();
        let value = serde_json::from_str(json).unwrap_or_else(|_| serde_json::Value::String(json.to_owned()));
        i.borrow_mut().push(value)
    });
    webview.add_web_resource_requested_filter("bench://*")?;
    let serve: Rc<RefCell<Vec<u8>>> = Rc::default();
    let uploaded: Rc<RefCell<Option<(usize, u32)>>> = Rc::default();
    let (s, u) = (serve.clone(), uploaded.clone());
    webview.on_web_resource_requested(move |_, args| {
        let request = args.request();
        let response = if request.uri() == "bench://host/" {
            WebResourceResponse::new(webpane::http::StatusCode::OK)
                .with_header("Content-Type", "text/html")
                .with_body(PAGE)
        } else if request.method() == webpane::http::Method::POST {
            let mut bytes = Vec::new();
            if let Some(mut body) = request.take_body()
                && let Err(e) = body.read_to_end(&mut bytes)
            {
                eprintln!("webpane bench: reading an upload: {e}");
            }
            u.replace(Some((bytes.len(), sum(&bytes))));
            Ok(WebResourceResponse::new(webpane::http::StatusCode::NO_CONTENT))
        } else {
            WebResourceResponse::new(webpane::http::StatusCode::OK)
                .with_header("Content-Type", "application/octet-stream")
                .with_body(s.borrow().as_slice())
        };
        // A failure here leaves the page waiting: the part then times out, saying what.
        if let Err(e) = response.and_then(|r| args.set_response(r)) {
            eprintln!("webpane bench: answering {}: {e}", request.uri());
        }
    });
    webview.navigate("bench://host/")?;
    let bench = Bench {
        event_loop,
        webview,
        inbox,
        serve,
        uploaded,
        _env: env,
        _dir: dir,
    };
    same(&bench.next()?["ready"], &serde_json::json!(true), "the page's ready")?;
    Ok(bench)
}

/// `got` is `want`, or the part fails saying what differs.
fn same<T: PartialEq + std::fmt::Debug>(got: &T, want: &T, what: &str) -> Result<()> {
    if got == want {
        Ok(())
    } else {
        Err(BenchError::Failed(format!("{what}: {got:?}, not {want:?}")))
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn reps(size: usize) -> usize {
    if size <= MIB {
        5
    } else if size <= 16 * MIB {
        3
    } else {
        1
    }
}

fn memcpy(size: usize) -> Duration {
    let src = vec![7u8; size];
    let mut dst = vec![0u8; size];
    dst.copy_from_slice(&src); // touch both first
    let times = (0..reps(size).max(3))
        .map(|_| {
            let t = Instant::now();
            dst.copy_from_slice(std::hint::black_box(&src));
            std::hint::black_box(&dst);
            t.elapsed()
        })
        .collect();
    median(times)
}

fn human(size: usize) -> String {
    if size >= MIB {
        format!("{} MiB", size / MIB)
    } else {
        format!("{} KiB", size / KIB)
    }
}

/// Runs the shared buffer post costs (`posts` part) on the bulk page; prints the table unless
/// `opts.json`; returns the JSON.
pub fn posts(opts: &crate::setup::Options) -> crate::setup::Result<serde_json::Value> {
    let bench = setup()?;
    let costs = crate::posts::measure(&bench.event_loop, &bench.webview, opts.quick)?;
    if !opts.json {
        crate::posts::print(&costs);
    }
    Ok(crate::posts::to_json(&costs))
}

/// Runs the bulk timings; prints the table unless `opts.json`; returns the JSON.
pub fn run(opts: &crate::setup::Options) -> crate::setup::Result<serde_json::Value> {
    let json = opts.json;
    let quick = opts.quick;
    let mut sizes = vec![KIB, 64 * KIB, MIB, 16 * MIB, 64 * MIB, 256 * MIB];
    if quick {
        sizes.retain(|&s| s <= 16 * MIB);
    }
    let bench = setup()?;
    type ToPage = fn(&Bench, &[u8]) -> Result<Duration>;
    type FromPage = fn(&Bench, usize, u32) -> Result<Duration>;
    let to_page: [(&str, ToPage); 4] = [
        ("shared buffer", Bench::shared_to_page),
        ("postMessage base64", Bench::base64_to_page),
        ("custom-scheme fetch", Bench::fetch_to_page),
        ("execute_script literal", Bench::script_to_page),
    ];
    let from_page: [(&str, FromPage); 4] = [
        ("shared buffer", Bench::shared_from_page),
        ("postMessage base64", Bench::base64_from_page),
        ("custom-scheme fetch", Bench::fetch_from_page),
        ("execute_script literal", Bench::script_from_page),
    ];
    // (direction, path, size, seconds)
    let mut rows: Vec<(&str, &str, usize, f64)> = Vec::new();
    let mut memcpys = Vec::new();
    for &size in &sizes {
        memcpys.push((size, memcpy(size).as_secs_f64()));
    }
    let mut slow = std::collections::HashSet::new();
    for &size in &sizes {
        let data = produced(size);
        let expected = sum(&data);
        let over_cap = size.div_ceil(3) * 4 > BASE64_CAP;
        for (name, f) in to_page {
            if slow.contains(&("host → page", name))
                || (over_cap && name != "shared buffer" && name != "custom-scheme fetch")
            {
                continue;
            }
            let t = median((0..reps(size)).map(|_| f(&bench, &data)).collect::<Result<_>>()?);
            if t > TOO_SLOW {
                slow.insert(("host → page", name));
            }
            rows.push(("host → page", name, size, t.as_secs_f64()));
        }
        for (name, f) in from_page {
            if slow.contains(&("page → host", name))
                || (over_cap && name != "shared buffer" && name != "custom-scheme fetch")
            {
                continue;
            }
            let t = median(
                (0..reps(size))
                    .map(|_| f(&bench, size, expected))
                    .collect::<Result<_>>()?,
            );
            if t > TOO_SLOW {
                slow.insert(("page → host", name));
            }
            rows.push(("page → host", name, size, t.as_secs_f64()));
        }
    }

    let shared_time = |dir: &str, size: usize| {
        rows.iter()
            .find(|r| r.0 == dir && r.1 == "shared buffer" && r.2 == size)
            .map(|r| r.3)
    };
    let memcpy_time = |size: usize| memcpys.iter().find(|m| m.0 == size).map(|m| m.1).unwrap_or(f64::NAN);
    let mut value = {
        let rows: Vec<serde_json::Value> = rows
            .iter()
            .map(|&(dir, path, size, secs)| {
                serde_json::json!({
                    "direction": dir, "path": path, "bytes": size, "ms": secs * 1e3,
                    "mb_per_s": size as f64 / secs / 1e6,
                    "vs_shared_buffer": shared_time(dir, size).map(|s| secs / s),
                    "vs_memcpy": secs / memcpy_time(size),
                })
            })
            .collect();
        let memcpys: Vec<serde_json::Value> = memcpys
            .iter()
            .map(|&(size, secs)| serde_json::json!({"bytes": size, "ms": secs * 1e3}))
            .collect();
        serde_json::json!({ "bulk": rows, "memcpy": memcpys })
    };
    if json {
        if let Some(wry) = crate::bulk_peer::run(opts, PAGE, &rows) {
            value["wry"] = wry;
        }
        return Ok(value);
    }
    println!(
        "{:<12} {:<24} {:>8} {:>11} {:>10} {:>12} {:>10}",
        "direction", "path", "size", "time", "MB/s", "× shared", "× memcpy"
    );
    for &(dir, path, size, secs) in &rows {
        let vs_shared = shared_time(dir, size).map_or("-".into(), |s| format!("{:.1}", secs / s));
        println!(
            "{:<12} {:<24} {:>8} {:>8.2} ms {:>10.0} {:>12} {:>10.0}",
            dir,
            path,
            human(size),
            secs * 1e3,
            size as f64 / secs / 1e6,
            vs_shared,
            secs / memcpy_time(size)
        );
    }
    for (size, secs) in &memcpys {
        println!(
            "{:<12} {:<24} {:>8} {:>8.2} ms {:>10.0}",
            "in app",
            "memcpy",
            human(*size),
            secs * 1e3,
            *size as f64 / secs / 1e6
        );
    }
    println!(
        "(base64 paths stop below the {} MiB message limit: {} MiB of data)",
        webpane_ipc::MAX_MESSAGE_SIZE >> 20,
        BASE64_CAP * 3 / 4 / MIB
    );
    println!();
    if let Some(wry) = crate::bulk_peer::run(opts, PAGE, &rows) {
        value["wry"] = wry;
    }
    Ok(value)
}
