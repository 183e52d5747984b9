//! The browser process's loopback proxy, for everything WebKitGTK cannot answer itself over
//! http(s): virtual hosts (a folder served at `https://<host>/` and `http://<host>/` as a real
//! origin, WebView2's `SetVirtualHostNameToFolderMapping`), http(s) `WebResourceRequested`, and
//! navigations with a method and body.
//!
//! Once a host is mapped (or intercepted) the runtime points WebKit's network process at its own
//! loopback SOCKS5 proxy ([`listener`], `webpane_proxy_wire::socks_server`), which serves mapped hosts
//! from their folders ([`serve`]) over TLS with a certificate made for each host ([`tls`]) and
//! trusted by WebKit for that host only; every other host is tunnelled untouched, through the
//! system's or the environment's proxy when there is one ([`upstream`]).
//!
//! The same proxy intercepts hosts that views filter on for `WebResourceRequested` ([`intercept`]):
//! a request the app does not answer goes to the real server over TLS verified against the
//! system's trusted certificates ([`forward`]).
//!
//! Mappings belong to the webviews that made them. The proxy serves the whole browser process
//! (WebKit's proxy settings are per network session), so a host mapped by one webview is served
//! to every webview of the process; two webviews may map one host only to the same folder.

mod cors;
mod error;
mod forward;
mod intercept;
mod listener;
mod peer;
mod serve;
mod tls;
mod upstream;

use std::cell::{Cell, RefCell};
use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use base64::Engine;
use rustix::fs::{Mode, OFlags};
use webkit2gtk::{WebContextExt, WebsiteDataManagerExt};
use webpane_ipc::protocol::{HostResourceAccess, WebViewId};

pub use error::ProxyError;
pub use intercept::{AppBody, AppResponse, ProxyReply, ProxyRequest, set_route};
use listener::{Mapped, Shared};
use serve::Site;

thread_local! {
    /// The hosts intercepted now, as last told to pages (see [`LoopbackProxy::intercepted_changed`]).
    static INTERCEPTED_NOW: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// The hosts whose requests are intercepted now (for a page that has just started).
pub fn intercepted_now() -> Vec<String> {
    INTERCEPTED_NOW.with(|h| h.borrow().clone())
}

/// A webview that mapped a host: its client and its id.
pub type Owner = (u64, WebViewId);

struct Entry {
    folder: PathBuf,
    access: HostResourceAccess,
    owners: BTreeSet<Owner>,
}

/// The browser process's virtual hosts and the proxy serving them.
pub struct LoopbackProxy {
    shared: Arc<Shared>,
    /// The proxy URI (with its credentials) once the proxy runs.
    proxy: RefCell<Option<String>>,
    /// Whether WebKit is pointed at the proxy now.
    in_use: Cell<bool>,
    entries: RefCell<HashMap<String, Entry>>,
    /// Per intercepted host, the webviews whose filters name it.
    intercepted: RefCell<HashMap<String, BTreeSet<Owner>>>,
    user: String,
    password: String,
    /// The app's own proxy, restored when no host is mapped any more.
    app_proxy: Option<String>,
}

impl LoopbackProxy {
    /// No host mapped yet; `app_proxy`: the proxy the app set for the environment (other
    /// traffic goes on through it once the runtime's own proxy is in front).
    pub fn new(app_proxy: Option<String>) -> Self {
        let mut secret = [0u8; 18];
        if rustix::rand::getrandom(&mut secret, rustix::rand::GetRandomFlags::empty()).is_err() {
            log::error!("no random bytes for the proxy's credentials");
        }
        let password = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret);
        let user = "webpane".to_owned();
        let mut mark = [0u8; 18];
        if rustix::rand::getrandom(&mut mark, rustix::rand::GetRandomFlags::empty()).is_err() {
            log::error!("no random bytes for the page marks' secret");
        }
        let page_secret = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mark);
        LoopbackProxy {
            shared: Arc::new(Shared {
                user: user.clone(),
                password: password.clone(),
                page_secret,
                sites: RwLock::new(HashMap::new()),
                connections: Default::default(),
                tunnels: Default::default(),
                pending: Default::default(),
                approvals: Default::default(),
                rewrites: Default::default(),
                app_proxy: app_proxy.clone(),
            }),
            app_proxy,
            proxy: RefCell::new(None),
            in_use: Cell::new(false),
            entries: RefCell::new(HashMap::new()),
            intercepted: RefCell::new(HashMap::new()),
            user,
            password,
        }
    }
}

impl LoopbackProxy {
    /// The runtime answers a CORS preflight for `uri` (the request's `headers`): what it
    /// approved is remembered, so that a request the app then leaves unanswered reaches the real
    /// server only if the server approves it too.
    pub fn record_preflight(&self, uri: &str, headers: &[(String, String)]) {
        self.shared.approvals.record(uri, headers);
    }

    /// The secret page marks carry (for the web processes' initialization data).
    pub fn page_secret(&self) -> String {
        self.shared.page_secret.clone()
    }

    /// Serves `folder` at `host` for `owner`.
    pub fn map(
        &self,
        context: &webkit2gtk::WebContext,
        data: &webkit2gtk::WebsiteDataManager,
        owner: Owner,
        host: &str,
        folder: &str,
        access: HostResourceAccess,
    ) -> Result<(), ProxyError> {
        webpane_ipc::protocol::validate_virtual_host(host).map_err(ProxyError::BadHost)?;
        let canonical = std::fs::canonicalize(folder).map_err(|e| ProxyError::NoFolder(folder.to_owned(), e))?;
        if !canonical.is_dir() {
            return Err(ProxyError::NotAFolder(folder.to_owned()));
        }
        {
            let mut entries = self.entries.borrow_mut();
            if let Some(entry) = entries.get_mut(host) {
                if entry.folder == canonical && entry.access == access {
                    entry.owners.insert(owner);
                    return Ok(());
                }
                if entry.owners.iter().any(|o| *o != owner) {
                    return Err(ProxyError::Taken {
                        host: host.to_owned(),
                        folder: entry.folder.clone(),
                    });
                }
            }
        }
        let fd = rustix::fs::open(
            &canonical,
            OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| ProxyError::OpenFolder(canonical.clone(), e))?;
        let certificate = tls::certificate_for(host)?;
        let trusted = gio::TlsCertificate::from_pem(&certificate.pem).map_err(ProxyError::TrustCertificate)?;
        self.ensure_proxy(data)?;
        // Trusted for this host only, and only this certificate.
        context.allow_tls_certificate_for_host(&trusted, host);
        let mapped = Arc::new(Mapped {
            site: Some(Arc::new(Site {
                host: host.to_owned(),
                folder: fd,
                access,
                live: true.into(),
            })),
            intercepted: self.intercepted.borrow().contains_key(host),
            tls: certificate.config,
        });
        self.shared
            .sites
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(host.to_owned(), mapped);
        self.entries.borrow_mut().insert(
            host.to_owned(),
            Entry {
                folder: canonical,
                access,
                owners: BTreeSet::from([owner]),
            },
        );
        log::info!("virtual host {host} serves {folder}");
        Ok(())
    }

    /// Stops serving `host` for `owner` (the host goes when its last owner lets go).
    pub fn unmap(&self, data: &webkit2gtk::WebsiteDataManager, owner: Owner, host: &str) {
        self.forget(data, |o, h| *o == owner && h == host);
    }

    /// Forgets every mapping and interception of the owners `gone` picks (a webview closed, an
    /// app left).
    pub fn forget(&self, data: &webkit2gtk::WebsiteDataManager, gone: impl Fn(&Owner, &str) -> bool) {
        self.forget_parts(data, &gone, &gone);
    }

    /// Forgets the folder mappings `gone_folder` picks and the interceptions `gone_intercept` picks.
    fn forget_parts(
        &self,
        data: &webkit2gtk::WebsiteDataManager,
        gone_folder: &dyn Fn(&Owner, &str) -> bool,
        gone: &dyn Fn(&Owner, &str) -> bool,
    ) {
        let mut emptied = Vec::new();
        for (host, entry) in self.entries.borrow_mut().iter_mut() {
            entry.owners.retain(|o| !gone_folder(o, host));
            if entry.owners.is_empty() {
                emptied.push(host.clone());
            }
        }
        let mut released = Vec::new();
        self.intercepted.borrow_mut().retain(|host, owners| {
            owners.retain(|o| !gone(o, host));
            if owners.is_empty() {
                released.push(host.clone());
            }
            !owners.is_empty()
        });
        {
            let mut entries = self.entries.borrow_mut();
            let mut sites = self.shared.sites.write().unwrap_or_else(|e| e.into_inner());
            for host in emptied {
                entries.remove(&host);
                if let Some(mapped) = sites.remove(&host) {
                    if let Some(site) = &mapped.site {
                        site.live.store(false, std::sync::atomic::Ordering::Release);
                    }
                    if mapped.intercepted {
                        sites.insert(
                            host.clone(),
                            Arc::new(Mapped {
                                site: None,
                                ..(*mapped).clone()
                            }),
                        );
                    }
                }
                log::info!("virtual host {host} is no longer served");
            }
            for host in released {
                if let Some(mapped) = sites.remove(&host)
                    && mapped.site.is_some()
                {
                    sites.insert(
                        host.clone(),
                        Arc::new(Mapped {
                            intercepted: false,
                            ..(*mapped).clone()
                        }),
                    );
                }
                log::info!("requests to {host} are no longer intercepted");
            }
        }
        self.restore_proxy_if_idle(data);
    }

    /// Sets the hosts `owner`'s filters name (requests to them are intercepted from now on).
    pub fn set_intercepted(
        &self,
        context: &webkit2gtk::WebContext,
        data: &webkit2gtk::WebsiteDataManager,
        owner: Owner,
        hosts: &BTreeSet<String>,
    ) -> Result<(), ProxyError> {
        self.forget_parts(data, &|_, _| false, &|o, host| *o == owner && !hosts.contains(host));
        for host in hosts {
            let known = self.intercepted.borrow().contains_key(host);
            if !known {
                let existing = self.shared.site(host);
                let (site, tls) = match existing {
                    Some(mapped) => (mapped.site.clone(), mapped.tls.clone()),
                    None => {
                        let certificate = tls::certificate_for(host)?;
                        let trusted =
                            gio::TlsCertificate::from_pem(&certificate.pem).map_err(ProxyError::TrustCertificate)?;
                        self.ensure_proxy(data)?;
                        // Trusted for this host only, and only this certificate.
                        context.allow_tls_certificate_for_host(&trusted, host);
                        (None, certificate.config)
                    }
                };
                self.shared.sites.write().unwrap_or_else(|e| e.into_inner()).insert(
                    host.clone(),
                    Arc::new(Mapped {
                        site,
                        intercepted: true,
                        tls,
                    }),
                );
                // Connections WebKit already has to the host pass it by: closed, so that its
                // next requests come through the interception.
                self.shared.close_tunnels(host);
                log::info!("requests to {host} are intercepted");
            }
            self.intercepted
                .borrow_mut()
                .entry(host.clone())
                .or_default()
                .insert(owner);
        }
        Ok(())
    }

    /// Gives the navigation marked with `token` its method and body when it passes the proxy.
    pub fn add_rewrite(&self, token: String, method: String, body: Vec<u8>) {
        let mut rewrites = self.shared.rewrites.lock().unwrap_or_else(|e| e.into_inner());
        rewrites.insert(token, serve::Rewrite { method, body });
    }

    /// Forgets a rewrite not used (the navigation never went out).
    pub fn drop_rewrite(&self, token: &str) {
        let mut rewrites = self.shared.rewrites.lock().unwrap_or_else(|e| e.into_inner());
        rewrites.remove(token);
    }

    /// The hosts intercepted now, if they changed since the last call (pages must be told).
    pub fn intercepted_changed(&self) -> Option<Vec<String>> {
        let mut now: Vec<String> = self.intercepted.borrow().keys().cloned().collect();
        now.sort();
        INTERCEPTED_NOW.with(|last| {
            if *last.borrow() == now {
                None
            } else {
                last.replace(now.clone());
                Some(now)
            }
        })
    }

    /// With nothing left to serve or intercept, WebKit goes back to the app's proxy, or the
    /// system's.
    fn restore_proxy_if_idle(&self, data: &webkit2gtk::WebsiteDataManager) {
        if !self.entries.borrow().is_empty() || !self.intercepted.borrow().is_empty() || !self.in_use.replace(false) {
            return;
        }
        match &self.app_proxy {
            Some(proxy) => {
                let mut settings = webkit2gtk::NetworkProxySettings::new(Some(proxy), &[]);
                data.set_network_proxy_settings(webkit2gtk::NetworkProxyMode::Custom, Some(&mut settings));
            }
            None => data.set_network_proxy_settings(webkit2gtk::NetworkProxyMode::Default, None),
        }
    }

    /// Starts the proxy (once) and points WebKit at it.
    fn ensure_proxy(&self, data: &webkit2gtk::WebsiteDataManager) -> Result<(), ProxyError> {
        // Other traffic goes on through the app's proxy: one that cannot carry it is an error
        // here, never a silent direct connection.
        if let Some(app_proxy) = &self.app_proxy {
            upstream::parse(app_proxy).map_err(ProxyError::Upstream)?;
        }
        if self.proxy.borrow().is_none() {
            let port = listener::start(self.shared.clone()).map_err(ProxyError::Start)?;
            let uri = format!("socks5://{}:{}@127.0.0.1:{port}", self.user, self.password);
            self.proxy.replace(Some(uri));
        }
        if !self.in_use.replace(true) {
            let uri = self.proxy.borrow().clone().unwrap_or_default();
            let mut settings = webkit2gtk::NetworkProxySettings::new(Some(&uri), &[]);
            data.set_network_proxy_settings(webkit2gtk::NetworkProxyMode::Custom, Some(&mut settings));
        }
        Ok(())
    }
}
