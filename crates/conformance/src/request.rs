//! The request a step describes, with its variables substituted (recordings README §2.3).
//!
//! Every request carries `Authorization: Bearer ${token}` unless the step overrides the header
//! (matched case-insensitively) with a string, or removes it with `null`. A `json` or `raw_body`
//! is sent with `Content-Type: application/json` unless the step sets another one.

use std::time::Duration;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::error::{Result, ScenarioError};
use crate::json::Json;
use crate::pytext;
use crate::scenario::{Step, millis};
use crate::subst::{subst, subst_str, subst_text};
use crate::vars::Env;

pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// What Python's `urlencode` leaves as it is.
const QUERY_SAFE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'_')
    .remove(b'.')
    .remove(b'-')
    .remove(b'~');

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Request {
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) query: Vec<(String, String)>,
    /// In the order they are sent; names as the scenario spells them.
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Option<Vec<u8>>,
    pub(crate) timeout: Duration,
}

impl Request {
    /// The request target: the path and the URL-encoded query.
    pub(crate) fn target(&self) -> String {
        if self.query.is_empty() {
            return self.path.clone();
        }
        let query: Vec<String> = self
            .query
            .iter()
            .map(|(name, value)| format!("{}={}", form_encode(name), form_encode(value)))
            .collect();
        let separator = if self.path.contains('?') { '&' } else { '?' };
        format!("{}{separator}{}", self.path, query.join("&"))
    }
}

/// `quote_plus`: spaces become `+`, everything but letters, digits and `_.-~` is %-encoded.
fn form_encode(text: &str) -> String {
    let parts: Vec<String> = text
        .split(' ')
        .map(|part| utf8_percent_encode(part, QUERY_SAFE).to_string())
        .collect();
    parts.join("+")
}

/// The request of a step. Fails with `ScenarioError::Undefined` when a variable is missing.
pub(crate) fn build(step: &Step, env: &Env) -> Result<Request> {
    let method = step.method.as_deref().unwrap_or("GET").to_uppercase();
    let Some(path) = &step.path else {
        return Err(ScenarioError::invalid("a step needs a path"));
    };
    let Json::String(path) = subst_str(path, env)? else {
        return Err(ScenarioError::invalid("path must be a string"));
    };
    let mut query = Vec::new();
    for (name, value) in step.query.iter() {
        query.push((subst_text(name, env)?, query_value(subst(value, env)?)));
    }
    let mut headers = headers(step, env)?;
    let body = body(step, env)?;
    let has_content_type = headers
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case("content-type"));
    if body.is_some() && !has_content_type {
        headers.push(("Content-Type".to_owned(), "application/json".to_owned()));
    }
    Ok(Request {
        method,
        path,
        query,
        headers,
        body,
        timeout: step.timeout_ms.as_ref().map_or(DEFAULT_TIMEOUT, millis),
    })
}

/// A query value as the recordings send it: `null` as nothing, strings as they are, other values as
/// JSON.
pub(crate) fn query_value(value: Json) -> String {
    match value {
        Json::Null => String::new(),
        Json::String(text) => text,
        other => pytext::spaced(&other),
    }
}

fn headers(step: &Step, env: &Env) -> Result<Vec<(String, String)>> {
    let mut headers = vec![(
        "Authorization".to_owned(),
        Some("Bearer ${token}".to_owned()),
    )];
    for (name, value) in step.headers.iter() {
        headers.retain(|(existing, _)| !existing.eq_ignore_ascii_case(name));
        headers.push((name.to_owned(), value.clone()));
    }
    headers
        .into_iter()
        .filter_map(|(name, value)| value.map(|value| (name, value)))
        .map(|(name, value)| Ok((name, subst_text(&value, env)?)))
        .collect()
}

fn body(step: &Step, env: &Env) -> Result<Option<Vec<u8>>> {
    match (&step.json, &step.raw_body) {
        (Some(_), Some(_)) => Err(ScenarioError::invalid(
            "a step has either json or raw_body, not both",
        )),
        (Some(json), None) => Ok(Some(pytext::spaced(&subst(json, env)?).into_bytes())),
        (None, Some(Json::String(raw))) => Ok(Some(as_text_body(subst_str(raw, env)?))),
        (None, Some(raw)) => Ok(Some(pytext::spaced(raw).into_bytes())),
        (None, None) => Ok(None),
    }
}

/// A substituted raw body: text as it is, a value that a lone `${name}` brought in as JSON.
fn as_text_body(value: Json) -> Vec<u8> {
    match value {
        Json::String(text) => text.into_bytes(),
        other => pytext::spaced(&other).into_bytes(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(text: &str) -> Step {
        serde_json::from_str(text).unwrap()
    }

    fn env() -> Env {
        let mut env = Env::empty();
        env.set("token", "tok".into());
        env.set("alice", "jwt.alice.".into());
        env.set("n", Json::parse(b"3").unwrap());
        env
    }

    fn header_list(request: &Request) -> Vec<(&str, &str)> {
        request
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect()
    }

    #[test]
    fn authorization_is_sent_unless_overridden_or_removed() {
        let plain = build(&step(r#"{"path": "/x"}"#), &env()).unwrap();
        assert_eq!(plain.method, "GET");
        assert_eq!(header_list(&plain), [("Authorization", "Bearer tok")]);
        let overridden = build(
            &step(r#"{"path": "/x", "headers": {"authorization": "Bearer ${alice}", "X": "1"}}"#),
            &env(),
        )
        .unwrap();
        assert_eq!(
            header_list(&overridden),
            [("authorization", "Bearer jwt.alice."), ("X", "1")]
        );
        let removed = build(
            &step(r#"{"path": "/x", "headers": {"Authorization": null}}"#),
            &env(),
        )
        .unwrap();
        assert_eq!(header_list(&removed), []);
        let empty = build(
            &step(r#"{"path": "/x", "headers": {"Authorization": ""}}"#),
            &env(),
        )
        .unwrap();
        assert_eq!(header_list(&empty), [("Authorization", "")]);
    }

    #[test]
    fn bodies_are_json_or_raw_with_a_default_content_type() {
        let json = build(
            &step(r#"{"method": "post", "path": "/x", "json": {"b": "${n}", "a": "é"}}"#),
            &env(),
        )
        .unwrap();
        assert_eq!(json.method, "POST");
        assert_eq!(
            json.body.as_deref(),
            Some(br#"{"b": 3, "a": "\u00e9"}"#.as_slice())
        );
        assert_eq!(header_list(&json)[1], ("Content-Type", "application/json"));
        let raw = build(&step(r#"{"path": "/x", "raw_body": "{\"n\": ${n}", "headers": {"content-type": "text/plain"}}"#), &env()).unwrap();
        assert_eq!(raw.body.as_deref(), Some(br#"{"n": 3"#.as_slice()));
        assert_eq!(header_list(&raw)[1], ("content-type", "text/plain"));
        let null = build(&step(r#"{"path": "/x", "json": null}"#), &env()).unwrap();
        assert_eq!(null.body.as_deref(), Some(b"null".as_slice()));
        assert!(
            build(
                &step(r#"{"path": "/x", "json": 1, "raw_body": ""}"#),
                &env()
            )
            .is_err()
        );
    }

    #[test]
    fn the_query_is_form_encoded_in_the_order_listed() {
        let request = build(
            &step(r#"{"path": "/x", "query": {"b": "2 3", "a": "${n}", "c": null, "d": "ä/&="}}"#),
            &env(),
        )
        .unwrap();
        assert_eq!(request.target(), "/x?b=2+3&a=3&c=&d=%C3%A4%2F%26%3D");
        let mut with_query = request;
        with_query.path = "/x?y=1".into();
        assert!(with_query.target().starts_with("/x?y=1&b="));
    }

    #[test]
    fn undefined_variables_and_missing_paths_are_scenario_errors() {
        let error = build(&step(r#"{"path": "/x/${pi}"}"#), &env()).unwrap_err();
        assert_eq!(error, ScenarioError::Undefined("pi".into()));
        assert!(matches!(
            build(&step(r#"{"path": "${n}"}"#), &env()),
            Err(ScenarioError::Invalid(_))
        ));
        assert!(serde_json::from_str::<Step>(r#"{"path": "/x", "jsn": {}}"#).is_err());
    }
}
