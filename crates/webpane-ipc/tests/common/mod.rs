//! Helpers shared by the integration tests: resource counting and child processes.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Child, Command};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use webpane_ipc::{Connection, Listener};

/// Tests that count fds or mappings hold this, so that no other test of the same binary opens
/// or closes fds meanwhile.
pub static RESOURCES: Mutex<()> = Mutex::new(());

pub fn lock_resources() -> std::sync::MutexGuard<'static, ()> {
    RESOURCES.lock().unwrap_or_else(|p| p.into_inner())
}

/// Number of open fds of this process.
pub fn fd_count() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count() - 1 // the read_dir's own fd
}

/// Number of mappings of this process.
pub fn map_count() -> usize {
    std::fs::read_to_string("/proc/self/maps").unwrap().lines().count()
}

/// Mappings of memfds made by webpane-ipc.
pub fn shm_map_count() -> usize {
    std::fs::read_to_string("/proc/self/maps")
        .unwrap()
        .lines()
        .filter(|l| l.contains("memfd:webpane-shm"))
        .count()
}

pub const CHILD_ROLE: &str = "WEBPANE_IPC_TEST_CHILD";
pub const CHILD_SOCKET: &str = "WEBPANE_IPC_TEST_SOCKET";

/// A child process running this test binary's `child_process_entry_point` with `role`, connected
/// back to us through a listener in a temporary folder.
pub struct ChildPeer {
    pub child: Child,
    pub conn: Connection,
    _dir: tempfile::TempDir,
}

impl ChildPeer {
    pub fn spawn(role: &str) -> ChildPeer {
        let dir = tempfile::tempdir().unwrap();
        let path: PathBuf = dir.path().join("sock");
        let listener = Listener::bind(&path).unwrap();
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "child_process_entry_point",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ROLE, role)
            .env(CHILD_SOCKET, &path)
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(60);
        let conn = loop {
            if let Some(c) = listener.try_accept(Duration::from_secs(30)).unwrap() {
                break c;
            }
            if let Some(status) = child.try_wait().unwrap() {
                panic!("child {role} exited before connecting: {status}");
            }
            assert!(Instant::now() < deadline, "child {role} never connected");
            std::thread::sleep(Duration::from_millis(5));
        };
        ChildPeer { child, conn, _dir: dir }
    }

    /// Waits for the child to exit and asserts it succeeded.
    pub fn finish(mut self) {
        // At most a minute: a child that never exits fails the test instead of hanging it.
        let deadline = Instant::now() + Duration::from_secs(60);
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!("the child did not exit within a minute");
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        assert!(status.success(), "child failed: {status}");
    }
}

/// In the child: the role and a connection to the parent, or None when running as a normal test.
pub fn child_role() -> Option<(String, Connection)> {
    let role = std::env::var(CHILD_ROLE).ok()?;
    let path = std::env::var(CHILD_SOCKET).unwrap();
    Some((role, Connection::connect(path).unwrap()))
}
