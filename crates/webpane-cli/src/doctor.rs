//! `webpane doctor`: what webpane needs, checked one by one.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

struct Report {
    problems: usize,
}

impl Report {
    fn ok(&self, what: &str, detail: impl std::fmt::Display) {
        println!("  ok       {what:<28} {detail}");
    }
    fn note(&self, what: &str, detail: impl std::fmt::Display) {
        println!("  note     {what:<28} {detail}");
    }
    fn problem(&mut self, what: &str, detail: impl std::fmt::Display) {
        self.problems += 1;
        println!("  PROBLEM  {what:<28} {detail}");
    }
}

fn default_folder() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))?;
    Some(base.join("webpane").join("webpane"))
}

/// Checks everything; the exit code says whether webpane can work here.
pub fn run(folder: Option<PathBuf>) -> ExitCode {
    let mut report = Report { problems: 0 };
    println!("webpane {} doctor", env!("CARGO_PKG_VERSION"));
    match webpane::find_runtime(None) {
        Ok(runtime) => {
            report.ok("runtime binary", runtime.display());
            runtime_facts(&mut report, &runtime);
        }
        Err(e) => report.problem("runtime binary", e),
    }
    let set = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    match (set("WAYLAND_DISPLAY"), set("DISPLAY")) {
        (None, None) => report.note(
            "display server",
            "neither WAYLAND_DISPLAY nor DISPLAY is set (xvfb-run, or weston's headless backend, provides one)",
        ),
        (wayland, x11) => report.ok(
            "display server",
            format!(
                "session {}, WAYLAND_DISPLAY {}, DISPLAY {}",
                set("XDG_SESSION_TYPE").unwrap_or_else(|| "?".into()),
                wayland.unwrap_or_else(|| "-".into()),
                x11.unwrap_or_else(|| "-".into())
            ),
        ),
    }
    match folder.or_else(default_folder) {
        Some(folder) => folder_state(&mut report, &folder),
        None => report.note("user data folder", "no default (neither XDG_DATA_HOME nor HOME is set)"),
    }
    if report.problems == 0 {
        println!("all needed parts are there");
        ExitCode::SUCCESS
    } else {
        println!("{} problem(s): see above", report.problems);
        ExitCode::FAILURE
    }
}

fn runtime_facts(report: &mut Report, runtime: &Path) {
    let output = match Command::new(runtime)
        .arg(format!("--{}", webpane_ipc::contract::flag::DOCTOR))
        .output()
    {
        Ok(o) if o.status.success() => o,
        Ok(o) => {
            report.problem(
                "runtime start",
                format!(
                    "exited with {}: {}",
                    o.status,
                    String::from_utf8_lossy(&o.stderr).trim()
                ),
            );
            return;
        }
        Err(e) => {
            report.problem("runtime start", e);
            return;
        }
    };
    let Ok(facts) = serde_json::from_slice::<serde_json::Value>(&output.stdout) else {
        report.problem("runtime facts", "unreadable (a runtime of another version?)");
        return;
    };
    report.ok(
        "WebKitGTK",
        format!(
            "{} (supported: {})",
            facts["webkitgtk"].as_str().unwrap_or("?"),
            facts["webkitgtk_supported"].as_str().unwrap_or("?")
        ),
    );
    if facts["list_all_cookies"].as_bool() == Some(false) {
        report.note(
            "WebKitGTK features",
            "older than 2.42: listing every cookie is unsupported (cookies of a URI work)",
        );
    }
    if facts["runtime_version"].as_str() != Some(env!("CARGO_PKG_VERSION")) {
        report.note(
            "runtime version",
            format!("{} (this CLI: {})", facts["runtime_version"], env!("CARGO_PKG_VERSION")),
        );
    }
    match facts["display"].as_str() {
        Some(display) => report.ok("display (GTK)", display),
        None => report.problem(
            "display (GTK)",
            format!(
                "{}: the browser process needs a display, even for headless pages (run under xvfb-run)",
                facts["display_error"].as_str().unwrap_or("none")
            ),
        ),
    }
    if let Some(backend) = facts["display_backend"].as_str() {
        report.ok(
            "display backend",
            format!(
                "{backend} (GTK's choice{}; embedding by X11 window id needs X11: DisplayBackend::X11)",
                facts["gdk_backend"]
                    .as_str()
                    .map(|b| format!(", GDK_BACKEND={b}"))
                    .unwrap_or_default()
            ),
        );
    }
    let nodes: Vec<&str> = facts["gpu_render_nodes"]
        .as_array()
        .map(|a| a.iter().filter_map(|n| n.as_str()).collect())
        .unwrap_or_default();
    let dmabuf = if facts["dmabuf_renderer"].as_bool() == Some(false) {
        "DMA-BUF renderer off (WEBKIT_DISABLE_DMABUF_RENDERER)"
    } else {
        "DMA-BUF renderer on (turn it off with EnvironmentBuilder::dmabuf_renderer(false) if windows stay blank)"
    };
    if nodes.is_empty() {
        report.note(
            "GPU",
            format!("no render node usable: pages render in software; {dmabuf}"),
        );
    } else {
        report.ok("GPU", format!("{}; {dmabuf}", nodes.join(", ")));
    }
    match facts["web_extension"].as_str() {
        Some(path) => report.ok("web process extension", path),
        None => report.problem(
            "web process extension",
            "libwebpane_webext.so is not next to the runtime: frames and shared buffers cannot work (cargo build -p webpane-webext)",
        ),
    }
    match &facts["sandbox_works"] {
        serde_json::Value::Bool(true) => report.ok(
            "sandbox",
            "on by default: web processes run in bubblewrap (no network of their own, a private /tmp); --no-sandbox turns it off",
        ),
        why => report.problem(
            "sandbox",
            format!(
                "{}: pages cannot start with the sandbox on (the default); install bubblewrap and xdg-dbus-proxy, or run with --no-sandbox (EnvironmentBuilder::sandbox(false)) to give pages the user's full rights",
                why.as_str().unwrap_or("the sandbox cannot work here")
            ),
        ),
    }
}

fn folder_state(report: &mut Report, folder: &Path) {
    use webpane_ipc::folder::{LockState, MAX_SOCKET_PATH, SOCKET_FILE, fits_socket_address};
    if std::fs::symlink_metadata(folder).is_err() {
        report.ok("user data folder", format!("{} (not created yet)", folder.display()));
        return;
    }
    let checked = match webpane_ipc::Folder::open(folder, false) {
        Ok(checked) => checked,
        Err(e) => {
            report.problem("user data folder", e);
            return;
        }
    };
    report.ok(
        "user data folder",
        format!("{} (ours, not writable by others)", folder.display()),
    );
    let socket_path = checked.socket_display_path();
    if !fits_socket_address(socket_path.as_os_str()) {
        report.note(
            "socket path",
            format!(
                "{} is {} bytes, over the {MAX_SOCKET_PATH} a socket address holds: webpane reaches it through the folder's descriptor (/proc/self/fd), which needs /proc",
                socket_path.display(),
                socket_path.as_os_str().len()
            ),
        );
    }
    let lock = match checked.lock_state() {
        Ok(lock) => lock,
        Err(e @ (webpane_ipc::FolderError::Symlink { .. } | webpane_ipc::FolderError::WrongType { .. })) => {
            report.problem("lock file", e);
            return;
        }
        Err(_) => LockState::Free,
    };
    let socket_exists = rustix::fs::statat(checked.as_fd(), SOCKET_FILE, rustix::fs::AtFlags::SYMLINK_NOFOLLOW).is_ok();
    match lock {
        LockState::Held { pid: Some(pid) } => {
            report.ok("browser process", format!("running, pid {pid}, serving this folder"))
        }
        LockState::Held { pid: None } => report.ok("browser process", "running (lock held)"),
        LockState::Free if socket_exists => report.note(
            "browser process",
            "none running; a stale socket from a killed one is left (the next start replaces it)",
        ),
        LockState::Free => report.ok("browser process", "none running"),
    }
}
