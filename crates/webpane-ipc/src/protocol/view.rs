//! Webviews: their ids, how they are shown, their settings, why they close, why a navigation failed, and what becomes of new windows.

use serde::{Deserialize, Serialize};

/// An app-chosen webview id, unique within its connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct WebViewId(pub u64);

/// Why a webview closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CloseReason {
    /// The app closed it.
    Requested,
    /// The X11 window it was embedded in went away.
    ParentWindowDestroyed,
    /// Its own window was closed (by the user or the window manager).
    WindowClosed,
    /// The browser process, still running, hung up on this app (it fell too far behind reading
    /// its messages, or it stopped answering); the app may create new webviews, which connect
    /// again.
    Disconnected,
}

/// Settings a webview can change at any time (WebView2's `CoreWebView2Settings` and controller).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Setting {
    /// Whether JavaScript runs.
    Scripts(bool),
    /// Whether right-click shows the engine's context menu.
    DefaultContextMenus(bool),
    /// Whether the web inspector can be opened.
    DevTools(bool),
    /// The zoom factor (1.0 = 100 %).
    ZoomFactor(f64),
    /// The user agent (`None`: the engine's default).
    UserAgent(Option<String>),
    /// The background drawn before the page paints: red, green, blue, alpha in 0..=255.
    BackgroundColor([u8; 4]),
    /// Whether the view is shown.
    Visible(bool),
    /// Whether the page's sound is muted.
    Muted(bool),
    /// Frame pixels per CSS pixel, on top of the zoom factor (WebView2's `RasterizationScale`).
    RasterizationScale(f64),
    /// Whether the user may zoom (Ctrl + wheel, Ctrl + plus, minus, 0).
    ZoomControl(bool),
    /// Whether the app shows the page's notifications (`NotificationReceived`); otherwise the
    /// engine shows them on the desktop.
    AppNotifications(bool),
    /// Whether the app hears of every response the page gets (`WebResourceResponseReceived`,
    /// sent once it registered a handler): until then the browser process neither tells nor
    /// keeps them.
    ResponseReports(bool),
    /// Whether the browser's own keys work (F5 and Ctrl + R reload, Alt + Left and Right go
    /// back and forward).
    BrowserAcceleratorKeys(bool),
    /// Whether files, links and text dragged in from other programs may be dropped on the page
    /// (WebView2's `AllowExternalDrop`; on by default).
    ExternalDrop(bool),
    /// Whether the page's drag regions (CSS `--app-region: drag`) are found and told to the app
    /// (`NonClientRegionChanged`), and, in the runtime's own window, move the window (WebView2's
    /// `IsNonClientRegionSupportEnabled`).
    NonClientRegions(bool),
    /// How much memory the view's page should use (WebView2's `MemoryUsageTargetLevel`):
    /// `Low` releases what the render process can spare, as under memory pressure.
    MemoryUsageTargetLevel(MemoryUsageTargetLevel),
    /// The colour scheme pages see (`prefers-color-scheme`) in every view of the browser
    /// process (a profile-wide setting).
    PreferredColorScheme(ColorScheme),
}

/// How much memory a view's page should use (WebView2's
/// `COREWEBVIEW2_MEMORY_USAGE_TARGET_LEVEL`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum MemoryUsageTargetLevel {
    /// As the engine sees fit (the default).
    #[default]
    Normal,
    /// As little as the page can run with: the render process releases its caches, collects
    /// garbage and returns free memory to the system.
    Low,
}

/// Where [`AppMessage::MoveFocus`](crate::protocol::AppMessage::MoveFocus) puts the focus (WebView2's
/// `COREWEBVIEW2_MOVE_FOCUS_REASON`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FocusReason {
    /// Where it was in the page last.
    Programmatic,
    /// The page's first focusable element (the user tabbed in).
    Next,
    /// The page's last focusable element (the user tabbed in backwards).
    Previous,
}

/// What the user did to a notification the app shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum NotificationAction {
    /// Clicked it (the page's `click` event).
    Clicked,
    /// Closed or dismissed it (the page's `close` event).
    Closed,
}

/// A key the app may handle before the page (WebView2's `AcceleratorKeyPressed`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcceleratorKey {
    /// Down (true) or up.
    pub down: bool,
    /// The X keysym (`0xffc2` for F5).
    pub keyval: u32,
    /// The hardware key code.
    pub hardware_keycode: u16,
    /// Modifier bits ([`modifiers`](crate::protocol::modifiers)).
    pub modifiers: u32,
    /// Whether it repeats a key held down.
    pub repeat: bool,
}

/// The colour scheme pages are told the user prefers (CSS `prefers-color-scheme`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ColorScheme {
    /// The desktop's, as GTK reads it.
    Auto,
    /// Light.
    Light,
    /// Dark.
    Dark,
}

/// What becomes of a page's request for a new window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum NewWindowDecision {
    /// No window: `window.open` returns `null`.
    Deny,
    /// The runtime opens a window of its own (closed when the page calls `window.close()` or its
    /// opener closes).
    Default,
    /// The app's webview (created with this opener) becomes the new window.
    Use(WebViewId),
}

/// The largest width or height of a webview.
pub const MAX_VIEW_SIZE: u32 = 16384;

/// How a webview is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ViewMode {
    /// Not shown on screen; the full API works.
    Headless {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
    },
    /// Inside another process's X11 window (any toolkit; XEmbed not required).
    Embedded {
        /// The parent window's X11 id.
        parent: u64,
        /// Position in the parent.
        x: i32,
        /// Position in the parent.
        y: i32,
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
    },
    /// In a top-level window of the runtime's own.
    Window {
        /// The window title.
        title: String,
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
    },
}

impl ViewMode {
    /// Checks what GTK cannot take: a size outside `1..=MAX_VIEW_SIZE`, or a title with a NUL
    /// character (a C string would end there).
    pub fn validate(&self) -> Result<(), String> {
        let (width, height) = match self {
            ViewMode::Headless { width, height } => (*width, *height),
            ViewMode::Embedded {
                parent, width, height, ..
            } => {
                if *parent == 0 || *parent > u64::from(u32::MAX) {
                    return Err(format!("{parent:#x} is not an X11 window id"));
                }
                (*width, *height)
            }
            ViewMode::Window { title, width, height } => {
                if title.contains('\0') {
                    return Err("the title contains a NUL character".into());
                }
                (*width, *height)
            }
        };
        if (1..=MAX_VIEW_SIZE).contains(&width) && (1..=MAX_VIEW_SIZE).contains(&height) {
            Ok(())
        } else {
            Err(format!("size {width}x{height} is outside 1..={MAX_VIEW_SIZE}"))
        }
    }
}

/// Per-view settings fixed at creation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViewSettings {
    /// Whether pages get `window.chrome.webview` for web messages.
    pub web_messages: bool,
    /// Whether JavaScript runs at all.
    pub scripts: bool,
}

impl Default for ViewSettings {
    fn default() -> Self {
        Self {
            web_messages: true,
            scripts: true,
        }
    }
}

/// Why a navigation failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebError {
    /// The engine's error domain (e.g. `WebKitNetworkError`).
    pub domain: String,
    /// The engine's error code within the domain.
    pub code: i32,
    /// A human-readable message.
    pub message: String,
}

/// A stage of a subframe's navigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FrameStage {
    /// Its document arrived.
    ContentLoading,
    /// Its document fired DOMContentLoaded.
    DomContentLoaded,
    /// Its document loaded.
    Completed,
}
