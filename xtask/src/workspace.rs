//! Where the workspace is, and how to run its tools.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

/// The workspace root: the parent of this crate's manifest directory.
///
/// The directory cargo names at run time (`cargo xtask` is `cargo run`, which sets
/// `CARGO_MANIFEST_DIR`) comes first: the one compiled in is that of the checkout the binary was
/// built from, and a binary left in a target directory shared between checkouts would otherwise
/// work on the wrong one. The compiled-in one is the fallback for a binary started directly.
pub(crate) fn root() -> PathBuf {
    root_from(std::env::var_os("CARGO_MANIFEST_DIR"))
}

/// [`root`], given the manifest directory cargo set at run time, if any.
fn root_from(runtime_manifest_dir: Option<OsString>) -> PathBuf {
    let manifest_dir = runtime_manifest_dir
        .filter(|dir| !dir.is_empty())
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    manifest_dir
        .parent()
        .map_or_else(|| manifest_dir.clone(), Path::to_path_buf)
}

/// Runs a command in the workspace root, echoing it first, and fails if it fails.
pub(crate) fn run(program: &str, args: &[&str], envs: &[(&str, &str)]) -> Result<()> {
    let shown: Vec<String> = envs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .chain(std::iter::once(program.to_owned()))
        .chain(args.iter().map(|a| (*a).to_owned()))
        .collect();
    eprintln!("$ {}", shown.join(" "));
    let status = Command::new(program)
        .args(args)
        .envs(envs.iter().copied())
        .current_dir(root())
        .status()
        .with_context(|| format!("could not start `{program}`"))?;
    if !status.success() {
        bail!("`{}` failed ({status})", shown.join(" "));
    }
    Ok(())
}

/// Runs a command in the workspace root and returns what it printed, or fails if it fails. Its
/// errors go to ours, so that the user sees them.
pub(crate) fn output(program: &str, args: &[&str]) -> Result<Vec<u8>> {
    let output = Command::new(program)
        .args(args)
        .current_dir(root())
        .stderr(std::process::Stdio::inherit())
        .output()
        .with_context(|| format!("could not start `{program}`"))?;
    if !output.status.success() {
        bail!("`{program} {}` failed ({})", args.join(" "), output.status);
    }
    Ok(output.stdout)
}

/// The workspace's own packages as `cargo metadata --no-deps` describes them.
pub(crate) fn members_metadata() -> Result<serde_json::Value> {
    let json = output(
        &cargo(),
        &["metadata", "--format-version", "1", "--no-deps", "--locked"],
    )?;
    serde_json::from_slice(&json).context("cargo metadata printed no JSON")
}

/// The cargo that runs this task (the same toolchain).
pub(crate) fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_manifest_dir_at_run_time_wins() {
        let elsewhere = Path::new("/checkouts/other/xtask");
        assert_eq!(
            root_from(Some(elsewhere.as_os_str().to_owned())),
            Path::new("/checkouts/other")
        );
    }

    #[test]
    fn the_compiled_in_manifest_dir_is_the_fallback() {
        let compiled_in = Path::new(env!("CARGO_MANIFEST_DIR"));
        let expected = compiled_in.parent().unwrap();
        assert_eq!(root_from(None), expected);
        assert_eq!(root_from(Some(OsString::new())), expected);
    }
}
