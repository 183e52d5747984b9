//! Web messages keep their order with everything else between the app and the page, now that the
//! main frame's travel on a direct channel while the rest goes through the browser process:
//! - app → page: a shared buffer, a script and messages posted in between reach the page in the
//!   order they were posted, again and again (fences bring messages back to the channel); a
//!   burst of small and large messages arrives whole and in order (across the channel's batches);
//! - page → app: a buffer the page releases is reported before the message the page posts after
//!   releasing it; messages posted from a subframe and the main frame each keep their own order.

mod common;

use std::cell::RefCell;
use std::rc::Rc;

use common::*;
use webpane::{SharedBuffer, SharedBufferAccess};

#[test]
fn what_the_app_sends_reaches_the_page_in_order_whatever_path_it_takes() {
    let (event_loop, _env, webview, _dir) = open_webview();
    let got: Rc<RefCell<Vec<String>>> = recorder();
    let g = got.clone();
    webview.on_web_message_received(move |_, m| g.borrow_mut().push(m.web_message_as_json().to_owned()));
    assert!(load_html(
        &event_loop,
        &webview,
        "<script>
        const seen = [];
        chrome.webview.addEventListener('sharedbufferreceived', e => {
          seen.push('buffer:' + e.additionalData.n);
          chrome.webview.releaseBuffer(e.getBuffer());
        });
        chrome.webview.addEventListener('message', e => {
          if (e.data === 'report') chrome.webview.postMessage(seen.join(' '));
          else seen.push(String(e.data) + (window.marker === undefined ? '' : '+' + window.marker));
        });
        </script>"
    ));
    let buffer = SharedBuffer::new(4096).unwrap();
    let mut expected = Vec::new();
    for round in 0..20 {
        // Messages (the channel), a buffer and a script (the browser process), messages again.
        webview.post_web_message(&format!("m{round}a")).unwrap();
        expected.push(format!(
            "m{round}a{}",
            if round == 0 {
                String::new()
            } else {
                format!("+{}", round - 1)
            }
        ));
        webview
            .post_shared_buffer_to_script(
                &buffer,
                SharedBufferAccess::ReadWrite,
                Some(&format!("{{\"n\":{round}}}")),
            )
            .unwrap();
        expected.push(format!("buffer:{round}"));
        let _script = webview.execute_script(&format!("window.marker = {round}"));
        webview.post_web_message(&format!("m{round}b")).unwrap();
        expected.push(format!("m{round}b+{round}"));
        webview.post_web_message(&format!("m{round}c")).unwrap();
        expected.push(format!("m{round}c+{round}"));
        // Let fences come back now and then, so that both paths are taken.
        if round % 3 == 0 {
            for _ in 0..5 {
                event_loop.dispatch(Some(std::time::Duration::from_millis(5))).unwrap();
            }
        }
    }
    webview.post_web_message("report").unwrap();
    wait_until(&event_loop, "the page's report", || !got.borrow().is_empty());
    let report: String = serde_json::from_str(&got.borrow()[0]).unwrap();
    assert_eq!(report, expected.join(" "));
}

#[test]
fn a_burst_of_every_size_arrives_whole_and_in_order() {
    // Small messages are written together (up to 256 or 64 KiB a packet), large ones alone: a
    // burst that crosses those bounds, with large ones among the small, arrives whole, in order.
    let (event_loop, _env, webview, _dir) = open_webview();
    let got: Rc<RefCell<Vec<String>>> = recorder();
    let g = got.clone();
    webview.on_web_message_received(move |_, m| g.borrow_mut().push(m.web_message_as_json().to_owned()));
    assert!(load_html(
        &event_loop,
        &webview,
        "<script>
        let next = 0, bytes = 0, wrong = null;
        chrome.webview.addEventListener('message', e => {
          if (e.data.end) { chrome.webview.postMessage({count: next, bytes, wrong}); return; }
          if (e.data.n !== next && wrong === null) wrong = [next, e.data.n];
          next++;
          bytes += e.data.pad.length;
        });
        </script>"
    ));
    let (mut count, mut bytes) = (0u64, 0u64);
    for n in 0..2000u64 {
        // Mostly small; every 100th 100 KiB (alone), every 7th 1 KiB (batches fill by bytes).
        let pad = match n {
            n if n % 100 == 99 => 100 * 1024,
            n if n % 7 == 0 => 1024,
            _ => 8,
        };
        webview
            .post_web_message(&serde_json::json!({"n": n, "pad": "x".repeat(pad)}))
            .unwrap();
        (count, bytes) = (count + 1, bytes + pad as u64);
    }
    webview.post_web_message(&serde_json::json!({"end": true})).unwrap();
    wait_until(&event_loop, "the page's count", || !got.borrow().is_empty());
    let report: serde_json::Value = serde_json::from_str(&got.borrow()[0]).unwrap();
    assert_eq!(
        report,
        serde_json::json!({"count": count, "bytes": bytes, "wrong": null})
    );
}

#[test]
fn a_page_s_release_is_reported_before_what_it_posts_next() {
    let (event_loop, _env, webview, _dir) = open_webview();
    // For each message: the message, and how many releases the app had heard of when it came.
    let events: Rc<RefCell<Vec<(String, u64)>>> = recorder();
    let (e, w) = (events.clone(), webview.clone());
    webview.on_web_message_received(move |_, m| {
        let released = w.shared_buffer_mappings().released;
        e.borrow_mut().push((m.web_message_as_json().to_owned(), released));
    });
    assert!(load_html(
        &event_loop,
        &webview,
        "<script>
        chrome.webview.addEventListener('sharedbufferreceived', e => {
          const n = e.additionalData.n;
          chrome.webview.releaseBuffer(e.getBuffer());
          chrome.webview.postMessage('released ' + n);
          // More, from later tasks: while the channel is held and as it opens again.
          let k = 0;
          const next = () => { chrome.webview.postMessage('after ' + n + ' ' + k); if (++k < 20) setTimeout(next, k % 2); };
          setTimeout(next, 0);
        });
        </script>"
    ));
    let buffer = SharedBuffer::new(4096).unwrap();
    for n in 0..20u64 {
        let _post = webview
            .post_shared_buffer_to_script(&buffer, SharedBufferAccess::ReadWrite, Some(&format!("{{\"n\":{n}}}")))
            .unwrap();
        wait_until(&event_loop, "the messages after the release", || {
            events.borrow().iter().any(|(m, _)| *m == format!("\"after {n} 19\""))
        });
    }
    // Each message the page posted after releasing buffer n came after that release, and all in
    // the order the page posted them.
    let mut expected = Vec::new();
    for n in 0..20u64 {
        expected.push(format!("\"released {n}\""));
        expected.extend((0..20).map(|k| format!("\"after {n} {k}\"")));
    }
    let events = events.borrow();
    for (message, released) in events.iter() {
        let n: u64 = message.trim_matches('"').split(' ').nth(1).unwrap().parse().unwrap();
        assert!(
            *released > n,
            "{message} arrived before its release ({released} released)"
        );
    }
    let got: Vec<String> = events.iter().map(|(m, _)| m.clone()).collect();
    assert_eq!(got, expected);
}
