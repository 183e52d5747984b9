//! The CLI's exit codes, and failing with a message.

use std::process::ExitCode;

/// Exit code: bad arguments, missing page, or the browser could not start.
pub(crate) const EXIT_USAGE: u8 = 2;
/// Exit code: the browser process failed.
pub(crate) const EXIT_BROWSER_FAILED: u8 = 3;
/// Exit code: the page's render process failed.
pub(crate) const EXIT_RENDERER_FAILED: u8 = 4;
/// Exit code: the page did not load.
pub(crate) const EXIT_LOAD_FAILED: u8 = 5;

pub(crate) fn fail(code: u8, message: impl std::fmt::Display) -> ExitCode {
    eprintln!("webpane: {message}");
    ExitCode::from(code)
}

/// `error` with every cause in its chain, joined by ": " (the SDK keeps causes as sources).
pub(crate) fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(e) = cause {
        text.push_str(": ");
        text.push_str(&e.to_string());
        cause = e.source();
    }
    text
}
