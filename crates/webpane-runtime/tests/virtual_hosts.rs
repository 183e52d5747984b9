//! Virtual hosts end to end: an app folder served at a real https origin through the runtime's
//! proxy (WebView2's `SetVirtualHostNameToFolderMapping`), with every other host's TLS untouched.

mod common;

use std::path::Path;

use common::*;
use webpane::{EventLoop, HostResourceAccessKind, WebView};

fn write(root: &Path, name: &str, text: &str) {
    let path = root.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn map(event_loop: &EventLoop, webview: &WebView, host: &str, folder: &Path, access: HostResourceAccessKind) {
    event_loop
        .block_on(webview.set_virtual_host_name_to_folder_mapping(host, folder, access))
        .unwrap()
        .unwrap();
}

#[test]
fn a_folder_is_served_as_a_secure_origin() {
    let root = tempfile::tempdir().unwrap();
    let site = root.path().join("site");
    write(&site, "data.json", r#"{"from":"folder"}"#);
    write(&site, "mod.js", "export const answer = 42;");
    write(
        &site,
        "worker.js",
        "postMessage({ worker: self.location.origin, secure: self.isSecureContext });",
    );
    write(
        &site,
        "sub/index.html",
        "<script>parent.postMessage({ frame: location.href, origin: location.origin }, '*')</script>",
    );
    write(&site, "style.css", "p { color: red }");
    write(root.path(), "secret.txt", "secret");
    std::os::unix::fs::symlink("../secret.txt", site.join("link-out.txt")).unwrap();
    std::fs::write(site.join("big.bin"), vec![7u8; 8 << 20]).unwrap();
    write(
        &site,
        "index.html",
        r#"<script type="module">
        import { answer } from "./mod.js";
        const r = { answer, origin: location.origin, secure: isSecureContext };
        const status = async (path, init) => { try { return (await fetch(path, init)).status; } catch (e) { return "error"; } };
        localStorage.setItem("k", "v");
        r.storage = localStorage.getItem("k");
        const data = await fetch("data.json");
        r.json = await data.json();
        r.jsonType = data.headers.get("content-type");
        r.cssType = (await fetch("style.css")).headers.get("content-type");
        r.moduleType = (await fetch("mod.js")).headers.get("content-type");
        r.xhr = await new Promise(done => { const x = new XMLHttpRequest(); x.open("GET", "data.json"); x.onload = () => done(x.responseText); x.send(); });
        r.missing = await status("nope.html");
        r.dotdot = await status("/%2e%2e/secret.txt");
        r.linkOut = await status("link-out.txt");
        r.post = await status("data.json", { method: "POST", body: "x" });
        const part = await fetch("big.bin", { headers: { Range: "bytes=10-19" } });
        r.rangeStatus = part.status;
        r.rangeLength = (await part.arrayBuffer()).byteLength;
        r.bigLength = (await (await fetch("big.bin")).arrayBuffer()).byteLength;
        r.worker = await new Promise(done => { const w = new Worker("worker.js"); w.onmessage = e => done(e.data); w.onerror = e => done("worker error " + e.message); });
        r.frame = await new Promise(done => { addEventListener("message", e => done(e.data), { once: true }); const f = document.createElement("iframe"); f.src = "sub/"; document.body.appendChild(f); });
        chrome.webview.postMessage(r);
        </script><body></body>"#,
    );
    let (event_loop, _env, webview, _dir) = open_webview();
    map(
        &event_loop,
        &webview,
        "appassets.example",
        &site,
        HostResourceAccessKind::Deny,
    );
    let r = report_of(&event_loop, &webview, "https://appassets.example/index.html");
    assert_eq!(r["origin"], "https://appassets.example", "{r}");
    assert_eq!(r["secure"], true);
    assert_eq!(r["answer"], 42, "a module script and its import");
    assert_eq!(r["storage"], "v");
    assert_eq!(r["json"]["from"], "folder");
    assert_eq!(r["jsonType"], "application/json");
    assert_eq!(r["cssType"], "text/css; charset=utf-8");
    assert_eq!(r["moduleType"], "text/javascript; charset=utf-8");
    assert_eq!(r["xhr"], r#"{"from":"folder"}"#);
    assert_eq!(r["missing"], 404);
    assert_eq!(r["dotdot"], 404, "no way above the folder");
    assert_eq!(r["linkOut"], 404, "no link out of the folder");
    assert_eq!(r["post"], 405);
    assert_eq!(r["rangeStatus"], 206);
    assert_eq!(r["rangeLength"], 10);
    assert_eq!(r["bigLength"], 8 << 20);
    assert_eq!(r["worker"]["worker"], "https://appassets.example");
    assert_eq!(r["worker"]["secure"], true);
    assert_eq!(r["frame"]["frame"], "https://appassets.example/sub/");
    assert_eq!(r["frame"]["origin"], "https://appassets.example");
    assert_eq!(webview.source(), "https://appassets.example/index.html");
}

#[test]
fn other_origins_get_what_the_access_kind_allows() {
    let root = tempfile::tempdir().unwrap();
    for name in ["deny", "allow", "denycors"] {
        write(&root.path().join(name), "data.json", r#"{"ok":true}"#);
        write(
            &root.path().join(name),
            "script.js",
            &format!("window.loaded_{name} = true;"),
        );
    }
    write(
        &root.path().join("main"),
        "index.html",
        r#"<script>
        const fetched = async (host) => { try { return (await fetch(`https://${host}.example/data.json`)).status; } catch (e) { return "blocked"; } };
        const script = (host) => new Promise(done => { const s = document.createElement("script"); s.src = `https://${host}.example/script.js`; s.onload = () => done("loaded"); s.onerror = () => done("blocked"); document.head.appendChild(s); });
        (async () => {
          const r = {};
          for (const host of ["deny", "allow", "denycors"]) r[host] = { fetch: await fetched(host), script: await script(host) };
          chrome.webview.postMessage(r);
        })();
        </script>"#,
    );
    let (event_loop, _env, webview, _dir) = open_webview();
    map(
        &event_loop,
        &webview,
        "main.example",
        &root.path().join("main"),
        HostResourceAccessKind::Deny,
    );
    map(
        &event_loop,
        &webview,
        "deny.example",
        &root.path().join("deny"),
        HostResourceAccessKind::Deny,
    );
    map(
        &event_loop,
        &webview,
        "allow.example",
        &root.path().join("allow"),
        HostResourceAccessKind::Allow,
    );
    map(
        &event_loop,
        &webview,
        "denycors.example",
        &root.path().join("denycors"),
        HostResourceAccessKind::DenyCors,
    );
    let r = report_of(&event_loop, &webview, "https://main.example/index.html");
    assert_eq!(r["deny"]["fetch"], "blocked", "{r}");
    assert_eq!(r["deny"]["script"], "blocked", "{r}");
    assert_eq!(r["allow"]["fetch"], 200, "{r}");
    assert_eq!(r["allow"]["script"], "loaded", "{r}");
    assert_eq!(r["denycors"]["fetch"], "blocked", "{r}");
    assert_eq!(r["denycors"]["script"], "loaded", "{r}");
}

#[test]
fn other_hosts_pass_through_with_their_tls_checked() {
    let site = tempfile::tempdir().unwrap();
    write(site.path(), "index.html", "<p>mapped</p>");
    let (event_loop, _env, webview, _dir) = open_webview();
    map(
        &event_loop,
        &webview,
        "appassets.example",
        site.path(),
        HostResourceAccessKind::Deny,
    );
    // Plain http elsewhere goes through, untouched.
    let port = http_server("<script>chrome.webview.postMessage({ via: location.href })</script>".into());
    let uri = format!("http://127.0.0.1:{port}/plain");
    let r = report_of(&event_loop, &webview, &uri);
    assert_eq!(r["via"], uri.as_str());
    // An https server whose certificate nobody trusts stays untrusted: the proxy tunnels it
    // byte for byte, and WebKit checks the certificate itself.
    let (tls_port, handshakes) = self_signed_tls_server(
        "webpane untrusted",
        "<script>chrome.webview.postMessage('untrusted page ran')</script>",
    );
    let outcome = recorder();
    let o = outcome.clone();
    webview.on_navigation_completed(move |_, args| {
        o.borrow_mut().push((
            args.is_success(),
            args.web_error_status(),
            format!("{:?}", args.web_error()),
        ))
    });
    let ran = recorder();
    let m = ran.clone();
    webview.on_web_message_received(move |_, args| m.borrow_mut().push(args.web_message_as_json().to_owned()));
    webview.navigate(&format!("https://127.0.0.1:{tls_port}/")).unwrap();
    wait_until(&event_loop, "the untrusted page's outcome", || {
        !outcome.borrow().is_empty()
    });
    let (success, status, error) = outcome.borrow()[0].clone();
    assert!(!success, "the untrusted certificate was refused");
    // (Almost always CertificateIsInvalid; WebKit may report the handshake it broke off otherwise.)
    report(&format!(
        "an untrusted certificate behind the proxy: {status:?} {error}"
    ));
    assert!(ran.borrow().is_empty(), "the untrusted page never ran");
    assert!(
        handshakes.load(std::sync::atomic::Ordering::SeqCst) > 0,
        "the connection went through to the real server"
    );
}

#[test]
fn mappings_are_checked_shared_and_cleared() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    write(
        a.path(),
        "index.html",
        "<script>chrome.webview.postMessage('a')</script>",
    );
    let (event_loop, env, webview, _dir) = open_webview();
    let other = new_webview(&event_loop, &env);
    let ask = |view: &WebView, host: &str, folder: &Path| {
        event_loop
            .block_on(view.set_virtual_host_name_to_folder_mapping(host, folder, HostResourceAccessKind::Allow))
            .unwrap()
    };
    assert!(matches!(
        ask(&webview, "not a host", a.path()),
        Err(webpane::Error::InvalidArgument(_))
    ));
    assert!(matches!(
        ask(&webview, "127.0.0.1", a.path()),
        Err(webpane::Error::InvalidArgument(_))
    ));
    match ask(&webview, "missing.example", &a.path().join("nope")) {
        Err(webpane::Error::RequestFailed(why)) => assert!(why.contains("nope"), "{why}"),
        other => panic!("{other:?}"),
    }
    ask(&webview, "shared.example", a.path()).unwrap();
    ask(&other, "shared.example", a.path()).expect("the same folder again");
    match ask(&other, "shared.example", b.path()) {
        Err(webpane::Error::RequestFailed(why)) => assert!(why.contains("another webview"), "{why}"),
        other => panic!("{other:?}"),
    }
    // Served while either webview keeps it; gone when both let go.
    webview
        .clear_virtual_host_name_to_folder_mapping("shared.example")
        .unwrap();
    let r = report_of(&event_loop, &other, "https://shared.example/index.html");
    assert_eq!(r, "a");
    other
        .clear_virtual_host_name_to_folder_mapping("shared.example")
        .unwrap();
    let outcome = recorder();
    let o = outcome.clone();
    other.on_navigation_completed(move |_, args| o.borrow_mut().push(args.is_success()));
    other.navigate("https://shared.example/index.html").unwrap();
    wait_until(&event_loop, "the navigation's end", || !outcome.borrow().is_empty());
    assert!(!outcome.borrow()[0], "no longer served");
    // Now free: another folder may take the name.
    ask(&webview, "shared.example", b.path()).unwrap();
}

#[test]
fn other_hosts_go_through_the_apps_own_proxy() {
    use std::os::unix::fs::PermissionsExt;
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let upstream = test_proxy(seen.clone(), Some("Basic dTpw"));
    // The browser process started with the proxy in its environment (as an app's would be).
    let bin = tempfile::tempdir().unwrap();
    let wrapper = bin.path().join("webpane-runtime");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\nexport https_proxy=http://u:p@127.0.0.1:{upstream} http_proxy=http://u:p@127.0.0.1:{upstream} no_proxy= NO_PROXY=\nexec '{}' \"$@\"\n",
            runtime().display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let event_loop = EventLoop::new().unwrap();
    let env = env_with(&event_loop, dir.path(), |b| b.runtime_path(&wrapper));
    let webview = new_webview(&event_loop, &env);
    let _site = map_origin_page(&event_loop, &webview);
    let port = http_server("<script>chrome.webview.postMessage({ via: location.href })</script>".into());
    let uri = format!("http://127.0.0.1:{port}/through");
    assert_eq!(report_of(&event_loop, &webview, &uri)["via"], uri.as_str());
    assert_eq!(
        report_of(&event_loop, &webview, "https://appassets.example/index.html")["at"],
        "https://appassets.example"
    );
    let seen = seen.lock().unwrap().clone();
    assert!(
        seen.iter().any(|l| l.starts_with(&format!("CONNECT 127.0.0.1:{port}"))),
        "{seen:?}"
    );
    assert!(
        !seen.iter().any(|t| t.contains("appassets")),
        "mapped hosts stay here: {seen:?}"
    );
}

/// The loopback TCP ports the process `pid` listens on.
fn listening_ports(pid: u32) -> Vec<u16> {
    let inodes: Vec<String> = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
        .filter_map(|link| {
            let link = link.to_string_lossy().into_owned();
            Some(link.strip_prefix("socket:[")?.strip_suffix(']')?.to_owned())
        })
        .collect();
    std::fs::read_to_string("/proc/net/tcp")
        .unwrap()
        .lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let (local, state, inode) = (fields.get(1)?, fields.get(3)?, fields.get(9)?);
            let port = u16::from_str_radix(local.split(':').nth(1)?, 16).ok()?;
            (*state == "0A" && inodes.iter().any(|i| i == inode)).then_some(port)
        })
        .collect()
}

/// A webview whose browser process serves `https://appassets.example/index.html` (posting
/// `{ ok: 1 }`) through its proxy: the folder, the loop, the environment, the webview, its
/// user data folder and the proxy's port.
fn a_served_page_and_its_proxy() -> (
    tempfile::TempDir,
    EventLoop,
    webpane::Environment,
    WebView,
    tempfile::TempDir,
    u16,
) {
    let site = tempfile::tempdir().unwrap();
    write(
        site.path(),
        "index.html",
        "<script>chrome.webview.postMessage({ ok: 1 })</script>",
    );
    let (event_loop, env, webview, dir) = open_webview();
    map(
        &event_loop,
        &webview,
        "appassets.example",
        site.path(),
        HostResourceAccessKind::Allow,
    );
    let ports = listening_ports(webview.browser_process_id());
    assert_eq!(ports.len(), 1, "the proxy's port: {ports:?}");
    (site, event_loop, env, webview, dir, ports[0])
}

/// The other end of the proxy test run as another user: `APP_FOLDER` holds the proxy's port.
#[test]
fn app_process_entry_point() {
    use std::io::{Read, Write};
    let Ok(role) = std::env::var(APP_ROLE) else { return };
    if role == "proxy-probe" {
        let port: u16 = std::env::var(APP_FOLDER).unwrap().parse().unwrap();
        let mut conn = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        conn.set_read_timeout(Some(TIMEOUT)).unwrap();
        let _ = conn.write_all(&[5, 1, 2]);
        let mut answer = Vec::new();
        let _ = conn.read_to_end(&mut answer);
        report(&format!("answered {answer:?}"));
    }
}

/// Issue 25.1: connections that never finish their handshake (1,100 of them, one byte every
/// now and then) do not keep the browser process's own connections out, and a process of
/// another user is closed on before a byte is read.
#[test]
fn idle_connections_cannot_exhaust_the_proxy() {
    use std::io::Write;
    let (site, event_loop, _env, webview, _dir, port) = a_served_page_and_its_proxy();
    let ports = [port];
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut held = Vec::new();
    for _ in 0..1100 {
        match std::net::TcpStream::connect(("127.0.0.1", ports[0])) {
            Ok(mut conn) => {
                // SOCKS5 with 255 methods to come: a handshake that never ends.
                let _ = conn.write_all(&[5, 255]);
                held.push(conn);
            }
            Err(_) => break,
        }
    }
    assert!(held.len() >= 1024, "only {} connections", held.len());
    let dribble = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                for conn in held.iter_mut() {
                    let _ = conn.write_all(&[2]);
                }
                std::thread::sleep(std::time::Duration::from_millis(500));
            }
        })
    };
    // A new page of the mapped host (no connection WebKit kept from before can serve it).
    write(
        site.path(),
        "second.html",
        "<script>chrome.webview.postMessage({ ok: 2 })</script>",
    );
    assert_eq!(
        report_of(&event_loop, &webview, "https://appassets.example/second.html")["ok"],
        2
    );
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    dribble.join().unwrap();

    if can_switch_users("idle_connections_cannot_exhaust_the_proxy (another user's process)") {
        let (mut command, _copy) = command_as_nobody("proxy-probe", std::path::Path::new(&ports[0].to_string()));
        let out = command.output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            stdout.contains("@@answered []"),
            "another user's connection got an answer: {stdout}"
        );
    }
}

#[test]
fn the_proxy_serves_no_one_without_the_runtimes_credentials() {
    use std::io::{Read, Write};
    let (_site, event_loop, _env, webview, _dir, port) = a_served_page_and_its_proxy();
    let ports = [port];
    let connect = || {
        let conn = std::net::TcpStream::connect(("127.0.0.1", ports[0])).unwrap();
        conn.set_read_timeout(Some(std::time::Duration::from_secs(30))).unwrap();
        conn
    };
    let answer = |mut conn: std::net::TcpStream| {
        let mut got = Vec::new();
        let _ = conn.read_to_end(&mut got);
        got
    };
    // No authentication offered: no acceptable method.
    let mut conn = connect();
    conn.write_all(&[5, 1, 0]).unwrap();
    assert_eq!(answer(conn), [5, 0xff]);
    // Guessed credentials: refused, and the connection closed.
    let mut conn = connect();
    conn.write_all(&[5, 1, 2, 1, 7]).unwrap();
    conn.write_all(b"webpane").unwrap();
    conn.write_all(&[5]).unwrap();
    conn.write_all(b"guess").unwrap();
    assert_eq!(answer(conn), [5, 2, 1, 1]);
    // Not SOCKS at all (an http proxy request for the mapped host): nothing.
    let mut conn = connect();
    conn.write_all(b"GET http://appassets.example/index.html HTTP/1.1\r\nHost: appassets.example\r\n\r\n")
        .unwrap();
    assert!(answer(conn).is_empty());
    // The app's own page still loads through it.
    assert_eq!(
        report_of(&event_loop, &webview, "https://appassets.example/index.html")["ok"],
        1
    );
}

/// An http proxy: tunnels `CONNECT`, forwards absolute-form requests, records each request
/// line; with `authorization`, refuses (407) every request without that `Proxy-Authorization`.
fn test_proxy(seen: std::sync::Arc<std::sync::Mutex<Vec<String>>>, authorization: Option<&'static str>) -> u16 {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut conn in listener.incoming().map_while(Result::ok) {
            let seen = seen.clone();
            std::thread::spawn(move || {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    if conn.read(&mut byte).unwrap_or(0) == 0 {
                        return;
                    }
                    head.push(byte[0]);
                }
                let head = String::from_utf8_lossy(&head).into_owned();
                if let Some(wanted) = authorization
                    && !head.contains(&format!("Proxy-Authorization: {wanted}\r\n"))
                {
                    let _ = conn.write_all(b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n");
                    return;
                }
                let first = head.lines().next().unwrap_or("").to_owned();
                seen.lock().unwrap().push(first.clone());
                let mut words = first.split_whitespace();
                let (method, target) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
                let (authority, request) = if method == "CONNECT" {
                    (target.to_owned(), None)
                } else {
                    let rest = target.strip_prefix("http://").unwrap_or(target);
                    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
                    let forwarded = head.replacen(target, &format!("/{path}"), 1);
                    (authority.to_owned(), Some(forwarded))
                };
                let Ok(mut server) = std::net::TcpStream::connect(&authority) else {
                    let _ = conn.write_all(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n");
                    return;
                };
                match request {
                    None => conn.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n").unwrap(),
                    Some(forwarded) => server.write_all(forwarded.as_bytes()).unwrap(),
                }
                relay_both_ways(conn, server);
            });
        }
    });
    port
}

#[test]
fn the_environments_proxy_carries_everything_but_the_virtual_hosts() {
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let proxy = test_proxy(seen.clone(), None);
    let dir = tempfile::tempdir().unwrap();
    let event_loop = EventLoop::new().unwrap();
    let env = env_with(&event_loop, dir.path(), |b| {
        b.proxy(&format!("http://u:s3cret-of-the-proxy@127.0.0.1:{proxy}"))
    });
    let webview = new_webview(&event_loop, &env);
    // Issue 25.3: the credentials are on no command line (readable by every local user), and
    // in no environment of the browser process's children (its own, where the SDK passes them,
    // only its user can read).
    let browser = webview.browser_process_id();
    let mut processes = vec![browser];
    processes.extend(
        processes_named("")
            .into_iter()
            .filter(|pid| descends_from(*pid, browser)),
    );
    for pid in processes {
        for file in ["cmdline", "environ"] {
            if file == "environ" && pid == browser {
                continue;
            }
            let text = std::fs::read(format!("/proc/{pid}/{file}")).unwrap_or_default();
            assert!(
                !String::from_utf8_lossy(&text).contains("s3cret"),
                "the proxy's password is in /proc/{pid}/{file}"
            );
        }
    }
    let port = http_server("<script>chrome.webview.postMessage({ via: location.href })</script>".into());
    // No virtual host yet: WebKit itself speaks to the app's proxy.
    let first = format!("http://127.0.0.1:{port}/first");
    assert_eq!(report_of(&event_loop, &webview, &first)["via"], first.as_str());
    assert!(
        seen.lock()
            .unwrap()
            .iter()
            .any(|l| l.starts_with(&format!("GET {first}"))),
        "{:?}",
        seen.lock().unwrap()
    );
    // With one: the runtime's proxy serves it, and passes the rest on to the app's.
    let _site = map_origin_page(&event_loop, &webview);
    assert_eq!(
        report_of(&event_loop, &webview, "https://appassets.example/index.html")["at"],
        "https://appassets.example"
    );
    let second = format!("http://127.0.0.1:{port}/second");
    assert_eq!(report_of(&event_loop, &webview, &second)["via"], second.as_str());
    let seen = seen.lock().unwrap().clone();
    assert!(
        seen.iter().any(|l| l.starts_with(&format!("CONNECT 127.0.0.1:{port}"))),
        "{seen:?}"
    );
    assert!(!seen.iter().any(|l| l.contains("appassets")), "{seen:?}");
}

/// Maps `https://appassets.example/` to a folder whose `index.html` posts its origin; the folder
/// lives as long as the value returned.
fn map_origin_page(event_loop: &EventLoop, webview: &WebView) -> tempfile::TempDir {
    let site = tempfile::tempdir().unwrap();
    write(
        site.path(),
        "index.html",
        "<script>chrome.webview.postMessage({ at: location.origin })</script>",
    );
    map(
        event_loop,
        webview,
        "appassets.example",
        site.path(),
        HostResourceAccessKind::Deny,
    );
    site
}

/// A SOCKS5 proxy (no authentication, or the user `u` with password `pw`): each CONNECT's
/// target is recorded, then relayed.
fn test_socks5(seen: std::sync::Arc<std::sync::Mutex<Vec<String>>>, with_password: bool) -> u16 {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut conn in listener.incoming().map_while(Result::ok) {
            let seen = seen.clone();
            std::thread::spawn(move || {
                let mut head = [0u8; 2];
                conn.read_exact(&mut head).ok()?;
                let mut methods = vec![0u8; head[1] as usize];
                conn.read_exact(&mut methods).ok()?;
                if with_password {
                    conn.write_all(&[5, 2]).ok()?;
                    let mut b = [0u8; 2];
                    conn.read_exact(&mut b).ok()?;
                    let mut user = vec![0u8; b[1] as usize];
                    conn.read_exact(&mut user).ok()?;
                    conn.read_exact(&mut b[..1]).ok()?;
                    let mut password = vec![0u8; b[0] as usize];
                    conn.read_exact(&mut password).ok()?;
                    let ok = user == b"u" && password == b"pw";
                    conn.write_all(&[1, if ok { 0 } else { 1 }]).ok()?;
                    if !ok {
                        return None;
                    }
                } else {
                    conn.write_all(&[5, 0]).ok()?;
                }
                let mut request = [0u8; 5];
                conn.read_exact(&mut request).ok()?;
                let mut name = vec![0u8; request[4] as usize];
                conn.read_exact(&mut name).ok()?;
                let mut port = [0u8; 2];
                conn.read_exact(&mut port).ok()?;
                let target = format!("{}:{}", String::from_utf8_lossy(&name), u16::from_be_bytes(port));
                seen.lock().unwrap().push(target.clone());
                let server = std::net::TcpStream::connect(&target).ok()?;
                conn.write_all(&[5, 0, 0, 1, 127, 0, 0, 1, 0, 0]).ok()?;
                relay_both_ways(conn, server);
                Some(())
            });
        }
    });
    port
}

/// Issue 25.2: with a SOCKS5 proxy for the environment (and its credentials), traffic to other
/// hosts goes through it once a virtual host is mapped (it went direct); a proxy kind that
/// cannot carry it makes the mapping fail with the reason.
#[test]
fn a_socks_proxy_carries_everything_but_the_virtual_hosts() {
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let socks = test_socks5(seen.clone(), true);
    let dir = tempfile::tempdir().unwrap();
    let event_loop = EventLoop::new().unwrap();
    let env = env_with(&event_loop, dir.path(), |b| {
        b.proxy(&format!("socks5://u:pw@127.0.0.1:{socks}"))
    });
    let webview = new_webview(&event_loop, &env);
    let _site = map_origin_page(&event_loop, &webview);
    let port = http_server("<script>chrome.webview.postMessage({ via: location.href })</script>".into());
    let uri = format!("http://127.0.0.1:{port}/through-socks");
    assert_eq!(report_of(&event_loop, &webview, &uri)["via"], uri.as_str());
    assert_eq!(
        report_of(&event_loop, &webview, "https://appassets.example/index.html")["at"],
        "https://appassets.example"
    );
    let seen = seen.lock().unwrap().clone();
    assert!(seen.contains(&format!("127.0.0.1:{port}")), "{seen:?}");
    assert!(!seen.iter().any(|t| t.contains("appassets")), "{seen:?}");

    let other = tempfile::tempdir().unwrap();
    let env = env_with(&event_loop, other.path(), |b| b.proxy("https://u:pw@127.0.0.1:9"));
    let webview = new_webview(&event_loop, &env);
    let site = tempfile::tempdir().unwrap();
    let mapped = event_loop
        .block_on(webview.set_virtual_host_name_to_folder_mapping(
            "appassets.example",
            site.path(),
            HostResourceAccessKind::Allow,
        ))
        .unwrap();
    let error = mapped.unwrap_err().to_string();
    assert!(error.contains("https proxy"), "{error}");
    assert!(!error.contains("pw@"), "credentials in an error: {error}");
}
