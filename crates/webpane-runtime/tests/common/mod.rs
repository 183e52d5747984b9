//! Helpers for the end-to-end tests: environments on private folders, waiting on the loop, and
//! app processes (this test binary run again with a role).
#![allow(dead_code)]

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::{Duration, Instant};

use webpane::{Environment, EventLoop};

/// Generous: the machine is shared and slow; tests wait for events, never for a fixed time.
pub const TIMEOUT: Duration = Duration::from_secs(60);

pub fn runtime() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_webpane-runtime"))
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

/// Dispatches the loop until `done()` is true; panics after `TIMEOUT`.
pub fn wait_until(event_loop: &EventLoop, what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + TIMEOUT;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        event_loop.dispatch(Some(Duration::from_millis(50))).unwrap();
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

/// The parent pid of `pid`.
pub fn parent_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat[stat.rfind(')')? + 2..].split(' ').nth(1)?.parse().ok()
}
