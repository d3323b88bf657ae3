//! A failed instance's error in one line, for messages and logs.

use std::fmt;

use serde_json::Value;

use crate::models::CorrelationError;

/// One line saying what the engine stored: `InternalServerError (500)` for the engine's own
/// errors, `PubOtherError (code E_SAME)` for a BPMN error, `StockError: no stock` for an object
/// with a message, the text of a thrown string, and compact JSON for anything else (`{}` for a
/// script's `Error`, whose properties the engine does not keep). The additional information,
/// which can hold a whole token, is left out; read it with
/// [`additional_information`](CorrelationError::additional_information).
impl fmt::Display for CorrelationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Value::String(text) = self.as_json() {
            return f.write_str(text);
        }
        let has_code = self.code().is_some() || self.error_code().is_some();
        match (self.name(), self.message()) {
            (Some(name), Some(message)) => write!(f, "{name}: {message}")?,
            (Some(text), None) | (None, Some(text)) => f.write_str(text)?,
            (None, None) if has_code => f.write_str("error")?,
            (None, None) => return write!(f, "{}", self.as_json()),
        }
        match (self.code(), self.error_code()) {
            (Some(status), _) => write!(f, " ({status})"),
            (None, Some(code)) => write!(f, " (code {code})"),
            (None, None) => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn shown(value: Value) -> String {
        CorrelationError::from(value).to_string()
    }

    #[test]
    fn each_recorded_shape_reads_as_one_line() {
        assert_eq!(
            shown(json!({"_code": 500, "name": "InternalServerError",
                         "_additionalInformation": {"currentToken": {"n": 1}}})),
            "InternalServerError (500)"
        );
        assert_eq!(
            shown(json!({"code": "E_SAME", "name": "PubOtherError"})),
            "PubOtherError (code E_SAME)"
        );
        assert_eq!(shown(json!({"code": "E_BOOM"})), "error (code E_BOOM)");
        assert_eq!(
            shown(json!({"message": "no stock", "name": "StockError", "code": "E_STOCK"})),
            "StockError: no stock (code E_STOCK)"
        );
        assert_eq!(shown(json!({"message": "m only"})), "m only");
        assert_eq!(shown(json!("out of stock")), "out of stock");
        assert_eq!(shown(json!({})), "{}");
        assert_eq!(
            shown(json!({"detail": "from the child"})),
            r#"{"detail":"from the child"}"#
        );
        assert_eq!(shown(json!(42)), "42");
        assert_eq!(shown(json!([1, 2])), "[1,2]");
    }
}
