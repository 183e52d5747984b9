//! Capture, PDF, MHTML into a delivered file, cookies and settings, end to end.

mod common;

use std::io::{Read, Seek};

use common::*;
use webpane::{BrowsingData, Cookie, Error, FileForTransit, ImageFormat};

/// The RGBA of pixel (x, y) of a PNG.
fn pixel(png_bytes: &[u8], x: u32, y: u32) -> [u8; 4] {
    let decoder = png::Decoder::new(png_bytes);
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    let at = ((y * info.width + x) as usize) * channels;
    let p = &buf[at..at + channels];
    match channels {
        4 => [p[0], p[1], p[2], p[3]],
        3 => [p[0], p[1], p[2], 255],
        _ => panic!("unexpected PNG layout {:?}", info.color_type),
    }
}

/// A file open for reading and writing whose path is already gone: the browser process can
/// only write into it through a delivered fd.
fn unlinked_file(dir: &std::path::Path) -> std::fs::File {
    let path = dir.join("delivered");
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(&path)
        .unwrap();
    std::fs::remove_file(&path).unwrap();
    file
}

fn contents(file: &mut std::fs::File) -> Vec<u8> {
    let mut bytes = Vec::new();
    file.rewind().unwrap();
    file.read_to_end(&mut bytes).unwrap();
    bytes
}

fn load(event_loop: &webpane::EventLoop, webview: &webpane::WebView, html: &str) {
    let done = std::rc::Rc::new(std::cell::Cell::new(false));
    let d = done.clone();
    let token = webview.on_navigation_completed(move |_, _| d.set(true));
    webview.navigate_to_string(html).unwrap();
    wait_until(event_loop, "the page", || done.get());
    webview.remove_navigation_completed(token);
}

#[test]
fn capture_preview_gives_png_and_jpeg_of_what_is_shown() {
    let (event_loop, _env, webview, _dir) = open_webview();
    load(
        &event_loop,
        &webview,
        "<style>html,body{margin:0;height:100%}</style><body style='background:rgb(255,0,0)'>\
         <div style='position:absolute;left:0;top:0;width:100px;height:100px;background:rgb(0,0,255)'></div></body>",
    );
    let png = event_loop
        .block_on(webview.capture_preview(ImageFormat::Png))
        .unwrap()
        .unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(pixel(&png, 50, 50), [0, 0, 255, 255], "the blue square");
    assert_eq!(pixel(&png, 400, 300), [255, 0, 0, 255], "the red page");
    let jpeg = event_loop
        .block_on(webview.capture_preview(ImageFormat::Jpeg))
        .unwrap()
        .unwrap();
    assert_eq!(&jpeg[..3], b"\xff\xd8\xff");
}

#[test]
/// Promises F6 (docs/promises.md).
fn pdf_to_a_path_and_into_a_delivered_file() {
    let (event_loop, _env, webview, dir) = open_webview();
    load(&event_loop, &webview, "<h1>Printed by webpane</h1>");
    let path = dir.path().join("page.pdf");
    event_loop.block_on(webview.print_to_pdf(&path)).unwrap().unwrap();
    assert!(std::fs::read(&path).unwrap().starts_with(b"%PDF"));

    let mut file = unlinked_file(dir.path());
    let copy = FileForTransit::duplicate(&file).unwrap();
    event_loop.block_on(webview.print_to_pdf_file(copy)).unwrap().unwrap();
    let pdf = contents(&mut file);
    assert!(pdf.starts_with(b"%PDF"), "{} bytes", pdf.len());
}

#[test]
/// Promises F1, F6, F10 (docs/promises.md).
fn mhtml_goes_into_the_delivered_file_only() {
    let (event_loop, _env, webview, dir) = open_webview();
    load(&event_loop, &webview, "<title>saved</title><p>webpanesavedword</p>");
    let mut file = unlinked_file(dir.path());
    event_loop
        .block_on(webview.save_as_mhtml(FileForTransit::duplicate(&file).unwrap()))
        .unwrap()
        .unwrap();
    let text = String::from_utf8(contents(&mut file)).unwrap();
    assert!(text.contains("MIME-Version"), "{text:.200}");
    let decoded = text.replace("=\r\n", "").replace("=\n", ""); // quoted-printable soft breaks
    assert!(decoded.contains("webpanesavedword"), "{text}");
    // A file opened read-only is refused with a clear error.
    let readonly = std::fs::File::open("/etc/hostname").unwrap();
    match event_loop
        .block_on(webview.save_as_mhtml(FileForTransit::take(readonly).unwrap()))
        .unwrap()
    {
        Err(Error::RequestFailed(why)) => assert!(why.contains("open for writing"), "{why}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn cookies_are_plain_data_and_reach_the_page() {
    let port = http_server("<title>cookies</title>".into());
    let (event_loop, _env, webview, _dir) = open_webview();
    let uri = format!("http://127.0.0.1:{port}/");
    let done = std::rc::Rc::new(std::cell::Cell::new(false));
    let d = done.clone();
    webview.on_navigation_completed(move |_, _| d.set(true));
    webview.navigate(&uri).unwrap();
    wait_until(&event_loop, "the page", || done.get());
    let cookies = webview.cookie_manager();
    let expires = std::time::UNIX_EPOCH + std::time::Duration::from_secs(4_102_444_800);
    let mut cookie = Cookie::new("flavour", "oat", "127.0.0.1", "/");
    cookie.expires = Some(expires);
    cookie.same_site = webpane::SameSite::Strict;
    event_loop.block_on(cookies.set_cookie(&cookie)).unwrap().unwrap();
    let got = event_loop.block_on(cookies.cookies(&uri)).unwrap().unwrap();
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!((got[0].name.as_str(), got[0].value.as_str()), ("flavour", "oat"));
    assert_eq!(got[0].expires, Some(expires));
    assert_eq!(got[0].same_site, webpane::SameSite::Strict);
    // "" lists every cookie of the profile, as in WebView2.
    let all = event_loop.block_on(cookies.cookies("")).unwrap().unwrap();
    assert!(
        all.iter().any(|c| c.name == "flavour" && c.domain == "127.0.0.1"),
        "{all:?}"
    );
    let seen = event_loop
        .block_on(webview.execute_script("document.cookie"))
        .unwrap()
        .unwrap();
    assert_eq!(seen, r#""flavour=oat""#);
    let cookies_for_uri = || event_loop.block_on(cookies.cookies(&uri)).unwrap().unwrap();
    event_loop.block_on(cookies.delete_cookie(&got[0])).unwrap().unwrap();
    assert!(cookies_for_uri().is_empty());
    event_loop.block_on(cookies.set_cookie(&cookie)).unwrap().unwrap();
    event_loop.block_on(cookies.delete_all_cookies()).unwrap().unwrap();
    assert!(cookies_for_uri().is_empty());
    event_loop
        .block_on(webview.clear_browsing_data(BrowsingData::all()))
        .unwrap()
        .unwrap();
}

#[test]
fn settings_take_effect() {
    let (event_loop, _env, webview, _dir) = open_webview();
    webview.set_user_agent(Some("webpane-test/1.0")).unwrap();
    load(&event_loop, &webview, "<p>ua</p>");
    let agent = event_loop
        .block_on(webview.execute_script("navigator.userAgent"))
        .unwrap()
        .unwrap();
    assert_eq!(agent, r#""webpane-test/1.0""#);
    // A transparent page shows the default background colour.
    webview.set_default_background_color([0, 255, 0, 255]).unwrap();
    load(
        &event_loop,
        &webview,
        "<style>html,body{background:transparent}</style>",
    );
    let png = event_loop
        .block_on(webview.capture_preview(ImageFormat::Png))
        .unwrap()
        .unwrap();
    assert_eq!(pixel(&png, 10, 10), [0, 255, 0, 255]);
    // Zoom: the page's CSS pixels get bigger.
    webview.set_zoom_factor(2.0).unwrap();
    let width = event_loop
        .block_on(webview.execute_script("window.innerWidth"))
        .unwrap()
        .unwrap();
    assert_eq!(width, "400", "800 device pixels at 200 %");
    assert!(matches!(webview.set_zoom_factor(0.0), Err(Error::InvalidArgument(_))));
    webview.set_dev_tools_enabled(true).unwrap();
    webview.set_default_context_menus_enabled(false).unwrap();
    webview.set_scripts_enabled(true).unwrap();
}

/// The `[x0 y0 x1 y1]` of each page's MediaBox in a PDF (cairo writes them as text).
fn media_boxes(pdf: &[u8]) -> Vec<Vec<f64>> {
    let text = String::from_utf8_lossy(pdf);
    text.match_indices("/MediaBox [")
        .map(|(at, m)| {
            let rest = &text[at + m.len()..];
            let end = rest.find(']').unwrap_or(0);
            rest[..end].split_whitespace().filter_map(|n| n.parse().ok()).collect()
        })
        .collect()
}

#[test]
fn pdf_settings_size_orient_and_pick_the_pages() {
    let (event_loop, _env, webview, dir) = open_webview();
    // Three pages' worth of content at any size.
    load(
        &event_loop,
        &webview,
        "<div style='height:300vh;background:linear-gradient(red,blue)'>tall</div><p style='page-break-before:always'>2</p><p style='page-break-before:always'>3</p>",
    );
    let path = dir.path().join("set.pdf");
    let settings = webpane::PrintSettings::default()
        .landscape(true)
        .page_size(4.0, 5.0)
        .page_ranges("1-2")
        .backgrounds(true);
    event_loop
        .block_on(webview.print_to_pdf_with(&path, &settings))
        .unwrap()
        .unwrap();
    let boxes = media_boxes(&std::fs::read(&path).unwrap());
    assert_eq!(boxes.len(), 2, "pages 1-2 only: {boxes:?}");
    for b in &boxes {
        // 4 × 5 inches (portrait), turned: 5 wide, 4 high (360 × 288 points).
        let (w, h) = (b[2] - b[0], b[3] - b[1]);
        let mut sides = [w.round(), h.round()];
        sides.sort_by(f64::total_cmp);
        assert_eq!(sides, [288.0, 360.0], "{b:?}");
        assert!(w > h, "landscape: {b:?}");
    }
    // Impossible settings are refused before anything is sent.
    let bad = webpane::PrintSettings::default().scale(5.0);
    assert!(matches!(
        event_loop.block_on(webview.print_to_pdf_with(&path, &bad)).unwrap(),
        Err(webpane::Error::InvalidArgument(_))
    ));
}

#[test]
fn clearing_all_browsing_data_leaves_no_storage_cache_or_service_worker() {
    let port = routes_server(std::collections::HashMap::from([
        (
            "/",
            (
                200,
                "text/html",
                "<script>window.state = 'busy'; localStorage.setItem('k', 'v'); (async () => { \
                 const c = await caches.open('c'); await c.put('/x', new Response('x')); \
                 await navigator.serviceWorker.register('/sw.js'); await navigator.serviceWorker.ready; \
                 window.state = 'ready'; })().catch(e => window.state = 'error ' + e);</script>"
                    .to_owned(),
            ),
        ),
        (
            "/sw.js",
            (
                200,
                "application/javascript",
                "self.addEventListener('fetch', () => {});".to_owned(),
            ),
        ),
        (
            "/check",
            (
                200,
                "text/html",
                "<script>(async () => { const keys = await caches.keys(); \
                 const regs = await navigator.serviceWorker.getRegistrations(); \
                 window.result = JSON.stringify({ ls: localStorage.getItem('k'), caches: keys.length, \
                 workers: regs.length }); })().catch(e => window.result = 'error ' + e);</script>"
                    .to_owned(),
            ),
        ),
    ]));
    let (event_loop, _env, webview, _dir) = open_webview();
    let origin = format!("http://127.0.0.1:{port}");
    let poll = |name: &str, until: &dyn Fn(&str) -> bool| {
        let mut last = String::new();
        wait_until(&event_loop, name, || {
            last = script_result(&event_loop, &webview, &format!("window.{name} || ''")).unwrap();
            until(&last)
        });
        last
    };
    let check = || {
        webview.navigate(&format!("{origin}/check")).unwrap();
        poll("result", &|r: &str| r.len() > 2)
    };
    webview.navigate(&format!("{origin}/")).unwrap();
    let state = poll("state", &|s: &str| s != "\"busy\"" && s != "\"\"");
    assert_eq!(state, "\"ready\"");
    assert_eq!(check(), r#""{\"ls\":\"v\",\"caches\":1,\"workers\":1}""#);
    // No page of the origin is open while its data goes.
    assert!(load_html(&event_loop, &webview, "<p>elsewhere</p>"));
    event_loop
        .block_on(webview.clear_browsing_data(BrowsingData::all()))
        .unwrap()
        .unwrap();
    assert_eq!(check(), r#""{\"ls\":null,\"caches\":0,\"workers\":0}""#);
}
