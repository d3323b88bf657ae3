//! The typed values of a user task's form fields.

use process_engine_api_types::models::{FormField, FormFieldType};
use serde::Serialize;
use serde_json::Value;

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
    /// The default value of `field` read as the field's type. The engine sends a default
    /// written in the model as text (`"42"` for a `long` field) and one written as a `${...}`
    /// expression as the expression's value, with its JSON type (`42`). `None` when the field
    /// has none, or when it does not read as the field's type (an object, `null`, text that is
    /// no number for a `number` field). A field without a type, or of a type the API does not
    /// name, reads a text or scalar default as text.
    pub fn default_of(field: &FormField) -> Option<FormValue> {
        let value = field.default_value.as_ref()?;
        match (field.r#type.as_ref(), value) {
            (Some(FormFieldType::Long), Value::String(text)) => {
                text.trim().parse().ok().map(FormValue::Long)
            }
            (Some(FormFieldType::Long), Value::Number(n)) => n.as_i64().map(FormValue::Long),
            (Some(FormFieldType::Number), Value::String(text)) => {
                text.trim().parse().ok().map(FormValue::Number)
            }
            (Some(FormFieldType::Number), Value::Number(n)) => n.as_f64().map(FormValue::Number),
            (Some(FormFieldType::Boolean), Value::String(text)) => match text.trim() {
                "true" => Some(FormValue::Boolean(true)),
                "false" => Some(FormValue::Boolean(false)),
                _ => None,
            },
            (Some(FormFieldType::Boolean), Value::Bool(b)) => Some(FormValue::Boolean(*b)),
            (Some(FormFieldType::Long | FormFieldType::Number | FormFieldType::Boolean), _) => None,
            (_, Value::String(text)) => Some(FormValue::String(text.clone())),
            // An expression's number or boolean shown in a text field: as JavaScript shows it.
            (_, Value::Number(_) | Value::Bool(_)) => Some(FormValue::String(value.to_string())),
            (_, Value::Null | Value::Array(_) | Value::Object(_)) => None,
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
        assert_eq!(long.r#type, Some(FormFieldType::Long));
        assert_eq!(FormValue::default_of(&long), Some(FormValue::Long(42)));
        assert_eq!(long.default_value, Some(serde_json::json!("42")));
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
        assert_eq!(
            long.default_value,
            Some(serde_json::json!("${token.current.age}"))
        );
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
        assert_eq!(color.r#type, Some(FormFieldType::Enum));
        let values: Vec<_> = color
            .enum_values
            .iter()
            .flatten()
            .map(|value| (value.id.as_deref(), value.name.as_deref()))
            .collect();
        assert_eq!(values, [(Some("red"), Some("Red"))]);
        assert_eq!(
            FormValue::default_of(&color),
            Some(FormValue::String("red".into()))
        );
        let custom = field(
            serde_json::json!({"id": "f", "label": "", "type": "file", "defaultValue": "a.pdf"}),
        );
        assert_eq!(custom.r#type, Some(FormFieldType::Other("file".into())));
        assert_eq!(
            FormValue::default_of(&custom),
            Some(FormValue::String("a.pdf".into()))
        );
    }

    #[test]
    fn an_expressions_default_keeps_its_json_type() {
        let long = field(serde_json::json!({"id": "a", "type": "long", "defaultValue": 42}));
        assert_eq!(FormValue::default_of(&long), Some(FormValue::Long(42)));
        let boolean =
            field(serde_json::json!({"id": "b", "type": "boolean", "defaultValue": false}));
        assert_eq!(
            FormValue::default_of(&boolean),
            Some(FormValue::Boolean(false))
        );
        let number = field(serde_json::json!({"id": "n", "type": "number", "defaultValue": 2.5}));
        assert_eq!(FormValue::default_of(&number), Some(FormValue::Number(2.5)));
        let text = field(serde_json::json!({"id": "s", "type": "string", "defaultValue": 7}));
        assert_eq!(
            FormValue::default_of(&text),
            Some(FormValue::String("7".into()))
        );
        // `undefined` comes as `null`; an object fits no field's type.
        for value in [serde_json::Value::Null, serde_json::json!({"x": 1})] {
            let string =
                field(serde_json::json!({"id": "s", "type": "string", "defaultValue": value}));
            assert_eq!(FormValue::default_of(&string), None);
        }
        let fraction = field(serde_json::json!({"id": "a", "type": "long", "defaultValue": 1.5}));
        assert_eq!(FormValue::default_of(&fraction), None);
        let untyped = field(serde_json::json!({"id": "u", "defaultValue": "x"}));
        assert_eq!(
            FormValue::default_of(&untyped),
            Some(FormValue::String("x".into()))
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
