//! The view's own surface end to end: find in the page, the dev tools window, and what the page
//! does to its surroundings (window.close(), sound, full screen, the link under the pointer).

mod common;

use common::*;
use webpane::EventLoop;

#[test]
fn find_in_page_counts_and_steps_through_the_matches() {
    let (event_loop, _env, webview, _dir) = open_webview();
    assert!(load_html(
        &event_loop,
        &webview,
        "<p>apple banana Apple</p><p>pineapple apple</p>"
    ));
    let reports = recorder();
    let (r1, r2) = (reports.clone(), reports.clone());
    webview.on_find_match_count_changed(move |_, args| r1.borrow_mut().push(("count", args.match_count() as i64)));
    webview
        .on_find_active_match_index_changed(move |_, args| r2.borrow_mut().push(("index", args.active_match_index())));
    let step = |what: &dyn Fn() -> webpane::Result<()>, expect: (u32, i64)| {
        reports.borrow_mut().clear();
        what().unwrap();
        wait_until(&event_loop, "the find's report", || {
            (webview.find_match_count(), webview.find_active_match_index()) == expect && !reports.borrow().is_empty()
        });
    };
    step(&|| webview.start_find(&webpane::FindOptions::new("apple")), (4, 0));
    assert_eq!(*reports.borrow(), [("count", 4), ("index", 0)]);
    step(&|| webview.find_next(), (4, 1));
    step(&|| webview.find_next(), (4, 2));
    step(&|| webview.find_next(), (4, 3));
    step(&|| webview.find_next(), (4, 0));
    step(&|| webview.find_previous(), (4, 3));
    let case_sensitive = webpane::FindOptions {
        is_case_sensitive: true,
        ..webpane::FindOptions::new("Apple")
    };
    step(&|| webview.start_find(&case_sensitive), (1, 0));
    let word = webpane::FindOptions {
        should_match_word: true,
        ..webpane::FindOptions::new("apple")
    };
    step(&|| webview.start_find(&word), (3, 0));
    step(&|| webview.start_find(&webpane::FindOptions::new("cherry")), (0, -1));
    step(&|| webview.start_find(&webpane::FindOptions::new("banana")), (1, 0));
    step(&|| webview.stop_find(), (0, -1));
}

#[test]
fn find_counts_thousands_of_matches_and_says_when_there_are_more() {
    let (event_loop, _env, webview, _dir) = open_webview();
    let page = |n: usize| format!("<p>{}</p>", "needle ".repeat(n));
    let find = |expect: (u32, bool)| {
        webview.start_find(&webpane::FindOptions::new("needle")).unwrap();
        wait_until(&event_loop, "the count", || {
            (webview.find_match_count(), webview.find_has_more_matches()) == expect
                && webview.find_active_match_index() == 0
        });
    };
    // Past WebKit's old 1,000: counted exactly.
    assert!(load_html(&event_loop, &webview, &page(2000)));
    find((2000, false));
    webview.find_previous().unwrap();
    wait_until(&event_loop, "the last match", || {
        webview.find_active_match_index() == 1999
    });
    webview.stop_find().unwrap();
    // Past the counting limit: the limit, and "more".
    assert!(load_html(&event_loop, &webview, &page(12_000)));
    find((webpane::MAX_FIND_MATCHES, true));
    webview.stop_find().unwrap();
    wait_until(&event_loop, "the stop", || {
        (webview.find_match_count(), webview.find_has_more_matches()) == (0, false)
    });
}

#[test]
fn dev_tools_open_in_a_window_of_their_own_when_enabled() {
    let (event_loop, env, headless, _dir) = open_webview();
    headless.set_dev_tools_enabled(true).unwrap();
    match event_loop.block_on(headless.open_dev_tools_window()).unwrap() {
        Err(webpane::Error::RequestFailed(why)) => assert!(why.contains("headless"), "{why}"),
        other => panic!("a headless view shows no dev tools: {other:?}"),
    }
    let webview = window_view(&event_loop, &env);
    assert!(load_html(&event_loop, &webview, "<title>inspected</title><p>x</p>"));
    let inspector_windows = || {
        let out = std::process::Command::new("xdotool")
            .args(["search", "--name", "Web Inspector"])
            .output()
            .expect("xdotool (installed by cargo xtask test)");
        String::from_utf8_lossy(&out.stdout).lines().count()
    };
    let before = inspector_windows();
    match event_loop.block_on(webview.open_dev_tools_window()).unwrap() {
        Err(webpane::Error::RequestFailed(why)) => assert!(why.contains("set_dev_tools_enabled"), "{why}"),
        other => panic!("dev tools are off by default: {other:?}"),
    }
    webview.set_dev_tools_enabled(true).unwrap();
    event_loop.block_on(webview.open_dev_tools_window()).unwrap().unwrap();
    wait_until(&event_loop, "the inspector's window", || inspector_windows() > before);
    event_loop.block_on(webview.close_dev_tools_window()).unwrap().unwrap();
    wait_until(&event_loop, "the inspector's window gone", || {
        inspector_windows() == before
    });
}

/// The X11 window titled exactly `title` (under Xvfb).
fn window_named(title: &str) -> Option<String> {
    let out = std::process::Command::new("xdotool")
        .args(["search", "--name", &format!("^{title}$")])
        .output()
        .expect("xdotool (installed by cargo xtask test)");
    String::from_utf8_lossy(&out.stdout).lines().next().map(str::to_owned)
}

#[test]
fn the_page_tells_the_app_of_closing_sound_full_screen_and_links() {
    let dir = tempfile::tempdir().unwrap();
    let event_loop = EventLoop::new().unwrap();
    let env = env_for(&event_loop, dir.path());
    let webview = window_view(&event_loop, &env);
    let seen = recorder();
    let (s1, s2, s3, s4) = (seen.clone(), seen.clone(), seen.clone(), seen.clone());
    webview.on_window_close_requested(move |_, _| s1.borrow_mut().push("close".to_owned()));
    webview.on_is_muted_changed(move |view, _| s2.borrow_mut().push(format!("muted {}", view.is_muted())));
    webview.on_contains_full_screen_element_changed(move |view, _| {
        s3.borrow_mut()
            .push(format!("full screen {}", view.contains_full_screen_element()))
    });
    webview
        .on_status_bar_text_changed(move |view, _| s4.borrow_mut().push(format!("status {}", view.status_bar_text())));
    assert!(load_html(
        &event_loop,
        &webview,
        "<title>surface</title><body style='margin:0'>\
         <a href='https://link.example/target' style='display:block;width:400px;height:100px'>link</a>\
         <button onclick='document.documentElement.requestFullscreen()' style='display:block;width:400px;height:100px'>full</button>\
         <div style='height:100px'></div></body>"
    ));
    let window = {
        let mut found = None;
        wait_until(&event_loop, "the view's window", || {
            found = window_named("surface");
            found.is_some()
        });
        found.unwrap()
    };
    let xdotool = |args: &[&str]| {
        let status = std::process::Command::new("xdotool").args(args).status().unwrap();
        assert!(status.success(), "xdotool {args:?}");
    };
    // Other tests' windows may lie over ours (Xvfb has no window manager): ours is raised
    // before each move, and the move repeated until the page has seen it.
    let pointer_at = |y: &str, click: bool| {
        let mut args = vec![
            "windowraise",
            window.as_str(),
            "mousemove",
            "--window",
            window.as_str(),
            "50",
            y,
        ];
        if click {
            args.extend(["click", "1"]);
        }
        xdotool(&args);
        event_loop
            .dispatch(Some(std::time::Duration::from_millis(200)))
            .unwrap();
    };
    // The pointer over the link, then off it: a status bar's text comes and goes.
    wait_until(&event_loop, "the link's status text", || {
        pointer_at("50", false);
        webview.status_bar_text() == "https://link.example/target"
    });
    wait_until(&event_loop, "the status text gone", || {
        pointer_at("250", false);
        webview.status_bar_text().is_empty()
    });
    // A click (a user gesture) makes the page full screen.
    wait_until(&event_loop, "full screen", || {
        if !webview.contains_full_screen_element() {
            pointer_at("150", true);
        }
        webview.contains_full_screen_element()
    });
    event_loop
        .block_on(webview.execute_script("document.exitFullscreen(); 1"))
        .unwrap()
        .unwrap();
    wait_until(&event_loop, "full screen left", || {
        !webview.contains_full_screen_element()
    });
    webview.set_muted(true).unwrap();
    wait_until(&event_loop, "muted", || webview.is_muted());
    webview.set_muted(false).unwrap();
    wait_until(&event_loop, "unmuted", || !webview.is_muted());
    // window.close(): the app decides; the webview stays open meanwhile.
    event_loop
        .block_on(webview.execute_script("window.close(); 1"))
        .unwrap()
        .unwrap();
    wait_until(&event_loop, "WindowCloseRequested", || {
        seen.borrow().iter().any(|s| s == "close")
    });
    assert!(!webview.is_closed());
    let seen = seen.borrow();
    for expected in [
        "status https://link.example/target",
        "status ",
        "full screen true",
        "full screen false",
        "muted true",
        "muted false",
        "close",
    ] {
        assert!(seen.iter().any(|s| s == expected), "{expected:?} in {seen:?}");
    }
}

#[test]
fn process_infos_name_the_browser_and_its_render_process() {
    let (event_loop, env, webview, _dir) = open_webview();
    let changed = std::rc::Rc::new(std::cell::Cell::new(0));
    let c = changed.clone();
    env.on_process_infos_changed(move |_, _| c.set(c.get() + 1));
    assert!(load_html(&event_loop, &webview, "<p>x</p>"));
    wait_until(&event_loop, "a render process among the infos", || {
        env.process_infos()
            .iter()
            .any(|p| p.kind == webpane::ProcessKind::Renderer)
    });
    let infos = env.process_infos();
    assert_eq!(infos[0].kind, webpane::ProcessKind::Browser);
    assert_eq!(infos[0].process_id, webview.browser_process_id());
    assert!(infos.iter().all(|p| alive(p.process_id)), "{infos:?}");
    assert!(changed.get() > 0, "ProcessInfosChanged was raised");
}

/// Files under `dir` (recursively).
fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().map_while(Result::ok) {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn in_private_nothing_of_the_profile_reaches_the_disk() {
    let port = http_server(
        "<script>document.cookie = 'kept=yes; max-age=3600'; localStorage.setItem('kept', 'yes');\
         chrome.webview.postMessage('stored')</script>"
            .into(),
    );
    let uri = format!("http://127.0.0.1:{port}/");
    let dir = tempfile::tempdir().unwrap();
    let open = |event_loop: &EventLoop| env_with(event_loop, dir.path(), |b| b.in_private(true));
    let event_loop = EventLoop::new().unwrap();
    let env = open(&event_loop);
    let webview = new_webview(&event_loop, &env);
    let messages = recorder();
    let m = messages.clone();
    webview.on_web_message_received(move |_, _| m.borrow_mut().push(()));
    webview.navigate(&uri).unwrap();
    wait_until(&event_loop, "the page's storing", || !messages.borrow().is_empty());
    let cookies = event_loop
        .block_on(webview.cookie_manager().cookies(&uri))
        .unwrap()
        .unwrap();
    assert!(cookies.iter().any(|c| c.name == "kept"), "in memory meanwhile");
    let pid = webview.browser_process_id();
    drop(webview);
    drop(env);
    wait_reaped(pid);
    let written: Vec<_> = files_under(dir.path())
        .into_iter()
        .filter(|p| {
            let name = p.to_string_lossy().to_ascii_lowercase();
            name.contains("cookies") || name.contains("localstorage") || name.contains("storage")
        })
        .collect();
    assert!(written.is_empty(), "profile files written: {written:?}");
    // A new browser process on the folder has nothing of it.
    let env = open(&event_loop);
    let webview = new_webview(&event_loop, &env);
    let cookies = event_loop
        .block_on(webview.cookie_manager().cookies(&uri))
        .unwrap()
        .unwrap();
    assert!(cookies.is_empty(), "{cookies:?}");
}

#[test]
fn the_remote_inspector_lists_the_pages_over_http() {
    use std::io::{Read, Write};
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().port()
    };
    let dir = tempfile::tempdir().unwrap();
    let event_loop = EventLoop::new().unwrap();
    let env = env_with(&event_loop, dir.path(), |b| b.remote_inspector_port(port));
    let webview = new_webview(&event_loop, &env);
    webview.set_dev_tools_enabled(true).unwrap();
    assert!(load_html(&event_loop, &webview, "<title>inspect me</title><p>x</p>"));
    let listing = || {
        let mut conn = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
        conn.set_read_timeout(Some(std::time::Duration::from_secs(5))).ok()?;
        write!(conn, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").ok()?;
        let mut page = String::new();
        let _ = conn.read_to_string(&mut page);
        Some(page)
    };
    wait_until(&event_loop, "the inspector's listing of the page", || {
        listing().is_some_and(|page| page.starts_with("HTTP/1.1 200") && page.contains("inspect me"))
    });
}

#[test]
fn the_pages_icon_reaches_the_app_as_png() {
    // A 16×16 red icon, served with the page from a virtual host.
    let mut icon = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut icon, 16, 16);
        encoder.set_color(png::ColorType::Rgba);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().unwrap();
        writer.write_image_data(&[255, 0, 0, 255].repeat(16 * 16)).unwrap();
    }
    let site = tempfile::tempdir().unwrap();
    std::fs::write(site.path().join("icon.png"), &icon).unwrap();
    std::fs::write(
        site.path().join("index.html"),
        "<link rel=icon href='/icon.png'><title>with an icon</title><p>x</p>",
    )
    .unwrap();
    let (event_loop, _env, webview, _dir) = open_webview();
    event_loop
        .block_on(webview.set_virtual_host_name_to_folder_mapping(
            "icons.example",
            site.path(),
            webpane::HostResourceAccessKind::Deny,
        ))
        .unwrap()
        .unwrap();
    let changed = std::rc::Rc::new(std::cell::Cell::new(0));
    let c = changed.clone();
    webview.on_favicon_changed(move |_, _| c.set(c.get() + 1));
    webview.navigate("https://icons.example/index.html").unwrap();
    wait_until(&event_loop, "the icon", || !webview.favicon_png().is_empty());
    let decoder = png::Decoder::new(std::io::Cursor::new(webview.favicon_png()));
    let reader = decoder.read_info().unwrap();
    let info = reader.info();
    assert_eq!((info.width, info.height), (16, 16));
    assert_eq!(webview.favicon_uri(), "https://icons.example/icon.png");
    assert!(changed.get() > 0);
}

#[test]
fn a_context_menu_is_the_apps_to_change_and_its_items_come_back() {
    let dir = tempfile::tempdir().unwrap();
    let event_loop = EventLoop::new().unwrap();
    let env = env_for(&event_loop, dir.path());
    let webview = window_view(&event_loop, &env);
    assert!(load_html(
        &event_loop,
        &webview,
        "<title>menus</title><body style='margin:0'>\
         <a href='https://link.example/menu' style='display:block;width:400px;height:200px'>link</a></body>"
    ));
    let requested = recorder();
    let chosen = recorder();
    let (r, c) = (requested.clone(), chosen.clone());
    webview.on_context_menu_requested(move |_, args| {
        let target = args.context_menu_target().clone();
        let mut items = args.menu_items();
        r.borrow_mut().push((target, items.clone()));
        items.insert(
            0,
            webpane::ContextMenuRequestedEventArgs::custom_item(7, "webpane's own item"),
        );
        args.set_menu_items(items);
    });
    webview.on_context_menu_item_selected(move |_, args| c.borrow_mut().push(args.command_id()));
    let window = {
        let mut found = None;
        wait_until(&event_loop, "the view's window", || {
            found = window_named("menus");
            found.is_some()
        });
        found.unwrap()
    };
    let xdotool = |args: &[&str]| {
        let status = std::process::Command::new("xdotool").args(args).status().unwrap();
        assert!(status.success(), "xdotool {args:?}");
    };
    wait_until(&event_loop, "the context menu's request", || {
        if requested.borrow().is_empty() {
            xdotool(&[
                "windowraise",
                &window,
                "mousemove",
                "--window",
                &window,
                "60",
                "60",
                "click",
                "3",
            ]);
            event_loop
                .dispatch(Some(std::time::Duration::from_millis(300)))
                .unwrap();
        }
        !requested.borrow().is_empty()
    });
    {
        let requested = requested.borrow();
        let (target, items) = &requested[0];
        assert_eq!(target.link_uri.as_deref(), Some("https://link.example/menu"));
        assert!(!target.is_editable);
        assert!(
            items.iter().any(
                |i| matches!(i, webpane::ContextMenuItem::Command { action, .. } if action == "CopyLinkToClipboard")
            ),
            "WebKit's items for a link: {items:?}"
        );
    }
    // The menu is up, the app's item first: the keyboard picks it.
    wait_until(&event_loop, "the app's item chosen", || {
        if chosen.borrow().is_empty() {
            xdotool(&["key", "Down", "Return"]);
            event_loop
                .dispatch(Some(std::time::Duration::from_millis(300)))
                .unwrap();
        }
        !chosen.borrow().is_empty()
    });
    assert_eq!(chosen.borrow()[0], 7);
}
