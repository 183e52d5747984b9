//! Connecting to a user data folder's browser process, starting one if none answers (on a helper
//! thread: the UI thread never blocks). Several apps may start at once: exactly one runtime wins
//! the folder's lock and everyone connects to it.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use webpane_ipc::contract::{RuntimeCommand, RuntimeExit, SOCKET_FILE};
use webpane_ipc::protocol::{AppMessage, RuntimeMessage, RuntimeOptions};
use webpane_ipc::{Connection, Folder, IpcError, Outgoing};

use crate::error::{Error, Result};

/// How long an app waits for a browser process to come up.
const START_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a browser process may take to answer an app's Hello.
const HELLO_TIMEOUT: Duration = Duration::from_secs(10);

/// A connection to a welcomed browser process (and the process, if this app started it).
pub(crate) struct Connected {
    pub(crate) conn: Connection,
    pub(crate) pid: u32,
    pub(crate) child: Option<Child>,
}

/// Connects to the folder's runtime, starting one if none answers. Runs on a helper thread.
pub(crate) fn connect_or_spawn(
    folder: &Path,
    runtime: &Path,
    options: &RuntimeOptions,
    grace: Option<Duration>,
) -> Result<Connected> {
    use std::os::unix::process::CommandExt;
    // Ours, or refused with the reason (never chmod-ed, never through a link).
    let checked = Folder::open(folder, true)?;
    // Through the folder's descriptor: any folder path length works.
    let socket = checked.entry_path(SOCKET_FILE);
    let deadline = Instant::now() + START_TIMEOUT;
    let mut spawned: Option<Child> = None;
    let mut backoff = Duration::from_millis(5);
    // Woken when the socket appears (inotify on the folder) rather than only by the backoff:
    // a runtime that starts listening between two tries is connected to at once.
    let watch = SocketWatch::new(socket.parent());
    loop {
        let connected = match Connection::connect_trusted(&socket) {
            Ok(conn) => Some(conn),
            // Someone else listens there: say so, send nothing, start nothing.
            Err(IpcError::UntrustedPeer { uid, pid, .. }) => {
                return Err(Error::UntrustedBrowserProcess {
                    socket: checked.socket_display_path(),
                    uid,
                    pid,
                });
            }
            // Someone listens but does not answer: a stopped or hung browser process.
            Err(IpcError::HandshakeTimeout(waited)) => {
                return Err(Error::BrowserProcessUnresponsive {
                    pid: Connection::listener_pid(&socket).unwrap_or(0),
                    waited,
                });
            }
            Err(_) => None,
        };
        if let Some(conn) = connected {
            conn.send(
                &AppMessage::Hello {
                    options: options.clone(),
                },
                Outgoing::new(),
            )
            .map_err(Error::ipc)?;
            match conn.recv_timeout::<RuntimeMessage>(Some(HELLO_TIMEOUT)) {
                Ok(Some(received)) => match received.message {
                    RuntimeMessage::Welcome { browser_process_id } => {
                        let child = match spawned.take() {
                            Some(child) if child.id() == browser_process_id => Some(child),
                            Some(mut loser) => {
                                // It lost the race for the lock and exits at once.
                                let _ = loser.wait();
                                None
                            }
                            None => None,
                        };
                        return Ok(Connected {
                            conn,
                            pid: browser_process_id,
                            child,
                        });
                    }
                    RuntimeMessage::OptionsMismatch { runtime, requested } => {
                        return Err(Error::options_mismatch(&runtime, &requested));
                    }
                    other => return Err(Error::LaunchFailed(format!("unexpected first message {other:?}"))),
                },
                Ok(None) => {
                    return Err(Error::BrowserProcessUnresponsive {
                        pid: conn.peer_credentials().pid as u32,
                        waited: HELLO_TIMEOUT,
                    });
                }
                // It was shutting down: try again (a new one will be started).
                Err(IpcError::Disconnected) => {}
                Err(e) => return Err(Error::ipc(e)),
            }
        }
        // No live runtime answered. Start one unless ours is still coming up.
        let ours_running = match spawned.as_mut() {
            Some(child) => match child.try_wait()? {
                None => true,
                Some(status)
                    if matches!(
                        status.code().and_then(RuntimeExit::from_code),
                        Some(RuntimeExit::AlreadyOwned | RuntimeExit::Normal)
                    ) =>
                {
                    // Another runtime owns the folder (or ours came and went): connect to it.
                    spawned = None;
                    false
                }
                Some(status) if status.code().and_then(RuntimeExit::from_code) == Some(RuntimeExit::BadArguments) => {
                    return Err(Error::LaunchFailed(format!(
                        "the browser process refused the engine arguments {:?} or custom schemes (its message is on stderr)",
                        options.additional_arguments
                    )));
                }
                Some(status)
                    if status.code().and_then(RuntimeExit::from_code) == Some(RuntimeExit::SandboxUnavailable) =>
                {
                    return Err(Error::LaunchFailed(
                        "the web process sandbox cannot work on this machine (bwrap is missing, or user namespaces are off; the browser process's message is on stderr); EnvironmentBuilder::sandbox(false) runs pages without it"
                            .into(),
                    ));
                }
                Some(status) => {
                    return Err(Error::LaunchFailed(format!(
                        "{} exited with {status}",
                        runtime.display()
                    )));
                }
            },
            None => false,
        };
        if !ours_running && spawned.is_none() {
            let mut cmd = Command::new(runtime);
            let command = RuntimeCommand {
                user_data_folder: folder.to_path_buf(),
                options: options.clone(),
                grace,
            };
            cmd.args(command.args()).envs(command.env());
            if let Some(port) = options.remote_inspector_port {
                // WebKit starts its inspector server from this, read once at start-up.
                cmd.env("WEBKIT_INSPECTOR_HTTP_SERVER", format!("127.0.0.1:{port}"));
            }
            // Its own process group: a terminal's Ctrl-C to the app does not reach the runtime
            // that other apps may be sharing.
            cmd.stdin(Stdio::null()).stdout(Stdio::null()).process_group(0);
            spawned = Some(
                cmd.spawn()
                    .map_err(|e| Error::LaunchFailed(format!("cannot start {}: {e}", runtime.display())))?,
            );
        }
        if Instant::now() > deadline {
            if let Some(mut child) = spawned {
                let _ = child.kill();
                let _ = child.wait();
            }
            return Err(Error::LaunchFailed(format!(
                "no browser process answered within {START_TIMEOUT:?}"
            )));
        }
        backoff = if watch.wait(backoff) {
            // Something appeared (the socket, bound a moment before it listens): try again soon.
            Duration::from_millis(1)
        } else {
            (backoff * 2).min(Duration::from_millis(50))
        };
    }
}

/// An inotify watch on the user data folder: something was created or moved in there.
struct SocketWatch(Option<std::os::fd::OwnedFd>);

impl SocketWatch {
    fn new(folder: Option<&Path>) -> SocketWatch {
        use rustix::fs::inotify;
        let watch = folder.and_then(|folder| {
            let fd = inotify::init(inotify::CreateFlags::CLOEXEC | inotify::CreateFlags::NONBLOCK).ok()?;
            inotify::add_watch(&fd, folder, inotify::WatchFlags::CREATE | inotify::WatchFlags::MOVED_TO).ok()?;
            Some(fd)
        });
        SocketWatch(watch)
    }

    /// Waits until something is created in the folder (true), or `timeout` (all of it without a
    /// watch).
    fn wait(&self, timeout: Duration) -> bool {
        use rustix::event::{PollFd, PollFlags, Timespec, poll};
        let Some(fd) = &self.0 else {
            std::thread::sleep(timeout);
            return false;
        };
        let timeout = Timespec::try_from(timeout).unwrap_or(Timespec {
            tv_sec: 0,
            tv_nsec: 50_000_000,
        });
        let mut fds = [PollFd::new(fd, PollFlags::IN)];
        if !matches!(poll(&mut fds, Some(&timeout)), Ok(n) if n > 0) {
            return false;
        }
        // Drain what is there (the names do not matter: the loop tries to connect).
        let mut buf = [0u8; 1024];
        while matches!(rustix::io::read(fd, &mut buf), Ok(n) if n > 0) {}
        true
    }
}
