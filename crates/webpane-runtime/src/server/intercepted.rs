//! http(s) `WebResourceRequested` on the main thread: which hosts the proxy intercepts (the
//! union of every view's filters), telling web processes about them, and handing each
//! intercepted request to the view whose page made it.

use std::rc::Rc;

use gtk::prelude::*;
use webkit2gtk::WebContextExt;
use webpane_ipc::protocol::WebViewId;
use webpane_ipc::webext::{InitData, REQUEST_HEADER};

use super::requests::RequestError;
use super::state::*;
use crate::proxy::{ProxyError, ProxyReply, ProxyRequest};

impl Server {
    /// Routes the proxy's requests to views, and gives each new web process the hosts
    /// intercepted when it starts.
    pub(super) fn route_intercepted_requests(self: &Rc<Self>) {
        let weak = Rc::downgrade(self);
        crate::proxy::set_route(move |request| match weak.upgrade() {
            Some(server) => server.route(request),
            None => {
                let _ = request.reply.send(ProxyReply::Forward);
            }
        });
        let page_mark_secret = self.proxy.page_secret();
        self.context.connect_initialize_web_extensions(move |context| {
            let data = InitData {
                intercepted_hosts: crate::proxy::intercepted_now(),
                page_mark_secret: page_mark_secret.clone(),
            };
            let json = serde_json::to_string(&data).unwrap_or_default();
            context.set_web_extensions_initialization_user_data(&json.to_variant());
        });
    }

    /// Gives `request` to the view whose page made it (none: the request goes on). A CORS
    /// preflight for a URI some view filters on is answered here, as for custom schemes: the
    /// app answers the request itself (and says in its response who may read it).
    fn route(&self, request: ProxyRequest) {
        let clients: Vec<_> = self.clients.borrow().values().cloned().collect();
        let Some(page) = request.page else {
            let filtered = clients
                .iter()
                .any(|c| c.views.borrow().values().any(|v| v.filters_match(&request.uri)));
            let reply = if filtered {
                self.proxy.record_preflight(&request.uri, &request.headers);
                ProxyReply::Respond(crate::resources::preflight_answer(&request.headers))
            } else {
                ProxyReply::Forward
            };
            let _ = request.reply.send(reply);
            return;
        };
        for client in clients {
            let views = client.views.borrow();
            if let Some(view) = views.values().find(|v| v.page_id() == page) {
                view.proxy_request(request);
                return;
            }
        }
        let _ = request.reply.send(ProxyReply::Forward);
    }

    /// The view `id` of `client` changed its filters: the proxy intercepts what they name now,
    /// and every page hears of a change of the set. Returns why the interception could not be
    /// set up, if it could not.
    pub(super) fn filters_changed(&self, client: &Rc<Client>, id: WebViewId) -> Result<(), ProxyError> {
        let hosts = match client.views.borrow().get(&id) {
            Some(view) => view.intercepted_hosts(),
            None => return Ok(()),
        };
        let result = self
            .proxy
            .set_intercepted(&self.context, &self.data, (client.id, id), &hosts);
        self.tell_pages_intercepted_hosts();
        result
    }

    /// Navigates view `id` with a method and body: WebKit sends a GET marked with a token, and
    /// the proxy (intercepting the host for a minute) puts the method and body in.
    pub(super) fn navigate_with_request(
        &self,
        client: &Rc<Client>,
        id: WebViewId,
        uri: String,
        method: String,
        mut headers: Vec<(String, String)>,
        body: Vec<u8>,
    ) -> Result<(), RequestError> {
        if !client.views.borrow().contains_key(&id) {
            return Err(RequestError::UnknownView(id));
        }
        // The method and headers were checked with the message (`validate::app_message`).
        let host = url::Url::parse(&uri)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .and_then(|u| u.host_str().map(|h| h.trim_matches(['[', ']']).to_ascii_lowercase()))
            .ok_or_else(|| ProxyError::NotHttp(uri.clone()))?;
        let mut random = [0u8; 16];
        rustix::rand::getrandom(&mut random, rustix::rand::GetRandomFlags::empty()).map_err(ProxyError::Random)?;
        let token: String = random.iter().map(|b| format!("{b:02x}")).collect();
        // An owner of its own: the host is intercepted for this navigation only.
        let owner = (
            client.id,
            WebViewId(1 << 63 | u64::from_le_bytes(random[..8].try_into().unwrap_or_default())),
        );
        self.proxy.set_intercepted(
            &self.context,
            &self.data,
            owner,
            &std::collections::BTreeSet::from([host]),
        )?;
        self.tell_pages_intercepted_hosts();
        self.proxy.add_rewrite(token.clone(), method, body);
        headers.push((REQUEST_HEADER.to_owned(), token.clone()));
        if let Some(view) = client.views.borrow().get(&id) {
            view.navigate_with_headers(uri, headers);
        }
        let me = self.me.clone();
        glib::timeout_add_local_once(std::time::Duration::from_secs(60), move || {
            if let Some(server) = me.upgrade() {
                server.proxy.drop_rewrite(&token);
                let _ = server.proxy.set_intercepted(
                    &server.context,
                    &server.data,
                    owner,
                    &std::collections::BTreeSet::new(),
                );
                server.tell_pages_intercepted_hosts();
            }
        });
        Ok(())
    }

    /// Tells every page the hosts intercepted now, if they changed.
    pub(super) fn tell_pages_intercepted_hosts(&self) {
        let Some(hosts) = self.proxy.intercepted_changed() else {
            return;
        };
        for client in self.clients.borrow().values() {
            for view in client.views.borrow().values() {
                view.send_intercepted_hosts(&hosts);
            }
        }
    }
}
