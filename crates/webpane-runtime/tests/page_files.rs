//! Files with web messages end to end (WebView2's additional objects): open files the app gives a
//! page become file handles bound to them (no path), and files a page posts reach the app by
//! content.

mod common;

use std::io::{Read, Seek, Write};

use common::*;
use webpane::{FileForTransit, PageFile};

/// Processes other than this one that hold `path` open.
fn holders_of(path: &std::path::Path) -> Vec<u32> {
    let me = std::process::id();
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| *pid != me)
        .filter(|pid| {
            std::fs::read_dir(format!("/proc/{pid}/fd"))
                .into_iter()
                .flatten()
                .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
                .any(|link| link == path)
        })
        .collect()
}

const PAGE: &str = r#"<script>
chrome.webview.addEventListener("message", async (e) => {
  const r = { data: e.data, names: [], leaks: false };
  const [rw, ro, wo] = e.additionalObjects;
  const fails = async (f) => { try { await f(); return "no error"; } catch (x) { return x.name; } };
  for (const h of e.additionalObjects) r.names.push([h.kind, h.name, await h.queryPermission({ mode: "readwrite" }), await h.queryPermission()]);
  r.leaks = JSON.stringify(e.additionalObjects).includes("/");
  const before = await rw.getFile();
  r.rwBefore = [await before.text(), before.name, before.size];
  const w = await rw.createWritable();
  await w.write("HELLO ");
  await w.write(new Blob(["WORLD"]));
  await w.close();
  r.rwAfter = await (await rw.getFile()).text();
  r.roText = await (await ro.getFile()).text();
  r.roWrite = await fails(() => ro.createWritable());
  r.woRead = await fails(() => wo.getFile());
  const w2 = await wo.createWritable({ keepExistingData: true });
  await w2.write({ type: "write", position: 2, data: new Uint8Array([65, 66]) });
  await w2.truncate(5);
  await w2.close();
  r.closedWrite = await fails(() => w2.write("x"));
  chrome.webview.postMessage(r);
});
</script>"#;

#[test]
fn a_page_reads_and_writes_the_files_the_app_gives_it() {
    let dir = tempfile::tempdir().unwrap();
    let (rw_path, ro_path, wo_path) = (
        dir.path().join("rw.txt"),
        dir.path().join("ro.txt"),
        dir.path().join("wo.txt"),
    );
    std::fs::write(&rw_path, "hello").unwrap();
    std::fs::write(&ro_path, "read only").unwrap();
    std::fs::write(&wo_path, "0123456789").unwrap();
    let rw = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&rw_path)
        .unwrap();
    let ro = std::fs::File::open(&ro_path).unwrap();
    let wo = std::fs::OpenOptions::new().write(true).open(&wo_path).unwrap();
    let (event_loop, _env, webview, _dir) = open_webview();
    assert!(load_html(&event_loop, &webview, PAGE));
    let messages = recorder();
    let m = messages.clone();
    webview.on_web_message_received(move |_, args| m.borrow_mut().push(args.web_message_as_json().to_owned()));
    let files = vec![
        PageFile::new("rw.txt", FileForTransit::take(rw).unwrap()).unwrap(),
        PageFile::new("ro.txt", FileForTransit::duplicate(&ro).unwrap()).unwrap(),
        PageFile::new("wo.txt", FileForTransit::take(wo).unwrap()).unwrap(),
    ];
    webview
        .post_web_message_as_json_with_additional_objects(r#"{"with":"files"}"#, files)
        .unwrap();
    wait_until(&event_loop, "the page's report", || !messages.borrow().is_empty());
    let r: serde_json::Value = serde_json::from_str(&messages.borrow()[0]).unwrap();
    assert_eq!(r["data"]["with"], "files", "{r}");
    assert_eq!(
        r["names"],
        serde_json::json!([
            ["file", "rw.txt", "granted", "granted"],
            ["file", "ro.txt", "denied", "granted"],
            ["file", "wo.txt", "denied", "denied"]
        ])
    );
    assert_eq!(r["leaks"], false, "no path reaches the page");
    assert_eq!(r["rwBefore"], serde_json::json!(["hello", "rw.txt", 5]));
    assert_eq!(r["rwAfter"], "HELLO WORLD");
    assert_eq!(r["roText"], "read only");
    assert_eq!(r["roWrite"], "NotAllowedError");
    assert_eq!(r["woRead"], "NotAllowedError");
    assert_eq!(r["closedWrite"], "TypeError");
    assert_eq!(std::fs::read_to_string(&rw_path).unwrap(), "HELLO WORLD");
    assert_eq!(std::fs::read_to_string(&wo_path).unwrap(), "01AB4");
    // The files stay open in the page's process only while its document lives.
    assert!(!holders_of(&rw_path).is_empty(), "the web process holds the taken file");
    assert!(load_html(&event_loop, &webview, "<p>elsewhere</p>"));
    wait_until(&event_loop, "the files closed with the document", || {
        holders_of(&rw_path).is_empty() && holders_of(&wo_path).is_empty() && holders_of(&ro_path).is_empty()
    });
    // A directory or a pipe cannot be given at all.
    let (reader, _writer) = std::io::pipe().unwrap();
    assert!(PageFile::new("pipe", FileForTransit::take(reader).unwrap()).is_err());
    assert!(FileForTransit::duplicate(&std::fs::File::open(dir.path()).unwrap()).is_err());
}

#[test]
fn files_a_page_posts_reach_the_app_by_content_in_order() {
    let (event_loop, _env, webview, _dir) = open_webview();
    let received = recorder();
    let r = received.clone();
    webview.on_web_message_received(move |_, args| {
        let files: Vec<(String, String, Vec<u8>, bool)> = args
            .additional_objects()
            .iter()
            .map(|f| {
                let mut bytes = Vec::new();
                let mut file = f.file();
                file.rewind().unwrap();
                file.read_to_end(&mut bytes).unwrap();
                // A sealed copy: the app cannot change what it got (nor can anyone else).
                let sealed = file.write_all(b"x").is_err();
                (f.name().to_owned(), f.mime_type().to_owned(), bytes, sealed)
            })
            .collect();
        r.borrow_mut().push((args.web_message_as_json().to_owned(), files));
    });
    assert!(load_html(
        &event_loop,
        &webview,
        r#"<script>
        chrome.webview.postMessage("before");
        chrome.webview.postMessageWithAdditionalObjects({ kind: "files" }, [
          new File(["file body"], "notes.txt", { type: "text/plain" }),
          new Blob([new Uint8Array([1, 2, 3])]),
        ]);
        chrome.webview.postMessage("after");
        try { chrome.webview.postMessageWithAdditionalObjects("x", ["not a file"]); } catch (e) { chrome.webview.postMessage(e.name); }
        </script>"#
    ));
    wait_until(&event_loop, "four messages", || received.borrow().len() >= 4);
    let received = received.borrow();
    assert_eq!(received[0], (r#""before""#.to_owned(), vec![]));
    assert_eq!(received[1].0, r#"{"kind":"files"}"#);
    assert_eq!(
        received[1].1,
        vec![
            (
                "notes.txt".to_owned(),
                "text/plain".to_owned(),
                b"file body".to_vec(),
                true
            ),
            (String::new(), String::new(), vec![1, 2, 3], true),
        ]
    );
    assert_eq!(
        received[2],
        (r#""after""#.to_owned(), vec![]),
        "in order, behind the files"
    );
    assert_eq!(received[3], (r#""TypeError""#.to_owned(), vec![]));
}
