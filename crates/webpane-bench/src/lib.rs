//! webpane's benchmark suite: `webpane bench` and `cargo xtask bench` run it.
//!
//! Everything is measured side by side in one run (the machine may be shared and noisy: compare
//! paths within a run, not across runs): physical floors, browser process lifecycle, web
//! messages, bulk data per path, app assets per path, offscreen hosting, memory, and hidden views
//! (suspended, and with a low memory target). Each part prints a table of medians and ratios, and
//! the whole run is also one JSON document.
//!
//! Timing is hand-written rather than done with criterion: the point is one table of ratios
//! across paths measured in the same run, plus JSON; criterion reports each benchmark alone.

#![forbid(unsafe_code)]

mod assets;
mod bulk;
mod bulk_peer;
mod floors;
mod lifecycle;
mod memory;
mod messages;
mod offscreen;
mod peer;
mod posts;
mod setup;
mod suspend;

pub use setup::{BenchError, Options};

/// The parts of the suite, in the order they run (memory first: the app's own memory is
/// measured in a process that has done nothing else yet, as the peer's is).
pub const PARTS: &[&str] = &[
    "memory",
    "floors",
    "lifecycle",
    "messages",
    "bulk",
    "posts",
    "assets",
    "offscreen",
    "suspend",
];

/// Runs the suite; prints tables (unless `json`) and returns the JSON document.
pub fn run(opts: &Options) -> serde_json::Value {
    let mut report = serde_json::Map::new();
    for part in PARTS {
        if !opts.only.is_empty() && !opts.only.iter().any(|o| part.contains(o.as_str())) {
            continue;
        }
        // Progress on stderr: the whole suite takes minutes.
        eprintln!("webpane bench: running {part}");
        if !opts.json {
            println!("\n== {part} ==");
        }
        let value = match *part {
            "floors" => floors::run(opts),
            "lifecycle" => lifecycle::run(opts),
            "messages" => messages::run(opts),
            "bulk" => bulk::run(opts),
            "posts" => bulk::posts(opts),
            "assets" => assets::run(opts),
            "offscreen" => offscreen::run(opts),
            "suspend" => suspend::run(opts),
            _ => memory::run(opts),
        };
        // A part that cannot run says why; the others still run.
        let value = value.unwrap_or_else(|e| {
            eprintln!("webpane bench: {part} could not run: {e}");
            serde_json::json!({ "error": e.to_string() })
        });
        report.insert(part.to_string(), value);
    }
    serde_json::Value::Object(report)
}
