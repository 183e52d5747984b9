//! Custom schemes and `WebResourceRequested`: the app serves URIs of its own schemes.
//!
//! Register a scheme on the environment ([`EnvironmentBuilder::custom_scheme`]), add a URI filter
//! on the webview ([`WebView::add_web_resource_requested_filter`]) and answer
//! [`WebView::on_web_resource_requested`]. Bodies stream both ways: the request body arrives as a
//! [`RequestBody`] (`Read`, `Send`: read it on any thread), and a response body can be bytes, a
//! file, or a [`ResponseBodyWriter`] written from any thread while the page already reads.
//!
//! A request that no handler answers — no response set and no deferral, or a deferral dropped
//! without a response — gets the default response: `404 Not Found` with an empty body.
//!
//! [`EnvironmentBuilder::custom_scheme`]: crate::EnvironmentBuilder::custom_scheme
//! [`WebView::add_web_resource_requested_filter`]: crate::WebView::add_web_resource_requested_filter
//! [`WebView::on_web_resource_requested`]: crate::WebView::on_web_resource_requested

mod event;
mod received;
mod request;
mod response;
mod scheme;

pub use event::{ResponseSlot, WebResourceRequestedEventArgs};
pub(crate) use received::ReceivedResponse;
pub use received::{WebResourceResponseReceivedEventArgs, WebResourceResponseView};
pub use request::{RequestBody, WebResourceRequest};
pub use response::{ResponseBodyWriter, WebResourceResponse};
pub use scheme::CustomSchemeRegistration;
