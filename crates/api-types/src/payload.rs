//! Typed access to the engine's free-form payloads.

use serde::de::DeserializeOwned;
use serde_json::Value;

/// A payload that does not have the shape the caller asked for.
#[derive(Debug, thiserror::Error)]
#[error("the payload does not match {type_name} at `{path}`")]
pub struct PayloadError {
    type_name: &'static str,
    path: String,
    #[source]
    source: serde_json::Error,
}

impl PayloadError {
    /// Where in the payload the mismatch was found (`order.items[2]`, `.` for the root).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The name of the type the payload was read as.
    pub fn type_name(&self) -> &'static str {
        self.type_name
    }
}

/// Reads a JSON value as `T`, naming the failing field on a mismatch.
///
/// An absent payload (`None`) reads as JSON `null`, so `Option<T>` and `()` accept it.
pub fn payload_as<T: DeserializeOwned>(value: Option<&Value>) -> Result<T, PayloadError> {
    let null = Value::Null;
    let value = value.unwrap_or(&null);
    serde_path_to_error::deserialize(value).map_err(|error| PayloadError {
        type_name: std::any::type_name::<T>(),
        path: error.path().to_string(),
        source: error.into_inner(),
    })
}

/// Deserializes a field that is present, even as `null`, into `Some`: with `#[serde(default)]`,
/// an absent key stays `None`, so a body re-encodes exactly as it was sent.
pub(crate) fn present<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Value>, D::Error> {
    serde::Deserialize::deserialize(deserializer).map(Some)
}

/// Deserializes a field the engine tests with JavaScript's `!value`: `false`, `0`, `""` and
/// `null` read as absent (`None`), any other value as `T`.
pub(crate) fn falsy_as_none<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: DeserializeOwned,
{
    let value: Value = serde::Deserialize::deserialize(deserializer)?;
    let falsy = match &value {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::String(s) => s.is_empty(),
        Value::Array(_) | Value::Object(_) => false,
    };
    if falsy {
        return Ok(None);
    }
    serde_json::from_value(value)
        .map(Some)
        .map_err(serde::de::Error::custom)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Order {
        order: u32,
        items: Vec<String>,
    }

    #[test]
    fn reads_a_matching_payload() {
        let value = json!({"order": 4711, "items": ["a"]});
        let order: Order = payload_as(Some(&value)).unwrap();
        assert_eq!(
            order,
            Order {
                order: 4711,
                items: vec!["a".into()]
            }
        );
    }

    #[test]
    fn names_the_failing_field() {
        let value = json!({"order": 4711, "items": ["a", 2]});
        let error = payload_as::<Order>(Some(&value)).unwrap_err();
        assert_eq!(error.path(), "items[1]");
        assert!(error.to_string().contains("items[1]"), "{error}");
    }

    #[test]
    fn absent_payload_is_null() {
        assert_eq!(payload_as::<Option<Order>>(None).unwrap(), None);
        assert!(payload_as::<Order>(None).is_err());
    }
}
