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
