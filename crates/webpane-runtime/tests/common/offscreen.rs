//! Offscreen views in tests: one made, its pictures kept, pixels and page messages waited for.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use webpane::{EventLoop, MouseButton, MouseInput, OffscreenPicture, WebView, WebViewOptions};

use super::TIMEOUT;

/// The frames the view delivers, kept (so their buffers stay ours) until taken.
pub fn collect_frames(webview: &WebView) -> Rc<RefCell<Vec<OffscreenPicture>>> {
    let frames: Rc<RefCell<Vec<OffscreenPicture>>> = Rc::default();
    let f = frames.clone();
    webview.on_picture_ready(move |_, args| {
        let mut frames = f.borrow_mut();
        // Keep the newest only: older ones go back to the browser process.
        frames.clear();
        frames.push(args.picture().clone());
    });
    frames
}

/// Waits until the newest frame has `bgra` at `x, y`; returns it.
pub fn wait_pixel(
    event_loop: &EventLoop,
    frames: &Rc<RefCell<Vec<OffscreenPicture>>>,
    x: u32,
    y: u32,
    bgra: [u8; 4],
) -> OffscreenPicture {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        if let Some(frame) = frames.borrow().last()
            && frame.pixel(x, y) == Some(bgra)
        {
            return frame.clone();
        }
        let seen = frames.borrow().last().and_then(|f| f.pixel(x, y));
        assert!(
            Instant::now() < deadline,
            "pixel ({x}, {y}) never became {bgra:?} (last: {seen:?})"
        );
        event_loop.dispatch(Some(Duration::from_millis(20))).unwrap();
    }
}

pub const RED: [u8; 4] = [0, 0, 255, 255];
pub const GREEN: [u8; 4] = [0, 128, 0, 255];
pub const BLUE: [u8; 4] = [255, 0, 0, 255];

pub fn offscreen_view(event_loop: &EventLoop, env: &webpane::Environment, width: u32, height: u32) -> WebView {
    event_loop
        .block_on(env.create_webview(WebViewOptions::offscreen(width, height)))
        .unwrap()
        .unwrap()
}

/// A left click at `x, y`.
pub fn click(webview: &WebView, x: f64, y: f64) {
    for input in [
        MouseInput::down(MouseButton::Left, x, y),
        MouseInput::up(MouseButton::Left, x, y),
    ] {
        webview.send_mouse_input(input).unwrap();
    }
}

/// The page's messages, as JSON text.
pub fn messages(webview: &WebView) -> Rc<RefCell<Vec<String>>> {
    let got: Rc<RefCell<Vec<String>>> = Rc::default();
    let g = got.clone();
    webview.on_web_message_received(move |_, args| g.borrow_mut().push(args.web_message_as_json().to_owned()));
    got
}

pub fn wait_message(event_loop: &EventLoop, got: &Rc<RefCell<Vec<String>>>, what: &str) -> String {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        if let Some(m) = got.borrow().iter().find(|m| m.contains(what)) {
            return m.clone();
        }
        assert!(Instant::now() < deadline, "no message with {what}: {:?}", got.borrow());
        event_loop.dispatch(Some(Duration::from_millis(20))).unwrap();
    }
}
