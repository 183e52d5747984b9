//! Keyboard and focus across the processes, on an offscreen view (input through the API): the
//! focus events, `MoveFocus` to the page's first or last element, tabbing out of the page
//! (`MoveFocusRequested`, handled by the app or wrapping around), and accelerator keys the app
//! sees before the page (handled or let through, in order), with the browser's own keys.

mod common;

use common::*;
use webpane::{KeyInput, MoveFocusReason, WebView, WebViewOptions, modifiers};

const PAGE: &str = "<input id=first><input id=middle><input id=last>
<script>
window.keys = [];
addEventListener('keydown', e => keys.push((e.ctrlKey ? 'ctrl+' : '') + e.key));
</script>";

const TAB: u32 = 0xff09;
const F5: u32 = 0xffc2;

fn offscreen_page(event_loop: &webpane::EventLoop, env: &webpane::Environment) -> WebView {
    let view = event_loop
        .block_on(env.create_webview(WebViewOptions::offscreen(400, 200)))
        .unwrap()
        .unwrap();
    assert!(load_html(event_loop, &view, PAGE));
    view
}

fn active(event_loop: &webpane::EventLoop, view: &WebView) -> String {
    script_result(
        event_loop,
        view,
        "document.activeElement.id || document.activeElement.tagName",
    )
    .unwrap()
}

fn press(view: &WebView, keyval: u32, modifiers: u32) {
    view.send_key_input(KeyInput::down(keyval).with_modifiers(modifiers))
        .unwrap();
    view.send_key_input(KeyInput::up(keyval).with_modifiers(modifiers))
        .unwrap();
}

#[test]
fn focus_is_told_and_moves_to_the_first_or_last_element() {
    let (event_loop, env, _webview, _dir) = open_webview();
    let view = offscreen_page(&event_loop, &env);
    let seen = recorder();
    let (got, lost) = (seen.clone(), seen.clone());
    view.on_got_focus(move |_, _| got.borrow_mut().push("got"));
    view.on_lost_focus(move |_, _| lost.borrow_mut().push("lost"));
    view.set_input_focus(true).unwrap();
    wait_until(&event_loop, "GotFocus", || seen.borrow().last() == Some(&"got"));
    view.move_focus(MoveFocusReason::Next).unwrap();
    wait_until(&event_loop, "the first element", || {
        active(&event_loop, &view) == "\"first\""
    });
    view.move_focus(MoveFocusReason::Previous).unwrap();
    wait_until(&event_loop, "the last element", || {
        active(&event_loop, &view) == "\"last\""
    });
    view.set_input_focus(false).unwrap();
    wait_until(&event_loop, "LostFocus", || seen.borrow().last() == Some(&"lost"));
}

#[test]
fn tabbing_out_of_the_page_asks_the_app_and_wraps_around_unless_it_takes_the_focus() {
    let (event_loop, env, _webview, _dir) = open_webview();
    let view = offscreen_page(&event_loop, &env);
    let requests = recorder();
    let take = std::rc::Rc::new(std::cell::Cell::new(false));
    {
        let (requests, take) = (requests.clone(), take.clone());
        view.on_move_focus_requested(move |_, args| {
            requests.borrow_mut().push(args.reason());
            args.set_handled(take.get());
        });
    }
    view.set_input_focus(true).unwrap();
    view.move_focus(MoveFocusReason::Previous).unwrap();
    wait_until(&event_loop, "the last element", || {
        active(&event_loop, &view) == "\"last\""
    });
    // Tab past the last element: the app is asked; unhandled, the focus wraps to the first.
    press(&view, TAB, 0);
    wait_until(&event_loop, "MoveFocusRequested", || requests.borrow().len() == 1);
    assert_eq!(requests.borrow()[0], MoveFocusReason::Next);
    wait_until(&event_loop, "the wrap to the first element", || {
        active(&event_loop, &view) == "\"first\""
    });
    // Shift + Tab before the first: asked backwards, and this time the app takes the focus.
    take.set(true);
    press(&view, TAB, modifiers::SHIFT);
    wait_until(&event_loop, "the backward request", || requests.borrow().len() == 2);
    assert_eq!(requests.borrow()[1], MoveFocusReason::Previous);
    assert_ne!(
        active(&event_loop, &view),
        "\"last\"",
        "the app took the focus: no wrap"
    );
}

#[test]
fn accelerator_keys_reach_the_app_first_and_the_page_only_if_unhandled() {
    let (event_loop, env, _webview, _dir) = open_webview();
    // A served page: a reload (F5) loads it again (a string page would reload as about:blank).
    let port = routes_server(std::collections::HashMap::from([(
        "/",
        (200, "text/html", PAGE.to_owned()),
    )]));
    let view = event_loop
        .block_on(env.create_webview(WebViewOptions::offscreen(400, 200)))
        .unwrap()
        .unwrap();
    let first_load = recorder();
    let f = first_load.clone();
    let token = view.on_navigation_completed(move |_, a| f.borrow_mut().push(a.is_success()));
    view.navigate(&format!("http://127.0.0.1:{port}/")).unwrap();
    wait_until(&event_loop, "the page", || first_load.borrow().as_slice() == [true]);
    view.remove_navigation_completed(token);

    let told = recorder();
    {
        let told = told.clone();
        view.on_accelerator_key_pressed(move |_, args| {
            if args.key_event_kind() == webpane::KeyEventKind::KeyDown {
                told.borrow_mut().push((args.keyval(), args.modifiers()));
            }
            // The app handles Ctrl + S (save), and nothing else.
            args.set_handled(args.keyval() == 0x73 && args.modifiers() & modifiers::CONTROL != 0);
        });
    }
    let loads = recorder();
    let l = loads.clone();
    view.on_navigation_completed(move |_, a| l.borrow_mut().push(a.is_success()));
    view.set_input_focus(true).unwrap();
    view.move_focus(MoveFocusReason::Next).unwrap();
    wait_until(&event_loop, "the first element", || {
        active(&event_loop, &view) == "\"first\""
    });

    // Ctrl + S handled by the app; Ctrl + B let through; a plain key right behind it keeps its
    // place (it is no accelerator and never asked about).
    press(&view, 0x73, modifiers::CONTROL);
    press(&view, 0x62, modifiers::CONTROL);
    press(&view, 0x61, 0);

    let mut page_keys = String::new();
    let deadline = std::time::Instant::now() + TIMEOUT;
    while page_keys != "\"ctrl+b a\"" && std::time::Instant::now() < deadline {
        page_keys = script_result(&event_loop, &view, "keys.join(' ')").unwrap();
    }
    assert_eq!(page_keys, "\"ctrl+b a\"", "told: {:?}", told.borrow());
    let page_keys = script_result(&event_loop, &view, "keys.join(' ')").unwrap();
    assert!(
        !page_keys.contains("ctrl+s"),
        "the handled key reached the page: {page_keys}"
    );
    assert_eq!(
        told.borrow().iter().filter(|(k, _)| *k == 0x73 || *k == 0x62).count(),
        2,
        "{:?}",
        told.borrow()
    );
    assert!(
        !told.borrow().iter().any(|(k, _)| *k == 0x61),
        "a plain key is no accelerator"
    );

    // F5, unhandled, is the browser's reload.
    let before = loads.borrow().len();
    press(&view, F5, 0);
    wait_until(&event_loop, "the reload", || loads.borrow().len() > before);

    assert!(told.borrow().iter().any(|(k, _)| *k == F5));
    // With the browser's keys off, F5 only reaches the page (its document, which has the focus).
    view.set_browser_accelerator_keys_enabled(false).unwrap();
    assert!(!view.are_browser_accelerator_keys_enabled());
    let loaded = loads.borrow().len();
    press(&view, F5, 0);
    wait_until(&event_loop, "F5 in the page", || {
        script_result(&event_loop, &view, "keys.includes('F5')").unwrap() == "true"
    });
    assert_eq!(loads.borrow().len(), loaded, "no reload with the browser's keys off");
}

#[test]
fn a_key_the_app_does_not_answer_in_time_goes_on_to_the_page() {
    let (event_loop, env, _webview, _dir) = open_webview();
    let view = offscreen_page(&event_loop, &env);
    // The app's loop is busy for 5 s with the key: past the browser process's 4 s, the key goes
    // on as not handled, and the late "handled" changes nothing.
    view.on_accelerator_key_pressed(|_, args| {
        if args.key_event_kind() == webpane::KeyEventKind::KeyDown {
            std::thread::sleep(std::time::Duration::from_secs(5));
        }
        args.set_handled(true);
    });
    view.set_input_focus(true).unwrap();
    view.move_focus(MoveFocusReason::Next).unwrap();
    wait_until(&event_loop, "the first element", || {
        active(&event_loop, &view) == "\"first\""
    });
    press(&view, 0x62, modifiers::CONTROL);
    wait_until(&event_loop, "the key in the page", || {
        script_result(&event_loop, &view, "keys.join(' ')").unwrap() == "\"ctrl+b\""
    });
}
