//! `webpane run` when users, pipes and pages are not friendly: nothing hangs, nothing is silent,
//! nothing of a shared file but the page's own writes is touched.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::process::Stdio;

use common::{TIMEOUT, run_command, wait_exit};

const ECHO_PAGE: &str = r#"<!doctype html><script>
chrome.webview.postMessage({ready: true});
chrome.webview.addEventListener('message', e => {
  if (e.data && e.data.quit !== undefined) chrome.webview.postMessage({exit: e.data.quit});
  else chrome.webview.postMessage({echo: e.data});
});
</script>"#;

fn page(dir: &std::path::Path, html: &str) -> String {
    let page = dir.join("page.html");
    std::fs::write(&page, html).unwrap();
    page.to_string_lossy().into_owned()
}

/// Runs `command` to its end (stdout discarded); returns its exit code and stderr.
fn exit_and_stderr(command: &mut std::process::Command, what: &str) -> (i32, String) {
    let mut child = command.stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
    let mut err = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let code = wait_exit(&mut child, what);
    (code, reader.join().unwrap())
}

/// Runs to the end with `stdin` as input; returns (exit code, stdout, stderr).
fn run_to_end(dir: &std::path::Path, page: &str, extra: &[&str], stdin: &[u8]) -> (i32, String, String) {
    let mut child = run_command(dir, page, extra)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let (mut out, mut err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let readers = std::thread::spawn(move || {
        let (mut o, mut e) = (String::new(), String::new());
        let _ = out.read_to_string(&mut o);
        let _ = err.read_to_string(&mut e);
        (o, e)
    });
    let code = wait_exit(&mut child, page);
    let (o, e) = readers.join().unwrap();
    (code, o, e)
}

#[test]
fn a_line_that_is_not_utf8_is_reported_and_later_lines_still_go_through() {
    let dir = tempfile::tempdir().unwrap();
    let page = page(dir.path(), ECHO_PAGE);
    let (code, out, err) = run_to_end(
        dir.path(),
        &page,
        &[],
        b"{\"x\":1}\n\xff\xfe\n{\"x\":2}\n{\"quit\":7}\n",
    );
    assert_eq!(code, 7, "{err}");
    assert!(
        out.contains(r#"{"echo":{"x":1}}"#) && out.contains(r#"{"echo":{"x":2}}"#),
        "{out}"
    );
    assert!(err.contains("line 2") && err.contains("not UTF-8"), "{err}");
}

#[test]
fn a_closed_stdout_ends_the_run() {
    let dir = tempfile::tempdir().unwrap();
    // One message, then silence: the run must notice the reader went away by itself.
    let page = page(dir.path(), "<script>chrome.webview.postMessage('one')</script>");
    let mut child = run_command(dir.path(), &page, &[])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert_eq!(first.trim(), r#""one""#);
    // The reader is gone now (like `| head -1`).
    assert_eq!(wait_exit(&mut child, "after its stdout closed"), 0);
}

#[test]
fn pages_that_cannot_be_shown_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.html");
    std::fs::write(&empty, "").unwrap();
    let folder = dir.path().to_string_lossy().into_owned();
    for (page, code, says) in [
        (folder.as_str(), 2, "is a folder"),
        (empty.to_str().unwrap(), 5, "is empty"),
        ("javascript:chrome.webview.postMessage(1)", 2, "javascript: URL"),
        // WebKit refuses restricted ports by loading an empty page and calling it a success.
        ("http://127.0.0.1:6000/", 5, "did not load"),
    ] {
        let (got, _, err) = run_to_end(dir.path(), page, &[], b"");
        assert_eq!(got, code, "{page}: {err}");
        assert!(err.contains(says), "{page}: {err}");
    }
}

#[test]
fn a_parent_window_that_does_not_exist_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let page = page(dir.path(), ECHO_PAGE);
    let command = run_command(dir.path(), &page, &[]);
    // --parent conflicts with --headless: build the command without it.
    let args: Vec<_> = command
        .get_args()
        .filter(|a| *a != "--headless")
        .map(|a| a.to_owned())
        .collect();
    let mut command = std::process::Command::new(command.get_program());
    command
        .args(args)
        .args(["--parent", "0x7ffffff"])
        .env("WEBPANE_RUNTIME", common::runtime());
    let out = command.stdin(Stdio::null()).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("no X11 window 0x7ffffff"), "{err}");
}

#[test]
fn share_takes_regular_files_only_and_never_hangs_on_them() {
    let dir = tempfile::tempdir().unwrap();
    let page = page(dir.path(), ECHO_PAGE);
    let fifo = dir.path().join("fifo");
    rustix::fs::mknodat(
        rustix::fs::CWD,
        &fifo,
        rustix::fs::FileType::Fifo,
        rustix::fs::Mode::from_raw_mode(0o600),
        0,
    )
    .unwrap();
    let big = dir.path().join("big");
    std::fs::File::create(&big).unwrap().set_len((1 << 30) + 1).unwrap();
    for (file, says) in [
        ("/dev/zero", "not a regular file"),
        (fifo.to_str().unwrap(), "not a regular file"),
        (big.to_str().unwrap(), "at most"),
        (dir.path().to_str().unwrap(), "Is a directory"),
    ] {
        let (code, _, err) = run_to_end(dir.path(), &page, &["--share", file], b"");
        assert_eq!(code, 2, "{file}: {err}");
        assert!(err.contains(says), "{file}: {err}");
    }
}

#[test]
fn share_writes_back_only_what_the_page_changed_and_saves_at_release() {
    // The page gets a 3 MiB file, releases it at once from its listener (before the delivery is
    // even confirmed), having written two bytes; meanwhile another program appends a line and
    // changes a byte elsewhere. The page's writes must be in the file as soon as the page says
    // so, even if the run is then killed; the other program's changes must survive.
    const SIZE: usize = 3 << 20;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data.bin");
    std::fs::write(&data, vec![b'.'; SIZE]).unwrap();
    let page = page(
        dir.path(),
        r#"<script>
        chrome.webview.addEventListener('message', e => {
          if (e.data !== 'go') return;
          const b = new Uint8Array(window.shared);
          b[0] = 65; b[1 << 20] = 66;
          chrome.webview.releaseBuffer(window.shared);
          chrome.webview.postMessage('released');
        });
        chrome.webview.addEventListener('sharedbufferreceived', e => {
          window.shared = e.getBuffer();
          chrome.webview.postMessage({ got: e.getBuffer().byteLength });
        });
        </script>"#,
    );
    let mut child = run_command(dir.path(), &page, &["--share", data.to_str().unwrap()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let rx = common::lines_of(child.stdout.take().unwrap());
    let next = || rx.recv_timeout(TIMEOUT).expect("no output from webpane run");
    assert_eq!(next(), format!(r#"{{"got":{SIZE}}}"#));
    // Another program, during the run.
    {
        use std::os::unix::fs::FileExt;
        let file = std::fs::OpenOptions::new().write(true).open(&data).unwrap();
        file.write_all_at(b"Z", 2 << 20).unwrap();
        let mut append = std::fs::OpenOptions::new().append(true).open(&data).unwrap();
        append.write_all(b"appended line\n").unwrap();
    }
    writeln!(child.stdin.as_mut().unwrap(), r#""go""#).unwrap();
    assert_eq!(next(), r#""released""#);
    // Saved by now: a killed run keeps the page's writes.
    child.kill().unwrap();
    child.wait().unwrap();
    let bytes = std::fs::read(&data).unwrap();
    assert_eq!(bytes[0], b'A', "the page's write was not saved at release");
    assert_eq!(bytes[1 << 20], b'B');
    assert_eq!(bytes[2 << 20], b'Z', "another program's change was overwritten");
    assert!(bytes.ends_with(b"appended line\n"), "the appended line was lost");
    assert_eq!(bytes.len(), SIZE + b"appended line\n".len());
}

#[test]
fn a_download_no_one_decided_is_cancelled_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    std::fs::create_dir(&home).unwrap();
    let page = page(
        dir.path(),
        r#"<a id=a download="evil.txt" href="data:text/plain,written%20by%20the%20page">x</a>
        <script>
        chrome.webview.addEventListener('message', () => chrome.webview.postMessage({exit: 0}));
        document.getElementById('a').click();
        </script>"#,
    );
    let mut child = run_command(dir.path(), &page, &[])
        .env("HOME", &home)
        .env_remove("XDG_DOWNLOAD_DIR")
        .env("RUST_LOG", "info")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let rx = common::lines_of(child.stderr.take().unwrap());
    // The runtime says it cancelled the download (before the fix: written into ~/Downloads).
    let deadline = std::time::Instant::now() + TIMEOUT;
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        let line = rx.recv_timeout(left).expect("the download was never cancelled");
        if line.contains("cancelled a download") {
            break;
        }
    }
    writeln!(child.stdin.as_mut().unwrap(), "\"done\"").unwrap();
    assert_eq!(wait_exit(&mut child, "after the download"), 0);
    // Nothing the page named was written anywhere under HOME (or next to the page).
    fn files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().map_while(Result::ok) {
            let path = entry.path();
            if path.is_dir() {
                files(&path, out);
            } else {
                out.push(path);
            }
        }
    }
    let mut all = Vec::new();
    files(&home, &mut all);
    files(dir.path(), &mut all);
    let written: Vec<_> = all
        .iter()
        .filter(|p| p.to_string_lossy().contains("evil") || std::fs::read(p).is_ok_and(|b| b == b"written by the page"))
        .collect();
    assert!(written.is_empty(), "the download was written: {written:?}");
}

#[test]
fn errors_name_what_they_are_about() {
    let dir = tempfile::tempdir().unwrap();
    let page = page(dir.path(), ECHO_PAGE);
    // No HOME and no folder given.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_webpane"))
        .args(["run", &page, "--headless"])
        .env_remove("HOME")
        .env_remove("XDG_DATA_HOME")
        .env("WEBPANE_RUNTIME", common::runtime())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("HOME") && err.contains("--user-data-folder"), "{err}");
    // A file where the user data folder should be.
    let file = dir.path().join("a-file");
    std::fs::write(&file, "").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_webpane"))
        .args(["run", &page, "--headless", "--user-data-folder", file.to_str().unwrap()])
        .env("WEBPANE_RUNTIME", common::runtime())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains(file.to_str().unwrap()) && err.contains("not a folder"),
        "{err}"
    );
}

#[test]
fn a_share_without_the_web_process_extension_ends_the_run_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let page = page(dir.path(), ECHO_PAGE);
    let data = dir.path().join("data.bin");
    std::fs::write(&data, b"bytes").unwrap();
    let mut command = run_command(dir.path(), &page, &["--share", data.to_str().unwrap()]);
    command
        .env("WEBPANE_WEBEXT", dir.path().join("missing.so"))
        .stdin(Stdio::piped());
    let (code, err) = exit_and_stderr(&mut command, "a share that cannot be delivered");
    // The share's failure (2) or the page's render process, ended for want of the extension (4).
    assert!(code == 2 || code == 4, "{code}: {err}");
    assert!(
        err.contains("web process extension") && err.contains("missing.so"),
        "{err}"
    );
}

/// Unmounts a test's small file system when dropped.
struct Mounted(std::path::PathBuf);

impl Drop for Mounted {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

#[test]
fn a_full_disk_leaves_no_half_written_extension_and_the_run_says_why() {
    if !rustix::process::geteuid().is_root() {
        eprintln!(
            "skipped a_full_disk_leaves_no_half_written_extension_and_the_run_says_why: mounting a small file system needs root"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let small = dir.path().join("small");
    std::fs::create_dir(&small).unwrap();
    // Far smaller than the web process extension (tens of MB in a debug build).
    let mounted = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=4m,mode=0700", "tmpfs"])
        .arg(&small)
        .status()
        .unwrap();
    if !mounted.success() {
        eprintln!("skipped a_full_disk_leaves_no_half_written_extension_and_the_run_says_why: mount refused here");
        return;
    }
    let _unmount = Mounted(small.clone());
    let page = page(dir.path(), ECHO_PAGE);
    let data = dir.path().join("data.bin");
    std::fs::write(&data, b"bytes").unwrap();
    let udf = small.join("udf");
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_webpane"));
    command
        .args([
            "run",
            &page,
            "--headless",
            "--share",
            data.to_str().unwrap(),
            "--user-data-folder",
        ])
        .arg(&udf)
        .env("WEBPANE_RUNTIME", common::runtime())
        .stdin(Stdio::piped());
    let (code, err) = exit_and_stderr(&mut command, "a run whose extension could not be installed");
    // The share's failure (2) or the page's render process, ended for want of the extension (4):
    // either way the run ends and says why.
    assert!(code == 2 || code == 4, "{code}: {err}");
    assert!(
        err.contains("web process extension") && err.contains("No space left"),
        "{err}"
    );
    // Nothing half-written is left for WebKit to load.
    let extensions = udf.join("webkit/extensions");
    let left: Vec<_> = std::fs::read_dir(&extensions)
        .map(|d| d.map_while(Result::ok).map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "left in {}: {left:?}", extensions.display());
}

/// Issue 25.12: without the web process extension (none where the runtime looks, or a file
/// WebKit cannot load), the page has no `chrome.webview`: the run does not wait for it forever
/// but ends with the reason.
#[test]
fn a_run_without_a_working_web_process_extension_ends_with_the_reason() {
    const WAITING_PAGE: &str = "<script>chrome.webview.postMessage('hello')</script>";
    let dir = tempfile::tempdir().unwrap();
    let page = page(dir.path(), WAITING_PAGE);
    let broken = dir.path().join("broken.so");
    std::fs::write(&broken, "not a shared library").unwrap();
    for (extension, why) in [(dir.path().join("missing.so"), "missing.so"), (broken, "did not load")] {
        let udf = tempfile::tempdir().unwrap();
        let mut command = run_command(udf.path(), &page, &[]);
        command.env("WEBPANE_WEBEXT", &extension).stdin(Stdio::piped());
        let (code, err) = exit_and_stderr(&mut command, "a run without the extension");
        assert_eq!(code, 4, "{err}");
        assert!(
            err.contains("LaunchFailed") && err.contains("web process extension") && err.contains(why),
            "{err}"
        );
    }
}
