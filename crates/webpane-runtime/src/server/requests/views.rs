//! Views: creating, closing, placing and focusing them, their settings and dev tools.

use std::rc::Rc;

use webpane_ipc::ReceivedFds;
use webpane_ipc::protocol::ViewSettings;
use webpane_ipc::protocol::{AppMessage, CloseReason, RuntimeMessage, ViewMode, WebViewId};

use super::error::RequestError;
use super::step::{Step, done, view};
use crate::host::Host;
use crate::server::client_host::ClientHost;
use crate::server::state::*;
use crate::view::{Engine, View};

pub(super) fn handle(server: &Rc<Server>, client: &Rc<Client>, message: AppMessage, _: &mut ReceivedFds) -> Step {
    match message {
        AppMessage::CreateWebView {
            id,
            mode,
            settings,
            opener,
        } => done(server.create_view(client, id, mode, &settings, opener)),
        AppMessage::Close { id } => done(match server.close_view(client, id, CloseReason::Requested) {
            true => Ok(()),
            false => Err(RequestError::UnknownView(id)),
        }),
        AppMessage::UpdateSetting { id, setting } => done(view(client, id).map(|v| v.apply_setting(setting))),
        AppMessage::SetBounds {
            id,
            x,
            y,
            width,
            height,
        } => done(view(client, id).map(|v| v.set_bounds(x, y, width, height))),
        AppMessage::MoveFocus { id, reason } => done(view(client, id).map(|v| v.move_focus(reason))),
        AppMessage::AcceleratorKeyAnswer { id, request, handled } => {
            done(view(client, id).map(|v| v.answer_accelerator_key(request, handled)))
        }
        AppMessage::NotificationAction {
            id,
            notification,
            action,
        } => done(view(client, id).map(|v| v.notification_action(notification, action))),
        AppMessage::MoveFocusAnswer { id, request, handled } => {
            done(view(client, id).map(|v| v.answer_move_focus(request, handled)))
        }
        AppMessage::TrySuspend { id, request } => done(server.try_suspend(client, id, request)),
        AppMessage::Resume { id } => done(view(client, id).map(|v| v.resume())),
        AppMessage::TerminateRenderProcess { id } => done(view(client, id).map(|v| v.terminate_render_process())),
        AppMessage::DevToolsWindow { id, request, open } => {
            let result = view(client, id).and_then(|v| Ok(v.dev_tools_window(open)?));
            server.operation_replier(client, id, request)(result);
            done(Ok(()))
        }
        other => Step::Continue(other),
    }
}

impl Server {
    fn create_view(
        self: &Rc<Self>,
        client: &Rc<Client>,
        id: WebViewId,
        mode: ViewMode,
        settings: &ViewSettings,
        opener: Option<WebViewId>,
    ) -> Result<(), RequestError> {
        if self.quitting.get() {
            return Err(RequestError::ShuttingDown);
        }
        if client.views.borrow().contains_key(&id) {
            return Err(RequestError::IdInUse);
        }
        match mode {
            ViewMode::Embedded { .. } if !crate::engine::on_x11() => {
                return Err(RequestError::EmbeddingNeedsX11(crate::engine::display_kind()));
            }
            ViewMode::Embedded { parent, .. } if !crate::ffi::x11_window_exists(parent) => {
                return Err(RequestError::NoParentWindow(parent));
            }
            _ => {}
        }
        let related = match opener {
            Some(opener) => Some((opener, view(client, opener)?.webkit().clone())),
            None => None,
        };
        let host: Rc<dyn Host> = Rc::new(ClientHost {
            server: Rc::downgrade(self),
            client: Rc::downgrade(client),
        });
        let engine = Engine {
            context: &self.context,
            arguments: &self.options.additional_arguments,
            schemes: &self.options.custom_schemes,
            extension_missing: self.extension_missing.as_deref(),
            permissions: &self.permissions,
        };
        let view = View::create(
            &engine,
            id,
            &mode,
            settings,
            related.as_ref().map(|(id, view)| (*id, view)),
            host,
        );
        if let Some(policy) = self.options.hardware_acceleration {
            crate::engine::set_hardware_acceleration(view.webkit(), policy);
        }
        client.views.borrow_mut().insert(id, view);
        self.cancel_idle_check();
        self.send(client, &RuntimeMessage::WebViewCreated { id });
        Ok(())
    }

    /// Suspends `client`'s view `id` unless another view (of any client) shares its render
    /// process; the app hears `SuspendDone`.
    fn try_suspend(self: &Rc<Self>, client: &Rc<Client>, id: WebViewId, request: u64) -> Result<(), RequestError> {
        let view = view(client, id)?;
        // Another view on the same render process (of any app) keeps it running.
        let shared = view.render_process_id().is_some_and(|pid| {
            self.clients.borrow().values().any(|c| {
                c.views
                    .borrow()
                    .iter()
                    .any(|(other, v)| (c.id, *other) != (client.id, id) && v.render_process_id() == Some(pid))
            })
        });
        let reply = self.replier(client);
        view.try_suspend(shared, move |result| {
            reply(crate::view::suspend_reply(id, request, result))
        });
        Ok(())
    }

    /// Closes `client`'s view `id` for `reason`, and lets go of everything kept for it; the app
    /// hears `WebViewClosed`. Returns whether there was such a view.
    pub(in crate::server) fn close_view(&self, client: &Rc<Client>, id: WebViewId, reason: CloseReason) -> bool {
        let view = client.views.borrow_mut().remove(&id);
        let found = view.is_some();
        self.tear_down_views(client.id, Some(id), view.into_iter().collect());
        if found {
            log::info!("view {} closed: {reason:?}", id.0);
            self.send(client, &RuntimeMessage::WebViewClosed { id, reason });
        }
        found
    }

    /// The one teardown of views: `views` (of client `client`: view `id`, or all of them for
    /// `None`) are destroyed, and their host mappings, interceptions and downloads forgotten;
    /// the runtime then checks whether it is idle.
    pub(in crate::server) fn tear_down_views(&self, client: u64, id: Option<WebViewId>, views: Vec<View>) {
        views.into_iter().for_each(View::destroy);
        self.proxy.forget(&self.data, |owner, _| {
            owner.0 == client && id.is_none_or(|id| owner.1 == id)
        });
        self.tell_pages_intercepted_hosts();
        self.downloads.forget(client, id);
        if let Some(me) = self.me.upgrade() {
            me.schedule_idle_check();
        }
    }
}
