//! Removes what an earlier dry run left of the crates in cargo's source cache.
//!
//! To verify a crate against its workspace dependencies, `cargo publish` "publishes" them into
//! a temporary local registry in the target directory, and unpacks them from there into
//! `$CARGO_HOME/registry/src/-<hash of the registry's path>/<name>-<version>/`, as it does for
//! any registry. Cargo takes registry packages to be immutable: when that folder exists, it is
//! used as it is. A second dry run for the same version, after the sources changed, would
//! then verify the dependents against the first run's copy of their dependencies, and fail (or
//! pass) for the wrong reason. The same holds for what cargo compiled from them. Both are
//! caches: removing them makes cargo unpack and compile the current packages again.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::workspace;

/// Forgets what earlier runs unpacked of `names` at `version`, and what they compiled in
/// `target_dir` (all versions: `cargo clean --package` matches by name). Only our crates are
/// rebuilt; their dependencies stay compiled.
pub(crate) fn forget(names: &[&str], version: &str, target_dir: &str) -> Result<()> {
    match cargo_home() {
        Some(home) => {
            for removed in remove(&home, names, version)? {
                eprintln!(
                    "removed an earlier run's unpacked copy: {}",
                    removed.display()
                );
            }
        }
        None => eprintln!("warning: no CARGO_HOME or HOME: an earlier run's copies may be used"),
    }
    let mut clean = vec!["clean", "--target-dir", target_dir];
    for name in names {
        clean.extend(["--package", name]);
    }
    workspace::run(&workspace::cargo(), &clean, &[])
}

/// Where cargo keeps its caches: `$CARGO_HOME`, else `~/.cargo`.
fn cargo_home() -> Option<PathBuf> {
    std::env::var_os("CARGO_HOME")
        .filter(|home| !home.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".cargo")))
}

/// Removes `<name>-<version>` of each of `names` from the source caches of path-based
/// registries under `cargo_home` (their folder names start with `-`: they have no host name;
/// the caches of the real registries are left alone), and returns what it removed.
fn remove(cargo_home: &Path, names: &[&str], version: &str) -> Result<Vec<PathBuf>> {
    let sources = cargo_home.join("registry").join("src");
    let Ok(registries) = std::fs::read_dir(&sources) else {
        // No cache yet: nothing can be stale.
        return Ok(Vec::new());
    };
    let mut removed = Vec::new();
    for registry in registries {
        let registry = registry.with_context(|| format!("could not list {}", sources.display()))?;
        if !registry.file_name().to_string_lossy().starts_with('-') {
            continue;
        }
        for name in names {
            let unpacked = registry.path().join(format!("{name}-{version}"));
            if unpacked.is_dir() {
                std::fs::remove_dir_all(&unpacked)
                    .with_context(|| format!("could not remove {}", unpacked.display()))?;
                removed.push(unpacked);
            }
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::release::scratch::ScratchDir;

    #[test]
    fn removes_only_our_crates_at_the_version_from_path_registries() {
        let home = ScratchDir::new("cargo-home");
        let src = home.path().join("registry").join("src");
        let make = |dir: &str| {
            let path = src.join(dir);
            std::fs::create_dir_all(&path).unwrap();
            std::fs::write(path.join(".cargo-ok"), "{\"v\":1}").unwrap();
            path
        };
        let stale = make("-c044cd94ecb87ede/ours-0.2.0");
        let other_version = make("-c044cd94ecb87ede/ours-0.1.0");
        let other_crate = make("-c044cd94ecb87ede/theirs-0.2.0");
        let real_registry = make("index.crates.io-1949cf8c6b5b557f/ours-0.2.0");

        let removed = remove(home.path(), &["ours"], "0.2.0").unwrap();

        assert_eq!(removed, std::slice::from_ref(&stale));
        assert!(!stale.exists());
        assert!(other_version.exists() && other_crate.exists() && real_registry.exists());
        assert!(remove(home.path(), &["ours"], "0.2.0").unwrap().is_empty());
    }

    #[test]
    fn a_cargo_home_without_caches_is_fine() {
        let home = ScratchDir::new("cargo-home-empty");
        assert!(remove(home.path(), &["ours"], "0.2.0").unwrap().is_empty());
    }
}
