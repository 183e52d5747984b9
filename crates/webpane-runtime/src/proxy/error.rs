//! Why a virtual host could not be served or a host could not be intercepted.

use std::path::PathBuf;

/// Why the loopback proxy could not take on a host.
#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    /// The host name is not one a virtual host may have.
    #[error("{0}")]
    BadHost(String),
    /// The folder cannot be found.
    #[error("the folder {0:?}")]
    NoFolder(String, #[source] std::io::Error),
    /// The path is not a folder.
    #[error("{0:?} is not a folder")]
    NotAFolder(String),
    /// The folder cannot be opened.
    #[error("cannot open {0}")]
    OpenFolder(PathBuf, #[source] rustix::io::Errno),
    /// Another view serves another folder at the host.
    #[error("{host} is mapped to {folder} by another webview of this browser process (a host maps to one folder)")]
    Taken {
        /// The host.
        host: String,
        /// The folder it serves.
        folder: PathBuf,
    },
    /// The host's certificate.
    #[error(transparent)]
    Certificate(#[from] super::tls::CertificateError),
    /// GIO would not take the certificate.
    #[error("WebKit cannot take the certificate")]
    TrustCertificate(#[source] glib::Error),
    /// The app's proxy cannot carry the other traffic.
    #[error("the app's proxy: {0}")]
    Upstream(String),
    /// The proxy could not start listening.
    #[error("cannot start the proxy")]
    Start(#[source] std::io::Error),
    /// No random bytes for a token.
    #[error("no random bytes")]
    Random(#[source] rustix::io::Errno),
    /// A navigation with a method and body to a URI that is not http(s).
    #[error("{0} is not an http(s) URI")]
    NotHttp(String),
}
