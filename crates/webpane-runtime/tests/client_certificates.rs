//! TLS client authentication across the processes: a server asks for a client certificate;
//! without a handler none is presented, with one the app's certificate (and key) reaches the
//! server, which sees exactly that certificate.

mod common;

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};

use common::*;
use rustls::client::danger::HandshakeSignatureValid;
use rustls::pki_types::{CertificateDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{DigitallySignedStruct, DistinguishedName, SignatureScheme};
use webpane::{ClientCertificate, ServerCertificateErrorAction};

/// Asks for a client certificate, takes any (or none), and keeps what came.
#[derive(Debug)]
struct AnyClient(Arc<rustls::crypto::CryptoProvider>);

impl ClientCertVerifier for AnyClient {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }
    fn client_auth_mandatory(&self) -> bool {
        false
    }
    fn verify_client_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        Ok(ClientCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// The client certificates a server saw (DER), one entry per request.
type Seen = Arc<Mutex<Vec<Option<Vec<u8>>>>>;

/// A TLS server on 127.0.0.1 asking for a client certificate; its page says whether one came.
/// Returns the port and the client certificates seen (DER), one entry per request.
fn client_auth_server() -> (u16, Seen) {
    let key = rcgen::KeyPair::generate().unwrap();
    let params = rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned()]).unwrap();
    let cert = params.self_signed(&key).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = Arc::new(
        rustls::ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_client_cert_verifier(Arc::new(AnyClient(provider)))
            .with_single_cert(
                vec![cert.der().clone()],
                rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
            )
            .unwrap(),
    );
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen: Seen = Arc::default();
    let record = seen.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming().map_while(Result::ok) {
            let (config, record) = (config.clone(), record.clone());
            std::thread::spawn(move || {
                let Ok(tls) = rustls::ServerConnection::new(config) else {
                    return;
                };
                let mut stream = rustls::StreamOwned::new(tls, conn);
                let mut request = [0u8; 4096];
                if stream.read(&mut request).is_err() {
                    return;
                }
                let client = stream
                    .conn
                    .peer_certificates()
                    .and_then(|c| c.first())
                    .map(|c| c.as_ref().to_vec());
                let body = format!(
                    "<script>chrome.webview.postMessage('{}')</script>",
                    if client.is_some() {
                        "with a certificate"
                    } else {
                        "without"
                    }
                );
                record.lock().unwrap().push(client);
                let _ = write!(
                    stream,
                    "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.flush();
            });
        }
    });
    (port, seen)
}

/// A client certificate and its key, as PEM, and the certificate's DER.
fn client_identity() -> (String, Vec<u8>) {
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "webpane client");
    let cert = params.self_signed(&key).unwrap();
    (format!("{}{}", cert.pem(), key.serialize_pem()), cert.der().to_vec())
}

fn messages_of(webview: &webpane::WebView) -> std::rc::Rc<std::cell::RefCell<Vec<String>>> {
    let messages = recorder();
    let m = messages.clone();
    webview.on_web_message_received(move |_, args| m.borrow_mut().push(args.web_message_as_json().to_owned()));
    messages
}

#[test]
fn the_apps_client_certificate_reaches_the_server_and_none_without_a_handler() {
    let (port, seen) = client_auth_server();
    let (pem, der) = client_identity();
    assert!(ClientCertificate::from_pem("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----").is_err());
    let certificate = ClientCertificate::from_pem(&pem).unwrap();

    // Without a handler: no certificate, the server goes on without one.
    let (event_loop, _env, webview, _dir) = open_webview();
    webview.on_server_certificate_error_detected(|_, args| args.set_action(ServerCertificateErrorAction::AlwaysAllow));
    let messages = messages_of(&webview);
    webview.navigate(&format!("https://127.0.0.1:{port}/")).unwrap();
    wait_until(&event_loop, "the page", || !messages.borrow().is_empty());
    assert_eq!(messages.borrow()[0], r#""without""#);

    // With a handler presenting the app's certificate: the server sees exactly it. (A second
    // browser process, so that no TLS session of the first is resumed.)
    let (event_loop, _env, webview, _dir) = open_webview();
    webview.on_server_certificate_error_detected(|_, args| args.set_action(ServerCertificateErrorAction::AlwaysAllow));
    let asked = recorder();
    {
        let asked = asked.clone();
        webview.on_client_certificate_requested(move |_, args| {
            asked.borrow_mut().push((args.host().to_owned(), args.port()));
            args.set_selected_certificate(&certificate);
        });
    }
    let messages = messages_of(&webview);
    webview.navigate(&format!("https://127.0.0.1:{port}/")).unwrap();
    wait_until(&event_loop, "the page", || !messages.borrow().is_empty());
    assert_eq!(messages.borrow()[0], r#""with a certificate""#);
    assert_eq!(asked.borrow()[0], ("127.0.0.1".to_owned(), port));
    let seen = seen.lock().unwrap();
    assert_eq!(
        seen.last().cloned().flatten().as_deref(),
        Some(der.as_slice()),
        "the app's certificate"
    );
}
