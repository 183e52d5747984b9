//! What posting a shared buffer costs, alone: from the call to the page's listener having run
//! (WebView2's delivery), p50 and p95 of many posts per size, read-write and read-only. The
//! page releases each buffer at once.

use std::time::{Duration, Instant};

use webpane::{EventLoop, SharedBuffer, SharedBufferAccess, WebView};

const KIB: usize = 1024;
const MIB: usize = 1024 * 1024;
/// Posts per size and access (the p95 of fewer says little).
const POSTS: usize = 40;
/// Posts of each size and access before those counted.
const FIRST: usize = 3;

/// One size and access: the call's and the delivery's p50 and p95, in seconds.
pub struct PostCost {
    pub bytes: usize,
    pub read_only: bool,
    pub call: (f64, f64),
    pub delivered: (f64, f64),
    /// The first post of this size and access (it may make the document's holder for the size).
    pub first: f64,
}

fn percentiles(mut v: Vec<Duration>) -> (f64, f64) {
    v.sort();
    (v[v.len() / 2].as_secs_f64(), v[v.len() * 95 / 100].as_secs_f64())
}

/// Posts buffers of every size to `webview`'s page (whose listener releases them at once).
pub fn measure(event_loop: &EventLoop, webview: &WebView, quick: bool) -> crate::setup::Result<Vec<PostCost>> {
    let mut sizes = vec![4 * KIB, 64 * KIB, MIB, 16 * MIB, 64 * MIB, 256 * MIB, 1024 * MIB];
    if quick {
        sizes.retain(|&s| s <= 16 * MIB);
    }
    // Warm-up, not counted: the first posts of a document make its holders and compile the
    // listener.
    let warm = SharedBuffer::new(4 * KIB)?;
    for _ in 0..50 {
        let posted =
            webview.post_shared_buffer_to_script(&warm, SharedBufferAccess::ReadWrite, Some(r#"{"mode":"drop"}"#))?;
        event_loop.block_on(posted.acknowledged())??;
    }
    let mut costs = Vec::new();
    for size in sizes {
        let buffer = SharedBuffer::new(size)?;
        for read_only in [false, true] {
            let access = if read_only {
                SharedBufferAccess::ReadOnly
            } else {
                SharedBufferAccess::ReadWrite
            };
            let (mut calls, mut delivered) = (Vec::new(), Vec::new());
            let mut first = None;
            // The first posts of a size are not counted (reported as `first`): the page makes
            // holders for a size it has not had yet (see the web process extension).
            for i in 0..POSTS + FIRST {
                let t = Instant::now();
                let posted = webview.post_shared_buffer_to_script(&buffer, access, Some(r#"{"mode":"drop"}"#))?;
                let call = t.elapsed();
                event_loop.block_on(posted.acknowledged())??;
                first.get_or_insert(t.elapsed());
                if i >= FIRST {
                    calls.push(call);
                    delivered.push(t.elapsed());
                }
            }
            costs.push(PostCost {
                bytes: size,
                read_only,
                call: percentiles(calls),
                delivered: percentiles(delivered),
                first: first.map_or(f64::NAN, |d| d.as_secs_f64()),
            });
        }
    }
    Ok(costs)
}

/// The costs as JSON.
pub fn to_json(costs: &[PostCost]) -> serde_json::Value {
    costs
        .iter()
        .map(|c| {
            serde_json::json!({
                "bytes": c.bytes, "read_only": c.read_only, "posts": POSTS,
                "call_p50_us": c.call.0 * 1e6, "call_p95_us": c.call.1 * 1e6,
                "delivered_p50_us": c.delivered.0 * 1e6, "delivered_p95_us": c.delivered.1 * 1e6,
                "first_delivered_us": c.first * 1e6,
            })
        })
        .collect()
}

/// Prints the costs as a table.
pub fn print(costs: &[PostCost]) {
    println!(
        "{:<34} {:>12} {:>12} {:>14} {:>14} {:>12}",
        format!("posting a shared buffer alone, {POSTS} each"),
        "call p50",
        "call p95",
        "delivered p50",
        "delivered p95",
        "first"
    );
    for c in costs {
        let size = if c.bytes >= MIB {
            format!("{} MiB", c.bytes / MIB)
        } else {
            format!("{} KiB", c.bytes / KIB)
        };
        let access = if c.read_only { "read-only" } else { "read-write" };
        println!(
            "{:<34} {:>9.0} µs {:>9.0} µs {:>11.0} µs {:>11.0} µs {:>9.0} µs",
            format!("{size} {access}"),
            c.call.0 * 1e6,
            c.call.1 * 1e6,
            c.delivered.0 * 1e6,
            c.delivered.1 * 1e6,
            c.first * 1e6
        );
    }
}
