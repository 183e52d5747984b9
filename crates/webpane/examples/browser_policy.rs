//! The app decides for its page: a camera permission (WebKit's mock camera), a download with
//! its progress, and find in the page — all on a page served from a folder at
//! `https://app.example/` (a virtual host).
//!
//! ```sh
//! cargo run --example browser_policy
//! ```
//!
//! It prints what happens and exits once the page has its camera, the download is written and
//! the find has stepped through its matches (with `WEBPANE_EXAMPLE_EXIT=1`, at once; otherwise
//! the window stays until closed).

use std::cell::Cell;
use std::rc::Rc;

use webpane::{
    DownloadState, Environment, EventLoop, FindOptions, HostResourceAccessKind, PermissionState, WebViewOptions,
};

const PAGE: &str = r#"<!doctype html><title>browser policy</title>
<h1>webpane decides for its page</h1>
<p>webpane asks the app; webpane answers; webpane writes where the app says.</p>
<a id="get" href="/report.bin" download>download the report</a>
<script>
(async () => {
  try {
    const stream = await navigator.mediaDevices.getUserMedia({ video: true });
    chrome.webview.postMessage("camera: " + stream.getVideoTracks().length + " track");
  } catch (e) {
    chrome.webview.postMessage("camera: " + e.name);
  }
  document.getElementById("get").click();
})();
</script>"#;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let event_loop = EventLoop::new()?;
    let folder = std::env::temp_dir().join(format!("webpane-browser-policy-{}", std::process::id()));
    let site = folder.join("site");
    std::fs::create_dir_all(&site)?;
    std::fs::write(site.join("index.html"), PAGE)?;
    std::fs::write(site.join("report.bin"), vec![42u8; 4 << 20])?;
    let env = event_loop.wait(
        Environment::builder()
            .user_data_folder(folder.join("data"))
            .additional_arguments(["enable-media-stream=true", "enable-mock-capture-devices=true"])
            .build(&event_loop),
    )?;
    let webview = event_loop.wait(env.create_webview(WebViewOptions::window("browser policy", 800, 500)))?;
    event_loop.wait(webview.set_virtual_host_name_to_folder_mapping(
        "app.example",
        &site,
        HostResourceAccessKind::Deny,
    ))?;

    webview.on_permission_requested(|_, args| {
        println!("permission: {:?} for {} -> allowed", args.permission_kind(), args.uri());
        args.set_state(PermissionState::Allow);
    });
    let steps = Rc::new(Cell::new(0));
    let target = folder.join("saved-report.bin");
    let (s, t) = (steps.clone(), target.clone());
    webview.on_download_starting(move |_, args| {
        let operation = args.download_operation();
        println!(
            "download: {} ({:?} bytes) -> {}",
            operation.suggested_file_name(),
            operation.total_bytes_to_receive(),
            t.display()
        );
        args.set_result_file_path(&t);
        operation.on_bytes_received_changed(|op, _| println!("download: {} bytes", op.bytes_received()));
        let s = s.clone();
        operation.on_state_changed(move |op, _| {
            println!("download: {:?} at {}", op.state(), op.result_file_path().display());
            if op.state() == DownloadState::Completed {
                s.set(s.get() + 1);
            }
        });
    });
    {
        let steps = steps.clone();
        webview.on_web_message_received(move |_, args| {
            println!("page says: {}", args.web_message_as_string().unwrap_or_default());
            steps.set(steps.get() + 1);
        });
    }
    let found = Rc::new(Cell::new(false));
    {
        let (steps, found) = (steps.clone(), found.clone());
        webview.on_find_active_match_index_changed(move |view, args| {
            println!(
                "find: {} matches of \"webpane\", active {}",
                view.find_match_count(),
                args.active_match_index()
            );
            if !found.replace(true) {
                let _ = view.find_next();
            } else {
                steps.set(steps.get() + 1);
            }
        });
    }
    {
        let loaded = Rc::new(Cell::new(false));
        webview.on_navigation_completed(move |view, args| {
            if args.is_success() && !loaded.replace(true) {
                let _ = view.start_find(&FindOptions::new("webpane"));
            }
        });
    }
    webview.navigate("https://app.example/index.html")?;
    // Done: the camera's message, the download written, the find stepped.
    while steps.get() < 3 {
        event_loop.dispatch(Some(std::time::Duration::from_millis(100)))?;
    }
    println!("written: {} bytes", std::fs::metadata(&target)?.len());
    if std::env::var_os("WEBPANE_EXAMPLE_EXIT").is_none() {
        webview.on_closed({
            let quit = event_loop.clone();
            move |_, _| quit.quit()
        });
        event_loop.run()?;
    }
    drop(webview);
    let _ = std::fs::remove_dir_all(&folder);
    Ok(())
}
