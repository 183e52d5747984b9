//! The SDK's examples for other event loops run for real: the tokio one (its loop drives the SDK
//! through `AsyncFd`) and the winit one (the page embedded in winit's X11 window, winit driving
//! the SDK). Each is built (cargo knows whether it is fresh), run with this build's runtime, and
//! must finish its round trip with the page by itself.

mod common;

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{TIMEOUT, runtime};

/// Builds the example `name` of the SDK and returns its binary.
fn example(name: &str) -> PathBuf {
    common::example_binary(name)
}

/// Runs an example to its end (killed after the timeout); its exit status and stdout.
fn run(binary: &PathBuf) -> (std::process::ExitStatus, String) {
    let mut child = Command::new(binary)
        .env("WEBPANE_RUNTIME", runtime())
        .env("WEBPANE_EXAMPLE_EXIT", "1")
        // X11 for winit: the page is embedded in an X window.
        .env_remove("WAYLAND_DISPLAY")
        .stdout(Stdio::piped())
        .spawn()
        .expect("the example starts");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{} did not finish within {TIMEOUT:?}", binary.display());
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut out = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take().unwrap(), &mut out).unwrap();
    (status, out)
}

#[test]
fn the_tokio_example_drives_the_sdk_from_tokio_and_talks_with_its_page() {
    let (status, out) = run(&example("tokio_app"));
    assert!(status.success(), "{status}: {out}");
    assert!(
        out.contains(r#"page answered: Some(Object {"answer": Number(42)})"#),
        "{out}"
    );
    assert!(out.contains(r#"document.title = "tokio""#), "{out}");
}

#[test]
fn the_winit_example_embeds_its_page_in_a_winit_window_and_talks_with_it() {
    let (status, out) = run(&example("winit_app"));
    assert!(status.success(), "{status}: {out}");
    assert!(out.contains("page says: loaded"), "{out}");
    assert!(out.contains("page says: pong: ping"), "{out}");
}

#[test]
fn the_browser_policy_example_grants_a_camera_writes_a_download_and_finds() {
    let (status, out) = run(&example("browser_policy"));
    assert!(status.success(), "{status}: {out}");
    assert!(
        out.contains("permission: Camera for https://app.example/index.html -> allowed"),
        "{out}"
    );
    assert!(out.contains("page says: camera: 1 track"), "{out}");
    assert!(out.contains("download: Completed at "), "{out}");
    assert!(out.contains("written: 4194304 bytes"), "{out}");
    assert!(out.contains("find: 4 matches of \"webpane\", active 0"), "{out}");
    assert!(out.contains("find: 4 matches of \"webpane\", active 1"), "{out}");
}

/// What the offscreen example types: Latin accents, CJK, an emoji.
pub const TYPED: &str = "wpé çà 日本語 😀";

/// The line the offscreen example prints once it typed [`TYPED`].
pub fn typed_value_line() -> String {
    format!("typed value: {}", serde_json::to_string(TYPED).unwrap())
}

#[test]
fn the_offscreen_example_shows_its_page_and_sends_input_through_the_api() {
    let binary = example("offscreen");
    let dir = tempfile::tempdir().unwrap();
    let shot = dir.path().join("shot.png");
    let out = Command::new(&binary)
        .args([
            "--click",
            "90,190",
            "--click",
            "180,277",
            "--type",
            TYPED,
            "--wait-ms",
            "800",
        ])
        .arg("--screenshot")
        .arg(&shot)
        .env("WEBPANE_RUNTIME", runtime())
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // Issue 28: the text the example typed is in the field exactly, accents, CJK and emoji.
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains(&typed_value_line()), "{stdout}");
    // The clicked button turned green in the frame the window showed.
    let mut reader = png::Decoder::new(std::fs::File::open(&shot).unwrap())
        .read_info()
        .unwrap();
    let mut rgba = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut rgba).unwrap();
    let at = ((190 * info.width + 90) * 4) as usize;
    assert_eq!(&rgba[at..at + 3], &[0x38, 0xa1, 0x69], "the button was not clicked");
    // Typed text darkens the field where the placeholder was light.
    let field: Vec<u8> = (30..70)
        .flat_map(|x| {
            let at = ((277 * info.width + x) * 4) as usize;
            rgba[at..at + 3].to_vec()
        })
        .collect();
    assert!(field.iter().any(|&v| v < 60), "no typed text in the field");
}
