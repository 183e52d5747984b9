//! Why a view could not do what its app asked.

/// Why a view refused or failed a request (written out for the app with every cause:
/// [`crate::error::reason`]).
#[derive(Debug, thiserror::Error)]
pub enum ViewError {
    /// Offscreen input or frames sent to a view in a window.
    #[error("{0} go to offscreen (headless) views only")]
    OffscreenOnly(&'static str),
    /// The view has no GDK window yet.
    #[error("the view is not realized")]
    NotRealized,
    /// GTK drops key events on a display without a keyboard.
    #[error("this display has no keyboard (GTK drops key events without one); text still goes in with send_text_input")]
    NoKeyboard,
    /// A composition for a view without the app's input method.
    #[error("this view takes no composition")]
    NoComposition,
    /// The app's input broke a rule the wire check cannot see (such as a touch point that never
    /// began).
    #[error("{0}")]
    Input(String),
    /// The text cannot be written as a script literal.
    #[error("the text cannot be given to the page")]
    TextLiteral(#[source] serde_json::Error),
    /// `chrome.webview` is off for this view.
    #[error("web messages are off for this webview: the page has no chrome.webview")]
    WebMessagesOff,
    /// The web process extension is not installed.
    #[error("the browser process has no web process extension ({0})")]
    NoExtension(String),
    /// The subframe went away.
    #[error("the frame is gone")]
    FrameGone,
    /// The web process extension did not take the request or its reply was lost.
    #[error("the web process did not answer")]
    NoReply(#[source] glib::Error),
    /// The web process extension's reply is not what it sends.
    #[error("the web process's reply is malformed")]
    BadReply(#[source] serde_json::Error),
    /// The page's side refused (its own words).
    #[error("{0}")]
    Page(String),
    /// A file could not be passed on to the web process.
    #[error("cannot pass a file on")]
    PassFile(#[source] glib::Error),
    /// A file for a page that is not a regular file.
    #[error("{0:?}: only regular files can be given to a page")]
    NotRegularFile(String),
    /// A file opened for less than the page is to be given.
    #[error("{name:?}: the file was opened {opened} and cannot be given for {wanted}")]
    FileAccess {
        /// The file's name for the page.
        name: String,
        /// How the app opened it.
        opened: String,
        /// What the page was to be given.
        wanted: String,
    },
    /// A delivered file's metadata could not be read.
    #[error("cannot read the delivered file's metadata")]
    Metadata(#[source] std::io::Error),
    /// Frame buffers too small or too wide for the size.
    #[error("{0}")]
    FrameSize(String),
    /// A frame buffer could not be mapped.
    #[error("cannot map a frame buffer")]
    Map(#[source] webpane_ipc::ShmError),
    /// WebKit gives this view no inspector.
    #[error("this view has no inspector")]
    NoInspector,
    /// Dev tools are disabled by the view's settings.
    #[error("dev tools are disabled for this webview (WebView::set_dev_tools_enabled)")]
    DevToolsDisabled,
    /// A headless view has no window to show dev tools beside.
    #[error("dev tools need the view on screen (a window or embedded); a headless view has none")]
    DevToolsHeadless,
    /// A response to a WebResourceRequested that the engine cannot take.
    #[error("the app's response was refused")]
    Response(#[source] crate::resources::ResponseError),
}
