//! JSON pointers (RFC 6901) for `capture`, resolved as the recordings were made: `""` is the whole
//! document, array indexes may count from the end (`-1`), and anything that does not resolve is
//! simply absent.

use crate::error::{Result, ScenarioError};
use crate::json::Json;
use crate::pytext;

/// The value `pointer` points to in `document`, `None` if there is none.
pub(crate) fn resolve<'a>(document: &'a Json, pointer: &str) -> Result<Option<&'a Json>> {
    if pointer.is_empty() {
        return Ok(Some(document));
    }
    let Some(tokens) = pointer.strip_prefix('/') else {
        let quoted = pytext::repr(Some(pointer));
        return Err(ScenarioError::invalid(format!("bad JSON pointer {quoted}")));
    };
    let mut current = document;
    for raw in tokens.split('/') {
        let token = raw.replace("~1", "/").replace("~0", "~");
        let next = match current {
            Json::Array(items) => index(items.len(), &token).and_then(|i| items.get(i)),
            Json::Object(map) => map.get(&token),
            _ => None,
        };
        match next {
            Some(value) => current = value,
            None => return Ok(None),
        }
    }
    Ok(Some(current))
}

/// Python's `list[int(token)]`: surrounding blanks and a sign are allowed, negative indexes
/// count from the end.
fn index(len: usize, token: &str) -> Option<usize> {
    let i: i64 = token.trim().parse().ok()?;
    let i = if i < 0 {
        i64::try_from(len).ok()? + i
    } else {
        i
    };
    usize::try_from(i).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_resolve_as_in_the_recordings() {
        let doc = Json::parse(br#"{"a": [{"id": 1}, {"id": 2}], "x/y": {"~": true}}"#).unwrap();
        let at = |p: &str| resolve(&doc, p).unwrap().cloned();
        assert_eq!(at(""), Some(doc.clone()));
        assert_eq!(at("/a/1/id"), Some(Json::parse(b"2").unwrap()));
        assert_eq!(at("/a/-1/id"), Some(Json::parse(b"2").unwrap()));
        assert_eq!(at("/x~1y/~0"), Some(Json::Bool(true)));
        assert_eq!(at("/a/2/id"), None);
        assert_eq!(at("/a/-3"), None);
        assert_eq!(at("/a/first"), None);
        assert_eq!(at("/a/0/id/deeper"), None);
        assert!(resolve(&doc, "a").is_err());
    }
}
