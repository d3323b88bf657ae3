//! The workspace's crates as `cargo metadata` describes them: which are published, in which
//! order, and whether their manifests are ready for a registry.

use std::collections::BTreeMap;

use anyhow::{Context, Result, bail};
use semver::{Version, VersionReq};
use serde_json::Value;

/// A workspace member that is published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Package {
    pub(crate) name: String,
    pub(crate) version: String,
    /// The other workspace members it needs to build (normal and build dependencies), with the
    /// version requirement it asks for.
    local_dependencies: Vec<(String, String)>,
    /// Metadata fields a registry page needs that the manifest leaves empty.
    missing_metadata: Vec<&'static str>,
    /// Keywords the registry would refuse, each with the reason.
    bad_keywords: Vec<String>,
}

/// The published members of the workspace `metadata` (the JSON of `cargo metadata
/// --format-version 1 --no-deps`), in dependency order: each after every crate it needs.
pub(crate) fn publishable(metadata: &Value) -> Result<Vec<Package>> {
    let members: Vec<&Value> = metadata["packages"]
        .as_array()
        .context("cargo metadata lists no packages")?
        .iter()
        .collect();
    let names: Vec<&str> = members.iter().filter_map(|p| p["name"].as_str()).collect();
    let mut packages = BTreeMap::new();
    for member in &members {
        if !is_published(member) {
            continue;
        }
        let package = read(member, &names)?;
        packages.insert(package.name.clone(), package);
    }
    order(packages)
}

/// `publish` is `null` for "any registry" and a list of registries otherwise; `publish = false`
/// is the empty list.
fn is_published(member: &Value) -> bool {
    member["publish"]
        .as_array()
        .is_none_or(|registries| !registries.is_empty())
}

fn read(member: &Value, workspace: &[&str]) -> Result<Package> {
    let name = member["name"]
        .as_str()
        .context("a package without a name")?
        .to_owned();
    let version = member["version"]
        .as_str()
        .with_context(|| format!("{name} has no version"))?
        .to_owned();
    let text = |field: &str| member[field].as_str().is_some_and(|v| !v.trim().is_empty());
    let list = |field: &str| member[field].as_array().is_some_and(|v| !v.is_empty());
    let mut missing_metadata = Vec::new();
    for (field, present) in [
        ("description", text("description")),
        ("license", text("license") || text("license_file")),
        ("readme", text("readme")),
        ("keywords", list("keywords")),
        ("categories", list("categories")),
    ] {
        if !present {
            missing_metadata.push(field);
        }
    }
    let keywords: Vec<&str> = member["keywords"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let bad_keywords = keyword_problems(&keywords);
    let local_dependencies = member["dependencies"]
        .as_array()
        .into_iter()
        .flatten()
        // `kind` is null for normal dependencies; dev-dependencies are not needed to build,
        // and cycles through them are allowed.
        .filter(|dependency| dependency["kind"].as_str() != Some("dev"))
        .filter_map(|dependency| {
            let name = dependency["name"].as_str()?;
            workspace.contains(&name).then(|| {
                let req = dependency["req"].as_str().unwrap_or("*").to_owned();
                (name.to_owned(), req)
            })
        })
        .collect();
    Ok(Package {
        name,
        version,
        local_dependencies,
        missing_metadata,
        bad_keywords,
    })
}

/// What the registry refuses in `keywords`: more than five, or one that is longer than 20
/// characters, does not start with an ASCII letter, or holds anything but ASCII letters,
/// digits, `_` and `-` (cargo's manifest reference). Cargo itself does not check this, so
/// `cargo publish --dry-run` passes and the real upload would fail.
fn keyword_problems(keywords: &[&str]) -> Vec<String> {
    let mut problems = Vec::new();
    if keywords.len() > 5 {
        problems.push(format!(
            "{} keywords, at most 5 are allowed",
            keywords.len()
        ));
    }
    for keyword in keywords {
        let starts_with_letter = keyword.starts_with(|c: char| c.is_ascii_alphabetic());
        let allowed = keyword
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if keyword.len() > 20 || !starts_with_letter || !allowed {
            problems.push(format!(
                "keyword `{keyword}` must be at most 20 ASCII letters, digits, `_` or `-`, \
                 starting with a letter"
            ));
        }
    }
    problems
}

/// Sorts `packages` so that each comes after the crates it needs; ties in name order.
fn order(mut packages: BTreeMap<String, Package>) -> Result<Vec<Package>> {
    let mut ordered: Vec<Package> = Vec::with_capacity(packages.len());
    while !packages.is_empty() {
        let ready = packages
            .values()
            .find(|package| {
                package
                    .local_dependencies
                    .iter()
                    .all(|(dependency, _)| !packages.contains_key(dependency))
            })
            .map(|package| package.name.clone());
        let Some(name) = ready else {
            let stuck: Vec<&str> = packages.keys().map(String::as_str).collect();
            bail!(
                "the crates {} depend on each other: they cannot be published one after the other",
                stuck.join(", ")
            );
        };
        if let Some(package) = packages.remove(&name) {
            ordered.push(package);
        }
    }
    Ok(ordered)
}

/// Checks that `packages` can be released together at `version`: each has it, each asks its
/// workspace dependencies for a version it matches, each has the metadata a registry page
/// needs, and none needs a member that is not published. Reports every problem at once.
pub(crate) fn check(packages: &[Package], version: &Version) -> Result<()> {
    let mut problems = Vec::new();
    let published: Vec<&str> = packages.iter().map(|p| p.name.as_str()).collect();
    for package in packages {
        let name = &package.name;
        if package.version != version.to_string() {
            problems.push(format!(
                "{name} is at {} instead of {version}: give it `version.workspace = true`",
                package.version
            ));
        }
        for problem in &package.bad_keywords {
            problems.push(format!("{name}: {problem}"));
        }
        if !package.missing_metadata.is_empty() {
            problems.push(format!(
                "{name} has no {} in its manifest",
                package.missing_metadata.join(", ")
            ));
        }
        for (dependency, req) in &package.local_dependencies {
            if !published.contains(&dependency.as_str()) {
                problems.push(format!(
                    "{name} needs {dependency}, which is not published (`publish = false`)"
                ));
                continue;
            }
            let matches = VersionReq::parse(req).is_ok_and(|req| req.matches(version));
            if !matches {
                problems.push(format!(
                    "{name} asks for {dependency} `{req}`, which {version} does not match: \
                     take it from [workspace.dependencies]"
                ));
            }
        }
    }
    if !problems.is_empty() {
        bail!(
            "the crates are not ready for {version}:\n  {}",
            problems.join("\n  ")
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn member(name: &str, publish: Value, dependencies: Value) -> Value {
        let mut member = json!({
            "name": name,
            "version": "0.2.0",
            "description": "d",
            "license": "MIT OR Apache-2.0",
            "readme": "README.md",
            "keywords": ["bpmn"],
            "categories": ["api-bindings"],
        });
        member["publish"] = publish;
        member["dependencies"] = dependencies;
        member
    }

    fn dependency(name: &str, kind: Value) -> Value {
        let mut dependency = json!({"name": name, "req": "^0.2.0"});
        dependency["kind"] = kind;
        dependency
    }

    fn workspace() -> Value {
        json!({"packages": [
            member("facade", Value::Null, json!([
                dependency("transport", Value::Null),
                dependency("testkit", json!("dev")),
            ])),
            member("xtask", json!([]), json!([])),
            member("transport", Value::Null, json!([
                dependency("types", Value::Null),
                dependency("serde", Value::Null),
            ])),
            member("testkit", Value::Null, json!([
                dependency("types", Value::Null),
                dependency("transport", json!("dev")),
            ])),
            member("types", json!(["crates-io"]), json!([])),
        ]})
    }

    fn names(packages: &[Package]) -> Vec<&str> {
        packages.iter().map(|p| p.name.as_str()).collect()
    }

    #[test]
    fn published_crates_in_dependency_order() {
        let packages = publishable(&workspace()).unwrap();
        assert_eq!(
            names(&packages),
            ["types", "testkit", "transport", "facade"]
        );
        check(&packages, &Version::parse("0.2.0").unwrap()).unwrap();
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let mut metadata = workspace();
        metadata["packages"][0]["keywords"] = json!([]);
        metadata["packages"][0]["readme"] = Value::Null;
        metadata["packages"][2]["version"] = json!("0.1.0");
        metadata["packages"][2]["dependencies"][0]["req"] = json!("^0.1.0");
        metadata["packages"][4]["publish"] = json!([]);
        let packages = publishable(&metadata).unwrap();
        let error = check(&packages, &Version::parse("0.2.0").unwrap()).unwrap_err();
        assert_eq!(
            error.to_string(),
            "the crates are not ready for 0.2.0:
  testkit needs types, which is not published (`publish = false`)
  transport is at 0.1.0 instead of 0.2.0: give it `version.workspace = true`
  transport needs types, which is not published (`publish = false`)
  facade has no readme, keywords in its manifest"
        );
        let mut metadata = workspace();
        metadata["packages"][2]["dependencies"][0]["req"] = json!("^0.1.0");
        let packages = publishable(&metadata).unwrap();
        let error = check(&packages, &Version::parse("0.2.0").unwrap()).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("transport asks for types `^0.1.0`, which 0.2.0 does not match"),
            "{error}"
        );
    }

    #[test]
    fn keywords_the_registry_would_refuse_are_reported() {
        assert!(keyword_problems(&["bpmn", "workflow-engine", "a_b", "x2"]).is_empty());
        assert_eq!(
            keyword_problems(&["5minds", "ok", "two words", "much-too-long-a-keyword"]),
            [
                "keyword `5minds` must be at most 20 ASCII letters, digits, `_` or `-`, \
                 starting with a letter",
                "keyword `two words` must be at most 20 ASCII letters, digits, `_` or `-`, \
                 starting with a letter",
                "keyword `much-too-long-a-keyword` must be at most 20 ASCII letters, digits, \
                 `_` or `-`, starting with a letter",
            ]
        );
        assert_eq!(
            keyword_problems(&["a", "b", "c", "d", "e", "f"]),
            ["6 keywords, at most 5 are allowed"]
        );

        let mut metadata = workspace();
        metadata["packages"][4]["keywords"] = json!(["5minds"]);
        let packages = publishable(&metadata).unwrap();
        let error = check(&packages, &Version::parse("0.2.0").unwrap()).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("types: keyword `5minds` must be"),
            "{error}"
        );
    }

    #[test]
    fn a_cycle_is_an_error_not_a_hang() {
        let metadata = json!({"packages": [
            member("a", Value::Null, json!([dependency("b", Value::Null)])),
            member("b", Value::Null, json!([dependency("a", Value::Null)])),
            member("c", Value::Null, json!([])),
        ]});
        let error = publishable(&metadata).unwrap_err();
        assert_eq!(
            error.to_string(),
            "the crates a, b depend on each other: they cannot be published one after the other"
        );
    }

    /// The workspace itself: its tools (the conformance replay, xtask) are left out of a
    /// release, and what is published can be, without them.
    #[test]
    fn this_workspace_releases_its_libraries_without_its_tools() {
        let metadata = crate::workspace::members_metadata().unwrap();
        let packages = publishable(&metadata).unwrap();
        let names = names(&packages);
        assert!(!names.contains(&"process-engine-conformance"), "{names:?}");
        assert!(!names.contains(&"xtask"), "{names:?}");
        assert!(names.contains(&"process-engine-testkit"), "{names:?}");
        let version = Version::parse(packages[0].version.as_str()).unwrap();
        check(&packages, &version).unwrap();
    }
}
