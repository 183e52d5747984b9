//! `cargo xtask <task>`: the project's entry points, each installing what it needs first.
//!
//! - `demo`  — the most complete end-to-end example there is (the README's first command).
//! - `test`  — every test of the workspace, under a virtual X display (the README's second command).
//! - `bench` — the benchmark suite; numbers side by side, with ratios.
//! - `dist [--debug]` — the installable runtime: a Debian package and a tarball (`dist.rs`).
//! - `fuzz [SECONDS]` — every fuzz target for SECONDS each (installs cargo-fuzz).
//! - `layout` — the layout rules (no file over 600 lines, no import circles: `layout.rs`) and
//!   the promises table (`docs/promises.md`: every id, every named test exists: `promises.rs`).
//! - `ci`    — what `.ci/run` runs: format check, layout, clippy and docs (`ci-clippy` alone), tests.
//!
//! System packages come from Debian's apt and are installed only when missing, saying so first.

#![forbid(unsafe_code)]

mod dist;
mod layout;
mod msrv;
mod process;
mod promises;

use std::process::{Command, ExitCode};

use process::{Result, cargo, run};

/// Debian packages needed to build the browser process (GTK3 + WebKitGTK 4.1 headers).
const BUILD_PACKAGES: &[&str] = &["pkg-config", "libwebkit2gtk-4.1-dev"];
/// Debian packages the tests need on top: a virtual X server for the tests that show web pages.
const TEST_PACKAGES: &[&str] = &[
    "pkg-config",
    "libwebkit2gtk-4.1-dev",
    "xvfb",
    "xauth",
    // WebKit's web process sandbox (on by default: every test runs pages in it).
    "bubblewrap",
    "xdg-dbus-proxy",
    // Keyboard and mouse input into embedded views.
    "xdotool",
    // A Wayland desktop with no X server (its headless backend) for the Wayland tests.
    "weston",
];
/// Debian packages the demo needs (it runs under a virtual X display when there is none, and
/// its pages in WebKit's sandbox, on by default).
const DEMO_PACKAGES: &[&str] = &[
    "pkg-config",
    "libwebkit2gtk-4.1-dev",
    "xvfb",
    "xauth",
    "bubblewrap",
    "xdg-dbus-proxy",
];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("demo") => demo(),
        Some("test") => test(&args[1..]),
        Some("bench") => bench(&args[1..]),
        Some("dist") => ensure_packages(BUILD_PACKAGES).and_then(|()| dist::dist(&args[1..]).map(|_| ())),
        Some("fuzz") => fuzz(args.get(1).map(String::as_str).unwrap_or("60")),
        Some("layout") => check_layout(),
        Some("ci") => ci(),
        Some("ci-clippy") => clippy(),
        _ => {
            eprintln!("usage: cargo xtask <demo | test | bench | dist [--debug] | fuzz [SECONDS] | layout | ci>");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

fn is_installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
        .unwrap_or(false)
}

/// Installs the Debian packages of `packages` that are missing, with apt-get (via sudo when not root).
fn ensure_packages(packages: &[&str]) -> Result {
    let missing: Vec<&str> = packages.iter().copied().filter(|p| !is_installed(p)).collect();
    if missing.is_empty() {
        return Ok(());
    }
    eprintln!(
        "xtask: installing missing system packages with apt-get: {}",
        missing.join(" ")
    );
    let root = is_root();
    let apt = |args: &[&str]| {
        let mut cmd = if root {
            Command::new("apt-get")
        } else {
            let mut c = Command::new("sudo");
            c.arg("apt-get");
            c
        };
        cmd.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        cmd
    };
    run(&mut apt(&["update", "-qq"]))?;
    let mut install = apt(&["install", "-y", "-qq", "--no-install-recommends"]);
    install.args(&missing);
    run(&mut install)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn demo() -> Result {
    ensure_packages(DEMO_PACKAGES)?;
    // The SDK finds the runtime next to the example's folder, and the runtime its web process
    // extension next to itself: build both first.
    run(cargo().args(["build", "--release", "-p", "webpane-runtime", "-p", "webpane-webext"]))?;
    let mut cmd = with_display();
    cmd.args(["run", "--release", "-p", "webpane", "--example", "demo"]);
    run(&mut cmd)
}

/// `cargo` as is when a display exists (a Wayland one, or X11), else under `xvfb-run`.
fn with_display() -> Command {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    if let Some(wayland) = std::env::var_os("WAYLAND_DISPLAY").filter(|d| !d.is_empty()) {
        eprintln!("xtask: on the Wayland display {}", wayland.to_string_lossy());
        return Command::new(cargo);
    }
    if std::env::var_os("DISPLAY").is_some() {
        return Command::new(cargo);
    }
    eprintln!("xtask: no DISPLAY: running under Xvfb");
    let mut cmd = Command::new("xvfb-run");
    cmd.args(["-a", "-s", "-screen 0 1280x1024x24"]).arg(cargo);
    cmd
}

fn xvfb_cargo() -> Command {
    let mut cmd = Command::new("xvfb-run");
    cmd.args(["-a", "-s", "-screen 0 1280x1024x24"]);
    cmd.arg(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd
}

fn test(extra: &[String]) -> Result {
    ensure_packages(TEST_PACKAGES)?;
    // The runtime loads its web process extension from next to itself (a cdylib, which
    // `cargo test` does not build).
    run(cargo().args(["build", "-p", "webpane-webext"]))?;
    // The package, built from the same (debug) binaries: a test installs it into a temporary
    // root and runs it from there.
    let package = dist::dist(&["--debug".to_owned()])?;
    let mut cmd = xvfb_cargo();
    cmd.args(["test", "--workspace"])
        .args(extra)
        .env("WEBPANE_TEST_PACKAGE", package);
    run(&mut cmd)
}

fn bench(extra: &[String]) -> Result {
    ensure_packages(TEST_PACKAGES)?;
    // The suite lives in `webpane bench`; the CLI finds the runtime next to itself, and the
    // runtime its web process extension.
    run(cargo().args([
        "build",
        "--release",
        "-p",
        "webpane-cli",
        "-p",
        "webpane-runtime",
        "-p",
        "webpane-webext",
    ]))?;
    // The wry peer: its own build, so that a failure to build it (wry needs nothing the
    // runtime does not) leaves the suite to run alone.
    if let Err(e) = run(cargo().args(["build", "--release", "-p", "webpane-bench-wry"])) {
        eprintln!("xtask bench: the wry peer did not build ({e}); running without it");
    }
    let mut cmd = Command::new("xvfb-run");
    cmd.args(["-a", "-s", "-screen 0 1280x1024x24", "target/release/webpane", "bench"])
        .args(["--out", "target/webpane-bench.json"])
        .args(extra);
    run(&mut cmd)
}

/// The fuzz targets in `fuzz/fuzz_targets/`, each run for the time given.
const FUZZ_TARGETS: &[&str] = &[
    "decode_message",
    "framing",
    "runtime_requests",
    "app_session",
    "proxy_socks",
    "proxy_http",
];

fn fuzz(seconds: &str) -> Result {
    let have = Command::new("cargo")
        .args(["fuzz", "--version"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !have {
        eprintln!("xtask: installing cargo-fuzz from crates.io");
        run(cargo().args(["install", "cargo-fuzz", "--locked"]))?;
    }
    // cargo-fuzz needs nightly-only flags (sanitizers); RUSTC_BOOTSTRAP lets the stable compiler
    // accept them, since no other toolchain can be installed here.
    for target in FUZZ_TARGETS {
        eprintln!("xtask: fuzzing {target} for {seconds} s");
        run(cargo()
            .args(["fuzz", "run", target, "--fuzz-dir", "fuzz", "--"])
            .arg(format!("-max_total_time={seconds}"))
            .arg("-print_final_stats=1")
            .env("RUSTC_BOOTSTRAP", "1"))?;
    }
    Ok(())
}

fn clippy() -> Result {
    ensure_packages(BUILD_PACKAGES)?;
    run(cargo().args(["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"]))?;
    // API docs: every public item documented (missing_docs) and no broken links.
    run(cargo()
        .args(["doc", "--no-deps", "--workspace"])
        .env("RUSTDOCFLAGS", "-D warnings"))?;
    publishable()
}

/// Removes the copies of this workspace's crates that an earlier `cargo package` unpacked from
/// its temporary local registry into cargo's home: cargo keys them by name and version only, so
/// a second run on the same machine would verify against the stale ones. (Local registries are
/// the `registry/src` folders whose name starts with `-`: they have no host.)
fn forget_packaged_copies() {
    let home = std::env::var_os("CARGO_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".cargo")));
    let Some(src) = home.map(|h| h.join("registry/src")) else {
        return;
    };
    let Ok(registries) = std::fs::read_dir(&src) else {
        return;
    };
    for registry in registries.map_while(std::result::Result::ok) {
        if !registry.file_name().to_string_lossy().starts_with('-') {
            continue;
        }
        let Ok(crates) = std::fs::read_dir(registry.path()) else {
            continue;
        };
        for unpacked in crates.map_while(std::result::Result::ok) {
            if unpacked.file_name().to_string_lossy().starts_with("webpane") {
                let _ = std::fs::remove_dir_all(unpacked.path());
            }
        }
    }
}

/// The crates can be published: `cargo package` builds each from its packaged sources, offline;
/// and the SDK and `webpane-ipc` build with no WebKitGTK or GTK in sight (as on docs.rs): any
/// `-sys` crate asking pkg-config for them would fail here.
fn publishable() -> Result {
    forget_packaged_copies();
    // A target folder of its own, with this workspace's crates built afresh: cargo takes a
    // registry crate's build as final (its sources never change), so the packaged crates of an
    // earlier run would be used again.
    let target = dist::target_dir().join("package-check");
    for folder in [".fingerprint", "deps", "build"] {
        let Ok(entries) = std::fs::read_dir(target.join("debug").join(folder)) else {
            continue;
        };
        for entry in entries.map_while(std::result::Result::ok) {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with("webpane") || name.starts_with("libwebpane") {
                let _ = std::fs::remove_dir_all(entry.path()).or_else(|_| std::fs::remove_file(entry.path()));
            }
        }
    }
    run(cargo()
        .args([
            "package",
            "--workspace",
            "--exclude",
            "xtask",
            "--exclude",
            "webpane-bench-wry",
            "--offline",
            "--allow-dirty",
        ])
        .env("CARGO_TARGET_DIR", &target))?;
    run(cargo()
        .args(["check", "-p", "webpane", "-p", "webpane-ipc", "--all-targets"])
        .env("PKG_CONFIG_LIBDIR", "/nonexistent")
        .env("PKG_CONFIG_PATH", "/nonexistent"))
}

fn check_layout() -> Result {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .ok_or("no workspace above xtask")?;
    let mut problems = layout::check(root);
    // The promises table names tests: they must exist.
    problems.extend(promises::check(root));
    // The declared rust-version holds for every dependency in the lockfile.
    problems.extend(msrv::check(root));
    if problems.is_empty() {
        println!("layout: no file over {} lines, no import circle", layout::MAX_LINES);
        Ok(())
    } else {
        Err(format!("layout rules broken:\n{}", problems.join("\n")))
    }
}

fn ci() -> Result {
    run(cargo().args(["fmt", "--all", "--check"]))?;
    check_layout()?;
    clippy()?;
    test(&[])
}
