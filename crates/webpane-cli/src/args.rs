//! The command line.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "webpane",
    version,
    about = "Web pages in a crash-isolated browser process, scriptable over JSON lines."
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Subcommand, Debug)]
pub(crate) enum Command {
    /// Host a page and bridge its web messages to stdin/stdout as JSON lines.
    ///
    /// Messages the page posts with chrome.webview.postMessage(value) are printed to stdout, one
    /// JSON document per line. Each JSON line read from stdin is posted to the page as a web
    /// message (event.data in its 'message' listener); lines that are not JSON are reported on
    /// stderr and skipped. The page ends the run with chrome.webview.postMessage({exit: CODE}).
    ///
    /// Exit codes: the page's CODE; 0 also when stdout's reader went away (`| head -1`) or the
    /// window was closed; 2 usage or start-up error (a folder, a javascript: URL, a window id
    /// that does not exist); 3 the browser process failed or disconnected the run; 4 the page's
    /// render process failed; 5 the page did not load (an empty file, a refused address).
    /// Lines on stdin that are not UTF-8 or not JSON are reported on stderr and skipped.
    Run(RunArgs),
    /// Load a page headless and write a PNG of it.
    ///
    /// Waits for the page to load (and paint), then captures the visible area (--size).
    /// Exit codes: 0 written; 2 usage or start-up error; 5 the page did not load.
    Screenshot(OutputArgs),
    /// Load a page headless and print it to a PDF file (no dialog).
    ///
    /// Exit codes: 0 written; 2 usage or start-up error; 5 the page did not load.
    Pdf(OutputArgs),
    /// Check what webpane needs: the runtime binary and its web process extension, WebKitGTK,
    /// the display, the sandbox tools, and the user data folder's state (a runtime running on
    /// it? a stale lock or socket?). The first thing to run when something is wrong.
    ///
    /// Exit codes: 0 all needed parts work; 1 something needed is missing (the report says what).
    Doctor(DoctorArgs),
    /// Run the benchmark suite, side by side in one run: physical floors (memcpy, memfd first
    /// touch, socket round trips), browser process start-up (cold and warm) and exit, web
    /// message round trips and bursts, bulk data app ⇄ page per path (shared buffer,
    /// postMessage, custom-scheme fetch, execute_script) from 1 KiB to 256 MiB, the cost of
    /// posting a shared buffer (p50 and p95, 4 KiB to 1 GiB), offscreen frames, and memory (PSS
    /// of every process with 1 and 8 webviews). The same workloads run on wry + tao (the peer)
    /// round by round, with webpane / wry ratios. Tables of medians and ratios on stdout, the
    /// same as JSON in a file. Takes a few minutes; progress on stderr.
    Bench(BenchArgs),
}

#[derive(clap::Args, Debug)]
pub(crate) struct BenchArgs {
    /// Print the JSON document on stdout instead of the tables.
    #[arg(long)]
    pub(crate) json: bool,
    /// Smaller sizes only (bulk data stops at 16 MiB).
    #[arg(long)]
    pub(crate) quick: bool,
    /// Run only these parts (floors, lifecycle, messages, bulk, posts, assets, offscreen, memory,
    /// suspend); repeatable.
    #[arg(long, value_name = "PART")]
    pub(crate) only: Vec<String>,
    /// The in-process webview to compare with, run the same way round by round: `wry` (wry +
    /// tao; the `webpane-bench-wry` program next to this one, or `$WEBPANE_BENCH_PEER`) or
    /// `none`.
    #[arg(long, value_name = "PEER", default_value = "wry", value_parser = ["wry", "none"])]
    pub(crate) peer: String,
    /// Where to write the JSON document.
    #[arg(long, value_name = "FILE", default_value = "webpane-bench.json")]
    pub(crate) out: PathBuf,
}

#[derive(clap::Args, Debug)]
pub(crate) struct OutputArgs {
    /// A file path or a URL.
    pub(crate) page: String,
    /// Where to write the output.
    pub(crate) out: PathBuf,
    /// Viewport size, WIDTHxHEIGHT.
    #[arg(long, default_value = "1024x768", value_parser = parse_size)]
    pub(crate) size: (u32, u32),
    /// The user data folder. Default: $XDG_DATA_HOME/webpane/webpane.
    #[arg(long, value_name = "DIR")]
    pub(crate) user_data_folder: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) policy: crate::policy::PolicyArgs,
}

#[derive(clap::Args, Debug)]
pub(crate) struct DoctorArgs {
    /// The user data folder to inspect. Default: $XDG_DATA_HOME/webpane/webpane.
    #[arg(long, value_name = "DIR")]
    pub(crate) user_data_folder: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
pub(crate) struct RunArgs {
    /// A file path or a URL (http:, https:, file:, data:, ...).
    pub(crate) page: String,
    /// Show no window (the default when there is no DISPLAY).
    #[arg(long, conflicts_with_all = ["window", "parent"])]
    pub(crate) headless: bool,
    /// Show the page in a window of the browser process (the default when DISPLAY is set).
    #[arg(long, conflicts_with = "parent")]
    pub(crate) window: bool,
    /// Embed the page into this X11 window (decimal or 0x-hex id) of any program; it fills
    /// --size from the window's top-left corner. The run ends (exit 0) if the window goes away.
    #[arg(long, value_name = "XID", value_parser = parse_xid)]
    pub(crate) parent: Option<u64>,
    /// The user data folder (cookies, storage, the shared browser process). Default:
    /// $XDG_DATA_HOME/webpane/webpane.
    #[arg(long, value_name = "DIR")]
    pub(crate) user_data_folder: Option<PathBuf>,
    /// Window or viewport size, WIDTHxHEIGHT.
    #[arg(long, default_value = "1024x768", value_parser = parse_size)]
    pub(crate) size: (u32, u32),
    /// Window title (with --window).
    #[arg(long, default_value = "webpane")]
    pub(crate) title: String,
    /// Share FILE's bytes with the page as a read-write shared buffer (no copy into the page):
    /// chrome.webview.addEventListener('sharedbufferreceived', e => e.getBuffer()), with
    /// e.additionalData = {name, path, access}. The page's writes are saved to FILE when it
    /// releases the buffer (chrome.webview.releaseBuffer) and when the run ends; only the 64 KiB
    /// chunks the page changed are written, the rest of FILE is left alone. Regular files of
    /// up to 1 GiB only. Repeatable.
    #[arg(long, value_name = "FILE")]
    pub(crate) share: Vec<PathBuf>,
    /// Share FILE's bytes with the page read-only (the kernel refuses the page's writes: a write
    /// ends the run with exit code 4). Repeatable.
    #[arg(long, value_name = "FILE")]
    pub(crate) share_read_only: Vec<PathBuf>,
    #[command(flatten)]
    pub(crate) policy: crate::policy::PolicyArgs,
}

pub(crate) fn parse_xid(s: &str) -> Result<u64, String> {
    let parsed = match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => s.parse(),
    };
    parsed.map_err(|_| format!("{s:?} is not an X11 window id"))
}

pub(crate) fn parse_size(s: &str) -> Result<(u32, u32), String> {
    let (w, h) = s.split_once('x').ok_or("expected WIDTHxHEIGHT, such as 800x600")?;
    let w = w.parse().map_err(|_| format!("bad width {w:?}"))?;
    let h = h.parse().map_err(|_| format!("bad height {h:?}"))?;
    if w == 0 || h == 0 {
        return Err("width and height must be positive".into());
    }
    Ok((w, h))
}
