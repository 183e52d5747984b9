//! webpane inside a winit app: the page is embedded in winit's X11 window, and both event loops
//! share the UI thread. winit owns the thread; the SDK's loop is driven from winit's:
//!
//! - a small watcher thread waits until the SDK's fd ([`EventLoop::as_fd`]) is readable and wakes
//!   winit with a user event (`EventLoopProxy::send_event`);
//! - winit's `user_event` runs the SDK's callbacks ([`EventLoop::dispatch`] with a zero timeout)
//!   and lets the watcher wait again.
//!
//! No polling, no busy loop: each loop sleeps until it has work. (The other way round also works:
//! run winit's `pump_app_events` from an SDK timer; this one keeps winit in charge.)
//!
//! Run: `cargo run -p webpane --example winit_app` on X11 (or under `xvfb-run -a`). Close the
//! window to quit. With `WEBPANE_EXAMPLE_EXIT=1` it quits by itself once the page has answered.
//!
//! [`EventLoop::as_fd`]: webpane::EventLoop::as_fd
//! [`EventLoop::dispatch`]: webpane::EventLoop::dispatch

#[path = "support/winit_wake.rs"]
mod winit_wake;

use std::cell::Cell;
use std::os::fd::AsFd;
use std::rc::Rc;
use std::sync::mpsc;
use std::time::Duration;

use webpane::{Environment, EventLoop, WebView, WebViewOptions};
use winit::application::ApplicationHandler;
use winit::dpi::LogicalSize;
use winit::event::WindowEvent;
use winit::event_loop::ActiveEventLoop;
use winit::raw_window_handle::HasWindowHandle;
use winit::window::{Window, WindowId};
use winit_wake::{SdkReady, watch};

const PAGE: &str = r#"<!doctype html><title>winit</title>
<body style="background:#2b6cb0;color:white;font:24px sans-serif">
<p>A webpane page inside a winit window.</p>
<script>
  chrome.webview.addEventListener('message', e => chrome.webview.postMessage('pong: ' + e.data));
  chrome.webview.postMessage('loaded');
</script>"#;

struct App {
    sdk: EventLoop,
    env: Environment,
    dispatched: mpsc::Sender<()>,
    window: Option<Window>,
    webview: Option<WebView>,
    /// Set by the page's answer (an SDK callback); winit is asked to stop after the dispatch.
    answered: Rc<Cell<bool>>,
    exit_when_answered: bool,
}

impl ApplicationHandler<SdkReady> for App {
    fn resumed(&mut self, event_loop: &ActiveEventLoop) {
        if self.window.is_some() {
            return;
        }
        let attributes = Window::default_attributes()
            .with_title("webpane in winit")
            .with_inner_size(LogicalSize::new(640, 400));
        let window = match event_loop.create_window(attributes) {
            Ok(window) => window,
            Err(e) => {
                eprintln!("cannot open a window: {e}");
                return event_loop.exit();
            }
        };
        let size = window.inner_size();
        let handle = match window.window_handle() {
            Ok(handle) => handle.as_raw(),
            Err(e) => {
                eprintln!("no window handle: {e}");
                return event_loop.exit();
            }
        };
        let options = match WebViewOptions::embedded_in(handle, 0, 0, size.width, size.height) {
            Ok(options) => options,
            Err(e) => {
                eprintln!("{e} (run on X11: unset WAYLAND_DISPLAY)");
                return event_loop.exit();
            }
        };
        // Not inside an SDK callback: waiting here is allowed (it runs the SDK's loop until the
        // webview exists, a few hundred milliseconds).
        let webview = match self.sdk.wait(self.env.create_webview(options)) {
            Ok(webview) => webview,
            Err(e) => {
                eprintln!("cannot create the webview: {e}");
                return event_loop.exit();
            }
        };
        let answered = self.answered.clone();
        webview.on_web_message_received(move |webview, args| {
            let Ok(text) = args.web_message_as_string() else { return };
            println!("page says: {text}");
            if text == "loaded" {
                let _ = webview.post_web_message_as_string("ping");
            } else {
                answered.set(true);
            }
        });
        if let Err(e) = webview.navigate_to_string(PAGE) {
            eprintln!("{e}");
        }
        self.window = Some(window);
        self.webview = Some(webview);
    }

    fn user_event(&mut self, event_loop: &ActiveEventLoop, _: SdkReady) {
        // Everything that is due, then let the watcher wait again.
        while let Ok(ran) = self.sdk.dispatch(Some(Duration::ZERO)) {
            if ran == 0 {
                break;
            }
        }
        let _ = self.dispatched.send(());
        let done = self.exit_when_answered && self.answered.get();
        if done || self.webview.as_ref().is_some_and(WebView::is_closed) {
            event_loop.exit();
        }
    }

    fn window_event(&mut self, event_loop: &ActiveEventLoop, _: WindowId, event: WindowEvent) {
        match event {
            WindowEvent::CloseRequested => event_loop.exit(),
            WindowEvent::Resized(size) => {
                if let Some(webview) = &self.webview {
                    let _ = webview.set_bounds(0, 0, size.width.max(1), size.height.max(1));
                }
            }
            _ => {}
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let winit = winit::event_loop::EventLoop::<SdkReady>::with_user_event().build()?;
    let sdk = EventLoop::new()?;
    let folder = tempfile::tempdir()?;
    let env = sdk.wait(Environment::builder().user_data_folder(folder.path()).build(&sdk))?;

    let (dispatched, done) = mpsc::channel();
    let fd = sdk.as_fd().try_clone_to_owned()?;
    let proxy = winit.create_proxy();
    std::thread::spawn(move || watch(fd, proxy, done));

    let mut app = App {
        sdk,
        env,
        dispatched,
        window: None,
        webview: None,
        answered: Rc::default(),
        exit_when_answered: std::env::var_os("WEBPANE_EXAMPLE_EXIT").is_some(),
    };
    winit.run_app(&mut app)?;
    if let Some(webview) = app.webview.take() {
        webview.close()?;
    }
    Ok(())
}
