//! The typed values of a user task's form fields.

use process_engine_api_types::models::{FormField, FormFieldType};
use serde::Serialize;

/// A form field's value, typed: what a field's default reads as, and what an answer may hold
/// (it serializes as the plain JSON value).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum FormValue {
    /// A `string`, `date` or `enum` (the enum value's id) value, or one of an unknown type.
    String(String),
    /// A `long` value.
    Long(i64),
    /// A `number` value.
    Number(f64),
    /// A `boolean` value.
    Boolean(bool),
}

impl FormValue {
    /// The default value of `field` read as the field's type. The engine sends every default
    /// as text (`"42"` for a `long` field); `None` when the field has none, or when it does not
    /// read as the field's type (an expression the engine did not evaluate, say).
    pub fn default_of(field: &FormField) -> Option<FormValue> {
        let text = field.default_value.as_deref()?;
        match field.r#type {
            FormFieldType::Long => text.trim().parse().ok().map(FormValue::Long),
            FormFieldType::Number => text.trim().parse().ok().map(FormValue::Number),
            FormFieldType::Boolean => match text.trim() {
                "true" => Some(FormValue::Boolean(true)),
                "false" => Some(FormValue::Boolean(false)),
                _ => None,
            },
            _ => Some(FormValue::String(text.to_owned())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(json: serde_json::Value) -> FormField {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn defaults_read_as_their_type() {
        let long = field(
            serde_json::json!({"id": "age", "label": "Age", "type": "long", "defaultValue": "42"}),
        );
        assert_eq!(long.r#type, FormFieldType::Long);
        assert_eq!(FormValue::default_of(&long), Some(FormValue::Long(42)));
        assert_eq!(long.default_value.as_deref(), Some("42"));
        let boolean = field(
            serde_json::json!({"id": "ok", "label": "", "type": "boolean", "defaultValue": "false"}),
        );
        assert_eq!(
            FormValue::default_of(&boolean),
            Some(FormValue::Boolean(false))
        );
        let number = field(
            serde_json::json!({"id": "n", "label": "", "type": "number", "defaultValue": "2.5"}),
        );
        assert_eq!(FormValue::default_of(&number), Some(FormValue::Number(2.5)));
        let date = field(
            serde_json::json!({"id": "d", "label": "", "type": "date", "defaultValue": "2019-04-04"}),
        );
        assert_eq!(
            FormValue::default_of(&date),
            Some(FormValue::String("2019-04-04".into()))
        );
    }

    #[test]
    fn a_default_that_does_not_fit_its_type_stays_raw() {
        let long = field(
            serde_json::json!({"id": "age", "label": "Age", "type": "long", "defaultValue": "${token.current.age}"}),
        );
        assert_eq!(FormValue::default_of(&long), None);
        assert_eq!(long.default_value.as_deref(), Some("${token.current.age}"));
        let none = field(serde_json::json!({"id": "x", "label": "X", "type": "string"}));
        assert_eq!(
            (FormValue::default_of(&none), none.default_value),
            (None, None)
        );
    }

    #[test]
    fn enum_values_and_unknown_types() {
        let color = field(
            serde_json::json!({"id": "c", "label": "Colour", "type": "enum",
            "enumValues": [{"id": "red", "name": "Red"}], "defaultValue": "red"}),
        );
        assert_eq!(color.r#type, FormFieldType::Enum);
        let values: Vec<_> = color
            .enum_values
            .iter()
            .flatten()
            .map(|value| (value.id.as_str(), value.name.as_str()))
            .collect();
        assert_eq!(values, [("red", "Red")]);
        assert_eq!(
            FormValue::default_of(&color),
            Some(FormValue::String("red".into()))
        );
        let custom = field(
            serde_json::json!({"id": "f", "label": "", "type": "file", "defaultValue": "a.pdf"}),
        );
        assert_eq!(custom.r#type, FormFieldType::Other("file".into()));
        assert_eq!(
            FormValue::default_of(&custom),
            Some(FormValue::String("a.pdf".into()))
        );
    }

    #[test]
    fn values_serialize_plain() {
        assert_eq!(
            serde_json::to_value(FormValue::Long(3)).unwrap(),
            serde_json::json!(3)
        );
        assert_eq!(
            serde_json::to_value(FormValue::Boolean(true)).unwrap(),
            serde_json::json!(true)
        );
    }
}
