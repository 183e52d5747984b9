//! How the browser process draws: its display server and its hardware acceleration (the SDK's
//! own types; the wire's stay inside).

use webpane_ipc::protocol as wire;

/// The display server protocol of the browser process's own windows (GTK's backend).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
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
    pub(crate) fn to_wire(self) -> wire::DisplayBackend {
        match self {
            DisplayBackend::Auto => wire::DisplayBackend::Auto,
            DisplayBackend::Wayland => wire::DisplayBackend::Wayland,
            DisplayBackend::X11 => wire::DisplayBackend::X11,
        }
    }
}

/// WebKit's hardware acceleration policy (`WebKitHardwareAccelerationPolicy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HardwareAcceleration {
    /// Accelerated when the page's content asks for it.
    OnDemand,
    /// Always accelerated (where the system can).
    Always,
    /// Never: software rendering only (WebView2's `--disable-gpu`).
    Never,
}

impl HardwareAcceleration {
    pub(crate) fn to_wire(self) -> wire::HardwareAcceleration {
        match self {
            HardwareAcceleration::OnDemand => wire::HardwareAcceleration::OnDemand,
            HardwareAcceleration::Always => wire::HardwareAcceleration::Always,
            HardwareAcceleration::Never => wire::HardwareAcceleration::Never,
        }
    }
}
