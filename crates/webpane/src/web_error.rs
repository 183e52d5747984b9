//! Why a navigation failed: the engine's error, and WebView2's classification of it.

use webpane_ipc::protocol as wire;

/// Why a navigation failed: the engine's error domain, code and message (WebKit's `GError`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WebError {
    domain: String,
    code: i32,
    message: String,
}

impl WebError {
    /// The engine's error domain, such as `WebKitNetworkError` or `g-resolver-error-quark`.
    pub fn domain(&self) -> &str {
        &self.domain
    }
    /// The engine's code within the domain.
    pub fn code(&self) -> i32 {
        self.code
    }
    /// The engine's message, for people.
    pub fn message(&self) -> &str {
        &self.message
    }
    /// WebView2's classification of it.
    pub fn status(&self) -> WebErrorStatus {
        WebErrorStatus::of(self)
    }
}

impl std::fmt::Display for WebError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({} {})", self.message, self.domain, self.code)
    }
}

impl std::error::Error for WebError {}

impl From<wire::WebError> for WebError {
    fn from(e: wire::WebError) -> Self {
        WebError {
            domain: e.domain,
            code: e.code,
            message: e.message,
        }
    }
}

#[doc(alias = "COREWEBVIEW2_WEB_ERROR_STATUS")]
/// WebView2's `COREWEBVIEW2_WEB_ERROR_STATUS`, mapped from WebKit's error domains and codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum WebErrorStatus {
    /// No better classification.
    Unknown,
    /// The server's certificate is not valid.
    CertificateIsInvalid,
    /// The host name could not be resolved.
    HostNameNotResolved,
    /// A connection could not be made.
    CannotConnect,
    /// The navigation was cancelled (by the app, a newer navigation, or `stop()`).
    OperationCanceled,
    /// The scheme is not supported.
    UnsupportedScheme,
    /// The file does not exist.
    FileNotFound,
    /// A redirect failed.
    RedirectFailed,
}

impl WebErrorStatus {
    /// Classifies a WebKit error.
    pub fn of(error: &WebError) -> WebErrorStatus {
        match (error.domain(), error.code()) {
            ("WebKitNetworkError", 302) | ("WebKitPolicyError", 102) => WebErrorStatus::OperationCanceled,
            ("WebKitNetworkError", 300) => WebErrorStatus::CannotConnect,
            ("WebKitNetworkError", 301) | ("WebKitPolicyError", 101) => WebErrorStatus::UnsupportedScheme,
            ("WebKitNetworkError", 303) | ("g-io-error-quark", 1) => WebErrorStatus::FileNotFound,
            ("g-resolver-error-quark", _) => WebErrorStatus::HostNameNotResolved,
            ("g-tls-error-quark", _) | ("WebKitTLSError", _) => WebErrorStatus::CertificateIsInvalid,
            ("g-io-error-quark", 39) | ("g-io-error-quark", 40) => WebErrorStatus::CannotConnect,
            ("soup-session-error-quark", 5) => WebErrorStatus::RedirectFailed,
            _ => WebErrorStatus::Unknown,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(domain: &str, code: i32) -> WebErrorStatus {
        WebError::from(wire::WebError {
            domain: domain.into(),
            code,
            message: String::new(),
        })
        .status()
    }

    #[test]
    fn webkit_errors_are_classified_as_webview2_statuses() {
        assert_eq!(status("WebKitNetworkError", 302), WebErrorStatus::OperationCanceled);
        assert_eq!(status("WebKitPolicyError", 102), WebErrorStatus::OperationCanceled);
        assert_eq!(status("WebKitNetworkError", 300), WebErrorStatus::CannotConnect);
        assert_eq!(status("g-io-error-quark", 39), WebErrorStatus::CannotConnect);
        assert_eq!(status("WebKitNetworkError", 301), WebErrorStatus::UnsupportedScheme);
        assert_eq!(status("WebKitPolicyError", 101), WebErrorStatus::UnsupportedScheme);
        assert_eq!(status("WebKitNetworkError", 303), WebErrorStatus::FileNotFound);
        assert_eq!(status("g-io-error-quark", 1), WebErrorStatus::FileNotFound);
        assert_eq!(status("g-resolver-error-quark", 0), WebErrorStatus::HostNameNotResolved);
        assert_eq!(status("g-tls-error-quark", 3), WebErrorStatus::CertificateIsInvalid);
        assert_eq!(status("soup-session-error-quark", 5), WebErrorStatus::RedirectFailed);
        assert_eq!(status("WebKitNetworkError", 999), WebErrorStatus::Unknown);
        assert_eq!(status("", 0), WebErrorStatus::Unknown);
    }
}
