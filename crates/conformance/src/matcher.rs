//! The matcher language of `expect.body` (recordings README §2.4), with the difference texts of
//! the recordings' reports.
//!
//! A plain JSON value matches itself (objects with exactly the listed keys, arrays element by
//! element, numbers by value but never a bool); strings may be type markers or carry inline
//! markers (see `markers`); objects with one special key (`<contains>`, `<unordered>`, `<each>`,
//! `<regex>`, `<one-of>`) match arrays or texts more loosely, and `"<more>": true` allows keys
//! that are not listed. Every difference names where it is, as a JSON-pointer-like path.

use crate::error::{Result, ScenarioError};
use crate::json::Json;
use crate::markers;
use crate::ordered::Ordered;
use crate::pytext::short;
use crate::regex::Regex;

/// How long quoted values get in a difference, as in the recordings' reports.
const SHORT: usize = 160;
const SHORT_ARRAY: usize = 400;
const SHORT_MATCHER: usize = 300;

const SPECIAL_KEYS: [&str; 5] = ["<contains>", "<unordered>", "<each>", "<regex>", "<one-of>"];

/// Every difference between the (substituted) matcher and the actual value; empty if it matches.
/// An error means the matcher itself is malformed.
pub(crate) fn differences(expected: &Json, actual: &Json) -> Result<Vec<String>> {
    let mut found = Differences::default();
    found.compare(expected, Some(actual), "")?;
    Ok(found.0)
}

fn matches(expected: &Json, actual: &Json, path: &str) -> Result<bool> {
    let mut found = Differences::default();
    found.compare(expected, Some(actual), path)?;
    Ok(found.0.is_empty())
}

#[derive(Default)]
struct Differences(Vec<String>);

impl Differences {
    /// `actual` is `None` where the expected key is missing.
    fn compare(&mut self, expected: &Json, actual: Option<&Json>, path: &str) -> Result<()> {
        let at = if path.is_empty() { "/" } else { path };
        let Some(actual) = actual else {
            self.0.push(format!(
                "{at}: missing, expected {}",
                short(expected, SHORT)
            ));
            return Ok(());
        };
        match expected {
            Json::String(text) => self.text(text, actual, at)?,
            Json::Null | Json::Bool(_) | Json::Number(_) => {
                if expected != actual {
                    self.expected_got(at, &short(expected, SHORT), actual);
                }
            }
            Json::Array(items) => self.array(items, actual, path)?,
            Json::Object(map) => match special_key(map, at)? {
                Some((kind, argument)) => self.special(kind, argument, actual, path)?,
                None => self.object(map, actual, path)?,
            },
        }
        Ok(())
    }

    fn expected_got(&mut self, at: &str, expected: &str, actual: &Json) {
        self.0.push(format!(
            "{at}: expected {expected}, got {}",
            short(actual, SHORT)
        ));
    }

    fn text(&mut self, expected: &str, actual: &Json, at: &str) -> Result<()> {
        if markers::is_type_marker(expected) {
            if !markers::matches_type(expected, actual)? {
                self.expected_got(at, expected, actual);
            }
        } else if let Some(pattern) = markers::text_pattern(expected)? {
            if !actual.as_str().is_some_and(|text| pattern.full_match(text)) {
                let expected = short(&expected.into(), SHORT);
                let actual = short(actual, SHORT);
                self.0
                    .push(format!("{at}: expected text like {expected}, got {actual}"));
            }
        } else if actual.as_str() != Some(expected) {
            self.expected_got(at, &short(&expected.into(), SHORT), actual);
        }
        Ok(())
    }

    fn array(&mut self, expected: &[Json], actual: &Json, path: &str) -> Result<()> {
        let at = if path.is_empty() { "/" } else { path };
        let Json::Array(items) = actual else {
            let n = expected.len();
            self.0.push(format!(
                "{at}: expected array of {n}, got {}",
                short(actual, SHORT)
            ));
            return Ok(());
        };
        if expected.len() != items.len() {
            self.0.push(format!(
                "{at}: expected array of {} element(s), got {}: {}",
                expected.len(),
                items.len(),
                short(actual, SHORT_ARRAY)
            ));
            return Ok(());
        }
        for (i, (e, a)) in expected.iter().zip(items).enumerate() {
            self.compare(e, Some(a), &format!("{path}/{i}"))?;
        }
        Ok(())
    }

    fn object(&mut self, expected: &Ordered<Json>, actual: &Json, path: &str) -> Result<()> {
        let at = if path.is_empty() { "/" } else { path };
        let Json::Object(fields) = actual else {
            self.0.push(format!(
                "{at}: expected object, got {}",
                short(actual, SHORT)
            ));
            return Ok(());
        };
        let allow_more = matches!(expected.get("<more>"), Some(Json::Bool(true)));
        for (key, e) in expected.iter().filter(|(key, _)| *key != "<more>") {
            self.compare(e, fields.get(key), &format!("{path}/{key}"))?;
        }
        if !allow_more {
            let mut extra: Vec<&str> = fields
                .keys()
                .filter(|k| !expected.contains_key(k))
                .collect();
            extra.sort_unstable();
            if !extra.is_empty() {
                self.0
                    .push(format!("{at}: unexpected key(s) {}", extra.join(", ")));
            }
        }
        Ok(())
    }

    fn special(&mut self, kind: &str, argument: &Json, actual: &Json, path: &str) -> Result<()> {
        let at = if path.is_empty() { "/" } else { path };
        match kind {
            "<regex>" => {
                let Json::String(pattern) = argument else {
                    return Err(ScenarioError::invalid(format!(
                        "{at}: <regex> needs a string"
                    )));
                };
                let regex = Regex::parse(pattern).map_err(ScenarioError::Invalid)?;
                if !actual.as_str().is_some_and(|text| regex.full_match(text)) {
                    let actual = short(actual, SHORT);
                    self.0.push(format!(
                        "{at}: expected text matching /{pattern}/, got {actual}"
                    ));
                }
                return Ok(());
            }
            "<one-of>" => {
                let alternatives = matchers(argument, kind, at)?;
                for alternative in alternatives {
                    if matches(alternative, actual, path)? {
                        return Ok(());
                    }
                }
                let n = alternatives.len();
                let actual = short(actual, SHORT);
                self.0.push(format!(
                    "{at}: matches none of the {n} alternatives: {actual}"
                ));
                return Ok(());
            }
            _ => {}
        }
        let Json::Array(items) = actual else {
            self.0.push(format!(
                "{at}: expected array, got {}",
                short(actual, SHORT)
            ));
            return Ok(());
        };
        if kind == "<each>" {
            for (i, item) in items.iter().enumerate() {
                self.compare(argument, Some(item), &format!("{path}/{i}"))?;
            }
            return Ok(());
        }
        let wanted = matchers(argument, kind, at)?;
        if kind == "<unordered>" && wanted.len() != items.len() {
            self.0.push(format!(
                "{at}: expected array of {} element(s) (any order), got {}: {}",
                wanted.len(),
                items.len(),
                short(actual, SHORT_ARRAY)
            ));
            return Ok(());
        }
        self.distinct_elements(wanted, items, actual, at)
    }

    /// `<contains>` and `<unordered>`: each matcher in turn takes the first element that it
    /// matches and that no earlier matcher took (first fit, as the recordings were checked).
    fn distinct_elements(
        &mut self,
        wanted: &[Json],
        items: &[Json],
        actual: &Json,
        at: &str,
    ) -> Result<()> {
        let mut taken = vec![false; items.len()];
        for matcher in wanted {
            let mut found = None;
            for (i, item) in items.iter().enumerate() {
                if !taken[i] && matches(matcher, item, "")? {
                    found = Some(i);
                    break;
                }
            }
            match found {
                Some(i) => taken[i] = true,
                None => {
                    let whole = if items.len() > 3 {
                        String::new()
                    } else {
                        format!(" (array is {})", short(actual, SHORT_ARRAY))
                    };
                    let matcher = short(matcher, SHORT_MATCHER);
                    self.0
                        .push(format!("{at}: no element matches {matcher}{whole}"));
                }
            }
        }
        Ok(())
    }
}

/// The special key of a matcher object, if it has one; it must be the object's only key.
fn special_key<'a>(map: &'a Ordered<Json>, at: &str) -> Result<Option<(&'a str, &'a Json)>> {
    let Some(kind) = map.keys().find(|key| SPECIAL_KEYS.contains(key)) else {
        return Ok(None);
    };
    if map.len() != 1 {
        let message = format!("{at}: {kind} must be the only key of its object");
        return Err(ScenarioError::Invalid(message));
    }
    Ok(map.get(kind).map(|argument| (kind, argument)))
}

fn matchers<'a>(argument: &'a Json, kind: &str, at: &str) -> Result<&'a [Json]> {
    match argument {
        Json::Array(items) => Ok(items),
        _ => Err(ScenarioError::invalid(format!(
            "{at}: {kind} needs an array"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(text: &str) -> Json {
        Json::parse(text.as_bytes()).unwrap()
    }

    /// Matcher, actual value and the differences the recording tool reported for them (generated
    /// with its matcher).
    const CASES: &[(&str, &str, &str, &[&str])] = &[
        (
            "inline markers",
            r#""External Task with ID 't1' is locked by another worker, until <iso-date>.""#,
            r#""External Task with ID 't1' is locked by another worker, until 2026-11-23T20:41:29.681Z.""#,
            &[],
        ),
        (
            "inline markers mismatch",
            r#""External Task with ID 't1' is locked by another worker, until <iso-date>.""#,
            r#""External Task with ID 't1' is locked by another worker, until never.""#,
            &[
                r#"/: expected text like "External Task with ID 't1' is locked by another worker, until <iso-date>.", got "External Task with ID 't1' is locked by another worker, until never.""#,
            ],
        ),
        (
            "inline marker vs number",
            r#""<uuid>-x""#,
            r#"5"#,
            &[r#"/: expected text like "<uuid>-x", got 5"#],
        ),
        (
            "contains needs distinct elements",
            r#"{"<contains>": [{"a": 1}, {"a": 1}]}"#,
            r#"[{"a": 1}, {"a": 2}]"#,
            &[r#"/: no element matches {"a": 1} (array is [{"a": 1}, {"a": 2}])"#],
        ),
        (
            "contains long array",
            r#"{"<contains>": [{"a": 9}]}"#,
            r#"[{"a": 1}, {"a": 2}, {"a": 3}, {"a": 4}]"#,
            &[r#"/: no element matches {"a": 9}"#],
        ),
        (
            "contains ok",
            r#"{"<contains>": [{"<more>": true, "a": 2}, {"<more>": true}]}"#,
            r#"[{"a": 1}, {"a": 2, "b": 3}]"#,
            &[],
        ),
        (
            "more",
            r#"{"<more>": true, "a": 1}"#,
            r#"{"a": 1, "b": 2}"#,
            &[],
        ),
        (
            "more false",
            r#"{"<more>": false, "a": 1}"#,
            r#"{"a": 1, "b": 2}"#,
            &[r#"/: unexpected key(s) b"#],
        ),
        (
            "exact keys",
            r#"{"a": 1, "b": 2}"#,
            r#"{"c": 3, "a": 1, "d": null}"#,
            &[r#"/b: missing, expected 2"#, r#"/: unexpected key(s) c, d"#],
        ),
        (
            "type markers",
            r#"{"id": "<uuid>", "n": "<integer>", "f": "<number>", "s": "<string>", "o": "<object>", "x": "<non-null>"}"#,
            r#"{"id": "x", "n": 1.5, "f": true, "s": 1, "o": [], "x": null}"#,
            &[
                r#"/id: expected <uuid>, got "x""#,
                r#"/n: expected <integer>, got 1.5"#,
                r#"/f: expected <number>, got true"#,
                r#"/s: expected <string>, got 1"#,
                r#"/o: expected <object>, got []"#,
                r#"/x: expected <non-null>, got null"#,
            ],
        ),
        (
            "numbers by value",
            r#"[1, 1.0, 2.5, 0]"#,
            r#"[1.0, 1, 2.5, false]"#,
            &[r#"/3: expected 0, got false"#],
        ),
        (
            "types are strict",
            r#"[1, "1", true, null]"#,
            r#"["1", 1, 1, false]"#,
            &[
                r#"/0: expected 1, got "1""#,
                r#"/1: expected "1", got 1"#,
                r#"/2: expected true, got 1"#,
                r#"/3: expected null, got false"#,
            ],
        ),
        (
            "array length",
            r#"[1, 2]"#,
            r#"[1, 2, 3]"#,
            &[r#"/: expected array of 2 element(s), got 3: [1, 2, 3]"#],
        ),
        (
            "not an array",
            r#"[1, 2]"#,
            r#"{"a": 1}"#,
            &[r#"/: expected array of 2, got {"a": 1}"#],
        ),
        (
            "not an object",
            r#"{"a": 1}"#,
            r#"[1]"#,
            &[r#"/: expected object, got [1]"#],
        ),
        ("unordered", r#"{"<unordered>": [2, 1]}"#, r#"[1, 2]"#, &[]),
        (
            "unordered length",
            r#"{"<unordered>": [2, 1]}"#,
            r#"[1, 2, 3]"#,
            &[r#"/: expected array of 2 element(s) (any order), got 3: [1, 2, 3]"#],
        ),
        (
            "each",
            r#"{"<each>": {"id": "<string>"}}"#,
            r#"[{"id": "a"}, {"id": 2}, {"x": 1}]"#,
            &[
                r#"/1/id: expected <string>, got 2"#,
                r#"/2/id: missing, expected "<string>""#,
                r#"/2: unexpected key(s) x"#,
            ],
        ),
        (
            "each on object",
            r#"{"<each>": 1}"#,
            r#"{"a": 1}"#,
            &[r#"/: expected array, got {"a": 1}"#],
        ),
        (
            "regex",
            r#"{"hash": {"<regex>": "\\$2a\\$04\\$.{53}"}}"#,
            r#"{"hash": "$2a$04$abc"}"#,
            &[r#"/hash: expected text matching /\$2a\$04\$.{53}/, got "$2a$04$abc""#],
        ),
        (
            "one-of",
            r#"{"<one-of>": [1, "<string>"]}"#,
            r#"[true]"#,
            &[r#"/: matches none of the 2 alternatives: [true]"#],
        ),
        (
            "nested path",
            r#"{"a": [{"b": "x"}]}"#,
            r#"{"a": [{"b": "y"}]}"#,
            &[r#"/a/0/b: expected "x", got "y""#],
        ),
        (
            "string vs number",
            r#""x""#,
            r#"1"#,
            &[r#"/: expected "x", got 1"#],
        ),
        (
            "unicode",
            r#""é""#,
            r#""ü""#,
            &[r#"/: expected "é", got "ü""#],
        ),
    ];

    #[test]
    fn differences_are_those_the_recordings_report() {
        for (name, expected, actual, want) in CASES {
            let got = differences(&json(expected), &json(actual)).unwrap();
            assert_eq!(got, *want, "{name}");
        }
    }

    #[test]
    fn long_values_are_cut_in_differences() {
        let actual = Json::String("y".repeat(200));
        let got = differences(&"short".into(), &actual).unwrap();
        let cut = format!("\"{}...", "y".repeat(159));
        assert_eq!(got, [format!("/: expected \"short\", got {cut}")]);
    }

    #[test]
    fn a_special_key_must_be_alone_in_its_object() {
        let matcher = json(r#"{"a": {"<contains>": [], "<more>": true}}"#);
        let error = differences(&matcher, &json(r#"{"a": []}"#)).unwrap_err();
        assert_eq!(
            error.to_string(),
            "/a: <contains> must be the only key of its object"
        );
    }
}
