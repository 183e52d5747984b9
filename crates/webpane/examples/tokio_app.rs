//! webpane inside a tokio app: a current-thread runtime with a `LocalSet` (the SDK's handles are
//! `!Send`, so they live in local tasks), and the SDK's event loop driven by tokio through
//! `AsyncFd` on [`EventLoop::as_fd`](webpane::EventLoop::as_fd). SDK futures (`build`,
//! `create_webview`, `execute_script`, …) are awaited directly in tokio tasks, next to tokio's
//! own timers and sockets.
//!
//! Run: `cargo run -p webpane --example tokio_app` (under `xvfb-run -a` without a display).
//! It loads a page, exchanges a message with it while a tokio timer ticks, and exits.

use std::os::fd::{AsFd, OwnedFd};
use std::time::Duration;

use tokio::io::unix::AsyncFd;
use webpane::{Environment, EventLoop, WebViewOptions};

/// Runs the SDK's callbacks whenever its fd is readable: every event handler and every SDK
/// completion runs here, on the runtime's (only) thread.
async fn drive(event_loop: EventLoop) -> std::io::Result<()> {
    // A duplicate of the loop's epoll fd: readable whenever the loop has work.
    let fd: OwnedFd = event_loop.as_fd().try_clone_to_owned()?;
    // SAFETY: `fd` is an `OwnedFd` moved into the `AsyncFd`: it stays open, and is the same
    // descriptor, until the `AsyncFd` is dropped (tokio's condition for registering it).
    let fd = unsafe { AsyncFd::register(fd) }.map_err(|e| e.into_parts().1)?;
    loop {
        let mut ready = fd.readable().await?;
        // Run everything that is due; tokio's readiness is edge-triggered, so drain before
        // clearing it (a wake-up that comes meanwhile keeps the fd marked ready).
        while event_loop
            .dispatch(Some(Duration::ZERO))
            .map_err(std::io::Error::other)?
            > 0
        {}
        ready.clear_ready();
    }
}

const PAGE: &str = r#"<!doctype html><title>tokio</title>
<script>
  chrome.webview.addEventListener('message', e => {
    chrome.webview.postMessage({ answer: e.data.question * 2 });
  });
  chrome.webview.postMessage({ ready: true });
</script>"#;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let local = tokio::task::LocalSet::new();
    local
        .run_until(async {
            let event_loop = EventLoop::new()?;
            let driver = tokio::task::spawn_local(drive(event_loop.clone()));

            let folder = tempfile::tempdir()?;
            let env = Environment::builder()
                .user_data_folder(folder.path())
                .build(&event_loop)
                .await?;
            let webview = env.create_webview(WebViewOptions::headless(640, 480)).await?;

            // Page messages go to a tokio channel; the handler itself stays short.
            let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<serde_json::Value>();
            webview.on_web_message_received(move |_, args| {
                if let Ok(value) = args.web_message::<serde_json::Value>() {
                    let _ = tx.send(value);
                }
            });
            webview.navigate_to_string(PAGE)?;

            // A tokio timer ticks while the page loads: both loops share the thread.
            let mut ticks = 0u32;
            let mut interval = tokio::time::interval(Duration::from_millis(20));
            let ready = loop {
                tokio::select! {
                    message = rx.recv() => break message,
                    _ = interval.tick() => ticks += 1,
                }
            };
            println!("page ready: {ready:?} (tokio ticked {ticks} times meanwhile)");

            webview.post_web_message(&serde_json::json!({ "question": 21 }))?;
            let answer = tokio::time::timeout(Duration::from_secs(30), rx.recv()).await?;
            println!("page answered: {answer:?}");
            let title = webview.execute_script("document.title").await?;
            println!("document.title = {title}");
            if answer != Some(serde_json::json!({ "answer": 42 })) {
                return Err("the page gave the wrong answer".into());
            }

            webview.close()?;
            driver.abort();
            Ok::<(), Box<dyn std::error::Error>>(())
        })
        .await
}
