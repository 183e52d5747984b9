//! The page's notifications shown by the app, across the processes: the permission first
//! (denied unless the app allows it), then `new Notification(…)` reaches the app with its title,
//! body, tag and origin; the app's click and close reach the page's `click` and `close` events,
//! and the page's `close()` reaches the app.

mod common;

use std::collections::HashMap;

use common::*;
use webpane::{Notification, PermissionKind, PermissionState};

const PAGE: &str = "<script>
window.events = [];
async function notify(tag) {
  const permission = await Notification.requestPermission();
  events.push('permission ' + permission);
  if (permission !== 'granted') return;
  const n = new Notification('Hello ' + tag, { body: 'from the page', tag });
  n.onclick = () => events.push('click ' + tag);
  n.onclose = () => events.push('close ' + tag);
  window[tag] = n;
}
</script>";

fn events(event_loop: &webpane::EventLoop, view: &webpane::WebView) -> String {
    script_result(event_loop, view, "events.join(', ')").unwrap()
}

#[test]
fn notifications_come_to_the_app_and_its_clicks_and_closes_reach_the_page() {
    let port = routes_server(HashMap::from([("/", (200, "text/html", PAGE.to_owned()))]));
    let (event_loop, _env, webview, _dir) = open_webview();
    let allow = std::rc::Rc::new(std::cell::Cell::new(false));
    {
        let allow = allow.clone();
        webview.on_permission_requested(move |_, args| {
            if args.permission_kind() == PermissionKind::Notifications && allow.get() {
                args.set_state(PermissionState::Allow);
            }
        });
    }
    let received: std::rc::Rc<std::cell::RefCell<Vec<(String, Notification)>>> = Default::default();
    {
        let received = received.clone();
        webview.on_notification_received(move |_, args| {
            received
                .borrow_mut()
                .push((args.sender_origin().to_owned(), args.notification().clone()))
        });
    }
    let loaded = recorder();
    let l = loaded.clone();
    webview.on_navigation_completed(move |_, a| l.borrow_mut().push(a.is_success()));
    webview.navigate(&format!("http://127.0.0.1:{port}/")).unwrap();
    wait_until(&event_loop, "the page", || !loaded.borrow().is_empty());

    // Not allowed (the default): no notification.
    script_result(&event_loop, &webview, "notify('a'); 0").unwrap();
    wait_until(&event_loop, "the refusal", || {
        events(&event_loop, &webview).contains("permission")
    });
    assert_eq!(events(&event_loop, &webview), "\"permission denied\"");
    assert!(received.borrow().is_empty());

    // Allowed: the notification comes to the app, not the desktop.
    allow.set(true);
    webview.navigate(&format!("http://127.0.0.1:{port}/")).unwrap();
    wait_until(&event_loop, "the page again", || loaded.borrow().len() >= 2);
    script_result(&event_loop, &webview, "notify('b'); 0").unwrap();
    wait_until(&event_loop, "NotificationReceived", || received.borrow().len() == 1);
    let (origin, notification) = received.borrow()[0].clone();
    assert_eq!(origin, format!("http://127.0.0.1:{port}"));
    assert_eq!(
        (notification.title(), notification.body(), notification.tag()),
        ("Hello b", "from the page", "b")
    );

    // The app's click reaches the page.
    notification.report_clicked().unwrap();
    wait_until(&event_loop, "the page's click", || {
        events(&event_loop, &webview).contains("click b")
    });

    // The page closes it: the app hears.
    let close_requested = recorder();
    let c = close_requested.clone();
    notification.on_close_requested(move |_, _| c.borrow_mut().push(()));
    script_result(&event_loop, &webview, "b.close(); 0").unwrap();
    wait_until(&event_loop, "CloseRequested", || !close_requested.borrow().is_empty());

    // Another, closed by the app: the page's close event runs.
    script_result(&event_loop, &webview, "notify('c'); 0").unwrap();
    wait_until(&event_loop, "the second notification", || received.borrow().len() == 2);
    let second = received.borrow()[1].1.clone();
    second.report_closed().unwrap();
    wait_until(&event_loop, "the page's close", || {
        events(&event_loop, &webview).contains("close c")
    });
}
