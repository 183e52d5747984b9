//! Fuzzes what the runtime does with an app's request before acting on it: decoding the body as
//! `AppMessage` (no fds: the ordinary requests) and checking it (`validate::app_message`: NUL
//! characters, JSON text of web messages and additional data, sizes, zoom, cookies). The same
//! JSON check guards page messages (`validate::json_text`), fuzzed here on the raw input too.

#![no_main]

use libfuzzer_sys::fuzz_target;
use webpane_ipc::decode_message;

fuzz_target!(|data: &[u8]| {
    if let Ok(received) = decode_message::<webpane_ipc::protocol::AppMessage>(data, Vec::new()) {
        let _ = webpane_ipc::validate::app_message(&received.message);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = webpane_ipc::validate::json_text(text);
    }
});
