//! The workspace manifest's versions: the one all crates inherit, and the one each path
//! dependency asks for, bumped together so that the crates are released in lockstep.
//!
//! Edited with `toml_edit` rather than by hand so that comments, order and formatting of
//! `Cargo.toml` stay exactly as they were: the diff of a release is the version lines alone.

use std::path::Path;

use anyhow::{Context, Result, bail};
use semver::Version;
use toml_edit::{DocumentMut, Item, Value};

/// The version in `[workspace.package]` of the manifest `text`.
pub(crate) fn workspace_version(text: &str) -> Result<Version> {
    let document = parse(text)?;
    let version = document
        .get("workspace")
        .and_then(|workspace| workspace.get("package"))
        .and_then(|package| package.get("version"))
        .and_then(Item::as_str)
        .context("the manifest has no `version` string in [workspace.package]")?;
    Version::parse(version)
        .with_context(|| format!("the workspace version `{version}` is not a semver version"))
}

/// `text` with `[workspace.package] version` and the `version` of every path dependency in
/// `[workspace.dependencies]` set to `version`; everything else as it was.
///
/// A path dependency without a `version` is an error: cargo can build with it, but cannot
/// publish a crate that depends on it.
pub(crate) fn bump(text: &str, version: &Version) -> Result<String> {
    let mut document = parse(text)?;
    let workspace = document
        .get_mut("workspace")
        .context("the manifest has no [workspace] table")?;
    let package_version = workspace
        .get_mut("package")
        .and_then(|package| package.get_mut("version"))
        .context("the manifest has no `version` in [workspace.package]")?;
    set_string(package_version, "[workspace.package] version", version)?;

    if let Some(dependencies) = workspace
        .get_mut("dependencies")
        .and_then(Item::as_table_like_mut)
    {
        for (name, dependency) in dependencies.iter_mut() {
            let Some(dependency) = dependency.as_table_like_mut() else {
                continue;
            };
            if !dependency.contains_key("path") {
                continue;
            }
            let what = format!("[workspace.dependencies] {name}");
            let required = dependency.get_mut("version").with_context(|| {
                format!("{what} is a path dependency without a `version`: crates that depend on it cannot be published")
            })?;
            set_string(required, &what, version)?;
        }
    }
    Ok(document.to_string())
}

/// Bumps the manifest at `path` in place (see [`bump`]) and returns what it held before.
pub(crate) fn bump_file(path: &Path, version: &Version) -> Result<String> {
    let before = std::fs::read_to_string(path)
        .with_context(|| format!("could not read {}", path.display()))?;
    let after = bump(&before, version).with_context(|| format!("in {}", path.display()))?;
    std::fs::write(path, after).with_context(|| format!("could not write {}", path.display()))?;
    Ok(before)
}

fn parse(text: &str) -> Result<DocumentMut> {
    text.parse().context("the manifest is not valid TOML")
}

/// Replaces the string `item` holds with `version`, keeping the spaces and comments around it.
fn set_string(item: &mut Item, what: &str, version: &Version) -> Result<()> {
    let Some(old) = item.as_value() else {
        bail!("{what} is not a string");
    };
    if old.as_str().is_none() {
        bail!("{what} is not a string");
    }
    let decor = old.decor().clone();
    let mut new = Value::from(version.to_string());
    *new.decor_mut() = decor;
    *item = Item::Value(new);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::release::scratch::ScratchDir;

    const MANIFEST: &str = r#"[workspace]
members = ["crates/*"]

[workspace.package]
version = "0.1.0" # all crates in lockstep
edition = "2024"

[workspace.dependencies]
# ours
process-engine-api-types = { path = "crates/api-types", version = "0.1.0" }
process-engine-transport = { path = "crates/transport", version = "0.1.0", default-features = false }
serde = { version = "1.0.200", features = ["derive"] }
tokio = "1.38"

[workspace.dependencies.process-engine-testkit]
path = "crates/testkit"
version = "0.1.0"
"#;

    fn v(text: &str) -> Version {
        Version::parse(text).unwrap()
    }

    #[test]
    fn bumps_the_workspace_and_path_dependencies_and_nothing_else() {
        let dir = ScratchDir::new("bump");
        let path = dir.write("Cargo.toml", MANIFEST);

        let before = bump_file(&path, &v("0.2.0-rc.1")).unwrap();

        assert_eq!(before, MANIFEST);
        let after = std::fs::read_to_string(&path).unwrap();
        let expected = MANIFEST
            .replace(r#"version = "0.1.0""#, r#"version = "0.2.0-rc.1""#)
            .replace(r#"version = "0.1.0" }"#, r#"version = "0.2.0-rc.1" }"#);
        assert_eq!(after, expected);
        // Registry dependencies keep their own versions.
        assert!(after.contains(r#"serde = { version = "1.0.200""#));
        assert!(after.contains(r#"tokio = "1.38""#));
        assert_eq!(workspace_version(&after).unwrap(), v("0.2.0-rc.1"));
    }

    #[test]
    fn a_bump_to_the_same_version_changes_nothing() {
        assert_eq!(bump(MANIFEST, &v("0.1.0")).unwrap(), MANIFEST);
    }

    #[test]
    fn a_path_dependency_without_a_version_is_an_error() {
        let manifest = MANIFEST.replace(
            r#"{ path = "crates/api-types", version = "0.1.0" }"#,
            r#"{ path = "crates/api-types" }"#,
        );
        let error = bump(&manifest, &v("0.2.0")).unwrap_err();
        assert_eq!(
            error.to_string(),
            "[workspace.dependencies] process-engine-api-types is a path dependency without a \
             `version`: crates that depend on it cannot be published"
        );
    }

    #[test]
    fn a_manifest_without_a_workspace_version_is_an_error() {
        let manifest = MANIFEST.replace("version = \"0.1.0\" # all crates in lockstep\n", "");
        assert!(bump(&manifest, &v("0.2.0")).is_err());
        assert!(workspace_version(&manifest).is_err());
        let error = bump("[package]\nname = \"x\"\n", &v("0.2.0")).unwrap_err();
        assert_eq!(error.to_string(), "the manifest has no [workspace] table");
    }

    #[test]
    fn a_missing_or_broken_file_is_an_error_not_a_panic() {
        let dir = ScratchDir::new("bump-broken");
        let missing = dir.path().join("Cargo.toml");
        assert!(bump_file(&missing, &v("0.2.0")).is_err());
        let broken = dir.write("Cargo.toml", "[workspace\n");
        let error = bump_file(&broken, &v("0.2.0")).unwrap_err();
        assert!(format!("{error:#}").contains("not valid TOML"), "{error:#}");
        assert_eq!(std::fs::read_to_string(&broken).unwrap(), "[workspace\n");
    }
}
