//! The changelog's entry for a release, in the Keep a Changelog format: a heading
//! `## [<version>] - <YYYY-MM-DD>` followed by at least one entry (a `- ` line).

use std::path::Path;

use anyhow::{Context, Result, bail};
use semver::Version;

/// Checks that `text` has exactly one section for `version`, with a release date and at least
/// one entry; every error says how to fix the file.
pub(crate) fn check(text: &str, version: &Version) -> Result<()> {
    let sections: Vec<Section<'_>> = sections(text)
        .into_iter()
        .filter(|section| section.version == version.to_string())
        .collect();
    let section = match sections.as_slice() {
        [] => bail!(
            "there is no entry for {version}: move the entries under `## [Unreleased]` into a \
             new section `## [{version}] - YYYY-MM-DD` (today's date)"
        ),
        [section] => section,
        [..] => bail!(
            "there are {} entries for {version}; keep one",
            sections.len()
        ),
    };
    if !section.date.is_some_and(is_date) {
        bail!(
            "the entry for {version} has no release date: write its heading as \
             `## [{version}] - YYYY-MM-DD`"
        );
    }
    if !section.body.iter().any(|line| is_item(line)) {
        bail!("the entry for {version} is empty: say what changed, as `- ` items");
    }
    Ok(())
}

/// Checks the changelog at `path`; see [`check`].
pub(crate) fn check_file(path: &Path, version: &Version) -> Result<()> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("could not read {}", path.display()))?;
    check(&text, version).with_context(|| format!("{} is not ready", path.display()))
}

/// One `## ` section: the version in its heading's brackets, the date after it, its lines.
struct Section<'a> {
    version: &'a str,
    date: Option<&'a str>,
    body: Vec<&'a str>,
}

fn sections(text: &str) -> Vec<Section<'_>> {
    let mut sections: Vec<Section<'_>> = Vec::new();
    for line in text.lines() {
        if let Some(heading) = line.strip_prefix("## ") {
            let (version, date) = heading_parts(heading.trim());
            sections.push(Section {
                version,
                date,
                body: Vec::new(),
            });
        } else if line.starts_with("# ") {
            // The title, or a level-one heading after the last release: it ends the section.
            sections.push(Section {
                version: "",
                date: None,
                body: Vec::new(),
            });
        } else if let Some(section) = sections.last_mut() {
            section.body.push(line);
        }
    }
    sections
}

/// `[1.2.0] - 2026-11-30` gives `("1.2.0", Some("2026-11-30"))`; brackets and date are
/// optional, as people write them.
fn heading_parts(heading: &str) -> (&str, Option<&str>) {
    let (version, rest) = match heading.strip_prefix('[') {
        Some(bracketed) => bracketed.split_once(']').unwrap_or((bracketed, "")),
        None => heading
            .split_once(char::is_whitespace)
            .unwrap_or((heading, "")),
    };
    let date = rest
        .trim()
        .strip_prefix(['-', '–', '—'])
        .map(str::trim)
        .filter(|date| !date.is_empty());
    (version.trim().trim_start_matches('v'), date)
}

/// `YYYY-MM-DD` with a month and day that can exist.
fn is_date(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    let [year, month, day] = parts.as_slice() else {
        return false;
    };
    let number = |part: &str, digits: usize| {
        (part.len() == digits && part.bytes().all(|b| b.is_ascii_digit()))
            .then(|| part.parse::<u32>().ok())
            .flatten()
    };
    matches!(
        (number(year, 4), number(month, 2), number(day, 2)),
        (Some(_), Some(1..=12), Some(1..=31))
    )
}

/// A list item with some text: `- Added ...` or `* Added ...`.
fn is_item(line: &str) -> bool {
    let line = line.trim_start();
    line.strip_prefix("- ")
        .or_else(|| line.strip_prefix("* "))
        .is_some_and(|text| !text.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::release::scratch::ScratchDir;

    const CHANGELOG: &str = "\
# Changelog

All notable changes to this project are documented in this file.

## [Unreleased]

### Added

- The external-task worker.

## [0.2.0] - 2026-11-30

### Added

- The process-control client.

### Fixed

- Retries of finishes.

## [0.1.0] - 2026-10-01

- First release.
";

    fn v(text: &str) -> Version {
        Version::parse(text).unwrap()
    }

    fn error(text: &str, version: &str) -> String {
        check(text, &v(version)).unwrap_err().to_string()
    }

    #[test]
    fn released_versions_with_a_date_and_entries_pass() {
        let dir = ScratchDir::new("changelog");
        let path = dir.write("CHANGELOG.md", CHANGELOG);
        check_file(&path, &v("0.2.0")).unwrap();
        check_file(&path, &v("0.1.0")).unwrap();
    }

    #[test]
    fn a_version_without_an_entry_fails_and_says_how_to_add_one() {
        let dir = ScratchDir::new("changelog-missing");
        let path = dir.write("CHANGELOG.md", CHANGELOG);
        let error = check_file(&path, &v("0.3.0")).unwrap_err();
        assert_eq!(
            format!("{error:#}"),
            format!(
                "{} is not ready: there is no entry for 0.3.0: move the entries under \
                 `## [Unreleased]` into a new section `## [0.3.0] - YYYY-MM-DD` (today's date)",
                path.display()
            )
        );
        // A mention in another entry's text is no entry.
        let mentioned = CHANGELOG.replace("- First release.", "- First release; 0.3.0 next.");
        assert!(check(&mentioned, &v("0.3.0")).is_err());
        // Nor is a pre-release of it.
        assert!(check(CHANGELOG, &v("0.2.0-rc.1")).is_err());
    }

    #[test]
    fn an_entry_without_a_valid_date_fails() {
        for heading in [
            "## [0.2.0]",
            "## [0.2.0] - ",
            "## [0.2.0] - soon",
            "## [0.2.0] - 2026-13-01",
            "## [0.2.0] - 26-11-30",
        ] {
            let text = CHANGELOG.replace("## [0.2.0] - 2026-11-30", heading);
            assert_eq!(
                error(&text, "0.2.0"),
                "the entry for 0.2.0 has no release date: write its heading as \
                 `## [0.2.0] - YYYY-MM-DD`",
                "{heading}"
            );
        }
    }

    #[test]
    fn an_entry_without_items_fails() {
        let text = "# Changelog\n\n## [0.2.0] - 2026-11-30\n\n### Added\n\n- \n\n## [0.1.0] - 2026-10-01\n\n- First.\n";
        assert_eq!(
            error(text, "0.2.0"),
            "the entry for 0.2.0 is empty: say what changed, as `- ` items"
        );
        // The next section's items do not count for this one.
        let last =
            "# Changelog\n\n## [0.1.0] - 2026-10-01\n\n- First.\n\n## [0.2.0] - 2026-11-30\n";
        assert!(check(last, &v("0.2.0")).is_err());
    }

    #[test]
    fn two_entries_for_one_version_fail() {
        let text = format!("{CHANGELOG}\n## [0.2.0] - 2026-12-01\n\n- Again.\n");
        assert_eq!(
            error(&text, "0.2.0"),
            "there are 2 entries for 0.2.0; keep one"
        );
    }

    #[test]
    fn headings_without_brackets_or_with_a_v_are_read_too() {
        let text = "# Changelog\n\n## v1.0.0 - 2026-11-30\n\n- Stable.\n";
        check(text, &v("1.0.0")).unwrap();
        assert_eq!(
            heading_parts("[1.0.0] – 2026-11-30"),
            ("1.0.0", Some("2026-11-30"))
        );
        assert_eq!(heading_parts("Unreleased"), ("Unreleased", None));
    }

    #[test]
    fn a_missing_file_is_an_error_not_a_panic() {
        let dir = ScratchDir::new("changelog-none");
        let error = check_file(&dir.path().join("CHANGELOG.md"), &v("0.1.0")).unwrap_err();
        assert!(error.to_string().starts_with("could not read"), "{error}");
    }
}
