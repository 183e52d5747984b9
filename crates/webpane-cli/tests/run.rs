//! `webpane run` end to end: the CLI binary, the browser process, and a page, under Xvfb.

use std::io::Write;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::Receiver;

mod common;

use common::{TIMEOUT, runtime, wait_status};

const ECHO_PAGE: &str = r#"<!doctype html><title>echo</title><script>
chrome.webview.postMessage({ready: true});
chrome.webview.addEventListener('message', e => {
  if (e.data && e.data.quit !== undefined) chrome.webview.postMessage({exit: e.data.quit});
  else chrome.webview.postMessage({echo: e.data});
});
</script>"#;

struct Run {
    child: Child,
    lines: Receiver<String>,
    _dir: tempfile::TempDir,
}

fn start(page_html: &str, extra: &[&str]) -> Run {
    start_with(page_html, extra, true)
}

fn start_with(page_html: &str, extra: &[&str], headless: bool) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("page.html");
    std::fs::write(&page, page_html).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_webpane"))
        .arg("run")
        .arg(&page)
        .args(if headless { &["--headless"][..] } else { &[][..] })
        .arg("--user-data-folder")
        .arg(dir.path().join("udf"))
        .args(extra)
        .env("WEBPANE_RUNTIME", runtime())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let rx = common::lines_of(child.stdout.take().unwrap());
    Run {
        child,
        lines: rx,
        _dir: dir,
    }
}

impl Run {
    fn line(&self) -> String {
        self.lines.recv_timeout(TIMEOUT).expect("no output from webpane run")
    }
    fn send(&mut self, line: &str) {
        writeln!(self.child.stdin.as_mut().unwrap(), "{line}").unwrap();
    }
    fn wait(mut self) -> (i32, String) {
        let status = wait_status(&mut self.child, "webpane run");
        let mut stderr = String::new();
        std::io::Read::read_to_string(self.child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
        (status.code().unwrap_or(-1), stderr)
    }
}

#[test]
fn json_lines_go_both_ways_and_the_page_sets_the_exit_code() {
    let mut run = start(ECHO_PAGE, &[]);
    assert_eq!(run.line(), r#"{"ready":true}"#);
    run.send(r#"{"x": [1, "two"]}"#);
    run.send("this is not json");
    run.send("42");
    assert_eq!(run.line(), r#"{"echo":{"x":[1,"two"]}}"#);
    assert_eq!(run.line(), r#"{"echo":42}"#);
    run.send(r#"{"quit": 7}"#);
    let (code, stderr) = run.wait();
    assert_eq!(code, 7);
    assert!(stderr.contains("skipped a line from stdin"), "{stderr}");
}

#[test]
fn lines_sent_before_the_page_loaded_are_not_lost() {
    let mut run = start(ECHO_PAGE, &[]);
    // Written at once, before the browser process has even started.
    run.send(r#""early""#);
    run.send(r#"{"quit": 0}"#);
    assert_eq!(run.line(), r#"{"ready":true}"#);
    assert_eq!(run.line(), r#"{"echo":"early"}"#);
    assert_eq!(run.wait().0, 0);
}

#[test]
fn a_missing_page_is_a_clear_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_webpane"))
        .args(["run", "/nonexistent/webpane-page.html", "--headless"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot open /nonexistent/webpane-page.html"));
}

#[test]
fn a_page_that_does_not_load_exits_5() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener); // nothing listens there now
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_webpane"))
        .arg("run")
        .arg(format!("http://127.0.0.1:{port}/"))
        .args(["--headless", "--user-data-folder"])
        .arg(dir.path())
        .env("WEBPANE_RUNTIME", runtime())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("did not load"));
}

#[test]
fn a_killed_browser_process_exits_3_with_a_message() {
    let run = start(ECHO_PAGE, &[]);
    assert_eq!(run.line(), r#"{"ready":true}"#);
    // The CLI started the browser process: it is the CLI's child.
    let cli = run.child.id();
    let runtime_pid = std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .find(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            stat.contains("(webpane-runtim")
                && stat.rsplit(')').next().and_then(|r| r.split(' ').nth(2)) == Some(&cli.to_string())
        })
        .expect("the CLI's browser process");
    rustix::process::kill_process(
        rustix::process::Pid::from_raw(runtime_pid as i32).unwrap(),
        rustix::process::Signal::KILL,
    )
    .unwrap();
    let (code, stderr) = run.wait();
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("browser process exited unexpectedly"), "{stderr}");
}

const SHARE_PAGE: &str = r#"<!doctype html><script>
let buffer = null;
chrome.webview.addEventListener('sharedbufferreceived', e => {
  buffer = e.getBuffer();
  chrome.webview.postMessage({ got: e.additionalData, first: Array.from(new Uint8Array(buffer)) });
});
// Writes when told to (after the app has read the first message: a crash loses what is unsent).
chrome.webview.addEventListener('message', e => {
  try {
    new Uint8Array(buffer)[0] = 42;
    chrome.webview.releaseBuffer(buffer);
    chrome.webview.postMessage({ exit: 0 });
  } catch (err) { chrome.webview.postMessage({ error: err.name }); }
});
</script>"#;

#[test]
fn share_hands_a_file_to_the_page_and_keeps_its_writes() {
    let file_dir = tempfile::tempdir().unwrap();
    let file = file_dir.path().join("data.bin");
    std::fs::write(&file, [1u8, 2, 3, 4]).unwrap();
    let mut run = start(SHARE_PAGE, &["--share", file.to_str().unwrap()]);
    let got: serde_json::Value = serde_json::from_str(&run.line()).unwrap();
    run.send(r#""write""#);
    assert_eq!(got["first"], serde_json::json!([1, 2, 3, 4]));
    assert_eq!(got["got"]["name"], "data.bin");
    assert_eq!(got["got"]["access"], "ReadWrite");
    let (code, stderr) = run.wait();
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(std::fs::read(&file).unwrap(), [42, 2, 3, 4]);
}

#[test]
fn share_read_only_refuses_the_pages_writes() {
    let file_dir = tempfile::tempdir().unwrap();
    let file = file_dir.path().join("ro.bin");
    std::fs::write(&file, [9u8, 8, 7]).unwrap();
    let mut run = start(SHARE_PAGE, &["--share-read-only", file.to_str().unwrap()]);
    let got: serde_json::Value = serde_json::from_str(&run.line()).unwrap();
    run.send(r#""write""#);
    assert_eq!(got["first"], serde_json::json!([9, 8, 7]));
    assert_eq!(got["got"]["access"], "ReadOnly");
    let (code, stderr) = run.wait();
    assert_eq!(code, 4, "{stderr}");
    assert!(stderr.contains("ReadOnlySharedBufferWrite"), "{stderr}");
    assert_eq!(std::fs::read(&file).unwrap(), [9, 8, 7]);
}

#[test]
fn parent_embeds_the_page_into_another_programs_window() {
    use x11rb::connection::Connection;
    use x11rb::protocol::xproto::{ConnectionExt, CreateWindowAux, WindowClass};
    let (conn, screen) = x11rb::connect(None).expect("an X display (run under xvfb-run)");
    let root = conn.setup().roots[screen].root;
    let parent = conn.generate_id().unwrap();
    conn.create_window(
        0,
        parent,
        root,
        0,
        0,
        320,
        240,
        0,
        WindowClass::INPUT_OUTPUT,
        0,
        &CreateWindowAux::new(),
    )
    .unwrap();
    conn.map_window(parent).unwrap();
    conn.flush().unwrap();
    let page = r#"<script>chrome.webview.postMessage({ width: innerWidth, height: innerHeight });</script>"#;
    let xid = format!("{parent:#x}");
    let run = start_with(page, &["--parent", &xid, "--size", "320x240"], false);
    assert_eq!(run.line(), r#"{"width":320,"height":240}"#);
    // The parent window goes away: the run ends.
    conn.destroy_window(parent).unwrap();
    conn.flush().unwrap();
    let (code, stderr) = run.wait();
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("ParentWindowDestroyed"), "{stderr}");
}

fn webpane(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_webpane"))
        .args(args)
        .env("WEBPANE_RUNTIME", runtime())
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn screenshot_and_pdf_write_their_files() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("page.html");
    std::fs::write(
        &page,
        "<body style='margin:0;background:rgb(0,128,0)'><h1>hi</h1></body>",
    )
    .unwrap();
    let udf = dir.path().join("udf");
    let png = dir.path().join("out.png");
    let out = webpane(&[
        "screenshot",
        page.to_str().unwrap(),
        png.to_str().unwrap(),
        "--size",
        "320x200",
        "--user-data-folder",
        udf.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    // The IHDR says 320 × 200.
    assert_eq!(u32::from_be_bytes(bytes[16..20].try_into().unwrap()), 320);
    assert_eq!(u32::from_be_bytes(bytes[20..24].try_into().unwrap()), 200);
    assert!(String::from_utf8_lossy(&out.stderr).contains("wrote"));

    let pdf = dir.path().join("out.pdf");
    let out = webpane(&[
        "pdf",
        page.to_str().unwrap(),
        pdf.to_str().unwrap(),
        "--user-data-folder",
        udf.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF"));

    let out = webpane(&["screenshot", "/nonexistent/page.html", png.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn doctor_reports_the_parts_and_the_folder() {
    let dir = tempfile::tempdir().unwrap();
    let out = webpane(&["doctor", "--user-data-folder", dir.path().to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    for part in [
        "runtime binary",
        "WebKitGTK",
        "display (GTK)",
        "web process extension",
        "browser process",
    ] {
        assert!(text.contains(part), "{part} missing from:\n{text}");
    }
    assert!(text.contains("none running"), "{text}");
    // A folder with a running browser process says so.
    let run = start(ECHO_PAGE, &[]);
    assert_eq!(run.line(), r#"{"ready":true}"#);
    let folder = run._dir.path().join("udf");
    let out = webpane(&["doctor", "--user-data-folder", folder.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("running, pid"), "{text}");
}

#[test]
fn bench_writes_json_and_refuses_unknown_parts() {
    let dir = tempfile::tempdir().unwrap();
    let out_file = dir.path().join("bench.json");
    let out = webpane(&[
        "bench",
        "--quick",
        "--only",
        "floors",
        "--json",
        "--out",
        out_file.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let written: serde_json::Value = serde_json::from_slice(&std::fs::read(&out_file).unwrap()).unwrap();
    assert_eq!(printed, written);
    assert!(
        printed["floors"]["floors"]
            .as_array()
            .is_some_and(|rows| !rows.is_empty()),
        "{printed}"
    );
    let out = webpane(&["bench", "--only", "nonsense"]);
    assert_eq!(out.status.code(), Some(2));
}

/// Issue 27.8: a part of the benchmark that cannot run (here: no browser process can start)
/// says why, in the JSON and on stderr, and the run ends with a failure code: no panic.
#[test]
fn a_bench_part_that_cannot_run_says_why_without_panicking() {
    let dir = tempfile::tempdir().unwrap();
    let out_file = dir.path().join("bench.json");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_webpane"))
        .args(["bench", "--quick", "--only", "memory", "--json", "--out"])
        .arg(&out_file)
        .env("WEBPANE_RUNTIME", "/bin/false")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stderr.contains("memory could not run"), "{stderr}");
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        printed["memory"]["error"].as_str().is_some_and(|e| !e.is_empty()),
        "{printed}"
    );
}
