//! What every part of the suite starts from: its options, an environment, waiting with a
//! deadline, and the one error type every part returns (the suite never panics: a part that
//! cannot run says why and the others still run).

use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Why a part of the suite could not run to its end.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BenchError {
    /// The SDK refused or failed (no browser process, a request it would not send, …).
    #[error(transparent)]
    Webpane(#[from] webpane::Error),
    /// The wire layer failed (the floors' own connections).
    #[error(transparent)]
    Ipc(#[from] webpane_ipc::IpcError),
    /// Shared memory could not be made or mapped.
    #[error(transparent)]
    Shm(#[from] webpane_ipc::ShmError),
    /// A shared buffer could not be made or used.
    #[error(transparent)]
    SharedBuffer(#[from] webpane_ipc::buffer::SharedBufferError),
    /// A file or a system call failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// A system call failed (through rustix).
    #[error(transparent)]
    Os(#[from] rustix::io::Errno),
    /// What a part waited for did not come in time.
    #[error("{what} did not happen within {waited:?}")]
    TimedOut {
        /// What was awaited.
        what: &'static str,
        /// How long.
        waited: Duration,
    },
    /// Anything else that went wrong, said in words.
    #[error("{0}")]
    Failed(String),
}

/// What the parts return.
pub type Result<T> = std::result::Result<T, BenchError>;

/// How long a part waits for any one thing (a page, a message, an exit) before giving up.
pub(crate) const PATIENCE: Duration = Duration::from_secs(120);

/// Dispatches `event_loop` until `done()`; [`BenchError::TimedOut`] after [`PATIENCE`].
pub(crate) fn wait_for(
    event_loop: &webpane::EventLoop,
    what: &'static str,
    mut done: impl FnMut() -> bool,
) -> Result<()> {
    let deadline = Instant::now() + PATIENCE;
    while !done() {
        if Instant::now() > deadline {
            return Err(BenchError::TimedOut { what, waited: PATIENCE });
        }
        event_loop.dispatch(Some(Duration::from_millis(20)))?;
    }
    Ok(())
}

/// What to run and how to report it.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Print nothing but the JSON document (to stdout).
    pub json: bool,
    /// Smaller sizes only (bulk stops at 16 MiB).
    pub quick: bool,
    /// Run only the parts whose name contains one of these (empty: all).
    pub only: Vec<String>,
    /// Run the same workloads on wry + tao (the peer), interleaved round by round.
    pub peer: bool,
}

/// The runtime binary the benchmarks start (found like any app finds it).
pub(crate) fn runtime() -> Result<PathBuf> {
    webpane::find_runtime(None).map_err(|e| {
        BenchError::Failed(format!(
            "no webpane-runtime ({e}): build it next to this binary, or set WEBPANE_RUNTIME"
        ))
    })
}

/// An environment on `folder` with the runtime the suite uses; `configure` adds options.
pub(crate) fn environment(
    event_loop: &webpane::EventLoop,
    folder: &std::path::Path,
    configure: impl FnOnce(webpane::EnvironmentBuilder) -> webpane::EnvironmentBuilder,
) -> Result<webpane::Environment> {
    let builder = webpane::Environment::builder()
        .user_data_folder(folder)
        .runtime_path(runtime()?);
    Ok(event_loop.block_on(configure(builder).build(event_loop))??)
}
