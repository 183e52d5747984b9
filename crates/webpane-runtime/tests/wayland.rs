//! A native Wayland desktop, with no X server at all: each test starts a headless Weston (its
//! headless backend), runs an app process whose environment names only that Wayland display,
//! and checks what the app sees: window-mode views on native Wayland windows whose pages load and
//! capture with their pixels, the renderer switches end to end, a clear answer for embedding by
//! X11 window id, and an options-mismatch error when another app asks the shared browser process
//! for the X11 backend.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use webpane::{DisplayBackend, Environment, HardwareAcceleration, ImageFormat, WebViewOptions};

/// The RGBA of pixel (x, y) of a PNG.
fn pixel(png_bytes: &[u8], x: u32, y: u32) -> [u8; 4] {
    let mut reader = png::Decoder::new(png_bytes).read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    let at = ((y * info.width + x) as usize) * channels;
    let p = &buf[at..at + channels];
    [p[0], p[1], p[2], if channels == 4 { p[3] } else { 255 }]
}

/// A headless Weston on a private runtime folder; stopped (with its helper clients) on drop.
struct Weston {
    child: Child,
    runtime_dir: tempfile::TempDir,
    socket: String,
}

impl Weston {
    fn start() -> Weston {
        use std::os::unix::process::CommandExt;
        let runtime_dir = tempfile::tempdir().unwrap();
        let socket = format!("webpane-test-{}", std::process::id());
        let child = Command::new("weston")
            .args([
                "--backend=headless-backend.so",
                "--width=1024",
                "--height=768",
                "--idle-time=0",
            ])
            .arg(format!("--socket={socket}"))
            .env("XDG_RUNTIME_DIR", runtime_dir.path())
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("weston is not installed (cargo xtask test installs it)");
        let path = runtime_dir.path().join(&socket);
        let deadline = Instant::now() + TIMEOUT;
        while !path.exists() {
            assert!(Instant::now() < deadline, "weston did not open {}", path.display());
            std::thread::sleep(Duration::from_millis(20));
        }
        Weston {
            child,
            runtime_dir,
            socket,
        }
    }

    /// This test binary's `wayland_app` in an environment with only this Wayland display.
    fn app(&self, role: &str, folder: &Path) -> Command {
        let mut command = Command::new(std::env::current_exe().unwrap());
        command
            .args(["wayland_app", "--exact", "--nocapture", "--test-threads=1"])
            .env("WEBPANE_WAYLAND_ROLE", role)
            .env("WEBPANE_WAYLAND_FOLDER", folder)
            .env("XDG_RUNTIME_DIR", self.runtime_dir.path())
            .env("WAYLAND_DISPLAY", &self.socket)
            .env_remove("DISPLAY")
            .env_remove("GDK_BACKEND");
        command
    }
}

impl Drop for Weston {
    fn drop(&mut self) {
        let pgid = rustix::process::Pid::from_child(&self.child);
        let _ = rustix::process::kill_process_group(pgid, rustix::process::Signal::TERM);
        let _ = self.child.wait();
    }
}

fn run_app(weston: &Weston, role: &str, folder: &Path) -> String {
    let out = weston.app(role, folder).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "the Wayland app ({role}) failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[test]
fn pages_show_in_native_wayland_windows() {
    let weston = Weston::start();
    let folder = tempfile::tempdir().unwrap();
    let out = run_app(&weston, "window", folder.path());
    assert!(out.contains("@@window ok"), "{out}");
}

#[test]
fn renderer_switches_and_backend_answers() {
    let weston = Weston::start();
    let folder = tempfile::tempdir().unwrap();
    let out = run_app(&weston, "switches", folder.path());
    assert!(out.contains("@@switches ok"), "{out}");
}

/// Issue 28: the offscreen example, a winit app on the Wayland display, types non-ASCII text
/// (accents, CJK, an emoji) through the input API, and the page's field holds it exactly.
#[test]
fn the_offscreen_example_types_any_text_on_wayland() {
    let weston = Weston::start();
    let binary = example_binary("offscreen");
    let typed = "wpé çà 日本語 😀";
    let out = Command::new(&binary)
        .args(["--click", "180,277", "--type", typed, "--wait-ms", "800"])
        .env("WEBPANE_RUNTIME", runtime())
        .env("XDG_RUNTIME_DIR", weston.runtime_dir.path())
        .env("WAYLAND_DISPLAY", &weston.socket)
        .env_remove("DISPLAY")
        .env_remove("GDK_BACKEND")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = format!("typed value: {}", serde_json::to_string(typed).unwrap());
    assert!(stdout.contains(&line), "{stdout}");
}

#[test]
fn offscreen_views_work_on_wayland() {
    let weston = Weston::start();
    let folder = tempfile::tempdir().unwrap();
    let out = run_app(&weston, "offscreen", folder.path());
    assert!(out.contains("@@offscreen ok"), "{out}");
}

/// Runs in the child (an app on the Wayland display only); a no-op in a normal test run.
#[test]
fn wayland_app() {
    let Ok(role) = std::env::var("WEBPANE_WAYLAND_ROLE") else {
        return;
    };
    let folder = PathBuf::from(std::env::var_os("WEBPANE_WAYLAND_FOLDER").unwrap());
    assert!(
        std::env::var_os("DISPLAY").is_none(),
        "an X display leaked into the Wayland app"
    );
    let event_loop = webpane::EventLoop::new().unwrap();
    match role.as_str() {
        "window" => {
            let env = env_with(&event_loop, &folder.join("udf"), |b| b);
            show_page(&event_loop, &env);
            report("window ok");
        }
        "switches" => {
            // Software rendering, no DMA-BUF renderer: accepted end to end, pages still show.
            let env = env_with(&event_loop, &folder.join("udf"), |b| {
                b.hardware_acceleration(HardwareAcceleration::Never)
                    .dmabuf_renderer(false)
                    .display_backend(DisplayBackend::Wayland)
            });
            show_page(&event_loop, &env);
            // Embedding by X11 window id: a clear refusal naming what to do.
            let handle = raw_window_handle::RawWindowHandle::Xlib(raw_window_handle::XlibWindowHandle::new(0x1234));
            let options = WebViewOptions::embedded_in(handle, 0, 0, 100, 100).unwrap();
            let refused = event_loop.block_on(env.create_webview(options)).unwrap().unwrap_err();
            let text = refused.to_string();
            assert!(
                text.contains("Wayland") && text.contains("DisplayBackend::X11"),
                "{text}"
            );
            // Another app asking this browser process for X11: an options mismatch that says so.
            let other = Environment::builder()
                .user_data_folder(folder.join("udf"))
                .runtime_path(runtime())
                .hardware_acceleration(HardwareAcceleration::Never)
                .dmabuf_renderer(false)
                .display_backend(DisplayBackend::X11);
            let mismatch = event_loop.block_on(other.build(&event_loop)).unwrap().unwrap_err();
            let text = mismatch.to_string();
            assert!(
                text.contains("display backend") && text.contains("another user data folder"),
                "{text}"
            );
            // And X11 where there is no X server: the browser process cannot start, and says so.
            let x11 = Environment::builder()
                .user_data_folder(folder.join("x11"))
                .runtime_path(runtime())
                .display_backend(DisplayBackend::X11);
            assert!(event_loop.block_on(x11.build(&event_loop)).unwrap().is_err());
            report("switches ok");
        }
        "offscreen" => {
            // Frames into this app's memory and input from it, with no X server anywhere.
            let env = env_with(&event_loop, &folder.join("udf"), |b| b);
            let webview = event_loop
                .block_on(env.create_webview(WebViewOptions::offscreen(300, 200)))
                .unwrap()
                .unwrap();
            let last: std::rc::Rc<std::cell::RefCell<Option<webpane::OffscreenPicture>>> = Default::default();
            let l = last.clone();
            webview.on_picture_ready(move |_, args| *l.borrow_mut() = Some(args.picture().clone()));
            let clicked = recorder();
            let c = clicked.clone();
            webview.on_web_message_received(move |_, args| c.borrow_mut().push(args.web_message_as_json().to_owned()));
            assert!(load_html(
                &event_loop,
                &webview,
                "<body style='margin:0;background:rgb(200,0,40)' onclick='chrome.webview.postMessage([event.clientX, event.clientY])'></body>"
            ));
            wait_until(&event_loop, "a frame with the page", || {
                last.borrow().as_ref().and_then(|f| f.pixel(150, 100)) == Some([40, 0, 200, 255])
            });
            for input in [
                webpane::MouseInput::moved(150.0, 100.0),
                webpane::MouseInput::down(webpane::MouseButton::Left, 150.0, 100.0),
                webpane::MouseInput::up(webpane::MouseButton::Left, 150.0, 100.0),
            ] {
                webview.send_mouse_input(input).unwrap();
            }
            wait_until(&event_loop, "the click in the page", || !clicked.borrow().is_empty());
            assert_eq!(clicked.borrow()[0], "[150,100]");
            // Text from the app's input method, into a focused field (this display has no keyboard).
            script_result(
                &event_loop,
                &webview,
                "document.body.innerHTML = '<input id=i>'; i.focus(); 1",
            )
            .unwrap();
            webview.send_text_input("é✓日本").unwrap();
            wait_until(&event_loop, "the text in the field", || {
                script_result(&event_loop, &webview, "i.value").unwrap() == "\"é✓日本\""
            });
            // The page's CSS cursor reaches the app by name.
            let cursors = recorder();
            let c = cursors.clone();
            webview.on_cursor_changed(move |_, args| c.borrow_mut().push(args.cursor().to_owned()));
            script_result(
                &event_loop,
                &webview,
                "document.body.innerHTML = '<div style=\"position:fixed;inset:0;cursor:move\"></div>'; 1",
            )
            .unwrap();
            webview
                .send_mouse_input(webpane::MouseInput::moved(100.0, 60.0))
                .unwrap();
            wait_until(&event_loop, "the move cursor", || {
                cursors.borrow().last().is_some_and(|c| c == "move")
            });
            report("offscreen ok");
        }
        other => panic!("unknown role {other}"),
    }
}

/// A window-mode view shows a page; its capture has the page's pixels.
fn show_page(event_loop: &webpane::EventLoop, env: &Environment) {
    let webview = event_loop
        .block_on(env.create_webview(WebViewOptions::window("wayland", 320, 240)))
        .unwrap()
        .unwrap();
    assert!(load_html(
        event_loop,
        &webview,
        "<body style='margin:0;background:rgb(200,0,40)'><p>on Wayland</p></body>"
    ));
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let png = event_loop
            .block_on(webview.capture_preview(ImageFormat::Png))
            .unwrap()
            .unwrap();
        let [r, g, b, _] = pixel(&png, 200, 200);
        if (r, g, b) == (200, 0, 40) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the capture never showed the page: {:?}",
            (r, g, b)
        );
        event_loop.dispatch(Some(Duration::from_millis(100))).unwrap();
    }
}
