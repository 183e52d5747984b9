//! `ClientCertificateRequested` (WebView2's event and `CoreWebView2ClientCertificate`): a server
//! asks for a client certificate; the app presents one (with its private key), or none.

use std::marker::PhantomData;
use std::rc::Rc;

use webpane_ipc::protocol::PolicyAnswer;

use super::responder::PolicyResponder;
use crate::deferral::{Deferral, Deferred};
use crate::error::{Error, Result};

/// A client certificate with its private key, to present to a server (WebView2's
/// `CoreWebView2ClientCertificate`; the app brings its own: WebKitGTK does not list the
/// system's).
#[doc(alias = "CoreWebView2ClientCertificate")]
#[derive(Clone, PartialEq, Eq)]
pub struct ClientCertificate {
    pem: String,
}

impl std::fmt::Debug for ClientCertificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the private key.
        f.debug_struct("ClientCertificate").finish_non_exhaustive()
    }
}

impl ClientCertificate {
    /// The certificate (with its chain, if any) and its private key, as PEM blocks in one text
    /// (`-----BEGIN CERTIFICATE-----` …, `-----BEGIN PRIVATE KEY-----` …). Checked here: a
    /// text without both is [`Error::InvalidArgument`].
    pub fn from_pem(pem: &str) -> Result<Self> {
        webpane_ipc::validate::client_certificate_pem(pem).map_err(Error::InvalidArgument)?;
        Ok(ClientCertificate { pem: pem.to_owned() })
    }
}

/// Arguments of [`WebView::on_client_certificate_requested`](crate::WebView::on_client_certificate_requested).
#[derive(Debug)]
pub struct ClientCertificateRequestedEventArgs {
    uri: String,
    host: String,
    port: u16,
    decision: Rc<Deferred<PolicyResponder>>,
    _ui_thread: PhantomData<Rc<()>>,
}

impl ClientCertificateRequestedEventArgs {
    pub(super) fn new(uri: String, host: String, port: u16, decision: Rc<Deferred<PolicyResponder>>) -> Self {
        Self {
            uri,
            host,
            port,
            decision,
            _ui_thread: PhantomData,
        }
    }

    /// The page's URI.
    pub fn uri(&self) -> &str {
        &self.uri
    }

    /// The server's host.
    #[doc(alias = "Host")]
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The server's port.
    #[doc(alias = "Port")]
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Presents `certificate` to the server (WebView2's `SelectedCertificate` with `Handled`).
    #[doc(alias = "SelectedCertificate")]
    pub fn set_selected_certificate(&self, certificate: &ClientCertificate) {
        self.decision.answer.answer.replace(PolicyAnswer::Certificate {
            pem: certificate.pem.clone(),
        });
    }

    /// Presents no certificate (the default): the server decides whether to go on without.
    #[doc(alias = "Cancel")]
    pub fn set_cancel(&self, cancel: bool) {
        if cancel {
            self.decision.answer.answer.replace(PolicyAnswer::Deny);
        }
    }

    /// Holds the request until the deferral is completed or dropped.
    #[doc(alias = "GetDeferral")]
    pub fn deferral(&self) -> Deferral {
        self.decision.deferral()
    }
}
