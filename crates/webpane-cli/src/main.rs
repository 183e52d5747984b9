//! `webpane`: host a web page in a webpane webview from the command line.
//!
//! `webpane run page.html` shows a page and bridges its web messages to the terminal: every
//! `chrome.webview.postMessage(value)` from the page is printed to stdout as one JSON line, and
//! every JSON line on stdin is posted to the page (`chrome.webview.addEventListener('message',
//! e => e.data)`). The page ends the run with `chrome.webview.postMessage({exit: code})`.
//! That makes a web UI scriptable from any language.

#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};

mod doctor;
mod run;
mod share;

use run::run;
use webpane::{Environment, EventLoop, WebViewOptions};

/// Exit code: bad arguments, missing page, or the browser could not start.
pub(crate) const EXIT_USAGE: u8 = 2;
/// Exit code: the browser process failed.
pub(crate) const EXIT_BROWSER_FAILED: u8 = 3;
/// Exit code: the page's render process failed.
pub(crate) const EXIT_RENDERER_FAILED: u8 = 4;
/// Exit code: the page did not load.
pub(crate) const EXIT_LOAD_FAILED: u8 = 5;

#[derive(Parser, Debug)]
#[command(
    name = "webpane",
    version,
    about = "Web pages in a crash-isolated browser process, scriptable over JSON lines."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
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
    /// postMessage, custom-scheme fetch, execute_script) from 1 KiB to 256 MiB, and memory
    /// (PSS of every process with 1 and 8 webviews). Tables of medians and ratios on stdout,
    /// the same as JSON in a file. Takes a few minutes; progress on stderr.
    Bench(BenchArgs),
}

#[derive(clap::Args, Debug)]
struct BenchArgs {
    /// Print the JSON document on stdout instead of the tables.
    #[arg(long)]
    json: bool,
    /// Smaller sizes only (bulk data stops at 16 MiB).
    #[arg(long)]
    quick: bool,
    /// Run only these parts (floors, lifecycle, messages, bulk, memory); repeatable.
    #[arg(long, value_name = "PART")]
    only: Vec<String>,
    /// Where to write the JSON document.
    #[arg(long, value_name = "FILE", default_value = "webpane-bench.json")]
    out: PathBuf,
}

#[derive(clap::Args, Debug)]
struct OutputArgs {
    /// A file path or a URL.
    page: String,
    /// Where to write the output.
    out: PathBuf,
    /// Viewport size, WIDTHxHEIGHT.
    #[arg(long, default_value = "1024x768", value_parser = parse_size)]
    size: (u32, u32),
    /// The user data folder. Default: $XDG_DATA_HOME/webpane/webpane.
    #[arg(long, value_name = "DIR")]
    user_data_folder: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
struct DoctorArgs {
    /// The user data folder to inspect. Default: $XDG_DATA_HOME/webpane/webpane.
    #[arg(long, value_name = "DIR")]
    user_data_folder: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
pub(crate) struct RunArgs {
    /// A file path or a URL (http:, https:, file:, data:, ...).
    page: String,
    /// Show no window (the default when there is no DISPLAY).
    #[arg(long, conflicts_with_all = ["window", "parent"])]
    headless: bool,
    /// Show the page in a window of the browser process (the default when DISPLAY is set).
    #[arg(long, conflicts_with = "parent")]
    window: bool,
    /// Embed the page into this X11 window (decimal or 0x-hex id) of any program; it fills
    /// --size from the window's top-left corner. The run ends (exit 0) if the window goes away.
    #[arg(long, value_name = "XID", value_parser = parse_xid)]
    parent: Option<u64>,
    /// The user data folder (cookies, storage, the shared browser process). Default:
    /// $XDG_DATA_HOME/webpane/webpane.
    #[arg(long, value_name = "DIR")]
    user_data_folder: Option<PathBuf>,
    /// Window or viewport size, WIDTHxHEIGHT.
    #[arg(long, default_value = "1024x768", value_parser = parse_size)]
    size: (u32, u32),
    /// Window title (with --window).
    #[arg(long, default_value = "webpane")]
    title: String,
    /// Share FILE's bytes with the page as a read-write shared buffer (no copy into the page):
    /// chrome.webview.addEventListener('sharedbufferreceived', e => e.getBuffer()), with
    /// e.additionalData = {name, path, access}. The page's writes are saved to FILE when it
    /// releases the buffer (chrome.webview.releaseBuffer) and when the run ends; only the 64 KiB
    /// chunks the page changed are written, the rest of FILE is left alone. Regular files of
    /// up to 1 GiB only. Repeatable.
    #[arg(long, value_name = "FILE")]
    share: Vec<PathBuf>,
    /// Share FILE's bytes with the page read-only (the kernel refuses the page's writes: a write
    /// ends the run with exit code 4). Repeatable.
    #[arg(long, value_name = "FILE")]
    share_read_only: Vec<PathBuf>,
}

fn parse_xid(s: &str) -> Result<u64, String> {
    let parsed = match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => s.parse(),
    };
    parsed.map_err(|_| format!("{s:?} is not an X11 window id"))
}

fn parse_size(s: &str) -> Result<(u32, u32), String> {
    let (w, h) = s.split_once('x').ok_or("expected WIDTHxHEIGHT, such as 800x600")?;
    let w = w.parse().map_err(|_| format!("bad width {w:?}"))?;
    let h = h.parse().map_err(|_| format!("bad height {h:?}"))?;
    if w == 0 || h == 0 {
        return Err("width and height must be positive".into());
    }
    Ok((w, h))
}

/// A URL as given, or a file path made into a file: URL.
pub(crate) fn page_uri(page: &str) -> Result<String, String> {
    if let Ok(url) = url::Url::parse(page) {
        if url.scheme().len() > 1 {
            return Ok(url.into());
        }
    }
    let path = std::fs::canonicalize(page).map_err(|e| format!("cannot open {page}: {e}"))?;
    url::Url::from_file_path(&path)
        .map(String::from)
        .map_err(|()| format!("cannot make a URL of {}", path.display()))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Run(args) => run(args),
        Command::Screenshot(args) => output(args, Output::Png),
        Command::Pdf(args) => output(args, Output::Pdf),
        Command::Doctor(args) => doctor::run(args.user_data_folder),
        Command::Bench(args) => bench(args),
    }
}

fn bench(args: BenchArgs) -> ExitCode {
    if let Some(unknown) = args
        .only
        .iter()
        .find(|o| !webpane_bench::PARTS.iter().any(|p| p.contains(o.as_str())))
    {
        return fail(
            EXIT_USAGE,
            format!(
                "no benchmark part {unknown:?}; parts: {}",
                webpane_bench::PARTS.join(", ")
            ),
        );
    }
    let options = webpane_bench::Options {
        json: args.json,
        quick: args.quick,
        only: args.only,
    };
    let report = webpane_bench::run(&options);
    let text = serde_json::to_string_pretty(&report).unwrap_or_default();
    if args.json {
        println!("{text}");
    }
    match std::fs::write(&args.out, &text) {
        Ok(()) => {
            eprintln!("webpane bench: JSON written to {}", args.out.display());
            ExitCode::SUCCESS
        }
        Err(e) => fail(EXIT_USAGE, format!("cannot write {}: {e}", args.out.display())),
    }
}

enum Output {
    Png,
    Pdf,
}

/// An event loop, an environment on the folder (default if `None`) and one webview; a clear
/// message and exit code 2 when any of it fails.
pub(crate) fn open_webview(
    folder: Option<&std::path::Path>,
    options: WebViewOptions,
) -> Result<(EventLoop, Environment, webpane::WebView), ExitCode> {
    let event_loop = EventLoop::new().map_err(|e| fail(EXIT_USAGE, e))?;
    let mut builder = Environment::builder();
    if let Some(folder) = folder {
        builder = builder.user_data_folder(folder);
    }
    let env = match event_loop.block_on(builder.build(&event_loop)) {
        Ok(Ok(env)) => env,
        Ok(Err(e)) | Err(e) => return Err(fail(EXIT_USAGE, format!("cannot start the browser process: {e}"))),
    };
    let webview = match event_loop.block_on(env.create_webview(options)) {
        Ok(Ok(v)) => v,
        Ok(Err(e)) | Err(e) => return Err(fail(EXIT_USAGE, format!("cannot create the webview: {e}"))),
    };
    Ok((event_loop, env, webview))
}

/// Progress on stderr (for anything that may take more than a second).
fn progress(message: &str) {
    eprintln!("webpane: {message}");
}

fn output(args: OutputArgs, what: Output) -> ExitCode {
    let uri = match page_uri(&args.page) {
        Ok(uri) => uri,
        Err(e) => return fail(EXIT_USAGE, e),
    };
    progress("starting the browser process");
    let (w, h) = args.size;
    let (event_loop, _env, webview) =
        match open_webview(args.user_data_folder.as_deref(), WebViewOptions::headless(w, h)) {
            Ok(opened) => opened,
            Err(code) => return code,
        };
    let loaded: std::rc::Rc<std::cell::Cell<Option<Result<(), String>>>> = Default::default();
    {
        let loaded = loaded.clone();
        webview.on_navigation_completed(move |_, done| {
            let result = if done.is_success() {
                Ok(())
            } else {
                Err(done.web_error().map(|e| e.message.clone()).unwrap_or_default())
            };
            loaded.set(Some(result));
        });
    }
    progress(&format!("loading {uri}"));
    if let Err(e) = webview.navigate(&uri) {
        return fail(EXIT_USAGE, e);
    }
    let outcome = loop {
        if let Some(outcome) = loaded.take() {
            break outcome;
        }
        if let Err(e) = event_loop.dispatch(Some(Duration::from_millis(100))) {
            return fail(EXIT_USAGE, e);
        }
    };
    if let Err(why) = outcome {
        return fail(EXIT_LOAD_FAILED, format!("the page did not load: {why}"));
    }
    // Let the page paint its first frames.
    let settle = std::time::Instant::now() + Duration::from_millis(300);
    while std::time::Instant::now() < settle {
        let _ = event_loop.dispatch(Some(Duration::from_millis(50)));
    }
    let written = match what {
        Output::Png => event_loop
            .block_on(webview.capture_preview(webpane::ImageFormat::Png))
            .and_then(|r| r)
            .and_then(|png| std::fs::write(&args.out, png).map_err(Into::into)),
        Output::Pdf => {
            let out = match std::path::absolute(&args.out) {
                Ok(p) => p,
                Err(e) => return fail(EXIT_USAGE, format!("{}: {e}", args.out.display())),
            };
            event_loop.block_on(webview.print_to_pdf(&out)).and_then(|r| r)
        }
    };
    let _ = webview.close();
    match written {
        Ok(()) => {
            progress(&format!("wrote {}", args.out.display()));
            ExitCode::SUCCESS
        }
        Err(e) => fail(EXIT_USAGE, format!("cannot write {}: {e}", args.out.display())),
    }
}

pub(crate) fn fail(code: u8, message: impl std::fmt::Display) -> ExitCode {
    eprintln!("webpane: {message}");
    ExitCode::from(code)
}
