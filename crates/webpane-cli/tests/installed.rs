//! The installable package (`cargo xtask dist`), unpacked into a temporary root and used from
//! there with no build folder in sight: the CLI finds the installed runtime (no
//! `$WEBPANE_RUNTIME`, nothing next to it), `webpane doctor` and `webpane run` work, and a newer
//! version installed beside it while an app runs raises NewBrowserVersionAvailable in that app,
//! and is the one the next start takes.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::{TIMEOUT, lines_of, wait_exit};

const PAGE: &str = r#"<!doctype html><script>
chrome.webview.postMessage({ ready: location.protocol });
chrome.webview.addEventListener('message', e => chrome.webview.postMessage({ exit: e.data.quit }));
</script>"#;

/// The package `cargo xtask test` built for this run.
fn package() -> PathBuf {
    let path = std::env::var_os("WEBPANE_TEST_PACKAGE").map(PathBuf::from).expect(
        "WEBPANE_TEST_PACKAGE is not set: run the tests with `cargo xtask test` (it builds the package with \
         `cargo xtask dist --debug` first)",
    );
    assert!(path.is_file(), "{} is not there", path.display());
    path
}

/// The installed CLI, with nothing of the build in its environment.
fn installed(root: &Path, work: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(root.join("usr/bin/webpane"));
    command
        .args(args)
        .current_dir(work)
        .env_remove("WEBPANE_RUNTIME")
        .env("WEBPANE_RUNTIME_DIRS", root.join("usr/libexec/webpane"))
        .env("XDG_DATA_HOME", work.join("data"));
    command
}

#[test]
fn the_package_runs_from_where_it_is_installed() {
    let package = package();
    let field = |name: &str| {
        let out = Command::new("dpkg-deb")
            .arg("-f")
            .arg(&package)
            .arg(name)
            .output()
            .unwrap();
        assert!(out.status.success(), "dpkg-deb -f {name}");
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    };
    assert_eq!(field("Package"), "webpane");
    let depends = field("Depends");
    assert!(depends.contains("libwebkit2gtk-4.1-0 (>= 2.40)"), "{depends}");
    assert!(depends.contains("libgtk-3-0"), "{depends}");

    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    let status = Command::new("dpkg-deb")
        .arg("-x")
        .arg(&package)
        .arg(&root)
        .status()
        .unwrap();
    assert!(status.success(), "dpkg-deb -x");
    let work = dir.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    let installs = root.join("usr/libexec/webpane");
    let versions: Vec<PathBuf> = std::fs::read_dir(&installs)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(versions.len(), 1, "{versions:?}");
    let version = &versions[0];
    assert_eq!(
        std::fs::read_to_string(version.join("PROTOCOL")).unwrap().trim(),
        webpane_ipc::PROTOCOL_VERSION.to_string()
    );
    for file in ["webpane-runtime", "libwebpane_webext.so"] {
        assert!(version.join(file).is_file(), "{file}");
    }

    // The doctor finds the installed runtime and its extension.
    let doctor = installed(&root, &work, &["doctor"]).output().unwrap();
    let report = String::from_utf8_lossy(&doctor.stdout);
    assert!(doctor.status.success(), "{report}");
    assert!(
        report.contains(&format!(
            "runtime binary               {}",
            version.join("webpane-runtime").display()
        )),
        "{report}"
    );
    assert!(report.contains("web process extension"), "{report}");

    // A page runs, with messages both ways; meanwhile a newer version is installed beside it.
    std::fs::write(work.join("page.html"), PAGE).unwrap();
    let mut run = installed(
        &root,
        &work,
        &["run", "page.html", "--headless", "--user-data-folder", "udf"],
    )
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let out = lines_of(run.stdout.take().unwrap());
    let err = lines_of(run.stderr.take().unwrap());
    assert_eq!(out.recv_timeout(TIMEOUT).unwrap(), r#"{"ready":"file:"}"#);
    let newer = installs.join("99.0.0");
    let copied = Command::new("cp").arg("-al").arg(version).arg(&newer).status().unwrap();
    assert!(copied.success());
    let deadline = std::time::Instant::now() + TIMEOUT;
    loop {
        let line = err
            .recv_timeout(deadline.saturating_duration_since(std::time::Instant::now()))
            .expect("no NewBrowserVersionAvailable in the running app");
        if line.contains("a newer webpane runtime") {
            break;
        }
    }
    writeln!(run.stdin.as_mut().unwrap(), r#"{{"quit": 3}}"#).unwrap();
    assert_eq!(wait_exit(&mut run, "the installed run"), 3);

    // The next start takes the newest version.
    let doctor = installed(&root, &work, &["doctor"]).output().unwrap();
    let report = String::from_utf8_lossy(&doctor.stdout);
    assert!(
        report.contains(&newer.join("webpane-runtime").display().to_string()),
        "{report}"
    );
}
