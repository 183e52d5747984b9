//! Physical floors of this machine, side by side in one run: what any webpane path is measured
//! against (memcpy, first touch of fresh memory, memfd set-up, socket round trips).

use std::hint::black_box;
use std::os::fd::AsFd;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_bytes::ByteBuf;
use webpane_ipc::{Connection, FdRef, Outgoing, SharedMemory};

use crate::setup::{BenchError, Result};

const MIB: usize = 1 << 20;

struct Row {
    name: &'static str,
    median: Duration,
    p95: Duration,
    bytes: usize,
    runs: usize,
}

fn measure(name: &'static str, runs: usize, bytes: usize, mut f: impl FnMut() -> Result<()>) -> Result<Row> {
    f()?; // warm-up
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f().map(|()| t.elapsed())
        })
        .collect::<Result<_>>()?;
    times.sort();
    Ok(Row {
        name,
        median: times[times.len() / 2],
        p95: times[(times.len() * 95 / 100).min(times.len() - 1)],
        bytes,
        runs,
    })
}

/// Times `batch` operations at a time and reports the per-operation figure.
fn measure_each(
    name: &'static str,
    runs: usize,
    batch: usize,
    bytes: usize,
    mut f: impl FnMut() -> Result<()>,
) -> Result<Row> {
    let mut row = measure(name, runs, bytes * batch, || (0..batch).try_for_each(|_| f()))?;
    row.median /= batch as u32;
    row.p95 /= batch as u32;
    row.bytes = bytes;
    Ok(row)
}

fn echo_peer(conn: Connection) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        while let Ok(mut got) = conn.recv::<(u8, Option<FdRef>, ByteBuf)>() {
            // Drop any fd (closing it) and answer with the bare bytes.
            if let Some(r) = got.message.1 {
                drop(got.fds.take_shared_memory(r));
            }
            if conn
                .send(&(got.message.0, None::<FdRef>, got.message.2), Outgoing::new())
                .is_err()
            {
                break;
            }
        }
    })
}

/// Runs the floors; prints the table unless `opts.json`; returns the JSON.
pub fn run(opts: &crate::setup::Options) -> crate::setup::Result<serde_json::Value> {
    let json_only = opts.json;
    let mut rows = Vec::new();

    let src = vec![7u8; 64 * MIB];
    let mut dst = vec![0u8; 64 * MIB];
    rows.push(measure("memcpy 64 MiB (warm)", 20, 64 * MIB, || {
        dst.copy_from_slice(black_box(&src));
        black_box(&dst);
        Ok(())
    })?);
    rows.push(measure("first touch, fresh anonymous 64 MiB", 10, 64 * MIB, || {
        let mut v = memmap2::MmapMut::map_anon(64 * MIB)?;
        for i in (0..v.len()).step_by(4096) {
            v[i] = 1;
        }
        black_box(&v);
        Ok(())
    })?);
    rows.push(measure("first touch, fresh memfd 64 MiB", 10, 64 * MIB, || {
        let region = SharedMemory::create(64 * MIB)?;
        let map = region.map()?;
        let bytes = map.atomic_bytes();
        for i in (0..bytes.len()).step_by(4096) {
            bytes[i].store(1, std::sync::atomic::Ordering::Relaxed);
        }
        Ok(())
    })?);
    rows.push(measure_each("memfd create+seal+map+unmap 4 KiB", 20, 100, 0, || {
        let region = SharedMemory::create(4096)?;
        black_box(region.map()?);
        Ok(())
    })?);
    rows.push(measure_each("memfd create+seal+map+unmap 64 MiB", 20, 100, 0, || {
        let region = SharedMemory::create(64 * MIB)?;
        black_box(region.map()?);
        Ok(())
    })?);

    // Ping-pong between two threads over a SEQPACKET pair.
    let (a, b) = Connection::pair()?;
    let peer = echo_peer(b);
    let small = ByteBuf::from(vec![1u8; 64]);
    rows.push(measure_each("SEQPACKET ping-pong 64 B", 20, 200, 64, || {
        a.send(&(0u8, None::<FdRef>, &small), Outgoing::new())?;
        black_box(a.recv::<(u8, Option<FdRef>, ByteBuf)>()?);
        Ok(())
    })?);
    let region = SharedMemory::create(4096)?;
    rows.push(measure_each("SEQPACKET ping-pong 64 B + 1 fd", 20, 200, 64, || {
        let mut out = Outgoing::new();
        let r = out.shared_memory(&region);
        a.send(&(0u8, Some(r), &small), out)?;
        black_box(a.recv::<(u8, Option<FdRef>, ByteBuf)>()?);
        Ok(())
    })?);
    drop(a);
    peer.join()
        .map_err(|_| BenchError::Failed("the echo thread panicked".into()))?;

    // One-way stream throughput: a sender thread, the receiver here.
    for (name, size) in [("stream 64 KiB messages", 64 * 1024), ("stream 1 MiB messages", MIB)] {
        let (a, b) = Connection::pair()?;
        let a = Arc::new(a);
        let count = (256 * MIB / size).max(1);
        let payload = ByteBuf::from(vec![3u8; size]);
        rows.push(measure(name, 5, count * size, || {
            let sender = {
                let a = a.clone();
                let payload = payload.clone();
                std::thread::spawn(move || -> Result<()> {
                    for _ in 0..count {
                        a.send(&payload, Outgoing::new())?;
                    }
                    Ok(())
                })
            };
            for _ in 0..count {
                black_box(b.recv::<ByteBuf>()?);
            }
            sender
                .join()
                .map_err(|_| BenchError::Failed("the sending thread panicked".into()))?
        })?);
    }
    let _ = region.as_fd();

    let find = |name: &str| {
        rows.iter()
            .find(|r| r.name == name)
            .map(|r| r.median.as_secs_f64())
            .unwrap_or(f64::NAN)
    };
    let ratios = [
        (
            "memfd first touch / anonymous first touch",
            find("first touch, fresh memfd 64 MiB") / find("first touch, fresh anonymous 64 MiB"),
        ),
        (
            "memfd first touch / memcpy",
            find("first touch, fresh memfd 64 MiB") / find("memcpy 64 MiB (warm)"),
        ),
        (
            "ping-pong with fd / without",
            find("SEQPACKET ping-pong 64 B + 1 fd") / find("SEQPACKET ping-pong 64 B"),
        ),
        ("stream 1 MiB / memcpy (same bytes)", {
            let per_byte = |name: &str| {
                rows.iter()
                    .find(|r| r.name == name)
                    .map_or(f64::NAN, |r| r.median.as_secs_f64() / r.bytes as f64)
            };
            per_byte("stream 1 MiB messages") / per_byte("memcpy 64 MiB (warm)")
        }),
    ];

    let json = {
        let rows_json: Vec<String> = rows
            .iter()
            .map(|r| {
                format!(
                    "{{\"name\":\"{}\",\"median_ns\":{},\"p95_ns\":{},\"bytes\":{},\"runs\":{},\"gib_per_s\":{:.3}}}",
                    r.name,
                    r.median.as_nanos(),
                    r.p95.as_nanos(),
                    r.bytes,
                    r.runs,
                    gib_s(r)
                )
            })
            .collect();
        let ratios_json: Vec<String> = ratios
            .iter()
            .map(|(n, v)| format!("{{\"name\":\"{n}\",\"ratio\":{v:.3}}}"))
            .collect();
        format!(
            "{{\"floors\":[{}],\"ratios\":[{}]}}\n",
            rows_json.join(","),
            ratios_json.join(",")
        )
    };
    let value: serde_json::Value = serde_json::from_str(&json).unwrap_or_default();
    if json_only {
        return Ok(value);
    }
    println!(
        "{:<40} {:>12} {:>12} {:>10}",
        "physical floor", "median", "p95", "GiB/s"
    );
    for r in &rows {
        let rate = if r.bytes == 0 {
            "-".to_string()
        } else {
            format!("{:.2}", gib_s(r))
        };
        println!("{:<40} {:>12} {:>12} {:>10}", r.name, fmt(r.median), fmt(r.p95), rate);
    }
    println!();
    for (name, v) in ratios {
        println!("{name:<48} {v:>8.2}x");
    }
    Ok(value)
}

fn gib_s(r: &Row) -> f64 {
    r.bytes as f64 / r.median.as_secs_f64() / (1u64 << 30) as f64
}

fn fmt(d: Duration) -> String {
    let ns = d.as_nanos();
    if ns < 10_000 {
        format!("{ns} ns")
    } else if ns < 10_000_000 {
        format!("{:.1} µs", ns as f64 / 1e3)
    } else {
        format!("{:.2} ms", ns as f64 / 1e6)
    }
}
