//! Helpers for the CLI's end-to-end tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::time::Duration;

/// Generous: the machine is shared and slow; tests wait for events, never for a fixed time.
pub const TIMEOUT: Duration = Duration::from_secs(60);

/// The runtime the CLI should use: the one cargo built for this workspace.
pub fn runtime() -> PathBuf {
    let path = Path::new(env!("CARGO_BIN_EXE_webpane")).with_file_name("webpane-runtime");
    assert!(
        path.exists(),
        "{} is not built: run the tests with `cargo xtask test`",
        path.display()
    );
    path
}

/// `webpane run PAGE --headless` on a private folder, with `extra` arguments.
pub fn run_command(dir: &Path, page: &str, extra: &[&str]) -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_webpane"));
    command
        .arg("run")
        .arg(page)
        .arg("--headless")
        .arg("--user-data-folder")
        .arg(dir.join("udf"))
        .args(extra)
        .env("WEBPANE_RUNTIME", runtime());
    command
}

/// Waits for the child to exit, at most `TIMEOUT`; kills it and panics otherwise.
pub fn wait_exit(child: &mut std::process::Child, what: &str) -> i32 {
    wait_status(child, what).code().unwrap_or(-1)
}

/// Waits for the child to exit, at most `TIMEOUT`, and returns its status; kills it and panics
/// otherwise.
pub fn wait_status(child: &mut std::process::Child, what: &str) -> std::process::ExitStatus {
    let deadline = std::time::Instant::now() + TIMEOUT;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("webpane run did not end: {what}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The lines of `reader` (a child's stdout or stderr), read on a helper thread.
pub fn lines_of(reader: impl std::io::Read + Send + 'static) -> std::sync::mpsc::Receiver<String> {
    use std::io::BufRead;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(reader).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    rx
}
