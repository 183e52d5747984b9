//! Offscreen hosting across the real processes: the page's frames arrive in this app's shared
//! memory with the rectangles that changed, input from the app reaches the page (clicks, typing
//! with a non-ASCII committed string, the wheel, the cursor over a link), the app's input method
//! composes in the page and hears where the caret is, tooltips follow the pointer, a resize gives
//! frames of the new size, frame buffers do not leak (over 10,000 frames), and a killed render
//! process is reported and hosting recovers after a reload. (Touch: `offscreen_touch.rs`.)

mod common;

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use common::offscreen::*;
use common::*;
use webpane::{EventLoop, KeyInput, MouseButton, MouseInput, PictureRect, TextInputPurpose, WebViewOptions};

#[test]
fn frames_arrive_in_shared_memory_with_what_changed() {
    let (event_loop, folder) = (EventLoop::new().unwrap(), tempfile::tempdir().unwrap());
    let env = env_with(&event_loop, folder.path(), |b| b);
    let webview = offscreen_view(&event_loop, &env, 400, 300);
    assert_eq!(webview.offscreen_size(), Some((400, 300)));
    let frames = collect_frames(&webview);
    assert!(load_html(
        &event_loop,
        &webview,
        "<body style='margin:0;background:rgb(255,0,0)'>\
         <div id=box style='position:absolute;left:100px;top:50px;width:40px;height:30px;background:rgb(0,0,255)'></div></body>"
    ));
    let frame = wait_pixel(&event_loop, &frames, 10, 10, RED);
    assert_eq!((frame.width(), frame.height(), frame.stride()), (400, 300, 1600));
    assert_eq!(frame.pixel(110, 60), Some(BLUE));
    let mut copy = vec![0u8; 1600 * 300];
    assert_eq!(frame.copy_to(&mut copy), 1600 * 300);
    assert_eq!(&copy[(60 * 1600 + 110 * 4)..][..4], &BLUE);
    let first = frame.sequence();
    drop(frame);

    // A change in one place: the next frames' damage covers it and not the whole view.
    script_result(&event_loop, &webview, "box.style.background = 'rgb(0,128,0)'; 1").unwrap();
    let changed = wait_pixel(&event_loop, &frames, 110, 60, GREEN);
    assert!(changed.sequence() > first);
    let damage: Vec<PictureRect> = changed.damage();
    let covers = damage
        .iter()
        .any(|r| r.x <= 100 && r.y <= 50 && r.x + r.width >= 140 && r.y + r.height >= 80);
    assert!(covers, "the damage {damage:?} misses the box");
    let area: u64 = damage.iter().map(PictureRect::area).sum();
    assert!(area < 400 * 300 / 4, "the damage {damage:?} is most of the view");
    assert_eq!(changed.pixel(10, 10), Some(RED), "the rest of the frame is there too");

    // Capture and PDF work as for any view.
    let png = event_loop
        .block_on(webview.capture_preview(webpane::ImageFormat::Png))
        .unwrap()
        .unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let pdf = folder.path().join("page.pdf");
    event_loop.block_on(webview.print_to_pdf(&pdf)).unwrap().unwrap();
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF"));
}

#[test]
fn input_from_the_app_reaches_the_page() {
    let (event_loop, folder) = (EventLoop::new().unwrap(), tempfile::tempdir().unwrap());
    let env = env_with(&event_loop, folder.path(), |b| b);
    let webview = offscreen_view(&event_loop, &env, 400, 300);
    let frames = collect_frames(&webview);
    let got = messages(&webview);
    let cursors = recorder();
    let c = cursors.clone();
    webview.on_cursor_changed(move |_, args| c.borrow_mut().push(args.cursor().to_owned()));
    assert!(load_html(
        &event_loop,
        &webview,
        r##"<body style="margin:0;height:3000px">
        <button id=b style="position:absolute;left:20px;top:20px;width:100px;height:40px;background:rgb(255,0,0);border:0"
          onclick="this.style.background='rgb(0,128,0)'; chrome.webview.postMessage({clicked: [event.clientX, event.clientY]})">b</button>
        <input id=i style="position:absolute;left:20px;top:100px;width:200px;height:30px"
          oninput="chrome.webview.postMessage({typed: this.value})">
        <a href="#x" style="position:absolute;left:20px;top:180px;font-size:30px">a link</a>
        <div style="position:absolute;left:250px;top:20px;width:100px;height:60px;cursor:move"></div>
        <div style="position:absolute;left:250px;top:100px;width:100px;height:60px;cursor:crosshair"></div>
        <script>addEventListener('scroll', () => chrome.webview.postMessage({scrolled: scrollY}));</script>
        </body>"##
    ));
    wait_pixel(&event_loop, &frames, 70, 40, RED);

    // A click at the button's centre: the page's handler runs there, and the frame shows it.
    for input in [
        MouseInput::moved(70.0, 40.0),
        MouseInput::down(MouseButton::Left, 70.0, 40.0),
        MouseInput::up(MouseButton::Left, 70.0, 40.0),
    ] {
        webview.send_mouse_input(input).unwrap();
    }
    assert_eq!(wait_message(&event_loop, &got, "clicked"), r#"{"clicked":[70,40]}"#);
    wait_pixel(&event_loop, &frames, 70, 40, GREEN);

    // Typing into the input: keys, then text an input method committed (not ASCII).
    webview.set_input_focus(true).unwrap();
    click(&webview, 100.0, 115.0);
    for keyval in [0x61u32, 0x62] {
        webview.send_key_input(KeyInput::down(keyval)).unwrap();
        webview.send_key_input(KeyInput::up(keyval)).unwrap();
    }
    // (As an app's input method does, text comes once the field is being edited.)
    wait_message(&event_loop, &got, r#"{"typed":"ab"}"#);
    webview.send_text_input("é✓日本").unwrap();
    // A key after the text comes after it (the commit keeps its place among the keys).
    webview.send_key_input(KeyInput::down(0x63)).unwrap();
    webview.send_key_input(KeyInput::up(0x63)).unwrap();
    assert_eq!(
        wait_message(&event_loop, &got, "ab\u{e9}\u{2713}\u{65e5}\u{672c}c"),
        "{\"typed\":\"ab\u{e9}\u{2713}\u{65e5}\u{672c}c\"}"
    );
    // Issue 25.9: long text goes in as one edit (it was one edit of the whole field per
    // character: 50,000 characters held every app's browser process for half a minute), and
    // text past the limit is a typed error.
    let long: String = "0123456789".repeat(5_000);
    webview.send_text_input(&long).unwrap();
    let expected = format!("ab\u{e9}\u{2713}\u{65e5}\u{672c}c{long}");
    wait_until(&event_loop, "the long text", || {
        got.borrow().iter().any(|m| m.contains(&expected))
    });
    assert!(matches!(
        webview.send_text_input(&"x".repeat(webpane::MAX_TEXT_INPUT + 1)),
        Err(webpane::Error::InvalidArgument(_))
    ));

    // The cursor over the link.
    webview.send_mouse_input(MouseInput::moved(40.0, 195.0)).unwrap();
    wait_until(&event_loop, "the pointer cursor over the link", || {
        cursors.borrow().iter().any(|c| c == "pointer")
    });
    webview.send_mouse_input(MouseInput::moved(300.0, 250.0)).unwrap();
    wait_until(&event_loop, "the default cursor off the link", || {
        cursors.borrow().last().is_some_and(|c| c == "default")
    });
    // The page's own CSS cursors, by name.
    for (x, y, name) in [
        (300.0, 50.0, "move"),
        (300.0, 130.0, "crosshair"),
        (300.0, 250.0, "default"),
    ] {
        webview.send_mouse_input(MouseInput::moved(x, y)).unwrap();
        wait_until(&event_loop, name, || cursors.borrow().last().is_some_and(|c| c == name));
    }

    // The wheel scrolls the page.
    webview
        .send_mouse_input(MouseInput::wheel_lines(200.0, 150.0, 0.0, 3.0))
        .unwrap();
    let scrolled = wait_message(&event_loop, &got, "scrolled");
    assert!(!scrolled.contains(":0}"), "{scrolled}");

    // Input is for offscreen views only.
    let plain = event_loop
        .block_on(env.create_webview(WebViewOptions::headless(100, 100)))
        .unwrap()
        .unwrap();
    assert!(matches!(
        plain.send_mouse_input(MouseInput::moved(1.0, 1.0)),
        Err(webpane::Error::InvalidArgument(_))
    ));
}

#[test]
fn an_input_method_composes_and_tooltips_follow_the_pointer() {
    let (event_loop, folder) = (EventLoop::new().unwrap(), tempfile::tempdir().unwrap());
    let env = env_with(&event_loop, folder.path(), |b| b);
    let webview = offscreen_view(&event_loop, &env, 400, 300);
    let frames = collect_frames(&webview);
    let got = messages(&webview);
    type Editing = (bool, (i32, i32, i32, i32), TextInputPurpose);
    let states: Rc<RefCell<Vec<Editing>>> = Rc::default();
    let s = states.clone();
    webview.on_text_input_changed(move |_, args| {
        s.borrow_mut()
            .push((args.is_active(), args.caret_area(), args.purpose()))
    });
    let tips: Rc<RefCell<Vec<Option<String>>>> = Rc::default();
    let t = tips.clone();
    webview.on_tooltip_changed(move |_, args| t.borrow_mut().push(args.text().map(str::to_owned)));
    assert!(load_html(
        &event_loop,
        &webview,
        r##"<body style="margin:0;background:rgb(255,0,0)">
        <div title="first tip" style="position:absolute;left:0;top:0;width:100px;height:50px"></div>
        <div title="second tip" style="position:absolute;left:100px;top:0;width:100px;height:50px"></div>
        <input id=i style="position:absolute;left:40px;top:100px;width:200px;height:30px;font-size:20px">
        <input id=p type=password style="position:absolute;left:40px;top:200px;width:200px;height:30px">
        <script>
        for (const t of ['compositionstart', 'compositionupdate', 'compositionend'])
          i.addEventListener(t, e => chrome.webview.postMessage({event: t, data: e.data}));
        i.addEventListener('input', e => chrome.webview.postMessage({input: i.value, composing: e.isComposing}));
        </script></body>"##
    ));
    wait_pixel(&event_loop, &frames, 300, 20, RED);

    // A composition with nothing editable focused goes nowhere (and harms nothing).
    webview.set_composition("zz", 1).unwrap();
    webview.set_composition("", 0).unwrap();

    // The caret in the text input: the app hears where it is, and that text is being edited.
    webview.set_input_focus(true).unwrap();
    click(&webview, 100.0, 115.0);
    wait_until(&event_loop, "the caret reported in the input", || {
        states.borrow().last().is_some_and(|&(active, (x, y, _, h), purpose)| {
            active
                && (40..100).contains(&x)
                && (100..130).contains(&y)
                && h > 0
                && purpose == TextInputPurpose::FreeForm
        })
    });

    // A composition shows in the page as one (compositionstart, compositionupdate), and the
    // commit replaces it (compositionend, then the input's value).
    webview.set_composition("にほ", 2).unwrap();
    assert!(wait_message(&event_loop, &got, "compositionstart").contains("compositionstart"));
    wait_message(&event_loop, &got, r#""data":"にほ""#);
    webview.set_composition("日本", 2).unwrap();
    wait_message(&event_loop, &got, r#""data":"日本""#);
    webview.send_text_input("日本").unwrap();
    assert_eq!(
        wait_message(&event_loop, &got, "compositionend"),
        r#"{"event":"compositionend","data":"日本"}"#
    );
    assert_eq!(script_result(&event_loop, &webview, "i.value").unwrap(), r#""日本""#);

    // A password field: the app's input method hears what kind of text it is.
    click(&webview, 100.0, 215.0);
    wait_until(&event_loop, "the password field's kind", || {
        states
            .borrow()
            .last()
            .is_some_and(|s| s.0 && s.2 == TextInputPurpose::Password)
    });

    // Tooltips follow the pointer: one element's title, another's straight after, none.
    webview.send_mouse_input(MouseInput::moved(50.0, 25.0)).unwrap();
    wait_until(&event_loop, "the first tooltip", || {
        tips.borrow().last() == Some(&Some("first tip".to_owned()))
    });
    webview.send_mouse_input(MouseInput::moved(150.0, 25.0)).unwrap();
    wait_until(&event_loop, "the second tooltip", || {
        tips.borrow().last() == Some(&Some("second tip".to_owned()))
    });
    webview.send_mouse_input(MouseInput::moved(300.0, 280.0)).unwrap();
    wait_until(&event_loop, "no tooltip", || tips.borrow().last() == Some(&None));
}

#[test]
fn resize_buffers_and_a_crashed_page() {
    let (event_loop, folder) = (EventLoop::new().unwrap(), tempfile::tempdir().unwrap());
    let env = env_with(&event_loop, folder.path(), |b| b);
    let webview = offscreen_view(&event_loop, &env, 320, 200);
    let frames = collect_frames(&webview);
    assert!(load_html(
        &event_loop,
        &webview,
        "<body style='margin:0;background:rgb(0,0,255)'><div id=n style='font-size:40px'>0</div>\
         <script>let k = 0; setInterval(() => { n.textContent = ++k; }, 4);</script></body>"
    ));
    wait_pixel(&event_loop, &frames, 300, 190, BLUE);

    // A resize: frames of the new size follow.
    webview.set_offscreen_size(500, 260).unwrap();
    let deadline = Instant::now() + TIMEOUT;
    loop {
        if let Some(f) = frames.borrow().last()
            && (f.width(), f.height()) == (500, 260)
            && f.pixel(480, 250) == Some(BLUE)
        {
            break;
        }
        assert!(Instant::now() < deadline, "no frame of the new size");
        event_loop.dispatch(Some(Duration::from_millis(20))).unwrap();
    }

    // Hundreds of frames of a running counter: the buffers rotate, nothing grows.
    let runtime_pid = env.browser_process_id().unwrap();
    let maps = || {
        std::fs::read_to_string(format!("/proc/{runtime_pid}/maps"))
            .unwrap()
            .lines()
            .filter(|l| l.contains("memfd:webpane-shm"))
            .count()
    };
    // Shared memory the browser process holds open (frame buffers are mapped, their fds closed).
    let fds = || {
        std::fs::read_dir(format!("/proc/{runtime_pid}/fd"))
            .unwrap()
            .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
            .filter(|target| target.to_string_lossy().contains("memfd:webpane-shm"))
            .count()
    };
    let start = frames.borrow().last().unwrap().sequence();
    let (maps_before, fds_before) = (maps(), fds());
    assert!(maps_before >= 3, "the three frame buffers are mapped ({maps_before})");
    wait_until(&event_loop, "300 more frames", || {
        frames.borrow().last().is_some_and(|f| f.sequence() >= start + 300)
    });
    assert_eq!(maps(), maps_before, "shared memory mappings grew");
    assert_eq!(fds(), fds_before, "shared memory descriptors grew");

    // Hidden: no frames (WebKit stops painting a hidden view); shown again: they come back.
    webview.set_visible(false).unwrap();
    let settle = Instant::now() + Duration::from_millis(500);
    while Instant::now() < settle {
        event_loop.dispatch(Some(Duration::from_millis(20))).unwrap();
    }
    let hidden_at = frames.borrow().last().unwrap().sequence();
    let quiet = Instant::now() + Duration::from_secs(1);
    while Instant::now() < quiet {
        event_loop.dispatch(Some(Duration::from_millis(20))).unwrap();
    }
    assert_eq!(
        frames.borrow().last().unwrap().sequence(),
        hidden_at,
        "frames while hidden"
    );
    webview.set_visible(true).unwrap();
    wait_until(&event_loop, "frames after showing again", || {
        frames.borrow().last().is_some_and(|f| f.sequence() > hidden_at)
    });

    // The render process killed: reported; after a reload, frames come again.
    let failed = recorder();
    let f = failed.clone();
    webview.on_process_failed(move |_, args| f.borrow_mut().push(format!("{:?}", args.kind())));
    webview.terminate_render_process().unwrap();
    wait_until(&event_loop, "the render process's failure", || {
        !failed.borrow().is_empty()
    });
    let before = frames.borrow().last().unwrap().sequence();
    assert!(load_html(
        &event_loop,
        &webview,
        "<body style='margin:0;background:rgb(0,128,0)'></body>"
    ));
    let back = wait_pixel(&event_loop, &frames, 10, 10, GREEN);
    assert!(back.sequence() > before);
}

#[test]
fn a_hidpi_scale_lays_the_page_out_in_css_pixels() {
    let (event_loop, folder) = (EventLoop::new().unwrap(), tempfile::tempdir().unwrap());
    let env = env_with(&event_loop, folder.path(), |b| b);
    let webview = offscreen_view(&event_loop, &env, 400, 300);
    let frames = collect_frames(&webview);
    let got = messages(&webview);
    webview.set_rasterization_scale(2.0).unwrap();
    assert!(matches!(
        webview.set_rasterization_scale(0.0),
        Err(webpane::Error::InvalidArgument(_))
    ));
    assert!(load_html(
        &event_loop,
        &webview,
        "<body style='margin:0;background:rgb(0,0,255)'>\
         <div id=box style='width:100px;height:100px;background:rgb(255,0,0)'></div><script>\
         chrome.webview.postMessage('viewport ' + innerWidth + 'x' + innerHeight);\
         box.onclick = e => chrome.webview.postMessage('clicked ' + e.clientX + ',' + e.clientY);\
         </script></body>"
    ));
    // 400 × 300 frame pixels are 200 × 150 CSS pixels; the 100-pixel box covers 200 of them.
    assert_eq!(wait_message(&event_loop, &got, "viewport"), "\"viewport 200x150\"");
    let frame = wait_pixel(&event_loop, &frames, 195, 195, RED);
    assert_eq!((frame.width(), frame.height()), (400, 300));
    assert_eq!(frame.pixel(205, 100), Some(BLUE));
    // Input is in frame pixels too.
    webview.send_mouse_input(MouseInput::moved(150.0, 120.0)).unwrap();
    webview
        .send_mouse_input(MouseInput::down(MouseButton::Left, 150.0, 120.0))
        .unwrap();
    webview
        .send_mouse_input(MouseInput::up(MouseButton::Left, 150.0, 120.0))
        .unwrap();
    assert_eq!(wait_message(&event_loop, &got, "clicked"), "\"clicked 75,60\"");
}

/// Mappings and descriptors of webpane's shared memory in process `pid` (a browser process: each
/// test has its own).
fn shared_memory_held(pid: &str) -> (usize, usize) {
    let maps = std::fs::read_to_string(format!("/proc/{pid}/maps"))
        .unwrap()
        .lines()
        .filter(|l| l.contains("memfd:webpane-shm"))
        .count();
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
        .filter(|target| target.to_string_lossy().contains("memfd:webpane-shm"))
        .count();
    (maps, fds)
}

#[test]
fn ten_thousand_frames_leak_nothing() {
    let (event_loop, folder) = (EventLoop::new().unwrap(), tempfile::tempdir().unwrap());
    let env = env_with(&event_loop, folder.path(), |b| b);
    // Small, so that WebKit paints as fast as it can: every animation frame a new colour.
    let webview = offscreen_view(&event_loop, &env, 64, 48);
    let frames = collect_frames(&webview);
    // Where each frame is in this app's memory: the same three buffers all along (this test
    // process runs other tests beside it, so its own mappings are counted by address).
    let addresses: Rc<RefCell<std::collections::HashSet<usize>>> = Rc::default();
    let a = addresses.clone();
    webview.on_picture_ready(move |_, args| {
        a.borrow_mut().insert(args.picture().as_ptr().as_ptr() as usize);
    });
    assert!(load_html(
        &event_loop,
        &webview,
        "<body style='margin:0'><script>let k = 0; (function step() { k = (k + 1) % 250; \
         document.body.style.background = `rgb(${k},0,255)`; requestAnimationFrame(step); })();</script></body>"
    ));
    wait_until(&event_loop, "the first frames", || {
        frames.borrow().last().is_some_and(|f| f.sequence() >= 20)
    });
    let runtime = env.browser_process_id().unwrap().to_string();
    let runtime_before = shared_memory_held(&runtime);
    let start = frames.borrow().last().unwrap().sequence();
    // Each frame must come within the usual timeout of the one before; 10,000 take minutes.
    let (mut seen, mut progress_at) = (start, Instant::now());
    while seen < start + 10_000 {
        event_loop.dispatch(Some(Duration::from_millis(20))).unwrap();
        let now = frames.borrow().last().map_or(seen, |f| f.sequence());
        if now > seen {
            (seen, progress_at) = (now, Instant::now());
        }
        assert!(
            progress_at.elapsed() < TIMEOUT,
            "frames stopped after {} of 10,000",
            seen - start
        );
    }
    assert_eq!(
        shared_memory_held(&runtime),
        runtime_before,
        "the browser process's shared memory grew"
    );
    let addresses = addresses.borrow().len();
    assert!(addresses <= 3, "frames came in {addresses} places of this app's memory");
}
