//! Configuring an environment and its webviews: [`EnvironmentBuilder`] and [`WebViewOptions`].

use std::path::PathBuf;
use std::time::Duration;

use webpane_ipc::protocol::RuntimeOptions;

use super::display::{DisplayBackend, HardwareAcceleration};

use crate::error::{Error, Result};
use crate::event_loop::EventLoop;
use crate::objects::Environment;
use crate::operation::Operation;

/// Configures an [`Environment`].
#[derive(Debug, Clone, Default)]
pub struct EnvironmentBuilder {
    user_data_folder: Option<PathBuf>,
    runtime_path: Option<PathBuf>,
    options: RuntimeOptions,
    grace: Option<Duration>,
}

impl EnvironmentBuilder {
    /// The user data folder (default: `$XDG_DATA_HOME/webpane/<program name>`). Every app that
    /// uses the same folder shares one browser process.
    pub fn user_data_folder(mut self, path: impl Into<PathBuf>) -> Self {
        self.user_data_folder = Some(path.into());
        self
    }

    /// The runtime binary to start, instead of looking it up (see [`crate::find_runtime`]).
    pub fn runtime_path(mut self, path: impl Into<PathBuf>) -> Self {
        self.runtime_path = Some(path.into());
        self
    }

    /// Engine arguments: `name=value` pairs naming WebKitSettings properties (for example
    /// `enable-developer-extras=true`), applied to every webview. Unknown names or bad values
    /// make the browser process refuse to start ([`Error::LaunchFailed`]). Apps sharing a browser
    /// process must pass the same ones.
    #[doc(alias = "AdditionalBrowserArguments")]
    pub fn additional_arguments(mut self, args: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.options.additional_arguments = args.into_iter().map(Into::into).collect();
        self
    }

    /// The UI language (such as `en-US`). Apps sharing a browser process must agree.
    #[doc(alias = "Language")]
    pub fn language(mut self, language: impl Into<String>) -> Self {
        self.options.language = Some(language.into());
        self
    }

    /// Runs web processes in WebKit's sandbox (bubblewrap: no network of their own, a private
    /// `/tmp`, no view of other processes, the user's files read-only at most). Default: on, as
    /// in WebView2 and Chromium (WebKitGTK's own default is off); `false` runs pages with the
    /// user's full rights. The browser process refuses to start when the sandbox is asked for
    /// and cannot work here (no `bwrap`, no user namespaces), saying why. Apps sharing a browser
    /// process must agree.
    pub fn sandbox(mut self, enabled: bool) -> Self {
        self.options.sandbox = enabled;
        self
    }

    /// In private (WebView2's `IsInPrivateModeEnabled`): cookies, storage and caches live in
    /// memory only and go with the browser process; nothing of them is written to the user data
    /// folder. Default: off. Apps sharing a browser process must agree.
    #[doc(alias = "IsInPrivateModeEnabled")]
    pub fn in_private(mut self, enabled: bool) -> Self {
        self.options.in_private = enabled;
        self
    }

    /// Sends every connection of the pages through `proxy` (`http://[user:pass@]host:port`,
    /// `socks5://[user:pass@]host:port` or `socks4a://host:port`) instead of the system's proxy
    /// settings (WebView2's `--proxy-server` argument). Virtual hosts and http(s)
    /// `WebResourceRequested` keep working: their proxy passes other traffic on to this one, and
    /// a proxy kind it cannot pass traffic to (`https://`) makes them fail with the reason. The
    /// browser process gets the proxy in its environment, never on its command line (which
    /// every local user can read). Apps sharing a browser process must agree.
    pub fn proxy(mut self, proxy: &str) -> Self {
        self.options.proxy = Some(proxy.to_owned());
        self
    }

    /// Serves WebKit's remote inspector over HTTP on `127.0.0.1:port`: any browser opening
    /// `http://127.0.0.1:port/` lists the pages whose dev tools are enabled
    /// ([`WebView::set_dev_tools_enabled`](crate::WebView::set_dev_tools_enabled)) and inspects
    /// them (WebView2's `--remote-debugging-port`). Apps sharing a browser process must agree.
    pub fn remote_inspector_port(mut self, port: u16) -> Self {
        self.options.remote_inspector_port = Some(port);
        self
    }

    /// Which display server the browser process's windows speak (default
    /// [`DisplayBackend::Auto`]: Wayland on a Wayland session, else X11). Embedding into an app's
    /// window by X11 window id needs [`DisplayBackend::X11`] (XWayland on a Wayland desktop);
    /// window, headless and capture modes work on either. Apps sharing a browser process must
    /// agree; an app that needs another backend uses another user data folder.
    pub fn display_backend(mut self, backend: DisplayBackend) -> Self {
        self.options.display_backend = backend.to_wire();
        self
    }

    /// WebKit's hardware acceleration policy for every page (default: WebKit's own).
    /// [`HardwareAcceleration::Never`] renders in software: slower, but the answer to GPU
    /// drivers that draw nothing. Apps sharing a browser process must agree.
    pub fn hardware_acceleration(mut self, policy: HardwareAcceleration) -> Self {
        self.options.hardware_acceleration = Some(policy.to_wire());
        self
    }

    /// Turns WebKit's DMA-BUF renderer off (`false`; default `true`, on): the known cure for
    /// blank windows and "Error 71 (Protocol error) dispatching to Wayland display" on some
    /// Wayland and NVIDIA systems. Apps sharing a browser process must agree.
    pub fn dmabuf_renderer(mut self, enabled: bool) -> Self {
        self.options.disable_dmabuf_renderer = !enabled;
        self
    }

    /// Registers a custom URI scheme whose requests the app answers (see
    /// [`WebView::on_web_resource_requested`](crate::WebView::on_web_resource_requested)).
    /// Apps sharing a browser process must register the same schemes.
    pub fn custom_scheme(mut self, scheme: crate::resources::CustomSchemeRegistration) -> Self {
        self.options.custom_schemes.push(scheme.scheme);
        self
    }

    /// How long a browser process this environment starts stays after its last webview closed
    /// (default: the runtime's, 2 s).
    pub fn shutdown_grace(mut self, grace: Duration) -> Self {
        self.grace = Some(grace);
        self
    }

    /// Connects to the folder's browser process, starting it if none runs. The operation
    /// completes on the UI thread; the connecting itself happens on a helper thread.
    #[doc(alias = "CreateCoreWebView2EnvironmentWithOptions")]
    pub fn build(self, event_loop: &EventLoop) -> Operation<Environment> {
        let built = (|| -> Result<Environment> {
            webpane_ipc::validate::runtime_options(&self.options).map_err(Error::InvalidArgument)?;
            let runtime = crate::locate::find_runtime(self.runtime_path.as_deref())?;
            let folder = match self.user_data_folder {
                Some(folder) => folder,
                None => default_user_data_folder()?,
            };
            Ok(Environment::new(event_loop, folder, runtime, self.options, self.grace))
        })();
        event_loop.spawn_operation(async move {
            let env: Environment = built?;
            env.session().await?;
            Ok(env)
        })
    }
}

fn default_user_data_folder() -> Result<PathBuf> {
    // Empty or relative values do not count (the XDG base directory rules).
    let absolute = |name: &str| std::env::var_os(name).map(PathBuf::from).filter(|p| p.is_absolute());
    let base = absolute("XDG_DATA_HOME")
        .or_else(|| absolute("HOME").map(|h| h.join(".local/share")))
        .ok_or_else(|| {
            Error::LaunchFailed(
                "no user data folder given, and neither XDG_DATA_HOME nor HOME is set to an absolute path: \
                 set one, or give a folder (EnvironmentBuilder::user_data_folder, --user-data-folder)"
                    .into(),
            )
        })?;
    let program = std::env::current_exe()
        .ok()
        .and_then(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "app".into());
    Ok(base.join("webpane").join(program))
}

impl Environment {
    /// Starts configuring an environment.
    pub fn builder() -> EnvironmentBuilder {
        EnvironmentBuilder::default()
    }
}
