//! `webpane run` with the page's decisions on the command line: a virtual host, script dialogs,
//! permissions; the page's report on stdout, the dialogs on stderr.

use std::process::Command;

mod common;

use common::{TIMEOUT, runtime, wait_status};

const PAGE: &str = r#"<!doctype html><script>
(async () => {
  const r = { origin: location.origin, confirm: confirm("proceed?"), prompt: prompt("name?", "default") };
  r.geolocation = await new Promise((done) => navigator.geolocation.getCurrentPosition(
    () => done("position"), (e) => done(e.code === 1 ? "denied" : "allowed")));
  chrome.webview.postMessage(r);
  chrome.webview.postMessage({ exit: 0 });
})();
</script>"#;

fn run(extra: &[&str]) -> (serde_json::Value, String) {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    std::fs::create_dir(&site).unwrap();
    std::fs::write(site.join("index.html"), PAGE).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_webpane"))
        .args([
            "run",
            "https://app.example/index.html",
            "--window",
            "--user-data-folder",
        ])
        .arg(dir.path().join("udf"))
        .arg("--virtual-host")
        .arg(format!("app.example={}", site.display()))
        .args(extra)
        .env("WEBPANE_RUNTIME", runtime())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + TIMEOUT;
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("webpane run did not end");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let first = stdout.lines().next().expect("the page's report");
    (
        serde_json::from_str(first).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn the_command_line_decides_for_the_page() {
    let (r, stderr) = run(&["--dialogs", "accept", "--allow", "geolocation,camera"]);
    assert_eq!(
        r,
        serde_json::json!({ "origin": "https://app.example", "confirm": true, "prompt": "default", "geolocation": "allowed" })
    );
    let dialogs: Vec<serde_json::Value> = stderr.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    assert_eq!(dialogs.len(), 2, "{stderr}");
    assert_eq!(dialogs[0]["dialog"], "confirm");
    assert_eq!(dialogs[0]["message"], "proceed?");
    assert_eq!(dialogs[1]["dialog"], "prompt");
    assert_eq!(dialogs[1]["answer"], "accept");

    let (r, _) = run(&["--dialogs", "dismiss", "--deny", "geolocation"]);
    assert_eq!(r["confirm"], false);
    assert_eq!(r["prompt"], serde_json::Value::Null);
    assert_eq!(r["geolocation"], "denied");
}

#[test]
fn bad_options_are_usage_errors() {
    for args in [["--allow", "telepathy"], ["--virtual-host", "nodir"]] {
        let out = Command::new(env!("CARGO_BIN_EXE_webpane"))
            .args(["run", "x.html"])
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {out:?}");
    }
}

#[test]
fn downloads_land_in_the_download_dir_with_progress_on_stderr() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    let downloads = dir.path().join("downloads");
    std::fs::create_dir_all(&site).unwrap();
    std::fs::create_dir_all(&downloads).unwrap();
    std::fs::write(site.join("data.bin"), vec![9u8; 3 << 20]).unwrap();
    std::fs::write(
        site.join("index.html"),
        r#"<a id=a href="/data.bin" download="saved.bin">x</a><script>
        chrome.webview.addEventListener('message', () => chrome.webview.postMessage({exit: 0}));
        document.getElementById('a').click();
        </script>"#,
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_webpane"))
        .args([
            "run",
            "https://app.example/index.html",
            "--headless",
            "--in-private",
            "--user-data-folder",
        ])
        .arg(dir.path().join("udf"))
        .arg("--virtual-host")
        .arg(format!("app.example={}", site.display()))
        .arg("--download-dir")
        .arg(&downloads)
        .env("WEBPANE_RUNTIME", runtime())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let lines = common::lines_of(child.stderr.take().unwrap());
    let deadline = std::time::Instant::now() + TIMEOUT;
    let completed = loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        let line = lines.recv_timeout(left).expect("the download's end on stderr");
        if let Ok(report) = serde_json::from_str::<serde_json::Value>(&line)
            && report["state"] == "Completed"
        {
            break report;
        }
    };
    writeln!(child.stdin.as_mut().unwrap(), "\"done\"").unwrap();
    assert!(wait_status(&mut child, "webpane run").success());
    assert_eq!(completed["received"], 3 << 20);
    let saved = downloads.join("saved.bin");
    assert_eq!(completed["path"], saved.to_string_lossy().as_ref());
    assert_eq!(std::fs::read(&saved).unwrap(), vec![9u8; 3 << 20]);
}

/// Serves one page to every connection; `check` sees each request head and may refuse it
/// (`Some(status line)`). The page posts `word` and ends the run.
fn server(word: &'static str, check: impl Fn(&str) -> Option<&'static str> + Send + Sync + 'static) -> u16 {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let check = std::sync::Arc::new(check);
    std::thread::spawn(move || {
        for mut conn in listener.incoming().map_while(Result::ok) {
            let check = check.clone();
            std::thread::spawn(move || {
                let mut head = Vec::new();
                let mut chunk = [0u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match conn.read(&mut chunk) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&chunk[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&head).into_owned();
                let body = format!(
                    "<script>chrome.webview.postMessage('{word}'); chrome.webview.postMessage({{exit: 0}})</script>"
                );
                let reply = match check(&head) {
                    Some(refusal) => format!("{refusal}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"),
                    None => format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    ),
                };
                let _ = conn.write_all(reply.as_bytes());
            });
        }
    });
    port
}

/// `webpane run URI OPTIONS… --headless`: the first line the page posted.
fn first_line(uri: &str, extra: &[String]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_webpane"))
        .args(["run", uri, "--headless", "--user-data-folder"])
        .arg(dir.path().join("udf"))
        .args(extra)
        .env("WEBPANE_RUNTIME", runtime())
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .next()
        .unwrap_or("")
        .to_owned()
}

#[test]
fn credentials_and_the_proxy_come_from_the_command_line() {
    let guarded = server("authorized", |head| {
        (!head.to_ascii_lowercase().contains("authorization: basic dxnlcjpwyxnz"))
            .then_some("HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"cli\"")
    });
    let line = first_line(
        &format!("http://127.0.0.1:{guarded}/"),
        &["--http-credentials".into(), "user:pass".into()],
    );
    assert_eq!(line, r#""authorized""#);
    // Issue 25.3: the same from a file or the environment, off the command line.
    let secrets = tempfile::tempdir().unwrap();
    let file = secrets.path().join("credentials");
    std::fs::write(&file, "user:pass\n").unwrap();
    let line = first_line(
        &format!("http://127.0.0.1:{guarded}/"),
        &["--http-credentials-file".into(), file.display().to_string()],
    );
    assert_eq!(line, r#""authorized""#);
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_webpane"))
        .args([
            "run",
            &format!("http://127.0.0.1:{guarded}/"),
            "--headless",
            "--user-data-folder",
        ])
        .arg(dir.path().join("udf"))
        .env("WEBPANE_RUNTIME", runtime())
        .env("WEBPANE_HTTP_CREDENTIALS", "user:pass")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).lines().next(),
        Some(r#""authorized""#)
    );

    // A proxy that serves the page itself for any absolute-form request: the run's only way
    // to the page is through it.
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let s = seen.clone();
    let proxy = server("through the proxy", move |head| {
        s.lock().unwrap().push(head.lines().next().unwrap_or("").to_owned());
        None
    });
    let line = first_line(
        "http://page.invalid/",
        &["--proxy".into(), format!("http://127.0.0.1:{proxy}")],
    );
    assert_eq!(line, r#""through the proxy""#);
    assert!(
        seen.lock()
            .unwrap()
            .iter()
            .any(|l| l.starts_with("GET http://page.invalid/")),
        "{:?}",
        seen.lock().unwrap()
    );
}

/// A TLS server with a self-signed certificate for 127.0.0.1; its page posts "trusted" and
/// ends the run.
fn self_signed_server() -> u16 {
    use std::io::{Read, Write};
    use std::sync::Arc;
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    let config = Arc::new(
        rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(
                vec![cert.der().clone()],
                rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
            )
            .unwrap(),
    );
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for conn in listener.incoming().map_while(Result::ok) {
            let config = config.clone();
            std::thread::spawn(move || {
                let Ok(tls) = rustls::ServerConnection::new(config) else {
                    return;
                };
                let mut stream = rustls::StreamOwned::new(tls, conn);
                let mut request = [0u8; 4096];
                if stream.read(&mut request).is_ok() {
                    let body =
                        "<script>chrome.webview.postMessage('trusted'); chrome.webview.postMessage({exit: 0})</script>";
                    let _ = write!(
                        stream,
                        "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = stream.flush();
                }
            });
        }
    });
    port
}

#[test]
fn ignore_certificate_errors_trusts_a_test_servers_certificate() {
    let port = self_signed_server();
    let uri = format!("https://127.0.0.1:{port}/");
    assert_eq!(
        first_line(&uri, &["--ignore-certificate-errors".into()]),
        r#""trusted""#
    );
    // Without it the page does not load (exit code 5).
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_webpane"))
        .args(["run", &uri, "--headless", "--user-data-folder"])
        .arg(dir.path().join("udf"))
        .env("WEBPANE_RUNTIME", runtime())
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5), "{out:?}");
}

/// Issue 25.11: by default a virtual host's files are not readable cross-origin: a page of
/// another origin (here another virtual host of the same browser process) may load them as a
/// script, but not read them with `fetch`; `--virtual-host-access allow` opens them.
#[test]
fn other_origins_cannot_read_a_virtual_host_by_default() {
    let report = |extra: &[&str]| {
        let dir = tempfile::tempdir().unwrap();
        let (site, other) = (dir.path().join("site"), dir.path().join("other"));
        std::fs::create_dir(&site).unwrap();
        std::fs::create_dir(&other).unwrap();
        std::fs::write(site.join("secret.txt"), "the secret").unwrap();
        std::fs::write(site.join("lib.js"), "window.loaded = 'script';").unwrap();
        std::fs::write(
            other.join("index.html"),
            r#"<!doctype html><script src="https://app.example/lib.js"></script><script>
            (async () => {
              let read;
              try { read = await (await fetch("https://app.example/secret.txt")).text(); }
              catch (e) { read = "refused"; }
              chrome.webview.postMessage({ script: window.loaded || "none", read });
              chrome.webview.postMessage({ exit: 0 });
            })();
            </script>"#,
        )
        .unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_webpane"))
            .args(["run", "https://other.example/index.html", "--user-data-folder"])
            .arg(dir.path().join("udf"))
            .arg("--virtual-host")
            .arg(format!("app.example={}", site.display()))
            .arg("--virtual-host")
            .arg(format!("other.example={}", other.display()))
            .args(extra)
            .env("WEBPANE_RUNTIME", runtime())
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        let stdout = String::from_utf8(out.stdout).unwrap();
        serde_json::from_str::<serde_json::Value>(stdout.lines().next().expect("a report")).unwrap()
    };
    assert_eq!(
        report(&[]),
        serde_json::json!({ "script": "script", "read": "refused" })
    );
    assert_eq!(
        report(&["--virtual-host-access", "allow"]),
        serde_json::json!({ "script": "script", "read": "the secret" })
    );
    let help = Command::new(env!("CARGO_BIN_EXE_webpane"))
        .args(["run", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8(help.stdout).unwrap();
    assert!(help.contains("shares one browser process"), "{help}");
}
