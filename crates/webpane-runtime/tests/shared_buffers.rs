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

    fn command(&self, json: serde_json::Value) -> serde_json::Value {
        self.webview.post_web_message_as_json(&json.to_string()).unwrap();
        self.next()
    }
}

#[test]
fn page_and_app_share_memory_both_ways_until_released() {
    let (event_loop, _env, webview, _dir) = open_webview();
    let page = Page::open(webview.clone(), event_loop.clone_handle());
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
    event_loop.block_on(delivered).unwrap().unwrap();
    assert_eq!(
        webview.shared_buffer_mappings(),
        SharedBufferMappings {
            count: 1,
            bytes: size as u64
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
