//! The peer: the same workloads on wry + tao (an in-process WebKitGTK webview), run by the
//! `webpane-bench-wry` program once per workload and round, so that its rounds interleave with
//! webpane's in one run.
//!
//! The program is looked for in `$WEBPANE_BENCH_PEER`, then next to this one (`cargo xtask
//! bench` builds it there). Without it the suite runs alone and says so.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Longer than any one workload of the peer takes.
const PATIENCE: Duration = Duration::from_secs(300);

/// The peer program, if there is one to run.
pub fn program(opts: &crate::setup::Options) -> Option<PathBuf> {
    if !opts.peer {
        return None;
    }
    let path = std::env::var_os("WEBPANE_BENCH_PEER")
        .map(PathBuf::from)
        .or_else(|| Some(std::env::current_exe().ok()?.with_file_name("webpane-bench-wry")))?;
    if path.is_file() {
        Some(path)
    } else {
        eprintln!(
            "webpane bench: no wry peer at {} (build it: cargo build --release -p webpane-bench-wry)",
            path.display()
        );
        None
    }
}

/// Runs one workload of the peer; its JSON, or why not.
pub fn run(program: &std::path::Path, args: &[&str]) -> Result<serde_json::Value, String> {
    run_from_spawn(program, args).map(|(_, value)| value)
}

/// Starts the peer with `args`, its stdout piped (stdin too when `hold`: it stays until that
/// closes).
pub fn spawn(program: &std::path::Path, args: &[&str], hold: bool) -> Result<std::process::Child, String> {
    Command::new(program)
        .args(args)
        .stdin(if hold { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("{}: {e}", program.display()))
}

/// The first line `child` writes, or `None` after [`PATIENCE`]; when it came.
pub fn first_line(child: &mut std::process::Child) -> Option<(Instant, String)> {
    use std::io::BufRead;
    let stdout = child.stdout.take()?;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = std::io::BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send((Instant::now(), line));
    });
    rx.recv_timeout(PATIENCE).ok()
}

/// Runs one workload of the peer and times it from the spawn to its report (its first line):
/// a whole cold start, the process's own start-up (loading WebKit's libraries) included.
pub fn run_from_spawn(program: &std::path::Path, args: &[&str]) -> Result<(Duration, serde_json::Value), String> {
    let t = Instant::now();
    let mut child = spawn(program, args, false)?;
    let Some((at, line)) = first_line(&mut child) else {
        let _ = child.kill();
        let _ = child.wait();
        return Err(format!("the wry peer took longer than {PATIENCE:?}"));
    };
    let status = child.wait().map_err(|e| e.to_string())?;
    let value: serde_json::Value =
        serde_json::from_str(line.trim()).map_err(|e| format!("the wry peer said {line:?} ({e})"))?;
    match value.get("error") {
        Some(why) => Err(format!("the wry peer failed: {why}")),
        None if status.success() => Ok((at - t, value)),
        None => Err(format!("the wry peer exited with {status}")),
    }
}

/// The median of `values` (`NaN` when there are none).
pub fn median(mut values: Vec<f64>) -> f64 {
    values.retain(|v| v.is_finite());
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}
