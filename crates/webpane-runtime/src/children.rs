//! The WebKit processes (web, network) this runtime started: listing, terminating and reaping
//! them, so that the lock is released only once all of them are gone.

use std::time::{Duration, Instant};

use std::collections::BTreeSet;

use rustix::process::{Pid, Signal, WaitIdOptions, WaitOptions};

/// Every process and its parent, from `/proc/<pid>/stat`.
fn parents() -> Vec<(i32, i32)> {
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
            Some((pid, ppid))
        })
        .collect()
}

/// The pids of this process's direct children.
pub fn children() -> Vec<Pid> {
    let me = std::process::id() as i32;
    parents()
        .into_iter()
        .filter(|(_, ppid)| *ppid == me)
        .filter_map(|(pid, _)| Pid::from_raw(pid))
        .collect()
}

/// The pids of every process below this one: the direct children (WebKit's processes, or the
/// sandbox's `bwrap` and `xdg-dbus-proxy`) and theirs (the web processes inside the sandbox).
pub fn descendants() -> BTreeSet<u32> {
    let all = parents();
    let mut found = BTreeSet::new();
    let mut frontier = vec![std::process::id() as i32];
    while let Some(parent) = frontier.pop() {
        for (pid, _) in all.iter().filter(|(_, ppid)| *ppid == parent) {
            if found.insert(*pid as u32) {
                frontier.push(*pid);
            }
        }
    }
    found
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

/// Which of `known` processes have exited (zombies not reaped yet, or already gone), with their
/// exit code or signal when still readable (of direct children only). The status is read with
/// `WNOWAIT`, leaving the zombie for WebKit's own child watch to reap. A process further down
/// (a web process inside the sandbox) has exited once `/proc` has it no more, or as a zombie.
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
                // Not a child of ours (ECHILD): a descendant, running unless it is gone or a
                // zombie; or a child already reaped: it exited, status unknown.
                Err(_) if is_running(pid) => None,
                Err(_) => Some((pid, None, None)),
            }
        })
        .collect()
}

/// Whether `pid` exists and is not a zombie.
fn is_running(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => false,
        Ok(stat) => stat
            .rfind(')')
            .and_then(|i| stat[i + 2..].chars().next())
            .is_some_and(|state| state != 'Z'),
    }
}
