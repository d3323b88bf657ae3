//! `${name}` substitution (recordings README §2.2).
//!
//! A string that is exactly one `${name}` becomes the variable's JSON value with its type (so a
//! captured object or number is passed on as such); anywhere else the value is inserted as text,
//! non-strings as compact JSON. `$${` stands for a literal `${`. Names are made of letters,
//! digits and `_ . : -`; a `${` not followed by such a name and `}` is plain text.

use crate::error::Result;
use crate::json::Json;
use crate::ordered::Ordered;
use crate::pytext;
use crate::vars::Env;

/// Substitutes through a whole JSON value: strings, object keys and array elements.
pub(crate) fn subst(value: &Json, env: &Env) -> Result<Json> {
    Ok(match value {
        Json::String(text) => subst_str(text, env)?,
        Json::Array(items) => Json::Array(
            items
                .iter()
                .map(|item| subst(item, env))
                .collect::<Result<_>>()?,
        ),
        Json::Object(map) => {
            let mut substituted = Ordered::new();
            for (key, item) in map.iter() {
                substituted.insert(subst_text(key, env)?, subst(item, env)?);
            }
            Json::Object(substituted)
        }
        other => other.clone(),
    })
}

/// Substitutes in one string; a string that is exactly one `${name}` keeps the value's type.
pub(crate) fn subst_str(text: &str, env: &Env) -> Result<Json> {
    match variable_at(text) {
        Some((name, "")) => env.lookup(name),
        _ => interpolate(text, env).map(Json::String),
    }
}

/// Substitutes in one string where only text can stand (an object key, a header): a
/// non-string value becomes its compact JSON.
pub(crate) fn subst_text(text: &str, env: &Env) -> Result<String> {
    Ok(as_text(subst_str(text, env)?))
}

/// A substituted value as text: strings as they are, anything else as compact JSON.
pub(crate) fn as_text(value: Json) -> String {
    match value {
        Json::String(text) => text,
        other => pytext::compact(&other),
    }
}

fn interpolate(text: &str, env: &Env) -> Result<String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(dollar) = rest.find('$') {
        out.push_str(&rest[..dollar]);
        rest = &rest[dollar..];
        if let Some(after) = rest.strip_prefix("$${") {
            out.push_str("${");
            rest = after;
        } else if let Some((name, after)) = variable_at(rest) {
            out.push_str(&as_text(env.lookup(name)?));
            rest = after;
        } else {
            out.push('$');
            rest = &rest[1..];
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// A `${name}` at the start of `text`: the name and what follows the `}`.
fn variable_at(text: &str) -> Option<(&str, &str)> {
    let inner = text.strip_prefix("${")?;
    let end = inner.find(|c: char| !is_name_char(c))?;
    let (name, after) = inner.split_at(end);
    let after = after.strip_prefix('}')?;
    (!name.is_empty()).then_some((name, after))
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | ':' | '-')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ScenarioError;

    fn env() -> Env {
        let mut env = Env::empty();
        env.set("run", "r1234abcd".into());
        env.set("n", Json::parse(b"42").unwrap());
        env.set(
            "obj",
            Json::parse(r#"{"b": 1, "a": ["é"]}"#.as_bytes()).unwrap(),
        );
        env
    }

    fn text(template: &str) -> String {
        match subst_str(template, &env()).unwrap() {
            Json::String(text) => text,
            other => panic!("not a string: {other:?}"),
        }
    }

    #[test]
    fn a_single_variable_keeps_its_json_type() {
        assert_eq!(
            subst_str("${n}", &env()).unwrap(),
            Json::parse(b"42").unwrap()
        );
        assert_eq!(
            subst_str("${obj}", &env()).unwrap(),
            env().lookup("obj").unwrap()
        );
        assert_eq!(subst_str("${run}", &env()).unwrap(), "r1234abcd".into());
    }

    #[test]
    fn inside_text_values_are_inserted_as_text() {
        assert_eq!(text("id-${run}-${n}"), "id-r1234abcd-42");
        assert_eq!(text(" ${obj}"), r#" {"b":1,"a":["\u00e9"]}"#);
        assert_eq!(text("${run}${run}"), "r1234abcdr1234abcd");
    }

    #[test]
    fn double_dollar_escapes_a_literal_variable() {
        assert_eq!(text("$${run}"), "${run}");
        assert_eq!(text("a $${run} b ${run}"), "a ${run} b r1234abcd");
        assert_eq!(text("$$${run}"), "$${run}");
        assert_eq!(text("$ $$ ${} ${not closed"), "$ $$ ${} ${not closed");
        assert_eq!(text("${a b}"), "${a b}");
    }

    #[test]
    fn keys_and_nested_values_are_substituted() {
        let template = Json::parse(br#"{"k-${run}": ["${n}", "x${n}"], "${n}": true}"#).unwrap();
        let want = Json::parse(br#"{"k-r1234abcd": [42, "x42"], "42": true}"#).unwrap();
        assert_eq!(subst(&template, &env()).unwrap(), want);
    }

    #[test]
    fn an_unknown_variable_is_an_error() {
        let error = subst_str("x ${nope}", &env()).unwrap_err();
        assert_eq!(error, ScenarioError::Undefined("nope".into()));
        assert_eq!(error.to_string(), "undefined variable ${nope}");
    }
}
