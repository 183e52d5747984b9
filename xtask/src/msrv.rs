//! The declared `rust-version` must be true: no crate a workspace member builds with (its normal
//! dependencies, all the way down) may need a newer Rust. Read from `cargo metadata`, so it holds
//! for the lockfile as it is (this machine has only one toolchain to build with).

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::process::Command;

fn version(text: &str) -> (u64, u64, u64) {
    let mut parts = text.split('.').map(|p| p.parse::<u64>().unwrap_or(0));
    (
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
    )
}

/// Each workspace member whose declared `rust-version` is older than a dependency's: a line
/// saying which.
pub fn check(root: &Path) -> Vec<String> {
    let output = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["metadata", "--format-version", "1", "--locked"])
        .current_dir(root)
        .output();
    let metadata: serde_json::Value = match output {
        Ok(out) if out.status.success() => match serde_json::from_slice(&out.stdout) {
            Ok(value) => value,
            Err(e) => return vec![format!("cargo metadata: {e}")],
        },
        Ok(out) => {
            return vec![format!(
                "cargo metadata failed: {}",
                String::from_utf8_lossy(&out.stderr)
            )];
        }
        Err(e) => return vec![format!("cannot run cargo metadata: {e}")],
    };
    let packages: HashMap<&str, &serde_json::Value> = metadata["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| Some((p["id"].as_str()?, p)))
        .collect();
    let nodes: HashMap<&str, &serde_json::Value> = metadata["resolve"]["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|n| Some((n["id"].as_str()?, n)))
        .collect();
    let mut problems = Vec::new();
    for member in metadata["workspace_members"].as_array().into_iter().flatten() {
        let Some(member) = member.as_str() else { continue };
        let Some(declared) = packages.get(member).and_then(|p| p["rust_version"].as_str()) else {
            continue;
        };
        let (mut seen, mut stack) = (HashSet::new(), vec![member]);
        while let Some(id) = stack.pop() {
            if !seen.insert(id) {
                continue;
            }
            if let Some(needs) = packages.get(id).and_then(|p| p["rust_version"].as_str())
                && version(needs) > version(declared)
            {
                let package = &packages[id];
                problems.push(format!(
                    "{} declares rust-version {declared}, but {} {} needs {needs}",
                    packages[member]["name"].as_str().unwrap_or(member),
                    package["name"].as_str().unwrap_or("?"),
                    package["version"].as_str().unwrap_or("?"),
                ));
            }
            let deps = nodes.get(id).and_then(|n| n["deps"].as_array());
            for dep in deps.into_iter().flatten() {
                // Normal dependencies only: what a user of the crate builds.
                let normal = dep["dep_kinds"]
                    .as_array()
                    .is_some_and(|kinds| kinds.iter().any(|k| k["kind"].is_null()));
                if let (true, Some(pkg)) = (normal, dep["pkg"].as_str()) {
                    stack.push(pkg);
                }
            }
        }
    }
    problems.sort();
    problems.dedup();
    problems
}

#[cfg(test)]
mod tests {
    /// Run by `cargo xtask test` (and so by CI).
    #[test]
    fn the_declared_rust_version_holds() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("the workspace");
        let problems = super::check(root);
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    #[test]
    fn versions_compare_as_numbers() {
        assert!(super::version("1.88") > super::version("1.85.1"));
        assert!(super::version("1.9") < super::version("1.10"));
    }
}
