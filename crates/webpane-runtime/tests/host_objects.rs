//! Host objects end to end: pages written from WebView2's documentation of
//! `chrome.webview.hostObjects` call, read and write app objects across the real processes.

mod common;

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use common::*;
use webpane::{EventLoop, Frame, HostError, HostObject, HostValue, WebView};

/// Counts live objects: one guard per object, dropped with it.
struct Guard(Rc<Cell<i64>>);

impl Guard {
    fn new(count: &Rc<Cell<i64>>) -> Guard {
        count.set(count.get() + 1);
        Guard(count.clone())
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        self.0.set(self.0.get() - 1);
    }
}

/// A new object named `name`, counted in `live`.
fn child(name: &str, live: &Rc<Cell<i64>>) -> HostObject {
    let guard = Guard::new(live);
    HostObject::new()
        .with_read_only_property("name", name)
        .with_method("touch", move |_| {
            let _alive = &guard;
            Ok(true.into())
        })
}

/// The sample object of the tests: methods of every kind, properties, children.
fn sample(event_loop: &EventLoop, live: &Rc<Cell<i64>>) -> HostObject {
    let (children, event_loop) = (live.clone(), event_loop.clone());
    let c1 = child("c1", live);
    let kept = c1.clone();
    HostObject::new()
        .with_property("greeting", "hello")
        .with_property("count", 0)
        .with_read_only_property("kind", "sample")
        .with_method("add", |args| {
            let a = args
                .first()
                .and_then(HostValue::as_f64)
                .ok_or("add(a, b): a must be a number")?;
            let b = args
                .get(1)
                .and_then(HostValue::as_f64)
                .ok_or("add(a, b): b must be a number")?;
            Ok((a + b).into())
        })
        .with_method("sum", |args| {
            let items = args.first().and_then(HostValue::to_array).ok_or("sum(list)")?;
            Ok(items.iter().filter_map(HostValue::as_f64).sum::<f64>().into())
        })
        .with_method("child", move |args| match args.first().and_then(HostValue::as_str) {
            Some("c1") => Ok(kept.clone().into()),
            Some(name) => Ok(child(name, &children).into()),
            None => Err(HostError::new("child(name)")),
        })
        .with_method("same", move |args| {
            let object = args.first().and_then(HostValue::as_object).ok_or("same(object)")?;
            Ok(object.ptr_eq(&c1).into())
        })
        .with_method("pair", {
            let live = live.clone();
            move |_| Ok(HostValue::Array(vec![child("in-array", &live).into(), 5.into()]))
        })
        .with_method("fail", |_| Err(HostError::new("the host says no")))
        .with_deferred_method("later", move |args, reply| {
            let value = args.first().and_then(HostValue::as_i64).unwrap_or(0);
            event_loop.post_after(Duration::from_millis(50), move || reply.answer(Ok((value * 10).into())));
        })
        .with_async_method("asyncDouble", |args| async move {
            let value = args.first().and_then(HostValue::as_i64).ok_or("asyncDouble(n)")?;
            Ok((value * 2).into())
        })
}

/// Waits for the page's one report (a JSON message) and returns it.
fn report_of(event_loop: &EventLoop, webview: &WebView, html: &str) -> serde_json::Value {
    let messages = recorder();
    let m = messages.clone();
    let token =
        webview.on_web_message_received(move |_, args| m.borrow_mut().push(args.web_message_as_json().to_owned()));
    webview.navigate_to_string(html).unwrap();
    wait_until(event_loop, "the page's report", || !messages.borrow().is_empty());
    webview.remove_web_message_received(token);
    let json = messages.borrow()[0].clone();
    serde_json::from_str(&json).unwrap()
}

const PAGE: &str = r#"<script>
(async () => {
  const r = {};
  const sample = chrome.webview.hostObjects.sample;
  r.sum = await sample.add(2, 3);
  r.greeting = await sample.greeting;
  sample.greeting = "changed by the page";
  await sample.setHostProperty("count", 41);
  r.count = await sample.getHostProperty("count");
  const resolved = await sample;
  r.resolvedIsProxy = typeof resolved === "function" && resolved.then === undefined;
  r.viaResolved = await resolved.add(1, 1);
  const c1 = await sample.child("c1");
  r.childName = await c1.name;
  r.sameProxy = (await sample.child("c1")) === c1;
  r.roundTrip = await sample.same(c1);
  r.chained = await sample.child("c2").name;
  const pair = await sample.pair();
  r.pairLength = pair.length;
  r.pairName = await pair[0].name;
  r.pairNumber = pair[1];
  r.typed = await sample.sum(new Uint8Array([1, 2, 3]));
  r.arrayArg = await sample.sum([4, 5]);
  r.later = await sample.later(7);
  r.asyncDouble = await sample.asyncDouble(21);
  const fails = async (f) => { try { await f(); return "no error"; } catch (e) { return e.message; } };
  r.fail = await fails(() => sample.fail());
  r.noMember = await fails(() => sample.nope);
  r.readOnly = await fails(() => sample.setHostProperty("kind", 1));
  r.missing = await fails(() => chrome.webview.hostObjects.missing);
  r.badArgs = await fails(() => sample.add("x"));
  r.pending = await fails(() => sample.same(sample.child("c1")));
  r.func = await fails(() => sample.same(() => 1));
  try { chrome.webview.hostObjects.sync.sample; r.sync = "no error"; } catch (e) { r.sync = e.message; }
  chrome.webview.hostObjects.options.ignoreMemberNotFoundError = true;
  r.lenient = String(await sample.nope);
  chrome.webview.postMessage(r);
})().catch(e => chrome.webview.postMessage({ error: String(e) }));
</script>"#;

#[test]
fn a_page_calls_reads_and_writes_host_objects() {
    let (event_loop, _env, webview, _dir) = open_webview();
    let live = Rc::new(Cell::new(0));
    let object = sample(&event_loop, &live);
    webview.add_host_object_to_script("sample", &object).unwrap();
    let r = report_of(&event_loop, &webview, PAGE);
    assert_eq!(r.get("error"), None, "{r}");
    assert_eq!(r["sum"], 5.0);
    assert_eq!(r["greeting"], "hello");
    assert_eq!(r["count"], 41);
    assert_eq!(r["resolvedIsProxy"], true);
    assert_eq!(r["viaResolved"], 2.0);
    assert_eq!(r["childName"], "c1");
    assert_eq!(r["sameProxy"], true, "one proxy per object while the page holds it");
    assert_eq!(r["roundTrip"], true, "a proxy passed back is the app's own object");
    assert_eq!(r["chained"], "c2");
    assert_eq!(r["pairLength"], 2);
    assert_eq!(r["pairName"], "in-array");
    assert_eq!(r["pairNumber"], 5);
    assert_eq!(r["typed"], 6.0);
    assert_eq!(r["arrayArg"], 9.0);
    assert_eq!(r["later"], 70, "a deferred answer");
    assert_eq!(r["asyncDouble"], 42, "an async method");
    assert_eq!(r["fail"], "the host says no");
    assert_eq!(r["noMember"], "the host object has no member 'nope'");
    assert_eq!(r["readOnly"], "the host object's 'kind' is read-only");
    assert_eq!(
        r["missing"],
        "no host object named 'missing' was added to this document"
    );
    assert_eq!(r["badArgs"], "add(a, b): a must be a number");
    assert!(r["pending"].as_str().unwrap().starts_with("await a host object"), "{r}");
    assert_eq!(r["func"], "functions cannot be passed to the host");
    assert!(
        r["sync"].as_str().unwrap().contains("use the asynchronous proxies"),
        "{r}"
    );
    assert_eq!(r["lenient"], "undefined");
    // The page's plain write (not awaited) went before its later requests.
    assert_eq!(
        object.property("greeting").unwrap().as_str(),
        Some("changed by the page")
    );
    assert_eq!(object.property("count").unwrap().as_i64(), Some(41));

    // The document holds c2, in-array and c1: they go with it.
    assert!(webview.host_objects_held_by_page() >= 2);
    assert!(live.get() >= 3, "{}", live.get());
    assert!(load_html(&event_loop, &webview, "<p>elsewhere</p>"));
    assert_eq!(webview.host_objects_held_by_page(), 0);
    assert_eq!(live.get(), 1, "only c1 (kept by the sample object) is left");

    // Removed: new uses reject; the name can be added again.
    assert!(webview.remove_host_object_from_script("sample").unwrap());
    let script = "chrome.webview.hostObjects.sample.add(1, 2).then(v => chrome.webview.postMessage({ v }), e => chrome.webview.postMessage({ e: e.message }))";
    let r = report_of(&event_loop, &webview, &format!("<script>{script}</script>"));
    assert_eq!(r["e"], "no host object named 'sample' was added to this document");
    webview.add_host_object_to_script("sample", &object).unwrap();
    let r = report_of(&event_loop, &webview, &format!("<script>{script}</script>"));
    assert_eq!(r["v"], 3.0);

    // Not allowed: every use rejects.
    webview.set_host_objects_allowed(false).unwrap();
    let r = report_of(&event_loop, &webview, &format!("<script>{script}</script>"));
    assert!(
        r["e"].as_str().unwrap().starts_with("host objects are not allowed"),
        "{r}"
    );
    assert!(
        webview.add_host_object_to_script("not-a-name", &object).is_err(),
        "names are identifiers"
    );
}

#[test]
fn proxies_the_page_drops_are_released_in_the_app() {
    let (event_loop, _env, webview, _dir) = open_webview();
    let live = Rc::new(Cell::new(0));
    let object = sample(&event_loop, &live);
    webview.add_host_object_to_script("sample", &object).unwrap();
    // 200 objects obtained and dropped; then garbage until the collector finds them (each
    // `cleanupSome` releases what it found).
    let page = r#"<script>
    (async () => {
      for (let i = 0; i < 200; i++) await chrome.webview.hostObjects.sample.child("n" + i).name;
      chrome.webview.postMessage("dropped");
      setInterval(() => {
        let junk = [];
        for (let i = 0; i < 200000; i++) junk.push({ i });
        junk = null;
        chrome.webview.hostObjects.cleanupSome();
      }, 20);
    })();
    </script>"#;
    let messages = recorder();
    let m = messages.clone();
    webview.on_web_message_received(move |_, _| m.borrow_mut().push(()));
    webview.navigate_to_string(page).unwrap();
    wait_until(&event_loop, "200 objects handed out", || !messages.borrow().is_empty());
    // 201 made (c1 and 200 children; the collector may have found some already).
    let at_report = live.get();
    wait_until(
        &event_loop,
        "the page's garbage collector releasing nearly all of them",
        || live.get() <= 3,
    );
    // (c1 stays: the sample object keeps it.) At most two strays a conservative collector kept.
    assert!(webview.host_objects_held_by_page() <= 2);
    report(&format!(
        "host objects live in the app: 201 made, {at_report} when the page dropped them, {} after its GC",
        live.get()
    ));
}

#[test]
fn frames_get_their_own_host_objects_for_the_origins_allowed() {
    let port = http_server(
        r#"<script>
        chrome.webview.addEventListener('message', async () => {
          const fails = async (f) => { try { return await f(); } catch (e) { return e.message; } };
          const r = {};
          r.inner = await fails(() => chrome.webview.hostObjects.inner.greet("frame"));
          r.sample = await fails(() => chrome.webview.hostObjects.sample.add(1, 1));
          r.elsewhere = await fails(() => chrome.webview.hostObjects.elsewhere.greet("x"));
          chrome.webview.postMessage(r);
        });
        </script>"#
            .into(),
    );
    let (event_loop, _env, webview, _dir) = open_webview();
    let live = Rc::new(Cell::new(0));
    webview
        .add_host_object_to_script("sample", &sample(&event_loop, &live))
        .unwrap();
    let greeter = HostObject::new().with_method("greet", |args| {
        Ok(format!("hello, {}", args.first().and_then(HostValue::as_str).unwrap_or("?")).into())
    });
    let frames: Rc<RefCell<Vec<Frame>>> = Rc::default();
    let reports = recorder();
    let (f, r, g) = (frames.clone(), reports.clone(), greeter.clone());
    webview.on_frame_created(move |_, args| {
        let frame = args.frame();
        frame
            .add_host_object_to_script_with_origins("inner", &g, &["http://127.0.0.1:*"])
            .unwrap();
        frame
            .add_host_object_to_script_with_origins("elsewhere", &g, &["https://elsewhere.test"])
            .unwrap();
        let r = r.clone();
        frame.on_web_message_received(move |_, args| r.borrow_mut().push(args.web_message_as_json().to_owned()));
        f.borrow_mut().push(frame.clone());
    });
    let uri = format!("http://127.0.0.1:{port}/inner");
    let main_report = report_of(
        &event_loop,
        &webview,
        &format!(
            "<iframe src='{uri}'></iframe><script>
            chrome.webview.hostObjects.inner.greet('main').then(v => chrome.webview.postMessage({{ v }}), e => chrome.webview.postMessage({{ e: e.message }}));
            </script>"
        ),
    );
    assert_eq!(
        main_report["e"], "no host object named 'inner' was added to this document",
        "a frame's objects are not the top-level document's"
    );
    wait_until(&event_loop, "FrameCreated", || !frames.borrow().is_empty());
    let frame = frames.borrow()[0].clone();
    // The iframe's script may have run before FrameCreated: it asks when told to.
    wait_until(&event_loop, "the iframe's report", || {
        let _ = frame.post_web_message_as_json("\"go\"");
        event_loop.dispatch(Some(Duration::from_millis(200))).unwrap();
        !reports.borrow().is_empty()
    });
    let r: serde_json::Value = serde_json::from_str(&reports.borrow()[0]).unwrap();
    assert_eq!(r["inner"], "hello, frame");
    assert_eq!(
        r["sample"], "no host object named 'sample' was added to this document",
        "the webview's objects are the top-level document's only"
    );
    assert_eq!(
        r["elsewhere"], "no host object named 'elsewhere' was added to this document",
        "an origin not allowed does not see the object"
    );
}
