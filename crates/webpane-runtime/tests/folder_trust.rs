//! The user data folder and its socket are trusted only when they are ours (DESIGN.md §10):
//! a browser process of another user is never spoken to; a folder others can write, a folder of
//! another user, a link or a file in its place are refused with errors that name the path and
//! are left as they were; a folder of any path length works.

mod common;

use std::os::unix::fs::PermissionsExt;

use common::*;
use webpane::{Environment, Error, EventLoop};

/// App processes of this binary, by role.
#[test]
fn app_process_entry_point() {
    let Ok(role) = std::env::var(APP_ROLE) else { return };
    if role == "untrusted-runtime" {
        // Runs as another uid with a bound socket as stdin: listen (so the socket's peer
        // credentials are ours), take one client, and tell how many bytes it sent.
        use std::os::fd::AsFd;
        let stdin = std::io::stdin();
        let socket = stdin.as_fd();
        rustix::net::listen(socket, 8).unwrap();
        report("listening");
        let client = rustix::net::accept(socket).unwrap();
        let mut total = 0;
        let mut buf = [0u8; 4096];
        while let Ok(n) = rustix::net::recv(&client, &mut buf, rustix::net::RecvFlags::empty()) {
            if n.0 == 0 {
                break;
            }
            total += n.0;
        }
        report(&format!("received {total}"));
    }
}

/// A new folder `name` in `dir` with permission bits `mode`.
fn folder_with_mode(dir: &std::path::Path, name: &str, mode: u32) -> std::path::PathBuf {
    let folder = dir.join(name);
    std::fs::create_dir(&folder).unwrap();
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(mode)).unwrap();
    folder
}

/// The runtime started by hand on `folder` (as an app that skipped the SDK would).
fn runtime_on(folder: &std::path::Path) -> std::process::Output {
    std::process::Command::new(runtime())
        .arg("--user-data-folder")
        .arg(folder)
        .output()
        .unwrap()
}

fn build(folder: &std::path::Path) -> Result<Environment, Error> {
    let event_loop = EventLoop::new().unwrap();
    event_loop
        .block_on(
            Environment::builder()
                .user_data_folder(folder)
                .runtime_path(runtime())
                .shutdown_grace(std::time::Duration::from_millis(300))
                .build(&event_loop),
        )
        .unwrap()
}

#[test]
fn a_browser_process_of_another_user_is_never_spoken_to() {
    if !can_switch_users("a_browser_process_of_another_user_is_never_spoken_to") {
        return;
    }
    // The folder is ours; the process listening on its socket is not (uid 65534).
    let dir = tempfile::tempdir().unwrap();
    let socket = rustix::net::socket(
        rustix::net::AddressFamily::UNIX,
        rustix::net::SocketType::SEQPACKET,
        None,
    )
    .unwrap();
    let path = dir.path().join("runtime.sock");
    rustix::net::bind(&socket, &rustix::net::SocketAddrUnix::new(&path).unwrap()).unwrap();
    let (mut command, _copy) = command_as_nobody("untrusted-runtime", dir.path());
    let mut child = command
        .stdin(std::process::Stdio::from(socket))
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(child.stdout.take().unwrap()));
    let mut next = || {
        lines
            .by_ref()
            .map_while(Result::ok)
            .find_map(|l| l.find("@@").map(|at| l[at + 2..].to_owned()))
    };
    assert_eq!(next().as_deref(), Some("listening"));

    match build(dir.path()) {
        Err(Error::UntrustedBrowserProcess { uid, socket, .. }) => {
            assert_eq!(uid, 65534);
            assert_eq!(socket, path);
        }
        other => panic!("expected UntrustedBrowserProcess, got {other:?}"),
    }
    // It heard nothing from us, not even the transport handshake.
    assert_eq!(next().as_deref(), Some("received 0"));
    // And no runtime of ours was started in its place.
    assert!(!dir.path().join("runtime.lock").exists());
    assert!(wait_child(&mut child, "the other user's listener").success());
}

#[test]
fn a_folder_others_can_write_is_refused_and_left_as_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let folder = folder_with_mode(dir.path(), "shared", 0o1777);
    match build(&folder) {
        Err(e @ Error::UserDataFolder(webpane_ipc::FolderError::WritableByOthers { .. })) => {
            let message = e.to_string();
            assert!(message.contains(&folder.display().to_string()), "{message}");
            assert!(message.contains("1777"), "{message}");
        }
        other => panic!("expected a folder error, got {other:?}"),
    }
    let mode = std::fs::metadata(&folder).unwrap().permissions().mode() & 0o7777;
    assert_eq!(mode, 0o1777, "the folder was chmod-ed");
    assert_eq!(
        std::fs::read_dir(&folder).unwrap().count(),
        0,
        "something was written into it"
    );

    // The runtime itself refuses it too (an app that skipped the SDK's check).
    let out = runtime_on(&folder);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("writable by"));
    assert_eq!(std::fs::read_dir(&folder).unwrap().count(), 0);
}

#[test]
fn a_folder_of_another_user_is_refused() {
    if !can_switch_users("a_folder_of_another_user_is_refused") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let folder = folder_with_mode(dir.path(), "theirs", 0o700);
    std::os::unix::fs::chown(&folder, Some(65534), Some(65534)).unwrap();
    match build(&folder) {
        Err(Error::UserDataFolder(webpane_ipc::FolderError::NotOurs { owner, .. })) => assert_eq!(owner, 65534),
        other => panic!("expected NotOurs, got {other:?}"),
    }
    assert_eq!(std::fs::read_dir(&folder).unwrap().count(), 0);
}

#[test]
fn a_planted_lock_link_is_refused_and_its_target_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let folder = folder_with_mode(dir.path(), "udf", 0o700);
    let victim = dir.path().join("victim");
    std::fs::write(&victim, "precious\n").unwrap();
    std::os::unix::fs::symlink(&victim, folder.join("runtime.lock")).unwrap();
    let out = runtime_on(&folder);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("symbolic link") && stderr.contains("runtime.lock"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
    // Through the SDK: a clear error, the target untouched.
    assert!(build(&folder).is_err());
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
}

#[test]
fn a_file_where_the_folder_should_be_is_named_in_the_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-folder");
    std::fs::write(&file, "").unwrap();
    let error = build(&file).unwrap_err();
    assert!(error.to_string().contains(&file.display().to_string()), "{error}");
    let inside = file.join("udf");
    let error = build(&inside).unwrap_err();
    assert!(error.to_string().contains("not-a-folder"), "{error}");
}

#[test]
fn a_folder_path_longer_than_a_socket_address_works() {
    let dir = tempfile::tempdir().unwrap();
    let mut folder = dir.path().to_path_buf();
    while folder.as_os_str().len() < 200 {
        folder.push("a-folder-with-a-long-name");
    }
    assert!(folder.join("runtime.sock").as_os_str().len() > 108);
    let event_loop = EventLoop::new().unwrap();
    let env = env_for(&event_loop, &folder);
    let webview = new_webview(&event_loop, &env);
    assert!(load_html(&event_loop, &webview, "<p>long path</p>"));
    // A second app (environment) finds the same runtime through the long path.
    let again = env_for(&event_loop, &folder);
    assert_eq!(again.browser_process_id(), env.browser_process_id());
}

#[test]
fn a_link_in_place_of_webkits_folder_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let folder = folder_with_mode(dir.path(), "udf", 0o700);
    let elsewhere = folder_with_mode(dir.path(), "elsewhere", 0o700);
    std::os::unix::fs::symlink(&elsewhere, folder.join("webkit")).unwrap();
    let out = runtime_on(&folder);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("webkit") && stderr.contains("symbolic link"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_dir(&elsewhere).unwrap().count(),
        0,
        "WebKit wrote through the link"
    );
}

/// Issue 25.10: a FIFO where the permissions file should be does not hang the runtime's start
/// (it would wait for a writer while it holds the folder's lock), and a link planted at the
/// name of its temporary copy is not written through.
#[test]
fn a_fifo_or_link_among_the_runtimes_files_is_never_followed() {
    let dir = tempfile::tempdir().unwrap();
    let folder = folder_with_mode(dir.path(), "udf", 0o700);
    let webkit = folder_with_mode(&folder, "webkit", 0o700);
    rustix::fs::mknodat(
        rustix::fs::CWD,
        webkit.join("permissions.json"),
        rustix::fs::FileType::Fifo,
        rustix::fs::Mode::from_raw_mode(0o600),
        0,
    )
    .unwrap();
    let victim = dir.path().join("victim");
    std::fs::write(&victim, "keep").unwrap();
    std::os::unix::fs::symlink(&victim, webkit.join("permissions.json.partial")).unwrap();
    let event_loop = EventLoop::new().unwrap();
    let env = env_for(&event_loop, &folder);
    let webview = new_webview(&event_loop, &env);
    let set = event_loop.block_on(webview.set_permission_state(
        webpane::PermissionKind::Notifications,
        "https://a.example",
        webpane::PermissionState::Allow,
    ));
    assert!(matches!(set, Ok(Ok(()))), "{set:?}");
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep");
    drop((webview, env));
}

/// Issue 25.14: each folder gets its own read-only copy of the web process extension, never a
/// hard link to the installed file: writing one folder's copy changes neither the installed
/// runtime's file nor another folder's.
#[test]
fn the_web_process_extension_is_copied_never_linked() {
    use std::os::unix::fs::MetadataExt;
    let dir = tempfile::tempdir().unwrap();
    let event_loop = EventLoop::new().unwrap();
    let mut copies = Vec::new();
    for name in ["a", "b"] {
        let folder = folder_with_mode(dir.path(), name, 0o700);
        let env = env_for(&event_loop, &folder);
        let webview = new_webview(&event_loop, &env);
        copies.push(folder.join("webkit/extensions/libwebpane_webext.so"));
        drop((webview, env));
    }
    let installed = runtime().with_file_name("libwebpane_webext.so");
    let source = std::fs::metadata(&installed).unwrap();
    for copy in &copies {
        let meta = std::fs::metadata(copy).unwrap();
        assert_eq!(meta.nlink(), 1, "{} is linked", copy.display());
        assert_ne!((meta.dev(), meta.ino()), (source.dev(), source.ino()));
        assert_eq!(meta.len(), source.len());
        assert_eq!(meta.mode() & 0o777, 0o400, "read-only");
    }
    assert_ne!(
        std::fs::metadata(&copies[0]).unwrap().ino(),
        std::fs::metadata(&copies[1]).unwrap().ino()
    );
}
