//! What every app sharing one browser process must agree on: options and custom schemes.

use serde::{Deserialize, Serialize};

/// Options that every app sharing one browser process must agree on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuntimeOptions {
    /// Extra arguments for the engine (reserved for engine switches).
    pub additional_arguments: Vec<String>,
    /// The UI language (e.g. `en-US`), if set.
    pub language: Option<String>,
    /// Custom URI schemes served by apps through `WebResourceRequested`.
    pub custom_schemes: Vec<CustomScheme>,
    /// Whether web processes run in WebKit's sandbox (bubblewrap). On by default, as in
    /// WebView2 and Chromium: pages never run with the user's full rights unless asked.
    pub sandbox: bool,
    /// In private: cookies, storage and caches in memory only, nothing written to disk.
    pub in_private: bool,
    /// The proxy every connection goes through (`http://[user:pass@]host:port`,
    /// `socks5://host:port`), instead of the system's.
    pub proxy: Option<String>,
    /// Serve WebKit's remote inspector over HTTP on this loopback port (any browser can inspect
    /// the pages at `http://127.0.0.1:PORT/`).
    pub remote_inspector_port: Option<u16>,
    /// Which display server the browser process's windows speak.
    pub display_backend: DisplayBackend,
    /// WebKit's hardware acceleration policy for every page (`None`: WebKit's default).
    pub hardware_acceleration: Option<HardwareAcceleration>,
    /// Turn WebKit's DMA-BUF renderer off (`WEBKIT_DISABLE_DMABUF_RENDERER`): the cure for blank
    /// windows and "Error 71" on some Wayland and NVIDIA systems, at some cost in speed.
    pub disable_dmabuf_renderer: bool,
}

impl Default for RuntimeOptions {
    fn default() -> Self {
        RuntimeOptions {
            additional_arguments: Vec::new(),
            language: None,
            custom_schemes: Vec::new(),
            sandbox: true,
            in_private: false,
            proxy: None,
            remote_inspector_port: None,
            display_backend: DisplayBackend::default(),
            hardware_acceleration: None,
            disable_dmabuf_renderer: false,
        }
    }
}

/// The display server protocol of the browser process's own windows (GTK's backend).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DisplayBackend {
    /// GTK's choice: Wayland when `WAYLAND_DISPLAY` names one, else X11 (`DISPLAY`).
    #[default]
    Auto,
    /// Native Wayland windows.
    Wayland,
    /// X11 windows (XWayland on a Wayland desktop): what embedding by X11 window id needs.
    X11,
}

impl DisplayBackend {
    /// The flag value (`auto`, `wayland`, `x11`).
    pub fn as_str(self) -> &'static str {
        match self {
            DisplayBackend::Auto => "auto",
            DisplayBackend::Wayland => "wayland",
            DisplayBackend::X11 => "x11",
        }
    }

    /// The backend a flag value names.
    pub fn parse(value: &str) -> Option<Self> {
        [DisplayBackend::Auto, DisplayBackend::Wayland, DisplayBackend::X11]
            .into_iter()
            .find(|b| b.as_str() == value)
    }
}

/// WebKit's hardware acceleration policy (`WebKitHardwareAccelerationPolicy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum HardwareAcceleration {
    /// Accelerated when the page's content asks for it.
    OnDemand,
    /// Always accelerated (where the system can).
    Always,
    /// Never: software rendering only.
    Never,
}

impl HardwareAcceleration {
    /// The flag value (`on-demand`, `always`, `never`).
    pub fn as_str(self) -> &'static str {
        match self {
            HardwareAcceleration::OnDemand => "on-demand",
            HardwareAcceleration::Always => "always",
            HardwareAcceleration::Never => "never",
        }
    }

    /// The policy a flag value names.
    pub fn parse(value: &str) -> Option<Self> {
        [
            HardwareAcceleration::OnDemand,
            HardwareAcceleration::Always,
            HardwareAcceleration::Never,
        ]
        .into_iter()
        .find(|b| b.as_str() == value)
    }
}

/// A custom URI scheme (WebView2's `CoreWebView2CustomSchemeRegistration`): requests for it go to
/// the app that owns the requesting webview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomScheme {
    /// The scheme, lowercase (`app` for `app://…`).
    pub name: String,
    /// Origins of other schemes whose documents may request URIs of this scheme (`*` matches any
    /// run of characters, e.g. `https://*.example.com`). Documents of the scheme itself always may.
    pub allowed_origins: Vec<String>,
    /// Whether documents of the scheme count as secure contexts (like `https`).
    pub treat_as_secure: bool,
}

/// Schemes the engine handles itself; they cannot be registered.
pub const RESERVED_SCHEMES: &[&str] = &[
    "http",
    "https",
    "file",
    "about",
    "data",
    "blob",
    "javascript",
    "ws",
    "wss",
    "ftp",
    "webkit",
    "resource",
];

impl CustomScheme {
    /// Checks the name (RFC 3986: a letter, then letters, digits, `+`, `-`, `.`; lowercase here),
    /// that it is not one the engine owns, and that no string holds a NUL.
    pub fn validate(&self) -> Result<(), String> {
        let name = &self.name;
        let mut chars = name.chars();
        let first_ok = chars.next().is_some_and(|c| c.is_ascii_lowercase());
        if !first_ok || !chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "+-.".contains(c)) {
            return Err(format!(
                "{name:?} is not a scheme name (a lowercase letter, then lowercase letters, digits, '+', '-' or '.')"
            ));
        }
        if RESERVED_SCHEMES.contains(&name.as_str()) {
            return Err(format!("the scheme {name:?} belongs to the engine"));
        }
        if self.allowed_origins.iter().any(|o| o.contains('\0')) {
            return Err(format!("an allowed origin of {name:?} contains a NUL character"));
        }
        Ok(())
    }
}
