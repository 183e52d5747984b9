//! Connected apps: reading their requests, queueing what goes to them, and dropping the ones that fall behind.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::os::fd::{AsFd, AsRawFd};
use std::rc::Rc;

use glib::{ControlFlow, IOCondition};
use webpane_ipc::protocol::{AppMessage, RuntimeMessage};
use webpane_ipc::{Connection, IpcError, Outgoing};

use super::state::*;
use crate::view::View;

impl Server {
    pub(super) fn add_client(self: &Rc<Self>, conn: Connection) {
        let id = self.next_client.get();
        self.next_client.set(id + 1);
        let fd = conn.as_fd().as_raw_fd();
        let client = Rc::new(Client {
            id,
            conn,
            welcomed: Cell::new(false),
            views: RefCell::new(HashMap::new()),
            watch: RefCell::new(None),
            writable_watch: RefCell::new(None),
            when_sent: RefCell::new(Vec::new()),
            departing: Cell::new(false),
        });
        let watch = self.watch_fd(
            fd,
            IOCondition::IN | IOCondition::HUP | IOCondition::ERR,
            move |server| {
                if server.pump(id) {
                    ControlFlow::Continue
                } else {
                    ControlFlow::Break
                }
            },
        );
        client.watch.replace(Some(watch));
        self.clients.borrow_mut().insert(id, client);
    }

    /// Handles every complete message of client `id`; false once the client is gone.
    pub(super) fn pump(self: &Rc<Self>, id: u64) -> bool {
        let Some(client) = self.clients.borrow().get(&id).cloned() else {
            return false;
        };
        loop {
            if client.departing.get() {
                // Requests of a client being disconnected are not answered (nor watched: its
                // removal is scheduled).
                return false;
            }
            match client.conn.try_recv::<AppMessage>() {
                Ok(Some(mut received)) => {
                    if let Err(why) = self.handle(&client, received.message, &mut received.fds) {
                        log::warn!("dropping client {id}: {why}");
                        self.remove_client(id);
                        return false;
                    }
                }
                Ok(None) => {
                    // Everything the app sent so far is handled: its web messages to pages leave.
                    client
                        .views
                        .borrow()
                        .values()
                        .for_each(crate::view::View::flush_web_messages);
                    return true;
                }
                Err(IpcError::Disconnected) => {
                    self.remove_client(id);
                    return false;
                }
                Err(e) => {
                    log::warn!("dropping client {id}: {e}");
                    self.remove_client(id);
                    return false;
                }
            }
        }
    }

    /// Queues a message for a client without ever blocking the main loop; a client whose backlog
    /// passes [`MAX_CLIENT_BACKLOG`] is considered stuck and dropped.
    pub(super) fn send(&self, client: &Rc<Client>, message: &RuntimeMessage) {
        self.send_with_fds(client, message, Outgoing::new());
    }

    /// [`send`](Self::send) with fds attached (closed here once queued: the queue keeps copies).
    pub(super) fn send_with_fds(&self, client: &Rc<Client>, message: &RuntimeMessage, fds: Outgoing<'_>) {
        if client.departing.get() {
            return;
        }
        match client.conn.queue(message, fds) {
            Ok(true) => {}
            Ok(false) if client.conn.queued_bytes() > MAX_CLIENT_BACKLOG => {
                self.disconnect(
                    client,
                    format!(
                        "the app fell more than {} MiB behind reading its messages",
                        MAX_CLIENT_BACKLOG >> 20
                    ),
                );
            }
            Ok(false) => {
                self.watch_writable(client);
                self.enforce_total_backlog();
            }
            // Too big for the wire (a page can post anything): drop that message, keep the client.
            Err(e @ (IpcError::MessageTooLarge { .. } | IpcError::Encode(_))) => {
                log::warn!("dropped a message to client {}: {e}", client.id);
            }
            Err(e) => self.drop_unreachable(client, e),
        }
    }

    /// Flushes the client's queue whenever its socket is writable, until it is empty.
    pub(super) fn watch_writable(&self, client: &Rc<Client>) {
        if client.writable_watch.borrow().is_some() {
            return;
        }
        let weak = Rc::downgrade(client);
        let fd = client.conn.as_fd().as_raw_fd();
        let source = glib::source::unix_fd_add_local(
            fd,
            IOCondition::OUT | IOCondition::ERR | IOCondition::HUP,
            move |_, _| {
                let Some(client) = weak.upgrade() else {
                    return ControlFlow::Break;
                };
                match client.conn.flush() {
                    Ok(false) => ControlFlow::Continue,
                    Ok(true) => {
                        client.writable_watch.replace(None);
                        if client.departing.get() {
                            // Its last message has gone: hang up.
                            client.conn.shutdown();
                            return ControlFlow::Break;
                        }
                        let callbacks: Vec<_> = client.when_sent.borrow_mut().drain(..).collect();
                        callbacks.into_iter().for_each(|f| f());
                        ControlFlow::Break
                    }
                    Err(e) => {
                        client.writable_watch.replace(None);
                        log::warn!("client {} is not reachable ({e}); dropping it", client.id);
                        client.conn.shutdown();
                        ControlFlow::Break
                    }
                }
            },
        );
        client.writable_watch.replace(Some(source));
    }

    /// Runs `f` once everything queued for `client` so far has gone to its socket.
    pub(super) fn when_sent(&self, client: &Client, f: Box<dyn FnOnce()>) {
        if client.writable_watch.borrow().is_some() {
            client.when_sent.borrow_mut().push(f);
        } else {
            f();
        }
    }

    /// Hangs up on a client that is alive but stuck, telling it why: whatever was queued for it
    /// is dropped (a message already partly sent is finished), [`RuntimeMessage::Disconnecting`]
    /// goes last, and the connection closes once it has left, or after [`FAREWELL_TIMEOUT`]. Its
    /// webviews close now (on the next main-loop turn, outside whatever signal we are in).
    pub(super) fn disconnect(&self, client: &Rc<Client>, reason: String) {
        if client.departing.replace(true) {
            return;
        }
        log::warn!("disconnecting client {}: {reason}", client.id);
        client.when_sent.borrow_mut().clear();
        match client
            .conn
            .replace_queue_with(&RuntimeMessage::Disconnecting { reason })
        {
            Ok(false) => self.watch_writable(client),
            Ok(true) | Err(_) => client.conn.shutdown(),
        }
        let (server, id) = (self.me.clone(), client.id);
        glib::idle_add_local_once(move || {
            if let Some(server) = server.upgrade() {
                server.remove_client(id);
            }
        });
        // Keeps the connection open for its last message, at most this long.
        let client = client.clone();
        glib::timeout_add_local_once(FAREWELL_TIMEOUT, move || client.conn.shutdown());
    }

    /// Past [`MAX_TOTAL_BACKLOG`] queued for all clients together, the one furthest behind goes.
    pub(super) fn enforce_total_backlog(&self) {
        let clients: Vec<Rc<Client>> = self.clients.borrow().values().cloned().collect();
        let total: usize = clients.iter().map(|c| c.conn.queued_bytes()).sum();
        if total <= MAX_TOTAL_BACKLOG {
            return;
        }
        if let Some(worst) = clients
            .iter()
            .filter(|c| !c.departing.get())
            .max_by_key(|c| c.conn.queued_bytes())
        {
            self.disconnect(
                worst,
                format!(
                    "the apps together fell more than {} MiB behind reading their messages, this one most",
                    MAX_TOTAL_BACKLOG >> 20
                ),
            );
        }
    }

    pub(super) fn drop_unreachable(&self, client: &Client, e: IpcError) {
        log::warn!("client {} is not reachable ({e}); dropping it", client.id);
        // Its fd watch sees the hang-up and removes it, outside whatever callback we are in.
        client.conn.shutdown();
    }

    pub(super) fn remove_client(self: &Rc<Self>, id: u64) {
        let Some(client) = self.clients.borrow_mut().remove(&id) else {
            return;
        };
        // The watch source is ended by its callback returning Break (we are called from it), or
        // never fired again once the fd closes with the client.
        let _ = client.watch.borrow_mut().take();
        let views: Vec<View> = client.views.borrow_mut().drain().map(|(_, v)| v).collect();
        self.tear_down_views(id, None, views);
    }
}
