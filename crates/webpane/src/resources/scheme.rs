//! Registering a custom scheme.

use webpane_ipc::protocol::CustomScheme;

/// A custom URI scheme for [`EnvironmentBuilder::custom_scheme`](crate::EnvironmentBuilder::custom_scheme)
/// (WebView2's `CoreWebView2CustomSchemeRegistration`).
///
/// Pages of the scheme itself may always request its URIs; pages of other origins only if they
/// match [`allowed_origins`](Self::allowed_origins) (and then CORS is answered for them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomSchemeRegistration {
    pub(crate) scheme: CustomScheme,
}

impl CustomSchemeRegistration {
    /// A scheme by name (lowercase, e.g. `app` for `app://…`).
    pub fn new(name: &str) -> Self {
        Self {
            scheme: CustomScheme {
                name: name.to_owned(),
                allowed_origins: Vec::new(),
                treat_as_secure: false,
            },
        }
    }

    /// Origins of other schemes whose pages may request this scheme's URIs; `*` matches any run
    /// of characters (`https://*.example.com`, `http://127.0.0.1:*`). Documents with an opaque
    /// origin (`about:blank`, `data:`, sandboxed iframes, error pages) count as `null`, which
    /// only `null` itself in this list allows; no wildcard matches it.
    pub fn allowed_origins(mut self, origins: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.scheme.allowed_origins = origins.into_iter().map(Into::into).collect();
        self
    }

    /// Whether the scheme's pages are secure contexts, like `https` (default: no).
    pub fn treat_as_secure(mut self, secure: bool) -> Self {
        self.scheme.treat_as_secure = secure;
        self
    }

    /// The scheme's name.
    pub fn name(&self) -> &str {
        &self.scheme.name
    }
}
