//! Fuzzes the app side of the protocol: the SDK talking to a hostile browser process.
//!
//! A fake runtime in this process listens on a private user data folder, welcomes the SDK,
//! creates the webview it asks for, and then sends whatever the input holds: each chunk
//! (a length byte and that many bytes) that decodes as a `RuntimeMessage` is sent as such (events
//! for the webview, answers to requests never made, fd references with no fds, ...). The SDK's
//! event loop dispatches all of it with handlers registered; it must never panic, block or leak,
//! and ends with a `Disconnecting` from the fake runtime, which closes the webview.

#![no_main]

use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use webpane::{Environment, EventLoop, WebViewOptions};
use webpane_ipc::protocol::{AppMessage, RuntimeMessage};
use webpane_ipc::{Connection, Folder, Listener, Outgoing};

fn fake_runtime(listener: Listener, messages: Vec<RuntimeMessage>) {
    // Never waits for good: the SDK may have given up before connecting.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    let conn = loop {
        match listener.try_accept(Duration::from_secs(5)) {
            Ok(Some(conn)) => break conn,
            Ok(None) if std::time::Instant::now() < deadline => std::thread::sleep(Duration::from_millis(1)),
            _ => return,
        }
    };
    let drain = |conn: &Connection| while let Ok(Some(_)) = conn.try_recv::<AppMessage>() {};
    // Hello → Welcome; CreateWebView → WebViewCreated.
    let Ok(Some(_hello)) = conn.recv_timeout::<AppMessage>(Some(Duration::from_secs(5))) else { return };
    let pid = std::process::id();
    let _ = conn.send(&RuntimeMessage::Welcome { browser_process_id: pid }, Outgoing::new());
    let id = loop {
        match conn.recv_timeout::<AppMessage>(Some(Duration::from_secs(5))) {
            Ok(Some(received)) => {
                if let AppMessage::CreateWebView { id, .. } = received.message {
                    break id;
                }
            }
            _ => return,
        }
    };
    let _ = conn.send(&RuntimeMessage::WebViewCreated { id }, Outgoing::new());
    for message in messages {
        drain(&conn);
        if conn.send(&message, Outgoing::new()).is_err() {
            return;
        }
    }
    drain(&conn);
    let _ = conn.send(
        &RuntimeMessage::Disconnecting {
            reason: "fuzzing is over".into(),
        },
        Outgoing::new(),
    );
    conn.shutdown();
}

fuzz_target!(|data: &[u8]| {
    let mut messages = Vec::new();
    let mut rest = data;
    while let Some((&len, tail)) = rest.split_first() {
        let len = (len as usize).min(tail.len());
        if let Ok(message) = postcard::from_bytes::<RuntimeMessage>(&tail[..len]) {
            messages.push(message);
        }
        rest = &tail[len..];
    }
    let Ok(dir) = tempfile::tempdir() else { return };
    let Ok(folder) = Folder::open(dir.path(), false) else { return };
    let Ok(listener) = Listener::bind(folder.entry_path(webpane_ipc::folder::SOCKET_FILE)) else { return };
    let runtime = std::thread::spawn(move || fake_runtime(listener, messages));

    let Ok(event_loop) = EventLoop::new() else { return };
    let built = event_loop.block_on(
        Environment::builder()
            .user_data_folder(dir.path())
            // Any existing file: it is never started, since the fake runtime answers.
            .runtime_path(std::env::current_exe().unwrap_or_default())
            .build(&event_loop),
    );
    if let Ok(Ok(env)) = built {
        env.on_browser_process_exited(|_, _| {});
        if let Ok(Ok(webview)) = event_loop.block_on(env.create_webview(WebViewOptions::default())) {
            webview.on_navigation_starting(|_, args| args.set_cancel(true));
            webview.on_web_message_received(|_, args| {
                let _ = args.web_message_as_string();
            });
            webview.on_process_failed(|_, _| {});
            webview.on_new_window_requested(|_, args| args.set_handled(true));
            webview.on_web_resource_requested(|_, _| {});
            webview.on_frame_created(|_, args| {
                let _ = args.frame().execute_script("1");
            });
            let deadline = std::time::Instant::now() + Duration::from_secs(10);
            while !webview.is_closed() && std::time::Instant::now() < deadline {
                let _ = event_loop.dispatch(Some(Duration::from_millis(5)));
            }
        }
    }
    let _ = runtime.join();
});
