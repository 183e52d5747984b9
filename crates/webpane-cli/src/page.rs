//! Opening a page: its URI, and an event loop, environment and webview to show it in.

use std::process::ExitCode;

use webpane::{Environment, EventLoop, WebViewOptions};

use crate::exit::{EXIT_USAGE, chain, fail};

/// A URL as given, or a file path made into a file: URL.
pub(crate) fn page_uri(page: &str) -> Result<String, String> {
    if let Ok(url) = url::Url::parse(page)
        && url.scheme().len() > 1
    {
        return Ok(url.into());
    }
    let path = std::fs::canonicalize(page).map_err(|e| format!("cannot open {page}: {e}"))?;
    url::Url::from_file_path(&path)
        .map(String::from)
        .map_err(|()| format!("cannot make a URL of {}", path.display()))
}

/// An event loop, an environment on the folder (default if `None`) and one webview; a clear
/// message and exit code 2 when any of it fails.
pub(crate) fn open_webview(
    folder: Option<&std::path::Path>,
    options: WebViewOptions,
    policy: &crate::policy::PolicyArgs,
) -> Result<(EventLoop, Environment, webpane::WebView), ExitCode> {
    let event_loop = EventLoop::new().map_err(|e| fail(EXIT_USAGE, chain(&e)))?;
    let mut builder = Environment::builder()
        .in_private(policy.in_private)
        .sandbox(!policy.no_sandbox);
    if let Some(proxy) = &policy.proxy {
        builder = builder.proxy(proxy);
    }
    if let Some(folder) = folder {
        builder = builder.user_data_folder(folder);
    }
    let env = match event_loop.block_on(builder.build(&event_loop)) {
        Ok(Ok(env)) => env,
        Ok(Err(e)) | Err(e) => {
            return Err(fail(
                EXIT_USAGE,
                format!("cannot start the browser process: {}", chain(&e)),
            ));
        }
    };
    env.on_new_browser_version_available(|_, _| {
        progress("a newer webpane runtime (or WebKitGTK) is installed: it is used from the next start")
    });
    let webview = match event_loop.block_on(env.create_webview(options)) {
        Ok(Ok(v)) => v,
        Ok(Err(e)) | Err(e) => return Err(fail(EXIT_USAGE, format!("cannot create the webview: {}", chain(&e)))),
    };
    Ok((event_loop, env, webview))
}

/// Progress on stderr (for anything that may take more than a second).
pub(crate) fn progress(message: &str) {
    eprintln!("webpane: {message}");
}
