//! `webpane`: host a web page in a webpane webview from the command line.
//!
//! `webpane run page.html` shows a page and bridges its web messages to the terminal: every
//! `chrome.webview.postMessage(value)` from the page is printed to stdout as one JSON line, and
//! every JSON line on stdin is posted to the page (`chrome.webview.addEventListener('message',
//! e => e.data)`). The page ends the run with `chrome.webview.postMessage({exit: code})`.
//! That makes a web UI scriptable from any language.

#![forbid(unsafe_code)]

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;

mod args;
mod doctor;
mod exit;
mod page;
mod policy;
mod run;
mod share;

use args::{BenchArgs, Cli, Command, OutputArgs};
use exit::{EXIT_LOAD_FAILED, EXIT_USAGE, chain, fail};
use page::{open_webview, page_uri, progress};
use run::run;
use webpane::WebViewOptions;

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
        peer: args.peer == "wry",
    };
    let report = webpane_bench::run(&options);
    let text = serde_json::to_string_pretty(&report).unwrap_or_default();
    if args.json {
        println!("{text}");
    }
    // A part that could not run said why (on stderr, and as its `error` in the JSON).
    let failed = report
        .as_object()
        .is_some_and(|parts| parts.values().any(|part| part.get("error").is_some()));
    match std::fs::write(&args.out, &text) {
        Ok(()) => {
            eprintln!("webpane bench: JSON written to {}", args.out.display());
            if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS }
        }
        Err(e) => fail(EXIT_USAGE, format!("cannot write {}: {e}", args.out.display())),
    }
}

enum Output {
    Png,
    Pdf,
}

fn output(args: OutputArgs, what: Output) -> ExitCode {
    let uri = match page_uri(&args.page) {
        Ok(uri) => uri,
        Err(e) => return fail(EXIT_USAGE, e),
    };
    progress("starting the browser process");
    let (w, h) = args.size;
    let (event_loop, _env, webview) = match open_webview(
        args.user_data_folder.as_deref(),
        WebViewOptions::headless(w, h),
        &args.policy,
    ) {
        Ok(opened) => opened,
        Err(code) => return code,
    };
    if let Err(e) = args.policy.apply(&event_loop, &webview) {
        return fail(EXIT_USAGE, e);
    }
    let loaded: std::rc::Rc<std::cell::Cell<Option<Result<(), String>>>> = Default::default();
    {
        let loaded = loaded.clone();
        let trusting = args.policy.ignore_certificate_errors;
        webview.on_navigation_completed(move |_, done| {
            // Trusted (--ignore-certificate-errors), the page loads again: that load counts.
            if trusting && done.web_error_status() == Some(webpane::WebErrorStatus::CertificateIsInvalid) {
                return;
            }
            let result = if done.is_success() {
                Ok(())
            } else {
                Err(done.web_error().map(|e| e.message().to_owned()).unwrap_or_default())
            };
            loaded.set(Some(result));
        });
    }
    progress(&format!("loading {uri}"));
    if let Err(e) = webview.navigate(&uri) {
        return fail(EXIT_USAGE, chain(&e));
    }
    let outcome = loop {
        if let Some(outcome) = loaded.take() {
            break outcome;
        }
        if let Err(e) = event_loop.dispatch(Some(Duration::from_millis(100))) {
            return fail(EXIT_USAGE, chain(&e));
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
