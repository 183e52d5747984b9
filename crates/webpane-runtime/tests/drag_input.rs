//! Drags the app forwards (WebView2's `DragEnter`, `DragOver`, `DragLeave`, `Drop`), across the
//! real processes, into an offscreen view and one in a (hidden) window: the page's drag events fire where
//! the app points (`dragenter`/`dragleave` as the element under the point changes), its drop
//! effect comes back, and its `drop` listener reads the files' names, types and contents and the
//! drag's text. A drop where the page does not take it is a `dragleave` and no effect; with
//! external drops off the page hears nothing.

mod common;

use common::offscreen::*;
use common::*;
use webpane::{DragData, DropEffect, EventLoop, FileForTransit, WebView, WebViewOptions};

/// Left half: a zone that takes drags (as a move); right half: one that does not.
const PAGE: &str = r#"<body style="margin:0">
<div id=zone style="position:absolute;left:0;top:0;width:200px;height:200px"></div>
<div id=other style="position:absolute;left:200px;top:0;width:200px;height:200px"></div>
<script>
  const say = (m) => chrome.webview.postMessage(m);
  for (const type of ["dragenter", "dragleave"])
    addEventListener(type, (e) => say({ [type]: e.target.id, types: [...e.dataTransfer.types] }));
  zone.addEventListener("dragover", (e) => { e.preventDefault(); e.dataTransfer.dropEffect = "move"; });
  addEventListener("drop", async (e) => {
    e.preventDefault();
    const files = [];
    for (const f of e.dataTransfer.files) files.push([f.name, f.type, await f.text()]);
    say({ drop: e.target.id, at: [e.clientX, e.clientY], files, text: e.dataTransfer.getData("text/plain") });
  });
</script></body>"#;

fn data(folder: &std::path::Path) -> DragData {
    let (a, b) = (folder.join("a.txt"), folder.join("b.json"));
    std::fs::write(&a, "first").unwrap();
    std::fs::write(&b, "[2]").unwrap();
    let open = |p: &std::path::Path| FileForTransit::take(std::fs::File::open(p).unwrap()).unwrap();
    DragData::new()
        .with_file("a.txt", open(&a))
        .unwrap()
        .with_file("b.json", open(&b))
        .unwrap()
        .with_text("some text")
}

fn effect(event_loop: &EventLoop, op: webpane::Operation<DropEffect>) -> DropEffect {
    block_on_within(event_loop, "the page's drop effect", op).unwrap()
}

/// The whole forwarded drag on `webview` (showing `PAGE`).
fn drag_into(event_loop: &EventLoop, webview: &WebView, folder: &std::path::Path) {
    let got = messages(webview);
    let enter = data(folder);
    assert_eq!(enter.file_names(), ["a.txt", "b.json"]);
    assert_eq!(
        effect(event_loop, webview.drag_enter(&enter, 50.0, 50.0)),
        DropEffect::Move
    );
    wait_message(
        event_loop,
        &got,
        r#"{"dragenter":"zone","types":["Files","text/plain"]}"#,
    );
    // Over the part that does not take it: left the zone, entered the other, no effect.
    assert_eq!(effect(event_loop, webview.drag_over(300.0, 50.0)), DropEffect::None);
    wait_message(event_loop, &got, r#"{"dragenter":"other""#);
    wait_message(event_loop, &got, r#"{"dragleave":"zone""#);
    assert_eq!(effect(event_loop, webview.drag_over(60.0, 70.0)), DropEffect::Move);
    // Dropped on the zone: the files and the text, read by the page.
    assert_eq!(
        effect(event_loop, webview.drag_drop(data(folder), 60.0, 70.0)),
        DropEffect::Move
    );
    assert_eq!(
        wait_message(event_loop, &got, r#"{"drop""#),
        r#"{"drop":"zone","at":[60,70],"files":[["a.txt","text/plain","first"],["b.json","application/json","[2]"]],"text":"some text"}"#
    );

    // Dropped where the page does not take it: a dragleave, no drop.
    got.borrow_mut().clear();
    assert_eq!(
        effect(event_loop, webview.drag_enter(&data(folder), 300.0, 20.0)),
        DropEffect::None
    );
    assert_eq!(
        effect(event_loop, webview.drag_drop(data(folder), 300.0, 20.0)),
        DropEffect::None
    );
    wait_message(event_loop, &got, r#"{"dragleave":"other""#);
    // A leave: dragleave where the drag was.
    assert_eq!(
        effect(
            event_loop,
            webview.drag_enter(&DragData::new().with_text("t"), 20.0, 20.0)
        ),
        DropEffect::Move
    );
    webview.drag_leave().unwrap();
    wait_message(event_loop, &got, r#"{"dragleave":"zone","types":["text/plain"]}"#);
    assert!(
        !got.borrow().iter().any(|m| m.contains("\"drop\"")),
        "{:?}",
        got.borrow()
    );

    // External drops off: the page hears nothing, the effect is none.
    webview.set_allow_external_drop(false).unwrap();
    got.borrow_mut().clear();
    assert_eq!(
        effect(event_loop, webview.drag_enter(&data(folder), 50.0, 50.0)),
        DropEffect::None
    );
    assert_eq!(
        effect(event_loop, webview.drag_drop(data(folder), 50.0, 50.0)),
        DropEffect::None
    );
    // (A round trip to the page: anything it said would be here by now.)
    script_result(event_loop, webview, "1").unwrap();
    assert!(got.borrow().is_empty(), "{:?}", got.borrow());
}

#[test]
fn a_forwarded_drag_reaches_an_offscreen_page_and_its_effect_comes_back() {
    let (event_loop, folder) = (EventLoop::new().unwrap(), tempfile::tempdir().unwrap());
    let env = env_with(&event_loop, folder.path(), |b| b);
    let webview = offscreen_view(&event_loop, &env, 400, 200);
    assert!(load_html(&event_loop, &webview, PAGE));
    drag_into(&event_loop, &webview, folder.path());
}

#[test]
fn a_forwarded_drag_reaches_a_page_in_a_window_and_bad_files_are_refused() {
    let (event_loop, folder) = (EventLoop::new().unwrap(), tempfile::tempdir().unwrap());
    let env = env_with(&event_loop, folder.path(), |b| b);
    let webview = event_loop
        .block_on(env.create_webview(WebViewOptions::headless(400, 200)))
        .unwrap()
        .unwrap();
    assert!(load_html(&event_loop, &webview, PAGE));
    drag_into(&event_loop, &webview, folder.path());

    // A file open for writing only is refused before it leaves the app.
    let path = folder.path().join("w.txt");
    let write_only = std::fs::File::create(&path).unwrap();
    let refused = DragData::new().with_file("w.txt", FileForTransit::take(write_only).unwrap());
    assert!(matches!(refused, Err(webpane::Error::InvalidArgument(_))));
}
