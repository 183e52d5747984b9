//! `webpane run` with the page's decisions on the command line: a virtual host, script dialogs,
//! permissions; the page's report on stdout, the dialogs on stderr.

use std::process::Command;

mod common;

use common::{TIMEOUT, runtime};

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
        if let Ok(report) = serde_json::from_str::<serde_json::Value>(&line) {
            if report["state"] == "Completed" {
                break report;
            }
        }
    };
    writeln!(child.stdin.as_mut().unwrap(), "\"done\"").unwrap();
    assert!(child.wait().unwrap().success());
    assert_eq!(completed["received"], 3 << 20);
    let saved = downloads.join("saved.bin");
    assert_eq!(completed["path"], saved.to_string_lossy().as_ref());
    assert_eq!(std::fs::read(&saved).unwrap(), vec![9u8; 3 << 20]);
}
