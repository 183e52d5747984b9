//! Finding the `webpane-runtime` binary.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The environment variable naming the runtime binary.
pub const RUNTIME_ENV: &str = "WEBPANE_RUNTIME";
/// The runtime binary's file name.
pub const RUNTIME_NAME: &str = "webpane-runtime";

/// Finds the runtime: `explicit` if given, else `$WEBPANE_RUNTIME`, else next to the current
/// executable (or one folder up, where cargo puts binaries relative to test executables).
/// Each candidate must be an executable file.
pub fn find_runtime(explicit: Option<&Path>) -> Result<PathBuf> {
    let mut searched = Vec::new();
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Some(path) = explicit {
        candidates.push(path.to_owned());
    } else {
        if let Some(path) = std::env::var_os(RUNTIME_ENV) {
            candidates.push(PathBuf::from(path));
        }
        if let Ok(exe) = std::env::current_exe() {
            if let Some(dir) = exe.parent() {
                candidates.push(dir.join(RUNTIME_NAME));
                if let Some(up) = dir.parent() {
                    candidates.push(up.join(RUNTIME_NAME));
                }
            }
        }
    }
    for candidate in candidates {
        if is_executable(&candidate) {
            return Ok(candidate);
        }
        searched.push(candidate);
    }
    Err(Error::RuntimeNotFound { searched })
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}
