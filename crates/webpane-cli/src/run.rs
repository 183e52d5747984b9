//! `webpane run`: host a page and bridge its web messages to stdin/stdout as JSON lines.
//!
//! Nothing a user, a pipe or a page does leaves the run hanging or silent:
//! - a line on stdin that is not UTF-8 (or not JSON) is reported on stderr and skipped; later
//!   lines still go through;
//! - when stdout's reader goes away (`| head -1`), the run ends with exit 0 (EPIPE is not an
//!   error of the page's);
//! - a page that is a folder, a `javascript:` URL or not there is a usage error (exit 2); an
//!   empty file, or an address the engine refuses to load (a restricted port such as 6000,
//!   which WebKit replaces by an empty page), is a page that did not load (exit 5);
//! - `--parent` with a window id that does not exist is a usage error (exit 2).

use std::cell::{Cell, RefCell};
use std::io::{BufRead, Write};
use std::process::ExitCode;
use std::rc::Rc;
use std::time::Duration;

use webpane::{CloseReason, ProcessFailedKind, SharedBufferAccess, WebViewOptions};

use crate::args::RunArgs;
use crate::exit::{EXIT_BROWSER_FAILED, EXIT_LOAD_FAILED, EXIT_RENDERER_FAILED, EXIT_USAGE, chain, fail};
use crate::page::open_webview;
use crate::share::Share;

/// What a page argument is, checked before anything starts.
fn checked_page(page: &str) -> Result<String, (u8, String)> {
    let lower = page.trim_start().to_ascii_lowercase();
    if lower.starts_with("javascript:") {
        return Err((
            EXIT_USAGE,
            format!("{page:?} is a javascript: URL, not a page: put the script in a page"),
        ));
    }
    let uri = crate::page::page_uri(page).map_err(|e| (EXIT_USAGE, e))?;
    if let Ok(url) = url::Url::parse(&uri)
        && url.scheme() == "file"
        && let Ok(path) = url.to_file_path()
    {
        match std::fs::metadata(&path) {
            Ok(m) if m.is_dir() => {
                return Err((EXIT_USAGE, format!("{} is a folder, not a page", path.display())));
            }
            Ok(m) if m.len() == 0 => {
                return Err((
                    EXIT_LOAD_FAILED,
                    format!("the page did not load: {} is empty", path.display()),
                ));
            }
            Ok(_) => {}
            Err(e) => return Err((EXIT_USAGE, format!("cannot open {}: {e}", path.display()))),
        }
    }
    Ok(uri)
}

/// Whether stdout's reader has gone away (a pipe whose other end closed).
fn stdout_closed() -> bool {
    use rustix::event::{PollFd, PollFlags, Timespec};
    let stdout = std::io::stdout();
    let mut fds = [PollFd::new(&stdout, PollFlags::OUT)];
    let zero = Timespec { tv_sec: 0, tv_nsec: 0 };
    matches!(rustix::event::poll(&mut fds, Some(&zero)), Ok(n) if n > 0)
        && fds[0].revents().intersects(PollFlags::ERR | PollFlags::HUP)
}

/// Reads stdin as lines of bytes on a helper thread and hands each UTF-8 one to the UI thread;
/// a line that is not UTF-8 is reported and skipped.
fn read_stdin(proxy: webpane::LoopProxy) -> std::sync::mpsc::Receiver<String> {
    let (lines_tx, lines_rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        let stdin = std::io::stdin();
        for (n, line) in stdin.lock().split(b'\n').enumerate() {
            let Ok(mut bytes) = line else { break };
            if bytes.last() == Some(&b'\r') {
                bytes.pop();
            }
            let line = match String::from_utf8(bytes) {
                Ok(line) => line,
                Err(e) => {
                    eprintln!(
                        "webpane: skipped line {} of stdin: not UTF-8 ({})",
                        n + 1,
                        e.utf8_error()
                    );
                    continue;
                }
            };
            let tx = lines_tx.clone();
            if proxy.post(move || drop(tx.send(line))).is_err() {
                break;
            }
        }
    });
    lines_rx
}

/// The shared files, and how many releases of the page's have been saved for.
struct Shares {
    all: RefCell<Vec<Share>>,
    released: Cell<u64>,
}

impl Shares {
    fn save_all(&self) {
        for share in self.all.borrow_mut().iter_mut() {
            share.save();
        }
    }

    /// Saves the page's writes if it let go of a buffer since the last look.
    fn save_if_released(&self, view: &webpane::WebView) {
        let now = view.shared_buffer_mappings().released;
        if self.released.replace(now) != now {
            self.save_all();
        }
    }
}

pub fn run(args: RunArgs) -> ExitCode {
    let uri = match checked_page(&args.page) {
        Ok(uri) => uri,
        Err((code, e)) => return fail(code, e),
    };
    let mut shares = Vec::new();
    for (paths, access) in [
        (&args.share, SharedBufferAccess::ReadWrite),
        (&args.share_read_only, SharedBufferAccess::ReadOnly),
    ] {
        for path in paths {
            match Share::open(path, access) {
                Ok(share) => shares.push(share),
                Err(e) => return fail(EXIT_USAGE, e),
            }
        }
    }
    let windowed = args.window || (!args.headless && std::env::var_os("DISPLAY").is_some());
    let (w, h) = args.size;
    let options = if let Some(parent) = args.parent {
        WebViewOptions::embedded(parent, 0, 0, w, h)
    } else if windowed {
        WebViewOptions::window(&args.title, w, h)
    } else {
        WebViewOptions::headless(w, h)
    };
    let (event_loop, _env, webview) = match open_webview(args.user_data_folder.as_deref(), options, &args.policy) {
        Ok(opened) => opened,
        Err(code) => return code,
    };
    if let Err(e) = args.policy.apply(&event_loop, &webview) {
        return fail(EXIT_USAGE, e);
    }

    // The outcome, set by handlers; the loop below ends when it is.
    let outcome: Rc<Cell<Option<ExitCode>>> = Default::default();
    let shares = Rc::new(Shares {
        all: RefCell::new(shares),
        released: Cell::new(0),
    });
    {
        let (outcome, shares) = (outcome.clone(), shares.clone());
        webview.on_web_message_received(move |view, message| {
            // A release the page made before this message is saved before the message is seen
            // (same order as the page's): whoever reads it may kill the run right after.
            shares.save_if_released(view);
            let json = message.web_message_as_json();
            if let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(json)
                && let (1, Some(code)) = (map.len(), map.get("exit").and_then(|c| c.as_i64()))
            {
                outcome.set(Some(ExitCode::from(code.clamp(0, 255) as u8)));
                return;
            }
            let mut out = std::io::stdout().lock();
            if let Err(e) = writeln!(out, "{json}").and_then(|()| out.flush()) {
                if e.kind() == std::io::ErrorKind::BrokenPipe {
                    outcome.set(Some(ExitCode::SUCCESS));
                } else {
                    eprintln!("webpane: cannot write to stdout: {e}");
                    outcome.set(Some(ExitCode::from(EXIT_USAGE)));
                }
            }
        });
    }
    // Lines from stdin (and shared files) wait until the page has loaded: a document without
    // listeners drops messages (as in WebView2), and the page's scripts have run by
    // NavigationCompleted.
    let loaded = Rc::new(Cell::new(false));
    {
        let (outcome, loaded, asked) = (outcome.clone(), loaded.clone(), uri.clone());
        let first = Cell::new(true);
        let trusting = args.policy.ignore_certificate_errors;
        webview.on_navigation_completed(move |view, args| {
            // Trusted (--ignore-certificate-errors), the page loads again: that load counts.
            if trusting && args.web_error_status() == Some(webpane::WebErrorStatus::CertificateIsInvalid) {
                return;
            }
            loaded.set(true);
            if !first.replace(false) {
                return;
            }
            if !args.is_success() {
                let why = args.web_error().map(|e| e.message().to_owned()).unwrap_or_default();
                eprintln!("webpane: the page did not load: {why}");
                outcome.set(Some(ExitCode::from(EXIT_LOAD_FAILED)));
            } else if view.source() == "about:blank" && asked != "about:blank" {
                // WebKit loads an empty page in place of an address it refuses (a restricted
                // port, for one) and calls it a success.
                eprintln!("webpane: the page did not load: the engine refused {asked} (a restricted port?)");
                outcome.set(Some(ExitCode::from(EXIT_LOAD_FAILED)));
            }
        });
    }
    {
        let outcome = outcome.clone();
        let warned = Cell::new(false);
        webview.on_process_failed(move |_, failure| match failure.kind() {
            ProcessFailedKind::BrowserProcessExited => {
                eprintln!(
                    "webpane: the browser process exited unexpectedly ({:?})",
                    failure.reason()
                );
                outcome.set(Some(ExitCode::from(EXIT_BROWSER_FAILED)));
            }
            ProcessFailedKind::RenderProcessExited => {
                eprintln!(
                    "webpane: the page's render process failed ({:?}; {})",
                    failure.reason(),
                    failure.process_description()
                );
                outcome.set(Some(ExitCode::from(EXIT_RENDERER_FAILED)));
            }
            ProcessFailedKind::RenderProcessUnresponsive => {
                if !warned.replace(true) {
                    eprintln!("webpane: the page is not responding");
                }
            }
            ProcessFailedKind::BrowserProcessUnresponsive => {
                if !warned.replace(true) {
                    eprintln!("webpane: the browser process is not responding");
                }
            }
            other => eprintln!("webpane: {other:?} ({:?})", failure.reason()),
        });
    }
    {
        // The embedding window (or our own window) went away: the run is over.
        let outcome = outcome.clone();
        webview.on_closed(move |_, closed| {
            if closed.reason() == CloseReason::Disconnected {
                eprintln!("webpane: the browser process disconnected this run");
                outcome.set(Some(ExitCode::from(EXIT_BROWSER_FAILED)));
                return;
            }
            eprintln!("webpane: the view was closed ({:?})", closed.reason());
            outcome.set(Some(ExitCode::SUCCESS));
        });
    }

    let lines_rx = read_stdin(event_loop.proxy());
    if let Err(e) = webview.navigate(&uri) {
        return fail(EXIT_USAGE, chain(&e));
    }
    let mut shared = false;
    loop {
        // The page, a failure, or stdout's reader going away ends the run.
        if let Some(code) = outcome.take().or_else(|| stdout_closed().then_some(ExitCode::SUCCESS)) {
            let _ = webview.close();
            shares.save_all();
            return code;
        }
        if loaded.get() && !shared {
            shared = true;
            for share in shares.all.borrow().iter() {
                let posted =
                    webview.post_shared_buffer_to_script(&share.buffer, share.access, Some(&share.additional_data()));
                let delivered = posted.map(|p| {
                    let path = share.path.clone();
                    let outcome = outcome.clone();
                    let ack = p.acknowledged();
                    event_loop.spawn_local(async move {
                        if let Err(e) = ack.await {
                            eprintln!(
                                "webpane: {} was not delivered to the page: {}",
                                path.display(),
                                chain(&e)
                            );
                            outcome.set(Some(ExitCode::from(EXIT_USAGE)));
                        }
                    });
                });
                if let Err(e) = delivered {
                    return fail(
                        EXIT_USAGE,
                        format!("cannot share {}: {}", share.path.display(), chain(&e)),
                    );
                }
            }
        }
        // The page let go of a buffer (even before its delivery was confirmed): save its writes.
        shares.save_if_released(&webview);
        if let Err(e) = event_loop.dispatch(Some(Duration::from_millis(200))) {
            return fail(EXIT_USAGE, chain(&e));
        }
        while loaded.get() {
            let Ok(line) = lines_rx.try_recv() else { break };
            if line.trim().is_empty() {
                continue;
            }
            if let Err(e) = webview.post_web_message_as_json(&line) {
                eprintln!("webpane: skipped a line from stdin: {e}");
            }
        }
    }
}
