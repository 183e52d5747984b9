//! The wire formats of webpane's loopback proxy (the browser process's `proxy` module), with no
//! I/O of their own: each works on any `Read + Write`, so that they are unit-tested and fuzzed
//! on bytes alone.
//!
//! - [`socks_server`]: the server side of SOCKS5 with username/password (what WebKit's network
//!   process speaks to the proxy);
//! - [`socks_client`]: SOCKS5 and SOCKS4a client handshakes (to the next proxy);
//! - [`http_head`]: HTTP/1.1 request heads;
//! - [`proxy_uri`]: proxy URIs (`http://`, `socks5://`, … with credentials).

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod http_head;
pub mod proxy_uri;
pub mod socks_client;
pub mod socks_server;
