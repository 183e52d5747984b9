//! `chrome.webview` in dedicated workers, across the real processes: a page written for
//! WebView2 starts classic and module workers (and an iframe starts its own); each worker's
//! messages reach its `DedicatedWorker` (never the webview's or the frame's handlers), the app's
//! messages reach the worker, relative URLs in the worker resolve against its script, the page's
//! own worker messaging still works, and a terminated worker is reported destroyed.

mod common;

use std::cell::RefCell;
use std::path::Path;
use std::rc::Rc;

use common::*;
use webpane::{DedicatedWorker, HostResourceAccessKind};

fn write(root: &Path, name: &str, text: &str) {
    let path = root.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[derive(Default)]
struct Seen {
    workers: Vec<DedicatedWorker>,
    messages: Vec<(String, serde_json::Value)>,
    destroyed: Vec<String>,
}

fn watch(seen: &Rc<RefCell<Seen>>, worker: &DedicatedWorker) {
    let (s, d) = (seen.clone(), seen.clone());
    worker.on_web_message_received(move |w, args| {
        let value = serde_json::from_str(args.web_message_as_json()).unwrap();
        s.borrow_mut().messages.push((w.script_uri().to_owned(), value));
    });
    worker.on_destroying(move |w, _| d.borrow_mut().destroyed.push(w.script_uri().to_owned()));
    seen.borrow_mut().workers.push(worker.clone());
}

#[test]
fn dedicated_workers_talk_to_the_app() {
    let root = tempfile::tempdir().unwrap();
    let site = root.path();
    write(
        site,
        "index.html",
        r#"<script>
        window.classic = new Worker("workers/w.js", { name: "classic" });
        classic.onmessage = (e) => chrome.webview.postMessage({ pageGot: e.data });
        window.module = new Worker("workers/m.js", { type: "module" });
        </script><iframe src="sub/frame.html"></iframe>"#,
    );
    write(
        site,
        "workers/w.js",
        r#"importScripts("helper.js");
        chrome.webview.addEventListener("message", (e) => chrome.webview.postMessage({ echo: e.data }));
        fetch("data.txt").then((r) => r.text()).then((data) =>
          chrome.webview.postMessage({ hello: helperValue, data, location: self.location.href }));
        postMessage("to the page itself");"#,
    );
    write(site, "workers/helper.js", "self.helperValue = 'helped';");
    write(site, "workers/data.txt", "fetched relative");
    write(site, "workers/dep.js", "export const dep = 'imported';");
    write(
        site,
        "workers/m.js",
        r#"import { dep } from "./dep.js";
        chrome.webview.postMessage({ module: dep });"#,
    );
    write(site, "sub/frame.html", r#"<script>new Worker("fw.js")</script>"#);
    write(site, "sub/fw.js", "chrome.webview.postMessage({ frameWorker: true });");

    let event_loop = webpane::EventLoop::new().unwrap();
    let folder = tempfile::tempdir().unwrap();
    let env = env_with(&event_loop, folder.path(), |b| b);
    let webview = new_webview(&event_loop, &env);
    event_loop
        .block_on(webview.set_virtual_host_name_to_folder_mapping("app.example", site, HostResourceAccessKind::Allow))
        .unwrap()
        .unwrap();
    let seen: Rc<RefCell<Seen>> = Rc::default();
    let s = seen.clone();
    webview.on_dedicated_worker_created(move |_, args| watch(&s, args.worker()));
    let frame_workers = recorder();
    let (s, fw) = (seen.clone(), frame_workers.clone());
    webview.on_frame_created(move |_, args| {
        let (s2, fw) = (s.clone(), fw.clone());
        args.frame().on_dedicated_worker_created(move |frame, args| {
            fw.borrow_mut().push((frame.id(), args.worker().frame_id()));
            watch(&s2, args.worker());
        });
        let f = s.clone();
        args.frame().on_web_message_received(move |_, args| {
            f.borrow_mut()
                .messages
                .push(("frame".into(), args.web_message_as_json().into()))
        });
    });
    let page_messages = recorder();
    let p = page_messages.clone();
    webview.on_web_message_received(move |_, args| p.borrow_mut().push(args.web_message_as_json().to_owned()));

    webview.navigate("https://app.example/index.html").unwrap();
    wait_until(&event_loop, "every worker's first message", || {
        let seen = seen.borrow();
        let has = |key: &str| seen.messages.iter().any(|(_, v)| v.get(key).is_some());
        has("hello") && has("module") && has("frameWorker")
    });
    let base = "https://app.example/";
    {
        let seen = seen.borrow();
        let uris: Vec<&str> = seen.workers.iter().map(|w| w.script_uri()).collect();
        for uri in ["workers/w.js", "workers/m.js", "sub/fw.js"] {
            assert!(uris.contains(&format!("{base}{uri}").as_str()), "{uris:?}");
        }
        let classic = seen.workers.iter().find(|w| w.script_uri().ends_with("w.js")).unwrap();
        assert_eq!(classic.name(), "classic");
        assert_eq!(classic.frame_id(), None);
        let hello = seen.messages.iter().find(|(_, v)| v.get("hello").is_some()).unwrap();
        assert_eq!(hello.0, format!("{base}workers/w.js"));
        assert_eq!(hello.1["hello"], "helped");
        assert_eq!(hello.1["data"], "fetched relative");
        assert_eq!(hello.1["location"], format!("{base}workers/w.js"));
        let module = seen.messages.iter().find(|(_, v)| v.get("module").is_some()).unwrap();
        assert_eq!(module.1["module"], "imported");
        assert!(
            !seen.messages.iter().any(|(from, _)| from == "frame"),
            "worker messages went to the frame"
        );
    }
    let frame_workers = frame_workers.borrow().clone();
    assert_eq!(frame_workers.len(), 1);
    assert_eq!(frame_workers[0].1, Some(frame_workers[0].0));

    // The page's own messaging with its worker is untouched; worker messages never reach the
    // webview's handlers.
    wait_until(&event_loop, "the page's own worker message", || {
        !page_messages.borrow().is_empty()
    });
    assert_eq!(
        page_messages.borrow().as_slice(),
        [r#"{"pageGot":"to the page itself"}"#]
    );

    // The app talks to the worker.
    let classic = seen
        .borrow()
        .workers
        .iter()
        .find(|w| w.script_uri().ends_with("w.js"))
        .cloned()
        .unwrap();
    classic.post_web_message_as_json(r#"{"ping":1}"#).unwrap();
    classic.post_web_message_as_string("two").unwrap();
    assert!(matches!(
        classic.post_web_message_as_json("not json"),
        Err(webpane::Error::InvalidArgument(_))
    ));
    wait_until(&event_loop, "the worker's echoes", || {
        seen.borrow()
            .messages
            .iter()
            .filter(|(_, v)| v.get("echo").is_some())
            .count()
            == 2
    });
    {
        let seen = seen.borrow();
        let echoes: Vec<&serde_json::Value> = seen.messages.iter().filter_map(|(_, v)| v.get("echo")).collect();
        assert_eq!(echoes[0], &serde_json::json!({ "ping": 1 }));
        assert_eq!(echoes[1], &serde_json::json!("two"));
    }

    // Terminated: reported, and the handle refuses posts.
    script_result(&event_loop, &webview, "classic.terminate(); 1").unwrap();
    wait_until(&event_loop, "the terminated worker's end", || {
        seen.borrow().destroyed.iter().any(|u| u.ends_with("w.js"))
    });
    assert!(classic.is_destroyed());
    assert!(matches!(
        classic.post_web_message_as_json("1"),
        Err(webpane::Error::Closed)
    ));

    // A new document: the others go with the old one.
    assert!(load_html(&event_loop, &webview, "<p>next</p>"));
    wait_until(&event_loop, "every worker's end", || seen.borrow().destroyed.len() == 3);
    assert_eq!(page_messages.borrow().len(), 1);
}
