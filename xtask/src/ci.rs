//! `cargo xtask ci`: exactly what CI runs, in the order that fails fastest.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};
use serde_json::Value;

use crate::release::packages;
use crate::workspace::{self, cargo};
use crate::{codegen, newest};

pub(crate) fn run() -> Result<()> {
    let cargo = cargo();
    workspace::run(&cargo, &["fmt", "--all", "--", "--check"], &[])?;
    eprintln!("$ cargo xtask codegen --check");
    codegen::run(codegen::Mode::Check)?;
    check_dependency_rust_versions(&cargo)?;
    // Everything with every feature on (the blocking clients, the facade's testkit). Then the
    // transport without TLS, a supported build (plain http to local engines). Then the facade
    // with each of its features alone: features must be additive, and a user who turns the
    // defaults off gets exactly what they name.
    let mut scopes: Vec<Vec<String>> = vec![
        vec![
            "--workspace".into(),
            "--all-targets".into(),
            "--all-features".into(),
        ],
        vec![
            "--package".into(),
            "process-engine-transport".into(),
            "--no-default-features".into(),
        ],
    ];
    scopes.extend(facade_feature_scopes()?);
    for scope in &scopes {
        let mut args = vec!["clippy"];
        args.extend(scope.iter().map(String::as_str));
        args.extend_from_slice(&["--locked", "--", "-D", "warnings"]);
        workspace::run(&cargo, &args, &[])?;
    }
    let (passed, failed) = test(&cargo)?;
    docs(&cargo)?;
    newest::run(&cargo)?;
    // The closing line CI reads.
    println!("tests: {passed} passed, {failed} failed");
    Ok(())
}

/// The facade's builds with no feature and with each feature alone (`default` aside), read
/// from its manifest so that a new feature is checked without touching this file.
fn facade_feature_scopes() -> Result<Vec<Vec<String>>> {
    let metadata = workspace::members_metadata()?;
    let facade = metadata["packages"]
        .as_array()
        .and_then(|packages| {
            packages
                .iter()
                .find(|package| package["name"] == "process-engine")
        })
        .context("the workspace has no process-engine package")?;
    let features = facade["features"]
        .as_object()
        .map(|features| features.keys().filter(|name| *name != "default").cloned())
        .into_iter()
        .flatten();
    let base = || -> Vec<String> {
        ["--package", "process-engine", "--no-default-features"]
            .map(String::from)
            .to_vec()
    };
    let mut scopes = vec![base()];
    for feature in features {
        let mut scope = base();
        scope.extend(["--features".to_owned(), feature]);
        scopes.push(scope);
    }
    Ok(scopes)
}

/// Builds each published crate's documentation alone, as docs.rs does (every feature, no
/// dependency documented), with rustdoc's warnings denied; then checks that the facade's pages,
/// which inline the layers' items, have no intra-doc link left unresolved.
///
/// docs.rs also passes `--cfg docsrs`, which turns on the feature badges; that needs a nightly
/// rustdoc, so CI builds without it (the badges' attributes are checked by clippy all the same).
fn docs(cargo: &str) -> Result<()> {
    let deny = [("RUSTDOCFLAGS", "-D warnings")];
    let metadata = workspace::members_metadata()?;
    let target = metadata["target_directory"]
        .as_str()
        .context("cargo metadata names no target directory")?;
    let facade = Path::new(target).join("doc/process_engine");
    // rustdoc leaves the pages of items that are gone: only this build's may be checked.
    if facade.exists() {
        std::fs::remove_dir_all(&facade)
            .with_context(|| format!("could not remove {}", facade.display()))?;
    }
    for package in packages::publishable(&metadata)? {
        workspace::run(
            cargo,
            &[
                "doc",
                "--package",
                &package.name,
                "--all-features",
                "--no-deps",
                "--locked",
            ],
            &deny,
        )?;
    }
    let raw = raw_links(&facade)?;
    if !raw.is_empty() {
        bail!(
            "links in the docs of process-engine that rustdoc left unresolved (written `crate::`, \
             `self::` or `super::`; link them by a path the facade documents too):\n  {}",
            raw.join("\n  ")
        );
    }
    eprintln!("every link of the facade's docs resolves");
    Ok(())
}

/// The intra-doc links rustdoc could not resolve, left in the pages under `dir` as they were
/// written (`href="crate::Call"`), each with its page. Those of the tracing crate's blanket
/// implementations (`Instrument`, `WithSubscriber`), which every type of a crate that depends
/// on tracing shows, are not ours to fix.
fn raw_links(dir: &Path) -> Result<Vec<String>> {
    const FOREIGN: [&str; 3] = ["crate::Span", "super::Span::current()", "super::Subscriber"];
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries =
            std::fs::read_dir(&dir).with_context(|| format!("could not read {}", dir.display()))?;
        for entry in entries {
            let path = entry?.path();
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            if path.extension().is_none_or(|extension| extension != "html") {
                continue;
            }
            let page = std::fs::read_to_string(&path)
                .with_context(|| format!("could not read {}", path.display()))?;
            for link in unresolved_hrefs(&page) {
                if !FOREIGN.contains(&link) {
                    found.push(format!("{link} in {}", path.display()));
                }
            }
        }
    }
    found.sort();
    found.dedup();
    Ok(found)
}

/// The `href`s of `page` that are Rust paths rather than URLs.
fn unresolved_hrefs(page: &str) -> impl Iterator<Item = &str> {
    page.split("href=\"").skip(1).filter_map(|rest| {
        let href = &rest[..rest.find('"')?];
        ["crate::", "self::", "super::"]
            .iter()
            .any(|prefix| href.starts_with(prefix))
            .then_some(href)
    })
}

/// Runs the workspace's tests, passing their output through, and adds up their results.
fn test(cargo: &str) -> Result<(u64, u64)> {
    let args = ["test", "--workspace", "--all-features", "--locked"];
    eprintln!("$ {cargo} {}", args.join(" "));
    let mut child = Command::new(cargo)
        .args(args)
        .current_dir(workspace::root())
        .stdout(Stdio::piped())
        .spawn()
        .context("could not start cargo test")?;
    let (mut passed, mut failed) = (0, 0);
    let stdout = child.stdout.take().context("cargo test has no stdout")?;
    for line in BufReader::new(stdout).lines() {
        let line = line?;
        println!("{line}");
        if let Some(counts) = line.strip_prefix("test result: ") {
            passed += count(counts, " passed");
            failed += count(counts, " failed");
        }
    }
    let status = child.wait()?;
    if !status.success() {
        bail!("cargo test failed ({status}): {passed} passed, {failed} failed");
    }
    Ok((passed, failed))
}

/// The number before `label` in `ok. 3 passed; 0 failed; ...`.
fn count(counts: &str, label: &str) -> u64 {
    counts
        .split(';')
        .find_map(|part| part.trim_end().strip_suffix(label))
        .and_then(|n| n.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// Fails when a dependency in Cargo.lock needs a newer Rust than the workspace promises.
///
/// The toolchain here is newer than `rust-version`, so a plain build cannot show this; clippy's
/// `incompatible_msrv` does the same for the standard library APIs the project's code uses.
fn check_dependency_rust_versions(cargo: &str) -> Result<()> {
    eprintln!("$ {cargo} metadata (dependencies' rust-version)");
    let output = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--locked"])
        .current_dir(workspace::root())
        .stderr(Stdio::inherit())
        .output()
        .context("could not run cargo metadata")?;
    if !output.status.success() {
        bail!("cargo metadata failed ({})", output.status);
    }
    let metadata: Value = serde_json::from_slice(&output.stdout)?;
    let packages = metadata["packages"]
        .as_array()
        .context("no packages in metadata")?;
    let members: Vec<&Value> = packages.iter().filter(|p| p["source"].is_null()).collect();
    let ours = members
        .iter()
        .find_map(|p| p["rust_version"].as_str())
        .context("the workspace has no rust-version")?;
    let ours_parsed = version(ours)?;
    let mut too_new = Vec::new();
    for package in packages {
        if let Some(theirs) = package["rust_version"].as_str() {
            if version(theirs)? > ours_parsed {
                too_new.push(format!(
                    "{} {} needs {theirs}",
                    package["name"], package["version"]
                ));
            }
        }
    }
    if !too_new.is_empty() {
        bail!(
            "dependencies need a newer Rust than rust-version {ours}: {}",
            too_new.join("; ")
        );
    }
    eprintln!("every dependency builds with Rust {ours}");
    Ok(())
}

fn version(text: &str) -> Result<(u64, u64, u64)> {
    let mut parts = text.split('.').map(str::parse::<u64>);
    let mut next = || {
        parts
            .next()
            .transpose()
            .with_context(|| format!("bad version {text}"))
    };
    Ok((
        next()?.unwrap_or(0),
        next()?.unwrap_or(0),
        next()?.unwrap_or(0),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_links_rustdoc_left_as_paths() {
        let page = r#"<a href="struct.Client.html">Client</a> <a href="crate::Call::options">x</a>
            <a href="super::Subscriber">y</a> <a href="https://docs.rs">z</a> <a href="self::a"#;
        let links: Vec<_> = unresolved_hrefs(page).collect();
        assert_eq!(links, ["crate::Call::options", "super::Subscriber"]);
    }

    #[test]
    fn counts_test_results() {
        let line =
            "ok. 12 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.01s";
        assert_eq!(count(line, " passed"), 12);
        assert_eq!(count(line, " failed"), 1);
    }

    #[test]
    fn compares_versions() {
        assert!(version("1.85").unwrap() < version("1.85.1").unwrap());
        assert!(version("1.9").unwrap() < version("1.85").unwrap());
    }
}
