//! Shared buffers end to end: an ArrayBuffer in the page over the app's memory, no copy.

mod common;

use std::cell::RefCell;
use std::rc::Rc;

use common::*;
use webpane::{EventLoop, SharedBuffer, SharedBufferAccess, SharedBufferMappings, WebView};

const PAGE: &str = "<script>
    let buffer = null;
    chrome.webview.addEventListener('sharedbufferreceived', e => {
      buffer = e.getBuffer();
      const bytes = new Uint8Array(buffer);
      let sum = 0;
      for (let i = 0; i < bytes.length; i++) sum = (sum + bytes[i]) >>> 0;
      chrome.webview.postMessage({ received: bytes.length, sum, data: e.additionalData });
    });
    chrome.webview.addEventListener('message', e => {
      const cmd = e.data;
      try {
        if (cmd.op === 'write') { new Uint8Array(buffer).fill(cmd.value, cmd.start, cmd.end); chrome.webview.postMessage({ wrote: true }); }
        if (cmd.op === 'read') { chrome.webview.postMessage({ byte: new Uint8Array(buffer)[cmd.at] }); }
        if (cmd.op === 'release') { chrome.webview.releaseBuffer(buffer); chrome.webview.postMessage({ released: true }); }
        if (cmd.op === 'touch') { new Uint8Array(buffer); chrome.webview.postMessage({ touched: true }); }
      } catch (err) { chrome.webview.postMessage({ error: err.name }); }
    });
    chrome.webview.postMessage({ ready: true });
    </script>";

struct Page {
    event_loop: EventLoop,
    webview: WebView,
    messages: Rc<RefCell<Vec<serde_json::Value>>>,
}

impl Page {
    fn open(webview: WebView, event_loop: EventLoop) -> Page {
        let messages = recorder();
        let m = messages.clone();
        webview.on_web_message_received(move |_, a| {
            m.borrow_mut()
                .push(serde_json::from_str(a.web_message_as_json()).unwrap())
        });
        webview.navigate_to_string(PAGE).unwrap();
        let page = Page {
            event_loop,
            webview,
            messages,
        };
        assert_eq!(page.next()["ready"], true);
        page
    }

    fn next(&self) -> serde_json::Value {
        wait_until(&self.event_loop, "a message from the page", || {
            !self.messages.borrow().is_empty()
        });
        self.messages.borrow_mut().remove(0)
    }

    /// Posts `buffer` to the page; returns the page's report once delivery is acknowledged.
    fn receive(&self, buffer: &SharedBuffer, access: SharedBufferAccess) -> serde_json::Value {
        let post = self.webview.post_shared_buffer_to_script(buffer, access, None).unwrap();
        let report = self.next();
        self.event_loop.block_on(post.acknowledged()).unwrap().unwrap();
        report
    }

    fn command(&self, json: serde_json::Value) -> serde_json::Value {
        self.webview.post_web_message_as_json(&json.to_string()).unwrap();
        self.next()
    }
}

#[test]
/// Promises S3, S8, S9 (docs/promises.md).
fn page_and_app_share_memory_both_ways_until_released() {
    let (event_loop, _env, webview, _dir) = open_webview();
    let page = Page::open(webview.clone(), event_loop.clone());
    let size = 16 << 20;
    let buffer = SharedBuffer::new(size).unwrap();
    let pattern: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
    buffer.write_at(0, &pattern).unwrap();
    let expected_sum = pattern.iter().map(|&b| b as u64).sum::<u64>() as u32;

    let delivered = webview
        .post_shared_buffer_to_script(
            &buffer,
            SharedBufferAccess::ReadWrite,
            Some(r#"{"kind":"frame","n":1}"#),
        )
        .unwrap();
    let received = page.next();
    assert_eq!(received["received"], size);
    assert_eq!(received["sum"], expected_sum);
    assert_eq!(received["data"], serde_json::json!({"kind": "frame", "n": 1}));
    event_loop.block_on(delivered.acknowledged()).unwrap().unwrap();
    assert_eq!(
        webview.shared_buffer_mappings(),
        SharedBufferMappings {
            count: 1,
            bytes: size as u64,
            released: 0,
        }
    );

    // The app writes, the page reads it: no message carries the data.
    buffer.write_at(12345, &[77]).unwrap();
    assert_eq!(page.command(serde_json::json!({"op": "read", "at": 12345}))["byte"], 77);
    // The page writes, the app reads it.
    assert_eq!(
        page.command(serde_json::json!({"op": "write", "value": 9, "start": 100, "end": 200}))["wrote"],
        true
    );
    let mut back = [0u8; 100];
    buffer.read_at(100, &mut back).unwrap();
    assert!(back.iter().all(|&b| b == 9));

    // Closing on the app side does not take the buffer from the page.
    buffer.close().unwrap();
    assert_eq!(page.command(serde_json::json!({"op": "read", "at": 150}))["byte"], 9);
    assert!(matches!(
        webview.post_shared_buffer_to_script(&buffer, SharedBufferAccess::ReadWrite, None),
        Err(webpane::Error::Closed)
    ));

    // releaseBuffer detaches at once.
    assert_eq!(page.command(serde_json::json!({"op": "release"}))["released"], true);
    assert_eq!(page.command(serde_json::json!({"op": "touch"}))["error"], "TypeError");
    wait_until(&event_loop, "the release to be counted", || {
        webview.shared_buffer_mappings().count == 0
    });
}

/// The inode of a buffer's memfd.
fn inode(buffer: &SharedBuffer) -> u64 {
    use std::os::fd::AsFd;
    let fd = buffer.fd().unwrap();
    rustix::fs::fstat(fd.as_fd()).unwrap().st_ino
}

/// Every (pid, how) that holds memfd `ino`: as an open fd, or as a mapping.
fn holders(ino: u64) -> Vec<(u32, &'static str)> {
    use std::os::unix::fs::MetadataExt;
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
            continue;
        };
        if let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) {
            for fd in fds.flatten() {
                let is_memfd =
                    std::fs::read_link(fd.path()).is_ok_and(|l| l.to_string_lossy().contains("memfd:webpane-shm"));
                if is_memfd && std::fs::metadata(fd.path()).is_ok_and(|m| m.ino() == ino) {
                    found.push((pid, "fd"));
                }
            }
        }
        if let Ok(maps) = std::fs::read_to_string(format!("/proc/{pid}/maps")) {
            let mapped = maps.lines().any(|l| {
                l.contains("memfd:webpane-shm")
                    && l.split_whitespace().nth(4).and_then(|i| i.parse::<u64>().ok()) == Some(ino)
            });
            if mapped {
                found.push((pid, "map"));
            }
        }
    }
    found
}

/// S9, S16 (differs, see the mapping table): the released buffer throws (detached); one the
/// page transferred before the release cannot be detached from outside and reads zeros — the
/// shared memory leaves the web process at once either way.
#[test]
/// Promises S11 (docs/promises.md).
fn release_unmaps_at_once_even_after_a_transfer() {
    let (event_loop, _env, webview, _dir) = open_webview();
    let page = Page::open(webview.clone(), event_loop.clone());
    let buffer = SharedBuffer::new(1 << 20).unwrap();
    buffer.write_at(0, &[42]).unwrap();
    let ino = inode(&buffer);
    page.receive(&buffer, SharedBufferAccess::ReadWrite);
    let me = std::process::id();
    let web = holders(ino);
    // The web process maps it (and keeps no fd); the runtime keeps nothing.
    let web_pid = web
        .iter()
        .find(|(pid, how)| *pid != me && *how == "map")
        .map(|(pid, _)| *pid)
        .expect("a web process maps the buffer");
    assert!(!web.iter().any(|(pid, how)| *pid == web_pid && *how == "fd"), "{web:?}");
    assert_eq!(
        web.iter().filter(|(pid, _)| *pid != me).count(),
        1,
        "only the web process besides the app: {web:?}"
    );
    // The page moves the buffer elsewhere, then releases the original.
    let script = "(() => { window.kept = buffer.transfer(); const before = new Uint8Array(window.kept)[0]; \
                  chrome.webview.releaseBuffer(buffer); return [before, new Uint8Array(window.kept)[0], buffer.detached]; })()";
    let result = event_loop.block_on(webview.execute_script(script)).unwrap().unwrap();
    assert_eq!(
        result, "[42,0,true]",
        "the transferred buffer must lose the shared memory"
    );
    assert!(
        !holders(ino).iter().any(|(pid, _)| *pid == web_pid),
        "still mapped in the web process"
    );
    // The app's side keeps working.
    buffer.write_at(1, &[7]).unwrap();
    let mut two = [0u8; 2];
    buffer.read_at(0, &mut two).unwrap();
    assert_eq!(two, [42, 7]);
}

#[test]
/// Promises S10, S12 (docs/promises.md).
fn memory_is_freed_once_app_runtime_and_page_let_go() {
    let (event_loop, _env, webview, _dir) = open_webview();
    let page = Page::open(webview.clone(), event_loop.clone());
    let buffer = SharedBuffer::new(4 << 20).unwrap();
    let ino = inode(&buffer);
    page.receive(&buffer, SharedBufferAccess::ReadWrite);
    buffer.close().unwrap();
    drop(buffer);
    // Still mapped by the page: the app closing does not take it away.
    assert!(!holders(ino).is_empty());
    assert_eq!(page.command(serde_json::json!({"op": "release"}))["released"], true);
    wait_until(&event_loop, "the memfd to leave every process", || {
        holders(ino).is_empty()
    });
}

#[test]
fn navigating_away_or_closing_releases_the_mappings() {
    let (event_loop, env, webview, _dir) = open_webview();
    let page = Page::open(webview.clone(), event_loop.clone());
    let buffer = SharedBuffer::new(1 << 20).unwrap();
    let ino = inode(&buffer);
    let me = std::process::id();
    let others = || holders(ino).into_iter().filter(|(pid, _)| *pid != me).count();
    page.receive(&buffer, SharedBufferAccess::ReadWrite);
    assert_eq!(others(), 1);
    webview.navigate_to_string("<p>elsewhere</p>").unwrap();
    wait_until(&event_loop, "the mapping to go with the document", || {
        others() == 0 && webview.shared_buffer_mappings().count == 0
    });

    let second = event_loop
        .block_on(env.create_webview(webpane::WebViewOptions::default()))
        .unwrap()
        .unwrap();
    let page = Page::open(second.clone(), event_loop.clone());
    page.receive(&buffer, SharedBufferAccess::ReadWrite);
    assert_eq!(others(), 1);
    second.close().unwrap();
    wait_until(&event_loop, "the mapping to go with the webview", || others() == 0);
}

#[test]
/// Promises S15 (docs/promises.md).
fn two_webviews_share_one_buffer() {
    let (event_loop, env, first, _dir) = open_webview();
    let second = event_loop
        .block_on(env.create_webview(webpane::WebViewOptions::default()))
        .unwrap()
        .unwrap();
    let a = Page::open(first.clone(), event_loop.clone());
    let b = Page::open(second.clone(), event_loop.clone());
    let buffer = SharedBuffer::new(64 << 10).unwrap();
    for (view, page) in [(&first, &a), (&second, &b)] {
        let delivered = view
            .post_shared_buffer_to_script(&buffer, SharedBufferAccess::ReadWrite, None)
            .unwrap();
        page.next();
        event_loop.block_on(delivered.acknowledged()).unwrap().unwrap();
    }
    assert_eq!(
        a.command(serde_json::json!({"op": "write", "value": 5, "start": 10, "end": 11}))["wrote"],
        true
    );
    assert_eq!(b.command(serde_json::json!({"op": "read", "at": 10}))["byte"], 5);
    let mut byte = [0u8];
    buffer.read_at(10, &mut byte).unwrap();
    assert_eq!(byte, [5]);
}

/// Issue 25.15: web processes run in WebKit's sandbox by default (no `sandbox(true)` here), and
/// shared buffers reach them there.
#[test]
fn a_sandboxed_web_process_gets_buffers_too() {
    let dir = tempfile::tempdir().unwrap();
    let event_loop = EventLoop::new().unwrap();
    let env = env_with(&event_loop, dir.path(), |b| b);
    let webview = new_webview(&event_loop, &env);
    let page = Page::open(webview.clone(), event_loop.clone());
    let buffer = SharedBuffer::new(1 << 20).unwrap();
    buffer.write_at(0, &vec![1u8; 1 << 20]).unwrap();
    let delivered = webview
        .post_shared_buffer_to_script(&buffer, SharedBufferAccess::ReadWrite, None)
        .unwrap();
    let received = page.next();
    event_loop.block_on(delivered.acknowledged()).unwrap().unwrap();
    assert_eq!(received["received"], 1 << 20);
    assert_eq!(received["sum"], 1 << 20);
    // The process that maps it is sandboxed: it lives in a pid namespace of its own.
    assert_eq!(
        pid_namespaces_of_mapper(&buffer),
        2,
        "not in a pid namespace of its own"
    );
    assert_eq!(
        page.command(serde_json::json!({"op": "write", "value": 3, "start": 0, "end": 1}))["wrote"],
        true
    );
    let mut byte = [0u8];
    buffer.read_at(0, &mut byte).unwrap();
    assert_eq!(byte, [3]);
}

#[test]
fn a_read_only_buffer_cannot_be_written_and_the_app_hears_why() {
    let (event_loop, _env, webview, _dir) = open_webview();
    let failures = recorder();
    let f = failures.clone();
    webview.on_process_failed(move |_, a| f.borrow_mut().push((a.kind(), a.reason(), a.process_id())));
    let page = Page::open(webview.clone(), event_loop.clone());
    let buffer = SharedBuffer::new(1 << 20).unwrap();
    buffer.write_at(0, &[1, 2, 3]).unwrap();
    let ino = inode(&buffer);
    let delivered = webview
        .post_shared_buffer_to_script(&buffer, SharedBufferAccess::ReadOnly, None)
        .unwrap();
    assert_eq!(page.next()["sum"], 6);
    event_loop.block_on(delivered.acknowledged()).unwrap().unwrap();
    // The page sees the app's later writes.
    buffer.write_at(500, &[99]).unwrap();
    assert_eq!(page.command(serde_json::json!({"op": "read", "at": 500}))["byte"], 99);
    // The web process got a read-only fd and mapped it read-only.
    let me = std::process::id();
    let (web_pid, _) = holders(ino).into_iter().find(|(pid, _)| *pid != me).unwrap();
    let maps = std::fs::read_to_string(format!("/proc/{web_pid}/maps")).unwrap();
    let line = maps
        .lines()
        .find(|l| l.split_whitespace().nth(4).and_then(|i| i.parse::<u64>().ok()) == Some(ino))
        .unwrap();
    assert!(line.split_whitespace().nth(1).unwrap().starts_with("r--s"), "{line}");

    // A write: the kernel stops it, the render process dies, the app is told why.
    webview
        .post_web_message_as_json(r#"{"op":"write","value":7,"start":0,"end":3}"#)
        .unwrap();
    wait_until(&event_loop, "ProcessFailed", || !failures.borrow().is_empty());
    assert_eq!(
        failures.borrow()[0],
        (
            webpane::ProcessFailedKind::RenderProcessExited,
            webpane::ProcessFailedReason::ReadOnlySharedBufferWrite,
            Some(web_pid)
        )
    );
    let mut first = [0u8; 3];
    buffer.read_at(0, &mut first).unwrap();
    assert_eq!(first, [1, 2, 3], "no write reached the app");
    wait_until(&event_loop, "the mapping to be counted gone", || {
        webview.shared_buffer_mappings().count == 0
    });
    // The page comes back.
    webview.reload().unwrap();
    assert_eq!(page.next()["ready"], true);
}

/// Open fds, mappings and resident memory (MiB) of a process.
fn footprint(pid: u32) -> (usize, usize, u64) {
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|d| d.count())
        .unwrap_or(0);
    let maps = std::fs::read_to_string(format!("/proc/{pid}/maps"))
        .map(|m| m.lines().count())
        .unwrap_or(0);
    let rss = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("VmRSS:"))?.to_owned();
            line.split_whitespace().nth(1)?.parse::<u64>().ok()
        })
        .unwrap_or(0)
        / 1024;
    (fds, maps, rss)
}

#[test]
fn many_post_release_cycles_neither_stall_nor_leak() {
    let cycles: usize = std::env::var("WEBPANE_CYCLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let (event_loop, env, webview, _dir) = open_webview();
    let messages = recorder();
    let m = messages.clone();
    webview.on_web_message_received(move |_, a| m.borrow_mut().push(a.web_message_as_json().to_owned()));
    webview
        .navigate_to_string(
            "<script>
            let seen = 0;
            chrome.webview.addEventListener('sharedbufferreceived', e => {
              const b = e.getBuffer();
              if (new Uint8Array(b)[0] !== (seen & 255)) chrome.webview.postMessage('wrong data at ' + seen);
              seen++;
              chrome.webview.releaseBuffer(b);
            });
            chrome.webview.postMessage('ready');
            </script>",
        )
        .unwrap();
    wait_until(&event_loop, "the page", || !messages.borrow().is_empty());
    let runtime = env.browser_process_id().unwrap();
    let warm = |i: usize| {
        let buffer = SharedBuffer::new(1 << 20).unwrap();
        buffer.write_at(0, &[(i & 255) as u8]).unwrap();
        let delivered = webview
            .post_shared_buffer_to_script(&buffer, SharedBufferAccess::ReadWrite, None)
            .unwrap();
        event_loop.block_on(delivered.acknowledged()).unwrap().unwrap();
    };
    // Warm up, then take the baseline of every process involved.
    for i in 0..100 {
        warm(i);
    }
    let web: Vec<u32> = processes_named("WebKitWebProces")
        .into_iter()
        .filter(|p| descends_from(*p, runtime))
        .collect();
    assert_eq!(web.len(), 1, "one web process: {web:?}");
    let web = web[0];
    let base = [footprint(std::process::id()), footprint(runtime), footprint(web)];
    let started = std::time::Instant::now();
    for i in 100..100 + cycles {
        warm(i);
    }
    let elapsed = started.elapsed();
    wait_until(&event_loop, "every buffer to be released", || {
        webview.shared_buffer_mappings().count == 0
    });
    let after = [footprint(std::process::id()), footprint(runtime), footprint(web)];
    println!(
        "{cycles} post/release cycles of 1 MiB: {:.1} s ({:.0} µs each); (fds, maps, RSS MiB) app {:?} → {:?}, runtime {:?} → {:?}, web {:?} → {:?}",
        elapsed.as_secs_f64(),
        elapsed.as_micros() as f64 / cycles as f64,
        base[0],
        after[0],
        base[1],
        after[1],
        base[2],
        after[2]
    );
    assert!(
        !messages.borrow().iter().any(|m| m.contains("wrong")),
        "{:?}",
        messages.borrow()
    );
    // Bounded, not per cycle: 100,000 cycles leave the web process ~200 more mappings (JSC's
    // heap settling; 10,000 cycles left as many), and fds are opened lazily once.
    for (before, now) in base.iter().zip(after.iter()) {
        assert!(now.0 <= before.0 + 16, "fds grew: {before:?} -> {now:?}");
        assert!(now.1 <= before.1 + 1024, "mappings grew: {before:?} -> {now:?}");
        assert!(now.2 <= before.2 + 256, "resident memory grew: {before:?} -> {now:?}");
    }
}

/// S7: posting a closed buffer to script fails with `Closed`, nothing is sent.
#[test]
fn a_closed_buffer_cannot_be_posted() {
    let (_event_loop, _env, webview, _dir) = open_webview();
    let buffer = webpane::SharedBuffer::new(4096).unwrap();
    buffer.close().unwrap();
    let posted = webview.post_shared_buffer_to_script(&buffer, webpane::SharedBufferAccess::ReadWrite, None);
    assert!(matches!(posted, Err(webpane::Error::Closed)), "{posted:?}");
    assert_eq!(webview.shared_buffer_mappings().count, 0);
}

/// Issue 25.15: `sandbox(false)` opts out: the web process runs in the app's pid namespace.
#[test]
fn the_sandbox_can_be_turned_off() {
    let dir = tempfile::tempdir().unwrap();
    let event_loop = EventLoop::new().unwrap();
    let env = env_with(&event_loop, dir.path(), |b| b.sandbox(false));
    let webview = new_webview(&event_loop, &env);
    let page = Page::open(webview.clone(), event_loop.clone());
    let buffer = SharedBuffer::new(4096).unwrap();
    let delivered = webview
        .post_shared_buffer_to_script(&buffer, SharedBufferAccess::ReadWrite, None)
        .unwrap();
    page.next();
    event_loop.block_on(delivered.acknowledged()).unwrap().unwrap();
    assert_eq!(pid_namespaces_of_mapper(&buffer), 1, "in a pid namespace of its own");
}

/// How many pid namespaces the process (other than this one) that maps `buffer` is in (its
/// `NSpid` line: one pid per namespace).
fn pid_namespaces_of_mapper(buffer: &SharedBuffer) -> usize {
    let me = std::process::id();
    let (web_pid, _) = holders(inode(buffer))
        .into_iter()
        .find(|(pid, _)| *pid != me)
        .expect("the web process maps the buffer");
    let status = std::fs::read_to_string(format!("/proc/{web_pid}/status")).unwrap();
    let nspid = status.lines().find(|l| l.starts_with("NSpid:")).unwrap();
    nspid.split_whitespace().count() - 1
}
