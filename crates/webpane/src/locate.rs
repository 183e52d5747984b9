//! Finding the `webpane-runtime` binary.

use std::ffi::OsString;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The environment variable naming the runtime binary.
pub const RUNTIME_ENV: &str = "WEBPANE_RUNTIME";
/// The runtime binary's file name.
pub const RUNTIME_NAME: &str = "webpane-runtime";

/// Finds the runtime: `explicit` if given, else `$WEBPANE_RUNTIME`, else next to the current
/// executable (or one folder up, where cargo puts binaries relative to test executables).
/// Each candidate must be an executable file. The error names every place looked at and why
/// each did not do, `$WEBPANE_RUNTIME` included when it is not set.
pub fn find_runtime(explicit: Option<&Path>) -> Result<PathBuf> {
    find_runtime_in(explicit, std::env::var_os(RUNTIME_ENV), std::env::current_exe().ok())
}

fn find_runtime_in(explicit: Option<&Path>, env: Option<OsString>, exe: Option<PathBuf>) -> Result<PathBuf> {
    let mut candidates: Vec<(PathBuf, String)> = Vec::new();
    let mut searched = Vec::new();
    if let Some(path) = explicit {
        candidates.push((path.to_owned(), "given to runtime_path".into()));
    } else {
        match env {
            Some(path) => candidates.push((PathBuf::from(path), format!("${RUNTIME_ENV}"))),
            None => searched.push(format!("${RUNTIME_ENV} (not set)")),
        }
        if let Some(dir) = exe.as_deref().and_then(Path::parent) {
            candidates.push((dir.join(RUNTIME_NAME), "next to this program".into()));
            if let Some(up) = dir.parent() {
                candidates.push((up.join(RUNTIME_NAME), "one folder up from this program".into()));
            }
        }
    }
    for (candidate, how) in candidates {
        match std::fs::metadata(&candidate) {
            Ok(m) if m.is_file() && m.permissions().mode() & 0o111 != 0 => return Ok(candidate),
            Ok(_) => searched.push(format!("{} ({how}: not an executable file)", candidate.display())),
            Err(_) => searched.push(format!("{} ({how}: not there)", candidate.display())),
        }
    }
    Err(Error::RuntimeNotFound { searched })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_place_looked_at_is_named_with_why() {
        let dir = tempfile::tempdir().unwrap();
        let exe = dir.path().join("bin/app");
        let not_executable = dir.path().join("plain");
        std::fs::write(&not_executable, "").unwrap();
        let Err(Error::RuntimeNotFound { searched }) = find_runtime_in(None, None, Some(exe.clone())) else {
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
        let Err(e) = find_runtime_in(None, Some(not_executable.clone().into()), Some(exe)) else {
            panic!("a plain file was taken for the runtime")
        };
        let text = e.to_string();
        assert!(text.contains("($WEBPANE_RUNTIME: not an executable file)"), "{text}");
        let found = std::env::current_exe().unwrap();
        assert_eq!(find_runtime_in(Some(&found), None, None).unwrap(), found);
    }
}
