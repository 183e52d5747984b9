//! Shows a page in the browser process's own window for a few seconds (for screenshots).
//!
//! `cargo run --release -p webpane --example window_peek` (needs a display, e.g. Xvfb).

use std::time::{Duration, Instant};

use webpane::{Environment, EventLoop, WebViewOptions};

fn main() -> Result<(), webpane::Error> {
    let event_loop = EventLoop::new()?;
    let folder = std::env::temp_dir().join(format!("webpane-peek-{}", std::process::id()));
    let env = event_loop.wait(Environment::builder().user_data_folder(&folder).build(&event_loop))?;
    let webview = event_loop.wait(env.create_webview(WebViewOptions::window("webpane", 800, 500)))?;
    webview.navigate_to_string(
        r#"<body style="margin:0;font:28px sans-serif;background:#1d3557;color:#f1faee">
        <div style="padding:40px"><h1>webpane</h1><p>Hosted in a separate browser process,
        drawn by WebKitGTK in its own window.</p>
        <div style="width:200px;height:120px;background:#e63946"></div></div>"#,
    )?;
    let until = Instant::now() + Duration::from_secs(5);
    while Instant::now() < until {
        event_loop.dispatch(Some(Duration::from_millis(100)))?;
    }
    let exit = env.browser_process_exited();
    webview.close()?;
    event_loop.wait(exit)?;
    let _ = std::fs::remove_dir_all(folder);
    Ok(())
}
