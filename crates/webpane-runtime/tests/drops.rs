//! Drops from other programs (`AllowExternalDrop`): files dragged from another program's GTK
//! window (a real XDND drag, driven by xdotool) reach the page's drag listeners as a browser
//! gives them: the type `Files` while dragged, and `dataTransfer.files` / file `items` with
//! their names, types and contents on the drop (a folder in the drag is left out). With
//! external drops refused the page hears nothing of it.
//!
//! WebKitGTK 2.50 alone gives the page's drop the drag's types (`text/uri-list`) but neither its
//! files nor its data: the files come from the runtime (`view/drops.rs`, `drops.js`).

mod common;

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use common::*;
use gtk::prelude::*;

const DROP_FILE: &str = "WEBPANE_TEST_DROP_FILE";

/// A page that reports every `dragenter`, the first `dragover` that sees files, and what is
/// dropped on it (read as a page reads dropped files).
const TARGET: &str = r#"<body style="margin: 0; height: 100vh">drop here<script>
  let sawFiles = false;
  addEventListener("dragenter", () => chrome.webview.postMessage({ enter: true }));
  addEventListener("dragover", (e) => {
    e.preventDefault();
    if (!sawFiles && e.dataTransfer.types.includes("Files")) {
      sawFiles = true;
      chrome.webview.postMessage({ over: [...e.dataTransfer.types], files: e.dataTransfer.files.length });
    }
  });
  addEventListener("drop", async (e) => {
    e.preventDefault();
    sawFiles = false;
    const dt = e.dataTransfer;
    const types = [...dt.types];
    const items = [...dt.items].map((i) => i.kind + ":" + i.type);
    const files = [];
    for (const f of dt.files) files.push([f.name, f.type, f.size, await f.text()]);
    chrome.webview.postMessage({ drop: types, items, files });
  });
</script></body>"#;

/// The drag source: a GTK window of its own process that drags a file's URI.
#[test]
fn app_process_entry_point() {
    let Ok(role) = std::env::var(APP_ROLE) else { return };
    assert_eq!(role, "drag-source");
    let files: Vec<String> = std::env::var(DROP_FILE)
        .unwrap()
        .split('\n')
        .map(str::to_owned)
        .collect();
    gtk::init().unwrap();
    let window = gtk::Window::new(gtk::WindowType::Toplevel);
    window.set_title("drag source");
    window.set_default_size(200, 100);
    window.move_(600, 500);
    let area = gtk::EventBox::new();
    area.add(&gtk::Label::new(Some("drag me")));
    let targets = [
        gtk::TargetEntry::new("text/uri-list", gtk::TargetFlags::OTHER_APP, 0),
        gtk::TargetEntry::new("text/plain;charset=utf-8", gtk::TargetFlags::OTHER_APP, 1),
    ];
    area.drag_source_set(
        gtk::gdk::ModifierType::BUTTON1_MASK,
        &targets,
        gtk::gdk::DragAction::COPY,
    );
    let uris: Vec<String> = files
        .iter()
        .map(|f| glib::filename_to_uri(f, None).unwrap().to_string())
        .collect();
    area.connect_drag_data_get(move |_, _, data, _, _| {
        if data.target().name() == "text/uri-list" {
            data.set_uris(&uris.iter().map(String::as_str).collect::<Vec<_>>());
        } else {
            data.set_text("hello drop");
        }
    });
    window.add(&area);
    window.show_all();
    glib::timeout_add_seconds_local_once(120, gtk::main_quit);
    report("ready");
    gtk::main();
}

/// Drags from the source's window into `target` (an X window id), in steps.
fn drag(source: &str, target: &str) {
    xdotool(&["mousemove", "--window", source, "100", "50", "mousedown", "1"]);
    // Past GTK's drag threshold first, then over to the target and a little around in it.
    for step in 1..=4 {
        xdotool(&["mousemove", "--window", source, &(100 + step * 5).to_string(), "50"]);
        std::thread::sleep(Duration::from_millis(50));
    }
    for (x, y) in [(100, 100), (150, 120), (200, 150), (210, 160)] {
        xdotool(&["mousemove", "--window", target, &x.to_string(), &y.to_string()]);
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(1000));
    xdotool(&["mousemove", "--window", target, "215", "165"]);
    std::thread::sleep(Duration::from_millis(300));
    xdotool(&["mouseup", "1"]);
}

#[test]
fn a_file_dragged_in_from_another_program_reaches_the_page_unless_refused() {
    let dir = tempfile::tempdir().unwrap();
    // Two files and a folder (which a drop leaves out).
    let (text, json, folder_in_drag) = (
        dir.path().join("dropped.txt"),
        dir.path().join("notes.json"),
        dir.path().join("a folder"),
    );
    std::fs::write(&text, "hello drop").unwrap();
    std::fs::write(&json, r#"{"a": 1}"#).unwrap();
    std::fs::create_dir(&folder_in_drag).unwrap();
    let paths = [&text, &folder_in_drag, &json]
        .map(|p| p.to_str().unwrap().to_owned())
        .join("\n");
    let source_app = AppProcess::spawn_with("drag-source", dir.path(), |c| {
        c.env(DROP_FILE, &paths);
    });
    source_app.expect("ready");
    let (event_loop, env, _first, folder) = open_webview();
    let source = wait_for_window(&event_loop, "^drag source$");
    let view = window_view(&event_loop, &env);
    assert!(view.allow_external_drop());
    let messages: Rc<RefCell<Vec<String>>> = Rc::default();
    let m = messages.clone();
    view.on_web_message_received(move |_, a| m.borrow_mut().push(a.web_message_as_json().to_owned()));
    assert!(load_html(
        &event_loop,
        &view,
        &format!("<title>drop target</title>{TARGET}")
    ));
    let target = wait_for_window(&event_loop, "^drop target$");

    drag(&source, &target);
    wait_until(&event_loop, "the drop", || {
        messages.borrow().iter().any(|m| m.contains("\"drop\""))
    });
    assert_eq!(messages.borrow()[0], r#"{"enter":true}"#);
    // While dragged: the type "Files", no files yet (as in a browser).
    assert!(
        messages.borrow().iter().any(|m| m == r#"{"over":["Files"],"files":0}"#),
        "{:?}",
        messages.borrow()
    );
    let dropped = messages
        .borrow()
        .iter()
        .find(|m| m.contains("\"drop\""))
        .cloned()
        .unwrap();
    assert_eq!(
        dropped,
        r#"{"drop":["Files"],"items":["file:text/plain","file:application/json"],"files":[["dropped.txt","text/plain",10,"hello drop"],["notes.json","application/json",8,"{\"a\": 1}"]]}"#
    );

    // Refused: the page hears nothing of the next drag.
    view.set_allow_external_drop(false).unwrap();
    assert!(!view.allow_external_drop());
    messages.borrow_mut().clear();
    drag(&source, &target);
    let until = Instant::now() + Duration::from_secs(2);
    while Instant::now() < until {
        event_loop.dispatch(Some(Duration::from_millis(50))).unwrap();
    }
    assert!(messages.borrow().is_empty(), "{:?}", messages.borrow());

    // Allowed again, it drops again.
    view.set_allow_external_drop(true).unwrap();
    drag(&source, &target);
    wait_until(&event_loop, "the second drop", || {
        messages.borrow().iter().any(|m| m.contains("\"drop\""))
    });
    drop(source_app);
    drop(folder);
}
