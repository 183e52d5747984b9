//! Finding the `webpane-runtime` binary (WebView2's "evergreen or fixed version" question).
//!
//! In order, the first that is an executable file wins:
//!
//! 1. the path given to [`EnvironmentBuilder::runtime_path`](crate::EnvironmentBuilder::runtime_path);
//! 2. `$WEBPANE_RUNTIME`;
//! 3. next to the app's executable, or one folder up (a runtime shipped with the app: "fixed
//!    version"; also where cargo puts binaries relative to tests and examples);
//! 4. the system install: the newest version folder under `/usr/libexec/webpane` (then
//!    `/usr/local/libexec/webpane`) that speaks this SDK's protocol;
//! 5. the per-user install: the same under `$XDG_DATA_HOME/webpane` (`~/.local/share/webpane`).
//!
//! `$WEBPANE_RUNTIME_DIRS` (a `:`-separated list of install folders) replaces the system ones of
//! step 4, for packagers and tests. An install folder holds one folder per version
//! (`<install>/1.2.0/`), each with `webpane-runtime`, `libwebpane_webext.so` and `PROTOCOL` (the
//! protocol version it speaks, one number). The not-found error names every place looked at.

use std::ffi::OsString;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The environment variable naming the runtime binary.
pub const RUNTIME_ENV: &str = "WEBPANE_RUNTIME";
/// The environment variable listing install folders to search instead of the system ones.
pub const RUNTIME_DIRS_ENV: &str = "WEBPANE_RUNTIME_DIRS";
/// The runtime binary's file name.
pub const RUNTIME_NAME: &str = "webpane-runtime";
/// The system's install folders, searched in this order.
pub const SYSTEM_RUNTIME_DIRS: &[&str] = &["/usr/libexec/webpane", "/usr/local/libexec/webpane"];
/// The file of a version folder naming the protocol version its runtime speaks.
pub const PROTOCOL_FILE: &str = "PROTOCOL";

/// Finds the runtime (see the module documentation for the order). Each candidate must be an
/// executable file. The error names every place looked at and why each did not do,
/// `$WEBPANE_RUNTIME` included when it is not set.
pub fn find_runtime(explicit: Option<&Path>) -> Result<PathBuf> {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    let user_dir = var("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| var("HOME").map(|home| PathBuf::from(home).join(".local/share")))
        .map(|data| data.join("webpane"));
    let system: Vec<PathBuf> = match var(RUNTIME_DIRS_ENV) {
        Some(dirs) => std::env::split_paths(&dirs).collect(),
        None => SYSTEM_RUNTIME_DIRS.iter().map(PathBuf::from).collect(),
    };
    let places = Places {
        env: var(RUNTIME_ENV),
        exe: std::env::current_exe().ok(),
        system,
        user: user_dir,
    };
    find_runtime_in(explicit, &places)
}

/// Where to look (everything the environment says, gathered once).
struct Places {
    env: Option<OsString>,
    exe: Option<PathBuf>,
    system: Vec<PathBuf>,
    user: Option<PathBuf>,
}

fn is_executable(path: &Path) -> std::result::Result<(), &'static str> {
    match std::fs::metadata(path) {
        Ok(m) if m.is_file() && m.permissions().mode() & 0o111 != 0 => Ok(()),
        Ok(_) => Err("not an executable file"),
        Err(_) => Err("not there"),
    }
}

fn find_runtime_in(explicit: Option<&Path>, places: &Places) -> Result<PathBuf> {
    let mut searched = Vec::new();
    if let Some(path) = explicit {
        return match is_executable(path) {
            Ok(()) => Ok(path.to_owned()),
            Err(why) => Err(Error::RuntimeNotFound {
                searched: vec![format!("{} (given to runtime_path: {why})", path.display())],
            }),
        };
    }
    let mut candidates: Vec<(PathBuf, String)> = Vec::new();
    match &places.env {
        Some(path) => candidates.push((PathBuf::from(path), format!("${RUNTIME_ENV}"))),
        None => searched.push(format!("${RUNTIME_ENV} (not set)")),
    }
    if let Some(dir) = places.exe.as_deref().and_then(Path::parent) {
        candidates.push((dir.join(RUNTIME_NAME), "next to this program".into()));
        if let Some(up) = dir.parent() {
            candidates.push((up.join(RUNTIME_NAME), "one folder up from this program".into()));
        }
    }
    for (candidate, how) in candidates {
        match is_executable(&candidate) {
            Ok(()) => return Ok(candidate),
            Err(why) => searched.push(format!("{} ({how}: {why})", candidate.display())),
        }
    }
    let installs = places
        .system
        .iter()
        .map(|d| (d.clone(), "system install"))
        .chain(places.user.iter().map(|d| (d.clone(), "per-user install")));
    for (dir, how) in installs {
        match newest_in(&dir) {
            Ok(found) => return Ok(found),
            Err(why) => searched.push(format!("{} ({how}: {why})", dir.display())),
        }
    }
    Err(Error::RuntimeNotFound { searched })
}

/// The runtime of the newest version folder under `dir` that speaks this SDK's protocol.
fn newest_in(dir: &Path) -> std::result::Result<PathBuf, String> {
    let entries = std::fs::read_dir(dir).map_err(|_| "not there".to_owned())?;
    let mut versions: Vec<(semver::Version, PathBuf)> = Vec::new();
    let mut other_protocols = Vec::new();
    for entry in entries.map_while(std::result::Result::ok) {
        let Some(version) = entry.file_name().to_str().and_then(|n| semver::Version::parse(n).ok()) else {
            continue;
        };
        let folder = entry.path();
        let protocol = std::fs::read_to_string(folder.join(PROTOCOL_FILE))
            .ok()
            .and_then(|p| p.trim().parse::<u32>().ok());
        match protocol {
            Some(p) if p == webpane_ipc::PROTOCOL_VERSION => {
                if is_executable(&folder.join(RUNTIME_NAME)).is_ok() {
                    versions.push((version, folder.join(RUNTIME_NAME)));
                }
            }
            Some(p) => other_protocols.push(format!("{version} speaks protocol {p}")),
            None => other_protocols.push(format!("{version} has no {PROTOCOL_FILE}")),
        }
    }
    versions.sort_by(|a, b| a.0.cmp(&b.0));
    match versions.pop() {
        Some((_, runtime)) => Ok(runtime),
        None if other_protocols.is_empty() => Err("no version installed".into()),
        None => Err(format!(
            "no version speaking protocol {} ({}); install a webpane runtime matching this app's SDK",
            webpane_ipc::PROTOCOL_VERSION,
            other_protocols.join(", ")
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn install(root: &Path, version: &str, protocol: Option<u32>) -> PathBuf {
        let folder = root.join(version);
        std::fs::create_dir_all(&folder).unwrap();
        let runtime = folder.join(RUNTIME_NAME);
        std::fs::write(&runtime, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(&runtime, std::fs::Permissions::from_mode(0o755)).unwrap();
        if let Some(p) = protocol {
            std::fs::write(folder.join(PROTOCOL_FILE), format!("{p}\n")).unwrap();
        }
        runtime
    }

    fn places(dir: &Path) -> Places {
        Places {
            env: None,
            exe: Some(dir.join("bin/app")),
            system: vec![dir.join("system")],
            user: Some(dir.join("user")),
        }
    }

    #[test]
    fn every_place_looked_at_is_named_with_why() {
        let dir = tempfile::tempdir().unwrap();
        let not_executable = dir.path().join("plain");
        std::fs::write(&not_executable, "").unwrap();
        let Err(Error::RuntimeNotFound { searched }) = find_runtime_in(None, &places(dir.path())) else {
            panic!("found a runtime in an empty folder")
        };
        assert_eq!(searched[0], "$WEBPANE_RUNTIME (not set)");
        assert!(
            searched[1].contains("bin/webpane-runtime (next to this program: not there)"),
            "{searched:?}"
        );
        assert!(
            searched[2].ends_with("webpane-runtime (one folder up from this program: not there)"),
            "{searched:?}"
        );
        assert!(
            searched[3].ends_with("system (system install: not there)"),
            "{searched:?}"
        );
        assert!(
            searched[4].ends_with("user (per-user install: not there)"),
            "{searched:?}"
        );
        let with_env = Places {
            env: Some(not_executable.clone().into()),
            ..places(dir.path())
        };
        let Err(e) = find_runtime_in(None, &with_env) else {
            panic!("a plain file was taken for the runtime")
        };
        let text = e.to_string();
        assert!(text.contains("($WEBPANE_RUNTIME: not an executable file)"), "{text}");
        let found = std::env::current_exe().unwrap();
        assert_eq!(find_runtime_in(Some(&found), &places(dir.path())).unwrap(), found);
        assert!(find_runtime_in(Some(&not_executable), &places(dir.path())).is_err());
    }

    #[test]
    fn the_newest_install_speaking_our_protocol_wins() {
        let dir = tempfile::tempdir().unwrap();
        let ours = webpane_ipc::PROTOCOL_VERSION;
        let system = dir.path().join("system");
        install(&system, "0.9.0", Some(ours));
        let newest = install(&system, "0.10.0", Some(ours));
        install(&system, "0.11.0", Some(ours + 1));
        install(&system, "0.12.0", None);
        std::fs::create_dir_all(system.join("not-a-version")).unwrap();
        assert_eq!(find_runtime_in(None, &places(dir.path())).unwrap(), newest);

        // Only other protocols: the error says which, and what to do.
        std::fs::remove_dir_all(system.join("0.9.0")).unwrap();
        std::fs::remove_dir_all(system.join("0.10.0")).unwrap();
        let text = find_runtime_in(None, &places(dir.path())).unwrap_err().to_string();
        assert!(text.contains(&format!("0.11.0 speaks protocol {}", ours + 1)), "{text}");
        assert!(text.contains("install a webpane runtime"), "{text}");

        // The per-user install comes after the system's.
        let user = install(&dir.path().join("user"), "0.1.0", Some(ours));
        assert_eq!(find_runtime_in(None, &places(dir.path())).unwrap(), user);
    }
}
