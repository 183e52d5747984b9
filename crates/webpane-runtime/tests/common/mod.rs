//! Helpers for the end-to-end tests: environments on private folders, waiting on the loop, and
//! app processes (this test binary run again with a role).
#![allow(dead_code)]

pub mod offscreen;

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::{Duration, Instant};

use webpane::{Environment, EventLoop};

/// Generous: the machine is shared and slow; tests wait for events, never for a fixed time.
pub const TIMEOUT: Duration = Duration::from_secs(60);

pub fn runtime() -> PathBuf {
    let runtime = PathBuf::from(env!("CARGO_BIN_EXE_webpane-runtime"));
    let webext = runtime.with_file_name("libwebpane_webext.so");
    assert!(
        webext.is_file(),
        "{} is missing: build it with `cargo build -p webpane-webext` (`cargo xtask test` does)",
        webext.display()
    );
    // `cargo test` does not rebuild the extension (a cdylib no test depends on): a stale one
    // fails tests in confusing ways, so say so plainly.
    let built = std::fs::metadata(&webext).and_then(|m| m.modified()).unwrap();
    let sources = Path::new(env!("CARGO_MANIFEST_DIR")).join("../webpane-webext/src");
    let newer = std::fs::read_dir(&sources)
        .into_iter()
        .flatten()
        .map_while(Result::ok)
        .find(|e| e.metadata().and_then(|m| m.modified()).is_ok_and(|t| t > built));
    if let Some(source) = newer {
        panic!(
            "{} is older than {}: rebuild it with `cargo build -p webpane-webext` (`cargo xtask test` does)",
            webext.display(),
            source.path().display()
        );
    }
    runtime
}

pub fn env_for(event_loop: &EventLoop, folder: &Path) -> Environment {
    event_loop
        .block_on(
            Environment::builder()
                .user_data_folder(folder)
                .runtime_path(runtime())
                .shutdown_grace(Duration::from_millis(300))
                .build(event_loop),
        )
        .unwrap()
        .unwrap()
}

/// An event loop, an environment on a new private folder, and one default webview.
pub fn open_webview() -> (EventLoop, Environment, webpane::WebView, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let event_loop = EventLoop::new().unwrap();
    let env = env_for(&event_loop, dir.path());
    let webview = event_loop
        .block_on(env.create_webview(webpane::WebViewOptions::default()))
        .unwrap()
        .unwrap();
    (event_loop, env, webview, dir)
}

/// Dispatches the loop until `done()` is true; panics after `TIMEOUT`.
pub fn wait_until(event_loop: &EventLoop, what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + TIMEOUT;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        event_loop.dispatch(Some(Duration::from_millis(50))).unwrap();
    }
}

/// Waits for `future` (driven by `event_loop`) at most `TIMEOUT`; panics otherwise, so that a
/// regression fails instead of hanging CI.
#[allow(dead_code)]
pub fn block_on_within<T: 'static>(
    event_loop: &EventLoop,
    what: &str,
    future: impl std::future::Future<Output = T> + 'static,
) -> T {
    let out: Rc<RefCell<Option<T>>> = Rc::default();
    let o = out.clone();
    event_loop.spawn_local(async move {
        *o.borrow_mut() = Some(future.await);
    });
    wait_until(event_loop, what, || out.borrow().is_some());
    let result = out.borrow_mut().take();
    result.expect("the result was just seen")
}

/// Waits for `child` to exit at most `TIMEOUT`; kills it and panics otherwise.
#[allow(dead_code)]
pub fn wait_child(child: &mut std::process::Child, what: &str) -> std::process::ExitStatus {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} did not exit within {TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A cell the handlers write into and the test reads.
pub fn recorder<T>() -> Rc<RefCell<Vec<T>>> {
    Rc::new(RefCell::new(Vec::new()))
}

/// The pids of all processes whose command name starts with `prefix`.
pub fn processes_named(prefix: &str) -> Vec<u32> {
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| {
            let pid: u32 = e.ok()?.file_name().to_str()?.parse().ok()?;
            let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).ok()?;
            comm.starts_with(prefix).then_some(pid)
        })
        .collect()
}

/// Whether `pid` exists (zombies included).
pub fn alive(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

/// Whether `pid` has exited: gone, or a zombie waiting for its parent (init) to reap it.
pub fn exited(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat.rfind(')').and_then(|i| stat[i + 2..].chars().next()) == Some('Z'),
    }
}

/// Waits until `pid` is gone from the process table (reaped), or panics after `TIMEOUT`.
pub fn wait_reaped(pid: u32) {
    let deadline = Instant::now() + TIMEOUT;
    while alive(pid) {
        assert!(Instant::now() < deadline, "process {pid} was never reaped");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Whether `pid` is below `ancestor` in the process tree (a web process in WebKit's sandbox is
/// the browser process's grandchild or further down: `bwrap` stands between).
pub fn descends_from(pid: u32, ancestor: u32) -> bool {
    let mut at = pid;
    for _ in 0..64 {
        match parent_of(at) {
            Some(parent) if parent == ancestor => return true,
            Some(parent) if parent > 1 => at = parent,
            _ => return false,
        }
    }
    false
}

/// The parent pid of `pid`.
pub fn parent_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat[stat.rfind(')')? + 2..].split(' ').nth(1)?.parse().ok()
}

pub const APP_ROLE: &str = "WEBPANE_TEST_APP";
pub const APP_FOLDER: &str = "WEBPANE_TEST_FOLDER";

/// The monotonic clock in nanoseconds, comparable between processes.
pub fn monotonic_ns() -> u64 {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::Monotonic);
    t.tv_sec as u64 * 1_000_000_000 + t.tv_nsec as u64
}

/// An app process: this test binary's `app_process_entry_point` with a role, on a folder.
pub struct AppProcess {
    pub child: std::process::Child,
    lines: std::sync::mpsc::Receiver<String>,
    stdin: std::process::ChildStdin,
}

impl AppProcess {
    pub fn spawn(role: &str, folder: &Path) -> AppProcess {
        Self::spawn_with(role, folder, |_| {})
    }

    /// [`spawn`](Self::spawn) with the app's (and so its runtime's) log in `log` (`RUST_LOG=info`).
    pub fn spawn_logged(role: &str, folder: &Path, log: &Path) -> AppProcess {
        let file = std::fs::File::create(log).unwrap();
        Self::spawn_with(role, folder, move |c| {
            c.env("RUST_LOG", "info").stderr(file);
        })
    }

    /// [`spawn`](Self::spawn) with `adjust` applied to the command first (its environment, say).
    pub fn spawn_with(role: &str, folder: &Path, adjust: impl FnOnce(&mut std::process::Command)) -> AppProcess {
        use std::io::BufRead;
        let mut command = std::process::Command::new(std::env::current_exe().unwrap());
        command
            .args(["app_process_entry_point", "--exact", "--nocapture", "--test-threads=1"])
            .env(APP_ROLE, role)
            .env(APP_FOLDER, folder)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped());
        adjust(&mut command);
        let mut child = command.spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let stdin = child.stdin.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
                // libtest may have printed "test app_process_entry_point ... " on the same line.
                if let Some(at) = line.find("@@")
                    && tx.send(line[at + 2..].to_string()).is_err()
                {
                    break;
                }
            }
        });
        AppProcess {
            child,
            lines: rx,
            stdin,
        }
    }

    /// The next report line, split into words.
    pub fn next(&self) -> Vec<String> {
        let line = self
            .lines
            .recv_timeout(TIMEOUT)
            .expect("the app process reported nothing in time");
        line.split_whitespace().map(str::to_owned).collect()
    }

    /// Waits for a report starting with `word`; returns its words.
    pub fn expect(&self, word: &str) -> Vec<String> {
        let report = self.next();
        assert_eq!(report[0], word, "expected {word}, got {report:?}");
        report
    }

    pub fn command(&mut self, line: &str) {
        use std::io::Write;
        writeln!(self.stdin, "{line}").unwrap();
    }

    pub fn finish(mut self) {
        let status = wait_child(&mut self.child, "the app process");
        assert!(status.success(), "app process failed: {status}");
    }
}

impl Drop for AppProcess {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// In an app process: prints a report line for the parent.
pub fn report(words: &str) {
    println!("@@{words}");
}

/// Serves `body` as text/html to every connection on a loopback port, until the test ends.
pub fn http_server(body: String) -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut conn in listener.incoming().map_while(Result::ok) {
            let mut request = [0u8; 4096];
            let _ = std::io::Read::read(&mut conn, &mut request);
            let _ = std::io::Write::write_fmt(
                &mut conn,
                format_args!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                ),
            );
        }
    });
    port
}

/// Whether this process may run others as another user (root); if not, says which test is
/// skipped and why.
pub fn can_switch_users(test: &str) -> bool {
    let root = rustix::process::geteuid().is_root();
    if !root {
        eprintln!("skipped {test}: only root can run a process as another user here");
    }
    root
}

/// A command that runs this test binary's `app_process_entry_point` with `role` on `folder` as
/// uid/gid 65534 (nobody). The binary is copied first into a folder nobody can reach: the
/// checkout may sit in a 0700 folder (under /root, say) that nobody cannot enter. Keep the
/// returned folder until the command is done.
pub fn command_as_nobody(role: &str, folder: &Path) -> (std::process::Command, tempfile::TempDir) {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;
    let copy_dir = tempfile::Builder::new()
        .prefix("webpane-nobody")
        .tempdir_in("/tmp")
        .unwrap();
    std::fs::set_permissions(copy_dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let binary = copy_dir.path().join("app");
    std::fs::copy(std::env::current_exe().unwrap(), &binary).unwrap();
    std::fs::set_permissions(&binary, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut command = std::process::Command::new(&binary);
    command
        .args(["app_process_entry_point", "--exact", "--nocapture", "--test-threads=1"])
        .env(APP_ROLE, role)
        .env(APP_FOLDER, folder)
        .current_dir("/")
        .uid(65534)
        .gid(65534);
    (command, copy_dir)
}

/// A new default webview of `env`.
pub fn new_webview(event_loop: &EventLoop, env: &Environment) -> webpane::WebView {
    event_loop
        .block_on(env.create_webview(webpane::WebViewOptions::default()))
        .unwrap()
        .unwrap()
}

/// Loads `html` and waits for its NavigationCompleted; returns whether it succeeded.
pub fn load_html(event_loop: &EventLoop, webview: &webpane::WebView, html: &str) -> bool {
    let loaded = recorder();
    let l = loaded.clone();
    let token = webview.on_navigation_completed(move |_, a| l.borrow_mut().push(a.is_success()));
    webview.navigate_to_string(html).unwrap();
    wait_until(event_loop, "the page", || !loaded.borrow().is_empty());
    webview.remove_navigation_completed(token);
    loaded.borrow()[0]
}

/// Runs `script` in the page and waits for its result, dispatching the loop (never blocking it).
pub fn script_result(event_loop: &EventLoop, webview: &webpane::WebView, script: &str) -> webpane::Result<String> {
    let answer = Rc::new(RefCell::new(None));
    let a = answer.clone();
    let op = webview.execute_script(script);
    event_loop.spawn_local(async move {
        *a.borrow_mut() = Some(op.await);
    });
    wait_until(event_loop, "a script's answer", || answer.borrow().is_some());
    answer.borrow_mut().take().unwrap()
}

/// A view on screen: WebKit holds capture requests of a page that is not visible.
pub fn window_view(event_loop: &EventLoop, env: &Environment) -> webpane::WebView {
    event_loop
        .block_on(env.create_webview(webpane::WebViewOptions::window("permissions", 400, 300)))
        .unwrap()
        .unwrap()
}

/// An environment on `folder` with this build's runtime and the options `configure` adds.
pub fn env_with(
    event_loop: &EventLoop,
    folder: &Path,
    configure: impl FnOnce(webpane::EnvironmentBuilder) -> webpane::EnvironmentBuilder,
) -> Environment {
    let builder = Environment::builder()
        .user_data_folder(folder)
        .runtime_path(runtime())
        .shutdown_grace(Duration::from_millis(300));
    event_loop
        .block_on(configure(builder).build(event_loop))
        .unwrap()
        .unwrap()
}

/// A TLS server on loopback with a self-signed certificate for 127.0.0.1 named `common_name`
/// (nobody trusts it); every connection gets `body` as an HTML page. Also counts connections.
pub fn self_signed_tls_server(
    common_name: &str,
    body: &'static str,
) -> (u16, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::io::{Read, Write};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned()]).unwrap();
    params.distinguished_name.push(rcgen::DnType::CommonName, common_name);
    let cert = params.self_signed(&key).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = Arc::new(
        rustls::ServerConfig::builder_with_provider(provider)
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
    let connections = Arc::new(AtomicUsize::new(0));
    let counted = connections.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming().map_while(Result::ok) {
            counted.fetch_add(1, Ordering::SeqCst);
            let config = config.clone();
            std::thread::spawn(move || {
                let Ok(tls) = rustls::ServerConnection::new(config) else {
                    return;
                };
                let mut stream = rustls::StreamOwned::new(tls, conn);
                let mut request = [0u8; 4096];
                if stream.read(&mut request).is_ok() {
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
    (port, connections)
}

/// Copies both ways between a client and a server until both sides are done.
pub fn relay_both_ways(client: std::net::TcpStream, server: std::net::TcpStream) {
    let (mut up_in, mut up_out) = (client.try_clone().unwrap(), server.try_clone().unwrap());
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut up_in, &mut up_out);
        let _ = up_out.shutdown(std::net::Shutdown::Write);
    });
    let (mut down_in, mut down_out) = (server, client);
    let _ = std::io::copy(&mut down_in, &mut down_out);
    let _ = down_out.shutdown(std::net::Shutdown::Write);
}

/// Navigates and waits for the page's one report (a JSON message) and the navigation's end.
pub fn report_of(event_loop: &EventLoop, webview: &webpane::WebView, uri: &str) -> serde_json::Value {
    let messages = recorder();
    let m = messages.clone();
    let token =
        webview.on_web_message_received(move |_, args| m.borrow_mut().push(args.web_message_as_json().to_owned()));
    let done = recorder();
    let d = done.clone();
    let completed = webview.on_navigation_completed(move |_, _| d.borrow_mut().push(()));
    webview.navigate(uri).unwrap();
    wait_until(event_loop, "the page's report", || {
        !messages.borrow().is_empty() && !done.borrow().is_empty()
    });
    webview.remove_web_message_received(token);
    webview.remove_navigation_completed(completed);
    let json = messages.borrow()[0].clone();
    serde_json::from_str(&json).unwrap()
}

/// Builds the example `name` of the SDK and returns its binary.
pub fn example_binary(name: &str) -> PathBuf {
    let output = std::process::Command::new(env!("CARGO"))
        // The whole workspace, as `cargo test --workspace` builds it: the same features, so
        // nothing is built again.
        .args(["build", "--workspace", "--example", name, "--message-format=json"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stderr(std::process::Stdio::inherit())
        .output()
        .expect("cargo runs");
    assert!(output.status.success(), "building the example {name} failed");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|m| m["target"]["name"] == name)
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
        .unwrap_or_else(|| panic!("cargo named no binary for the example {name}"))
}

/// A server answering each path with its (status, content type, body); anything else is 404.
pub fn routes_server(routes: std::collections::HashMap<&'static str, (u16, &'static str, String)>) -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut conn in listener.incoming().map_while(Result::ok) {
            let mut request = [0u8; 8192];
            let n = std::io::Read::read(&mut conn, &mut request).unwrap_or(0);
            let head = String::from_utf8_lossy(&request[..n]);
            let path = head.split(' ').nth(1).unwrap_or("/").to_owned();
            let (status, kind, body) =
                routes
                    .get(path.as_str())
                    .cloned()
                    .unwrap_or((404, "text/plain", "not here".into()));
            let reason = if status == 200 { "OK" } else { "Not Found" };
            let _ = std::io::Write::write_fmt(
                &mut conn,
                format_args!(
                    "HTTP/1.1 {status} {reason}\r\nContent-Type: {kind}\r\nX-Webpane-Test: {path}\r\n\
                     Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                ),
            );
        }
    });
    port
}

/// Runs xdotool with `args`; its output (`cargo xtask test` installs it).
pub fn xdotool(args: &[&str]) -> String {
    let out = std::process::Command::new("xdotool")
        .args(args)
        .output()
        .expect("xdotool (cargo xtask test installs it)");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The newest window whose title matches `title` (a regular expression), if one is up.
pub fn window_named(title: &str) -> Option<String> {
    xdotool(&["search", "--name", title]).lines().last().map(str::to_owned)
}

/// Waits (dispatching the loop) for a window whose title matches `title`; its id.
pub fn wait_for_window(event_loop: &EventLoop, title: &str) -> String {
    let mut window = None;
    wait_until(event_loop, &format!("a window named {title}"), || {
        window = window_named(title);
        window.is_some()
    });
    window.expect("just seen")
}

/// Raises and focuses the window whose title matches `title`, if one is up, and presses `key`.
pub fn press_in_window(title: &str, key: &str) {
    if let Some(window) = window_named(title) {
        xdotool(&["windowraise", &window, "windowfocus", "--sync", &window, "key", key]);
    }
}
