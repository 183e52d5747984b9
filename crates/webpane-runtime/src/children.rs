//! The WebKit processes (web, network) this runtime started: listing, terminating and reaping
//! them, so that the lock is released only once all of them are gone.

use std::time::{Duration, Instant};

use std::collections::BTreeSet;

use rustix::process::{Pid, Signal, WaitIdOptions, WaitOptions};

/// The pids of this process's direct children, from `/proc/<pid>/stat`.
pub fn children() -> Vec<Pid> {
    let me = std::process::id() as i32;
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| {
            let pid: i32 = e.ok()?.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            // The command name is in parentheses and may contain spaces: parse after the last ')'.
            let rest = &stat[stat.rfind(')')? + 2..];
            let ppid: i32 = rest.split(' ').nth(1)?.parse().ok()?;
            (ppid == me).then(|| Pid::from_raw(pid)).flatten()
        })
        .collect()
}

/// Asks every child to terminate, waits up to `grace` for them, kills the rest and reaps all.
/// Returns how many children there were.
pub fn terminate_and_reap(grace: Duration) -> usize {
    let pids = children();
    for pid in &pids {
        let _ = rustix::process::kill_process(*pid, Signal::TERM);
    }
    let deadline = Instant::now() + grace;
    let mut left: Vec<Pid> = pids.clone();
    while !left.is_empty() {
        left.retain(|pid| matches!(rustix::process::waitpid(Some(*pid), WaitOptions::NOHANG), Ok(None)));
        if left.is_empty() {
            break;
        }
        if Instant::now() >= deadline {
            for pid in &left {
                let _ = rustix::process::kill_process(*pid, Signal::KILL);
                let _ = rustix::process::waitpid(Some(*pid), WaitOptions::empty());
            }
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    pids.len()
}

/// Which of `known` children have exited (zombies not reaped yet, or already gone), with their exit
/// code or signal when still readable. The status is read with `WNOWAIT`, leaving the zombie for
/// WebKit's own child watch to reap.
pub fn exited_children(known: &BTreeSet<u32>) -> Vec<(u32, Option<i32>, Option<i32>)> {
    known
        .iter()
        .filter_map(|&pid| {
            let p = Pid::from_raw(pid as i32)?;
            match rustix::process::waitid(
                rustix::process::WaitId::Pid(p),
                WaitIdOptions::EXITED | WaitIdOptions::NOHANG | WaitIdOptions::NOWAIT,
            ) {
                // Exited and waiting to be reaped: its status is still there.
                Ok(Some(status)) => Some((pid, status.exit_status(), status.terminating_signal())),
                // Still running.
                Ok(None) => None,
                // Already reaped (ECHILD): it exited, status unknown.
                Err(_) => Some((pid, None, None)),
            }
        })
        .collect()
}
