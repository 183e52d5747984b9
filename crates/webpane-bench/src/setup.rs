//! What every part of the suite starts from: its options and an environment.

use std::path::PathBuf;

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
pub(crate) fn runtime() -> PathBuf {
    webpane::find_runtime(None).expect("webpane-runtime (build it next to this binary, or set WEBPANE_RUNTIME)")
}

/// An environment on `folder` with the runtime the suite uses; `configure` adds options.
pub(crate) fn environment(
    event_loop: &webpane::EventLoop,
    folder: &std::path::Path,
    configure: impl FnOnce(webpane::EnvironmentBuilder) -> webpane::EnvironmentBuilder,
) -> webpane::Environment {
    let builder = webpane::Environment::builder()
        .user_data_folder(folder)
        .runtime_path(runtime());
    event_loop
        .block_on(configure(builder).build(event_loop))
        .expect("not re-entrant")
        .expect("a browser process")
}
