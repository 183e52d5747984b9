//! Embedding into X11 windows of other toolkits (here: plain x11rb, no GTK in the parent):
//! placement checked by pixel colour, bounds, mouse and keyboard input through xdotool, and the
//! parent dying under the view.

mod common;

use std::process::Command;
use std::time::Duration;

use common::*;
use webpane::{CloseReason, EventLoop, WebViewOptions};
use x11rb::connection::Connection;
use x11rb::protocol::xproto::{ConnectionExt, CreateWindowAux, ImageFormat, WindowClass};
use x11rb::rust_connection::RustConnection;

const PARENT_ROLE: &str = "WEBPANE_TEST_X11_PARENT";

/// An X11 top-level window of our own (white), mapped.
fn parent_window(conn: &RustConnection, screen: usize, width: u16, height: u16) -> u32 {
    let screen = &conn.setup().roots[screen];
    let window = conn.generate_id().unwrap();
    conn.create_window(
        x11rb::COPY_DEPTH_FROM_PARENT,
        window,
        screen.root,
        0,
        0,
        width,
        height,
        0,
        WindowClass::INPUT_OUTPUT,
        0,
        &CreateWindowAux::new().background_pixel(screen.white_pixel),
    )
    .unwrap();
    conn.map_window(window).unwrap();
    conn.flush().unwrap();
    window
}

/// The colour (r, g, b) at (x, y) of `window`, children included.
fn colour_at(conn: &RustConnection, window: u32, x: i16, y: i16) -> (u8, u8, u8) {
    let image = conn
        .get_image(ImageFormat::Z_PIXMAP, window, x, y, 1, 1, !0)
        .unwrap()
        .reply()
        .unwrap();
    // 24/32-bit TrueColor, little-endian: B, G, R, X.
    (image.data[2], image.data[1], image.data[0])
}

const RED: (u8, u8, u8) = (255, 0, 0);
const BLUE: (u8, u8, u8) = (0, 0, 255);
const WHITE: (u8, u8, u8) = (255, 255, 255);

const PAGE: &str = "<style>html,body{margin:0;overflow:hidden}</style>\
    <input id=i style='position:absolute;left:0;top:0;width:200px;height:30px;box-sizing:border-box'>\
    <div style='position:absolute;left:0;top:30px;width:100px;height:70px;background:rgb(255,0,0)'></div>\
    <div style='position:absolute;left:100px;top:30px;width:100px;height:70px;background:rgb(0,0,255)'></div>\
    <script>window.clicks = []; document.addEventListener('mousedown', e => clicks.push([e.clientX, e.clientY]));</script>";

fn wait_colour(event_loop: &EventLoop, conn: &RustConnection, window: u32, x: i16, y: i16, want: (u8, u8, u8)) {
    wait_until(event_loop, &format!("colour {want:?} at ({x}, {y})"), || {
        colour_at(conn, window, x, y) == want
    });
}

fn xdotool(args: &[&str]) {
    let status = Command::new("xdotool")
        .args(args)
        .status()
        .expect("xdotool (cargo xtask test installs it)");
    assert!(status.success(), "xdotool {args:?} failed");
}

#[test]
fn an_embedded_page_shows_where_it_is_put_and_takes_input() {
    let (conn, screen) = x11rb::connect(None).expect("an X display (run under xvfb-run)");
    let parent = parent_window(&conn, screen, 400, 300);
    let (event_loop, env, _webview, _dir) = open_webview();
    let webview = event_loop
        .block_on(env.create_webview(WebViewOptions::embedded(u64::from(parent), 20, 30, 200, 100)))
        .unwrap()
        .unwrap();
    let loaded = std::rc::Rc::new(std::cell::Cell::new(false));
    let l = loaded.clone();
    webview.on_navigation_completed(move |_, _| l.set(true));
    webview.navigate_to_string(PAGE).unwrap();
    wait_until(&event_loop, "the page", || loaded.get());
    // Placed inside the parent at (20, 30); the parent's own background around it.
    wait_colour(&event_loop, &conn, parent, 20 + 50, 30 + 60, RED);
    wait_colour(&event_loop, &conn, parent, 20 + 150, 30 + 60, BLUE);
    assert_eq!(colour_at(&conn, parent, 5, 5), WHITE);
    assert_eq!(colour_at(&conn, parent, 20 + 250, 30 + 60), WHITE);

    // Moved and resized by the app.
    webview.set_bounds(150, 150, 200, 100).unwrap();
    wait_colour(&event_loop, &conn, parent, 150 + 50, 150 + 60, RED);
    wait_colour(&event_loop, &conn, parent, 20 + 50, 30 + 60, WHITE);

    // A click reaches the page at the right place, and typed keys land in the input.
    webview.move_focus(webpane::MoveFocusReason::Programmatic).unwrap();
    let parent_id = parent.to_string();
    xdotool(&["mousemove", "--window", &parent_id, "250", "165", "click", "1"]);
    wait_until(&event_loop, "the click", || {
        let clicks = event_loop.block_on(webview.execute_script("clicks")).unwrap().unwrap();
        clicks != "[]"
    });
    let clicks = event_loop.block_on(webview.execute_script("clicks")).unwrap().unwrap();
    assert_eq!(clicks, "[[100,15]]", "page coordinates of a click at parent (250, 165)");
    xdotool(&["type", "--delay", "20", "hello"]);
    wait_until(&event_loop, "the typed text", || {
        event_loop
            .block_on(webview.execute_script("document.getElementById('i').value"))
            .unwrap()
            .unwrap()
            == r#""hello""#
    });

    // Hidden and shown again.
    webview.set_visible(false).unwrap();
    wait_colour(&event_loop, &conn, parent, 150 + 50, 150 + 60, WHITE);
    webview.set_visible(true).unwrap();
    wait_colour(&event_loop, &conn, parent, 150 + 50, 150 + 60, RED);
}

/// The helper process: owns a parent window until it is killed.
#[test]
fn x11_parent_entry_point() {
    if std::env::var_os(PARENT_ROLE).is_none() {
        return;
    }
    let (conn, screen) = x11rb::connect(None).unwrap();
    let window = parent_window(&conn, screen, 300, 200);
    println!("@@{window}");
    loop {
        std::thread::sleep(Duration::from_secs(1));
    }
}

#[test]
fn a_parent_that_dies_closes_its_view_and_the_runtime_goes_on() {
    use std::io::BufRead;
    let mut helper = Command::new(std::env::current_exe().unwrap())
        .args(["x11_parent_entry_point", "--exact", "--nocapture", "--test-threads=1"])
        .env(PARENT_ROLE, "1")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = helper.stdout.take().unwrap();
    let xid: u64 = std::io::BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .find_map(|l| l.find("@@").map(|at| l[at + 2..].trim().parse().unwrap()))
        .expect("the parent's window id");
    let (event_loop, env, other, _dir) = open_webview();
    let webview = event_loop
        .block_on(env.create_webview(WebViewOptions::embedded(xid, 0, 0, 300, 200)))
        .unwrap()
        .unwrap();
    let closed = recorder();
    let c = closed.clone();
    webview.on_closed(move |_, args| c.borrow_mut().push(args.reason()));
    let loaded = std::rc::Rc::new(std::cell::Cell::new(false));
    let l = loaded.clone();
    webview.on_navigation_completed(move |_, _| l.set(true));
    webview
        .navigate_to_string("<body style='background:red'>embedded</body>")
        .unwrap();
    wait_until(&event_loop, "the page", || loaded.get());

    helper.kill().unwrap();
    helper.wait().unwrap();
    wait_until(&event_loop, "the view to close", || !closed.borrow().is_empty());
    assert_eq!(*closed.borrow(), vec![CloseReason::ParentWindowDestroyed]);
    assert!(webview.is_closed());
    assert!(matches!(webview.navigate_to_string("x"), Err(webpane::Error::Closed)));
    // The browser process serves its other webviews, and new ones.
    assert_eq!(
        event_loop.block_on(other.execute_script("1 + 2")).unwrap().unwrap(),
        "3"
    );
    let again = event_loop
        .block_on(env.create_webview(WebViewOptions::default()))
        .unwrap()
        .unwrap();
    assert_eq!(
        event_loop.block_on(again.execute_script("2 + 2")).unwrap().unwrap(),
        "4"
    );
}

#[test]
fn a_parent_window_that_does_not_exist_harms_nothing() {
    let (event_loop, env, other, _dir) = open_webview();
    // A window id nobody owns: the view is reported closed (or never shows); the browser process
    // goes on.
    let closed = recorder();
    match event_loop
        .block_on(env.create_webview(WebViewOptions::embedded(0x7fff_fff0, 0, 0, 100, 100)))
        .unwrap()
    {
        Ok(webview) => {
            let c = closed.clone();
            webview.on_closed(move |_, args| c.borrow_mut().push(args.reason()));
            let _ = webview.navigate_to_string("<p>nowhere</p>");
        }
        Err(e) => println!("refused: {e}"),
    }
    // Whatever became of it, the runtime serves the other webview and new ones.
    assert_eq!(
        event_loop.block_on(other.execute_script("5 * 5")).unwrap().unwrap(),
        "25"
    );
    let again = event_loop
        .block_on(env.create_webview(WebViewOptions::default()))
        .unwrap()
        .unwrap();
    assert_eq!(event_loop.block_on(again.execute_script("1")).unwrap().unwrap(), "1");
    assert!(closed.borrow().iter().all(|r| *r == CloseReason::ParentWindowDestroyed));
}
