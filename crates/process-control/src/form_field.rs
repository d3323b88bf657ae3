//! The typed fields of a user task's form.

use process_engine_api_types::models;
use serde::Serialize;

/// One field of a user task's form (`camunda:formField`).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct FormField {
    /// The field's id: the key of its value in the answer.
    pub id: String,
    /// The label to show (an expression in the model is already evaluated).
    pub label: String,
    /// The field's type.
    pub field_type: FormFieldType,
    /// The default value read as the field's type; `None` when there is none or it does not
    /// read as that type (see [`raw_default_value`](Self::raw_default_value)).
    pub default_value: Option<FormValue>,
    /// The default value as the model has it: the engine sends it as text for every type.
    pub raw_default_value: Option<String>,
    /// For [`FormFieldType::Enum`] fields, the values to choose from.
    pub enum_values: Vec<EnumValue>,
    /// The control the modeller asked for.
    pub preferred_control: Option<String>,
}

/// The type of a form field.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FormFieldType {
    /// Text.
    String,
    /// An integer.
    Long,
    /// A number.
    Number,
    /// `true` or `false`.
    Boolean,
    /// A date, as text.
    Date,
    /// One of the field's [`enum_values`](FormField::enum_values), by id.
    Enum,
    /// A type this client does not know, as sent.
    Other(String),
}

/// One choice of an enum field.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct EnumValue {
    /// What to answer for it.
    pub id: String,
    /// What to show.
    pub name: String,
}

/// A form field's value, typed: what a default reads as, and what an answer may hold
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

impl FormFieldType {
    fn read(&self, text: &str) -> Option<FormValue> {
        match self {
            FormFieldType::Long => text.trim().parse().ok().map(FormValue::Long),
            FormFieldType::Number => text.trim().parse().ok().map(FormValue::Number),
            FormFieldType::Boolean => match text.trim() {
                "true" => Some(FormValue::Boolean(true)),
                "false" => Some(FormValue::Boolean(false)),
                _ => None,
            },
            FormFieldType::String
            | FormFieldType::Date
            | FormFieldType::Enum
            | FormFieldType::Other(_) => Some(FormValue::String(text.to_owned())),
        }
    }
}

impl From<models::FormFieldType> for FormFieldType {
    fn from(field_type: models::FormFieldType) -> Self {
        match field_type {
            models::FormFieldType::String => FormFieldType::String,
            models::FormFieldType::Long => FormFieldType::Long,
            models::FormFieldType::Number => FormFieldType::Number,
            models::FormFieldType::Boolean => FormFieldType::Boolean,
            models::FormFieldType::Date => FormFieldType::Date,
            models::FormFieldType::Enum => FormFieldType::Enum,
            other => FormFieldType::Other(other.as_str().to_owned()),
        }
    }
}

impl From<models::FormField> for FormField {
    fn from(field: models::FormField) -> Self {
        let field_type = FormFieldType::from(field.r#type);
        FormField {
            id: field.id,
            label: field.label,
            default_value: field
                .default_value
                .as_deref()
                .and_then(|text| field_type.read(text)),
            raw_default_value: field.default_value,
            field_type,
            enum_values: field
                .enum_values
                .unwrap_or_default()
                .into_iter()
                .map(|value| EnumValue {
                    id: value.id,
                    name: value.name,
                })
                .collect(),
            preferred_control: field.preferred_control,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(json: serde_json::Value) -> FormField {
        serde_json::from_value::<models::FormField>(json)
            .unwrap()
            .into()
    }

    #[test]
    fn defaults_read_as_their_type() {
        let long = field(
            serde_json::json!({"id": "age", "label": "Age", "type": "long", "defaultValue": "42"}),
        );
        assert_eq!(long.field_type, FormFieldType::Long);
        assert_eq!(long.default_value, Some(FormValue::Long(42)));
        assert_eq!(long.raw_default_value.as_deref(), Some("42"));
        let boolean = field(
            serde_json::json!({"id": "ok", "label": "", "type": "boolean", "defaultValue": "false"}),
        );
        assert_eq!(boolean.default_value, Some(FormValue::Boolean(false)));
        let number = field(
            serde_json::json!({"id": "n", "label": "", "type": "number", "defaultValue": "2.5"}),
        );
        assert_eq!(number.default_value, Some(FormValue::Number(2.5)));
        let date = field(
            serde_json::json!({"id": "d", "label": "", "type": "date", "defaultValue": "2019-04-04"}),
        );
        assert_eq!(
            date.default_value,
            Some(FormValue::String("2019-04-04".into()))
        );
    }

    #[test]
    fn a_default_that_does_not_fit_its_type_stays_raw() {
        let long = field(
            serde_json::json!({"id": "age", "label": "Age", "type": "long", "defaultValue": "${token.current.age}"}),
        );
        assert_eq!(long.default_value, None);
        assert_eq!(
            long.raw_default_value.as_deref(),
            Some("${token.current.age}")
        );
        let none = field(serde_json::json!({"id": "x", "label": "X", "type": "string"}));
        assert_eq!((none.default_value, none.raw_default_value), (None, None));
    }

    #[test]
    fn enum_values_and_unknown_types() {
        let color = field(
            serde_json::json!({"id": "c", "label": "Colour", "type": "enum",
            "enumValues": [{"id": "red", "name": "Red"}], "defaultValue": "red"}),
        );
        assert_eq!(color.field_type, FormFieldType::Enum);
        assert_eq!(
            color.enum_values,
            vec![EnumValue {
                id: "red".into(),
                name: "Red".into()
            }]
        );
        assert_eq!(color.default_value, Some(FormValue::String("red".into())));
        let custom = field(serde_json::json!({"id": "f", "label": "", "type": "file"}));
        assert_eq!(custom.field_type, FormFieldType::Other("file".into()));
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
