//! How pages look and are zoomed: the profile-wide preferred colour scheme (CSS
//! `prefers-color-scheme`, followed live by open pages), the default background colour, the
//! zoom factor (set by the app or by the user's Ctrl + wheel and Ctrl + 0) with
//! `ZoomFactorChanged`, and a getter for every setter.

mod common;

use std::cell::RefCell;
use std::rc::Rc;

use common::*;
use webpane::{KeyInput, MouseInput, OffscreenPicture, PreferredColorScheme, WebViewOptions, modifiers};

const DARK: &str = "matchMedia('(prefers-color-scheme: dark)').matches";

#[test]
fn the_preferred_color_scheme_reaches_open_pages_of_every_view() {
    let (event_loop, env, webview, _dir) = open_webview();
    let other = new_webview(&event_loop, &env);
    let page = "<script>window.changes = 0; \
                matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => window.changes++);\
                </script>";
    assert!(load_html(&event_loop, &webview, page));
    assert!(load_html(&event_loop, &other, page));
    let desktop = script_result(&event_loop, &webview, DARK).unwrap();
    let scheme_is = |view: &webpane::WebView, dark: bool| {
        let want = dark.to_string();
        wait_until(&event_loop, "the page to see the scheme", || {
            script_result(&event_loop, view, DARK).unwrap() == want
        });
    };

    webview.set_preferred_color_scheme(PreferredColorScheme::Dark).unwrap();
    assert_eq!(webview.preferred_color_scheme(), PreferredColorScheme::Dark);
    scheme_is(&webview, true);
    // Profile-wide: the other view's page follows too, and both heard a change.
    scheme_is(&other, true);
    for view in [&webview, &other] {
        wait_until(&event_loop, "the page's change listener", || {
            script_result(&event_loop, view, "window.changes").unwrap() != "0"
        });
    }

    webview.set_preferred_color_scheme(PreferredColorScheme::Light).unwrap();
    scheme_is(&webview, false);
    scheme_is(&other, false);

    webview.set_preferred_color_scheme(PreferredColorScheme::Auto).unwrap();
    scheme_is(&webview, desktop == "true");
    // A page loaded later sees the scheme too.
    webview.set_preferred_color_scheme(PreferredColorScheme::Dark).unwrap();
    scheme_is(&webview, true);
    assert!(load_html(&event_loop, &other, "<p>later</p>"));
    scheme_is(&other, true);
    webview.set_preferred_color_scheme(PreferredColorScheme::Auto).unwrap();
}

/// The latest picture of an offscreen view, kept as it comes.
fn keep_pictures(webview: &webpane::WebView) -> Rc<RefCell<Option<OffscreenPicture>>> {
    let last: Rc<RefCell<Option<OffscreenPicture>>> = Rc::default();
    let l = last.clone();
    webview.on_picture_ready(move |_, args| *l.borrow_mut() = Some(args.picture().clone()));
    last
}

#[test]
fn the_default_background_color_shows_where_the_page_draws_nothing() {
    let (event_loop, env, _webview, _dir) = open_webview();
    let view = event_loop
        .block_on(env.create_webview(WebViewOptions::offscreen(200, 100)))
        .unwrap()
        .unwrap();
    assert_eq!(view.default_background_color(), [255, 255, 255, 255]);
    let pictures = keep_pictures(&view);
    view.set_default_background_color([0, 0, 255, 255]).unwrap();
    assert_eq!(view.default_background_color(), [0, 0, 255, 255]);
    assert!(load_html(&event_loop, &view, "<p style='margin:50px'>x</p>"));
    // BGRA: pure blue where the page draws nothing.
    wait_until(&event_loop, "a blue background", || {
        pictures.borrow().as_ref().and_then(|p| p.pixel(2, 2)) == Some([255, 0, 0, 255])
    });
    view.set_default_background_color([0, 128, 0, 255]).unwrap();
    wait_until(&event_loop, "a green background", || {
        pictures.borrow().as_ref().and_then(|p| p.pixel(2, 2)) == Some([0, 128, 0, 255])
    });
}

#[test]
fn zoom_set_by_the_app_or_the_user_is_told_and_reaches_the_page() {
    let (event_loop, env, _webview, _dir) = open_webview();
    let view = event_loop
        .block_on(env.create_webview(WebViewOptions::offscreen(800, 400)))
        .unwrap()
        .unwrap();
    let changes = recorder();
    let c = changes.clone();
    view.on_zoom_factor_changed(move |v, _| c.borrow_mut().push(v.zoom_factor()));
    assert!(load_html(&event_loop, &view, "<p>zoom</p>"));
    let width = || script_result(&event_loop, &view, "window.innerWidth").unwrap();
    assert_eq!(width(), "800");

    // The app's zoom.
    view.set_zoom_factor(2.0).unwrap();
    wait_until(&event_loop, "ZoomFactorChanged", || {
        changes.borrow().as_slice() == [2.0]
    });
    assert_eq!(width(), "400");
    view.set_zoom_factor(2.0).unwrap();
    view.set_zoom_factor(1.0).unwrap();
    wait_until(&event_loop, "back to 100 %", || changes.borrow().len() == 2);
    assert_eq!(
        changes.borrow().as_slice(),
        [2.0, 1.0],
        "setting the same factor again is no change"
    );

    // The user's: Ctrl + wheel up goes to the next step (110 %), Ctrl + 0 back to 100 %.
    view.set_input_focus(true).unwrap();
    view.send_mouse_input(MouseInput::moved(100.0, 100.0)).unwrap();
    view.send_mouse_input(MouseInput::wheel_lines(100.0, 100.0, 0.0, -1.0).with_modifiers(modifiers::CONTROL))
        .unwrap();
    wait_until(&event_loop, "the user's zoom", || changes.borrow().len() == 3);
    assert_eq!(view.zoom_factor(), 1.1);
    assert_eq!(width(), "727", "800 CSS pixels at 110 %");
    view.send_key_input(KeyInput::down(0x30).with_modifiers(modifiers::CONTROL))
        .unwrap();
    view.send_key_input(KeyInput::up(0x30).with_modifiers(modifiers::CONTROL))
        .unwrap();
    wait_until(&event_loop, "Ctrl + 0", || changes.borrow().len() == 4);
    assert_eq!(view.zoom_factor(), 1.0);

    // With zoom control off, Ctrl + wheel does not zoom.
    view.set_zoom_control_enabled(false).unwrap();
    assert!(!view.is_zoom_control_enabled());
    view.send_mouse_input(MouseInput::wheel_lines(100.0, 100.0, 0.0, -1.0).with_modifiers(modifiers::CONTROL))
        .unwrap();
    // A round trip through the page after the wheel: the wheel was handled by then.
    assert_eq!(width(), "800");
    assert_eq!(changes.borrow().len(), 4);
    assert_eq!(view.zoom_factor(), 1.0);
}

#[test]
fn every_setter_has_a_getter() {
    let (event_loop, env, webview, _dir) = open_webview();
    assert!(webview.is_scripts_enabled() && webview.is_web_message_enabled());
    assert!(webview.are_default_context_menus_enabled() && !webview.are_dev_tools_enabled());
    assert!(webview.is_visible() && webview.is_zoom_control_enabled());
    assert_eq!((webview.zoom_factor(), webview.rasterization_scale()), (1.0, 1.0));
    assert_eq!(webview.user_agent(), None);

    webview.set_scripts_enabled(false).unwrap();
    webview.set_default_context_menus_enabled(false).unwrap();
    webview.set_dev_tools_enabled(true).unwrap();
    webview.set_visible(false).unwrap();
    webview.set_rasterization_scale(2.0).unwrap();
    webview.set_user_agent(Some("webpane-test/1")).unwrap();
    assert!(!webview.is_scripts_enabled() && !webview.are_default_context_menus_enabled());
    assert!(webview.are_dev_tools_enabled() && !webview.is_visible());
    assert_eq!(webview.rasterization_scale(), 2.0);
    assert_eq!(webview.user_agent().as_deref(), Some("webpane-test/1"));

    // What the view was created with.
    let quiet = event_loop
        .block_on(env.create_webview(WebViewOptions::default().scripts(false).web_messages(false)))
        .unwrap()
        .unwrap();
    assert!(!quiet.is_scripts_enabled() && !quiet.is_web_message_enabled());
    // The engine got the setting, not only the getter: the page sees the user agent.
    webview.set_scripts_enabled(true).unwrap();
    assert!(load_html(&event_loop, &webview, "<p>ua</p>"));
    assert_eq!(
        script_result(&event_loop, &webview, "navigator.userAgent").unwrap(),
        "\"webpane-test/1\""
    );
}
