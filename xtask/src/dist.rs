//! `cargo xtask dist [--debug]`: the installable runtime, as a Debian package and a tarball of
//! the same tree, in `<target>/dist/`:
//!
//! ```text
//! /usr/libexec/webpane/<version>/webpane-runtime       the browser process
//! /usr/libexec/webpane/<version>/libwebpane_webext.so  its web process extension
//! /usr/libexec/webpane/<version>/PROTOCOL              the protocol version it speaks
//! /usr/bin/webpane                                     the CLI
//! /usr/share/doc/webpane/                              README, CHANGELOG, copyright
//! ```
//!
//! Versions install side by side (the SDK takes the newest that speaks its protocol, see
//! `webpane::find_runtime`); a package of a newer version adds its folder while apps run, and
//! their browser processes raise NewBrowserVersionAvailable.
//!
//! Built with `dpkg-deb` (part of every Debian system): cargo-deb would need fetching and
//! building, and packs one crate's binaries where this package holds three crates' outputs.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::process::{Result, cargo, run};

/// The runtime's Debian dependencies: WebKitGTK 2.40 or newer (the oldest API it links), GTK 3,
/// and what they bring (Debian 12 names first, Ubuntu 24.04's 64-bit-time names as
/// alternatives).
const DEPENDS: &str = "libc6, libglib2.0-0 (>= 2.72) | libglib2.0-0t64, libgtk-3-0 (>= 3.24) | libgtk-3-0t64, \
                       libwebkit2gtk-4.1-0 (>= 2.40), libjavascriptcoregtk-4.1-0 (>= 2.40), libsoup-3.0-0, \
                       bubblewrap, xdg-dbus-proxy";
/// Not needed to start, needed for parts: the system's trusted certificates (requests an app
/// intercepts and does not answer go on over TLS verified against them), a display server for
/// machines without one. (The web process sandbox, on by default, is in `DEPENDS`.)
const RECOMMENDS: &str = "ca-certificates";
const SUGGESTS: &str = "xvfb";

/// Builds the package and the tarball; returns the package's path.
pub fn dist(args: &[String]) -> std::result::Result<PathBuf, String> {
    let debug = args.iter().any(|a| a == "--debug");
    let mut build = cargo();
    build.args([
        "build",
        "-p",
        "webpane-runtime",
        "-p",
        "webpane-webext",
        "-p",
        "webpane-cli",
    ]);
    if !debug {
        build.arg("--release");
    }
    run(&mut build)?;
    let target = target_dir();
    let built = target.join(if debug { "debug" } else { "release" });
    let version = workspace_version()?;
    let arch = output(Command::new("dpkg").arg("--print-architecture"))?;
    let name = format!("webpane_{version}_{arch}");
    let dist = target.join("dist");
    let root = dist.join(&name);
    if root.exists() {
        std::fs::remove_dir_all(&root).map_err(|e| format!("cannot clear {}: {e}", root.display()))?;
    }
    let libexec = root.join(format!("usr/libexec/webpane/{version}"));
    let doc = root.join("usr/share/doc/webpane");
    for dir in [&libexec, &doc, &root.join("usr/bin"), &root.join("DEBIAN")] {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot make {}: {e}", dir.display()))?;
    }
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    install(&built.join("webpane-runtime"), &libexec.join("webpane-runtime"), 0o755)?;
    install(
        &built.join("libwebpane_webext.so"),
        &libexec.join("libwebpane_webext.so"),
        0o644,
    )?;
    install(&built.join("webpane"), &root.join("usr/bin/webpane"), 0o755)?;
    if !debug {
        // Debug information stays in the build folder (a tenth of the size on disk).
        let binaries = [
            libexec.join("webpane-runtime"),
            libexec.join("libwebpane_webext.so"),
            root.join("usr/bin/webpane"),
        ];
        run(Command::new("strip").arg("--strip-unneeded").args(&binaries))?;
    }
    let protocol = protocol_of(&built.join("webpane-runtime"))?;
    write(&libexec.join("PROTOCOL"), &format!("{protocol}\n"))?;
    for file in ["README.md", "CHANGELOG.md"] {
        install(&repo.join(file), &doc.join(file), 0o644)?;
    }
    let licenses = ["LICENSE-MIT", "LICENSE-APACHE"]
        .iter()
        .map(|f| std::fs::read_to_string(repo.join(f)).map_err(|e| format!("{f}: {e}")))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    write(
        &doc.join("copyright"),
        &format!(
            "webpane: MIT OR Apache-2.0, at your option.\n\n{}\n\n{}",
            licenses[0], licenses[1]
        ),
    )?;
    let size_kib = du_kib(&root)?;
    write(
        &root.join("DEBIAN/control"),
        &format!(
            "Package: webpane\nVersion: {version}\nArchitecture: {arch}\nMaintainer: webpane developers <webpane@localhost>\n\
             Installed-Size: {size_kib}\nDepends: {DEPENDS}\nRecommends: {RECOMMENDS}\nSuggests: {SUGGESTS}\n\
             Section: web\nPriority: optional\n\
             Description: WebView2-style web runtime for Linux apps\n \
             The shared browser process (GTK 3 + WebKitGTK 4.1) that apps built with the webpane SDK\n \
             find and start: pages in a crash-isolated process, zero-copy shared buffers with page\n \
             JavaScript, file handle delivery, lifecycle events. Also the webpane command line tool.\n \
             Versions install side by side under /usr/libexec/webpane.\n"
        ),
    )?;
    let deb = dist.join(format!("{name}.deb"));
    // A test package (debug binaries, unstripped) is compressed fast; a release one small.
    let compression: &[&str] = if debug { &["-Zgzip", "-z1"] } else { &["-Zxz"] };
    run(Command::new("dpkg-deb")
        .arg("--root-owner-group")
        .args(compression)
        .arg("--build")
        .arg(&root)
        .arg(&deb))?;
    if debug {
        eprintln!("xtask: built {}", deb.display());
        return Ok(deb);
    }
    let tarball = dist.join(format!("webpane-{version}-{arch}.tar.gz"));
    run(Command::new("tar")
        .arg("-C")
        .arg(&root)
        .args(["--owner=0", "--group=0", "-czf"])
        .arg(&tarball)
        .arg("usr"))?;
    eprintln!("xtask: built {} and {}", deb.display(), tarball.display());
    Ok(deb)
}

/// Where cargo puts build outputs.
pub fn target_dir() -> PathBuf {
    let dir = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"),
    };
    std::fs::canonicalize(&dir).unwrap_or(dir)
}

fn workspace_version() -> std::result::Result<String, String> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.toml");
    let text = std::fs::read_to_string(&manifest).map_err(|e| format!("{}: {e}", manifest.display()))?;
    let section = text
        .split("[workspace.package]")
        .nth(1)
        .ok_or("no [workspace.package] in Cargo.toml")?;
    section
        .lines()
        .take_while(|l| !l.starts_with('['))
        .find_map(|l| {
            l.strip_prefix("version")
                .map(|v| v.trim().trim_start_matches('=').trim().trim_matches('"'))
        })
        .map(str::to_owned)
        .ok_or_else(|| "no version in [workspace.package]".to_owned())
}

/// The protocol version the built runtime speaks (it says so in its doctor facts).
fn protocol_of(runtime: &Path) -> std::result::Result<u64, String> {
    let facts = Command::new(runtime)
        .arg("--doctor")
        .output()
        .map_err(|e| format!("cannot run {}: {e}", runtime.display()))?;
    let facts: serde_json::Value =
        serde_json::from_slice(&facts.stdout).map_err(|e| format!("unreadable runtime facts: {e}"))?;
    facts["protocol_version"]
        .as_u64()
        .ok_or_else(|| "the runtime did not say its protocol version".to_owned())
}

fn install(from: &Path, to: &Path, mode: u32) -> Result {
    use std::os::unix::fs::PermissionsExt;
    std::fs::copy(from, to).map_err(|e| format!("cannot copy {} to {}: {e}", from.display(), to.display()))?;
    std::fs::set_permissions(to, std::fs::Permissions::from_mode(mode)).map_err(|e| format!("{}: {e}", to.display()))
}

fn write(path: &Path, text: &str) -> Result {
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn output(cmd: &mut Command) -> std::result::Result<String, String> {
    let out = cmd.output().map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
    if !out.status.success() {
        return Err(format!("{cmd:?} failed: {}", String::from_utf8_lossy(&out.stderr)));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

fn du_kib(root: &Path) -> std::result::Result<u64, String> {
    let out = output(Command::new("du").args(["-sk", "--exclude=DEBIAN"]).arg(root))?;
    out.split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| format!("du said {out:?}"))
}
