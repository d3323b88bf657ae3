//! The workspace built with the newest dependencies its manifests allow, warnings denied: what a
//! user's project resolves without our lockfile. A dependency's new deprecation, or a release
//! that breaks the build, shows here before a user sees it.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

use crate::workspace;

/// Copies the workspace's files into a scratch folder, resolves every dependency anew at its
/// newest version (ignoring `rust-version`, as a project without one on a current toolchain
/// does), and checks every target with warnings denied.
///
/// Skipped, with the reason printed, when the newest versions cannot be fetched (a machine
/// without network): the step can only say something about versions it can get.
pub(crate) fn run(cargo: &str) -> Result<()> {
    eprintln!(
        "$ (scratch copy) cargo update && cargo check --workspace --all-targets --all-features, -D warnings"
    );
    let root = workspace::root();
    let scratch = Scratch::new()?;
    copy_sources(&root, scratch.path())?;
    let fetched = quiet(
        Command::new(cargo)
            .args(["update"])
            .env("CARGO_RESOLVER_INCOMPATIBLE_RUST_VERSIONS", "allow")
            .current_dir(scratch.path()),
    )
    .and_then(|()| quiet(Command::new(cargo).arg("fetch").current_dir(scratch.path())));
    if let Err(why) = fetched {
        eprintln!(
            "skipped: the build with the newest dependencies (they could not be fetched: {why:#})"
        );
        return Ok(());
    }
    // A target folder of its own, kept between runs beside the workspace's (the scratch copy
    // goes, the compiled dependencies stay): the versions differ from the lockfile's anyway.
    let target = root.join("target").join("newest-dependencies");
    let status = Command::new(cargo)
        .args([
            "check",
            "--workspace",
            "--all-targets",
            "--all-features",
            "--offline",
        ])
        .env("CARGO_TARGET_DIR", &target)
        .env("RUSTFLAGS", "-D warnings")
        .current_dir(scratch.path())
        .status()
        .context("could not start cargo check")?;
    if !status.success() {
        bail!(
            "the workspace does not build without warnings with the newest dependencies its \
             manifests allow ({status}); see above, and `cargo update` to reproduce"
        );
    }
    eprintln!("the workspace builds without warnings with the newest dependencies");
    Ok(())
}

/// Runs `command`; on failure answers the last lines it wrote to stderr.
fn quiet(command: &mut Command) -> Result<()> {
    let output = command
        .stdout(Stdio::null())
        .output()
        .context("could not start cargo")?;
    if output.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let lines: Vec<&str> = stderr
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect();
    let tail = &lines[lines.len().saturating_sub(2)..];
    bail!("{} ({})", tail.join(" / "), output.status)
}

/// Copies the files git knows of (tracked, and new ones not ignored): the sources as a user's
/// clone has them, without `target/`.
fn copy_sources(root: &Path, to: &Path) -> Result<()> {
    let listed = Command::new("git")
        .args([
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ])
        .current_dir(root)
        .stderr(Stdio::inherit())
        .output()
        .context("could not run git ls-files")?;
    if !listed.status.success() {
        bail!("git ls-files failed ({})", listed.status);
    }
    for file in listed.stdout.split(|byte| *byte == 0) {
        if file.is_empty() {
            continue;
        }
        let relative = Path::new(std::str::from_utf8(file).context("a file name is not UTF-8")?);
        let source = root.join(relative);
        // Deleted but not yet committed: not part of the tree.
        if !source.is_file() {
            continue;
        }
        let destination = to.join(relative);
        if let Some(parent) = destination.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("could not create {}", parent.display()))?;
        }
        std::fs::copy(&source, &destination)
            .with_context(|| format!("could not copy {}", source.display()))?;
    }
    Ok(())
}

/// A scratch folder, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Result<Scratch> {
        let path = std::env::temp_dir().join(format!(
            "process-engine-newest-dependencies-{}",
            std::process::id()
        ));
        if path.exists() {
            std::fs::remove_dir_all(&path)
                .with_context(|| format!("could not remove {}", path.display()))?;
        }
        std::fs::create_dir_all(&path)
            .with_context(|| format!("could not create {}", path.display()))?;
        Ok(Scratch(path))
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        // A folder left behind in the temporary directory harms nothing.
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
