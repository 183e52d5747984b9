//! Bulk data on the wry peer, with the suite's bulk page: its paths (base64 through
//! `evaluate_script` and IPC, its custom protocol both ways, a script's result) at 1, 64 and
//! 256 MiB, beside webpane's same paths and its shared buffer.

/// One of webpane's bulk timings: direction, path, bytes, seconds.
pub type Row<'a> = (&'a str, &'a str, usize, f64);

const MIB: usize = 1024 * 1024;

/// The peer's paths: its JSON key, the direction, and webpane's path doing the same job.
const PATHS: [(&str, &str, &str); 5] = [
    ("base64_to_page_ms", "host → page", "postMessage base64"),
    ("fetch_to_page_ms", "host → page", "custom-scheme fetch"),
    ("base64_from_page_ms", "page → host", "postMessage base64"),
    ("fetch_from_page_ms", "page → host", "custom-scheme fetch"),
    ("script_from_page_ms", "page → host", "execute_script literal"),
];

/// Runs the peer's bulk paths; prints them beside webpane's (unless `json`); the JSON.
pub fn run(opts: &crate::setup::Options, page: &str, ours: &[Row<'_>]) -> Option<serde_json::Value> {
    let program = crate::peer::program(opts)?;
    let sizes: Vec<usize> = if opts.quick {
        vec![MIB, 16 * MIB]
    } else {
        vec![MIB, 64 * MIB, 256 * MIB]
    };
    let list = sizes.iter().map(usize::to_string).collect::<Vec<_>>().join(",");
    let wry = match crate::peer::run(&program, &["bulk", page, &list, "3"]) {
        Ok(wry) => wry,
        Err(why) => {
            if !opts.json {
                println!("(the wry peer: {why})");
            }
            return Some(serde_json::json!({ "peer_error": why }));
        }
    };
    let find = |dir: &str, path: &str, size: usize| {
        ours.iter()
            .find(|r| r.0 == dir && r.1 == path && r.2 == size)
            .map(|r| r.3 * 1e3)
    };
    let mut compared = Vec::new();
    for row in wry.as_array().into_iter().flatten() {
        let size = row["size"].as_u64().unwrap_or(0) as usize;
        for (key, dir, path) in PATHS {
            let Some(theirs) = row[key].as_f64() else { continue };
            compared.push(serde_json::json!({
                "direction": dir, "path": path, "bytes": size, "wry_ms": theirs,
                "webpane_ms": find(dir, path, size),
                "webpane_shared_buffer_ms": find(dir, "shared buffer", size),
            }));
        }
    }
    if !opts.json {
        println!();
        println!(
            "{:<12} {:<24} {:>8} {:>11} {:>13} {:>15} {:>12}",
            "wry peer", "path", "size", "wry", "webpane same", "webpane shared", "shared/wry"
        );
        for c in &compared {
            let ms = |v: &serde_json::Value| v.as_f64().map_or("—".to_owned(), |v| format!("{v:.2} ms"));
            let ratio = match (c["webpane_shared_buffer_ms"].as_f64(), c["wry_ms"].as_f64()) {
                (Some(ours), Some(theirs)) => format!("{:.3}", ours / theirs),
                _ => "—".into(),
            };
            let bytes = c["bytes"].as_u64().unwrap_or(0) as usize;
            println!(
                "{:<12} {:<24} {:>8} {:>11} {:>13} {:>15} {:>12}",
                c["direction"].as_str().unwrap_or(""),
                c["path"].as_str().unwrap_or(""),
                format!("{} MiB", bytes / MIB),
                ms(&c["wry_ms"]),
                ms(&c["webpane_ms"]),
                ms(&c["webpane_shared_buffer_ms"]),
                ratio
            );
        }
    }
    Some(serde_json::Value::Array(compared))
}
