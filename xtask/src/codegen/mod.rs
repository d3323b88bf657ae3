//! `cargo xtask codegen`: the API description in `api/` becomes `crates/api-types/src/generated/`.
//!
//! The description is read with the `openapiv3` crate into a small intermediate form
//! ([`schema::Item`], [`operation::Operation`]) that checks the conventions of
//! `docs/api-description.md`, and that form is written out as Rust and formatted with rustfmt.

mod doc;
mod emit;
mod emit_operations;
mod operation;
mod schema;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

use crate::workspace;

/// The API description, relative to the workspace root.
const DESCRIPTION: &str = "api/engine-8.0.0.openapi.yaml";
/// Where the generated modules go, relative to the workspace root.
const OUTPUT_DIR: &str = "crates/api-types/src/generated";

/// Whether to write the output or only compare it with what is committed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Write,
    Check,
}

pub(crate) fn run(mode: Mode) -> Result<()> {
    let root = workspace::root();
    let files = generate(&root)?;
    match mode {
        Mode::Write => {
            for (path, text) in &files {
                fs::create_dir_all(path.parent().unwrap_or(&root))?;
                if fs::read_to_string(path).ok().as_deref() != Some(text.as_str()) {
                    fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
                    eprintln!("wrote {}", path.display());
                }
            }
            Ok(())
        }
        Mode::Check => {
            let stale: Vec<String> = files
                .iter()
                .filter(|(path, text)| fs::read_to_string(path).ok().as_deref() != Some(text))
                .map(|(path, _)| {
                    path.strip_prefix(&root)
                        .unwrap_or(path)
                        .display()
                        .to_string()
                })
                .collect();
            if stale.is_empty() {
                eprintln!("generated code is up to date");
                Ok(())
            } else {
                bail!(
                    "generated code is stale, run `cargo xtask codegen`: {}",
                    stale.join(", ")
                )
            }
        }
    }
}

/// Generates every output file: its path and its formatted text.
fn generate(root: &Path) -> Result<Vec<(PathBuf, String)>> {
    let source = root.join(DESCRIPTION);
    let yaml = fs::read_to_string(&source).with_context(|| format!("reading {DESCRIPTION}"))?;
    let api: openapiv3::OpenAPI =
        serde_norway::from_str(&yaml).with_context(|| format!("parsing {DESCRIPTION}"))?;

    // `openapiv3` drops what stands beside a `$ref`; the descriptions there are read from the raw
    // document.
    let raw: serde_json::Value =
        serde_norway::from_str(&yaml).with_context(|| format!("parsing {DESCRIPTION}"))?;
    let items = schema::items(&api, &raw)?;
    let operations = operation::operations(&api, &items)?;

    let output = root.join(OUTPUT_DIR);
    let rustfmt_config = root.join("rustfmt.toml");
    let models = emit::models(DESCRIPTION, &items, &operations)?;
    let routes = emit::routes(DESCRIPTION, &operations);
    let typed = emit_operations::operations(DESCRIPTION, &operations);
    Ok(vec![
        (output.join("models.rs"), rustfmt(&models, &rustfmt_config)?),
        (output.join("routes.rs"), rustfmt(&routes, &rustfmt_config)?),
        (
            output.join("operations.rs"),
            rustfmt(&typed, &rustfmt_config)?,
        ),
    ])
}

/// Formats Rust source with the workspace's rustfmt settings, so `cargo fmt --check` agrees.
fn rustfmt(source: &str, config: &Path) -> Result<String> {
    let rustfmt = std::env::var("RUSTFMT").unwrap_or_else(|_| "rustfmt".to_owned());
    let mut child = Command::new(&rustfmt)
        .arg("--config-path")
        .arg(config)
        .arg("--edition")
        .arg("2024")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("could not start `{rustfmt}`"))?;
    child
        .stdin
        .take()
        .context("rustfmt has no stdin")?
        .write_all(source.as_bytes())?;
    let output = child.wait_with_output()?;
    if !output.status.success() {
        bail!(
            "rustfmt rejected the generated code (a generator bug):\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    String::from_utf8(output.stdout).context("rustfmt wrote invalid UTF-8")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `cargo test` fails on stale generated code, as `cargo xtask codegen --check` does.
    #[test]
    fn generated_code_is_up_to_date() {
        run(Mode::Check).unwrap();
    }
}
