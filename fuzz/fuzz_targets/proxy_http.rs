//! Fuzzes what the loopback proxy parses as text: HTTP/1.1 request heads as WebKit (or any local
//! client that got past the SOCKS handshake) sends them, one after another on one connection
//! (pipelined, cut anywhere), and proxy URIs as apps, the system or the environment give them.
//! Each must parse or be refused with a typed error: no panic, no head larger than the limit.

#![no_main]

use libfuzzer_sys::fuzz_target;
use webpane_proxy_wire::http_head::{MAX_HEAD, read_head};
use webpane_proxy_wire::proxy_uri;

fuzz_target!(|data: &[u8]| {
    // The input arrives in pieces whose sizes the first byte picks.
    let step = usize::from(data.first().copied().unwrap_or(1)).max(1);
    let mut stream = Chunks { data, step };
    let mut pending = Vec::new();
    for _ in 0..64 {
        match read_head(&mut stream, std::mem::take(&mut pending)) {
            Ok(Some(head)) => {
                assert!(head.headers.len() <= 96);
                let _ = head.header("content-length");
                pending = head.rest;
            }
            Ok(None) | Err(_) => break,
        }
        assert!(pending.len() <= data.len() + MAX_HEAD);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(Some(upstream)) = proxy_uri::parse(text) {
            assert!(!upstream.host.is_empty());
        }
        let _ = proxy_uri::without_credentials(text);
    }
});

/// `data` read `step` bytes at a time.
struct Chunks<'a> {
    data: &'a [u8],
    step: usize,
}

impl std::io::Read for Chunks<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.step.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}
