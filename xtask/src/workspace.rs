//! Where the workspace is, and how to run its tools.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

/// The workspace root: the parent of this crate's manifest directory.
pub(crate) fn root() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir.parent().unwrap_or(manifest_dir).to_path_buf()
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

/// The cargo that runs this task (the same toolchain).
pub(crate) fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}
