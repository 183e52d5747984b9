//! A certificate per virtual host, made here (rcgen), served by the proxy (rustls) and trusted by
//! WebKit for that host only (`webkit_web_context_allow_tls_certificate_for_host`): no other
//! host's TLS is touched.

use std::sync::Arc;

use rustls::ServerConfig;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// A host's certificate: its PEM (for WebKit) and the TLS server configuration using it.
pub struct HostCertificate {
    pub pem: String,
    pub config: Arc<ServerConfig>,
}

/// Why a virtual host's certificate could not be made.
#[derive(Debug, thiserror::Error)]
pub enum CertificateError {
    /// The key, the name or the signature (rcgen).
    #[error("cannot make a certificate for {0}")]
    Make(String, #[source] rcgen::Error),
    /// The TLS configuration (rustls).
    #[error("cannot use the certificate for {0}")]
    Use(String, #[source] rustls::Error),
}

/// A new self-signed certificate for `host` (an ECDSA P-256 key made now; it never leaves this
/// process).
pub fn certificate_for(host: &str) -> Result<HostCertificate, CertificateError> {
    let make = |e| CertificateError::Make(host.to_owned(), e);
    let key = rcgen::KeyPair::generate().map_err(make)?;
    let mut params = rcgen::CertificateParams::new(vec![host.to_owned()]).map_err(make)?;
    params.distinguished_name.push(rcgen::DnType::CommonName, host);
    params
        .distinguished_name
        .push(rcgen::DnType::OrganizationName, "webpane virtual host");
    let certificate = params.self_signed(&key).map_err(make)?;
    let der: CertificateDer<'static> = certificate.der().clone();
    let private = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| CertificateError::Use(host.to_owned(), e))?
        .with_no_client_auth()
        .with_single_cert(vec![der], private)
        .map_err(|e| CertificateError::Use(host.to_owned(), e))?;
    // HTTP/1.1 only (the server speaks nothing else).
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(HostCertificate {
        pem: certificate.pem(),
        config: Arc::new(config),
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_certificate_names_its_host() {
        use gio::prelude::*;
        let made = super::certificate_for("appassets.example").unwrap();
        assert!(made.pem.starts_with("-----BEGIN CERTIFICATE-----"));
        let parsed = gio::TlsCertificate::from_pem(&made.pem).unwrap();
        assert!(parsed.subject_name().unwrap().contains("appassets.example"));
    }
}
