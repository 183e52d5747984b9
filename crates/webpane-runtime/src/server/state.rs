//! What the server holds: its clients, their views, and the limits it keeps them to.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeSet, HashMap};
use std::rc::{Rc, Weak};
use std::time::Duration;

use glib::SourceId;
use webpane_ipc::Connection;
use webpane_ipc::protocol::{RuntimeOptions, WebViewId};

use super::acceptor::Acceptor;
use crate::udf::OwnedFolder;
use crate::view::View;

/// How long the runtime stays after its last webview closed (or after start, if none is created).
pub const DEFAULT_GRACE: Duration = Duration::from_secs(2);
/// How long a new runtime waits for its first webview, at least.
pub(super) const STARTUP_GRACE: Duration = Duration::from_secs(2);
/// How much may wait for a client that does not read before it is considered stuck and dropped.
/// Pages cannot push a client there: their messages are flow-controlled (see `chrome_webview.js`).
pub const MAX_CLIENT_BACKLOG: usize = 256 << 20;
/// How much may wait for all clients together: past it, the client furthest behind is dropped.
pub const MAX_TOTAL_BACKLOG: usize = 512 << 20;
/// How long a dropped client's last message ([`RuntimeMessage::Disconnecting`](webpane_ipc::protocol::RuntimeMessage::Disconnecting)) may wait for it
/// to read before the connection closes anyway.
pub(super) const FAREWELL_TIMEOUT: Duration = Duration::from_secs(5);

pub(super) struct Client {
    pub(super) id: u64,
    pub(super) conn: Connection,
    pub(super) welcomed: Cell<bool>,
    pub(super) views: RefCell<HashMap<WebViewId, View>>,
    pub(super) watch: RefCell<Option<SourceId>>,
    /// Set while the outgoing queue waits for the socket to become writable.
    pub(super) writable_watch: RefCell<Option<SourceId>>,
    /// Run once everything queued so far has gone to the socket (page acknowledgements).
    pub(super) when_sent: RefCell<Vec<Box<dyn FnOnce()>>>,
    /// Being disconnected: nothing more is queued for it or read from it.
    pub(super) departing: Cell<bool>,
}

/// The runtime's state on the main thread.
pub struct Server {
    /// This server (for callbacks scheduled from `&self`).
    pub(super) me: Weak<Server>,
    pub(super) options: RuntimeOptions,
    pub(super) context: webkit2gtk::WebContext,
    /// The profile: cookies, caches, storage.
    pub(super) data: webkit2gtk::WebsiteDataManager,
    pub(super) clients: RefCell<HashMap<u64, Rc<Client>>>,
    pub(super) next_client: Cell<u64>,
    pub(super) grace: Duration,
    pub(super) idle_timer: RefCell<Option<SourceId>>,
    pub(super) uid: u32,
    pub(super) known_children: RefCell<BTreeSet<u32>>,
    /// WebKit's utility processes whose exit is watched (`utility.rs`).
    pub(super) utility_watched: RefCell<BTreeSet<u32>>,
    pub(super) quitting: Cell<bool>,
    pub(super) folder: RefCell<Option<OwnedFolder>>,
    /// Why the web process extension is not installed, if it is not.
    pub(super) extension_missing: Option<String>,
    /// Watches on the runtime binary and the WebKitGTK library, kept alive with the server.
    pub(super) monitors: RefCell<Vec<gio::FileMonitor>>,
    pub(super) new_version: Cell<bool>,
    /// The listening socket's watch and the clients half-way through the handshake.
    pub(super) acceptor: Acceptor,
    /// Folders served at https hosts, and the proxy serving them.
    pub(super) proxy: crate::proxy::LoopbackProxy,
    /// Downloads waiting for their app's decision or in progress.
    pub(super) downloads: Rc<crate::downloads::Downloads>,
    /// Permissions decided per origin, kept with the profile.
    pub(super) permissions: Rc<crate::permissions::Permissions>,
}
