//! Fuzzes the loopback proxy's SOCKS handshakes on both sides, on bytes alone: the server side
//! (what a local client sends the proxy: any bytes, right or wrong credentials) and the client
//! side (what the next proxy answers to a SOCKS5 handshake, with and without credentials, and to
//! a SOCKS4a one). Each must end with a target or a typed refusal, never panic, never read past
//! what it was given.

#![no_main]

use std::io::{self, Read, Write};

use libfuzzer_sys::fuzz_target;
use webpane_proxy_wire::{socks_client, socks_server};

/// The peer's bytes in; what is written goes nowhere.
struct Peer<'a>(&'a [u8]);

impl Read for Peer<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf)
    }
}

impl Write for Peer<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(target) = socks_server::handshake(&mut Peer(data), "webpane", "secret") {
        assert_eq!(target.host, target.host.to_ascii_lowercase());
    }
    let credentials = ("user".to_owned(), "pass".to_owned());
    let _ = socks_client::connect5(&mut Peer(data), None, "example.org", 443);
    let _ = socks_client::connect5(&mut Peer(data), Some(&credentials), "example.org", 443);
    let _ = socks_client::connect4a(&mut Peer(data), Some(&credentials), "example.org", 80);
});
