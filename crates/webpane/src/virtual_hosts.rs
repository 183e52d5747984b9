//! Virtual hosts: a folder of the app served as a real https origin (WebView2's
//! `SetVirtualHostNameToFolderMapping`).

use std::path::Path;

use webpane_ipc::protocol::{AppMessage, HostResourceAccess};

use crate::error::{Error, Result};
use crate::objects::WebView;
use crate::operation::Operation;

/// What documents of other origins may do with a virtual host's files (WebView2's
/// `CoreWebView2HostResourceAccessKind`). The host's own documents may always use them, and any
/// document may navigate to them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[doc(alias = "CoreWebView2HostResourceAccessKind")]
pub enum HostResourceAccessKind {
    /// Not at all: not as a script, an image or a stylesheet, not with `fetch` (403 Forbidden).
    #[default]
    Deny,
    /// Everything, CORS reads included (`Access-Control-Allow-Origin: *`).
    Allow,
    /// As plain subresources (`<script src>`, `<img src>`), but not with CORS reads (`fetch`,
    /// XHR), which the engine refuses for want of `Access-Control-Allow-Origin`.
    DenyCors,
}

impl From<HostResourceAccessKind> for HostResourceAccess {
    fn from(kind: HostResourceAccessKind) -> Self {
        match kind {
            HostResourceAccessKind::Deny => HostResourceAccess::Deny,
            HostResourceAccessKind::Allow => HostResourceAccess::Allow,
            HostResourceAccessKind::DenyCors => HostResourceAccess::DenyCors,
        }
    }
}

impl WebView {
    /// Serves `folder` at `https://<host>/` (and `http://<host>/`): pages loaded from it have the
    /// origin `https://<host>` — a secure context with its own storage, where `fetch`, XHR,
    /// iframes, workers and module scripts work as on the web. Files get MIME types from their
    /// names; `..` and symbolic links cannot leave the folder; a folder's URI ending in `/`
    /// serves its `index.html`. `access` says what documents of other origins may do.
    ///
    /// The request leaves at once (a navigation sent after it finds the host mapped); the
    /// operation completes when the browser process serves the host, or fails with why (no
    /// such folder, another webview of the browser process maps the host elsewhere, a host
    /// name that is not one).
    ///
    /// ```no_run
    /// # fn demo(webview: &webpane::WebView) -> webpane::Result<()> {
    /// use webpane::HostResourceAccessKind;
    /// let _ = webview.set_virtual_host_name_to_folder_mapping("appassets.example", "/usr/share/my-app/web", HostResourceAccessKind::DenyCors);
    /// webview.navigate("https://appassets.example/index.html")?;
    /// # Ok(()) }
    /// ```
    #[doc(alias = "SetVirtualHostNameToFolderMapping")]
    pub fn set_virtual_host_name_to_folder_mapping(
        &self,
        host: &str,
        folder: impl AsRef<Path>,
        access: HostResourceAccessKind,
    ) -> Operation<()> {
        let folder = folder.as_ref();
        let Some(folder) = folder.to_str() else {
            return Operation::ready(Err(Error::InvalidArgument(format!(
                "the folder {} is not UTF-8",
                folder.display()
            ))));
        };
        let folder = match std::path::absolute(folder) {
            Ok(path) => path.to_string_lossy().into_owned(),
            Err(e) => return Operation::ready(Err(Error::InvalidArgument(format!("the folder {folder:?}: {e}")))),
        };
        let host = host.to_ascii_lowercase();
        self.ask(|request| AppMessage::SetVirtualHostMapping {
            id: self.id(),
            request,
            host,
            folder,
            access: access.into(),
        })
    }

    /// Stops serving `host` (set with
    /// [`set_virtual_host_name_to_folder_mapping`](Self::set_virtual_host_name_to_folder_mapping)).
    #[doc(alias = "ClearVirtualHostNameToFolderMapping")]
    pub fn clear_virtual_host_name_to_folder_mapping(&self, host: &str) -> Result<()> {
        self.request(AppMessage::ClearVirtualHostMapping {
            id: self.id(),
            host: host.to_ascii_lowercase(),
        })
    }
}
