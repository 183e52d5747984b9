//! The peer of webpane's benchmark suite: the same workloads on wry + tao, the in-process
//! WebKitGTK webview a Rust desktop developer would otherwise pick.
//!
//! `webpane bench` starts this program once per workload and round (interleaved with its own
//! measurement of the same workload), and reads one JSON line from its stdout. The page script
//! comes from the suite, so both run the same page code: a small `chrome.webview` over wry's
//! `window.ipc` is put in front of it (page → app is `ipc.postMessage`, app → page is
//! `evaluate_script`, the way wry apps and Tauri's `emit` do it).
//!
//! Usage: `webpane-bench-wry start`, `webpane-bench-wry messages SCRIPT ROUND_TRIPS BURST`,
//! `webpane-bench-wry bulk SCRIPT SIZE[,SIZE…] REPS`, `webpane-bench-wry hold SCRIPT VIEWS` (says
//! `{"ready":true}` once every page has posted, then stays until stdin closes: the suite measures
//! its memory, and two such apps side by side).
//!
//! The GTK main loop is pumped directly (`gtk::main_iteration_do`) between the steps of a
//! workload: wry's IPC handler and `evaluate_script` are GTK signal handlers and WebKit calls,
//! so nothing in tao's event loop is between them and the page.

#![forbid(unsafe_code)]

mod peer;
mod workloads;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("start") => workloads::start(),
        Some("messages") if args.len() == 4 => workloads::messages(&args[1], number(&args[2]), number(&args[3])),
        Some("bulk") if args.len() == 4 => workloads::bulk(&args[1], &numbers(&args[2]), number(&args[3])),
        Some("hold") if args.len() == 3 => workloads::hold(&args[1], number(&args[2])),
        _ => Err(
            "usage: webpane-bench-wry start | messages SCRIPT N BURST | bulk SCRIPT SIZES REPS | hold SCRIPT VIEWS"
                .into(),
        ),
    };
    match result {
        Ok(value) => println!("{value}"),
        Err(why) => {
            println!("{}", serde_json::json!({ "error": why }));
            std::process::exit(1);
        }
    }
}

fn number(text: &str) -> usize {
    text.parse().unwrap_or(0)
}

fn numbers(text: &str) -> Vec<usize> {
    text.split(',').map(number).collect()
}
