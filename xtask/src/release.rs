//! `cargo xtask release <version> [--dry-run]`: prepares a release of all crates in lockstep.
//!
//! 1. checks the version (semver, not lower than the current one) and, unless `--dry-run`,
//!    that the work tree is clean, so that the release's diff is the bump alone;
//! 2. checks that `CHANGELOG.md` has a dated entry for the version;
//! 3. bumps `[workspace.package] version` and the path dependencies' versions in
//!    `[workspace.dependencies]`, and updates `Cargo.lock`;
//! 4. checks that every published crate is at the version and has the metadata a registry
//!    page needs, and prints the order they are published in;
//! 5. runs `cargo publish --dry-run` for all of them at once: cargo packages each crate, and
//!    builds it from its package with its workspace dependencies taken from their packages
//!    (a local registry), so that a crate is checked against its dependencies as they will be
//!    published, before any of them is on the registry. It builds in a target directory of its
//!    own (`<target>/release-check`), from which, and from cargo's source cache, what an
//!    earlier run left of the crates is removed first (see `stale_sources`).
//!
//! Nothing is uploaded. On any failure the manifest and lock file are put back as they were;
//! with `--dry-run` they are put back in any case. Publishing itself is a human's step: see
//! `docs/releasing.md`.

mod changelog;
mod manifest;
pub(crate) mod packages;
#[cfg(test)]
mod scratch;
mod stale_sources;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use semver::Version;

use crate::workspace::{self, cargo};

pub(crate) const USAGE: &str = "release <version> [--dry-run]";

/// What the command was asked to do.
#[derive(Debug, PartialEq, Eq)]
struct Request {
    version: Version,
    dry_run: bool,
}

fn parse_args(args: &[&str]) -> Result<Request> {
    let dry_run = args.contains(&"--dry-run");
    let rest: Vec<&str> = args.iter().copied().filter(|a| *a != "--dry-run").collect();
    let [version] = rest.as_slice() else {
        bail!("usage: cargo xtask {USAGE}");
    };
    if version.starts_with('-') {
        bail!("unknown option `{version}`; usage: cargo xtask {USAGE}");
    }
    let version = Version::parse(version.trim_start_matches('v')).with_context(|| {
        format!("`{version}` is not a semver version (MAJOR.MINOR.PATCH[-PRE])")
    })?;
    if !version.build.is_empty() {
        bail!("`{version}` has build metadata, which registries ignore: leave out the `+...`");
    }
    Ok(Request { version, dry_run })
}

pub(crate) fn run(args: &[&str]) -> Result<()> {
    let request = parse_args(args)?;
    let root = workspace::root();
    let version = &request.version;
    let manifest_path = root.join("Cargo.toml");
    let manifest_text = std::fs::read_to_string(&manifest_path)
        .with_context(|| format!("could not read {}", manifest_path.display()))?;
    let current = manifest::workspace_version(&manifest_text)?;
    if *version < current {
        bail!("{version} is lower than the current version {current}");
    }
    if !request.dry_run {
        ensure_clean()?;
    }
    eprintln!("checking CHANGELOG.md for {version}");
    changelog::check_file(&root.join("CHANGELOG.md"), version)?;

    let restore = Restore::new(&root, request.dry_run)?;
    if *version != current {
        eprintln!("bumping {current} -> {version} in Cargo.toml");
        manifest::bump_file(&manifest_path, version)?;
        // Only the workspace's own entries change; everything else stays locked.
        workspace::run(&cargo(), &["update", "--workspace", "--offline"], &[])?;
    }

    let metadata = workspace::members_metadata()?;
    let packages = packages::publishable(&metadata)?;
    packages::check(&packages, version)?;
    let names: Vec<&str> = packages.iter().map(|p| p.name.as_str()).collect();
    eprintln!("publish order: {}", names.join(" -> "));
    let target_dir = Path::new(
        metadata["target_directory"]
            .as_str()
            .context("cargo metadata names no target directory")?,
    )
    .join("release-check");
    let target_dir = target_dir
        .to_str()
        .context("the target directory's path is not UTF-8")?;
    stale_sources::forget(&names, &version.to_string(), target_dir)?;
    let mut args = vec![
        "publish",
        "--dry-run",
        "--locked",
        "--allow-dirty",
        "--target-dir",
        target_dir,
    ];
    for name in &names {
        args.extend(["--package", name]);
    }
    workspace::run(&cargo(), &args, &[])?;

    if request.dry_run {
        drop(restore);
        println!(
            "release {version}: dry run passed for {}; Cargo.toml and Cargo.lock are unchanged",
            names.join(", ")
        );
    } else {
        restore.keep();
        println!(
            "release {version}: {} packaged and verified. Next: review and commit the bump, tag \
             v{version}, then publish (docs/releasing.md)",
            names.join(", ")
        );
    }
    Ok(())
}

/// Fails unless `git status` shows no changes: a release is made from a commit.
fn ensure_clean() -> Result<()> {
    let changes = workspace::output("git", &["status", "--porcelain", "--untracked-files=no"])
        .context("could not check that the work tree is clean")?;
    let changes = String::from_utf8_lossy(&changes);
    if !changes.trim().is_empty() {
        bail!(
            "the work tree has uncommitted changes; commit or stash them first (or rehearse \
             with --dry-run):\n{}",
            changes.trim_end()
        );
    }
    Ok(())
}

/// The files a release changes, as they were before it: written back when dropped, unless
/// [`keep`](Restore::keep) was called.
struct Restore {
    files: Vec<(PathBuf, Vec<u8>)>,
    keep: bool,
}

impl Restore {
    fn new(root: &Path, dry_run: bool) -> Result<Self> {
        let mut files = Vec::new();
        for name in ["Cargo.toml", "Cargo.lock"] {
            let path = root.join(name);
            let contents = std::fs::read(&path)
                .with_context(|| format!("could not read {}", path.display()))?;
            files.push((path, contents));
        }
        if dry_run {
            eprintln!("dry run: Cargo.toml and Cargo.lock are put back at the end");
        }
        Ok(Restore { files, keep: false })
    }

    fn keep(mut self) {
        self.keep = true;
    }
}

impl Drop for Restore {
    fn drop(&mut self) {
        if self.keep {
            return;
        }
        for (path, contents) in &self.files {
            let unchanged = std::fs::read(path).is_ok_and(|now| now == *contents);
            if !unchanged {
                match std::fs::write(path, contents) {
                    Ok(()) => eprintln!("put back {}", path.display()),
                    // Nothing else can be done from a destructor; say which file to restore.
                    Err(error) => eprintln!(
                        "could not put back {} ({error}); restore it with `git checkout`",
                        path.display()
                    ),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> Version {
        Version::parse(text).unwrap()
    }

    #[test]
    fn arguments() {
        assert_eq!(
            parse_args(&["0.2.0"]).unwrap(),
            Request {
                version: v("0.2.0"),
                dry_run: false
            }
        );
        assert_eq!(
            parse_args(&["--dry-run", "v1.0.0-rc.1"]).unwrap(),
            Request {
                version: v("1.0.0-rc.1"),
                dry_run: true
            }
        );
        for (args, message) in [
            (&[][..], "usage: cargo xtask release <version> [--dry-run]"),
            (
                &["1.0.0", "2.0.0"][..],
                "usage: cargo xtask release <version> [--dry-run]",
            ),
            (
                &["--dryrun", "1.0.0"][..],
                "usage: cargo xtask release <version> [--dry-run]",
            ),
            (
                &["--force"][..],
                "unknown option `--force`; usage: cargo xtask release <version> [--dry-run]",
            ),
            (
                &["1.0"][..],
                "`1.0` is not a semver version (MAJOR.MINOR.PATCH[-PRE])",
            ),
            (
                &["1.0.0+build.5"][..],
                "`1.0.0+build.5` has build metadata, which registries ignore: leave out the `+...`",
            ),
        ] {
            let error = parse_args(args).unwrap_err();
            assert_eq!(error.to_string(), message, "{args:?}");
        }
    }

    #[test]
    fn restore_puts_files_back_unless_kept() {
        let dir = scratch::ScratchDir::new("restore");
        let manifest = dir.write("Cargo.toml", "before");
        dir.write("Cargo.lock", "lock");

        let restore = Restore::new(dir.path(), true).unwrap();
        std::fs::write(&manifest, "after").unwrap();
        drop(restore);
        assert_eq!(std::fs::read_to_string(&manifest).unwrap(), "before");

        let restore = Restore::new(dir.path(), false).unwrap();
        std::fs::write(&manifest, "after").unwrap();
        restore.keep();
        assert_eq!(std::fs::read_to_string(&manifest).unwrap(), "after");
    }
}
