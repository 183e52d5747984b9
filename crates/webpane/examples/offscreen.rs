//! A live web page drawn by the app itself: an offscreen webview's frames arrive in this app's
//! memory and are shown in a winit window with softbuffer; the mouse, the wheel and the keyboard
//! (text from the input method too) go back to the page through webpane's input API, and files
//! dropped on the window go on to the page as a forwarded drag. It works the
//! same on X11 and on Wayland: the app never gives the browser process a window.
//!
//! ```sh
//! cargo run -p webpane --example offscreen                       # the built-in page
//! cargo run -p webpane --example offscreen -- https://example.com
//! ```
//!
//! For automated checks: `-- <page> [--click X,Y]... [--type TEXT] [--wait-ms N]
//! [--screenshot OUT.png]` sends the clicks and the text through the input API (not the window
//! system) once the first frame is there, waits, writes the last frame as the window shows it,
//! prints the focused field's value after `--type` (`typed value: "…"`, JSON), and exits 0.

#[path = "support/winit_wake.rs"]
mod winit_wake;

use std::cell::RefCell;
use std::num::NonZeroU32;
use std::os::fd::AsFd;
use std::rc::Rc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use webpane::{
    Environment, EventLoop, FileForTransit, KeyInput, MouseButton, MouseInput, OffscreenPicture,
    TextInputChangedEventArgs, TextInputPurpose, TouchInput, WebView, WebViewOptions, modifiers,
};
use winit::application::ApplicationHandler;
use winit::dpi::{LogicalSize, PhysicalPosition, PhysicalSize};
use winit::event::{ElementState, Ime, MouseScrollDelta, TouchPhase, WindowEvent};
use winit::event_loop::ActiveEventLoop;
use winit::keyboard::{Key, ModifiersState, NamedKey};
use winit::window::{CursorIcon, ImePurpose, Window, WindowId};
use winit_wake::{SdkReady, watch};

const PAGE: &str = r##"<!doctype html><title>offscreen</title>
<body style="margin:0;font:20px sans-serif;background:linear-gradient(#1a365d,#2b6cb0);color:white;height:200vh">
<h1 style="margin:24px">A page in the app's own pixels</h1>
<p style="margin:24px">Frames arrive in shared memory; input goes back through webpane.</p>
<button id=b style="margin:24px;font:20px sans-serif;padding:12px 24px;background:#e53e3e;color:white;border:0"
  onclick="this.style.background='#38a169'; this.textContent='clicked'">click me</button><br>
<input id=i style="margin:24px;font:20px sans-serif;width:320px" placeholder="type here"><br>
<a href="#" style="margin:24px;color:#fbd38d">a link (the cursor changes)</a>
<div id=t style="margin:24px;font-size:40px">0</div>
<script>let n = 0; setInterval(() => t.textContent = (++n / 10).toFixed(1) + ' s', 100);</script>"##;

/// What the command line asked for.
#[derive(Default)]
struct Script {
    page: Option<String>,
    clicks: Vec<(f64, f64)>,
    text: Option<String>,
    wait: Option<Duration>,
    screenshot: Option<std::path::PathBuf>,
}

fn parse_args() -> Result<Script, String> {
    let mut script = Script::default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--click" => {
                let v = value("--click")?;
                let (x, y) = v.split_once(',').ok_or("--click X,Y")?;
                script.clicks.push((
                    x.trim().parse().map_err(|_| "--click X,Y")?,
                    y.trim().parse().map_err(|_| "--click X,Y")?,
                ));
            }
            "--type" => script.text = Some(value("--type")?),
            "--wait-ms" => {
                script.wait = Some(Duration::from_millis(
                    value("--wait-ms")?.parse().map_err(|_| "--wait-ms N")?,
                ))
            }
            "--screenshot" => script.screenshot = Some(value("--screenshot")?.into()),
            page if !page.starts_with("--") => script.page = Some(page.to_owned()),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(script)
}

struct Shown {
    window: Rc<Window>,
    surface: softbuffer::Surface<Rc<Window>, Rc<Window>>,
    webview: WebView,
}

struct App {
    sdk: EventLoop,
    env: Environment,
    dispatched: mpsc::Sender<()>,
    script: Script,
    shown: Option<Shown>,
    /// The newest frame (its buffer stays ours while we hold it).
    frame: Rc<RefCell<Option<OffscreenPicture>>>,
    cursor: Rc<RefCell<Option<String>>>,
    /// Where the page edits text, for the input method (taken when applied).
    editing: Rc<RefCell<Option<TextInputChangedEventArgs>>>,
    /// The tooltip to show (in the title bar: winit has no tooltips), when it changed.
    tooltip: Rc<RefCell<Option<Option<String>>>>,
    pointer: (f64, f64),
    modifiers: u32,
    /// Files dragged over the window, and those of them dropped so far (winit tells one event
    /// per file).
    hovered: Vec<std::path::PathBuf>,
    dropped: Vec<std::path::PathBuf>,
    /// The page finished loading; the frame sequence then.
    loaded: Rc<std::cell::Cell<bool>>,
    loaded_at: Option<u64>,
    /// When the scripted actions ran (then the wait starts).
    acted: Option<Instant>,
    /// The scripted text went in.
    typed: bool,
    /// The scripted run is over (the screenshot written).
    finished: bool,
    /// After `--type`: the page's focused field's value, being read (printed as `typed value:`
    /// before the example exits).
    typed_value: Option<webpane::Operation<String>>,
    failed: Option<String>,
}

impl App {
    fn show(&mut self, event_loop: &ActiveEventLoop) -> Result<(), String> {
        let attributes = Window::default_attributes()
            .with_title("webpane offscreen")
            .with_inner_size(LogicalSize::new(800, 600));
        let window = Rc::new(event_loop.create_window(attributes).map_err(|e| e.to_string())?);
        let context = softbuffer::Context::new(window.clone()).map_err(|e| e.to_string())?;
        let surface = softbuffer::Surface::new(&context, window.clone()).map_err(|e| e.to_string())?;
        let size = window.inner_size();
        let options = WebViewOptions::offscreen(size.width.max(1), size.height.max(1));
        let webview = self
            .sdk
            .wait(self.env.create_webview(options))
            .map_err(|e| e.to_string())?;
        // Frames in the window's physical pixels, the page laid out at the monitor's scale.
        webview
            .set_rasterization_scale(window.scale_factor().clamp(0.25, 8.0))
            .map_err(|e| e.to_string())?;
        let (frame, redraw) = (self.frame.clone(), Rc::downgrade(&window));
        webview.on_picture_ready(move |_, args| {
            frame.replace(Some(args.picture().clone()));
            if let Some(window) = redraw.upgrade() {
                window.request_redraw();
            }
        });
        let loaded = self.loaded.clone();
        webview.on_navigation_completed(move |_, _| loaded.set(true));
        let cursor = self.cursor.clone();
        webview.on_cursor_changed(move |_, args| {
            cursor.replace(Some(args.cursor().to_owned()));
        });
        let editing = self.editing.clone();
        webview.on_text_input_changed(move |_, args| {
            editing.replace(Some(args.clone()));
        });
        let tooltip = self.tooltip.clone();
        webview.on_tooltip_changed(move |_, args| {
            tooltip.replace(Some(args.text().map(str::to_owned)));
        });
        match &self.script.page {
            Some(page) if page.contains("://") => webview.navigate(page),
            Some(path) => {
                let absolute = std::fs::canonicalize(path).map_err(|e| format!("{path}: {e}"))?;
                webview.navigate(&format!("file://{}", absolute.display()))
            }
            None => webview.navigate_to_string(PAGE),
        }
        .map_err(|e| e.to_string())?;
        self.shown = Some(Shown {
            window,
            surface,
            webview,
        });
        Ok(())
    }

    /// Draws the newest frame (BGRA bytes are softbuffer's 0RGB words on this machine).
    fn draw(&mut self) {
        let (Some(shown), Some(frame)) = (self.shown.as_mut(), self.frame.borrow().clone()) else {
            return;
        };
        let (Some(w), Some(h)) = (NonZeroU32::new(frame.width()), NonZeroU32::new(frame.height())) else {
            return;
        };
        if shown.surface.resize(w, h).is_err() {
            return;
        }
        let Ok(mut buffer) = shown.surface.buffer_mut() else {
            return;
        };
        let mut bytes = vec![0u8; (frame.stride() * frame.height()) as usize];
        frame.copy_to(&mut bytes);
        let stride = frame.stride() as usize;
        for y in 0..frame.height() as usize {
            let row = &bytes[y * stride..][..frame.width() as usize * 4];
            for (x, px) in row.chunks_exact(4).enumerate() {
                buffer[y * frame.width() as usize + x] = u32::from_le_bytes([px[0], px[1], px[2], 0]);
            }
        }
        let _ = buffer.present();
    }

    /// The scripted clicks and typing, once the first frame is there; then the wait and the
    /// screenshot.
    fn run_script(&mut self, event_loop: &ActiveEventLoop) {
        let Some(shown) = &self.shown else { return };
        // The page loaded, and a frame of it is there.
        if !self.loaded.get() {
            return;
        }
        match self.loaded_at {
            None => {
                self.loaded_at = self.frame.borrow().as_ref().map(OffscreenPicture::sequence);
                return;
            }
            Some(at) if self.frame.borrow().as_ref().is_none_or(|f| f.sequence() <= at) => return,
            Some(_) => {}
        }
        if self.acted.is_none() {
            let webview = &shown.webview;
            let _ = webview.set_input_focus(true);
            for &(x, y) in &self.script.clicks {
                for input in [
                    MouseInput::moved(x, y),
                    MouseInput::down(MouseButton::Left, x, y),
                    MouseInput::up(MouseButton::Left, x, y),
                ] {
                    let _ = webview.send_mouse_input(input);
                }
            }
            self.acted = Some(Instant::now());
        }
        // The text a moment after the clicks: the click that focuses a field is handled first.
        if !self.typed && self.acted.is_some_and(|t| t.elapsed() >= Duration::from_millis(300)) {
            self.typed = true;
            if let Some(text) = &self.script.text {
                let _ = shown.webview.send_text_input(text);
            }
            self.acted = Some(Instant::now());
        }
        let automated = self.script.screenshot.is_some() || self.script.wait.is_some();
        let waited = self.typed
            && self
                .acted
                .is_some_and(|t| t.elapsed() >= self.script.wait.unwrap_or(Duration::from_millis(500)));
        if automated && waited && !self.finished {
            self.finished = true;
            if let Some(path) = &self.script.screenshot
                && let Some(frame) = self.frame.borrow().as_ref()
                && let Err(e) = write_png(frame, path)
            {
                self.failed = Some(e);
            }
            if self.script.text.is_none() {
                event_loop.exit();
                return;
            }
            // What the typing left in the page, for the one checking.
            let script = "document.activeElement ? document.activeElement.value : null";
            self.typed_value = Some(shown.webview.execute_script(script));
        }
        if let Some(operation) = self.typed_value.as_mut() {
            let mut context = std::task::Context::from_waker(std::task::Waker::noop());
            if let std::task::Poll::Ready(value) = std::pin::Pin::new(operation).poll(&mut context) {
                match value {
                    Ok(json) => println!("typed value: {json}"),
                    Err(e) => self.failed = Some(format!("reading the typed value: {e}")),
                }
                self.typed_value = None;
                event_loop.exit();
            }
        }
    }
}

fn write_png(frame: &OffscreenPicture, path: &std::path::Path) -> Result<(), String> {
    let mut bytes = vec![0u8; (frame.stride() * frame.height()) as usize];
    frame.copy_to(&mut bytes);
    let mut rgba = Vec::with_capacity((frame.width() * frame.height() * 4) as usize);
    for y in 0..frame.height() as usize {
        for px in bytes[y * frame.stride() as usize..][..frame.width() as usize * 4].chunks_exact(4) {
            rgba.extend_from_slice(&[px[2], px[1], px[0], 255]);
        }
    }
    let file = std::fs::File::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut encoder = png::Encoder::new(std::io::BufWriter::new(file), frame.width(), frame.height());
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(|e| e.to_string())?;
    writer.write_image_data(&rgba).map_err(|e| e.to_string())?;
    println!("wrote {}", path.display());
    Ok(())
}

/// The X keysym of a key winit names (keys that are not text).
fn keysym(key: &Key) -> Option<u32> {
    Some(match key {
        Key::Named(NamedKey::Enter) => 0xff0d,
        Key::Named(NamedKey::Backspace) => 0xff08,
        Key::Named(NamedKey::Tab) => 0xff09,
        Key::Named(NamedKey::Escape) => 0xff1b,
        Key::Named(NamedKey::Delete) => 0xffff,
        Key::Named(NamedKey::ArrowLeft) => 0xff51,
        Key::Named(NamedKey::ArrowUp) => 0xff52,
        Key::Named(NamedKey::ArrowRight) => 0xff53,
        Key::Named(NamedKey::ArrowDown) => 0xff54,
        Key::Named(NamedKey::Home) => 0xff50,
        Key::Named(NamedKey::End) => 0xff57,
        Key::Named(NamedKey::PageUp) => 0xff55,
        Key::Named(NamedKey::PageDown) => 0xff56,
        _ => return None,
    })
}

/// A drag of these files, as the page gets them (a folder, or a file that cannot be opened, is
/// left out).
fn drag_data(paths: &[std::path::PathBuf]) -> webpane::DragData {
    let mut data = webpane::DragData::new();
    for path in paths {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if let Some(file) = std::fs::File::open(path)
            .ok()
            .and_then(|f| FileForTransit::take(f).ok())
        {
            let _ = data.add_file(&name, file);
        }
    }
    data
}

impl ApplicationHandler<SdkReady> for App {
    fn resumed(&mut self, event_loop: &ActiveEventLoop) {
        if self.shown.is_none()
            && let Err(e) = self.show(event_loop)
        {
            self.failed = Some(e);
            event_loop.exit();
        }
    }

    fn user_event(&mut self, event_loop: &ActiveEventLoop, _: SdkReady) {
        while let Ok(ran) = self.sdk.dispatch(Some(Duration::ZERO)) {
            if ran == 0 {
                break;
            }
        }
        let _ = self.dispatched.send(());
        if let (Some(shown), Some(name)) = (&self.shown, self.cursor.borrow_mut().take()) {
            // The page's CSS cursor names are winit's (`none` hides it).
            shown.window.set_cursor_visible(name != "none");
            shown.window.set_cursor(name.parse::<CursorIcon>().unwrap_or_default());
        }
        if let (Some(shown), Some(editing)) = (&self.shown, self.editing.borrow_mut().take()) {
            // The input method on while text is edited, its window at the caret.
            shown.window.set_ime_allowed(editing.is_active());
            let (x, y, width, height) = editing.caret_area();
            shown
                .window
                .set_ime_cursor_area(PhysicalPosition::new(x, y), PhysicalSize::new(width, height));
            shown.window.set_ime_purpose(match editing.purpose() {
                TextInputPurpose::Password => ImePurpose::Password,
                _ => ImePurpose::Normal,
            });
        }
        if let (Some(shown), Some(tip)) = (&self.shown, self.tooltip.borrow_mut().take()) {
            shown.window.set_title(&match tip {
                Some(tip) => format!("webpane offscreen — {tip}"),
                None => "webpane offscreen".to_owned(),
            });
        }
        self.run_script(event_loop);
    }

    fn window_event(&mut self, event_loop: &ActiveEventLoop, _: WindowId, event: WindowEvent) {
        let Some(webview) = self.shown.as_ref().map(|s| s.webview.clone()) else {
            return;
        };
        let (x, y) = self.pointer;
        let held = self.modifiers;
        let sent = match event {
            WindowEvent::CloseRequested => {
                event_loop.exit();
                Ok(())
            }
            WindowEvent::RedrawRequested => {
                self.draw();
                self.run_script(event_loop);
                Ok(())
            }
            WindowEvent::Resized(size) => webview.set_offscreen_size(size.width.max(1), size.height.max(1)),
            WindowEvent::ScaleFactorChanged { scale_factor, .. } => {
                webview.set_rasterization_scale(scale_factor.clamp(0.25, 8.0))
            }
            WindowEvent::Focused(focused) => webview.set_input_focus(focused),
            WindowEvent::ModifiersChanged(m) => {
                let state: ModifiersState = m.state();
                self.modifiers = [
                    (state.shift_key(), modifiers::SHIFT),
                    (state.control_key(), modifiers::CONTROL),
                    (state.alt_key(), modifiers::ALT),
                    (state.super_key(), modifiers::SUPER),
                ]
                .iter()
                .filter(|(on, _)| *on)
                .fold(0, |bits, (_, bit)| bits | bit);
                Ok(())
            }
            WindowEvent::CursorMoved { position, .. } => {
                self.pointer = (position.x, position.y);
                webview.send_mouse_input(MouseInput::moved(position.x, position.y).with_modifiers(held))
            }
            WindowEvent::CursorLeft { .. } => webview.send_mouse_input(MouseInput::left()),
            // Files dragged from another program onto the window go on to the page (winit does
            // not say where a drag is: the last pointer position stands for it).
            WindowEvent::HoveredFile(path) => {
                self.hovered.push(path);
                let _effect = webview.drag_enter(&drag_data(&self.hovered), x, y);
                Ok(())
            }
            WindowEvent::HoveredFileCancelled => {
                self.hovered.clear();
                webview.drag_leave()
            }
            WindowEvent::DroppedFile(path) => {
                self.dropped.push(path);
                if self.dropped.len() >= self.hovered.len() {
                    let _effect = webview.drag_drop(drag_data(&self.dropped), x, y);
                    self.hovered.clear();
                    self.dropped.clear();
                }
                Ok(())
            }
            WindowEvent::MouseInput { state, button, .. } => {
                let button = match button {
                    winit::event::MouseButton::Right => MouseButton::Right,
                    winit::event::MouseButton::Middle => MouseButton::Middle,
                    _ => MouseButton::Left,
                };
                let input = match state {
                    ElementState::Pressed => MouseInput::down(button, x, y),
                    ElementState::Released => MouseInput::up(button, x, y),
                };
                webview.send_mouse_input(input.with_modifiers(held))
            }
            WindowEvent::MouseWheel { delta, .. } => webview.send_mouse_input(match delta {
                MouseScrollDelta::LineDelta(dx, dy) => MouseInput::wheel_lines(x, y, -f64::from(dx), -f64::from(dy)),
                MouseScrollDelta::PixelDelta(p) => MouseInput::wheel(x, y, -p.x, -p.y),
            }),
            WindowEvent::Touch(touch) => {
                let (id, x, y) = (touch.id as u32, touch.location.x, touch.location.y);
                webview.send_touch_input(match touch.phase {
                    TouchPhase::Started => TouchInput::began(id, x, y),
                    TouchPhase::Moved => TouchInput::moved(id, x, y),
                    TouchPhase::Ended => TouchInput::ended(id, x, y),
                    TouchPhase::Cancelled => TouchInput::cancelled(id, x, y),
                })
            }
            WindowEvent::Ime(Ime::Preedit(text, cursor)) => {
                // winit gives the caret as a byte range; the view takes characters.
                let at = cursor.map_or(text.len(), |(start, _)| start.min(text.len()));
                let chars = text.get(..at).map_or(0, |t| t.chars().count());
                webview.set_composition(&text, chars as u32)
            }
            WindowEvent::Ime(Ime::Commit(text)) => webview.send_text_input(&text),
            WindowEvent::KeyboardInput { event, .. } => match (keysym(&event.logical_key), &event.text) {
                (Some(keyval), _) => {
                    let key = if event.state == ElementState::Pressed {
                        KeyInput::down(keyval)
                    } else {
                        KeyInput::up(keyval)
                    };
                    webview.send_key_input(key.with_modifiers(held))
                }
                (None, Some(text)) if event.state == ElementState::Pressed && held & modifiers::CONTROL == 0 => {
                    webview.send_text_input(text)
                }
                _ => Ok(()),
            },
            _ => Ok(()),
        };
        if let Err(e) = sent {
            eprintln!("webpane: {e}");
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let script = parse_args()?;
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
        script,
        shown: None,
        frame: Rc::default(),
        cursor: Rc::default(),
        editing: Rc::default(),
        tooltip: Rc::default(),
        pointer: (0.0, 0.0),
        modifiers: 0,
        hovered: Vec::new(),
        dropped: Vec::new(),
        loaded: Rc::default(),
        loaded_at: None,
        acted: None,
        typed: false,
        finished: false,
        typed_value: None,
        failed: None,
    };
    winit.run_app(&mut app)?;
    app.frame.replace(None);
    if let Some(shown) = app.shown.take() {
        shown.webview.close()?;
    }
    match app.failed {
        Some(e) => Err(e.into()),
        None => Ok(()),
    }
}
