//! What a view holds: its WebKit objects and the state its parts share.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeSet, HashMap};
use std::rc::Rc;
use std::time::Duration;

use webpane_ipc::protocol::{CustomScheme, NewWindowDecision, WebViewId};
use webpane_ipc::webext;

use crate::host::Host;
use crate::resources::Resources;
use crate::watchdog::Watchdog;

/// How long a page's `window.open` may wait for the app's answer before it is denied.
pub(super) const NEW_WINDOW_WAIT: Duration = Duration::from_secs(30);

thread_local! {
    /// How deep the main loop is nested in new-window waits.
    pub(super) static NESTED: Cell<u32> = const { Cell::new(0) };
    /// Views closed while a new-window wait was running: destroyed once it returns.
    pub(super) static DEFERRED_DESTROY: RefCell<Vec<View>> = const { RefCell::new(Vec::new()) };
}

pub(super) enum LastNavigation {
    Uri(String),
    Html(String),
}

/// Navigation ids: NavigationStarting's request id becomes the id of the load it allowed.
#[derive(Default)]
pub(super) struct Navigations {
    pub(super) next: Cell<u64>,
    /// A navigation allowed and not started yet, with its URI.
    pub(super) allowed: RefCell<Option<(u64, String)>>,
    pub(super) current: Cell<u64>,
}

impl Navigations {
    /// Takes the allowed navigation if it goes to `uri` (an iframe's that just committed).
    pub(super) fn take_if_to(&self, uri: &str) -> Option<u64> {
        let mut allowed = self.allowed.borrow_mut();
        match &*allowed {
            Some((_, to)) if to == uri => allowed.take().map(|(id, _)| id),
            _ => None,
        }
    }

    pub(super) fn fresh(&self) -> u64 {
        let id = self.next.get() + 1;
        self.next.set(id);
        id
    }
}

/// A shared buffer on its way to a page.
pub struct BufferPost {
    /// A subframe, or `None` for the main frame.
    pub frame: Option<u64>,
    /// The app's id of the post.
    pub buffer: u64,
    /// The memfd (`O_RDONLY` for read-only access).
    pub memory: std::os::fd::OwnedFd,
    /// Its size.
    pub size: u64,
    /// Whether the page maps it read-only.
    pub read_only: bool,
    /// JSON for the event's `additionalData`.
    pub additional_data: Option<String>,
}

/// What every view of the runtime shares.
pub struct Engine<'a> {
    /// WebKit's context (data folder, schemes).
    pub context: &'a webkit2gtk::WebContext,
    /// Engine arguments (WebKitSettings `name=value`).
    pub arguments: &'a [String],
    /// The registered custom schemes.
    pub schemes: &'a [CustomScheme],
    /// Why the web process extension is not installed, if it is not.
    pub extension_missing: Option<&'a str>,
    /// Permissions decided per origin.
    pub permissions: &'a Rc<crate::permissions::Permissions>,
}

/// A webview hosted for an app.
pub struct View {
    pub(super) webview: webkit2gtk::WebView,
    pub(super) window: gtk::Window,
    pub(super) content: webkit2gtk::UserContentManager,
    pub(super) watchdog: Rc<Watchdog>,
    pub(super) navigations: Rc<Navigations>,
    pub(super) last: RefCell<Option<LastNavigation>>,
    /// Navigations waiting for the app's answer: WebKit's decision and the URI.
    pub(super) decisions: Rc<RefCell<HashMap<u64, (webkit2gtk::PolicyDecision, String)>>>,
    pub(super) scripts: RefCell<HashMap<u64, webkit2gtk::UserScript>>,
    pub(super) token: String,
    /// Web messages from the app to the main frame, sent together once per main-loop turn.
    pub(super) page_outbox: Rc<super::page_outbox::PageOutbox>,
    /// Why the web process extension is not there, if it is not (nothing reaches pages then).
    pub(super) extension_missing: Option<String>,
    pub(super) web_messages: bool,
    pub(super) id: WebViewId,
    pub(super) host: Rc<dyn Host>,
    pub(super) last_source: Rc<RefCell<String>>,
    pub(super) resources: Resources,
    /// New-window requests waiting for the app's answer.
    pub(super) new_windows: Rc<RefCell<HashMap<u64, Option<NewWindowDecision>>>>,
    /// Windows the runtime opened for this page (closed with it).
    pub(super) popups: Rc<RefCell<Vec<gtk::Window>>>,
    /// The opener this view was created for, if any.
    pub(super) opener: Option<WebViewId>,
    /// The subframes the web process extension reported, by WebKit frame id.
    pub(super) frames: Rc<RefCell<BTreeSet<u64>>>,
    /// Shared buffers posted to the page and not released yet.
    pub(super) buffers: Rc<RefCell<BTreeSet<u64>>>,
    /// The web process extension's report socket for this page (see `webpane-webext`'s fault.rs).
    pub(super) report: Rc<Report>,
    /// Whether right-click shows WebKit's context menu.
    pub(super) context_menus: Rc<Cell<bool>>,
    /// The app's zoom factor and rasterization scale (WebKit's zoom level is their product), and
    /// whether the user may zoom.
    pub(super) zoom: Rc<super::zoom::Zoom>,
    /// Keys held back for the app's decision, and the browser's own keys.
    pub(super) keys: Rc<super::key_gate::KeyGate>,
    /// The notifications the app shows.
    pub(super) notifications: Rc<super::shown_notifications::Notifications>,
    /// Whether drops from other programs reach the page (`AllowExternalDrop`).
    pub(super) external_drop: Rc<Cell<bool>>,
    /// The drag from another program over the view, if any.
    pub(super) dragged: Rc<super::external_drag::ExternalDrag>,
    /// The page's drag regions (`NonClientRegions`).
    pub(super) regions: Rc<super::drag_regions::DragRegions>,
    /// The print dialog open for this view, if any (`ShowPrintUI`).
    pub(super) print_dialog: Rc<RefCell<Option<glib::WeakRef<gtk::Window>>>>,
    /// Whether the page is suspended, and its memory target.
    pub(super) suspension: Rc<super::suspension_state::Suspension>,
    /// The resources whose responses were told (for their bodies).
    pub(super) responses: Rc<super::kept_resources::Responses>,
    /// Set once the window is being closed (by us, or under us).
    pub(super) closing: Rc<Cell<bool>>,
    /// Whether the view lives in another process's window.
    pub(super) embedded: bool,
    /// WebKit's requests waiting for the app's decision.
    pub(super) policy: Rc<super::held::Policy>,
    /// Find in the page.
    pub(super) find: Rc<FindState>,
    /// The custom schemes registered in the browser process (not external to it).
    pub(super) custom_schemes: Rc<Vec<String>>,
    /// Permissions decided per origin (answered without the app).
    pub(super) permissions: Rc<crate::permissions::Permissions>,
    /// Where an offscreen view's frames go, once the app gave buffers.
    pub(super) frame_sink: Frames,
    /// The cursor last reported for an offscreen view.
    pub(super) cursor: Rc<RefCell<String>>,
    /// An offscreen view's input method: the app's (`None` for other views).
    pub(super) ime: Option<crate::ffi::input_method::AppInputMethod>,
    /// The touch points the app has down on an offscreen view.
    pub(super) touches: RefCell<std::collections::BTreeMap<u32, u32>>,
    /// An offscreen view's tooltip, told to the app (`None` for other views).
    pub(super) tooltip: Option<Rc<super::tooltip::Watch>>,
}

/// What a find in the page has found.
pub(super) struct FindState {
    pub(super) count: Cell<u32>,
    /// Whether the page has more matches than counted.
    pub(super) more: Cell<bool>,
    pub(super) index: Cell<i64>,
    /// A search waiting for its count (text, WebKit's options).
    pub(super) pending: RefCell<Option<(String, u32)>>,
    /// What the next `found-text` answers.
    pub(super) step: Cell<FindStep>,
}

/// The find command WebKit is answering.
#[derive(Clone, Copy)]
pub(super) enum FindStep {
    Idle,
    Start { backwards: bool },
    Next,
    Previous,
}

/// An embedding parent can vanish at any time (killed, closed): GDK's next request on our plug
/// then fails with BadWindow, which GDK treats as fatal unless an error trap is pushed. One trap,
#[derive(Default)]
pub(super) struct Report {
    pub(super) socket: RefCell<Option<std::os::fd::OwnedFd>>,
    /// The web process's pid (from the socket's credentials).
    pub(super) pid: Cell<Option<u32>>,
    /// The current web process's extension said hello (it loaded).
    pub(super) greeted: Cell<bool>,
    /// Why the runtime ended the web process: its extension never loaded.
    pub(super) extension_failed: RefCell<Option<String>>,
}

impl Report {
    /// Whether the process said, before dying, that the page wrote to a read-only buffer.
    pub(super) fn read_only_write(&self) -> bool {
        let socket = self.socket.borrow();
        let Some(socket) = socket.as_ref() else { return false };
        let mut buf = [0u8; 64];
        matches!(
            rustix::net::recv(socket, &mut buf, rustix::net::RecvFlags::DONTWAIT),
            Ok((n, _)) if &buf[..n] == webext::READ_ONLY_WRITE
        )
    }
}

pub(super) fn random_token() -> String {
    let mut bytes = [0u8; 16];
    if rustix::rand::getrandom(&mut bytes, rustix::rand::GetRandomFlags::empty()).is_err() {
        // Fall back to something unguessable enough for a same-process page.
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        bytes[..16].copy_from_slice(&t.as_nanos().to_le_bytes());
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// One of the app's frame buffers, as the runtime writes it.
pub(super) struct Slot {
    pub(super) mapping: webpane_ipc::SharedMapping,
    /// The app is reading it.
    pub(super) held: bool,
    /// What changed since this buffer was last written.
    pub(super) stale: Vec<webpane_ipc::protocol::FrameRect>,
}

/// Where an offscreen view's frames go.
pub(crate) struct FrameSink {
    pub(super) generation: u32,
    pub(super) width: u32,
    pub(super) height: u32,
    pub(super) stride: u32,
    pub(super) slots: Vec<Slot>,
    /// What changed since the last frame the app got.
    pub(super) unreported: Vec<webpane_ipc::protocol::FrameRect>,
    pub(super) sequence: u64,
    pub(super) scheduled: bool,
    /// The buffer of the last frame handed over (complete: every later frame starts from it).
    pub(super) last: Option<usize>,
    /// When GTK painted the first change not handed over yet (`CLOCK_MONOTONIC`, ns).
    pub(super) painted_at_ns: Option<u64>,
    /// The view as last drawn into this process's memory.
    pub(super) scratch: Option<gtk::cairo::ImageSurface>,
}

/// The view's frame sink, shared with its damage handler.
pub(crate) type Frames = Rc<RefCell<Option<FrameSink>>>;
